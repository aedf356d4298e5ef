package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * Every commit acknowledged to a client survives kill -9 of the server, and no transaction is
 * seen half-applied after crash recovery. Five pgjdbc clients each run, in a loop, a
 * transaction inserting two rows with related keys (id and id + 1,000,000) and incrementing a
 * shared counter row; each records the ids whose COMMIT returned. After 1 to 3 seconds the
 * server is killed with SIGKILL during the load and started again; the recovered tables must
 * hold every acknowledged id, both rows of each transaction or neither, and a counter equal to
 * the number of transactions present. Four kill/restart cycles on the same cluster.
 */
class CrashRecoveryIT {

    private static final int CLIENTS = 5;
    private static final int CYCLES = 4;
    private static final long PAIR_OFFSET = 1_000_000L;

    private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    private final Set<Long> attempted = ConcurrentHashMap.newKeySet();
    private final AtomicLong nextId = new AtomicLong(1);

    @Test
    void acknowledgedCommitsSurviveKill9AndNoTransactionIsHalfPresent() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        System.out.println("CrashRecoveryIT: random seed " + seed);
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("crash");
            node.start();
            node.psql("""
                    CREATE TABLE pairs (id bigint PRIMARY KEY, client integer NOT NULL);
                    CREATE TABLE counter (id integer PRIMARY KEY, n bigint NOT NULL);
                    INSERT INTO counter VALUES (1, 0);
                    """);
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                int ackedBefore = acknowledged.size();
                long loadMs = 1000 + random.nextInt(2001);
                runLoadThenKill(node, loadMs);
                node.start();
                Check check = checkRecovered(node);
                System.out.printf("CrashRecoveryIT cycle %d: load %d ms, commits acknowledged %d (total %d),"
                                + " transactions attempted %d, found after recovery %d, counter %d%n",
                        cycle, loadMs, acknowledged.size() - ackedBefore, acknowledged.size(), attempted.size(),
                        check.present.size(), check.counter);
                assertThat(acknowledged.size()).as("commits acknowledged in cycle " + cycle)
                        .isGreaterThan(ackedBefore);
            }
        }
    }

    private void runLoadThenKill(TestCluster.Node node, long loadMs) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> unexpected = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            Connection conn = node.connect();
            Thread t = new Thread(() -> clientLoop(conn, client, stop), "crash-client-" + c);
            t.setUncaughtExceptionHandler((th, e) -> {
                synchronized (unexpected) {
                    unexpected.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        Thread.sleep(loadMs);
        node.kill9();
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
            assertThat(t.isAlive()).as(t.getName() + " still running 60 s after the kill").isFalse();
        }
        assertThat(unexpected).isEmpty();
    }

    /** Runs transactions until the connection breaks; records attempted and acknowledged ids. */
    private void clientLoop(Connection conn, int client, AtomicBoolean stop) {
        try (conn) {
            conn.setAutoCommit(false);
            try (PreparedStatement insert = conn.prepareStatement("INSERT INTO pairs VALUES (?, ?)");
                 PreparedStatement bump = conn.prepareStatement("UPDATE counter SET n = n + 1 WHERE id = 1")) {
                while (!stop.get()) {
                    long id = nextId.getAndIncrement();
                    attempted.add(id);
                    try {
                        insert.setLong(1, id);
                        insert.setInt(2, client);
                        insert.executeUpdate();
                        insert.setLong(1, id + PAIR_OFFSET);
                        insert.executeUpdate();
                        assertThat(bump.executeUpdate()).isEqualTo(1);
                        conn.commit();
                        acknowledged.add(id);
                    } catch (SQLException e) {
                        if (conn.isClosed() || "08006".equals(e.getSQLState()) || "57P01".equals(e.getSQLState())
                                || e.getSQLState() == null || e.getSQLState().startsWith("08")) {
                            return;
                        }
                        // a serialization failure or deadlock: roll back and go on
                        System.out.println("CrashRecoveryIT client " + client + ": " + e.getSQLState() + " "
                                + e.getMessage());
                        conn.rollback();
                    }
                }
            }
        } catch (SQLException e) {
            // the server died under us
        }
    }

    private record Check(Set<Long> present, long counter) {
    }

    private Check checkRecovered(TestCluster.Node node) throws SQLException {
        Set<Long> low = new HashSet<>();
        Set<Long> high = new HashSet<>();
        long counter;
        try (Connection c = node.connect(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT id FROM pairs")) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    (id < PAIR_OFFSET ? low : high).add(id < PAIR_OFFSET ? id : id - PAIR_OFFSET);
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT n FROM counter WHERE id = 1")) {
                assertThat(rs.next()).isTrue();
                counter = rs.getLong(1);
            }
        }
        assertThat(high).as("second rows without their first row (half transactions)").isSubsetOf(low);
        assertThat(low).as("first rows without their second row (half transactions)").isSubsetOf(high);
        assertThat(low).as("every acknowledged commit is present after recovery").containsAll(acknowledged);
        assertThat(attempted).as("no row appears that no client inserted").containsAll(low);
        assertThat(counter).as("the shared counter counts the transactions present").isEqualTo(low.size());
        return new Check(low, counter);
    }
}
