package org.walden.ha;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.walden.recovery.Engine;
import org.walden.replication.WalSenderStat;
import org.walden.server.Supervisor;
import org.walden.txn.CommitStats;
import org.walden.wal.Lsn;

/**
 * The node's /metrics in Prometheus text format (Micrometer's Prometheus registry): WAL positions
 * (flushed on a primary; received and replayed on a standby), timeline, each standby's lag and
 * sync state as its primary sees them, replication slots' retained WAL, committed transactions
 * and a histogram of commit latency (the commits since the endpoint started: Prometheus buckets,
 * {@code walden_commit_seconds_bucket}), and the failover state (lease held, fenced, standby).
 * Per-standby and per-slot series are refreshed at each scrape.
 */
final class NodeMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supervisor server;
    private final MultiGauge standbyLag;
    private final MultiGauge standbySync;
    private final MultiGauge slotRetained;

    NodeMetrics(HaAgent agent) {
        this.server = agent.server();
        Engine e = server.engine();
        Gauge.builder("walden_wal_position_bytes", () -> lsn(e.wal() == null ? null : e.wal().flushedLsn()))
                .tag("kind", "flushed").description("WAL flushed by this primary").register(registry);
        Gauge.builder("walden_wal_position_bytes", () -> lsn(e.receiverWriter() == null ? null
                        : e.receiverWriter().flushedLsn())).tag("kind", "received")
                .description("WAL received and flushed by this standby").register(registry);
        Gauge.builder("walden_wal_position_bytes", () -> lsn(e.inRecovery() ? e.lastReplayLsn() : null))
                .tag("kind", "replayed").description("WAL replayed by this standby").register(registry);
        Gauge.builder("walden_timeline", () -> e.timeline().value()).description("current timeline")
                .register(registry);
        Gauge.builder("walden_ha_leader", () -> agent.leader() ? 1 : 0)
                .description("1 while this node holds the leader lease").register(registry);
        Gauge.builder("walden_ha_fenced", () -> e.writeGate().whyNotAcknowledgeable() != null ? 1 : 0)
                .description("1 while this node may not acknowledge writes").register(registry);
        Gauge.builder("walden_ha_standby", () -> e.inRecovery() ? 1 : 0)
                .description("1 on a standby").register(registry);
        CommitStats stats = e.commitStats();
        FunctionCounter.builder("walden_commits", stats, CommitStats::commits)
                .description("committed write transactions").register(registry);
        Timer commitTime = Timer.builder("walden_commit").description("time from COMMIT to its acknowledgement")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        stats.observe(nanos -> commitTime.record(nanos, TimeUnit.NANOSECONDS));
        standbyLag = MultiGauge.builder("walden_replication_lag_bytes")
                .description("WAL a standby has not replayed yet, as its primary sees it").register(registry);
        standbySync = MultiGauge.builder("walden_replication_sync")
                .description("1 for a synchronous (or quorum) standby").register(registry);
        slotRetained = MultiGauge.builder("walden_replication_slot_retained_bytes")
                .description("WAL a replication slot holds back").register(registry);
    }

    private static double lsn(Lsn l) {
        return l == null || !l.isValid() ? Double.NaN : (double) l.value();
    }

    /** The Prometheus text exposition, after refreshing the per-standby and per-slot series. */
    String scrape() {
        Engine e = server.engine();
        List<MultiGauge.Row<?>> lag = new ArrayList<>();
        List<MultiGauge.Row<?>> sync = new ArrayList<>();
        if (e.wal() != null) {
            Lsn flushed = e.wal().flushedLsn();
            for (WalSenderStat w : server.walSenders()) {
                Tags tags = Tags.of("application_name", w.applicationName() == null ? "" : w.applicationName());
                Lsn replay = w.replayLsn();
                lag.add(MultiGauge.Row.of(tags, replay == null || !replay.isValid() ? Double.NaN
                        : (double) Math.max(0, flushed.minus(replay))));
                sync.add(MultiGauge.Row.of(tags, "sync".equals(w.syncState()) || "quorum".equals(w.syncState()) ? 1 : 0));
            }
        }
        standbyLag.register(lag, true);
        standbySync.register(sync, true);
        List<MultiGauge.Row<?>> slots = new ArrayList<>();
        for (Map.Entry<String, Long> s : server.slotRetainedBytes().entrySet()) {
            slots.add(MultiGauge.Row.of(Tags.of("slot_name", s.getKey()), s.getValue()));
        }
        slotRetained.register(slots, true);
        return registry.scrape();
    }
}
