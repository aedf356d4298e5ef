-- time zones: TimeZone numbers (hours east) and POSIX offsets (hours west) in SET and AT TIME ZONE, SET TIME ZONE INTERVAL, RESET TIME ZONE, SHOW's column names; CURRENT_TIMESTAMP(p) and friends
set time zone '+05'; show timezone; select timestamptz '2024-01-01 12:00+00';
set time zone -7; show timezone; select timestamptz '2024-01-01 12:00+00';
set time zone 'UTC+2'; select timestamptz '2024-01-01 12:00+00';
set time zone interval '+03:00' hour to minute; show timezone; select timestamptz '2024-01-01 12:00+00';
reset time zone;
select timezone('+05', timestamptz '2024-01-01 12:00+00'), timezone('EST5EDT', timestamptz '2024-07-01 12:00+00'), timezone('-02:30', timestamp '2024-01-01 12:00');
select current_timestamp(0) is not null, localtimestamp(2) is not null, current_time(1) is not null, localtime(0) is not null;
select pg_typeof(current_timestamp(0)), pg_typeof(localtimestamp(2)), pg_typeof(current_time(1)), pg_typeof(localtime);
select extract(microseconds from current_timestamp(0)) = floor(extract(microseconds from current_timestamp(0)) / 1000000) * 1000000;
select timestamptz '2024-01-01 12:00+00' at time zone '+05', timestamp '2024-01-01 12:00' at time zone '-03:00', timestamptz '2024-01-01 12:00+00' at time zone 'UTC+2';
select timestamptz '2024-01-01 12:00+00' at time zone interval '+05:30';
show datestyle; show TIMEZONE; set time zone 'Europe/Paris'; reset timezone; show time zone;
select localtimestamp(-1);
-- abbreviations: fixed offsets from the default timezone_abbreviations set
select '2020-01-01 12:00 EST'::timestamptz, '2020-07-01 12:00 PDT'::timestamptz, '2020-01-01 12:00 cet'::timestamptz;
select '2020-01-01 12:00:00 est'::timestamptz, '2020-01-01 12:00 NZDT'::timestamptz, '12:00 PST'::timetz;
select timestamptz '2020-07-01 12:00+00' at time zone 'EST', timestamptz '2020-07-01 12:00+00' at time zone 'PDT';
select '2020-01-01 12:00 XYZ'::timestamptz;
