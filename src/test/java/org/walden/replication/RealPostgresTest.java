package org.walden.replication;

import org.walden.test.TestPorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.walden.protocol.ConnInfo;
import org.walden.protocol.PgClient;
import org.walden.wal.Lsn;

/**
 * Walden's clients against a real PostgreSQL 15 primary (initdb'd in a temp directory, run as
 * the postgres OS user when the tests run as root): BaseBackupClient must take a backup that
 * pg_verifybackup accepts, and WalReceiver must stream and show up in pg_stat_replication.
 */
class RealPostgresTest {

    static final Path BIN = PgReceivewalTest.BIN;
    static Path root;
    static int port;
    static boolean started;

    static String run(String... command) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>();
        if (System.getProperty("user.name").equals("root")) {
            cmd.addAll(List.of("su", "postgres", "-s", "/bin/sh", "-c", String.join(" ", command)));
        } else {
            cmd.addAll(List.of("sh", "-c", String.join(" ", command)));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("failed: " + String.join(" ", command) + "\n" + out);
        }
        return out;
    }

    @BeforeAll
    static void startPostgres() throws Exception {
        if (!Files.isExecutable(BIN.resolve("postgres"))) {
            return;
        }
        root = Files.createTempDirectory("walden-realpg");
        if (System.getProperty("user.name").equals("root")) {
            new ProcessBuilder("chown", "-R", "postgres", root.toString()).start().waitFor();
        }
        port = TestPorts.free();
        Path data = root.resolve("data");
        run(BIN.resolve("initdb") + " -A trust -U postgres -D " + data + " >/dev/null");
        run(BIN.resolve("pg_ctl") + " -D " + data + " -l " + root.resolve("log") + " -o '-p " + port
                + " -k " + root + " -c listen_addresses=127.0.0.1' -w start >/dev/null");
        started = true;
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (started) {
            run(BIN.resolve("pg_ctl") + " -D " + root.resolve("data") + " -m immediate stop >/dev/null");
        }
        if (root != null) {
            BaseBackupClient.deleteTree(root);
        }
    }

    static String psql(String sql) throws Exception {
        return run(BIN.resolve("psql") + " -X -A -t -h 127.0.0.1 -p " + port + " -U postgres -d postgres -c \"" + sql
                + "\"").strip();
    }

    @Test
    void walReceiverStreamsFromPostgreSql15() throws Exception {
        assumeTrue(started);
        String sysid;
        Lsn flush;
        try (PgClient c = PgClient.connect(ConnInfo.parse("host=127.0.0.1 port=" + port
                + " user=postgres replication=true"))) {
            String[] row = c.simpleQuery("IDENTIFY_SYSTEM").rows().get(0);
            sysid = row[0];
            flush = Lsn.parse(row[2]);
        }
        long seg = 16L * 1024 * 1024;
        Lsn segStart = new Lsn(flush.value() - flush.segmentOffset(seg));
        MemoryWalSink sink = new MemoryWalSink(Long.parseUnsignedLong(sysid), seg, segStart);
        WalReceiver rcv = new WalReceiver(new WalReceiver.Config("host=127.0.0.1 port=" + port + " user=postgres "
                + "application_name=walden_standby", null, "", 60_000, 1_000, 1_000), sink, Clock.systemUTC());
        List<String> lines = new CopyOnWriteArrayList<>();
        rcv.setLogListener(lines::add);
        Thread t = Thread.ofVirtual().start(rcv);
        try {
            psql("create table t(a int); insert into t select generate_series(1, 10000)");
            Lsn target = Lsn.parse(psql("select pg_current_wal_flush_lsn()"));
            StreamingLoopbackTest.waitUntil("received " + target + " " + lines,
                    () -> !rcv.lastReceiveLsn().isBefore(target));
            String[] seen = new String[1];
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < deadline && !"walden_standby streaming true".equals(seen[0])) {
                Thread.sleep(200);
                try {
                    seen[0] = psql("select application_name || ' ' || state || ' ' || (flush_lsn >= '" + target
                            + "') from pg_stat_replication");
                } catch (Exception e) {
                    seen[0] = e.toString();
                }
            }
            assertThat(seen[0]).isEqualTo("walden_standby streaming true");
            assertThat(lines.get(0)).isEqualTo("started streaming WAL from primary at " + segStart + " on timeline 1");
            // the WAL we hold is PostgreSQL's: its page header magic for PG 15 is 0xD110
            byte[] page = sink.copy(segStart, 2);
            assertThat((page[0] & 0xff) | (page[1] & 0xff) << 8).isEqualTo(0xD110);
        } finally {
            rcv.requestShutdown();
            t.join(5000);
        }
    }

    @Test
    void baseBackupClientBacksUpPostgreSql15(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assumeTrue(started);
        Path target = root.resolve("bb");
        BaseBackupClient.Options d = BaseBackupClient.Options.defaults(target);
        BaseBackupClient.Options o = new BaseBackupClient.Options("127.0.0.1", port, "postgres", null, target, false,
                BaseBackupClient.WalMethod.STREAM, true, false, null, true, true, true, d.label(), true, null);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = new BaseBackupClient(new PrintStream(err, true, StandardCharsets.UTF_8)).run(o);
        String log = err.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(log).isZero();
        assertThat(log).contains("base backup completed");
        assertThat(target.resolve("global/pg_control")).exists();
        assertThat(target.resolve("standby.signal")).exists();
        if (System.getProperty("user.name").equals("root")) {
            new ProcessBuilder("chown", "-R", "postgres", target.toString()).start().waitFor();
        }
        String verify = run(BIN.resolve("pg_verifybackup") + " " + target + " 2>&1");
        assertThat(verify).contains("backup successfully verified");
    }
}
