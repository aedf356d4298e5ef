package org.walden.recovery;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.LogFields;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.storage.Checkpointer;
import org.walden.storage.Store;
import org.walden.storage.TablespaceDirectories;
import org.walden.txn.KvTransactionManager;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.Lsn;
import org.walden.wal.XactRecords;
import org.walden.wal.RestoreCommand;
import org.walden.wal.TimelineId;
import org.walden.wal.WalReader;
import org.walden.wal.WalReceiverWriter;
import org.walden.wal.WalRecord;
import org.walden.wal.WalSegments;

/**
 * The startup process (PostgreSQL's StartupXLOG, PerformWalRecovery and
 * WaitForWALToBecomeAvailable).
 *
 * <p><b>Who starts it, who it talks to.</b> {@link Engine#open} creates it on every start.
 * It reads pg_control (and a {@code backup_label} left by a base backup), decides the recovery
 * target timeline and its history ({@link Timelines}), replays the WAL from the redo LSN through
 * the {@link RmgrTable} into the {@link Store}, and tells the engine where valid WAL ends. In
 * crash recovery that is all. In archive recovery (standby.signal or recovery.signal) it then
 * runs as a thread, the redo loop, that replays what the walreceiver's {@link WalReceiverWriter}
 * has flushed and what restore_command brings from the archive, and asks the walreceiver what to
 * stream ({@link StreamRequests}).
 *
 * <p><b>State it owns.</b> The WAL reader's position, the redo state (pending transactions),
 * {@code replayEnd} (just past the last replayed record: pg_last_wal_replay_lsn), the recovery
 * target timeline and its history, the last replayed commit time, whether a consistent state
 * was reached. {@code replayLock} guards reader and redo state against the checkpointer (the
 * restartpoint's redo point) and base backups; the volatile copies are read by anyone. Its
 * {@link ReplayControl} is shared with backends (pg_wal_replay_pause / resume / wait).
 *
 * <p><b>Batches.</b> Records are replayed in batches under the lock ({@link #replayBatch}): the
 * commits' rows reach storage in one atomic write at the end of a batch, and only then does
 * {@code replayEnd} move, so readers, remote_apply and restartpoints see whole batches.
 *
 * <p><b>Timelines.</b> The walreceiver reports when the primary ended a timeline and waits. When
 * everything received is replayed and the walreceiver is not streaming, the loop looks for newer
 * timelines (recovery_target_timeline 'latest', in pg_wal and the archive) and moves to one only
 * if it forked off at or after the replay position (rescanLatestTimeLine); otherwise it says so
 * in PostgreSQL's words and keeps its WAL untouched. Either way it asks the walreceiver to stream
 * again, from the segment holding the next record, on that record's timeline, every
 * wal_retrieve_retry_interval while nothing arrives.
 *
 * <p><b>How it ends.</b> Crash recovery ends at the first invalid record ("redo done at"); the
 * engine then opens the WAL right after it. The redo loop ends in one of four ways: shutdown
 * ({@link #shutdown()}: stop flag, wake, join; the engine then writes a restartpoint); a promote
 * request ({@link #requestPromote}, promote.signal, the promote trigger file), acted upon once
 * everything available is replayed — the walreceiver is stopped, the rest of pg_wal and the
 * archive is replayed, and the engine promotes ({@link EndHandler#promote}); the recovery target
 * (pause, promote or shutdown, as recovery_target_action says); or, in archive recovery without
 * standby mode, the end of the archive. A FATAL error in the loop goes to
 * {@link EndHandler#failed}, and the server stops.
 */
public final class Startup {

    private static final Logger LOG = LoggerFactory.getLogger(Startup.class);
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final long STANDBY_WAIT_MS = 100;
    /** At most this many records in one replay batch (see {@link #replayBatch}). */
    private static final int BATCH_RECORDS = 8192;
    /** A replay batch ends once this many bytes of committed rows wait to be written. */
    private static final int BATCH_BYTES = 4 << 20;

    /** Where valid WAL ended after replaying what was found locally. */
    public record ReplayResult(Lsn endOfWal, Lsn lastRecordLsn, int nextXid, boolean wasCleanShutdown,
                               Timelines.History history) {
    }

    /** Where archive recovery ended, for the promotion that follows. */
    public record EndOfRecovery(Lsn endOfLog, Lsn lastRecordLsn, TimelineId recoveryTargetTli,
                                Timelines.History history, String reason, int nextXid) {
    }

    /** The engine's side of the end of the redo loop. Called on the startup thread. */
    public interface EndHandler {
        /** Stop the walreceiver and wait until it has flushed what it received. */
        void stopWalReceiver();

        /** Recovery is over: promote onto a new timeline. */
        void promote(EndOfRecovery end);

        /** recovery_target_action = shutdown: the target is reached, the server stops. */
        void shutdownAtTarget();

        /** The startup process failed; the server must stop. */
        void failed(PgException e);
    }

