#!/usr/bin/env bash
# Compares the query engines of PostgreSQL 15 and Walden on this machine, one system after the
# other in the same run (a single primary each, no standby):
#
#   1. pgbench's built-in scripts: tpcb-like and select-only (-S), -M prepared -c 8 -j 2, on
#      tables made by pgbench -i -s SCALE; TPS of each, and the CPU each transaction cost the
#      server (all its processes, reaped ones included) and pgbench (the machine is shared: CPU per
#      transaction is steadier than TPS).
#   2. With -q: the queries of bench/engine-queries/*.sql (point look-up, range scans with and
#      without an index, a two-table hash join, a three-table join with aggregation, a correlated
#      subquery, a window function over 100k rows) on tables made by bench/engine-queries/setup.sql:
#      pgbench -n -f QUERY -c 1 -T QT, average latency in ms of each.
#
#   bench/compare-engine.sh [-q] [-Q] [-o LIST]     (-Q: the queries only; LIST: pg,walden,base)
#   environment: T (seconds per pgbench run, 20), SCALE (10), CLIENTS (8), THREADS (2),
#                MODE (pgbench's -M of the TPS runs: prepared, extended or simple; prepared),
#                SELECT_ONLY (0 skips the select-only runs; 1),
#                SETTLE (seconds idle after pgbench -i, 0: background work the load left,
#                such as compactions, is done before the counted runs; pg_database_size is
#                reported after it),
#                WARMUP (seconds of uncounted load first, 10: Walden's JIT warms up; at
#                WARMUP_CLIENTS clients, 8, whatever CLIENTS is), QT (seconds
#                per query, 10), WALDEN (bin/walden of this tree), BASE (another build's
#                bin/walden, shown as "base": e.g. the build before a change), PORT_BASE (6440:
#                PostgreSQL's port, Walden's the next, base's the one after), KEEP=1.
#
# PostgreSQL runs as the postgres OS user (initdb refuses root); Walden as the caller.
# Ports PORT_BASE..PORT_BASE+2 (6440..6442) are used; every server is stopped and the work directory removed on exit.
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pgbin=/usr/lib/postgresql/15/bin
walden=${WALDEN:-$top/bin/walden}
base=${BASE:-}
seconds=${T:-20} scale=${SCALE:-10} clients=${CLIENTS:-8} threads=${THREADS:-2}
warmup=${WARMUP:-10} qseconds=${QT:-10} mode=${MODE:-prepared} port_base=${PORT_BASE:-6440}
select_only=${SELECT_ONLY:-1} warmup_clients=${WARMUP_CLIENTS:-8} settle=${SETTLE:-0}
queries=0 tps=1 only=""
while getopts "qQo:" opt; do
  case $opt in
    q) queries=1 ;;
    Q) queries=1 tps=0 ;;
    o) only=$OPTARG ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
  esac
done
systems=${only:-pg,walden${base:+,base}}
IFS=, read -r -a systems <<<"$systems"

work=$(mktemp -d /tmp/walden-enginebench.XXXXXX)
chmod 777 "$work"
declare -A port=([pg]=$port_base [walden]=$((port_base + 1)) [base]=$((port_base + 2)))
declare -A result=()
step="setting up"

