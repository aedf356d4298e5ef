-- Advisory locks (issue 10, part 3): session and transaction level, exclusive and shared,
-- bigint and (int, int) keys, counted, shown in pg_locks; unlocking what is not held warns
select pg_advisory_lock(1), pg_try_advisory_lock(1), pg_advisory_lock(-1), pg_advisory_lock(10, 20);
select pg_advisory_lock_shared(5000000000), pg_try_advisory_lock_shared(7, 8);
select locktype, database = (select oid from pg_database where datname = current_database()) as this_db,
       classid, objid, objsubid, mode, granted, pid = pg_backend_pid() as mine
  from pg_locks where locktype = 'advisory' order by classid, objid, objsubid, mode;
select pg_advisory_unlock(1), pg_advisory_unlock(1), pg_advisory_unlock(1);
select pg_advisory_unlock_shared(10, 20);
select pg_advisory_unlock(10, 20), pg_advisory_unlock_shared(5000000000), pg_advisory_unlock_shared(7, 8);
begin;
select pg_advisory_xact_lock(42), pg_try_advisory_xact_lock(43), pg_advisory_xact_lock_shared(1, 1),
       pg_try_advisory_xact_lock_shared(44);
select count(*) from pg_locks where locktype = 'advisory';
select pg_advisory_unlock(42);
commit;
select objid from pg_locks where locktype = 'advisory' order by objid;
select pg_advisory_lock(2), pg_advisory_lock_shared(3);
select pg_advisory_unlock_all();
select count(*) from pg_locks where locktype = 'advisory';
select pg_advisory_lock(null);
