package org.walden.ha;

import java.util.Comparator;
import java.util.List;

/**
 * Which standby replaces a lost primary; every standby computes it from the same published state,
 * and only the one chosen tries to take the lease (ZooKeeper lets one create it).
 *
 * <p>Eligible: a standby (a live member) with a priority above 0 on the last primary's
 * timeline; with synchronous replication, only one in the leader's published synchronous set
 * (each of them confirmed every acknowledged commit; an empty set elects nobody); without it, only one within
 * walden.ha_maximum_lag_on_failover of the primary's last published position. Among the
 * eligible: the most advanced (received WAL), then the highest priority, then the name.
 */
public final class CandidateChoice {

    public record Choice(ClusterState.Member candidate, String reason) {
    }

    private CandidateChoice() {
    }

    public static Choice choose(List<ClusterState.Member> members, ClusterState.Status status,
                                ClusterState.SyncSet sync, long maximumLagBytes) {
        if (status == null) {
            return new Choice(null, "no primary has published its position yet");
        }
        boolean syncRule = sync != null && sync.enabled() && sync.leader().equals(status.leader());
        if (syncRule && sync.names().isEmpty()) {
            return new Choice(null, "synchronous replication is on and its published set is empty: no standby is "
                    + "known to hold every acknowledged commit");
        }
        ClusterState.Member best = null;
        StringBuilder refused = new StringBuilder();
        for (ClusterState.Member m : members) {
            String why = ineligible(m, status, sync, syncRule, maximumLagBytes);
            if (why != null) {
                refused.append(refused.isEmpty() ? "" : "; ").append(m.name()).append(": ").append(why);
                continue;
            }
            if (best == null || ORDER.compare(m, best) > 0) {
                best = m;
            }
        }
        if (best == null) {
            return new Choice(null, refused.isEmpty() ? "no standby" : refused.toString());
        }
        return new Choice(best, "most advanced eligible standby " + best.name() + " at " + best.lsn()
                + (syncRule ? " (synchronous)" : ", lag " + Math.max(0, status.lsn().minus(best.lsn())) + " bytes"));
    }

    private static final Comparator<ClusterState.Member> ORDER = Comparator
            .comparing(ClusterState.Member::lsn)
            .thenComparingInt(ClusterState.Member::priority)
            .thenComparing(ClusterState.Member::name, Comparator.reverseOrder());

    private static String ineligible(ClusterState.Member m, ClusterState.Status status, ClusterState.SyncSet sync,
                                     boolean syncRule, long maximumLagBytes) {
        if (m.primary()) {
            return "a primary";
        }
        if (m.priority() <= 0) {
            return "failover priority 0";
        }
        if (m.timeline() != status.timeline()) {
            return "on timeline " + m.timeline() + ", the primary was on " + status.timeline();
        }
        if (syncRule) {
            return sync.names().contains(m.name()) ? null : "not in the synchronous set " + sync.names();
        }
        long lag = status.lsn().isAfter(m.lsn()) ? status.lsn().minus(m.lsn()) : 0;
        return lag > maximumLagBytes ? "lags " + lag + " bytes behind " + status.lsn() : null;
    }
}
