-- COPY ... TO STDOUT in text, CSV and their options, COPY (query) TO, COPY FROM STDIN with
-- HEADER and HEADER MATCH, psql's \copy both ways, and the option errors with their messages
create table t(a int, b text, c numeric, d date, e boolean);
insert into t values (1, 'x,y', 1.5, '2024-02-29', true), (2, null, null, null, null),
  (3, E'q"u\\ote\nnl\ttab', 3, '1999-12-31', false), (4, '', 4, '2000-01-01', true), (5, '\.', -0.5, null, false);
copy t to stdout;
copy t to stdout (format csv);
copy t to stdout (format csv, header, force_quote (a, d));
copy t to stdout (format csv, force_quote *, null 'NULL');
copy t to stdout (header);
copy t to stdout (format text, header, delimiter '|', null '');
copy t to stdout (format csv, delimiter '|', quote '''', escape '\');
copy t (e, a) to stdout with csv header;
copy t to stdout with delimiter ';' null 'n';
copy (select a, b from t where a < 3 order by a desc) to stdout (format csv);
copy (select b from t where a = 5) to stdout (format csv);
copy (select 1 as one, 'two' as "Two", null::int as three) to stdout (format csv, header);
copy (select generate_series(1, 3) as n) to stdout;
copy (insert into t values (6, 'six') returning a, b) to stdout;
copy (delete from t where a = 6) to stdout;
copy t to stdout (encoding 'UTF8', freeze false);
copy t to stdout (foo);
copy t to stdout (format xml);
copy t to stdout (quote '''');
copy t to stdout (escape '\');
copy t to stdout (force_quote (a));
copy t to stdout (format csv, force_quote (zz));
copy t to stdout (format binary, delimiter ',');
copy t to stdout (format binary, null 'x');
copy t to stdout (format binary, header);
copy t to stdout (delimiter ',,');
copy t to stdout (delimiter E'\n');
copy t to stdout (delimiter 'a');
copy t to stdout (format csv, delimiter '"');
copy t to stdout (format csv, force_not_null (a));
copy t to stdout (format csv, header match);
copy t to stdout (format csv, header 'foo');
copy t to stdout (format csv, quote 'ab');
copy t to stdout (format csv, escape 'ab');
copy t to stdout (format csv, null 'a,b');
copy t from stdin (force_quote (a));
copy t (zz) to stdout;
create view v as select * from t;
copy v to stdout;
create sequence s;
copy s to stdout;
copy nosuch to stdout;
copy t to 'relative.txt';
create table u(a int, b text default 'dflt', c int);
copy u from stdin (header);
a	b	c
1	one	10
2	\N	20
\.
copy u (a, c) from stdin (format csv, header match);
a,c
3,30
\.
copy u from stdin (format csv, header true, delimiter ';', null 'NULL');
whatever
5;"five; with ""quotes""";NULL
6;"multi
line";60
\.
copy u to stdout (format csv, header);
\copy u to stdout with (format csv)
\copy (select a * 2 as twice from u order by a) to stdout
select count(*), sum(a), string_agg(coalesce(b, '-'), '|' order by a) from u;
