select sum(rk) from (select rank() over (partition by customer_id order by amount desc) as rk from eq_order) w;
