package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * pg_terminate_backend and pg_cancel_backend as the seeds' switchover uses them (step 1: end
 * every other session), with PostgreSQL 15's rules: the victim of a terminate gets FATAL 57P01
 * "terminating connection due to administrator command", a cancelled statement 57014; a pid that
 * is no backend (an auxiliary process, or none) gets a WARNING and false; a superuser's backend
 * only yields to a superuser, another role's only to a superuser; with a timeout the caller waits
 * for the backend to be gone; a terminated walsender's standby connects again.
 */
class BackendSignalsIT {

    @Test
    void terminateAndCancelFollowPostgresRules() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY, v integer)");
            primary.psql("INSERT INTO t VALUES (1, 0)");
            primary.psql("CREATE ROLE alice LOGIN");
            primary.psql("CREATE ROLE bob LOGIN");
            primary.backup("b");
            TestCluster.Node standby = cluster.startStandby(primary, "b", "standby");

            try (Connection admin = primary.connect(); Statement s = admin.createStatement();
                 Connection victim = primary.connect(); Connection holder = primary.connect();
                 Connection waiter = primary.connect();
                 Connection alice = as(primary, "alice"); Connection alice2 = as(primary, "alice");
                 Connection bob = as(primary, "bob")) {
                // a statement waiting for a row lock is cancelled: 57014, the session goes on
                holder.setAutoCommit(false);
                holder.createStatement().execute("UPDATE t SET v = 1 WHERE id = 1");
                int waiterPid = pid(waiter);
                CompletableFuture<SQLException> blocked = CompletableFuture.supplyAsync(() -> {
                    try (Statement w = waiter.createStatement()) {
                        w.execute("UPDATE t SET v = 2 WHERE id = 1");
                        return null;
                    } catch (SQLException e) {
                        return e;
                    }
                });
                assertThat(primary.pollQueryUntil("SELECT count(*) FROM pg_stat_activity WHERE pid = " + waiterPid
                        + " AND query LIKE 'UPDATE%' AND state = 'active'", "1", Duration.ofSeconds(30))).isTrue();
                assertThat(bool(s, "SELECT pg_cancel_backend(" + waiterPid + ")")).isTrue();
                SQLException cancelled = blocked.get(30, TimeUnit.SECONDS);
                assertThat(cancelled.getSQLState()).isEqualTo("57014");
                assertThat(cancelled.getMessage()).contains("canceling statement due to user request");
                assertThat(bool(waiter.createStatement(), "SELECT true")).isTrue();
                holder.rollback();

                // an idle session is terminated: its next statement finds FATAL 57P01
                int victimPid = pid(victim);
                assertThat(bool(s, "SELECT pg_terminate_backend(" + victimPid + ", 5000)")).isTrue();
                assertThatThrownBy(() -> victim.createStatement().execute("SELECT 1"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isIn("57P01",
                                "08006"));
                assertThat(primary.psql("SELECT count(*) FROM pg_stat_activity WHERE pid = " + victimPid))
                        .isEqualTo("0");

                // no such backend, or an auxiliary process: a WARNING and false
                assertThat(bool(s, "SELECT pg_terminate_backend(999999)")).isFalse();
                assertThat(warnings(s)).contains("PID 999999 is not a PostgreSQL backend process");
                String checkpointer = primary.psql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'");
                assertThat(bool(s, "SELECT pg_terminate_backend(" + checkpointer + ")")).isFalse();

                // permissions: a superuser's backend, another role's backend, one's own
                Statement a = alice.createStatement();
                assertThatThrownBy(() -> a.execute("SELECT pg_terminate_backend(" + pid(admin) + ")"))
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("42501");
                            assertThat(e.getMessage()).contains("must be a superuser to terminate superuser process");
                        });
                assertThatThrownBy(() -> a.execute("SELECT pg_cancel_backend(" + pid(bob) + ")"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getMessage()).contains(
                                "must be a member of the role whose query is being canceled or member of "
                                        + "pg_signal_backend"));
                assertThat(bool(a, "SELECT pg_terminate_backend(" + pid(alice2) + ")")).isTrue();

                // the seed's step 1: every other session, the walsender included; the standby comes back
                String walsender = primary.psql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'walsender'");
                assertThat(bool(s, "SELECT pg_terminate_backend(" + walsender + ")")).isTrue();
                assertThat(primary.pollQueryUntil("SELECT count(*) FROM pg_stat_replication WHERE pid <> " + walsender
                        + " AND state = 'streaming'", "1", Duration.ofSeconds(60))).isTrue();
                primary.psql("UPDATE t SET v = 3 WHERE id = 1");
                primary.waitForCatchup(standby);
                assertThat(standby.psql("SELECT v FROM t")).isEqualTo("3");
            }
        }
    }

    /**
     * CREATE and DROP DATABASE wait up to five seconds for sessions leaving the database, as
     * PostgreSQL's CountOtherDBBackends does (psql's \\c opens the new session before it closes
     * the old one), refuse with 55006 and PostgreSQL's DETAIL when one stays, and DROP DATABASE
     * ... WITH (FORCE) ends the sessions that stay.
     */
    @Test
    void databaseCommandsWaitForLeavingSessions() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            try (Connection admin = primary.connect(); Statement s = admin.createStatement()) {
                Connection leaving = in(primary, "template1");
                CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
                    try {
                        Thread.sleep(500);
                        leaving.close();
                    } catch (InterruptedException | SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                s.execute("CREATE DATABASE copied TEMPLATE template1");
                closed.get(30, TimeUnit.SECONDS);

                try (Connection staying = in(primary, "copied")) {
                    assertThatThrownBy(() -> s.execute("DROP DATABASE copied"))
                            .isInstanceOfSatisfying(SQLException.class, e -> {
                                assertThat(e.getSQLState()).isEqualTo("55006");
                                assertThat(e.getMessage()).contains("database \"copied\" is being accessed by other "
                                        + "users", "There is 1 other session using the database.");
                            });
                    s.execute("DROP DATABASE copied WITH (FORCE)");
                    assertThatThrownBy(() -> staying.createStatement().execute("SELECT 1"))
                            .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isIn("57P01",
                                    "08006"));
                }
                assertThat(primary.psql("SELECT count(*) FROM pg_database WHERE datname = 'copied'")).isEqualTo("0");
            }
        }
    }

    private static Connection in(TestCluster.Node node, String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/" + database
                + "?user=postgres");
    }

    private static Connection as(TestCluster.Node node, String user) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/postgres?user=" + user);
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean bool(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static String warnings(Statement s) throws SQLException {
        StringBuilder out = new StringBuilder();
        for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
            out.append(w.getMessage()).append('\n');
        }
        return out.toString();
    }
}
