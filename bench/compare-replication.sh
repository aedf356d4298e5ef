#!/usr/bin/env bash
# Compares PostgreSQL 15 and Walden as replicated servers on this machine, one after the
# other in the same run: each is a primary plus one streaming standby (application_name s1).
#
#   1. TPS of the tpcb-like transaction (bench/tpcb.sql, pgbench -n -c 8 -j 2 -M prepared)
#      in three modes, switched with ALTER SYSTEM + pg_reload_conf() on the same servers, for
#      each client count of CLIENTS (e.g. "1 8 32 100"); beside each TPS pgbench's average
#      latency and the servers' CPU per transaction (primary and standby, all their processes):
#        async         synchronous_standby_names = ''
#        sync          synchronous_standby_names = '*', synchronous_commit = on
#        remote_apply  synchronous_standby_names = '*', synchronous_commit = remote_apply
#   2. write_lag, flush_lag and replay_lag (median and max, ms) during the async run, sampled
#      from pg_stat_replication about every 100 ms by one background psql session.
#   3. With -C (catch-up): the standby is stopped (fast), the primary runs TXNS tpcb-like
#      transactions (pgbench -t), the standby is started again; from its first answer to its
#      pg_last_wal_replay_lsn() reaching the primary's LSN (bench/CatchUpTime.java, 2 ms polls):
#      seconds, transactions replayed per second, the standby's CPU per transaction (its
#      processes, between the two moments) and the WAL replayed. Then only the async run (lags).
#   4. With -b: pg_basebackup -Fp -X stream -c fast of the primary after pgbench -i -s BB_SCALE
#      (70 makes about 1 GB in PostgreSQL): seconds and MB/s (backup directory size / seconds).
#
#   bench/compare-replication.sh [-b | -B | -C] [-o pg|walden|both]      (-B: the base backup only)
#   environment: T (seconds per pgbench run, 30), SCALE (pgbench -i scale for TPS, 10),
#                BB_SCALE (scale for the base backup, 70), CLIENTS (8; a list such as "1 8 32 100"
#                runs each count in each mode), THREADS (2; at most the client count),
#                WARMUP (seconds of uncounted async pgbench first, 10: Walden's JIT warms up),
#                WARMUP_CLIENTS (its client count, 8, whatever CLIENTS is),
#                LAG_SKIP (seconds into the async run before lag sampling starts, 1.5),
#                WALDEN (bin/walden of this tree), KEEP=1 keeps the work directory (logs),
#                TXNS (transactions the stopped standby misses with -C, 100000),
#                PORT_BASE (first of the six ports, 57438), STANDBY_JAVA_OPTS (JVM options
#                of the Walden standby's restart with -C, e.g. -XX:StartFlightRecording=...),
#                WALDEN_BEFORE (bin/walden of another build, measured too: a column "Walden before").
#
# Quick check: T=5 SCALE=1 BB_SCALE=2 bench/compare-replication.sh -b
# PostgreSQL runs as the postgres OS user (initdb refuses root); Walden as the caller.
# Ports PORT_BASE..PORT_BASE+5 are used; all servers are stopped and the work directory is removed on exit.
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pgbin=/usr/lib/postgresql/15/bin
walden=${WALDEN:-$top/bin/walden}   # WALDEN=/other/tree/bin/walden compares another build
seconds=${T:-30} scale=${SCALE:-10} bb_scale=${BB_SCALE:-70}
client_list=(${CLIENTS:-8}) threads_max=${THREADS:-2}
clients=${client_list[0]} threads=$(( threads_max < clients ? threads_max : clients )) warmup=${WARMUP:-10} lag_skip=${LAG_SKIP:-1.5}
txns=${TXNS:-100000} port_base=${PORT_BASE:-57438} warmup_clients=${WARMUP_CLIENTS:-8}
do_bb=0 only=both tps=1 catchup=0
while getopts "bBCo:" opt; do
  case $opt in
    b) do_bb=1 ;;
    B) do_bb=1 tps=0 ;;
    C) catchup=1 ;;
    o) only=$OPTARG ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
  esac
done
case $only in pg|walden|both) ;; *) echo "-o takes pg, walden or both" >&2; exit 2 ;; esac

