package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;
import org.walden.wal.Lsn;

/**
 * Promotion and following a new timeline, as PostgreSQL's 004_timeline_switch: a standby
 * promoted with pg_promote() starts timeline 2 (history file, end of recovery, the old timeline's
 * last segment archived as .partial), and its siblings follow it — one restarted with a new
 * primary_conninfo (its walreceiver crosses the switch without restarting), one pointed at it
 * with ALTER SYSTEM and pg_reload_conf() (no restart), a cascading standby below it on its own,
 * and PostgreSQL's pg_receivewal through the switch. Then 004's second part: a primary restarted
 * in standby mode and promoted, with archiving, followed by a standby made from its backup.
 */
class TimelineSwitchIT {

    static String insertRange(String table, int from, int to) {
        StringBuilder sb = new StringBuilder("INSERT INTO " + table + " VALUES ");
        for (int i = from; i <= to; i++) {
            sb.append(i > from ? "," : "").append('(').append(i).append(')');
        }
        return sb.toString();
    }

    @Test
    void siblingsAndACascadeFollowAPromotedStandbyOntoTimelineTwo() throws Exception {
        String receivewal = PgPrograms.require("pg_receivewal");
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.backup("b1");
            TestCluster.Node standby1 = cluster.initFromBackup(primary, "b1", "standby_1", true);
            standby1.enableArchiving();
            standby1.start();
            TestCluster.Node standby2 = cluster.startStandby(primary, "b1", "standby_2");
            TestCluster.Node standby3 = cluster.startStandby(primary, "b1", "standby_3");
            TestCluster.Node cascade = cluster.initFromBackup(primary, "b1", "cascade", true);
            cascade.appendConf("primary_conninfo = 'host=127.0.0.1 port=" + standby1.port()
                    + " user=postgres application_name=cascade'\n");
            cascade.start();
            Path received = cluster.root().resolve("receivewal");
            Files.createDirectories(received);
            Process receiver = new ProcessBuilder(receivewal, "-h", "127.0.0.1", "-p", Integer.toString(standby1.port()),
                    "-U", "postgres", "-D", received.toString(), "--no-loop")
                    .redirectErrorStream(true).redirectOutput(cluster.root().resolve("receivewal.log").toFile())
                    .start();
            try {
                primary.psql("CREATE TABLE tab_int (a integer PRIMARY KEY)");
                primary.psql(insertRange("tab_int", 1, 1000));
                for (TestCluster.Node s : List.of(standby1, standby2, standby3)) {
                    primary.waitForCatchup(s);
                }
                // a clean stop: every standby gets the shutdown checkpoint (WalSndWaitStopping)
                primary.stop();
                Lsn shutdownCheckpoint = Lsn.parse(primary.controldata("Latest checkpoint location"));
                for (TestCluster.Node s : List.of(standby1, standby2, standby3)) {
                    assertThat(s.pollQueryUntil("SELECT pg_last_wal_receive_lsn() > '" + shutdownCheckpoint
                            + "'::pg_lsn", "t", Duration.ofSeconds(30))).as(s.name()).isTrue();
                }

                long before = standby1.logPosition();
                assertThat(standby1.psql("SELECT pg_promote(wait_seconds => 300)")).isEqualTo("t");
                assertThat(standby1.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
                assertLogInOrder(standby1, before, "received promote request", "redo done at",
                        "selected new timeline ID: 2", "archive recovery complete",
                        "database system is ready to accept connections");
                String history = Files.readString(standby1.dataDir().resolve("pg_wal/00000002.history"));
                assertThat(history).matches("1\t[0-9A-F]+/[0-9A-F]+\tno recovery target specified\n");
                Lsn switchPoint = Lsn.parse(history.split("\t")[1]);
                assertThat(switchPoint.isAfter(shutdownCheckpoint)).isTrue();
                assertThat(standby1.controldata("Database cluster state")).isEqualTo("in production");
                assertThat(standby1.controldata("Latest checkpoint's TimeLineID")).isEqualTo("2");
                assertThat(standby1.controldata("Latest checkpoint's PrevTimeLineID")).isEqualTo("1");
                assertThat(standby1.dataDir().resolve("standby.signal")).doesNotExist();
                String partial = walFileName(1, switchPoint) + ".partial";
                assertThat(standby1.dataDir().resolve("pg_wal").resolve(partial)).exists();
                assertThat(standby1.dataDir().resolve("pg_wal").resolve(walFileName(2, switchPoint))).exists();

                // standby_2: a new primary_conninfo and a restart (004)
                standby2.appendConf("primary_conninfo = 'host=127.0.0.1 port=" + standby1.port()
                        + " user=postgres application_name=standby_2'\n");
                standby2.stop(); // as 004's rotate_logfile: only the new run's log lines are looked at
                long afterRestart = standby2.logPosition();
                standby2.start();
                assertThat(standby2.pollQueryUntil("SELECT count(*) FROM pg_stat_wal_receiver", "1")).isTrue();
                String walreceiverPid = standby2.psql("SELECT pid FROM pg_stat_wal_receiver");
                // standby_3: ALTER SYSTEM and a reload, no restart
                long before3 = standby3.logPosition();
                standby3.psql("ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=" + standby1.port()
                        + " user=postgres application_name=standby_3'");
                assertThat(standby3.psql("SELECT pg_reload_conf()")).isEqualTo("t");

                standby1.psql(insertRange("tab_int", 1001, 2000));
                for (TestCluster.Node s : List.of(standby2, standby3, cascade)) {
                    standby1.waitForCatchup(s);
                    assertThat(s.psql("SELECT count(*), sum(a) FROM tab_int")).as(s.name()).isEqualTo("2000|2001000");
                    assertThat(s.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
                }
                assertThat(standby2.psql("SELECT received_tli, status FROM pg_stat_wal_receiver")).isEqualTo("2|streaming");
                assertThat(standby2.psql("SELECT pid FROM pg_stat_wal_receiver")).as("the walreceiver stayed")
                        .isEqualTo(walreceiverPid);
                assertThat(standby2.logContainsSince(afterRestart,
                        "terminating walreceiver process due to administrator command")).isFalse();
                assertThat(standby2.logContainsSince(afterRestart, "new target timeline is 2")).isTrue();
                assertThat(standby3.logContainsSince(before3, "WAL receiver process shutdown requested")).isTrue();
                assertThat(standby3.logContainsSince(before3, "fetching timeline history file for timeline 2 from "
                        + "primary server")).isTrue();
                assertThat(cascade.pollLogContains("new target timeline is 2")).isTrue();
                assertThat(cascade.dataDir().resolve("pg_wal/00000002.history")).exists();

                // the promoted standby archives the new history file and the old timeline's .partial
                standby1.psql("SELECT pg_switch_wal()");
                waitFor("archived", () -> Files.exists(standby1.archiveDir().resolve("00000002.history"))
                        && Files.exists(standby1.archiveDir().resolve(partial)));

                // PostgreSQL's pg_receivewal crossed the switch as well
                waitFor("pg_receivewal on timeline 2", () -> Files.exists(received.resolve("00000002.history"))
                        && listNames(received).stream().anyMatch(n -> n.startsWith("00000002000")));
            } finally {
                receiver.destroy();
                receiver.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aStandbyFollowsAPrimaryThatWasRestartedInStandbyModeAndPromoted() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary_2");
            primary.enableArchiving();
            primary.appendConf("wal_keep_size = 512MB\n");
            primary.start();
            primary.backup("b2");
            TestCluster.Node standby = cluster.initFromBackup(primary, "b2", "standby_3", true);
            // recovery_target_timeline as a number: its history comes from the archive at start
            standby.enableRestoring(primary);
            standby.appendConf("recovery_target_timeline = '2'\n");
            TestCluster.Node current = cluster.initFromBackup(primary, "b2", "current", true);
            current.appendConf("recovery_target_timeline = 'current'\n");
            // restart the primary in standby mode, then promote it: timeline 2
            Files.writeString(primary.dataDir().resolve("standby.signal"), "");
            primary.restart();
            primary.promote();
            assertThat(primary.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
            standby.start();
            current.start();
            primary.psql("CREATE TABLE tab_int (a integer PRIMARY KEY)");
            primary.psql("INSERT INTO tab_int VALUES (1)");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT count(*) FROM tab_int")).isEqualTo("1");
            assertThat(standby.psql("SELECT received_tli FROM pg_stat_wal_receiver")).isEqualTo("2");
            // 'current' stays on timeline 1, at its end, asking again (as PostgreSQL 15)
            assertThat(current.pollLogContains("waiting for WAL to become available at ")).isTrue();
            assertThat(current.pollQueryUntil("SELECT status, received_tli FROM pg_stat_wal_receiver", "waiting|1"))
                    .isTrue();
            assertThat(current.logContains("new target timeline")).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> current.psql("SELECT count(*) FROM tab_int"))
                    .hasMessageContaining("relation \"tab_int\" does not exist");
        }
    }

    static void assertLogInOrder(TestCluster.Node node, long from, String... lines) throws Exception {
        String log = Files.readString(node.logFile()).substring((int) from);
        int at = 0;
        for (String line : lines) {
            int found = log.indexOf(line, at);
            assertThat(found).as("\"" + line + "\" after the previous lines in " + node.name() + "'s log:\n" + log)
                    .isGreaterThanOrEqualTo(0);
            at = found + line.length();
        }
    }

    /** The segment file of timeline {@code tli} that holds the byte before {@code end} (16 MB segments). */
    static String walFileName(int tli, Lsn end) {
        long segNo = (end.value() - 1) / (16L * 1024 * 1024);
        return String.format("%08X%08X%08X", tli, segNo / 256, segNo % 256);
    }

    static List<String> listNames(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Polls {@code condition} every 100 ms for up to 60 s. */
    static void waitFor(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
