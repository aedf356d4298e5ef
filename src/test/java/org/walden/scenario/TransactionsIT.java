package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * Transactions as pgjdbc and psql use them, on a primary with a streaming standby: pgjdbc's
 * autosave=always (a savepoint before each statement, ROLLBACK TO after an error) goes on past
 * failed statements; rows written in rolled-back savepoints, also in a table created and loaded
 * in the transaction, never reach the standby, which ends with exactly the primary's rows;
 * REPEATABLE READ between two pgjdbc sessions keeps its snapshot and gets 40001 on a row changed
 * since; SERIALIZABLE is refused (0A000); read-only transactions get 25006; a standby refuses
 * BEGIN READ WRITE as PostgreSQL does.
 */
class TransactionsIT {

    private static Connection connect(TestCluster.Node node, String options) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port()
                + "/postgres?user=postgres&connectTimeout=10&socketTimeout=120" + options);
    }

    private static String single(Statement s, String query) throws SQLException {
        try (ResultSet rs = s.executeQuery(query)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void savepointsIsolationAndReadOnlyOnAPrimaryAndItsStandby() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE acct (id integer PRIMARY KEY, balance integer)");
            primary.backup("b1");
            TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");

            autosaveGoesOnPastFailedStatements(primary);
            rolledBackSavepointsNeverReachTheStandby(primary, standby);
            repeatableReadBetweenTwoSessions(primary);
            serializableIsRefusedAndReadOnlyIsEnforced(primary);
            primary.waitForCatchup(standby);
            theStandbyRefusesReadWrite(standby);
        }
    }

    private static void autosaveGoesOnPastFailedStatements(TestCluster.Node primary) throws Exception {
        try (Connection c = connect(primary, "&autosave=always"); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO acct VALUES (1, 100)");
            SQLException dup = catchThrowableOfType(SQLException.class,
                    () -> s.executeUpdate("INSERT INTO acct VALUES (1, 100)"));
            assertThat(dup.getSQLState()).isEqualTo("23505");
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO acct VALUES (?, 100)")) {
                for (int id = 2; id <= 8; id++) { // past prepareThreshold: named statements
                    ins.setInt(1, id);
                    ins.executeUpdate();
                }
                ins.setInt(1, 2);
                assertThat(catchThrowableOfType(SQLException.class, ins::executeUpdate).getSQLState())
                        .isEqualTo("23505");
            }
            c.commit();
            assertThat(single(s, "SELECT count(*) || ' ' || sum(id) FROM acct")).isEqualTo("8 36");
        }
        try (Connection c = connect(primary, ""); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO acct VALUES (9, 100)");
            catchThrowableOfType(SQLException.class, () -> s.executeUpdate("INSERT INTO acct VALUES (1, 100)"));
            SQLException aborted = catchThrowableOfType(SQLException.class, () -> s.executeQuery("SELECT 1"));
            assertThat(aborted.getSQLState()).isEqualTo("25P02");
            c.rollback();
            assertThat(single(s, "SELECT count(*) FROM acct")).isEqualTo("8");
        }
    }

    private static void rolledBackSavepointsNeverReachTheStandby(TestCluster.Node primary, TestCluster.Node standby)
            throws Exception {
        primary.psql("""
                BEGIN;
                CREATE TABLE loaded (id integer PRIMARY KEY, v text);
                INSERT INTO loaded SELECT g, 'kept' FROM generate_series(1, 1000) g;
                SAVEPOINT s1;
                INSERT INTO loaded SELECT g, 'undone' FROM generate_series(1001, 30000) g;
                UPDATE loaded SET v = 'undone' WHERE id <= 10;
                INSERT INTO acct VALUES (100, 0);
                UPDATE acct SET balance = 0 WHERE id = 1;
                ROLLBACK TO SAVEPOINT s1;
                SAVEPOINT s2;
                DELETE FROM acct WHERE id = 2;
                SAVEPOINT s3;
                DELETE FROM loaded WHERE id > 500;
                RELEASE SAVEPOINT s3;
                ROLLBACK TO s2;
                INSERT INTO acct VALUES (10, 10);
                COMMIT;
                """);
        String loaded = "SELECT count(*), sum(id), count(*) FILTER (WHERE v = 'undone') FROM loaded";
        String accounts = "SELECT id, balance FROM acct ORDER BY id";
        assertThat(primary.psql(loaded)).isEqualTo("1000|500500|0");
        primary.waitForCatchup(standby);
        assertThat(standby.psql(loaded)).isEqualTo("1000|500500|0");
        assertThat(standby.psql(accounts)).isEqualTo(primary.psql(accounts));
        assertThat(standby.psql("SELECT count(*) FROM acct WHERE id = 100 OR balance = 0")).isEqualTo("0");
        assertThat(standby.psql("SELECT count(*) FROM acct")).isEqualTo("9");
    }

    private static void repeatableReadBetweenTwoSessions(TestCluster.Node primary) throws Exception {
        try (Connection a = connect(primary, ""); Connection b = connect(primary, "");
             Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            a.setAutoCommit(false);
            a.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            assertThat(single(sa, "SHOW transaction_isolation")).isEqualTo("repeatable read");
            String before = single(sa, "SELECT sum(balance) FROM acct");
            sb.executeUpdate("UPDATE acct SET balance = balance + 1 WHERE id = 3");
            sb.executeUpdate("INSERT INTO acct VALUES (11, 11)");
            assertThat(single(sa, "SELECT sum(balance) FROM acct")).isEqualTo(before);
            assertThat(sa.executeUpdate("UPDATE acct SET balance = 0 WHERE id = 4")).isEqualTo(1);
            SQLException conflict = catchThrowableOfType(SQLException.class,
                    () -> sa.executeUpdate("UPDATE acct SET balance = 0 WHERE id = 3"));
            assertThat(conflict.getSQLState()).isEqualTo("40001");
            assertThat(conflict.getMessage()).contains("could not serialize access due to concurrent update");
            a.rollback();
            // the retry, in a new snapshot, succeeds
            assertThat(sa.executeUpdate("UPDATE acct SET balance = 0 WHERE id = 3")).isEqualTo(1);
            a.commit();
            a.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            assertThat(single(sa, "SHOW transaction_isolation")).isEqualTo("read committed");
            a.commit();
        }
    }

    private static void serializableIsRefusedAndReadOnlyIsEnforced(TestCluster.Node primary) throws Exception {
        try (Connection c = connect(primary, ""); Statement s = c.createStatement()) {
            SQLException refused = catchThrowableOfType(SQLException.class,
                    () -> c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE));
            assertThat(refused.getSQLState()).isEqualTo("0A000");
            assertThat(refused.getMessage()).contains("SERIALIZABLE isolation level is not supported");
            refused = catchThrowableOfType(SQLException.class, () -> s.execute("BEGIN ISOLATION LEVEL SERIALIZABLE"));
            assertThat(refused.getSQLState()).isEqualTo("0A000");
            s.execute("ROLLBACK");

            c.setAutoCommit(false);
            c.setReadOnly(true); // pgjdbc begins its transactions READ ONLY
            assertThat(single(s, "SHOW transaction_read_only")).isEqualTo("on");
            SQLException readOnly = catchThrowableOfType(SQLException.class,
                    () -> s.executeUpdate("INSERT INTO acct VALUES (12, 12)"));
            assertThat(readOnly.getSQLState()).isEqualTo("25006");
            assertThat(readOnly.getMessage()).contains("cannot execute INSERT in a read-only transaction");
            c.rollback();
        }
    }

    private static void theStandbyRefusesReadWrite(TestCluster.Node standby) throws Exception {
        try (Connection c = connect(standby, ""); Statement s = c.createStatement()) {
            assertThat(single(s, "SHOW transaction_read_only")).isEqualTo("on");
            SQLException e = catchThrowableOfType(SQLException.class, () -> s.execute("BEGIN READ WRITE"));
            assertThat(e.getSQLState()).isEqualTo("0A000");
            assertThat(e.getMessage()).contains("cannot set transaction read-write mode during recovery");
            s.execute("ROLLBACK");
            s.execute("BEGIN ISOLATION LEVEL REPEATABLE READ");
            assertThat(single(s, "SELECT count(*) FROM acct")).isEqualTo("10");
            e = catchThrowableOfType(SQLException.class, () -> s.execute("SAVEPOINT s; INSERT INTO acct VALUES (13, 0)"));
            assertThat(e.getSQLState()).isEqualTo("25006");
            s.execute("ROLLBACK TO s");
            assertThat(single(s, "SELECT count(*) FROM acct")).isEqualTo("10");
            s.execute("COMMIT");
        }
    }
}
