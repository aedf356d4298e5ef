package org.walden.protocol;

import org.walden.test.TestPorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PgClient against a real PostgreSQL 15 (skipped where /usr/lib/postgresql/15 is absent): md5
 * and SCRAM logins, an ErrorResponse, and a physical replication stream from a real
 * walsender (IDENTIFY_SYSTEM, START_REPLICATION, CopyBoth, CopyDone both ways).
 */
class PgClientAgainstPostgresTest {

    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static Path dir;
    private static int port;
    private static boolean asRoot;

    @BeforeAll
    static void startPostgres() throws Exception {
        assumeTrue(Files.isExecutable(BIN.resolve("initdb")) && Files.isExecutable(BIN.resolve("pg_ctl")));
        asRoot = System.getProperty("user.name").equals("root");
        if (asRoot) {
            assumeTrue(run(List.of("id", "postgres")) == 0, "no postgres user to run PostgreSQL as");
        }
        dir = Files.createTempDirectory("walden-pg15-");
        if (asRoot) {
            assertThat(run(List.of("chown", "postgres", dir.toString()))).isZero();
        }
        port = TestPorts.free();
        Path data = dir.resolve("data");
        assertThat(pg(BIN.resolve("initdb") + " -D " + data + " -A trust -U postgres --no-sync")).isZero();
        Files.writeString(data.resolve("pg_hba.conf"), """
                local all         postgres                trust
                host  all         u_md5     127.0.0.1/32  md5
                host  all         u_scram   127.0.0.1/32  scram-sha-256
                host  replication u_scram   127.0.0.1/32  scram-sha-256
                """);
        Files.writeString(data.resolve("postgresql.conf"), "\nwal_level = replica\nfsync = off\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertThat(pg(BIN.resolve("pg_ctl") + " -D " + data + " -w -l " + dir.resolve("log") + " -o '-p " + port
                + " -k " + dir + " -c listen_addresses=127.0.0.1' start")).isZero();
        try (PgClient c = PgClient.connect(ConnInfo.parse("host=" + dir + " port=" + port + " user=postgres"))) {
            c.simpleQuery("create role u_scram login replication password 'pw'");
            c.simpleQuery("set password_encryption = 'md5'");
            c.simpleQuery("create role u_md5 login password 'pw'");
        }
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (dir == null) {
            return;
        }
        pg(BIN.resolve("pg_ctl") + " -D " + dir.resolve("data") + " -m immediate stop");
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static int pg(String command) throws IOException, InterruptedException {
        return run(asRoot ? List.of("su", "postgres", "-c", command) : List.of("sh", "-c", command));
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private static ConnInfo tcp(String rest) {
        return ConnInfo.parse("host=127.0.0.1 port=" + port + " " + rest);
    }

    @Test
    void md5AndScramLogins() throws Exception {
        try (PgClient c = PgClient.connect(tcp("user=u_md5 password=pw dbname=postgres"))) {
            assertThat(c.simpleQuery("select current_user").rows().get(0)[0]).isEqualTo("u_md5");
        }
        try (PgClient c = PgClient.connect(tcp("user=u_scram password=pw dbname=postgres application_name=x1"))) {
            assertThat(c.parameterStatus("application_name")).isEqualTo("x1");
            assertThat(c.parameterStatus("server_version")).startsWith("15.");
            assertThatThrownBy(() -> c.simpleQuery("select 1/0")).isInstanceOf(PgServerError.class)
                    .extracting(e -> ((PgServerError) e).code()).isEqualTo("22012");
            assertThat(c.simpleQueryAll("select 1; select 2")).hasSize(2);
        }
        assertThatThrownBy(() -> PgClient.connect(tcp("user=u_scram password=bad dbname=postgres")))
                .isInstanceOf(PgServerError.class)
                .hasMessage("password authentication failed for user \"u_scram\"");
    }

    @Test
    void physicalReplicationStream() throws Exception {
        try (PgClient c = PgClient.connect(tcp("user=u_scram password=pw replication=true application_name=w"))) {
            QueryResult id = c.simpleQuery("IDENTIFY_SYSTEM");
            assertThat(id.columnNames()).containsExactly("systemid", "timeline", "xlogpos", "dbname");
            String[] pos = id.get(0, "xlogpos").split("/");
            long lsn = ((Long.parseLong(pos[0], 16) << 32) | Long.parseLong(pos[1], 16)) & ~0xFFFFFFL;
            PgClient.CopyStart start = c.startCopy(String.format("START_REPLICATION %X/%X TIMELINE %s",
                    lsn >>> 32, lsn & 0xffffffffL, id.get(0, "timeline")));
            assertThat(start.kind()).isEqualTo('W');
            PgClient.CopyEvent e = c.readCopyData(10_000);
            assertThat(e).isInstanceOf(PgClient.CopyEvent.Data.class);
            byte[] w = ((PgClient.CopyEvent.Data) e).payload();
            assertThat((char) w[0]).isIn('w', 'k');
            List<QueryResult> after = c.finishCopy();
            assertThat(after).extracting(QueryResult::commandTag).containsExactly("START_STREAMING", "START_REPLICATION");
            assertThat(c.simpleQuery("IDENTIFY_SYSTEM").commandTag()).isEqualTo("IDENTIFY_SYSTEM");
        }
    }
}
