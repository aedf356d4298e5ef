package org.walden.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.storage.Store;
import org.walden.txn.KvTransactionManager;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.Lsn;
import org.walden.wal.WalReader;
import org.walden.wal.WalReceiverWriter;
import org.walden.wal.RestoreCommand;
import org.walden.wal.WalRecord;
import org.walden.wal.WalSegments;

/**
 * The startup process (PostgreSQL's StartupXLOG and its redo loop).
 *
 * <p><b>Who starts it, who it talks to.</b> {@link Engine#open} creates it on every start.
 * It reads pg_control (and a {@code backup_label} left by a base backup), replays the WAL from
 * the redo LSN through the {@link RmgrTable} into the {@link Store}, and tells the engine where
 * valid WAL ends. On a standby it then runs as a thread: the endless redo loop that replays
 * what the walreceiver's {@link WalReceiverWriter} has flushed, waiting on its condition
 * (bounded) when there is nothing new.
 *
 * <p><b>State it owns.</b> The WAL reader's position, the redo state (pending transactions),
 * {@code replayEnd} (just past the last replayed record: pg_last_wal_replay_lsn), the last
 * replayed commit time, whether a consistent state was reached. {@code replayLock} guards them
 * against the checkpointer, which asks for the restartpoint's redo point; the volatile copies
 * are read by anyone (monitoring, the walreceiver's replies). Its {@link ReplayControl} is
 * shared with backends: pg_wal_replay_pause() makes the redo loop stop before its next record
 * and sleep (bounded slices) until pg_wal_replay_resume(), while the walreceiver keeps
 * receiving; each replayed record wakes pg_wal_replay_wait() callers.
 *
 * <p><b>How it ends.</b> Crash recovery ends at the first invalid record ("redo done at");
 * the engine then opens the WAL for insertion right after it. The standby loop ends at
 * {@link #shutdown()}: the stop flag is set, the receiver's condition is signalled, the thread
 * is joined (bounded); the engine then has the checkpointer write a restartpoint.
 *
 * <p><b>Archive and stream.</b> With restore_command set ({@link #setArchiveSource}), the loop
 * alternates as PostgreSQL's WaitForWALToBecomeAvailable does: when it has replayed everything
 * the walreceiver flushed and the walreceiver is not streaming (e.g. the primary answered
 * "requested WAL segment ... has already been removed"), it asks the archive for the segment it
 * needs next, replays it, asks for the following one, and so on; when the archive has nothing
 * (failed attempts are repeated at most every retry interval) it waits for the stream again, and
 * the walreceiver, which restarts from the end of what was replayed, resumes streaming. Promotion
 * (a later issue) will end the loop the same way and continue like crash recovery's end.
 */
public final class Startup {

    private static final Logger LOG = LoggerFactory.getLogger(Startup.class);
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final long STANDBY_WAIT_MS = 100;

    /** Where valid WAL ended after replaying what was found locally. */
    public record ReplayResult(Lsn endOfWal, Lsn lastRecordLsn, int nextXid, boolean wasCleanShutdown) {
    }

    private final Path dataDir;
    private final ControlFile controlFile;
    private final RmgrTable rmgr;
    private final long walSegmentSizeBytes;
    /** True in standby mode: only archive recovery reports reaching consistency. */
    private boolean archiveRecovery;
    private final ReentrantLock replayLock = new ReentrantLock();
    private WalReader reader;
    private volatile Lsn replayEnd = Lsn.INVALID;
    private volatile Lsn lastReplayedRecordLsn = Lsn.INVALID;
    /** Set before a record is applied: storage holds nothing from beyond it. Read by the flush hook. */
    private volatile Lsn replayingUpTo = Lsn.INVALID;
    private volatile boolean consistent;
    /** pg_wal_replay_pause / resume and pg_wal_replay_wait's position; shared with backends. */
    private final ReplayControl replayControl = new ReplayControl();
    private volatile boolean stopping;
    /** Set by {@link #setCaughtUpListener} before or during the loop; read by the loop. */
    private volatile Runnable caughtUpListener;
    /** Loop-thread only: something was replayed since the listener last ran. */
    private boolean replayedSinceCaughtUp;
    private Thread thread;
    private WalReceiverWriter receiver;
    private Lsn localEnd = Lsn.INVALID;
    /** restore_command, or null; set by the server before or while the loop runs. */
    private volatile ArchiveSource archiveSource;
    /** Everything before this was restored from the archive (standby loop only). */
    private Lsn restoredEnd = Lsn.INVALID;
    private long lastFailedRestoreSegNo = -1;
    private long lastFailedRestoreNanos;

