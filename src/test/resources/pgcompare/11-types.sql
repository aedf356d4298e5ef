-- Types (issue 10, part 4): date/time with time zones and DST, timetz, intervals, uuid, bytea
-- (hex and escape), json (kept as written) and jsonb (normalised), arrays, floats, numeric, "char"
select date '2024-03-05' + 1, time '10:11:12' + interval '1 hour', timetz '10:11:12+02', timestamptz '2024-03-05 10:00+02';
select timetz '10:11:12.5-05:30', '10:11:12'::timetz, timetz '10:11:12+02' = timetz '08:11:12+00',
       timetz '10:11:12+02' < timetz '09:11:12+00', timetz '10:11:12+02'::time, time '10:00'::timetz,
       timestamptz '2024-03-05 10:00+02'::timetz, timetz '10:00+02' + interval '1 hour', time with time zone '23:00-01';
create table tz (id int, t timetz, primary key (t));
insert into tz values (1, '10:00+02'), (2, '08:00+00'), (3, '09:00+01'), (4, '07:59:59.999999-00');
select * from tz order by t; select * from tz where t > '08:00+00' order by id;
select min(t), max(t), count(distinct t) from tz;
select interval '1 day 2 hours' * 2, timestamp '2024-01-31' + interval '1 month', interval '90 minutes';
select interval '1 day 2 hours' - interval '3 hours', interval '1 month' / 2, justify_hours(interval '50 hours'),
       justify_days(interval '40 days'), justify_interval(interval '1 month -1 hour'), justify_interval(interval '-1 month 35 days 2 hours');
select timestamp '2024-03-10 12:00' - timestamp '2024-03-01', date '2024-03-10' - date '2024-03-01',
       age(timestamp '2024-03-10', timestamp '2023-01-15'), age(timestamp '2023-01-15', timestamp '2024-03-10 10:00'),
       age(timestamp '2024-03-01', timestamp '2024-01-31');
select interval '1 year 2 months 3 days 04:05:06.789', interval '-1 day +2 hours', interval '1.5 days', interval 'P1Y2M3DT4H5M6S';
set timezone = 'America/New_York';
select timestamptz '2024-03-05 10:00+00', timestamptz '2024-11-03 01:30', timestamptz '2024-03-10 02:30',
       timestamptz '2024-03-10 12:00'::timestamp, timestamp '2024-07-01 12:00'::timestamptz,
       extract(timezone from timestamptz '2024-07-01'), date_trunc('day', timestamptz '2024-07-01 15:00+00');
set timezone = 'Europe/Berlin';
select timestamptz '2024-03-31 01:30:00+00', timestamptz '2024-03-31 01:30:00+00' + interval '1 day',
       timestamptz '2024-03-30 12:00' + interval '24 hours', timestamptz '2024-10-27 02:30', timestamp '2024-10-27 02:30'::timestamptz;
set timezone = 'Asia/Kolkata';
select timestamptz '2024-01-01 00:00:00+00', timestamptz '2024-07-01 12:00' at time zone 'UTC', timestamp '2024-07-01 12:00' at time zone 'UTC';
reset timezone;
select gen_random_uuid() is not null, '123e4567-e89b-12d3-a456-426614174000'::uuid, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid,
       '{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}'::uuid, '00000000-0000-0000-0000-000000000000'::uuid < 'f23e4567-e89b-12d3-a456-426614174000'::uuid;
select '\xdeadbeef'::bytea, 'a\\b'::bytea, '\x00ff'::bytea, 'abc'::bytea, E'\\001\\377'::bytea, length('\xdeadbeef'::bytea),
       encode('\xdeadbeef'::bytea, 'base64'), decode('3q2+7w==', 'base64'), encode('ab\\c'::bytea, 'escape'),
       '\xdeadbeef'::bytea || '\x00'::bytea, md5('abc'::bytea), get_byte('\x0102'::bytea, 1), set_byte('\x0102'::bytea, 0, 255);
