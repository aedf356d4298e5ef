package org.walden.test;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The seeds' procedure through TestCluster: a base backup of a running primary becomes a hot
 * standby that streams and replays; the primary's pg_stat_replication shows it.
 */
class StreamingReplicationIT {

    @Test
    void aStandbyFromABaseBackupReplaysThePrimarysChanges() throws Exception {
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
            assertThat(java.nio.file.Files.readAllLines(standby.dataDir().resolve("postmaster.pid")).get(7))
                    .isEqualTo("standby ");

            standby.restart();
            primary.psql("INSERT INTO r VALUES (3, 'after restart')");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT count(*) FROM r")).isEqualTo("3");
        }
    }

    @Test
    void aPostgres10RecoveryConfMakesAStandbyAsInTheSeeds() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.appendConf("wal_keep_segments = 1000\n");
            primary.start();
            primary.psql("CREATE TABLE s (id integer PRIMARY KEY)");
            primary.backup("b1");
            TestCluster.Node standby = cluster.initFromBackup(primary, "b1", "standby10", false);
            java.nio.file.Files.writeString(standby.dataDir().resolve("recovery.conf"), """
                    standby_mode = 'on'
                    primary_conninfo = 'host=127.0.0.1 port=%d user=postgres application_name=standby10'
                    recovery_target_timeline = 'latest'
                    """.formatted(primary.port()));
            standby.start();
            primary.psql("INSERT INTO s VALUES (1), (2)");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT count(*) FROM s")).isEqualTo("2");
            assertThat(standby.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
        }
    }
}