    /**
     * Where the standby loop finds WAL the stream cannot give: restore_command, and whether the
     * walreceiver is streaming now (then the archive is not asked).
     */
    public record ArchiveSource(RestoreCommand restoreCommand, java.util.function.BooleanSupplier streaming,
                                long retryIntervalMs) {
    }

    public Startup(Path dataDir, ControlFile controlFile, Store store, KvTransactionManager transactions) {
        this.dataDir = dataDir;
        this.controlFile = controlFile;
        this.walSegmentSizeBytes = controlFile.get().walSegmentSizeBytes();
        this.rmgr = new RmgrTable(store, transactions);
        this.rmgr.setBackupEndListener(this::backupEndReached);
    }

    /**
     * Replays the WAL found in pg_wal from the redo LSN to its end. In crash recovery the
     * transactions left without a commit are dropped; in standby mode they stay pending for the
     * redo loop.
     */
    public ReplayResult replayLocalWal(boolean standbyMode) {
        ControlFile.Data cf = controlFile.get();
        boolean clean = cf.state() == DbState.SHUTDOWNED || cf.state() == DbState.SHUTDOWNED_IN_RECOVERY;
        logLastKnownState(cf);
        BackupLabel label = BackupLabel.read(dataDir);
        Lsn redo = cf.redo();
        if (label != null) {
            LOG.info("starting backup recovery with redo LSN {}, checkpoint LSN {}, on timeline ID {}",
                    label.startLsn(), label.checkPointLsn(), label.timeline());
            redo = label.startLsn();
            Lsn start = label.startLsn();
            if (label.fromStandby()) {
                // the standby's backup ends where its pg_control's minRecoveryPoint says
                if (cf.state() != DbState.IN_ARCHIVE_RECOVERY && cf.state() != DbState.SHUTDOWNED_IN_RECOVERY) {
                    throw PgException.fatal(SqlState.DATA_CORRUPTED,
                            "backup_label contains data inconsistent with control file")
                            .withHint("This means that the backup is corrupted and you will have to use another "
                                    + "backup for recovery.");
                }
                controlFile.update(d -> d.withBackup(start, d.minRecoveryPoint(), true));
            } else {
                controlFile.update(d -> d.withBackup(start, Lsn.INVALID, true));
            }
            moveAsideBackupLabel();
            clean = false;
        }
        archiveRecovery = standbyMode;
        if (standbyMode) {
            LOG.info("entering standby mode");
            controlFile.update(d -> d.withState(DbState.IN_ARCHIVE_RECOVERY));
        } else if (!clean) {
            LOG.info("database system was not properly shut down; automatic recovery in progress");
            controlFile.update(d -> d.withState(DbState.IN_CRASH_RECOVERY));
        }
        reader = new WalReader(dataDir.resolve("pg_wal"), walSegmentSizeBytes, cf.timeline());
        reader.beginRead(redo, Lsn.INVALID);
        replayEnd = redo;
        checkConsistency();
        int replayed = replayAvailable(redo);
        if (reader.status() == WalReader.Status.INVALID && replayed == 0 && !standbyMode) {
            throw PgException.fatal(SqlState.DATA_CORRUPTED, "could not locate a valid checkpoint record")
                    .withDetail(reader.endReason());
        }
        localEnd = reader.nextLsn();
        if (!standbyMode) {
            endCrashRecovery(replayed, clean);
        }
        return new ReplayResult(reader.nextLsn(), reader.lastRecordLsn(), nextXid(), clean);
    }

    private int replayAvailable(Lsn redo) {
        int replayed = 0;
        while (true) {
            replayLock.lock();
            try {
                WalRecord r = reader.readNext();
                if (r == null) {
                    return replayed;
                }
                if (++replayed == 2) { // the checkpoint record was first: something to redo after it
                    LOG.info("redo starts at {}", redo);
                }
                replayOne(r);
            } finally {
                replayLock.unlock();
            }
        }
    }

    private void endCrashRecovery(int replayed, boolean clean) {
        // the first record replayed is the checkpoint record itself
        boolean redone = replayed > 1 || rmgr.pendingCount() > 0;
        if (!clean || redone) { // after a clean shutdown with nothing to redo PostgreSQL says nothing
            if (reader.endReason() != null) {
                LOG.info("{}", reader.endReason());
            }
            LOG.info(redone ? "redo done at " + reader.lastRecordLsn() : "redo is not required");
        }
        if (rmgr.lastCommitTimeMicros() != 0) {
            LOG.info("last completed transaction was at log time {}", TIME.format(commitTime()));
        }
        if (controlFile.get().backupEndRequired()) {
            throw PgException.fatal(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "WAL ends before end of online backup")
                    .withHint("All WAL generated while online backup was taken must be available at recovery.");
        }
        rmgr.dropPending();
    }

