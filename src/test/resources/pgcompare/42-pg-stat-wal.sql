-- pg_stat_wal: its columns, counters that move with writes, pg_stat_reset_shared('wal') and ('archiver');
-- pg_stat_bgwriter's checkpoint counters and pg_stat_reset_shared('bgwriter')
select attname, atttypid::regtype from pg_attribute where attrelid = 'pg_stat_wal'::regclass order by attnum;
create table walstat (id int primary key, v text);
insert into walstat select g, repeat('x', 100) from generate_series(1, 1000) g;
select wal_records > 0 as records, wal_fpi >= 0 as fpi, wal_bytes > 100000 as bytes, wal_buffers_full >= 0 as full,
       wal_write > 0 as writes, wal_sync > 0 as syncs, wal_write_time = 0 as no_write_time,
       wal_sync_time = 0 as no_sync_time, stats_reset is not null as has_reset
  from pg_stat_wal;
select pg_stat_reset_shared('wal');
select wal_records < 1000 as few_records, wal_bytes < 100000 as few_bytes,
       stats_reset > now() - interval '1 minute' as reset_now
  from pg_stat_wal;
select pg_stat_reset_shared('archiver');
select archived_count, failed_count, stats_reset > now() - interval '1 minute' as reset_now from pg_stat_archiver;
select pg_stat_reset_shared('nonsense');
-- track_wal_io_timing (set for the server): the writes and syncs are timed
alter system set track_wal_io_timing = on;
select pg_reload_conf();
select pg_sleep(0.5);
show track_wal_io_timing;
insert into walstat select g, 'y' from generate_series(1001, 1100) g;
select pg_sleep(1.5);
select 1;
select wal_write_time > 0 as write_time, wal_sync_time > 0 as sync_time from pg_stat_wal;
alter system reset track_wal_io_timing;
select pg_reload_conf();
select checkpoints_req as req0, buffers_checkpoint as buf0 from pg_stat_bgwriter \gset
insert into walstat select g, 'z' from generate_series(2001, 3000) g;
checkpoint;
select pg_sleep(0.5);
select checkpoints_req - :req0 as requested, buffers_checkpoint > :buf0 as wrote,
       checkpoint_write_time >= 0 as write_time, checkpoint_sync_time >= 0 as sync_time
  from pg_stat_bgwriter;
select pg_stat_reset_shared('bgwriter');
select checkpoints_req, buffers_checkpoint, stats_reset > now() - interval '1 minute' as reset_now from pg_stat_bgwriter;
drop table walstat;
