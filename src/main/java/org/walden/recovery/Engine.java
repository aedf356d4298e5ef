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
import org.walden.txn.CommitWaiter;
import org.walden.txn.KvTransactionManager;
import org.walden.txn.TransactionManager;
import org.walden.wal.CheckPoint;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
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
    private final Startup startup;
    private final Checkpointer checkpointer;
    private volatile Wal wal;
    private WalWriter walWriter;
    private WalReceiverWriter receiverWriter;
    private volatile boolean closed;
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
        this.startup = new Startup(dataDir, controlFile, store, transactions);
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

    /** Starts the engine: crash recovery then production, or the standby's redo loop. */
    public static Engine open(Path dataDir, EngineOptions options) {
        ControlFile cf = ControlFile.open(dataDir, options.fsync(), options.clock());
        FlushHook hook = new FlushHook();
        Store store = Store.open(dataDir.resolve(BASE_DIR), hook);
        Engine engine = new Engine(dataDir, options, cf, store, hook);
        try {
            if (options.standbyMode()) {
                engine.startStandby();
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
        Startup.ReplayResult r = startup.replayLocalWal(false);
        ControlFile.Data cf = controlFile.get();
        Wal.truncateAfter(dataDir.resolve(WAL_DIR), cf.walSegmentSizeBytes(), cf.timeline(), r.endOfWal(),
                options.fsync());
        wal = new Wal(dataDir.resolve(WAL_DIR), cf.walSegmentSizeBytes(), cf.timeline(), r.endOfWal(),
                r.lastRecordLsn(), new Wal.Options(options.fsync(), options.walBuffersBytes(),
                options.walKeepSizeBytes(), options.walKeepSegments()));
        Wal primaryWal = wal;
        flushHook.action = primaryWal::flushAll;
        transactions.endRecovery(wal, r.nextXid());
        checkpointer.setPrimary(wal, transactions::redoPoint, transactions::nextXid);
        if (r.wasCleanShutdown()) {
            controlFile.update(d -> d.withState(DbState.IN_PRODUCTION));
        } else {
            checkpointer.performCheckpoint(Checkpointer.Kind.END_OF_RECOVERY);
        }
        walWriter = new WalWriter(wal, options.walWriterDelayMs());
        walWriter.start();
        checkpointer.start();
    }

    private void startStandby() {
        flushHook.action = startup::updateMinRecoveryPoint;
        Startup.ReplayResult r = startup.replayLocalWal(true);
        ControlFile.Data cf = controlFile.get();
        receiverWriter = new WalReceiverWriter(dataDir.resolve(WAL_DIR), cf.walSegmentSizeBytes(), cf.timeline(),
                r.endOfWal(), options.fsync());
        transactions.setRecoveryLsnSupplier(startup::replayEndLsn);
        checkpointer.setStandby(startup::redoPoint, startup::replayEndLsn, receiverWriter::flushedLsn,
                startup::nextXid);
        startup.startStandbyLoop(receiverWriter);
        checkpointer.start();
    }

    public TransactionManager transactionManager() {
        return transactions;
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

    /** A copy of pg_control's current contents. */
    public ControlFile.Data controlFile() {
        return controlFile.get();
    }

    public long systemIdentifier() {
        return controlFile.get().systemIdentifier();
    }

    public TimelineId timeline() {
        return controlFile.get().timeline();
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

    /** Synchronous replication's wait (REMOTE_WRITE, ON, REMOTE_APPLY commits). */
    public void setCommitWaiter(CommitWaiter waiter) {
        transactions.setCommitWaiter(waiter);
    }

    /** Runs whenever the standby's redo loop has replayed all it has (see Startup.setCaughtUpListener). */
    public void setReplayCaughtUpListener(Runnable listener) {
        startup.setCaughtUpListener(listener);
    }

    /** restore_command for the standby's redo loop (null: stream only); no effect on a primary. */
    public void setArchiveSource(Startup.ArchiveSource source) {
        startup.setArchiveSource(source);
    }

    /** Replication slots' oldest needed LSN: segments from it on are kept. */
    /** Replication slots for the checkpointer: saved at checkpoints, WAL kept, max_slot_wal_keep_size applied. */
    public void setSlotRetention(org.walden.storage.SlotRetention retention) {
        checkpointer.setSlotRetention(retention);
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

    /** Clean stop: shutdown checkpoint (primary) or restartpoint (standby), pg_control updated. */
    public void shutdown() {
        if (closed) {
            return;
        }
        closed = true;
        if (inRecovery()) {
            startup.shutdown();
            receiverWriter.close();
            checkpointer.shutdown();
        } else {
            walWriter.shutdown(true);
            controlFile.update(d -> d.withState(DbState.SHUTDOWNING));
            checkpointer.shutdown();
            wal.close(true);
        }
        store.close();
    }

    /**
     * For tests: stops as kill -9 would leave things: no shutdown checkpoint, RocksDB's memtables
     * and unflushed WAL lost. The next {@link #open} runs crash recovery.
     */
    public void simulateCrash() {
        if (closed) {
            return;
        }
        closed = true;
        checkpointer.stopWithoutCheckpoint();
        if (inRecovery()) {
            startup.shutdown();
            receiverWriter.close();
        } else {
            walWriter.shutdown(false);
            wal.close(false);
        }
        store.close();
    }
}
