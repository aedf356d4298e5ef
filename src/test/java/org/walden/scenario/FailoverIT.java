package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.walden.test.CoordinatorEnsemble;
import org.walden.test.TcpProxy;
import org.walden.test.TestCluster;

/**
 * Automatic failover (issue 12) with three Walden nodes and a three-member ZooKeeper ensemble
 * ({@code walden coordinator}), each in its own process: kill -9 of the primary under a pgjdbc
 * write load with synchronous replication; a standby is promoted by the agents, takes the
 * writes (the client finds it through a multi-host URL with targetServerType=primary), has
 * every acknowledged commit, the other standby follows it, and the old primary, restarted,
 * rewinds and streams from it by itself. Tagged "faults": CI runs it (-Pfaults).
 */
@Tag("faults")
class FailoverIT {

    static final int SESSION_TIMEOUT_MS = 2000;

    /**
     * How many times each failover scenario runs in a row in one cluster: 2 by default (CI
     * time); {@code -Dwalden.failover.repeat=10} for more. bench/failover-time.sh measures ten.
     */
    static final int REPEAT = Integer.getInteger("walden.failover.repeat", 2);

    /** Three nodes: node1 the primary, node2 and node3 its standbys, all with the agent on. */
    static List<TestCluster.Node> haCluster(TestCluster cluster, CoordinatorEnsemble zk) {
        return haCluster(cluster, name -> zk.connectString("/walden"));
    }

    /** As above, each node reaching the coordinator through {@code coordinatorOf} its name (proxies a test can cut). */
    static List<TestCluster.Node> haCluster(TestCluster cluster, Function<String, String> coordinatorOf) {
        TestCluster.Node n1 = cluster.initPrimary("node1");
        haConf(n1, coordinatorOf.apply("node1"));
        n1.appendConf("primary_conninfo = 'user=postgres application_name=node1'");
        n1.start();
        assertThat(n1.pollQueryUntil("SELECT txid_current() > 0", "t", Duration.ofSeconds(30)))
                .as("node1 takes the leader lease").isTrue();
        n1.psql("CREATE TABLE acked (id integer PRIMARY KEY, at timestamptz DEFAULT now())");
        n1.backup("b");
        List<TestCluster.Node> nodes = new ArrayList<>(List.of(n1));
        for (String name : List.of("node2", "node3")) {
            TestCluster.Node s = cluster.initFromBackup(n1, "b", name, true);
            haConf(s, coordinatorOf.apply(name));
            s.start();
            nodes.add(s);
        }
        for (TestCluster.Node s : nodes.subList(1, 3)) {
            n1.waitForCatchup(s);
        }
        return nodes;
    }

    /** Each node's HTTP endpoint port, by node name. */
    static final Map<String, Integer> API_PORTS = new ConcurrentHashMap<>();

    static void haConf(TestCluster.Node n, String coordinator) {
        int api = n.freePortForTests();
        API_PORTS.put(n.name(), api);
        n.appendConf("walden.ha_api_port = " + api + "\n");
        n.appendConf("walden.ha_coordinator = '" + coordinator + "'\n"
                + "walden.ha_cluster_name = 'test'\n"
                + "walden.ha_node_name = '" + n.name() + "'\n"
                + "walden.ha_session_timeout = " + SESSION_TIMEOUT_MS + "\n");
    }

    /**
     * Synchronous replication on whichever node is the primary: FIRST 1 of the other two, set
     * in every node's configuration and reloaded; waits until the primary has its synchronous
     * standby.
     */
    static void synchronousEverywhere(List<TestCluster.Node> nodes) {
        for (TestCluster.Node n : nodes) {
            n.appendConf("synchronous_standby_names = 'FIRST 1 (node1, node2, node3)'\n");
            n.psql("SELECT pg_reload_conf()");
        }
        awaitSynchronousStandby(primaryOf(nodes));
    }

    static void awaitSynchronousStandby(TestCluster.Node primary) {
        assertThat(primary.pollQueryUntil("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'", "1",
                Duration.ofSeconds(60))).as(primary.name() + " has a synchronous standby").isTrue();
    }

    /** The one node that is not in recovery. */
    static TestCluster.Node primaryOf(List<TestCluster.Node> nodes) {
        List<TestCluster.Node> primaries = nodes.stream().filter(n -> n.psql("SELECT pg_is_in_recovery()").equals("f"))
                .toList();
        assertThat(primaries).as("exactly one primary").hasSize(1);
        return primaries.get(0);
    }

