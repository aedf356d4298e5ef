package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;
import org.walden.wal.Lsn;

/**
 * A hot standby as its users see it: it answers queries (through SQL cursors too, scrollable
 * and WITH HOLD) and refuses writes (25006, "cannot execute INSERT in a read-only transaction"),
 * says it is in recovery, its received and replayed positions advance with the primary's writes,
 * it reconnects by itself when the primary restarts (fast, then after kill -9) and catches up, it
 * holds exactly the primary's rows after a concurrent write load, and the primary's
 * pg_stat_replication shows it streaming, async, with its pid, user, application_name and address.
 */
class HotStandbyIT {

    @Test
    void aHotStandbyServesReadsRefusesWritesAndFollowsThePrimaryThroughRestarts() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE h (id integer PRIMARY KEY, client integer, v text)");
            primary.backup("b1");
            TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");

            assertThat(standby.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
            try (Connection c = standby.connect(); Statement s = c.createStatement()) {
                SQLException e = catchThrowableOfType(SQLException.class,
                        () -> s.executeUpdate("INSERT INTO h VALUES (1, 0, 'on the standby')"));
                assertThat(e.getSQLState()).isEqualTo("25006");
                assertThat(e.getMessage()).contains("cannot execute INSERT in a read-only transaction");
                e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("CREATE TABLE nope (a int)"));
                assertThat(e.getSQLState()).isEqualTo("25006");
            }

            assertThat(primary.pollQueryUntil("SELECT application_name, state, sync_state, usename,"
                    + " client_addr, pid > 0 FROM pg_stat_replication",
                    "standby|streaming|async|postgres|127.0.0.1|t", Duration.ofSeconds(60))).isTrue();

