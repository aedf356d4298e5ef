package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.walden.test.RealPostgres;
import org.walden.test.TestCluster;

/**
 * pgjdbc's binary transfer of the common types, judged by a real PostgreSQL 15: parameters sent
 * with setArray (int4[], text[], float8[]), setObject (UUID, OffsetTime, OffsetDateTime,
 * LocalDate, LocalTime), setBytes and setBigDecimal, stored and read back through
 * server-prepared statements (prepareThreshold=-1, so pgjdbc asks for binary results), give the
 * same Java values and the same text on both servers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PgjdbcTypesBesidePostgresIT {

    private static final String SCHEMA = """
            create table typed (id int primary key, a int4[], b text[], c float8[], u uuid, tz timetz,
              ts timestamptz, d date, t time, by bytea, n numeric(12,3), f4 real, f8 double precision,
              j jsonb, js json, ch "char", nm name);
            """;

    private RealPostgres postgres;
    private TestCluster cluster;
    private TestCluster.Node walden;
    private Connection pg;
    private Connection wd;

    @BeforeAll
    void startServers() throws SQLException {
        postgres = RealPostgres.start();
        cluster = new TestCluster();
        walden = cluster.initPrimary("jdbc-types");
        walden.start();
        pg = binaryConnection(postgres.port());
        wd = binaryConnection(walden.port());
        for (Connection c : List.of(pg, wd)) {
            try (Statement s = c.createStatement()) {
                s.execute(SCHEMA);
            }
        }
    }

    /** prepareThreshold=-1: every statement is server-prepared from its first use, results in binary. */
    private static Connection binaryConnection(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                + "/postgres?user=postgres&prepareThreshold=-1&binaryTransfer=true&connectTimeout=10&socketTimeout=120");
    }

    @AfterAll
    void stopServers() throws SQLException {
        for (Connection c : new Connection[] {pg, wd}) {
            if (c != null) {
                c.close();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private static void insert(Connection c, int id, Integer[] ints, String[] texts, Double[] doubles, UUID u,
                               OffsetTime tz, OffsetDateTime ts, byte[] bytes, BigDecimal n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into typed values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                + " ?::jsonb, ?::json, ?::\"char\", ?::name)")) {
            ps.setInt(1, id);
            ps.setArray(2, c.createArrayOf("int4", ints));
            ps.setArray(3, c.createArrayOf("text", texts));
            ps.setArray(4, c.createArrayOf("float8", doubles));
            ps.setObject(5, u);
            ps.setObject(6, tz);
            ps.setObject(7, ts);
            ps.setObject(8, LocalDate.of(2024, 2, 29));
            ps.setObject(9, LocalTime.of(23, 59, 58, 123_456_000));
            ps.setBytes(10, bytes);
            ps.setBigDecimal(11, n);
            ps.setFloat(12, 1.1f);
            ps.setDouble(13, 0.1 + 0.2);
            ps.setString(14, "{\"b\": [1, 2], \"a\": null}");
            ps.setString(15, "{\"b\": [1, 2],  \"a\": null}");
            ps.setString(16, "x");
            ps.setString(17, "a_name");
            ps.executeUpdate();
        }
    }

    private static void fill(Connection c) throws SQLException {
        insert(c, 1, new Integer[] {1, null, -3}, new String[] {"a b", null, "c\"d", "", "NULL", "{x}", "e\\f"},
                new Double[] {1.5, -0.0, 1e300, Double.NaN, Double.NEGATIVE_INFINITY},
                UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
                OffsetTime.of(10, 11, 12, 500_000_000, ZoneOffset.ofHoursMinutes(-5, -30)),
                OffsetDateTime.of(2024, 3, 31, 1, 30, 0, 0, ZoneOffset.ofHours(2)),
                new byte[] {(byte) 0xde, (byte) 0xad, 0, 0x5c, 0x27}, new BigDecimal("12.3456"));
        insert(c, 2, new Integer[] {}, new String[] {}, new Double[] {}, new UUID(0, 0),
                OffsetTime.of(0, 0, 0, 0, ZoneOffset.UTC), OffsetDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_000,
                        ZoneOffset.ofHours(-8)), new byte[0], new BigDecimal("-0.0005"));
    }

    /** Every column of every row: its type name, getString, getObject's class and value (arrays element by element). */
    private static List<String> read(Connection c, String sql, Object... params) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            for (int run = 0; run < 2; run++) { // the second run reuses the server-side statement
                try (ResultSet rs = ps.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            out.add(run + " " + md.getColumnName(i) + " " + md.getColumnTypeName(i) + " "
                                    + describe(rs, i, md.getColumnType(i)));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String describe(ResultSet rs, int i, int sqlType) throws SQLException {
        Object o = rs.getObject(i);
        String s = rs.getString(i);
        if (o == null) {
            return "null|" + s;
        }
        String value;
        if (o instanceof Array a) {
            Object elements = a.getArray();
            value = a.getBaseTypeName() + Arrays.deepToString((Object[]) elements);
        } else if (o instanceof byte[] b) {
            value = Arrays.toString(b);
            s = ""; // pgjdbc's getString of a binary bytea is the array's identity
        } else {
            value = o.toString();
        }
        String extra = "";
        if (sqlType == Types.TIME) {
            extra = "|" + rs.getTime(i) + "|" + (rs.getMetaData().getColumnTypeName(i).equals("timetz")
                    ? rs.getObject(i, OffsetTime.class) : rs.getObject(i, LocalTime.class));
        } else if (sqlType == Types.TIMESTAMP_WITH_TIMEZONE || rs.getMetaData().getColumnTypeName(i).equals("timestamptz")) {
            extra = "|" + rs.getObject(i, OffsetDateTime.class);
        } else if (sqlType == Types.DATE) {
            extra = "|" + rs.getObject(i, LocalDate.class);
        }
        return o.getClass().getSimpleName() + "|" + value + "|" + s + extra;
    }

    private void same(String sql, Object... params) throws SQLException {
        List<String> expected = read(pg, sql, params);
        List<String> actual = read(wd, sql, params);
        assertThat(expected).as("PostgreSQL answers %s", sql).isNotEmpty();
        assertThat(actual).as(sql).containsExactlyElementsOf(expected);
    }

    @Test
    void binaryParametersAndResultsAsOnPostgres() throws SQLException {
        for (Connection c : List.of(pg, wd)) {
            fill(c);
        }
        same("select * from typed order by id");
        same("select id from typed where u = ?", UUID.fromString("123e4567-e89b-12d3-a456-426614174000"));
        same("select id, tz from typed where tz = ?", OffsetTime.of(10, 11, 12, 500_000_000,
                ZoneOffset.ofHoursMinutes(-5, -30)));
        same("select id, a[3], b[2], c[1], array_length(b, 1), cardinality(c) from typed where ? = any(a) order by id", 1);
        same("select unnest(b) as e, u::text, tz::time, ts::date from typed order by id, e");
        same("select array_agg(id order by id), array_agg(u order by id), array[[1,2],[3,4]], '{{a,NULL},{\"b c\",d}}'::text[]"
                + " from typed");
        same("select j -> 'b', js -> 'b', j ->> 'a', jsonb_array_elements(j -> 'b') from typed where id = ?", 1);
        same("select ?::int4[], ?::text[], ?::float8[]", "{1,2}", "{\"x y\",NULL}", "{0.1,2.5e-7}");
        same("select n * 2, n / 3, round(n, 1), f4, f8, f4::float8, ch, nm, by from typed order by id");
        same("select ts at time zone 'UTC', ts::timetz, tz + interval '90 minutes', t - interval '1 day 1 hour'"
                + " from typed order by id");
        same("select timestamp '2024-10-27 02:30'::timestamptz, ?::timestamptz",
                OffsetDateTime.of(2024, 7, 1, 12, 0, 0, 0, ZoneOffset.ofHours(9)));
        // 24:00:00 in binary both ways: 86,400,000,000 microseconds, apart from 23:59:59.999999 (pgjdbc
        // itself cannot read a binary timetz of 24:00)
        same("select '24:00'::time, ?::time > '23:59:59.999999'::time, ?::time::text",
                "24:00:00", "24:00:00");
    }

    @Test
    void arraysThroughSetArrayAndGetArray() throws SQLException {
        for (Connection c : List.of(pg, wd)) {
            try (Statement s = c.createStatement()) {
                s.execute("create table arr (id int, i int4[], t text[], f float8[], u uuid[], n numeric[])");
            }
            try (PreparedStatement ps = c.prepareStatement("insert into arr values (?, ?, ?, ?, ?, ?)")) {
                ps.setInt(1, 1);
                ps.setArray(2, c.createArrayOf("int4", new Object[] {Integer.MIN_VALUE, Integer.MAX_VALUE, null}));
                ps.setArray(3, c.createArrayOf("text", new Object[] {"quote\"d", "back\\slash", "comma,", " sp ", null}));
                ps.setArray(4, c.createArrayOf("float8", new Object[] {Double.MIN_VALUE, Double.MAX_VALUE, 0.1}));
                ps.setArray(5, c.createArrayOf("uuid", new Object[] {UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")}));
                ps.setArray(6, c.createArrayOf("numeric", new Object[] {new BigDecimal("1.50"), null}));
                ps.executeUpdate();
            }
        }
        same("select * from arr");
        same("select i, t, f from arr where t && ?::text[]", (Object) new String[] {"comma,"});
        same("select array_position(t, ?::text), t[2:3], i || 5, array_remove(i, null) from arr", "comma,");
    }
}