    private void replayOne(WalRecord r) {
        replayingUpTo = reader.nextLsn();
        rmgr.redo(r);
        lastReplayedRecordLsn = r.lsn();
        replayEnd = reader.nextLsn();
        replayControl.advance(replayEnd);
        if (!consistent) {
            checkConsistency();
        }
    }

    private void checkConsistency() {
        ControlFile.Data cf = controlFile.get();
        if (cf.backupEndRequired() && cf.backupEndPoint().isValid() && !replayEnd.isBefore(cf.backupEndPoint())) {
            backupEndReached(cf.backupStartPoint(), replayEnd);
            cf = controlFile.get();
        }
        if (consistent || cf.backupEndRequired() || replayEnd.isBefore(cf.minRecoveryPoint())) {
            return;
        }
        consistent = true;
        if (archiveRecovery) {
            LOG.info("consistent recovery state reached at {}", replayEnd);
        }
    }

    private void backupEndReached(Lsn backupStart, Lsn backupEnd) {
        ControlFile.Data cf = controlFile.get();
        if (!cf.backupEndRequired() || !backupStart.equals(cf.backupStartPoint())) {
            return;
        }
        Lsn minRecovery = Lsn.max(cf.minRecoveryPoint(), backupEnd);
        controlFile.update(d -> d.withBackup(Lsn.INVALID, Lsn.INVALID, false)
                .withMinRecoveryPoint(minRecovery, d.timeline()));
        LOG.info("end of backup reached at {}", backupEnd);
    }

    /**
     * Runs {@code action} between two replayed records (a standby's base backup snapshots its
     * storage so: every change in the snapshot is at or before the replay position).
     */
    public void betweenRecords(Runnable action) {
        replayLock.lock();
        try {
            action.run();
        } finally {
            replayLock.unlock();
        }
    }

    /** Starts the standby's redo loop over what {@code walReceiver} flushes. */
    public void startStandbyLoop(WalReceiverWriter walReceiver) {
        this.receiver = walReceiver;
        thread = Thread.ofVirtual().name("startup").start(this::standbyMain);
    }

    private void standbyMain() {
        Lsn reportedInvalidAt = Lsn.INVALID;
        while (!stopping) {
            Lsn limit = Lsn.max(Lsn.max(localEnd, receiver.flushedLsn()), restoredEnd);
            WalRecord r;
            if (pausedHere()) {
                continue;
            }
            replayLock.lock();
            try {
                if (!receiver.timeline().equals(reader.timeline())) {
                    reader.setTimeline(receiver.timeline()); // the walreceiver follows a new timeline
                }
                r = reader.readNext(limit);
                if (r != null) {
                    replayOne(r);
                }
            } finally {
                replayLock.unlock();
            }
            if (r != null) {
                replayedSinceCaughtUp = true;
                continue;
            }
            if (replayedSinceCaughtUp) {
                replayedSinceCaughtUp = false;
                Runnable listener = caughtUpListener;
                if (listener != null) {
                    listener.run();
                }
            }
            if (reader.status() == WalReader.Status.INVALID && !reader.nextLsn().equals(reportedInvalidAt)) {
                reportedInvalidAt = reader.nextLsn();
                LOG.info("{}", reader.endReason());
            }
            if (restoreNextFromArchive()) {
                continue;
            }
            receiver.awaitFlushedBeyond(limit, STANDBY_WAIT_MS);
        }
        LOG.debug("startup redo loop exiting at {}", replayEnd);
    }

    /**
     * Called by the redo loop each time it has replayed everything available (after replaying
     * something): the walreceiver's forced reply, so the primary learns the apply position at
     * once (PostgreSQL's XLogRequestWalReceiverReply after a commit).
     */
    public void setCaughtUpListener(Runnable listener) {
        this.caughtUpListener = listener;
    }

    /** restore_command for the standby loop (null: stream only). */
    public void setArchiveSource(ArchiveSource source) {
        this.archiveSource = source;
    }

