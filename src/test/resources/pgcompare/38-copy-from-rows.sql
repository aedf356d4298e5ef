-- COPY FROM STDIN in text format, row by row: integers, strings of char(n) / varchar(n) /
-- text repeated and not, NULL markers, CR LF line ends, escapes beside plain lines, non-ASCII
-- text, and each malformed row's error (extra data, missing column, bad or out-of-range
-- integers, too-long strings) with its CONTEXT line, into a table made in the same transaction
-- (pgbench -i's fresh range) and into an existing one
create table acc(aid int not null, bid bigint, small smallint, filler char(8), note varchar(5), t text);
begin;
truncate acc;
copy acc from stdin;
1	10	1		a	x
2	10	-2		a	x
3	\N	32767	ab	abc	\N
-4	9223372036854775807	-32768	ab	abc	é ü
0005	-0	0	ab	\N	tab\there
6	11	7	a\tb	n\\b	\x41\101
7	11	7	a b  	abcde	
\.
commit;
select aid, bid, small, '[' || filler || ']' as filler, note, t, length(filler::text) from acc order by aid;
copy acc from stdin;
8	1	1	a	a	a	extra
\.
copy acc from stdin;
9	1	1	a	a
\.
copy acc from stdin;
10	1
\.
copy acc from stdin;
12a	1	1	a	a	a
\.
copy acc from stdin;
13	1	1	a	a	a
 14	1	1	a	a	a
\.
copy acc from stdin;
+15	1	1	a	a	a
\.
copy acc from stdin;
16	99999999999999999999	1	a	a	a
\.
copy acc from stdin;
17	1	32768	a	a	a
\.
copy acc from stdin;
18	1	1	a	abcdef	a
\.
copy acc from stdin;
19	1	1	toolongvalue	a	a
\.
copy acc from stdin;
20	1	1	a	a	a
21	1	1	a	a	a
22	1	1	a	abcdefg	a
\.
copy acc from stdin;
\N	1	1	a	a	a
\.
copy acc from stdin;
-	1	1	a	a	a
\.
copy acc from stdin;
2147483648	1	1	a	a	a
\.
copy acc from stdin;

\.
copy acc (aid) from stdin;

\.
copy acc (aid, t) from stdin (delimiter '|', null 'NUL');
30|NUL
31|x|y
\.
copy acc (aid, t) from stdin (delimiter '|', null 'NUL');
32|NUL
33|
34|ñ
\.
\set VERBOSITY sqlstate
copy acc from stdin;
40	1	1	a	a	a	extra
\.
copy acc from stdin;
41	1
\.
copy acc from stdin;
x42	1	1	a	a	a
\.
copy acc from stdin;
43	1	1	a	abcdefgh	a
\.
\set VERBOSITY default
select aid, bid, small, filler, note, t from acc where aid >= 8 order by aid;
select count(*) from acc;
