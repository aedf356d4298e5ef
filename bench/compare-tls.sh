#!/usr/bin/env bash
# TLS side by side: pgbench -C (a new connection per transaction, select-only) with sslmode=disable
# and sslmode=require, against PostgreSQL 15 and Walden on this machine in one run; TPS, the
# average connection time pgbench reports (the cost of a connection with and without the TLS
# handshake), and the ratios. Both servers use the same self-signed certificate (openssl).
# Usage: bench/compare-tls.sh [-T SECONDS] [-c CLIENTS]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
T=20; C=4
while getopts "T:c:" o; do case $o in T) T=$OPTARG;; c) C=$OPTARG;; *) exit 2;; esac; done
PGB=/usr/lib/postgresql/15/bin
W="$here/bin/walden"
work=$(mktemp -d /tmp/compare-tls.XXXXXX); chmod 777 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do [ -x "$j/bin/java" ] && "$j/bin/java" -version 2>&1 | grep -q 'version "2[1-9]\|version "[3-9]' && export JAVA_HOME=$j && break; done
"$W" --help >/dev/null 2>&1 || true   # builds target/walden.jar when needed
PP=57601; WP=57602
cleanup() {
  [ -d "$work/pg" ] && as_pg "$PGB/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -d "$work/w" ] && "$W" ctl -D "$work/w" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

openssl req -new -x509 -days 2 -nodes -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/server.key" -out "$work/server.crt" 2>/dev/null
conf() { printf "port=$1\nlisten_addresses='127.0.0.1'\nunix_socket_directories='$work'\nssl=on\nmax_connections=100\n"; }

as_pg "$PGB/initdb" -D "$work/pg" -U postgres -A trust >/dev/null
install -o postgres -m 600 "$work/server.key" "$work/pg/server.key"; install -o postgres -m 644 "$work/server.crt" "$work/pg/server.crt"
conf $PP | as_pg tee -a "$work/pg/postgresql.conf" >/dev/null
as_pg "$PGB/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w start >/dev/null

"$W" initdb -D "$work/w" -U postgres >/dev/null
install -m 600 "$work/server.key" "$work/w/server.key"; install -m 644 "$work/server.crt" "$work/w/server.crt"
conf $WP >>"$work/w/postgresql.conf"
"$W" ctl -D "$work/w" -l "$work/w.log" start >/dev/null

for port in $PP $WP; do "$PGB/psql" -X -q -h 127.0.0.1 -p $port -U postgres -c "CREATE TABLE one (id int PRIMARY KEY)" -c "INSERT INTO one VALUES (1)"; done
printf '\\set id 1\nSELECT id FROM one WHERE id = :id;\n' >"$work/select.sql"

run() { # port sslmode -> "tps conn_ms"
  "$PGB/pgbench" -n -C -c "$C" -j 2 -T "$T" -f "$work/select.sql" "host=127.0.0.1 port=$1 user=postgres dbname=postgres sslmode=$2" 2>&1 |
    awk '/^tps = / {tps=$3} /average connection time/ {conn=$5} END {printf "%s %s\n", tps, conn}'
}
declare -A tps conn
for sys in pg:$PP walden:$WP; do
  name=${sys%%:*}; port=${sys##*:}
  for mode in disable require; do
    read -r t c < <(run "$port" "$mode"); tps[$name-$mode]=$t; conn[$name-$mode]=$c
  done
done
printf "%-22s %12s %12s %18s\n" "pgbench -C -S" "TPS plain" "TPS TLS" "TLS/plain"
for n in pg walden; do
  printf "%-22s %12.1f %12.1f %18.2f\n" "$n" "${tps[$n-disable]}" "${tps[$n-require]}" "$(echo "${tps[$n-require]} / ${tps[$n-disable]}" | bc -l)"
done
printf "%-22s %12.2f %12.2f\n" "Walden/PostgreSQL TPS" "$(echo "${tps[walden-disable]} / ${tps[pg-disable]}" | bc -l)" "$(echo "${tps[walden-require]} / ${tps[pg-require]}" | bc -l)"
printf "\naverage connection time (ms, pgbench): PostgreSQL %s plain, %s TLS; Walden %s plain, %s TLS\n" \
  "${conn[pg-disable]}" "${conn[pg-require]}" "${conn[walden-disable]}" "${conn[walden-require]}"
printf "TLS handshake cost (TLS - plain connection time): PostgreSQL %.2f ms, Walden %.2f ms\n" \
  "$(echo "${conn[pg-require]} - ${conn[pg-disable]}" | bc -l)" "$(echo "${conn[walden-require]} - ${conn[walden-disable]}" | bc -l)"
