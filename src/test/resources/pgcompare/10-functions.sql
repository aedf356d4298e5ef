-- Walden issue 10, part 5: functions and operators. File paths, sizes and times differ by nature
-- between the two servers: they are compared through predicates.

-- SIMILAR TO, TRIM's column name, sqrt's scale
select trim('  a  '), trim(leading 'x' from 'xxa'), trim(trailing from 'a  '), trim(both 'x' from 'xax');
select sqrt(16.0), sqrt(2::numeric), sqrt(0::numeric), sqrt(12345678.123), sqrt(0.0001), sqrt(1e-20), sqrt(100000000::numeric);
select 'abc' similar to 'a%', 'abc' not similar to 'a%', 'abc' similar to '%(b|d)%', 'a_c' similar to 'a#_c' escape '#', 'abc' similar to 'a#_c' escape '#';
select similar_to_escape('a%_b(c|d)[x\y].^$'), similar_to_escape('a#%b', '#'), similar_to_escape('a\%b', ''), similar_to_escape('[]a]');
select 'abc' similar to 'a' escape 'xy';
select substring('foobar' similar '%#"o_b#"%' escape '#'), similar_escape('a%', null);
select similar_to_escape('a#"b#"c#"d#"e', '#');
select 'abc' similar to null, null similar to 'a';
select substring('foobar' from '%#"o_b#"%' for '#'), substring('abc' similar 'a%' escape '#');

-- ordered-set aggregates
select percentile_cont(0.5) within group (order by x) from generate_series(1,4) x;
select percentile_cont(0.25) within group (order by x desc), percentile_disc(0.25) within group (order by x), mode() within group (order by x % 3) from generate_series(1,10) x;
select percentile_cont(array[0, 0.1, 0.5, 1, null]) within group (order by x), percentile_disc(array[0, 0.1, 0.5, 1]) within group (order by x) from generate_series(1,10) x;
select percentile_cont(0.3) within group (order by x * interval '1 hour') from generate_series(1,4) x;
select percentile_disc(0.5) within group (order by s), mode() within group (order by s) from (values ('a'),('b'),('b'),('c'),(null)) v(s);
select g, percentile_cont(0.5) within group (order by x) from generate_series(1,9) x, lateral (select x % 2 as g) s group by g order by g;
select percentile_cont(0.5) within group (order by x) from generate_series(1,0) x;
select percentile_cont(null) within group (order by x) from generate_series(1,3) x;
select percentile_cont(1.5) within group (order by x) from generate_series(1,3) x;
select percentile_disc(-0.1) within group (order by x) from generate_series(1,3) x;
select percentile_cont(0.5) from generate_series(1,3) x;
select sum(x) within group (order by x) from generate_series(1,3) x;
select percentile_cont(0.5) within group (order by x) over () from generate_series(1,3) x;
select lower('a') within group (order by 1);
select percentile_cont(distinct 0.5) within group (order by x) from generate_series(1,3) x;
select percentile_cont(0.5 order by x) within group (order by x) from generate_series(1,3) x;
select percentile_cont(0.5) within group (order by x) filter (where x > 1) from generate_series(1,3) x;
select percentile_cont(0.5) within group (order by s) from (values ('a')) v(s);
select mode() within group (order by x) from (values (1.0), (1.00), (2)) v(x);

-- more ordered-set cases: interval arrays, HAVING, ungrouped direct arguments, unknown sort values
select percentile_cont(array[0.5, 0.25]) within group (order by x * interval '1 day') from generate_series(1,4) x;
select percentile_disc(0.5) within group (order by d) from (values (date '2024-01-01'), (date '2024-03-01'), (null)) v(d);
select g, mode() within group (order by s desc) from (values (1,'a'),(1,'b'),(2,'c'),(2,'c'),(2,'a')) v(g,s) group by g having percentile_disc(0.5) within group (order by s) > 'a' order by g;
select percentile_cont(x / 10.0) within group (order by x) from generate_series(1,3) x;
select percentile_cont(0.5) within group (order by x nulls first) from (values (1.0),(null),(3.0)) v(x);
select percentile_cont(0.5) within group (order by x, x) from generate_series(1,3) x;
select mode() within group (order by x) from generate_series(1,0) x;
select percentile_cont('nan') within group (order by x) from generate_series(1,3) x;
select percentile_cont(0.5) within group (order by 'a') from generate_series(1,3) x;
select 'aXb' similar to 'a_b', 'ab' similar to 'a|b', 'b' similar to 'a|b', 'aaa' similar to 'a*', 'abab' similar to '(ab)+', 'a' similar to 'a{2}', '%' similar to '\%', 'a.c' similar to 'a.c', 'abc' similar to 'a.c';
select 'abc' similar to '[a-c]+', 'abd' similar to '[^d]+', 'a$' similar to 'a$', '^a' similar to '^a';

