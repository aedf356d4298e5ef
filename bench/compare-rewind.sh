#!/usr/bin/env bash
# Rewind and switchover side by side (issue 8). For each size in SIZES (diverged pgbench
# transactions on the old primary after its standby was promoted): milliseconds from "stop the
# old primary" to "the old primary streams from the new one", through pg_rewind for PostgreSQL 15
# (wal_log_hints on, its WAL retained) and walden rewind for Walden; then the rows are compared.
# Then `walden switchover` back and forth SWITCHES times under a pgbench load: the write pause
# it reports, median. See bench/README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
SIZES=${SIZES:-"1000 100000"}
SWITCHES=${SWITCHES:-5}
PGB=/usr/lib/postgresql/15/bin
W="$here/bin/walden"
work=$(mktemp -d /tmp/compare-rewind.XXXXXX); chmod 777 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
"$W" --help >/dev/null 2>&1 || true   # builds target/walden.jar when needed
PP=6251; PS=6252; WP=6253; WS=6254
cleanup() {
  for d in "$work"/pg-*; do [ -d "$d" ] && as_pg "$PGB/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true; done
  for d in "$work"/w-*; do [ -d "$d" ] && "$W" ctl -D "$d" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
now_ms() { date +%s%3N; }
q() { "$PGB/psql" -h 127.0.0.1 -p "$1" -U postgres -Atc "$2"; }
streaming_on() { # port timeline
  until [ "$(q "$1" "SELECT status || received_tli FROM pg_stat_wal_receiver" 2>/dev/null)" = "streaming$2" ]; do sleep 0.02; done
}
settings() { printf "port=$1\nlisten_addresses='127.0.0.1'\nunix_socket_directories='$work'\nwal_keep_size=4GB\nmax_wal_size=4GB\n"; }
bench_rows() { q "$1" "SELECT count(*), sum(abalance) FROM pgbench_accounts"; q "$1" "SELECT count(*) FROM pgbench_history"; }
diverge() { # port transactions
  PGOPTIONS='-c synchronous_commit=off' "$PGB/pgbench" -n -c 4 -t $(( $2 / 4 )) -h 127.0.0.1 -p "$1" -U postgres \
    postgres >/dev/null 2>&1
}

pg_case() { # transactions -> ms
  as_pg rm -rf "$work/pg-p" "$work/pg-s"
  as_pg "$PGB/initdb" -D "$work/pg-p" -U postgres -A trust >/dev/null
  settings $PP | as_pg tee -a "$work/pg-p/postgresql.conf" >/dev/null
  echo "wal_log_hints = on" | as_pg tee -a "$work/pg-p/postgresql.conf" >/dev/null
  as_pg "$PGB/pg_ctl" -D "$work/pg-p" -l "$work/pg-p.log" -w start >/dev/null
  "$PGB/pgbench" -i -s 1 -q -h 127.0.0.1 -p $PP -U postgres postgres >/dev/null 2>&1
  as_pg "$PGB/pg_basebackup" -h 127.0.0.1 -p $PP -U postgres -D "$work/pg-s" -R -X stream -c fast
  as_pg sed -i "s/^port=$PP/port=$PS/" "$work/pg-s/postgresql.conf"
  as_pg "$PGB/pg_ctl" -D "$work/pg-s" -l "$work/pg-s.log" -w start >/dev/null
  sleep 1
  as_pg "$PGB/pg_ctl" -D "$work/pg-s" -w promote >/dev/null
  diverge $PP "$1"
  q $PS "INSERT INTO pgbench_history VALUES (1, 1, 1, 0, now(), 'on the new primary')" >/dev/null
  local t0; t0=$(now_ms)
  as_pg "$PGB/pg_ctl" -D "$work/pg-p" -m fast -w stop >/dev/null
  as_pg "$PGB/pg_rewind" --target-pgdata="$work/pg-p" --source-server="host=127.0.0.1 port=$PS user=postgres dbname=postgres" -R >"$work/pg-rewind.out" 2>&1
  # pg_rewind copied the source's configuration over the target's (Walden keeps the target's)
  as_pg sed -i "s/^port=$PS/port=$PP/" "$work/pg-p/postgresql.conf"
  as_pg "$PGB/pg_ctl" -D "$work/pg-p" -l "$work/pg-p.log" -w start >/dev/null
  streaming_on $PP 2
  local ms=$(( $(now_ms) - t0 ))
  sleep 1
  [ "$(bench_rows $PP)" = "$(bench_rows $PS)" ] || { echo "PostgreSQL: rows differ after pg_rewind" >&2; exit 1; }
  as_pg "$PGB/pg_ctl" -D "$work/pg-p" -m fast -w stop >/dev/null; as_pg "$PGB/pg_ctl" -D "$work/pg-s" -m fast -w stop >/dev/null
  echo "$ms"
}

w_case() { # transactions -> ms
  for d in "$work/w-p" "$work/w-s"; do # the previous size's pair (the last one stays for the switchovers)
    [ -f "$d/postmaster.pid" ] && "$W" ctl -D "$d" -m fast stop >/dev/null
  done
  rm -rf "$work/w-p" "$work/w-s"
  "$W" initdb -D "$work/w-p" -U postgres >/dev/null
  settings $WP >>"$work/w-p/postgresql.conf"
  "$W" ctl -D "$work/w-p" -l "$work/w-p.log" start >/dev/null
  "$PGB/pgbench" -i -s 1 -q -h 127.0.0.1 -p $WP -U postgres postgres >/dev/null 2>&1
  "$W" basebackup -h 127.0.0.1 -p $WP -U postgres -D "$work/w-s" -R -X stream -c fast
  sed -i "s/^port=$WP/port=$WS/" "$work/w-s/postgresql.conf"
  "$W" ctl -D "$work/w-s" -l "$work/w-s.log" start >/dev/null
  sleep 1
  "$W" ctl -D "$work/w-s" promote >/dev/null
  diverge $WP "$1"
  q $WS "INSERT INTO pgbench_history VALUES (1, 1, 1, 0, now(), 'on the new primary')" >/dev/null
  local t0; t0=$(now_ms)
  "$W" ctl -D "$work/w-p" -m fast stop >/dev/null
  "$W" rewind --target-pgdata="$work/w-p" --source-server="host=127.0.0.1 port=$WS user=postgres dbname=postgres" -R >"$work/w-rewind.out" 2>&1
  "$W" ctl -D "$work/w-p" -l "$work/w-p.log" start >/dev/null
  streaming_on $WP 2
  local ms=$(( $(now_ms) - t0 ))
  sleep 1
  [ "$(bench_rows $WP)" = "$(bench_rows $WS)" ] || { echo "Walden: rows differ after walden rewind" >&2; exit 1; }
  echo "$ms"
}

for n in $SIZES; do
  pg=$(pg_case "$n"); w=$(w_case "$n")
  printf "rewind, %d diverged transactions, stop to streaming: PostgreSQL %s ms, Walden %s ms, Walden/PG %.2f\n" \
    "$n" "$pg" "$w" "$(echo "$w / $pg" | bc -l)"
  grep "pg_rewind: undoing" "$work/w-rewind.out" || true
done

# walden switchover under pgbench load, back and forth, with the last Walden pair (w-s is the primary now:
# make w-p its synchronous standby first)
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }
q $WS "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null; q $WS "SELECT pg_reload_conf()" >/dev/null
pauses=()
primary="$work/w-s"; pport=$WS; standby="$work/w-p"
for i in $(seq 1 "$SWITCHES"); do
  "$PGB/pgbench" -n -c 4 -T 60 -h 127.0.0.1 -p $pport -U postgres postgres >/dev/null 2>&1 &
  load=$!
  sleep 3
  out=$("$W" switchover -D "$primary" -U postgres -l "$primary.log")
  wait $load || true
  pauses+=("$(echo "$out" | sed -n 's/.*writes were paused for \([0-9]*\) ms.*/\1/p')")
  q "$(sed -n 4p "$standby/postmaster.pid")" "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
  q "$(sed -n 4p "$standby/postmaster.pid")" "SELECT pg_reload_conf()" >/dev/null
  tmp=$primary; primary=$standby; standby=$tmp; pport=$(sed -n 4p "$primary/postmaster.pid")
  sleep 2
done
echo "walden switchover under pgbench load, write pause ms: ${pauses[*]}"
echo "median: $(printf "%s\n" "${pauses[@]}" | median) ms"
