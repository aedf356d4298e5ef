#!/usr/bin/env bash
# Bulk load, PostgreSQL 15 beside Walden on this machine in the same run: `pgbench -i -s SCALE`
# (pgbench_accounts' SCALE x 100,000 rows by COPY FROM STDIN in the transaction that truncated
# the tables, VACUUM ANALYZE, then ALTER TABLE ... ADD PRIMARY KEY on each table) on a primary
# alone, and on a primary with one streaming standby attached (asynchronous, cloned by a base
# backup before the load, as compare-replication.sh sets it up).
#
# For each system and set-up: the load's seconds (wall clock), pgbench's own split of them
# (generate = COPY, vacuum, primary keys), the primary's CPU seconds during the load and, with
# a standby, the standby's CPU seconds until it caught up and its catch-up: the seconds from the
# load's end until the standby's replay_lsn reached the primary's LSN at that end (polled every
# 0.1 s, so 0.1 is the floor). CPU is user + system time of the server's processes (PostgreSQL:
# the postmaster and its children, exited backends reaped into it; Walden: its one JVM).
#
#   bench/compare-load.sh
#   environment: SCALE (100), SETUPS ("alone standby"), SYSTEMS ("pg walden"; "wb" adds
#                WALDEN_BEFORE), WALDEN (bin/walden of this tree), WALDEN_BEFORE (another
#                build's bin/walden), PORT (6480: PostgreSQL primary/standby on PORT, PORT+1,
#                Walden on PORT+2, PORT+3, Walden before on PORT+4, PORT+5), KEEP=1,
#                WALDEN_SERVER_JVM_OPTS (passed to Walden's primary: a profiler, say), SPLIT=1
#                (pgbench -i -I dtg, then -I vp: the gen-cpu column is the primary's CPU up to the
#                end of the COPY step, drop and create included), STEPS=1 (-I dtg, -I v and -I p
#                one at a time: seconds, primary CPU and standby CPU of each step)
#
# PostgreSQL runs as the postgres OS user when called as root; every server is stopped and the
# work directory removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pgbin=/usr/lib/postgresql/15/bin
scale=${SCALE:-100} base_port=${PORT:-6480}
setups=${SETUPS:-alone standby}
walden=${WALDEN:-$top/bin/walden} walden_before=${WALDEN_BEFORE:-}
systems=${SYSTEMS:-pg walden}
[ -n "$walden_before" ] && [ -z "${SYSTEMS:-}" ] && systems="pg wb walden"
work=$(mktemp -d /tmp/walden-loadbench.XXXXXX)
chmod 777 "$work"
declare -A port=([pg]=$base_port [walden]=$((base_port + 2)) [wb]=$((base_port + 4)))
declare -A result=()
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
bin_of() { if [ "$1" = wb ]; then echo "$walden_before"; else echo "$walden"; fi; }
server() { # sys dir action... : pg_ctl or walden ctl on a data directory
  local sys=$1 dir=$2; shift 2
  if [ "$sys" = pg ]; then as_pg "$pgbin/pg_ctl -D $dir $*"; else "$(bin_of "$sys")" ctl -D "$dir" "$@"; fi
}
stop_all() {
  local d
  for d in "$work"/*/; do
    [ -f "$d/postgresql.conf" ] || continue
    case $(basename "$d") in
      pg_*) server pg "$d" -m immediate stop ;;
      wb_*) server wb "$d" -m immediate stop ;;
      *) server walden "$d" -m immediate stop ;;
    esac >/dev/null 2>&1 || true
  done
}
cleanup() { stop_all; if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
say() { echo "== $*" >&2; }
sql() { "$pgbin/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -c "$2" postgres; }
lsn_num() { local hi=${1%/*} lo=${1#*/}; echo $(( (16#$hi << 32) + 16#$lo )); }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
server_cpu() { # data directory -> CPU seconds of its server so far
  local pid ticks child
  pid=$(head -1 "$1/postmaster.pid")
  ticks=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pid/stat")
  for child in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
    ticks=$((ticks + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$child/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$ticks" -v h="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / h }'
}

make_primary() { # sys dir port
  if [ "$1" = pg ]; then
    as_pg "$pgbin/initdb -D $2 -U postgres -A trust" >"$2.initdb.log" 2>&1
  else
    "$(bin_of "$1")" initdb -D "$2" -U postgres --auth trust >"$2.initdb.log" 2>&1
  fi
  cat >>"$2/postgresql.conf" <<CONF
port = $3
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
wal_level = replica
max_wal_senders = 10
wal_keep_size = '8GB'
max_wal_size = '8GB'
CONF
  if [ "$1" = pg ]; then
    server pg "$2" -l "$2.log" -w -t 120 start >/dev/null
  else
    WALDEN_SERVER_JVM_OPTS="${WALDEN_SERVER_JVM_OPTS:-}" server "$1" "$2" -l "$2.log" start >/dev/null
  fi
}
make_standby() { # sys primary-port dir port
  if [ "$1" = pg ]; then
    as_pg "$pgbin/pg_basebackup -h 127.0.0.1 -p $2 -U postgres -D $3 -R -X stream" >"$3.clone.log" 2>&1
  else
    "$(bin_of "$1")" basebackup -h 127.0.0.1 -p "$2" -U postgres -D "$3" -R -X stream >"$3.clone.log" 2>&1
  fi
  echo "port = $4" >>"$3/postgresql.conf"
  echo "primary_conninfo = 'host=127.0.0.1 port=$2 user=postgres application_name=s1'" >>"$3/postgresql.auto.conf"
  if [ "$1" = pg ]; then
    server pg "$3" -l "$3.log" -w -t 120 start >/dev/null
  else
    WALDEN_SERVER_JVM_OPTS= server "$1" "$3" -l "$3.log" start >/dev/null
  fi
  local i
  for i in $(seq 1 120); do
    [ "$(sql "$2" "select state from pg_stat_replication where application_name = 's1'" || true)" = streaming ] && return 0
    sleep 0.5
  done
  echo "standby s1 is not streaming from port $2 after 60 s" >&2
  return 1
}

wait_caught_up() { # sys primary-port since: until the standby replayed up to the primary's LSN now
  local target replay
  target=$(lsn_num "$(sql "$2" "select pg_current_wal_lsn()")")
  while :; do
    replay=$(sql "$2" "select replay_lsn from pg_stat_replication where application_name = 's1'" || true)
    [ -n "$replay" ] && [ "$(lsn_num "$replay")" -ge "$target" ] && return 0
    [ "$(secs "$3" "$(now)" | cut -d. -f1)" -lt 600 ] || { echo "$1: standby not caught up in 600 s" >&2; exit 1; }
    sleep 0.1
  done
}

run() { # sys setup
  local sys=$1 setup=$2 p=${port[$1]} dir=$work/$1_$2 t0 t1 c0 c1 s0 target replay line
  say "$sys, $setup: primary on $p"
  make_primary "$sys" "$dir" "$p"
  if [ "$setup" = standby ]; then
    make_standby "$sys" "$p" "$dir.standby" $((p + 1))
    s0=$(server_cpu "$dir.standby")
  fi
  c0=$(server_cpu "$dir"); t0=$(now)
  if [ "${SPLIT:-0}" = 1 ]; then
    # two pgbench runs: drop, create and generate (COPY), then vacuum and primary keys; the
    # primary's CPU at the boundary splits it (pgbench's own timings are added up)
    local l1 l2 g
    l1=$("$pgbin/pgbench" -i -I dtg -s "$scale" -h 127.0.0.1 -p "$p" -U postgres postgres 2>&1 \
      | tee "$dir.pgbench.log" | grep '^done in')
    sleep 0.3 # PostgreSQL's backend has exited and been reaped into the postmaster's children's time
    result[$sys.$setup.gencpu]=$(secs "$c0" "$(server_cpu "$dir")")
    l2=$("$pgbin/pgbench" -i -I vp -s "$scale" -h 127.0.0.1 -p "$p" -U postgres postgres 2>&1 \
      | tee -a "$dir.pgbench.log" | grep '^done in')
    g=$(sed -n 's/.*client-side generate \([0-9.]*\) s.*/\1/p' <<<"$l1")
    line="$l1 $l2"
    line="${line/client-side generate $g s/}"
    line="$line client-side generate $g s"
  elif [ "${STEPS:-0}" = 1 ]; then
    # each of pgbench's steps on its own (-I dtg, -I v, -I p), with the CPU of each
    local step cs0 ss0 cs1 ss1 out
    for step in dtg v p; do
      cs0=$(server_cpu "$dir"); ss0=0; [ "$setup" = standby ] && ss0=$(server_cpu "$dir.standby")
      out=$("$pgbin/pgbench" -i -I "$step" -s "$scale" -h 127.0.0.1 -p "$p" -U postgres postgres 2>&1 \
        | tee -a "$dir.pgbench.log" | grep '^done in')
      [ "$setup" = standby ] && wait_caught_up "$sys" "$p" "$(now)"
      sleep 0.5
      cs1=$(server_cpu "$dir"); ss1=0; [ "$setup" = standby ] && ss1=$(server_cpu "$dir.standby")
      result[$sys.$setup.cpu_$step]=$(secs "$cs0" "$cs1")
      result[$sys.$setup.scpu_$step]=$(secs "$ss0" "$ss1")
      result[$sys.$setup.secs_$step]=$(sed -n 's/^done in \([0-9.]*\) s.*/\1/p' <<<"$out")
      say "$sys, $setup, -I $step: $out; primary CPU ${result[$sys.$setup.cpu_$step]} s, standby CPU ${result[$sys.$setup.scpu_$step]} s"
    done
    line="done in $(awk -v a="${result[$sys.$setup.secs_dtg]}" -v b="${result[$sys.$setup.secs_v]}" \
      -v c="${result[$sys.$setup.secs_p]}" 'BEGIN { printf "%.2f", a + b + c }') s (client-side generate ${result[$sys.$setup.secs_dtg]} s, vacuum ${result[$sys.$setup.secs_v]} s, primary keys ${result[$sys.$setup.secs_p]} s)."
  else
    line=$("$pgbin/pgbench" -i -s "$scale" -h 127.0.0.1 -p "$p" -U postgres postgres 2>&1 | tee "$dir.pgbench.log" \
      | grep '^done in')
  fi
  t1=$(now)
  result[$sys.$setup.secs]=$(secs "$t0" "$t1")
  result[$sys.$setup.generate]=$(sed -n 's/.*client-side generate \([0-9.]*\) s.*/\1/p' <<<"$line")
  result[$sys.$setup.vacuum]=$(sed -n 's/.*vacuum \([0-9.]*\) s.*/\1/p' <<<"$line")
  result[$sys.$setup.pkeys]=$(sed -n 's/.*primary keys \([0-9.]*\) s.*/\1/p' <<<"$line")
  if [ "$setup" = standby ]; then
    target=$(lsn_num "$(sql "$p" "select pg_current_wal_lsn()")")
    while :; do
      replay=$(sql "$p" "select replay_lsn from pg_stat_replication where application_name = 's1'" || true)
      [ -n "$replay" ] && [ "$(lsn_num "$replay")" -ge "$target" ] && break
      [ "$(secs "$t1" "$(now)" | cut -d. -f1)" -lt 600 ] || { echo "$sys: standby not caught up in 600 s" >&2; exit 1; }
      sleep 0.1
    done
    result[$sys.$setup.catchup]=$(secs "$t1" "$(now)")
    result[$sys.$setup.standby_cpu]=$(secs "$s0" "$(server_cpu "$dir.standby")")
    [ "$(sql "$p" "select count(*) from pgbench_accounts")" = "$((scale * 100000))" ] \
      || { echo "$sys: pgbench_accounts lost rows" >&2; exit 1; }
    [ "$(sql $((p + 1)) "select count(*) from pgbench_accounts")" = "$((scale * 100000))" ] \
      || { echo "$sys: the standby lacks rows" >&2; exit 1; }
    server "$sys" "$dir.standby" -m immediate stop >/dev/null 2>&1 || true
  fi
  sleep 0.5 # PostgreSQL's backend has exited and been reaped into the postmaster's children's time
  result[$sys.$setup.cpu]=$(secs "$c0" "$(server_cpu "$dir")")
  [ "$setup" = standby ] || [ "$(sql "$p" "select count(*) from pgbench_accounts")" = "$((scale * 100000))" ] \
    || { echo "$sys: pgbench_accounts lost rows" >&2; exit 1; }
  say "$sys, $setup: ${result[$sys.$setup.secs]} s, primary CPU ${result[$sys.$setup.cpu]} s ($line)"
  server "$sys" "$dir" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir" "$dir.standby"
}

for setup in $setups; do
  for sys in $systems; do run "$sys" "$setup"; done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
declare -A label=([pg]=PostgreSQL [walden]=Walden [wb]="Walden before")
echo
echo "pgbench -i -s $scale ($((scale * 100000)) rows), same machine ($(nproc) cores), same run; seconds"
printf '%-9s %-14s %8s %8s %8s %8s %9s %9s %11s %8s %8s %8s\n' setup system load generate vacuum pkeys cpu \
  "cpu/pg" standby-cpu catchup "load/pg" gen-cpu
for setup in $setups; do
  for sys in $systems; do
    printf '%-9s %-14s %8s %8s %8s %8s %9s %9s %11s %8s %8s %8s\n' "$setup" "${label[$sys]}" \
      "${result[$sys.$setup.secs]}" "${result[$sys.$setup.generate]:--}" "${result[$sys.$setup.vacuum]:--}" \
      "${result[$sys.$setup.pkeys]:--}" "${result[$sys.$setup.cpu]}" \
      "$(ratio "${result[$sys.$setup.cpu]}" "${result[pg.$setup.cpu]:-0}")" \
      "${result[$sys.$setup.standby_cpu]:--}" "${result[$sys.$setup.catchup]:--}" \
      "$(ratio "${result[$sys.$setup.secs]}" "${result[pg.$setup.secs]:-0}")" "${result[$sys.$setup.gencpu]:--}"
  done
done
if [ "${STEPS:-0}" = 1 ]; then
  echo
  echo "each step alone (pgbench -i -I dtg / v / p): wall seconds, primary CPU, standby CPU (until caught up)"
  printf '%-9s %-14s %-5s %8s %8s %8s %9s %9s\n' setup system step secs cpu standby "cpu/pg" "sby/pg"
  for setup in $setups; do
    for step in dtg v p; do
      for sys in $systems; do
        printf '%-9s %-14s %-5s %8s %8s %8s %9s %9s\n' "$setup" "${label[$sys]}" "$step" \
          "${result[$sys.$setup.secs_$step]:--}" "${result[$sys.$setup.cpu_$step]:--}" \
          "${result[$sys.$setup.scpu_$step]:--}" \
          "$(ratio "${result[$sys.$setup.cpu_$step]:-0}" "${result[pg.$setup.cpu_$step]:-0}")" \
          "$(ratio "${result[$sys.$setup.scpu_$step]:-0}" "${result[pg.$setup.scpu_$step]:-0}")"
      done
    done
  done
fi