            Lsn received0 = Lsn.parse(standby.psql("SELECT pg_last_wal_receive_lsn()"));
            Lsn replayed0 = Lsn.parse(standby.psql("SELECT pg_last_wal_replay_lsn()"));
            primary.psql("INSERT INTO h VALUES (1, 0, 'one'), (2, 0, 'two')");
            // a generated column's definition is a catalog record: the standby replays it with the rows
            primary.psql("CREATE TABLE hg (a integer PRIMARY KEY, b integer GENERATED ALWAYS AS (a * 2) STORED)");
            primary.psql("INSERT INTO hg (a) VALUES (21)");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT b, attgenerated, pg_get_expr(adbin, adrelid) FROM hg, pg_attribute, "
                    + "pg_attrdef WHERE attrelid = 'hg'::regclass AND attname = 'b' AND adrelid = attrelid "
                    + "AND adnum = attnum")).isEqualTo("42|s|(a * 2)");
            Lsn received1 = Lsn.parse(standby.psql("SELECT pg_last_wal_receive_lsn()"));
            Lsn replayed1 = Lsn.parse(standby.psql("SELECT pg_last_wal_replay_lsn()"));
            assertThat(received1).isGreaterThan(received0);
            assertThat(replayed1).isGreaterThan(replayed0);
            assertThat(standby.psql("SELECT v FROM h ORDER BY id")).isEqualTo("one\ntwo");
            // SQL cursors read on a standby too: a scrollable one in a block, a WITH HOLD one across statements
            try (Connection c = standby.connect(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("DECLARE sc SCROLL CURSOR FOR SELECT v FROM h ORDER BY id");
                assertThat(fetchedValues(s, "FETCH LAST FROM sc")).isEqualTo("two");
                assertThat(fetchedValues(s, "FETCH BACKWARD ALL FROM sc")).isEqualTo("one");
                c.commit();
                c.setAutoCommit(true);
                s.execute("DECLARE hc CURSOR WITH HOLD FOR SELECT v FROM h ORDER BY id");
                assertThat(fetchedValues(s, "FETCH 1 FROM hc")).isEqualTo("one");
                assertThat(fetchedValues(s, "FETCH ALL FROM hc")).isEqualTo("two");
                s.execute("CLOSE hc");
            }

            primary.restart();
            primary.psql("INSERT INTO h VALUES (3, 0, 'after restart')");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT v FROM h WHERE id = 3")).isEqualTo("after restart");

            primary.kill9();
            primary.start();
            primary.psql("INSERT INTO h VALUES (4, 0, 'after kill -9')");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT v FROM h WHERE id = 4")).isEqualTo("after kill -9");
            assertThat(primary.pollQueryUntil("SELECT state FROM pg_stat_replication", "streaming",
                    Duration.ofSeconds(60))).isTrue();

            writeLoad(primary, 4, 150);
            primary.waitForCatchup(standby);
            String query = "SELECT id, client, v FROM h ORDER BY id";
            String onPrimary = primary.psql(query);
            assertThat(onPrimary.lines().count()).isEqualTo(4 + 4 * 150);
            assertThat(standby.psql(query)).isEqualTo(onPrimary);
            assertThat(standby.psql("SELECT sum(id), count(DISTINCT client) FROM h"))
                    .isEqualTo(primary.psql("SELECT sum(id), count(DISTINCT client) FROM h"));
        }
    }

    private static String fetchedValues(Statement s, String fetch) throws SQLException {
        StringBuilder out = new StringBuilder();
        try (java.sql.ResultSet rs = s.executeQuery(fetch)) {
            while (rs.next()) {
                out.append(out.isEmpty() ? "" : ",").append(rs.getString(1));
            }
        }
        return out.toString();
    }

    /** The standby killed with -9 in the middle of a write load restarts, catches up, and matches. */
    @Test
    void aStandbyKilledDuringALoadCatchesUpAndMatchesThePrimary() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE h (id integer PRIMARY KEY, client integer, v text)");
            primary.backup("b1");
            TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");
            ExecutorService loader = Executors.newSingleThreadExecutor();
            try {
                Future<?> load = loader.submit(() -> {
                    writeLoad(primary, 3, 200);
                    return null;
                });
                Thread.sleep(1500);
                standby.kill9();
                Thread.sleep(500);
                standby.start();
                load.get(120, TimeUnit.SECONDS);
            } finally {
                loader.shutdownNow();
            }
            primary.waitForCatchup(standby);
            String query = "SELECT id, client, v FROM h ORDER BY id";
            String onPrimary = primary.psql(query);
            assertThat(onPrimary.lines().count()).isEqualTo(3 * 200);
            assertThat(standby.psql(query)).isEqualTo(onPrimary);
            assertThat(standby.logContains("database system was interrupted while in recovery")
                    || standby.logContains("database system was interrupted")).isTrue();
        }
    }

    /**
     * The primary killed with -9 in the middle of a write load: after it restarts, the standby
     * (which reconnects by itself) holds exactly the primary's rows, and more writes follow.
     */
    @Test
    void afterThePrimaryIsKilledDuringALoadTheStandbyMatchesTheRecoveredPrimary() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE h (id integer PRIMARY KEY, client integer, v text)");
            primary.backup("b1");
            TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");
            ExecutorService loader = Executors.newSingleThreadExecutor();
            try {
                Future<?> load = loader.submit(() -> {
                    writeLoad(primary, 3, 100_000);
                    return null;
                });
                Thread.sleep(2000);
                primary.kill9();
                java.util.concurrent.ExecutionException e = catchThrowableOfType(
                        java.util.concurrent.ExecutionException.class, () -> load.get(60, TimeUnit.SECONDS));
                assertThat(e).as("the load ends with the primary").isNotNull();
            } finally {
                loader.shutdownNow();
            }
            primary.start();
            primary.psql("INSERT INTO h VALUES (1, 0, 'after the crash')");
            primary.waitForCatchup(standby);
            String query = "SELECT id, client, v FROM h ORDER BY id";
            String onPrimary = primary.psql(query);
            System.out.println("HotStandbyIT: rows after the primary's crash: " + onPrimary.lines().count());
            assertThat(onPrimary.lines().count()).isGreaterThan(1);
            assertThat(standby.psql(query)).isEqualTo(onPrimary);
        }
    }

    /** {@code clients} pgjdbc sessions each insert {@code rows} rows and update a few of them. */
    private static void writeLoad(TestCluster.Node primary, int clients, int rows) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 1; c <= clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    try (Connection conn = primary.connect();
                         PreparedStatement ins = conn.prepareStatement("INSERT INTO h VALUES (?, ?, ?)");
                         PreparedStatement up = conn.prepareStatement("UPDATE h SET v = v || '+' WHERE id = ?")) {
                        for (int i = 0; i < rows; i++) {
                            int id = 1000 * client + i;
                            ins.setInt(1, id);
                            ins.setInt(2, client);
                            ins.setString(3, "c" + client + "r" + i);
                            ins.executeUpdate();
                            if (i % 10 == 0) {
                                up.setInt(1, id);
                                up.executeUpdate();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
