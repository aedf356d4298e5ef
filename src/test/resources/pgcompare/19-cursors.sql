-- SQL cursors: DECLARE, FETCH and MOVE in every direction, CLOSE, WITH HOLD, savepoints,
-- pg_cursors, and psql's FETCH_COUNT (which runs its queries through a cursor)
create table cur (a int primary key, b text);
insert into cur select g, 'r' || g from generate_series(1, 10) g;
-- outside a transaction block only WITH HOLD is allowed
declare c cursor for select 1;
fetch c;
close c;
close all;
-- a scrollable cursor (a plain scan may go back, as PostgreSQL decides for neither SCROLL nor NO SCROLL)
begin;
declare c cursor for select * from cur order by b;
select name, statement, is_holdable, is_binary, is_scrollable, creation_time <= now() as created from pg_cursors;
move 5 c; fetch -1 c; fetch relative -2 c; fetch absolute 100 c; fetch relative 0 c; fetch -1 c;
move forward 0 c; move relative 0 c; move 0 c; move all c; move absolute -1 in c;
fetch backward 3 c; fetch forward -2 c; fetch backward -1 c; move backward all c; fetch first c; fetch next c;
fetch prior c; fetch prior c; move prior c; fetch absolute 3 c; fetch absolute 1 c; fetch c; fetch from c; fetch in c;
fetch last c; fetch prior c; fetch absolute -2 c; fetch relative 0 c; move backward all c; fetch all c;
move absolute 0 in c; fetch forward all in c; fetch backward all c; fetch forward 3 from c; fetch relative 2 c;
fetch backward 2 in c; fetch absolute -20 c; fetch absolute 20 c; fetch 1 c; fetch backward 1 c;
declare c cursor for select 1;
rollback;
-- fetching nothing, and fetching the current row again
begin;
declare c cursor for select * from cur;
fetch 0 c; fetch forward 0 c; move 0 c; fetch 1 c; move 0 c; fetch relative 0 c; fetch 3 c; move 100 c; fetch 1 c;
commit;
-- NO SCROLL, and plans that cannot go back
begin;
declare c no scroll cursor for select * from generate_series(1, 5) g;
select is_scrollable from pg_cursors;
fetch 2 from c;
fetch next from c;
fetch prior from c;
rollback;
begin;
declare c no scroll cursor for select * from generate_series(1, 5) g;
fetch 0 from c;
fetch 2 from c;
fetch 0 from c;
rollback;
begin;
declare c cursor for select count(*) from cur;
select is_scrollable from pg_cursors;
move 5 c; move -1 c;
rollback;
begin;
declare c cursor for select 1;
fetch backward 1 from c;
rollback;
begin;
declare c scroll cursor for select count(*), b from cur group by b order by b;
fetch 2 c; fetch backward 1 c; fetch last c;
commit;
begin; declare c cursor for values (1), (2); fetch all c; fetch backward 1 c; end;
begin; declare c cursor for table cur; fetch 2 c; fetch absolute 1 c; end;
-- FOR UPDATE cursors, and what PostgreSQL refuses with them
begin;
declare c scroll cursor for select * from cur for update;
rollback;
begin;
declare c cursor with hold for select * from cur for share;
rollback;
begin;
declare c insensitive cursor for select * from cur for update;
rollback;
begin;
declare c cursor for select * from cur where a <= 3 for update;
select is_scrollable from pg_cursors;
fetch 2 c;
fetch prior c;
rollback;
begin;
declare c cursor for insert into cur values (100);
rollback;
-- savepoints: ROLLBACK TO closes the cursors declared since; an error keeps the older ones
begin; declare c cursor for table cur; fetch 2 c; savepoint s; declare d cursor for select 1; rollback to s; fetch d; rollback;
begin; declare c cursor for table cur; savepoint s; declare d cursor for select 1; release s; fetch d; select 1/0; fetch d; rollback;
begin; declare c cursor for table cur; savepoint s; fetch 2 c; select 1/0; rollback to s; fetch c; rollback;
-- WITH HOLD outlives its transaction; the others end with it
begin; declare c cursor with hold for select * from cur where a < 4; declare d cursor for select 2; fetch c; commit;
fetch c; fetch d;
select name, is_holdable, is_scrollable from pg_cursors;
fetch all c; fetch backward 2 c; fetch absolute 1 c;
begin; insert into cur values (11, 'r11'); fetch all c; rollback;
fetch c;
begin; declare e cursor with hold for select 1; rollback;
fetch e;
declare h no scroll cursor with hold for select * from cur where a > 8;
fetch h; fetch h;
fetch prior h;
close h;
fetch h;
discard all;
fetch c;
select count(*) from pg_cursors;
-- PREPARE TRANSACTION: not with a WITH HOLD cursor; the others end with the transaction
-- (both servers run with max_prepared_transactions = 10)
begin; declare c cursor with hold for select 1; prepare transaction 'cur_hold';
fetch c;
begin; declare c cursor for select 1; prepare transaction 'cur_plain';
fetch c;
rollback prepared 'cur_plain';
-- a cursor reads the snapshot of its DECLARE: not the transaction's later writes
begin;
declare c cursor for select * from cur where a <= 3 order by a;
update cur set b = 'changed' where a = 1;
insert into cur values (0, 'new');
fetch all c;
declare d cursor for select * from cur where a <= 1 order by a;
fetch all d;
rollback;
-- names, BINARY, the other options
begin;
declare "Mixed Case" asensitive scroll cursor without hold for select a from cur where a < 3;
fetch "Mixed Case";
declare b binary cursor for select 1::int4 as one;
select name, is_binary, is_scrollable from pg_cursors order by name;
close "Mixed Case";
close "Mixed Case";
close all;
select count(*) from pg_cursors;
end;
begin; declare next cursor for select 1 for read only; fetch next; fetch next next; move forward in next; end;
begin; declare c scroll no scroll cursor for select 1; end;
begin; declare c asensitive insensitive cursor for select 1; end;
begin; declare c binary binary cursor with hold for select 1; end;
begin; declare c cursor with hold without hold for select 1; end;
begin; declare all cursor for select 1; end;
begin; declare c cursor for select 1; fetch absolute c; end;
begin; declare c cursor for select 1; fetch forward 2147483648 c; end;
begin; declare c cursor for select 1; fetch 9999999999 c; end;
begin; declare c cursor for select 1; fetch next from c x; end;
-- WHERE CURRENT OF is not supported by Walden (PostgreSQL updates the cursor's row): not run here
-- psql's FETCH_COUNT fetches through a cursor
\set FETCH_COUNT 3
select a, b from cur order by a;
select a from cur where a > 100;
select 1 / (a - 5) from cur order by a;
select 1 / (a - 8) from cur where a > 0 order by a;
begin;
select a from cur where a between 3 and 7 order by a desc;
select name from pg_cursors order by name collate "C";
commit;
\unset FETCH_COUNT
