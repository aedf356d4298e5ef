package org.walden.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.GucServerSettings;
import org.walden.recovery.Engine;
import org.walden.recovery.EngineOptions;
import org.walden.replication.BackupSource;
import org.walden.replication.ReceivedWalSink;
import org.walden.replication.ReplicationSlots;
import org.walden.replication.WalReceiver;
import org.walden.replication.WalSender;
import org.walden.replication.WalSenderContext;
import org.walden.replication.SyncRep;
import org.walden.replication.WalSenderRegistry;
import org.walden.replication.WalSndState;
import org.walden.replication.WalSenderStat;
import org.walden.replication.WalSource;
import org.walden.server.Backend;
import org.walden.server.Postmaster;
import org.walden.server.ReplicationHandler;
import org.walden.server.config.RecoveryMode;
import org.walden.server.logging.PgLog;
import org.walden.sql.ServerStatus;
import org.walden.sql.WaldenSqlEngine;
import org.walden.wal.Archiver;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.Wal;

/**
 * Wires one server from the layers, for {@link ClusterFactory#startPostmaster}: the engine
 * (crash recovery or the standby's redo loop), the SQL engine over its transactions, the
 * walsenders' context (WAL source, BASE_BACKUP source, slots, registry), the postmaster, and on
 * a standby with primary_conninfo the walreceiver. The adapters below are the glue the
 * replication package's interfaces ask "the integrator" for.
 *
 * <p>Shutdown: the postmaster's shutdown task stops the walreceiver, then the engine (shutdown
 * checkpoint or restartpoint); the postmaster then removes its files and terminates.
 */
final class ServerAssembly implements ClusterFactory.RunningServer {

    private static final long WALRECEIVER_STOP_TIMEOUT_MS = 10_000;
    private static final long CONSISTENCY_POLL_MS = 100;

    private final Postmaster postmaster;
    private final Engine engine;
    private final Thread walReceiverThread;
    private final WalReceiver walReceiver;
    /** The archiver and its thread when archive_mode is on (always on a standby); set before start. */
    private volatile Archiver archiver;
    private volatile Thread archiverThread;

    private ServerAssembly(Postmaster postmaster, Engine engine, WalReceiver walReceiver, Thread walReceiverThread) {
        this.postmaster = postmaster;
        this.engine = engine;
        this.walReceiver = walReceiver;
        this.walReceiverThread = walReceiverThread;
    }

    static EngineOptions engineOptions(GucServerSettings s, boolean standby, Clock clock) {
        long walBuffers = s.getBytes("wal_buffers");
        return new EngineOptions(standby, s.getBytes("wal_keep_size"), s.getInt("wal_keep_segments"),
                s.getMillis("checkpoint_timeout"), s.getBytes("max_wal_size"), s.getMillis("wal_writer_delay"),
                s.getBool("fsync"), walBuffers <= 0 ? Wal.DEFAULT_WAL_BUFFERS_BYTES : (int) walBuffers, clock);
    }