    /**
     * Where the redo loop finds WAL the stream cannot give: restore_command, and how long to wait
     * before asking again for a segment the archive did not have.
     */
    public record ArchiveSource(RestoreCommand restoreCommand, long retryIntervalMs) {
    }

    private final Path dataDir;
    private final ControlFile controlFile;
    private final RmgrTable rmgr;
    private final Timelines timelines;
    private final long walSegmentSizeBytes;
    private final StreamRequests streamRequests;
    private RecoveryConfig config = RecoveryConfig.crash();
    private final ReentrantLock replayLock = new ReentrantLock();
    private WalReader reader;
    private volatile Lsn replayEnd = Lsn.INVALID;
    /** Just past the last record redone in the batch being replayed; becomes replayEnd once its rows are in storage. */
    private Lsn batchEnd = Lsn.INVALID;
    private volatile Lsn lastReplayedRecordLsn = Lsn.INVALID;
    /** Set before a record is applied: storage holds nothing from beyond it. Read by the flush hook. */
    private volatile Lsn replayingUpTo = Lsn.INVALID;
    private volatile boolean consistent;
    /** The timeline recovery follows, and its history; changed by the loop only, read by anyone. */
    private volatile TimelineId recoveryTargetTli;
    private volatile Timelines.History expected;
    /** Told about each new history the loop follows (the engine's readers pick files by it). */
    private volatile Consumer<Timelines.History> historyListener = h -> { };
    /** pg_wal_replay_pause / resume / wait; shared with backends. */
    private final ReplayControl replayControl = new ReplayControl();
    private volatile boolean stopping;
    /** Set by {@link #requestPromote} (SIGUSR1, pg_promote); acted on by the loop. */
    private volatile boolean promoteSignaled;
    /** Set by {@link #setCaughtUpListener} before or during the loop; read by the loop. */
    private volatile Runnable caughtUpListener;
    /** Run once, on the loop's thread, the first time nothing is left to replay (or when the loop ends). */
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> onceCaughtUp =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean caughtUpOnce;
    /** Whether the replay position has reached the end of WAL its source knows of (the primary's); set by the server. */
    private volatile java.util.function.Predicate<Lsn> sourceReachedAt = at -> true;
    /** The {@link #onceCaughtUp} actions run by then (System.nanoTime) even while replay has not caught up. */
    private volatile long onceCaughtUpDeadlineNanos;
    private static final long ONCE_CAUGHT_UP_MAX_WAIT_NANOS = 60_000_000_000L;
    /** True while the walreceiver streams; set by the server. */
    private volatile BooleanSupplier walReceiverStreaming = () -> false;
    private volatile ArchiveSource archiveSource;
    private Thread thread;
    private WalReceiverWriter receiver;
    private EndHandler endHandler;
    // Loop-thread only:
    private boolean replayedSinceCaughtUp;
    /** A replayed COMMIT asked for the apply position to be told at once (remote_apply); the loop's. */
    private boolean applyFeedbackRequested;
    private Lsn localEnd = Lsn.INVALID;
    /** Everything before this was restored from the archive. */
    private Lsn restoredEnd = Lsn.INVALID;
    private long lastFailedRestoreSegNo = -1;
    private long lastFailedRestoreNanos;
    private long lastStreamRequestNanos;
    private long titleSegNo = -1;
    private Lsn lastRequestReplayEnd = Lsn.INVALID;
    /** A target reached while replaying the local WAL at start: the loop ends recovery at once. */
    private RecoveryTarget.Stop stopAtStart;
    /** CPU and wall time of redo, for "redo done at ... system usage" (two threads take part). */
    private long redoStartNanos;
    private long redoCpuNanos;
    private long redoUserNanos;
    private long threadCpuMark;
    private long threadUserMark;

    /** The storage redo applies to; also where temporary and unlogged rows are reset at start. */
    private final Store store;

    public Startup(Path dataDir, ControlFile controlFile, Store store, KvTransactionManager transactions,
                   Timelines timelines) {
        this.dataDir = dataDir;
        this.controlFile = controlFile;
        this.timelines = timelines;
        this.walSegmentSizeBytes = controlFile.get().walSegmentSizeBytes();
        this.rmgr = new RmgrTable(store, transactions, dataDir);
        this.store = store;
        this.rmgr.setBackupEndListener(this::backupEndReached);
        this.streamRequests = new StreamRequests(walSegmentSizeBytes);
    }

