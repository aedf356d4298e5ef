-- Catalogs per database, schemas and search_path, catalog functions, information_schema (issue 9, part 5)
create schema s1;
create table s1.thing (id int primary key, label varchar(10) not null default 'none', made date);
create table thing (n int);
create table s1.child (id serial primary key, thing_id int references s1.thing(id) on delete cascade, unique (thing_id, id));
comment on table s1.thing is 'things';
comment on column s1.thing.label is 'a label';
select current_schema(), current_schemas(false), current_schemas(true);
select * from thing;
set search_path = s1, public;
select current_schema(), current_schemas(false);
select count(*) from thing;
insert into thing values (1, 'x', '2024-01-02');
select id, label from thing;
select * from public.thing;
reset search_path;
select 's1.thing'::regclass, 'thing'::regclass, 's1.thing'::regclass::oid = (select oid from pg_class where relname = 'thing' and relnamespace = 's1'::regnamespace);
select 'int4'::regtype, 'character varying'::regtype, 'now'::regproc, 'pg_catalog.version'::regproc::oid = 'version'::regproc::oid;
select 'nosuch'::regclass;
select format_type('int4'::regtype, null), format_type(1043, 14), format_type('numeric'::regtype, 655366), format_type('_text'::regtype, -1);
select pg_table_is_visible('s1.thing'::regclass), pg_table_is_visible('thing'::regclass);
select obj_description('s1.thing'::regclass, 'pg_class'), col_description('s1.thing'::regclass, 2), obj_description('s1.thing'::regclass);
select pg_get_userbyid(10), pg_encoding_to_char(6), pg_size_pretty(123456789::bigint), pg_size_pretty(1024::bigint);
select conname, contype, pg_get_constraintdef(oid) from pg_constraint where conrelid = 's1.child'::regclass order by 1;
select adnum, pg_get_expr(adbin, adrelid) from pg_attrdef where adrelid = 's1.child'::regclass;
select attname, atttypid::regtype, attnum, attnotnull, atthasdef from pg_attribute where attrelid = 's1.thing'::regclass and attnum > 0 order by attnum;
select c.relname, n.nspname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('s1', 'public') order by 2, 1;
select nspname from pg_namespace where nspname !~ '^pg_' and nspname <> 'information_schema' order by 1;
select relname from pg_class where relname ~* '^THING$' order by 1;
select relname from pg_class where relname OPERATOR(pg_catalog.~) '^thi' order by 1;
select relname from pg_class where relname ilike 'THI%' and relname not like '%x%' order by 1;
select has_table_privilege('s1.thing', 'select'), has_schema_privilege('s1', 'usage'), has_database_privilege(current_database(), 'connect');
select datname, datistemplate, datallowconn from pg_database order by 1;
select rolname, rolsuper, rolcanlogin from pg_roles where rolname = 'postgres';
select usename, usesuper from pg_user where usename = 'postgres';
select amname, amtype from pg_am where amname in ('btree', 'hash', 'heap') order by 1;
select spcname from pg_tablespace order by 1;
select proname, pronargs, prorettype::regtype from pg_proc where proname in ('version', 'now', 'pg_backend_pid') order by 1;
select oprname, oprleft::regtype, oprright::regtype, oprresult::regtype from pg_operator where oprname = '=' and oprleft = 'int4'::regtype and oprright = 'int4'::regtype;
select name, setting, unit from pg_settings where name in ('work_mem', 'search_path', 'max_connections') order by 1;
select schema_name from information_schema.schemata where schema_name in ('s1', 'public') order by 1;
select table_schema, table_name, table_type from information_schema.tables where table_schema in ('s1', 'public') order by 1, 2;
select column_name, data_type, character_maximum_length, is_nullable, column_default, ordinal_position
  from information_schema.columns where table_schema = 's1' and table_name = 'thing' order by ordinal_position;
select constraint_name, constraint_type from information_schema.table_constraints where table_schema = 's1' and constraint_type <> 'CHECK' order by 1;
select constraint_name, column_name, ordinal_position from information_schema.key_column_usage where table_schema = 's1' order by 1, 3;
select constraint_name, unique_constraint_name, update_rule, delete_rule from information_schema.referential_constraints where constraint_schema = 's1';
select routine_name, routine_type, data_type from information_schema.routines where routine_name = 'version';
insert into thing values (1), (2);
analyze thing;
select relname, n_live_tup from pg_stat_user_tables where relname = 'thing' and schemaname = 'public';
select attname, null_frac, n_distinct from pg_stats where tablename = 'thing' and schemaname = 'public';
create database other template template1;
\c other
select count(*) from pg_class where relname = 'thing';
create table only_here (x int);
\c template1
select count(*) from pg_class where relname = 'only_here';
create table in_template (t int);
insert into in_template values (42);
\c other
select count(*) from pg_class where relname = 'in_template';
create database copied template template1;
\c copied
select t from in_template;
\c template1
drop table in_template;
\c postgres
drop database copied;
drop database other;
drop schema s1;
drop schema s1 cascade;
drop schema if exists s1;
create schema authorization postgres;
select nspname, pg_get_userbyid(nspowner) from pg_namespace where nspname = 'postgres';
drop schema postgres;

-- the status relations Walden computes are views in pg_class, as in PostgreSQL (vacuumdb lists only relkind r and m)
select relname, relkind, relfilenode from pg_class where relname in ('pg_stat_activity', 'pg_settings', 'pg_locks', 'pg_cursors', 'pg_tables') order by 1;
select table_name, table_type from information_schema.tables where table_name in ('pg_stat_activity', 'pg_class') order by 1;
create table vac_t (a int); create view vac_v as select 1 as x;
vacuum pg_class; analyze pg_class; vacuum analyze pg_ts_dict;
vacuum vac_v; analyze vac_v; vacuum analyze vac_v;
vacuum pg_stat_activity; analyze pg_settings;
vacuum (analyze) vac_t, vac_v;
drop view vac_v; drop table vac_t;
