\set r random(0, 19)
select c.id, (select max(o.amount) from eq_order o where o.customer_id = c.id) from eq_customer c
  where c.region = :r::int;