work=$(mktemp -d /tmp/walden-repbench.XXXXXX)
chmod 777 "$work"   # initdb runs as postgres and creates its directories here
declare -A port=([pg_primary]=$port_base [pg_standby]=$((port_base + 1))
                 [wd_primary]=$((port_base + 2)) [wd_standby]=$((port_base + 3))
                 [wb_primary]=$((port_base + 4)) [wb_standby]=$((port_base + 5)))
walden_before=${WALDEN_BEFORE:-}
bin_of() { # sys -> the walden command of that system (wb: WALDEN_BEFORE)
  if [ "$1" = wb ]; then echo "$walden_before"; else echo "$walden"; fi
}
declare -A result=()
step="setting up"

stop_all() {
  su postgres -c "$pgbin/pg_ctl -D $work/pg_standby -m immediate stop" >/dev/null 2>&1 || true
  su postgres -c "$pgbin/pg_ctl -D $work/pg_primary -m immediate stop" >/dev/null 2>&1 || true
  local sys
  for sys in wd wb; do
    [ -d "$work/${sys}_primary" ] || continue
    "$(bin_of $sys)" ctl -D "$work/${sys}_standby" -m immediate stop >/dev/null 2>&1 || true
    "$(bin_of $sys)" ctl -D "$work/${sys}_primary" -m immediate stop >/dev/null 2>&1 || true
  done
}
stop_server() { # sys role (fast shutdown, waits)
  if [ "$1" = pg ]; then
    su postgres -c "$pgbin/pg_ctl -D $work/$1_$2 -m fast -w stop" >/dev/null
  else
    "$(bin_of "$1")" ctl -D "$work/$1_$2" -m fast stop >/dev/null
  fi
}
cleanup() {
  local rc=$?
  touch "$work/stop-sampler" 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    echo >&2
    echo "FAILED (exit $rc) while: $step" >&2
    for log in "$work"/*.log "$work"/*.out; do
      [ -s "$log" ] || continue
      echo "---- last lines of $(basename "$log")" >&2
      tail -n 25 "$log" >&2
    done
  fi
  stop_all
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

say() { echo "== $*" >&2; }
# psql against one port, unaligned tuples only, errors fatal.
sql() { # port sql...
  local p=$1; shift
  local args=()
  for s in "$@"; do args+=(-c "$s"); done
  "$pgbin/psql" -X -q -At -h 127.0.0.1 -p "$p" -U postgres -v ON_ERROR_STOP=1 "${args[@]}" postgres
}
lsn_num() { # X/Y -> decimal
  local hi=${1%/*} lo=${1#*/}
  echo $(( (16#$hi << 32) + 16#$lo ))
}

# --- server control, per system (pg or wd)
make_primary() { # sys
  local sys=$1 dir=$work/$1_primary
  if [ "$sys" = pg ]; then
    su postgres -c "$pgbin/initdb -D $dir -U postgres --auth=trust" >"$work/pg_initdb.out" 2>&1
  else
    "$(bin_of "$sys")" initdb -D "$dir" -U postgres --auth trust >"$work/${sys}_initdb.out" 2>&1
  fi
  cat >> "$dir/postgresql.conf" <<CONF
port = ${port[${sys}_primary]}
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
wal_level = replica
hot_standby = on
max_wal_senders = 10
wal_keep_size = '4GB'
max_connections = ${MAX_CONNECTIONS:-200}
CONF
  start_server "$sys" primary
}
start_server() { # sys role [nowait]
  local name=$1_$2 wait=-w
  [ "${3:-}" = nowait ] && wait=-W
  if [ "$1" = pg ]; then
    su postgres -c "$pgbin/pg_ctl -D $work/$name -l $work/$name.log $wait -t 120 start" >/dev/null
  else
    "$(bin_of "$1")" ctl -D "$work/$name" -l "$work/$name.log" $wait start >/dev/null
  fi
}
make_standby() { # sys
  local sys=$1 dir=$work/$1_standby pport=${port[$1_primary]}
  if [ "$sys" = pg ]; then
    su postgres -c "$pgbin/pg_basebackup -h 127.0.0.1 -p $pport -U postgres -D $dir -R -X stream" \
      >"$work/pg_standby_clone.out" 2>&1
  else
    "$(bin_of "$sys")" basebackup -h 127.0.0.1 -p "$pport" -U postgres -D "$dir" -R -X stream \
      >"$work/${sys}_standby_clone.out" 2>&1
  fi
  echo "port = ${port[${sys}_standby]}" >> "$dir/postgresql.conf"
  # the later line wins: the standby introduces itself as s1 (synchronous_standby_names)
  echo "primary_conninfo = 'host=127.0.0.1 port=$pport user=postgres application_name=s1'" \
    >> "$dir/postgresql.auto.conf"
  start_server "$sys" standby
}
wait_streaming() { # primary-port
  local i state
  for i in $(seq 1 120); do
    state=$(sql "$1" "select state from pg_stat_replication where application_name = 's1'" || true)
    [ "$state" = streaming ] && return 0
    sleep 0.5
  done
  echo "standby s1 is not streaming from port $1 after 60 s (state: '${state:-none}')" >&2
  return 1
}
wait_caught_up() { # primary-port: standby s1 has replayed everything written so far
  local target i replay
  target=$(lsn_num "$(sql "$1" "select pg_current_wal_lsn()")")
  for i in $(seq 1 600); do
    replay=$(sql "$1" "select replay_lsn from pg_stat_replication where application_name = 's1'" || true)
    if [ -n "$replay" ] && [ "$(lsn_num "$replay")" -ge "$target" ]; then return 0; fi
    sleep 0.5
  done
  echo "standby s1 did not replay up to the primary's LSN within 300 s (replay_lsn '$replay')" >&2
  return 1
}

set_mode() { # port mode
  local ssn=$'\'*\'' sc=on
  case $2 in
    async) ssn="''" ;;
    sync) ;;
    remote_apply) sc=remote_apply ;;
  esac
  sql "$1" "alter system set synchronous_standby_names = $ssn" \
           "alter system set synchronous_commit = $sc" "select pg_reload_conf()" >/dev/null
  local i got want
  want="$( [ "$2" = async ] && echo "" || echo "*")|$sc"
  for i in $(seq 1 50); do   # the reload is asynchronous: wait until a new session sees it
    got=$(sql "$1" "show synchronous_standby_names" "show synchronous_commit" | paste -sd'|')
    [ "$got" = "$want" ] && break
    sleep 0.2
  done
  [ "$got" = "$want" ] || { echo "mode $2 not in effect after reload: got '$got', want '$want'" >&2; return 1; }
  sleep 1   # let the walsender recompute sync_state
  sql "$1" "select sync_state from pg_stat_replication where application_name = 's1'"
}

