#!/usr/bin/env bash
# The wire beside PostgreSQL 15 (issue 13 part 1): what pgbench and each server do per
# transaction at the system-call and packet level, PostgreSQL then Walden on the same machine,
# for pgbench's built-in select-only and tpcb-like scripts at -M prepared.
#
#   1. bytes:    pgbench -c 1 -t TXNS under strace (sendto / recvfrom / ppoll): calls and bytes per
#                transaction each way, and the reply to the last transaction, message by message
#                (type letter and length), printed for both servers;
#   2. syscalls: pgbench -c CLIENTS -j THREADS -T T under `strace -f -c` (pgbench's calls per
#                transaction), then the same run with the server under `strace -f -c` (all its
#                processes / threads, followed from before the run): calls per transaction by name;
#   3. packets:  a plain run (no strace): the server's sockets read with `ss -tin` twice, SECONDS
#                apart in the middle of the run: segments in and out per request, pure ACKs
#                (segments without data) per request, bytes per request and per reply;
#   4. CPU:      the same plain run's pgbench CPU per transaction (user + system, perf stat's
#                task-clock), its context switches per transaction, and the server's CPU per
#                transaction (all its processes, reaped ones included).
#
#   bench/compare-wire.sh
#   environment: SCALE (10), T (10 s per run), CLIENTS ("1 8"), THREADS (2), TXNS (2000),
#                WARMUP (20 s of uncounted -c 8 load first), WALDEN (bin/walden of this tree),
#                PORT_BASE (6550: PostgreSQL's port, Walden's the next), KEEP=1 (keep the traces).
#
# PostgreSQL runs as the postgres OS user (initdb refuses root); Walden as the caller. Needs
# strace, perf and ss (iproute2); tcpdump is not needed: ss's per-socket counters give the
# segments.
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pgbin=/usr/lib/postgresql/15/bin
walden=${WALDEN:-$top/bin/walden}
seconds=${T:-10} scale=${SCALE:-10} clients_list=${CLIENTS:-"1 8"} threads=${THREADS:-2}
txns_c1=${TXNS:-2000} warmup=${WARMUP:-20} port_base=${PORT_BASE:-6550}
work=$(mktemp -d /tmp/walden-wirebench.XXXXXX)
chmod 777 "$work"
declare -A port=([pg]=$port_base [walden]=$((port_base + 1)))
systems=(pg walden)
step="setting up"

