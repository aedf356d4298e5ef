package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * A base backup taken from a standby while the primary keeps writing (issue 3 part 4; PostgreSQL's
 * 010_pg_basebackup and 001_stream_rep take one from a standby too). PostgreSQL's pg_basebackup
 * -X stream -R against a Walden standby and {@code walden basebackup -X fetch} both make copies
 * labelled "BACKUP FROM: standby" that verify, reach a consistent state only once they have
 * replayed to the standby's replay position at the backup's end, and then stream: one from the
 * standby (cascading), one from the primary. Every committed row is in both.
 */
class BaseBackupFromStandbyIT {

    @Test
    void copiesOfAStandbyMadeWhileThePrimaryWritesRunAsStandbys() throws Exception {
        String pgBasebackup = PgPrograms.require("pg_basebackup");
        String pgVerifybackup = PgPrograms.require("pg_verifybackup");
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY, v text)");
            StringBuilder insert = new StringBuilder("INSERT INTO t VALUES (1, 'row 1')");
            for (int i = 2; i <= 500; i++) {
                insert.append(", (").append(i).append(", 'row ").append(i).append("')");
            }
            primary.psql(insert.toString());
            primary.backup("b1");
            TestCluster.Node standby = cluster.startStandby(primary, "b1", "standby");

            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger nextId = new AtomicInteger(1000);
            Thread writer = Thread.ofPlatform().name("writer").start(() -> {
                try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                    while (writing.get()) {
                        int id = nextId.getAndIncrement();
                        s.execute("INSERT INTO t VALUES (" + id + ", 'during backups')");
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Path streamed = cluster.root().resolve("backups/streamed");
            String pgbbLog = PgPrograms.run(List.of(pgBasebackup, "-h", "127.0.0.1", "-p",
                    Integer.toString(standby.port()), "-U", "postgres", "-D", streamed.toString(), "-X", "stream",
                    "-c", "fast", "-R", "-P", "-v", "-w")).check("pg_basebackup from the standby").err();
            assertThat(pgbbLog).contains("base backup completed");
            Path fetched = cluster.root().resolve("backups/fetched");
            TestCluster.walden("basebackup", "-h", "127.0.0.1", "-p", Integer.toString(standby.port()), "-U",
                    "postgres", "-D", fetched.toString(), "-X", "fetch", "-c", "fast").check("walden basebackup");
            writing.set(false);
            writer.join(30_000);

            for (Path copy : List.of(streamed, fetched)) {
                assertThat(Files.readString(copy.resolve("backup_label"))).contains("BACKUP FROM: standby");
                assertThat(PgPrograms.run(List.of(pgVerifybackup, "-n", copy.toString()))
                        .check("pg_verifybackup " + copy).out()).contains("backup successfully verified");
            }
            primary.psql("INSERT INTO t VALUES (999, 'after the backups')");

            // pg_basebackup -R pointed the copy at the standby it came from
            TestCluster.Node cascaded = cluster.initFromBackup(standby, "streamed", "cascaded", false);
            cascaded.start();
            TestCluster.Node direct = cluster.initFromBackup(primary, "fetched", "direct", true);
            direct.start();
            String rows = "SELECT count(*), sum(id) FROM t";
            String expected = primary.psql(rows);
            for (TestCluster.Node copy : List.of(cascaded, direct)) {
                primary.waitForCatchup(copy);
                assertThat(copy.pollLogContains("consistent recovery state reached")).isTrue();
                assertThat(copy.psql(rows)).isEqualTo(expected);
                assertThat(copy.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
                assertThat(Files.readString(copy.dataDir().resolve("backup_label.old"))).contains("BACKUP FROM: standby");
            }
            int writtenDuringBackups = nextId.get() - 1000;
            assertThat(writtenDuringBackups).isPositive();
            assertThat(expected).startsWith((500 + writtenDuringBackups + 1) + "|");
            // pg_basebackup -R writes no application_name: the walreceiver's default name shows
            assertThat(standby.psql("SELECT application_name, state FROM pg_stat_replication"))
                    .isEqualTo("walreceiver|streaming");
        }
    }

    /**
     * A copy without its WAL (-X none) whose upstream is unreachable cannot become consistent:
     * it runs (pg_ctl start returns) but refuses every connection, replication ones included,
     * with PostgreSQL's 57P03; pointed at the primary it replays past the backup's end and
     * admits read-only queries.
     */
    @Test
    void aCopyRefusesConnectionsUntilItHasReplayedPastTheBackupsEnd() throws Exception {
        String pgBasebackup = PgPrograms.require("pg_basebackup");
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY)");
            primary.psql("INSERT INTO t VALUES (1), (2), (3)");
            Path copyDir = cluster.root().resolve("backups/nowal");
            PgPrograms.run(List.of(pgBasebackup, "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U",
                    "postgres", "-D", copyDir.toString(), "-X", "none", "-c", "fast")).check("pg_basebackup -X none");
            TestCluster.Node copy = cluster.initFromBackup(primary, "nowal", "copy", true);
            copy.appendConf("primary_conninfo = 'host=127.0.0.1 port=1 user=postgres'\n");
            copy.start();
            for (String replication : List.of("false", "true")) {
                assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + copy.port()
                        + "/postgres?user=postgres&replication=" + replication + "&assumeMinServerVersion=9.4"
                        + "&preferQueryMode=simple").close())
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57P03"))
                        .hasMessageContaining("the database system is not yet accepting connections");
            }
            assertThat(copy.logContains("Consistent recovery state has not been yet reached.")).isTrue();

            copy.stop();
            copy.appendConf("primary_conninfo = 'host=127.0.0.1 port=" + primary.port() + " user=postgres'\n");
            copy.start();
            assertThat(copy.pollLogContains("database system is ready to accept read-only connections")).isTrue();
            assertThat(copy.psql("SELECT count(*) FROM t")).isEqualTo("3");
            String log = Files.readString(copy.logFile());
            assertThat(log.indexOf("consistent recovery state reached"))
                    .isPositive().isLessThan(log.indexOf("database system is ready to accept read-only connections"));
        }
    }
}