bin_of() { if [ "$1" = base ]; then echo "$base"; else echo "$walden"; fi; }
stop() { # sys
  if [ "$1" = pg ]; then
    su postgres -c "$pgbin/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1 || true
  else
    "$(bin_of "$1")" ctl -D "$work/$1" -m immediate stop >/dev/null 2>&1 || true
  fi
}
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAILED (exit $rc) while: $step" >&2
    for log in "$work"/*.log "$work"/*.out; do
      [ -s "$log" ] || continue
      echo "---- last lines of $(basename "$log")" >&2
      tail -n 20 "$log" >&2
    done
  fi
  for s in "${systems[@]}"; do stop "$s"; done
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
say() { echo "== $*" >&2; }

start() { # sys
  local sys=$1 dir=$work/$1
  if [ "$sys" = pg ]; then
    su postgres -c "$pgbin/initdb -D $dir -U postgres --auth=trust" >"$work/pg_initdb.out" 2>&1
  else
    "$(bin_of "$sys")" initdb -D "$dir" -U postgres --auth trust >"$work/${sys}_initdb.out" 2>&1
  fi
  cat >>"$dir/postgresql.conf" <<CONF
port = ${port[$sys]}
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
CONF
  if [ "$sys" = pg ]; then
    su postgres -c "$pgbin/pg_ctl -D $dir -l $work/pg.log -w -t 120 start" >/dev/null
  else
    "$(bin_of "$sys")" ctl -D "$dir" -l "$work/$sys.log" start >/dev/null
  fi
}
server_cpu_ticks() { # sys -> clock ticks of CPU the server has used: its processes, living and reaped
  local pid
  pid=$(head -1 "$work/$1/postmaster.pid")
  { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat"
    for child in $(pgrep -P "$pid"); do awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null || true; done
  } | awk '{ t += $1 } END { print t }'
}
pgbench() { # sys label args...  -> TPS; with CPU=1 also result[sys.label.cpu], result[sys.label.client]
  local sys=$1 label=$2 before after txns; shift 2
  sleep 1
  before=$(server_cpu_ticks "$sys")
  /usr/bin/time -f '%U %S' -o "$work/$sys.$label.time" \
    "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$sys]}" -U postgres "$@" postgres >"$work/$sys.$label.out" 2>&1
  sleep 1 # the backends of the run end and are reaped: their CPU moves to the postmaster's count
  after=$(server_cpu_ticks "$sys")
  txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/$sys.$label.out")
  awk -v t="$txns" -v hz="$(getconf CLK_TCK)" -v b="$before" -v a="$after" \
    'BEGIN { if (t > 0) printf "%.3f", (a - b) * 1000 / hz / t }' >"$work/$sys.$label.cpu"
  awk -v t="$txns" '{ if (t > 0) printf "%.3f", ($1 + $2) * 1000 / t }' "$work/$sys.$label.time" >"$work/$sys.$label.client"
  sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/$sys.$label.out" | tail -1 | xargs printf '%.1f'
}
latency() { # sys label args...  -> average latency in ms
  local sys=$1 label=$2; shift 2
  "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$sys]}" -U postgres "$@" postgres >"$work/$sys.$label.out" 2>&1
  sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$work/$sys.$label.out" | tail -1
}

qfiles=()
if [ $queries = 1 ]; then
  for f in "$here"/engine-queries/q*.sql; do qfiles+=("$f"); done
fi

for sys in "${systems[@]}"; do
  step="starting $sys"; say "$step"
  start "$sys"
  if [ $tps = 1 ]; then
    step="$sys: pgbench -i -s $scale"; say "$step"
    "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$sys]}" -U postgres -i -s "$scale" -q postgres \
      >"$work/$sys.init.out" 2>&1
    sleep "$settle"
    result[$sys.dbsize]=$("$pgbin/psql" -X -qAt -h 127.0.0.1 -p "${port[$sys]}" -U postgres \
      -c "SELECT round(pg_database_size('postgres') / 1048576.0)" postgres)
    step="$sys: warm-up"; say "$step"
    # at WARMUP_CLIENTS (8): CLIENTS=1 alone runs too few transactions for the JIT to compile
    pgbench "$sys" warmup -c "$warmup_clients" -j "$(( threads > 2 ? threads : 2 ))" -T "$warmup" -M "$mode" >/dev/null
    step="$sys: tpcb-like"; say "$step"
    result[$sys.tpcb]=$(pgbench "$sys" tpcb -c "$clients" -j "$threads" -T "$seconds" -M "$mode")
    result[$sys.tpcb.cpu]=$(cat "$work/$sys.tpcb.cpu") result[$sys.tpcb.client]=$(cat "$work/$sys.tpcb.client")
    result[$sys.tpcb.latency]=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$work/$sys.tpcb.out" | tail -1)
    if [ "$select_only" = 1 ]; then
      step="$sys: select-only"; say "$step"
      result[$sys.select]=$(pgbench "$sys" select -S -c "$clients" -j "$threads" -T "$seconds" -M "$mode")
      result[$sys.select.cpu]=$(cat "$work/$sys.select.cpu") result[$sys.select.client]=$(cat "$work/$sys.select.client")
    fi
  fi
  if [ $queries = 1 ]; then
    step="$sys: query tables"; say "$step"
    "$pgbin/psql" -X -q -h 127.0.0.1 -p "${port[$sys]}" -U postgres -v ON_ERROR_STOP=1 \
      -f "$here/engine-queries/setup.sql" postgres >"$work/$sys.setup.out" 2>&1
    for f in "${qfiles[@]}"; do
      q=$(basename "$f" .sql)
      step="$sys: $q"; say "$step"
      latency "$sys" "$q.warm" -n -f "$f" -c 1 -T 3 -M prepared >/dev/null
      result[$sys.$q]=$(latency "$sys" "$q" -n -f "$f" -c 1 -T "$qseconds" -M prepared)
    done
  fi
  stop "$sys"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
printf '\n%-28s' "" ; for s in "${systems[@]}"; do printf '%12s' "$s"; done
[[ " ${systems[*]} " == *" pg "* ]] && for s in "${systems[@]}"; do [ "$s" = pg ] || printf '%12s' "$s/pg"; done
echo
row() { # key label
  printf '%-28s' "$2"
  for s in "${systems[@]}"; do printf '%12s' "${result[$s.$1]:--}"; done
  if [[ " ${systems[*]} " == *" pg "* ]]; then
    for s in "${systems[@]}"; do [ "$s" = pg ] || printf '%12s' "$(ratio "${result[$s.$1]:-}" "${result[pg.$1]:-}")"; done
  fi
  echo
}
if [ $tps = 1 ]; then
  echo "pgbench -s $scale -c $clients -j $threads -T $seconds -M $mode (TPS)"
  row tpcb "tpcb-like"
  row select "select-only"
  row tpcb.latency "tpcb-like latency (ms)"
  row dbsize "pg_database_size after -i (MB)"
  echo "CPU per transaction (ms): the server's processes, and pgbench's"
  row tpcb.cpu "tpcb-like, server"
  row tpcb.client "tpcb-like, pgbench"
  row select.cpu "select-only, server"
  row select.client "select-only, pgbench"
fi
if [ $queries = 1 ]; then
  echo "queries, pgbench -c 1 -T $qseconds -M prepared (average latency, ms)"
  for f in "${qfiles[@]}"; do q=$(basename "$f" .sql); row "$q" "$q"; done
fi
