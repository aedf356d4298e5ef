-- CREATE [OR REPLACE] FUNCTION ... LANGUAGE sql: scalar and SETOF / TABLE results, $n and named
-- parameters, volatility and STRICT, \df; DROP FUNCTION; the errors of bad definitions; DO and
-- PL/pgSQL are refused (their messages are Walden's own, so they are left out here), and so are
-- bodies that fail their checks (PostgreSQL adds a CONTEXT line Walden does not send: tested in
-- SqlFunctionsIT)
create table item (id int primary key, name text, price numeric(8,2));
insert into item values (1, 'apple', 0.50), (2, 'bread', 2.25), (3, 'cheese', 7.00), (4, 'dates', null);
create function add(a int, b int) returns int language sql immutable as $$ select a + b $$;
select add(1, 2), add(40, 2) as answer;
create function add3(int, int, int) returns bigint as 'select $1 + $2 + $3' language sql;
select add3(1, 2, 3);
create or replace function price_of(item_id int) returns numeric language sql stable
  as $$ select price from item where id = item_id $$;
select id, price_of(id) from item order by id;
select price_of(99) is null as missing;
create function shout(t text) returns text language sql immutable strict as $$ select upper(t) || '!' $$;
select shout('hi'), shout(null) is null as strict_null;
create function nonstrict(t text) returns text language sql as $$ select coalesce(t, 'was null') $$;
select nonstrict(null);
create function names_over(p numeric) returns table (item_name text, doubled numeric) language sql
  as $$ select name, price * 2 from item where price > p order by name $$;
select * from names_over(1);
select item_name from names_over(0) where doubled > 10;
create function evens(n int) returns setof int language sql immutable
  as $$ select g from generate_series(2, n, 2) g $$;
select * from evens(9);
select sum(e) from evens(100) e;
create function as_text(i int) returns text language sql as $$ select i $$;
select as_text(12), pg_typeof(as_text(12));
create function wrap(i int) returns int language sql as $$ select add(i, add(i, 1)) $$;
select wrap(10);
create or replace function add(a int, b int) returns int language sql immutable as $$ select a + b + 1000 $$;
select add(1, 2);
create function add(a int, b int) returns int language sql as $$ select 1 $$;
create or replace function add(a int, b int) returns text language sql as $$ select 'x' $$;
create function bad4() returns int as $$ select 1 $$;
create function bad5() language sql as $$ select 1 $$;
\df add
\df
select proname, prorettype::regtype, proretset, provolatile, proisstrict, pronargs, prosrc
  from pg_proc where proname in ('add', 'evens', 'shout') order by proname;
select pg_get_function_arguments('add'::regproc), pg_get_function_result('names_over'::regproc);
drop function add3(int, int, int);
drop function add3(int, int, int);
drop function if exists add3(int, int, int);
drop function nosuch;
drop function if exists nosuch;
drop function evens, shout;
select shout('x');
\df
