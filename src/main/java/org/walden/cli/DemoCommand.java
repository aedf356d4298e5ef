package org.walden.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.walden.protocol.PgClient;
import org.walden.server.config.PostmasterPidFile;
import org.walden.wal.Lsn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden demo [DIR]}: the seeds' procedure on one machine. A primary on port 5438 with a
 * REPLICATION role repuser (pg_hba's replication lines, as the seeds set them), sample data
 * loaded over SQL, a base backup with -R into a standby on port 5439, both started with ctl;
 * then it waits until the standby has replayed the primary's WAL and shows
 * pg_stat_replication, pg_last_wal_replay_lsn(), and how to connect and stop. Run again, it
 * reuses both servers if they answer; otherwise it stops what is left and starts over.
 */
@Command(versionProvider = ToolOptions.Version.class, name = "demo", description = "build a primary and a hot standby on this machine and show them replicating")
final class DemoCommand implements Callable<Integer> {

    @Mixin
    ToolOptions toolOptions;

    static final int PRIMARY_PORT = 5438;
    static final int STANDBY_PORT = 5439;
    static final long CATCHUP_TIMEOUT_MS = 60_000;

    @ParentCommand
    Main main;

    @Parameters(arity = "0..1", defaultValue = "walden-demo", description = "directory for the two clusters")
    Path dir;

    private PrintStream out;
    private PrintStream err;

    @Override
    public Integer call() throws Exception {
        out = main.out;
        err = main.err;
        Path base = dir.toAbsolutePath().normalize();
        Path primary = base.resolve("primary");
        Path standby = base.resolve("standby");
        if (answers(primary, PRIMARY_PORT) && answers(standby, STANDBY_PORT)) {
            out.println("The demo cluster in " + base + " is running; reusing it.");
            return show(base, primary, standby);
        }
        stopLeftover(primary);
        stopLeftover(standby);
        for (int port : List.of(PRIMARY_PORT, STANDBY_PORT)) {
            if (!portFree(port)) {
                err.printf("walden demo: port %d is in use by another program; stop it and run the demo again%n",
                        port);
                return 1;
            }
        }
        deleteRecursively(base);
        Files.createDirectories(base);
        int code = buildPrimary(base, primary);
        if (code != 0) {
            return code;
        }
        code = buildStandby(base, standby);
        if (code != 0) {
            return code;
        }
        return show(base, primary, standby);
    }

    private int buildPrimary(Path base, Path primary) throws Exception {
        out.println("== initdb the primary in " + primary);
        int code = walden("initdb", "-D", primary.toString(), "-U", "postgres", "--auth", "trust");
        if (code != 0) {
            return code;
        }
        Files.writeString(primary.resolve("postgresql.conf"), """

                # walden demo: the seeds' primary settings
                listen_addresses = 'localhost'
                port = %d
                wal_level = replica
                max_wal_senders = 10
                wal_keep_size = 1GB
                hot_standby = on
                synchronous_commit = on
                """.formatted(PRIMARY_PORT), java.nio.file.StandardOpenOption.APPEND);
        out.println("== start the primary on port " + PRIMARY_PORT);
        code = walden("ctl", "-D", primary.toString(), "-l", base.resolve("primary.log").toString(), "start");
        if (code != 0) {
            return code;
        }
        out.println("== create the replication role repuser and load sample data");
        try (Connection c = connect(PRIMARY_PORT, "postgres")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE ROLE repuser WITH REPLICATION LOGIN PASSWORD 'repuser'");
                s.execute("CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance integer)");
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO accounts VALUES (?, ?, ?)")) {
                for (int i = 1; i <= 1000; i++) {
                    ins.setInt(1, i);
                    ins.setString(2, "owner " + i);
                    ins.setInt(3, i * 10);
                    ins.addBatch();
                }
                ins.executeBatch();
            }
        }
        return 0;
    }

    private int buildStandby(Path base, Path standby) throws Exception {
        out.println("== base backup into " + standby + " (walden basebackup -R -X stream)");
        int code = walden("basebackup", "-h", "localhost", "-p", Integer.toString(PRIMARY_PORT), "-U", "repuser",
                "-D", standby.toString(), "-R", "-X", "stream", "-c", "fast");
        if (code != 0) {
            return code;
        }
        Files.writeString(standby.resolve("postgresql.conf"), "\n# walden demo: the standby\nport = "
                + STANDBY_PORT + "\n", java.nio.file.StandardOpenOption.APPEND);
        out.println("== start the standby on port " + STANDBY_PORT);
        return walden("ctl", "-D", standby.toString(), "-l", base.resolve("standby.log").toString(), "start");
    }

    /** Waits for the standby to replay the primary's WAL, then prints what the seeds look at. */
    private int show(Path base, Path primary, Path standby) throws Exception {
        try (Connection p = connect(PRIMARY_PORT, "postgres"); Connection s = connect(STANDBY_PORT, "postgres")) {
            try (Statement st = p.createStatement()) {
                st.executeUpdate("UPDATE accounts SET balance = balance + 1 WHERE id = 1");
            }
            Lsn target = Lsn.parse(queryOne(p, "SELECT pg_current_wal_lsn()"));
            out.println("== waiting for the standby to replay up to " + target);
            long deadline = System.currentTimeMillis() + CATCHUP_TIMEOUT_MS;
            Lsn replayed = Lsn.INVALID;
            while (System.currentTimeMillis() < deadline) {
                String r = queryOne(s, "SELECT pg_last_wal_replay_lsn()");
                replayed = r == null ? Lsn.INVALID : Lsn.parse(r);
                if (!replayed.isBefore(target)) {
                    break;
                }
                Thread.sleep(200);
            }
            if (replayed.isBefore(target)) {
                err.printf("walden demo: the standby replayed only up to %s (primary at %s) after %d s; "
                        + "see %s%n", replayed, target, CATCHUP_TIMEOUT_MS / 1000, base.resolve("standby.log"));
                return 1;
            }
            out.println();
            out.println("primary (port " + PRIMARY_PORT + "): select * from pg_stat_replication;");
            printExpanded(p, "SELECT * FROM pg_stat_replication");
            out.println();
            out.println("standby (port " + STANDBY_PORT + "): select pg_last_wal_replay_lsn(); -> "
                    + queryOne(s, "SELECT pg_last_wal_replay_lsn()"));
            out.println("standby: select count(*) from accounts; -> " + queryOne(s, "SELECT count(*) FROM accounts"));
        }
        out.println();
        connectLines(Path.of(PgClient.DEFAULT_SOCKET_DIR)).forEach(out::println);
        out.println("Stop:      bin/walden ctl -D " + standby + " stop && bin/walden ctl -D " + primary + " stop");
        out.println("Logs:      " + base.resolve("primary.log") + "  " + base.resolve("standby.log"));
        return 0;
    }

    /**
     * The "Connect:" lines. Both servers use the default unix_socket_directories
     * (/var/run/postgresql, where Debian's psql looks), so plain {@code psql -p PORT} finds them;
     * where a socket could not be created there, the line names localhost instead.
     */
    static List<String> connectLines(Path socketDir) {
        return List.of("Connect:   " + psqlCommand(socketDir, PRIMARY_PORT) + "    (primary)",
                "           " + psqlCommand(socketDir, STANDBY_PORT) + "    (hot standby, read-only)");
    }

    private static String psqlCommand(Path socketDir, int port) {
        boolean socket = Files.exists(socketDir.resolve(".s.PGSQL." + port));
        return "psql " + (socket ? "" : "-h localhost ") + "-p " + port + " -U postgres postgres";
    }

    private int walden(String... args) {
        int code = Main.run(args, out, err);
        if (code != 0) {
            err.println("walden demo: \"walden " + String.join(" ", args) + "\" failed (exit code " + code + ")");
        }
        return code;
    }

    static Connection connect(int port, String user) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres?user=" + user
                + "&connectTimeout=5&socketTimeout=60");
    }

    private static String queryOne(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** psql's \x output: "-[ RECORD 1 ]----+-----" then "column | value" lines. */
    private void printExpanded(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            int width = 0;
            for (int i = 1; i <= n; i++) {
                width = Math.max(width, rs.getMetaData().getColumnName(i).length());
            }
            int record = 0;
            while (rs.next()) {
                record++;
                String header = "-[ RECORD " + record + " ]";
                out.println(header + "-".repeat(Math.max(0, width + 1 - header.length())) + "+" + "-".repeat(30));
                for (int i = 1; i <= n; i++) {
                    String v = rs.getString(i);
                    out.printf("%-" + width + "s | %s%n", rs.getMetaData().getColumnName(i), v == null ? "" : v);
                }
            }
            if (record == 0) {
                out.println("(0 rows)");
            }
        }
    }

    private static boolean answers(Path dataDir, int port) {
        Optional<PostmasterPidFile> pid = PostmasterPidFile.read(dataDir);
        if (pid.isEmpty() || !ServerLauncher.isAlive(pid.get().pid())) {
            return false;
        }
        try (Connection c = connect(port, "postgres"); Statement s = c.createStatement()) {
            s.executeQuery("SELECT 1").close();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private void stopLeftover(Path dataDir) {
        Optional<PostmasterPidFile> pid = PostmasterPidFile.read(dataDir);
        if (pid.isPresent() && ServerLauncher.isAlive(pid.get().pid())) {
            out.println("== stopping the leftover server in " + dataDir);
            if (Main.run(new String[] {"ctl", "-D", dataDir.toString(), "-m", "fast", "-t", "30", "stop"}, out, err)
                    != 0) {
                Main.run(new String[] {"ctl", "-D", dataDir.toString(), "-m", "immediate", "stop"}, out, err);
            }
        }
    }

    static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