stop() {
  if [ "$1" = pg ]; then
    su postgres -c "$pgbin/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1 || true
  else
    "$walden" ctl -D "$work/walden" -m immediate stop >/dev/null 2>&1 || true
  fi
}
cleanup() {
  local rc=$?
  [ "$rc" -ne 0 ] && echo "FAILED (exit $rc) while: $step" >&2
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
    "$walden" initdb -D "$dir" -U postgres --auth trust >"$work/walden_initdb.out" 2>&1
  fi
  cat >>"$dir/postgresql.conf" <<CONF
port = ${port[$sys]}
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
CONF
  if [ "$sys" = pg ]; then
    su postgres -c "$pgbin/pg_ctl -D $dir -l $work/pg.log -w -t 120 start" >/dev/null
  else
    "$walden" ctl -D "$dir" -l "$work/walden.log" start >/dev/null
  fi
}
server_pid() { head -1 "$work/$1/postmaster.pid"; }
server_cpu_ticks() { # sys -> clock ticks of CPU the server has used: its processes, living and reaped
  local pid; pid=$(server_pid "$1")
  { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat"
    for child in $(pgrep -P "$pid"); do awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null || true; done
  } | awk '{ t += $1 } END { print t }'
}
bench() { # sys out args... : pgbench against sys, output in $work/out
  local sys=$1 out=$2; shift 2
  "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$sys]}" -U postgres "$@" postgres >"$work/$out" 2>&1
}
txns_of() { sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/$1"; }
script_args() { if [ "$1" = select ]; then echo "-S -M prepared"; else echo "-M prepared"; fi; }
# strace -c's table -> "name calls errors" lines
strace_calls() { awk '$1 ~ /^[0-9.]+$/ && NF >= 5 { name = $NF; errors = (NF == 6) ? $5 : 0; print name, $4, errors }' "$1"; }

for sys in "${systems[@]}"; do
  step="starting $sys"; say "$step"
  start "$sys"
  step="$sys: pgbench -i -s $scale"; say "$step"
  bench "$sys" init.out -i -s "$scale" -q
  step="$sys: warm-up"; say "$step"
  bench "$sys" warmup.out -S -M prepared -c 8 -j 2 -T "$warmup"
  bench "$sys" warmup2.out -M prepared -c 8 -j 2 -T "$((warmup / 2))"
  for script in select tpcb; do
    read -ra args <<<"$(script_args "$script")"
    # 1. bytes per transaction at -c 1
    step="$sys $script: -c 1 trace"; say "$step"
    strace -f -s 1000 -xx -e trace=sendto,recvfrom,ppoll,poll -o "$work/$sys.$script.trace" \
      "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$sys]}" -U postgres "${args[@]}" -c 1 -t "$txns_c1" postgres \
      >"$work/$sys.$script.trace.out" 2>&1
    python3 - "$work/$sys.$script.trace" "$txns_c1" >"$work/$sys.$script.bytes" <<'PY'
import re, sys
path, txns = sys.argv[1], int(sys.argv[2])
lines = open(path).read().splitlines()
# the transactions' part: from the first Bind to the Terminate
start = next(i for i, l in enumerate(lines) if re.search(r'sendto\(\d+, "\\x42', l))
end = max(i for i, l in enumerate(lines) if re.search(r'sendto\(\d+, "\\x58', l))
calls = {"sendto": 0, "recvfrom": 0, "eagain": 0, "ppoll": 0}
bytes_out = bytes_in = 0
last_reply = b""
reply = b""
for l in lines[start:end]:
    m = re.search(r'(sendto|recvfrom|ppoll|poll)\((?:\d+, (?:"((?:\\x[0-9a-f]{2})*)"(?:\.\.\.)?)?)?.*= (-?\d+)', l)
    if not m:
        continue
    call, data, rc = m.group(1), m.group(2), int(m.group(3))
    if call in ("ppoll", "poll"):
        calls["ppoll"] += 1
    elif call == "sendto":
        calls["sendto"] += 1; bytes_out += max(rc, 0)
        if reply:
            last_reply, reply = reply, b""
    else:
        calls["recvfrom"] += 1
        if rc < 0:
            calls["eagain"] += 1
        else:
            bytes_in += rc
            reply += bytes.fromhex((data or "").replace("\\x", ""))
if reply:
    last_reply = reply
msgs, i = [], 0
while i + 5 <= len(last_reply):
    n = int.from_bytes(last_reply[i + 1:i + 5], "big")
    msgs.append("%s(%d)" % (chr(last_reply[i]), n + 1))
    i += n + 1
print("sendto/txn %.3f  bytes out/txn %.1f  recvfrom/txn %.3f (EAGAIN %.3f)  bytes in/txn %.1f  ppoll/txn %.3f"
      % (calls["sendto"] / txns, bytes_out / txns, calls["recvfrom"] / txns, calls["eagain"] / txns,
         bytes_in / txns, calls["ppoll"] / txns))
print("last reply (type+bytes): " + " ".join(msgs))
PY
    for c in $clients_list; do
      j=$(( c < threads ? c : threads ))
      # 2a. pgbench's syscalls
      step="$sys $script -c $c: pgbench under strace -c"; say "$step"
      strace -f -c -o "$work/$sys.$script.c$c.client.strace" \
        "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$sys]}" -U postgres "${args[@]}" -c "$c" -j "$j" -T "$seconds" postgres \
        >"$work/$sys.$script.c$c.client.out" 2>&1
      # 2b. the server's syscalls (followed from before the run: new backends and threads too)
      step="$sys $script -c $c: server under strace -c"; say "$step"
      strace -f -c -o "$work/$sys.$script.c$c.server.strace" -p "$(server_pid "$sys")" &
      tracer=$!
      sleep 2
      bench "$sys" "$sys.$script.c$c.server.out" "${args[@]}" -c "$c" -j "$j" -T "$seconds"
      kill -INT "$tracer"; wait "$tracer" || true
      # 3 + 4. a plain run: ss counters mid-run, pgbench's and the server's CPU
      step="$sys $script -c $c: plain run"; say "$step"
      sleep 1
      before=$(server_cpu_ticks "$sys")
      perf stat -x, -e task-clock,context-switches -o "$work/$sys.$script.c$c.perf" \
        "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$sys]}" -U postgres "${args[@]}" -c "$c" -j "$j" -T "$seconds" postgres \
        >"$work/$sys.$script.c$c.plain.out" 2>&1 &
      runner=$!
      sleep $((seconds / 4))
      ss -tin "sport = :${port[$sys]}" >"$work/$sys.$script.c$c.ss1"
      sleep $((seconds / 2))
      ss -tin "sport = :${port[$sys]}" >"$work/$sys.$script.c$c.ss2"
      wait "$runner"
      sleep 1
      after=$(server_cpu_ticks "$sys")
      n=$(txns_of "$sys.$script.c$c.plain.out")
      tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/$sys.$script.c$c.plain.out" | tail -1)
      {
        echo "tps $tps"
        awk -F, -v n="$n" '/task-clock/ { printf "pgbench_cpu_us_per_txn %.2f\n", $1 * 1000 / n }
                           /context-switches/ { printf "pgbench_cs_per_txn %.3f\n", $1 / n }' "$work/$sys.$script.c$c.perf"
        awk -v n="$n" -v hz="$(getconf CLK_TCK)" -v b="$before" -v a="$after" \
          'BEGIN { printf "server_cpu_us_per_txn %.2f\n", (a - b) * 1e6 / hz / n }'
        # per connection (the peer's address), over the connections open at both readings
        python3 - "$work/$sys.$script.c$c.ss1" "$work/$sys.$script.c$c.ss2" <<'PY'
import re, sys
def read(path):
    out, peer = {}, None
    for line in open(path):
        m = re.match(r'\S+\s+\d+\s+\d+\s+\S+\s+(\S+)', line)
        if m and not line.startswith('State'):
            peer = m.group(1)
            continue
        if peer and 'segs_out' in line:
            f = dict(re.findall(r'\b(bytes_sent|bytes_received|segs_out|segs_in|data_segs_out|data_segs_in):(\d+)', line))
            out[peer] = {k: int(v) for k, v in f.items()}
            peer = None
    return out
a, b = read(sys.argv[1]), read(sys.argv[2])
d = {k: 0 for k in ("bytes_sent", "bytes_received", "segs_out", "segs_in", "data_segs_out", "data_segs_in")}
for peer in a.keys() & b.keys():
    for k in d:
        d[k] += b[peer].get(k, 0) - a[peer].get(k, 0)
req = d["data_segs_in"]
if req > 0:
    print("segs_in_per_request %.3f" % (d["segs_in"] / req))
    print("segs_out_per_request %.3f" % (d["segs_out"] / req))
    print("pure_acks_in_per_request %.4f" % ((d["segs_in"] - d["data_segs_in"]) / req))
    print("pure_acks_out_per_request %.4f" % ((d["segs_out"] - d["data_segs_out"]) / req))
    print("bytes_per_request %.1f" % (d["bytes_received"] / req))
    print("reply_bytes_per_request %.1f" % (d["bytes_sent"] / req))
PY
        ct=$(txns_of "$sys.$script.c$c.client.out")
        strace_calls "$work/$sys.$script.c$c.client.strace" | awk -v n="$ct" '$1 ~ /^(sendto|recvfrom|ppoll|poll|epoll_wait|read|write)$/ {
          printf "pgbench_%s_per_txn %.3f (errors %.3f)\n", $1, $2 / n, $3 / n }'
        st=$(txns_of "$sys.$script.c$c.server.out")
        strace_calls "$work/$sys.$script.c$c.server.strace" | awk -v n="$st" '$2 / n >= 0.005 {
          printf "server_%s_per_txn %.3f (errors %.3f)\n", $1, $2 / n, $3 / n }'
      } >"$work/$sys.$script.c$c.figures"
    done
  done
  stop "$sys"
done

for script in select tpcb; do
  echo
  echo "### $script (-M prepared): -c 1 trace, per transaction"
  for sys in "${systems[@]}"; do echo "$sys: $(head -1 "$work/$sys.$script.bytes")"; done
  for sys in "${systems[@]}"; do echo "$sys: $(tail -1 "$work/$sys.$script.bytes")"; done
  for c in $clients_list; do
    echo
    echo "### $script -c $c: per transaction"
    printf '%-36s %16s %16s %8s\n' figure PostgreSQL Walden ratio
    join -a1 -a2 <(awk '{ print $1, $2 }' "$work/pg.$script.c$c.figures" | sort) \
                 <(awk '{ print $1, $2 }' "$work/walden.$script.c$c.figures" | sort) |
      awk '{ r = ($2 > 0 && NF == 3) ? sprintf("%.2f", $3 / $2) : "";
             printf "%-36s %16s %16s %8s\n", $1, $2, (NF == 3 ? $3 : "-"), r }'
  done
done
