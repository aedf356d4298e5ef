package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.sql.testing.InProcessServer;

/**
 * Stored generated columns through pgjdbc: prepared inserts and updates (past the prepare
 * threshold, so named statements with binary results) whose RETURNING shows the computed value,
 * a batch, the 428C9 refusal of an explicit value, and DatabaseMetaData.getColumns, which reads
 * pg_attribute.attgenerated for IS_GENERATEDCOLUMN.
 */
class GeneratedColumnsJdbcTest {

    @TempDir
    Path tmp;
    private InProcessServer server;

    @BeforeEach
    void setUp() throws IOException, SQLException {
        server = new InProcessServer(tmp);
        try (Connection c = server.connect(); Statement st = c.createStatement()) {
            st.execute("create table orders (id int primary key, qty int not null, price numeric(10,2) not null, "
                    + "total numeric(12,2) generated always as (qty * price) stored)");
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        server.close();
    }

    @Test
    void preparedWritesReturnTheComputedValue() throws SQLException {
        try (Connection c = server.connect();
             PreparedStatement insert = c.prepareStatement(
                     "insert into orders (id, qty, price) values (?, ?, ?) returning total");
             PreparedStatement update = c.prepareStatement("update orders set qty = qty + ? where id = ? returning total")) {
            List<String> totals = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                insert.setInt(1, i);
                insert.setInt(2, i);
                insert.setBigDecimal(3, new java.math.BigDecimal("1.25"));
                try (ResultSet rs = insert.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    totals.add(rs.getBigDecimal(1).toPlainString());
                }
            }
            assertThat(totals).containsExactly("1.25", "2.50", "3.75", "5.00", "6.25", "7.50", "8.75", "10.00");
            for (int round = 0; round < 6; round++) {
                update.setInt(1, 1);
                update.setInt(2, 1);
                try (ResultSet rs = update.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBigDecimal(1).toPlainString()).isEqualTo(
                            new java.math.BigDecimal("1.25").multiply(java.math.BigDecimal.valueOf(round + 2))
                                    .setScale(2).toPlainString());
                }
            }
        }
    }

    @Test
    void batchedInsertsComputeEachRow() throws SQLException {
        try (Connection c = server.connect();
             PreparedStatement insert = c.prepareStatement("insert into orders (id, qty, price) values (?, ?, ?)")) {
            for (int i = 1; i <= 100; i++) {
                insert.setInt(1, i);
                insert.setInt(2, 2);
                insert.setBigDecimal(3, java.math.BigDecimal.valueOf(i));
                insert.addBatch();
            }
            insert.executeBatch();
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select count(*), sum(total) from orders where total = qty * price")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(100);
                assertThat(rs.getBigDecimal(2).toPlainString()).isEqualTo("10100.00");
            }
        }
    }

    @Test
    void anExplicitValueIsRefusedWithPostgresSqlState() throws SQLException {
        try (Connection c = server.connect();
             PreparedStatement insert = c.prepareStatement("insert into orders values (?, ?, ?, ?)")) {
            insert.setInt(1, 1);
            insert.setInt(2, 1);
            insert.setBigDecimal(3, java.math.BigDecimal.ONE);
            insert.setBigDecimal(4, java.math.BigDecimal.TEN);
            SQLException e = catchThrowableOfType(SQLException.class, insert::executeUpdate);
            assertThat(e.getSQLState()).isEqualTo("428C9");
            assertThat(e.getMessage()).contains("cannot insert a non-DEFAULT value into column \"total\"")
                    .contains("Column \"total\" is a generated column.");
        }
    }

    @Test
    void metadataReportsTheGeneratedColumn() throws SQLException {
        try (Connection c = server.connect();
             ResultSet rs = c.getMetaData().getColumns(null, "public", "orders", "%")) {
            List<String> columns = new ArrayList<>();
            while (rs.next()) {
                columns.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("IS_GENERATEDCOLUMN"));
            }
            assertThat(columns).containsExactly("id:NO", "qty:NO", "price:NO", "total:YES");
        }
    }
}
