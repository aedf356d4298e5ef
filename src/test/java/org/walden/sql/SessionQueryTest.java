package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.ColumnDesc;
import org.walden.sql.testing.Client;
import org.walden.sql.testing.MemoryTransactionManager;

/** Statements through Session with the simple protocol: results, tags, errors with SQLSTATEs. */
class SessionQueryTest {

    private MemoryTransactionManager tm;
    private WaldenSqlEngine engine;
    private Client c;

    @BeforeEach
    void setUp() {
        tm = new MemoryTransactionManager();
        engine = Client.engine(tm, null);
        c = Client.connect(engine, "postgres");
    }

    @AfterEach
    void tearDown() {
        c.close();
    }

    private static void assertError(Runnable r, SqlState state, String message) {
        assertThatThrownBy(r::run).isInstanceOf(PgException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(state));
    }

    @Test
    void selectWithoutFrom() {
        Client.Result r = c.q("SELECT 1, 'a' || 'b' AS ab, 2 + 3 * 4, 7 / 2, 7 % 3, -5::int, 1.50 + 1, true, null");
        assertThat(r.tag()).isEqualTo("SELECT 1");
        assertThat(r.rows()).containsExactly(java.util.Arrays.asList("1", "ab", "14", "3", "1", "-5", "2.50", "t",
                null));
        assertThat(r.columns().get(0).name()).isEqualTo("?column?");
        assertThat(r.columns().get(1).name()).isEqualTo("ab");
        assertThat(r.columns().get(0).typeOid()).isEqualTo(23);
        assertThat(r.columns().get(6).typeOid()).isEqualTo(1700);
        assertThat(r.columns().get(8).typeOid()).isEqualTo(25);
        assertThat(c.q("select version()").value()).isEqualTo("PostgreSQL " + c.q("show server_version").value()
                + " on x86_64-pc-linux-gnu, compiled by javac 21, 64-bit").startsWith("PostgreSQL 15.18 (Walden ");
        assertThat(c.q("select 'n=' || 6 * 7, 42 || ' is n', 'x' || 1.5 || true").rows())
                .containsExactly(List.of("n=42", "42 is n", "x1.5true"));
        assertThat(c.q("select version()").columns().get(0).name()).isEqualTo("version");
    }

    @Test
    void sizesAsPostgresPrintsThem() {
        // PostgreSQL's dbsize regression test values, both signs
        long[] sizes = {10, 1000, 10239, 10240, 1000000, 1000000000, 1000000000000L, 1000000000000000L};
        String[] shown = {"10 bytes", "1000 bytes", "10239 bytes", "10 kB", "977 kB", "954 MB", "931 GB", "909 TB"};
        for (int i = 0; i < sizes.length; i++) {
            assertThat(c.q("SELECT pg_size_pretty(" + sizes[i] + "::bigint), pg_size_pretty(" + -sizes[i]
                    + "::bigint)").rows()).containsExactly(List.of(shown[i], "-" + shown[i]));
        }
        assertError(() -> c.q("SELECT pg_database_size('nosuchdb')"), SqlState.INVALID_CATALOG_NAME,
                "database \"nosuchdb\" does not exist");
        assertThat(c.q("SELECT pg_database_size(123456)").rows()).containsExactly(java.util.Arrays.asList((String) null));
    }

    @Test
    void functionsInFrom() {
        Client.Result r = c.q("SELECT * FROM generate_series(1, 5) AS i WHERE i % 2 = 1 ORDER BY i DESC");
        assertThat(r.columns().get(0).name()).isEqualTo("i");
        assertThat(r.columns().get(0).typeOid()).isEqualTo(23);
        assertThat(r.rows()).containsExactly(List.of("5"), List.of("3"), List.of("1"));
        assertThat(c.q("SELECT count(*), sum(generate_series) FROM generate_series(10, 1, -3)").rows())
                .containsExactly(List.of("4", "22"));
        assertThat(c.q("SELECT * FROM generate_series(1, 2::bigint)").columns().get(0).typeOid()).isEqualTo(20);
        assertThat(c.q("SELECT * FROM generate_series(1, NULL)").rows()).isEmpty();
        assertThat(c.q("SELECT v FROM upper('abc') AS v").rows()).containsExactly(List.of("ABC"));
        assertError(() -> c.q("SELECT * FROM generate_series(1, 3, 0)"), SqlState.INVALID_PARAMETER_VALUE,
                "step size cannot equal zero");
        assertError(() -> c.q("SELECT * FROM no_such_function(1)"), SqlState.UNDEFINED_FUNCTION,
                "function no_such_function(integer) does not exist");
        c.q("create table t (id int primary key)");
        assertError(() -> c.q("DELETE FROM generate_series(1, 2)"), SqlState.SYNTAX_ERROR,
                "syntax error at or near \"(\"");
    }

