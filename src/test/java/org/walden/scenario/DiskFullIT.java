package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * The disk fills up, on a small tmpfs (this needs root and mount; the sandbox and CI run as
 * root, and with CI=true a tmpfs that cannot be mounted is a failure, not a skip): under pg_wal
 * the server PANICs ("could not write to file ... No space left on device"), and once space is
 * freed it restarts with every acknowledged commit; the same when the storage directory fills.
 */
@Tag("faults")
class DiskFullIT {

    private static final int ROW_BYTES = 32 * 1024;

    @Test
    void aFullWalDiskPanicsAndEveryAcknowledgedCommitSurvivesTheRestart() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            Path fs = mountTmpfs(cluster.root().resolve("walfs"), "24m");
            try {
                TestCluster.Node node = cluster.initPrimary("walfull", List.of("--auth", "trust", "--wal-segsize", "1",
                        "-X", fs.resolve("pg_wal").toString()));
                node.appendConf("max_wal_size = 1GB\ncheckpoint_timeout = 1h\nwal_keep_size = 0\n");
                node.start();
                List<Integer> acknowledged = fillUntilTheServerDies(node, false);
                assertThat(node.pollLogContains("PANIC:  could not write to file")).isTrue();
                assertThat(node.logContains("No space left on device")).isTrue();
                assertThat(node.pid()).isEmpty();

                remount(fs, "256m");
                node.start();
                assertEveryRowThere(node, acknowledged);
            } finally {
                unmount(fs);
            }
        }
    }

    @Test
    void aFullStorageDiskPanicsAndEveryAcknowledgedCommitSurvivesTheRestart() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            Path fs = mountTmpfs(cluster.root().resolve("basefs"), "40m");
            try {
                TestCluster.Node node = cluster.initPrimary("basefull");
                Path base = node.dataDir().resolve("base");
                Path moved = fs.resolve("base");
                copyDirectory(base, moved);
                deleteDirectory(base);
                Files.createSymbolicLink(base, moved);
                node.appendConf("max_wal_size = 1GB\ncheckpoint_timeout = 1h\n");
                node.start();
                List<Integer> acknowledged = fillUntilTheServerDies(node, true);
                assertThat(node.pollLogContains("PANIC:  ")).isTrue();
                assertThat(node.logContains("No space left on device")).isTrue();

                remount(fs, "512m");
                node.start();
                assertEveryRowThere(node, acknowledged);
            } finally {
                unmount(fs);
            }
        }
    }

    /** Commits rows of 32 kB (a CHECKPOINT now and then, to make the storage write) until the server dies. */
    private static List<Integer> fillUntilTheServerDies(TestCluster.Node node, boolean checkpoints) throws Exception {
        node.psql("CREATE TABLE filler (id int PRIMARY KEY, v text)");
        List<Integer> acknowledged = new ArrayList<>();
        String payload = "z".repeat(ROW_BYTES);
        try (Connection c = node.connect();
             PreparedStatement insert = c.prepareStatement("INSERT INTO filler VALUES (?, ?)")) {
            for (int id = 1; id < 100_000; id++) {
                insert.setInt(1, id);
                insert.setString(2, payload);
                insert.executeUpdate();
                acknowledged.add(id);
                if (checkpoints && id % 100 == 0) {
                    c.createStatement().execute("CHECKPOINT");
                }
            }
        } catch (SQLException e) {
            // the server PANICked: the connection is gone
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (node.pid().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(acknowledged).as("some commits before the disk filled").isNotEmpty();
        return acknowledged;
    }

    private static void assertEveryRowThere(TestCluster.Node node, List<Integer> acknowledged) {
        int last = acknowledged.get(acknowledged.size() - 1);
        assertThat(Integer.parseInt(node.psql("SELECT count(*) FROM filler WHERE id <= " + last)))
                .isEqualTo(acknowledged.size());
        assertThat(node.psql("SELECT min(length(v)) FROM filler")).isEqualTo(Integer.toString(ROW_BYTES));
    }

    /** A tmpfs of {@code size} at {@code dir}: root and mount(8) are needed; on CI their absence fails. */
    static Path mountTmpfs(Path dir, String size) throws Exception {
        Files.createDirectories(dir);
        TestCluster.ToolResult r = TestCluster.runProcess(List.of("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700",
                "tmpfs", dir.toString()), Map.of(), null, 30);
        if (r.code() != 0) {
            String why = "cannot mount a tmpfs (root and mount are needed): " + r.err().strip();
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        return dir;
    }

    private static void remount(Path dir, String size) {
        TestCluster.runProcess(List.of("mount", "-o", "remount,size=" + size, dir.toString()), Map.of(), null, 30)
                .check("remount " + dir);
    }

    private static void unmount(Path dir) {
        TestCluster.runProcess(List.of("umount", "-l", dir.toString()), Map.of(), null, 30);
    }

    private static void copyDirectory(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteDirectory(Path dir) throws Exception {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