set bytea_output = escape;
select '\xdeadbeef'::bytea, 'abc'::bytea, '\x00ff7f0a5c'::bytea, ARRAY['\x01'::bytea], '\x'::bytea;
show bytea_output;
reset bytea_output;
select '{"a":{"b":[1,2]}}'::json -> 'a', '{"a":1}'::jsonb ->> 'a', '{"a":{"b":[1,2]}}'::jsonb #> '{a,b}',
       '{"a":1,"b":2}'::jsonb @> '{"a":1}', '{"a":1}'::jsonb ? 'a';
select '{"b":1, "a":  [1,2]}'::json, '{"b":1, "a":  [1,2], "a": 3}'::jsonb, '[1, 2]'::json ->> 1,
       '{"a":{"b":"c"}}'::json #>> '{a,b}', '{"a": { "b" : [1, 2] } }'::json #> '{a,b}', '[{"x": 1}, 2]'::json -> 0,
       '{"a":1}'::jsonb || '{"b":2}', '{"a":1,"b":2}'::jsonb - 'a';
select '{"a": 1.50, "b": 1e3}'::jsonb, '{"a":[1,2]}'::jsonb -> 'a' -> 0, '[1,2,3]'::jsonb -> -1, '{"a":1}'::jsonb ?| array['a','z'],
       '{"a":1}'::jsonb ?& array['a','z'], jsonb_array_length('[1,2]');
select jsonb_build_object('a',1,'b','x'), jsonb_agg(x) from generate_series(1,3) x;
select json_build_object('a', 1, 'b', ARRAY[1,2], 'c', '{"x":  1}'::json), json_agg(x), json_build_array(1,'a',null), jsonb_build_array(1,'a')
  from generate_series(1,2) x;
select json_agg(t) from (select 1 as a, 'x' as b union all select 2, 'y') t;
select row_to_json(t) from (select 1 as a, 'x' as b, null::int as c, ARRAY[1,2] as d) t;
select to_json(ARRAY[1,2]), to_jsonb(ARRAY[1,2]), to_json('x'::text), array_to_json(ARRAY['a','b']), json_object_agg(k, v)
  from (values ('a', 1), ('b', 2)) v(k, v);
select jsonb_typeof('[1]'), json_typeof('{}'), jsonb_set('{"a":1}', '{b}', '2'), jsonb_set('{"a":{"b":1}}', '{a,b}', '[3]'),
       jsonb_set('[1,2]', '{5}', '9'), jsonb_set('{"a":1}', '{x,y}', '2'), jsonb_pretty('{"a":[1,2]}'), jsonb_strip_nulls('{"a":null,"b":1}');
select * from jsonb_array_elements('[1,"a",null]');
select * from jsonb_array_elements_text('[1,"a",null]');
select * from json_array_elements('[1, {"a" : 2}]') e;
select * from jsonb_each('{"a":1,"b":"x"}');
select * from json_each('{"a":1,"b":[1, 2]}');
select * from jsonb_each_text('{"a":1,"b":"x"}');
select * from json_object_keys('{"a":1,"b":2}');
select * from jsonb_object_keys('{"b":1,"a":2}');
select ARRAY[1,2,3], 2 = ANY(ARRAY[1,2]), array_length(ARRAY[1,2,3],1), array_agg(x order by x desc) from generate_series(1,3) x;
select unnest(ARRAY['a','b']);
select * from unnest(ARRAY['a','b']) with ordinality;
select * from unnest(ARRAY[1,2]) u;
create table arr(a int[], b text[]); insert into arr values ('{1,2}', ARRAY['x','y']); select * from arr; select a[1], b[2] from arr;
select ARRAY['a b', NULL, 'c"d', 'e\f', '', 'NULL', '{x}'], ARRAY[[1,2],[3,4]], '{{a,b},{c,d}}'::text[], ARRAY[1.5,2]::float8[],
       ARRAY[NULL]::int[], '{}'::int[];