    /** SET arr[i] = v where PostgreSQL would give the array a lower bound other than 1: refused, the row unchanged. */
    @Test
    void arrayElementAssignmentsThatWouldMoveTheLowerBoundAreRefused() {
        c.q("create table aa (id int primary key, x int[])");
        c.q("insert into aa values (1, null), (2, '{}'), (3, '{5}')");
        assertError(() -> c.q("update aa set x[3] = 1 where id = 1"), SqlState.FEATURE_NOT_SUPPORTED,
                "assigning element 3 of an empty or NULL array is not supported");
        assertError(() -> c.q("update aa set x[2] = 1 where id = 2"), SqlState.FEATURE_NOT_SUPPORTED,
                "assigning element 2 of an empty or NULL array is not supported");
        assertError(() -> c.q("update aa set x[0] = 1 where id = 3"), SqlState.FEATURE_NOT_SUPPORTED,
                "assigning element 0 of an array of 1 elements is not supported");
        assertThat(c.q("select coalesce(x::text, 'null') from aa order by id").rows())
                .containsExactly(List.of("null"), List.of("{}"), List.of("{5}"));
        c.q("update aa set x[1] = 7 where id <= 2");
        assertThat(c.q("select x from aa order by id").rows())
                .containsExactly(List.of("{7}"), List.of("{7}"), List.of("{5}"));
    }

    @Test
    void createInsertSelectUpdateDelete() {
        assertThat(c.q("CREATE TABLE t (id int PRIMARY KEY, name varchar(10) NOT NULL, score numeric(6,2), "
                + "flag boolean, code char(3))").tag()).isEqualTo("CREATE TABLE");
        assertThat(c.q("INSERT INTO t VALUES (1, 'one', 1.5, true, 'a'), (2, 'two', 2.25, false, 'bb')").tag())
                .isEqualTo("INSERT 0 2");
        assertThat(c.q("insert into t (id, name) values (3, 'three')").tag()).isEqualTo("INSERT 0 1");
        Client.Result r = c.q("SELECT * FROM t ORDER BY id");
        assertThat(r.tag()).isEqualTo("SELECT 3");
        assertThat(r.rows()).containsExactly(
                List.of("1", "one", "1.50", "t", "a  "),
                List.of("2", "two", "2.25", "f", "bb "),
                java.util.Arrays.asList("3", "three", null, null, null));
        assertThat(r.columns().get(0).tableOid()).isGreaterThanOrEqualTo(16384);
        assertThat(r.columns().get(1).columnNumber()).isEqualTo((short) 2);
        assertThat(r.columns().get(1).typeModifier()).isEqualTo(14);
        assertThat(c.q("UPDATE t SET score = score * 2 WHERE id <= 2").tag()).isEqualTo("UPDATE 2");
        assertThat(c.q("SELECT score FROM t WHERE id = 2").value()).isEqualTo("4.50");
        assertThat(c.q("select name from t where code = 'bb'").value()).isEqualTo("two");
        assertThat(c.q("DELETE FROM t WHERE name = 'one'").tag()).isEqualTo("DELETE 1");
        assertThat(c.q("SELECT count(*), sum(id), min(name), max(score), avg(id) FROM t").rows())
                .containsExactly(List.of("2", "5", "three", "4.50", "2.5000000000000000"));
        assertThat(c.q("SELECT id FROM t ORDER BY id DESC LIMIT 1 OFFSET 1").value()).isEqualTo("2");
        assertThat(c.q("DELETE FROM t").tag()).isEqualTo("DELETE 2");
        assertThat(c.q("SELECT count(*) FROM t").value()).isEqualTo("0");
    }

