package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;
import org.walden.test.TestCluster.ToolResult;
import org.walden.wal.ControlFile;
import org.walden.wal.Lsn;

/**
 * {@code walden resetwal} on real servers, as PostgreSQL's pg_resetwal tests use it: a server
 * started after a reset keeps every row that was in storage at its clean shutdown, accepts
 * commits, and crash-recovers over the WAL written after the reset; -x is the next
 * txid_current(), -l moves pg_current_wal_lsn() past the named file; a running server is refused;
 * a crashed one needs -f and then starts (rows committed after its last checkpoint may be lost,
 * as PostgreSQL warns); -o, --wal-segsize and a guessed pg_control leave a server that starts.
 * In no case does the server refuse to start with pg_control and WAL in disagreement.
 */
class ResetwalIT {

    private static final String ROWS = "SELECT id, v FROM t ORDER BY id";

    @Test
    void cleanlyStoppedServerKeepsItsRowsAndTakesCommitsAfterReset() {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("reset");
            node.start();
            createAndFill(node, 1, 40);
            ToolResult running = resetwal(node, "-f");
            assertThat(running.code()).isEqualTo(1);
            assertThat(running.err()).isEqualTo("pg_resetwal: error: lock file \"postmaster.pid\" exists\n"
                    + "pg_resetwal: hint: Is a server running?  If not, delete the lock file and try again.\n");
            String rows = node.psql(ROWS);
            node.stop();

            ToolResult r = resetwal(node, "-x", "5000", "-e", "2", "-l", "000000010000000000000020");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).isEqualTo("Write-ahead log reset\n");
            assertThat(node.controldata("Latest checkpoint's NextXID")).isEqualTo("2:5000");
            assertThat(node.controldata("Latest checkpoint location")).isEqualTo("0/20000000");

            long logFrom = node.logPosition();
            node.start();
            assertThat(node.psql(ROWS)).isEqualTo(rows);
            assertThat(node.psql("SELECT txid_current()")).isEqualTo("5000");
            Lsn lsn = Lsn.parse(node.psql("SELECT pg_current_wal_lsn()"));
            assertThat(lsn.isAfter(Lsn.parse("0/20000000"))).as(lsn.toString()).isTrue();
            fill(node, 41, 60);
            String after = node.psql(ROWS);
            assertThat(after).startsWith(rows + "\n41|v41").endsWith("\n60|v60");