select array_dims(ARRAY[[1,2],[3,4]]), array_length(ARRAY[[1,2],[3,4]], 2), array_upper(ARRAY[1,2,3],1), cardinality(ARRAY[[1,2],[3,4]]),
       array_to_string(ARRAY['a',NULL,'b'], ',', '*'), string_to_array('a,b,c', ',');
select array_append(ARRAY[1,2], 3), array_prepend(0, ARRAY[1]), ARRAY[1,2] || ARRAY[3], array_cat(ARRAY['a'], ARRAY['b']),
       array_position(ARRAY['a','b'], 'b'), array_remove(ARRAY[1,2,1], 1), ARRAY[1,2] @> ARRAY[1], ARRAY[1,2] && ARRAY[2,3];
select 3 = ALL(ARRAY[3,3]), 'x' = ANY('{x,y}'::text[]), 5 <> ALL(ARRAY[1,2]);
select 1.5::real, 1.5::double precision, 0.1::float8 + 0.2, 1e100::float8, 'NaN'::float8, 'Infinity'::float4;
select 0.1::float8, 1.1::float4, 1/3::float8, 1e-7::float8, 123456789012345678::float8, 3.14159::real, -0.0::float8, 1e15::float8, 1e16::float8;
set extra_float_digits = 3;
select 0.1::float8, 1.1::float4, 1/3::float8, 1e-7::float8, 123456789012345678::float8, 3.14159::real;
set extra_float_digits = 0;
select 0.1::float8 + 0.2, 1.1::float4, 1/3::float8;
reset extra_float_digits;
select 2.5::numeric(10,0), round(2.5), round(-2.5), 1/3::numeric, 10::numeric / 4;
select 1.10::numeric + 2.205, 1.5::numeric * 1.25, 10::numeric / 3, 1::numeric / 7, 2::numeric / 3 * 3, 123.456::numeric(5,1),
       round(1.2345, 2), round(-0.5), round(1234.5, -2), trunc(1.999, 2), 0.1 + 0.2::numeric;
select 100::numeric / 7.0, 1e20::numeric / 3, 7.00::numeric / 2, (-7)::numeric % 3, 5.5 % 2, 1.0e-10::numeric,
       12345678901234567890 * 98765432109876543210;
