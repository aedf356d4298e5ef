package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.walden.test.RawPgClient;
import org.walden.test.TestCluster;

/**
 * Bad input and faults on the replication path (issue 3, parts 1 and 9), seen as a client sees
 * them, with PostgreSQL's words and SQLSTATEs; after each, the server serves others and has
 * every committed row.
 *
 * <p>Covered elsewhere, not repeated here: a role without REPLICATION asking for a walsender
 * (FATAL 42501), a host pg_hba.conf does not allow (FATAL 28000) and a wrong password (28P01)
 * are in {@link AuthIT}; a standby killed with -9 during a write load, then restarted, catching
 * up with identical rows, and the primary killed with -9 during streaming are in
 * {@link HotStandbyIT}.
 */
class ReplicationFaultsIT {

    private static final String SHORT_TIMEOUTS = """
            wal_sender_timeout = '2s'
            wal_receiver_timeout = '2s'
            wal_receiver_status_interval = '1s'
            wal_retrieve_retry_interval = '500ms'
            """;

    @Test
    void badReplicationInputGetsErrorsAndTheServerServesOn() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.appendConf(SHORT_TIMEOUTS + "max_wal_senders = 2\n");
            primary.start();
            primary.psql("CREATE TABLE f (id integer PRIMARY KEY); INSERT INTO f VALUES " + rows(100));

            try (RawPgClient r = RawPgClient.replication(primary.port())) {
                assertThat(r.queryError("SELECT 1")).isEqualTo(
                        "ERROR 0A000 cannot execute SQL commands in WAL sender for physical replication");
                assertThat(r.queryError("FOO BAR")).startsWith("ERROR 0A000 ");
                assertThat(r.queryError("IDENTIFY_SYSTEM garbage")).isEqualTo("ERROR 42601 syntax error");
                assertThat(r.queryError("START_REPLICATION SLOT 'unterminated")).startsWith("ERROR 42601 unterminated");
                assertThat(r.queryError("START_REPLICATION PHYSICAL 0/XYZ")).startsWith("ERROR 42601 ");
                assertThat(r.queryError("START_REPLICATION PHYSICAL 0/0 TIMELINE 0"))
                        .isEqualTo("ERROR 42601 invalid timeline 0");
                assertThat(r.queryError("BASE_BACKUP (FOO 'x')"))
                        .isEqualTo("ERROR 42601 unrecognized base backup option: \"foo\"");
                assertThat(r.queryError("BASE_BACKUP (LABEL 'a', LABEL 'b')"))
                        .isEqualTo("ERROR 42601 duplicate option \"label\"");
                // CopyData outside COPY is ignored, as PostgreSQL does: no hang, the next command answers
                r.send('d', new byte[] {'r', 0, 0, 0});
                assertThat(r.identifySystem()).hasSize(4);

                // max_wal_senders = 2: this one and one more; a third is FATAL 53300
                try (RawPgClient second = RawPgClient.replication(primary.port())) {
                    assertThat(second.identifySystem()).hasSize(4);
                    assertThat(RawPgClient.startupError(primary.port(), true)).isEqualTo("FATAL 53300 number of requested"
                            + " standby connections exceeds max_wal_senders (currently 2)");
                    assertThat(primary.psql("SELECT count(*) FROM f")).isEqualTo("100");
                }
                assertThat(r.identifySystem()).hasSize(4);
            }

            // a truncated message: the length says 1000 bytes, 10 come, then the socket closes
            try (RawPgClient t = RawPgClient.replication(primary.port())) {
                t.out.writeByte('Q');
                t.out.writeInt(1000);
                t.out.write("IDENTIFY_S".getBytes(StandardCharsets.US_ASCII));
                t.out.flush();
            }
            // an oversized message: FATAL 08P01 and the connection ends
            try (RawPgClient o = RawPgClient.replication(primary.port())) {
                o.out.writeByte('Q');
                o.out.writeInt(0x7fff0000);
                o.out.write(new byte[64]);
                o.out.flush();
                assertThat(o.readUntilEnd()).contains("FATAL 08P01 invalid message length");
            }
            // the same on a normal (SQL) connection
            try (RawPgClient o = RawPgClient.connect(primary.port(), false)) {
                o.readUntilReady();
                o.out.writeByte('Q');
                o.out.writeInt(0x7fff0000);
                o.out.write(new byte[64]);
                o.out.flush();
                assertThat(o.readUntilEnd()).contains("FATAL 08P01 invalid message length");
            }