    /**
     * The archive half of the standby loop: when the walreceiver is not streaming and nothing it
     * flushed is left to replay, restores the segment holding the next record to read; true when
     * one was restored (replay goes on from it).
     */
    private boolean restoreNextFromArchive() {
        ArchiveSource src = archiveSource;
        Lsn next = reader.nextLsn();
        if (src == null || stopping || src.streaming().getAsBoolean() || receiver.flushedLsn().isAfter(next)) {
            return false;
        }
        long segNo = next.segmentNo(walSegmentSizeBytes);
        if (restoredEnd.isAfter(next)) {
            segNo = restoredEnd.segmentNo(walSegmentSizeBytes); // the record goes on into the next segment
        }
        if (segNo == lastFailedRestoreSegNo
                && System.nanoTime() - lastFailedRestoreNanos < src.retryIntervalMs() * 1_000_000L) {
            return false;
        }
        String fileName = WalSegments.fileName(reader.timeline(), segNo, walSegmentSizeBytes);
        String restartFile = WalSegments.fileName(controlFile.get().timeline(),
                controlFile.get().redo().segmentNo(walSegmentSizeBytes), walSegmentSizeBytes);
        if (!src.restoreCommand().restoreSegment(fileName, restartFile)) {
            lastFailedRestoreSegNo = segNo;
            lastFailedRestoreNanos = System.nanoTime();
            return false;
        }
        restoredEnd = WalSegments.segmentStart(segNo + 1, walSegmentSizeBytes);
        return true;
    }

    /** Stops the standby's redo loop (bounded wait). */
    public void shutdown() {
        stopping = true;
        replayControl.resume();
        if (receiver != null) {
            receiver.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The restartpoint's redo LSN: the first record of the oldest transaction replayed but not
     * yet committed, else the next record to replay. Everything committed before it is in storage.
     */
    public Lsn redoPoint() {
        replayLock.lock();
        try {
            Lsn oldest = rmgr.oldestPendingLsn();
            return oldest == null ? replayEnd : Lsn.min(oldest, replayEnd);
        } finally {
            replayLock.unlock();
        }
    }

    /**
     * Called before RocksDB writes a memtable to disk on a standby: raises minRecoveryPoint past
     * every record whose changes may be in that memtable, so a restart after a crash does not
     * admit queries before replay has caught up with what storage already holds (PostgreSQL's
     * UpdateMinRecoveryPoint before a data page is written).
     */
    public void updateMinRecoveryPoint() {
        Lsn upTo = replayingUpTo;
        ControlFile.Data cf = controlFile.get();
        if (upTo.isAfter(cf.minRecoveryPoint())) {
            controlFile.update(d -> upTo.isAfter(d.minRecoveryPoint()) ? d.withMinRecoveryPoint(upTo, d.timeline()) : d);
        }
    }

    /** Just past the last replayed record (pg_last_wal_replay_lsn). */
    public Lsn replayEndLsn() {
        return replayEnd;
    }

    /** The start of the last replayed record. */
    public Lsn lastReplayedRecordLsn() {
        return lastReplayedRecordLsn;
    }

    public boolean isConsistent() {
        return consistent;
    }

    /**
     * recoveryPausesHere: while a pause is requested the loop sleeps here in bounded slices
     * (the walreceiver keeps receiving); logs once when the pause begins.
     */
    private boolean pausedHere() {
        boolean wasPaused = replayControl.pauseState() == ReplayControl.PauseState.PAUSED;
        if (!replayControl.pauseHere(STANDBY_WAIT_MS)) {
            return false;
        }
        if (!wasPaused) {
            LOG.info("recovery has paused at {}; execute pg_wal_replay_resume() to continue", replayEnd);
        }
        return true;
    }

    /** The replay pause state and the replay position waiters sleep on. */
    public ReplayControl replayControl() {
        return replayControl;
    }

    /** pg_last_xact_replay_timestamp, or null before any commit was replayed. */
    public Instant lastReplayedCommitTime() {
        return rmgr.lastCommitTimeMicros() == 0 ? null : commitTime();
    }

    private Instant commitTime() {
        long micros = rmgr.lastCommitTimeMicros();
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    public int nextXid() {
        return Math.max(controlFile.get().nextXid(), rmgr.nextXidAfterReplay());
    }

    private void logLastKnownState(ControlFile.Data cf) {
        String at = TIME.format(Instant.ofEpochSecond(cf.timeEpochSeconds()));
        switch (cf.state()) {
            case SHUTDOWNED -> LOG.info("database system was shut down at {}", at);
            case SHUTDOWNED_IN_RECOVERY -> LOG.info("database system was shut down in recovery at {}", at);
            case IN_CRASH_RECOVERY -> LOG.info("database system was interrupted while in recovery at {}", at);
            case IN_ARCHIVE_RECOVERY -> LOG.info("database system was interrupted while in recovery at log time {}",
                    TIME.format(Instant.ofEpochSecond(cf.checkPointTimeEpochSeconds())));
            default -> LOG.info("database system was interrupted; last known up at {}", at);
        }
    }

    private void moveAsideBackupLabel() {
        try {
            Files.move(dataDir.resolve(BackupLabel.FILE_NAME), dataDir.resolve(BackupLabel.FILE_NAME + ".old"),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not rename file \"" + BackupLabel.FILE_NAME + "\": "
                    + e.getMessage(), e);
        }
    }
}
