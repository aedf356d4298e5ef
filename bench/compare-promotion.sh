#!/usr/bin/env bash
# Promotion side by side: promote-to-first-accepted-write latency (median of N) and the seeds'
# switchover (ctl stop of the primary to the old primary streaming from the new one), for
# PostgreSQL 15 and Walden on this machine in one run. See bench/README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
N=${N:-10}
PGB=/usr/lib/postgresql/15/bin
W="$here/bin/walden"
work=$(mktemp -d /tmp/compare-promotion.XXXXXX); chmod 777 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do [ -x "$j/bin/java" ] && "$j/bin/java" -version 2>&1 | grep -q 'version "2[1-9]\|version "[3-9]' && JAVA_HOME=$j && break; done
"$W" --help >/dev/null 2>&1 || true   # builds target/walden.jar when needed
JDBC=$(ls "$here"/target/lib/postgresql-*.jar | head -1)
latency() { "$JAVA_HOME/bin/java" -cp "$JDBC" "$here/bench/PromoteLatency.java" "$1" 2>>"$work/latency.err"; }
# ports below the ephemeral range, so that no test elsewhere on the machine takes them
PP=6251; PS=6252; WP=6253; WS=6254
cleanup() {
  for d in "$work"/pg-*; do [ -d "$d" ] && as_pg "$PGB/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true; done
  for d in "$work"/w-*; do [ -d "$d" ] && "$W" ctl -D "$d" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT

# PostgreSQL: a primary and, per round, a fresh standby promoted
as_pg "$PGB/initdb" -D "$work/pg-p" -U postgres -A trust >/dev/null
printf "port=$PP\nlisten_addresses='127.0.0.1'\nunix_socket_directories='$work'\nwal_keep_size=256MB\n" >>"$work/pg-p/postgresql.conf"
as_pg "$PGB/pg_ctl" -D "$work/pg-p" -l "$work/pg-p.log" -w start >/dev/null
"$PGB/psql" -h 127.0.0.1 -p $PP -U postgres -qc "CREATE TABLE promote_latency (a int)"
# Walden: the same
"$W" initdb -D "$work/w-p" -U postgres >/dev/null
printf "port=$WP\nlisten_addresses='127.0.0.1'\nunix_socket_directories='$work'\nwal_keep_size=256MB\n" >>"$work/w-p/postgresql.conf"
"$W" ctl -D "$work/w-p" -l "$work/w-p.log" start >/dev/null
"$PGB/psql" -h 127.0.0.1 -p $WP -U postgres -qc "CREATE TABLE promote_latency (a int PRIMARY KEY)"

pg_round() {
  as_pg rm -rf "$work/pg-s"
  as_pg "$PGB/pg_basebackup" -h 127.0.0.1 -p $PP -U postgres -D "$work/pg-s" -R -X stream -c fast
  as_pg sed -i "s/^port=$PP/port=$PS/" "$work/pg-s/postgresql.conf"
  as_pg "$PGB/pg_ctl" -D "$work/pg-s" -l "$work/pg-s.log" -w start >/dev/null
  "$PGB/psql" -h 127.0.0.1 -p $PP -U postgres -qc "INSERT INTO promote_latency VALUES (0)"
  sleep 1
  latency $PS
  as_pg "$PGB/pg_ctl" -D "$work/pg-s" -m immediate stop >/dev/null
}
w_round() {
  rm -rf "$work/w-s"
  "$W" basebackup -h 127.0.0.1 -p $WP -U postgres -D "$work/w-s" -R -X stream -c fast
  sed -i "s/^port=$WP/port=$WS/" "$work/w-s/postgresql.conf"
  "$W" ctl -D "$work/w-s" -l "$work/w-s.log" start >/dev/null
  "$PGB/psql" -h 127.0.0.1 -p $WP -U postgres -qc "INSERT INTO promote_latency VALUES ($1)"
  sleep 1
  latency $WS
  "$W" ctl -D "$work/w-s" -m immediate stop >/dev/null
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }
pgs=(); ws=()
for i in $(seq 1 "$N"); do
  pgs+=("$(pg_round)")
  ws+=("$(w_round $((i * 10)))")
done
pgm=$(printf "%s\n" "${pgs[@]}" | median); wm=$(printf "%s\n" "${ws[@]}" | median)
echo "promote-to-first-write ms, PostgreSQL 15: ${pgs[*]}"
echo "promote-to-first-write ms, Walden:        ${ws[*]}"
printf "median: PostgreSQL %s ms, Walden %s ms, Walden/PG %.2f\n" "$pgm" "$wm" "$(echo "$wm / $pgm" | bc -l)"

# The seeds' switchover (seed 002, 四, steps 3-5): stop the primary, give it standby settings,
# promote the standby, start the old primary; milliseconds from the stop to the old primary
# streaming on the new timeline. SWITCHES times, back and forth.
SWITCHES=${SWITCHES:-4}
now_ms() { date +%s%3N; }
streaming_on() { # port timeline: waits until the server streams on that timeline
  until [ "$("$PGB/psql" -h 127.0.0.1 -p "$1" -U postgres -Atc "SELECT status || received_tli FROM pg_stat_wal_receiver" 2>/dev/null)" = "streaming$2" ]; do sleep 0.02; done
}
switch_pg() { # from-dir from-port to-dir to-port timeline
  local t0; t0=$(now_ms)
  as_pg "$PGB/pg_ctl" -D "$1" -m fast -w stop >/dev/null
  as_pg touch "$1/standby.signal"
  echo "primary_conninfo = 'host=127.0.0.1 port=$4 user=postgres'" | as_pg tee -a "$1/postgresql.auto.conf" >/dev/null
  as_pg "$PGB/pg_ctl" -D "$3" -w promote >/dev/null
  as_pg "$PGB/pg_ctl" -D "$1" -l "$1.log" -w start >/dev/null
  streaming_on "$2" "$5"
  echo $(( $(now_ms) - t0 ))
}
switch_w() {
  local t0; t0=$(now_ms)
  "$W" ctl -D "$1" -m fast stop >/dev/null
  touch "$1/standby.signal"
  echo "primary_conninfo = 'host=127.0.0.1 port=$4 user=postgres'" >>"$1/postgresql.auto.conf"
  "$W" ctl -D "$3" promote >/dev/null
  "$W" ctl -D "$1" -l "$1.log" start >/dev/null
  streaming_on "$2" "$5"
  echo $(( $(now_ms) - t0 ))
}
# fresh standbys of both primaries
as_pg rm -rf "$work/pg-s"; rm -rf "$work/w-s"
as_pg "$PGB/pg_basebackup" -h 127.0.0.1 -p $PP -U postgres -D "$work/pg-s" -R -X stream -c fast
as_pg sed -i "s/^port=$PP/port=$PS/" "$work/pg-s/postgresql.conf"
as_pg "$PGB/pg_ctl" -D "$work/pg-s" -l "$work/pg-s.log" -w start >/dev/null
"$W" basebackup -h 127.0.0.1 -p $WP -U postgres -D "$work/w-s" -R -X stream -c fast
sed -i "s/^port=$WP/port=$WS/" "$work/w-s/postgresql.conf"
"$W" ctl -D "$work/w-s" -l "$work/w-s.log" start >/dev/null
sleep 2
pgsw=(); wsw=()
for i in $(seq 1 "$SWITCHES"); do
  if [ $((i % 2)) = 1 ]; then
    pgsw+=("$(switch_pg "$work/pg-p" $PP "$work/pg-s" $PS $((i + 1)))")
    wsw+=("$(switch_w "$work/w-p" $WP "$work/w-s" $WS $((i + 1)))")
  else
    pgsw+=("$(switch_pg "$work/pg-s" $PS "$work/pg-p" $PP $((i + 1)))")
    wsw+=("$(switch_w "$work/w-s" $WS "$work/w-p" $WP $((i + 1)))")
  fi
done
pgs2=$(printf "%s\n" "${pgsw[@]}" | median); ws2=$(printf "%s\n" "${wsw[@]}" | median)
echo "switchover, stop to streaming ms, PostgreSQL 15: ${pgsw[*]}"
echo "switchover, stop to streaming ms, Walden:        ${wsw[*]}"
printf "median: PostgreSQL %s ms, Walden %s ms, Walden/PG %.2f\n" "$pgs2" "$ws2" "$(echo "$ws2 / $pgs2" | bc -l)"
