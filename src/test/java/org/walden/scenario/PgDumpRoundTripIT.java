package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.walden.test.RealPostgres;
import org.walden.test.TestCluster;

/**
 * PostgreSQL 15's pg_dump and pg_restore between Walden and a real PostgreSQL 15, both ways: the
 * same objects (tables with serial and identity columns, defaults, CHECK, UNIQUE and foreign
 * keys, an expression index, a sequence, views over views, materialized views (one populated,
 * with an index, one WITH NO DATA), comments, privileges) are made on
 * both servers; each server's dump, plain through psql -f and custom-format through pg_restore,
 * restores into a new database of the other with the same rows, and the schema a Walden dump
 * gives PostgreSQL is the one PostgreSQL's own objects dump as. pg_dump --inserts and
 * --column-inserts read a table through an SQL cursor (DECLARE, FETCH 100), 1,000 rows of it here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PgDumpRoundTripIT {

    private static final String SCHEMA = """
            create role reader;
            create table dept (id serial primary key, name text not null unique,
              budget numeric(12,2) default 0 check (budget >= 0));
            create table emp (id bigint generated always as identity primary key,
              dept_id int references dept(id) on delete cascade, name text, hired date default '2020-01-01',
              tags text[], info jsonb);
            create index emp_lower_name on emp (lower(name));
            create sequence invoice_no start 100 increment 5;
            create view dept_sizes as select d.name, count(*) as people from dept d join emp e on e.dept_id = d.id
              group by d.name;
            create view big_depts as select name from dept_sizes where people > 10;
            comment on table dept is 'departments';
            comment on column emp.name is 'full name';
            grant select on dept, dept_sizes to reader;
            insert into dept (name, budget) values ('eng', 100), ('ops', 50), ('sales', 0);
            insert into emp (dept_id, name, tags, info)
              select 1 + g % 3, 'n' || g, array['a', 'b'], jsonb_build_object('k', g) from generate_series(1, 500) g;
            select nextval('invoice_no');
            create table readings (id int primary key, at timestamptz, v double precision, note text,
              note_length int generated always as (length(note) + id % 2) stored);
            insert into readings select g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute',
              case when g % 7 = 0 then null else g / 3.0 end, case when g % 5 = 0 then null else 'it''s ' || g end
              from generate_series(1, 1000) g;
            create materialized view dept_budgets as select name, budget from dept where budget > 0;
            create unique index dept_budgets_name on dept_budgets (name);
            create materialized view emp_names (who) as select name from emp with no data;
            """;
    private static final List<String> COUNTED = List.of("dept", "emp", "dept_sizes", "big_depts", "dept_budgets");

    private RealPostgres postgres;
    private TestCluster cluster;
    private TestCluster.Node walden;

    @BeforeAll
    void startServers() throws SQLException {
        PgPrograms.require("pg_dump");
        postgres = RealPostgres.start();
        cluster = new TestCluster();
        walden = cluster.initPrimary("dump-round-trip");
        walden.start();
        try (Connection pg = postgres.connect("postgres"); Connection wd = walden.connect()) {
            for (Connection c : List.of(pg, wd)) {
                try (Statement s = c.createStatement()) {
                    s.execute(SCHEMA);
                }
            }
        }
    }

    @AfterAll
    void stopServers() {
        if (cluster != null) {
            cluster.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void waldensPlainDumpRestoresIntoPostgresAsPostgresOwnObjectsDump(@TempDir Path dir) throws Exception {
        Path dump = dir.resolve("walden.sql");
        run("pg_dump", "-p", walden.port(), "-f", dump.toString(), "postgres");
        createDatabase(postgres.port(), "from_walden");
        run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", postgres.port(), "-f", dump.toString(), "from_walden");
        assertThat(counts(postgres.port(), "from_walden")).isEqualTo(counts(walden.port(), "postgres"));
        // the schema as PostgreSQL itself dumps it: its own objects, and the ones restored from Walden
        assertThat(schemaDump(postgres.port(), "from_walden", dir)).isEqualTo(schemaDump(postgres.port(), "postgres", dir));
        try (Connection c = postgres.connect("from_walden"); Statement s = c.createStatement()) {
            // identity and serial columns came back as such: the next values follow on
            s.execute("insert into dept (name) values ('new')");
            s.execute("insert into emp (dept_id, name) values (1, 'new')");
            assertThat(single(s, "select max(id) from dept")).isEqualTo("4");
            assertThat(single(s, "select max(id) from emp")).isEqualTo("501");
            assertThat(single(s, "select has_table_privilege('reader', 'dept', 'SELECT')")).isEqualTo("t");
        }
    }

    @Test
    void waldensCustomDumpRestoresIntoPostgresWithPgRestore(@TempDir Path dir) throws Exception {
        Path dump = dir.resolve("walden.dump");
        run("pg_dump", "-Fc", "-p", walden.port(), "-f", dump.toString(), "postgres");
        createDatabase(postgres.port(), "from_walden_fc");
        run("pg_restore", "-p", postgres.port(), "-d", "from_walden_fc", dump.toString());
        assertThat(counts(postgres.port(), "from_walden_fc")).isEqualTo(counts(walden.port(), "postgres"));
    }

    @Test
    void postgresDumpsRestoreIntoWaldenThroughPsqlAndPgRestore(@TempDir Path dir) throws Exception {
        Path plain = dir.resolve("pg.sql");
        Path custom = dir.resolve("pg.dump");
        run("pg_dump", "-p", postgres.port(), "-f", plain.toString(), "postgres");
        run("pg_dump", "-Fc", "-p", postgres.port(), "-f", custom.toString(), "postgres");
        Map<String, Long> expected = counts(postgres.port(), "postgres");

        createDatabase(walden.port(), "from_pg");
        run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", walden.port(), "-f", plain.toString(), "from_pg");
        assertThat(counts(walden.port(), "from_pg")).isEqualTo(expected);

        createDatabase(walden.port(), "from_pg_fc");
        run("pg_restore", "-p", walden.port(), "-d", "from_pg_fc", custom.toString());
        assertThat(counts(walden.port(), "from_pg_fc")).isEqualTo(expected);
        try (Connection c = walden.connect("from_pg_fc"); Statement s = c.createStatement()) {
            assertThat(single(s, "select obj_description('dept'::regclass, 'pg_class')")).isEqualTo("departments");
            assertThat(single(s, "select nextval('invoice_no')")).isEqualTo("105");
        }
    }

    @Test
    void waldensInsertsDumpsRestoreWithTheSameRows(@TempDir Path dir) throws Exception {
        Path inserts = dir.resolve("inserts.sql");
        Path columnInserts = dir.resolve("column-inserts.sql");
        run("pg_dump", "--inserts", "-t", "readings", "-p", walden.port(), "-f", inserts.toString(), "postgres");
        run("pg_dump", "--column-inserts", "-t", "readings", "-p", walden.port(), "-f", columnInserts.toString(),
                "postgres");
        assertThat(Files.readString(inserts)).contains("INSERT INTO public.readings VALUES (1000, ");
        String rows = readings(walden.port(), "postgres");
        assertThat(rows).isEqualTo(readings(postgres.port(), "postgres"));

        createDatabase(walden.port(), "from_inserts");
        run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", walden.port(), "-f", inserts.toString(), "from_inserts");
        assertThat(readings(walden.port(), "from_inserts")).isEqualTo(rows);

        createDatabase(postgres.port(), "from_column_inserts");
        run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", postgres.port(), "-f", columnInserts.toString(),
                "from_column_inserts");
        assertThat(readings(postgres.port(), "from_column_inserts")).isEqualTo(rows);
    }

    /** The readings table's rows as text, in key order, with their count. */
    private String readings(int port, String database) throws SQLException {
        try (Connection c = port == walden.port() ? walden.connect(database) : postgres.connect(database);
             Statement s = c.createStatement()) {
            return single(s, "select count(*) || ':' || string_agg(r::text, ';' order by id) from readings r");
        }
    }

    private static PgPrograms.Result run(String program, Object... args) {
        List<String> cmd = new ArrayList<>(List.of(PgPrograms.require(program), "-h", "127.0.0.1", "-U", "postgres"));
        for (Object a : args) {
            cmd.add(String.valueOf(a));
        }
        return PgPrograms.run(cmd, Map.of(), null, 180).check(String.join(" ", cmd));
    }

    private static void createDatabase(int port, String name) {
        run("createdb", "-p", port, name);
    }

    /** pg_dump --schema-only's text without its comment lines and its random \restrict keys. */
    private static String schemaDump(int port, String database, Path dir) throws Exception {
        Path out = dir.resolve(database + ".schema.sql");
        run("pg_dump", "--schema-only", "-p", port, "-f", out.toString(), database);
        StringBuilder sb = new StringBuilder();
        for (String line : Files.readAllLines(out)) {
            if (!line.startsWith("--") && !line.startsWith("\\restrict") && !line.startsWith("\\unrestrict")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    private Map<String, Long> counts(int port, String database) throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Connection c = port == walden.port() ? walden.connect(database) : postgres.connect(database);
             Statement s = c.createStatement()) {
            for (String table : COUNTED) {
                out.put(table, Long.parseLong(single(s, "select count(*) from " + table)));
            }
            out.put("invoice_no", Long.parseLong(single(s, "select last_value from invoice_no")));
        }
        return out;
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
