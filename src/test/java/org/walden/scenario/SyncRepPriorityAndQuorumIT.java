package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;
import org.walden.wal.Lsn;

/**
 * Synchronous replication as PostgreSQL's src/test/recovery/t/007_sync_rep.pl checks it, plus
 * Walden's rule that a commit whose wait was cancelled stays invisible until replicated:
 * synchronous_standby_names changed by ALTER SYSTEM + pg_reload_conf() gives each standby the
 * sync_priority / sync_state PostgreSQL computes; a commit blocks while its synchronous standby
 * is stopped (a cancel does not end the wait, other sessions do not see the row) and returns
 * once the standby is back (so does one whose connection dropped); synchronous_commit local /
 * SET LOCAL off do not wait, remote_apply makes the row visible on the standby at COMMIT;
 * pg_receivewal --synchronous is a synchronous standby.
 */
class SyncRepPriorityAndQuorumIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String STATES = "SELECT application_name, sync_priority, sync_state FROM pg_stat_replication"
            + " ORDER BY application_name";

    private static void setNames(TestCluster.Node primary, String value) {
        primary.psql("ALTER SYSTEM SET synchronous_standby_names = '" + value + "'");
        primary.psql("SELECT pg_reload_conf()");
    }

    private static void expectStates(TestCluster.Node primary, String names, String expected) {
        setNames(primary, names);
        assertThat(primary.pollQueryUntil(STATES, expected, TIMEOUT))
                .as("sync states for '%s': %s", names, primary.psql(STATES)).isTrue();
    }

    @Test
    void syncStandbysPriorityQuorumBlockingAndPgReceivewal() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY, v text)");
            primary.backup("b1");
            TestCluster.Node standby1 = cluster.initFromBackup(primary, "b1", "standby1", true);
            TestCluster.Node standby2 = cluster.initFromBackup(primary, "b1", "standby2", true);
            standby1.start();
            standby2.start();
            assertThat(primary.pollQueryUntil("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
                    "2", TIMEOUT)).isTrue();

            // 007_sync_rep.pl's settings, with two standbys
            expectStates(primary, "", "standby1|0|async\nstandby2|0|async");
            expectStates(primary, "standby1,standby2", "standby1|1|sync\nstandby2|2|potential");
            expectStates(primary, "\"STANDBY2\", standby1", "standby1|2|potential\nstandby2|1|sync");
            expectStates(primary, "2(standby1,standby2)", "standby1|1|sync\nstandby2|2|sync");
            expectStates(primary, "FIRST 1 (standby2, *)", "standby1|2|potential\nstandby2|1|sync");
            expectStates(primary, "ANY 2(standby1, standby2)", "standby1|1|quorum\nstandby2|1|quorum");
            expectStates(primary, "ANY 1 (standby2)", "standby1|0|async\nstandby2|1|quorum");
            expectStates(primary, "*", "standby1|1|sync\nstandby2|1|potential");

            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                SQLException e = catchThrowableOfType(SQLException.class,
                        () -> s.execute("ALTER SYSTEM SET synchronous_standby_names = 'FIRST 2 ('"));
                assertThat(e.getSQLState()).isEqualTo("42601");
                assertThat(e.getMessage()).contains(
                        "invalid value for parameter \"synchronous_standby_names\": \"FIRST 2 (\"");
            }

            commitBlocksWhileTheSyncStandbyIsStopped(primary, standby1);
            pgReceivewalSynchronous(cluster, primary);
            aFastShutdownEndsAWaitingCommit(primary);
        }
    }

    private static void commitBlocksWhileTheSyncStandbyIsStopped(TestCluster.Node primary, TestCluster.Node standby1)
            throws Exception {
        expectStates(primary, "standby1", "standby1|1|sync\nstandby2|0|async");
        primary.psql("INSERT INTO t VALUES (1, 'replicated at once')");
        standby1.stop();
        assertThat(primary.pollQueryUntil(STATES, "standby2|0|async", TIMEOUT)).isTrue();

        // a commit whose connection drops keeps waiting too, invisible until standby1 has it
        Connection dropped = primary.connect();
        Statement d = dropped.createStatement();
        CompletableFuture<Integer> droppedCommit = CompletableFuture.supplyAsync(() -> {
            try {
                return d.executeUpdate("INSERT INTO t VALUES (5, 'connection dropped')");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        try (Connection writer = primary.connect(); Statement w = writer.createStatement()) {
            CompletableFuture<Integer> commit = CompletableFuture.supplyAsync(() -> {
                try {
                    return w.executeUpdate("INSERT INTO t VALUES (2, 'waits for standby1')");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(1500);
            assertThat(commit).as("the commit waits for standby1").isNotDone();
            assertThat(primary.psql("SELECT count(*) FROM t WHERE id = 2")).isEqualTo("0");
            assertThat(droppedCommit.isDone()).isFalse();
            dropped.abort(Runnable::run);
            droppedCommit.handle((r, e) -> r).get(10, TimeUnit.SECONDS);
            assertThat(primary.psql("SELECT count(*) FROM t WHERE id = 5")).isEqualTo("0");

            // a cancel does not end the wait, and the row stays invisible (beyond PostgreSQL)
            w.cancel();
            Thread.sleep(1000);
            assertThat(commit).as("a cancelled wait goes on").isNotDone();
            assertThat(primary.psql("SELECT count(*) FROM t WHERE id = 2")).isEqualTo("0");

            // other levels do not wait: per session and per transaction
            primary.psql("SET synchronous_commit = local; INSERT INTO t VALUES (3, 'local')");
            primary.psql("BEGIN; SET LOCAL synchronous_commit = off; INSERT INTO t VALUES (4, 'off'); COMMIT");
            assertThat(primary.psql("SELECT count(*) FROM t WHERE id IN (3, 4)")).isEqualTo("2");

            standby1.start();
            assertThat(commit.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(primary.psql("SELECT v FROM t WHERE id = 2")).isEqualTo("waits for standby1");
            assertThat(primary.pollQueryUntil("SELECT v FROM t WHERE id = 5", "connection dropped", TIMEOUT))
                    .isTrue();
            SQLWarning warning = w.getWarnings();
            assertThat(warning != null).as("the cancel's WARNING").isTrue();
            assertThat(warning.getMessage())
                    .contains("canceling wait for synchronous replication due to user request");
        }
        assertThat(standby1.psql("SELECT v FROM t WHERE id = 2")).isEqualTo("waits for standby1");

        // remote_apply: once COMMIT returns, the synchronous standby's queries see the row
        assertThat(primary.pollQueryUntil(STATES, "standby1|1|sync\nstandby2|0|async", TIMEOUT)).isTrue();
        for (int i = 0; i < 5; i++) {
            primary.psql("SET synchronous_commit = remote_apply; INSERT INTO t VALUES (" + (100 + i) + ", 'applied')");
            assertThat(standby1.psql("SELECT count(*) FROM t WHERE id = " + (100 + i))).isEqualTo("1");
        }

        // ctl reload (SIGHUP) applies a postgresql.conf change as pg_reload_conf() does
        primary.psql("ALTER SYSTEM RESET synchronous_standby_names");
        primary.appendConf("synchronous_standby_names = 'ANY 1 (standby1, standby2)'");
        primary.reload();
        assertThat(primary.pollQueryUntil(STATES, "standby1|1|quorum\nstandby2|1|quorum", TIMEOUT)).isTrue();
    }

    private static void pgReceivewalSynchronous(TestCluster cluster, TestCluster.Node primary) throws Exception {
        String receivewal = PgPrograms.require("pg_receivewal");
        setNames(primary, "pg_receivewal");
        Path dir = cluster.root().resolve("receivewal");
        Files.createDirectories(dir);
        Path log = cluster.root().resolve("pg_receivewal.log");
        Process p = new ProcessBuilder(receivewal, "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U",
                "postgres", "-D", dir.toString(), "--synchronous", "-n", "-v")
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            assertThat(primary.pollQueryUntil("SELECT application_name, sync_priority, sync_state"
                    + " FROM pg_stat_replication WHERE application_name = 'pg_receivewal'",
                    "pg_receivewal|1|sync", TIMEOUT)).as(() -> Files.exists(log) ? read(log) : "").isTrue();
            // the commit returns only once pg_receivewal reported it flushed
            primary.psql("INSERT INTO t VALUES (10, 'flushed by pg_receivewal')");
            Lsn commitEnd = Lsn.parse(primary.psql("SELECT pg_current_wal_lsn()"));
            Lsn flushed = Lsn.parse(primary.psql("SELECT flush_lsn FROM pg_stat_replication"
                    + " WHERE application_name = 'pg_receivewal'"));
            assertThat(flushed).isGreaterThanOrEqualTo(commitEnd);

            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            try (Connection writer = primary.connect(); Statement w = writer.createStatement()) {
                CompletableFuture<Integer> commit = CompletableFuture.supplyAsync(() -> {
                    try {
                        return w.executeUpdate("INSERT INTO t VALUES (11, 'waits for pg_receivewal')");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(1000);
                assertThat(commit).as("without pg_receivewal the commit waits").isNotDone();
                setNames(primary, ""); // no synchronous standbys: the waiters are released
                assertThat(commit.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
            }
        } finally {
            p.destroyForcibly();
        }
    }

    private static void aFastShutdownEndsAWaitingCommit(TestCluster.Node primary) throws Exception {
        setNames(primary, "nobody");
        try (Connection writer = primary.connect(); Statement w = writer.createStatement()) {
            CompletableFuture<Integer> commit = CompletableFuture.supplyAsync(() -> {
                try {
                    return w.executeUpdate("INSERT INTO t VALUES (20, 'waiting at shutdown')");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            assertThat(commit.isDone()).isFalse();
            primary.stop(); // fast: the waiting commit is ended as the backends are terminated
            Throwable t = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                    () -> commit.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertThat(t).hasRootCauseInstanceOf(SQLException.class);
            SQLException e = (SQLException) t.getCause().getCause();
            assertThat(e.getSQLState()).as("terminated, not cut off after the postmaster's grace").isEqualTo("57P01");
            assertThat(e.getMessage()).contains("terminating connection due to administrator command");
        }
        assertThat(primary.logContains("backends did not exit in time")).isFalse();
        // as in PostgreSQL, the commit was in the WAL: after the restart it is there
        primary.appendConf("synchronous_standby_names = ''\n");
        primary.start();
        assertThat(primary.psql("SELECT v FROM t WHERE id = 20")).isEqualTo("waiting at shutdown");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
