package org.walden.ha;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.zookeeper.server.ServerConfig;
import org.apache.zookeeper.server.ZooKeeperServerMain;
import org.apache.zookeeper.server.admin.AdminServer;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;

/**
 * {@code walden coordinator}: an Apache ZooKeeper server run with ZooKeeper's own embedded
 * server classes ({@link ZooKeeperServerMain} alone, {@link QuorumPeerMain} as one member of an
 * ensemble), for one machine and for tests. Walden never elects anything itself: the leader
 * lease and the cluster's state live in this ZooKeeper.
 *
 * <p>Life story: the command line builds a {@link Config}; {@link #run} writes the member's
 * {@code myid} (an ensemble needs it), turns the config into ZooKeeper's properties and blocks
 * serving clients until the process is stopped (a signal ends the JVM, as a ZooKeeper
 * server's own script does). The tick is short (200 ms by default) so that sessions of 1–4 s,
 * which fast failover needs, are within ZooKeeper's bounds (2 to 20 ticks).
 */
public final class EmbeddedCoordinator {

    /** One ensemble member as host:clientPort:peerPort:electionPort. */
    public record Member(String host, int clientPort, int peerPort, int electionPort) {
        public static Member parse(String text) {
            String[] f = text.strip().split(":");
            if (f.length != 4) {
                throw new IllegalArgumentException("ensemble member \"" + text
                        + "\" is not host:clientPort:peerPort:electionPort");
            }
            return new Member(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]));
        }
    }

    /**
     * @param dataDir  snapshots and transaction log
     * @param port     the client port
     * @param myId     this member's 1-based position in {@code ensemble}, 0 when alone
     * @param ensemble all members (empty: a single server)
     * @param tickMs   ZooKeeper's tick
     */
    public record Config(Path dataDir, String host, int port, int myId, List<Member> ensemble, int tickMs) {
    }

    private EmbeddedCoordinator() {
    }

    /** ZooKeeper's configuration for {@code c}, as zoo.cfg would hold it. */
    static Properties properties(Config c) {
        Properties p = new Properties();
        p.setProperty("dataDir", c.dataDir().toString());
        p.setProperty("clientPort", Integer.toString(c.port()));
        p.setProperty("clientPortAddress", c.host());
        p.setProperty("tickTime", Integer.toString(c.tickMs()));
        p.setProperty("initLimit", "20");
        p.setProperty("syncLimit", "10");
        p.setProperty("maxClientCnxns", "200");
        p.setProperty("maxCnxns", "1000");
        p.setProperty("admin.enableServer", "false");
        p.setProperty("4lw.commands.whitelist", "ruok,srvr,stat,mntr");
        p.setProperty("autopurge.snapRetainCount", "3");
        p.setProperty("autopurge.purgeInterval", "1");
        for (int i = 0; i < c.ensemble().size(); i++) {
            Member m = c.ensemble().get(i);
            p.setProperty("server." + (i + 1), m.host() + ":" + m.peerPort() + ":" + m.electionPort());
        }
        return p;
    }

    /** Serves until the process ends. */
    public static void run(Config c) throws IOException, QuorumPeerConfig.ConfigException,
            AdminServer.AdminServerException {
        Files.createDirectories(c.dataDir());
        System.setProperty("zookeeper.admin.enableServer", "false");
        QuorumPeerConfig qpc = new QuorumPeerConfig();
        if (!c.ensemble().isEmpty()) {
            Files.writeString(c.dataDir().resolve("myid"), c.myId() + "\n");
        }
        qpc.parseProperties(properties(c));
        if (c.ensemble().isEmpty()) {
            ServerConfig sc = new ServerConfig();
            sc.readFrom(qpc);
            new ZooKeeperServerMain().runFromConfig(sc);
        } else {
            new QuorumPeerMain().runFromConfig(qpc);
        }
    }
}
