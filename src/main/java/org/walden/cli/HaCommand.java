package org.walden.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.walden.common.guc.GucServerSettings;
import org.walden.ha.CandidateChoice;
import org.walden.ha.ClusterState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden ha ACTION}: the failover cluster as the coordinator holds it (patronictl's
 * commands). {@code list} prints the members, their roles, timelines and lag; {@code switchover}
 * hands the primary role to a standby with no commit lost (the primary pauses writes until the
 * candidate has them, then gives up the lease); {@code failover --candidate NODE} promotes that
 * node, refused when it may lack acknowledged commits unless {@code --force}; {@code reinit NODE}
 * makes a standby stop, re-clone itself from the primary and start again; {@code pause} /
 * {@code resume} stop and restart automatic actions; {@code history} prints the failovers. The
 * coordinator and cluster come from {@code --coordinator}/{@code --cluster}, or from the
 * walden.ha_* settings of the data directory {@code -D}.
 */
@Command(versionProvider = ToolOptions.Version.class, name = "ha",
        description = "show and steer the automatic-failover cluster: list, history, switchover, failover, reinit, pause, "
                + "resume", sortOptions = false)
final class HaCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "ACTION", description = "list, history, switchover, failover, reinit, pause "
            + "or resume")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NODE", description = "reinit: the standby to re-clone")
    String node;

    @Option(names = {"-D", "--pgdata"}, paramLabel = "DATADIR", description = "a node's data directory, whose "
            + "walden.ha_coordinator and walden.ha_cluster_name are used")
    Path dataDir;

    @Option(names = "--coordinator", paramLabel = "CONNECT", description = "ZooKeeper connect string with chroot")
    String coordinator;

    @Option(names = "--cluster", paramLabel = "NAME", description = "the cluster's name (default: walden)")
    String clusterName;

    @Option(names = "--candidate", paramLabel = "NODE", description = "switchover, failover: the node to promote")
    String candidate;

    @Mixin
    HandOverOptions limits;

    @Option(names = "--force", description = "failover: promote the candidate even if it may lack acknowledged commits")
    boolean force;

    @Mixin
    ToolOptions toolOptions;

    @Override
    public Integer call() throws Exception {
        if (dataDir != null) {
            GucServerSettings s = GucServerSettings.load(dataDir.toAbsolutePath(), Map.of());
            coordinator = coordinator != null ? coordinator : s.getString("walden.ha_coordinator");
            clusterName = clusterName != null ? clusterName : s.getString("walden.ha_cluster_name");
        }
        if (coordinator == null || coordinator.isBlank()) {
            main.err.println("ha: error: no coordinator (--coordinator, or -D with walden.ha_coordinator set)");
            return 1;
        }
        clusterName = clusterName == null ? "walden" : clusterName;
        try (ClusterState cluster = ClusterState.connect(coordinator, clusterName, 10_000)) {
            switch (action) {
                case "list" -> list(cluster);
                case "history" -> history(cluster);
                case "reinit" -> {
                    return reinit(cluster);
                }
                case "switchover", "failover" -> {
                    return handOver(cluster, action.equals("failover"));
                }
                case "pause" -> {
                    cluster.setPaused(true);
                    main.out.println("Success: cluster management is paused");
                }
                case "resume" -> {
                    cluster.setPaused(false);
                    main.out.println("Success: cluster management is resumed");
                }
                default -> {
                    main.err.println("ha: error: unknown action \"" + action + "\"; try list, history, pause, resume");
                    return 1;
                }
            }
        } catch (IllegalStateException e) {
            main.err.println("ha: error: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    /**
     * Asks the agents for a switchover or failover through the coordinator and waits until the
     * candidate holds the lease as a primary.
     */
    private int handOver(ClusterState cluster, boolean failover) throws Exception {
        String kind = failover ? "failover" : "switchover";
        ClusterState.Lease lease = cluster.leader();
        if (!failover && lease == null) {
            main.err.println("ha: error: no primary holds the leader lease; use walden ha failover --candidate NODE");
            return 1;
        }
        if (failover && candidate == null) {
            main.err.println("ha: error: failover needs --candidate NODE");
            return 1;
        }
        List<ClusterState.Member> members = cluster.members();
        ClusterState.Status status = cluster.status();
        ClusterState.SyncSet sync = cluster.syncSet();
        List<ClusterState.Member> standbys = members.stream().filter(m -> !m.primary()).toList();
        if (candidate != null) {
            standbys = standbys.stream().filter(m -> m.name().equals(candidate)).toList();
            if (standbys.isEmpty()) {
                main.err.println("ha: error: \"" + candidate + "\" is not a running standby of the cluster");
                return 1;
            }
        }
        CandidateChoice.Choice choice = CandidateChoice.choose(standbys, status, sync, failover ? 0 : Long.MAX_VALUE);
        if (choice.candidate() == null && (!failover || !force)) {
            main.err.println("ha: error: no eligible candidate: " + choice.reason()
                    + (failover ? "; promoting it may lose acknowledged commits (--force to do it anyway)" : ""));
            return 1;
        }
        String to = choice.candidate() != null ? choice.candidate().name() : candidate;
        String from = lease == null ? "" : lease.holder();
        long started = System.currentTimeMillis();
        cluster.putRequest(new ClusterState.Request(kind, from, to, limits.waitSeconds * 1000L,
                limits.timeoutSeconds * 1000L, force, started + limits.timeoutSeconds * 1000L));
        main.out.println("ha: " + kind + " from " + (from.isEmpty() ? "(no primary)" : from) + " to " + to);
        while (System.currentTimeMillis() < started + limits.timeoutSeconds * 1000L) {
            ClusterState.Lease now = cluster.leader();
            ClusterState.Member m = cluster.member(to);
            if (now != null && now.holder().equals(to) && m != null && m.primary()) {
                main.out.println("ha: " + to + " is the primary (" + (System.currentTimeMillis() - started) + " ms)");
                list(cluster);
                return 0;
            }
            if (cluster.request() == null && (now == null || !now.holder().equals(to))) {
                String failure = cluster.lastRequestFailure();
                if (failure != null) {
                    main.err.println("ha: error: " + kind + " failed: " + failure);
                    return 1;
                }
            }
            Thread.sleep(50);
        }
        cluster.clearRequest();
        main.err.println("ha: error: " + to + " did not become the primary within " + limits.timeoutSeconds + " s");
        return 1;
    }

    /** walden ha reinit NODE: asks the standby to re-clone itself; waits until it streams again. */
    private int reinit(ClusterState cluster) throws Exception {
        ClusterState.Lease lease = cluster.leader();
        ClusterState.Member m = node == null ? null : cluster.member(node);
        if (m == null || m.primary() || (lease != null && lease.holder().equals(node))) {
            main.err.println("ha: error: reinit needs the name of a running standby");
            return 1;
        }
        long deadline = System.currentTimeMillis() + limits.timeoutSeconds * 1000L;
        cluster.requestReinit(node);
        main.out.println("ha: re-cloning " + node + " from " + (lease == null ? "the primary" : lease.holder()));
        while (System.currentTimeMillis() < deadline) {
            ClusterState.Member now = cluster.member(node);
            if (!cluster.reinitRequested(node) && now != null && "streaming".equals(now.state())) {
                main.out.println("ha: " + node + " was re-cloned and streams");
                return 0;
            }
            Thread.sleep(100);
        }
        main.err.println("ha: error: " + node + " did not stream again within " + limits.timeoutSeconds + " s");
        return 1;
    }

    /** patronictl list: Member | Host | Role | State | TL | Lag in MB. */
    private void list(ClusterState cluster) throws Exception {
        ClusterState.Lease lease = cluster.leader();
        ClusterState.Status st = cluster.status();
        ClusterState.SyncSet sync = cluster.syncSet();
        List<String[]> rows = new ArrayList<>();
        for (ClusterState.Member m : cluster.members()) {
            String role = m.primary() ? (lease != null && lease.holder().equals(m.name()) ? "Leader" : "Primary")
                    : sync != null && sync.enabled() && sync.names().contains(m.name()) ? "Sync Standby" : "Replica";
            String lag = m.primary() || st == null ? "" : Long.toString(Math.max(0, st.lsn().minus(m.lsn())) / 1_048_576);
            rows.add(new String[] {m.name(), m.host() + ":" + m.port(), role, m.state(), Integer.toString(m.timeline()),
                    lag});
        }
        main.out.println("+ Cluster: " + clusterName + (cluster.paused() ? " (paused)" : "") + " +");
        Table.print(main.out, List.of("Member", "Host", "Role", "State", "TL", "Lag in MB"), rows);
    }

    private void history(ClusterState cluster) throws Exception {
        List<String[]> rows = new ArrayList<>();
        for (Map<String, String> e : cluster.history()) {
            rows.add(new String[] {e.getOrDefault("at", ""), e.getOrDefault("kind", ""), e.getOrDefault("from", ""),
                    e.getOrDefault("to", ""), e.getOrDefault("lsn", "")});
        }
        Table.print(main.out, List.of("At", "Kind", "From", "To", "LSN"), rows);
    }
}
