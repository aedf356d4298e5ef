#!/usr/bin/env bash
# Bulk data in and out, PostgreSQL 15 beside Walden on this machine in the same run (a single
# primary each, one after the other):
#
#   insert  INSERT INTO t SELECT g, md5(g::text), g * 1.5, now() FROM generate_series(1, ROWS) g
#   copy    COPY t TO STDOUT (text) through psql into /dev/null
#   csv     COPY t TO STDOUT (FORMAT csv)
#   binary  COPY t TO STDOUT (FORMAT binary)
#   load    COPY t2 FROM STDIN, the text copy fed back
#
# Seconds of each (wall clock as psql sees it), and Walden's peak resident memory (VmHWM) after
# the runs. Walden's server runs with the heap its shared_buffers gives it (2304 MB at the default
# 128MB; HEAP overrides it): COPY TO streams its rows, but a transaction's uncommitted rows are
# held in the heap, and the 1M-row INSERT ... SELECT needs about 0.5 GB of it (with 256m it
# fails with FATAL "out of memory").
#
#   bench/compare-copy.sh
#   environment: ROWS (1000000), PORT (6460: PostgreSQL on it, Walden on PORT+1), HEAP, KEEP=1,
#                WALDEN (path of another build's bin/walden, to compare builds), ONLY=walden (skip
#                PostgreSQL)
#
# Beside each wall time, the server's CPU seconds for the step (Walden: the server JVM's user +
# system time; PostgreSQL: the postmaster's and its children's, the backends reaped into it).
#
# PostgreSQL runs as the postgres OS user when called as root; every server is stopped and the
# work directory removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pgbin=/usr/lib/postgresql/15/bin
rows=${ROWS:-1000000} base_port=${PORT:-6460} heap=${HEAP:-}
walden=${WALDEN:-$top/bin/walden}
systems=(pg walden); [ "${ONLY:-}" = walden ] && systems=(walden)
work=$(mktemp -d /tmp/walden-copybench.XXXXXX)
chmod 777 "$work"
declare -A port=([pg]=$base_port [walden]=$((base_port + 1)))
declare -A result=() cpu=()
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
stop() {
  as_pg "$pgbin/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1 || true
  "$walden" ctl -D "$work/walden" -m immediate stop >/dev/null 2>&1 || true
}
cleanup() { stop; if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
conf() { printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" "$1" "$work"; }

if [ "${systems[0]}" = pg ]; then
  as_pg "$pgbin/initdb -D $work/pg -U postgres -A trust" >"$work/pg-initdb.log" 2>&1
  conf "${port[pg]}" >>"$work/pg/postgresql.conf"
  as_pg "$pgbin/pg_ctl -D $work/pg -l $work/pg.log -w start" >/dev/null
fi
"$walden" initdb -D "$work/walden" -U postgres >"$work/walden-initdb.log" 2>&1
conf "${port[walden]}" >>"$work/walden/postgresql.conf"
WALDEN_SERVER_JVM_OPTS="${heap:+-Xmx$heap}" "$walden" ctl -D "$work/walden" -l "$work/walden.log" start >/dev/null

psql() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${port[$1]}" -U postgres postgres "${@:2}"; }
server_pid() { head -1 "$work/$1/postmaster.pid"; }
server_cpu() { # the server's CPU seconds so far (clock ticks of utime, stime, cutime, cstime)
  local pid tck ticks child
  pid=$(server_pid "$1"); tck=$(getconf CLK_TCK)
  ticks=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pid/stat")
  for child in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
    ticks=$((ticks + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$child/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$ticks" -v h="$tck" 'BEGIN { printf "%.2f", t / h }'
}
timed() { # sys key command...
  local sys=$1 key=$2 t0 t1 c0 c1; shift 2
  c0=$(server_cpu "$sys"); t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N)
  sleep 0.5 # PostgreSQL's backend has exited and been reaped into the postmaster's children's time
  c1=$(server_cpu "$sys")
  result[$sys.$key]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  cpu[$sys.$key]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
  echo "== $sys $key: ${result[$sys.$key]} s, server CPU ${cpu[$sys.$key]} s" >&2
}
copy_to() { psql "$1" -c "copy t to stdout $2" >"$3"; }
copy_from() { psql "$1" -c "copy t2 from stdin" <"$2"; }
for sys in "${systems[@]}"; do
  psql $sys -c "create table t (id int primary key, h text, x numeric, at timestamptz)" \
    -c "create table t2 (id int, h text, x numeric, at timestamptz)"
  timed $sys insert psql $sys -c "insert into t select g, md5(g::text), g * 1.5, now() from generate_series(1, $rows) g"
  timed $sys copy copy_to $sys "" "$work/$sys.copy"
  timed $sys csv copy_to $sys "(format csv)" /dev/null
  timed $sys binary copy_to $sys "(format binary)" /dev/null
  timed $sys load copy_from $sys "$work/$sys.copy"
  [ "$(wc -l <"$work/$sys.copy")" = "$rows" ] || { echo "$sys: COPY TO gave $(wc -l <"$work/$sys.copy") rows" >&2; exit 1; }
  [ "$(psql $sys -Atc 'select count(*) from t2')" = "$rows" ] || { echo "$sys: load lost rows" >&2; exit 1; }
done
if [ "${systems[0]}" = pg ]; then
  cmp -s "$work/pg.copy" <(sed 's/\t[^\t]*$//' "$work/walden.copy" | paste -d '\t' - <(cut -f4 "$work/pg.copy")) \
    || echo "note: the copies differ beyond the now() column" >&2
fi
pid=$(server_pid walden)
hwm=$(awk '/VmHWM/ { printf "%d MB", $2 / 1024 }' "/proc/$pid/status")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '\n%-8s %8s %8s %8s %9s %9s %9s\n' "" pg-s walden-s ratio pg-cpu walden-cpu cpu-ratio
for k in insert copy csv binary load; do
  printf '%-8s %8s %8s %8s %9s %9s %9s\n' "$k" "${result[pg.$k]:--}" "${result[walden.$k]}" \
    "$(ratio "${result[walden.$k]}" "${result[pg.$k]:-0}")" "${cpu[pg.$k]:--}" "${cpu[walden.$k]}" \
    "$(ratio "${cpu[walden.$k]}" "${cpu[pg.$k]:-0}")"
done
echo "rows: $rows; Walden ($walden) Java heap: ${heap:-sized from shared_buffers}; peak resident size $hwm"
