package org.walden.ha;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.walden.common.guc.AutoConfFile;
import org.walden.protocol.ConnInfo;
import org.walden.recovery.Engine;
import org.walden.recovery.Timelines;
import org.walden.replication.SyncRep;
import org.walden.replication.WalSenderStat;
import org.walden.server.Postmaster;
import org.walden.server.Supervisor;
import org.walden.server.logging.PgLog;
import org.walden.txn.WriteGate;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * The automatic-failover agent of one running server: Patroni's loop, inside the server.
 *
 * <p>Life story: {@code walden postgres} starts it right after the {@link Supervisor} when
 * walden.ha_coordinator is set (the server starts fenced: it acknowledges nothing yet). It opens
 * a ZooKeeper session through Curator and runs one loop every {@link #loopMs} (a sixth of the
 * session timeout, at most 250 ms). Each turn publishes this node's member record, then:
 * <ul>
 * <li><b>as a primary</b>: takes the leader lease (an ephemeral node, so it ends with the session)
 * when nobody holds it and the last published state says this node may lead; renews the lease
 * in the write gate after each successful round trip ({@link #renewLease}); publishes the
 * primary's position and its synchronous set. If another node holds the lease, it demotes.</li>
 * <li><b>as a standby</b>: follows the lease holder (primary_conninfo, reloaded); when the lease
 * is gone — which happens only once the old primary's session has expired — it waits one turn
 * for the other standbys' last positions, computes the candidate ({@link CandidateChoice}) and,
 * if it is this node, takes the lease and promotes itself.</li>
 * </ul>
 * Connection events: SUSPENDED fences writes at once; RECONNECTED lifts the fence when the
 * lease still belongs to this session, else demotes; LOST demotes. Demotion ends the server
 * (waiting commits get 57P01); {@code walden postgres} then rejoins it as a standby
 * ({@link Rejoin}); so is a standby that diverged from the new primary's timeline, after a
 * rewind. {@link #close} ends the session (the lease goes with it).
 */
public final class HaAgent implements AutoCloseable {

    private static final String FENCED_NO_COORDINATOR =
            "This server lost its connection to the failover coordinator: it may no longer be the primary.";

    private final Supervisor server;
    /** Re-read at each reload (priority and lag limit change then; the rest needs a restart). */
    private volatile HaSettings cfg;
    private final CuratorFramework zk;
    private final ClusterState cluster;
    private final long loopMs;
    private final Thread loop;
    /** Renews the lease every twentieth of the session timeout, apart from the loop's slower work. */
    private final Thread heartbeat;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean leader;
    private volatile boolean demoted;
    /** walden ha reinit asked this standby to stop and re-clone itself. */
    private volatile boolean reinitWanted;
    /** This standby diverged from the lease holder's timeline and stopped to be rewound. */
    private volatile boolean rewindWanted;
    private volatile String role = "starting";
    /**
     * The synchronous set as published in ZooKeeper in this leader's term: every one of them has
     * confirmed every acknowledged commit (the guard SyncRep asks). Empty: nothing is released.
     */
    private volatile Set<String> publishedSync = Set.of();
    /** The synchronous_standby_names this agent last set (walden.ha_synchronous_mode). */
    private String managedStandbyNames;
    /** When this standby first saw no lease holder (nanoTime), 0 while one holds it. */
    private long leaderMissingSince;
    private String followed;
    private HttpEndpoint http;

    private HaAgent(Supervisor server, HaSettings cfg) {
        this.server = server;
        this.cfg = cfg;
        this.zk = Coordinators.connect(cfg);
        this.cluster = new ClusterState(zk, cfg.clusterName());
        this.loopMs = Math.min(250, cfg.sessionTimeoutMs() / 6);
        this.loop = Thread.ofPlatform().name("ha-agent").daemon(true).unstarted(this::run);
        this.heartbeat = Thread.ofPlatform().name("ha-lease").daemon(true).unstarted(this::renewWhileLeader);
    }

    /** Starts the agent of {@code server} when walden.ha_coordinator is set; null otherwise. */
    public static HaAgent startIfConfigured(Supervisor server) {
        HaSettings cfg = HaSettings.of(server.settings());
        if (!cfg.enabled()) {
            return null;
        }
        HaAgent agent = new HaAgent(server, cfg);
        agent.start();
        return agent;
    }

    private void start() {
        server.settings().addReloadListener(() -> cfg = HaSettings.of(server.settings()));
        zk.getConnectionStateListenable().addListener((client, state) -> connectionChanged(state));
        zk.start();
        if (cfg.apiPort() > 0) {
            try {
                http = HttpEndpoint.start(this, cfg.apiPort());
            } catch (IOException e) {
                PgLog.warning("could not start the HA endpoint on port %d: %s", cfg.apiPort(), e.getMessage());
            }
        }
        PgLog.log("automatic failover: node \"%s\" of cluster \"%s\", coordinator %s", cfg.nodeName(),
                cfg.clusterName(), cfg.coordinator());
        loop.start();
        heartbeat.start();
    }

    /** True when the server stopped to be re-cloned from the primary (walden ha reinit). */
    public boolean reinitWanted() {
        return reinitWanted;
    }

    /** True when this standby stopped to be rewound to the lease holder (it diverged from its timeline). */
    public boolean rewindWanted() {
        return rewindWanted;
    }

    /** True once this server gave up the primary role because it lost the lease. */
    public boolean demoted() {
        return demoted;
    }

    public boolean leader() {
        return leader;
    }

    public String role() {
        return role;
    }

    Supervisor server() {
        return server;
    }

    HaSettings settings() {
        return cfg;
    }

    ClusterState cluster() {
        return cluster;
    }

    private WriteGate gate() {
        return server.engine().writeGate();
    }

    // ------------------------------------------------------------------ the loop

    private void run() {
        while (!closed.get()) {
            long sentAt = System.nanoTime();
            try {
                if (zk.getZookeeperClient().isConnected()) {
                    turn(sentAt);
                }
            } catch (KeeperException.ConnectionLossException | KeeperException.SessionExpiredException e) {
                // the connection listener fences and demotes
            } catch (Exception e) {
                if (!closed.get()) {
                    PgLog.warning("automatic failover: %s", e.getMessage() != null ? e.getMessage() : e.toString());
                }
            }
            sleep(loopMs);
        }
    }

    /** The lease's heartbeat: a round trip that finds the lease still this session's renews it. */
    private void renewWhileLeader() {
        long interval = Math.max(20, cfg.sessionTimeoutMs() / 20);
        while (!closed.get()) {
            if (leader && !demoted && zk.getZookeeperClient().isConnected()) {
                long sentAt = System.nanoTime();
                try {
                    org.apache.zookeeper.data.Stat stat = zk.checkExists().forPath(cluster.path("leader"));
                    if (stat != null && stat.getEphemeralOwner() == sessionId()) {
                        renewLease(sentAt);
                    }
                } catch (Exception e) {
                    // not renewed: the lease runs out by itself
                }
            }
            sleep(interval);
        }
    }

    private void turn(long sentAt) throws Exception {
        Engine engine = server.engine();
        boolean standby = engine.inRecovery();
        ClusterState.Lease lease = cluster.leader();
        publishMember(standby);
        if (standby) {
            standbyTurn(lease);
        } else {
            primaryTurn(lease, sentAt);
        }
    }

    private void primaryTurn(ClusterState.Lease lease, long sentAt) throws Exception {
        role = "primary";
        long session = sessionId();
        if (lease != null && lease.sessionId() != session) {
            if (!lease.holder().equals(cfg.nodeName()) || leader) {
                demote("node \"" + lease.holder() + "\" holds the leader lease");
                return;
            }
            return; // our own lease of an earlier session (a restart): it expires soon
        }
        if (lease == null) {
            if (leader) {
                demote("the leader lease disappeared");
                return;
            }
            if (!mayTakeLeadAsPrimary() || !takeLease()) {
                return;
            }
            PgLog.log("automatic failover: this server holds the leader lease");
        }
        if (!leader) {
            leader = true;
            publishedSync = Set.of();
            installSyncGuard();
        }
        renewLease(sentAt);
        gate().unfence();
        publishStatus();
        if (cfg.synchronousMode()) {
            chooseSynchronousStandbys();
        }
        publishSyncSet();
        ClusterState.Request request = cluster.request();
        if (request != null && cfg.nodeName().equals(request.from()) && !cfg.nodeName().equals(request.to())) {
            handOver(request);
        }
    }

    /**
     * A planned switchover (walden ha switchover, or ha failover while this primary runs), as
     * walden switchover does it: writes paused (running ones get the request's wait, then end),
     * the candidate has received the last position (unless forced), then this server gives up
     * the lease at once — the candidate needs not wait for a session to expire — and demotes.
     * A failure before that resumes writes and withdraws the request.
     */
    private void handOver(ClusterState.Request request) throws Exception {
        PgLog.log("automatic failover: switchover to \"%s\" requested; pausing writes", request.to());
        HandOver.Primary self = new HandOver.Primary() {
            @Override
            public Lsn pauseWrites(long waitMs) {
                return server.pauseWrites(waitMs);
            }

            @Override
            public void resumeWrites() {
                server.resumeWrites();
            }
        };
        try {
            HandOver.pauseUntilCaughtUp(self, last -> {
                ClusterState.Member c = cluster.member(request.to());
                if (c == null) {
                    throw new IllegalStateException("the candidate \"" + request.to() + "\" is gone");
                }
                return !c.lsn().isBefore(last);
            }, "receive", request.waitMs(), request.timeoutMs(), request.force());
        } catch (HandOver.Failure e) {
            cluster.withdrawRequest(e.getMessage() + (e.writesResumed() ? "; writes resumed" : ""));
            return;
        }
        demote("switchover to \"" + request.to() + "\"", true);
    }

    /**
     * A primary that finds no lease holder may take the lease only if it was the last published
     * primary on its timeline (or nothing was published): a node promoted since must not be
     * overtaken by an old primary that was restarted without rejoining.
     */
    private boolean mayTakeLeadAsPrimary() throws Exception {
        ClusterState.Request request = cluster.request();
        if (request != null && !request.to().equals(cfg.nodeName())) {
            return false; // a switchover to another node is under way
        }
        ClusterState.Status st = cluster.status();
        int tl = server.engine().timeline().value();
        if (st == null || tl > st.timeline() || (st.leader().equals(cfg.nodeName()) && tl == st.timeline())) {
            return true;
        }
        PgLog.warning("automatic failover: not taking the leader lease: node \"%s\" was the primary on timeline %d",
                st.leader(), st.timeline());
        return false;
    }

    private boolean takeLease() throws Exception {
        try {
            zk.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                    .forPath(cluster.path("leader"), ClusterState.encode(Map.of("name", cfg.nodeName(),
                            "since", Instant.now().toString())));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return false;
        }
    }

    /**
     * The lease is held at least until the server could expire the session: a reply to a request
     * sent at {@code sentAt} proves the session alive then, and ZooKeeper expires it no earlier
     * than a session timeout later. Half of it is the margin for clock rates and delivery.
     */
    private void renewLease(long sentAt) {
        gate().renewLease(sentAt + TimeUnit.MILLISECONDS.toNanos(cfg.sessionTimeoutMs() / 2));
    }

    private void publishStatus() throws Exception {
        Engine e = server.engine();
        if (e.wal() == null) {
            return;
        }
        cluster.put(cluster.path("status"), Map.of("leader", cfg.nodeName(), "timeline",
                Integer.toString(e.timeline().value()), "lsn", e.wal().flushedLsn().toString()));
    }

    private void installSyncGuard() {
        SyncRep rep = server.syncRep();
        if (rep != null) {
            rep.setSyncSetGuard(() -> publishedSync);
        }
    }

    /**
     * Keeps the published synchronous set, in ZooKeeper before the guard uses it: the standbys
     * synchronous now that are in it already, or have confirmed everything released so far (so
     * each member holds every acknowledged commit). One that stopped being synchronous, or
     * died, leaves it (always safe: fewer candidates); a new one joins once caught up, and until
     * then the guard releases nothing it has not confirmed.
     */
    private void publishSyncSet() throws Exception {
        SyncRep rep = server.syncRep();
        boolean enabled = rep != null && rep.config() != null;
        Set<String> next = new TreeSet<>();
        if (enabled) {
            Lsn released = rep.releasedUpTo();
            rep.synchronousFlushed().forEach((name, flushed) -> {
                if (publishedSync.contains(name) || !flushed.isBefore(released)) {
                    next.add(name);
                }
            });
        }
        ClusterState.SyncSet current = cluster.syncSet();
        boolean same = current != null && current.leader().equals(cfg.nodeName()) && current.enabled() == enabled
                && Set.copyOf(current.names()).equals(next);
        if (!same) {
            cluster.put(cluster.path("sync"), Map.of("leader", cfg.nodeName(), "enabled", Boolean.toString(enabled),
                    "names", String.join(",", next)));
        }
        if (!next.equals(publishedSync)) {
            publishedSync = Set.copyOf(next);
            if (rep != null) {
                rep.releaseWaiters();
            }
        }
    }

    /**
     * walden.ha_synchronous_mode (Patroni's synchronous_mode): this primary sets
     * synchronous_standby_names itself (postgresql.auto.conf, reloaded) to
     * walden.ha_synchronous_node_count healthy standbys — streaming members with a failover
     * priority above 0, those chosen before first, then the most advanced. A standby it names
     * counts for commits only once {@link #publishSyncSet} published it. With no healthy standby
     * the names stay, or become '*' when empty (a node being promoted): commits wait rather
     * than go unreplicated (Patroni's synchronous_mode_strict).
     */
    private void chooseSynchronousStandbys() throws Exception {
        SyncRep rep = server.syncRep(); // null on a standby being promoted
        Map<String, ClusterState.Member> members = new TreeMap<>();
        cluster.members().forEach(m -> members.put(m.name(), m));
        List<WalSenderStat> healthy = server.walSenders().stream()
                .filter(w -> "streaming".equals(w.state()) && w.applicationName() != null
                        && members.containsKey(w.applicationName()) && members.get(w.applicationName()).priority() > 0)
                .sorted(Comparator.comparing(WalSenderStat::flushLsn, Comparator.nullsFirst(Comparator.naturalOrder()))
                        .reversed())
                .toList();
        List<String> before = rep == null || rep.config() == null ? List.of() : rep.config().names();
        List<String> chosen = new ArrayList<>();
        for (String name : before) {
            boolean streaming = healthy.stream().anyMatch(w -> w.applicationName().equals(name));
            if (chosen.size() < cfg.synchronousCount() && streaming) {
                chosen.add(name);
            }
        }
        for (WalSenderStat w : healthy) {
            if (chosen.size() < cfg.synchronousCount() && !chosen.contains(w.applicationName())) {
                chosen.add(w.applicationName());
            }
        }
        String current = server.settings().getString("synchronous_standby_names");
        if (chosen.isEmpty() && current != null && !current.isBlank()) {
            return;
        }
        String wanted = chosen.isEmpty() ? "*" : "FIRST " + chosen.size() + " (" + String.join(", ", chosen.stream()
                .map(n -> "\"" + n.replace("\"", "\"\"") + "\"").toList()) + ")";
        if (wanted.equals(managedStandbyNames) || wanted.equals(current)) {
            return;
        }
        managedStandbyNames = wanted;
        PgLog.log("automatic failover: synchronous standbys now %s", String.join(", ", chosen));
        AutoConfFile.set(server.dataDir(), "synchronous_standby_names", wanted);
        server.reload();
    }

    private void standbyTurn(ClusterState.Lease lease) throws Exception {
        role = "standby";
        if (!reinitWanted && lease != null && cluster.reinitRequested(cfg.nodeName())) {
            reinitWanted = true;
            PgLog.log("automatic failover: re-cloning this standby from \"%s\" (walden ha reinit)", lease.holder());
            server.requestShutdown(Postmaster.ShutdownMode.FAST);
            return;
        }
        if (lease != null) {
            leaderMissingSince = 0;
            if (!lease.holder().equals(cfg.nodeName())) {
                follow(lease.holder());
                rewindIfDiverged(cluster.member(lease.holder()));
            }
            return;
        }
        ClusterState.Request request = cluster.request();
        if (request != null) {
            if (request.to().equals(cfg.nodeName()) && takeLease()) {
                promoteSelf(request.kind(), "requested by walden ha " + request.kind(), cluster.member(cfg.nodeName()));
            }
            return; // another node was asked to take over
        }
        if (cfg.priority() == 0 || cluster.paused() || lastPrimaryIsAlive()) {
            return;
        }
        long now = System.nanoTime();
        if (leaderMissingSince == 0) {
            leaderMissingSince = now; // one more turn: the other standbys publish their last positions
            return;
        }
        if (now - leaderMissingSince < TimeUnit.MILLISECONDS.toNanos(loopMs)) {
            return;
        }
        CandidateChoice.Choice choice = CandidateChoice.choose(cluster.members(), cluster.status(),
                cluster.syncSet(), cfg.maximumLagBytes());
        if (choice.candidate() == null) {
            PgLog.warning("automatic failover: no candidate: %s", choice.reason());
            leaderMissingSince = now;
            return;
        }
        if (choice.candidate().name().equals(cfg.nodeName()) && takeLease()) {
            promoteSelf("failover", choice.reason(), choice.candidate());
        }
    }

    /**
     * The last primary's member record is there (its session lives) and it is still a primary
     * on its timeline: it lost only the lease (the coordinator restarted) and takes it back.
     */
    private boolean lastPrimaryIsAlive() throws Exception {
        ClusterState.Status st = cluster.status();
        ClusterState.Member last = st == null ? null : cluster.member(st.leader());
        return last != null && last.primary() && last.timeline() == st.timeline();
    }

    private void promoteSelf(String kind, String why, ClusterState.Member me) throws Exception {
        ClusterState.Status st = cluster.status();
        PgLog.log("automatic failover: promoting this standby (%s)", why);
        leader = true;
        publishedSync = Set.of();
        renewLease(System.nanoTime());
        gate().unfence();
        Map<String, String> event = new TreeMap<>();
        event.put("kind", kind);
        event.put("at", Instant.now().toString());
        event.put("from", st == null ? "" : st.leader());
        event.put("to", cfg.nodeName());
        event.put("lsn", me == null ? "" : me.lsn().toString());
        cluster.recordEvent(event);
        if (cfg.synchronousMode()) {
            chooseSynchronousStandbys(); // no commit of the new term is acknowledged unreplicated
        }
        server.promote();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (server.engine().inRecovery() && System.nanoTime() < deadline) {
            sleep(10);
        }
        installSyncGuard();
        cluster.clearRequest();
    }

    /** Points primary_conninfo at the lease holder (a reload restarts the walreceiver when it changed). */
    private void follow(String holder) throws Exception {
        ClusterState.Member m = cluster.member(holder);
        if (m == null) {
            return;
        }
        String wanted = Rejoin.primaryConninfo(server.settings().getString("primary_conninfo"), m, cfg.nodeName());
        if (holder.equals(followed) && wanted.equals(server.settings().getString("primary_conninfo"))) {
            return;
        }
        if (!wanted.equals(server.settings().getString("primary_conninfo"))) {
            PgLog.log("automatic failover: following the new primary \"%s\"", holder);
            AutoConfFile.set(server.dataDir(), "primary_conninfo", wanted);
            server.reload();
        }
        followed = holder;
    }

    /**
     * A running standby that replayed past the point where the lease holder's timeline forked
     * from its own (it followed an old primary further than the promoted node had received)
     * cannot stream from the holder: it stops, and walden postgres rewinds it to the holder
     * ({@link Rejoin}) and starts it again as its standby. The holder's history file is the one
     * the walreceiver fetched when it connected.
     */
    private void rewindIfDiverged(ClusterState.Member holder) {
        Engine e = server.engine();
        TimelineId mine = e.timeline();
        if (rewindWanted || holder == null || holder.timeline() <= mine.value()) {
            return;
        }
        Timelines timelines = new Timelines(server.dataDir().resolve("pg_wal"));
        TimelineId theirs = new TimelineId(holder.timeline());
        Lsn replayed = e.lastReplayLsn();
        if (replayed == null || !timelines.exists(theirs) || timelines.history(theirs).includes(mine, replayed)) {
            return;
        }
        rewindWanted = true;
        PgLog.log("automatic failover: this standby replayed timeline %d up to %s, past where timeline %d of \"%s\" "
                + "forked from it; rewinding", mine.value(), replayed, holder.timeline(), holder.name());
        server.requestShutdown(Postmaster.ShutdownMode.FAST);
    }

    private void publishMember(boolean standby) throws Exception {
        Engine e = server.engine();
        Lsn lsn;
        Lsn replay;
        String state;
        String upstream = "";
        if (standby) {
            replay = e.lastReplayLsn();
            Lsn received = e.receiverWriter() == null ? Lsn.INVALID : e.receiverWriter().flushedLsn();
            lsn = Lsn.max(replay, received == null ? Lsn.INVALID : received);
            state = server.walReceiverState() == null ? "in archive recovery" : server.walReceiverState();
            String conninfo = server.settings().getString("primary_conninfo");
            if (conninfo != null && !conninfo.isBlank()) {
                ConnInfo ci = ConnInfo.parse(conninfo);
                upstream = ci.get("host") + ":" + ci.get("port");
            }
        } else {
            lsn = e.wal() == null ? Lsn.INVALID : e.wal().flushedLsn();
            replay = lsn;
            state = gate().whyNotAcknowledgeable() == null ? "running" : "fenced";
        }
        String host = Rejoin.listenHost(server.settings());
        cluster.putEphemeral(cluster.path("members/" + cfg.nodeName()), new ClusterState.Member(cfg.nodeName(),
                standby ? "replica" : "primary", e.timeline().value(), lsn, replay, host,
                server.settings().getInt("port"), cfg.priority(), upstream, state,
                http == null ? "" : host + ":" + http.port()).toMap());
    }

    // ------------------------------------------------------------------ connection events

    private void connectionChanged(ConnectionState state) {
        switch (state) {
            case SUSPENDED -> {
                if (leader) {
                    gate().fence(FENCED_NO_COORDINATOR);
                    PgLog.warning("automatic failover: connection to the coordinator suspended; writes fenced");
                }
            }
            case RECONNECTED -> {
                if (leader) {
                    Thread.ofVirtual().start(this::checkLeaseAfterReconnect);
                }
            }
            case LOST -> {
                if (leader) {
                    demote("the coordinator session expired");
                }
            }
            default -> {
            }
        }
    }

    private void checkLeaseAfterReconnect() {
        try {
            ClusterState.Lease lease = cluster.leader();
            if (lease != null && lease.sessionId() == sessionId()) {
                renewLease(System.nanoTime());
                gate().unfence();
                PgLog.log("automatic failover: reconnected to the coordinator; this server still holds the lease");
            } else {
                demote("the leader lease was lost while disconnected");
            }
        } catch (Exception e) {
            // still disconnected: stay fenced; LOST follows if the session expires
        }
    }

    private long sessionId() throws Exception {
        return zk.getZookeeperClient().getZooKeeper().getSessionId();
    }

    /**
     * The lease is gone for good: no commit waiting for it is acknowledged (57P01), and the server
     * stops; walden postgres rejoins it as a standby.
     */
    private void demote(String why) {
        demote(why, false);
    }

    private synchronized void demote(String why, boolean releaseLease) {
        if (demoted) {
            return;
        }
        demoted = true;
        leader = false;
        role = "demoted";
        PgLog.warning("automatic failover: demoting this primary: %s", why);
        gate().demote("This server is no longer the primary: " + why + ".");
        if (releaseLease) {
            try {
                zk.delete().guaranteed().forPath(cluster.path("leader"));
            } catch (Exception e) {
                // the session's end removes it
            }
        }
        server.requestShutdown(Postmaster.ShutdownMode.FAST);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        loop.interrupt();
        heartbeat.interrupt();
        try {
            loop.join(5_000);
            heartbeat.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (http != null) {
            http.stop();
        }
        zk.close();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
