package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCertificates;
import org.walden.test.TestCluster;

/**
 * TLS as PostgreSQL 15 offers it, judged by PostgreSQL's own clients: psql with
 * sslmode=verify-full (host name checked against the certificate), pgjdbc with
 * ssl=true&sslmode=verify-full, SCRAM-SHA-256-PLUS with libpq's channel_binding=require,
 * hostssl / hostnossl lines, clientcert=verify-full and the cert method (with a pg_ident.conf
 * map), a CRL, pg_stat_ssl, certificates replaced by a reload, a key file others may read
 * refused, an encrypted key opened by ssl_passphrase_command, and ssl_min_protocol_version.
 */
class TlsIT {

    private static final String HBA = """
            local   all          all                          trust
            hostssl all          certuser     127.0.0.1/32    cert
            hostssl all          mapped       127.0.0.1/32    cert map=people
            hostssl all          cbuser       127.0.0.1/32    scram-sha-256
            hostssl all          vfuser       127.0.0.1/32    trust clientcert=verify-full
            hostnossl all        plainonly    127.0.0.1/32    trust
            host    all          postgres     127.0.0.1/32    trust
            host    replication  postgres     127.0.0.1/32    trust
            """;

    @Test
    void psqlPgjdbcCertificatesAndChannelBinding() throws Exception {
        String psql = PgPrograms.require("psql");
        try (TestCluster cluster = new TestCluster()) {
            TestCertificates ca = new TestCertificates(cluster.root().resolve("certs"), "root-ca");
            TestCluster.Node node = cluster.initPrimary("tls");
            installServerCertificate(node, ca, ca.server("server", List.of("localhost"), List.of("127.0.0.1")));
            TestCertificates.Issued alice = ca.client("alice", "certuser");
            TestCertificates.Issued bob = ca.client("bob", "bob");
            TestCertificates.Issued revoked = ca.client("revoked", "certuser");
            Path crl = ca.crl("root.crl", revoked.certificate());
            node.appendConf("ssl_ca_file = '" + ca.caFile() + "'\nssl_crl_file = '" + crl + "'\n");
            Files.writeString(node.dataDir().resolve("pg_hba.conf"), HBA);
            Files.writeString(node.dataDir().resolve("pg_ident.conf"), "people  bob  mapped\n");
            node.start();
            node.psql("CREATE ROLE vfuser LOGIN; CREATE ROLE cbuser LOGIN PASSWORD 'cb-pw'; CREATE ROLE plainonly LOGIN;"
                    + " CREATE ROLE certuser LOGIN; CREATE ROLE mapped LOGIN");
            int port = node.port();
            String base = "port=" + port + " dbname=postgres sslrootcert=" + ca.caFile();

            PgPrograms.Result r = run(psql, "host=localhost user=postgres sslmode=verify-full " + base,
                    "SELECT ssl, version, bits > 0 FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            assertThat(r.out().strip()).isEqualTo("t|TLSv1.3|t");
            assertThat(run(psql, "host=127.0.0.1 user=postgres sslmode=verify-full " + base, "SELECT 1").out())
                    .isEqualTo("1\n");
            PgPrograms.Result wrongHost = run(psql, "host=wrong.example hostaddr=127.0.0.1 user=postgres "
                    + "sslmode=verify-full " + base, "SELECT 1");
            assertThat(wrongHost.err()).contains("server certificate for \"localhost\" (and 1 other name) does not "
                    + "match host name \"wrong.example\"");
            PgPrograms.Result plain = run(psql, "host=127.0.0.1 user=postgres sslmode=disable " + base,
                    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            assertThat(plain.out()).isEqualTo("f\n");

            try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port
                    + "/postgres?user=postgres&ssl=true&sslmode=verify-full&sslrootcert=" + ca.caFile());
                 ResultSet rs = c.createStatement().executeQuery(
                         "SELECT ssl, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
                assertThat(rs.getString(2)).startsWith("TLS_");
            }

            // the cert method: the certificate's CN is the user; a CRL revokes
            String cert = " sslcert=" + alice.cert() + " sslkey=" + alice.key();
            assertThat(run(psql, "host=localhost user=certuser sslmode=verify-full" + cert + " " + base,
                    "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()").out()).isEqualTo("/CN=certuser\n");
            assertThat(run(psql, "host=localhost user=certuser sslmode=verify-full " + base, "SELECT 1").err())
                    .contains("FATAL:  connection requires a valid client certificate");
            assertThat(run(psql, "host=localhost user=certuser sslmode=verify-full sslcert=" + bob.cert() + " sslkey="
                    + bob.key() + " " + base, "SELECT 1").err())
                    .contains("FATAL:  certificate authentication failed for user \"certuser\"");
            assertThat(run(psql, "host=localhost user=mapped sslmode=verify-full sslcert=" + bob.cert() + " sslkey="
                    + bob.key() + " " + base, "SELECT current_user").out()).isEqualTo("mapped\n");
            assertThat(run(psql, "host=localhost user=certuser sslmode=verify-full sslcert=" + revoked.cert()
                    + " sslkey=" + revoked.key() + " " + base, "SELECT 1").code()).isNotZero();
            assertThat(run(psql, "host=localhost user=vfuser sslmode=verify-full sslcert=" + bob.cert() + " sslkey="
                    + bob.key() + " " + base, "SELECT 1").err()).contains(
                    "FATAL:  certificate validation (clientcert=verify-full) failed for user \"vfuser\": CN mismatch");

            // SCRAM-SHA-256-PLUS: libpq's channel_binding=require succeeds only with it
            PgPrograms.Result cb = PgPrograms.run(List.of(psql, "-X", "-A", "-t", "-d", "host=localhost user=cbuser "
                    + "sslmode=verify-full channel_binding=require " + base, "-c", "SELECT 1"),
                    Map.of("PGPASSWORD", "cb-pw"), null, 60);
            assertThat(cb.out()).as(cb.err()).isEqualTo("1\n");
            assertThat(node.logContains("password authentication failed")).isFalse();

            // hostssl and hostnossl
            assertThat(run(psql, "host=localhost user=plainonly sslmode=require " + base, "SELECT 1").err())
                    .contains("no pg_hba.conf entry for host \"127.0.0.1\", user \"plainonly\", database \"postgres\", "
                            + "SSL encryption");
            assertThat(run(psql, "host=localhost user=plainonly sslmode=disable " + base, "SELECT 1").out())
                    .isEqualTo("1\n");
            assertThat(run(psql, "host=localhost user=cbuser sslmode=disable password=cb-pw " + base, "SELECT 1")
                    .err()).contains("no pg_hba.conf entry for host \"127.0.0.1\", user \"cbuser\", database "
                            + "\"postgres\", no encryption");
        }
    }

    @Test
    void reloadReplacesTheCertificateAndBadKeysAreRefused() throws Exception {
        String psql = PgPrograms.require("psql");
        try (TestCluster cluster = new TestCluster()) {
            TestCertificates first = new TestCertificates(cluster.root().resolve("certs1"), "first-ca");
            TestCertificates second = new TestCertificates(cluster.root().resolve("certs2"), "second-ca");
            TestCluster.Node node = cluster.initPrimary("reload");
            installServerCertificate(node, first, first.server("server", List.of("localhost"), List.of("127.0.0.1")));
            node.start();
            String base = "host=localhost port=" + node.port() + " user=postgres dbname=postgres sslmode=verify-full";
            assertThat(run(psql, base + " sslrootcert=" + first.caFile(), "SELECT 1").out()).isEqualTo("1\n");

            installServerCertificate(node, second, second.server("server", List.of("localhost"), List.of()));
            node.reload();
            assertThat(node.pollLogContains("received SIGHUP")).isTrue();
            awaitPsql(psql, base + " sslrootcert=" + second.caFile());
            assertThat(run(psql, base + " sslrootcert=" + first.caFile(), "SELECT 1").err())
                    .contains("certificate verify failed");

            // a key others may read: a reload keeps the loaded configuration, a start refuses
            Files.setPosixFilePermissions(node.dataDir().resolve("server.key"),
                    PosixFilePermissions.fromString("rw-r--r--"));
            node.reload();
            assertThat(node.pollLogContains("SSL configuration was not reloaded")).isTrue();
            assertThat(run(psql, base + " sslrootcert=" + second.caFile(), "SELECT 1").out()).isEqualTo("1\n");
            node.stop();
            assertThat(node.ctl("-t", "60", "start").code()).isEqualTo(1);
            assertThat(Files.readString(node.logFile())).contains(
                    "FATAL:  private key file \"server.key\" has group or world access",
                    "DETAIL:  File must have permissions u=rw (0600) or less if owned by the database user, or "
                            + "permissions u=rw,g=r (0640) or less if owned by root.");

            // an encrypted key, opened with ssl_passphrase_command; TLSv1.3 only
            TestCertificates.Issued enc = second.serverWithPassphrase("enc", "pass phrase");
            installServerCertificate(node, second, enc);
            node.appendConf("ssl_passphrase_command = 'echo \"pass phrase\"'\nssl_min_protocol_version = 'TLSv1.3'\n");
            node.start();
            assertThat(run(psql, base + " sslrootcert=" + second.caFile(), "SELECT version FROM pg_stat_ssl WHERE "
                    + "pid = pg_backend_pid()").out()).isEqualTo("TLSv1.3\n");
            assertThat(run(psql, base + " sslrootcert=" + second.caFile() + " ssl_max_protocol_version=TLSv1.2",
                    "SELECT 1").code()).isNotZero();
        }
    }

    /** Copies the certificate and key into the data directory (key 0600) and turns ssl on. */
    static void installServerCertificate(TestCluster.Node node, TestCertificates ca, TestCertificates.Issued server)
            throws Exception {
        Path data = node.dataDir();
        Files.copy(server.cert(), data.resolve("server.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(server.key(), data.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(data.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        node.appendConf("ssl = on\n");
    }

    static PgPrograms.Result run(String psql, String conninfo, String sql) {
        return PgPrograms.run(List.of(psql, "-X", "-A", "-t", "-d", conninfo, "-c", sql), Map.of(), null, 60);
    }

    private static void awaitPsql(String psql, String conninfo) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!run(psql, conninfo, "SELECT 1").out().equals("1\n")) {
            assertThat(System.nanoTime() < deadline).as("psql with " + conninfo).isTrue();
            Thread.sleep(100);
        }
    }

}