# CPU clock ticks the servers of a system (primary and standby) have used: all their processes,
# living and reaped (a PostgreSQL backend's CPU moves to the postmaster's cutime when it ends).
server_cpu_ticks() { # sys
  local role pid
  for role in primary standby; do
    [ -s "$work/$1_$role/postmaster.pid" ] || continue
    pid=$(head -1 "$work/$1_$role/postmaster.pid")
    awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat" 2>/dev/null || true
    for child in $(pgrep -P "$pid"); do awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null || true; done
  done | awk '{ t += $1 } END { print t + 0 }'
}
# pgbench with CPU accounting: result[sys,KEY] (TPS), result[sys,lat_KEY] (ms), result[sys,cpu_KEY]
measured_pgbench() { # sys key
  local sys=$1 key=$2 before after txns
  sleep 1
  before=$(server_cpu_ticks "$sys")
  result[$sys,$key]=$(run_pgbench "${port[${sys}_primary]}" "${sys}_$key")
  sleep 1   # ended backends are reaped: their CPU moves to the postmaster's count
  after=$(server_cpu_ticks "$sys")
  txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/${sys}_$key.out")
  result[$sys,cpu_$key]=$(awk -v t="$txns" -v hz="$(getconf CLK_TCK)" -v b="$before" -v a="$after" \
    'BEGIN { if (t > 0) printf "%.3f", (a - b) * 1000 / hz / t; else print "-" }')
  result[$sys,lat_$key]=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$work/${sys}_$key.out" | tail -1)
}
run_pgbench() { # port label -> tps on stdout
  "$pgbin/pgbench" -h 127.0.0.1 -p "$1" -U postgres -n -f "$here/tpcb.sql" -D scale="$scale" \
    -c "$clients" -j "$threads" -T "$seconds" -M prepared postgres >"$work/$2.out" 2>&1
  local tps
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/$2.out" | tail -1)
  [ -n "$tps" ] || { echo "pgbench printed no tps (see $2.out)" >&2; return 1; }
  local failed
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/$2.out")
  [ "${failed:-0}" = 0 ] || echo "warning: $2: $failed failed transactions" >&2
  printf '%.1f\n' "$tps"
}

