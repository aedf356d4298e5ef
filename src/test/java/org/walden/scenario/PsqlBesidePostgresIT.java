package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.walden.test.RealPostgres;
import org.walden.test.TestCluster;

/**
 * PostgreSQL 15 is the judge: each script of src/test/resources/pgcompare runs through psql 15
 * (echoing every statement, errors not stopping it) in a fresh database on a real PostgreSQL 15
 * and on Walden, and the two outputs must be the same text — query results, column names, error
 * messages, EXPLAIN shapes and psql's describe commands alike (the scripts say what they cover).
 *
 * <p>Then the describe commands again, with the text of psql's own catalog queries changed:
 * psql -E shows the queries each command sends, and each is sent again re-spaced (every run of
 * white space outside string constants replaced) and re-aliased (every table alias renamed);
 * each server's answers must still be the same, which no matching of query text could pass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PsqlBesidePostgresIT {

    private static final Path SCRIPTS = Path.of("src/test/resources/pgcompare");
    private static final Pattern PSQL_LOCATION = Pattern.compile("(?m)^psql:[^:\\n]*:[0-9]+: ");

    private RealPostgres postgres;
    private TestCluster cluster;
    private TestCluster.Node walden;
    private int databases;

    @BeforeAll
    void startServers() {
        PgPrograms.require("psql");
        // two-phase commit (16-two-phase.sql) needs prepared transactions on both
        postgres = RealPostgres.start(List.of("max_prepared_transactions=10"));
        cluster = new TestCluster();
        walden = cluster.initPrimary("judged");
        walden.appendConf("max_prepared_transactions = 10\n");
        walden.start();
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

    static Stream<String> scripts() throws IOException {
        try (Stream<Path> files = Files.list(SCRIPTS)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("scripts")
    void scriptGivesPostgresOutput(String script) throws IOException {
        String sql = Files.readString(SCRIPTS.resolve(script));
        String db = freshDatabase();
        String expected = runScript(postgres.port(), db, sql);
        String actual = runScript(walden.port(), db, sql);
        assertThat(expected).as("PostgreSQL ran %s", script).contains("\n");
        assertThat(actual).as("%s: Walden's output (expected: PostgreSQL 15's)", script).isEqualTo(expected);
    }

    @Test
    void psqlDescribeQueriesReSpacedAndReAliasedGiveTheSameAnswers() throws IOException {
        String describe = Files.readString(SCRIPTS.resolve("03-psql-describe.sql"));
        String db = freshDatabase();
        String schema = describe.substring(0, describe.indexOf("\n\\") + 1);
        runScript(postgres.port(), db, schema);
        runScript(walden.port(), db, schema);
        List<String> commands = List.of("\\d", "\\d t", "\\d+ t", "\\d+ app.acct", "\\dt pgbench*", "\\di+ t_a",
                "\\dv", "\\ds", "\\dn+", "\\du", "\\dp t", "\\d v", "\\d s", "\\d t_expr", "\\l template1",
                "\\dconfig work_mem");
        int changedQueries = 0;
        for (String command : commands) {
            List<String> pgQueries = hiddenQueries(postgres.port(), db, command);
            List<String> waldenQueries = hiddenQueries(walden.port(), db, command);
            assertThat(waldenQueries).as("psql sends the same number of queries for %s", command)
                    .hasSameSizeAs(pgQueries);
            assertThat(pgQueries).as("psql -E shows the queries of %s", command).isNotEmpty();
            for (int i = 0; i < pgQueries.size(); i++) {
                String pgQuery = reAlias(reSpace(pgQueries.get(i)));
                String waldenQuery = reAlias(reSpace(waldenQueries.get(i)));
                assertThat(pgQuery).isNotEqualTo(pgQueries.get(i));
                changedQueries++;
                String expected = withoutUserOids(runScript(postgres.port(), db, pgQuery + ";\n"));
                String actual = withoutUserOids(runScript(walden.port(), db, waldenQuery + ";\n"));
                assertThat(expected).as("PostgreSQL accepts the changed query of %s:\n%s", command, pgQuery)
                        .doesNotContain("ERROR");
                assertThat(actual).as("%s, query %d changed:\n%s", command, i + 1, waldenQuery).isEqualTo(expected);
            }
        }
        assertThat(changedQueries).isGreaterThan(30);
        String dropRoles = "drop role reader;\ndrop role admin;\ndrop role grp;\n"; // roles are the cluster's, not the database's
        runScript(postgres.port(), db, dropRoles);
        runScript(walden.port(), db, dropRoles);
    }

    // ---------------------------------------------------------------- psql runs

    private String freshDatabase() {
        String db = "judge_" + (++databases);
        runScript(postgres.port(), "postgres", "create database " + db + ";\n");
        runScript(walden.port(), "postgres", "create database " + db + ";\n");
        return db;
    }

    /** psql -a over the script as pgdiff runs it: statements echoed, errors in line, psql's file:line prefix removed. */
    private String runScript(int port, String db, String sql) {
        // through sh for 2>&1: errors and notices stay in line with the results, as pgdiff shows them
        PgPrograms.Result r = PgPrograms.run(List.of("sh", "-c", "exec \"$0\" \"$@\" 2>&1", PgPrograms.require("psql"),
                "-X", "-a", "-q", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-d", db, "-f", "-"),
                environment(), sql, 300);
        return PSQL_LOCATION.matcher(r.out()).replaceAll("");
    }

    private static Map<String, String> environment() {
        return Map.of("PGTZ", "UTC", "PGDATESTYLE", "ISO, MDY", "PGAPPNAME", "judge", "PGOPTIONS", "");
    }

    /** The catalog queries psql sends for one backslash command, as psql -E prints them. */
    private List<String> hiddenQueries(int port, String db, String command) {
        PgPrograms.Result r = PgPrograms.run(List.of(PgPrograms.require("psql"), "-X", "-E", "-h", "127.0.0.1",
                "-p", Integer.toString(port), "-U", "postgres", "-d", db, "-c", command), environment(), null, 120);
        List<String> queries = new ArrayList<>();
        Matcher m = Pattern.compile("\\*{9} QUERY \\*{10}\\n(.*?)\\n\\*{26}", Pattern.DOTALL).matcher(r.out());
        while (m.find()) {
            queries.add(m.group(1).strip().replaceAll(";$", ""));
        }
        return queries;
    }

    /** OIDs of user objects (16384 and up) differ between the servers: each becomes "<oid>". */
    private static String withoutUserOids(String output) {
        return output.replaceAll("\\b(1[6-9][0-9]{3}|[2-9][0-9]{4}|[0-9]{6,9})\\b", "<oid>");
    }

    // ---------------------------------------------------------------- changing the text

    /** Every run of white space outside string constants and quoted names becomes another one. */
    static String reSpace(String sql) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (Segment s : segments(sql)) {
            if (s.quoted) {
                out.append(s.text);
                continue;
            }
            Matcher m = Pattern.compile("\\s+").matcher(s.text);
            int last = 0;
            StringBuilder text = new StringBuilder();
            while (m.find()) {
                text.append(s.text, last, m.start()).append(n++ % 2 == 0 ? "\n\t  " : "   ");
                last = m.end();
            }
            text.append(s.text.substring(last));
            out.append(text.toString().replace(",", " ,\n"));
        }
        return out.toString();
    }

    private static final Set<String> NOT_ALIASES = Set.of("on", "where", "join", "left", "right", "inner", "full",
            "cross", "using", "order", "group", "as", "and", "or", "limit", "union", "natural", "lateral", "having",
            "window", "offset", "except", "intersect", "for");
    private static final Pattern ALIAS_DECLARATION = Pattern.compile(
            "\\b(?:pg_catalog\\.)?(?:pg_[a-z_]+|information_schema\\.[a-z_]+)\\s+(?:(?i:AS)\\s+)?([a-z][a-z0-9_]{0,3})\\b(?!\\s*\\()");

    /** Every table alias (pg_catalog.pg_class c) renamed where it is declared and used (c.relname). */
    static String reAlias(String sql) {
        Map<String, String> aliases = new HashMap<>();
        for (Segment s : segments(sql)) {
            if (!s.quoted) {
                Matcher m = ALIAS_DECLARATION.matcher(s.text);
                while (m.find()) {
                    if (!NOT_ALIASES.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
                        aliases.put(m.group(1), "alias_" + m.group(1));
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (Segment s : segments(sql)) {
            String text = s.text;
            if (!s.quoted) {
                for (Map.Entry<String, String> a : aliases.entrySet()) {
                    text = text.replaceAll("(?<![.\\w])" + a.getKey() + "(?=\\s*\\.)", a.getValue());
                    text = text.replaceAll("(\\b(?:pg_catalog\\.)?(?:pg_[a-z_]+|information_schema\\.[a-z_]+)\\s+"
                            + "(?:(?i:AS)\\s+)?)" + a.getKey() + "\\b(?!\\s*\\()", "$1" + a.getValue());
                }
            }
            out.append(text);
        }
        return out.toString();
    }

    private record Segment(String text, boolean quoted) {
    }

    /** The text cut into string constants / quoted names and the SQL between them. */
    private static List<Segment> segments(String sql) {
        List<Segment> out = new ArrayList<>();
        int i = 0;
        int start = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"') {
                out.add(new Segment(sql.substring(start, i), false));
                int end = i + 1;
                while (end < sql.length()) {
                    if (sql.charAt(end) == c) {
                        if (end + 1 < sql.length() && sql.charAt(end + 1) == c) {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                out.add(new Segment(sql.substring(i, Math.min(end + 1, sql.length())), true));
                i = end + 1;
                start = i;
            } else {
                i++;
            }
        }
        if (start < sql.length()) {
            out.add(new Segment(sql.substring(start), false));
        }
        return out;
    }
}
