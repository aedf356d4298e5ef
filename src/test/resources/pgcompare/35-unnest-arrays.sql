-- unnest(a, b, ...) in FROM: the arrays side by side, as PostgreSQL's ROWS FROM (unnest(a), unnest(b), ...)
select * from unnest(array[1,2,3], array['a','b']);
select * from unnest(array[1,2], array['x','y']) as t(n, s);
select u.* from unnest('{1,2}'::int[], null::text[], array[true]) u;
select * from unnest(array[[1,2],[3,4]], array[5]) with ordinality;
create table ut (id int primary key, name text);
insert into ut select * from unnest(array[1,2,3], array['one','two','three']);
select * from ut order by id;
select * from unnest(array[1,2], 5);
select * from unnest(array[1], '{1}');
select t.a + 1 from unnest(array[1,2], array[3,4]) t(a, b) where b > 3;