# One psql session fed a query every ~100 ms; stops when $work/stop-sampler exists. It starts
# LAG_SKIP seconds late: until the first reply under load, both servers still show the lag of
# the previous WAL burst (cleared only after two fully-applied replies, wal_receiver_status_interval).
start_sampler() { # port file
  rm -f "$work/stop-sampler"
  (
    sleep "$lag_skip"
    while [ ! -e "$work/stop-sampler" ]; do
      echo "select write_lag, flush_lag, replay_lag from pg_stat_replication where application_name = 's1';"
      sleep 0.1
    done | "$pgbin/psql" -X -q -At -F'|' -h 127.0.0.1 -p "$1" -U postgres postgres >"$2" 2>&1
  ) &
  sampler_pid=$!
}
stop_sampler() {
  touch "$work/stop-sampler"
  wait "$sampler_pid" || true
}
# interval text (HH:MM:SS[.ffffff], optionally "N day(s)" first) in column $2 -> "median max n"
lag_stats() { # file column
  awk -F'|' -v c="$2" '
    { v = $c; days = 0
      if (match(v, /^-?[0-9]+ days? /)) { days = substr(v, 1, RLENGTH) + 0; v = substr(v, RLENGTH + 1) }
      if (split(v, t, ":") != 3) next
      print ((days * 24 + t[1]) * 3600 + t[2] * 60 + t[3]) * 1000 }' "$1" | sort -g |
    awk '{ a[NR] = $1 } END {
      if (NR == 0) { print "- - 0"; exit }
      m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
      printf "%.2f %.2f %d\n", m, a[NR], NR }'
}

# The stopped standby misses TXNS transactions; from its first answer after its start to its
# replay of all of them: seconds, transactions per second, its CPU per transaction, WAL MB.
catch_up() { # sys
  local sys=$1 p=${port[$1_primary]} start_lsn end_lsn out jdbc
  jdbc=$(ls "$top"/target/lib/postgresql-*.jar | head -1)
  step="$sys: stop the standby for the catch-up"; stop_server "$sys" standby
  start_lsn=$(sql "$p" "select pg_current_wal_lsn()")
  step="$sys: pgbench -t for the catch-up"
  say "$sys: $txns transactions while the standby is stopped"
  "$pgbin/pgbench" -h 127.0.0.1 -p "$p" -U postgres -n -f "$here/tpcb.sql" -D scale="$scale" \
    -c "$clients" -j "$threads" -t $((txns / clients)) -M prepared postgres >"$work/${sys}_catchup.out" 2>&1
  end_lsn=$(sql "$p" "select pg_current_wal_lsn()")
  step="$sys: standby catch-up"
  # STANDBY_JAVA_OPTS: JVM options for the Walden standby's restart (a profiler agent, say)
  local started timer i
  rm -f "$work/timer-ready"
  "${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java" -cp "$jdbc" "$here/CatchUpTime.java" \
    "${port[${sys}_standby]}" "$end_lsn" "$work/${sys}_standby" "$work/timer-ready" \
    >"$work/${sys}_catchup.time" 2>"$work/${sys}_catchup.err" &
  timer=$!
  for i in $(seq 1 600); do [ -e "$work/timer-ready" ] && break; sleep 0.1; done
  [ -e "$work/timer-ready" ] || { echo "CatchUpTime did not start within 60 s" >&2; return 1; }
  started=$(date +%s.%N)
  WALDEN_SERVER_JVM_OPTS=$( [ "$sys" != pg ] && echo "${STANDBY_JAVA_OPTS:-}" ) start_server "$sys" standby nowait
  wait "$timer"
  out=($(cat "$work/${sys}_catchup.time"))
  local done_txns=$(( txns / clients * clients ))
  result[$sys,cu_s]=${out[0]}
  result[$sys,cu_tps]=$(awk -v n="$done_txns" -v s="${out[0]}" 'BEGIN { printf "%.0f", n / s }')
  result[$sys,cu_cpu]=$(awk -v n="$done_txns" -v c="${out[1]}" 'BEGIN { printf "%.4f", c * 1000 / n }')
  result[$sys,cu_from_start]=$(awk -v a="$started" -v b="${out[3]}" 'BEGIN { printf "%.3f", b - a }')
  result[$sys,cu_cpu_total]=${out[2]}
  result[$sys,cu_mb]=$(awk -v a="$(lsn_num "$start_lsn")" -v b="$(lsn_num "$end_lsn")" 'BEGIN { printf "%.1f", (b - a) / 1048576 }')
  say "$sys: caught up in ${out[0]} s"
}

