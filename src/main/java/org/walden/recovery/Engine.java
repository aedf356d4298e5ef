package org.walden.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Supplier;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.storage.Checkpointer;
import org.walden.storage.Store;
import org.walden.storage.TablespaceDirectories;
import org.walden.txn.CommitWaiter;
import org.walden.txn.KvTransactionManager;
import org.walden.txn.TransactionManager;
import org.walden.wal.CheckPoint;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.TablespaceRecords;
import org.walden.wal.Wal;
import org.walden.wal.WalReceiverWriter;
import org.walden.wal.WalSegments;
import org.walden.wal.WalWriter;
import org.walden.wal.XactRecords;

/**
 * The storage engine as the server layer sees it: a thin facade that wires pg_control, the
 * WAL, RocksDB, transactions, the startup process, the walwriter and the checkpointer.
 *
 * <p>{@link #initialize} is initdb's part; {@link #open} runs crash recovery (primary) or starts
 * the standby's redo loop; {@link #shutdown} writes the shutdown checkpoint (or restartpoint).
 * The caller stops its backends and walreceiver before shutdown.
 */
public final class Engine {

    public static final String WAL_DIR = "pg_wal";
    public static final String BASE_DIR = "base";
    public static final String GLOBAL_DIR = "global";

    /**
     * What BASE_BACKUP needs: the backup_label's START WAL LOCATION and CHECKPOINT LOCATION,
     * and whether it was taken in recovery (from a standby).
     */
    public record BackupStart(Lsn startLsn, Lsn checkPointLsn, TimelineId timeline, Instant startTime,
                              boolean fromStandby) {
    }

    /** BASE_BACKUP's end: the end LSN and pg_control as the copy must hold it. */
    public record BackupEnd(Lsn endLsn, byte[] controlFile) {
    }

    private final Path dataDir;
    private final EngineOptions options;
    private final ControlFile controlFile;
    private final Store store;
    private final KvTransactionManager transactions;
    private final Timelines timelines;
    private final Startup startup;
    private final Checkpointer checkpointer;
    private volatile Wal wal;
    private volatile WalWriter walWriter;
    private volatile WalReceiverWriter receiverWriter;
    /** track_wal_io_timing, handed to each WAL this engine writes (the promoted one too). */
    private volatile java.util.function.BooleanSupplier walIoTiming = () -> false;
    private volatile boolean closed;
    /** The server's side of recovery's end (walreceiver, promotion, failures); set before the loop starts. */
    private volatile RecoveryListener recoveryListener = RecoveryListener.NONE;
    /** Promotion and shutdown do not overlap. */
    private final java.util.concurrent.locks.ReentrantLock lifecycleLock = new java.util.concurrent.locks.ReentrantLock();

    /**
     * What the server does around the end of recovery. Called on the startup thread, except
     * where said otherwise.
     */
    public interface RecoveryListener {
        RecoveryListener NONE = new RecoveryListener() { };

        /** Stop the walreceiver and wait until it has flushed what it received (promotion, recovery target). */
        default void stopWalReceiver() {
        }

        /** The new primary's WAL is open; writes are not yet enabled (install the commit waiter, the archiver). */
        default void beforeWritesEnabled(Wal primaryWal) {
        }

        /** Promotion is complete: writes are enabled ("database system is ready to accept connections"). */
        default void promoted(TimelineId newTimeline) {
        }

        /** recovery_target_action = shutdown reached its target: stop the server. */
        default void shutdownAtRecoveryTarget() {
        }

        /** The startup process failed with a FATAL error: stop the server. */
        default void startupFailed(PgException e) {
        }
    }
    /** What runs before RocksDB writes a memtable (see Store.open); set per mode. */
    private final FlushHook flushHook;

    /** Delegates RocksDB's flush-begin callback to the current mode's action. */
    private static final class FlushHook implements Runnable {
        volatile Runnable action = () -> { };

        @Override
        public void run() {
            action.run();
        }
    }