    /**
     * Replays the WAL found in pg_wal from the redo LSN to its end (and to a recovery target on
     * the way). In crash recovery the transactions left without a commit are dropped; in archive
     * recovery they stay pending for the redo loop.
     */
    public ReplayResult replayLocalWal(RecoveryConfig recoveryConfig) {
        this.config = recoveryConfig;
        boolean archiveRecovery = recoveryConfig.archiveRecoveryRequested();
        ControlFile.Data cf = controlFile.get();
        boolean clean = cf.state() == DbState.SHUTDOWNED
                || (archiveRecovery && cf.state() == DbState.SHUTDOWNED_IN_RECOVERY);
        logLastKnownState(cf);
        BackupLabel label = BackupLabel.read(dataDir);
        Lsn redo = label != null ? applyBackupLabel(label, cf) : cf.redo();
        clean &= label == null;
        org.walden.storage.UnloggedRanges.resetAtStartup(store, clean);
        // a restartpoint's redo point may be the very end of the WAL: nothing to replay is fine
        boolean fromRestartpoint = (label != null && label.fromStandby()) || (label == null
                && (cf.state() == DbState.IN_ARCHIVE_RECOVERY || cf.state() == DbState.SHUTDOWNED_IN_RECOVERY));
        if (archiveRecovery) {
            LOG.info(recoveryConfig.mode() == RecoveryConfig.Mode.STANDBY ? "entering standby mode"
                    : recoveryConfig.target().startLine());
        }
        chooseRecoveryTargetTimeline(label); // FATAL before pg_control changes when the history forbids it
        if (archiveRecovery) {
            controlFile.update(d -> d.withState(DbState.IN_ARCHIVE_RECOVERY));
        } else if (!clean) {
            LOG.info("database system was not properly shut down; automatic recovery in progress");
            controlFile.update(d -> d.withState(DbState.IN_CRASH_RECOVERY));
        }
        reader = new WalReader(dataDir.resolve("pg_wal"), walSegmentSizeBytes, recoveryTargetTli);
        reader.setReadTimelines(expected);
        // after a restartpoint pg_control's checkpoint location is the record before the redo point
        Lsn checkPoint = label != null ? label.checkPointLsn() : cf.checkPoint();
        reader.beginRead(redo, fromRestartpoint && checkPoint.isBefore(redo) ? checkPoint : Lsn.INVALID);
        replayEnd = redo;
        batchEnd = redo;
        checkConsistency();
        startRedoClock();
        int replayed = replayAvailable(redo, new Lsn(-1L));
        if (reader.status() == WalReader.Status.INVALID && replayed == 0 && !fromRestartpoint
                && !archiveRecovery) { // a standby waits for the checkpoint record to arrive
            throw PgException.fatal(SqlState.DATA_CORRUPTED, "could not locate a valid checkpoint record")
                    .withDetail(reader.endReason());
        }
        localEnd = reader.nextLsn();
        if (!archiveRecovery) {
            endCrashRecovery(replayed, clean);
        } else {
            pauseRedoClock(); // the redo loop's thread goes on counting
        }
        return new ReplayResult(reader.nextLsn(), reader.lastRecordLsn(), nextXid(), clean, expected);
    }

    /** A base backup's label: replay starts at its START WAL LOCATION; pg_control learns where the backup ends. */
    private Lsn applyBackupLabel(BackupLabel label, ControlFile.Data cf) {
        LOG.info("starting backup recovery with redo LSN {}, checkpoint LSN {}, on timeline ID {}",
                label.startLsn(), label.checkPointLsn(), label.timeline());
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
        int links = TablespaceDirectories.applyTablespaceMap(dataDir);
        if (links > 0) {
            LOG.info("tablespace_map: {} tablespace link(s) made under pg_tblspc", links);
        }
        moveAsideBackupLabel();
        return start;
    }

    /**
     * The recovery target timeline (recovery_target_timeline: 'latest' from pg_control's timeline
     * over pg_wal and the archive, 'current', or a number that must exist) and its history; the
     * latest checkpoint must lie on that history (PostgreSQL's checks and words).
     */
    private void chooseRecoveryTargetTimeline(BackupLabel label) {
        ControlFile.Data cf = controlFile.get();
        TimelineId current = label != null ? label.timeline() : cf.timeline();
        TimelineId target = current;
        if (config.archiveRecoveryRequested()) {
            String goal = config.targetTimeline() == null ? "latest" : config.targetTimeline().trim();
            if (goal.equalsIgnoreCase("latest")) {
                target = timelines.findNewest(current);
            } else if (!goal.equalsIgnoreCase("current")) {
                target = parseTimeline(goal);
                if (target.value() != 1 && !timelines.exists(target)) {
                    throw PgException.fatal(SqlState.INVALID_PARAMETER_VALUE,
                            "recovery target timeline " + target + " does not exist");
                }
            }
        }
        Timelines.History history = timelines.history(target);
        Lsn checkPoint = label != null ? label.checkPointLsn() : cf.checkPoint();
        Timelines.Entry onHistory = history.entry(current);
        if (onHistory == null || (onHistory.end().isValid() && !checkPoint.isBefore(onHistory.end()))) {
            Lsn switchPoint = history.switchPoint(current);
            throw PgException.fatal(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "requested timeline " + target + " is not a child of this server's history")
                    .withDetail("Latest checkpoint is at " + checkPoint + " on timeline " + current
                            + ", but in the history of the requested timeline, the server forked off from that "
                            + "timeline at " + (switchPoint == null ? Lsn.INVALID : switchPoint) + ".");
        }
        Lsn minRecovery = cf.minRecoveryPoint();
        if (minRecovery.isValid() && !history.timelineOf(new Lsn(minRecovery.value() - 1))
                .equals(cf.minRecoveryPointTimeline())) {
            throw PgException.fatal(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "requested timeline " + target
                    + " does not contain minimum recovery point " + minRecovery + " on timeline "
                    + cf.minRecoveryPointTimeline());
        }
        recoveryTargetTli = target;
        expected = history;
    }

