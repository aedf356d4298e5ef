#!/usr/bin/env bash
# COPY's row path alone, PostgreSQL 15 beside Walden in the same run: pgbench -i's COPY step
# (BEGIN; TRUNCATE pgbench_accounts; COPY pgbench_accounts FROM STDIN of ROWS pgbench lines;
# COMMIT, through psql's \copy) repeated ROUNDS times on one server, with the server's CPU
# seconds of each round (user + system of all its processes, exited backends included). The
# first round is a freshly started server's (Walden's JIT still compiling, as in pgbench -i);
# the later ones a warm server's, though from the second on Walden's RocksDB also compacts away
# the previous round's rows (PostgreSQL unlinks their file), so the warm rounds overstate it.
#
#   bench/copy-fresh.sh
#   environment: ROWS (1000000), ROUNDS (4), SYSTEMS ("pg walden"; "wb" adds WALDEN_BEFORE),
#                WALDEN (bin/walden of this tree), WALDEN_BEFORE (another build's bin/walden),
#                PORT (6490: PostgreSQL, Walden, Walden before on PORT, PORT+1, PORT+2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pgbin=/usr/lib/postgresql/15/bin
rows=${ROWS:-1000000} rounds=${ROUNDS:-4} base_port=${PORT:-6490}
walden=${WALDEN:-$top/bin/walden} walden_before=${WALDEN_BEFORE:-}
systems=${SYSTEMS:-pg walden}
[ -n "$walden_before" ] && [ -z "${SYSTEMS:-}" ] && systems="pg wb walden"
work=$(mktemp -d /tmp/walden-copyfresh.XXXXXX)
chmod 777 "$work"
declare -A port=([pg]=$base_port [walden]=$((base_port + 1)) [wb]=$((base_port + 2)))
declare -A label=([pg]=PostgreSQL [walden]=Walden [wb]="Walden before")
declare -A result=()
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
bin_of() { if [ "$1" = wb ]; then echo "$walden_before"; else echo "$walden"; fi; }
ctl() { # sys dir action...
  local sys=$1 dir=$2; shift 2
  if [ "$sys" = pg ]; then as_pg "$pgbin/pg_ctl -D $dir $*"; else "$(bin_of "$sys")" ctl -D "$dir" "$@"; fi
}
cleanup() {
  local s
  for s in $systems; do [ -f "$work/$s/postmaster.pid" ] && ctl "$s" "$work/$s" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
server_cpu() { # data directory -> CPU ticks of its server so far
  local pid ticks child
  pid=$(head -1 "$1/postmaster.pid")
  ticks=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pid/stat")
  for child in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
    ticks=$((ticks + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$child/stat" 2>/dev/null || echo 0)))
  done
  echo "$ticks"
}
awk -v n="$rows" 'BEGIN { for (i = 1; i <= n; i++) printf "%d\t%d\t0\t\n", i, int((i - 1) / 100000) + 1 }' >"$work/accounts.txt"
chmod 644 "$work/accounts.txt"
hz=$(getconf CLK_TCK)
for sys in $systems; do
  dir=$work/$sys p=${port[$sys]}
  if [ "$sys" = pg ]; then
    as_pg "$pgbin/initdb -D $dir -U postgres -A trust" >"$dir.initdb.log" 2>&1
  else
    "$(bin_of "$sys")" initdb -D "$dir" -U postgres --auth trust >"$dir.initdb.log" 2>&1
  fi
  printf "port = $p\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '$work'\nwal_level = replica\nmax_wal_size = '8GB'\n" >>"$dir/postgresql.conf"
  if [ "$sys" = pg ]; then ctl pg "$dir" -l "$dir.log" -w start >/dev/null; else ctl "$sys" "$dir" -l "$dir.log" start >/dev/null; fi
  "$pgbin/psql" -X -q -h 127.0.0.1 -p "$p" -U postgres -c "create table pgbench_accounts (aid int not null, bid int, abalance int, filler char(84)) with (fillfactor = 100)" postgres
  for r in $(seq 1 "$rounds"); do
    c0=$(server_cpu "$dir")
    "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$p" -U postgres postgres >/dev/null <<SQL
begin;
truncate pgbench_accounts;
\copy pgbench_accounts from '$work/accounts.txt'
commit;
SQL
    sleep 0.3 # PostgreSQL's backend has exited and been reaped into the postmaster's children's time
    result[$sys.$r]=$(awk -v a="$c0" -v b="$(server_cpu "$dir")" -v h="$hz" 'BEGIN { printf "%.2f", (b - a) / h }')
    echo "== ${label[$sys]}, round $r: ${result[$sys.$r]} s CPU" >&2
  done
  [ "$("$pgbin/psql" -X -At -h 127.0.0.1 -p "$p" -U postgres -c "select count(*) from pgbench_accounts" postgres)" = "$rows" ] \
    || { echo "${label[$sys]}: pgbench_accounts lost rows" >&2; exit 1; }
  ctl "$sys" "$dir" -m immediate stop >/dev/null 2>&1 || true
done
echo
echo "COPY of $rows pgbench_accounts rows into a table truncated in the same transaction; server CPU seconds per round"
printf '%-14s' system; for r in $(seq 1 "$rounds"); do printf ' %8s' "round$r"; done; printf ' %10s\n' "round1/pg"
for sys in $systems; do
  printf '%-14s' "${label[$sys]}"
  for r in $(seq 1 "$rounds"); do printf ' %8s' "${result[$sys.$r]}"; done
  printf ' %10s\n' "$(awk -v a="${result[$sys.1]}" -v b="${result[pg.1]:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
done
