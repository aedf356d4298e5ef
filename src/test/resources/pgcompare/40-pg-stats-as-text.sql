-- pg_stats' anyarray columns (most_common_vals, histogram_bounds) cast to text, varchar and
-- through text to a real array type, as monitoring queries and GUI clients read them; the
-- most common values have distinct frequencies, so their order is PostgreSQL's
create table st(a int, b text, c numeric, d date);
insert into st select g, case when g % 10 < 5 then 'a,b' when g % 10 < 8 then 'say "hi"' else 'x y' end,
  (g % 10 < 6)::int / 2.0, date '2020-01-01' + (g % 10 < 7)::int from generate_series(1, 1000) g;
analyze st;
select attname, histogram_bounds::text is not null as has_histogram, most_common_vals::text,
  most_common_vals::varchar(100) as as_varchar
  from pg_stats where tablename = 'st' order by attname;
select (most_common_vals::text::text[])[1] from pg_stats where tablename = 'st' and attname = 'b';
select array_length(histogram_bounds::text::int[], 1) from pg_stats where tablename = 'st' and attname = 'a';
select most_common_vals::text::date[] from pg_stats where tablename = 'st' and attname = 'd';
select histogram_bounds::int[] from pg_stats where tablename = 'st' and attname = 'a';
