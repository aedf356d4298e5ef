-- Two-phase commit: PREPARE TRANSACTION, COMMIT PREPARED, ROLLBACK PREPARED, pg_prepared_xacts
-- (both servers run with max_prepared_transactions = 10)
select current_database() as db \gset
create table tp (id int primary key, v text);
insert into tp values (1, 'a');
-- outside a transaction block: a warning, and the command tag is ROLLBACK
prepare transaction 'nothing';
begin;
insert into tp values (2, 'b');
prepare transaction 'tp1';
select gid, owner, database = current_database() as here, prepared <= now() as past,
       transaction::text::bigint > 0 as has_xid
  from pg_prepared_xacts order by gid;
-- the session is free, and the prepared rows are not visible yet
select * from tp order by id;
begin;
prepare transaction 'tp1';
select gid from pg_prepared_xacts order by gid;
begin;
commit prepared 'tp1';
rollback;
begin;
rollback prepared 'tp1';
rollback;
commit prepared 'nope';
rollback prepared 'nope';
commit prepared 'tp1';
select * from tp order by id;
commit prepared 'tp1';
-- rollback prepared drops the writes
begin;
update tp set v = 'z' where id = 1;
delete from tp where id = 2;
prepare transaction 'tp2';
select * from tp order by id;
rollback prepared 'tp2';
select * from tp order by id;
-- a failed transaction block is rolled back
begin;
select 1/0;
prepare transaction 'tp3';
select count(*) from pg_prepared_xacts;
-- a read-only transaction can be prepared too
begin;
select count(*) from tp;
prepare transaction 'tp-ro';
select gid from pg_prepared_xacts order by gid;
commit prepared 'tp-ro';
-- another database cannot finish it
begin;
insert into tp values (3, 'c');
prepare transaction 'tp4';
\c postgres
commit prepared 'tp4';
rollback prepared 'tp4';
\c :db
-- another user cannot either
create role tp_other login;
\c - tp_other
commit prepared 'tp4';
\c - postgres
commit prepared 'tp4';
select * from tp order by id;
drop role tp_other;
-- the identifier's length and the limit
begin;
prepare transaction 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
select 'begin', format('prepare transaction %L', 'm' || g) from generate_series(1, 10) g \gexec
begin;
insert into tp values (4, 'd');
prepare transaction 'one too many';
select count(*) from pg_prepared_xacts;
select format('rollback prepared %L', gid) from pg_prepared_xacts order by gid \gexec
select count(*) from pg_prepared_xacts;
select * from tp order by id;
-- DDL in a prepared transaction
begin;
create table tp_ddl (a int);
insert into tp_ddl values (1);
prepare transaction 'ddl';
select count(*) from pg_class where relname = 'tp_ddl';
commit prepared 'ddl';
select * from tp_ddl;
-- TRUNCATE and DROP TABLE take effect at COMMIT PREPARED, or not at all
insert into tp_ddl values (2), (3);
begin;
truncate tp_ddl;
insert into tp_ddl values (4);
prepare transaction 'truncate';
rollback prepared 'truncate';
select * from tp_ddl order by a;
begin;
truncate tp_ddl;
insert into tp_ddl values (5);
prepare transaction 'truncate';
commit prepared 'truncate';
select * from tp_ddl order by a;
begin;
drop table tp_ddl;
prepare transaction 'drop';
commit prepared 'drop';
select * from tp_ddl;
-- sequences are not transactional: nextval inside a prepared transaction stays used
create sequence tp_seq;
begin;
select nextval('tp_seq');
insert into tp values (nextval('tp_seq'), 'seq');
savepoint s1;
insert into tp values (50, 'undone');
rollback to savepoint s1;
prepare transaction 'seq';
select nextval('tp_seq');
rollback prepared 'seq';
select nextval('tp_seq');
select * from tp order by id;
-- SET in a prepared transaction stays, SET LOCAL goes
begin;
set local work_mem = '1MB';
set search_path = public, pg_catalog;
prepare transaction 'settings';
show work_mem;
show search_path;
reset search_path;
commit prepared 'settings';
drop sequence tp_seq;
drop table tp;
