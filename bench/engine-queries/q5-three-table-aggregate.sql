select c.region, count(*), sum(l.price * l.qty) from eq_customer c join eq_order o on o.customer_id = c.id
  join eq_line l on l.order_id = o.id group by c.region order by c.region;
