package org.walden.test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.walden.server.config.PostmasterPidFile;
import org.walden.wal.Lsn;

/**
 * Real Walden servers for scenario tests, in the manner of PostgreSQL's
 * PostgreSQL::Test::Cluster: each node lives in a temporary directory, listens on a free
 * ephemeral port on 127.0.0.1 and on a Unix socket in that directory, and is driven by the
 * real command-line tools ({@code walden initdb}, {@code walden ctl}, {@code walden basebackup})
 * run as child processes from the built classes ({@code walden.jar} + {@code target/lib} when
 * failsafe runs, else this JVM's class path). Tests observe through SQL (pgjdbc, or
 * PostgreSQL 15's psql when installed) and the server log.
 *
 * <pre>
 * try (TestCluster cluster = new TestCluster()) {
 *     TestCluster.Node primary = cluster.initPrimary("primary");
 *     primary.start();
 *     primary.backup("b1");
 *     TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");
 *     primary.psql("create table t (a int primary key)");
 *     primary.waitForCatchup(standby);
 * }
 * </pre>
 * {@link #close()} stops every server the cluster started (fast, then immediate, then kill).
 */
public final class TestCluster implements AutoCloseable {

    public static final Path PSQL = Path.of("/usr/lib/postgresql/15/bin/psql");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(180);
    private static final long TOOL_TIMEOUT_SECONDS = 300;

    private final Path root;
    private final List<Node> nodes = new ArrayList<>();

    public TestCluster() {
        try {
            root = Files.createTempDirectory("walden-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path root() {
        return root;
    }

    /** The class path the tools run with: walden.jar and target/lib when built, else ours. */
    static String toolClassPath() {
        String jar = System.getProperty("walden.jar");
        if (jar != null && Files.exists(Path.of(jar))) {
            Path lib = Path.of(jar).toAbsolutePath().getParent().resolve("lib");
            return jar + File.pathSeparator + lib + File.separator + "*";
        }
        return System.getProperty("java.class.path");
    }

    /** Runs {@code walden ARGS...} in a child JVM; returns its exit code and output. */
    public static ToolResult walden(String... args) {
        return run(waldenCommand(List.of(args)), null);
    }

    /** The command line of {@code walden ARGS...} in a child JVM (for {@link #runProcess} with an environment). */
    public static List<String> waldenCommand(List<String> args) {
        // RocksDB's library copied once into target/native, not into /tmp by every tool and server
        Path nativeDir = Path.of("target", "native").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-Dwalden.native.dir=" + nativeDir,
                "-Djava.library.path=" + nativeDir, "-cp", toolClassPath(), "org.walden.cli.Main"));
        cmd.addAll(args);
        return cmd;
    }

    static ToolResult run(List<String> cmd, String stdin) {
        return runProcess(cmd, Map.of(), stdin, TOOL_TIMEOUT_SECONDS);
    }

