-- GROUP BY ROLLUP / CUBE / GROUPING SETS and GROUPING() as PostgreSQL 15 expands and evaluates them
create table sales (region text, city text, product text, qty int, price numeric(8,2));
insert into sales values
  ('north', 'oslo', 'apple', 3, 1.50), ('north', 'oslo', 'pear', 1, 2.00), ('north', 'bergen', 'apple', 5, 1.40),
  ('south', 'rome', 'apple', 2, 1.10), ('south', 'rome', 'fig', 7, 3.00), ('south', null, 'fig', 1, 2.90),
  (null, null, 'pear', 4, 2.20), ('south', 'milan', null, 2, null);
select region, city, sum(qty), count(*) from sales group by rollup (region, city) order by 1, 2, 3;
select region, product, sum(qty), grouping(region, product) as g from sales group by cube (region, product) order by 4, 1, 2;
select region, city, product, count(*), grouping(region), grouping(city, product), grouping(product, region, city)
  from sales group by cube (region, city, product) order by 5, 6, 1, 2, 3;
select region, product, sum(qty) from sales group by grouping sets ((region, product), (region), ()) order by 1, 2;
select region, city, product, sum(qty) from sales group by region, rollup (city, product) order by 1, 2, 3;
select region, city, count(*) from sales group by grouping sets (rollup (region), city) order by 1, 2, 3;
select region, city, count(*) from sales group by grouping sets (region, (), cube (city)) order by 1, 2, 3;
select count(*), sum(qty) from sales group by ();
select count(*), sum(qty) from sales where qty > 100 group by ();
select region, count(*) from sales where qty > 100 group by rollup (region);
select region, city, count(*) from sales group by rollup (region), rollup (city) order by 1, 2, 3;
select region, city, count(*) from sales group by distinct rollup (region), rollup (region, city) order by 1, 2, 3;
select region, city, count(*) from sales group by all rollup (region), rollup (region, city) order by 1, 2, 3;
select region, count(*) from sales group by grouping sets ((region), (region)) order by 1, 2;
-- HAVING, expressions over grouped columns, aggregates with FILTER / DISTINCT / ORDER BY
select region, sum(qty) from sales group by rollup (region) having sum(qty) > 5 order by 1;
select region, product, count(*) from sales group by cube (region, product)
  having grouping(region, product) = 2 or region is null order by 1, 2, 3;
select upper(region) as r, coalesce(city, '(all)') as c, sum(qty * price), max(price)
  from sales group by rollup (region, city) order by r nulls first, c, 3;
select region, count(distinct product), count(*) filter (where qty > 2), string_agg(product, ',' order by product)
  from sales group by rollup (region) order by 1;
select length(region) + 1 as l, sum(qty) from sales group by rollup (length(region) + 1) order by 1, 2;
select region, city, grouping(region, city), rank() over (partition by grouping(region, city) order by sum(qty) desc)
  from sales group by rollup (region, city) order by 3, 4, 1, 2;
select case grouping(region) when 1 then 'total' else region end as region, sum(qty)
  from sales group by rollup (region) order by 2 desc;
select grouping(region), count(*) from sales group by region order by 2;
select distinct grouping(region, city) from sales group by cube (region, city) order by 1;
select region, sum(qty) from sales group by rollup (region) order by 2 desc limit 2;
select * from (select region, city, sum(qty) as s from sales group by rollup (region, city)) t where city is null order by 1, 3;
select 1 as one from sales group by grouping sets ((), ()) ;
select region, (select count(*) from sales s2 where s2.region = sales.region) from sales group by rollup (region) order by 1;
select region, sum(qty) from sales group by rollup (region)
  having (select count(*) from sales s2 where s2.region = sales.region) >= 0 order by 1, 2;
select region, sum(qty) over (), count(*) from sales group by rollup (region) order by 1, 3;
create table emp (id int primary key, name text, dept text, pay int);
insert into emp values (1, 'ann', 'ops', 10), (2, 'bob', 'ops', 20), (3, 'cy', 'dev', null), (4, 'di', null, 5);
select id, name, dept, sum(pay) from emp group by id, rollup (dept) order by 1, 3;
select id, name from emp group by rollup (id);
create view emp_totals as select dept, sum(pay) as total, grouping(dept) as g from emp group by rollup (dept);
select * from emp_totals order by g, dept;
set enable_hashagg = off;
select dept, name, sum(pay), grouping(dept, name) from emp group by cube (dept, name) order by 4, 1, 2;
select dept, count(*) from emp group by grouping sets ((dept), ()) having count(*) > 1 order by 1;
reset enable_hashagg;
select dept, sum(pay) from emp group by rollup (dept) order by 1 for update;
-- errors
select grouping(qty) from sales group by rollup (region);
select region, grouping(city) from sales group by region;
select grouping(region) from sales;
select region from sales where grouping(region) = 0 group by rollup (region);
select sum(grouping(region)) from sales group by rollup (region);
select region, city from sales group by rollup (region);
select region from sales group by cube (region, city) order by qty;
