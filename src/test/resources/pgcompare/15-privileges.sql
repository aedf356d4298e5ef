-- Walden issue 10, part 6: privileges (GRANT / REVOKE, ACLs, their checks, has_*_privilege, ALTER DEFAULT PRIVILEGES, psql's
-- \dp \ddp \dn+ \df+ \l columns). Roles are the cluster's: each is made here and dropped at the end.
create role p15_alice login;
create role p15_bob login;
create role p15_carol login;
\set VERBOSITY default
-- ACLs as stored and shown
create table t (a int, b text, c int);
create sequence s;
create function f(int) returns int language sql as 'select $1';
create schema sch;
grant select on t to p15_alice;
grant insert, update on table t to p15_bob with grant option;
grant select (a, b), update (c) on t to public;
grant usage on sequence s to p15_alice;
grant execute on function f(int) to p15_bob;
grant usage, create on schema sch to p15_alice;
grant connect, temp on database postgres to p15_bob;
select relname, relacl from pg_class where relname in ('t', 's') order by 1;
select attname, attacl from pg_attribute where attrelid = 't'::regclass and attnum > 0 order by attnum;
select nspname, nspacl from pg_namespace where nspname in ('sch', 'public');
select proname, proacl from pg_proc where proname = 'f';
\dp
\dn+
revoke insert on t from p15_bob;
revoke grant option for update on t from p15_bob;
revoke select on t from public;
\dp t
grant usage on table t to p15_alice;
grant select on s to p15_alice;
grant foo on t to p15_alice;
grant all on sequence t to p15_alice;
grant select on sequence s to p15_alice, public, current_user;
\dp s
revoke all on t from p15_alice, p15_bob, public;
\dp t
drop table t; drop sequence s; drop function f(int); drop schema sch;
-- checks of queries, views, sequences, functions; SET ROLE
create table t (a int, b text, c int);
insert into t values (1, 'x', 10);
create view v as select a, b from t;
create sequence s;
create function f(int) returns int language sql as 'select $1';
set role p15_alice;
select current_user, session_user;
select * from t;
select * from v;
insert into t values (2, 'y', 20);
update t set a = 1;
delete from t;
select nextval('s');
select f(1);
reset role;
revoke execute on function f(int) from public;
grant select (a, b) on t to p15_alice;
grant update (c) on t to p15_alice;
grant select on v to p15_bob;
set role p15_alice;
select f(1);
select a, b from t;
select * from t;
select count(*) from t;
update t set c = 11;
update t set c = 12 where a = 1;
update t set c = 12 where c = 1;
update t set c = 13 returning a;
update t set c = 13 returning c;
insert into t (a) values (3);
reset role;
set role p15_bob;
select * from v;
select a from v;
select * from t;
reset role;
alter view v owner to p15_alice;
set role p15_bob;
select * from v;
reset role;
set role nosuch;
set session authorization p15_alice;
set role p15_bob;
reset session authorization;
drop view v; drop table t; drop sequence s; drop function f(int);
-- schemas, TRUNCATE, LOCK TABLE, COPY
create schema sch;
create table sch.t (a int);
create table pt (a int);
grant select on sch.t to p15_alice;
grant select on pt to p15_alice;
set role p15_alice;
select * from sch.t;
create table x (a int);
create table sch.x (a int);
set search_path = sch, public;
select * from t;
reset search_path;
reset role;
grant usage on schema sch to p15_alice;
set role p15_alice;
select * from sch.t;
create table sch.x (a int);
truncate pt;
lock table pt in access share mode;
begin;
lock table pt in access share mode;
lock table pt in row exclusive mode;
rollback;
copy pt to stdout;
reset role;
grant create on schema sch to p15_alice;
grant truncate on pt to p15_alice;
set role p15_alice;
create table sch.x (a int);
truncate pt;
\dn+
reset role;
grant create on schema public to p15_bob;
set role p15_bob;
create table public.y (a int);
\dp
reset role;
drop table sch.t, sch.x, pt, public.y; drop schema sch;
-- has_*_privilege, acldefault, makeaclitem, aclexplode
create table t (a int, b text);
create sequence s;
create schema sch;
create function f(int) returns int language sql as 'select $1';
grant select (a) on t to p15_alice;
grant update on t to p15_alice with grant option;
grant usage on sequence s to p15_alice;
select has_table_privilege('p15_alice', 't', 'select'), has_table_privilege('p15_alice', 't', 'update');
select has_table_privilege('p15_alice', 't', 'UPDATE WITH GRANT OPTION'), has_table_privilege('p15_alice', 't', 'insert, update');
select has_table_privilege('t', 'select'), has_table_privilege('p15_alice', 't'::regclass, 'delete');
select has_table_privilege('p15_alice', 't', 'foo');
select has_table_privilege('p15_alice', 'nosuch', 'select');
select has_table_privilege('nobody', 't', 'select');
select has_table_privilege('p15_alice', 999999::oid, 'select');
select has_column_privilege('p15_alice', 't', 'a', 'select'), has_column_privilege('p15_alice', 't', 'b', 'select');
select has_column_privilege('p15_alice', 't', 1::int2, 'select'), has_column_privilege('p15_alice', 't', 7::int2, 'select');
select has_column_privilege('p15_alice', 't', 'zz', 'select');
select has_any_column_privilege('p15_alice', 't', 'select'), has_any_column_privilege('p15_alice', 't', 'insert');
select has_sequence_privilege('p15_alice', 's', 'usage'), has_sequence_privilege('p15_alice', 's', 'select');
select has_sequence_privilege('p15_alice', 't', 'usage');
select has_sequence_privilege('p15_alice', 's', 'delete');
select has_schema_privilege('p15_alice', 'sch', 'usage'), has_schema_privilege('p15_alice', 'public', 'usage'), has_schema_privilege('p15_alice', 'public', 'create');
select has_schema_privilege('p15_alice', 'nosch', 'usage');
select has_function_privilege('p15_alice', 'f(int)', 'execute'), has_function_privilege('p15_alice', 'abs(int)', 'execute');
select has_database_privilege('p15_alice', 'postgres', 'connect'), has_database_privilege('p15_alice', current_database(), 'create'), has_database_privilege('p15_alice', 'template0', 'connect');
select has_database_privilege('p15_alice', 'postgres', 'execute');
select has_table_privilege('public', 't', 'select');
select acldefault('r', 10), acldefault('f', 10), acldefault('d', 10), acldefault('c', 10);
select makeaclitem('p15_alice'::regrole, 10, 'SELECT,UPDATE', true);
select grantor::regrole, grantee::regrole, privilege_type, is_grantable from aclexplode('{p15_alice=r*w/postgres,=X/postgres}'::aclitem[]);
set role p15_alice;
select has_table_privilege('t', 'select'), has_column_privilege('t', 'a', 'select');
reset role;
drop table t; drop sequence s; drop schema sch; drop function f(int);
-- ALTER DEFAULT PRIVILEGES, OWNER TO
create schema sch;
alter default privileges grant select on tables to p15_alice;
alter default privileges in schema sch grant insert on tables to p15_bob;
alter default privileges revoke execute on functions from public;
alter default privileges grant usage on schemas to p15_bob;
alter default privileges for role p15_alice in schema sch grant select on sequences to p15_bob;
\ddp
create table sch.t (a int);
create function sf(int) returns int language sql as 'select $1';
create schema sch2;
create sequence sch.sq;
\dp sch.*
\dn+
\df+ sf
select proname, proacl from pg_proc where proname = 'sf';
alter default privileges revoke select on tables from p15_alice;
alter default privileges in schema sch revoke insert on tables from p15_bob;
\ddp
create database p15_privdb;
revoke connect on database p15_privdb from public;
grant connect on database p15_privdb to p15_alice;
select datname, datacl from pg_database where datname = 'p15_privdb';
alter table sch.t owner to p15_alice;
\dp sch.t
alter schema sch2 owner to p15_alice;
\dn+ sch2
grant all on schema sch2 to p15_bob;
alter schema sch2 owner to p15_bob;
\dn+ sch2
drop database p15_privdb;
alter default privileges revoke usage on schemas from p15_bob;
alter default privileges grant execute on functions to public;
alter default privileges for role p15_alice in schema sch revoke select on sequences from p15_bob;
\ddp
drop table sch.t; drop sequence sch.sq; drop schema sch; drop schema sch2; drop function sf(int);
-- grant options, CASCADE, GRANTED BY, predefined roles, INHERIT, rollback
create table t (a int, b text);
insert into t values (1, 'one');
grant select on t to p15_alice with grant option;
set role p15_alice;
grant select on t to p15_bob with grant option;
grant insert on t to p15_bob;
grant all on t to p15_carol;
reset role;
\dp t
set role p15_bob;
grant select on t to p15_carol;
reset role;
\dp t
revoke grant option for select on t from p15_alice;
revoke grant option for select on t from p15_alice cascade;
\dp t
revoke select on t from p15_alice cascade;
\dp t
grant select on t to p15_alice granted by p15_bob;
grant select on t to p15_alice granted by current_user;
grant select on t to public with grant option;
grant select on t to nosuch;
grant select on nosuch to p15_alice;
grant select (zz) on t to p15_alice;
grant execute on t to p15_alice;
grant usage on schema public to p15_alice with grant option;
grant pg_read_all_data to p15_bob;
set role p15_bob;
select * from t;
insert into t values (2, 'two');
reset role;
grant pg_write_all_data to p15_carol;
set role p15_carol;
insert into t values (2, 'two');
select * from t;
reset role;
create role p15_noinherit noinherit login;
grant p15_alice to p15_noinherit;
grant select on t to p15_alice;
set role p15_noinherit;
select * from t;
set role p15_alice;
select * from t;
reset role;
begin;
grant select on t to p15_bob;
\dp t
rollback;
\dp t
drop table t;
revoke pg_read_all_data from p15_bob;
revoke pg_write_all_data from p15_carol;
revoke connect, temp on database postgres from p15_bob;
revoke usage on schema public from p15_alice cascade;
revoke create on schema public from p15_bob;
drop role p15_noinherit;
drop role p15_alice;
drop role p15_bob;
drop role p15_carol;
-- FOR UPDATE asks UPDATE; foreign keys ask REFERENCES; ALTER FUNCTION ... OWNER TO
create role p15_g login;
create table pk (id int primary key, v int);
insert into pk values (1, 1);
grant select on pk to p15_g;
grant create on schema public to p15_g;
set role p15_g;
select * from pk for update;
select * from pk for share;
create table fk (id int references pk);
reset role;
grant references (id) on pk to p15_g;
grant update (v) on pk to p15_g;
set role p15_g;
select * from pk for update;
create table fk (id int references pk);
drop table fk;
reset role;
revoke create on schema public from p15_g;
revoke all on pk from p15_g;
drop table pk;
drop role p15_g;
create role p15_h login;
create function hf(int) returns int language sql as 'select $1';
grant execute on function hf(int) to p15_h with grant option;
alter function hf(int) owner to p15_h;
\df+ hf
select proname, proacl, proowner::regrole from pg_proc where proname = 'hf';
alter function nosuch(int) owner to postgres;
alter function hf(int) owner to nosuch;
alter function hf owner to postgres;
select proacl from pg_proc where proname = 'hf';
drop function hf(int);
drop role p15_h;
-- DROP ROLE of a role that holds privileges
create role p15_i login;
create table it (a int);
grant select on it to p15_i;
drop role p15_i;
revoke select on it from p15_i;
grant update (a) on it to p15_i;
drop role p15_i;
revoke update (a) on it from p15_i;
create schema isch;
grant usage on schema isch to p15_i;
drop role p15_i;
revoke usage on schema isch from p15_i;
drop role p15_i;
drop schema isch;
drop table it;
create role p15_j login;
create function jf(int, text) returns int language sql as 'select $1';
grant execute on function jf(int, text) to p15_j;
drop role p15_j;
revoke execute on function jf(int, text) from p15_j;
drop role p15_j;
drop function jf(int, text);
-- EXECUTE on built-in administration functions: revoked from PUBLIC, granted per signature
create role p15_files;
set role p15_files;
select count(*) > 0 from pg_ls_dir('.');
reset role;
grant execute on function pg_ls_dir(text) to p15_files;
grant execute on function pg_catalog.pg_read_file(text, bigint, bigint, boolean) to p15_files;
select proname, proacl::text from pg_proc where proname in ('pg_ls_dir', 'pg_read_file', 'pg_stat_file') and proacl is not null order by 1, 2;
set role p15_files;
select count(*) > 0 from pg_ls_dir('.');
select pg_read_file('PG_VERSION', 0, 2, false);
select pg_read_file('/etc/hostname', 0, 1, false);
select pg_stat_file('PG_VERSION') is not null;
reset role;
revoke execute on function pg_ls_dir(text) from p15_files;
set role p15_files;
select count(*) > 0 from pg_ls_dir('.');
reset role;
grant execute on function pg_ls_dir(text, boolean) to p15_files;
grant execute on function lower(text) to p15_files;
revoke execute on function pg_ls_dir(text, boolean) from p15_files;
revoke execute on function pg_catalog.pg_read_file(text, bigint, bigint, boolean) from p15_files;
revoke execute on function lower(text) from p15_files;
drop role p15_files;
