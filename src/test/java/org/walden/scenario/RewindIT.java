package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.walden.test.TestCluster;

/**
 * {@code walden rewind} (issue 8 part 1): an old primary that kept committing after its standby
 * was promoted is brought back to the fork point and follows the new primary. Each case ends the
 * same way: the rewound server, started, streams from the source, every table holds the source's
 * rows, and a commit made on the source afterwards reaches it.
 */
class RewindIT {

    /** The tables every scenario creates before the fork; the diverged work adds and drops more. */
    private static final List<String> BASE_TABLES = List.of("t", "d", "bulk");

    @Test
    void aCleanlyStoppedTargetUndoesThousandsOfTransactionsAndEveryKindOfChange() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            Pair pair = divergedPair(cluster, RewindIT::divergeWithEveryKindOfChange);
            pair.oldPrimary().stop();
            TestCluster.ToolResult r = rewind(pair, "-P", "--debug");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains("pg_rewind: connected to server")
                    .containsPattern("pg_rewind: servers diverged at WAL location [0-9A-F]+/[0-9A-F]+ on timeline 1")
                    .containsPattern("pg_rewind: rewinding from last common checkpoint at [0-9A-F]+/[0-9A-F]+ on "
                            + "timeline 1")
                    .contains("pg_rewind: Source timeline history:", "pg_rewind: Target timeline history:",
                            "pg_rewind: Done!")
                    .doesNotContain("copying the source's storage");
            assertThat(pair.oldPrimary().controldata("Database cluster state")).isEqualTo("in archive recovery");
            assertThat(Files.readString(pair.oldPrimary().dataDir().resolve("backup_label")))
                    .contains("BACKUP METHOD: pg_rewind");
            TestCluster.ToolResult again = rewind(pair);
            assertThat(again.code()).as(again.err()).isZero();
            assertThat(again.err()).contains("pg_rewind: target was rewound and has not been started since",
                    "pg_rewind: no rewind required");
            pair.oldPrimary().enableStreaming(pair.newPrimary());
            assertFollowsSource(pair, List.of("n", "copied"));
            assertCatalogChangesUndone(pair);
        }
    }

    @Test
    void aCrashedTargetIsRecoveredFirstUnlessNoEnsureShutdown() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            Pair pair = divergedPair(cluster, RewindIT::divergeWithEveryKindOfChange);
            pair.oldPrimary().kill9();
            TestCluster.ToolResult refused = rewind(pair, "--no-ensure-shutdown");
            assertThat(refused.code()).isOne();
            assertThat(refused.err()).contains("pg_rewind: error: target server must be shut down cleanly");
            assertThat(pair.oldPrimary().controldata("Database cluster state")).isEqualTo("in production");

            TestCluster.ToolResult r = rewind(pair, "-R");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains("for target server to complete crash recovery", "pg_rewind: Done!");
            assertThat(pair.oldPrimary().dataDir().resolve("standby.signal")).exists();
            assertFollowsSource(pair, List.of("n", "copied"));
        }
    }

    @Test
    void aTargetWhoseWalIsIncompleteRestoresItWithMinusCOrCopiesTheSourceStorage() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            Pair pair = divergedPair(cluster, old -> {
                old.psql("SELECT pg_switch_wal()");
                divergeWithEveryKindOfChange(old);
                old.psql("SELECT pg_switch_wal()");
                commitEach(old, 20_000, 100, "t");
            }, TestCluster.Node::enableArchiving);
            TestCluster.Node old = pair.oldPrimary();
            old.stop();
            Path forkSegment = removeForkSegment(pair);

            // with -c the segment comes back from the archive and the undo path is taken
            old.enableRestoring(old);
            TestCluster.ToolResult dry = rewind(pair, "-c", "-n");
            assertThat(dry.code()).as(dry.err()).isZero();
            assertThat(dry.err()).contains("pg_rewind: rewinding from last common checkpoint at")
                    .doesNotContain("copying the source's storage");
            Files.delete(forkSegment);

            // without it the source's storage is copied, and the rewind says why
            TestCluster.ToolResult r = rewind(pair, "-P");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains("pg_rewind: copying the source's storage instead of undoing: the target's "
                    + "WAL segment " + forkSegment.getFileName()).contains("is missing", "pg_rewind: Done!")
                    .doesNotContain("could not find previous WAL record");
            old.enableStreaming(pair.newPrimary());
            assertFollowsSource(pair, List.of("n", "copied"));
            assertCatalogChangesUndone(pair);
        }
    }

    @Test
    void noRewindIsRequiredWhenTheTargetStoppedBeforeTheFork() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("old_primary");
            primary.start();
            createBaseTables(primary);
            primary.backup("b");
            TestCluster.Node standby = cluster.startStandby(primary, "b", "new_primary");
            // the seeds' switchover: the standby has the shutdown checkpoint before it is promoted
            primary.stop();
            standby.promote();
            Pair pair = new Pair(primary, standby);
            TestCluster.ToolResult r = rewind(pair);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains("pg_rewind: no rewind required");
            assertThat(primary.controldata("Database cluster state")).isEqualTo("shut down");

            // and on the same timeline (a standby of the target's own history)
            TestCluster.Node second = cluster.initFromBackup(primary, "b", "same_timeline", false);
            TestCluster.ToolResult same = TestCluster.walden("rewind", "-D", second.dataDir().toString(),
                    "--source-pgdata=" + primary.dataDir());
            assertThat(same.code()).as(same.err()).isZero();
            assertThat(same.err()).contains("pg_rewind: source and target cluster are on the same timeline",
                    "pg_rewind: no rewind required");
        }
    }

    @Test
    void refusesADifferentSystemARunningTargetAndBadArguments() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            Pair pair = divergedPair(cluster, old -> old.psql("INSERT INTO t VALUES (500, 'diverged')"));
            TestCluster.Node old = pair.oldPrimary();

            TestCluster.ToolResult running = rewind(pair);
            assertThat(running.code()).isOne();
            assertThat(running.err()).contains("pg_rewind: error: target server must be shut down cleanly");
            old.stop();

            TestCluster.Node stranger = cluster.initPrimary("stranger");
            stranger.start();
            TestCluster.ToolResult different = TestCluster.walden("rewind", "-D", old.dataDir().toString(),
                    "--source-server=" + conninfo(stranger));
            assertThat(different.code()).isOne();
            assertThat(different.err()).contains(
                    "pg_rewind: error: source and target clusters are from different systems");

            TestCluster.ToolResult noSource = TestCluster.walden("rewind", "-D", old.dataDir().toString());
            assertThat(noSource.code()).isOne();
            assertThat(noSource.err()).contains("no source specified (--source-pgdata or --source-server)");
            TestCluster.ToolResult notADir = TestCluster.walden("rewind", "-D", cluster.root().toString(),
                    "--source-server=" + conninfo(pair.newPrimary()));
            assertThat(notADir.code()).isOne();
            assertThat(notADir.err()).contains("is not a valid data directory");

            // nothing was changed by the refusals: the old primary still has its diverged row
            old.start();
            assertThat(old.psql("SELECT b FROM t WHERE a = 500")).isEqualTo("diverged");
        }
    }

    @Test
    void aStandbyOfTheNewPrimaryIsASource() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            Pair pair = divergedPair(cluster, RewindIT::divergeWithEveryKindOfChange);
            pair.oldPrimary().stop();
            pair.newPrimary().backup("from_new");
            TestCluster.Node cascade = cluster.startStandby(pair.newPrimary(), "from_new", "cascade");
            TestCluster.ToolResult r = TestCluster.walden("rewind", "--target-pgdata=" + pair.oldPrimary().dataDir(),
                    "--source-server=" + conninfo(cascade), "-R");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains("pg_rewind: Done!");
            // it streams from the standby it was rewound from
            assertFollowsSource(new Pair(pair.oldPrimary(), pair.newPrimary(), cascade),
                    List.of("n", "copied"));
        }
    }

    @Test
    void anInterruptedRewindRefusesToStartAndASecondRewindCompletesIt() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            Pair pair = divergedPair(cluster, old -> {
                divergeWithEveryKindOfChange(old);
                commitEach(old, 30_000, 4000, "many");
            });
            TestCluster.Node old = pair.oldPrimary();
            old.stop();
            // crashed (as by kill -9) at each named point after it began to change the target,
            // each run resuming the one before it
            Path marker = old.dataDir().resolve("rewind_in_progress");
            List<String> phases = new ArrayList<>();
            for (String point : List.of("undo", "storage-done", "finish")) {
                TestCluster.ToolResult crashed = TestCluster.runProcess(TestCluster.waldenCommand(List.of("rewind",
                        "-D", old.dataDir().toString(), "--source-server=" + conninfo(pair.newPrimary()))),
                        Map.of("WALDEN_REWIND_CRASH_AT", point), null, 120);
                assertThat(crashed.code()).as(point + ": " + crashed.err()).isEqualTo(137);
                assertThat(marker).as(point).exists();
                phases.add(Files.readString(marker).split(" ")[0]);
                long before = old.logPosition();
                assertThat(old.ctl("-t", "30", "start").code()).isNotZero();
                assertThat(old.logContainsSince(before, "is being rewound")).isTrue();
            }
            assertThat(phases).containsExactly("UNDO", "STORAGE_DONE", "STORAGE_DONE");
            TestCluster.ToolResult r = rewind(pair, "-R");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(old.dataDir().resolve("rewind_in_progress")).doesNotExist();
            assertFollowsSource(pair, List.of("n", "copied", "many"));
        }
    }

    /** Issue 8 part 4: seed 002 section 四's failure path, as the seed repairs it. */
    @Test
    void theSeedsFailurePathPromotionWhileTheOldPrimaryCommitsThenRewind() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("old_primary");
            primary.start();
            createBaseTables(primary);
            primary.backup("b");
            TestCluster.Node standby = cluster.startStandby(primary, "b", "new_primary");
            Thread load = Thread.ofPlatform().start(() -> commitEach(primary, 100_000, 1500, "t"));
            Thread.sleep(300);
            standby.promote();
            load.join();
            primary.psql("SELECT pg_switch_wal()");
            primary.psql("INSERT INTO t VALUES (200000, 'into the next segment')");
            standby.psql("INSERT INTO t VALUES (300000, 'on the new primary')");
            primary.stop();

            // the old primary, as a standby of the new one, is refused
            primary.enableStreaming(standby);
            primary.start();
            assertThat(primary.pollLogContains("is not in this server's history")).isTrue();
            primary.stop();

            Pair pair = new Pair(primary, standby);
            TestCluster.ToolResult r = TestCluster.walden("rewind", "--target-pgdata=" + primary.dataDir(),
                    "--source-server=host=127.0.0.1 port=" + standby.port() + " user=postgres dbname=postgres",
                    "-P", "--debug", "-R");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains("pg_rewind: servers diverged at WAL location", "pg_rewind: Done!");
            assertFollowsSource(pair, List.of());
            assertThat(primary.psql("SELECT count(*) FROM t WHERE a = 200000")).isEqualTo("0");
        }
    }

    // ---------------------------------------------------------------- scenario

    /** The rewind's target, the server it rewinds from, and the one it then streams from. */
    private record Pair(TestCluster.Node oldPrimary, TestCluster.Node newPrimary, TestCluster.Node source) {
        Pair(TestCluster.Node oldPrimary, TestCluster.Node newPrimary) {
            this(oldPrimary, newPrimary, newPrimary);
        }
    }

    private static Pair divergedPair(TestCluster cluster, Diverge diverge) throws Exception {
        return divergedPair(cluster, diverge, node -> { });
    }

    /**
     * A primary with the base tables and a standby; the standby is promoted; the old primary
     * then runs {@code diverge} and the new primary commits a row of its own. Both keep running.
     */
    private static Pair divergedPair(TestCluster cluster, Diverge diverge,
                                     java.util.function.Consumer<TestCluster.Node> configure) throws Exception {
        TestCluster.Node primary = cluster.initPrimary("old_primary");
        configure.accept(primary);
        primary.start();
        createBaseTables(primary);
        primary.backup("b");
        TestCluster.Node standby = cluster.startStandby(primary, "b", "new_primary");
        primary.psql("INSERT INTO t VALUES (3, 'streamed')");
        primary.waitForCatchup(standby);
        assertThat(standby.psql("SELECT pg_promote()")).isEqualTo("t");
        diverge.run(primary);
        standby.psql("INSERT INTO t VALUES (100, 'new primary')");
        return new Pair(primary, standby);
    }

    @FunctionalInterface
    private interface Diverge {
        void run(TestCluster.Node oldPrimary) throws Exception;
    }

    private static void createBaseTables(TestCluster.Node primary) throws Exception {
        primary.psql("CREATE TABLE t (a integer PRIMARY KEY, b text)");
        primary.psql("CREATE TABLE d (a integer PRIMARY KEY)");
        primary.psql("CREATE TABLE bulk (a integer PRIMARY KEY, b text)");
        primary.psql("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
        primary.psql("INSERT INTO d VALUES (1), (2), (3)");
        copyRows(primary, "bulk", 0, 2000);
    }

    /**
     * Inserts, updates, deletes, thousands of one-row transactions, CREATE TABLE, DROP TABLE,
     * TRUNCATE, COPY into a new table and into a truncated one, and catalog changes of the query
     * engine: CREATE DATABASE, ALTER TABLE ADD COLUMN, CREATE INDEX (see assertCatalogChangesUndone).
     */
    private static void divergeWithEveryKindOfChange(TestCluster.Node old) throws Exception {
        old.psql("INSERT INTO t VALUES (10, 'x'), (11, 'y')");
        old.psql("UPDATE t SET b = 'changed' WHERE a = 1");
        old.psql("DELETE FROM t WHERE a = 2");
        commitEach(old, 1000, 2000, "t");
        old.psql("CREATE TABLE n (a integer PRIMARY KEY)");
        old.psql("INSERT INTO n VALUES (5)");
        old.psql("DROP TABLE d");
        old.psql("TRUNCATE bulk");
        copyRows(old, "bulk", 5000, 500);
        old.psql("CREATE TABLE copied (a integer PRIMARY KEY, b text)");
        copyRows(old, "copied", 0, 1000);
        old.psql("CREATE DATABASE diverged_db");
        old.psql("ALTER TABLE t ADD COLUMN added integer DEFAULT 7");
        old.psql("CREATE INDEX t_b ON t (b)");
        old.psql("CREATE UNIQUE INDEX bulk_b ON bulk (b)");
    }

    /**
     * The rewound server has the source's catalogs: no database, column or index the old primary
     * created after the fork, and queries that would use such an index read the source's rows.
     */
    private static void assertCatalogChangesUndone(Pair pair) {
        TestCluster.Node old = pair.oldPrimary();
        assertThat(old.psql("SELECT count(*) FROM pg_database WHERE datname = 'diverged_db'")).isEqualTo("0");
        assertThat(old.psql("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                + "WHERE attrelid = 't'::regclass AND attnum > 0")).isEqualTo("a,b");
        assertThat(old.psql("SELECT count(*) FROM pg_class WHERE relname IN ('t_b', 'bulk_b')")).isEqualTo("0");
        String byB = "SELECT a FROM t WHERE b = 'after the rewind'";
        assertThat(old.psql(byB)).isEqualTo(pair.source().psql(byB)).isEqualTo("99999");
        assertThat(old.psql("SELECT count(*) FROM bulk WHERE b = 'copied 1'"))
                .isEqualTo(pair.source().psql("SELECT count(*) FROM bulk WHERE b = 'copied 1'"));
    }

    /** {@code count} transactions of one row each into {@code table} (created when it is not t). */
    private static void commitEach(TestCluster.Node node, int firstKey, int count, String table) {
        try (Connection c = node.connect(); Statement s = c.createStatement()) {
            if (!table.equals("t")) {
                s.execute("CREATE TABLE " + table + " (a integer PRIMARY KEY, b text)");
            }
            for (int i = 0; i < count; i++) {
                s.execute("INSERT INTO " + table + " VALUES (" + (firstKey + i) + ", 'row " + i + "')");
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyRows(TestCluster.Node node, String table, int firstKey, int count) throws Exception {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < count; i++) {
            data.append(firstKey + i).append("\tcopied ").append(i).append('\n');
        }
        try (Connection c = node.connect()) {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " FROM STDIN",
                    new StringReader(data.toString()));
        }
    }

    private static String conninfo(TestCluster.Node node) {
        return "host=127.0.0.1 port=" + node.port() + " user=postgres dbname=postgres";
    }

    private static TestCluster.ToolResult rewind(Pair pair, String... options) {
        List<String> args = new ArrayList<>(List.of("rewind", "--target-pgdata=" + pair.oldPrimary().dataDir(),
                "--source-server=" + conninfo(pair.source())));
        args.addAll(List.of(options));
        return TestCluster.walden(args.toArray(String[]::new));
    }

    /** The segment of the target's WAL that holds the fork point, removed (as if recycled); returns its path. */
    private static Path removeForkSegment(Pair pair) throws Exception {
        String switchpoint = Files.readString(pair.newPrimary().dataDir().resolve("pg_wal/00000002.history"))
                .strip().split("\\s+")[1];
        String name = pair.newPrimary().psql("SELECT pg_walfile_name('" + switchpoint + "')");
        Path segment = pair.oldPrimary().dataDir().resolve("pg_wal").resolve("00000001" + name.substring(8));
        assertThat(segment).exists();
        Files.delete(segment);
        return segment;
    }

    /**
     * Starts the rewound target; it streams from the source, holds the source's rows in every
     * base table, has none of the {@code divergedTables} the old primary created, and a commit on
     * the new primary reaches it.
     */
    private static void assertFollowsSource(Pair pair, List<String> divergedTables) {
        TestCluster.Node old = pair.oldPrimary();
        old.start();
        assertThat(old.pollQueryUntil("SELECT status FROM pg_stat_wal_receiver", "streaming",
                Duration.ofSeconds(60))).isTrue();
        assertThat(old.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
        pair.newPrimary().psql("INSERT INTO t VALUES (99999, 'after the rewind')");
        String end = pair.newPrimary().psql("SELECT pg_current_wal_lsn()");
        List<TestCluster.Node> standbys = pair.source() == pair.newPrimary() ? List.of(old)
                : List.of(pair.source(), old);
        for (TestCluster.Node standby : standbys) {
            assertThat(standby.pollQueryUntil("SELECT pg_last_wal_replay_lsn() >= '" + end + "'::pg_lsn", "t"))
                    .as(standby.name() + " replays the new primary's commit").isTrue();
        }
        for (String table : BASE_TABLES) {
            String query = "SELECT * FROM " + table + " ORDER BY 1";
            assertThat(old.psql(query)).as("table " + table).isEqualTo(pair.source().psql(query));
        }
        assertThat(old.psql("SELECT b FROM t WHERE a = 99999")).isEqualTo("after the rewind");
        for (String table : divergedTables) {
            assertThatThrownBy(() -> old.psql("SELECT count(*) FROM " + table))
                    .hasMessageContaining("relation \"" + table + "\" does not exist");
        }
    }
}