    private static TimelineId parseTimeline(String text) {
        try {
            int v = Integer.parseUnsignedInt(text);
            if (v == 0) {
                throw new NumberFormatException();
            }
            return new TimelineId(v);
        } catch (NumberFormatException e) {
            throw PgException.fatal(SqlState.INVALID_PARAMETER_VALUE,
                            "invalid value for parameter \"recovery_target_timeline\": \"" + text + "\"")
                    .withDetail("recovery_target_timeline is not a valid number.");
        }
    }

    /** Replays records up to {@code limit}; stops early at a recovery target (kept in {@code stopAtStart}). */
    private int replayAvailable(Lsn redo, Lsn limit) {
        int replayed = 0;
        while (stopAtStart == null) {
            replayLock.lock();
            try {
                Batch batch = replayBatch(limit);
                if (batch.records() == 0) {
                    return replayed;
                }
                if (replayed < 2 && replayed + batch.records() >= 2) { // the checkpoint record was first
                    LOG.info("redo starts at {}", redo);
                }
                replayed += batch.records();
                stopAtStart = batch.stop();
            } finally {
                replayLock.unlock();
            }
        }
        return replayed;
    }

    /** Records read in one batch, and the recovery target's stop when one was reached. */
    private record Batch(int records, RecoveryTarget.Stop stop) {
    }

    /**
     * Replays the records available up to {@code limit} as one batch: their committed rows reach
     * storage in one atomic write ({@link RmgrTable#applyBatch}), and only then does the replay
     * position move past them (pg_last_wal_replay_lsn, the apply position the walreceiver
     * reports, remote_apply, pg_wal_replay_wait). A batch ends when nothing more is available,
     * at a recovery target's stop, or at {@link #BATCH_RECORDS} records or {@link #BATCH_BYTES}
     * of rows; until replay is consistent it is one record, so consistency is reached exactly
     * where it would be record by record. Caller holds replayLock (restartpoints and base
     * backups see whole batches).
     */
    private Batch replayBatch(Lsn limit) {
        int records = 0;
        RecoveryTarget.Stop stop = null;
        RecoveryTarget target = config.target();
        boolean checkTargets = target.isSet() && config.archiveRecoveryRequested();
        while (stop == null && (records == 0 || (consistent && records < BATCH_RECORDS
                && rmgr.batchBytes() < BATCH_BYTES))) {
            WalRecord r = reader.readNext(limit);
            if (r == null) {
                break;
            }
            records++;
            if (checkTargets) {
                stop = replayWithTargets(target, r);
            } else {
                replayOne(r);
            }
        }
        rmgr.applyBatch();
        if (!batchEnd.equals(replayEnd)) {
            replayEnd = batchEnd;
            replayControl.advance(replayEnd);
            if (!consistent) {
                checkConsistency();
            }
        }
        return new Batch(records, stop);
    }

    /** One record with the recovery target's checks around it; the stop when recovery must end. Caller holds replayLock. */
    private RecoveryTarget.Stop replayWithTargets(RecoveryTarget target, WalRecord r) {
        RecoveryTarget.Stop stop = target.stopsBefore(r, consistent, LOG::info);
        if (stop != null) {
            return stop;
        }
        replayOne(r);
        return target.stopsAfter(r, consistent, LOG::info);
    }

    private void endCrashRecovery(int replayed, boolean clean) {
        // the first record replayed is the checkpoint record itself
        boolean redone = replayed > 1 || rmgr.pendingCount() > 0;
        if (!clean || redone) { // after a clean shutdown with nothing to redo PostgreSQL says nothing
            if (reader.endReason() != null) {
                LOG.info("{}", reader.endReason());
            }
            if (redone) {
                logRedoDone();
            } else {
                LOG.info("redo is not required");
            }
        }
        logLastCompletedTransaction();
        if (controlFile.get().backupEndRequired()) {
            throw PgException.fatal(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "WAL ends before end of online backup")
                    .withHint("All WAL generated while online backup was taken must be available at recovery.");
        }
        rmgr.dropPending();
    }

