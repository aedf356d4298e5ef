package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.WalSegments;

/**
 * PostgreSQL's src/test/recovery/t/019_replslot_limit.pl where it applies, on 1 MB segments
 * (initdb --wal-segsize 1): a physical slot made by pg_create_physical_replication_slot() and
 * used by a standby through primary_slot_name holds WAL back while the standby is stopped;
 * pg_replication_slots shows it 'reserved', then 'extended' beyond max_wal_size, then
 * 'unreserved' beyond max_slot_wal_keep_size, and the next checkpoint invalidates it ('lost',
 * restart_lsn NULL, PostgreSQL's log line) and removes its WAL; the standby, restarted, cannot
 * stream and logs "requested WAL segment ... has already been removed". Without slots,
 * wal_keep_segments keeps WAL by itself.
 */
class ReplicationSlotLimitIT {

    private static final long SEG = 1L << 20;
    private static final String SLOT_ROW = "SELECT slot_name, plugin IS NULL, slot_type, datoid IS NULL, database IS NULL,"
            + " temporary, active, xmin IS NULL, catalog_xmin IS NULL, confirmed_flush_lsn IS NULL, two_phase"
            + " FROM pg_replication_slots";
    private static final String STATUS = "SELECT active, restart_lsn IS NULL, wal_status, safe_wal_size IS NULL"
            + " FROM pg_replication_slots WHERE slot_name = 'rep1'";

    @Test
    void aSlotHoldsWalUntilMaxSlotWalKeepSizeInvalidatesIt() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary", List.of("--auth", "trust", "--wal-segsize", "1"));
            primary.appendConf("wal_keep_size = 0\nmax_wal_size = 4MB\nmin_wal_size = 2MB\n"
                    + "checkpoint_timeout = 1h\n");
            primary.start();
            primary.psql("CREATE TABLE big (id integer, v text)");
            primary.backup("b1");

            assertThat(primary.psql("SELECT pg_create_physical_replication_slot('rep1')")).isEqualTo("(rep1,)");
            assertThat(primary.psql(SLOT_ROW)).isEqualTo("rep1|t|physical|t|t|f|f|t|t|t|f");
            assertThat(primary.psql(STATUS)).isEqualTo("f|t||t");

            TestCluster.Node standby = cluster.initFromBackup(primary, "b1", "standby", true);
            standby.appendConf("primary_slot_name = 'rep1'\n");
            standby.start();
            primary.waitForCatchup(standby);
            assertThat(primary.pollQueryUntil(STATUS, "t|f|reserved|t", Duration.ofSeconds(30))).isTrue();
            assertThat(primary.psql("SELECT active_pid FROM pg_replication_slots"))
                    .isEqualTo(primary.psql("SELECT pid FROM pg_stat_replication"));
            assertThat(primary.pollQueryUntil("SELECT restart_lsn = pg_current_wal_lsn() FROM pg_replication_slots",
                    "t", Duration.ofSeconds(30))).isTrue();

            standby.stop();
            assertThat(primary.pollQueryUntil(STATUS, "f|f|reserved|t", Duration.ofSeconds(30))).isTrue();
            Lsn restart = Lsn.parse(primary.psql("SELECT restart_lsn FROM pg_replication_slots"));
            long restartSeg = restart.segmentNo(SEG);
            Path restartFile = primary.dataDir().resolve("pg_wal")
                    .resolve(WalSegments.fileName(TimelineId.FIRST, restartSeg, SEG));

            // the stopped standby's slot keeps its WAL through checkpoints
            advanceWal(primary, 1);
            primary.psql("CHECKPOINT");
            assertThat(primary.psql(STATUS)).isEqualTo("f|f|reserved|t");
            assertThat(restartFile).exists();

            // max_slot_wal_keep_size: safe_wal_size appears, counted to the segment the slot would lose
            primary.appendConf("max_slot_wal_keep_size = 8MB\n");
            primary.psql("SELECT pg_reload_conf()");
            assertThat(primary.pollQueryUntil("SELECT wal_status, safe_wal_size > 0 FROM pg_replication_slots",
                    "reserved|t", Duration.ofSeconds(30))).isTrue();
            Lsn current = Lsn.parse(primary.psql("SELECT pg_current_wal_lsn()"));
            long safe = Long.parseLong(primary.psql("SELECT safe_wal_size FROM pg_replication_slots"));
            assertThat(safe).isEqualTo((restartSeg + 8 + 1) * SEG - current.value());

            // further back than max_wal_size: 'extended'
            advanceWal(primary, 5);
            assertThat(primary.psql("SELECT wal_status, safe_wal_size > 0 FROM pg_replication_slots"))
                    .isEqualTo("extended|t");

            // further back than max_slot_wal_keep_size, before a checkpoint: 'unreserved'
            primary.psql("CHECKPOINT");
            assertThat(restartFile).exists();
            advanceWal(primary, 3);
            assertThat(primary.psql("SELECT wal_status, safe_wal_size <= 0 FROM pg_replication_slots"))
                    .isEqualTo("unreserved|t");

            // the checkpoint invalidates it and removes its WAL
            primary.psql("CHECKPOINT");
            assertThat(primary.psql(STATUS)).isEqualTo("f|t|lost|t");
            assertThat(primary.logFile()).content().contains("invalidating slot \"rep1\" because its restart_lsn "
                    + restart + " exceeds max_slot_wal_keep_size");
            assertThat(restartFile).doesNotExist();
            primary.restart();
            assertThat(primary.psql(STATUS)).as("the invalidation survives a restart").isEqualTo("f|t|lost|t");

            // the standby cannot stream any more
            standby.start();
            String missing = "requested WAL segment " + WalSegments.fileName(TimelineId.FIRST, restartSeg, SEG)
                    + " has already been removed";
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!standby.logContains(missing) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(standby.logFile()).content().contains("could not receive data from WAL stream: ERROR:  "
                    + missing);

