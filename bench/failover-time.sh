#!/usr/bin/env bash
# Automatic failover time (issue 12): three Walden nodes, a three-member embedded ZooKeeper
# ensemble (walden coordinator), synchronous replication (FIRST 1 of the two standbys). RUNS
# times (default 10): kill -9 of whichever node is the primary, then milliseconds until psql,
# with a multi-host connection string and target_session_attrs=read-write, gets an INSERT
# acknowledged by the new primary; the killed node is then restarted, rejoins by itself (rewind)
# and the next run waits until both standbys stream again. A writer loop runs throughout (one
# psql INSERT at a time through the same connection string); at the end every id it saw
# acknowledged must be on the last primary: "acknowledged commits lost" must be 0.
# Prints each run, the median and the maximum. Ports 6700-6730 by default (BASE_PORT).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
RUNS=${RUNS:-10}
BASE=${BASE_PORT:-6700}
SESSION_MS=${SESSION_MS:-2000}
PSQL=/usr/lib/postgresql/15/bin/psql
W="$here/bin/walden"
work=$(mktemp -d /tmp/failover-time.XXXXXX)
"$W" --help >/dev/null 2>&1 || true   # builds target/walden.jar when needed
zk_pids=()
cleanup() {
  [ -n "${writer_pid:-}" ] && kill "$writer_pid" 2>/dev/null || true
  for n in 1 2 3; do "$W" ctl -D "$work/node$n" -m immediate stop >/dev/null 2>&1 || true; done
  for p in "${zk_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
port_of() { echo $((BASE + 50 + $1)); }
q() { "$PSQL" -h 127.0.0.1 -p "$(port_of "$1")" -U postgres -Atc "$2" postgres; }
all_hosts="host=127.0.0.1,127.0.0.1,127.0.0.1 port=$(port_of 1),$(port_of 2),$(port_of 3) user=postgres dbname=postgres"
rw="$all_hosts target_session_attrs=read-write connect_timeout=1"

ensemble=""
for i in 0 1 2; do
  ensemble+="${ensemble:+,}127.0.0.1:$((BASE + i)):$((BASE + 10 + i)):$((BASE + 20 + i))"
done
for i in 0 1 2; do
  "$W" coordinator -D "$work/zk$i" --port $((BASE + i)) --ensemble "$ensemble" >"$work/zk$i.log" 2>&1 &
  zk_pids+=($!)
done
coordinator="127.0.0.1:$BASE,127.0.0.1:$((BASE + 1)),127.0.0.1:$((BASE + 2))/walden"

ha_conf() { # node
  cat >>"$work/node$1/postgresql.conf" <<EOF
port = $(port_of "$1")
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
wal_keep_size = 1GB
walden.ha_coordinator = '$coordinator'
walden.ha_cluster_name = 'bench'
walden.ha_node_name = 'node$1'
walden.ha_session_timeout = $SESSION_MS
EOF
}

"$W" initdb -D "$work/node1" -U postgres --auth trust >/dev/null
ha_conf 1
echo "primary_conninfo = 'user=postgres application_name=node1'" >>"$work/node1/postgresql.conf"
"$W" ctl -D "$work/node1" -l "$work/node1.log" -t 120 start >/dev/null
until q 1 "SELECT txid_current()" >/dev/null 2>&1; do sleep 0.1; done   # the lease is held
q 1 "CREATE TABLE acked (id integer PRIMARY KEY)" >/dev/null
for n in 2 3; do
  "$W" basebackup -h 127.0.0.1 -p "$(port_of 1)" -U postgres -D "$work/node$n" -R >/dev/null
  # the backup carries node1's settings: this node's own come last
  sed -i '/^walden.ha_node_name/d;/^port = /d' "$work/node$n/postgresql.conf"
  ha_conf "$n"
done
# synchronous replication on whichever node is the primary (set once both standbys exist:
# a commit waits for a synchronous standby)
for n in 1 2 3; do
  echo "synchronous_standby_names = 'FIRST 1 (node1, node2, node3)'" >>"$work/node$n/postgresql.conf"
done
"$W" ctl -D "$work/node1" reload >/dev/null
for n in 2 3; do
  "$W" ctl -D "$work/node$n" -l "$work/node$n.log" -t 120 start >/dev/null
done

primary() { for n in 1 2 3; do [ "$(q "$n" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && { echo "$n"; return; }; done; }
standbys_streaming() { # primary node -> waits until two standbys stream, one synchronous
  until [ "$(q "$1" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null)" = 2 ] &&
      [ "$(q "$1" "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'" 2>/dev/null)" = 1 ]; do
    sleep 0.1
  done
}
p=$(primary)
standbys_streaming "$p"

# the writer: one INSERT at a time through the multi-host string; logs the ids acknowledged
(
  id=0
  while true; do
    id=$((id + 1))
    if "$PSQL" "$rw" -qAtc "INSERT INTO acked VALUES ($id)" >/dev/null 2>&1; then echo "$id" >>"$work/acked"; fi
  done
) &
writer_pid=$!
sleep 2

times=()
for run in $(seq 1 "$RUNS"); do
  p=$(primary)
  pid=$(head -1 "$work/node$p/postmaster.pid")
  t0=$(now_ms)
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.005; done
  until "$PSQL" "$rw" -qAtc "INSERT INTO acked VALUES (-$run)" >/dev/null 2>&1; do sleep 0.02; done
  t1=$(now_ms)
  times+=($((t1 - t0)))
  np=$(primary)
  echo "run $run: node$p killed, node$np accepted a write after $((t1 - t0)) ms"
  "$W" ctl -D "$work/node$p" -l "$work/node$p.log" -t 120 start >/dev/null   # rejoins by itself
  standbys_streaming "$np"
  sleep 1
done

kill "$writer_pid" 2>/dev/null || true
wait "$writer_pid" 2>/dev/null || true
writer_pid=""
p=$(primary)
sort -u "$work/acked" >"$work/acked.sorted"
acked=$(wc -l <"$work/acked.sorted")
q "$p" "SELECT id FROM acked WHERE id > 0" | sort -u >"$work/present"
lost=$(comm -23 "$work/acked.sorted" "$work/present" | wc -l)
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
n=${#sorted[@]}
if [ $((n % 2)) = 1 ]; then median=${sorted[$((n / 2))]}; else median=$(( (sorted[n / 2 - 1] + sorted[n / 2]) / 2 )); fi
echo "failover time (kill -9 to first acknowledged write), $n runs, session timeout ${SESSION_MS} ms:" \
  "median ${median} ms, max ${sorted[$((n - 1))]} ms"
echo "writer: $acked commits acknowledged, $lost of them missing on the last primary (node$p)"
[ "$lost" = 0 ]
