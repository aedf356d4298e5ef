-- Views' text follows renames through joins, subqueries, GROUP BY, CTEs, view column renames,
-- SET SCHEMA and regclass constants (nextval), as PostgreSQL's stored rules do
create table t (id int, a int, b text);
insert into t values (1, 10, 'x'), (2, 20, 'y');
create table u (id int, c int);
insert into u values (1, 5);
create view j as select x.id, x.a, u.c from t x join u on u.id = x.id where x.a in (select a from t where b = 'x') order by x.a;
create view g as select b, count(*) as n, sum(a) from t group by b having sum(a) > 0;
alter table t rename column a to a2;
alter table t rename column b to b2;
alter table u rename column c to c2;
alter table u rename to u2;
select * from j;
select * from g order by 1;
select pg_get_viewdef('j');
select pg_get_viewdef('g');
alter view g rename column n to cnt;
select * from g order by 1;
\d+ g
create schema other;
alter view g set schema other;
select * from other.g order by 1;
create sequence sq;
create view sv as select nextval('sq') as n;
alter sequence sq rename to sq2;
select pg_get_viewdef('sv');
drop sequence sq2;
create view cte as with w as (select id, a2 from t) select * from w;
alter table t rename column a2 to a3;
select pg_get_viewdef('cte');
select * from cte order by 1;
create table jt (id int, a int);
create table ju (id int, c int);
create view j2 as select x.id from jt x join ju on ju.id = x.id and ju.c > 0 left join jt y on y.id = x.id;
select pg_get_viewdef('j2');
select pg_get_viewdef('j2', true);
