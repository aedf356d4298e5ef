package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * Seed 002, as written (with {@code walden ctl} for pg_ctl): a master and a slave on one
 * machine, the slave made with {@code basebackup -Fp -Xs -v -P -U repuser} and a PostgreSQL 10
 * recovery.conf; the checks of section 二 step 7 (pg_stat_replication, pg_is_in_recovery,
 * controldata's cluster state, and the walsender / walreceiver threads that ps shows); the
 * smooth switchover of section 四 step by step — terminate every other session, wait until
 * pg_wal_lsn_diff reaches 0, stop the master (its walsender hands the shutdown checkpoint to the
 * slave first), give it a recovery.conf, promote the slave, start the old master, which streams
 * on the new timeline without a rewind — and back again; then section 五's forced promotion with
 * the master killed -9 under synchronous replication, losing no acknowledged commit.
 */
class SeedSwitchoverIT {

    private static final String SEED_SETTINGS = """
            log_min_messages = notice
            log_checkpoints = on
            log_connections = on
            log_disconnections = on
            max_wal_senders = 3
            wal_level = replica
            archive_mode = on
            archive_command = 'cd ./'
            hot_standby = on
            """;

    @Test
    void switchoverAndBackThenForcedPromotion() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node master = cluster.initPrimary("master");
            master.appendConf(SEED_SETTINGS);
            master.start();
            master.psql("CREATE USER repuser replication LOGIN CONNECTION LIMIT 3 ENCRYPTED PASSWORD 'repuser'");
            master.psql("CREATE TABLE t (id integer PRIMARY KEY, v text)");
            master.psql("INSERT INTO t VALUES (1, 'before the backup')");
            Path backup = cluster.root().resolve("backups/seed");
            TestCluster.walden("basebackup", "-D", backup.toString(), "-Fp", "-Xs", "-v", "-P", "-h", "127.0.0.1",
                    "-p", Integer.toString(master.port()), "-U", "repuser").check("pg_basebackup of the seed");
            TestCluster.Node slave = cluster.initFromBackup(master, "seed", "slave", false);
            writeRecoveryConf(slave, master);
            slave.start();
            master.psql("INSERT INTO t VALUES (2, 'streamed')");
            master.waitForCatchup(slave);
            checkPair(master, slave, 1);

            // 四: the smooth switchover, and back the same way
            switchover(master, slave, 2);
            checkPair(slave, master, 2);
            switchover(slave, master, 3);
            checkPair(master, slave, 3);
            assertThat(slave.psql("SELECT count(*) FROM t")).isEqualTo("4");

            // 五: forced promotion, the master killed under synchronous replication
            master.psql("ALTER SYSTEM SET synchronous_standby_names = '*'");
            master.psql("SELECT pg_reload_conf()");
            assertThat(master.pollQueryUntil("SELECT sync_state FROM pg_stat_replication", "sync")).isTrue();
            Set<Integer> acknowledged = new ConcurrentSkipListSet<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread load = Thread.ofPlatform().start(() -> {
                try (Connection c = master.connect(); Statement s = c.createStatement()) {
                    for (int id = 1000; !stop.get(); id++) {
                        s.execute("INSERT INTO t VALUES (" + id + ", 'synchronous')");
                        acknowledged.add(id);
                    }
                } catch (SQLException e) {
                    // the master died under us
                }
            });
            TimelineSwitchIT.waitFor("commits under load", () -> acknowledged.size() >= 200);
            master.kill9();
            stop.set(true);
            load.join(30_000);
            slave.promote();
            String ids = slave.psql("SELECT id FROM t WHERE id >= 1000 ORDER BY id");
            Set<Integer> present = new java.util.TreeSet<>();
            for (String line : ids.split("\n")) {
                present.add(Integer.parseInt(line));
            }
            assertThat(present).as("every acknowledged commit is on the promoted slave").containsAll(acknowledged);
            assertThat(slave.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
        }
    }

    /** Section 四, steps 1 to 5: from {@code primary} to {@code standby}, which ends on {@code newTimeline}. */
    private static void switchover(TestCluster.Node primary, TestCluster.Node standby, int newTimeline)
            throws Exception {
        // 1. end every other session (the walsender too: the standby connects again)
        String walsenders = String.join(",", primary.psql("SELECT pid FROM pg_stat_replication").split("\n"));
        primary.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()");
        // 2. wait until the standby, connected again, has replayed everything
        assertThat(primary.pollQueryUntil("SELECT client_addr, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS "
                + "diff FROM pg_stat_replication WHERE pid NOT IN (" + walsenders + ")", "127.0.0.1|0",
                Duration.ofSeconds(60))).isTrue();
        // 3. stop the primary; the standby has its shutdown checkpoint; a recovery.conf for it
        long started = System.nanoTime();
        primary.stop();
        String checkpoint = primary.controldata("Latest checkpoint location");
        assertThat(standby.psql("SELECT pg_last_wal_receive_lsn() > '" + checkpoint + "'::pg_lsn")).isEqualTo("t");
        Files.deleteIfExists(primary.dataDir().resolve("recovery.done"));
        writeRecoveryConf(primary, standby);
        // 4. promote the standby
        TestCluster.ToolResult promoted = standby.ctl("promote");
        assertThat(promoted.code()).isZero();
        assertThat(promoted.out()).contains("server promoted");
        // 5. start the old primary: it streams on the new timeline, no rewind needed
        long before = primary.logPosition();
        primary.start();
        assertThat(primary.pollQueryUntil("SELECT status, received_tli FROM pg_stat_wal_receiver",
                "streaming|" + newTimeline)).isTrue();
        System.out.printf("switchover to timeline %d: %d ms from ctl stop to the old primary streaming%n",
                newTimeline, (System.nanoTime() - started) / 1_000_000);
        assertThat(primary.logContainsSince(before, "is not in this server's history")).isFalse();
        standby.psql("INSERT INTO t VALUES (" + (newTimeline + 1) + ", 'after switchover " + newTimeline + "')");
        standby.waitForCatchup(primary);
    }

    /** Section 二 step 7 and 四 step 6: the checks of a running pair. */
    private static void checkPair(TestCluster.Node primary, TestCluster.Node standby, int timeline) throws Exception {
        assertThat(primary.pollQueryUntil("SELECT usename, state FROM pg_stat_replication", "repuser|streaming"))
                .isTrue();
        assertThat(primary.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
        assertThat(standby.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
        assertThat(primary.controldata("Database cluster state")).isEqualTo("in production");
        assertThat(standby.controldata("Database cluster state")).isEqualTo("in archive recovery");
        assertThat(primary.controldata("Latest checkpoint's TimeLineID")).isEqualTo(Integer.toString(timeline));
        // ps -T: the walsender and walreceiver threads (PostgreSQL's processes in the seed)
        assertThat(threadNames(primary)).anyMatch(n -> n.startsWith("walsender repus"));
        assertThat(threadNames(standby)).contains("checkpointer").anyMatch(n -> n.startsWith("walreceiver"))
                .anyMatch(n -> n.startsWith("startup"));
        assertThat(threadNames(primary)).contains("checkpointer", "walwriter", "archiver");
        assertThat(primary.psql("SELECT count(*) FROM t")).isEqualTo(standby.psql("SELECT count(*) FROM t"));
    }

    /** What {@code ps -T -p PID -o comm} shows: the server's OS thread names. */
    private static List<String> threadNames(TestCluster.Node node) throws Exception {
        long pid = node.pid().orElseThrow();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return tasks.map(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip();
                } catch (java.io.IOException e) {
                    return "";
                }
            }).toList();
        }
    }

    /** The seed's recovery.conf: latest timeline, standby mode, the other server as primary (mode 0600). */
    private static void writeRecoveryConf(TestCluster.Node node, TestCluster.Node primary) throws Exception {
        Path conf = node.dataDir().resolve("recovery.conf");
        Files.writeString(conf, "recovery_target_timeline = 'latest'\nstandby_mode = on\nprimary_conninfo = "
                + "'host=127.0.0.1 port=" + primary.port() + " user=repuser'\n");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
    }
}