            node.kill9(); // crash recovery replays the WAL written after the reset
            node.start();
            assertThat(node.psql(ROWS)).isEqualTo(after);
            fill(node, 61, 61);
            node.restart();
            assertThat(node.psql("SELECT count(*) FROM t")).isEqualTo("61");
            assertThat(node.logContainsSince(logFrom, "FATAL")).isFalse();
            assertThat(node.logContainsSince(logFrom, "PANIC")).isFalse();
        }
    }

    @Test
    void crashedServerNeedsForceAndThenStarts() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("crashed");
            node.start();
            createAndFill(node, 1, 20);
            node.psql("CHECKPOINT");
            fill(node, 21, 30);
            node.kill9();
            assertThat(resetwal(node).err()).contains("lock file \"postmaster.pid\" exists");
            deletePid(node);

            byte[] control = Files.readAllBytes(node.dataDir().resolve(ControlFile.RELATIVE_PATH));
            ToolResult refused = resetwal(node);
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.out()).isEqualTo("The database server was not shut down cleanly.\n"
                    + "Resetting the write-ahead log might cause data to be lost.\n"
                    + "If you want to proceed anyway, use -f to force reset.\n");
            assertThat(Files.readAllBytes(node.dataDir().resolve(ControlFile.RELATIVE_PATH))).isEqualTo(control);

            ToolResult forced = resetwal(node, "-f");
            assertThat(forced.code()).as(forced.err()).isZero();
            long logFrom = node.logPosition();
            node.start();
            int count = Integer.parseInt(node.psql("SELECT count(*) FROM t"));
            assertThat(count).as("rows up to the checkpoint are in storage; later ones may be lost")
                    .isBetween(20, 30);
            node.psql("INSERT INTO t VALUES (100, 'after')");
            node.restart();
            assertThat(node.psql("SELECT v FROM t WHERE id = 100")).isEqualTo("after");
            assertThat(node.logContainsSince(logFrom, "FATAL")).isFalse();
        }
    }

    @Test
    void nextOidSegmentSizeTimelineAndAGuessedPgControlLeaveAServerThatStarts() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("options");
            node.start();
            createAndFill(node, 1, 10);
            String rows = node.psql(ROWS);
            node.stop();

            ToolResult r = resetwal(node, "-o", "40000", "--wal-segsize", "4");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(node.controldata("Bytes per WAL segment")).isEqualTo("4194304");
            node.start();
            assertThat(node.psql(ROWS)).isEqualTo(rows);
            node.psql("CREATE TABLE u (a integer PRIMARY KEY); INSERT INTO u VALUES (1)");
            node.stop();
            String nextOid = line(resetwal(node, "-n").out(), "Latest checkpoint's NextOID:");
            assertThat(Long.parseLong(nextOid)).as("CREATE TABLE took OIDs from 40000 on").isGreaterThan(40000);

            // pg_control destroyed: the values are guessed, and -f resets with them
            Files.write(node.dataDir().resolve(ControlFile.RELATIVE_PATH), new byte[0]);
            ToolResult guessed = resetwal(node, "-l", "000000030000000000000040");
            assertThat(guessed.code()).isEqualTo(1);
            assertThat(guessed.out()).startsWith("Guessed pg_control values:")
                    .endsWith("If these values seem acceptable, use -f to force reset.\n");
            ToolResult forced = resetwal(node, "-f", "-l", "000000030000000000000040");
            assertThat(forced.code()).as(forced.err()).isZero();
            long logFrom = node.logPosition();
            node.start();
            assertThat(node.psql(ROWS)).isEqualTo(rows);
            assertThat(node.psql("SELECT a FROM u")).isEqualTo("1");
            Lsn lsn = Lsn.parse(node.psql("SELECT pg_current_wal_lsn()"));
            assertThat(lsn.isAfter(Lsn.parse("0/40000000"))).as(lsn.toString()).isTrue();
            node.psql("INSERT INTO u VALUES (2)");
            node.stop();
            assertThat(node.controldata("Latest checkpoint's TimeLineID")).isEqualTo("3");
            node.start();
            assertThat(node.psql("SELECT count(*) FROM u")).isEqualTo("2");
            assertThat(node.logContainsSince(logFrom, "FATAL")).isFalse();
        }
    }

    private static ToolResult resetwal(TestCluster.Node node, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("resetwal"));
        args.addAll(List.of(options));
        args.add(node.dataDir().toString());
        return TestCluster.walden(args.toArray(String[]::new));
    }

    private static void createAndFill(TestCluster.Node node, int from, int to) {
        node.psql("CREATE TABLE t (id integer PRIMARY KEY, v text)");
        fill(node, from, to);
    }

    /** One transaction per ten rows, ids from..to with v = 'v' || id. */
    private static void fill(TestCluster.Node node, int from, int to) {
        for (int start = from; start <= to; start += 10) {
            StringBuilder sql = new StringBuilder("INSERT INTO t VALUES ");
            for (int id = start; id <= Math.min(to, start + 9); id++) {
                sql.append(id == start ? "" : ", ").append("(").append(id).append(", 'v").append(id).append("')");
            }
            node.psql(sql.toString());
        }
    }

    private static void deletePid(TestCluster.Node node) {
        try {
            Files.deleteIfExists(node.dataDir().resolve("postmaster.pid"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String line(String output, String label) {
        for (String l : output.split("\n")) {
            if (l.startsWith(label)) {
                return l.substring(label.length()).strip();
            }
        }
        throw new IllegalStateException("no " + label + " in\n" + output);
    }
}
