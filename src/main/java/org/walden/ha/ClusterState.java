package org.walden.ha;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.walden.wal.Lsn;

/**
 * The failover cluster's state in ZooKeeper, under /CLUSTER (below the connect string's chroot),
 * each node's value a few key=value lines:
 * <ul>
 * <li>{@code leader} (ephemeral): the leader lease; its owner's session is the primary's.</li>
 * <li>{@code members/NODE} (ephemeral): each running node's role, timeline, positions and address.</li>
 * <li>{@code status}: the primary's last published timeline and WAL position.</li>
 * <li>{@code sync}: the standbys allowed to confirm synchronous commits in this leader's term.</li>
 * <li>{@code pause}: present while automatic actions are paused.</li>
 * <li>{@code history/NNNN}: one entry per failover or switchover.</li>
 * </ul>
 */
public final class ClusterState implements AutoCloseable {

    /** A member's record, as it publishes it. */
    public record Member(String name, String role, int timeline, Lsn lsn, Lsn replayLsn, String host, int port,
                         int priority, String upstream, String state, String api) {

        Map<String, String> toMap() {
            Map<String, String> m = new TreeMap<>();
            m.put("name", name);
            m.put("role", role);
            m.put("timeline", Integer.toString(timeline));
            m.put("lsn", lsn.toString());
            m.put("replay_lsn", replayLsn.toString());
            m.put("host", host);
            m.put("port", Integer.toString(port));
            m.put("priority", Integer.toString(priority));
            m.put("upstream", upstream == null ? "" : upstream);
            m.put("state", state == null ? "" : state);
            m.put("api", api == null ? "" : api);
            return m;
        }

        static Member fromMap(Map<String, String> m) {
            return new Member(m.get("name"), m.get("role"), Integer.parseInt(m.getOrDefault("timeline", "0")),
                    Lsn.parse(m.getOrDefault("lsn", "0/0")), Lsn.parse(m.getOrDefault("replay_lsn", "0/0")),
                    m.get("host"), Integer.parseInt(m.getOrDefault("port", "0")),
                    Integer.parseInt(m.getOrDefault("priority", "0")), m.getOrDefault("upstream", ""),
                    m.getOrDefault("state", ""), m.getOrDefault("api", ""));
        }

        public boolean primary() {
            return "primary".equals(role);
        }
    }

    /** The primary's last published position: what a candidate's lag is measured against. */
    public record Status(String leader, int timeline, Lsn lsn) {
    }

    /** The synchronous set of a leader's term; {@code enabled} false when synchronous replication is off. */
    public record SyncSet(String leader, boolean enabled, List<String> names) {
    }

    final CuratorFramework zk;
    final String root;

    public ClusterState(CuratorFramework zk, String clusterName) {
        this.zk = zk;
        this.root = "/" + clusterName;
    }

