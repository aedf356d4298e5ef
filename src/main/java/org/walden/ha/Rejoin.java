package org.walden.ha;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.walden.common.guc.AutoConfFile;
import org.walden.common.guc.GucServerSettings;
import org.walden.protocol.ConnInfo;
import org.walden.recovery.Rewind;
import org.walden.replication.BaseBackupClient;
import org.walden.replication.RewindSourceServer;
import org.walden.server.config.RecoveryMode;
import org.walden.server.logging.PgLog;

/**
 * A node that starts (or restarts after demotion) while another node holds the leader lease
 * joins it as a standby, by itself: a former primary is rewound to the lease holder
 * ({@code walden rewind}'s {@link Rewind}, which also recovers a crashed target), then
 * standby.signal and primary_conninfo point it at the holder. A node whose own lease of an
 * earlier session is still there (a quick restart after kill -9) waits until that session
 * expires, so the standbys can choose a new primary first. Without a lease holder, or without
 * the coordinator, the node starts as it is; its agent then decides. While a switchover to
 * another node is pending it waits for that node to take the lease.
 */
public final class Rejoin {

    /** How long to wait for the coordinator before starting as is (fenced, if a primary). */
    private static final long CONNECT_WAIT_MS = 15_000;

    private Rejoin() {
    }

    /**
     * Before the server starts: rewinds and repoints this data directory when another node leads.
     * A former primary is rewound; a standby only when {@code rewindStandby} (its agent found it
     * diverged from the leader's timeline).
     */
    public static void prepare(Path dataDir, GucServerSettings settings, boolean rewindStandby, PrintStream err)
            throws IOException, InterruptedException {
        HaSettings cfg = HaSettings.of(settings);
        if (!cfg.enabled()) {
            return;
        }
        try (CuratorFramework zk = Coordinators.connect(cfg)) {
            zk.start();
            if (!zk.blockUntilConnected((int) CONNECT_WAIT_MS, TimeUnit.MILLISECONDS)) {
                PgLog.warning("automatic failover: coordinator %s not reachable; starting as is", cfg.coordinator());
                return;
            }
            ClusterState cluster = new ClusterState(zk, cfg.clusterName());
            ClusterState.Member leader = awaitOtherLeader(cluster, cfg);
            if (leader == null) {
                return;
            }
            String conninfo = primaryConninfo(settings.getString("primary_conninfo"), leader, cfg.nodeName());
            if (cluster.reinitRequested(cfg.nodeName())) {
                reinit(dataDir, conninfo, leader, err);
                cluster.clearReinit(cfg.nodeName());
            } else if (rewindStandby || !Files.exists(dataDir.resolve(RecoveryMode.STANDBY_SIGNAL))) {
                PgLog.log("automatic failover: node \"%s\" holds the leader lease; rewinding this %s to it",
                        leader.name(), rewindStandby ? "diverged standby" : "former primary");
                int rc;
                try (RewindSourceServer source = new RewindSourceServer(conninfo, err)) {
                    rc = new Rewind(new Rewind.Options(dataDir, false, false, false, true, false, true, null), source,
                            err).run();
                }
                if (rc != 0) {
                    throw new IOException("could not rewind to the new primary \"" + leader.name() + "\"");
                }
            }
            AutoConfFile.set(dataDir, "primary_conninfo", conninfo);
            Files.writeString(dataDir.resolve(RecoveryMode.STANDBY_SIGNAL), "");
            PgLog.log("automatic failover: starting as a standby of \"%s\"", leader.name());
        } catch (IOException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("automatic failover: " + e.getMessage(), e);
        }
    }

    /**
     * The lease holder when it is another node; null when nobody holds the lease. Waits while the
     * holder is this node's own earlier session (up to two session timeouts and the standbys'
     * choice), and while the holder has not published its address yet.
     */
    private static ClusterState.Member awaitOtherLeader(ClusterState cluster, HaSettings cfg) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2L * cfg.sessionTimeoutMs() + 5_000);
        while (true) {
            ClusterState.Lease lease = cluster.leader();
            ClusterState.Request request = cluster.request();
            if (lease == null && (request == null || request.to().equals(cfg.nodeName()))) {
                return null;
            }
            if (lease != null && !lease.holder().equals(cfg.nodeName())) {
                ClusterState.Member m = cluster.member(lease.holder());
                if (m != null && m.primary()) {
                    return m;
                }
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            Thread.sleep(100);
        }
    }

    /** The node's own configuration files, kept across a re-clone. */
    private static final List<String> OWN_FILES = List.of("postgresql.conf", "postgresql.auto.conf", "pg_hba.conf",
            "pg_ident.conf", "postmaster.opts");

    /**
     * walden ha reinit: the data directory is replaced by a base backup of the lease holder
     * (its own configuration files kept); the old one is removed once the backup is complete.
     */
    private static void reinit(Path dataDir, String conninfo, ClusterState.Member leader, PrintStream err)
            throws IOException {
        PgLog.log("automatic failover: taking a base backup of \"%s\" (walden ha reinit)", leader.name());
        Map<String, byte[]> own = new java.util.HashMap<>();
        for (String f : OWN_FILES) {
            if (Files.exists(dataDir.resolve(f))) {
                own.put(f, Files.readAllBytes(dataDir.resolve(f)));
            }
        }
        Path old = dataDir.resolveSibling(dataDir.getFileName() + ".reinit-old");
        deleteTree(old);
        Files.move(dataDir, old);
        Files.createDirectories(dataDir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        ConnInfo ci = ConnInfo.parse(conninfo);
        int rc = new BaseBackupClient(err).run(new BaseBackupClient.Options(ci.get("host"),
                Integer.parseInt(ci.get("port")), ci.get("user"), ci.get("password"), dataDir, false,
                BaseBackupClient.WalMethod.STREAM, false, false, null, false, false, true, "walden ha reinit", true,
                ci.get("application_name"), 0));
        if (rc != 0) {
            deleteTree(dataDir);
            Files.move(old, dataDir);
            throw new IOException("walden ha reinit: the base backup of \"" + leader.name() + "\" failed");
        }
        for (Map.Entry<String, byte[]> f : own.entrySet()) {
            Files.write(dataDir.resolve(f.getKey()), f.getValue());
        }
        deleteTree(old);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /** The node's primary_conninfo with host and port of {@code leader}; application_name the node's name. */
    static String primaryConninfo(String current, ClusterState.Member leader, String nodeName) {
        ConnInfo ci = current == null || current.isBlank() ? ConnInfo.parse("") : ConnInfo.parse(current);
        ci = ci.with("host", leader.host()).with("port", Integer.toString(leader.port()));
        if (ci.get("application_name") == null) {
            ci = ci.with("application_name", nodeName);
        }
        return ci.toConnString();
    }

    /** The address other nodes reach this one at: the first of listen_addresses ("*" as 127.0.0.1). */
    static String listenHost(GucServerSettings settings) {
        String listen = settings.getString("listen_addresses");
        String first = listen == null || listen.isBlank() ? "localhost" : listen.split(",")[0].strip();
        return first.equals("*") || first.equals("0.0.0.0") || first.equals("::") ? "127.0.0.1" : first;
    }
}
