#!/usr/bin/env bash
# Runs the tpcb-like pgbench transaction (bench/tpcb.sql) against PostgreSQL 15 and against
# Walden, each a primary with an async streaming standby on this machine, one after the
# other in the same run, and prints both TPS figures and their ratio.
#
#   bench/compare-tpcb.sh [-c CLIENTS] [-j THREADS] [-T SECONDS] [-M simple|extended|prepared]
#
# PostgreSQL runs as the postgres OS user (initdb refuses root); Walden as the caller.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pgbin=/usr/lib/postgresql/15/bin
clients=8 threads=2 seconds=30 mode=prepared
while getopts "c:j:T:M:" opt; do
  case $opt in
    c) clients=$OPTARG ;; j) threads=$OPTARG ;; T) seconds=$OPTARG ;; M) mode=$OPTARG ;;
    *) exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/walden-bench.XXXXXX)
chmod 777 "$work"   # initdb runs as postgres and creates its directories here
pg_port=55438 pg_sport=55439 wd_port=56438 wd_sport=56439

cleanup() {
  su postgres -c "$pgbin/pg_ctl -D $work/pg_standby -m immediate stop" >/dev/null 2>&1 || true
  su postgres -c "$pgbin/pg_ctl -D $work/pg_primary -m immediate stop" >/dev/null 2>&1 || true
  "$top/bin/walden" ctl -D "$work/wd_standby" -m immediate stop >/dev/null 2>&1 || true
  "$top/bin/walden" ctl -D "$work/wd_primary" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

run_pgbench() { # port label
  "$pgbin/pgbench" -h 127.0.0.1 -p "$1" -U postgres -n -f "$here/tpcb.sql" \
    -c "$clients" -j "$threads" -T "$seconds" -M "$mode" postgres 2>&1 | tee "$work/$2.out" >&2
  sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/$2.out" | tail -1
}

# --- PostgreSQL 15
su postgres -c "$pgbin/initdb -D $work/pg_primary -U postgres --auth=trust" >/dev/null
cat >> "$work/pg_primary/postgresql.conf" <<CONF
port = $pg_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
wal_level = replica
hot_standby = on
CONF
su postgres -c "$pgbin/pg_ctl -D $work/pg_primary -l $work/pg_primary.log -w start" >/dev/null
su postgres -c "$pgbin/pg_basebackup -h 127.0.0.1 -p $pg_port -U postgres -D $work/pg_standby -R -X stream" >/dev/null
echo "port = $pg_sport" >> "$work/pg_standby/postgresql.conf"
su postgres -c "$pgbin/pg_ctl -D $work/pg_standby -l $work/pg_standby.log -w start" >/dev/null
"$here/pgbench-tables.sh" 1 | "$pgbin/psql" -q -h 127.0.0.1 -p $pg_port -U postgres -v ON_ERROR_STOP=1 postgres >/dev/null
pg_tps=$(run_pgbench $pg_port postgres)
su postgres -c "$pgbin/pg_ctl -D $work/pg_standby -m fast stop" >/dev/null
su postgres -c "$pgbin/pg_ctl -D $work/pg_primary -m fast stop" >/dev/null

# --- Walden
"$top/bin/walden" initdb -D "$work/wd_primary" -U postgres --auth trust >/dev/null
cat >> "$work/wd_primary/postgresql.conf" <<CONF
port = $wd_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
CONF
"$top/bin/walden" ctl -D "$work/wd_primary" -l "$work/wd_primary.log" start >/dev/null
"$top/bin/walden" basebackup -h 127.0.0.1 -p $wd_port -U postgres -D "$work/wd_standby" -R -X stream >/dev/null
echo "port = $wd_sport" >> "$work/wd_standby/postgresql.conf"
"$top/bin/walden" ctl -D "$work/wd_standby" -l "$work/wd_standby.log" start >/dev/null
"$here/pgbench-tables.sh" 1 | "$pgbin/psql" -q -h 127.0.0.1 -p $wd_port -U postgres -v ON_ERROR_STOP=1 postgres >/dev/null
wd_tps=$(run_pgbench $wd_port walden)

echo "tpcb-like -c $clients -j $threads -T $seconds -M $mode, primary + async standby"
printf 'PostgreSQL 15: %s TPS\nWalden:        %s TPS\nratio Walden/PostgreSQL: %s\n' \
  "$pg_tps" "$wd_tps" "$(awk -v a="$wd_tps" -v b="$pg_tps" 'BEGIN { printf "%.2f", a / b }')"
