select count(*), sum(l.qty * l.price) from eq_order o join eq_line l on l.order_id = o.id where o.status = 3;
