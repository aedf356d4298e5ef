package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * {@code walden switchover} (issue 8 part 3): the seed's switchover as one command. Under a
 * pgbench load with synchronous replication no acknowledged commit is lost; the old primary ends
 * as a standby of the new one and an async standby of the old primary follows the new timeline
 * through it; a candidate that cannot catch up rolls the switchover back; and the write pause it
 * is built on behaves as described, through SQL.
 */
class SwitchoverIT {

    @Test
    void underPgbenchLoadNoAcknowledgedCommitIsLostAndTheOldPrimaryFollows() throws Exception {
        String pgbench = PgPrograms.require("pgbench");
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE probe (id integer PRIMARY KEY)");
            PgPrograms.run(List.of(pgbench, "-i", "-s", "1", "-h", "127.0.0.1", "-p", Integer.toString(primary.port()),
                    "-U", "postgres", "postgres")).check("pgbench -i");
            primary.backup("b");
            TestCluster.Node sync = cluster.initFromBackup(primary, "b", "sync_standby", true);
            sync.start();
            TestCluster.Node async = cluster.initFromBackup(primary, "b", "async_standby", true);
            async.start();
            primary.psql("ALTER SYSTEM SET synchronous_standby_names = 'sync_standby'");
            primary.psql("SELECT pg_reload_conf()");
            assertThat(primary.pollQueryUntil("SELECT application_name, sync_state FROM pg_stat_replication WHERE "
                    + "sync_state = 'sync'", "sync_standby|sync")).isTrue();

            CompletableFuture<PgPrograms.Result> load = CompletableFuture.supplyAsync(() -> PgPrograms.run(List.of(
                    pgbench, "-n", "-c", "4", "-T", "10", "-h", "127.0.0.1", "-p", Integer.toString(primary.port()),
                    "-U", "postgres", "postgres"), Map.of(), null, 120));
            Prober prober = new Prober(List.of(primary, sync));
            Thread probing = Thread.ofPlatform().start(prober);
            Thread.sleep(3000);
            TestCluster.ToolResult r = TestCluster.walden("switchover", "-D", primary.dataDir().toString(), "-U",
                    "postgres", "-l", primary.logFile().toString());
            PgPrograms.Result bench = load.get();
            prober.stop.set(true);
            probing.join();
            assertThat(r.code()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("candidate sync_standby", "candidate promoted", "application_name",
                    "streaming");

            // pgbench's acknowledged transactions each left a history row on the new primary
            Matcher processed = Pattern.compile("number of transactions actually processed: (\\d+)")
                    .matcher(bench.out());
            assertThat(processed.find()).as(bench.out() + bench.err()).isTrue();
            long acknowledged = Long.parseLong(processed.group(1));
            long rows = Long.parseLong(sync.psql("SELECT count(*) FROM pgbench_history"));
            assertThat(rows).isBetween(acknowledged, acknowledged + 4);
            assertThat(acknowledged).isPositive();
            assertThat(presentIds(sync)).containsAll(prober.acknowledged);
            System.out.printf("switchover under load: %d pgbench transactions acknowledged, %d history rows; "
                    + "longest write outage seen by a client %d ms%n", acknowledged, rows, prober.longestGapMs.get());

            // the old primary streams from the new one; the async standby follows timeline 2 through it
            assertThat(sync.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
            assertThat(primary.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
            sync.psql("INSERT INTO probe VALUES (-1)");
            assertThat(primary.pollQueryUntil("SELECT count(*) FROM probe WHERE id = -1", "1")).isTrue();
            assertThat(async.pollQueryUntil("SELECT count(*) FROM probe WHERE id = -1", "1")).isTrue();
            assertThat(async.psql("SELECT received_tli FROM pg_stat_wal_receiver")).isEqualTo("2");
        }
    }

    @Test
    void aCandidateThatCannotCatchUpRollsTheSwitchoverBack() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY)");
            primary.backup("b");
            TestCluster.Node standby = cluster.startStandby(primary, "b", "standby");
            standby.psql("SELECT pg_wal_replay_pause()");
            primary.psql("INSERT INTO t VALUES (1)");

            TestCluster.ToolResult r = TestCluster.walden("switchover", "-D", primary.dataDir().toString(), "-U",
                    "postgres", "-t", "3");
            assertThat(r.code()).isOne();
            assertThat(r.err()).contains("switchover: error: the candidate did not replay",
                    "switchover rolled back: writes resumed on the primary");
            primary.psql("INSERT INTO t VALUES (2)");
            assertThat(primary.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
            assertThat(standby.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");

            // the wrong directory, and a candidate that is no standby
            TestCluster.ToolResult onStandby = TestCluster.walden("switchover", "-D", standby.dataDir().toString(),
                    "-U", "postgres");
            assertThat(onStandby.err()).contains("is a standby, not a primary");
            TestCluster.ToolResult notStandby = TestCluster.walden("switchover", "-D", primary.dataDir().toString(),
                    "-U", "postgres", "--candidate", "host=127.0.0.1 port=" + primary.port() + " dbname=postgres");
            assertThat(notStandby.err()).contains("is not a streaming standby");
            primary.psql("INSERT INTO t VALUES (3)");
            standby.psql("SELECT pg_wal_replay_resume()");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT count(*) FROM t")).isEqualTo("3");
        }
    }

    @Test
    void pausedWritesRefuseNewWritersLetRunningOnesFinishAndEndWithTheSession() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY)");
            try (Connection running = primary.connect(); Connection pauser = primary.connect();
                 Connection other = primary.connect()) {
                running.setAutoCommit(false);
                running.createStatement().execute("INSERT INTO t VALUES (1)");
                CompletableFuture<String> paused = CompletableFuture.supplyAsync(() -> query(pauser,
                        "SELECT walden_pause_writes(30)"));
                TimelineSwitchIT.waitFor("writes paused", () -> {
                    try (Statement s = other.createStatement()) {
                        s.execute("SELECT txid_current()"); // a writer's first step: an xid
                        return false;
                    } catch (SQLException e) {
                        return "25006".equals(e.getSQLState());
                    }
                });
                assertThatThrownBy(() -> other.createStatement().execute("INSERT INTO t VALUES (3)"))
                        .hasMessageContaining("cannot execute write operation in a read-only transaction")
                        .hasMessageContaining("Writes are paused for a switchover.");
                assertThat(query(other, "SELECT count(*) FROM t")).isEqualTo("0");
                assertThat(paused).isNotDone();
                running.createStatement().execute("INSERT INTO t VALUES (4)");
                running.commit();
                String lsn = paused.get();
                assertThat(query(other, "SELECT '" + lsn + "'::pg_lsn <= pg_current_wal_lsn()")).isEqualTo("t");
                assertThatThrownBy(() -> query(other, "SELECT walden_pause_writes(0)"))
                        .hasMessageContaining("writes are already paused by process");
                assertThat(query(pauser, "SELECT walden_resume_writes()")).isEqualTo("t");
                other.createStatement().execute("INSERT INTO t VALUES (5)");

                // an idle transaction that holds its writes is ended after the wait
                running.createStatement().execute("INSERT INTO t VALUES (6)");
                assertThat(query(pauser, "SELECT walden_pause_writes(1) IS NOT NULL")).isEqualTo("t");
                assertThatThrownBy(() -> running.createStatement().execute("INSERT INTO t VALUES (7)"))
                        .isInstanceOf(SQLException.class);
            }
            // the pausing session ended: writes resumed
            primary.psql("INSERT INTO t VALUES (8)");
            assertThat(primary.psql("SELECT id FROM t ORDER BY id")).isEqualTo("1\n4\n5\n8");
        }
    }

    /**
     * Inserts increasing ids, one transaction each, into whichever node accepts writes; keeps
     * the acknowledged ids and the longest time between two acknowledgements.
     */
    private static final class Prober implements Runnable {
        final Set<Integer> acknowledged = new ConcurrentSkipListSet<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong longestGapMs = new AtomicLong();
        private final List<TestCluster.Node> nodes;

        Prober(List<TestCluster.Node> nodes) {
            this.nodes = nodes;
        }

        @Override
        public void run() {
            long lastAck = System.nanoTime();
            int id = 1;
            int node = 0;
            while (!stop.get()) {
                TestCluster.Node target = nodes.get(node);
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + target.port()
                        + "/postgres?user=postgres&connectTimeout=2&socketTimeout=10");
                     Statement s = c.createStatement()) {
                    while (!stop.get()) {
                        s.execute("INSERT INTO probe VALUES (" + id + ")");
                        acknowledged.add(id++);
                        long now = System.nanoTime();
                        longestGapMs.accumulateAndGet((now - lastAck) / 1_000_000, Math::max);
                        lastAck = now;
                    }
                } catch (SQLException e) {
                    node = (node + 1) % nodes.size();
                    id++;
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    private static Set<Integer> presentIds(TestCluster.Node node) {
        Set<Integer> ids = new TreeSet<>();
        for (String line : node.psql("SELECT id FROM probe WHERE id > 0").split("\n")) {
            if (!line.isEmpty()) {
                ids.add(Integer.parseInt(line));
            }
        }
        return ids;
    }

    private static String query(Connection c, String sql) {
        try (Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
