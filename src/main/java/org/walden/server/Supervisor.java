package org.walden.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.GucServerSettings;
import org.walden.recovery.Engine;
import org.walden.recovery.EngineOptions;
import org.walden.storage.StoreMemory;
import org.walden.recovery.RecoveryConfig;
import org.walden.recovery.RecoveryTarget;
import org.walden.recovery.Startup;
import org.walden.replication.ReplicationSlots;
import org.walden.replication.SyncRep;
import org.walden.replication.WalReceiver;
import org.walden.replication.WalSender;
import org.walden.replication.WalSenderContext;
import org.walden.replication.WalSenderRegistry;
import org.walden.server.config.RecoveryMode;
import org.walden.server.logging.PgLog;
import org.walden.sql.WaldenSqlEngine;
import org.walden.wal.Archiver;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.Wal;

/**
 * The supervisor of one server: the part of PostgreSQL's postmaster that starts, watches and
 * stops the auxiliary processes, and reshapes the server when recovery ends.
 *
 * <p><b>Who starts it.</b> {@code walden postgres} (through the command line's ClusterFactory)
 * calls {@link #start}, which wires the server from the layers: the engine (crash recovery, or
 * archive recovery whose redo loop the startup thread runs), the SQL engine over its
 * transactions, the walsenders' context (WAL source, BASE_BACKUP source, slots, registry), the
 * {@link Postmaster}, the archiver (archive_mode), and on a standby with primary_conninfo the
 * walreceiver ({@link WalReceiverControl}, restarted when primary_conninfo or primary_slot_name
 * change on reload, as PostgreSQL 13+ does). The adapters of {@link EngineAdapters} are the glue
 * the replication package's interfaces ask for.
 *
 * <p><b>Promotion.</b> SIGUSR1 (pg_ctl promote, after promote.signal) and pg_promote() reach
 * {@link #promote}, which asks the startup process; the startup process ends recovery and calls
 * back here ({@link Engine.RecoveryListener}): the walreceiver is stopped, then — before writes are
 * enabled — synchronous replication is installed as the commit waiter and the archiver started
 * (archive_mode = on archives nothing on a standby), and once writes are enabled the postmaster
 * says "database system is ready to accept connections" and postmaster.pid says "ready". A
 * recovery target with recovery_target_action = shutdown, and a FATAL error of the startup
 * process, stop the server (the latter with exit code 1).
 *
 * <p><b>Shutdown.</b> The postmaster's shutdown tasks stop the walreceiver, end synchronous
 * replication's waits, then stop the engine (shutdown checkpoint or restartpoint) and the
 * archiver; the postmaster then tells its walsenders, removes its files and terminates.
 */
public final class Supervisor implements Engine.RecoveryListener {

    private static final long ARCHIVER_STOP_TIMEOUT_MS = 10_000;
    private static final long CONSISTENCY_POLL_MS = 100;
    /** The setting that turns automatic failover on (org.walden.ha). */
    public static final String HA_COORDINATOR = "walden.ha_coordinator";

    private final Path dataDir;
    private final GucServerSettings settings;
    private final Clock clock;
    private final Engine engine;
    private final ReplicationSlots slots;
    private final WalSenderRegistry registry;
    private final WalReceiverControl walReceiver;
    private final ServerStatusView status;
    private Postmaster postmaster;
    /** Installed when the server is or becomes a primary. */
    private volatile SyncRep syncRep;
    /** The archiver and its thread when archive_mode asks for one now. */
    private volatile Archiver archiver;
    private volatile Thread archiverThread;
    /** 1 when the startup process failed. */
    private volatile int exitCode;

    private Supervisor(Path dataDir, GucServerSettings settings, Clock clock, Engine engine, ReplicationSlots slots) {
        this.dataDir = dataDir;
        this.settings = settings;
        this.clock = clock;
        this.engine = engine;
        this.slots = slots;
        this.registry = new WalSenderRegistry();
        this.walReceiver = new WalReceiverControl(engine, settings, clock);
        this.status = new ServerStatusView(engine, registry, walReceiver::current, settings, clock.instant(),
                this::requestPromotion);
    }

