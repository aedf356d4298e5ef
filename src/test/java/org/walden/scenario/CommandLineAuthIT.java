package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.test.RawPgClient;
import org.walden.test.TestCluster;

/**
 * The command line and authentication as Debian's PostgreSQL has them: {@code walden
 * basebackup} and {@code walden rewind} ask for a password when the server wants one (or not, with -w), read
 * PGPASSFILE / ~/.pgpass; peer authentication over the Unix socket with a pg_ident.conf map;
 * authentication_timeout drops a client that sends nothing; {@code ctl -o "--name=value"},
 * {@code ctl kill} and {@code ctl logrotate}.
 */
class CommandLineAuthIT {

    private static final String PASSWORD = "pw-of-postgres";

    @Test
    void basebackupPromptsReadsThePasswordFileAndHonoursNoPassword() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            Path pwfile = cluster.root().resolve("pwfile");
            Files.writeString(pwfile, PASSWORD + "\n");
            TestCluster.Node node = cluster.initPrimary("pw", List.of("--auth", "scram-sha-256", "--pwfile",
                    pwfile.toString()));
            node.start();
            List<String> base = List.of("basebackup", "-h", "127.0.0.1", "-p", Integer.toString(node.port()), "-U",
                    "postgres", "-c", "fast", "-D");

            TestCluster.ToolResult prompted = TestCluster.runProcess(walden(base, cluster.root().resolve("b1")),
                    Map.of(), PASSWORD + "\n", 180);
            assertThat(prompted.code()).as(prompted.err()).isZero();
            assertThat(prompted.err()).contains("Password: ");
            assertThat(cluster.root().resolve("b1/PG_VERSION")).exists();

            TestCluster.ToolResult never = TestCluster.runProcess(walden(withFlag(base, "-w"),
                    cluster.root().resolve("b2")), Map.of(), PASSWORD + "\n", 180);
            assertThat(never.code()).isEqualTo(1);
            assertThat(never.err()).contains("fe_sendauth: no password supplied").doesNotContain("Password: ");

            Path pgpass = cluster.root().resolve("pgpass");
            Files.writeString(pgpass, "127.0.0.1:" + node.port() + ":*:postgres:" + PASSWORD + "\n");
            Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
            TestCluster.ToolResult fromFile = TestCluster.runProcess(walden(withFlag(base, "-w"),
                    cluster.root().resolve("b3")), Map.of("PGPASSFILE", pgpass.toString()), null, 180);
            assertThat(fromFile.code()).as(fromFile.err()).isZero();

