package org.walden.scenario;

import org.walden.test.TestPorts;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCertificates;
import org.walden.test.TestCluster;

/**
 * Replication over TLS: PostgreSQL's pg_basebackup and pg_receivewal with sslmode=verify-full,
 * {@code walden basebackup -R} with PGSSLMODE=verify-full writing a primary_conninfo that keeps
 * the TLS settings, and the Walden standby it makes streaming over TLS (the primary's
 * pg_stat_ssl shows its walsender encrypted). sslmode=require never falls back to plaintext:
 * against a server without TLS, the backup and the standby refuse to connect.
 */
class TlsReplicationIT {

    @Test
    void standbyBasebackupAndReceivewalOverVerifiedTls() throws Exception {
        String basebackup = PgPrograms.require("pg_basebackup");
        String receivewal = PgPrograms.require("pg_receivewal");
        try (TestCluster cluster = new TestCluster()) {
            TestCertificates ca = new TestCertificates(cluster.root().resolve("certs"), "repl-ca");
            TestCluster.Node primary = cluster.initPrimary("primary");
            TlsIT.installServerCertificate(primary, ca, ca.server("server", List.of("localhost"), List.of("127.0.0.1")));
            Files.writeString(primary.dataDir().resolve("pg_hba.conf"), """
                    local     all          all                       trust
                    hostssl   all          postgres  127.0.0.1/32    trust
                    hostssl   replication  postgres  127.0.0.1/32    trust
                    """);
            primary.start();
            primary.psql("CREATE TABLE t (id int primary key, v text); INSERT INTO t VALUES (1, 'before')");
            String conninfo = "host=localhost port=" + primary.port() + " user=postgres sslmode=verify-full sslrootcert="
                    + ca.caFile();

            Path pgCopy = cluster.root().resolve("pg-basebackup");
            PgPrograms.run(List.of(basebackup, "-d", conninfo, "-D", pgCopy.toString(), "-X", "stream", "-c", "fast"),
                    Map.of(), null, 180).check("pg_basebackup over TLS");
            assertThat(pgCopy.resolve("PG_VERSION")).exists();

            Map<String, String> tlsEnv = Map.of("PGSSLMODE", "verify-full", "PGSSLROOTCERT", ca.caFile().toString());
            Path standbyDir = cluster.root().resolve("standby");
            TestCluster.ToolResult bb = TestCluster.runProcess(walden("basebackup", "-h", "localhost", "-p",
                    Integer.toString(primary.port()), "-U", "postgres", "-D", standbyDir.toString(), "-R", "-c", "fast"),
                    tlsEnv, null, 180);
            assertThat(bb.code()).as(bb.err()).isZero();
            assertThat(Files.readString(standbyDir.resolve("postgresql.auto.conf")))
                    .contains("sslmode=verify-full", "sslrootcert=" + ca.caFile());
            int standbyPort = TestPorts.free();
            Files.writeString(standbyDir.resolve("postgresql.conf"), "\nport = " + standbyPort
                    + "\nunix_socket_directories = '" + cluster.root() + "'\napplication_name = 'ignored'\n",
                    java.nio.file.StandardOpenOption.APPEND);
            Path standbyLog = cluster.root().resolve("standby.log");
            TestCluster.walden("ctl", "-D", standbyDir.toString(), "-l", standbyLog.toString(), "-t", "120", "start")
                    .check("standby start");
            try {
                primary.psql("INSERT INTO t VALUES (2, 'streamed over TLS')");
                assertThat(primary.pollQueryUntil("SELECT state FROM pg_stat_replication", "streaming",
                        Duration.ofSeconds(60))).isTrue();
                String walsender = primary.psql("SELECT pid FROM pg_stat_replication");
                assertThat(primary.psql("SELECT ssl, version FROM pg_stat_ssl WHERE pid = " + walsender))
                        .isEqualTo("t|TLSv1.3");
                String lsn = primary.psql("SELECT pg_current_wal_lsn()");
                assertThat(pollStandby(standbyPort, "SELECT v FROM t WHERE id = 2", "streamed over TLS")).isTrue();

                Path walDir = Files.createDirectories(cluster.root().resolve("receivewal"));
                Process receiver = new ProcessBuilder(receivewal, "-d", conninfo + " application_name=recv", "-D",
                        walDir.toString(), "--no-loop").redirectErrorStream(true)
                        .redirectOutput(cluster.root().resolve("receivewal.log").toFile()).start();
                try {
                    assertThat(primary.pollQueryUntil("SELECT pg_wal_lsn_diff(write_lsn, '" + lsn + "') >= 0"
                            + " FROM pg_stat_replication WHERE application_name = 'recv'", "t", Duration.ofSeconds(60))).isTrue();
                    String pid = primary.psql("SELECT pid FROM pg_stat_replication WHERE application_name = 'recv'");
                    assertThat(primary.psql("SELECT ssl FROM pg_stat_ssl WHERE pid = " + pid)).isEqualTo("t");
                } finally {
                    receiver.destroy();
                    receiver.waitFor();
                }
                try (var files = Files.list(walDir)) {
                    assertThat(files.toList()).isNotEmpty();
                }
            } finally {
                TestCluster.walden("ctl", "-D", standbyDir.toString(), "-m", "fast", "stop");
            }
        }
    }

    @Test
    void sslmodeRequireNeverConnectsInClearText() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("nossl");
            primary.start();
            primary.backup("b");
            TestCluster.ToolResult bb = TestCluster.runProcess(walden("basebackup", "-h", "127.0.0.1", "-p",
                    Integer.toString(primary.port()), "-U", "postgres", "-D", cluster.root().resolve("x").toString()),
                    Map.of("PGSSLMODE", "require"), null, 120);
            assertThat(bb.code()).isEqualTo(1);
            assertThat(bb.err()).contains("server does not support SSL, but SSL was required");

            TestCluster.Node standby = cluster.initFromBackup(primary, "b", "standby", true);
            standby.appendConf("primary_conninfo = 'host=127.0.0.1 port=" + primary.port()
                    + " user=postgres sslmode=require'\n");
            standby.start();
            assertThat(standby.pollLogContains("server does not support SSL, but SSL was required")).isTrue();
            assertThat(primary.psql("SELECT count(*) FROM pg_stat_replication")).isEqualTo("0");
        }
    }

    private static List<String> walden(String... args) {
        return TestCluster.waldenCommand(List.of(args));
    }

    private static boolean pollStandby(int port, String sql, String expected) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                    + "/postgres?user=postgres"); var rs = c.createStatement().executeQuery(sql)) {
                if (rs.next() && expected.equals(rs.getString(1))) {
                    return true;
                }
            } catch (java.sql.SQLException e) {
                // not yet
            }
            Thread.sleep(100);
        }
        return false;
    }
}
