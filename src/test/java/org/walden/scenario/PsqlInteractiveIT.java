package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.walden.test.RealPostgres;
import org.walden.test.TestCluster;

/**
 * psql 15 used by a person at a terminal, on PostgreSQL 15 and on Walden side by side: psql runs
 * inside tmux, the test types keys and reads the screen. Tab completion of table names, column
 * names and keywords comes from psql's own catalog queries (tab-complete.c), so each server must
 * answer them with the same candidates; {@code \timing} prints each statement's time,
 * {@code \watch} repeats a query until interrupted, {@code \x} switches to expanded rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PsqlInteractiveIT {

    private static final String SCHEMA = "create table pgbench_accounts (aid int primary key, bid int, abalance int);\n"
            + "create table pgbench_branches (bid int primary key, bbalance int);\n"
            + "create schema app;\ncreate table app.orders (order_id int, placed date);\n"
            + "insert into pgbench_accounts values (1, 1, 10), (2, 1, 20);\n";

    private RealPostgres postgres;
    private TestCluster cluster;
    private TestCluster.Node walden;

    @BeforeAll
    void startServers() {
        PgPrograms.require("psql");
        if (!Files.isExecutable(Path.of("/usr/bin/tmux"))) {
            if ("true".equals(System.getenv("CI"))) {
                fail("tmux is missing on CI: install it (see .ci/run)");
            }
            Assumptions.abort("tmux is not installed");
        }
        postgres = RealPostgres.start();
        cluster = new TestCluster();
        walden = cluster.initPrimary("typed-at");
        walden.start();
        for (int port : new int[] {postgres.port(), walden.port()}) {
            PgPrograms.run(List.of(PgPrograms.require("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                    "-p", Integer.toString(port), "-U", "postgres", "-d", "postgres", "-f", "-"), Map.of(), SCHEMA, 60)
                    .check("schema");
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
    void tabCompletionOffersWhatPostgresOffers() {
        List<String> typed = List.of("select * from pgbench_", "select * from pgbench_acc", "select * from app.",
                "select * from pgbench_accounts where ab", "select aid from pgbench_accounts order by a",
                "insert into pgbench_br", "alter table pgbench_accounts ", "create ind", "\\d pgbench_", "drop sch");
        for (String line : typed) {
            String onPostgres = completion(postgres.port(), line);
            String onWalden = completion(walden.port(), line);
            assertThat(onPostgres).as("PostgreSQL completes %s", line).isNotBlank();
            assertThat(onWalden).as("Walden's completion of \"%s\" (expected: PostgreSQL's)", line).isEqualTo(onPostgres);
        }
    }

    @Test
    void timingWatchAndExpandedOutput() {
        try (Terminal t = Terminal.psql(walden.port())) {
            t.typeLine("\\timing on");
            t.typeLine("select count(*) from pgbench_accounts;");
            String screen = t.awaitScreen(Pattern.compile("(?s)Timing is on\\..*count.*\\n\\s+2\\n.*Time: [0-9.]+ ms"));
            assertThat(screen).contains("(1 row)");

            t.typeLine("select sum(abalance) as total from pgbench_accounts \\watch 0.3");
            screen = t.awaitScreen(Pattern.compile("(?s)(\\(every 0\\.3s\\).*total.*30.*){3}"));
            t.key("C-c");
            t.typeLine("\\timing off");
            t.typeLine("\\x on");
            t.typeLine("select aid, abalance from pgbench_accounts where aid = 2;");
            screen = t.awaitScreen(Pattern.compile("(?s)Expanded display is on\\..*-\\[ RECORD 1 \\]-*\\n"
                    + "aid\\s+\\| 2\\nabalance \\| 20"));
            assertThat(screen).doesNotContain("ERROR");
        }
    }

    /** What psql shows after {@code line} and two tabs: the completed line and the candidates under it. */
    private static String completion(int port, String line) {
        try (Terminal t = Terminal.psql(port)) {
            t.type(line);
            t.key("Tab");
            t.key("Tab");
            String screen = t.settledScreen();
            t.key("C-c");
            return screen.substring(screen.indexOf("postgres=#")).strip();
        }
    }

    /** psql in a tmux session of its own (its own tmux server socket, so nothing else is touched). */
    private static final class Terminal implements AutoCloseable {
        private static int sessions;
        private final String socket;

        private Terminal(String socket) {
            this.socket = socket;
        }

        static synchronized Terminal psql(int port) {
            Terminal t = new Terminal("walden-psql-it-" + ProcessHandle.current().pid() + "-" + (++sessions));
            t.tmux("new-session", "-d", "-s", "psql", "-x", "160", "-y", "60", "env PGTZ=UTC PSQL_HISTORY=/dev/null "
                    + PgPrograms.require("psql") + " -X -h 127.0.0.1 -p " + port + " -U postgres -d postgres");
            t.awaitScreen(Pattern.compile("^postgres=#\\s*$", Pattern.MULTILINE));
            return t;
        }

        /** Types the text as it is (tmux reads an argument ending in ';' as its own separator). */
        void type(String text) {
            tmux("send-keys", "-t", "psql", "-l", text.endsWith(";") ? text.substring(0, text.length() - 1) + "\\;"
                    : text);
        }

        void typeLine(String text) {
            type(text);
            key("Enter");
        }

        void key(String key) {
            tmux("send-keys", "-t", "psql", key);
        }

        String screen() {
            return tmux("capture-pane", "-p", "-t", "psql", "-S", "-");
        }

        /** The screen once it has stopped changing for a moment (psql's completion queries answered). */
        String settledScreen() {
            String last = screen();
            long deadline = System.nanoTime() + 20_000_000_000L;
            int stable = 0;
            while (stable < 3 && System.nanoTime() < deadline) {
                sleep(150);
                String now = screen();
                stable = now.equals(last) ? stable + 1 : 0;
                last = now;
            }
            return last;
        }

        String awaitScreen(Pattern expected) {
            long deadline = System.nanoTime() + 30_000_000_000L;
            String screen = screen();
            while (!expected.matcher(screen).find()) {
                if (System.nanoTime() > deadline) {
                    fail("the terminal never showed " + expected + "; it shows:\n" + screen);
                }
                sleep(100);
                screen = screen();
            }
            return screen;
        }

        private String tmux(String... args) {
            List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
            cmd.addAll(List.of(args));
            return PgPrograms.run(cmd, Map.of(), null, 30).check("tmux " + args[0]).out();
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            PgPrograms.run(List.of("tmux", "-L", socket, "kill-server"), Map.of(), null, 30);
        }
    }
}
