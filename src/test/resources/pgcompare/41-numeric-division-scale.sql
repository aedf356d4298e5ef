-- numeric division's result scale (PostgreSQL's select_div_scale): estimated from the inputs'
-- leading base-10000 digits, so 2 / 2.0 and 0 / 2.0 show 20 decimals and 3 / 2.0 sixteen
select 0 / 2.0, 2 / 2.0, 3 / 2.0, 1 / 2.0, 10000 / 3, 10000.0 / 3, 1 / 3.0, 9999 / 9999.0, 12345 / 1.5;
select 0.001 / 7, 123456789.123 / 0.0007, -5 / 2.50, 1e-20 / 3, 100 / 100.0, 99 / 100.0, 101 / 100.0;
select 1::numeric / 10000, 20000::numeric / 2, 1.00000000000000000000001 / 1, 5555 / 5555.5;
select sum(x) / count(*)::numeric, avg(x) from (values (1.0), (2.0), (4.0)) v(x);