    /**
     * Runs {@code cmd} with the PG* variables of this JVM's environment removed (tests pass
     * connection settings explicitly) and {@code env} added, feeding it {@code stdin} (null:
     * /dev/null); returns its exit code and output. Fails after {@code timeoutSeconds}.
     */
    public static ToolResult runProcess(List<String> cmd, Map<String, String> env, String stdin,
                                        long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("walden-tool", ".out");
            Path err = Files.createTempFile("walden-tool", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
            pb.environment().putAll(env);
            pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                    : ProcessBuilder.Redirect.PIPE);
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", cmd));
            }
            ToolResult r = new ToolResult(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A tool's exit code and output. */
    public record ToolResult(int code, String out, String err) {
        public ToolResult check(String what) {
            if (code != 0) {
                throw new IllegalStateException(what + " failed (exit " + code + "):\n" + out + err);
            }
            return this;
        }
    }

    /** A free TCP port on 127.0.0.1 ({@link TestPorts}). */
    public int freePort() {
        return TestPorts.free();
    }

    /** initdb, then the settings a test node needs: its port, 127.0.0.1, a private socket dir, replication. */
    public Node initPrimary(String name) {
        return initPrimary(name, List.of("--auth", "trust"));
    }

    /**
     * As {@link #initPrimary(String)} with {@code authArgs} (e.g. {@code --auth scram-sha-256
     * --pwfile FILE}) in place of {@code --auth trust}. Without trust, {@link Node#psql} and
     * {@link Node#connect} cannot log in: such tests connect with a password themselves.
     */
    public Node initPrimary(String name, List<String> authArgs) {
        Node node = new Node(name, root.resolve(name), freePort());
        List<String> args = new ArrayList<>(List.of("initdb", "-D", node.dataDir.toString(), "-U", "postgres"));
        args.addAll(authArgs);
        walden(args.toArray(String[]::new)).check("initdb of " + name);
        node.appendConf("""
                # TestCluster
                listen_addresses = '127.0.0.1'
                wal_level = replica
                max_wal_senders = 10
                max_replication_slots = 10
                wal_keep_size = 128MB
                hot_standby = on
                log_line_prefix = '%m [%p] %q%a '
                """);
        node.setPortConf();
        nodes.add(node);
        return node;
    }

    /** A new node from {@code primary}'s backup {@code backupName}; a standby of it when {@code standby}. */
    public Node initFromBackup(Node primary, String backupName, String name, boolean standby) {
        Node node = new Node(name, root.resolve(name), freePort());
        copyTree(primary.backupDir(backupName), node.dataDir);
        node.setPortConf();
        if (standby) {
            try {
                Files.writeString(node.dataDir.resolve("standby.signal"), "");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            node.appendConf("primary_conninfo = 'host=127.0.0.1 port=" + primary.port + " user=postgres "
                    + "application_name=" + name + "'\n");
        }
        nodes.add(node);
        return node;
    }

    /**
     * A node restoring {@code primary}'s backup from its archive only (PostgreSQL's has_restoring):
     * restore_command, and standby.signal ({@code standbyMode}) or recovery.signal; not started.
     */
    public Node initFromBackupRestoring(Node primary, String backupName, String name, boolean standbyMode) {
        Node node = initFromBackup(primary, backupName, name, false);
        node.enableRestoring(primary);
        try {
            Files.writeString(node.dataDir.resolve(standbyMode ? "standby.signal" : "recovery.signal"), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return node;
    }

    /** A standby of {@code primary} from its backup {@code backupName}, started and caught up. */
    public Node startStandby(Node primary, String backupName, String name) {
        Node standby = initFromBackup(primary, backupName, name, true);
        standby.start();
        primary.waitForCatchup(standby);
        return standby;
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            n.stopQuietly();
        }
        if (!"true".equals(System.getenv("WALDEN_KEEP_TEST_DIRS"))) {
            deleteTree(root);
        }
    }

    static void copyTree(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) { // a tablespace's link under pg_tblspc stays a link
                    Files.createSymbolicLink(target, Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
            Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            // best effort: a server may still be writing its log
        }
    }

    /** One server of the cluster. */
    public final class Node {
        private final String name;
        private final Path dataDir;
        private final int port;
        private final Path logFile;

        Node(String name, Path dataDir, int port) {
            this.name = name;
            this.dataDir = dataDir;
            this.port = port;
            this.logFile = root.resolve(name + ".log");
        }

        public String name() {
            return name;
        }

        /** Another free port of this cluster, for a service of this node (e.g. its HTTP endpoint). */
        public int freePortForTests() {
            return freePort();
        }

        public Path dataDir() {
            return dataDir;
        }

        public int port() {
            return port;
        }

        public Path logFile() {
            return logFile;
        }

        /** Appends lines to postgresql.conf. */
        public void appendConf(String text) {
            try {
                Files.writeString(dataDir.resolve("postgresql.conf"), "\n" + text + (text.endsWith("\n") ? "" : "\n"),
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void setPortConf() {
            appendConf("port = " + port + "\nunix_socket_directories = '" + root + "'\n");
        }

        /** walden ctl ARGS... -D this node. */
        public ToolResult ctl(String... args) {
            List<String> all = new ArrayList<>(List.of("ctl", "-D", dataDir.toString(), "-l", logFile.toString()));
            all.addAll(List.of(args));
            return walden(all.toArray(String[]::new));
        }

        public void start() {
            ctl("-t", "120", "start").check("start of " + name);
        }

        public void stop() {
            stop("fast");
        }

        public void stop(String mode) {
            ctl("-m", mode, "-t", "120", "stop").check("stop of " + name);
        }

        public void restart() {
            ctl("-m", "fast", "-t", "120", "restart").check("restart of " + name);
        }

        public void reload() {
            ctl("reload").check("reload of " + name);
        }

        /** pg_ctl promote, waiting until the server accepts writes. */
        public void promote() {
            ctl("-t", "120", "promote").check("promote of " + name);
        }

        /** A standby of {@code upstream} from now on (PostgreSQL's enable_streaming): standby.signal, primary_conninfo. */
        public void enableStreaming(Node upstream) {
            try {
                Files.writeString(dataDir.resolve("standby.signal"), "");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            appendConf("primary_conninfo = 'host=127.0.0.1 port=" + upstream.port + " user=postgres "
                    + "application_name=" + name + "'\n");
        }

        /** The directory this node archives into (enableArchiving). */
        public Path archiveDir() {
            return root.resolve("archives").resolve(name);
        }

        /** archive_mode = on, archive_command copying into {@link #archiveDir()} (PostgreSQL's has_archiving). */
        public void enableArchiving() {
            try {
                Files.createDirectories(archiveDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            appendConf("archive_mode = on\narchive_command = 'cp \"%p\" \"" + archiveDir() + "/%f\"'\n");
        }

        /** restore_command copying from {@code from}'s archive (PostgreSQL's enable_restoring). */
        public void enableRestoring(Node from) {
            appendConf("restore_command = 'cp \"" + from.archiveDir() + "/%f\" \"%p\"'\n");
        }

        /** The server log's length now: {@link #logContainsSince} looks only after it (PostgreSQL's rotate_logfile). */
        public long logPosition() {
            try {
                return Files.exists(logFile) ? Files.size(logFile) : 0;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** True if the server log, from {@code position} on, contains {@code text}. */
        public boolean logContainsSince(long position, String text) {
            try {
                if (!Files.exists(logFile)) {
                    return false;
                }
                byte[] all = Files.readAllBytes(logFile);
                int from = (int) Math.min(position, all.length);
                return new String(all, from, all.length - from, StandardCharsets.UTF_8).contains(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Waits up to {@code timeout} for the log, from {@code position} on, to contain {@code text}. */
        public boolean pollLogContainsSince(long position, String text, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!logContainsSince(position, text)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                sleep(50);
            }
            return true;
        }

        /** walden controldata's output for this node. */
        public String controldata() {
            return walden("controldata", "-D", dataDir.toString()).check("controldata of " + name).out();
        }

        /** The value of one controldata line, e.g. "Database cluster state". */
        public String controldata(String field) {
            for (String line : controldata().split("\n")) {
                if (line.startsWith(field + ":")) {
                    return line.substring(field.length() + 1).strip();
                }
            }
            throw new IllegalStateException("no \"" + field + "\" in controldata of " + name);
        }

        /** The running server's pid, from postmaster.pid. */
        public Optional<Long> pid() {
            return PostmasterPidFile.read(dataDir).map(PostmasterPidFile::pid)
                    .filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false));
        }

        /** kill -9 of the server process; waits until it is gone. postmaster.pid stays, as after a crash. */
        public void kill9() {
            pid().flatMap(ProcessHandle::of).ifPresent(h -> {
                h.destroyForcibly();
                try {
                    h.onExit().get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("server " + name + " did not die", e);
                }
            });
        }

        void stopQuietly() {
            if (pid().isEmpty()) {
                return;
            }
            if (ctl("-m", "fast", "-t", "30", "stop").code() != 0 && pid().isPresent()) {
                if (ctl("-m", "immediate", "-t", "30", "stop").code() != 0) {
                    kill9();
                }
            }
        }

        /** walden basebackup of this node into the cluster's backups/NAME. */
        public Path backup(String backupName) {
            Path dir = backupDir(backupName);
            walden("basebackup", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-D",
                    dir.toString(), "-X", "stream", "-c", "fast").check("backup of " + name);
            return dir;
        }

        Path backupDir(String backupName) {
            return root.resolve("backups").resolve(backupName);
        }

        /** A pgjdbc connection to database postgres as postgres. */
        public Connection connect() throws SQLException {
            return connect("postgres");
        }

        public Connection connect(String database) throws SQLException {
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                    + "/" + database + "?user=postgres&connectTimeout=10&socketTimeout=120");
        }

        /**
         * Runs {@code sql} with PostgreSQL 15's psql (unaligned, tuples only) and returns its
         * output without the final newline. Without psql: pgjdbc, the first column of each row;
         * with CI=true a missing psql is a failure, not a fallback.
         */
        public String psql(String sql) {
            if (Files.isExecutable(PSQL)) {
                ToolResult r = run(List.of(PSQL.toString(), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                        "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-d", "postgres", "-f", "-"), sql);
                if (r.code() != 0) {
                    throw new IllegalStateException("psql failed on " + name + ": " + r.err());
                }
                return r.out().endsWith("\n") ? r.out().substring(0, r.out().length() - 1) : r.out();
            }
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException(PSQL + " is missing on CI: install postgresql-15 (see .ci/run)");
            }
            return jdbcQuery(sql);
        }

        private String jdbcQuery(String sql) {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                StringBuilder out = new StringBuilder();
                if (s.execute(sql)) {
                    try (ResultSet rs = s.getResultSet()) {
                        int n = rs.getMetaData().getColumnCount();
                        while (rs.next()) {
                            for (int i = 1; i <= n; i++) {
                                out.append(i > 1 ? "|" : "").append(rs.getString(i) == null ? "" : rs.getString(i));
                            }
                            out.append('\n');
                        }
                    }
                }
                return out.toString().stripTrailing();
            } catch (SQLException e) {
                throw new IllegalStateException("query failed on " + name + ": " + e.getMessage(), e);
            }
        }

        /** Runs {@code sql} until it returns {@code expected}; false after {@code timeout}. */
        public boolean pollQueryUntil(String sql, String expected, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    if (expected.equals(jdbcQuery(sql))) {
                        return true;
                    }
                } catch (IllegalStateException e) {
                    // not up yet, or a transient error: poll again
                }
                sleep(100);
            }
            return false;
        }

        public boolean pollQueryUntil(String sql, String expected) {
            return pollQueryUntil(sql, expected, DEFAULT_TIMEOUT);
        }

        /** Waits until {@code standby} has replayed this primary's current WAL position. */
        public void waitForCatchup(Node standby) {
            Lsn target = Lsn.parse(jdbcQuery("SELECT pg_current_wal_lsn()"));
            long deadline = System.nanoTime() + DEFAULT_TIMEOUT.toNanos();
            String replayed = "";
            while (System.nanoTime() < deadline) {
                try {
                    replayed = standby.jdbcQuery("SELECT pg_last_wal_replay_lsn()");
                    if (!replayed.isEmpty() && !Lsn.parse(replayed).isBefore(target)) {
                        return;
                    }
                } catch (IllegalStateException e) {
                    // standby not accepting connections yet
                }
                sleep(100);
            }
            throw new IllegalStateException("standby " + standby.name + " replayed only up to " + replayed
                    + ", primary " + name + " is at " + target);
        }

        /** True if the server log (ctl -l file) contains {@code text}. */
        public boolean logContains(String text) {
            try {
                return Files.exists(logFile) && Files.readString(logFile).contains(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Waits up to 10 s for the server log to contain {@code text} (log lines are written asynchronously). */
        public boolean pollLogContains(String text) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!logContains(text)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                sleep(50);
            }
            return true;
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
