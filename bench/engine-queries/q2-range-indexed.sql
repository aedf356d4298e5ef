\set d random(0, 355)
select count(*), sum(amount) from eq_order where placed between date '2024-01-01' + :d::int and date '2024-01-01' + :d::int + 2;
