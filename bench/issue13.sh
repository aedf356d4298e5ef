#!/usr/bin/env bash
# Every measurement issue 13 asks for, one after the other in one run, PostgreSQL 15 beside
# Walden in each: the closing note's tables come from one invocation of this script, so they
# share the machine's state (run it on a quiet machine: `uptime` first).
#
#   engine     compare-engine.sh: tpcb-like and select-only on a primary alone, -M prepared,
#              extended and simple at -c 8 -j 2; tpcb-like at -c 1 (commit latency), -c 32, -c 100
#   replica    compare-replication.sh: a primary and a streaming standby, async / sync /
#              remote_apply TPS at -c 1 (sync on: the issue's commit latency) and -c 8, and
#              the lags under async load
#   catchup    compare-replication.sh -C: the stopped standby's catch-up of TXNS transactions
#   load       compare-load.sh: pgbench -i -s LOAD_SCALE alone and with a standby
#   memory     compare-memory.sh: RSS at the load's peak, after it, under c8
#
#   bench/issue13.sh [PART...]          (default: every part, in the order above)
#   environment: SCALE (10: the pgbench scale of the engine, replica and catch-up parts),
#                LOAD_SCALE (10; the issue's figure is 100), T (20 s per pgbench run),
#                WARMUP (30 s), PORT_BASE (6201..6207 are used), OUT (the directory the
#                outputs are kept in: /tmp/walden-issue13.TIMESTAMP)
#
# Each part's full output is kept in OUT/PART.txt; the tables are printed again at the end.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scale=${SCALE:-10} load_scale=${LOAD_SCALE:-10} seconds=${T:-20} warmup=${WARMUP:-30}
port_base=${PORT_BASE:-6201}
out=${OUT:-/tmp/walden-issue13.$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(engine replica catchup load memory)

run() { # name command...
  local name=$1
  shift
  echo "== $name: $* (load average $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$out/summary.txt"
  "$@" >"$out/$name.txt" 2>"$out/$name.err"
  local rc=$?
  [ "$rc" -eq 0 ] || echo "   $name failed (exit $rc): see $out/$name.err" | tee -a "$out/summary.txt"
  # the tables: everything after the last progress line ("== ...") on stdout
  sed -n '/^$/,$p' "$out/$name.txt" | tee -a "$out/summary.txt"
}

engine() {
  local mode clients
  for mode in prepared extended simple; do
    run "engine-$mode-c8" env T="$seconds" SCALE="$scale" WARMUP="$warmup" MODE="$mode" \
      PORT_BASE="$port_base" "$here/compare-engine.sh"
  done
  for clients in 1 32 100; do
    run "engine-prepared-c$clients" env T="$seconds" SCALE="$scale" WARMUP="$warmup" \
      CLIENTS="$clients" THREADS=$((clients == 1 ? 1 : 2)) SELECT_ONLY=0 PORT_BASE="$port_base" \
      "$here/compare-engine.sh"
  done
}

for part in "${parts[@]}"; do
  case $part in
    engine) engine ;;
    replica) run replica env T="$seconds" SCALE="$scale" WARMUP="$warmup" PORT_BASE="$port_base" \
      CLIENTS="1 8" "$here/compare-replication.sh" ;;
    catchup) run catchup env T="$seconds" SCALE="$scale" WARMUP="$warmup" PORT_BASE="$port_base" \
      "$here/compare-replication.sh" -C ;;
    load) run load env SCALE="$load_scale" PORT="$port_base" "$here/compare-load.sh" ;;
    memory) run memory env SCALE="$load_scale" PORT="$port_base" "$here/compare-memory.sh" ;;
    *) echo "unknown part $part (engine, replica, catchup, load, memory)" >&2; exit 2 ;;
  esac
done
echo "all outputs in $out; the tables again in $out/summary.txt"
