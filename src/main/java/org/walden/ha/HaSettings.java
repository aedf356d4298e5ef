package org.walden.ha;

import org.walden.common.guc.GucServerSettings;

/**
 * The walden.ha_* settings of one node, read at server start (the coordinator, the cluster and
 * the node's name) and at each reload (priority, lag limit, synchronous mode).
 *
 * @param coordinator       ZooKeeper connect string with its chroot; empty: automatic failover is off
 * @param clusterName       the cluster's path under the chroot
 * @param nodeName          this node's name (and its application_name as a standby)
 * @param sessionTimeoutMs  the ZooKeeper session timeout
 * @param priority          preference among equal candidates; 0 = never promoted
 * @param maximumLagBytes   without synchronous replication, how far behind a candidate may be
 * @param apiPort           the HTTP endpoint's port, 0 for none
 * @param synchronousMode   the primary's agent sets synchronous_standby_names (walden.ha_synchronous_mode)
 * @param synchronousCount  how many synchronous standbys it chooses then
 */
public record HaSettings(String coordinator, String clusterName, String nodeName, int sessionTimeoutMs, int priority,
                         long maximumLagBytes, int apiPort, boolean synchronousMode, int synchronousCount) {

    public static HaSettings of(GucServerSettings s) {
        String node = s.getString("walden.ha_node_name");
        if (node == null || node.isBlank()) {
            node = s.getString("cluster_name");
        }
        return new HaSettings(nullToEmpty(s.getString("walden.ha_coordinator")).strip(),
                s.getString("walden.ha_cluster_name"), nullToEmpty(node), s.getInt("walden.ha_session_timeout"),
                s.getInt("walden.ha_failover_priority"), s.getBytes("walden.ha_maximum_lag_on_failover"),
                s.getInt("walden.ha_api_port"), s.getBool("walden.ha_synchronous_mode"),
                s.getInt("walden.ha_synchronous_node_count"));
    }

    public boolean enabled() {
        return !coordinator.isEmpty();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
