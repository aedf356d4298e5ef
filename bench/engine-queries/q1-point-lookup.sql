\set id random(1, 100000)
select id, customer_id, amount from eq_order where id = :id;