select 'a'::"char", 'ab'::"char", ''::"char", 'abc'::name, 65::"char", 'a'::"char"::int, 4294967295::oid, 'abc'::name = 'abc', 1::oid;
-- inet and cidr: text forms, functions, containment, network_cmp's order (also through an index)
select '192.168.1.5/24'::inet, '10.0.0.0/8'::cidr, family('::1'::inet), host('192.168.1.5/24'::inet), masklen('192.168.1.5/24'::inet), network('192.168.1.5/24'::inet), '192.168.1.5'::inet << '192.168.1.0/24'::cidr, '192.168.1.0/24'::cidr >>= '192.168.1.5'::inet, '192.168.1.5/24'::inet::cidr, '10.0.0.0/8'::cidr::inet;
select '10.1.0.0/8'::cidr;
select text('192.168.1.5/24'::inet), abbrev('10.0.0.0/8'::cidr), broadcast('192.168.1.5/24'::inet), netmask('192.168.1.5/24'::inet), '::ffff:1.2.3.4'::inet, '2001:db8::/32'::cidr, set_masklen('192.168.1.5/24'::inet, 16);
select '1.2.3.4'::inet::text, '10.0.0.1/32'::cidr::inet, '192.168.1'::cidr, '10'::cidr, '::1'::inet, '2001:db8:0:0:1:0:0:1'::inet, '1::'::inet, 'fe80::1:2:3:4/64'::inet, hostmask('10.0.0.0/8'::inet), abbrev('10.1.0.0/16'::cidr);
select 'x'::inet;
select '1.2.3.256'::inet;
create table hosts (ip inet primary key, net cidr);
insert into hosts values ('10.0.0.5', '10.0.0.0/24'), ('9.1.1.1/8', '9.0.0.0/8'), ('2001:db8::1', '2001:db8::/32'), ('10.0.0.5/16', '10.0.0.0/16'), ('192.168.0.1', '192.168.0.0/16');
select * from hosts order by ip; select ip from hosts where ip > '9.255.0.0' order by ip desc; select * from hosts where ip << '10.0.0.0/8' order by 1;
select ip, net, ip <<= net, net >> ip, ip && '10.0.0.0/30' from hosts order by net;
select min(ip), max(ip), count(*) from hosts;
select '10.0.0.1'::inet = '10.0.0.1/32'::inet, '10.0.0.1'::inet < '10.0.0.2', '10.0.0.0/8'::cidr = '10.0.0.0/8'::inet, '::1'::inet > '255.255.255.255'::inet;
set extra_float_digits = -3; select 0.1::float8 + 0.2, 1.1::float4, 1/3::float8, 1e100::float8, 123456.789::float8, 1e-5::float4; reset extra_float_digits;
set extra_float_digits = 2; select 0.1::float8 + 0.2, 1.1::float4;
set extra_float_digits = -3;
select 0.1::float8 + 0.2, 1.1::float4, 1/3::float8, 1e100::float8, 123456.789::float8, 1e-5::float4;
reset extra_float_digits;
-- timetz, cidr, json, bytea, "char" and arrays in a table: describe, COPY, extract
create table tt (a timetz, b cidr, c inet, d json, e bytea, f "char", g uuid[], h timetz[]);
insert into tt values ('10:00:00.25+05:30', '10.0.0.0/8', '::ffff:10.0.0.1', '{"k" : [1, 2]}', '\x00ff', 'z', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', ARRAY[timetz '10:00+02', '11:00-03']);
\d tt
select pg_typeof(a), pg_typeof(b), format_type('timetz'::regtype, 3), 'time(2) with time zone'::regtype, pg_typeof(h) from tt;
select a, b, c, d, e, f, g, h, a::time, d -> 'k' -> 1, d ->> 'k' from tt;
select extract(hour from timetz '10:30+02'), extract(timezone from timetz '10:30+02:30'), date_part('minute', timetz '10:30+02');
copy tt to stdout;
set bytea_output = escape; copy tt (e) to stdout; select e from tt; reset bytea_output;
select * from json_each('{"a" : { "b" : 1 },  "c":"x"}');
select * from json_each_text('{"a" : { "b" : 1 },  "c":"x"}');
select json_typeof('{"a": 1}'::json -> 'a'), json_array_length('[1, [2, 3]]'), '[1, [2,  3]]'::json -> 1, json_extract_path('{"a" : {"b":  [1]}}', 'a', 'b');
select '10:00+02'::timetz::text, cast(timetz '10:00:00.123456+02' as time(2) with time zone);
select timetz '00:00:00-15:59', timetz '23:59:59.999999+15:59';
-- intervals, DST arithmetic and formatting, jsonb's order
set timezone = 'Europe/Berlin';
select timestamptz '2024-03-31 12:00' - timestamptz '2024-03-30 12:00', timestamptz '2024-03-30 12:00' + interval '1 day', timestamptz '2024-10-27 00:00' + interval '3 hours';
select * from generate_series(timestamptz '2024-03-30', timestamptz '2024-04-01', interval '1 day');
select to_char(timestamptz '2024-07-01 12:34:56.789+00', 'YYYY-MM-DD HH24:MI:SS.MS TZ OF'), date_trunc('month', timestamptz '2024-03-31 12:00');
reset timezone;
select extract(epoch from interval '1 day 2 hours'), extract(epoch from timestamptz '2024-01-01 00:00+00'), interval '1 day' = interval '24 hours', interval '1 month' = interval '30 days';
select date '2024-01-01' + time '10:00', date '2024-01-31' + interval '1 month', date '2024-02-29' - interval '1 year', '2024-01-01'::date - 1;
select make_interval(days => 10), make_timestamptz(2024, 1, 1, 0, 0, 0, 'UTC'), to_timestamp(1700000000), to_timestamp(1.5);
select interval '1 hour' * 1.5, interval '1 day' / 3, -interval '1 day 2 hours', interval '3 days' < interval '1 month', avg(x) from (values (interval '1 hour'), (interval '2 hours')) v(x);
select '1 mon'::interval, '-1 mon 2 days'::interval, '100000 hours'::interval, '0.5 months'::interval, '1.5 years'::interval, interval '2 weeks', interval '1 minute 30 seconds';
select array_agg(j) from (values ('{"a":1}'::jsonb), ('[2]')) v(j); select jsonb_agg(j order by j) from (values ('{"a":1}'::jsonb), ('[2]'), ('3')) v(j);
select '{"a":1}'::jsonb = '{"a":1.0}'::jsonb, '[1,2]'::jsonb < '[1,3]'::jsonb, '{"b":1}'::jsonb > '{"a":1}'::jsonb;
select j from (values ('{"a":1}'::jsonb), ('[2]'), ('3'), ('"s"'), ('null'), ('[1,2]'), ('{"a":1.0,"b":2}'), ('true'), ('2.50')) v(j) order by j;
select distinct j from (values ('1'::jsonb), ('1.0'), ('[1]'), ('[1.00]'), ('{"a":0}'), ('{"a":0.0}')) v(j) order by j; select j, count(*) from (values ('1'::jsonb), ('1.0'), ('1e0')) v(j) group by j; select count(*) from (values ('1'::jsonb), ('2')) a(x) join (values ('1.0'::jsonb)) b(y) on x = y;
select '{"a":1, "a":2}'::json -> 'a', '{"a":1, "a":2}'::json, json_object_keys('{"a":1, "a":2}');
select * from json_each('{"a":1, "b":2, "a":3}');
select * from json_each_text('{"a":1, "b":2, "a":3}');
select '{"a":1, "a":2}'::json::jsonb, json_typeof('{"a":1, "a":[2]}'::json -> 'a'), '{"a":{"x":1}, "a":{"x":2}}'::json #> '{a,x}';

-- UPDATE ... SET arr[i] = v: replace, grow with NULLs, several per column, ON CONFLICT, errors
create table arr_assign (id int primary key, x int[], t text[]);
insert into arr_assign values (1, '{1,2}', '{a}'), (2, null, null), (3, '{}', '{}');
update arr_assign set x[3] = 9 where id = 1; select x from arr_assign where id = 1;
update arr_assign set x[1] = 7, x[2] = 8 where id = 1; select x from arr_assign where id = 1;
update arr_assign set x[2] = null, t[1] = 'z' where id = 1; select x, t from arr_assign where id = 1;
update arr_assign set x[1] = '42' where id = 2; select x from arr_assign where id = 2;
update arr_assign set x[1] = 5 where id = 3; select x from arr_assign where id = 3;
update arr_assign set x[null] = 5 where id = 3;
update arr_assign set x[1] = 1, x = '{3}' where id = 1;
update arr_assign set x = '{3}', x[1] = 1 where id = 1;
update arr_assign set id[1] = 1;
update arr_assign set x[1] = 'abc';
insert into arr_assign values (4, '{1}', '{b}') on conflict (id) do update set x[2] = excluded.x[1] + 1;
insert into arr_assign values (4, '{1}', '{b}') on conflict (id) do update set x[2] = excluded.x[1] + 1;
select * from arr_assign order by id;
update arr_assign set x[2] = x[1] * 10 returning id, x;
drop table arr_assign;
