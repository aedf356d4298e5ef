package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.PGStatement;
import org.walden.test.TestCluster;

/**
 * The clients users bring work unchanged against one Walden primary: psql over TCP and over the
 * Unix socket; pgbench running bench/tpcb.sql in each query mode (simple, extended, prepared)
 * with no failed transaction and balanced sums afterwards; pgjdbc server-side prepared
 * statements (named, binary) and batches; a statement waiting on a row lock cancelled as
 * psql's Ctrl-C does (57014); two sessions incrementing one row lose no increment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PgClientsIT {

    private TestCluster cluster;
    private TestCluster.Node node;

    @BeforeAll
    void startPrimary() {
        cluster = new TestCluster();
        node = cluster.initPrimary("clients");
        node.start();
    }

    @AfterAll
    void stopPrimary() {
        cluster.close();
    }

    private List<String> psqlCommand(String host) {
        return List.of(PgPrograms.require("psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", host, "-p",
                Integer.toString(node.port()), "-U", "postgres", "-d", "postgres");
    }

    @Test
    void psqlOverTcpAndOverTheUnixSocket() throws Exception {
        PgPrograms.Result tcp = PgPrograms.run(withArgs(psqlCommand("127.0.0.1"), "-c", "\\conninfo", "-c",
                "SELECT 'tcp', 6 * 7")).check("psql over TCP");
        assertThat(tcp.out()).contains("You are connected to database \"postgres\" as user \"postgres\" on host"
                + " \"127.0.0.1\" at port \"" + node.port() + "\".").contains("tcp|42");
        Path socketDir = cluster.root();
        PgPrograms.Result unix = PgPrograms.run(withArgs(psqlCommand(socketDir.toString()), "-c", "\\conninfo", "-c",
                "SELECT 'unix', 6 * 7")).check("psql over the Unix socket");
        assertThat(unix.out()).contains("You are connected to database \"postgres\" as user \"postgres\" via socket"
                + " in \"" + socketDir + "\" at port \"" + node.port() + "\".").contains("unix|42");
        Path tsv = cluster.root().resolve("psql-copy.tsv");
        java.nio.file.Files.writeString(tsv, "1\tone\n2\ttwo\n");
        PgPrograms.Result copy = PgPrograms.run(withArgs(psqlCommand("127.0.0.1"), "-c",
                "CREATE TABLE psql_copy (a integer, b text)", "-c", "\\copy psql_copy from '" + tsv + "'",
                "-c", "\\dt", "-c", "SELECT b FROM psql_copy ORDER BY a")).check("psql \\copy");
        assertThat(copy.out()).contains("COPY 2").contains("public|psql_copy|table|postgres").contains("one\ntwo");
        PgPrograms.Result error = PgPrograms.run(withArgs(psqlCommand(socketDir.toString()), "-c",
                "SELECT * FROM no_such_table"));
        assertThat(error.code()).isEqualTo(1);
        assertThat(error.err()).contains("ERROR:  relation \"no_such_table\" does not exist");
        // the sizes a DBA asks for: the storage files exist, so the database has a size
        assertThat(node.psql("SELECT pg_database_size('postgres') > 0, "
                + "pg_size_pretty(pg_database_size('postgres')) IS NOT NULL")).isEqualTo("t|t");
    }

    @Test
    void pgbenchTpcbInEveryQueryModeKeepsTheBooksBalanced() throws Exception {
        String pgbench = PgPrograms.require("pgbench");
        Path bench = Path.of(System.getProperty("user.dir"), "bench");
        PgPrograms.Result tables = PgPrograms.run(List.of("bash", bench.resolve("pgbench-tables.sh").toString(), "1"));
        tables.check("pgbench-tables.sh");
        PgPrograms.run(withArgs(psqlCommand("127.0.0.1"), "-q"), Map.of(), tables.out(), 300)
                .check("creating the pgbench tables");
        Pattern processed = Pattern.compile("number of transactions actually processed: (\\d+)");
        for (String mode : List.of("simple", "extended", "prepared")) {
            PgPrograms.Result r = PgPrograms.run(List.of(pgbench, "-h", "127.0.0.1", "-p",
                    Integer.toString(node.port()), "-U", "postgres", "-n", "-f", bench.resolve("tpcb.sql").toString(),
                    "-c", "4", "-j", "2", "-T", "3", "-M", mode, "postgres"), Map.of(), null, 120);
            System.out.println("PgClientsIT pgbench -M " + mode + ":\n" + r.out() + r.err());
            r.check("pgbench -M " + mode);
            assertThat(r.out()).contains("query mode: " + mode)
                    .contains("number of failed transactions: 0 (0.000%)");
            Matcher m = processed.matcher(r.out());
            assertThat(m.find()).isTrue();
            assertThat(Long.parseLong(m.group(1))).as("transactions in -M " + mode).isPositive();
        }
        String sums = String.join("|", node.psql("SELECT sum(abalance) FROM pgbench_accounts"),
                node.psql("SELECT sum(tbalance) FROM pgbench_tellers"),
                node.psql("SELECT sum(bbalance) FROM pgbench_branches"),
                node.psql("SELECT sum(delta) FROM pgbench_history"),
                node.psql("SELECT count(*) FROM pgbench_history"));
        String[] parts = sums.split("\\|");
        System.out.println("PgClientsIT sums (accounts|tellers|branches|history|history rows): " + sums);
        assertThat(parts).hasSize(5);
        assertThat(parts[1]).as("tellers = accounts").isEqualTo(parts[0]);
        assertThat(parts[2]).as("branches = accounts").isEqualTo(parts[0]);
        assertThat(parts[3]).as("history = accounts").isEqualTo(parts[0]);
        assertThat(Long.parseLong(parts[4])).isPositive();
    }

    @Test
    void pgbenchInitialisesItsOwnTablesAndRunsTheBuiltinScript() throws Exception {
        String pgbench = PgPrograms.require("pgbench");
        List<String> base = List.of(pgbench, "-h", "127.0.0.1", "-p", Integer.toString(node.port()), "-U",
                "postgres");
        PgPrograms.Result init = PgPrograms.run(withArgs(base, "-i", "-s", "1", "-q",
                "postgres"), Map.of(), null, 180);
        System.out.println("PgClientsIT pgbench -i:\n" + init.err());
        init.check("pgbench -i -s 1");
        assertThat(init.err()).contains("creating primary keys...").contains("done in");
        assertThat(node.psql("SELECT count(*) FROM pgbench_accounts")).isEqualTo("100000");
        PgPrograms.Result run = PgPrograms.run(withArgs(base, "-c", "2", "-j", "2", "-T", "2", "postgres"),
                Map.of(), null, 120);
        run.check("pgbench builtin tpcb-like");
        assertThat(run.out()).contains("transaction type: <builtin: TPC-B (sort of)>")
                .contains("number of failed transactions: 0 (0.000%)");
    }

    /** PostgreSQL's maintenance programs as a DBA runs them from cron: quiet, and the indexes still answer. */
    @Test
    void vacuumdbReindexdbAndClusterdbRunCleanly() throws Exception {
        node.psql("CREATE TABLE maint (id integer PRIMARY KEY, tag text UNIQUE, n integer)");
        node.psql("CREATE INDEX maint_n ON maint (n)");
        node.psql("INSERT INTO maint SELECT g, 't' || g, g % 10 FROM generate_series(1, 2000) g");
        for (List<String> tool : List.of(List.of("vacuumdb", "--all", "--analyze-in-stages"),
                List.of("vacuumdb", "-z", "-d", "postgres"), List.of("reindexdb", "postgres"),
                List.of("reindexdb", "--concurrently", "-t", "maint", "postgres"),
                List.of("reindexdb", "-s", "postgres"), List.of("clusterdb", "postgres"))) {
            List<String> cmd = new java.util.ArrayList<>(List.of(PgPrograms.require(tool.get(0)), "-h", "127.0.0.1",
                    "-p", Integer.toString(node.port()), "-U", "postgres"));
            cmd.addAll(tool.subList(1, tool.size()));
            PgPrograms.Result r = PgPrograms.run(cmd, Map.of(), null, 180).check(String.join(" ", tool));
            assertThat(r.err()).as(String.join(" ", tool)).doesNotContain("WARNING").doesNotContain("ERROR");
        }
        assertThat(node.psql("SET enable_seqscan = off; SELECT count(*), sum(id) FROM maint WHERE n = 3"))
                .isEqualTo("200|199600");
        assertThat(node.psql("SET enable_seqscan = off; SELECT id FROM maint WHERE tag = 't1234'")).isEqualTo("1234");
        assertThat(node.psql("SELECT bool_and(indisvalid AND indisready) FROM pg_index WHERE indrelid = 'maint'::regclass"))
                .isEqualTo("t");
    }

    @Test
    void pgjdbcServerPreparedStatementsAndBatches() throws Exception {
        try (Connection c = node.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE prep (id integer PRIMARY KEY, name text, amount numeric(10,2), at timestamp)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO prep VALUES (?, ?, ?, now())")) {
                for (int i = 1; i <= 200; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "name " + i);
                    insert.setBigDecimal(3, new java.math.BigDecimal(i).movePointLeft(2));
                    insert.addBatch();
                }
                int[] counts = insert.executeBatch();
                assertThat(counts).hasSize(200).containsOnly(1);
            }
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT id, name, amount, at FROM prep WHERE id = ? AND name = ?")) {
                for (int i = 1; i <= 12; i++) {
                    select.setInt(1, i * 10);
                    select.setString(2, "name " + i * 10);
                    try (ResultSet rs = select.executeQuery()) {
                        assertThat(rs.next()).as("execution " + i).isTrue();
                        assertThat(rs.getInt(1)).isEqualTo(i * 10);
                        assertThat(rs.getString(2)).isEqualTo("name " + i * 10);
                        assertThat(rs.getBigDecimal(3)).isEqualByComparingTo(
                                new java.math.BigDecimal(i * 10).movePointLeft(2));
                        assertThat(rs.getTimestamp(4)).isNotNull();
                        assertThat(rs.next()).isFalse();
                    }
                }
                assertThat(select.unwrap(PGStatement.class).isUseServerPrepare())
                        .as("pgjdbc switched to a named server-side statement").isTrue();
            }
            try (Statement batch = c.createStatement()) {
                batch.addBatch("UPDATE prep SET name = 'x' WHERE id <= 10");
                batch.addBatch("DELETE FROM prep WHERE id > 190");
                batch.addBatch("INSERT INTO prep (id, name) VALUES (1000, 'batch')");
                assertThat(batch.executeBatch()).containsExactly(10, 10, 1);
            }
            assertThat(node.psql("SELECT count(*), sum(amount) FROM prep")).isEqualTo("191|181.45");
            assertThat(node.psql("SELECT count(*) FROM prep WHERE name = 'x'"))
                    .isEqualTo("10");
        }
    }

    private static int backendPid(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void cancellingAStatementWaitingOnARowLockGives57014() throws Exception {
        try (Connection holder = node.connect(); Connection waiter = node.connect();
             Statement hs = holder.createStatement(); Statement ws = waiter.createStatement()) {
            hs.execute("CREATE TABLE lk (id integer PRIMARY KEY, n integer)");
            hs.execute("INSERT INTO lk VALUES (1, 0)");
            int waiterPid = backendPid(ws);
            int holderPid = backendPid(hs);
            holder.setAutoCommit(false);
            hs.executeUpdate("UPDATE lk SET n = n + 1 WHERE id = 1");
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                CountDownLatch started = new CountDownLatch(1);
                Future<Integer> blocked = pool.submit(() -> {
                    started.countDown();
                    return ws.executeUpdate("UPDATE lk SET n = n + 10 WHERE id = 1");
                });
                started.await(10, TimeUnit.SECONDS);
                // pg_stat_activity shows the waiter running its UPDATE and the holder idle in its transaction
                assertThat(node.pollQueryUntil("SELECT state, query FROM pg_stat_activity WHERE pid = " + waiterPid,
                        "active|UPDATE lk SET n = n + 10 WHERE id = 1")).isTrue();
                assertThat(node.psql("SELECT state, query, xact_start IS NOT NULL FROM pg_stat_activity WHERE pid = "
                        + holderPid)).isEqualTo("idle in transaction|UPDATE lk SET n = n + 1 WHERE id = 1|t");
                assertThat(blocked.isDone()).as("the second UPDATE waits on the row lock").isFalse();
                ws.cancel();
                java.util.concurrent.ExecutionException e = catchThrowableOfType(
                        java.util.concurrent.ExecutionException.class, () -> blocked.get(30, TimeUnit.SECONDS));
                assertThat(e.getCause()).isInstanceOf(SQLException.class);
                SQLException sql = (SQLException) e.getCause();
                assertThat(sql.getSQLState()).isEqualTo("57014");
                assertThat(sql.getMessage()).contains("canceling statement due to user request");
            } finally {
                pool.shutdownNow();
            }
            holder.commit();
            try (ResultSet rs = ws.executeQuery("SELECT n FROM lk WHERE id = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).as("the cancelled update left no trace; the session goes on").isEqualTo(1);
            }
        }
    }

    @Test
    void statementTimeoutAndLockTimeoutEndALockWait() throws Exception {
        try (Connection holder = node.connect(); Connection waiter = node.connect();
             Statement hs = holder.createStatement(); Statement ws = waiter.createStatement()) {
            hs.execute("CREATE TABLE tmo (id integer PRIMARY KEY, n integer)");
            hs.execute("INSERT INTO tmo VALUES (1, 0)");
            holder.setAutoCommit(false);
            hs.executeUpdate("UPDATE tmo SET n = n + 1 WHERE id = 1");

            ws.execute("SET statement_timeout = '400ms'");
            long t0 = System.nanoTime();
            SQLException st = catchThrowableOfType(SQLException.class,
                    () -> ws.executeUpdate("UPDATE tmo SET n = n + 10 WHERE id = 1"));
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat((Object) st).as("statement_timeout ends the wait").isNotNull();
            assertThat(st.getSQLState()).isEqualTo("57014");
            assertThat(st.getMessage()).contains("canceling statement due to statement timeout");
            assertThat(waitedMs).isBetween(350L, 10_000L);
            ws.execute("SET statement_timeout = 0");

            ws.execute("SET lock_timeout = '300ms'");
            SQLException lt = catchThrowableOfType(SQLException.class,
                    () -> ws.executeUpdate("UPDATE tmo SET n = n + 100 WHERE id = 1"));
            assertThat(lt.getSQLState()).isEqualTo("55P03");
            assertThat(lt.getMessage()).contains("canceling statement due to lock timeout");
            ws.execute("SET lock_timeout = 0");

            holder.commit();
            assertThat(ws.executeUpdate("UPDATE tmo SET n = n + 1000 WHERE id = 1")).isEqualTo(1);
            assertThat(node.psql("SELECT n FROM tmo")).isEqualTo("1001");
        }
    }

    @Test
    void concurrentIncrementsOfOneRowLoseNothing() throws Exception {
        node.psql("CREATE TABLE inc (id integer PRIMARY KEY, n integer); INSERT INTO inc VALUES (1, 0)");
        int perSession = 300;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> sessions = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                sessions.add(pool.submit(() -> {
                    int done = 0;
                    try (Connection c = node.connect();
                         PreparedStatement up = c.prepareStatement("UPDATE inc SET n = n + 1 WHERE id = 1")) {
                        for (int i = 0; i < perSession; i++) {
                            done += up.executeUpdate();
                        }
                    }
                    return done;
                }));
            }
            for (Future<Integer> f : sessions) {
                assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(perSession);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(node.psql("SELECT n FROM inc WHERE id = 1")).isEqualTo(Integer.toString(2 * perSession));
    }

    private static List<String> withArgs(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }
}
