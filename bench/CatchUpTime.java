import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * How long a standby that is starting takes to catch up: connects to it again and again until it
 * answers (t0: its first answer), then polls {@code pg_last_wal_replay_lsn()} every 2 ms until
 * it reaches TARGET_LSN (t1). Prints "seconds cpu_seconds total_cpu_seconds t1_epoch_seconds":
 * t1 - t0, the CPU the standby's processes (the one in DATA_DIR/postmaster.pid and its
 * children) used between t0 and t1 and since they started, and t1 as Unix time (the caller
 * knows when it started the standby). On stderr: the CPU of each of the standby's threads between
 * t0 and t1 (milliseconds from /proc/PID/task/TID/schedstat, threads of one name summed, digits at
 * the end of a name dropped): a Walden standby's redo, JIT compilers, walreceiver, the backend
 * answering the polls.
 *
 * <p>Start it before the standby: once pgjdbc is loaded and a first attempt to connect failed, it
 * creates READY_FILE; the caller waits for that file, then starts the standby (so neither the
 * compilation of this file nor the JVM's start delays the first answer).
 *
 * <pre>java -cp target/lib/postgresql-VERSION.jar bench/CatchUpTime.java PORT TARGET_LSN DATA_DIR READY_FILE</pre>
 */
public class CatchUpTime {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/postgres?user=postgres&connectTimeout=2";
        long target = lsn(args[1]);
        Path pidFile = Path.of(args[2], "postmaster.pid");
        long deadline = System.nanoTime() + 600_000_000_000L;
        Connection c = null;
        try {
            c = DriverManager.getConnection(url);
            throw new IllegalStateException("the standby on port " + args[0] + " answers already");
        } catch (SQLException expected) {
            Files.writeString(Path.of(args[3]), "ready\n");
        }
        while (c == null) {
            try {
                c = DriverManager.getConnection(url);
            } catch (SQLException e) { // not started, or 57P03 until consistent
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(2);
            }
        }
        long t0 = System.nanoTime();
        long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        double cpu0 = cpuSeconds(pid);
        Map<String, Long> threads0 = threadCpuNanos(pid);
        Map<String, Long> threads1;
        try (Connection standby = c; Statement s = standby.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery("select pg_last_wal_replay_lsn()::text")) {
                    rs.next();
                    if (lsn(rs.getString(1)) >= target) {
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("standby did not reach " + args[1] + " in 600 s");
                }
                Thread.sleep(2);
            }
            threads1 = threadCpuNanos(pid); // before the polling backend's thread ends
        }
        long t1 = System.nanoTime();
        double cpu1 = cpuSeconds(pid);
        StringBuilder perThread = new StringBuilder("standby threads, CPU ms between first answer and catch-up:");
        threads1.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (e.getValue() - threads0.getOrDefault(e.getKey(), 0L)) / 1_000_000))
                .filter(e -> e.getValue() > 0)
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> perThread.append(' ').append(e.getKey().replace(' ', '_')).append('=').append(e.getValue()));
        System.err.println(perThread);
        System.out.printf("%.3f %.3f %.3f %.3f%n", (t1 - t0) / 1e9, cpu1 - cpu0, cpu1, System.currentTimeMillis() / 1e3);
    }

    static long lsn(String text) {
        int slash = text.indexOf('/');
        return (Long.parseLong(text.substring(0, slash), 16) << 32) + Long.parseLong(text.substring(slash + 1), 16);
    }

    /** CPU nanoseconds per thread name of a process's living threads (names ending in digits summed). */
    static Map<String, Long> threadCpuNanos(long pid) throws IOException {
        Map<String, Long> byName = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim().replaceAll("[0-9]+$", "#");
                    String schedstat = Files.readString(task.resolve("schedstat"));
                    byName.merge(name, Long.parseLong(schedstat.substring(0, schedstat.indexOf(' '))), Long::sum);
                } catch (IOException e) {
                    // a thread that ended meanwhile
                }
            }
        }
        return byName;
    }

    /** User + system CPU of the process and its living children, and the children it reaped. */
    static double cpuSeconds(long pid) throws IOException {
        long ticks = ticks(pid, true);
        for (ProcessHandle child : ProcessHandle.of(pid).orElseThrow().children().toList()) {
            ticks += ticks(child.pid(), false);
        }
        return ticks / 100.0; // USER_HZ
    }

    static long ticks(long pid, boolean withReaped) throws IOException {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            return 0; // a child that ended meanwhile
        }
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields 14..17 of stat (utime, stime, cutime, cstime) are 11..14 after the name
        long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return withReaped ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
    }
}