            // the server serves on: both slots are free again, SQL answers, nothing is lost
            assertThat(primary.pollQueryUntil("SELECT count(*) FROM pg_stat_replication", "0",
                    Duration.ofSeconds(10))).isTrue();
            try (RawPgClient a = RawPgClient.replication(primary.port()); RawPgClient b = RawPgClient.replication(primary.port())) {
                assertThat(a.identifySystem()).hasSize(4);
                assertThat(b.identifySystem()).hasSize(4);
            }
            primary.psql("INSERT INTO f VALUES (101)");
            assertThat(primary.psql("SELECT count(*), sum(id) FROM f")).isEqualTo("101|5151");

            // a client that starts streaming and then never replies: ended after wal_sender_timeout
            try (RawPgClient silent = RawPgClient.replication(primary.port())) {
                String xlogpos = silent.identifySystem().get(2);
                silent.query("START_REPLICATION PHYSICAL " + xlogpos);
                assertThat(silent.read().type()).isEqualTo('W');
                assertThat(primary.pollQueryUntil("SELECT count(*) FROM pg_stat_replication", "1",
                        Duration.ofSeconds(5))).isTrue();
                assertThat(silent.readUntilEnd()).doesNotContain("ERROR");
                assertThat(primary.pollLogContains("terminating walsender process due to replication timeout"))
                        .isTrue();
                assertThat(primary.pollQueryUntil("SELECT count(*) FROM pg_stat_replication", "0",
                        Duration.ofSeconds(10))).isTrue();
            }
            assertThat(primary.psql("SELECT count(*), sum(id) FROM f")).isEqualTo("101|5151");
        }
    }

    @Test
    void aForeignStandbyDoesNotStreamAndASilentPrimaryIsNoticedAndRejoined() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.appendConf(SHORT_TIMEOUTS);
            primary.start();
            TestCluster.Node other = cluster.initPrimary("other");
            other.appendConf(SHORT_TIMEOUTS);
            other.start();
            primary.psql("CREATE TABLE s (id integer PRIMARY KEY); INSERT INTO s VALUES " + rows(50));
            primary.backup("b1");

            // a standby built from primary's backup but pointed at another cluster
            TestCluster.Node alien = cluster.initFromBackup(primary, "b1", "alien", true);
            alien.appendConf(SHORT_TIMEOUTS + "primary_conninfo = 'host=127.0.0.1 port=" + other.port()
                    + " user=postgres application_name=alien'\n");
            alien.start();
            assertThat(alien.pollLogContains("database system identifier differs between the primary and standby"))
                    .isTrue();
            assertThat(other.psql("SELECT count(*) FROM pg_stat_replication WHERE state <> 'startup'")).isEqualTo("0");
            assertThat(alien.psql("SELECT pg_is_in_recovery(), count(*) FROM s")).isEqualTo("t|50");
            alien.stop();

            // a standby of primary, then primary goes silent (SIGSTOP) beyond wal_receiver_timeout
            TestCluster.Node standby = cluster.initFromBackup(primary, "b1", "standby", true);
            standby.appendConf(SHORT_TIMEOUTS);
            standby.start();
            primary.waitForCatchup(standby);
            assertThat(primary.pollQueryUntil("SELECT application_name, state FROM pg_stat_replication",
                    "standby|streaming", Duration.ofSeconds(30))).isTrue();
            primary.psql("INSERT INTO s VALUES (51)");
            // asynchronous: row 51 must have reached the standby before its primary goes silent (on a
            // loaded machine the walsender may not have sent it yet when SIGSTOP arrives)
            primary.waitForCatchup(standby);
            long pid = primary.pid().orElseThrow();
            signal("STOP", pid);
            try {
                assertThat(standby.pollLogContains("terminating walreceiver due to timeout")).isTrue();
                assertThat(standby.psql("SELECT count(*) FROM s")).isEqualTo("51");
            } finally {
                signal("CONT", pid);
            }
            primary.psql("INSERT INTO s VALUES (52)");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT count(*), sum(id) FROM s")).isEqualTo("52|1378");
            assertThat(primary.pollQueryUntil("SELECT application_name, state FROM pg_stat_replication",
                    "standby|streaming", Duration.ofSeconds(30))).isTrue();
        }
    }

    private static String rows(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            b.append(i > 1 ? ", " : "").append('(').append(i).append(')');
        }
        return b.toString();
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }
}