    /** A client of its own (for the command line); waits up to {@code waitMs} for the coordinator. */
    public static ClusterState connect(String coordinator, String clusterName, int waitMs) throws InterruptedException {
        CuratorFramework zk = Coordinators.build(coordinator, Math.max(waitMs, 4000));
        zk.start();
        if (!zk.blockUntilConnected(waitMs, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            zk.close();
            throw new IllegalStateException("could not connect to the coordinator " + coordinator);
        }
        ClusterState c = new ClusterState(zk, clusterName);
        c.owned = true;
        return c;
    }

    private boolean owned;

    @Override
    public void close() {
        if (owned) {
            zk.close();
        }
    }

    String path(String name) {
        return root + "/" + name;
    }

    static byte[] encode(Map<String, String> values) {
        Properties p = new Properties();
        p.putAll(values);
        StringWriter w = new StringWriter();
        try {
            p.store(w, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, String> decode(byte[] data) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(data, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> m = new TreeMap<>();
        p.forEach((k, v) -> m.put((String) k, (String) v));
        return m;
    }

    /** The value of {@code path}, null when it does not exist. */
    Map<String, String> read(String path, Stat stat) throws Exception {
        try {
            byte[] data = stat == null ? zk.getData().forPath(path) : zk.getData().storingStatIn(stat).forPath(path);
            return decode(data);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** Creates or replaces a persistent node. */
    void put(String path, Map<String, String> values) throws Exception {
        byte[] data = encode(values);
        try {
            zk.setData().forPath(path, data);
        } catch (KeeperException.NoNodeException e) {
            try {
                zk.create().creatingParentsIfNeeded().forPath(path, data);
            } catch (KeeperException.NodeExistsException raced) {
                zk.setData().forPath(path, data);
            }
        }
    }

    /** Creates or replaces this session's ephemeral node. */
    void putEphemeral(String path, Map<String, String> values) throws Exception {
        byte[] data = encode(values);
        try {
            zk.setData().forPath(path, data);
        } catch (KeeperException.NoNodeException e) {
            zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(path, data);
        }
    }

    /** The leader lease's holder and its session, null when nobody holds it. */
    public record Lease(String holder, long sessionId) {
    }

    public Lease leader() throws Exception {
        Stat stat = new Stat();
        Map<String, String> m = read(path("leader"), stat);
        return m == null ? null : new Lease(m.get("name"), stat.getEphemeralOwner());
    }

    public List<Member> members() throws Exception {
        List<Member> out = new ArrayList<>();
        List<String> names;
        try {
            names = zk.getChildren().forPath(path("members"));
        } catch (KeeperException.NoNodeException e) {
            return out;
        }
        for (String n : names) {
            Map<String, String> m = read(path("members/" + n), null);
            if (m != null) {
                out.add(Member.fromMap(m));
            }
        }
        out.sort(java.util.Comparator.comparing(Member::name));
        return out;
    }

    public Member member(String name) throws Exception {
        Map<String, String> m = read(path("members/" + name), null);
        return m == null ? null : Member.fromMap(m);
    }

    public Status status() throws Exception {
        Map<String, String> m = read(path("status"), null);
        return m == null ? null : new Status(m.get("leader"), Integer.parseInt(m.get("timeline")),
                Lsn.parse(m.get("lsn")));
    }

    public SyncSet syncSet() throws Exception {
        Map<String, String> m = read(path("sync"), null);
        if (m == null) {
            return null;
        }
        String names = m.getOrDefault("names", "");
        return new SyncSet(m.get("leader"), Boolean.parseBoolean(m.get("enabled")),
                names.isEmpty() ? List.of() : List.of(names.split(",")));
    }

    /**
     * A switchover or manual failover asked for by walden ha: {@code from} the primary that hands
     * over (empty when none runs), {@code to} the node that takes over; void after {@code deadline}.
     */
    public record Request(String kind, String from, String to, long waitMs, long timeoutMs, boolean force,
                          long deadlineMillis) {
    }

    public void putRequest(Request r) throws Exception {
        try {
            zk.delete().forPath(path("switchover_failed"));
        } catch (KeeperException.NoNodeException e) {
            // no earlier failure
        }
        put(path("switchover"), Map.of("kind", r.kind(), "from", r.from(), "to", r.to(),
                "wait_ms", Long.toString(r.waitMs()), "timeout_ms", Long.toString(r.timeoutMs()),
                "force", Boolean.toString(r.force()), "deadline", Long.toString(r.deadlineMillis())));
    }

    /** The pending request, null when none or when its deadline passed. */
    public Request request() throws Exception {
        Map<String, String> m = read(path("switchover"), null);
        if (m == null) {
            return null;
        }
        Request r = new Request(m.get("kind"), m.getOrDefault("from", ""), m.get("to"),
                Long.parseLong(m.getOrDefault("wait_ms", "10000")), Long.parseLong(m.getOrDefault("timeout_ms", "60000")),
                Boolean.parseBoolean(m.get("force")), Long.parseLong(m.getOrDefault("deadline", "0")));
        return System.currentTimeMillis() > r.deadlineMillis() ? null : r;
    }

    /** The request is done. */
    public void clearRequest() throws Exception {
        try {
            zk.delete().forPath(path("switchover"));
        } catch (KeeperException.NoNodeException e) {
            // done already
        }
    }

    /** The request failed: it is removed and the reason kept for walden ha to report. */
    public void withdrawRequest(String reason) throws Exception {
        clearRequest();
        put(path("switchover_failed"), Map.of("reason", reason, "at", java.time.Instant.now().toString()));
    }

    /** Why the last request failed, null if none did. */
    public String lastRequestFailure() throws Exception {
        Map<String, String> m = read(path("switchover_failed"), null);
        return m == null ? null : m.get("at") + ": " + m.get("reason");
    }

    /** walden ha reinit NODE: the node re-clones itself from the primary at its next start. */
    public void requestReinit(String node) throws Exception {
        put(path("reinit/" + node), Map.of("requested", java.time.Instant.now().toString()));
    }

    public boolean reinitRequested(String node) throws Exception {
        return zk.checkExists().forPath(path("reinit/" + node)) != null;
    }

    public void clearReinit(String node) throws Exception {
        try {
            zk.delete().forPath(path("reinit/" + node));
        } catch (KeeperException.NoNodeException e) {
            // done already
        }
    }

    public boolean paused() throws Exception {
        return zk.checkExists().forPath(path("pause")) != null;
    }

    public void setPaused(boolean pause) throws Exception {
        if (pause) {
            put(path("pause"), Map.of("since", java.time.Instant.now().toString()));
        } else {
            try {
                zk.delete().forPath(path("pause"));
            } catch (KeeperException.NoNodeException e) {
                // not paused
            }
        }
    }

    /** Appends one line to the failover history. */
    public void recordEvent(Map<String, String> event) throws Exception {
        zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath(path("history/event-"), encode(event));
    }

    /** The failover history, oldest first. */
    public List<Map<String, String>> history() throws Exception {
        List<String> names;
        try {
            names = new ArrayList<>(zk.getChildren().forPath(path("history")));
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
        names.sort(null);
        List<Map<String, String>> out = new ArrayList<>();
        for (String n : names) {
            Map<String, String> m = read(path("history/" + n), null);
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }
}
