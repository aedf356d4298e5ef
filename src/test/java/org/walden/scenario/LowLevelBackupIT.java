package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.walden.test.TestCluster;

/**
 * PostgreSQL 15's low-level backup through SQL: pg_backup_start, a file-system copy of the
 * running primary's data directory while writes go on, pg_backup_stop's backup_label written
 * into the copy and the WAL up to the backup's end added (as restoring it from an archive
 * would); the copy starts and holds every row committed before pg_backup_stop. Also: a
 * session that ends during its backup aborts it, and the functions refuse non-superusers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LowLevelBackupIT {

    private TestCluster cluster;
    private TestCluster.Node primary;

    @BeforeAll
    void start() {
        cluster = new TestCluster();
        primary = cluster.initPrimary("lowlevel");
        primary.start();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void fileSystemCopyTakenBetweenStartAndStopStartsWithTheData() throws Exception {
        Path copy = cluster.root().resolve("backups").resolve("fs-copy");
        String label;
        try (Connection backup = primary.connect(); Connection writer = primary.connect();
             Statement b = backup.createStatement(); Statement w = writer.createStatement()) {
            w.execute("create table items (id int primary key, payload text)");
            w.execute("insert into items select g, repeat('x', 50) || g from generate_series(1, 2000) g");
            assertThat(value(b, "select pg_backup_start('fs copy', true) is not null")).isEqualTo("t");
            assertThat(Files.isDirectory(primary.dataDir().resolve("pg_backup_snapshots"))).isTrue();
            w.execute("insert into items select g, 'during' || g from generate_series(2001, 4000) g");
            w.execute("update items set payload = 'changed' where id <= 100");
            w.execute("checkpoint");
            copyWhileRunning(primary.dataDir(), copy);
            w.execute("delete from items where id > 3900");
            w.execute("insert into items select g, 'late' || g from generate_series(5001, 5500) g");
            try (ResultSet rs = b.executeQuery("select lsn, labelfile, spcmapfile from pg_backup_stop(false)")) {
                assertThat(rs.next()).isTrue();
                label = rs.getString("labelfile");
                assertThat(rs.getString("spcmapfile")).isEmpty();
            }
            assertThat(label).startsWith("START WAL LOCATION: ").contains("\nLABEL: fs copy\n")
                    .contains("\nBACKUP FROM: primary\n");
            assertThat(Files.exists(primary.dataDir().resolve("pg_backup_snapshots")) && hasEntries(
                    primary.dataDir().resolve("pg_backup_snapshots"))).isFalse();
            assertThatThrownBy(() -> b.executeQuery("select * from pg_backup_stop()"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("backup is not in progress")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("55000");
        }
        // the WAL up to the backup's end, as restore_command would bring it; then the label
        copyWal(primary.dataDir().resolve("pg_wal"), copy.resolve("pg_wal"));
        Files.writeString(copy.resolve("backup_label"), label);
        Files.deleteIfExists(copy.resolve("postmaster.pid"));
        TestCluster.Node restored = cluster.initFromBackup(primary, "fs-copy", "lowlevel-copy", false);
        restored.start();
        try (Connection c = restored.connect(); Statement s = c.createStatement()) {
            assertThat(value(s, "select count(*) from items")).isEqualTo("4400");
            assertThat(value(s, "select count(*) from items where payload = 'changed'")).isEqualTo("100");
            assertThat(value(s, "select max(id) from items")).isEqualTo("5500");
            s.execute("insert into items values (9999, 'writable')");
            assertThat(value(s, "select pg_is_in_recovery()")).isEqualTo("f");
        }
        assertThat(Files.readString(restored.logFile()))
                .contains("using the storage snapshot taken by pg_backup_start");
        assertThat(Files.exists(restored.dataDir().resolve("pg_backup_snapshots"))).isFalse();
        assertThat(Files.exists(restored.dataDir().resolve("backup_label.old"))).isTrue();
    }

    @Test
    void aSessionEndingDuringItsBackupAbortsIt() throws Exception {
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.executeQuery("select pg_backup_start('abandoned')").close();
            assertThatThrownBy(() -> s.executeQuery("select pg_backup_start('twice')"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("a backup is already in progress in this session")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("55000");
            assertThat(hasEntries(primary.dataDir().resolve("pg_backup_snapshots"))).isTrue();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (hasEntries(primary.dataDir().resolve("pg_backup_snapshots")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(hasEntries(primary.dataDir().resolve("pg_backup_snapshots"))).isFalse();
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("select pg_backup_stop()")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("backup is not in progress");
        }
    }

    @Test
    void nonSuperusersMayNotCallTheFileAndBackupFunctions() throws Exception {
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("create role lowly login");
            s.execute("create role reader login");
            s.execute("grant pg_read_server_files to reader");
        }
        for (String role : new String[] {"lowly", "reader"}) {
            try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + primary.port()
                    + "/postgres?user=" + role); Statement s = c.createStatement()) {
                for (String[] call : new String[][] {{"pg_backup_start('x')", "pg_backup_start"},
                        {"pg_backup_stop()", "pg_backup_stop"}, {"pg_read_file('PG_VERSION')", "pg_read_file"},
                        {"pg_read_binary_file('/etc/hostname')", "pg_read_binary_file"},
                        {"pg_ls_dir('.')", "pg_ls_dir"}, {"pg_stat_file('PG_VERSION')", "pg_stat_file"},
                        {"pg_current_logfile()", "pg_current_logfile"}, {"pg_stat_reset()", "pg_stat_reset"}}) {
                    assertThatThrownBy(() -> s.executeQuery("select " + call[0])).isInstanceOf(SQLException.class)
                            .hasMessageContaining("permission denied for function " + call[1])
                            .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("42501");
                }
                assertThatThrownBy(() -> s.executeQuery("select * from pg_hba_file_rules"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("permission denied for view pg_hba_file_rules")
                        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("42501");
                assertThat(value(s, "select checkpoint_lsn is not null from pg_control_checkpoint()"))
                        .isEqualTo("t");
            }
        }
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            assertThat(value(s, "select length(pg_read_file('/etc/hostname')) >= 0")).isEqualTo("t");
            assertThat(value(s, "select pg_read_file('global/../PG_VERSION')")).startsWith("15");
            s.execute("drop role lowly");
            s.execute("drop role reader");
        }
    }

    private static String value(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static boolean hasEntries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    /** cp -r of a live directory: files that vanish during the copy are skipped, as rsync's warnings are. */
    private static void copyWhileRunning(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                try {
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                } catch (NoSuchFileException | DirectoryNotEmptyException e) {
                    // removed while copying
                }
            }
        }
    }

    private static void copyWal(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : files.toList()) {
                if (Files.isRegularFile(p)) {
                    Files.copy(p, to.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