    private void logRedoDone() {
        pauseRedoClock();
        double user = redoUserNanos / 1e9;
        double system = Math.max(0, redoCpuNanos - redoUserNanos) / 1e9;
        double elapsed = (System.nanoTime() - redoStartNanos) / 1e9;
        LOG.info(String.format(Locale.ROOT, "redo done at %s system usage: CPU: user: %.2f s, system: %.2f s, "
                + "elapsed: %.2f s", reader.lastRecordLsn(), user, system, elapsed));
    }

    private void startRedoClock() {
        redoStartNanos = System.nanoTime();
        resumeRedoClock();
    }

    /** Counts this thread's CPU from now on (the redo loop's thread after the opening thread's). */
    private void resumeRedoClock() {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        threadCpuMark = t.getCurrentThreadCpuTime();
        threadUserMark = t.getCurrentThreadUserTime();
    }

    private void pauseRedoClock() {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        redoCpuNanos += t.getCurrentThreadCpuTime() - threadCpuMark;
        redoUserNanos += t.getCurrentThreadUserTime() - threadUserMark;
        threadCpuMark = t.getCurrentThreadCpuTime();
        threadUserMark = t.getCurrentThreadUserTime();
    }

    private void logLastCompletedTransaction() {
        if (rmgr.lastCommitTimeMicros() != 0) {
            LOG.info("last completed transaction was at log time {}",
                    RecoveryTarget.formatTime(rmgr.lastCommitTimeMicros()));
        }
    }