base_backup() { # sys
  local sys=$1 p=${port[$1_primary]} dir=$work/$1_bb t0 t1 dbmb mb secs
  say "$sys: pgbench -i -s $bb_scale for the base backup"
  step="$sys: pgbench -i -s $bb_scale (base backup data)"
  "$pgbin/pgbench" -i -s "$bb_scale" -h 127.0.0.1 -p "$p" -U postgres postgres >"$work/${sys}_bb_init.out" 2>&1
  sql "$p" "checkpoint" >/dev/null
  dbmb=$(sql "$p" "select pg_database_size('postgres')" 2>/dev/null | awk '{ printf "%.0f", $1 / 1048576 }' || true)
  [ -n "$dbmb" ] || dbmb="$(du -sm "$work/${sys}_primary/base" | cut -f1)(du)"   # a server without pg_database_size
  step="$sys: pg_basebackup -Fp -X stream -c fast"
  say "$step (database ${dbmb} MB)"
  t0=$(date +%s.%N)
  "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$p" -U postgres -D "$dir" -Fp -X stream -c fast \
    >"$work/${sys}_bb.out" 2>&1
  t1=$(date +%s.%N)
  mb=$(du -sb "$dir" | awk '{ printf "%.1f", $1 / 1048576 }')
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  result[$sys,bb_db_mb]=$dbmb result[$sys,bb_mb]=$mb result[$sys,bb_s]=$secs
  result[$sys,bb_mbs]=$(awk -v m="$mb" -v s="$secs" 'BEGIN { printf "%.1f", m / s }')
  rm -rf "$dir"
}

run_system() { # sys label
  local sys=$1 p=${port[$1_primary]} mode stats
  say "$2: primary on ${port[${sys}_primary]}, standby s1 on ${port[${sys}_standby]}"
  step="$sys: initdb and start primary"; make_primary "$sys"
  step="$sys: clone and start standby"; make_standby "$sys"
  step="$sys: wait for standby s1 to stream"; wait_streaming "$p"
  if [ "$tps" = 0 ]; then
    base_backup "$sys"
    step="$sys: stop servers"
    stop_all
    return
  fi
  step="$sys: pgbench -i -s $scale"
  "$pgbin/pgbench" -i -s "$scale" -h 127.0.0.1 -p "$p" -U postgres postgres >"$work/${sys}_init.out" 2>&1
  step="$sys: wait for standby s1 to replay pgbench -i"; wait_caught_up "$p"
  if [ "$warmup" -gt 0 ]; then
    step="$sys: warm-up pgbench"
    say "$2: warm-up pgbench (async, not counted) for $warmup s"
    # at WARMUP_CLIENTS (8) whatever CLIENTS says: -c 1 alone runs too few transactions in
    # WARMUP seconds for the JIT to compile the commit path, and its figures were a cold JVM's
    seconds=$warmup clients=$warmup_clients threads=$(( threads_max < warmup_clients ? threads_max : warmup_clients )) \
      run_pgbench "$p" "${sys}_warmup" >/dev/null
  fi
  [ "$catchup" = 1 ] && catch_up "$sys"
  local modes=(async sync remote_apply)
  [ "$catchup" = 1 ] && modes=(async)
  local c
  for mode in "${modes[@]}"; do
    step="$sys: switch to $mode"
    result[$sys,state_$mode]=$(set_mode "$p" "$mode")
    for c in "${client_list[@]}"; do
      clients=$c threads=$(( threads_max < c ? threads_max : c ))
      step="$sys: pgbench $mode -c $c"
      say "$2: pgbench $mode -c $c (standby sync_state: ${result[$sys,state_$mode]}) for $seconds s"
      local lagged=0
      [ "$mode" = async ] && [ "$c" = "${client_list[0]}" ] && lagged=1
      [ "$lagged" = 1 ] && start_sampler "$p" "$work/${sys}_lag.samples"
      measured_pgbench "$sys" "tps_${mode}_c$c"
      if [ "$lagged" = 1 ]; then
        stop_sampler
        for col in 1:write 2:flush 3:replay; do
          stats=($(lag_stats "$work/${sys}_lag.samples" "${col%%:*}"))
          result[$sys,${col#*:}_med]=${stats[0]} result[$sys,${col#*:}_max]=${stats[1]}
          result[$sys,lag_n]=${stats[2]}
        done
      fi
    done
  done
  clients=${client_list[0]} threads=$(( threads_max < clients ? threads_max : clients ))
  step="$sys: back to async"; set_mode "$p" async >/dev/null
  [ "$do_bb" = 1 ] && base_backup "$sys"
  step="$sys: stop servers"
  stop_server "$sys" standby   # fast: a profiler in the standby writes its output at exit
  stop_all
}

[ "$only" = walden ] || run_system pg "PostgreSQL 15"
[ "$only" = pg ] || [ -z "$walden_before" ] || run_system wb "Walden (before)"
[ "$only" = pg ] || run_system wd "Walden"
step="printing results"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b ~ /^[0-9.]+$/) printf "%.2f", b / a; else print "-" }'; }
row() { # label key
  local a=${result[pg,$2]:--} b=${result[wd,$2]:--} c=${result[wb,$2]:--}
  if [ -n "$walden_before" ]; then
    printf '%-34s %14s %14s %14s %10s %10s\n' "$1" "$a" "$c" "$b" "$(ratio "$a" "$c")" "$(ratio "$a" "$b")"
  else
    printf '%-34s %14s %14s %12s\n' "$1" "$a" "$b" "$(ratio "$a" "$b")"
  fi
}
echo
[ "$tps" = 1 ] && echo "pgbench -n -f bench/tpcb.sql -c C -j min(C,$threads_max) -T $seconds -M prepared, scale $scale;"
[ "$tps" = 1 ] && echo "latency: pgbench's average (ms); server CPU: primary + standby, all processes, ms per transaction"
echo "primary + one streaming standby (s1) each, same machine ($(nproc) cores), same run"
if [ -n "$walden_before" ]; then
  printf '%-34s %14s %14s %14s %10s %10s\n' "" "PostgreSQL 15" "Walden before" "Walden" "before/PG" "Walden/PG"
