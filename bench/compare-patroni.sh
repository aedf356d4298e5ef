#!/usr/bin/env bash
# Patroni's failover time on the same machine, for comparison with bench/failover-time.sh:
# PostgreSQL 15 with Debian's patroni and etcd-server packages (apt-get install patroni
# etcd-server), three nodes, one etcd, asynchronous replication (with synchronous_mode a
# new primary waits for a synchronous standby that may still be rejoining, and a write blocks).
# For each setting in SETTINGS
# ("ttl:loop_wait:retry_timeout"; default Patroni's defaults 30:10:10 and a tight 10:1:4, which
# keeps Patroni's rule loop_wait + 2 * retry_timeout <= ttl), RUNS times (default 3): kill -9 of
# the leader's Patroni and its postmaster together (the node dies), then milliseconds until psql
# with target_session_attrs=read-write gets an INSERT acknowledged; Patroni is restarted on the
# dead node and the next run waits until all three members run. Ports 6758-6783 (BASE_PORT 6750).
set -euo pipefail
RUNS=${RUNS:-3}
SETTINGS=${SETTINGS:-"30:10:10 10:1:4"}
BASE=${BASE_PORT:-6750}
PGB=/usr/lib/postgresql/15/bin
PSQL=$PGB/psql
for p in /usr/bin/patroni /usr/bin/etcd; do
  [ -x "$p" ] || { echo "$p is missing: apt-get install patroni etcd-server" >&2; exit 1; }
done
work=$(mktemp -d /tmp/compare-patroni.XXXXXX); chmod 777 "$work"
as_pg() { runuser -u postgres -- "$@"; }
now_ms() { date +%s%3N; }
pg_port() { echo $((BASE + 20 + $1)); }
api_port() { echo $((BASE + 10 + $1)); }
rw="host=127.0.0.1,127.0.0.1,127.0.0.1 port=$(pg_port 1),$(pg_port 2),$(pg_port 3) user=postgres dbname=postgres target_session_attrs=read-write connect_timeout=1"
etcd_pid=""
declare -A patroni_pid
cleanup() {
  for n in 1 2 3; do
    pkill -9 -f "/usr/bin/patroni $work/patroni$n.yml" 2>/dev/null || true
    [ -f "$work/pg$n/postmaster.pid" ] && kill -9 "$(head -1 "$work/pg$n/postmaster.pid")" 2>/dev/null || true
  done
  [ -n "$etcd_pid" ] && kill -9 "$etcd_pid" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

config() { # node ttl loop_wait retry_timeout
  cat <<EOF
scope: bench$2
name: pg$1
restapi:
  listen: 127.0.0.1:$(api_port "$1")
  connect_address: 127.0.0.1:$(api_port "$1")
etcd3:
  hosts: 127.0.0.1:$((BASE + 9))
bootstrap:
  dcs:
    ttl: $2
    loop_wait: $3
    retry_timeout: $4
    maximum_lag_on_failover: 1048576
    synchronous_mode: false
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_log_hints: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
  initdb:
  - encoding: UTF8
  - auth: trust
  pg_hba:
  - local all all trust
  - host all all 127.0.0.1/32 trust
  - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$(pg_port "$1")
  connect_address: 127.0.0.1:$(pg_port "$1")
  data_dir: $work/pg$1
  bin_dir: $PGB
  pgpass: $work/pgpass$1
  authentication:
    superuser: {username: postgres, password: postgres}
    replication: {username: postgres, password: postgres}
    rewind: {username: postgres, password: postgres}
  parameters:
    unix_socket_directories: '$work'
EOF
}

start_patroni() { # node settings
  as_pg /usr/bin/patroni "$work/patroni$1.yml" >>"$work/patroni$1.log" 2>&1 &
  patroni_pid[$1]=$!
}
leader() { for n in 1 2 3; do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(api_port "$n")/primary")" = 200 ] && { echo "$n"; return; }
done; }
running() { # how many members run PostgreSQL (REST /health answers 200)
  c=0
  for n in 1 2 3; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(api_port "$n")/health")" = 200 ] && c=$((c + 1))
  done
  echo $c
}

/usr/bin/etcd --name bench --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$((BASE + 9))" \
  --advertise-client-urls "http://127.0.0.1:$((BASE + 9))" --listen-peer-urls "http://127.0.0.1:$((BASE + 8))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((BASE + 8))" \
  --initial-cluster "bench=http://127.0.0.1:$((BASE + 8))" >"$work/etcd.log" 2>&1 &
etcd_pid=$!
sleep 2

for s in $SETTINGS; do
  IFS=: read -r ttl loop retry <<<"$s"
  for n in 1 2 3; do
    as_pg rm -rf "$work/pg$n"
    config "$n" "$ttl" "$loop" "$retry" >"$work/patroni$n.yml"
    chmod 644 "$work/patroni$n.yml"
  done
  start_patroni 1
  until [ -n "$(leader)" ]; do sleep 0.5; done
  start_patroni 2
  start_patroni 3
  until [ "$(running)" = 3 ]; do sleep 0.5; done
  "$PSQL" "$rw" -qAtc "CREATE TABLE IF NOT EXISTS acked (id integer)" >/dev/null
  for n in 1 2 3; do   # every member has the table before the first kill
    until [ "$("$PSQL" -h 127.0.0.1 -p "$(pg_port "$n")" -U postgres -Atc "SELECT to_regclass('acked') IS NOT NULL" postgres 2>/dev/null)" = t ]; do
      sleep 0.2
    done
  done
  sleep 2
  times=()
  for run in $(seq 1 "$RUNS"); do
    l=$(leader)
    pm=$(head -1 "$work/pg$l/postmaster.pid")
    t0=$(now_ms)
    pkill -9 -f "/usr/bin/patroni $work/patroni$l.yml" || true   # Patroni itself, under runuser
    kill -9 "$pm"
    # (the table itself may be missing on the new primary: Patroni's asynchronous failover may lose it)
    until PGOPTIONS="-c statement_timeout=5s" "$PSQL" "$rw" -qAtc "CREATE TABLE IF NOT EXISTS acked (id integer);
        INSERT INTO acked VALUES ($run)" >/dev/null 2>&1; do
      sleep 0.05
    done
    t1=$(now_ms)
    times+=($((t1 - t0)))
    echo "ttl=$ttl loop_wait=$loop retry_timeout=$retry run $run: pg$l (Patroni and PostgreSQL) killed, pg$(leader) accepted a write after $((t1 - t0)) ms"
    sleep 1
    start_patroni "$l"
    until [ "$(running)" = 3 ]; do sleep 0.5; done
    sleep 2
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  n=${#sorted[@]}
  echo "Patroni ttl=$ttl loop_wait=$loop retry_timeout=$retry: median ${sorted[$((n / 2))]} ms, max ${sorted[$((n - 1))]} ms ($n runs)"
  for n in 1 2 3; do
    pkill -9 -f "/usr/bin/patroni $work/patroni$n.yml" 2>/dev/null || true
    [ -f "$work/pg$n/postmaster.pid" ] && kill -9 "$(head -1 "$work/pg$n/postmaster.pid")" 2>/dev/null || true
    patroni_pid[$n]=""
  done
  sleep 2
done
