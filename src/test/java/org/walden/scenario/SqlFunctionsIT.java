package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.walden.test.TestCluster;

/**
 * LANGUAGE sql functions through pgjdbc: created, called from prepared statements, in WHERE and
 * in column defaults, kept across a restart and replayed on a hot standby; the definitions
 * PostgreSQL refuses at CREATE time refused with its SQLSTATE and message; DO, PL/pgSQL and
 * CREATE PROCEDURE refused with 0A000 and a message naming what Walden lacks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlFunctionsIT {

    private TestCluster cluster;
    private TestCluster.Node primary;

    @BeforeAll
    void start() {
        cluster = new TestCluster();
        primary = cluster.initPrimary("functions");
        primary.start();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void assertError(ThrowableAssert.ThrowingCallable call, String sqlState, String message) {
        assertThatThrownBy(call).isInstanceOf(SQLException.class).hasMessageContaining(message)
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(sqlState);
    }

    @Test
    void functionsWorkInStatementsAndSurviveRestartAndReplication() throws Exception {
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("create table account (id int primary key, balance numeric, code text)");
            s.execute("create function fee(amount numeric) returns numeric language sql immutable strict "
                    + "as 'select round(amount * 0.01, 2)'");
            s.execute("create function next_code(prefix text) returns text language sql volatile "
                    + "as $$ select prefix || '-' || (select count(*) + 1 from account) $$");
            s.execute("alter table account alter column code set default next_code('acct')");
            s.execute("create function rich(min numeric) returns table (id int, balance numeric) language sql stable "
                    + "as $$ select id, balance from account where balance >= min order by id $$");
            try (PreparedStatement ins = c.prepareStatement("insert into account (id, balance) values (?, ?)")) {
                for (int i = 1; i <= 5; i++) {
                    ins.setInt(1, i);
                    ins.setBigDecimal(2, new java.math.BigDecimal(i * 1000));
                    ins.executeUpdate();
                }
            }
            try (PreparedStatement q = c.prepareStatement(
                    "select id, fee(balance), code from account where fee(balance) > ? order by id")) {
                q.setBigDecimal(1, new java.math.BigDecimal("25"));
                assertThat(rows(q.executeQuery())).containsExactly("3|30.00|acct-3", "4|40.00|acct-4",
                        "5|50.00|acct-5");
            }
            assertThat(rows(s.executeQuery("select * from rich(4000)"))).containsExactly("4|4000", "5|5000");
        }
        primary.restart();
        primary.backup("fn-base");
        TestCluster.Node standby = cluster.startStandby(primary, "fn-base", "functions-standby");
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            assertThat(rows(s.executeQuery("select fee(12345), count(*) from rich(0)"))).containsExactly("123.45|5");
            s.execute("create function late() returns int language sql as 'select 42'");
        }
        try (Connection c = standby.connect(); Statement s = c.createStatement()) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (true) {
                try {
                    assertThat(rows(s.executeQuery("select late(), fee(100), (select count(*) from rich(2000))")))
                            .containsExactly("42|1.00|4");
                    break;
                } catch (SQLException | AssertionError e) {
                    if (System.currentTimeMillis() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    @Test
    void badDefinitionsAreRefusedAsPostgresRefusesThem() throws Exception {
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            assertError(() -> s.execute("create function bad1() returns int language sql as $$ select 'a', 'b' $$"),
                    "42P13", "return type mismatch in function declared to return integer");
            assertError(() -> s.execute("create function bad2() returns int language sql as $$ select now() $$"),
                    "42P13", "return type mismatch in function declared to return integer");
            assertError(() -> s.execute("create function bad3() returns int language sql as $$ select * from nosuch $$"),
                    "42P01", "relation \"nosuch\" does not exist");
            assertError(() -> s.execute("create function bad4() returns int as $$ select 1 $$"), "42P13",
                    "no language specified");
            assertError(() -> s.execute("create function bad5(int) returns int language sql as 'select $1'; "
                    + "create function bad5(x int) returns int language sql as 'select 2'"), "42723",
                    "function \"bad5\" already exists with same argument types");
            assertError(() -> s.execute("do $$ begin raise notice 'x'; end $$"), "0A000",
                    "DO is not supported: Walden has no PL/pgSQL interpreter");
            assertError(() -> s.execute("create function p() returns int language plpgsql as $$ begin return 1; end "
                    + "$$"), "0A000", "LANGUAGE plpgsql is not supported: Walden has no PL/pgSQL interpreter");
            assertError(() -> s.execute("create procedure pr() language sql as $$ select 1 $$"), "0A000",
                    "CREATE PROCEDURE ... LANGUAGE sql is not supported");
            assertError(() -> s.execute("create function o(out x int) language sql as 'select 1'"), "0A000",
                    "OUT parameters are not supported");
            assertError(() -> s.execute("drop function nosuch(int)"), "42883", "function nosuch(integer) does not "
                    + "exist");
        }
    }

    private static List<String> rows(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> cols = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    cols.add(rs.getString(i));
                }
                out.add(String.join("|", cols));
            }
        }
        return out;
    }
}
