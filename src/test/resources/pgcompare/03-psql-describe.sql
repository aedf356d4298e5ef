-- psql 15's describe commands over one schema (issue 9, part 6); psql's own queries, unchanged.
-- Not here, because Walden differs (see README): GRANT on tables (no table privileges yet),
-- COLLATE on columns, sizes of tables with a TOAST table (\dt+ of a text column's table),
-- descriptions of built-in objects (\dT+, \dfS+) and the system catalogs' indexes (\dS pg_class).
create schema app;
create table app.acct (id bigint primary key, owner text not null default 'x', balance numeric(12,2) check (balance >= 0),
  created timestamptz default now(), code int generated always as identity);
create table t (a int, b text unique, c bigint references app.acct(id) on delete cascade, d varchar(20));
comment on table t is 'a test table';
comment on column t.a is 'column a';
comment on schema app is 'the application';
create index t_a on t (a) where a > 0;
create index t_expr on t (lower(b));
create index t_multi on t (a desc, d nulls first);
create view v as select a, b from t where a > 1;
comment on view v is 'a view';
create sequence s start 5 increment 2;
create table pgbench_x (id int primary key, note text);
insert into pgbench_x values (1, 'one');
create table pgbench_y (id int references pgbench_x(id));
create role reader login;
create role admin superuser createdb createrole;
create role grp nologin;
grant grp to reader;
\d
\d t
\d+ t
\d app.acct
\d+ app.acct
\d public.t
\d pgbench*
\d pgbench_x
\d+ pgbench_x
\dt
\dt pgbench*
\dt app.*
\dt *.acct
\dt nosuch
\di
\di+ t_a
\di t_*
\dv
\dv+
\ds
\ds+
\dn
\dn+
\du
\du+ reader
\dg
\dp t
\dp pgbench*
\z t
\db
\dT
\dconfig work_mem
\dconfig search_path
\d v
\d+ v
\d s
\d t_a
\d t_expr
\d+ t_multi
\l template0
\l template1
\dE
\dm
\df nosuch
\d nosuch
\x
select * from app.acct;
select a, b from t;
\x
\dtS pg_class
\dfS now
drop role reader;
drop role admin;
drop role grp;
