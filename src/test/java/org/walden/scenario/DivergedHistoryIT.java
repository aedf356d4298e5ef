package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * History is never silently overwritten (issue 7 part 3): a standby is promoted while the old
 * primary keeps committing; the old primary, started as a standby of the new one, is refused in
 * PostgreSQL 15's words and keeps every one of its diverged commits on its own disk. Two cases,
 * as PostgreSQL shows them: the old primary's WAL ends in the segment of the fork (the walsender
 * streams timeline 1 up to the switch point, the startup process refuses the new timeline
 * "forked off ... before current recovery point"), and it ends in a later segment (the walsender
 * refuses "requested starting point ... is not in this server's history", the seed's message; a
 * restart then stops at "requested timeline 2 is not a child of this server's history").
 */
class DivergedHistoryIT {

    @Test
    void anOldPrimaryWhoseWalEndsInTheForkSegmentIsRefusedAndKeepsItsCommits() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node oldPrimary = divergedPair(cluster, false);
            assertThat(oldPrimary.pollLogContains("replication terminated by primary server")).isTrue();
            assertThat(oldPrimary.pollLogContains("new timeline 2 forked off current database system timeline 1 "
                    + "before current recovery point")).isTrue();
            assertKeptAndNotStreaming(oldPrimary);
        }
    }

    @Test
    void anOldPrimaryAheadByASegmentIsRefusedByTheWalsenderAndCannotRestartOnTheNewTimeline() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node oldPrimary = divergedPair(cluster, true);
            assertThat(oldPrimary.pollLogContains("FATAL:  could not start WAL streaming: ERROR:  requested starting "
                    + "point 0/2000000 on timeline 1 is not in this server's history")).isTrue();
            assertThat(oldPrimary.pollLogContains("DETAIL:  This server's history forked from timeline 1 at ")).isTrue();
            assertThat(oldPrimary.pollLogContains("new timeline 2 forked off current database system timeline 1 "
                    + "before current recovery point")).isTrue();
            assertKeptAndNotStreaming(oldPrimary);

            // with timeline 2's history in pg_wal now, a restart refuses to start, touching nothing
            oldPrimary.stop();
            long before = oldPrimary.logPosition();
            assertThat(oldPrimary.ctl("-t", "60", "start").code()).isNotZero();
            assertThat(oldPrimary.logContainsSince(before,
                    "FATAL:  requested timeline 2 is not a child of this server's history")).isTrue();
            assertThat(oldPrimary.logContainsSince(before, "DETAIL:  Latest checkpoint is at ")).isTrue();
            assertThat(oldPrimary.controldata("Database cluster state")).isEqualTo("shut down in recovery");
            // its own timeline's WAL is all there: started without the new history it is whole
            Files.move(oldPrimary.dataDir().resolve("pg_wal/00000002.history"),
                    cluster.root().resolve("00000002.history.aside"));
            Files.delete(oldPrimary.dataDir().resolve("standby.signal"));
            oldPrimary.start();
            assertThat(oldPrimary.psql("SELECT count(*), sum(id) FROM t")).isEqualTo("7|59");
        }
    }

    /**
     * A primary and a standby; the standby is promoted; the old primary commits rows 10, 11, 12
     * (and with {@code nextSegment}, a WAL switch and row 20), stops, and starts as a standby of
     * the promoted one.
     */
    private static TestCluster.Node divergedPair(TestCluster cluster, boolean nextSegment) throws Exception {
        TestCluster.Node primary = cluster.initPrimary("old_primary");
        primary.start();
        primary.psql("CREATE TABLE t (id integer PRIMARY KEY)");
        primary.backup("b");
        TestCluster.Node standby = cluster.startStandby(primary, "b", "new_primary");
        primary.psql("INSERT INTO t VALUES (1), (2), (3)");
        primary.waitForCatchup(standby);
        assertThat(standby.psql("SELECT pg_promote()")).isEqualTo("t");
        primary.psql("INSERT INTO t VALUES (10), (11), (12)");
        if (nextSegment) {
            primary.psql("SELECT pg_switch_wal()");
            primary.psql("INSERT INTO t VALUES (20)");
        }
        primary.stop();
        primary.enableStreaming(standby);
        primary.start();
        return primary;
    }

    /** Its diverged commits are all there, it is a standby that does not stream, and it never took timeline 2. */
    private static void assertKeptAndNotStreaming(TestCluster.Node oldPrimary) {
        assertThat(oldPrimary.psql("SELECT count(*), sum(id) FROM t")).isIn("6|39", "7|59");
        assertThat(oldPrimary.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
        assertThat(oldPrimary.pollQueryUntil("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'",
                "0", Duration.ofSeconds(10))).isTrue();
        assertThat(oldPrimary.psql("SELECT count(*) FROM pg_stat_wal_receiver WHERE received_tli = 2")).isEqualTo("0");
        assertThat(oldPrimary.logContains("new target timeline is 2")).isFalse();
    }
}
