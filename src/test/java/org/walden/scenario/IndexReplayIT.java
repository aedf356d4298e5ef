package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * Secondary indexes on a standby: built on the primary (one of them CONCURRENTLY while a writer
 * keeps inserting), maintained through updates and deletes, dropped, they are replayed so that
 * the standby's index scans (EXPLAIN says so) return exactly the rows its sequential scans and the
 * primary return, also after the standby was killed with -9 in the middle and replayed again. The
 * writer's inserts never fail: one planned before an index committed waits for the lock and is
 * planned again, as in PostgreSQL.
 */
class IndexReplayIT {

    private static final String BY_K = "SELECT string_agg(id::text, ',' ORDER BY id) FROM t WHERE k BETWEEN 5 AND 7";
    private static final String BY_V = "SELECT id FROM t WHERE v = 'v777'";

    @Test
    void indexesBuiltMaintainedAndDroppedOnThePrimaryServeTheStandbysIndexScans() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY, k integer, v text)");
            primary.psql("INSERT INTO t SELECT g, g % 100, 'v' || g FROM generate_series(1, 3000) g");
            primary.backup("b1");
            TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");

            AtomicBoolean writing = new AtomicBoolean(true);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            Future<Integer> writer = pool.submit(() -> {
                int id = 10_000;
                try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                    while (writing.get()) {
                        id++;
                        // waits while a CREATE INDEX holds its lock, then is planned again with the index
                        s.executeUpdate("INSERT INTO t VALUES (" + id + ", " + (id % 100) + ", 'v" + id + "')");
                    }
                }
                return id - 10_000;
            });
            try {
                Thread.sleep(200);
                primary.psql("CREATE INDEX CONCURRENTLY t_k ON t (k)");
                primary.psql("CREATE UNIQUE INDEX t_v ON t (v)");
                Thread.sleep(200);
            } finally {
                writing.set(false);
            }
            assertThat(writer.get()).as("rows inserted while the indexes were built").isPositive();
            pool.shutdown();

            primary.psql("UPDATE t SET k = 6 WHERE id % 7 = 0");
            primary.psql("DELETE FROM t WHERE id % 11 = 0");
            primary.psql("UPDATE t SET v = 'old777' WHERE id = 777; UPDATE t SET v = 'v777' WHERE id = 778");
            primary.waitForCatchup(standby);

            assertIndexScansAgree(primary, standby);

            standby.kill9();
            primary.psql("UPDATE t SET k = 5 WHERE id % 13 = 0");
            primary.psql("INSERT INTO t SELECT g, g % 100, 'v' || g FROM generate_series(20001, 20500) g");
            standby.start();
            primary.waitForCatchup(standby);
            assertIndexScansAgree(primary, standby);

            primary.psql("DROP INDEX t_k");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SET enable_seqscan = off; EXPLAIN (COSTS OFF) " + BY_K))
                    .doesNotContain("t_k");
            assertThat(standby.psql(BY_K)).isEqualTo(primary.psql(BY_K));
        }
    }

    /** The standby's index scans, its sequential scans and the primary's answers are the same rows. */
    private static void assertIndexScansAgree(TestCluster.Node primary, TestCluster.Node standby) {
        assertThat(standby.psql("SET enable_seqscan = off; EXPLAIN (COSTS OFF) " + BY_K)).contains("using t_k on t");
        assertThat(standby.psql("SET enable_seqscan = off; EXPLAIN (COSTS OFF) " + BY_V)).contains("using t_v on t");
        String onPrimary = primary.psql(BY_K);
        assertThat(onPrimary).isNotEmpty();
        assertThat(standby.psql("SET enable_seqscan = off; " + BY_K)).isEqualTo(onPrimary);
        assertThat(standby.psql("SET enable_indexscan = off; SET enable_bitmapscan = off; " + BY_K))
                .isEqualTo(onPrimary);
        assertThat(standby.psql("SET enable_seqscan = off; " + BY_V)).isEqualTo(primary.psql(BY_V)).isEqualTo("778");
    }
}
