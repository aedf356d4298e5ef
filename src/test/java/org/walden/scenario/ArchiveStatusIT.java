package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.WalSegments;

/**
 * WAL archiving as PostgreSQL's src/test/recovery/t/020_archive_status.pl tries it: a failing
 * archive_command leaves the segment's {@code .ready} file, counts failures in
 * pg_stat_archiver and keeps the segment through a checkpoint; once archive_command is fixed
 * (reload) the segment is copied to the archive, {@code .ready} becomes {@code .done} and
 * pg_stat_archiver counts it. Segments are 1 MB (initdb --wal-segsize 1).
 */
class ArchiveStatusIT {

    private static final long SEG = 1024 * 1024;

    private static String segmentOf(Lsn switchEnd) {
        // pg_switch_wal() returns the end of the SWITCH record: the segment it finished holds the byte before
        return WalSegments.fileName(new TimelineId(1), new Lsn(switchEnd.value() - 1).segmentNo(SEG), SEG);
    }

    @Test
    void aFailingArchiveCommandKeepsReadyAndAFixedOneArchives() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary",
                    List.of("--auth", "trust", "--wal-segsize", "1"));
            Path archive = cluster.root().resolve("archive");
            Files.createDirectories(archive);
            primary.appendConf("""
                    archive_mode = on
                    archive_command = 'false'
                    wal_keep_size = 0
                    """);
            primary.start();
            primary.psql("CREATE TABLE mine (x integer)");
            primary.psql("INSERT INTO mine VALUES (1), (2), (3)");
            String switched = primary.psql("SELECT pg_switch_wal()");
            String segment = primary.psql("SELECT pg_walfile_name('" + switched + "')");
            assertThat(segment).isEqualTo(segmentOf(Lsn.parse(switched)));
            Path status = primary.dataDir().resolve("pg_wal/archive_status");

            assertThat(primary.pollQueryUntil("SELECT failed_count > 0, last_failed_wal = '" + segment
                    + "', archived_count FROM pg_stat_archiver", "t|t|0", Duration.ofSeconds(30))).isTrue();
            assertThat(status.resolve(segment + ".ready")).exists();
            assertThat(primary.logContains("archive command failed with exit code 1")).isTrue();
            assertThat(primary.logContains("The failed archive command was: false")).isTrue();

            // a checkpoint does not remove a segment that is not archived yet
            primary.psql("INSERT INTO mine VALUES (11), (12)");
            primary.psql("SELECT pg_switch_wal()");
            primary.psql("CHECKPOINT");
            assertThat(primary.dataDir().resolve("pg_wal").resolve(segment)).exists();

            primary.appendConf("archive_command = 'cp %p " + archive + "/%f'\n");
            primary.reload();
            assertThat(primary.pollQueryUntil("SELECT archived_count >= 1, last_failed_wal = '" + segment
                    + "' FROM pg_stat_archiver", "t|t", Duration.ofSeconds(30))).isTrue();
            assertThat(status.resolve(segment + ".done")).exists();
            assertThat(status.resolve(segment + ".ready")).doesNotExist();
            assertThat(archive.resolve(segment)).exists().hasSize(SEG);

            // pg_switch_wal on an idle server: the next finished segment is archived as well
            primary.psql("INSERT INTO mine VALUES (21), (22)");
            String next = segmentOf(Lsn.parse(primary.psql("SELECT pg_switch_wal()")));
            assertThat(primary.pollQueryUntil("SELECT last_archived_wal FROM pg_stat_archiver", next,
                    Duration.ofSeconds(30))).isTrue();
            assertThat(archive.resolve(next)).exists();
            assertThat(status.resolve(next + ".done")).exists();
            // archived segments may go: a checkpoint now removes the first one
            primary.psql("CHECKPOINT");
            assertThat(primary.dataDir().resolve("pg_wal").resolve(segment)).doesNotExist();
        }
    }

    /**
     * A standby stopped while the primary wrote several segments, archived them and removed them
     * with checkpoints (wal_keep_size 0, no slot): started again, the startup process restores the
     * missing segments with restore_command (as PostgreSQL it tries the archive before streaming, so
     * whether the walreceiver is first told "requested WAL segment ... has already been removed"
     * depends on timing), and then the standby streams again.
     */
    @Test
    void aStandbyBehindThePrimarysRetentionCatchesUpFromTheArchiveThenStreams() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary",
                    List.of("--auth", "trust", "--wal-segsize", "1"));
            Path archive = cluster.root().resolve("archive");
            Files.createDirectories(archive);
            primary.appendConf("archive_mode = on\narchive_command = 'cp %p " + archive + "/%f'\n"
                    + "wal_keep_size = 0\n");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY, v text)");
            primary.psql("INSERT INTO t VALUES (1, 'before the backup')");
            primary.backup("b1");
            TestCluster.Node standby = cluster.initFromBackup(primary, "b1", "standby", true);
            standby.appendConf("restore_command = 'cp " + archive + "/%f %p'\nwal_retrieve_retry_interval = 200ms\n");
            standby.start();
            primary.waitForCatchup(standby);
            Lsn standbyAt = Lsn.parse(standby.psql("SELECT pg_last_wal_replay_lsn()"));
            standby.stop();

            String last = null;
            for (int i = 0; i < 4; i++) {
                primary.psql("INSERT INTO t VALUES (" + (10 + i) + ", 'while the standby was down')");
                last = segmentOf(Lsn.parse(primary.psql("SELECT pg_switch_wal()")));
            }
            assertThat(primary.pollQueryUntil("SELECT last_archived_wal FROM pg_stat_archiver", last,
                    Duration.ofSeconds(30))).isTrue();
            primary.psql("CHECKPOINT");
            String needed = WalSegments.fileName(new TimelineId(1), standbyAt.segmentNo(SEG), SEG);
            assertThat(primary.dataDir().resolve("pg_wal").resolve(needed)).as("removed on the primary")
                    .doesNotExist();
            assertThat(archive.resolve(needed)).exists();

            standby.start();
            assertThat(standby.pollQueryUntil("SELECT count(*) FROM t", "5", Duration.ofSeconds(45))).isTrue();
            assertThat(standby.logContains("restored log file")).isTrue();

            // and streaming resumes
            assertThat(primary.pollQueryUntil("SELECT state FROM pg_stat_replication", "streaming",
                    Duration.ofSeconds(30))).isTrue();
            primary.psql("INSERT INTO t VALUES (100, 'streamed')");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT v FROM t WHERE id = 100")).isEqualTo("streamed");
        }
    }

    /**
     * archive_timeout forces a segment switch on a primary that wrote WAL but did not fill the
     * segment, and a standby with archive_mode = always archives what it receives into its own
     * archive.
     */
    @Test
    void archiveTimeoutSwitchesAndAStandbyWithAlwaysArchivesToo() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary",
                    List.of("--auth", "trust", "--wal-segsize", "1"));
            Path archive = cluster.root().resolve("archive");
            Path standbyArchive = cluster.root().resolve("standby_archive");
            Files.createDirectories(archive);
            Files.createDirectories(standbyArchive);
            primary.appendConf("archive_mode = on\narchive_command = 'cp %p " + archive + "/%f'\n");
            primary.start();
            primary.psql("CREATE TABLE t (id integer)");
            primary.backup("b1");
            TestCluster.Node standby = cluster.initFromBackup(primary, "b1", "standby", true);
            standby.appendConf("archive_mode = always\narchive_command = 'cp %p " + standbyArchive + "/%f'\n");
            standby.start();

            long before = Long.parseLong(primary.psql("SELECT archived_count FROM pg_stat_archiver"));
            primary.appendConf("archive_timeout = 1\n");
            primary.reload();
            primary.psql("INSERT INTO t VALUES (1)");
            assertThat(primary.pollQueryUntil("SELECT archived_count > " + before + " FROM pg_stat_archiver", "t",
                    Duration.ofSeconds(20))).as("archived without pg_switch_wal").isTrue();
            String archived = primary.psql("SELECT last_archived_wal FROM pg_stat_archiver");
            assertThat(archive.resolve(archived)).exists();

            primary.waitForCatchup(standby);
            assertThat(standby.pollQueryUntil("SELECT archived_count > 0 FROM pg_stat_archiver", "t",
                    Duration.ofSeconds(20))).as("the standby archives what it received").isTrue();
            String standbyLast = standby.psql("SELECT last_archived_wal FROM pg_stat_archiver");
            assertThat(standbyArchive.resolve(standbyLast)).exists().hasSize(SEG);
        }
    }
}
