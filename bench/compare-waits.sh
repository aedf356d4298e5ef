#!/usr/bin/env bash
# Where a transaction's time goes while it is not working, PostgreSQL 15 beside Walden (issue 13
# parts 1 and 3): pgbench's built-in tpcb-like at -c CLIENTS -j THREADS -M MODE on fresh servers,
# ROUNDS runs of each system in turn (pg, walden, pg, walden, ...), and for the middle
# T-4 seconds of each run, per transaction (microseconds):
#
#   lock wait   PostgreSQL: pg_stat_activity of the client backends sampled every 10 ms,
#               wait_event_type Lock (transactionid, tuple: the row lock hand-off), as a share of
#               the samples times CLIENTS / TPS; Walden: a JFR recording (jdk.ThreadPark, no
#               threshold) of the backend threads, the parks under RowLockTable.awaitRelease.
#   WAL wait    PostgreSQL: the samples in LWLock WALWrite or IO WALSync / WALWrite (the group
#               commit: waiting for another's flush, and one's own); Walden: the parks under
#               Wal.awaitLeader (a follower of the group commit) plus jdk.FileForce in the
#               backend threads (the leader's fdatasync).
#   runqueue    /proc/TASK/schedstat of the backends (PostgreSQL's backend processes, Walden's
#               backend threads) and of pgbench's threads: time on a CPU and time runnable but
#               waiting for one, and the time slices (wake-ups) per transaction.
#   jit         Walden only: its JIT compiler threads' time on a CPU (still compiling after a short
#               warm-up on a loaded machine: it shares the server's CPU with the backends).
#   fsyncs      PostgreSQL only: pg_stat_wal.wal_sync per pgbench transaction (Walden has no
#               pg_stat_wal).
#
# Both servers run at their defaults (synchronous_commit on, fsync on), alone (no standby).
#
#   bench/compare-waits.sh
#   environment: SCALE (10), T (14 s per run), CLIENTS (8), THREADS (2), MODE (simple), ROUNDS (2),
#                WARMUP (30 s of uncounted load at -c 8 first, each system), WALDEN (bin/walden of
#                this tree), PORT_BASE (6550: PostgreSQL's port, Walden's the next), KEEP=1.
#
# PostgreSQL runs as the postgres OS user (initdb refuses root); Walden as the caller. Needs
# python3 (the JFR recording is read with the JDK's jfr tool and summed in python).
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pgbin=/usr/lib/postgresql/15/bin
walden=${WALDEN:-$top/bin/walden}
seconds=${T:-14} scale=${SCALE:-10} clients=${CLIENTS:-8} threads=${THREADS:-2} mode=${MODE:-simple}
rounds=${ROUNDS:-2} warmup=${WARMUP:-30} port_base=${PORT_BASE:-6550}
work=$(mktemp -d /tmp/walden-waitbench.XXXXXX)
chmod 777 "$work"
declare -A port=([pg]=$port_base [walden]=$((port_base + 1)))
systems=(pg walden)
step="setting up"
java_bin=$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)")")
[ -x "$java_bin/jcmd" ] || java_bin=/usr/lib/jvm/temurin-25-jdk-amd64/bin
measured=$((seconds - 4))

