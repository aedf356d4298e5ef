package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * A transaction that writes more rows to an existing table than the server's heap could hold
 * (as PostgreSQL runs one of any size): servers started with a small heap (-Xmx160m, where a
 * write set held in the heap at about 340 bytes a row failed with 53200 from about 300,000
 * rows) spill the write set to base/pgsql_tmp. The transaction reads its own spilled rows
 * (count, primary-key lookup, UPDATE of one), ROLLBACK TO SAVEPOINT undoes writes across the
 * spill boundary, a rolled-back one leaves no row and no file, the commit is all there (count
 * and sum) on the primary and on a streaming standby that spills too while replaying, and a
 * kill -9 during a large commit, and right after one, recovers all or nothing.
 */
@Tag("faults")
class LargeTransactionSpillIT {

    static final String SMALL_HEAP = "-Xmx160m";
    /** About 170 MB of write set at the old per-row cost: more than the whole heap. */
    static final int ROWS = 500_000;

    private static void startWithSmallHeap(TestCluster.Node node) {
        TestCluster.runProcess(TestCluster.waldenCommand(List.of("ctl", "-D", node.dataDir().toString(), "-l",
                        node.logFile().toString(), "-t", "120", "start")),
                Map.of("WALDEN_SERVER_JVM_OPTS", SMALL_HEAP), null, 180).check("start of " + node.name());
    }

    private static String query(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            StringBuilder out = new StringBuilder(String.valueOf(rs.getString(1)));
            for (int i = 2; i <= rs.getMetaData().getColumnCount(); i++) {
                out.append('|').append(rs.getString(i));
            }
            return out.toString();
        }
    }

    private static long spillFiles(TestCluster.Node node) throws Exception {
        Path dir = node.dataDir().resolve("base").resolve("pgsql_tmp");
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".sst")).count();
        }
    }

    /** 1 + 2 + ... + n. */
    private static long sum(long n) {
        return n * (n + 1) / 2;
    }

    @Test
    void aTransactionLargerThanTheHeapCommitsReadsItsOwnRowsAndReplicates() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            startWithSmallHeap(primary);
            primary.psql("CREATE TABLE big (id int PRIMARY KEY, v text); INSERT INTO big VALUES (0, 'zero')");
            primary.backup("b");
            TestCluster.Node standby = cluster.initFromBackup(primary, "b", "standby", true);
            startWithSmallHeap(standby);
            primary.waitForCatchup(standby);

            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("INSERT INTO big SELECT g, repeat('x', 40) FROM generate_series(1, " + ROWS + ") g");
                // its own rows, spilled: count, a primary-key lookup, an UPDATE of one
                assertThat(query(s, "SELECT count(*), sum(id) FROM big")).isEqualTo((ROWS + 1) + "|" + sum(ROWS));
                assertThat(query(s, "SELECT v FROM big WHERE id = 1234")).isEqualTo("x".repeat(40));
                assertThat(s.executeUpdate("UPDATE big SET v = 'updated' WHERE id = 1234")).isEqualTo(1);
                assertThat(query(s, "SELECT v FROM big WHERE id = 1234")).isEqualTo("updated");
                // ROLLBACK TO across the spill boundary: new rows and rewrites of spilled ones undone
                s.execute("SAVEPOINT s");
                s.execute("INSERT INTO big SELECT g, 'later' FROM generate_series(" + (ROWS + 1) + ", "
                        + (2 * ROWS) + ") g");
                s.execute("UPDATE big SET v = 'rolled back' WHERE id <= 100000");
                assertThat(query(s, "SELECT count(*) FROM big")).isEqualTo(Integer.toString(2 * ROWS + 1));
                s.execute("ROLLBACK TO SAVEPOINT s");
                assertThat(query(s, "SELECT count(*), sum(id) FROM big")).isEqualTo((ROWS + 1) + "|" + sum(ROWS));
                assertThat(query(s, "SELECT v FROM big WHERE id = 1234")).isEqualTo("updated");
                assertThat(query(s, "SELECT count(*) FROM big WHERE v = 'rolled back'")).isEqualTo("0");
                // others do not see it, and a second writer of one of its keys waits for it
                assertThat(primary.psql("SELECT count(*) FROM big")).isEqualTo("1");
                CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> {
                    try (Connection c2 = primary.connect(); Statement s2 = c2.createStatement()) {
                        s2.execute("INSERT INTO big VALUES (4321, 'second')");
                        return "inserted";
                    } catch (SQLException e) {
                        return e.getSQLState() + " " + e.getMessage();
                    }
                });
                Thread.sleep(1000);
                assertThat(second).isNotDone();
                c.commit();
                assertThat(second.get()).startsWith("23505 ERROR: duplicate key value violates unique constraint \"big_pkey\"");
            }
            assertThat(primary.psql("SELECT count(*), sum(id) FROM big")).isEqualTo((ROWS + 1) + "|" + sum(ROWS));
            assertThat(primary.psql("SELECT v FROM big WHERE id = 1234")).isEqualTo("updated");
            assertThat(spillFiles(primary)).isZero();

            // a rolled-back spilled transaction leaves nothing
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("INSERT INTO big SELECT g, 'gone' FROM generate_series(" + (ROWS + 1) + ", "
                        + (2 * ROWS) + ") g");
                s.execute("DELETE FROM big WHERE id <= 1000");
                c.rollback();
            }
            assertThat(primary.psql("SELECT count(*), sum(id) FROM big")).isEqualTo((ROWS + 1) + "|" + sum(ROWS));
            assertThat(spillFiles(primary)).isZero();

            // the standby replayed the large commit (spilling it too) and dropped the rolled-back one
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT count(*), sum(id) FROM big")).isEqualTo((ROWS + 1) + "|" + sum(ROWS));
            assertThat(standby.psql("SELECT v FROM big WHERE id = 1234")).isEqualTo("updated");
        }
    }

    @Test
    void killNineDuringAndAfterALargeCommitRecoversAllOrNothing() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("crash");
            startWithSmallHeap(node);
            node.psql("CREATE TABLE big (id int PRIMARY KEY, v text); INSERT INTO big VALUES (0, 'zero')");

            // during: the INSERT's commit is killed at some point of its work
            CompletableFuture<Void> insert = CompletableFuture.runAsync(() -> {
                try (Connection c = node.connect(); Statement s = c.createStatement()) {
                    s.execute("INSERT INTO big SELECT g, repeat('x', 40) FROM generate_series(1, " + ROWS + ") g");
                } catch (SQLException e) {
                    // the connection dies with the server
                }
            });
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (spillFiles(node) == 0 && !insert.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            node.kill9();
            insert.get();
            startWithSmallHeap(node);
            String after = node.psql("SELECT count(*), sum(id) FROM big");
            assertThat(after).isIn("1|0", (ROWS + 1) + "|" + sum(ROWS));
            assertThat(spillFiles(node)).isZero();
            node.psql("DELETE FROM big WHERE id > 0");

            // after: the commit returned, then the server dies before any checkpoint
            node.psql("INSERT INTO big SELECT g, repeat('y', 40) FROM generate_series(1, " + ROWS + ") g");
            node.kill9();
            startWithSmallHeap(node); // crash recovery replays it (spilling it: the heap is small)
            assertThat(node.psql("SELECT count(*), sum(id) FROM big")).isEqualTo((ROWS + 1) + "|" + sum(ROWS));
            assertThat(node.psql("SELECT count(*) FROM big WHERE v = repeat('y', 40)")).isEqualTo(Integer.toString(ROWS));
        }
    }
}
