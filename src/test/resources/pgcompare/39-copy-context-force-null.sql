-- COPY FROM's CONTEXT line as PostgreSQL words it (the line's text cut at 100 bytes, or the
-- column and its field; no text for a unique violation found at the buffer's flush, no context
-- for a foreign key checked after the last line), HEADER MATCH's field count, CSV's FORCE_NOT_NULL
-- and FORCE_NULL (in the option list and the older FORCE ... syntax) and their errors, FORCE QUOTE
-- in the older syntax, a repeated option
create table h(a int, b text);
copy h from stdin (format csv, header match);
a,c
1,x
\.
copy h from stdin (format csv, header match);
a
\.
copy h from stdin (format csv);
1,"unterminated
2,x
\.
copy h from stdin;
1	xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx	extra
\.
copy h from stdin;
z	éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé
\.
copy h from stdin;
999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999	x
\.
create table p(id int primary key);
create table f(id int references p);
copy f from stdin;
5
\.
create table nn(a int not null, b text);
copy nn from stdin (format csv);
,x
\.
copy nn from stdin (format csv, force_not_null (b));
1,
\.
select * from nn;
create table nf(a int not null, b text, c text);
copy nf from stdin (format csv, force_not_null (b));
1,,
2,"",""
\.
copy nf from stdin (format csv, force_null (b, c));
3,"",
4,,""
\.
copy nf from stdin (format csv, force_not_null (b), force_null (b));
5,,""
6,"",
\.
copy nf from stdin (format csv, null 'N', force_null (c));
7,N,"N"
\.
copy nf from stdin csv force not null b, c;
8,,
\.
copy nf (a, b) from stdin (format csv, force_not_null (c));
copy nf (a, b) from stdin (format csv, force_null (zz));
copy nf from stdin (format csv, force_not_null b);
copy nf from stdin (format csv, force_not_null);
copy nf from stdin (format csv, force_null *);
copy nf from stdin (format text, force_null (b));
copy nf from stdin (format csv, null 'x', null 'y');
copy nf from stdin (format csv, header match);
a,b,c,d
\.
copy nf from stdin (format csv, header match);
a,"b,x"
\.
copy nf from stdin (header match);
a	b	c
9	x	y
\.
copy nf from stdin (header match);
a	b	c	d
\.
copy nf to stdout (format csv, force_quote *);
copy nf to stdout csv force quote *;
copy nf to stdout csv force quote b, c;
copy nf to stdout (format csv, force_quote b);
select a, b is null as bn, c is null as cn, b, c from nf order by a;
