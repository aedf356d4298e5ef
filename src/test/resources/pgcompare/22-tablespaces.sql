-- Walden issue 10, part 7: tablespaces (CREATE / DROP / ALTER TABLESPACE, TABLESPACE clauses, default_tablespace,
-- GRANT CREATE ON TABLESPACE, pg_tablespace, pg_class.reltablespace, psql's \d). The tablespaces are in-place ones
-- (allow_in_place_tablespaces, LOCATION ''), so both servers accept them; their OIDs differ, so locations are masked.
-- Tablespaces and roles are the cluster's: each is made here and dropped at the end.
\set VERBOSITY default
create role p17_alice login;
-- refusals
create tablespace p17_ts location 'relative/dir';
create tablespace p17_ts location '';
create tablespace pg_p17 location '/nonexistent';
begin;
create tablespace p17_ts location '';
rollback;
set role p17_alice;
create tablespace p17_ts location '';
reset role;
set allow_in_place_tablespaces = on;
create tablespace p17_ts location '';
create tablespace p17_ts location '';
create tablespace p17_ts2 owner p17_alice location '';
create tablespace p17_ts3 owner p17_nobody location '';
create tablespace p17_ts3 location '/nonexistent/p17';
select spcname, pg_get_userbyid(spcowner) as owner, spcacl, spcoptions,
       regexp_replace(pg_tablespace_location(oid), '[0-9]+', 'N') as location
  from pg_tablespace order by spcname;
-- relations in a tablespace
create table t1 (a int primary key, b text) tablespace p17_ts;
create index t1_b on t1 (b) tablespace p17_ts2;
create table t2 (a int) tablespace p17_nope;
create table t3 (a int) tablespace pg_global;
create table t4 (a int) tablespace pg_default;
insert into t1 values (1, 'one'), (2, 'two');
select * from t1 order by a;
select c.relname, t.spcname from pg_class c left join pg_tablespace t on t.oid = c.reltablespace
  where c.relname in ('t1', 't1_b', 't1_pkey', 't4') order by 1;
select tablename, tablespace from pg_tables where tablename in ('t1', 't4') order by 1;
select indexname, tablespace from pg_indexes where tablename = 't1' order by 1;
\d t1
-- default_tablespace
set default_tablespace = p17_nope;
set default_tablespace = '';
show default_tablespace;
set default_tablespace = p17_ts;
create table t5 (a int);
create index t5_a on t5 (a);
reset default_tablespace;
create table t6 (a int);
select c.relname, t.spcname from pg_class c left join pg_tablespace t on t.oid = c.reltablespace
  where c.relname in ('t5', 't5_a', 't6') order by 1;
-- privileges
set role p17_alice;
create table t7 (a int) tablespace p17_ts;
reset role;
grant create on schema public to p17_alice;
set role p17_alice;
create table t7 (a int) tablespace p17_ts;
reset role;
grant create on tablespace p17_ts to p17_alice;
select spcname, spcacl from pg_tablespace where spcname = 'p17_ts';
set role p17_alice;
create table t7 (a int) tablespace p17_ts;
drop tablespace p17_ts;
drop table t7;
reset role;
revoke create on tablespace p17_ts from p17_alice;
select spcname, spcacl from pg_tablespace where spcname = 'p17_ts';
-- ALTER
alter table t1 set tablespace pg_default;
alter table t6 set tablespace p17_ts2;
alter table t6 set tablespace p17_nope;
alter index t1_b set tablespace pg_default;
select c.relname, c.reltablespace from pg_class c where c.relname = 't1_b';
alter index t1_b set tablespace p17_ts2;
alter index p17_nope set tablespace p17_ts2;
alter index if exists p17_nope set tablespace p17_ts2;
create database p17_db tablespace p17_nope;
select c.relname, t.spcname from pg_class c left join pg_tablespace t on t.oid = c.reltablespace
  where c.relname in ('t1', 't6') order by 1;
select * from t1 order by a;
alter tablespace p17_ts rename to p17_ts_renamed;
alter tablespace p17_ts_renamed rename to pg_p17;
alter tablespace p17_ts_renamed rename to p17_ts2;
alter tablespace p17_nope rename to p17_x;
alter tablespace p17_ts_renamed owner to p17_alice;
select spcname, pg_get_userbyid(spcowner) as owner from pg_tablespace where spcname like 'p17%' order by 1;
-- DROP
drop tablespace p17_ts_renamed;
drop tablespace p17_ts2;
drop tablespace pg_default;
drop tablespace p17_nope;
drop tablespace if exists p17_nope;
begin;
drop tablespace if exists p17_nope;
rollback;
drop table t5;
drop table t6;
drop index t1_b;
drop tablespace p17_ts_renamed;
drop tablespace p17_ts2;
select spcname from pg_tablespace order by 1;
revoke create on schema public from p17_alice;
drop role p17_alice;