    static EngineOptions engineOptions(GucServerSettings s, RecoveryConfig recovery, Clock clock) {
        long walBuffers = s.getBytes("wal_buffers");
        return new EngineOptions(recovery, s.getBytes("wal_keep_size"), s.getInt("wal_keep_segments"),
                s.getMillis("checkpoint_timeout"), s.getBytes("max_wal_size"), s.getMillis("wal_writer_delay"),
                s.getBool("fsync"), walBuffers <= 0 ? Wal.DEFAULT_WAL_BUFFERS_BYTES : (int) walBuffers, clock,
                new StoreMemory(s.getBytes("shared_buffers")));
    }

    /**
     * The recovery settings PostgreSQL 15 reads at start: the signal files' mode,
     * recovery_target_timeline, the recovery target (two at once are FATAL), promote_trigger_file
     * (recovery.conf's trigger_file), archive_mode, hot_standby, wal_retrieve_retry_interval.
     */
    static RecoveryConfig recoveryConfig(GucServerSettings s, RecoveryMode mode) {
        RecoveryConfig.Mode m = switch (mode) {
            case NONE -> RecoveryConfig.Mode.CRASH;
            case STANDBY -> RecoveryConfig.Mode.STANDBY;
            case ARCHIVE_RECOVERY -> RecoveryConfig.Mode.ARCHIVE;
        };
        RecoveryTarget target = RecoveryTarget.fromSettings(s::getString, timeZone(s));
        String trigger = s.getString("promote_trigger_file");
        return new RecoveryConfig(m, s.getString("recovery_target_timeline"), target,
                trigger == null || trigger.isBlank() ? null : Path.of(trigger),
                !s.getString("archive_mode").equals("off"), s.getBool("hot_standby"),
                s.getMillis("wal_retrieve_retry_interval"), s.getString("restore_command"));
    }

    private static ZoneId timeZone(GucServerSettings s) {
        try {
            return org.walden.common.guc.TimeZoneSetting.zone(s.getString("TimeZone"));
        } catch (RuntimeException e) {
            return ZoneOffset.UTC;
        }
    }

    public static Supervisor start(Path dataDir, GucServerSettings settings, RecoveryMode mode, Clock clock) {
        Engine engine = Engine.open(dataDir, engineOptions(settings, recoveryConfig(settings, mode), clock));
        try {
            settings.setInternal("wal_segment_size", Long.toString(engine.walSegmentSizeBytes()));
            settings.setInternal("in_hot_standby", engine.inRecovery() ? "on" : "off");
            settings.setInternal("data_directory_mode",
                    org.walden.common.DataDirectoryMode.groupAccess(dataDir) ? "0750" : "0700");
            ReplicationSlots slots = new ReplicationSlots(dataDir.resolve("pg_replslot"),
                    settings.getInt("max_replication_slots"));
            slots.startupReplicationSlots();
            Supervisor server = new Supervisor(dataDir, settings, clock, engine, slots);
            server.wire(mode);
            return server;
        } catch (IOException e) {
            engine.shutdown();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            engine.shutdown();
            throw e;
        }
    }

