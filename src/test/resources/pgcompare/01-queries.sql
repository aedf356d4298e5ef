-- Joins, subqueries, CTEs, set operations, windows, grouping and expressions (issue 9, part 2)
create table dept (id int primary key, name text not null, parent int references dept(id));
create table emp (id serial primary key, name text, dept_id int references dept(id), salary numeric(10,2), hired date);
insert into dept values (1, 'eng', null), (2, 'ops', 1), (3, 'sales', null), (4, 'empty', null);
insert into emp (name, dept_id, salary, hired) values ('ann', 1, 100, '2020-01-01'), ('bob', 1, 90, '2021-03-04'),
  ('cid', 2, 80, null), ('dee', null, 70, '2019-05-05'), ('eve', 3, 120, '2022-02-02'), ('fay', 3, 120, '2018-01-01');
select e.name, d.name from emp e join dept d on d.id = e.dept_id order by 1;
select e.name, d.name from emp e left join dept d on d.id = e.dept_id order by 1;
select e.name, d.name from emp e right join dept d on d.id = e.dept_id order by 2, 1;
select e.name, d.name from emp e full join dept d on d.id = e.dept_id order by 1 nulls first, 2;
select e.name, d.name, p.name as parent from emp e join dept d on d.id = e.dept_id left join dept p on p.id = d.parent order by 1;
select count(*) from emp cross join dept;
select e.name, d.name from emp e, dept d where d.id = e.dept_id and d.name like 'e%' order by 1;
select * from emp join dept using (id) order by id;
select * from dept natural join (select id, 'x' as extra from emp) s order by 1;
select d.name, x.top from dept d, lateral (select max(salary) top from emp e where e.dept_id = d.id) x order by 1;
select d.name, x.name from dept d left join lateral (select name from emp e where e.dept_id = d.id order by salary desc limit 1) x on true order by 1;
select name from emp where dept_id in (select id from dept where parent is null) order by 1;
select name from emp where dept_id not in (select parent from dept) order by 1;
select name from emp where dept_id not in (select parent from dept where parent is not null) order by 1;
select name from emp where dept_id in (1, null) order by 1;
select name from dept d where exists (select 1 from emp e where e.dept_id = d.id) order by 1;
select name from dept d where not exists (select 1 from emp e where e.dept_id = d.id) order by 1;
select name from emp where salary > all (select salary from emp where dept_id = 1) order by 1;
select name from emp where salary = any (select salary from emp where dept_id = 3) order by 1;
select name from emp where salary < any (array[80, 95]) order by 1;
select (select name from dept where id = 1);
select (select name from dept);
select name, (select count(*) from emp e where e.dept_id = d.id) as staff from dept d order by 1;
select array(select name from emp order by name);
with recursive t(n) as (select 1 union all select n + 1 from t where n < 5) select sum(n) from t;
with recursive up(id, name, depth) as (select id, name, 0 from dept where id = 2
  union all select d.id, d.name, u.depth + 1 from dept d join up u on d.id = (select parent from dept where id = u.id))
  select * from up order by depth;
with x as (select dept_id, sum(salary) s from emp group by dept_id) select * from x order by s desc, dept_id;
with a as (select 1 as v), b as (select v + 1 as w from a) select * from a, b;
select id from dept union select dept_id from emp order by 1;
select id from dept union all select dept_id from emp order by 1 nulls first;
select id from dept intersect select dept_id from emp order by 1;
select id from dept except select dept_id from emp order by 1;
select dept_id from emp except all select id from dept order by 1;
select dept_id from emp intersect all select dept_id from emp where salary > 85 order by 1;
select 1 as a union select 2 union select 1 order by a desc limit 1;
select name, salary, row_number() over (order by salary desc, name), rank() over (order by salary desc),
  dense_rank() over (order by salary desc) from emp order by name;
select name, lag(name) over w, lead(name, 1, 'none') over w, first_value(name) over w, last_value(name) over w
  from emp window w as (order by name) order by name;
select name, dept_id, sum(salary) over (partition by dept_id order by name rows between unbounded preceding and current row),
  avg(salary) over (partition by dept_id), count(*) over () from emp order by name;
select name, sum(salary) over (order by salary range between 10 preceding and current row) from emp order by name;
select name, ntile(2) over (order by name), percent_rank() over (order by salary), cume_dist() over (order by salary)
  from emp order by name;
select extract(year from hired) y, count(*) from emp group by extract(year from hired) order by 1 nulls last;
select dept_id, count(*), sum(salary), max(name) from emp group by dept_id having count(*) > 1 order by 1;
select dept_id % 2 as parity, string_agg(name, ',' order by name) from emp group by 1 order by 1 nulls first;
select count(distinct dept_id), count(dept_id), count(*), bool_and(salary > 50), avg(salary)::numeric(10,3) from emp;
select distinct dept_id from emp order by 1 nulls first;
select distinct on (dept_id) dept_id, name from emp order by dept_id, salary desc, name;
select name from emp order by salary desc, name limit 2 offset 1;
select name from emp order by name offset 4;
select name from emp order by name fetch first 2 rows only;
select case when salary > 100 then 'high' when salary > 80 then 'mid' else 'low' end, coalesce(dept_id, -1),
  nullif(dept_id, 1), greatest(1, dept_id), least(1, dept_id) from emp order by name;
select '12'::int + 1, cast('2020-01-01' as date) + 1, 1.5::numeric(4,2), '{1,2}'::int[], 7 / 2, 7.0 / 2, -7 % 3;
select * from (values (1, 'one'), (2, 'two')) as v(n, word) order by n desc;
select g, g * g from generate_series(1, 4) g where g % 2 = 0;
select * from unnest(array['a', 'b']) with ordinality as u(letter, n);
select upper(name), length(name), substr(name, 2), name || '!' , name like 'a%', name ilike 'A%', name ~ '^[a-c]' from emp order by 1;
select 1 / 0;
select name from emp where salary = (select salary from emp where dept_id = 3);
select nosuch from emp;
select * from emp e join dept d on d.id = e.nosuch;
select name from emp e join dept d on d.id = e.dept_id where id = 1;
