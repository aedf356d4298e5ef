package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PSQLException;
import org.walden.test.RealPostgres;
import org.walden.test.TestCluster;

/**
 * COPY through pgjdbc's CopyManager, judged by a real PostgreSQL 15 holding the same rows: COPY
 * TO STDOUT in text, CSV and binary gives the same bytes on both servers; each server's binary
 * and CSV output loads into the other (COPY FROM STDIN) and gives back the same rows; and COPY to
 * and from server files and programs works for superusers, is refused to other roles with 42501
 * and PostgreSQL's message, and allowed once they are granted pg_write_server_files,
 * pg_read_server_files or pg_execute_server_program.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CopyBesidePostgresIT {

    private static final String SCHEMA = """
            create table kinds (id int primary key, big bigint, small smallint, txt text, vc varchar(10),
              num numeric(12,3), dbl double precision, flt real, flag boolean, day date, at timestamp,
              atz timestamptz, raw bytea, ints int[], doc jsonb, u uuid);
            insert into kinds values
              (1, 9000000000, -3, E'tab\\there, "quoted", back\\\\slash\\nnewline', 'short', 123.456, 1.5e300, -2.25,
               true, '2024-02-29', '2001-02-03 04:05:06.789', '2001-02-03 04:05:06+02', '\\x00ff10',
               '{1,NULL,3}', '{"a": [1, 2], "b": null}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
              (2, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null),
              (3, 0, 0, '', '', -0.001, 0, 0, false, '1999-12-31', '2000-01-01 00:00:00', '2000-01-01 00:00:00+00',
               '\\x', '{}', '[]', '00000000-0000-0000-0000-000000000000');
            insert into kinds (id, txt, num) select g, 'row ' || g, g / 7.0 from generate_series(4, 2000) g;
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
        walden = cluster.initPrimary("copy-judged");
        walden.start();
        pg = postgres.connect("postgres");
        wd = walden.connect();
        for (Connection c : List.of(pg, wd)) {
            try (Statement s = c.createStatement()) {
                s.execute("set timezone = 'UTC'");
                s.execute(SCHEMA);
            }
        }
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

    private static byte[] copyOut(Connection c, String sql) throws SQLException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long rows = c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, out);
        assertThat(rows).as("rows of %s", sql).isPositive();
        return out.toByteArray();
    }

    private static long copyIn(Connection c, String sql, byte[] data) throws SQLException, IOException {
        return c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, new ByteArrayInputStream(data), 1000);
    }

    @Test
    void copyToStdoutGivesPostgresBytes() throws Exception {
        for (String sql : List.of(
                "copy kinds to stdout",
                "copy kinds to stdout (format csv, header)",
                "copy kinds to stdout (format csv, force_quote *, null 'NULL', delimiter ';')",
                "copy kinds (txt, id, raw) to stdout (format csv, quote '''', escape '\\')",
                "copy kinds to stdout (format binary)",
                "copy (select id, txt, num * 2 as twice from kinds where id < 100 order by id desc) to stdout "
                        + "(format binary)",
                "copy (select id, ints, doc from kinds order by id) to stdout with csv header")) {
            byte[] expected = copyOut(pg, sql);
            byte[] actual = copyOut(wd, sql);
            assertThat(new String(actual, StandardCharsets.ISO_8859_1)).as(sql)
                    .isEqualTo(new String(expected, StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void eachServersOutputLoadsIntoTheOther() throws Exception {
        for (String format : List.of("text", "csv", "binary")) {
            String table = "loaded_" + format;
            for (Connection c : List.of(pg, wd)) {
                try (Statement s = c.createStatement()) {
                    s.execute("create table " + table + " as select * from kinds where false");
                }
            }
            String out = "copy kinds to stdout (format " + format + ")";
            String in = "copy " + table + " from stdin (format " + format + ")";
            assertThat(copyIn(wd, in, copyOut(pg, out))).isEqualTo(2000);
            assertThat(copyIn(pg, in, copyOut(wd, out))).isEqualTo(2000);
            String check = "copy (select * from " + table + " order by id) to stdout";
            assertThat(new String(copyOut(wd, check), StandardCharsets.UTF_8)).as(format)
                    .isEqualTo(new String(copyOut(pg, check), StandardCharsets.UTF_8))
                    .isEqualTo(new String(copyOut(pg, "copy (select * from kinds order by id) to stdout"),
                            StandardCharsets.UTF_8));
        }
    }

    @Test
    void badBinaryInputIsRefusedAsPostgresRefusesIt() throws Exception {
        try (Statement s = wd.createStatement()) {
            s.execute("create table bin_target (a int, b text)");
        }
        assertThatThrownBy(() -> copyIn(wd, "copy bin_target from stdin (format binary)",
                "not a copy file".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(PSQLException.class).hasMessageContaining("COPY file signature not recognized")
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22P04");
        byte[] threeColumns = copyOut(pg, "copy (select 1, 'x', 2) to stdout (format binary)");
        assertThatThrownBy(() -> copyIn(wd, "copy bin_target from stdin (format binary)", threeColumns))
                .hasMessageContaining("row field count is 3, expected 2");
    }

    @Test
    void serverFilesAndProgramsForSuperusersAndTheirRoles() throws Exception {
        Path dir = Files.createTempDirectory("walden-copy-");
        Path file = dir.resolve("kinds.csv");
        try (Statement s = wd.createStatement()) {
            s.execute("copy kinds to '" + file + "' (format csv, header)");
            assertThat(Files.readAllBytes(file)).isEqualTo(copyOut(pg, "copy kinds to stdout (format csv, header)"));
            s.execute("create table from_file as select * from kinds where false");
            assertThat(s.executeUpdate("copy from_file from '" + file + "' (format csv, header)")).isEqualTo(2000);
            Path piped = dir.resolve("piped.txt");
            assertThat(s.executeUpdate("copy (select id from kinds where id <= 5) to program 'cat > " + piped + "'"))
                    .isEqualTo(5);
            assertThat(Files.readString(piped)).isEqualTo("1\n2\n3\n4\n5\n");
            assertThat(s.executeUpdate("copy from_file (id) from program 'seq 5001 5003'")).isEqualTo(3);
            try (ResultSet rs = s.executeQuery("select count(*), max(id) from from_file")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(2003);
                assertThat(rs.getInt(2)).isEqualTo(5003);
            }
            assertThatThrownBy(() -> s.execute("copy kinds to program 'exit 3'"))
                    .hasMessageContaining("program \"exit 3\" failed")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("38000");
            assertThatThrownBy(() -> s.execute("copy kinds to 'relative.csv'"))
                    .hasMessageContaining("relative path not allowed for COPY to file");
            assertThatThrownBy(() -> s.execute("copy from_file from '" + dir.resolve("missing") + "'"))
                    .hasMessageContaining("could not open file \"" + dir.resolve("missing")
                            + "\" for reading: No such file or directory")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("58P01");
            s.execute("create role loader login");
        }
        try (Connection loader = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + walden.port()
                + "/postgres", "loader", "");
             Statement s = loader.createStatement()) {
            String write = "copy kinds to '" + dir.resolve("loader.txt") + "'";
            assertThatThrownBy(() -> s.execute(write))
                    .hasMessageContaining("must be superuser or have privileges of the pg_write_server_files role "
                            + "to COPY to a file")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("42501");
            assertThatThrownBy(() -> s.execute("copy kinds from '" + file + "'"))
                    .hasMessageContaining("pg_read_server_files role to COPY from a file");
            assertThatThrownBy(() -> s.execute("copy kinds to program 'cat'"))
                    .hasMessageContaining("pg_execute_server_program role to COPY to or from an external program");
            try (Statement su = wd.createStatement()) {
                su.execute("grant pg_write_server_files to loader");
                su.execute("grant select on kinds to loader"); // COPY TO reads the table: SELECT, as in PostgreSQL
            }
            assertThat(s.executeUpdate(write)).isEqualTo(2000);
        }
    }
}
