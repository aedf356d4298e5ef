-- COLLATE: the built-in collations are accepted (compared as C), any other name is 42704 as in PostgreSQL
select oid, collname, collprovider, collcollate, collctype, collencoding from pg_collation where collname in ('C','POSIX','default','ucs_basic') order by oid; select 'a' collate c;  select 'a' collate pg_catalog."C"; select 'a' collate public."C"; create table ix(a text); create index on ix (a collate "nope"); alter table ix alter a type varchar collate "zz";
select 'b' collate "POSIX" < 'a', 'x' collate pg_catalog.ucs_basic;
select 'a' collate "C" collate "default";