-- WITHIN GROUP and SIMILAR TO in views
create table t(x int, g int);
insert into t select i, i % 3 from generate_series(1,10) i;
create view v as select g, percentile_cont(0.5) within group (order by x desc) as p, percentile_disc(array[0.1,0.9]) within group (order by x) filter (where x > 2) as d, mode() within group (order by x) from t group by g;
select * from v order by g;
select pg_get_viewdef('v'::regclass, true);
create view v2 as select 'abc' similar to 'a%' escape '#' as s, 'x' not similar to 'y' as n, trim(both 'x' from 'xax') as t;
select pg_get_viewdef('v2'::regclass, true);
select * from v2;
explain (costs off) select percentile_cont(0.5) within group (order by x) from t;

-- administration functions
select count(*) > 0 from pg_ls_dir('.') d where d = 'PG_VERSION';
select d from pg_ls_dir('.', false, true) d where d in ('.', '..', 'global') order by d;
select count(*) from pg_ls_dir('nosuchdir', true, false);
select * from pg_ls_dir('nosuchdir');
select * from pg_ls_dir('PG_VERSION');
select pg_read_file('PG_VERSION');
select pg_read_file('PG_VERSION', 0, 2), pg_read_file('PG_VERSION', 1, 100), pg_read_file('PG_VERSION', 100, 10);
select pg_read_file('PG_VERSION', -3, 2), pg_read_binary_file('PG_VERSION', 0, 2);
select pg_read_file('PG_VERSION', 0, -1);
select pg_read_file('nosuch');
select pg_read_file('nosuch', 0, 10, true) is null;
select pg_read_binary_file('nosuch', 0, 10, true) is null;
select pg_read_file('global');
select pg_read_file('./global/../PG_VERSION') = pg_read_file('PG_VERSION');
select pg_read_file('PG_VERSION', -100, 1);
select size, isdir, creation, modification <= now(), access is not null, change is not null from pg_stat_file('PG_VERSION');
select isdir from pg_stat_file('global');
select * from pg_stat_file('nosuch');
select * from pg_stat_file('nosuch', true);
select pg_stat_file('nosuch', true) is null;
select (pg_stat_file('PG_VERSION')).size;
select length(pg_read_file('/etc/hostname')) >= 0;
select pg_relation_filepath('pg_class') like 'base/%';
create table rf(a int primary key, b int); create index rf_b on rf(b); create view rv as select 1;
select pg_relation_filepath('rf') ~ '^base/[0-9]+/[0-9]+$', pg_relation_filepath('rf_b') ~ '^base/[0-9]+/[0-9]+$', pg_relation_filepath('rv');
select split_part(pg_relation_filepath('rf'), '/', 2)::oid = (select oid from pg_database where datname = current_database());
select checkpoint_lsn >= redo_lsn, redo_wal_file ~ $$^[0-9A-F]{24}$$, timeline_id, prev_timeline_id, full_page_writes, next_xid ~ '^0:[0-9]+$', oldest_xid_dbid, oldest_active_xid is not null, checkpoint_time <= now() from pg_control_checkpoint();
select pg_control_version, catalog_version_no, system_identifier > 0, pg_control_last_modified <= now() from pg_control_system();
select max_data_alignment, database_block_size, blocks_per_segment, wal_block_size, bytes_per_wal_segment, max_identifier_length, max_index_columns, max_toast_chunk_size, large_object_chunk_size, float8_pass_by_value from pg_control_init();
select * from pg_control_recovery();
select * from pg_walfile_name_offset('0/1000028');
select * from pg_walfile_name_offset('0/2000000');
select * from pg_walfile_name_offset('1/FF');
select file_offset from pg_walfile_name_offset('0/16B3750');
select pg_walfile_name_offset('0/16B3750');
select pg_current_logfile(), pg_current_logfile('csvlog'), pg_current_logfile(null);
select pg_current_logfile('xml');
select pg_stat_reset(), pg_stat_reset_shared('bgwriter'), pg_stat_reset_single_table_counters('rf'::regclass);
select pg_stat_reset_shared('nonsense');
select line_number > 0, type, database, user_name, auth_method, options, error from pg_hba_file_rules where type = 'local' order by line_number limit 1;
select count(*) from pg_hba_file_rules where error is not null;
select address, netmask from pg_hba_file_rules where address = '127.0.0.1' limit 1;
select address, netmask from pg_hba_file_rules where address = '::1' limit 1;
select pg_backup_stop();
select pg_backup_start('lbl', true) is not null;
select pg_backup_start('again');
select lsn > '0/0', labelfile ~ '^START WAL LOCATION: [0-9A-F]+/[0-9A-F]+ \(file [0-9A-F]{24}\)\nCHECKPOINT LOCATION: [0-9A-F]+/[0-9A-F]+\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: .* UTC\nLABEL: lbl\nSTART TIMELINE: 1\n$', spcmapfile from pg_backup_stop();
select * from pg_backup_stop(false);
select pg_backup_start(repeat('x', 1025));
select pg_backup_start('x'), pg_backup_start('y');
select lsn is not null from pg_backup_stop(wait_for_archive => false);
create role fn10_plain login;
\c - fn10_plain
select pg_ls_dir('.');
select pg_stat_file('PG_VERSION');
select pg_read_file('PG_VERSION');
select pg_read_binary_file('/etc/hostname');
select pg_current_logfile();
select pg_backup_start('z');
select pg_backup_stop();
select pg_stat_reset();
select pg_stat_reset_shared('wal');
select * from pg_hba_file_rules;
select checkpoint_lsn is not null from pg_control_checkpoint();
select pg_relation_filepath('rf') is not null;
\c - postgres
drop role fn10_plain;

