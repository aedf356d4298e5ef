package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * Batched replay as readers of a hot standby see it. A standby that fell behind replays many
 * commits per storage write; its readers must still only ever see whole transactions, in
 * commit order. The primary runs bank transfers (two balances, a history row and a transfer
 * counter in one transaction) while the standby is stopped, then while it catches up; readers
 * on the standby check, in every snapshot, that the balances still sum to the total, that the
 * history holds exactly as many rows as the counter says, and that the counter never goes back.
 * The standby is killed with -9 during a catch-up and comes back consistent, with the primary's
 * rows; under remote_apply a commit is visible on the standby as soon as the primary returns.
 */
class FastReplayIT {

    private static final int ACCOUNTS = 50;
    private static final long OPENING_BALANCE = 1_000;
    private static final String SNAPSHOT_QUERY = "SELECT (SELECT sum(balance) FROM account),"
            + " (SELECT count(*) FROM account), (SELECT n FROM transfers), (SELECT count(*) FROM history)";

    @Test
    void readersOfACatchingUpStandbySeeWholeTransactionsInCommitOrder() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = bankPrimary(cluster);
            primary.backup("b1");
            TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");

            standby.stop();
            transfers(primary, 4, 1_500); // the standby falls behind by 6,000 transactions
            AtomicBoolean writing = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                Future<?> writer = pool.submit(() -> {
                    while (writing.get()) {
                        transfers(primary, 2, 50);
                    }
                    return null;
                });
                standby.start();
                AtomicLong checked = new AtomicLong();
                List<Future<Long>> readers = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    readers.add(pool.submit(() -> readConsistently(standby, writing, checked)));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (checked.get() < 400 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                writing.set(false);
                writer.get(120, TimeUnit.SECONDS);
                long firstSeen = Long.MAX_VALUE;
                for (Future<Long> reader : readers) {
                    firstSeen = Math.min(firstSeen, reader.get(120, TimeUnit.SECONDS));
                }
                assertThat(checked.get()).as("snapshots checked on the standby").isGreaterThanOrEqualTo(400);
                assertThat(firstSeen).as("transfers seen by the first snapshots, behind the primary")
                        .isLessThan(Long.parseLong(primary.psql("SELECT n FROM transfers")));
            } finally {
                pool.shutdownNow();
            }
            primary.waitForCatchup(standby);
            assertSameRows(primary, standby);

            standby.stop();
            transfers(primary, 4, 1_000);
            standby.start();
            Thread.sleep(300); // into the catch-up
            standby.kill9();
            standby.start();
            checkSnapshot(standby, -1);
            primary.waitForCatchup(standby);
            assertSameRows(primary, standby);

