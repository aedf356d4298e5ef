package org.walden.ha;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryForever;

/**
 * Curator clients for walden.ha_coordinator. The connect string's chroot ("/walden" in
 * "zk1:2181,zk2:2181/walden") becomes Curator's namespace, which Curator creates when missing
 * (ZooKeeper's own chroot must exist beforehand).
 */
final class Coordinators {

    private Coordinators() {
    }

    /** A client, not started, with the node's session timeout; retries every 100 ms forever. */
    static CuratorFramework connect(HaSettings cfg) {
        return build(cfg.coordinator(), cfg.sessionTimeoutMs());
    }

    static CuratorFramework build(String connect, int sessionTimeoutMs) {
        String hosts = connect;
        String namespace = null;
        int slash = connect.indexOf('/');
        if (slash >= 0) {
            hosts = connect.substring(0, slash);
            String chroot = connect.substring(slash + 1).replaceAll("/+$", "");
            namespace = chroot.isEmpty() ? null : chroot;
        }
        return CuratorFrameworkFactory.builder().connectString(hosts).namespace(namespace)
                .sessionTimeoutMs(sessionTimeoutMs).connectionTimeoutMs(Math.min(sessionTimeoutMs, 3000))
                .retryPolicy(new RetryForever(100)).build();
    }
}
