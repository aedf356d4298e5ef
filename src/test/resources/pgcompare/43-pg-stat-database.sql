-- pg_stat_database: transactions committed and rolled back, rows inserted / updated / deleted,
-- deadlocks, sessions; pg_stat_reset() zeroes them (PostgreSQL sends its counters within a second)
create table dbstat (id int primary key, v int);
select pg_sleep(1.2);
select pg_stat_reset();
select pg_sleep(1.2);
insert into dbstat values (1, 0);
insert into dbstat values (2, 0);
update dbstat set v = 1 where id = 1;
begin;
insert into dbstat values (3, 0);
delete from dbstat where id = 2;
commit;
begin;
insert into dbstat values (4, 0);
rollback;
begin;
select 1 / 0;
rollback;
select 1 / 0;
begin;
savepoint a;
insert into dbstat values (5, 0);
rollback to a;
commit;
select pg_sleep(1.2);
select xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, deadlocks, conflicts,
       stats_reset > now() - interval '1 minute' as reset_now
  from pg_stat_database where datname = current_database();
drop table dbstat;
