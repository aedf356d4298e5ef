package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * The ways into promotion and their refusals (issue 7 parts 1 and 5): pg_ctl promote and
 * pg_promote() on a primary get PostgreSQL's errors; promote_trigger_file and recovery.conf's
 * trigger_file promote; the roles flip back and forth as in PostgreSQL's 009_twophase (without
 * two-phase commit here — TwoPhaseCommitIT has it: an open transaction of the old primary is gone on the promoted standby),
 * including a standby restarted, or killed, while its primary is down; a standby restarted
 * without standby.signal comes up as a primary on its own timeline (as PostgreSQL 15 does);
 * a base backup from a standby that is promoted meanwhile fails, and one taken after the
 * promotion starts on the new timeline.
 */
class PromotionIT {

    @Test
    void promotingAPrimaryIsRefused() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            TestCluster.ToolResult r = primary.ctl("promote");
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("pg_ctl: cannot promote server; server is not in standby mode");
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.execute("SELECT pg_promote()")).isInstanceOfSatisfying(SQLException.class,
                        e -> {
                            assertThat(e.getSQLState()).isEqualTo("55000");
                            assertThat(e.getMessage()).contains("recovery is not in progress",
                                    "Recovery control functions can only be executed during recovery.");
                        });
                s.execute("CREATE ROLE plain LOGIN");
            }
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + primary.port()
                    + "/postgres?user=plain"); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.execute("SELECT pg_promote()")).isInstanceOfSatisfying(SQLException.class,
                        e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            }
            r = TestCluster.walden("ctl", "-D", cluster.root().resolve("nowhere").toString(), "promote");
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("does not exist", "Is server running?");
        }
    }

    @Test
    void triggerFilesAndNoWaitPromote() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY)");
            primary.psql("INSERT INTO t VALUES (1)");
            primary.backup("b");
            Path trigger = cluster.root().resolve("promote.trigger");
            TestCluster.Node a = cluster.initFromBackup(primary, "b", "by_trigger_file", true);
            a.appendConf("promote_trigger_file = '" + trigger + "'\n");
            a.start();
            // a PostgreSQL 10 recovery.conf with trigger_file
            Path oldTrigger = cluster.root().resolve("old.trigger");
            TestCluster.Node b = cluster.initFromBackup(primary, "b", "by_recovery_conf", false);
            Files.writeString(b.dataDir().resolve("recovery.conf"), "standby_mode = 'on'\nprimary_conninfo = "
                    + "'host=127.0.0.1 port=" + primary.port() + " user=postgres'\ntrigger_file = '" + oldTrigger + "'\n");
            b.start();
            TestCluster.Node c = cluster.startStandby(primary, "b", "no_wait");
            for (TestCluster.Node s : List.of(a, b)) {
                primary.waitForCatchup(s);
            }

            Files.writeString(trigger, "");
            assertThat(a.pollQueryUntil("SELECT pg_is_in_recovery()", "f")).isTrue();
            assertThat(a.pollLogContains("promote trigger file found: " + trigger)).isTrue();
            assertThat(trigger).doesNotExist();
            a.psql("INSERT INTO t VALUES (2)");

            Files.writeString(oldTrigger, "");
            assertThat(b.pollQueryUntil("SELECT pg_is_in_recovery()", "f")).isTrue();
            assertThat(b.dataDir().resolve("recovery.conf")).doesNotExist();
            assertThat(b.dataDir().resolve("recovery.done")).exists();
            b.psql("INSERT INTO t VALUES (2)");
            // restarted, it stays a primary (recovery.conf became recovery.done)
            b.restart();
            assertThat(b.psql("SELECT pg_is_in_recovery(), count(*) FROM t")).isEqualTo("f|2");

            TestCluster.ToolResult r = c.ctl("-W", "promote");
            assertThat(r.code()).isZero();
            assertThat(r.out()).contains("server promoting");
            assertThat(c.pollQueryUntil("SELECT pg_is_in_recovery()", "f")).isTrue();
            assertThat(c.controldata("Database cluster state")).isEqualTo("in production");
        }
    }

    @Test
    void rolesFlipBackAndForthAsIn009() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node london = cluster.initPrimary("london");
            london.start();
            london.backup("london_backup");
            TestCluster.Node paris = cluster.startStandby(london, "london_backup", "paris");
            london.appendConf("synchronous_standby_names = 'paris'");
            london.reload();
            paris.appendConf("synchronous_standby_names = 'london'");
            paris.reload();
            london.psql("CREATE TABLE t_009_tbl (id integer PRIMARY KEY, msg text)");
            london.psql("INSERT INTO t_009_tbl VALUES (1, 'issued to london')");

            // an open transaction of the primary when it stops is not on the promoted standby
            try (Connection open = london.connect()) {
                open.setAutoCommit(false);
                try (Statement s = open.createStatement()) {
                    s.execute("INSERT INTO t_009_tbl VALUES (21, 'never committed')");
                }
                london.stop();
            }
            paris.promote();
            TestCluster.Node primary = paris;
            TestCluster.Node standby = london;
            primary.psql("SET synchronous_commit = off; INSERT INTO t_009_tbl VALUES (22, 'issued to paris')");
            standby.enableStreaming(primary);
            standby.start();
            primary.psql("INSERT INTO t_009_tbl VALUES (23, 'issued to paris')");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT id FROM t_009_tbl ORDER BY id")).isEqualTo("1\n22\n23");

            // the standby restarted while its primary is down, then promoted
            primary.stop();
            standby.restart();
            standby.promote();
            TestCluster.Node tmp = primary;
            primary = standby;
            standby = tmp;
            standby.enableStreaming(primary);
            standby.start();
            primary.psql("INSERT INTO t_009_tbl VALUES (24, 'issued to london')");
            primary.waitForCatchup(standby);

            // the standby killed while its primary is down, then started and promoted
            primary.stop();
            standby.kill9();
            standby.start();
            standby.promote();
            tmp = primary;
            primary = standby;
            standby = tmp;
            standby.enableStreaming(primary);
            standby.start();
            primary.psql("INSERT INTO t_009_tbl VALUES (25, 'issued to paris')");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT id FROM t_009_tbl ORDER BY id")).isEqualTo("1\n22\n23\n24\n25");
            assertThat(primary.controldata("Latest checkpoint's TimeLineID")).isEqualTo("4");
            assertThat(standby.psql("SELECT received_tli FROM pg_stat_wal_receiver")).isEqualTo("4");
            assertThat(primary.psql("SELECT application_name, sync_state FROM pg_stat_replication"))
                    .isEqualTo(standby.name() + "|sync");
        }
    }

    @Test
    void aStandbyStartedWithoutStandbySignalBecomesAPrimaryOnItsTimeline() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY)");
            primary.backup("b");
            TestCluster.Node crashed = cluster.startStandby(primary, "b", "crashed");
            TestCluster.Node standby = cluster.startStandby(primary, "b", "standby");
            primary.psql(TimelineSwitchIT.insertRange("t", 1, 500));
            primary.waitForCatchup(crashed);
            crashed.psql("CHECKPOINT");
            primary.psql(TimelineSwitchIT.insertRange("t", 501, 1000));
            primary.waitForCatchup(standby);
            primary.waitForCatchup(crashed);

            // killed, it restarts from its restartpoint and catches up
            crashed.kill9();
            long before = crashed.logPosition();
            crashed.start();
            assertThat(crashed.logContainsSince(before, "database system was interrupted while in recovery at log time"))
                    .isTrue();
            primary.psql(TimelineSwitchIT.insertRange("t", 1001, 1100));
            primary.waitForCatchup(crashed);
            assertThat(crashed.psql("SELECT count(*) FROM t")).isEqualTo("1100");

            // stopped cleanly and started without standby.signal: a primary, timeline 1 as PostgreSQL keeps it
            primary.waitForCatchup(standby);
            standby.stop();
            Files.delete(standby.dataDir().resolve("standby.signal"));
            before = standby.logPosition();
            standby.start();
            assertThat(standby.logContainsSince(before, "database system was shut down in recovery at")).isTrue();
            assertThat(standby.logContainsSince(before,
                    "database system was not properly shut down; automatic recovery in progress")).isTrue();
            assertThat(standby.psql("SELECT pg_is_in_recovery(), count(*) FROM t")).isEqualTo("f|1100");
            standby.psql("INSERT INTO t VALUES (5000)");
            assertThat(standby.controldata("Database cluster state")).isEqualTo("in production");
            assertThat(standby.controldata("Latest checkpoint's TimeLineID")).isEqualTo("1");
            standby.restart();
            assertThat(standby.psql("SELECT count(*) FROM t")).isEqualTo("1101");
        }
    }

    @Test
    void baseBackupsAcrossAPromotion() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY, filler text)");
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= 3000; i++) {
                values.add("(" + i + ", '" + "x".repeat(200) + i + "')");
            }
            primary.psql("INSERT INTO t VALUES " + String.join(",", values));
            primary.psql("CHECKPOINT");
            primary.backup("b");
            TestCluster.Node standby = cluster.startStandby(primary, "b", "standby");
            primary.waitForCatchup(standby);

            // a slow backup from the standby, promoted while it runs
            Path slow = cluster.root().resolve("slow");
            ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    "org.walden.cli.Main", "basebackup", "-h", "127.0.0.1", "-p", Integer.toString(standby.port()),
                    "-U", "postgres", "-D", slow.toString(), "-X", "fetch", "-r", "32k")
                    .redirectErrorStream(true).redirectOutput(cluster.root().resolve("slow.out").toFile());
            Process backup = pb.start();
            assertThat(standby.pollQueryUntil("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender' "
                    + "AND query LIKE 'BASE_BACKUP%'", "1", Duration.ofSeconds(30))).isTrue();
            standby.promote();
            assertThat(backup.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(backup.exitValue()).isNotZero();
            assertThat(Files.readString(cluster.root().resolve("slow.out")))
                    .contains("the standby was promoted during online backup");

            // a backup of the promoted server starts on timeline 2 and its copy follows it
            standby.psql("INSERT INTO t VALUES (5000, 'after the promotion')");
            standby.backup("after");
            assertThat(Files.readString(cluster.root().resolve("backups/after/backup_label")))
                    .contains("START TIMELINE: 2");
            TestCluster.Node copy = cluster.startStandby(standby, "after", "copy");
            standby.psql("INSERT INTO t VALUES (5001, 'streamed')");
            standby.waitForCatchup(copy);
            assertThat(copy.psql("SELECT count(*) FROM t")).isEqualTo("3002");
        }
    }
}
