#!/usr/bin/env bash
# Memory of a server, PostgreSQL 15 beside Walden on this machine in the same run (a single
# primary each, one after the other, both at the same shared_buffers):
#
#   load   pgbench -i -s SCALE: the peak while it runs, what is resident 2 s after it, and
#          what is resident after SETTLE seconds idle (Walden's JVM collects after 5 s idle)
#   c8     pgbench's built-in tpcb-like, -c 8 -j 2 -M prepared -T SECONDS: the peak while it
#          runs, and what is resident after SETTLE seconds idle
#
# Memory is the proportional set size (Pss, from /proc/PID/smaps_rollup) summed over the
# server's processes — PostgreSQL's postmaster and every child, Walden's one JVM — so that
# PostgreSQL's shared buffers count once, not once per backend. Sampled every half second.
# Walden sizes its Java heap and RocksDB's cache and memtables from shared_buffers
# (cli/ServerHeap, storage/StoreMemory).
#
#   bench/compare-memory.sh
#   environment: SCALE (100), SECONDS_C8 (30), SETTLE (15), SHARED_BUFFERS (128MB), PORT (6470:
#   PostgreSQL on it, Walden on PORT+1), KEEP=1, WALDEN (bin/walden of this checkout)
#
# PostgreSQL runs as the postgres OS user when called as root; every server is stopped and the
# work directory removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pgbin=/usr/lib/postgresql/15/bin
scale=${SCALE:-100} seconds=${SECONDS_C8:-30} settle=${SETTLE:-15} shared_buffers=${SHARED_BUFFERS:-128MB} base_port=${PORT:-6470}
walden=${WALDEN:-$top/bin/walden}
work=$(mktemp -d /tmp/walden-membench.XXXXXX)
chmod 777 "$work"
declare -A port=([pg]=$base_port [walden]=$((base_port + 1)))
declare -A result=()
sampler=
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
stop() {
  as_pg "$pgbin/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1 || true
  "$walden" ctl -D "$work/walden" -m immediate stop >/dev/null 2>&1 || true
}
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  stop
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
conf() {
  printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nshared_buffers = %s\n" \
    "$1" "$work" "$shared_buffers"
}

# kB of Pss of a server: its first process and that process's children
pss_kb() {
  local p total=0 kb
  for p in $1 $(ps -o pid= --ppid "$1" 2>/dev/null); do
    kb=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}
# The peak is rewritten by a rename: a sampler stopped while it wrote left an empty file (a peak of 0).
start_sampler() { # pid file: the peak, rewritten as it grows
  ( peak=0; while :; do now=$(pss_kb "$1"); [ "$now" -gt "$peak" ] && { peak=$now; echo "$peak" >"$2.new"; mv "$2.new" "$2"; }
    sleep 0.5; done ) &
  sampler=$!
}
stop_sampler() { kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; sampler=; }
mb() { awk -v k="$1" 'BEGIN { printf "%d", k / 1024 }'; }

as_pg "$pgbin/initdb -D $work/pg -U postgres -A trust" >"$work/pg-initdb.log" 2>&1
conf "${port[pg]}" >>"$work/pg/postgresql.conf"
"$walden" initdb -D "$work/walden" -U postgres >"$work/walden-initdb.log" 2>&1
conf "${port[walden]}" >>"$work/walden/postgresql.conf"
pgbench() { "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$1]}" -U postgres "${@:2}" postgres; }

for sys in pg walden; do
  if [ $sys = pg ]; then
    as_pg "$pgbin/pg_ctl -D $work/pg -l $work/pg.log -w start" >/dev/null
  else
    "$walden" ctl -D "$work/walden" -l "$work/walden.log" start >/dev/null
  fi
  pid=$(head -1 "$work/$sys/postmaster.pid")
  start_sampler "$pid" "$work/$sys.load.peak"
  pgbench $sys -i -q -s "$scale" >"$work/$sys.load.log" 2>&1
  stop_sampler
  sleep 2
  result[$sys.after]=$(mb "$(pss_kb "$pid")")
  sleep $((settle - 2))
  result[$sys.settled]=$(mb "$(pss_kb "$pid")")
  result[$sys.load]=$(mb "$(cat "$work/$sys.load.peak")")
  start_sampler "$pid" "$work/$sys.c8.peak"
  pgbench $sys -n -c 8 -j 2 -M prepared -T "$seconds" >"$work/$sys.c8.log" 2>&1
  stop_sampler
  result[$sys.c8]=$(mb "$(cat "$work/$sys.c8.peak")")
  result[$sys.tps]=$(awk '/^tps/ { printf "%d", $3 }' "$work/$sys.c8.log")
  sleep "$settle"
  result[$sys.c8settled]=$(mb "$(pss_kb "$pid")")
  echo "== $sys: load peak ${result[$sys.load]} MB, after ${result[$sys.after]} MB, settled ${result[$sys.settled]} MB, c8 peak ${result[$sys.c8]} MB (${result[$sys.tps]} tps), settled ${result[$sys.c8settled]} MB" >&2
  stop
done
printf '\n%-34s %8s %8s %10s\n' "MB (Pss of all the server's processes)" pg walden walden/pg
for k in load after settled c8 c8settled; do
  label=$k
  case $k in load) label="peak during pgbench -i -s $scale";; after) label="resident 2 s after the load";;
    settled) label="resident ${settle} s after the load";; c8) label="peak during -c 8 tpcb-like";;
    c8settled) label="resident ${settle} s after -c 8";; esac
  printf '%-38s %8s %8s %10s\n' "$label" "${result[pg.$k]}" "${result[walden.$k]}" \
    "$(awk -v a="${result[walden.$k]}" -v b="${result[pg.$k]}" 'BEGIN { printf "%.2f", a / b }')"
done
echo "shared_buffers $shared_buffers; c8 TPS: pg ${result[pg.tps]}, walden ${result[walden.tps]}"