else
  printf '%-34s %14s %14s %12s\n' "" "PostgreSQL 15" "Walden" "Walden/PG"
fi
if [ "$catchup" = 1 ]; then
  row "catch-up of $txns txns: seconds" cu_s
  row "catch-up: transactions/s" cu_tps
  row "catch-up: seconds from start cmd" cu_from_start
  row "catch-up: standby CPU ms/txn" cu_cpu
  row "catch-up: standby CPU s since start" cu_cpu_total
  row "catch-up: WAL MB" cu_mb
fi
if [ "$tps" = 1 ]; then
  for mode in async sync remote_apply; do
    [ "$catchup" = 1 ] && [ "$mode" != async ] && continue
    for c in "${client_list[@]}"; do
      row "TPS $mode -c $c" "tps_${mode}_c$c"
      row "  latency ms $mode -c $c" "lat_tps_${mode}_c$c"
      row "  server CPU ms/txn $mode -c $c" "cpu_tps_${mode}_c$c"
    done
  done
  row "write_lag median ms (async -c ${client_list[0]})" write_med
  row "write_lag max ms (async)" write_max
  row "flush_lag median ms (async)" flush_med
  row "flush_lag max ms (async)" flush_max
  row "replay_lag median ms (async)" replay_med
  row "replay_lag max ms (async)" replay_max
  row "lag samples (non-null)" lag_n
fi
if [ "$do_bb" = 1 ]; then
  echo "base backup after pgbench -i -s $bb_scale:"
  row "base backup: database MB" bb_db_mb
  row "base backup: directory MB" bb_mb
  row "base backup: seconds" bb_s
  row "base backup: MB/s" bb_mbs
fi
if [ "$tps" = 1 ]; then
  for mode in async sync remote_apply; do
    [ "$catchup" = 1 ] && [ "$mode" != async ] && continue
    printf 'sync_state of s1 in %-12s PostgreSQL: %-8s Walden: %s\n' "$mode" \
      "${result[pg,state_$mode]:--}" "${result[wd,state_$mode]:--}"
  done
  for sys in pg wd; do
    for mode in sync remote_apply; do
      state=${result[$sys,state_$mode]:-}
      if [ -n "$state" ] && [ "$state" != sync ]; then
        echo "note: $( [ $sys = pg ] && echo PostgreSQL || echo Walden ) did not list s1 as 'sync' in $mode mode:" \
          "its TPS there is not a synchronous-commit figure"
      fi
    done
  done
fi