    /**
     * kill -9 of the primary under a pgjdbc write load with a synchronous standby, {@link #REPEAT}
     * times in a row (each time whichever node is the primary then): a standby accepts writes,
     * has every commit acknowledged so far, the other standby follows it, and the killed node,
     * restarted, rewinds and streams from it by itself. Then a last failover while a base backup
     * of the primary runs.
     */
    @Test
    void killNineOfThePrimaryUnderSyncReplicationLosesNoAcknowledgedCommitAndTheOldPrimaryRejoins()
            throws Exception {
        try (TestCluster cluster = new TestCluster(); CoordinatorEnsemble zk = new CoordinatorEnsemble(cluster, 3);
             NodesFirst stop = new NodesFirst(cluster)) {
            List<TestCluster.Node> nodes = haCluster(cluster, zk);
            synchronousEverywhere(nodes);
            Set<Integer> acked = new java.util.TreeSet<>();
            List<Long> failoverMillis = new ArrayList<>();
            for (int round = 0; round < REPEAT; round++) {
                TestCluster.Node old = primaryOf(nodes);
                awaitSynchronousStandby(old);
                Writer writer = new Writer(nodes, 1 + round * 1_000_000);
                Thread writing = Thread.ofPlatform().start(writer);
                Thread.sleep(2000);
                long killedAt = System.nanoTime();
                old.kill9();
                long firstAckAfter = writer.awaitAckAfter(System.nanoTime(), Duration.ofSeconds(60));
                Thread.sleep(1000);
                writer.stop.set(true);
                writing.join();
                assertThat(firstAckAfter).as("round %d: a new primary accepted a write", round).isPositive();
                failoverMillis.add((firstAckAfter - killedAt) / 1_000_000);
                acked.addAll(writer.acked);
                System.out.printf("failover %d: %s killed, kill -9 to first acknowledged write on the new primary"
                        + " %d ms; %d commits acknowledged%n", round + 1, old.name(), (firstAckAfter - killedAt) / 1_000_000,
                        writer.acked.size());

                List<TestCluster.Node> others = nodes.stream().filter(n -> n != old).toList();
                TestCluster.Node promoted = primaryOf(others);
                assertThat(promoted.psql("SELECT pg_walfile_name(pg_current_wal_lsn())"))
                        .startsWith(String.format("%08X", round + 2));
                assertThat(ids(promoted)).as("every acknowledged commit is on the new primary").containsAll(acked);

                TestCluster.Node other = others.get(0) == promoted ? others.get(1) : others.get(0);
                int marker = -1 - round;
                promoted.psql("INSERT INTO acked VALUES (" + marker + ")");
                assertThat(other.pollQueryUntil("SELECT count(*) FROM acked WHERE id = " + marker, "1",
                        Duration.ofSeconds(60))).as("the other standby follows the new primary").isTrue();

                // the old primary restarts, rewinds and streams from the new one by itself
                old.start();
                assertThat(old.pollQueryUntil("SELECT count(*) FROM acked WHERE id = " + marker, "1",
                        Duration.ofSeconds(60))).as("the old primary rejoined as a standby").isTrue();
                assertThat(old.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
                assertThat(old.psql("SELECT status FROM pg_stat_wal_receiver")).isEqualTo("streaming");
                assertThat(ids(old)).containsAll(acked);
            }
            System.out.println("failover times (ms), " + REPEAT + " rounds: " + failoverMillis);
            TestCluster.Node promoted = primaryOf(nodes);

            TestCluster.ToolResult list = TestCluster.walden("ha", "list", "--coordinator", zk.connectString("/walden"),
                    "--cluster", "test");
            System.out.println(list.out());
            assertThat(list.out()).contains("node1", "node2", "node3", "Leader", promoted.name());
            clientsFindThePrimary(nodes, promoted);

            // one more failover, while a base backup of the primary runs
            awaitSynchronousStandby(promoted);
            Writer second = new Writer(nodes, 100_000_000);
            Thread writing2 = Thread.ofPlatform().start(second);
            Process backup = new ProcessBuilder(TestCluster.waldenCommand(List.of("basebackup", "-h", "127.0.0.1", "-p",
                    Integer.toString(promoted.port()), "-U", "postgres", "-D",
                    cluster.root().resolve("during-failover").toString(), "--max-rate", "32k")))
                    .redirectErrorStream(true).redirectOutput(cluster.root().resolve("backup.log").toFile()).start();
            Thread.sleep(2000);
            assertThat(backup.isAlive()).as("the base backup is still running").isTrue();
            promoted.kill9();
            long secondAck = second.awaitAckAfter(System.nanoTime(), Duration.ofSeconds(60));
            Thread.sleep(1000);
            second.stop.set(true);
            writing2.join();
            assertThat(secondAck).isPositive();
            assertThat(backup.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(backup.exitValue()).as("the interrupted base backup fails").isNotZero();
            TestCluster.Node firstPromoted = promoted;
            List<TestCluster.Node> survivors = nodes.stream().filter(n -> n != firstPromoted).toList();
            TestCluster.Node third = awaitPromotion(survivors, Duration.ofSeconds(10));
            assertThat(ids(third)).containsAll(acked).containsAll(second.acked);
            promoted.start();
            third.psql("INSERT INTO acked VALUES (-100)");
            for (TestCluster.Node n : nodes) {
                assertThat(n.pollQueryUntil("SELECT count(*) FROM acked WHERE id = -100", "1", Duration.ofSeconds(60)))
                        .as(n.name() + " follows " + third.name()).isTrue();
            }
        }
    }

    /**
     * psql with a multi-host connection string finds the primary (target_session_attrs=read-write
     * and primary) or a standby (standby, prefer-standby), as libpq does against PostgreSQL 14+.
     */
    static void clientsFindThePrimary(List<TestCluster.Node> nodes, TestCluster.Node primary) {
        StringBuilder ports = new StringBuilder();
        for (TestCluster.Node n : nodes) {
            ports.append(ports.isEmpty() ? "" : ",").append(n.port());
        }
        String hosts = "host=127.0.0.1,127.0.0.1,127.0.0.1 port=" + ports + " user=postgres dbname=postgres";
        for (String attrs : List.of("read-write", "primary", "standby", "prefer-standby")) {
            TestCluster.ToolResult r = TestCluster.runProcess(List.of(TestCluster.PSQL.toString(), "-XAtc", "SHOW port",
                    hosts + " target_session_attrs=" + attrs), Map.of(), null, 60);
            assertThat(r.code()).as(attrs + ": " + r.err()).isZero();
            boolean onPrimary = r.out().strip().equals(Integer.toString(primary.port()));
            assertThat(onPrimary).as("target_session_attrs=" + attrs).isEqualTo(attrs.equals("read-write")
                    || attrs.equals("primary"));
        }
    }

    /**
     * The primary loses the coordinator (the proxies between them are cut) but not its clients:
     * it stops acknowledging before the new primary acknowledges anything — the last transfer a
     * client saw acknowledged by the old primary arrived before the first successful transfer on
     * the new one was even sent, on one clock — the bank's total is the same on every node, and
     * when the proxies are back the old primary rejoins as a standby. {@link #REPEAT} times in a
     * row, each time cutting off whichever node is the primary then.
     */
    @Test
    void aPrimaryCutOffFromTheCoordinatorStopsAcknowledgingBeforeTheNewPrimaryAcknowledges() throws Exception {
        try (TestCluster cluster = new TestCluster(); CoordinatorEnsemble zk = new CoordinatorEnsemble(cluster, 3);
             NodesFirst stop = new NodesFirst(cluster)) {
            Map<String, List<TcpProxy>> proxies = new ConcurrentHashMap<>();
            List<TestCluster.Node> nodes = haCluster(cluster, name -> {
                List<TcpProxy> own = new ArrayList<>();
                StringBuilder viaProxy = new StringBuilder();
                for (int i = 0; i < 3; i++) {
                    TcpProxy p = new TcpProxy(cluster.freePort(), zk.clientPort(i));
                    own.add(p);
                    viaProxy.append(i == 0 ? "" : ",").append("127.0.0.1:").append(p.port());
                }
                proxies.put(name, own);
                return viaProxy + "/walden";
            });
            TestCluster.Node first = nodes.get(0);
            first.psql("CREATE TABLE accounts (id integer PRIMARY KEY, balance integer)");
            first.psql("INSERT INTO accounts VALUES (1, 1000), (2, 1000), (3, 1000), (4, 1000), (5, 1000)");
            first.psql("CREATE TABLE transfers (id integer PRIMARY KEY)");
            synchronousEverywhere(nodes);
            AtomicInteger ids = new AtomicInteger();
            Set<Integer> acked = new java.util.TreeSet<>();
            for (int round = 0; round < REPEAT; round++) {
                TestCluster.Node old = primaryOf(nodes);
                awaitSynchronousStandby(old);
                List<Bank> banks = new ArrayList<>();
                for (TestCluster.Node n : nodes) {
                    banks.add(new Bank(n, ids));
                }
                List<Thread> threads = banks.stream().map(b -> Thread.ofPlatform().start(b)).toList();
                Thread.sleep(1500);
                proxies.get(old.name()).forEach(TcpProxy::cut);
                TestCluster.Node promoted = awaitPromotion(nodes.stream().filter(n -> n != old).toList(),
                        Duration.ofSeconds(60));
                Thread.sleep(2000);
                banks.forEach(b -> b.stop.set(true));
                for (Thread t : threads) {
                    t.join();
                }
                Bank oldBank = banks.get(nodes.indexOf(old));
                Bank newBank = banks.get(nodes.indexOf(promoted));
                assertThat(oldBank.acked).isNotEmpty();
                assertThat(newBank.acked).isNotEmpty();
                System.out.printf("cut off %d: %s's last acknowledgement %d ms before %s's first successful transfer "
                        + "was sent%n", round + 1, old.name(), newBank.firstSuccessSentMillis - oldBank.lastAckMillis,
                        promoted.name());
                assertThat(oldBank.lastAckMillis).isLessThan(newBank.firstSuccessSentMillis);

                banks.forEach(b -> acked.addAll(b.acked));
                assertThat(ids(promoted, "transfers")).containsAll(acked);
                proxies.get(old.name()).forEach(TcpProxy::restore);
                assertThat(old.pollQueryUntil("SELECT status FROM pg_stat_wal_receiver", "streaming",
                        Duration.ofSeconds(90))).as("the old primary rejoined once it reached the coordinator")
                        .isTrue();
                int marker = -1 - round;
                promoted.psql("INSERT INTO transfers VALUES (" + marker + ")");
                for (TestCluster.Node n : nodes) {
                    assertThat(n.pollQueryUntil("SELECT count(*) FROM transfers WHERE id = " + marker, "1",
                            Duration.ofSeconds(60))).isTrue();
                    assertThat(n.psql("SELECT sum(balance) FROM accounts")).as("total balance on " + n.name())
                            .isEqualTo("5000");
                    assertThat(ids(n, "transfers")).containsAll(acked);
                }
            }
            ctlStopRacingADemotionStaysStopped(nodes, proxies);
        }
    }

    /**
     * ctl stop -m smart on the primary while a session holds it up, then the primary loses the
     * coordinator and demotes itself: the in-process restart as a standby must not undo the
     * operator's stop — the process ends, and stays ended once the coordinator is back.
     */
    static void ctlStopRacingADemotionStaysStopped(List<TestCluster.Node> nodes, Map<String, List<TcpProxy>> proxies)
            throws Exception {
        TestCluster.Node primary = primaryOf(nodes);
        long process = primary.pid().orElseThrow();
        try (Connection held = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + primary.port()
                + "/postgres?user=postgres")) {
            TestCluster.ToolResult stop = primary.ctl("-m", "smart", "-W", "stop");
            assertThat(stop.code()).as(stop.out() + stop.err()).isZero();
            proxies.get(primary.name()).forEach(TcpProxy::cut);
            awaitPromotion(nodes.stream().filter(n -> n != primary).toList(), Duration.ofSeconds(60));
            ProcessHandle jvm = ProcessHandle.of(process).orElseThrow();
            jvm.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (SQLException e) {
            // the held session ends with the server
        }
        proxies.get(primary.name()).forEach(TcpProxy::restore);
        Thread.sleep(3L * SESSION_TIMEOUT_MS);
        assertThat(ProcessHandle.of(process).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(primary.pid()).as(primary.name() + " stays stopped after ctl stop").isEmpty();
    }

    /**
     * The whole ensemble down: the primary stops acknowledging writes (25006 for new ones),
     * nothing is promoted, reads go on everywhere; when ZooKeeper is back the cluster has one
     * primary again that takes writes, and both standbys stream from it.
     */
    @Test
    void withTheWholeEnsembleDownNothingIsPromotedAndTheClusterRecoversWhenItReturns() throws Exception {
        try (TestCluster cluster = new TestCluster(); CoordinatorEnsemble zk = new CoordinatorEnsemble(cluster, 3);
             NodesFirst stop = new NodesFirst(cluster)) {
            List<TestCluster.Node> nodes = haCluster(cluster, zk);
            TestCluster.Node primary = nodes.get(0);
            for (int round = 0; round < REPEAT; round++) {
                TestCluster.Node before = primary;
                int rows = 2 * round + 1;
                before.psql("INSERT INTO acked VALUES (" + rows + ")");
                for (int i = 0; i < 3; i++) {
                    zk.kill(i);
                }
                // a write polled just as the connection was suspended waits at the gate for the
                // lease, and ends with the lease (57P01); later ones are refused while fenced
                assertThat(awaitWritesRefused(before, Duration.ofSeconds(30))).as("the primary stops taking writes")
                        .containsAnyOf("cannot execute write operation in a read-only transaction",
                                "terminating connection because this server lost the leader lease");
                Thread.sleep(3L * SESSION_TIMEOUT_MS);
                for (TestCluster.Node n : nodes.stream().filter(n -> n != before).toList()) {
                    assertThat(n.psql("SELECT pg_is_in_recovery()")).as(n.name() + " was not promoted").isEqualTo("t");
                    assertThat(n.psql("SELECT count(*) FROM acked")).isEqualTo(Integer.toString(rows));
                }
                for (int i = 0; i < 3; i++) {
                    zk.start(i);
                }
                primary = awaitWritable(nodes, Duration.ofSeconds(90));
                primary.psql("INSERT INTO acked VALUES (" + (rows + 1) + ")");
                for (TestCluster.Node n : nodes) {
                    assertThat(n.pollQueryUntil("SELECT count(*) FROM acked", Integer.toString(rows + 1),
                            Duration.ofSeconds(60))).as(n.name() + " follows " + primary.name()).isTrue();
                }
                System.out.printf("ensemble down and back %d: %s is the primary%n", round + 1, primary.name());
            }
        }
    }

    /**
     * A standby lagging beyond walden.ha_maximum_lag_on_failover is never promoted: the other
     * standby has failover priority 0, so the lagging one is the only candidate left, and the
     * cluster waits without a primary (the README's rule). {@code walden ha failover --candidate}
     * refuses it, since it lacks acknowledged commits, and {@code --force} promotes it anyway.
     * The lag is made by refusing node3's replication connection (its role may no longer log in)
     * while the primary writes a megabyte. node2, which had replayed that megabyte on the old
     * timeline, is rewound by its agent and follows node3.
     */
    @Test
    void aStandbyLaggingBeyondTheLimitIsNeverPromotedAndTheClusterWaitsUntilForced() throws Exception {
        try (TestCluster cluster = new TestCluster(); CoordinatorEnsemble zk = new CoordinatorEnsemble(cluster, 3);
             NodesFirst stop = new NodesFirst(cluster)) {
            List<TestCluster.Node> nodes = haCluster(cluster, zk);
            TestCluster.Node n1 = nodes.get(0);
            TestCluster.Node n2 = nodes.get(1);
            TestCluster.Node n3 = nodes.get(2);
            n1.psql("CREATE ROLE repl3 LOGIN REPLICATION");
            n3.psql("ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=" + n1.port()
                    + " user=repl3 application_name=node3'");
            n3.psql("SELECT pg_reload_conf()");
            assertThat(n1.pollQueryUntil("SELECT usename FROM pg_stat_replication WHERE application_name = 'node3'",
                    "repl3", Duration.ofSeconds(60))).as("node3 streams as repl3").isTrue();
            for (TestCluster.Node n : nodes) {
                n.appendConf("walden.ha_maximum_lag_on_failover = '64kB'\n");
            }
            n2.appendConf("walden.ha_failover_priority = 0\n");
            nodes.forEach(n -> n.psql("SELECT pg_reload_conf()"));

            n1.psql("ALTER ROLE repl3 NOLOGIN");
            n1.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name = 'node3'");
            assertThat(n1.pollQueryUntil("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'node3'",
                    "0", Duration.ofSeconds(30))).isTrue();
            n1.psql("INSERT INTO acked (id) SELECT g FROM generate_series(1, 20000) g");
            n1.waitForCatchup(n2);
            Thread.sleep(1000); // the primary publishes its position
            n1.kill9();
            TestCluster.Node promoted = noPromotionUntilForced(zk, List.of(n2, n3), n3, "lags");
            assertThat(Integer.parseInt(promoted.psql("SELECT count(*) FROM acked")))
                    .as("the forced candidate lacked acknowledged commits").isLessThan(20000);

            // node2 had replayed past node3's fork of timeline 1: its agent has it rewound, and it follows
            promoted.psql("INSERT INTO acked VALUES (-1)");
            assertThat(n2.pollQueryUntil("SELECT count(*) FROM acked WHERE id = -1", "1", Duration.ofSeconds(90)))
                    .as("the diverged standby node2 was rewound and follows node3").isTrue();
            assertThat(pollLog(n2, "rewinding this diverged standby")).isTrue();
            assertThat(n2.psql("SELECT count(*) FROM acked")).isEqualTo(promoted.psql("SELECT count(*) FROM acked"));
            assertThat(n2.psql("SELECT status FROM pg_stat_wal_receiver")).isEqualTo("streaming");
        }
    }

    /**
     * A double failure under synchronous replication: the primary and its synchronous standby
     * die together; the asynchronous standby (it may lack acknowledged commits) is not promoted,
     * the cluster waits, {@code walden ha failover --candidate} refuses it, and {@code --force}
     * promotes it (the README's operator step).
     */
    @Test
    void anAsynchronousStandbyIsNotPromotedWhenThePrimaryAndItsSynchronousStandbyDie() throws Exception {
        try (TestCluster cluster = new TestCluster(); CoordinatorEnsemble zk = new CoordinatorEnsemble(cluster, 3);
             NodesFirst stop = new NodesFirst(cluster)) {
            List<TestCluster.Node> nodes = haCluster(cluster, zk);
            TestCluster.Node n1 = nodes.get(0);
            n1.psql("ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (node2, node3)'");
            n1.psql("SELECT pg_reload_conf()");
            assertThat(n1.pollQueryUntil("SELECT application_name FROM pg_stat_replication WHERE sync_state = 'sync'",
                    "node2")).isTrue();
            n1.psql("INSERT INTO acked (id) SELECT g FROM generate_series(1, 100) g");
            Thread.sleep(1000); // the primary publishes its position and synchronous set
            n1.kill9();
            nodes.get(1).kill9();
            TestCluster.Node promoted = noPromotionUntilForced(zk, List.of(nodes.get(2)), nodes.get(2),
                    "not in the synchronous set [node2]");
            promoted.psql("INSERT INTO acked VALUES (-1)");
        }
    }

    /**
     * walden.ha_synchronous_mode (Patroni's synchronous_mode): nobody sets
     * synchronous_standby_names; the primary's agent names a healthy standby, publishes it as
     * the synchronous set (walden ha list: Sync Standby), and when that standby dies names the
     * other one, publishing it before a commit counts on it — writes go on. After a kill -9 of
     * the primary only the published standby is promoted, with every acknowledged commit.
     */
    @Test
    void theAgentChoosesTheSynchronousStandbysAndReplacesADeadOne() throws Exception {
        try (TestCluster cluster = new TestCluster(); CoordinatorEnsemble zk = new CoordinatorEnsemble(cluster, 3);
             NodesFirst stop = new NodesFirst(cluster)) {
            List<TestCluster.Node> nodes = haCluster(cluster, zk);
            for (TestCluster.Node n : nodes) {
                n.appendConf("walden.ha_synchronous_mode = on\n");
                n.psql("SELECT pg_reload_conf()");
            }
            TestCluster.Node n1 = nodes.get(0);
            String coordinator = zk.connectString("/walden");
            assertThat(n1.pollQueryUntil("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'", "1",
                    Duration.ofSeconds(30))).as("the agent named a synchronous standby").isTrue();
            String first = n1.psql("SELECT application_name FROM pg_stat_replication WHERE sync_state = 'sync'");
            assertThat(n1.psql("SHOW synchronous_standby_names")).isEqualTo("FIRST 1 (\"" + first + "\")");
            assertThat(pollList(coordinator, first + " .*Sync Standby")).isTrue();
            n1.psql("INSERT INTO acked VALUES (1)");

            TestCluster.Node dead = nodes.stream().filter(n -> n.name().equals(first)).findFirst().orElseThrow();
            TestCluster.Node other = nodes.get(1) == dead ? nodes.get(2) : nodes.get(1);
            dead.kill9();
            n1.psql("INSERT INTO acked VALUES (2)"); // waits until the agent names the other standby
            assertThat(n1.psql("SHOW synchronous_standby_names")).isEqualTo("FIRST 1 (\"" + other.name() + "\")");
            assertThat(pollList(coordinator, other.name() + " .*Sync Standby")).isTrue();
            Writer writer = new Writer(nodes, 3);
            Thread writing = Thread.ofPlatform().start(writer);
            dead.start(); // it streams again, asynchronous now
            assertThat(dead.pollQueryUntil("SELECT status FROM pg_stat_wal_receiver", "streaming",
                    Duration.ofSeconds(60))).isTrue();
            Thread.sleep(1000);
            n1.kill9();
            long ack = writer.awaitAckAfter(System.nanoTime(), Duration.ofSeconds(60));
            Thread.sleep(500);
            writer.stop.set(true);
            writing.join();
            assertThat(ack).isPositive();
            TestCluster.Node promoted = primaryOf(List.of(dead, other));
            assertThat(promoted).as("the published synchronous standby is promoted").isSameAs(other);
            assertThat(ids(promoted)).contains(1, 2).containsAll(writer.acked);
            assertThat(other.pollQueryUntil("SELECT application_name FROM pg_stat_replication "
                    + "WHERE sync_state = 'sync'", dead.name(), Duration.ofSeconds(30)))
                    .as("the new primary names its remaining standby").isTrue();
        }
    }

    static boolean pollList(String coordinator, String regex) throws InterruptedException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            TestCluster.ToolResult list = TestCluster.walden("ha", "list", "--coordinator", coordinator, "--cluster",
                    "test");
            if (p.matcher(list.out()).find()) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    /**
     * The primary is gone and no standby is a safe candidate: for four session timeouts nothing
     * is promoted; walden ha failover --candidate refuses {@code candidate}, naming why; with
     * --force it is promoted and takes writes.
     */
    static TestCluster.Node noPromotionUntilForced(CoordinatorEnsemble zk, List<TestCluster.Node> survivors,
                                                   TestCluster.Node candidate, String why) throws Exception {
        Thread.sleep(4L * SESSION_TIMEOUT_MS);
        for (TestCluster.Node n : survivors) {
            assertThat(n.psql("SELECT pg_is_in_recovery()")).as(n.name() + " was not promoted").isEqualTo("t");
        }
        String coordinator = zk.connectString("/walden");
        TestCluster.ToolResult list = TestCluster.walden("ha", "list", "--coordinator", coordinator, "--cluster",
                "test");
        assertThat(list.out()).doesNotContain("Leader");
        TestCluster.ToolResult refused = TestCluster.walden("ha", "failover", "--candidate", candidate.name(),
                "--coordinator", coordinator, "--cluster", "test");
        assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(1);
        assertThat(refused.err()).contains("no eligible candidate", why, "may lose acknowledged commits", "--force");
        assertThat(candidate.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
        TestCluster.ToolResult forced = TestCluster.walden("ha", "failover", "--candidate", candidate.name(), "--force",
                "--coordinator", coordinator, "--cluster", "test");
        assertThat(forced.code()).as(forced.out() + forced.err()).isZero();
        assertThat(forced.out()).contains(candidate.name() + " is the primary");
        assertThat(candidate.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
        TestCluster.ToolResult history = TestCluster.walden("ha", "history", "--coordinator", coordinator,
                "--cluster", "test");
        assertThat(history.out()).contains("failover", candidate.name());
        return candidate;
    }

    /**
     * walden ha switchover hands the primary role to the named standby with no commit lost and
     * the old primary streaming from it; walden ha reinit re-clones a standby; walden ha pause keeps a dead primary from being
     * replaced until walden ha resume.
     */
    @Test
    void plannedSwitchoverAndPausedMaintenance() throws Exception {
        try (TestCluster cluster = new TestCluster(); CoordinatorEnsemble zk = new CoordinatorEnsemble(cluster, 3);
             NodesFirst stop = new NodesFirst(cluster)) {
            List<TestCluster.Node> nodes = haCluster(cluster, zk);
            TestCluster.Node n1 = nodes.get(0);
            TestCluster.Node n3 = nodes.get(2);
            String coordinator = zk.connectString("/walden");
            n1.psql("INSERT INTO acked VALUES (1)");
            TestCluster.ToolResult sw = TestCluster.walden("ha", "switchover", "--candidate", "node3", "--coordinator",
                    coordinator, "--cluster", "test");
            assertThat(sw.code()).as(sw.out() + sw.err()).isZero();
            assertThat(sw.out()).contains("switchover from node1 to node3", "node3 is the primary");
            assertThat(n3.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
            n3.psql("INSERT INTO acked VALUES (2)");
            assertThat(n1.pollQueryUntil("SELECT count(*) FROM acked", "2", Duration.ofSeconds(60)))
                    .as("the old primary follows the new one").isTrue();
            assertThat(n1.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
            // n1 was restarted in-process by its demotion: a reload still reconfigures its log
            n1.psql("ALTER SYSTEM SET log_line_prefix = '%m [%p] after-demotion '");
            n1.psql("SELECT pg_reload_conf()");
            Thread.sleep(500);
            assertThatThrownBy(() -> n1.psql("SELECT 1/0"));
            assertThat(pollLog(n1, "after-demotion ERROR:  division by zero")).as("the new log_line_prefix").isTrue();
            TestCluster.ToolResult history = TestCluster.walden("ha", "history", "--coordinator", coordinator,
                    "--cluster", "test");
            assertThat(history.out()).contains("switchover", "node3");
            checkEndpoints(n1, n3);

            TestCluster.ToolResult reinit = TestCluster.walden("ha", "reinit", "node2", "--coordinator", coordinator,
                    "--cluster", "test");
            assertThat(reinit.code()).as(reinit.out() + reinit.err()).isZero();
            assertThat(reinit.out()).contains("node2 was re-cloned and streams");
            n3.psql("INSERT INTO acked VALUES (3)");
            assertThat(nodes.get(1).pollQueryUntil("SELECT count(*) FROM acked", "3", Duration.ofSeconds(60))).isTrue();

            assertThat(TestCluster.walden("ha", "pause", "--coordinator", coordinator, "--cluster", "test").out())
                    .contains("paused");
            n3.kill9();
            Thread.sleep(4L * SESSION_TIMEOUT_MS);
            assertThat(n1.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
            assertThat(nodes.get(1).psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
            TestCluster.walden("ha", "resume", "--coordinator", coordinator, "--cluster", "test")
                    .check("ha resume");
            TestCluster.Node promoted = awaitPromotion(nodes.subList(0, 2), Duration.ofSeconds(60));
            assertThat(ids(promoted)).contains(1, 2, 3);
        }
    }

    /**
     * The HTTP endpoint after the switchover: /primary only on node3, /replica on node1, the
     * metrics, the cluster JSON; and the cluster page, rendered by headless Chromium (a
     * screenshot lands in target/).
     */
    static void checkEndpoints(TestCluster.Node standby, TestCluster.Node primary) throws Exception {
        assertThat(get(primary, "/primary").statusCode()).isEqualTo(200);
        assertThat(get(standby, "/primary").statusCode()).isEqualTo(503);
        assertThat(pollStatus(standby, "/replica", 200)).isTrue();
        assertThat(get(primary, "/replica").statusCode()).isEqualTo(503);
        assertThat(get(standby, "/replica?lag=0").statusCode()).isIn(200, 503);
        assertThat(get(standby, "/read-only").statusCode()).isEqualTo(200);
        assertThat(get(primary, "/health").statusCode()).isEqualTo(200);
        assertThat(get(primary, "/nonsense").statusCode()).isEqualTo(404);
        String metrics = get(primary, "/metrics").body();
        assertThat(metrics).as("commit latency as a histogram")
                .containsPattern("walden_commit_seconds_bucket\\{le=\"0\\.0[0-9]+\"} [0-9]+")
                .containsPattern("walden_commit_seconds_bucket\\{le=\"\\+Inf\"} [1-9][0-9]*");
        assertThat(metrics).contains("walden_commits_total", "walden_commit_seconds_count", "walden_ha_leader 1.0",
                "walden_timeline 2.0", "walden_replication_lag_bytes{application_name=\"node1\"}",
                "walden_wal_position_bytes{kind=\"flushed\"}");
        assertThat(get(standby, "/metrics").body()).contains("walden_ha_leader 0.0", "walden_ha_standby 1.0");
        String cluster = get(standby, "/cluster").body();
        assertThat(cluster).contains("\"leader\": \"" + primary.name() + "\"", "\"kind\": \"switchover\"");

        Path chromium = Path.of("/usr/bin/chromium");
        if (!Files.isExecutable(chromium)) {
            assertThat(System.getenv("CI")).as("chromium is missing on CI: .ci/run installs it").isNotEqualTo("true");
            System.out.println("cluster page: /usr/bin/chromium missing here, page not rendered");
            return;
        }
        Thread.sleep(3000); // a few lag samples
        Path profile = Files.createTempDirectory("chromium-profile");
        Path shot = Path.of("target", "failover-cluster-page.png").toAbsolutePath();
        List<String> flags = List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-proxy-server", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                "--virtual-time-budget=5000", "--window-size=1000,800");
        String url = "http://127.0.0.1:" + API_PORTS.get(primary.name()) + "/";
        List<String> dump = new ArrayList<>(flags);
        dump.addAll(List.of("--dump-dom", url));
        // Chromium's start-up loads both cores for a second or two; a page load it reports as
        // failed is tried again once the endpoint answers, and the primary's HA log tells why
        TestCluster.ToolResult dom = null;
        for (int attempt = 0; attempt < 3 && (dom == null || !dom.out().contains("<polyline")); attempt++) {
            assertThat(pollStatus(primary, "/primary", 200)).as("the primary's endpoint before rendering").isTrue();
            dom = TestCluster.runProcess(dump, Map.of(), null, 120);
        }
        String haLog = Files.readAllLines(primary.logFile()).stream()
                .filter(l -> l.contains("automatic failover") || l.contains("no longer the primary"))
                .collect(Collectors.joining("\n"));
        assertThat(dom.out()).as(dom.err() + "\nthe primary's HA log:\n" + haLog).contains("node1", "node2", "node3",
                "(leader)", "<polyline", "switchover", "leader: " + primary.name());
        List<String> screenshot = new ArrayList<>(flags);
        screenshot.addAll(List.of("--screenshot=" + shot, url));
        TestCluster.runProcess(screenshot, Map.of(), null, 120);
        assertThat(Files.size(shot)).isPositive();
        System.out.println("cluster page screenshot: " + shot);
    }

    static boolean pollLog(TestCluster.Node n, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(n.logFile()).contains(text)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    static HttpResponse<String> get(TestCluster.Node n, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + API_PORTS.get(n.name()) + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    static boolean pollStatus(TestCluster.Node n, String path, int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (get(n, path).statusCode() == status) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** The error a write gets once {@code n} refuses writes; "" when it still takes them after {@code timeout}. */
    static String awaitWritesRefused(TestCluster.Node n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                n.psql("SELECT txid_current()");
            } catch (RuntimeException e) {
                return e.getMessage();
            }
            Thread.sleep(50);
        }
        return "";
    }

    /** The one node that accepts a write within {@code timeout}. */
    static TestCluster.Node awaitWritable(List<TestCluster.Node> nodes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (TestCluster.Node n : nodes) {
                try {
                    if (n.psql("SELECT txid_current() > 0").equals("t")) {
                        return n;
                    }
                } catch (RuntimeException e) {
                    // refused, or restarting
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no node accepted a write within " + timeout);
    }

    static TestCluster.Node awaitPromotion(List<TestCluster.Node> candidates, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (TestCluster.Node n : candidates) {
                try {
                    if (n.psql("SELECT pg_is_in_recovery()").equals("f")) {
                        return n;
                    }
                } catch (RuntimeException e) {
                    // restarting
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no standby was promoted within " + timeout);
    }

    /**
     * Moves money between five accounts on one node, one transfer per transaction, with a row
     * in transfers for each; keeps the acknowledged transfers, when the last acknowledgement
     * arrived and when the first successful transfer was sent (System.currentTimeMillis).
     */
    static final class Bank implements Runnable {
        final Set<Integer> acked = new ConcurrentSkipListSet<>();
        final AtomicBoolean stop = new AtomicBoolean();
        volatile long lastAckMillis;
        volatile long firstSuccessSentMillis;
        private final String url;
        private final AtomicInteger ids;

        Bank(TestCluster.Node node, AtomicInteger ids) {
            this.url = "jdbc:postgresql://127.0.0.1:" + node.port() + "/postgres?user=postgres&connectTimeout=2"
                    + "&socketTimeout=20";
            this.ids = ids;
        }

        @Override
        public void run() {
            java.util.Random random = new java.util.Random(url.hashCode());
            while (!stop.get()) {
                try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    while (!stop.get()) {
                        int id = ids.incrementAndGet();
                        int from = 1 + random.nextInt(5);
                        int to = 1 + random.nextInt(5);
                        long sent = System.currentTimeMillis();
                        try {
                            s.execute("UPDATE accounts SET balance = balance - 7 WHERE id = " + from);
                            s.execute("UPDATE accounts SET balance = balance + 7 WHERE id = " + to);
                            s.execute("INSERT INTO transfers VALUES (" + id + ")");
                            c.commit();
                        } catch (SQLException e) {
                            if (c.isClosed() || !c.isValid(1)) {
                                throw e;
                            }
                            c.rollback();
                            Thread.sleep(20);
                            continue;
                        }
                        lastAckMillis = System.currentTimeMillis();
                        if (firstSuccessSentMillis == 0) {
                            firstSuccessSentMillis = sent;
                        }
                        acked.add(id);
                    }
                } catch (SQLException | InterruptedException e) {
                    sleepQuietly(50);
                }
            }
        }
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the nodes before the coordinators: a primary that loses ZooKeeper while the test
     * ends would demote itself and restart as a standby after its stop.
     */
    record NodesFirst(TestCluster cluster) implements AutoCloseable {
        @Override
        public void close() {
            cluster.close();
        }
    }

    static Set<Integer> ids(TestCluster.Node n) {
        return ids(n, "acked");
    }

    static Set<Integer> ids(TestCluster.Node n, String table) {
        Set<Integer> out = new java.util.TreeSet<>();
        for (String line : n.psql("SELECT id FROM " + table).split("\n")) {
            if (!line.isBlank()) {
                out.add(Integer.parseInt(line.strip()));
            }
        }
        return out;
    }

    /**
     * Inserts increasing ids, one transaction each, through pgjdbc's multi-host URL with
     * targetServerType=primary; keeps the acknowledged ids and when each was acknowledged.
     */
    static final class Writer implements Runnable {
        final Set<Integer> acked = new ConcurrentSkipListSet<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong lastAckNanos = new AtomicLong();
        private final String url;
        private final int firstId;

        Writer(List<TestCluster.Node> nodes) {
            this(nodes, 1);
        }

        Writer(List<TestCluster.Node> nodes, int firstId) {
            this.firstId = firstId;
            StringBuilder hosts = new StringBuilder();
            for (TestCluster.Node n : nodes) {
                hosts.append(hosts.isEmpty() ? "" : ",").append("127.0.0.1:").append(n.port());
            }
            url = "jdbc:postgresql://" + hosts + "/postgres?user=postgres&targetServerType=primary"
                    + "&connectTimeout=2&socketTimeout=10&loginTimeout=5&hostRecheckSeconds=1";
        }

        @Override
        public void run() {
            int id = firstId;
            while (!stop.get()) {
                try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                    while (!stop.get()) {
                        s.execute("INSERT INTO acked (id) VALUES (" + id + ")");
                        acked.add(id);
                        lastAckNanos.set(System.nanoTime());
                        id++;
                    }
                } catch (SQLException e) {
                    id++; // the outcome of this id is unknown: never reuse it
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }

        /** The time (nanoTime) of the first acknowledgement after {@code since}, 0 if none within {@code timeout}. */
        long awaitAckAfter(long since, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                long last = lastAckNanos.get();
                if (last - since > 0) {
                    return last;
                }
                Thread.sleep(5);
            }
            return 0;
        }
    }
}
