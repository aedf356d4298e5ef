package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * Temporary and unlogged tables across sessions, crashes and a streaming standby: two sessions
 * each have their own temp table "t" (a third sees none, 42P01, and may not read another's,
 * 0A000); a session's temp tables go when
 * it disconnects, and after kill -9 and a restart; the standby has no temp table's rows or
 * catalog records, refuses to read unlogged relations (0A000) and to create a temp table (25006); an unlogged table keeps its rows over a
 * clean restart and is empty after kill -9 (its serial starts again); SET LOGGED makes the rows
 * reach the standby.
 */
class TempAndUnloggedTablesIT {

    @Test
    void tempTablesAreSessionPrivateAndUnloggedRowsStayOffTheWal() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE p (a int)");
            primary.backup("b1");
            TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");

            try (Connection a = primary.connect(); Connection b = primary.connect();
                 Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
                sa.execute("CREATE TEMP TABLE t (id int PRIMARY KEY, v text)");
                sa.execute("INSERT INTO t VALUES (1, 'session a')");
                sb.execute("CREATE TEMP TABLE t (id serial, v text)");
                sb.execute("INSERT INTO t (v) VALUES ('session b'), ('session b again')");
                assertThat(single(sa, "SELECT string_agg(v, ',') FROM t")).isEqualTo("session a");
                assertThat(single(sb, "SELECT string_agg(v, ',' ORDER BY id) FROM t"))
                        .isEqualTo("session b,session b again");
                try (Connection c = primary.connect(); Statement sc = c.createStatement()) {
                    SQLException e = catchThrowableOfType(SQLException.class, () -> sc.executeQuery("SELECT * FROM t"));
                    assertThat(e.getSQLState()).isEqualTo("42P01");
                    assertThat(e.getMessage()).contains("relation \"t\" does not exist");
                    String bSchema = single(sb, "SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()");
                    e = catchThrowableOfType(SQLException.class,
                            () -> sc.executeQuery("SELECT * FROM " + bSchema + ".t"));
                    assertThat(e.getSQLState()).isEqualTo("0A000");
                    assertThat(e.getMessage()).contains("cannot access temporary tables of other sessions");
                    assertThat(single(sc, "SELECT pg_is_other_temp_schema('" + bSchema + "'::regnamespace)"))
                            .isEqualTo("t");
                }
                primary.psql("CREATE UNLOGGED TABLE u (a int PRIMARY KEY, b text);"
                        + " INSERT INTO u SELECT g, 'u' FROM generate_series(1, 500) g;"
                        + " CREATE UNLOGGED TABLE u2 AS SELECT g FROM generate_series(1, 40) g;"
                        + " INSERT INTO p VALUES (1)");
                primary.waitForCatchup(standby);
                assertThat(standby.psql("SELECT count(*) FROM p")).isEqualTo("1");
                assertThat(standby.psql("SELECT relpersistence FROM pg_class WHERE relname = 'u'")).isEqualTo("u");
                String tempSchema = single(sa, "SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()");
                try (Connection s = standby.connect(); Statement ss = s.createStatement()) {
                    SQLException e = catchThrowableOfType(SQLException.class, () -> ss.executeQuery("SELECT * FROM u"));
                    assertThat(e.getSQLState()).isEqualTo("0A000");
                    assertThat(e.getMessage()).contains("cannot access temporary or unlogged relations during recovery");
                    // neither the temp tables' rows nor their catalog records reach the standby
                    assertThat(single(ss, "SELECT count(*) FROM pg_class WHERE relpersistence = 't'")).isEqualTo("0");
                    assertThat(single(ss, "SELECT count(*) FROM pg_namespace WHERE nspname = '" + tempSchema + "'"))
                            .isEqualTo("0");
                    e = catchThrowableOfType(SQLException.class,
                            () -> ss.executeQuery("SELECT * FROM " + tempSchema + ".t"));
                    assertThat(e.getSQLState()).isEqualTo("42P01"); // as PostgreSQL: the schema is not there
                    e = catchThrowableOfType(SQLException.class, () -> ss.execute("CREATE TEMP TABLE x (a int)"));
                    assertThat(e.getSQLState()).isEqualTo("25006");
                    assertThat(e.getMessage()).contains("cannot execute CREATE TABLE in a read-only transaction");
                }
            }
            // both sessions ended: their temp tables are gone
            assertThat(primary.pollQueryUntil("SELECT count(*) FROM pg_class WHERE relpersistence = 't'", "0"))
                    .isTrue();

            primary.psql("ALTER TABLE u2 SET LOGGED");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT count(*), sum(g) FROM u2")).isEqualTo("40|820");

            primary.psql("CREATE UNLOGGED TABLE us (id serial, v int); INSERT INTO us (v) VALUES (1), (2)");
            primary.restart();
            assertThat(primary.psql("SELECT count(*) FROM u")).isEqualTo("500");

            try (Connection a = primary.connect(); Statement sa = a.createStatement()) {
                sa.execute("CREATE TEMP TABLE crash (a int)");
                sa.execute("INSERT INTO crash SELECT generate_series(1, 1000)");
                primary.kill9();
            }
            primary.start();
            assertThat(primary.psql("SELECT count(*) FROM u")).isEqualTo("0");
            assertThat(primary.psql("SELECT count(*) FROM u2")).isEqualTo("40");
            // an unlogged sequence starts again, as PostgreSQL resets it to its init fork
            assertThat(primary.psql("INSERT INTO us (v) VALUES (3) RETURNING id")).isEqualTo("1");
            // the first temporary object after the crash drops what the killed session left
            assertThat(primary.psql("CREATE TEMP TABLE fresh (a int);"
                    + " SELECT string_agg(relname, ',') FROM pg_class WHERE relpersistence = 't'")).isEqualTo("fresh");
        }
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
