package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.walden.server.Postmaster;
import org.walden.sql.testing.InProcessServer;

/** The real pgjdbc driver against the protocol branch's Postmaster over this SQL engine. */
class PgJdbcSessionTest {

    @TempDir
    Path tmp;
    private InProcessServer server;

    @BeforeEach
    void setUp() throws IOException, SQLException {
        server = new InProcessServer(tmp);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        server.close();
    }

    private Connection connect() throws SQLException {
        return server.connect();
    }

    @Test
    void preparedStatementsTransactionsAndErrors() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            assertThat(c.isValid(5)).isTrue();
            st.execute("create table jt (id int primary key, t text, n numeric(10,2), b boolean, "
                    + "ts timestamp default now())");
            try (PreparedStatement ins = c.prepareStatement("insert into jt (id, t, n, b) values (?, ?, ?, ?)")) {
                for (int i = 1; i <= 8; i++) { // past prepareThreshold: named statements, binary results
                    ins.setInt(1, i);
                    ins.setString(2, "row" + i);
                    ins.setBigDecimal(3, new BigDecimal(i + ".25"));
                    ins.setBoolean(4, i % 2 == 0);
                    assertThat(ins.executeUpdate()).isEqualTo(1);
                }
            }
            try (PreparedStatement sel = c.prepareStatement("select id, t, n, b, ts, now() as now from jt where id = ?")) {
                for (int i = 1; i <= 8; i++) {
                    sel.setInt(1, i);
                    try (ResultSet rs = sel.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getInt(1)).isEqualTo(i);
                        assertThat(rs.getString(2)).isEqualTo("row" + i);
                        assertThat(rs.getBigDecimal(3)).isEqualByComparingTo(i + ".25");
                        assertThat(rs.getBoolean(4)).isEqualTo(i % 2 == 0);
                        assertThat(rs.getTimestamp(5)).isInstanceOf(Timestamp.class);
                        assertThat(rs.getTimestamp("now")).isNotNull();
                        assertThat(rs.next()).isFalse();
                    }
                }
            }
            c.setAutoCommit(false);
            st.executeUpdate("update jt set n = n + 1 where id = 1");
            c.rollback();
            st.executeUpdate("update jt set n = n * 2 where id = 2");
            c.commit();
            c.setAutoCommit(true);
            try (ResultSet rs = st.executeQuery("select n from jt where id in (1, 2) order by id")) {
                rs.next();
                assertThat(rs.getBigDecimal(1)).isEqualByComparingTo("1.25");
                rs.next();
                assertThat(rs.getBigDecimal(1)).isEqualByComparingTo("4.50");
            }
            assertThatThrownBy(() -> st.execute("insert into jt (id) values (1)"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
            assertThatThrownBy(() -> st.execute("select nope from jt"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42703"));
            try (ResultSet rs = st.executeQuery("select count(*), sum(id), version() from jt")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(8);
                assertThat(rs.getLong(2)).isEqualTo(36);
                assertThat(rs.getString(3)).startsWith("PostgreSQL 15.");
            }
            try (ResultSet rs = st.executeQuery("select pg_current_wal_lsn(), pg_is_in_recovery()")) {
                rs.next();
                assertThat(rs.getMetaData().getColumnTypeName(1)).isEqualTo("pg_lsn"); // TypeInfoCache look-up
                assertThat(rs.getObject(1).toString()).matches("[0-9A-F]+/[0-9A-F]+");
                assertThat(rs.getBoolean(2)).isFalse();
            }
        }
    }

    /**
     * Constraint violations name their object in the ErrorResponse's s/t/c/n fields, as
     * PostgreSQL's do: what pgjdbc's ServerErrorMessage gives ORMs to map a violation to a field.
     */
    @Test
    void constraintViolationsNameTheirSchemaTableColumnAndConstraint() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("create schema app");
            st.execute("create table app.p (id int primary key, name text not null check (length(name) > 1),"
                    + " u int unique)");
            st.execute("create table app.c (id int primary key, pid int references app.p)");
            st.execute("insert into app.p values (1, 'ab', 1)");
            st.execute("insert into app.c values (10, 1)");
            assertViolation(st, "insert into app.p values (2, null, 2)", "23502", "app", "p", "name", null);
            assertViolation(st, "insert into app.p values (2, 'x', 2)", "23514", "app", "p", null, "p_name_check");
            assertViolation(st, "insert into app.p values (1, 'cd', 2)", "23505", "app", "p", null, "p_pkey");
            assertViolation(st, "insert into app.p values (2, 'cd', 1)", "23505", "app", "p", null, "p_u_key");
            assertViolation(st, "insert into app.c values (11, 9)", "23503", "app", "c", null, "c_pid_fkey");
            assertViolation(st, "delete from app.p", "23503", "app", "c", null, "c_pid_fkey");
            assertViolation(st, "alter table app.p add constraint big check (id > 5)", "23514", "app", "p", null,
                    "big");
        }
    }

    private static void assertViolation(Statement st, String sql, String state, String schema, String table,
                                        String column, String constraint) {
        assertThatThrownBy(() -> st.execute(sql)).as(sql).isInstanceOfSatisfying(PSQLException.class, e -> {
            ServerErrorMessage m = e.getServerErrorMessage();
            assertThat(m.getSQLState()).isEqualTo(state);
            assertThat(m.getSchema()).isEqualTo(schema);
            assertThat(m.getTable()).isEqualTo(table);
            assertThat(m.getColumn()).isEqualTo(column);
            assertThat(m.getConstraint()).isEqualTo(constraint);
        });
    }

    /**
     * statement_timeout cancels a running statement (57014) and the session goes on;
     * idle_in_transaction_session_timeout ends a session left idle in a transaction block with
     * FATAL 25P03, and idle_session_timeout one left idle outside a block with FATAL 57P05.
     */
    @Test
    void statementAndIdleTimeouts() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("set statement_timeout = 200");
            SQLException timeout = org.assertj.core.api.Assertions.catchThrowableOfType(SQLException.class,
                    () -> st.execute("select pg_sleep(5)"));
            assertThat(timeout.getSQLState()).isEqualTo("57014");
            assertThat(timeout.getMessage()).contains("canceling statement due to statement timeout");
            st.execute("reset statement_timeout");
            st.execute("set idle_in_transaction_session_timeout = 300");
            // idle outside a transaction block: not this timeout
            Thread.sleep(600);
            c.setAutoCommit(false);
            try (ResultSet rs = st.executeQuery("select 1")) {
                assertThat(rs.next()).isTrue();
            }
            Thread.sleep(1000);
            SQLException idle = org.assertj.core.api.Assertions.catchThrowableOfType(SQLException.class,
                    () -> st.executeQuery("select 2"));
            assertThat(idle.getSQLState()).isEqualTo("25P03");
            assertThat(idle.getMessage()).contains("terminating connection due to idle-in-transaction timeout");
            assertThat(c.isValid(1)).isFalse();
        }
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("set idle_session_timeout = 300");
            Thread.sleep(1000);
            SQLException idle = org.assertj.core.api.Assertions.catchThrowableOfType(SQLException.class,
                    () -> st.executeQuery("select 1"));
            assertThat(idle.getSQLState()).isEqualTo("57P05");
            assertThat(idle.getMessage()).contains("terminating connection due to idle-session timeout");
        }
    }

    @Test
    void numericNaNAndInfinitiesTravelInBinary() throws Exception {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("binaryTransferEnable", "NUMERIC");
        props.setProperty("prepareThreshold", "-1"); // named statements from the first execution: binary results
        try (Connection c = server.connect(props); Statement st = c.createStatement()) {
            st.execute("create table nn (id int primary key, v numeric)");
            try (PreparedStatement ins = c.prepareStatement("insert into nn values (?, ?)")) {
                double[] values = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 2.5};
                for (int i = 0; i < values.length; i++) {
                    ins.setInt(1, i + 1);
                    ins.setDouble(2, values[i]); // float8 parameter, assigned to numeric
                    assertThat(ins.executeUpdate()).isEqualTo(1);
                }
            }
            try (PreparedStatement sel = c.prepareStatement("select v, v::text from nn where id = ?")) {
                String[] texts = {"NaN", "Infinity", "-Infinity", "2.5"};
                double[] doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 2.5};
                for (int i = 0; i < texts.length; i++) {
                    sel.setInt(1, i + 1);
                    try (ResultSet rs = sel.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(Double.valueOf(rs.getDouble(1))).isEqualTo(Double.valueOf(doubles[i]));
                        assertThat(rs.getString(2)).isEqualTo(texts[i]);
                    }
                }
            }
            try (PreparedStatement sel = c.prepareStatement("select id from nn where v = ?::numeric order by id")) {
                sel.setString(1, "NaN");
                try (ResultSet rs = sel.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                    assertThat(rs.next()).isFalse();
                }
            }
            try (ResultSet rs = st.executeQuery("select max(v), min(v), sum(v) from nn")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getDouble(1)).isNaN();
                assertThat(rs.getDouble(2)).isEqualTo(Double.NEGATIVE_INFINITY);
                assertThat(rs.getString(3)).isEqualTo("NaN");
            }
        }
    }
}