            primary.psql("SELECT pg_drop_replication_slot('rep1')");
            assertThat(primary.psql("SELECT count(*) FROM pg_replication_slots")).isEqualTo("0");
            assertThat(primary.dataDir().resolve("pg_replslot").resolve("rep1")).doesNotExist();
        }
    }

    @Test
    void walKeepSegmentsKeepsWalWithoutSlotsAndTemporarySlotsGoWithTheirSession() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary", List.of("--auth", "trust", "--wal-segsize", "1"));
            primary.appendConf("wal_keep_size = 0\nwal_keep_segments = 3\nmax_wal_size = 64MB\n"
                    + "checkpoint_timeout = 1h\n");
            primary.start();
            primary.psql("CREATE TABLE big (id integer, v text)");
            advanceWal(primary, 6);
            primary.psql("CHECKPOINT");
            long current = Lsn.parse(primary.psql("SELECT pg_current_wal_lsn()")).segmentNo(SEG);
            long[] onDisk = WalSegments.list(primary.dataDir().resolve("pg_wal")).stream()
                    .mapToLong(p -> WalSegments.segmentNo(p.getFileName().toString(), SEG)).sorted().toArray();
            assertThat(onDisk[0]).isEqualTo(current - 3);

            // a temporary slot reserving WAL at once, as 019_replslot_limit's last part makes
            try (Connection c = primary.connect(); var s = c.createStatement()) {
                // as PostgreSQL's documentation calls it: a function in FROM, the record's columns
                var rs = s.executeQuery("SELECT * FROM pg_create_physical_replication_slot('tmp', true, true)");
                rs.next();
                assertThat(rs.getString("slot_name")).isEqualTo("tmp");
                assertThat(rs.getString("lsn")).matches("[0-9A-F]+/[0-9A-F]+");
                assertThat(primary.psql("SELECT slot_name, temporary, active, wal_status FROM pg_replication_slots"))
                        .isEqualTo("tmp|t|t|reserved");
                rs = s.executeQuery("SELECT active_pid = pg_backend_pid() FROM pg_replication_slots");
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
                assertThat(primary.dataDir().resolve("pg_replslot").resolve("tmp")).doesNotExist();
            }
            assertThat(primary.pollQueryUntil("SELECT count(*) FROM pg_replication_slots", "0",
                    Duration.ofSeconds(10))).isTrue();
            primary.psql("SELECT pg_create_physical_replication_slot('keep', true)");
            primary.restart();
            assertThat(primary.psql("SELECT slot_name, temporary, restart_lsn IS NOT NULL FROM pg_replication_slots"))
                    .isEqualTo("keep|f|t");
            assertSqlError(primary, "postgres", "SELECT pg_create_physical_replication_slot('keep')", "42710",
                    "replication slot \"keep\" already exists");
            primary.psql("SELECT pg_drop_replication_slot('keep')");
            assertSqlError(primary, "postgres", "SELECT pg_drop_replication_slot('keep')", "42704",
                    "replication slot \"keep\" does not exist");
            assertSqlError(primary, "postgres", "SELECT pg_create_physical_replication_slot('Keep')", "42602",
                    "replication slot name \"Keep\" contains invalid character");
            primary.psql("CREATE ROLE plain LOGIN");
            assertSqlError(primary, "plain", "SELECT pg_create_physical_replication_slot('p')", "42501",
                    "must be superuser or replication role to use replication slots");

            // wal_keep_size does the same in megabytes, changed by a reload
            primary.appendConf("wal_keep_segments = 0\nwal_keep_size = 2MB\n");
            primary.psql("SELECT pg_reload_conf()");
            assertThat(primary.pollQueryUntil("SHOW wal_keep_size", "2MB", Duration.ofSeconds(10))).isTrue();
            advanceWal(primary, 4);
            primary.psql("CHECKPOINT");
            current = Lsn.parse(primary.psql("SELECT pg_current_wal_lsn()")).segmentNo(SEG);
            onDisk = WalSegments.list(primary.dataDir().resolve("pg_wal")).stream()
                    .mapToLong(p -> WalSegments.segmentNo(p.getFileName().toString(), SEG)).sorted().toArray();
            assertThat(onDisk[0]).isEqualTo(current - 2);
        }
    }

    private static void assertSqlError(TestCluster.Node node, String user, String sql, String sqlState,
                                       String message) throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port()
                + "/postgres?user=" + user); var s = c.createStatement()) {
            java.sql.SQLException e = org.assertj.core.api.Assertions.catchThrowableOfType(java.sql.SQLException.class,
                    () -> s.execute(sql));
            assertThat((Object) e).as(sql).isNotNull();
            assertThat(e.getSQLState()).isEqualTo(sqlState);
            assertThat(e.getMessage()).contains(message);
        }
    }

    /** Writes WAL until the insert position has crossed {@code segments} segment boundaries. */
    private static void advanceWal(TestCluster.Node node, int segments) throws Exception {
        String value = "x".repeat(128 * 1024);
        try (Connection c = node.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO big VALUES (?, ?)");
             PreparedStatement lsn = c.prepareStatement("SELECT pg_current_wal_lsn()")) {
            long target = currentSegment(lsn) + segments;
            int i = 0;
            while (currentSegment(lsn) < target) {
                ps.setInt(1, i++);
                ps.setString(2, value);
                ps.executeUpdate();
            }
        }
    }

    private static long currentSegment(PreparedStatement lsn) throws Exception {
        try (var rs = lsn.executeQuery()) {
            rs.next();
            return Lsn.parse(rs.getString(1)).segmentNo(SEG);
        }
    }
}