    @Test
    void tablesWithoutPrimaryKeyUseRowIds() {
        c.q("create table h (a int, b text)");
        c.q("insert into h values (1, 'x'), (1, 'x'), (2, null)");
        assertThat(c.q("select count(*) from h where a = 1").value()).isEqualTo("2");
        assertThat(c.q("select distinct a from h order by a").rows()).containsExactly(List.of("1"), List.of("2"));
        assertThat(c.q("select a, count(*) from h group by a order by a").rows())
                .containsExactly(List.of("1", "2"), List.of("2", "1"));
        assertThat(c.q("select b from h where b is null").rows()).hasSize(1);
        assertThat(c.q("update h set b = 'y' where b is null").tag()).isEqualTo("UPDATE 1");
        assertThat(c.q("select count(*) from h where a in (1, 2) and b between 'a' and 'z'").value()).isEqualTo("3");
    }

    @Test
    void errorsCarryPostgresCodesAndWording() {
        c.q("create table t (id int primary key, v varchar(5) not null)");
        c.q("insert into t values (1, 'a')");
        assertError(() -> c.q("insert into t values (1, 'b')"), SqlState.UNIQUE_VIOLATION,
                "duplicate key value violates unique constraint \"t_pkey\"");
        try {
            c.q("insert into t values (1, 'b')");
        } catch (PgException e) {
            assertThat(e.detail()).isEqualTo("Key (id)=(1) already exists.");
        }
        assertError(() -> c.q("insert into t values (2, null)"), SqlState.NOT_NULL_VIOLATION,
                "null value in column \"v\" of relation \"t\" violates not-null constraint");
        assertError(() -> c.q("insert into t values (2, 'toolong')"), SqlState.STRING_DATA_RIGHT_TRUNCATION,
                "value too long for type character varying(5)");
        assertError(() -> c.q("insert into t values (3000000000, 'x')"), SqlState.NUMERIC_VALUE_OUT_OF_RANGE,
                "integer out of range");
        assertError(() -> c.q("select 2147483647 + 1"), SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range");
        assertError(() -> c.q("selec 1"), SqlState.SYNTAX_ERROR, "syntax error at or near \"selec\"");
        assertError(() -> c.q("select * from nope"), SqlState.UNDEFINED_TABLE, "relation \"nope\" does not exist");
        assertError(() -> c.q("select nope from t"), SqlState.UNDEFINED_COLUMN, "column \"nope\" does not exist");
        assertError(() -> c.q("select f(1)"), SqlState.UNDEFINED_FUNCTION, "function f(integer) does not exist");
        assertError(() -> c.q("create table t (a int)"), SqlState.DUPLICATE_TABLE, "relation \"t\" already exists");
        assertError(() -> c.q("select 'x'::int"), SqlState.INVALID_TEXT_REPRESENTATION,
                "invalid input syntax for type integer: \"x\"");
        assertError(() -> c.q("select 1/0"), SqlState.DIVISION_BY_ZERO, "division by zero");
        assertError(() -> c.q("select 1.0/0"), SqlState.DIVISION_BY_ZERO, "division by zero");
        assertError(() -> c.q("drop table nope"), SqlState.UNDEFINED_TABLE, "table \"nope\" does not exist");
        assertThat(c.q("select count(*) from t").value()).isEqualTo("1");
    }

    @Test
    void ifExistsAndIfNotExistsGiveNotices() {
        assertThat(c.q("drop table if exists a, b").tag()).isEqualTo("DROP TABLE");
        assertThat(c.notices).extracting(Throwable::getMessage)
                .containsExactly("table \"a\" does not exist, skipping", "table \"b\" does not exist, skipping");
        c.q("create table a (x int)");
        c.q("create table if not exists a (x int)");
        assertThat(c.notices.get(2).getMessage()).isEqualTo("relation \"a\" already exists, skipping");
        c.q("drop table a");
        assertError(() -> c.q("select * from a"), SqlState.UNDEFINED_TABLE, "relation \"a\" does not exist");
    }

    @Test
    void pgbenchInitStatements() {
        c.q("drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers");
        c.q("create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))");
        c.q("create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)");
        c.q("create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) "
                + "with (fillfactor=100)");
        c.q("create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100)");
        c.q("begin");
        c.q("truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers");
        c.q("insert into pgbench_branches(bid,bbalance) values(1,0)");
        for (int i = 1; i <= 10; i++) {
            c.q("insert into pgbench_tellers(tid,bid,tbalance) values (" + i + ",1,0)");
        }
        for (int i = 1; i <= 20; i++) {
            c.q("insert into pgbench_accounts(aid,bid,abalance) values (" + i + ",1,0)");
        }
        assertThat(c.q("commit").tag()).isEqualTo("COMMIT");
        assertThat(c.q("vacuum analyze pgbench_branches").tag()).isEqualTo("VACUUM");
        assertThat(c.q("alter table pgbench_accounts add primary key (aid)").tag()).isEqualTo("ALTER TABLE");
        c.q("alter table pgbench_branches add primary key (bid)");
        assertThat(c.q("select count(*) from pgbench_branches").value()).isEqualTo("1");
        assertThat(c.q("select aid from pgbench_accounts where aid = 7").value()).isEqualTo("7");
        assertError(() -> c.q("insert into pgbench_accounts(aid,bid,abalance) values (7,1,0)"),
                SqlState.UNIQUE_VIOLATION, "duplicate key value violates unique constraint \"pgbench_accounts_pkey\"");
        c.q("UPDATE pgbench_accounts SET abalance = abalance + -17 WHERE aid = 7");
        assertThat(c.q("SELECT abalance FROM pgbench_accounts WHERE aid = 7").value()).isEqualTo("-17");
        c.q("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 7, -17, CURRENT_TIMESTAMP)");
        assertThat(c.q("select filler, mtime is not null from pgbench_history").rows())
                .containsExactly(java.util.Arrays.asList(null, "t"));
        assertThat(c.q("END").tag()).isEqualTo("COMMIT");
    }

    @Test
    void copyFromStdinTextFormat() {
        c.q("create table pgbench_accounts(aid int not null,bid int,abalance int,filler char(84))");
        c.q("begin");
        StringBuilder data = new StringBuilder();
        for (int i = 1; i <= 1000; i++) {
            data.append(i).append("\t1\t0\t\n");
        }
        String all = data.toString();
        assertThat(c.copy("copy pgbench_accounts from stdin with (freeze on)", all.substring(0, 5000),
                all.substring(5000), "\\.\n")).isEqualTo("COPY 1000");
        c.q("commit");
        assertThat(c.q("select count(*), sum(aid) from pgbench_accounts").rows())
                .containsExactly(List.of("1000", "500500"));
        assertThat(c.q("select filler from pgbench_accounts where aid = 5").value()).isEqualTo(" ".repeat(84));
        c.q("create table t (a int, b text, c text default 'dflt')");
        assertThat(c.copy("COPY t (a, b) FROM STDIN", "1\t\\N\n2\tx\\ty\n")).isEqualTo("COPY 2");
        assertThat(c.q("select a, b, c from t order by a").rows())
                .containsExactly(java.util.Arrays.asList("1", null, "dflt"), List.of("2", "x\ty", "dflt"));
        assertThatThrownBy(() -> c.copy("copy t from stdin", "1\tx\n")).hasMessage("missing data for column \"c\"");
        assertThatThrownBy(() -> c.copy("copy t from stdin", "z\tx\ty\n"))
                .hasMessage("invalid input syntax for type integer: \"z\"");
        assertThat(c.q("select count(*) from t").value()).isEqualTo("2");

        // lines without a backslash: empty fields are empty strings, too many or too few fields refused
        assertThatThrownBy(() -> c.copy("copy t from stdin", "3\tx\ty\tz\n"))
                .hasMessage("extra data after last expected column");
        assertThatThrownBy(() -> c.copy("copy t (a, b) from stdin", "3\n")).hasMessage("missing data for column \"b\"");
        assertThat(c.copy("copy t from stdin", "3\t\t\n4\ty\tz")).isEqualTo("COPY 2");
        assertThat(c.copy("copy t from stdin with (null '')", "5\t\tw\n")).isEqualTo("COPY 1");
        assertThat(c.q("select a, b, c from t where a >= 3 order by a").rows()).containsExactly(
                List.of("3", "", ""), List.of("4", "y", "z"), java.util.Arrays.asList("5", null, "w"));
    }

    @Test
    void pgbenchPartitionCheckBeforeARun() {
        String q = "select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c join "
                + "pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) cross join lateral (select "
                + "pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n) left join "
                + "pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) left join pg_catalog.pg_inherits as i "
                + "on (c.oid = i.inhparent) where c.relname = 'pgbench_accounts' and o.n is not null group by 1, 2 "
                + "order by 1 asc limit 1";
        assertThat(c.q(q).rows()).isEmpty();
        c.q("create table pgbench_accounts (aid int)");
        Client.Result r = c.q(q);
        assertThat(r.rows()).containsExactly(java.util.Arrays.asList("2", null, "0"));
        assertThat(r.columns()).extracting(ColumnDesc::typeOid).containsExactly(23, 18, 20);
        assertThat(r.tag()).isEqualTo("SELECT 1");
        assertThat(c.q("BEGIN;").tag()).isEqualTo("BEGIN");
        assertThat(c.q("truncate pgbench_accounts").tag()).isEqualTo("TRUNCATE TABLE");
        assertThat(c.q("END;").tag()).isEqualTo("COMMIT");
    }

    @Test
    void syntaxErrorPositionCountsFromTheStartOfTheQueryMessage() {
        assertThatThrownBy(() -> c.query("select 1; select * frm t"))
                .isInstanceOf(org.walden.sql.parse.SyntaxError.class)
                .hasMessage("syntax error at or near \"frm\"")
                .satisfies(e -> assertThat(((org.walden.sql.parse.SyntaxError) e).position()).isEqualTo(20));
        assertThatThrownBy(() -> c.query("select 1;\nselect * from nope"))
                .satisfies(e -> assertThat(((org.walden.sql.parse.SyntaxError) e).position()).isEqualTo(25));
    }

    /**
     * EXPLAIN ANALYZE says how the nodes that hold rows ran, in PostgreSQL's lines: a sort's method
     * and space (in memory, top-N, or external on disk past work_mem), a hash join's buckets,
     * batches and memory, a hash aggregation's batches and memory (and disk once it spilled). The
     * figures are Walden's own estimates of its heap use, so the test reads their shape.
     */
    @Test
    void explainAnalyzeShowsHowSortsAndHashesRan() {
        c.q("create table big (id int primary key, grp int, label text)");
        c.q("insert into big select g, g % 500, repeat('x', 20) || g from generate_series(1, 20000) g");
        String opts = "explain (analyze, costs off, timing off, summary off) ";
        assertThat(plan(opts + "select * from big order by label limit 3"))
                .containsPattern("Sort Key: label\\n +Sort Method: top-N heapsort  Memory: [0-9]+kB\\n");
        assertThat(plan(opts + "select * from big order by label"))
                .containsPattern("Sort Method: quicksort  Memory: [0-9]+kB\\n");
        assertThat(plan(opts + "select a.id from big a join big b on a.label = b.label"))
                .containsPattern("->  Hash \\(actual rows=20000 loops=1\\)\\n +Buckets: 32768  Batches: 1  Memory Usage: "
                        + "[0-9]+kB\\n");
        assertThat(plan(opts + "select grp, count(*) from big group by grp"))
                .containsPattern("Group Key: grp\\n +Batches: 1  Memory Usage: [0-9]+kB\\n");
        c.q("set work_mem = '64kB'");
        assertThat(plan(opts + "select * from big order by label"))
                .containsPattern("Sort Method: external merge  Disk: [0-9]+kB\\n");
        assertThat(plan(opts + "select a.id from big a join big b on a.label = b.label"))
                .containsPattern("Buckets: [0-9]+  Batches: ([2-9]|[1-9][0-9]+)  Memory Usage: [0-9]+kB\\n");
        assertThat(plan(opts + "select label, count(*) from big group by label"))
                .containsPattern("Batches: ([2-9]|[1-9][0-9]+)  Memory Usage: [0-9]+kB  Disk Usage: [0-9]+kB\\n");
        assertThat(plan("explain (analyze, costs off, timing off, summary off, format json) "
                + "select * from big order by label"))
                .containsPattern("\"Sort Method\": \"external merge\",\\s+\"Sort Space Used\": [0-9]+,\\s+"
                        + "\"Sort Space Type\": \"Disk\"");
    }

    private String plan(String explain) {
        StringBuilder sb = new StringBuilder();
        for (List<String> row : c.q(explain).rows()) {
            sb.append(row.get(0)).append('\n');
        }
        return sb.toString();
    }
}
