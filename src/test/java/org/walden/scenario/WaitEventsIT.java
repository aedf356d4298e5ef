package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * pg_stat_activity's wait_event_type and wait_event, with PostgreSQL 15's names: what a DBA
 * queries to see why a session does not move — a row lock (Lock, transactionid), a table lock
 * (Lock, relation), an advisory lock (Lock, advisory), pg_sleep (Timeout, PgSleep), a commit
 * waiting for its synchronous standby (IPC, SyncRep), an idle session (Client, ClientRead) — and
 * the auxiliary processes' main-loop waits on a primary and a standby, as PostgreSQL 15 showed
 * them for the same pair.
 */
class WaitEventsIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aBlockedStatementShowsWhatItWaitsFor() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY, v integer); INSERT INTO t VALUES (1, 0)");
            try (Connection holder = primary.connect(); Connection waiter = primary.connect()) {
                int holderPid = pid(holder);
                int waiterPid = pid(waiter);
                assertShows(primary, holderPid, "idle|Client|ClientRead");

                holder.setAutoCommit(false);
                holder.createStatement().execute("UPDATE t SET v = 1 WHERE id = 1");
                assertShows(primary, holderPid, "idle in transaction|Client|ClientRead");
                assertWaits(primary, waiter, waiterPid, "UPDATE t SET v = 2 WHERE id = 1", "Lock|transactionid",
                        holder::commit);

                holder.createStatement().execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
                assertWaits(primary, waiter, waiterPid, "SELECT count(*) FROM t", "Lock|relation", holder::commit);

                holder.createStatement().execute("SELECT pg_advisory_xact_lock(42)");
                assertWaits(primary, waiter, waiterPid, "SELECT pg_advisory_lock(42)", "Lock|advisory",
                        holder::commit);

                assertWaits(primary, waiter, waiterPid, "SELECT pg_sleep(60)", "Timeout|PgSleep",
                        () -> cancel(primary, waiterPid));
                // a statement that waits for nothing shows no wait
                assertThat(primary.psql("SELECT state, coalesce(wait_event_type, '-'), coalesce(wait_event, '-')"
                        + " FROM pg_stat_activity WHERE pid = pg_backend_pid()")).isEqualTo("active|-|-");
            }
        }
    }

    @Test
    void aCommitWaitingForItsSynchronousStandbyShowsSyncRep() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer)");
            primary.psql("ALTER SYSTEM SET synchronous_standby_names = 'nosuchstandby'");
            primary.reload();
            assertThat(primary.pollQueryUntil("SHOW synchronous_standby_names", "nosuchstandby", WAIT)).isTrue();
            try (Connection committer = primary.connect(); Statement s = committer.createStatement()) {
                int pid = pid(committer);
                CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
                    try {
                        s.execute("INSERT INTO t VALUES (1)");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertShows(primary, pid, "active|IPC|SyncRep");
                assertThat(commit).isNotDone();
                // no synchronous standby wanted any more: the commit returns
                primary.psql("ALTER SYSTEM RESET synchronous_standby_names");
                primary.reload();
                commit.get(30, TimeUnit.SECONDS);
                assertShows(primary, pid, "idle|Client|ClientRead");
                assertThat(primary.psql("SELECT count(*) FROM t")).isEqualTo("1");
            }
        }
    }

    @Test
    void auxiliaryProcessesShowTheirMainLoops() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.backup("b");
            TestCluster.Node standby = cluster.startStandby(primary, "b", "standby");
            primary.psql("CREATE TABLE t AS SELECT 1 AS x");
            primary.waitForCatchup(standby);
            String aux = "SELECT string_agg(backend_type || ':' || coalesce(wait_event_type, '-') || ':'"
                    + " || coalesce(wait_event, '-'), ',' ORDER BY backend_type) FROM pg_stat_activity"
                    + " WHERE backend_type <> 'client backend'";
            // idle: the walsender has sent everything, the startup process has replayed everything
            assertThat(primary.pollQueryUntil(aux, "checkpointer:Activity:CheckpointerMain,"
                    + "walsender:Activity:WalSenderMain,walwriter:Activity:WalWriterMain", WAIT)).isTrue();
            assertThat(standby.pollQueryUntil(aux, "checkpointer:Activity:CheckpointerMain,"
                    + "startup:Activity:RecoveryWalStream,walreceiver:Activity:WalReceiverMain", WAIT)).isTrue();
        }
    }

    /** Runs {@code sql} on {@code session} until pg_stat_activity shows it waiting for {@code wait}, then ends the wait. */
    private static void assertWaits(TestCluster.Node node, Connection session, int pid, String sql, String wait,
                                    Releaser release) throws Exception {
        CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
            try (Statement s = session.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                if (!"57014".equals(e.getSQLState())) {
                    throw new IllegalStateException(e);
                }
            }
        });
        assertShows(node, pid, "active|" + wait);
        release.release();
        running.get(30, TimeUnit.SECONDS);
        assertShows(node, pid, "idle|Client|ClientRead");
    }

    private interface Releaser {
        void release() throws Exception;
    }

    /** pg_stat_activity comes to show {@code pid}'s "state|wait_event_type|wait_event" as {@code expected}. */
    private static void assertShows(TestCluster.Node node, int pid, String expected) {
        String sql = "SELECT state || '|' || coalesce(wait_event_type, '-') || '|' || coalesce(wait_event, '-')"
                + " FROM pg_stat_activity WHERE pid = " + pid;
        if (!node.pollQueryUntil(sql, expected, WAIT)) {
            assertThat(node.psql(sql)).isEqualTo(expected);
        }
    }

    private static void cancel(TestCluster.Node node, int pid) {
        assertThat(node.psql("SELECT pg_cancel_backend(" + pid + ")")).isEqualTo("t");
    }

    private static int pid(Connection c) throws SQLException {
        try (var rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
