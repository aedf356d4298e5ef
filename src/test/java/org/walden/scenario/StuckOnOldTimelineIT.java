package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * PostgreSQL's 025_stuck_on_old_timeline: the archive holds only timeline history files (the
 * archive_command copies nothing else), a standby is promoted, and a cascading standby made from
 * the standby's backup with {@code -X none} — so it has no WAL and must find the new timeline's
 * history in the archive and stream everything — follows the promoted standby, instead of
 * getting stuck on the old timeline.
 */
class StuckOnOldTimelineIT {

    @Test
    void aCascadeWithoutWalFindsTheHistoryInTheArchiveAndStreams() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            Files.createDirectories(primary.archiveDir());
            primary.appendConf("archive_mode = on\narchive_command = 'case \"%f\" in *.history) cp \"%p\" \""
                    + primary.archiveDir() + "/%f\";; esac'\nwal_keep_size = 128MB\n");
            primary.start();
            primary.backup("my_backup");
            TestCluster.Node standby = cluster.startStandby(primary, "my_backup", "standby");
            // the standby's backup, without WAL
            TestCluster.ToolResult b = TestCluster.walden("basebackup", "-h", "127.0.0.1", "-p",
                    Integer.toString(standby.port()), "-U", "postgres", "-D",
                    cluster.root().resolve("backups/standby_backup").toString(), "-X", "none");
            b.check("backup of the standby");
            TestCluster.Node cascade = cluster.initFromBackup(standby, "standby_backup", "cascade", true);
            cascade.enableRestoring(primary);
            cascade.appendConf("recovery_target_timeline = 'latest'\n");

            standby.promote();
            assertThat(standby.pollQueryUntil("SELECT NOT pg_is_in_recovery()", "t")).isTrue();
            String walfile = standby.psql("SELECT pg_walfile_name(pg_current_wal_lsn())");
            standby.psql("SELECT pg_switch_wal()");
            // the history file is archived before any segment: once this one is, it is there
            TimelineSwitchIT.waitFor("the history file archived",
                    () -> Files.exists(primary.archiveDir().resolve("00000002.history")));
            assertThat(TimelineSwitchIT.listNames(primary.archiveDir())).containsOnly("00000002.history");

            cascade.start();
            standby.psql("CREATE TABLE tab_int (a integer PRIMARY KEY)");
            standby.psql("INSERT INTO tab_int VALUES (1)");
            standby.waitForCatchup(cascade);
            assertThat(cascade.psql("SELECT count(*) FROM tab_int")).isEqualTo("1");
            assertThat(cascade.psql("SELECT received_tli FROM pg_stat_wal_receiver")).isEqualTo("2");
            assertThat(walfile).startsWith("00000002");
        }
    }
}