            primary.appendConf("synchronous_standby_names = '*'\nsynchronous_commit = remote_apply\n");
            primary.reload();
            assertThat(primary.pollQueryUntil("SELECT sync_state FROM pg_stat_replication", "sync")).isTrue();
            try (Connection onPrimary = primary.connect(); Connection onStandby = standby.connect();
                 Statement p = onPrimary.createStatement(); Statement s = onStandby.createStatement()) {
                for (int i = 1; i <= 200; i++) {
                    p.executeUpdate("UPDATE transfers SET n = n + 1");
                    long n = longOf(p, "SELECT n FROM transfers");
                    assertThat(longOf(s, "SELECT n FROM transfers")).as("remote_apply commit %d", i).isEqualTo(n);
                }
            }
        }
    }

    /**
     * Restartpoints (CHECKPOINT on the standby) and a base backup of the standby taken while it
     * catches up must not put their redo point past commits storage does not hold yet. After
     * them, kill -9: the standby restarts from its last restartpoint with every row, and the
     * backup restores to the primary's rows too.
     */
    @Test
    void restartpointsAndBackupsDuringACatchUpLoseNoCommit() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = bankPrimary(cluster);
            primary.backup("b1");
            TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");

            standby.stop();
            transfers(primary, 4, 3_000); // 12,000 transactions: several full batches
            standby.start();
            try (Connection conn = connectWhenConsistent(standby); Statement s = conn.createStatement()) {
                for (int i = 0; i < 5; i++) {
                    s.execute("CHECKPOINT"); // a restartpoint at the replay position
                    checkSnapshot(conn, -1);
                }
            }
            standby.backup("from-standby"); // the standby's storage, between two batches
            standby.kill9();
            standby.start();
            checkSnapshot(standby, -1);
            primary.waitForCatchup(standby);
            assertSameRows(primary, standby);

            TestCluster.Node restored = cluster.startStandby(primary, "from-standby", "restored");
            primary.waitForCatchup(restored);
            assertSameRows(primary, restored);
        }
    }

    private static Connection connectWhenConsistent(TestCluster.Node standby) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return standby.connect();
            } catch (SQLException e) { // 57P03 until the restarted standby is consistent
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(5);
            }
        }
    }

    /** A started primary with the bank's tables: ACCOUNTS accounts at OPENING_BALANCE, no transfer yet. */
    private static TestCluster.Node bankPrimary(TestCluster cluster) {
        TestCluster.Node primary = cluster.initPrimary("primary");
        primary.start();
        primary.psql("CREATE TABLE account (id integer PRIMARY KEY, balance bigint NOT NULL);"
                + " CREATE TABLE transfers (one integer PRIMARY KEY, n bigint NOT NULL);"
                + " CREATE TABLE history (id bigint PRIMARY KEY, src integer, dst integer, amount bigint);"
                + " INSERT INTO account SELECT g, " + OPENING_BALANCE + " FROM generate_series(1, " + ACCOUNTS + ") g;"
                + " INSERT INTO transfers VALUES (1, 0)");
        return primary;
    }

    /** {@code clients} sessions each commit {@code perClient} transfers between random accounts. */
    private static void transfers(TestCluster.Node primary, int clients, int perClient) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    try (Connection conn = primary.connect()) {
                        conn.setAutoCommit(false);
                        for (int i = 0; i < perClient; i++) {
                            transferRetryingConflicts(conn);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(300, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void transferRetryingConflicts(Connection conn) throws SQLException {
        while (true) {
            try {
                transfer(conn);
                return;
            } catch (SQLException e) {
                if (!"40001".equals(e.getSQLState()) && !"40P01".equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
    }

    private static void transfer(Connection conn) throws SQLException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int from = 1 + random.nextInt(ACCOUNTS);
        int to = 1 + (from + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
        long amount = 1 + random.nextInt(100);
        try (PreparedStatement debit = conn.prepareStatement("UPDATE account SET balance = balance - ? WHERE id = ?");
             PreparedStatement credit = conn.prepareStatement("UPDATE account SET balance = balance + ? WHERE id = ?");
             PreparedStatement count = conn.prepareStatement("UPDATE transfers SET n = n + 1 RETURNING n");
             PreparedStatement log = conn.prepareStatement("INSERT INTO history VALUES (?, ?, ?, ?)")) {
            // accounts in id order: two transfers never wait for each other in opposite order
            debit.setLong(1, from < to ? amount : -amount);
            debit.setInt(2, Math.min(from, to));
            debit.executeUpdate();
            credit.setLong(1, from < to ? amount : -amount);
            credit.setInt(2, Math.max(from, to));
            credit.executeUpdate();
            long n;
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                n = rs.getLong(1);
            }
            log.setLong(1, n);
            log.setInt(2, from);
            log.setInt(3, to);
            log.setLong(4, amount);
            log.executeUpdate();
            conn.commit();
        } catch (SQLException e) {
            conn.rollback();
            throw e;
        }
    }

    /**
     * Checks snapshots on the standby until the writers stop (and a last one after), counting
     * them in {@code checked}; returns the counter its first snapshot saw.
     */
    private static long readConsistently(TestCluster.Node standby, AtomicBoolean writing, AtomicLong checked)
            throws Exception {
        long last = -1;
        long first = -1;
        Connection conn = null;
        try {
            while (conn == null) { // 57P03 until the restarted standby is consistent
                try {
                    conn = standby.connect();
                } catch (SQLException e) {
                    Thread.sleep(20);
                }
            }
            do {
                last = checkSnapshot(conn, last);
                first = first < 0 ? last : first;
                checked.incrementAndGet();
            } while (writing.get());
            checkSnapshot(conn, last);
            return first;
        } finally {
            if (conn != null) {
                conn.close();
            }
        }
    }

    private static long checkSnapshot(TestCluster.Node standby, long notBelow) throws SQLException {
        try (Connection conn = standby.connect()) {
            return checkSnapshot(conn, notBelow);
        }
    }

    /** One statement's snapshot: the invariants of whole transfers; returns the counter. */
    private static long checkSnapshot(Connection conn, long notBelow) throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(SNAPSHOT_QUERY)) {
            rs.next();
            assertThat(rs.getLong(1)).as("sum of balances").isEqualTo(ACCOUNTS * OPENING_BALANCE);
            assertThat(rs.getLong(2)).as("accounts").isEqualTo(ACCOUNTS);
            long n = rs.getLong(3);
            assertThat(rs.getLong(4)).as("history rows beside the counter").isEqualTo(n);
            assertThat(n).as("the counter never goes back").isGreaterThanOrEqualTo(notBelow);
            return n;
        }
    }

    private static void assertSameRows(TestCluster.Node primary, TestCluster.Node standby) {
        String query = "SELECT id, balance FROM account ORDER BY id; SELECT n FROM transfers;"
                + " SELECT count(*), sum(amount) FROM history";
        assertThat(standby.psql(query)).isEqualTo(primary.psql(query));
    }

    private static long longOf(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
