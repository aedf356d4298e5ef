package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.walden.scenario.TimelineSwitchIT.insertRange;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.walden.test.TestCluster;

/**
 * Point-in-time recovery from an archive, as PostgreSQL's 003_recovery_targets: a primary with
 * archiving writes 6000 rows in six steps, marking an xid (pg_current_xact_id), a time (now()),
 * a restore point (pg_create_restore_point) and an LSN; nodes restored from its backup with
 * restore_command and one recovery target each stop exactly there ("recovery stopping ...") and
 * pause. Then what 003 checks at its end (two targets are FATAL, a recovery.signal recovery that
 * runs out of WAL before its target is FATAL) and the rest of recovery_target_action and
 * recovery_target_inclusive: promote (a new timeline whose history gives the reason), shutdown,
 * a pause ended by pg_wal_replay_resume() (which promotes), a stop before a commit, and
 * recovery.signal without a target (the end of the archive, then promotion).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecoveryTargetsIT {

    private TestCluster cluster;
    private TestCluster.Node primary;
    private String lsn1;
    private String lsn2;
    private String xid;
    private String lsn3;
    private String time;
    private String lsn4;
    private String lsn5;
    private String xidOf2001;

    @BeforeAll
    void primaryWithArchivedHistory() throws Exception {
        cluster = new TestCluster();
        primary = cluster.initPrimary("primary");
        primary.enableArchiving();
        primary.start();
        primary.psql("CREATE TABLE tab_int (a integer PRIMARY KEY)");
        primary.psql(insertRange("tab_int", 1, 1000));
        lsn1 = primary.psql("SELECT pg_current_wal_lsn()");
        primary.backup("my_backup");
        primary.psql(insertRange("tab_int", 1001, 2000));
        String[] ret = primary.psql("SELECT pg_current_wal_lsn(), pg_current_xact_id()").split("\\|");
        lsn2 = ret[0];
        xid = ret[1];
        String out = primary.psql("BEGIN;\n" + insertRange("tab_int", 2001, 3000) + ";\nSELECT txid_current();\nCOMMIT;");
        xidOf2001 = out.strip();
        lsn3 = primary.psql("SELECT pg_current_wal_lsn()");
        time = primary.psql("SELECT now()");
        primary.psql(insertRange("tab_int", 3001, 4000));
        lsn4 = primary.psql("SELECT pg_current_wal_lsn()");
        primary.psql("SELECT pg_create_restore_point('my_target')");
        primary.psql(insertRange("tab_int", 4001, 5000));
        lsn5 = primary.psql("SELECT pg_current_wal_lsn()");
        primary.psql(insertRange("tab_int", 5001, 6000));
        String segment = primary.psql("SELECT pg_walfile_name(pg_current_wal_lsn())");
        primary.psql("SELECT pg_switch_wal()");
        TimelineSwitchIT.waitFor("the last segment archived",
                () -> Files.exists(primary.archiveDir().resolve(segment)));
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    /** A node restored from the archive with {@code params}, started; waits until it replayed {@code untilLsn}. */
    private TestCluster.Node restored(String name, boolean standbyMode, List<String> params) {
        TestCluster.Node node = cluster.initFromBackupRestoring(primary, "my_backup", name, standbyMode);
        // the primary's archive_command came with the backup: a promoted node must not archive
        // its own history files there, or the next one picks the timeline after them
        node.appendConf("archive_mode = off");
        for (String p : params) {
            node.appendConf(p);
        }
        node.start();
        return node;
    }

    private void assertStopsAt(String name, List<String> params, String rows, String untilLsn) {
        TestCluster.Node node = restored(name, true, params);
        assertThat(node.pollQueryUntil("SELECT '" + untilLsn + "'::pg_lsn <= pg_last_wal_replay_lsn()", "t"))
                .as(name).isTrue();
        assertThat(node.pollLogContains("pausing at the end of recovery")).as(name).isTrue();
        assertThat(node.psql("SELECT count(*) FROM tab_int")).as(name).isEqualTo(rows);
        assertThat(node.psql("SELECT pg_is_in_recovery(), pg_get_wal_replay_pause_state()")).isEqualTo("t|paused");
        node.stop("immediate");
    }

    @Test
    void immediate() {
        assertStopsAt("standby_1", List.of("recovery_target = 'immediate'"), "1000", lsn1);
    }

    @Test
    void xid() {
        assertStopsAt("standby_2", List.of("recovery_target_xid = '" + xid + "'"), "2000", lsn2);
        assertThat(logOf("standby_2")).contains("entering standby mode",
                "recovery stopping after commit of transaction " + xid + ", time ");
    }

    @Test
    void time() {
        assertStopsAt("standby_3", List.of("recovery_target_time = '" + time + "'"), "3000", lsn3);
        assertThat(logOf("standby_3")).contains("recovery stopping before commit of transaction ");
    }

    @Test
    void name() {
        assertStopsAt("standby_4", List.of("recovery_target_name = 'my_target'"), "4000", lsn4);
        assertThat(logOf("standby_4")).contains("recovery stopping at restore point \"my_target\", time ");
    }

    @Test
    void lsn() {
        assertStopsAt("standby_5", List.of("recovery_target_lsn = '" + lsn5 + "'"), "5000", lsn5);
        assertThat(logOf("standby_5")).contains("recovery stopping after WAL location (LSN) \"");
    }

    @Test
    void multipleOverridingSettings() {
        assertStopsAt("standby_6", List.of("recovery_target_name = 'my_target'", "recovery_target_name = ''",
                "recovery_target_time = '" + time + "'"), "3000", lsn3);
    }

    @Test
    void twoTargetsAreFatal() {
        TestCluster.Node node = cluster.initFromBackupRestoring(primary, "my_backup", "standby_7", true);
        node.appendConf("recovery_target_name = 'my_target'\nrecovery_target_time = '" + time + "'\n");
        assertThat(node.ctl("-t", "60", "start").code()).as("invalid recovery startup fails").isNotZero();
        assertThat(node.logContains("FATAL:  multiple recovery targets specified")).isTrue();
        assertThat(node.logContains("DETAIL:  At most one of recovery_target, recovery_target_lsn, "
                + "recovery_target_name, recovery_target_time, recovery_target_xid may be set.")).isTrue();
    }

    @Test
    void recoveryThatEndsBeforeItsTargetIsFatal() {
        TestCluster.Node node = cluster.initFromBackupRestoring(primary, "my_backup", "standby_8", false);
        node.appendConf("archive_mode = off");
        node.appendConf("recovery_target_name = 'does_not_exist'");
        // as PostgreSQL's pg_ctl start, it reports the start failed when recovery ends first (replay is
        // fast), or the start when it was quicker: the FATAL in the log is what counts
        node.ctl("-t", "60", "start");
        assertThat(node.pollLogContains("FATAL:  recovery ended before configured recovery target was reached"))
                .isTrue();
        TimelineSwitchIT.waitFor("the server to stop",
                () -> !Files.exists(node.dataDir().resolve("postmaster.pid")));
    }

    @Test
    void promoteActionStartsANewTimelineWhoseHistorySaysWhy() throws Exception {
        TestCluster.Node node = restored("promoted", true, List.of("recovery_target_name = 'my_target'",
                "recovery_target_action = 'promote'"));
        assertThat(node.pollQueryUntil("SELECT pg_is_in_recovery()", "f")).isTrue();
        assertThat(node.psql("SELECT count(*) FROM tab_int")).isEqualTo("4000");
        assertThat(Files.readString(node.dataDir().resolve("pg_wal/00000002.history")))
                .matches("1\t[0-9A-F]+/[0-9A-F]+\tat restore point \"my_target\"\n");
        node.psql("INSERT INTO tab_int VALUES (10001)");
        assertThat(node.psql("SELECT count(*) FROM tab_int")).isEqualTo("4001");
    }

    @Test
    void shutdownActionStopsTheServerAtTheTarget() {
        TestCluster.Node node = cluster.initFromBackupRestoring(primary, "my_backup", "shut", true);
        node.appendConf("recovery_target_lsn = '" + lsn5 + "'\nrecovery_target_action = 'shutdown'\n");
        node.ctl("-t", "60", "start"); // it may stop before pg_ctl sees it started
        assertThat(node.pollLogContains("shutdown at recovery target")).isTrue();
        TimelineSwitchIT.waitFor("the server to stop",
                () -> !Files.exists(node.dataDir().resolve("postmaster.pid")));
        assertThat(node.controldata("Database cluster state")).isEqualTo("shut down in recovery");
    }

    @Test
    void resumingAPauseAtTheTargetPromotes() {
        TestCluster.Node node = restored("resumed", true, List.of("recovery_target_lsn = '" + lsn5 + "'"));
        assertThat(node.pollQueryUntil("SELECT pg_get_wal_replay_pause_state()", "paused")).isTrue();
        assertThat(node.logContains("HINT:  Execute pg_wal_replay_resume() to promote.")).isTrue();
        node.psql("SELECT pg_wal_replay_resume()");
        assertThat(node.pollQueryUntil("SELECT pg_is_in_recovery()", "f")).isTrue();
        assertThat(node.psql("SELECT count(*) FROM tab_int")).isEqualTo("5000");
    }

    @Test
    void exclusiveXidStopsBeforeItsCommit() {
        TestCluster.Node node = restored("exclusive", true, List.of("recovery_target_xid = '" + xidOf2001 + "'",
                "recovery_target_inclusive = off", "recovery_target_action = 'promote'"));
        assertThat(node.pollQueryUntil("SELECT pg_is_in_recovery()", "f")).isTrue();
        assertThat(node.psql("SELECT count(*) FROM tab_int")).isEqualTo("2000");
        assertThat(node.logContains("recovery stopping before commit of transaction " + xidOf2001 + ", time "))
                .isTrue();
    }

    @Test
    void archiveRecoveryWithoutATargetReplaysTheWholeArchiveThenPromotes() {
        TestCluster.Node node = restored("archive_recovery", false, List.of());
        assertThat(node.pollQueryUntil("SELECT pg_is_in_recovery()", "f", Duration.ofSeconds(120))).isTrue();
        assertThat(node.psql("SELECT count(*) FROM tab_int")).isEqualTo("6000");
        assertThat(node.logContains("starting archive recovery")).as("recovery.signal's first line").isTrue();
        assertThat(node.logContains("selected new timeline ID: 2")).isTrue();
        assertThat(node.dataDir().resolve("recovery.signal")).doesNotExist();
    }

    private String logOf(String name) {
        try {
            return Files.readString(cluster.root().resolve(name + ".log"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