            // walden rewind asks too (a dry run against the base backup made above)
            List<String> rewind = List.of("rewind", "-n", "--target-pgdata=" + cluster.root().resolve("b1"),
                    "--source-server=host=127.0.0.1 port=" + node.port() + " user=postgres dbname=postgres");
            TestCluster.ToolResult rewindWrong = TestCluster.runProcess(TestCluster.waldenCommand(rewind), Map.of(), "wrong\n", 180);
            assertThat(rewindWrong.code()).isEqualTo(1);
            assertThat(rewindWrong.err()).contains("Password: ")
                    .contains("password authentication failed for user \"postgres\"");
            TestCluster.ToolResult rewindRight = TestCluster.runProcess(TestCluster.waldenCommand(rewind), Map.of(), PASSWORD + "\n", 180);
            assertThat(rewindRight.err()).contains("Password: ").doesNotContain("password authentication failed");
        }
    }

    @Test
    void peerAuthenticationWithAMapAndTheAuthenticationTimeout() throws Exception {
        String psql = PgPrograms.require("psql");
        String osUser = System.getProperty("user.name");
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("peer");
            Files.writeString(node.dataDir().resolve("pg_hba.conf"), """
                    local  all  postgres              peer map=admins
                    local  all  all                   peer
                    host   all  all   127.0.0.1/32    scram-sha-256
                    """);
            Files.writeString(node.dataDir().resolve("pg_ident.conf"), "admins  " + osUser + "  postgres\n");
            node.appendConf("authentication_timeout = 1s\n");
            node.start();
            PgPrograms.Result mapped = PgPrograms.run(List.of(psql, "-X", "-A", "-t", "-h", cluster.root().toString(),
                    "-p", Integer.toString(node.port()), "-U", "postgres", "-d", "postgres", "-c", "SELECT current_user"));
            assertThat(mapped.out()).as(mapped.err()).isEqualTo("postgres\n");
            PgPrograms.run(List.of(psql, "-X", "-h", cluster.root().toString(), "-p", Integer.toString(node.port()),
                    "-U", "postgres", "-d", "postgres", "-c", "CREATE ROLE someone LOGIN")).check("create role");
            PgPrograms.Result refused = PgPrograms.run(List.of(psql, "-X", "-h", cluster.root().toString(), "-p",
                    Integer.toString(node.port()), "-U", "someone", "-d", "postgres", "-c", "SELECT 1"));
            assertThat(refused.err()).contains("FATAL:  Peer authentication failed for user \"someone\"");
            assertThat(node.logContains("provided user name (someone) and authenticated user name (" + osUser
                    + ") do not match")).isTrue();

            // a client that connects and sends nothing is dropped after authentication_timeout
            long start = System.nanoTime();
            try (Socket silent = new Socket("127.0.0.1", node.port())) {
                silent.setSoTimeout(20_000);
                InputStream in = silent.getInputStream();
                assertThat(in.read()).isEqualTo(-1);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            // one that stops in the middle of the password exchange too, with PostgreSQL's log line
            try (RawPgClient stalled = RawPgClient.connect(node.port(), false)) {
                assertThat(stalled.read().type()).isEqualTo('R'); // asked for a password; never answers
                assertThat(stalled.readsEof()).isTrue();
            }
            assertThat(node.pollLogContains("FATAL:  canceling authentication due to timeout")).isTrue();
        }
    }

    @Test
    void ctlOptionsKillAndLogrotate() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("ctl");
            node.appendConf("logging_collector = on\nlog_filename = 'walden-%H%M%S.log'\n");
            node.ctl("-o", "--cluster-name=from-the-command-line", "-t", "120", "start").check("start with -o");
            assertThat(node.psql("SHOW cluster_name")).isEqualTo("from-the-command-line");
            long pid = node.pid().orElseThrow();
            TestCluster.ToolResult kill = TestCluster.walden("ctl", "kill", "HUP", Long.toString(pid));
            assertThat(kill.code()).as(kill.err()).isZero();
            Path logDir = node.dataDir().resolve("log");
            assertThat(pollFileContaining(logDir, "received SIGHUP, reloading configuration files")).isTrue();
            List<Path> before = logFiles(logDir);
            Thread.sleep(1100); // log_filename changes every second
            TestCluster.ToolResult rotate = node.ctl("logrotate");
            assertThat(rotate.out()).isEqualTo("server signaled to rotate log file\n");
            node.psql("SELECT 'after rotation'");
            node.ctl("reload"); // a message for the new file
            assertThat(pollFileContaining(logDir, "received SIGHUP")).isTrue();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (logFiles(logDir).size() <= before.size() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(logFiles(logDir)).hasSizeGreaterThan(before.size());
            assertThat(Files.exists(node.dataDir().resolve("logrotate"))).isFalse();
        }
    }

    private static List<String> walden(List<String> args, Path target) {
        List<String> all = new ArrayList<>(args);
        all.add(target.toString());
        return TestCluster.waldenCommand(all);
    }

    private static List<String> withFlag(List<String> args, String flag) {
        List<String> out = new ArrayList<>(args);
        out.add(0 + 1, flag);
        return out;
    }

    private static List<Path> logFiles(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private static boolean pollFileContaining(Path dir, String text) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (Path f : logFiles(dir)) {
                if (Files.readString(f).contains(text)) {
                    return true;
                }
            }
            Thread.sleep(100);
        }
        return false;
    }
}
