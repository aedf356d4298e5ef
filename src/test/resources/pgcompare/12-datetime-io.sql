-- date, time and timestamp input and output: BC years, fractions, odd UTC offsets, 24:00 and leap seconds, COPY
select date '2024-03-05', date '0001-01-01', date '0044-03-15 BC', date '12345-01-02', date 'infinity';
select time '00:00:00', time '23:59:59.999999', time '10:11:12.5', time '10:11:12.000120', time '10:11:12.1234';
select timestamp '2024-03-05 01:02:03.04', timestamp '0010-01-01 00:00:00 BC', timestamp '-infinity';
set timezone = 'Asia/Kolkata'; select timestamptz '2024-03-05 10:00:00.000001+00';
set timezone = 'America/New_York'; select timestamptz '1850-01-01 00:00:00';
set timezone = 'America/St_Johns'; select timestamptz '2024-07-01 12:00+00', timestamptz '0100-01-01 00:00+00 BC';
set timezone = 'UTC'; select timestamptz '2024-03-05 10:00:00.5+02';
select timestamp '2024-03-05 10:11:12.1234567', timestamp '2024-03-05 10:11:12.9999996', timestamp '2024-03-05 24:00:00', timestamp '2024-03-05 10:11';
select timestamptz '2024-03-05 23:59:59.999999+05:30', timestamptz '2024-03-05T01:02:03Z', timestamp '2024-03-05 1:02:03';
select timestamp '2024-03-05 10:61:00';
select timestamp '2024-03-05 25:00:00';
select timestamp '2024-03-05 10:11:12.';
create table tz (a timestamptz, b timestamp); copy tz from stdin;
2024-03-05 10:11:12.5+00	2024-03-05 10:11:12.000001
2024-03-05 23:59:60+00	2024-03-05 10:11:12
\.
select * from tz;

-- time's 24:00:00 is kept apart from 23:59:59.999999: parsed, rounded up to, compared, stored, indexed
select '24:00'::time, '24:00:00'::time, '23:59:59.9999999'::time, '23:59:59.6'::time(0);
select '24:00'::time > '23:59:59.999999'::time, '24:00'::time = '24:00:00'::time;
select '24:00'::time + interval '1 hour', '24:00'::time - interval '1 hour', '24:00'::time - '00:00'::time;
select extract(epoch from '24:00'::time), '24:00'::time::interval;
select '24:00+02'::timetz;
create table tt(t time primary key, tz timetz);
insert into tt values ('24:00', '24:00+00'), ('23:59:59.999999', '23:00+00'), ('00:00', '00:00+00');
select * from tt order by t;
select * from tt where t = '24:00';
select max(t), min(t) from tt;
drop table tt;
