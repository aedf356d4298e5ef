package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.walden.test.TestCluster;

/**
 * Privileges as pgjdbc users meet them where a psql script cannot show it: a role without
 * CONNECT on a database is refused at login (FATAL 42501 "permission denied for database", DETAIL
 * "User does not have CONNECT privilege."), and let in once granted it; a role with only
 * REPLICATION reads no table; a granted role reads, writes what it was granted and nothing else;
 * and the grants reach a hot standby with the rest of the catalog, where they are checked the same.
 */
class PrivilegesIT {

    private static Connection connectAs(TestCluster.Node node, String database, String user) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/" + database + "?user="
                + user + "&connectTimeout=10&socketTimeout=60");
    }

    private static String firstValue(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void connectPrivilegeReplicationOnlyRoleAndGrantsOnAStandby() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE ROLE app LOGIN");
            primary.psql("CREATE ROLE repl LOGIN REPLICATION");
            primary.psql("CREATE DATABASE closed");
            primary.psql("REVOKE CONNECT ON DATABASE closed FROM PUBLIC");
            primary.psql("CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance int)");
            primary.psql("INSERT INTO accounts VALUES (1, 'ann', 10), (2, 'bob', 20)");
            primary.psql("GRANT SELECT (id, owner), UPDATE (balance) ON accounts TO app");

            PSQLException refused = catchThrowableOfType(PSQLException.class, () -> connectAs(primary, "closed",
                    "app").close());
            assertThat(refused.getSQLState()).isEqualTo("42501");
            assertThat(refused.getServerErrorMessage().getMessage())
                    .isEqualTo("permission denied for database \"closed\"");
            assertThat(refused.getServerErrorMessage().getDetail()).isEqualTo("User does not have CONNECT privilege.");
            assertThat(refused.getServerErrorMessage().getSeverity()).isEqualTo("FATAL");
            primary.psql("GRANT CONNECT ON DATABASE closed TO app");
            try (Connection c = connectAs(primary, "closed", "app")) {
                assertThat(firstValue(c, "SELECT current_user")).isEqualTo("app");
            }

            try (Connection c = connectAs(primary, "postgres", "repl"); Statement s = c.createStatement()) {
                SQLException e = catchThrowableOfType(SQLException.class,
                        () -> s.executeQuery("SELECT * FROM accounts"));
                assertThat(e.getSQLState()).isEqualTo("42501");
                assertThat(e.getMessage()).contains("permission denied for table accounts");
            }

            try (Connection c = connectAs(primary, "postgres", "app"); Statement s = c.createStatement()) {
                assertThat(firstValue(c, "SELECT string_agg(owner, ',' ORDER BY id) FROM accounts"))
                        .isEqualTo("ann,bob");
                // SET balance = balance + 1 reads balance, which app may update but not read
                SQLException e = catchThrowableOfType(SQLException.class,
                        () -> s.executeUpdate("UPDATE accounts SET balance = balance + 1 WHERE id = 1"));
                assertThat(e.getSQLState()).isEqualTo("42501");
            }
            try (Connection c = connectAs(primary, "postgres", "app"); Statement s = c.createStatement()) {
                assertThat(s.executeUpdate("UPDATE accounts SET balance = 0 WHERE id = 1")).isEqualTo(1);
                SQLException e = catchThrowableOfType(SQLException.class, () -> s.executeQuery(
                        "SELECT balance FROM accounts"));
                assertThat(e.getSQLState()).isEqualTo("42501");
                e = catchThrowableOfType(SQLException.class, () -> s.executeUpdate("DELETE FROM accounts"));
                assertThat(e.getSQLState()).isEqualTo("42501");
            }

            primary.backup("b1");
            TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");
            primary.psql("GRANT SELECT ON accounts TO repl");
            primary.psql("REVOKE SELECT (owner) ON accounts FROM app");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT relacl::text FROM pg_class WHERE relname = 'accounts'"))
                    .isEqualTo("{postgres=arwdDxt/postgres,repl=r/postgres}");
            try (Connection c = connectAs(standby, "postgres", "repl")) {
                assertThat(firstValue(c, "SELECT sum(balance) FROM accounts")).isEqualTo("20");
            }
            try (Connection c = connectAs(standby, "postgres", "app"); Statement s = c.createStatement()) {
                assertThat(firstValue(c, "SELECT count(id) FROM accounts")).isEqualTo("2");
                SQLException e = catchThrowableOfType(SQLException.class,
                        () -> s.executeQuery("SELECT owner FROM accounts"));
                assertThat(e.getSQLState()).isEqualTo("42501");
            }
            PSQLException onStandby = catchThrowableOfType(PSQLException.class, () -> connectAs(standby, "closed",
                    "repl").close());
            assertThat(onStandby.getSQLState()).isEqualTo("42501");
        }
    }
}