-- pg_hba_file_rules over a pg_hba.conf written for it (the original is put back)
select encode(pg_read_binary_file('pg_hba.conf'), 'base64') as hba_orig \gset
select current_setting('data_directory') || '/pg_hba.conf' as hba \gset
copy (select * from (values ('local all all trust'), ('host all all 10.0.0.0/8 md5'), ('host "db one",db2 alice,bob 192.168.1.0 255.255.255.0 scram-sha-256'), ('hostssl all all ::/0 cert map=m'), ('hostssl all all fe80::/64 scram-sha-256 clientcert=verify-ca'), ('host all all samenet reject'), ('host all all example.com trust'), ('host all all 10.0.0.0/33 trust'), ('local all all bogus'), ('host all all 1.2.3.4'), ('local all'), ('host all all 1.2.3.4/32 trust foo=bar'), ('hostnossl replication all all peer')) v(l)) to :'hba';
select line_number, type, database, user_name, address, netmask, auth_method, options, error from pg_hba_file_rules order by line_number;
copy (select regexp_split_to_table(rtrim(convert_from(decode(:'hba_orig', 'base64'), 'UTF8'), E'\n'), E'\n')) to :'hba';
select pg_read_binary_file('pg_hba.conf') = decode(:'hba_orig', 'base64');
select count(*) > 0, count(error) from pg_hba_file_rules;

-- pg_lsn arithmetic with numeric
select '0/16B3748'::pg_lsn + 16, '0/16B3748'::pg_lsn - 16::numeric, '0/16B3748'::pg_lsn - '0/16B3700'::pg_lsn, pg_lsn '0/10' + 1.5;
select '0/0'::pg_lsn - 1;
select 'FFFFFFFF/FFFFFFFF'::pg_lsn + 1;

-- the connection's ends, pg_stat_activity's client_addr as an inet, interval + date / time / timetz
select inet_client_addr(), inet_server_addr(), inet_server_port() > 0, inet_client_port() > 0;
select inet_client_addr() = (select client_addr from pg_stat_activity where pid = pg_backend_pid());
select inet_client_port() = (select client_port from pg_stat_activity where pid = pg_backend_pid());
select inet_server_port() = current_setting('port')::int;
select count(*) from pg_stat_activity where client_addr = '127.0.0.1' and pid = pg_backend_pid();
select host(client_addr), family(client_addr), client_addr << '127.0.0.0/8'::inet from pg_stat_activity where pid = pg_backend_pid();
select interval '1 day' + date '2024-01-01', time '10:00' + date '2024-01-01', interval '1 hour' + time '23:30', interval '1 hour' + timetz '10:00+02';

-- num_nulls / num_nonnulls, date_bin
select num_nonnulls(1, null, 2), num_nulls(1, null), num_nulls(null::int), num_nonnulls('a', 'b', null::text);
select date_bin('15 minutes', timestamp '2024-01-01 10:07', timestamp '2024-01-01');
select date_bin('15 minutes', timestamp '2024-01-01 10:07', timestamp '2024-01-01 10:10');
select date_bin('1 day 2 hours', timestamp '2024-01-05 10:07:33.5', timestamp '2000-01-01');
select date_bin('10 minutes', timestamptz '2024-01-01 10:07+02', timestamptz '2024-01-01 00:00+00');
select date_bin('1 month', timestamp '2024-01-01', timestamp '2024-01-01');
select date_bin('0 minutes', timestamp '2024-01-01', timestamp '2024-01-01');
select date_bin('-5 minutes', timestamp '2024-01-01', timestamp '2024-01-01');
select date_bin('1 microsecond', timestamp '2024-01-01 00:00:00.5', timestamp '2024-01-01 00:00:01');
select date_bin('15 minutes', timestamp '1999-12-31 23:59', timestamp '2024-01-01');