stop() {
  if [ "$1" = pg ]; then
    su postgres -c "$pgbin/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1 || true
  else
    "$walden" ctl -D "$work/walden" -m immediate stop >/dev/null 2>&1 || true
  fi
}
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAILED (exit $rc) while: $step" >&2
    for log in "$work"/*.log "$work"/*.out; do
      [ -s "$log" ] || continue
      echo "---- last lines of $(basename "$log")" >&2
      tail -n 20 "$log" >&2
    done
  fi
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
psql_at() { "$pgbin/psql" -X -qAt -h 127.0.0.1 -p "${port[$1]}" -U postgres -c "$2" postgres; }

# the backends of a run: PostgreSQL's client backend processes, Walden's backend threads
# (named after user, database and client, as PostgreSQL's process titles)
backend_tasks() { # sys
  local pid
  pid=$(head -1 "$work/$1/postmaster.pid")
  if [ "$1" = pg ]; then
    for c in $(pgrep -P "$pid"); do
      tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null | grep -q '^postgres: postgres postgres 127' && echo "/proc/$c"
    done
  else
    for t in /proc/"$pid"/task/*; do grep -q '^postgres' "$t/comm" 2>/dev/null && echo "$t"; done
  fi
  return 0
}
schedstat() { # task dirs... -> "dir run_ns wait_ns slices" lines
  for t in "$@"; do echo "$t $(cat "$t/schedstat" 2>/dev/null || echo 0 0 0)"; done
}

for i in $(seq 1 5000); do
  echo "SELECT coalesce(wait_event_type, '-') || ':' || coalesce(wait_event, '-') FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND pid <> pg_backend_pid(); SELECT pg_sleep(0.01);"
done >"$work/sample.sql"
cat >"$work/park.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="waits">
  <event name="jdk.ThreadPark"><setting name="enabled">true</setting><setting name="stackTrace">true</setting><setting name="threshold">0 ms</setting></event>
  <event name="jdk.FileForce"><setting name="enabled">true</setting><setting name="stackTrace">false</setting><setting name="threshold">0 ms</setting></event>
</configuration>
JFC

for sys in "${systems[@]}"; do
  step="starting $sys"; say "$step"
  start "$sys"
  step="$sys: pgbench -i -s $scale"; say "$step"
  "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$sys]}" -U postgres -i -s "$scale" -q postgres >"$work/$sys.init.out" 2>&1
  step="$sys: warm-up"; say "$step"
  "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$sys]}" -U postgres -c 8 -j 2 -T "$warmup" -M "$mode" postgres \
    >"$work/$sys.warmup.out" 2>&1
done

run() { # sys round
  local sys=$1 r=$2 tag=$1.$2 bp pid jfr_pid sync0 sync1 xact0 xact1
  pid=$(head -1 "$work/$sys/postmaster.pid")
  "$pgbin/pgbench" -h 127.0.0.1 -p "${port[$sys]}" -U postgres -c "$clients" -j "$threads" -T "$seconds" \
    -M "$mode" postgres >"$work/$tag.out" 2>&1 &
  bp=$!
  sleep 2
  local tasks pgbench_tasks
  mapfile -t tasks < <(backend_tasks "$sys")
  mapfile -t pgbench_tasks < <(ls -d /proc/$bp/task/* 2>/dev/null)
  schedstat "${tasks[@]}" >"$work/$tag.backends0"; schedstat "${pgbench_tasks[@]}" >"$work/$tag.pgbench0"
  jit_tasks=()
  if [ "$sys" = walden ]; then
    for t in /proc/"$pid"/task/*; do grep -q 'CompilerThre' "$t/comm" 2>/dev/null && jit_tasks+=("$t"); done
  fi
  schedstat "${jit_tasks[@]}" >"$work/$tag.jit0"
  date +%s%N >"$work/$tag.interval"
  if [ "$sys" = pg ]; then
    read -r sync0 xact0 < <(psql_at pg "SELECT (SELECT wal_sync FROM pg_stat_wal), (SELECT xact_commit
      FROM pg_stat_database WHERE datname = 'postgres')" | tr '|' ' ')
    timeout "$measured" "$pgbin/psql" -X -qAt -h 127.0.0.1 -p "${port[pg]}" -U postgres -f "$work/sample.sql" \
      postgres 2>/dev/null | grep -v '^$' >"$work/$tag.samples" || true
    read -r sync1 xact1 < <(psql_at pg "SELECT (SELECT wal_sync FROM pg_stat_wal), (SELECT xact_commit
      FROM pg_stat_database WHERE datname = 'postgres')" | tr '|' ' ')
    echo "$sync0 $sync1 $xact0 $xact1" >"$work/$tag.fsyncs"
  else
    # jcmd's own start-up takes a second or more on a loaded machine: the schedstat window
    # does not wait for it (the recording starts a little later, and lasts as long)
    "$java_bin/jcmd" "$pid" JFR.start name="waits$r" settings="$work/park.jfc" duration="${measured}s" \
      filename="$work/$tag.jfr" >/dev/null &
    jfr_pid=$!
    sleep "$measured"
  fi
  schedstat "${tasks[@]}" >"$work/$tag.backends1"; schedstat "${pgbench_tasks[@]}" >"$work/$tag.pgbench1"
  schedstat "${jit_tasks[@]}" >"$work/$tag.jit1"
  date +%s%N >>"$work/$tag.interval"
  wait "$bp"
  if [ "$sys" = walden ]; then
    wait "$jfr_pid"
    for _ in $(seq 1 60); do [ -s "$work/$tag.jfr" ] && break; sleep 0.5; done # written when the recording ends
  fi
  if [ "$sys" = walden ]; then
    sleep 2
    "$java_bin/jfr" print --json --events jdk.ThreadPark,jdk.FileForce "$work/$tag.jfr" >"$work/$tag.json"
  fi
}

for r in $(seq 1 "$rounds"); do
  for sys in "${systems[@]}"; do
    step="$sys: round $r"; say "$step (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    run "$sys" "$r"
  done
done

python3 - "$work" "$rounds" "$clients" "$measured" <<'PY'
import json, re, sys
work, rounds, clients, measured = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])

def tps(tag):
    for line in open(f"{work}/{tag}.out"):
        m = re.match(r"tps = ([0-9.]+) ", line)
        if m:
            return float(m.group(1))
    return float("nan")

def sched(tag, what):
    def load(n):
        out = {}
        for line in open(f"{work}/{tag}.{what}{n}"):
            f = line.split()
            if len(f) == 4:
                out[f[0]] = [int(x) for x in f[1:]]
        return out
    a, b = load(0), load(1)
    # a task that ended before the second snapshot reads as zeros: left out
    return [sum(b[k][i] - a[k][i] for k in a if k in b and b[k][0] >= a[k][0]) for i in range(3)]

def seconds(iso):
    m = re.match(r"PT(?:(\d+)H)?(?:(\d+)M)?([\d.]+)S", iso)
    return int(m.group(1) or 0) * 3600 + int(m.group(2) or 0) * 60 + float(m.group(3)) if m else 0.0

rows = []
for r in range(1, rounds + 1):
    for sys_ in ("pg", "walden"):
        tag = f"{sys_}.{r}"
        t = tps(tag)
        t0, t1 = [int(x) for x in open(f"{work}/{tag}.interval").read().split()]
        txns = t * (t1 - t0) / 1e9  # transactions between the schedstat snapshots
        jfr_txns = t * measured  # transactions in the JFR recording
        lock = wal = float("nan")
        extra = "-"
        if sys_ == "pg":
            samples = [l.strip() for l in open(f"{work}/{tag}.samples") if l.strip()]
            n = max(1, len(samples))
            share = lambda pred: sum(1 for s in samples if pred(s)) / n * clients / t * 1e6
            lock = share(lambda s: s.startswith("Lock:"))
            wal = share(lambda s: s in ("LWLock:WALWrite", "IO:WALSync", "IO:WALWrite"))
            s0, s1, x0, x1 = [int(x) for x in open(f"{work}/{tag}.fsyncs").read().split()]
            # per pgbench transaction (xact_commit also counts the sampler's own statements)
            extra = f"{(s1 - s0) / (t * measured):.2f}"
        else:
            events = json.load(open(f"{work}/{tag}.json"))["recording"]["events"]
            lock_s = wal_s = 0.0
            for e in events:
                v = e["values"]
                thread = (v.get("eventThread") or {}).get("javaName") or ""
                if not thread.startswith("postgres"):
                    continue
                if e["type"] == "jdk.FileForce":
                    wal_s += seconds(v["duration"])
                    continue
                frames = [f["method"]["type"]["name"] + "." + f["method"]["name"]
                          for f in ((v.get("stackTrace") or {}).get("frames") or [])]
                if any(f.endswith("RowLockTable.awaitRelease") for f in frames):
                    lock_s += seconds(v["duration"])
                elif any(f.endswith("Wal.awaitLeader") for f in frames):
                    wal_s += seconds(v["duration"])
            lock, wal = lock_s / jfr_txns * 1e6, wal_s / jfr_txns * 1e6
        b = sched(tag, "backends")
        p = sched(tag, "pgbench")
        jit = f"{sched(tag, 'jit')[0] / txns / 1e3:.1f}" if sys_ == "walden" else "-"
        rows.append((f"{sys_} {r}", t, clients / t * 1e3, lock, wal, b[0] / txns / 1e3, b[1] / txns / 1e3,
                     b[2] / txns, p[0] / txns / 1e3, p[1] / txns / 1e3, extra, jit))

print()
print("per transaction, microseconds (latency in ms); backends' and pgbench's time on a CPU (run), runnable")
print("but waiting for one (runq), time slices (wakes); fsyncs: pg_stat_wal.wal_sync per transaction;")
print("jit: Walden's JIT compiler threads' time on a CPU")
head = ("run", "TPS", "latency", "lock wait", "WAL wait", "be run", "be runq", "be wakes", "pgb run", "pgb runq",
        "fsyncs", "jit")
print("%-10s %8s %8s %10s %9s %8s %8s %9s %8s %9s %7s %6s" % head)
for row in rows:
    print("%-10s %8.1f %8.3f %10.1f %9.1f %8.1f %8.1f %9.2f %8.1f %9.1f %7s %6s" % row)
PY
