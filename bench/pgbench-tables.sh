#!/usr/bin/env bash
# Prints plain SQL that creates and fills the four pgbench tables at scale $1 (default 1),
# the data `pgbench -i` would make, without COPY or ALTER TABLE (for servers that lack them).
set -euo pipefail
scale=${1:-1}
cat <<SQL
drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers;
create table pgbench_history(tid int,bid int,aid int,delta int,mtime timestamp,filler char(22));
create table pgbench_tellers(tid int not null primary key,bid int,tbalance int,filler char(84));
create table pgbench_accounts(aid int not null primary key,bid int,abalance int,filler char(84));
create table pgbench_branches(bid int not null primary key,bbalance int,filler char(88));
SQL
awk -v scale="$scale" -v empty="''" 'BEGIN {
  for (b = 1; b <= scale; b++) printf "insert into pgbench_branches(bid,bbalance) values(%d,0);\n", b;
  for (t = 1; t <= 10 * scale; t++) printf "insert into pgbench_tellers(tid,bid,tbalance) values (%d,%d,0);\n", t, int((t - 1) / 10) + 1;
  n = 100000 * scale; batch = 1000;
  for (a = 1; a <= n; a += batch) {
    printf "insert into pgbench_accounts(aid,bid,abalance,filler) values ";
    for (i = a; i < a + batch && i <= n; i++) printf "%s(%d,%d,0,%s)", (i == a ? "" : ","), i, int((i - 1) / 100000) + 1, empty;
    printf ";\n";
  }
}'
