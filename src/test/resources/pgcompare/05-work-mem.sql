-- Nodes that hold rows under a small work_mem (issue 9, part 1): sorts, hash joins, hash
-- aggregation, DISTINCT, set operations and windows past 64kB spill and give the same rows
create table big (id int primary key, grp int, label text);
insert into big select g, g % 5000, repeat('x', 20) || g from generate_series(1, 60000) g;
analyze big;
set work_mem = '64kB';
select id, label from big order by label desc, id limit 3;
select count(*), sum(id) from (select id from big order by grp, label) s;
select count(*), sum(a.id) from big a join big b on a.label = b.label;
select count(*) from (select grp, count(*), max(label) from big group by grp) g;
select count(*) from (select distinct label from big) d;
select count(*) from (select label from big union select label from big) u;
select count(*) from (select label from big except select label from big where id > 30000) e;
select sum(r) from (select row_number() over (partition by grp order by label) as r from big) w;
select grp, string_agg(label, ',' order by id) from big where grp < 2 group by grp order by grp;
reset work_mem;