    /** Redo of one record; its rows reach storage with its batch (see {@link #replayBatch}). */
    private void replayOne(WalRecord r) {
        replayingUpTo = reader.nextLsn();
        rmgr.redo(r);
        if (XactRecords.requestsApplyFeedback(r)) {
            applyFeedbackRequested = true; // PostgreSQL's XLogRequestWalReceiverReply in xact_redo_commit
        }
        lastReplayedRecordLsn = r.lsn();
        batchEnd = reader.nextLsn();
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
        if (config.archiveRecoveryRequested()) {
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
                .withMinRecoveryPoint(minRecovery, recoveryTargetTli));
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

    // ------------------------------------------------------------------ the redo loop

    /**
     * Starts the redo loop of archive recovery over what {@code walReceiver} flushes (a standby)
     * and the archive; {@code handler} gets the end of recovery.
     */
    public void startRecoveryLoop(WalReceiverWriter walReceiver, EndHandler handler) {
        this.receiver = walReceiver;
        this.endHandler = handler;
        streamRequests.request(localEnd, expected.timelineOf(localEnd));
        lastStreamRequestNanos = System.nanoTime();
        thread = Thread.ofPlatform().name("startup").daemon(true).start(this::recoveryMain);
    }

    private void recoveryMain() {
        resumeRedoClock();
        try {
            RecoveryTarget.Stop stop = stopAtStart != null ? stopAtStart : replayUntilRecoveryEnds();
            runOnceCaughtUp();
            if (!stopping) {
                endOfRecovery(stop);
            }
        } catch (PgException e) {
            endHandler.failed(e);
        } catch (RuntimeException e) {
            LOG.error("startup process failed", e);
            endHandler.failed(PgException.fatal(SqlState.INTERNAL_ERROR, String.valueOf(e.getMessage())));
        }
        LOG.debug("startup redo loop exiting at {}", replayEnd);
    }

    /**
     * The main redo loop; returns the recovery target's stop, or null when recovery ends without
     * one (promotion, the end of the archive) or the server shuts down.
     */
    private RecoveryTarget.Stop replayUntilRecoveryEnds() {
        Lsn reportedInvalidAt = Lsn.INVALID;
        boolean promoting = false;
        while (!stopping) {
            if (!promoting && pausedHere()) {
                continue;
            }
            Lsn limit = promoting ? new Lsn(-1L) : Lsn.max(Lsn.max(localEnd, receiver.flushedLsn()), restoredEnd);
            Batch batch;
            replayLock.lock();
            try {
                batch = replayBatch(limit);
            } finally {
                replayLock.unlock();
            }
            if (batch.stop() != null) {
                return batch.stop();
            }
            if (batch.records() > 0) {
                replayedSinceCaughtUp = true;
                if (applyFeedbackRequested) {
                    applyFeedbackReply();
                }
                showRecoveringSegment();
                if (onceCaughtUpOverdue()) {
                    runOnceCaughtUp();
                }
                continue;
            }
            caughtUp();
            if (!caughtUpOnce && (sourceReachedAt.test(replayEnd) || onceCaughtUpOverdue())) {
                runOnceCaughtUp();
            }
            if (reader.status() == WalReader.Status.INVALID && !reader.nextLsn().equals(reportedInvalidAt)) {
                reportedInvalidAt = reader.nextLsn();
                LOG.info("{}", reader.endReason());
            }
            if (restoreNextFromArchive(promoting)) {
                continue;
            }
            if (promoting || config.mode() == RecoveryConfig.Mode.ARCHIVE) {
                return null; // everything there is was replayed: recovery ends here
            }
            if (checkForStandbyTrigger()) {
                endHandler.stopWalReceiver();
                promoting = true;
                continue; // replay what the walreceiver flushed last, then the archive
            }
            followTimelinesWhenStreamingStopped();
            receiver.awaitFlushedBeyond(limit, STANDBY_WAIT_MS);
        }
        return null;
    }

    /**
     * The end of the redo loop: the recovery target's action, then "redo done" and the
     * promotion (PostgreSQL's end of PerformWalRecovery and the start of promotion in StartupXLOG).
     */
    private void endOfRecovery(RecoveryTarget.Stop stop) {
        RecoveryTarget target = config.target();
        if (stop != null) {
            if (!consistent) {
                throw PgException.fatal(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "requested recovery stop point is before consistent recovery point");
            }
            RecoveryTarget.Action action = target.action();
            if (action == RecoveryTarget.Action.PAUSE && !config.hotStandby()) {
                action = RecoveryTarget.Action.SHUTDOWN;
            }
            if (action == RecoveryTarget.Action.SHUTDOWN) {
                endHandler.stopWalReceiver();
                endHandler.shutdownAtTarget();
                return;
            }
            endHandler.stopWalReceiver();
            if (action == RecoveryTarget.Action.PAUSE && !pauseAtEndOfRecovery()) {
                return; // shut down while paused
            }
        } else if (config.mode() == RecoveryConfig.Mode.ARCHIVE && target.isSet()) {
            logRedoDone();
            throw PgException.fatal(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "recovery ended before configured recovery target was reached");
        }
        logRedoDone();
        logLastCompletedTransaction();
        ControlFile.Data cf = controlFile.get();
        if (cf.backupEndRequired() || replayEnd.isBefore(cf.minRecoveryPoint())) {
            throw PgException.fatal(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    cf.backupEndRequired() ? "WAL ends before end of online backup" : "WAL ends before consistent recovery point")
                    .withHint(cf.backupEndRequired()
                            ? "All WAL generated while online backup was taken must be available at recovery." : null);
        }
        // replay stopped just past the last replayed record (a stop before a record leaves it unreplayed)
        Lsn lastRecord = stop != null && !stop.after() ? lastReplayedRecordLsn : reader.lastRecordLsn();
        endHandler.promote(new EndOfRecovery(replayEnd, lastRecord, recoveryTargetTli, expected,
                target.stopReason(stop), nextXid()));
    }

    /**
     * recovery_target_action = pause: "pausing at the end of recovery", sleeping until
     * pg_wal_replay_resume() or a promote request; false when the server shuts down meanwhile.
     */
    private boolean pauseAtEndOfRecovery() {
        LOG.atInfo().addKeyValue(LogFields.HINT, "Execute pg_wal_replay_resume() to promote.")
                .log("pausing at the end of recovery");
        replayControl.requestPause();
        while (!stopping && !promoteSignaled) {
            if (!replayControl.pauseHere(STANDBY_WAIT_MS)) {
                return true;
            }
        }
        replayControl.resume();
        return !stopping;
    }

    /**
     * When nothing is left to replay and the walreceiver is not streaming (the primary ended its
     * timeline, or cannot be reached), every wal_retrieve_retry_interval: look for a newer
     * timeline to follow, then ask the walreceiver to stream from the next record's segment on
     * that record's timeline.
     */
    private void followTimelinesWhenStreamingStopped() {
        boolean ended = streamRequests.currentStreamEnded();
        if (!ended && (walReceiverStreaming.getAsBoolean()
                || System.nanoTime() - lastStreamRequestNanos < config.retrieveRetryIntervalMs() * 1_000_000L)) {
            return;
        }
        boolean switched = "latest".equalsIgnoreCase(config.targetTimeline()) && rescanLatestTimeLine();
        Lsn next = reader.nextLsn();
        TimelineId tli = expected.timelineOf(next);
        if (!tli.equals(receiver.timeline())) {
            receiver.setTimeline(tli);
        }
        if (!switched && !replayedSinceStreamRequest()) {
            LOG.info("waiting for WAL to become available at {}", next);
        }
        streamRequests.request(next, tli);
        lastStreamRequestNanos = System.nanoTime();
        lastRequestReplayEnd = replayEnd;
    }

    private boolean replayedSinceStreamRequest() {
        return !replayEnd.equals(lastRequestReplayEnd);
    }

    /**
     * rescanLatestTimeLine: moves to the newest timeline found (pg_wal, archive) when the current
     * one is in its history and it forked off at or after the replay position.
     */
    private boolean rescanLatestTimeLine() {
        TimelineId newest = timelines.findNewest(recoveryTargetTli);
        if (newest.equals(recoveryTargetTli)) {
            return false;
        }
        Timelines.History history = timelines.history(newest);
        TimelineId replayTli = expected.timelineOf(replayEnd.isValid() ? new Lsn(replayEnd.value() - 1) : replayEnd);
        Timelines.Entry current = history.entry(recoveryTargetTli);
        if (current == null) {
            LOG.info("new timeline {} is not a child of database system timeline {}", newest, replayTli);
            return false;
        }
        if (current.end().isValid() && current.end().isBefore(replayEnd)) {
            LOG.info("new timeline {} forked off current database system timeline {} before current recovery point {}",
                    newest, replayTli, replayEnd);
            return false;
        }
        replayLock.lock();
        try {
            recoveryTargetTli = newest;
            expected = history;
            reader.setReadTimelines(history);
        } finally {
            replayLock.unlock();
        }
        historyListener.accept(history);
        LOG.info("new target timeline is {}", newest);
        return true;
    }

    /**
     * PostgreSQL's process title "startup recovering SEGMENT": the startup thread's name says the
     * segment being replayed (ps -T shows "startup", jcmd Thread.print the rest).
     */
    private void showRecoveringSegment() {
        long segNo = reader.nextLsn().segmentNo(walSegmentSizeBytes);
        if (segNo != titleSegNo) {
            titleSegNo = segNo;
            Thread.currentThread().setName("startup recovering "
                    + WalSegments.fileName(expected.timelineOf(reader.nextLsn()), segNo, walSegmentSizeBytes));
        }
    }

    /**
     * A remote_apply COMMIT was replayed (and its batch is in storage): the walreceiver replies
     * now, not only once replay has caught up (PostgreSQL's ApplyWalRecord forcing the reply
     * after a commit with XACT_COMPLETION_APPLY_FEEDBACK). Nothing replayed since that reply:
     * the caught-up reply that would follow it with the same positions is not sent.
     */
    private void applyFeedbackReply() {
        applyFeedbackRequested = false;
        replayedSinceCaughtUp = false;
        Runnable listener = caughtUpListener;
        if (listener != null) {
            listener.run();
        }
    }

    /** The caught-up listener, once after each stretch of replayed records. */
    private void caughtUp() {
        if (replayedSinceCaughtUp) {
            replayedSinceCaughtUp = false;
            Runnable listener = caughtUpListener;
            if (listener != null) {
                listener.run();
            }
        }
    }

    /**
     * Runs {@code action} once, on the redo loop's thread, the first time it has replayed all
     * there is (or when the loop ends first); at once when that happened already. Work that
     * would only compete with replay for the CPU waits for it (the SQL engine's warm-up on a
     * standby catching up).
     */
    public void whenCaughtUp(Runnable action) {
        if (onceCaughtUp.isEmpty()) {
            onceCaughtUpDeadlineNanos = System.nanoTime() + ONCE_CAUGHT_UP_MAX_WAIT_NANOS;
        }
        onceCaughtUp.add(action);
        if (caughtUpOnce) {
            runOnceCaughtUp();
        }
    }

    /**
     * For {@link #whenCaughtUp}: whether replay at a position has reached the end of the WAL its
     * source knows of (a standby: the primary's end of WAL the walreceiver last heard of).
     */
    public void setSourceReachedTest(java.util.function.Predicate<Lsn> reachedAt) {
        this.sourceReachedAt = reachedAt;
    }

    /** Whether actions wait for {@link #whenCaughtUp} for longer than they may. */
    private boolean onceCaughtUpOverdue() {
        return !onceCaughtUp.isEmpty() && System.nanoTime() - onceCaughtUpDeadlineNanos > 0;
    }

    private void runOnceCaughtUp() {
        caughtUpOnce = true;
        for (Runnable action; (action = onceCaughtUp.poll()) != null; ) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.warn("action after catching up failed: {}", e.toString());
            }
        }
    }

    /**
     * CheckForStandbyTrigger: a promote request whose promote.signal is there ("received
     * promote request"), or the promote trigger file ("promote trigger file found"); the file
     * is removed.
     */
    private boolean checkForStandbyTrigger() {
        if (promoteSignaled) {
            Path signal = dataDir.resolve(PROMOTE_SIGNAL);
            if (Files.exists(signal)) {
                LOG.info("received promote request");
                deleteQuietly(signal);
                return true;
            }
            promoteSignaled = false; // a stray signal without the file: ignored, as PostgreSQL does
        }
        Path trigger = config.promoteTriggerFile();
        if (trigger != null && Files.exists(trigger)) {
            LOG.info("promote trigger file found: {}", trigger);
            deleteQuietly(trigger);
            return true;
        }
        return false;
    }

    /** The file pg_ctl promote and pg_promote() write before signalling. */
    public static final String PROMOTE_SIGNAL = "promote.signal";

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("could not remove file \"{}\": {}", p, e.getMessage());
        }
    }

    /** SIGUSR1 after promote.signal was written (pg_ctl promote, pg_promote()): promote once caught up. */
    public void requestPromote() {
        promoteSignaled = true;
        WalReceiverWriter r = receiver;
        if (r != null) {
            r.wakeup();
        }
    }

    /**
     * Called by the redo loop each time it has replayed everything available (after replaying
     * something): the walreceiver's forced reply, so the primary learns the apply position at
     * once (PostgreSQL's XLogRequestWalReceiverReply after a commit).
     */
    public void setCaughtUpListener(Runnable listener) {
        this.caughtUpListener = listener;
    }

    /** Whether the walreceiver is streaming now (the redo loop then neither restores nor re-requests). */
    public void setWalReceiverStreaming(BooleanSupplier streaming) {
        this.walReceiverStreaming = streaming;
    }

    /** Told the new history each time the loop follows a new timeline. */
    public void setHistoryListener(Consumer<Timelines.History> listener) {
        this.historyListener = listener;
    }

    /** restore_command for the redo loop (null: stream only). */
    public void setArchiveSource(ArchiveSource source) {
        this.archiveSource = source;
        timelines.setArchive(source == null ? null : source.restoreCommand());
    }

    /** What the walreceiver is asked to stream. */
    public StreamRequests streamRequests() {
        return streamRequests;
    }

    /**
     * The archive half of the redo loop: when the walreceiver is not streaming and nothing it
     * flushed is left to replay, restores the segment holding the next record, trying the
     * timelines of the history newest first; true when one was restored. While promoting, asks
     * once per segment without waiting for the retry interval.
     */
    private boolean restoreNextFromArchive(boolean promoting) {
        ArchiveSource src = archiveSource;
        Lsn next = reader.nextLsn();
        if (src == null || stopping || (!promoting && walReceiverStreaming.getAsBoolean())
                || (!promoting && receiver.flushedLsn().isAfter(next))) {
            return false;
        }
        long segNo = next.segmentNo(walSegmentSizeBytes);
        if (restoredEnd.isAfter(next)) {
            segNo = restoredEnd.segmentNo(walSegmentSizeBytes); // the record goes on into the next segment
        }
        if (segNo == lastFailedRestoreSegNo && (promoting
                || System.nanoTime() - lastFailedRestoreNanos < src.retryIntervalMs() * 1_000_000L)) {
            return false;
        }
        ControlFile.Data cf = controlFile.get();
        String restartFile = WalSegments.fileName(cf.timeline(), cf.redo().segmentNo(walSegmentSizeBytes),
                walSegmentSizeBytes);
        Lsn at = Lsn.max(next, WalSegments.segmentStart(segNo, walSegmentSizeBytes));
        for (TimelineId tli : expected.candidates(segNo, walSegmentSizeBytes, at)) {
            String fileName = WalSegments.fileName(tli, segNo, walSegmentSizeBytes);
            if (src.restoreCommand().restoreSegment(fileName, restartFile)) {
                restoredEnd = WalSegments.segmentStart(segNo + 1, walSegmentSizeBytes);
                return true;
            }
        }
        lastFailedRestoreSegNo = segNo;
        lastFailedRestoreNanos = System.nanoTime();
        return false;
    }

    /** Stops the redo loop (bounded wait). */
    public void shutdown() {
        stopping = true;
        replayControl.resume();
        if (receiver != null) {
            receiver.wakeup();
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The restartpoint: redo would start at the first record of the oldest transaction replayed
     * but not yet committed, else at the next record to replay (everything committed before it
     * is in storage); with the record before that point and the replay timeline.
     */
    public Checkpointer.RedoPoint restartPoint() {
        replayLock.lock();
        try {
            RmgrTable.OldestPending oldest = rmgr.oldestPending();
            if (oldest != null && oldest.firstLsn().isBefore(replayEnd)) {
                return new Checkpointer.RedoPoint(oldest.firstLsn(), oldest.recordBefore(), replayTimeline());
            }
            return new Checkpointer.RedoPoint(replayEnd, reader.lastRecordLsn(), replayTimeline());
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
            TimelineId tli = replayTimeline();
            controlFile.update(d -> upTo.isAfter(d.minRecoveryPoint()) ? d.withMinRecoveryPoint(upTo, tli) : d);
        }
    }

    /** The timeline of the last replayed record (replayEndTLI). */
    public TimelineId replayTimeline() {
        Timelines.History h = expected;
        Lsn end = replayEnd;
        if (h == null) {
            return controlFile.get().timeline();
        }
        return h.timelineOf(end.isValid() ? new Lsn(end.value() - 1) : end);
    }

    /** The timeline recovery follows (recovery_target_timeline resolved). */
    public TimelineId recoveryTargetTimeline() {
        return recoveryTargetTli;
    }

    /** The history of the timeline recovery follows. */
    public Timelines.History history() {
        return expected;
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

    /** The redo state, for the end of recovery (pending transactions are dropped there). */
    RmgrTable rmgr() {
        return rmgr;
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