    private void wire(RecoveryMode mode) throws IOException {
        boolean recovery = engine.inRecovery();
        startArchiverIfWanted();
        if (!recovery) {
            installSyncRep();
        }
        WalSenderContext ctx = new WalSenderContext(new EngineAdapters.EngineWalSource(engine),
                new EngineAdapters.EngineBackupSource(engine), slots, registry, settings, clock);
        status.slots = slots;
        engine.setSlotRetention(new EngineAdapters.SlotsRetention(slots, settings));
        engine.setCheckpointLogging(() -> settings.getBool("log_checkpoints"), settings.getBytes("shared_buffers"));
        engine.setWalIoTiming(() -> settings.getBool("track_wal_io_timing"));
        engine.transactionManager().setLockWaitLogging(() -> settings.getBool("log_lock_waits"),
                () -> settings.getMillis("deadlock_timeout"));
        Map<Integer, WalSender> walSenders = new ConcurrentHashMap<>();
        slots.setProcessTerminator(pid -> {
            WalSender ws = walSenders.get(pid);
            if (ws != null) {
                ws.requestShutdown();
            }
        });
        WaldenSqlEngine sql = new WaldenSqlEngine(engine.transactionManager(), status, clock);
        ReplicationHandler handler = new WalSenderHandler(ctx, walSenders);
        Postmaster pm = new Postmaster(dataDir, settings, sql, handler, clock);
        postmaster = pm;
        status.postmaster = pm;
        pm.addTerminationHook(() -> {
            SyncRep rep = syncRep;
            if (rep != null) {
                rep.beginShutdown(); // fast shutdown: waiting commits leave at once
            }
        });
        sql.startAutoAnalyze(settings::newSession); // it rests while the server is in recovery
        // a standby warms the SQL engine once replay has caught up: before, it takes CPU from replay
        engine.whenReplayCaughtUp(() -> sql.startWarmUp(settings::newSession));
        pm.addShutdownTask(sql::stopAutoAnalyze);
        pm.addShutdownTask(sql::writeExactSequenceValues); // before the shutdown checkpoint
        pm.addShutdownTask(this::shutdownEngine);
        pm.setPromoteHandler(this::requestPromotion);
        if (recovery) {
            setUpRestoreCommand();
            engine.setRecoveryListener(this);
            engine.setWalReceiverStreaming(walReceiver::streaming);
            engine.setReplaySourceReachedTest(at -> {
                WalReceiver r = walReceiver.current();
                // streaming, and the primary's end of WAL (its last message) is replayed
                return r == null || (walReceiver.streaming() && r.latestEndLsn().isValid()
                        && !r.latestEndLsn().isAfter(at));
            });
            if (mode == RecoveryMode.STANDBY) {
                walReceiver.startIfConfigured();
                settings.addReloadListener(walReceiver::reloadConfig);
            }
            engine.startRecovery();
        }
        pm.installSignalHandlers();
        if (!settings.getString(HA_COORDINATOR).isBlank()) {
            // automatic failover: nothing is acknowledged before the agent holds the leader lease
            engine.writeGate().fence("This server does not hold the failover cluster's leader lease.");
        }
        if (recovery) {
            pm.setConnectionGate(replication -> recoveryGate(engine, settings, replication));
            pm.startAsStandby();
            Thread.ofVirtual().name("hot-standby-begins").start(() -> announceHotStandby(engine, settings, pm));
        } else {
            pm.start();
        }
    }

    /** The walsender of each replication connection, known by pid so that slots can end it. */
    private record WalSenderHandler(WalSenderContext ctx, Map<Integer, WalSender> walSenders)
            implements ReplicationHandler {
        @Override
        public ReplicationSession open(ReplicationConnection conn) {
            WalSender ws = new WalSender(ctx, conn.in(), conn.out(), conn.userName(), conn.applicationName(),
                    conn.clientAddress(), conn.backendPid());
            String options = conn.startupParameters().get("options");
            if (options != null) {
                ws.setStandbyAddress(BackendStartup.parseOptions(options).get(WalReceiver.STANDBY_ADDRESS_SETTING));
            }
            return new ReplicationSession() {
                @Override
                public void run() throws IOException {
                    walSenders.put(conn.backendPid(), ws);
                    try {
                        ws.run();
                    } finally {
                        walSenders.remove(conn.backendPid(), ws);
                    }
                }

                @Override
                public void requestShutdown() {
                    ws.requestShutdown();
                }
            };
        }
    }

