package org.walden.test;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The seeds' procedure through TestCluster: a base backup of a running primary becomes a hot
 * standby that streams and replays; the primary's pg_stat_replication shows it.
 */
class StreamingReplicationIT {

    @Test
    void aStandbyFromABaseBackupReplaysThePrimarysChanges() {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE r (id integer PRIMARY KEY, v text)");
            primary.psql("INSERT INTO r VALUES (1, 'before backup')");
            primary.backup("b1");
            TestCluster.Node standby = cluster.initFromBackup(primary, "b1", "standby", true);
            standby.start();
            primary.psql("INSERT INTO r VALUES (2, 'after backup')");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT v FROM r ORDER BY id")).isEqualTo("before backup\nafter backup");
            assertThat(standby.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
            assertThat(primary.pollQueryUntil(
                    "SELECT application_name, state FROM pg_stat_replication", "standby|streaming")).isTrue();
        }
    }
}
