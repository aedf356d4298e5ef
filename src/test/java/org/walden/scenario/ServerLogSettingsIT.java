package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * The server log settings of seed 002 and their neighbours, as PostgreSQL 15 writes them:
 * log_duration, log_min_duration_statement (with log_statement's "already logged" rule and the
 * extended protocol's parse / bind / execute lines), log_error_verbosity terse / default /
 * verbose (SQLSTATE and a LOCATION line naming Walden's class and method),
 * log_min_error_statement, log_checkpoints' "checkpoint complete" line,
 * log_replication_commands, and log_destination = 'stderr,csvlog,jsonlog' with the collector.
 */
class ServerLogSettingsIT {

    private static final String MS = "\\d+\\.\\d{3} ms";

    @Test
    void statementDurationsAndVerbosityFollowTheSettings() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("log");
            node.appendConf("log_duration = on\nlog_checkpoints = on\n");
            node.start();

            node.psql("SELECT 'only-duration'");
            assertThat(lines(node, "duration: ")).anyMatch(l -> l.matches(".*LOG:  duration: " + MS));
            assertThat(lines(node, "only-duration")).isEmpty();

            setAndReload(node, "log_duration = off", "log_min_duration_statement = 0");
            node.psql("SELECT 'with-statement'");
            assertThat(lines(node, "with-statement"))
                    .anyMatch(l -> l.matches(".*LOG:  duration: " + MS + "  statement: SELECT 'with-statement'"));

            setAndReload(node, "log_statement = 'all'");
            node.psql("SELECT 'logged-once'");
            List<String> once = lines(node, "logged-once");
            assertThat(once).hasSize(1).allMatch(l -> l.endsWith("LOG:  statement: SELECT 'logged-once'"));

            setAndReload(node, "log_statement = 'none'");
            try (Connection c = node.connect();
                 PreparedStatement ps = c.prepareStatement("SELECT ?::int + 1 AS extended_protocol")) {
                ps.setInt(1, 41);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(42);
                }
            }
            String sql = "SELECT \\$1::int \\+ 1 AS extended_protocol";
            List<String> extended = lines(node, "extended_protocol");
            assertThat(extended).anyMatch(l -> l.matches(".*duration: " + MS + "  parse <unnamed>: " + sql))
                    .anyMatch(l -> l.matches(".*duration: " + MS + "  bind <unnamed>: " + sql))
                    .anyMatch(l -> l.matches(".*duration: " + MS + "  execute <unnamed>: " + sql));

            setAndReload(node, "log_min_duration_statement = -1", "log_error_verbosity = verbose");
            runFailing(node, "SELECT * FROM no_such_table_verbose");
            List<String> verbose = following(node, "no_such_table_verbose", 3);
            assertThat(verbose.get(0)).endsWith("ERROR:  42P01: relation \"no_such_table_verbose\" does not exist"
                    + " at character 15");
            assertThat(verbose.get(1)).containsPattern("LOCATION:  \\w+\\.\\w+, \\w+\\.java:\\d+$");
            assertThat(verbose.get(2)).endsWith("STATEMENT:  SELECT * FROM no_such_table_verbose");

            setAndReload(node, "log_error_verbosity = terse", "log_min_error_statement = panic");
            runFailing(node, "SELECT * FROM no_such_table_terse");
            List<String> terse = following(node, "no_such_table_terse", 2);
            assertThat(terse.get(0)).endsWith("ERROR:  relation \"no_such_table_terse\" does not exist at character 15");
            assertThat(terse.subList(1, terse.size())).noneMatch(l -> l.contains("STATEMENT:") || l.contains("LOCATION:"));

            node.psql("CHECKPOINT");
            assertThat(node.pollLogContains("checkpoint starting: immediate force wait")).isTrue();
            assertThat(lines(node, "checkpoint complete: ")).anyMatch(l -> Pattern.compile(
                    "LOG:  checkpoint complete: wrote \\d+ buffers \\(\\d+\\.\\d%\\); 0 WAL file\\(s\\) added, "
                    + "\\d+ removed, 0 recycled; write=\\d+\\.\\d{3} s, sync=\\d+\\.\\d{3} s, "
                    + "total=\\d+\\.\\d{3} s; sync files=\\d+, longest=\\d+\\.\\d{3} s, average=\\d+\\.\\d{3} s; "
                    + "distance=\\d+ kB, estimate=\\d+ kB$").matcher(l).find());

            setAndReload(node, "log_replication_commands = on");
            node.backup("b");
            assertThat(node.pollLogContains("LOG:  received replication command: BASE_BACKUP")).isTrue();
        }
    }

    @Test
    void csvlogAndJsonlogBesideStderrWithTheCollector() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("json");
            node.appendConf("logging_collector = on\nlog_destination = 'stderr,csvlog,jsonlog'\n"
                    + "log_min_duration_statement = 0\nlog_filename = 'pg.log'\n");
            node.start();
            node.psql("SELECT 'to-every-destination'");
            Path dir = node.dataDir().resolve("log");
            awaitFileContaining(dir.resolve("pg.json"), "to-every-destination");
            String json = Files.readString(dir.resolve("pg.json"));
            assertThat(json.lines().filter(l -> l.contains("to-every-destination")).findFirst().orElseThrow())
                    .startsWith("{\"timestamp\":\"").contains("\"user\":\"postgres\"", "\"dbname\":\"postgres\"",
                            "\"error_severity\":\"LOG\"", "\"state_code\":\"00000\"",
                            "\"backend_type\":\"client backend\"")
                    .containsPattern("\"message\":\"duration: " + MS + "  statement: SELECT 'to-every-destination'\"")
                    .endsWith("}");
            awaitFileContaining(dir.resolve("pg.csv"), "to-every-destination");
            awaitFileContaining(dir.resolve("pg.log"), "to-every-destination");
            // pg_current_logfile: log_directory/file, as current_logfiles names them
            assertThat(node.psql("SELECT pg_current_logfile() || ' ' || pg_current_logfile('csvlog') || ' '"
                    + " || pg_current_logfile('jsonlog') || ' ' || pg_current_logfile('stderr')"))
                    .isEqualTo("log/pg.log log/pg.csv log/pg.json log/pg.log");
            assertThat(node.psql("SELECT pg_read_file(pg_current_logfile('jsonlog')) LIKE '%to-every-destination%'"))
                    .isEqualTo("t");
        }
    }

    @Test
    void lockWaitsLongerThanDeadlockTimeoutAreLogged() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("locks");
            node.appendConf("log_lock_waits = on\ndeadlock_timeout = 200ms\n");
            node.start();
            node.psql("CREATE TABLE acct (id int PRIMARY KEY, balance int); INSERT INTO acct VALUES (1, 100)");
            try (Connection holder = node.connect(); Connection waiter = node.connect()) {
                holder.setAutoCommit(false);
                holder.createStatement().executeUpdate("UPDATE acct SET balance = 90 WHERE id = 1");
                Thread t = Thread.ofVirtual().start(() -> {
                    try {
                        waiter.createStatement().executeUpdate("UPDATE acct SET balance = balance - 5 WHERE id = 1");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(node.pollLogContains("still waiting for ShareLock on transaction")).isTrue();
                holder.commit();
                t.join(30_000);
            }
            assertThat(lines(node, "still waiting for")).anyMatch(l -> l.matches(
                    ".*LOG:  process \\d+ still waiting for ShareLock on transaction \\d+ after \\d+\\.\\d{3} ms"));
            assertThat(lines(node, "DETAIL:  Process holding the lock: ")).isNotEmpty();
            assertThat(node.pollLogContains(" acquired ShareLock on transaction ")).isTrue();
            assertThat(node.psql("SELECT balance FROM acct")).isEqualTo("85");
        }
    }

    private static void setAndReload(TestCluster.Node node, String... settings) {
        node.appendConf(String.join("\n", settings));
        node.reload();
        // a reload is asynchronous: poll until a new session sees the last setting
        String last = settings[settings.length - 1];
        String name = last.substring(0, last.indexOf('=')).strip();
        String value = last.substring(last.indexOf('=') + 1).strip().replace("'", "");
        assertThat(node.pollQueryUntil("SELECT setting FROM pg_settings WHERE name = '" + name + "'",
                value.equals("0") || value.matches("-?\\d+") ? value : value, java.time.Duration.ofSeconds(30)))
                .as(last).isTrue();
    }

    private static void runFailing(TestCluster.Node node, String sql) {
        try (Connection c = node.connect()) {
            c.createStatement().execute(sql);
        } catch (SQLException e) {
            return;
        }
        throw new AssertionError("expected an error from " + sql);
    }

    /** The log lines containing {@code text}, after waiting for the first one. */
    private static List<String> lines(TestCluster.Node node, String text) throws Exception {
        node.pollLogContains(text);
        try (Stream<String> s = Files.lines(node.logFile())) {
            return s.filter(l -> l.contains(text)).toList();
        }
    }

    /** The first line containing {@code text} and the {@code count - 1} lines after it. */
    private static List<String> following(TestCluster.Node node, String text, int count) throws Exception {
        assertThat(node.pollLogContains(text)).isTrue();
        Thread.sleep(200); // the lines after it are written by the same call
        List<String> all = Files.readAllLines(node.logFile());
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).contains(text)) {
                return all.subList(i, Math.min(all.size(), i + count));
            }
        }
        throw new AssertionError(text + " not in the log");
    }

    private static void awaitFileContaining(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(Files.exists(file) && Files.readString(file).contains(text))) {
            assertThat(System.nanoTime() < deadline).as(file + " contains " + text).isTrue();
            Thread.sleep(50);
        }
    }
}