    private Engine(Path dataDir, EngineOptions options, ControlFile controlFile, Store store, FlushHook flushHook) {
        this.dataDir = dataDir;
        this.flushHook = flushHook;
        this.options = options;
        this.controlFile = controlFile;
        this.store = store;
        ControlFile.Data cf = controlFile.get();
        this.transactions = new KvTransactionManager(store, null, options.clock(), cf.nextXid());
        this.timelines = new Timelines(dataDir.resolve(WAL_DIR));
        this.startup = new Startup(dataDir, controlFile, store, transactions, timelines);
        this.checkpointer = new Checkpointer(new Checkpointer.Config(store, controlFile, dataDir.resolve(WAL_DIR),
                cf.walSegmentSizeBytes(), options.clock(), options.checkpointTimeoutMs(), options.maxWalSizeBytes(),
                options.walKeepSizeBytes(), options.walKeepSegments()));
    }

    /**
     * initdb: pg_control with a new system identifier, pg_wal/ whose first segment holds a
     * shutdown checkpoint, an empty RocksDB in base/.
     */
    public static void initialize(Path dataDir, long walSegmentSizeBytes) {
        initialize(dataDir, walSegmentSizeBytes, Clock.systemUTC());
    }

    public static void initialize(Path dataDir, long walSegmentSizeBytes, Clock clock) {
        if (!WalSegments.isValidSegmentSize(walSegmentSizeBytes)) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "WAL segment size must be a power of two between 1 MB and 1 GB");
        }
        Path walDir = dataDir.resolve(WAL_DIR);
        try {
            Files.createDirectories(walDir.resolve("archive_status"));
            Files.createDirectories(dataDir.resolve(GLOBAL_DIR));
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not create directory \"" + dataDir + "\": " + e.getMessage(), e);
        }
        Store.open(dataDir.resolve(BASE_DIR)).close();
        Lsn first = WalSegments.segmentStart(1, walSegmentSizeBytes);
        Wal wal = new Wal(walDir, walSegmentSizeBytes, TimelineId.FIRST, first, Lsn.INVALID, Wal.Options.defaults());
        long now = clock.instant().getEpochSecond();
        CheckPoint cp = new CheckPoint(first, TimelineId.FIRST, TimelineId.FIRST, KvTransactionManager.FIRST_NORMAL_XID, now);
        Wal.Inserted ins = wal.insert(cp.toRecord(true));
        wal.close(true);
        ControlFile.create(dataDir, new ControlFile.Data(ControlFile.newSystemIdentifier(clock), DbState.SHUTDOWNED,
                now, ins.firstLsn(), first, TimelineId.FIRST, TimelineId.FIRST, cp.nextXid(), now, Lsn.INVALID,
                TimelineId.FIRST, Lsn.INVALID, Lsn.INVALID, false, walSegmentSizeBytes), clock);
    }

    /**
     * Starts the engine: crash recovery then production, or archive recovery (a standby's redo
     * loop, or recovery.signal's) that ends in promotion.
     */
    public static Engine open(Path dataDir, EngineOptions options) {
        if (Files.exists(dataDir.resolve(Rewind.MARKER_FILE))) {
            throw PgException.fatal(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "data directory \"" + dataDir + "\" is being rewound")
                    .withDetail("A walden rewind of it was interrupted: its data mixes two histories.")
                    .withHint("Run walden rewind again to complete it.");
        }
        ControlFile cf = ControlFile.open(dataDir, options.fsync(), options.clock());
        BackupSnapshots.restoreAtStart(dataDir, BASE_DIR);
        if (BackupLabel.read(dataDir) != null) {
            // the links first: the tablespaces' column families open through them
            TablespaceDirectories.applyTablespaceMap(dataDir);
        }
        FlushHook hook = new FlushHook();
        // archive recovery compacts nothing until replay has caught up (Startup.whenCaughtUp below)
        Store store = Store.open(dataDir.resolve(BASE_DIR), hook, options.storeMemory(),
                options.recovery().archiveRecoveryRequested());
        Engine engine = new Engine(dataDir, options, cf, store, hook);
        try {
            if (options.recovery().archiveRecoveryRequested()) {
                engine.startArchiveRecovery();
            } else {
                engine.startPrimary();
            }
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return engine;
    }

    private void startPrimary() {
        Startup.ReplayResult r = startup.replayLocalWal(options.recovery());
        ControlFile.Data cf = controlFile.get();
        Wal.truncateAfter(dataDir.resolve(WAL_DIR), cf.walSegmentSizeBytes(), cf.timeline(), r.history(),
                r.endOfWal(), options.fsync());
        Wal primaryWal = new Wal(dataDir.resolve(WAL_DIR), cf.walSegmentSizeBytes(), cf.timeline(), r.endOfWal(),
                r.lastRecordLsn(), walOptions());
        primaryWal.setReadTimelines(r.history());
        wal = primaryWal;
        flushHook.action = primaryWal::flushAll;
        transactions.endRecovery(primaryWal, r.nextXid());
        checkpointer.setPrimary(primaryWal, transactions::redoPoint, transactions::nextXid);
        if (r.wasCleanShutdown()) {
            controlFile.update(d -> d.withState(DbState.IN_PRODUCTION));
        } else {
            checkpointer.performCheckpoint(Checkpointer.Kind.END_OF_RECOVERY);
        }
        startWalWriter(primaryWal);
        checkpointer.start();
    }

    private Wal.Options walOptions() {
        return new Wal.Options(options.fsync(), options.walBuffersBytes(), options.walKeepSizeBytes(),
                options.walKeepSegments());
    }

    private void startWalWriter(Wal w) {
        WalWriter writer = new WalWriter(w, options.walWriterDelayMs());
        walWriter = writer;
        writer.start();
    }

    private void startArchiveRecovery() {
        flushHook.action = startup::updateMinRecoveryPoint;
        startup.whenCaughtUp(store::resumeCompactions);
        RecoveryConfig r0 = options.recovery();
        setRestoreCommand(r0.restoreCommand(), r0.retrieveRetryIntervalMs());
        Startup.ReplayResult r = startup.replayLocalWal(options.recovery());
        ControlFile.Data cf = controlFile.get();
        Timelines.History history = r.history();
        WalReceiverWriter writer = new WalReceiverWriter(dataDir.resolve(WAL_DIR), cf.walSegmentSizeBytes(),
                history.timelineOf(r.endOfWal()), r.endOfWal(), options.fsync());
        writer.setReadTimelines(history);
        receiverWriter = writer;
        startup.setHistoryListener(writer::setReadTimelines);
        transactions.setRecoveryLsnSupplier(startup::replayEndLsn);
        checkpointer.setStandby(startup::restartPoint, startup::replayEndLsn, writer::flushedLsn, startup::nextXid);
    }

    /**
     * Starts the redo loop of archive recovery (after the server has set the listener, the
     * archive source and the walreceiver's streaming state) and the checkpointer's
     * restartpoints. No effect on a primary.
     */
    public void startRecovery() {
        if (receiverWriter == null || !inRecovery()) {
            return;
        }
        startup.startRecoveryLoop(receiverWriter, new EndOfRecoveryHandler());
        checkpointer.start();
    }

    /** The startup process's end of recovery, wired to the server's {@link RecoveryListener}. */
    private final class EndOfRecoveryHandler implements Startup.EndHandler {
        @Override
        public void stopWalReceiver() {
            recoveryListener.stopWalReceiver();
        }

        @Override
        public void promote(Startup.EndOfRecovery end) {
            finishPromotion(end);
        }

        @Override
        public void shutdownAtTarget() {
            recoveryListener.shutdownAtRecoveryTarget();
        }

        @Override
        public void failed(PgException e) {
            recoveryListener.startupFailed(e);
        }
    }

    /**
     * The second half of promotion, after {@link Promotion#promote}: pending transactions of the
     * old timeline are dropped, writes enabled, the checkpointer becomes a primary's, the
     * walwriter starts, a checkpoint is requested; the server hears it on each side.
     */
    private void finishPromotion(Startup.EndOfRecovery end) {
        Promotion.Promoted promoted;
        lifecycleLock.lock();
        try {
            if (closed) {
                return;
            }
            promoted = Promotion.promote(end, new Promotion.Context(dataDir, controlFile, timelines, options));
            timelines.setArchive(null); // archive recovery is over: history files are this server's own now
            Wal primaryWal = promoted.wal();
            startup.rmgr().dropPending();
            receiverWriter.setReadTimelines(promoted.history()); // cascading walsenders read by it until they switch
            receiverWriter.close();
            if (promoted.switchSegment() != null) {
                promoted.switchSegment().releaseOldName();
            }
            flushHook.action = primaryWal::flushAll;
            primaryWal.setIoTiming(walIoTiming);
            checkpointer.setPrimary(primaryWal, transactions::redoPoint, transactions::nextXid);
            wal = primaryWal;
            recoveryListener.beforeWritesEnabled(primaryWal);
            transactions.endRecovery(primaryWal, end.nextXid());
            startWalWriter(primaryWal);
        } finally {
            lifecycleLock.unlock();
        }
        recoveryListener.promoted(wal.timeline());
        checkpointer.requestCheckpointNoWait();
        promoted.archivePartial();
    }

    /** The server's side of recovery's end; set before {@link #startRecovery}. */
    public void setRecoveryListener(RecoveryListener listener) {
        this.recoveryListener = listener == null ? RecoveryListener.NONE : listener;
    }

    /** A promote request (SIGUSR1 after promote.signal): acted on once what is available is replayed. */
    public void requestPromote() {
        startup.requestPromote();
    }

    /** Timeline history files, for walsenders and the walreceiver. */
    public Timelines timelines() {
        return timelines;
    }

    /** What the startup process asks the walreceiver to stream. */
    public StreamRequests streamRequests() {
        return startup.streamRequests();
    }

    /** Whether the walreceiver streams now (the redo loop neither restores nor re-requests then). */
    public void setWalReceiverStreaming(java.util.function.BooleanSupplier streaming) {
        startup.setWalReceiverStreaming(streaming);
    }

    public TransactionManager transactionManager() {
        return transactions;
    }

    /** Committed write transactions and their commit times. */
    public org.walden.txn.CommitStats commitStats() {
        return transactions.commitStats();
    }

    /** The writers, and the switchover's pause of new ones. */
    public org.walden.txn.WriteGate writeGate() {
        return transactions.writeGate();
    }

    /** The primary's WAL (walsenders read it); null on a standby. */
    public Wal wal() {
        return wal;
    }

    /** The standby's receiver-side writer (the walreceiver writes into it); null on a primary. */
    public WalReceiverWriter receiverWriter() {
        return receiverWriter;
    }

    public boolean inRecovery() {
        return transactions.inRecovery();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The storage's memory bounds (from shared_buffers) and what it holds now. */
    public org.walden.storage.StoreMemory.Usage storeMemoryUsage() {
        return store.memoryUsage();
    }

    /** A copy of pg_control's current contents. */
    public ControlFile.Data controlFile() {
        return controlFile.get();
    }

    public long systemIdentifier() {
        return controlFile.get().systemIdentifier();
    }

    /**
     * The server's current timeline: the one the primary writes, or on a standby the one its
     * walreceiver receives (what IDENTIFY_SYSTEM reports and cascading walsenders stream).
     */
    public TimelineId timeline() {
        Wal w = wal;
        if (w != null) {
            return w.timeline();
        }
        WalReceiverWriter r = receiverWriter;
        return r != null ? r.timeline() : controlFile.get().timeline();
    }

    /** The history of the server's current timeline (what its WAL readers follow). */
    public Timelines.History history() {
        Wal w = wal;
        return w == null && receiverWriter != null ? startup.history() : timelines.history(timeline());
    }

    public long walSegmentSizeBytes() {
        return controlFile.get().walSegmentSizeBytes();
    }

    /** pg_last_wal_replay_lsn: just past the last replayed record (INVALID on a primary that never recovered). */
    public Lsn lastReplayLsn() {
        return startup.replayEndLsn();
    }

    /** pg_last_xact_replay_timestamp, or null. */
    public Instant lastReplayedCommitTime() {
        return startup.lastReplayedCommitTime();
    }

    /**
     * The xmin a standby reports in hot standby feedback: the next xid after replay (every
     * transaction before it is finished on this standby). Walden's standby snapshots need
     * nothing held back on the primary; the value is shown there as backend_xmin.
     */
    public int standbyFeedbackXmin() {
        return startup.nextXid();
    }

    /** pg_wal_replay_pause / resume / pg_wal_replay_wait (meaningful on a standby only). */
    public ReplayControl replayControl() {
        return startup.replayControl();
    }

    /** True once a standby may admit hot-standby connections (always true on a primary). */
    public boolean isConsistent() {
        return !inRecovery() || startup.isConsistent();
    }

    /** The CHECKPOINT command (a restartpoint on a standby); waits until done. */
    public void requestCheckpoint() {
        checkpointer.requestCheckpoint();
    }

    public long checkpointsDone() {
        return checkpointer.checkpointsDone();
    }

    /** pg_stat_bgwriter's checkpoint counters since this engine opened. */
    public org.walden.storage.Checkpointer.Stats checkpointStats() {
        return checkpointer.stats();
    }

    /** Synchronous replication's wait (REMOTE_WRITE, ON, REMOTE_APPLY commits). */
    public void setCommitWaiter(CommitWaiter waiter) {
        transactions.setCommitWaiter(waiter);
    }

    /**
     * Runs {@code action} once when the redo loop of archive recovery first has replayed all it
     * has (or ends), at once when not in recovery or already caught up (see Startup.whenCaughtUp).
     */
    public void whenReplayCaughtUp(Runnable action) {
        if (inRecovery()) {
            startup.whenCaughtUp(action);
        } else {
            action.run();
        }
    }

    /** For {@link #whenReplayCaughtUp}: whether replay at a position has reached the end of WAL on the primary. */
    public void setReplaySourceReachedTest(java.util.function.Predicate<Lsn> reachedAt) {
        startup.setSourceReachedTest(reachedAt);
    }

    /** Runs whenever the standby's redo loop has replayed all it has (see Startup.setCaughtUpListener). */
    public void setReplayCaughtUpListener(Runnable listener) {
        startup.setCaughtUpListener(listener);
    }

    /**
     * restore_command in archive recovery (blank: stream only; a reload may change it): WAL
     * segments and timeline history files from the archive. No effect on a primary.
     */
    public void setRestoreCommand(String command, long retryIntervalMs) {
        if (command == null || command.isBlank()) {
            startup.setArchiveSource(null);
            return;
        }
        startup.setArchiveSource(new Startup.ArchiveSource(new org.walden.wal.RestoreCommand(dataDir, command,
                walSegmentSizeBytes(), org.walden.wal.Archiver.DEFAULT_COMMAND_TIMEOUT_MS), retryIntervalMs));
    }

    /** Replication slots for the checkpointer: saved at checkpoints, WAL kept, max_slot_wal_keep_size applied. */
    public void setSlotRetention(org.walden.storage.SlotRetention retention) {
        checkpointer.setSlotRetention(retention);
    }

    /** track_wal_io_timing: pg_stat_wal's write and sync times are kept while it is on. */
    public void setWalIoTiming(java.util.function.BooleanSupplier timing) {
        walIoTiming = timing;
        Wal w = wal;
        if (w != null) {
            w.setIoTiming(timing);
        }
        WalReceiverWriter r = receiverWriter;
        if (r != null) {
            r.setIoTiming(timing);
        }
    }

    /**
     * pg_stat_wal's counters since this engine opened: the records this server inserted, and
     * the writes and syncs of its WAL and, on a standby (or a promoted one), of the WAL it received.
     */
    public org.walden.wal.WalStats walStats() {
        org.walden.wal.WalStats s = org.walden.wal.WalStats.ZERO;
        Wal w = wal;
        if (w != null) {
            s = s.plus(w.stats());
        }
        WalReceiverWriter r = receiverWriter;
        if (r != null) {
            s = s.plus(r.ioStats());
        }
        return s;
    }

    /** log_checkpoints and shared_buffers for the checkpointer's log lines. */
    public void setCheckpointLogging(java.util.function.BooleanSupplier logCheckpoints, long sharedBuffersBytes) {
        checkpointer.setCheckpointLogging(logCheckpoints, sharedBuffersBytes);
    }

    public void setMinKeepLsnSupplier(Supplier<Lsn> supplier) {
        checkpointer.setMinKeepLsnSupplier(supplier);
        Wal w = wal;
        if (w != null) {
            w.setMinKeepLsnSupplier(supplier);
        }
    }

    /**
     * BASE_BACKUP's start: a checkpoint (a restartpoint on a standby), then a RocksDB checkpoint
     * (hard links) into {@code target} (which must not exist). The backup needs the WAL from the
     * returned start LSN up to {@link #finishBackup}'s end LSN. On a standby the snapshot is
     * taken between two replayed records, so that every change in it is at or before the
     * replay position the backup ends at.
     */
    public BackupStart createBackupCheckpoint(Path target) {
        Instant startTime = options.clock().instant();
        boolean fromStandby = inRecovery();
        checkpointer.performCheckpoint(Checkpointer.Kind.REQUESTED);
        ControlFile.Data cf = controlFile.get();
        if (fromStandby) {
            startup.betweenRecords(() -> store.createCheckpoint(target));
        } else {
            store.createCheckpoint(target);
        }
        return new BackupStart(cf.redo(), cf.checkPoint(), cf.timeline(), startTime, fromStandby);
    }

    /**
     * BASE_BACKUP's end. A primary logs the backup-end record and the end is past it; a standby
     * cannot write WAL, so the end is its replay position and the copy learns it from its
     * pg_control's minRecoveryPoint (do_pg_backup_stop in recovery). A standby promoted while
     * the backup ran cannot vouch for it.
     */
    public BackupEnd finishBackup(BackupStart start) {
        ControlFile.Data cf = controlFile.get();
        if (start.fromStandby()) {
            if (!inRecovery()) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "the standby was promoted during online backup")
                        .withHint("This means that the backup being taken is corrupt and should not be used. "
                                + "Try taking another online backup.");
            }
            Lsn end = startup.replayEndLsn();
            ControlFile.Data copy = end.isAfter(cf.minRecoveryPoint())
                    ? cf.withMinRecoveryPoint(end, cf.timeline()) : cf;
            return new BackupEnd(Lsn.max(end, cf.minRecoveryPoint()), ControlFile.encode(copy));
        }
        Wal.Inserted ins = wal.insert(XactRecords.backupEnd(start.startLsn()));
        wal.flush(ins.endLsn());
        return new BackupEnd(ins.endLsn(), ControlFile.encode(controlFile.get()));
    }

    /**
     * Every row with a key in [from, to) from one storage snapshot (READ_KEY_RANGE, for a rewind
     * of another server), handed to {@code sink}; returns the WAL position the snapshot reflects:
     * a primary's flush position after the snapshot (every commit in it is flushed below it), a
     * standby's replay position at it.
     */
    public Lsn scanKeyRange(byte[] from, byte[] to, java.util.function.BiConsumer<byte[], byte[]> sink) {
        org.walden.storage.StoreSnapshot[] snap = new org.walden.storage.StoreSnapshot[1];
        Lsn at;
        if (inRecovery()) {
            Lsn[] replayed = new Lsn[1];
            startup.betweenRecords(() -> {
                snap[0] = store.snapshot();
                replayed[0] = startup.replayEndLsn();
            });
            at = replayed[0];
        } else {
            snap[0] = store.snapshot();
            at = wal.insertPosition();
        }
        try (org.walden.storage.StoreSnapshot s = snap[0];
             org.walden.storage.StoreIterator it = store.scan(s, from, to)) {
            while (it.next()) {
                sink.accept(it.key(), it.value());
            }
        }
        return at;
    }

    /**
     * pg_create_restore_point(name): a RESTORE_POINT record recovery_target_name stops after,
     * flushed; returns the end of the record ("restore point ... created at").
     */
    public Lsn createRestorePoint(String name) {
        Wal w = wal;
        if (w == null) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is in progress")
                    .withHint("WAL control functions cannot be executed during recovery.");
        }
        long nowMicros = java.util.concurrent.TimeUnit.MILLISECONDS.toMicros(options.clock().millis());
        Wal.Inserted ins = w.insert(XactRecords.restorePoint(name, nowMicros));
        w.flush(ins.endLsn());
        org.slf4j.LoggerFactory.getLogger(Engine.class).info("restore point \"{}\" created at {}", name, ins.endLsn());
        return ins.endLsn();
    }

    /**
     * CREATE TABLESPACE's directories: makes them (see {@link TablespaceDirectories#create}) and
     * logs a TBLSPC CREATE record, flushed, so a standby makes them too before it replays rows
     * of relations stored there.
     */
    public void createTablespace(int oid, String location) {
        Wal w = requireWal();
        TablespaceDirectories.create(dataDir, oid, location, false);
        w.flush(w.insert(TablespaceRecords.create(oid, location)).endLsn());
        store.createTablespace(oid);
    }

    /**
     * Stores {@code relfilenode}'s rows in tablespace {@code tablespaceOid} (0: pg_default) from
     * now on: a TBLSPC PLACE record (so that redo routes its rows before replaying them), then
     * the store's routing. Called before the relfilenode's first row is written.
     */
    public void placeRelation(int relfilenode, int tablespaceOid) {
        Wal w = requireWal();
        w.insert(TablespaceRecords.place(relfilenode, tablespaceOid));
        store.place(relfilenode, tablespaceOid);
    }

    /** The tablespace whose storage holds {@code relfilenode}'s rows; 0 for pg_default. */
    public int relationTablespace(int relfilenode) {
        return store.tablespaceOf(relfilenode);
    }

    /**
     * DROP TABLESPACE's storage and directories: false when its column family still holds rows
     * or the directories other files (nothing logged); else the family is dropped, the
     * directories removed and a TBLSPC DROP record logged and flushed.
     */
    public boolean dropTablespace(int oid) {
        Wal w = requireWal();
        if (!store.tablespaceEmpty(oid)) {
            return false;
        }
        store.dropTablespace(oid);
        if (!TablespaceDirectories.drop(dataDir, oid)) {
            return false;
        }
        w.flush(w.insert(TablespaceRecords.drop(oid)).endLsn());
        return true;
    }

    private Wal requireWal() {
        Wal w = wal;
        if (w == null) {
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION, "cannot execute tablespace commands during recovery");
        }
        return w;
    }

    /** Clean stop: shutdown checkpoint (primary) or restartpoint (standby), pg_control updated. */
    public void shutdown() {
        stop(true);
    }

    /**
     * For tests: stops as kill -9 would leave things: no shutdown checkpoint, RocksDB's memtables
     * and unflushed WAL lost. The next {@link #open} runs crash recovery.
     */
    public void simulateCrash() {
        stop(false);
    }

    private void stop(boolean clean) {
        if (closed) {
            return;
        }
        startup.shutdown(); // ends the redo loop, or waits for a promotion under way
        lifecycleLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (!clean) {
                checkpointer.stopWithoutCheckpoint();
            }
            if (inRecovery()) {
                if (receiverWriter != null) {
                    receiverWriter.close();
                }
                if (clean) {
                    checkpointer.shutdown();
                }
            } else {
                walWriter.shutdown(clean);
                if (clean) {
                    controlFile.update(d -> d.withState(DbState.SHUTDOWNING));
                    checkpointer.shutdown();
                }
                wal.close(clean);
            }
            store.close();
        } finally {
            lifecycleLock.unlock();
        }
    }
}
