package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * pg_stat_database's counters that need more than one session (pgcompare's
 * 43-pg-stat-database.sql compares the transaction and row counts with PostgreSQL 15): a
 * deadlock counts once, in the database it happened in; each connection counts as a session;
 * time spent running statements and idle in a transaction shows in active_time and
 * idle_in_transaction_time, both part of session_time; a session ended by its client without
 * a Terminate message counts as abandoned, one ended by a FATAL error (an idle timeout) as fatal,
 * one ended by pg_terminate_backend as killed.
 */
class DatabaseStatsIT {

    @Test
    void deadlocksSessionsAndSessionTimes() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY, v integer); INSERT INTO t VALUES (1, 0), (2, 0)");
            primary.psql("SELECT pg_stat_reset()");
            String counters = "SELECT deadlocks, sessions FROM pg_stat_database WHERE datname = 'postgres'";
            String before = primary.psql(counters);
            try (Connection a = primary.connect(); Connection b = primary.connect()) {
                a.setAutoCommit(false);
                b.setAutoCommit(false);
                a.createStatement().execute("UPDATE t SET v = 1 WHERE id = 1");
                b.createStatement().execute("UPDATE t SET v = 2 WHERE id = 2");
                CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> update(a, 2));
                Thread.sleep(300);
                String second = update(b, 1);
                String outcomes = first.get(30, TimeUnit.SECONDS) + "," + second;
                assertThat(outcomes).as("one of the two is the deadlock's victim").containsOnlyOnce("40P01");
                a.rollback();
                b.rollback();

                // 0.3 s running a statement, then 0.3 s idle in a transaction
                a.setAutoCommit(true);
                a.createStatement().execute("SELECT pg_sleep(0.3)");
                a.setAutoCommit(false);
                a.createStatement().execute("SELECT 1");
                Thread.sleep(300);
                a.commit();
            }
            assertThat(before).isEqualTo("0|1"); // the psql session that reads it
            assertThat(primary.psql(counters)).isEqualTo("1|4"); // two JDBC sessions and this psql
            assertThat(primary.psql("SELECT active_time >= 300, idle_in_transaction_time >= 300,"
                    + " session_time >= active_time + idle_in_transaction_time"
                    + " FROM pg_stat_database WHERE datname = 'postgres'")).isEqualTo("t|t|t");

            String ends = "SELECT sessions_abandoned, sessions_fatal, sessions_killed FROM pg_stat_database"
                    + " WHERE datname = 'postgres'";
            assertThat(primary.psql(ends)).isEqualTo("0|0|0"); // JDBC's close and psql send Terminate
            try (Socket s = new Socket("127.0.0.1", primary.port())) {
                startSession(s); // then the socket closes without a Terminate
            }
            try (Connection idle = primary.connect()) {
                idle.createStatement().execute("SET idle_session_timeout = '200ms'");
                assertThat(primary.pollQueryUntil(ends, "1|1|0", Duration.ofSeconds(30))).isTrue();
            }
            try (Connection victim = primary.connect()) {
                assertThat(primary.psql("SELECT pg_terminate_backend(" + pid(victim) + ", 5000)")).isEqualTo("t");
            }
            assertThat(primary.pollQueryUntil(ends, "1|1|1", Duration.ofSeconds(30))).isTrue();
        }
    }

    /** StartupMessage as user postgres, then reads the server's messages up to its first ReadyForQuery. */
    private static void startSession(Socket s) throws IOException {
        byte[] params = "user\0postgres\0database\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(8 + params.length);
        out.writeInt(196608);
        out.write(params);
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        while (true) {
            int type = in.readUnsignedByte();
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            assertThat((char) type).as("no ErrorResponse").isNotEqualTo('E');
            if (type == 'R') {
                assertThat(java.nio.ByteBuffer.wrap(body).getInt()).as("AuthenticationOk: no password asked").isZero();
            }
            if (type == 'Z') {
                return;
            }
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (var rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Updates row {@code id} in the session's transaction; its SQLSTATE when that fails, else "ok". */
    private static String update(Connection c, int id) {
        try (Statement s = c.createStatement()) {
            s.execute("UPDATE t SET v = 3 WHERE id = " + id);
            return "ok";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }
}