    static ServerAssembly start(Path dataDir, GucServerSettings settings, RecoveryMode mode, Clock clock) {
        boolean standby = mode != RecoveryMode.NONE;
        Engine engine = Engine.open(dataDir, engineOptions(settings, standby, clock));
        try {
            settings.setInternal("wal_segment_size", Long.toString(engine.walSegmentSizeBytes()));
            settings.setInternal("in_hot_standby", standby ? "on" : "off");
            ReplicationSlots slots = new ReplicationSlots(dataDir.resolve("pg_replslot"),
                    settings.getInt("max_replication_slots"));
            slots.startupReplicationSlots();
            Archiver archiver = createArchiver(dataDir, settings, engine, standby, clock, slots);
            WalSenderRegistry registry = new WalSenderRegistry();
            SyncRep syncRep = standby ? null
                    : new SyncRep(registry, () -> settings.getString("synchronous_standby_names"), clock);
            if (syncRep != null) {
                engine.setCommitWaiter(syncRep);
                settings.addReloadListener(syncRep::reloadConfig);
            }
            WalSenderContext ctx = new WalSenderContext(new EngineWalSource(engine),
                    new EngineBackupSource(engine), slots, registry, settings, clock);
            WalReceiver receiver = null;
            if (standby && !settings.getString("primary_conninfo").isBlank()) {
                receiver = new WalReceiver(new WalReceiver.Config(settings.getString("primary_conninfo"),
                        settings.getString("primary_slot_name"), settings.getString("cluster_name"),
                        settings.getMillis("wal_receiver_timeout"), settings.getMillis("wal_receiver_status_interval"),
                        settings.getMillis("wal_retrieve_retry_interval")), new EngineWalSink(engine, dataDir, archiver), clock);
                engine.setReplayCaughtUpListener(receiver::forceReply);
            }
            if (standby) {
                setUpRestoreCommand(engine, settings, receiver);
            }
            Status status = new Status(engine, registry, receiver, settings, clock.instant());
            status.slots = slots;
            engine.setSlotRetention(new SlotsRetention(slots, settings));
            Map<Integer, WalSender> walSenders = new ConcurrentHashMap<>();
            slots.setProcessTerminator(pid -> {
                WalSender ws = walSenders.get(pid);
                if (ws != null) {
                    ws.requestShutdown();
                }
            });
            WaldenSqlEngine sql = new WaldenSqlEngine(engine.transactionManager(), status, clock);
            ReplicationHandler handler = conn -> {
                WalSender ws = new WalSender(ctx, conn.in(), conn.out(), conn.userName(), conn.applicationName(),
                        conn.clientAddress(), conn.backendPid());
                return new ReplicationHandler.ReplicationSession() {
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
            };
            Postmaster pm = new Postmaster(dataDir, settings, sql, handler, clock);
            status.postmaster = pm;
            status.archiver = archiver;
            Thread receiverThread = receiver == null ? null
                    : Thread.ofPlatform().name("walreceiver").daemon(true).unstarted(receiver::run);
            ServerAssembly server = new ServerAssembly(pm, engine, receiver, receiverThread);
            if (syncRep != null) {
                pm.addTerminationHook(syncRep::beginShutdown); // fast shutdown: waiting commits leave at once
                pm.addShutdownTask(syncRep::shutdown); // and before storage closes
            }
            pm.addShutdownTask(server::shutdownEngine);
            server.startArchiver(archiver);
            pm.setPromoteHandler(() -> PgLog.warning("promotion is not implemented yet; promote request ignored"));
            if (receiverThread != null) {
                receiverThread.start();
            }
            if (receiver != null) {
                receiver.setPid(Status.WALRECEIVER_PID);
                receiver.setHotStandbyFeedback(() -> settings.getBool("hot_standby_feedback"),
                        engine::standbyFeedbackXmin);
            }
            pm.installSignalHandlers();
            if (standby) {
                pm.setConnectionGate(replication -> recoveryGate(engine, settings, replication));
                pm.startAsStandby();
                Thread.ofVirtual().name("hot-standby-begins").start(() -> announceHotStandby(engine, settings, pm));
            } else {
                pm.start();
            }
            return server;
        } catch (IOException e) {
            engine.shutdown();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            engine.shutdown();
            throw e;
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

    private void shutdownEngine() {
        if (walReceiver != null) {
            walReceiver.requestShutdown();
            try {
                walReceiverThread.join(WALRECEIVER_STOP_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        engine.shutdown();
        stopArchiver();
    }

    /**
     * archive_mode: on archives the primary's finished segments, always also a standby's received
     * ones (PostgreSQL's XLogArchivingActive / XLogArchivingAlways). A standby with "on" archives
     * nothing. archive_command and archive_timeout follow reloads. Also installs the engine's
     * min-keep LSN (slots, and with archiving the oldest segment not archived yet).
     */
    private static Archiver createArchiver(Path dataDir, GucServerSettings settings, Engine engine, boolean standby,
                                           Clock clock, ReplicationSlots slots) {
        String mode = settings.getString("archive_mode");
        if (mode.equals("off") || (standby && !mode.equals("always"))) {
            engine.setMinKeepLsnSupplier(slots::minimumLsnToKeep);
            return null;
        }
        Wal wal = engine.wal();
        Archiver.SegmentSwitcher switcher = wal == null ? null : new Archiver.SegmentSwitcher() {
            @Override
            public Lsn insertPosition() {
                return wal.insertPosition();
            }

            @Override
            public Lsn switchSegment() {
                return wal.switchSegment();
            }
        };
        Archiver archiver = new Archiver(dataDir, engine.walSegmentSizeBytes(), archiverConfig(settings), clock,
                switcher);
        settings.addReloadListener(() -> archiver.setConfig(archiverConfig(settings)));
        // checkpoints keep what slots need and what is not archived yet
        engine.setMinKeepLsnSupplier(() -> oldestToKeep(slots.minimumLsnToKeep(), archiver.minKeepLsn()));
        if (wal != null) {
            wal.setSegmentFinishedListener(segNo -> archiver.notifySegmentFinished(wal.timeline(), segNo));
        } else {
            engine.receiverWriter().setSegmentFinishedListener(
                    segNo -> archiver.notifySegmentFinished(engine.receiverWriter().timeline(), segNo));
        }
        return archiver;
    }

    private void startArchiver(Archiver a) {
        if (a != null) {
            archiver = a;
            archiverThread = Thread.ofPlatform().name("archiver").daemon(true).start(a);
        }
    }

    private static void setUpRestoreCommand(Engine engine, GucServerSettings settings, WalReceiver receiver) {
        configureRestoreCommand(engine, settings, receiver);
        settings.addReloadListener(() -> configureRestoreCommand(engine, settings, receiver));
    }

    /**
     * restore_command (postgresql.conf or recovery.conf) on a standby: the startup process fetches
     * from the archive what the walreceiver cannot get, while the walreceiver is not streaming.
     */
    private static void configureRestoreCommand(Engine engine, GucServerSettings settings, WalReceiver receiver) {
        String command = settings.getString("restore_command");
        if (command == null || command.isBlank()) {
            engine.setArchiveSource(null);
            return;
        }
        engine.setArchiveSource(new org.walden.recovery.Startup.ArchiveSource(
                new org.walden.wal.RestoreCommand(engine.dataDir(), command, engine.walSegmentSizeBytes(),
                        Archiver.DEFAULT_COMMAND_TIMEOUT_MS),
                () -> receiver != null && receiver.state() == org.walden.replication.WalRcvState.STREAMING,
                settings.getMillis("wal_retrieve_retry_interval")));
    }

    private static Archiver.Config archiverConfig(GucServerSettings settings) {
        return Archiver.Config.of(settings.getString("archive_command"), settings.getMillis("archive_timeout"));
    }

    /** The older of two keep positions, an invalid one meaning "nothing to keep". */
    static Lsn oldestToKeep(Lsn a, Lsn b) {
        if (a == null || !a.isValid()) {
            return b;
        }
        return b == null || !b.isValid() ? a : Lsn.min(a, b);
    }

    private void stopArchiver() {
        Archiver a = archiver;
        if (a != null) {
            a.requestShutdown();
            try {
                archiverThread.join(WALRECEIVER_STOP_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void requestShutdown(ClusterFactory.ShutdownMode mode) {
        postmaster.requestShutdown(Postmaster.ShutdownMode.valueOf(mode.name()));
    }

    @Override
    public void reload() {
        postmaster.reload();
    }

    @Override
    public void promote() {
        PgLog.warning("promotion is not implemented yet; promote request ignored");
    }

    @Override
    public int awaitTermination() throws InterruptedException {
        while (!postmaster.awaitTermination(60_000)) {
            // keep waiting: the server runs until a shutdown request
        }
        return 0;
    }

    /**
     * The engine's WAL as walsenders read it: the primary's flushed WAL, or on a standby
     * (cascading replication) the WAL its walreceiver has flushed, as PostgreSQL's walsender on a
     * cascading standby sends up to GetStandbyFlushRecPtr. IDENTIFY_SYSTEM's xlogpos is that
     * flushed position too.
     */
    private record EngineWalSource(Engine engine) implements WalSource {
        @Override
        public long systemIdentifier() {
            return engine.systemIdentifier();
        }

        @Override
        public TimelineId timeline() {
            return engine.timeline();
        }

        @Override
        public long walSegmentSizeBytes() {
            return engine.walSegmentSizeBytes();
        }

        @Override
        public Lsn flushedLsn() {
            return engine.wal() != null ? engine.wal().flushedLsn() : engine.receiverWriter().flushedLsn();
        }

        @Override
        public Lsn redoLsn() {
            return engine.controlFile().redo();
        }

        @Override
        public Lsn awaitFlushBeyond(Lsn after, long timeoutMs) {
            return engine.wal() != null ? engine.wal().waitForFlushBeyond(after, timeoutMs)
                    : engine.receiverWriter().awaitFlushedBeyond(after, timeoutMs);
        }

        @Override
        public int readWal(TimelineId timeline, Lsn from, byte[] buffer, int offset, int length) {
            if (engine.wal() == null) {
                // cascading: a standby's walsender streams what its walreceiver has flushed
                return engine.receiverWriter().readRaw(timeline, from, buffer, offset, length);
            }
            return engine.wal().readRaw(timeline, from, buffer, offset, length);
        }

        @Override
        public String timelineHistory(TimelineId timeline) {
            Path file = engine.dataDir().resolve(Engine.WAL_DIR).resolve(String.format("%08X.history",
                    timeline.value()));
            try {
                return Files.exists(file) ? Files.readString(file) : null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** BASE_BACKUP over the engine's backup checkpoint and RocksDB checkpoint. */
    private static final class EngineBackupSource implements BackupSource {
        private final Engine engine;
        private final AtomicInteger counter = new AtomicInteger();
        private final Map<Path, Engine.BackupStart> started = new ConcurrentHashMap<>();

        EngineBackupSource(Engine engine) {
            this.engine = engine;
        }

        @Override
        public Path dataDirectory() {
            return engine.dataDir();
        }

        @Override
        public StartedBackup startBackup(String label, boolean fast) {
            // "pgsql_tmp" names are left out of base backups, as in PostgreSQL.
            Path target = engine.dataDir().resolve("pgsql_tmp_basebackup_" + ProcessHandle.current().pid() + "_"
                    + counter.incrementAndGet());
            Engine.BackupStart b = engine.createBackupCheckpoint(target);
            started.put(target, b);
            return new StartedBackup(b.startLsn(), b.checkPointLsn(), b.timeline(), b.startTime(), target,
                    Engine.BASE_DIR, b.fromStandby());
        }

        @Override
        public StoppedBackup stopBackup(StartedBackup backup) throws IOException {
            Engine.BackupStart b = started.remove(backup.storageSnapshotDir());
            try {
                Engine.BackupEnd end = engine.finishBackup(b);
                return new StoppedBackup(end.endLsn(), end.controlFile());
            } finally {
                DemoCommand.deleteRecursively(backup.storageSnapshotDir());
            }
        }
    }

    /** The standby's side: received WAL into the engine's receiver writer; replay progress from its startup process. */
    private record EngineWalSink(Engine engine, Path dataDir, Archiver archiver) implements ReceivedWalSink {
        @Override
        public long systemIdentifier() {
            return engine.systemIdentifier();
        }

        @Override
        public TimelineId timeline() {
            return engine.receiverWriter().timeline();
        }

        @Override
        public void setTimeline(TimelineId timeline) {
            engine.receiverWriter().setTimeline(timeline);
        }

        @Override
        public long walSegmentSizeBytes() {
            return engine.walSegmentSizeBytes();
        }

        @Override
        public Lsn endOfWal() {
            return Lsn.max(engine.receiverWriter().writtenLsn(), engine.lastReplayLsn());
        }

        @Override
        public void write(Lsn at, byte[] data, int offset, int length) {
            engine.receiverWriter().write(at, data, offset, length);
        }

        @Override
        public void flush() {
            engine.receiverWriter().flush();
        }

        @Override
        public Lsn writtenLsn() {
            return engine.receiverWriter().writtenLsn();
        }

        @Override
        public Lsn flushedLsn() {
            return engine.receiverWriter().flushedLsn();
        }

        @Override
        public Lsn replayLsn() {
            return engine.lastReplayLsn();
        }

        @Override
        public void writeTimelineHistory(TimelineId timeline, String content) {
            try {
                String name = String.format("%08X.history", timeline.value());
                Files.writeString(dataDir.resolve(Engine.WAL_DIR).resolve(name), content);
                if (archiver != null) {
                    archiver.notifyReady(name); // archive_mode = always: history files are archived too
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The checkpointer's view of the slots; max_slot_wal_keep_size is read at each checkpoint (SIGHUP). */
    private record SlotsRetention(ReplicationSlots slots, GucServerSettings settings)
            implements org.walden.storage.SlotRetention {
        @Override
        public Lsn replicationSlotMinimumLsn() {
            return slots.replicationSlotMinimumLsn();
        }

        @Override
        public long maxSlotWalKeepSizeBytes() {
            return maxSlotWalKeepSizeBytes(settings);
        }

        @Override
        public long walKeepSizeBytes() {
            return settings.getBytes("wal_keep_size");
        }

        @Override
        public long walKeepSegments() {
            return settings.getInt("wal_keep_segments");
        }

        static long maxSlotWalKeepSizeBytes(GucServerSettings settings) {
            long mb = settings.getInt("max_slot_wal_keep_size");
            return mb < 0 ? -1 : mb * 1024 * 1024;
        }

        @Override
        public boolean invalidateObsoleteReplicationSlots(Lsn oldestLsnToKeep) {
            try {
                return slots.invalidateObsoleteReplicationSlots(oldestLsnToKeep);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void checkPointReplicationSlots() {
            try {
                slots.checkPointReplicationSlots();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** What SQL functions and views ask of the server. */
    private static final class Status implements ServerStatus {
        /** Auxiliary processes' pids, below the postmaster's backend pids (1000 and up). */
        static final int STARTUP_PID = 101;
        static final int WALRECEIVER_PID = 102;
        static final int CHECKPOINTER_PID = 103;
        static final int WALWRITER_PID = 104;
        private final Engine engine;
        private final WalSenderRegistry registry;
        /** The replication slots; set once, before the postmaster starts accepting connections. */
        private volatile ReplicationSlots slots;
        private final WalReceiver receiver;
        private final GucServerSettings settings;
        private final Instant startTime;
        /** Set once, before the postmaster starts accepting connections. */
        private volatile Postmaster postmaster;
        /** Null when archive_mode is off; set with the postmaster. */
        private volatile Archiver archiver;

        Status(Engine engine, WalSenderRegistry registry, WalReceiver receiver, GucServerSettings settings,
               Instant startTime) {
            this.engine = engine;
            this.registry = registry;
            this.receiver = receiver;
            this.settings = settings;
            this.startTime = startTime;
        }

        @Override
        public boolean inRecovery() {
            return engine.inRecovery();
        }

        @Override
        public Instant lastXactReplayTimestamp() {
            return engine.inRecovery() ? engine.lastReplayedCommitTime() : null;
        }

        @Override
        public void setWalReplayPaused(boolean paused) {
            if (paused) {
                engine.replayControl().requestPause();
            } else {
                engine.replayControl().resume();
            }
        }

        @Override
        public String walReplayPauseState() {
            return engine.replayControl().pauseState().sqlName();
        }

        @Override
        public boolean awaitWalReplay(Lsn lsn, long timeoutMs) {
            return engine.replayControl().awaitReplayed(lsn, timeoutMs);
        }

        @Override
        public WalReceiverStatus walReceiver() {
            org.walden.replication.WalReceiverStat w = receiver == null ? null : receiver.stat();
            if (w == null) {
                return null;
            }
            return new WalReceiverStatus(w.pid(), w.status(), w.receiveStartLsn(), orZero(w.receiveStartTli()),
                    w.writtenLsn(), w.flushedLsn(), orZero(w.receivedTli()), w.lastMsgSendTime(),
                    w.lastMsgReceiptTime(), w.latestEndLsn(), w.latestEndTime(), w.slotName(), w.senderHost(),
                    orZero(w.senderPort()), w.conninfo());
        }

        /**
         * pg_stat_activity: the auxiliary processes a DBA sees in ps (startup and walreceiver on a
         * standby, walwriter on a primary, the checkpointer on both), then the client backends and
         * walsenders. A client backend shows its state ('active', 'idle', 'idle in transaction',
         * ...), its running or last statement, query_start, xact_start and state_change. A
         * walsender shows its replication command as query, "active" while it runs (a backup,
         * streaming) and "idle" between commands — what PostgreSQL's process title shows in ps.
         */
        @Override
        public List<BackendActivity> activity() {
            List<BackendActivity> rows = new java.util.ArrayList<>();
            boolean recovery = engine.inRecovery();
            if (recovery) {
                rows.add(auxiliary(STARTUP_PID, "startup"));
                if (receiver != null && receiver.stat() != null) {
                    rows.add(auxiliary(WALRECEIVER_PID, "walreceiver"));
                }
            }
            rows.add(auxiliary(CHECKPOINTER_PID, "checkpointer"));
            if (!recovery) {
                rows.add(auxiliary(WALWRITER_PID, "walwriter"));
            }
            Postmaster pm = postmaster;
            if (pm != null) {
                Map<Integer, WalSenderRegistry.Entry> walsenders = new java.util.HashMap<>();
                for (WalSenderRegistry.Entry e : registry.entries()) {
                    walsenders.put(e.pid(), e);
                }
                for (Postmaster.BackendEntry b : pm.backends()) {
                    InetSocketAddress client = b.client();
                    InetAddress addr = client == null ? null : client.getAddress();
                    int port = client == null ? -1 : client.getPort();
                    Backend.Activity a = b.activity();
                    WalSenderRegistry.Entry w = b.replication() ? walsenders.get(b.pid()) : null;
                    if (a != null) {
                        rows.add(new BackendActivity(b.pid(), b.databaseName(), b.userName(), b.applicationName(),
                                addr, port, b.backendStart(), a.xactStart(), a.queryStart(), a.stateChange(),
                                a.state(), a.query() == null ? "" : a.query(), "client backend"));
                    } else {
                        String state = w == null || w.command() == null ? null
                                : w.state() == WalSndState.STARTUP ? "idle" : "active";
                        rows.add(new BackendActivity(b.pid(), b.databaseName(), b.userName(), b.applicationName(),
                                addr, port, b.backendStart(), null, w == null ? null : w.commandStart(), null, state,
                                w == null ? null : w.command(), b.replication() ? "walsender" : "client backend"));
                    }
                }
            }
            return rows;
        }

        private BackendActivity auxiliary(int pid, String backendType) {
            return new BackendActivity(pid, null, null, "", null, 0, startTime, null, null, null, null, "",
                    backendType);
        }

        /** pg_stat_replication's rows with each walsender's hot standby feedback xmin as backend_xmin. */
        private static List<WalSenderStat> withBackendXmin(WalSenderRegistry registry) {
            Map<Integer, Long> xmins = new java.util.HashMap<>();
            for (WalSenderRegistry.Entry e : registry.entries()) {
                if (e.backendXmin() != null) {
                    xmins.put(e.pid(), e.backendXmin());
                }
            }
            return registry.stats().stream()
                    .map(w -> xmins.containsKey(w.pid()) ? w.withBackendXmin(xmins.get(w.pid())) : w).toList();
        }

        private static int orZero(Integer i) {
            return i == null ? 0 : i;
        }

        @Override
        public long databaseSizeBytes() {
            try (java.util.stream.Stream<Path> files = Files.walk(engine.dataDir().resolve(Engine.BASE_DIR))) {
                return files.filter(Files::isRegularFile).mapToLong(f -> {
                    try {
                        return Files.size(f);
                    } catch (IOException e) {
                        return 0; // removed by a compaction meanwhile
                    }
                }).sum();
            } catch (IOException | UncheckedIOException e) {
                throw new PgException(SqlState.IO_ERROR, "could not read directory \""
                        + engine.dataDir().resolve(Engine.BASE_DIR) + "\": " + e.getMessage());
            }
        }

        @Override
        public Lsn currentWalLsn() {
            return engine.wal() != null ? engine.wal().flushedLsn() : Lsn.INVALID;
        }

        @Override
        public Lsn lastWalReceiveLsn() {
            return receiver == null ? null : receiver.lastReceiveLsn();
        }

        @Override
        public Lsn lastWalReplayLsn() {
            return engine.inRecovery() ? engine.lastReplayLsn() : null;
        }

        @Override
        public List<WalSenderStat> walSenders() {
            return withBackendXmin(registry);
        }

        @Override
        public List<ReplicationSlotStatus> replicationSlots() {
            long seg = engine.walSegmentSizeBytes();
            Lsn current = engine.wal() != null ? engine.wal().insertPosition()
                    : engine.receiverWriter().writtenLsn();
            long oldestOnDisk = Long.MAX_VALUE;
            for (Path p : org.walden.wal.WalSegments.list(engine.dataDir().resolve(Engine.WAL_DIR))) {
                oldestOnDisk = Math.min(oldestOnDisk,
                        org.walden.wal.WalSegments.segmentNo(p.getFileName().toString(), seg));
            }
            org.walden.replication.WalAvailability.Horizon h = new org.walden.replication.WalAvailability.Horizon(
                    current, slots.replicationSlotMinimumLsn(), oldestOnDisk, seg, settings.getBytes("max_wal_size"),
                    settings.getBytes("wal_keep_size"), settings.getInt("wal_keep_segments"),
                    SlotsRetention.maxSlotWalKeepSizeBytes(settings));
            List<ReplicationSlotStatus> out = new java.util.ArrayList<>();
            for (ReplicationSlots.SlotInfo s : slots.list()) {
                org.walden.replication.WalAvailability a = org.walden.replication.WalAvailability.of(s, h);
                out.add(new ReplicationSlotStatus(s.slotName(), "physical", s.temporary(), s.active(),
                        s.active() ? s.activePid() : null, null, s.restartLsn().isValid() ? s.restartLsn() : null,
                        a.walStatus(), a.safeWalSizeBytes()));
            }
            return out;
        }

        @Override
        public Lsn createPhysicalReplicationSlot(String name, boolean immediatelyReserve, boolean temporary,
                                                 int backendPid) {
            if (settings.getInt("max_replication_slots") == 0) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "replication slots can only be used if max_replication_slots > 0");
            }
            // ReplicationSlotReserveWal: a physical slot starts at the last redo pointer
            Lsn restart = immediatelyReserve ? engine.controlFile().redo() : Lsn.INVALID;
            try {
                slots.create(name, temporary, restart, backendPid);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return immediatelyReserve ? restart : null;
        }

        @Override
        public void dropReplicationSlot(String name, int backendPid) {
            try {
                slots.drop(name, backendPid, false, 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
            }
        }

        @Override
        public void sessionEnded(int backendPid) {
            try {
                slots.cleanupSession(backendPid);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Instant postmasterStartTime() {
            return startTime;
        }

        @Override
        public void requestCheckpoint() {
            engine.requestCheckpoint();
        }

        @Override
        public Lsn switchWal() {
            return engine.wal().switchSegment();
        }

        @Override
        public String walFileName(Lsn lsn) {
            long segNo = lsn.value() == 0 ? 0 : (lsn.value() - 1) / engine.walSegmentSizeBytes(); // XLByteToPrevSeg
            return org.walden.wal.WalSegments.fileName(engine.timeline(), segNo, engine.walSegmentSizeBytes());
        }

        @Override
        public Archiver.Stats archiverStats() {
            Archiver a = archiver;
            return a == null ? ServerStatus.super.archiverStats() : a.stats();
        }

        @Override
        public boolean reloadConfiguration() {
            Postmaster pm = postmaster;
            if (pm != null) {
                pm.reload();
                return true;
            }
            return settings.reload();
        }
    }
}
