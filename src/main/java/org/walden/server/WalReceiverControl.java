package org.walden.server;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.guc.GucServerSettings;
import org.walden.recovery.Engine;
import org.walden.replication.WalRcvState;
import org.walden.replication.WalReceiver;
import org.walden.server.logging.PgLog;
import org.walden.wal.Archiver;

/**
 * The standby's walreceiver, as the postmaster keeps one (StartWalReceiver): started with
 * primary_conninfo, stopped at promotion and shutdown, and restarted when a reload changes
 * primary_conninfo or primary_slot_name (PostgreSQL 13+'s StartupRereadConfig: "WAL receiver
 * process shutdown requested"), so a standby can be pointed at another primary — a promoted
 * sibling — without a restart. A reload that sets primary_conninfo on a standby started without
 * one starts a walreceiver.
 *
 * <p>{@code lock} serializes start, reload, promotion and shutdown, and guards {@code thread},
 * {@code config} and {@code stopped}; {@code receiver} is volatile, read by anyone
 * (pg_stat_wal_receiver, the redo loop).
 */
final class WalReceiverControl {

    static final long STOP_TIMEOUT_MS = 10_000;

    private final Engine engine;
    private final GucServerSettings settings;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    /** The running walreceiver (null when none); read by pg_stat_wal_receiver and the redo loop. */
    private volatile WalReceiver receiver;
    private Thread thread;
    private WalReceiver.Config config;
    /** archive_mode = always: fetched history files are archived. */
    private volatile Archiver archiver;
    /** Set at promotion and shutdown: no walreceiver is started any more. */
    private boolean stopped;

    WalReceiverControl(Engine engine, GucServerSettings settings, Clock clock) {
        this.engine = engine;
        this.settings = settings;
        this.clock = clock;
    }

    WalReceiver current() {
        return receiver;
    }

    boolean streaming() {
        WalReceiver r = receiver;
        return r != null && r.state() == WalRcvState.STREAMING;
    }

    void setArchiver(Archiver a) {
        this.archiver = a;
    }

    private WalReceiver.Config configFromSettings() {
        return new WalReceiver.Config(settings.getString("primary_conninfo"), settings.getString("primary_slot_name"),
                settings.getString("cluster_name"), settings.getMillis("wal_receiver_timeout"),
                settings.getMillis("wal_receiver_status_interval"), settings.getMillis("wal_retrieve_retry_interval"),
                ownAddress());
    }

    /**
     * Where this server accepts connections, for its primary to know (walden switchover finds
     * and promotes a standby by it): the first listen address and the port, or ":port" when it
     * listens on every address; null without TCP.
     */
    private String ownAddress() {
        String listen = settings.getString("listen_addresses");
        if (listen == null || listen.isBlank()) {
            return null;
        }
        String first = listen.split(",")[0].strip();
        String port = Integer.toString(settings.getInt("port"));
        if (first.equals("*") || first.equals("0.0.0.0") || first.equals("::")) {
            return ":" + port;
        }
        return (first.contains(":") ? "[" + first + "]" : first) + ":" + port;
    }

    /** Starts the walreceiver when primary_conninfo is set. */
    void startIfConfigured() {
        lock.lock();
        try {
            startLocked();
        } finally {
            lock.unlock();
        }
    }

    private void startLocked() {
        WalReceiver.Config c = configFromSettings();
        config = c;
        if (stopped || c.primaryConninfo() == null || c.primaryConninfo().isBlank()) {
            return;
        }
        WalReceiver r = new WalReceiver(c, new EngineAdapters.EngineWalSink(engine, archiver), clock);
        engine.setReplayCaughtUpListener(r::forceReply);
        r.setPid(ServerStatusView.WALRECEIVER_PID);
        r.setHotStandbyFeedback(() -> settings.getBool("hot_standby_feedback"), engine::standbyFeedbackXmin);
        receiver = r;
        thread = Thread.ofPlatform().name("walreceiver").daemon(true).start(r);
    }

    /** SIGHUP: a changed primary_conninfo or primary_slot_name restarts the walreceiver. */
    void reloadConfig() {
        lock.lock();
        try {
            if (stopped || !engine.inRecovery()) {
                return;
            }
            WalReceiver.Config next = configFromSettings();
            if (config != null && Objects.equals(next.primaryConninfo(), config.primaryConninfo())
                    && Objects.equals(next.primarySlotName(), config.primarySlotName())) {
                return;
            }
            if (receiver != null) {
                PgLog.log("WAL receiver process shutdown requested");
                stopReceiver();
            }
            startLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the walreceiver for good (promotion, shutdown), waiting until it has flushed what it received. */
    void stop() {
        lock.lock();
        try {
            stopped = true;
            stopReceiver();
        } finally {
            lock.unlock();
        }
    }

    private void stopReceiver() {
        WalReceiver r = receiver;
        if (r == null) {
            return;
        }
        r.requestShutdown();
        try {
            thread.join(STOP_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        receiver = null;
        engine.setReplayCaughtUpListener(null);
    }
}