    /**
     * canAcceptConnections in recovery: until redo is consistent (the backup's end or the
     * minimum recovery point) nobody is admitted, replication connections included; after that,
     * with hot_standby off, normal connections are refused while recovery lasts (PostgreSQL 15's
     * words); replication connections, for cascading standbys, are accepted.
     */
    static PgException recoveryGate(Engine engine, GucServerSettings settings, boolean replication) {
        if (!engine.inRecovery()) {
            return null;
        }
        if (!engine.isConsistent()) {
            return PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "the database system is not yet accepting connections")
                    .withDetail("Consistent recovery state has not been yet reached.");
        }
        if (replication || settings.getBool("hot_standby")) {
            return null;
        }
        return PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "the database system is not accepting connections")
                .withDetail("Hot standby mode is disabled.");
    }

    /**
     * PMSIGNAL_BEGIN_HOT_STANDBY: once redo is consistent, a hot standby says it admits
     * read-only queries. Gives up when recovery or the server ends first.
     */
    private static void announceHotStandby(Engine engine, GucServerSettings settings, Postmaster pm) {
        try {
            while (!engine.isConsistent()) {
                if (!engine.inRecovery() || pm.state().compareTo(Postmaster.PmState.RUNNING) > 0) {
                    return;
                }
                Thread.sleep(CONSISTENCY_POLL_MS);
            }
        } catch (InterruptedException e) {
            return;
        }
        if (settings.getBool("hot_standby") && engine.inRecovery()) {
            pm.hotStandbyBegins();
        }
    }

    // ------------------------------------------------------------------ promotion

    /**
     * SIGUSR1 (pg_ctl promote) and pg_promote(): PostgreSQL's postmaster passes the request on
     * to the startup process only when promote.signal is there; a primary ignores it.
     */
    public void requestPromotion() {
        if (engine.inRecovery() && Files.exists(dataDir.resolve(Startup.PROMOTE_SIGNAL))) {
            engine.requestPromote();
        }
    }

    @Override
    public void stopWalReceiver() {
        walReceiver.stop();
    }

    @Override
    public void beforeWritesEnabled(Wal primaryWal) {
        installSyncRep();
        settings.setInternal("in_hot_standby", "off");
        startArchiverIfWanted();
    }

    @Override
    public void promoted(TimelineId newTimeline) {
        postmaster.endOfRecovery();
    }

    @Override
    public void shutdownAtRecoveryTarget() {
        PgLog.log("shutdown at recovery target");
        postmaster.requestShutdown(Postmaster.ShutdownMode.FAST);
    }

    @Override
    public void startupFailed(PgException e) {
        PgLog.report(e, null);
        PgLog.log("startup process (PID %d) exited with exit code 1", ServerStatusView.STARTUP_PID);
        PgLog.log(postmaster.state() == Postmaster.PmState.RUNNING && !engine.isConsistent()
                ? "aborting startup due to startup process failure" : "terminating any other active server processes");
        exitCode = 1;
        postmaster.requestShutdown(Postmaster.ShutdownMode.IMMEDIATE);
    }

    // ------------------------------------------------------------------ for automatic failover

    public Engine engine() {
        return engine;
    }

    public GucServerSettings settings() {
        return settings;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Synchronous replication, once this server is a primary; null before. */
    public SyncRep syncRep() {
        return syncRep;
    }

    /** pg_stat_replication's rows. */
    public java.util.List<org.walden.replication.WalSenderStat> walSenders() {
        return status.walSenders();
    }

    /** pg_last_wal_receive_lsn(): null when no walreceiver runs. */
    public Lsn lastWalReceiveLsn() {
        return status.lastWalReceiveLsn();
    }

    /** The walreceiver's status (pg_stat_wal_receiver), null when none runs. */
    public String walReceiverState() {
        WalReceiver r = walReceiver.current();
        return r == null ? null : r.state().name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * walden_pause_writes() for a planned switchover by the failover agent: new writers get
     * 25006, running ones get {@code waitMs} to finish (then their sessions end); returns the
     * WAL position after the last write.
     */
    public Lsn pauseWrites(long waitMs) {
        return status.pauseWrites(ServerStatusView.HA_AGENT_PID, waitMs);
    }

    public void resumeWrites() {
        status.resumeWrites();
    }

    /** Bytes of WAL each replication slot holds back (current position minus its restart LSN). */
    public Map<String, Long> slotRetainedBytes() {
        Map<String, Long> out = new java.util.TreeMap<>();
        Lsn current = engine.wal() != null ? engine.wal().insertPosition() : engine.receiverWriter().writtenLsn();
        for (ReplicationSlots.SlotInfo s : slots.list()) {
            out.put(s.slotName(), s.restartLsn().isValid() ? Math.max(0, current.minus(s.restartLsn())) : 0L);
        }
        return out;
    }

    /** Promotes this standby as pg_promote() does (promote.signal, then the startup process's end of recovery). */
    public void promote() throws IOException {
        Files.writeString(dataDir.resolve(Startup.PROMOTE_SIGNAL), "");
        requestPromotion();
    }

    /** Synchronous replication's commit waiter, on a primary (the syncrep policy of PostgreSQL's syncrep.c). */
    private void installSyncRep() {
        if (syncRep != null) {
            return;
        }
        SyncRep rep = new SyncRep(registry, () -> settings.getString("synchronous_standby_names"), clock);
        settings.addReloadListener(rep::reloadConfig);
        engine.setCommitWaiter(rep);
        syncRep = rep;
    }

    // ------------------------------------------------------------------ archiving

    /**
     * archive_mode: on archives the primary's finished segments, always also a standby's received
     * ones (PostgreSQL's XLogArchivingActive / XLogArchivingAlways). A standby with "on" archives
     * nothing until it is promoted. archive_command and archive_timeout follow reloads. Also
     * installs the engine's min-keep LSN (slots, and with archiving the oldest segment not
     * archived yet).
     */
    private void startArchiverIfWanted() {
        String mode = settings.getString("archive_mode");
        Wal wal = engine.wal();
        if (mode.equals("off") || (wal == null && !mode.equals("always"))) {
            engine.setMinKeepLsnSupplier(slots::minimumLsnToKeep);
            return;
        }
        Archiver a = archiver;
        if (a == null) {
            a = new Archiver(dataDir, engine.walSegmentSizeBytes(), archiverConfig(), clock);
            Archiver created = a;
            settings.addReloadListener(() -> created.setConfig(archiverConfig()));
            archiver = a;
            archiverThread = Thread.ofPlatform().name("archiver").daemon(true).start(a);
        }
        Archiver active = a;
        // checkpoints keep what slots need and what is not archived yet
        engine.setMinKeepLsnSupplier(() -> oldestToKeep(slots.minimumLsnToKeep(), active.minKeepLsn()));
        if (wal != null) {
            active.setSegmentSwitcher(new Archiver.SegmentSwitcher() {
                @Override
                public Lsn insertPosition() {
                    return wal.insertPosition();
                }

                @Override
                public Lsn switchSegment() {
                    return wal.switchSegment();
                }
            });
            wal.setSegmentFinishedListener(segNo -> active.notifySegmentFinished(wal.timeline(), segNo));
        } else {
            engine.receiverWriter().setSegmentFinishedListener(
                    segNo -> active.notifySegmentFinished(engine.receiverWriter().timeline(), segNo));
        }
        status.archiver = active;
        walReceiver.setArchiver(active);
    }

    private Archiver.Config archiverConfig() {
        return Archiver.Config.of(settings.getString("archive_command"), settings.getMillis("archive_timeout"));
    }

    /** The older of two keep positions, an invalid one meaning "nothing to keep". */
    static Lsn oldestToKeep(Lsn a, Lsn b) {
        if (a == null || !a.isValid()) {
            return b;
        }
        return b == null || !b.isValid() ? a : Lsn.min(a, b);
    }

    private void setUpRestoreCommand() {
        configureRestoreCommand();
        settings.addReloadListener(this::configureRestoreCommand);
    }

    /**
     * restore_command (postgresql.conf or recovery.conf) in archive recovery: the startup process
     * fetches from the archive what the walreceiver cannot get (and timeline history files).
     */
    private void configureRestoreCommand() {
        if (!engine.inRecovery()) {
            return;
        }
        engine.setRestoreCommand(settings.getString("restore_command"), settings.getMillis("wal_retrieve_retry_interval"));
    }

    // ------------------------------------------------------------------ shutdown

    private void shutdownEngine() {
        walReceiver.stop();
        SyncRep rep = syncRep;
        if (rep != null) {
            rep.shutdown(); // before storage closes
        }
        engine.shutdown();
        Archiver a = archiver;
        if (a != null) {
            a.requestShutdown();
            try {
                archiverThread.join(ARCHIVER_STOP_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Smart, fast or immediate shutdown (pg_ctl stop -m; the signals reach the postmaster directly). */
    public void requestShutdown(Postmaster.ShutdownMode mode) {
        postmaster.requestShutdown(mode);
    }

    /**
     * True once a stop signal (ctl stop) reached this process: the launcher does not start the
     * server again in-process after a demotion then.
     */
    public static boolean stopSignalled() {
        return SignalHandling.stopSignalled();
    }

    /** SIGHUP: re-read the configuration files and pg_hba.conf. */
    public void reload() {
        postmaster.reload();
    }

    /** Blocks until the server has stopped; returns the process exit code. */
    public int awaitTermination() throws InterruptedException {
        while (!postmaster.awaitTermination(60_000)) {
            // keep waiting: the server runs until a shutdown request
        }
        return exitCode;
    }
}
