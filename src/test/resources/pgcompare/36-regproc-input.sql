-- regproc and regprocedure input as PostgreSQL 15 parses it (regprocin takes a name alone; parseNameAndArgTypes wants '(' types ')')
select 'now(int'::regprocedure;
select 'now)x('::regprocedure;
select 'now()'::regproc;
select 'now(int'::regproc;
select 'lower(text)'::regprocedure;
select 'lower(text) x'::regprocedure;
select 'lower'::regprocedure;
select 'lower(text)  '::regprocedure;
select 'pg_catalog.lower(text)'::regprocedure;
select to_regprocedure('now(int'), to_regproc('now()');
