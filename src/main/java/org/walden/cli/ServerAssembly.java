package org.walden.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.walden.replication.WalSenderRegistry;
import org.walden.replication.WalSenderStat;
import org.walden.replication.WalSource;
import org.walden.server.Postmaster;
import org.walden.server.ReplicationHandler;
import org.walden.server.config.RecoveryMode;
import org.walden.server.logging.PgLog;
import org.walden.sql.ServerStatus;
import org.walden.sql.WaldenSqlEngine;
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
            engine.setMinKeepLsnSupplier(slots::minimumLsnToKeep);
            WalSenderRegistry registry = new WalSenderRegistry();
            WalSenderContext ctx = new WalSenderContext(new EngineWalSource(engine),
                    standby ? null : new EngineBackupSource(engine), slots, registry, settings, clock);
            WalReceiver receiver = null;
            if (standby && !settings.getString("primary_conninfo").isBlank()) {
                receiver = new WalReceiver(new WalReceiver.Config(settings.getString("primary_conninfo"),
                        settings.getString("primary_slot_name"), settings.getString("cluster_name"),
                        settings.getMillis("wal_receiver_timeout"), settings.getMillis("wal_receiver_status_interval"),
                        settings.getMillis("wal_retrieve_retry_interval")), new EngineWalSink(engine, dataDir), clock);
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
            Thread receiverThread = receiver == null ? null
                    : Thread.ofPlatform().name("walreceiver").daemon(true).unstarted(receiver::run);
            ServerAssembly server = new ServerAssembly(pm, engine, receiver, receiverThread);
            pm.addShutdownTask(server::shutdownEngine);
            pm.setPromoteHandler(() -> PgLog.warning("promotion is not implemented yet; promote request ignored"));
            if (receiverThread != null) {
                receiverThread.start();
            }
            if (standby) {
                awaitConsistency(engine, settings);
            }
            pm.installSignalHandlers();
            pm.start();
            if (standby) {
                // pg_ctl reads "standby" as ready: a hot standby accepting read-only connections
                org.walden.server.config.PostmasterPidFile.setStatus(dataDir,
                        org.walden.server.config.PostmasterPidFile.STANDBY);
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
     * A hot standby admits connections only once redo has reached a consistent state (the
     * backup's end or the minimum recovery point), as PostgreSQL's postmaster waits for
     * PMSIGNAL_BEGIN_HOT_STANDBY; until then it does not listen, and ctl start keeps waiting.
     */
    private static void awaitConsistency(Engine engine, GucServerSettings settings) {
        if (engine.isConsistent()) {
            return;
        }
        PgLog.log("waiting for a consistent recovery state before accepting read-only connections");
        while (!engine.isConsistent()) {
            try {
                Thread.sleep(CONSISTENCY_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgException(PgException.Severity.FATAL, SqlState.ADMIN_SHUTDOWN,
                        "interrupted while waiting for a consistent recovery state", null, null, e);
            }
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

    /** The engine's WAL as walsenders read it (primary only; a standby does not cascade yet). */
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
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cascading replication is not supported yet");
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
                    Engine.BASE_DIR);
        }

        @Override
        public Lsn stopBackup(StartedBackup backup) throws IOException {
            Engine.BackupStart b = started.remove(backup.storageSnapshotDir());
            try {
                return engine.finishBackup(b);
            } finally {
                DemoCommand.deleteRecursively(backup.storageSnapshotDir());
            }
        }
    }

    /** The standby's side: received WAL into the engine's receiver writer; replay progress from its startup process. */
    private record EngineWalSink(Engine engine, Path dataDir) implements ReceivedWalSink {
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
                Files.writeString(dataDir.resolve(Engine.WAL_DIR).resolve(String.format("%08X.history",
                        timeline.value())), content);
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
        private final Engine engine;
        private final WalSenderRegistry registry;
        /** The replication slots; set once, before the postmaster starts accepting connections. */
        private volatile ReplicationSlots slots;
        private final WalReceiver receiver;
        private final GucServerSettings settings;
        private final Instant startTime;
        /** Set once, before the postmaster starts accepting connections. */
        private volatile Postmaster postmaster;

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
            return registry.stats();
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
