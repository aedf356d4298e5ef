package org.walden.storage;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.Invariants;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.CheckPoint;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.Lsn;
import org.walden.wal.Wal;
import org.walden.wal.WalSegments;

/**
 * The checkpointer (PostgreSQL's checkpointer.c and CreateCheckPoint/CreateRestartPoint):
 * bounds crash recovery by making everything committed before a redo LSN durable in storage
 * and recording that LSN in pg_control.
 *
 * <p><b>Who starts it, who it talks to.</b> The engine creates it at open and starts its
 * thread once recovery has finished (primary) or the redo loop runs (standby). It talks to the
 * {@link Store} (flush), the {@link Wal} (checkpoint record, segment removal) and the
 * {@link ControlFile}. Backends reach it through {@link #requestCheckpoint()} (the CHECKPOINT
 * command); the startup process calls {@link #performCheckpoint} directly for the
 * end-of-recovery checkpoint.
 *
 * <p><b>What it does.</b> A checkpoint: take the redo LSN from the redo-point supplier (the
 * earliest first-record LSN among transactions logged but not yet applied to storage, else the
 * insert position), flush RocksDB, insert and flush a checkpoint record, write pg_control,
 * remove old segments. On a standby the same is a restartpoint: no WAL record; the redo point
 * comes from the replay position, and pg_control's minRecoveryPoint moves to the replay end.
 * Triggers: checkpoint_timeout, max_wal_size of WAL since the last redo LSN, an explicit
 * request, shutdown.
 *
 * <p><b>State.</b> {@code lock} guards the request and completion counters, the stop flag and
 * the mode hooks; {@code checkpointLock} makes checkpoints one at a time.
 *
 * <p><b>How it ends.</b> {@link #shutdown()} sets the stop flag, wakes and joins the thread,
 * then performs the shutdown checkpoint (primary: state "shut down"; standby: restartpoint,
 * state "shut down in recovery"). In an emergency (engine crash simulation, PANIC) the thread
 * is stopped by {@link #stopWithoutCheckpoint()} or dies with the process; recovery repairs.
 */
public final class Checkpointer {

    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
    private static final long POLL_MS = 1000;
    private static final long REQUEST_WAIT_MS = 10 * 60 * 1000;

    /** What started a checkpoint; PostgreSQL's log words. */
    public enum Kind {
        TIME("time"), WAL("wal"), REQUESTED("immediate force wait"), FORCE("force"), SHUTDOWN("shutdown immediate"),
        END_OF_RECOVERY("end-of-recovery immediate wait");

        final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    /**
     * A standby's restartpoint: where redo would start ({@code redo}), the record just before it
     * (pg_control's checkpoint location, so that a restart knows the prev-link of the next
     * record), and the timeline replay is on.
     */
    public record RedoPoint(Lsn redo, Lsn recordBefore, org.walden.wal.TimelineId timeline) {
    }

    /** Settings and collaborators fixed at start. */
    public record Config(Store store, ControlFile controlFile, Path walDir, long walSegmentSizeBytes, Clock clock,
                         long checkpointTimeoutMs, long maxWalSizeBytes, long walKeepSizeBytes, long walKeepSegments) {
    }

    private final Config config;
    private final ReentrantLock checkpointLock = new ReentrantLock();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeup = lock.newCondition();
    private final Condition done = lock.newCondition();
    // guarded by lock
    private long requested;
    private long completed;
    /** The pending request is a no-wait one ("force", after promotion). */
    private boolean forceOnly;
    private RuntimeException lastFailure;
    private boolean stopping;
    private Wal wal;
    private Supplier<Lsn> redoPointSupplier;
    private Supplier<RedoPoint> restartPointSupplier;
    private Supplier<Lsn> replayEndSupplier;
    private Supplier<Lsn> currentPositionSupplier;
    private IntSupplier nextXidSupplier;
    private volatile Supplier<Lsn> minKeepLsnSupplier = () -> Lsn.INVALID;
    /** Replication slots, when the server has them: saved, and limited, at each checkpoint. */
    private volatile SlotRetention slotRetention;
    private Thread thread;
    /** Read by tests and monitoring. */
    private volatile long checkpointsDone;
    /** pg_stat_bgwriter's checkpoint counters (the decisions guarded by lock, the rest by checkpointLock). */
    private volatile long timedCheckpoints;
    private volatile long requestedCheckpoints;
    private volatile long writeNanos;
    private volatile long syncNanos;
    private volatile long buffersWritten;
    /** When the last checkpoint finished, by the injected clock (checkpoint_timeout counts from it). */
    private volatile long lastCheckpointMs;
    private volatile java.util.function.BooleanSupplier logCheckpoints = () -> true;
    private volatile long sharedBuffers = 16384;
    /** Guarded by checkpointLock: the redo point of the previous checkpoint and the distance estimate. */
    private Lsn previousRedo = Lsn.INVALID;
    private long distanceEstimateBytes;
    /** The position right after the last checkpoint (its record's end, or the replay end). */
    private volatile Lsn lastCheckpointEnd = Lsn.INVALID;

    public Checkpointer(Config config) {
        this.config = config;
        this.lastCheckpointMs = config.clock().millis();
    }

    /** Primary mode: checkpoints write a WAL record (also the promotion seam). */
    public void setPrimary(Wal primaryWal, Supplier<Lsn> redoPoint, IntSupplier nextXid) {
        lock.lock();
        try {
            this.wal = primaryWal;
            this.redoPointSupplier = redoPoint;
            this.restartPointSupplier = null;
            this.replayEndSupplier = null;
            this.currentPositionSupplier = primaryWal::insertPosition;
            this.nextXidSupplier = nextXid;
        } finally {
            lock.unlock();
        }
    }

    /** Standby mode: restartpoints, redo point and replay end from the startup process. */
    public void setStandby(Supplier<RedoPoint> redoPoint, Supplier<Lsn> replayEnd, Supplier<Lsn> receivedUpTo,
                           IntSupplier nextXid) {
        lock.lock();
        try {
            this.wal = null;
            this.restartPointSupplier = redoPoint;
            this.redoPointSupplier = () -> redoPoint.get().redo();
            this.replayEndSupplier = replayEnd;
            this.currentPositionSupplier = receivedUpTo;
            this.nextXidSupplier = nextXid;
        } finally {
            lock.unlock();
        }
    }

    /**
     * log_checkpoints (read at each checkpoint; PostgreSQL 15's default is on) and
     * shared_buffers, against which "wrote N buffers (P%)" is reckoned.
     */
    public void setCheckpointLogging(java.util.function.BooleanSupplier logCheckpoints, long sharedBuffersBytes) {
        this.logCheckpoints = logCheckpoints;
        this.sharedBuffers = Math.max(1, sharedBuffersBytes / CheckpointStats.BLOCK_BYTES);
    }

    /** Replication slots (later) keep the WAL they need. */
    public void setMinKeepLsnSupplier(Supplier<Lsn> supplier) {
        this.minKeepLsnSupplier = supplier;
    }

    /**
     * Replication slots: each checkpoint and restartpoint saves them
     * (CheckPointReplicationSlots), keeps the WAL they need, and invalidates those further
     * behind than max_slot_wal_keep_size. The min-keep supplier still holds what else needs WAL.
     */
    public void setSlotRetention(SlotRetention retention) {
        this.slotRetention = retention;
    }

    public long checkpointsDone() {
        return checkpointsDone;
    }

    /**
     * pg_stat_bgwriter's checkpointer columns: checkpoints (and restartpoints) started on the
     * timeout — counted also when skipped for lack of activity, as PostgreSQL counts them — and
     * on request (CHECKPOINT, max_wal_size, after promotion); the milliseconds of their write and
     * sync phases and the 8 kB blocks they wrote, shutdown checkpoints included.
     */
    public record Stats(long timed, long requested, double writeMs, double syncMs, long buffers) {
        public Stats minus(Stats o) {
            return new Stats(timed - o.timed, requested - o.requested, writeMs - o.writeMs, syncMs - o.syncMs,
                    buffers - o.buffers);
        }
    }

    public Stats stats() {
        return new Stats(timedCheckpoints, requestedCheckpoints, writeNanos / 1e6, syncNanos / 1e6, buffersWritten);
    }

    /** A checkpoint or restartpoint is done: its phases count in {@link #stats}. Caller holds checkpointLock. */
    private void account(CheckpointStats stats) {
        writeNanos += stats.writeNanos();
        syncNanos += stats.syncNanos();
        buffersWritten += stats.buffers();
    }

    public void start() {
        // a platform thread, so that ps -T and top -H show "checkpointer" (a virtual one runs on a carrier)
        thread = Thread.ofPlatform().name("checkpointer").daemon(true).start(this::checkpointerMain);
    }

    private void checkpointerMain() {
        while (true) {
            Kind kind;
            long servingRequest;
            lock.lock();
            try {
                kind = null;
                while (!stopping && kind == null) {
                    kind = due();
                    if (kind == null) {
                        wakeup.await(Math.min(POLL_MS, config.checkpointTimeoutMs()), TimeUnit.MILLISECONDS);
                    }
                }
                if (stopping) {
                    return;
                }
                servingRequest = requested;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            RuntimeException failure = null;
            try {
                performCheckpoint(kind);
            } catch (RuntimeException e) {
                LOG.error("checkpoint failed: {}", e.getMessage(), e);
                failure = e;
            }
            finish(servingRequest, failure);
        }
    }

    /** Why a checkpoint is due now, or null. Caller holds lock. */
    private Kind due() {
        if (requested > completed) {
            requestedCheckpoints++;
            return forceOnly ? Kind.FORCE : Kind.REQUESTED;
        }
        if (redoPointSupplier == null) {
            return null;
        }
        long sinceMs = config.clock().millis() - lastCheckpointMs;
        if (sinceMs >= config.checkpointTimeoutMs()) {
            timedCheckpoints++;
            if (currentPositionSupplier != null && currentPositionSupplier.get().equals(lastCheckpointEnd)) {
                // nothing happened since the last checkpoint: skip it, as PostgreSQL does
                lastCheckpointMs = config.clock().millis();
                return null;
            }
            return Kind.TIME;
        }
        Lsn redo = config.controlFile().get().redo();
        if (currentPositionSupplier != null && config.maxWalSizeBytes() > 0
                && currentPositionSupplier.get().minus(redo) >= config.maxWalSizeBytes()) {
            requestedCheckpoints++;
            return Kind.WAL;
        }
        return null;
    }

    private void finish(long servingRequest, RuntimeException failure) {
        lock.lock();
        try {
            completed = Math.max(completed, servingRequest);
            lastFailure = failure;
            done.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Asks for a checkpoint without waiting (after promotion, as PostgreSQL's CHECKPOINT_FORCE
     * request once the new primary accepts connections).
     */
    public void requestCheckpointNoWait() {
        lock.lock();
        try {
            if (!stopping) {
                forceOnly = requested == completed;
                requested++;
                wakeup.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The CHECKPOINT command: asks for an immediate checkpoint and waits until it is done. */
    public void requestCheckpoint() {
        lock.lock();
        try {
            if (stopping || thread == null) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "checkpointer is not running");
            }
            forceOnly = false;
            long mine = ++requested;
            wakeup.signalAll();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REQUEST_WAIT_MS);
            while (completed < mine) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || stopping) {
                    throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "checkpoint request failed");
                }
                done.awaitNanos(left);
            }
            if (lastFailure != null) {
                throw new PgException(SqlState.INTERNAL_ERROR, "checkpoint request failed")
                        .withHint("Consult recent messages in the server log for details.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        } finally {
            lock.unlock();
        }
    }

    /**
     * Performs a checkpoint (primary) or restartpoint (standby) now, in the calling thread.
     * Returns the redo LSN it recorded.
     */
    public Lsn performCheckpoint(Kind kind) {
        checkpointLock.lock();
        try {
            Wal w;
            lock.lock();
            try {
                w = wal;
            } finally {
                lock.unlock();
            }
            Invariants.check(redoPointSupplier != null, "checkpointer has a mode");
            Lsn redo = w != null ? createCheckPoint(w, kind) : createRestartPoint(kind);
            lastCheckpointMs = config.clock().millis();
            checkpointsDone++;
            return redo;
        } finally {
            checkpointLock.unlock();
        }
    }

    private Lsn createCheckPoint(Wal w, Kind kind) {
        boolean logIt = logCheckpoints.getAsBoolean();
        if (logIt) {
            LOG.info("checkpoint starting: {}", kind.words);
        }
        CheckpointStats stats = new CheckpointStats();
        boolean shutdown = kind == Kind.SHUTDOWN || kind == Kind.END_OF_RECOVERY;
        Lsn redo = redoPointSupplier.get();
        stats.wrote(config.store().flush());
        checkPointSlots();
        ControlFile.Data cf = config.controlFile().get();
        CheckPoint cp = new CheckPoint(redo, w.timeline(), cf.prevTimeline(), nextXidSupplier.getAsInt(),
                config.clock().instant().getEpochSecond());
        Wal.Inserted rec = w.insert(cp.toRecord(shutdown));
        w.flush(rec.endLsn());
        stats.synced();
        lastCheckpointEnd = rec.endLsn();
        DbState state = kind == Kind.SHUTDOWN ? DbState.SHUTDOWNED : DbState.IN_PRODUCTION;
        config.controlFile().update(d -> d.withCheckPoint(rec.firstLsn(), cp).withState(state));
        stats.synced();
        w.setMinKeepLsnSupplier(minKeepLsnSupplier);
        int removed = removeOldSegments(redo, rec.endLsn());
        account(stats);
        if (logIt) {
            LOG.info("checkpoint complete: {}", completeLine(stats, removed, redo));
        }
        return redo;
    }

    private Lsn createRestartPoint(Kind kind) {
        boolean logIt = logCheckpoints.getAsBoolean();
        if (logIt) {
            LOG.info("restartpoint starting: {}", kind.words);
        }
        CheckpointStats stats = new CheckpointStats();
        RedoPoint rp = restartPointSupplier.get();
        Lsn redo = rp.redo();
        Lsn replayEnd = replayEndSupplier.get();
        stats.wrote(config.store().flush());
        checkPointSlots();
        ControlFile.Data cf = config.controlFile().get();
        CheckPoint cp = new CheckPoint(redo, rp.timeline(), cf.prevTimeline(), nextXidSupplier.getAsInt(),
                config.clock().instant().getEpochSecond());
        DbState state = kind == Kind.SHUTDOWN ? DbState.SHUTDOWNED_IN_RECOVERY : DbState.IN_ARCHIVE_RECOVERY;
        config.controlFile().update(d -> {
            Lsn location = rp.recordBefore().isValid() ? rp.recordBefore() : d.checkPoint();
            ControlFile.Data next = d.withCheckPoint(location, cp).withState(state);
            return replayEnd.isAfter(d.minRecoveryPoint()) ? next.withMinRecoveryPoint(replayEnd, rp.timeline()) : next;
        });
        stats.synced();
        int removed = removeOldSegments(redo, currentPositionSupplier.get());
        lastCheckpointEnd = currentPositionSupplier.get();
        account(stats);
        if (logIt) {
            LOG.info("restartpoint complete: {}", completeLine(stats, removed, redo));
            LOG.info("recovery restart point at {}", redo);
        }
        return redo;
    }

    /**
     * The rest of LogCheckpointEnd's line: "wrote N buffers (P%); A WAL file(s) added, R removed,
     * C recycled; write=..., sync=..., total=... s; sync files=F, longest=..., average=... s;
     * distance=D kB, estimate=E kB". Walden's "buffers" are the 8 kB blocks the storage engine's
     * memtables held when flushed; WAL segments are never pre-allocated or recycled. Caller
     * holds checkpointLock.
     */
    private String completeLine(CheckpointStats stats, int removed, Lsn redo) {
        long distance = previousRedo.isValid() && redo.isAfter(previousRedo) ? redo.value() - previousRedo.value() : 0;
        distanceEstimateBytes = distanceEstimateBytes < distance ? distance
                : (long) (0.90 * distanceEstimateBytes + 0.10 * distance);
        previousRedo = redo;
        return stats.format(sharedBuffers, removed, distance, distanceEstimateBytes);
    }

    private void checkPointSlots() {
        SlotRetention r = slotRetention;
        if (r != null) {
            r.checkPointReplicationSlots();
        }
    }

    /**
     * RemoveOldXlogFiles after KeepLogSeg: segments before the redo segment go, except what
     * wal_keep_size and the slots keep; slots further behind than max_slot_wal_keep_size are
     * invalidated first (InvalidateObsoleteReplicationSlots), then the horizon is recomputed.
     */
    private int removeOldSegments(Lsn redo, Lsn current) {
        long seg = config.walSegmentSizeBytes();
        long cutoff = keepFrom(redo, current);
        SlotRetention r = slotRetention;
        if (r != null && r.invalidateObsoleteReplicationSlots(WalSegments.segmentStart(cutoff, seg))) {
            cutoff = keepFrom(redo, current);
        }
        // other holds (base backups, the archiver; and the slots again, valid ones only by now)
        Lsn held = minKeepLsnSupplier.get();
        if (held != null && held.isValid()) {
            cutoff = Math.min(cutoff, held.segmentNo(seg));
        }
        return WalSegments.removeOlderThan(config.walDir(), cutoff, seg);
    }

    private long keepFrom(Lsn redo, Lsn current) {
        SlotRetention r = slotRetention;
        long seg = config.walSegmentSizeBytes();
        long keepBytes = r == null || r.walKeepSizeBytes() < 0 ? config.walKeepSizeBytes() : r.walKeepSizeBytes();
        long keepSegs = r == null || r.walKeepSegments() < 0 ? config.walKeepSegments() : r.walKeepSegments();
        return Wal.keepLogSeg(redo.segmentNo(seg), current, r == null ? Lsn.INVALID : r.replicationSlotMinimumLsn(),
                r == null ? -1 : r.maxSlotWalKeepSizeBytes(), keepBytes, keepSegs, seg);
    }

    /** Stops the loop and performs the shutdown checkpoint or restartpoint. */
    public void shutdown() {
        stopThread();
        performCheckpoint(Kind.SHUTDOWN);
    }

    /** Stops the loop without a final checkpoint (crash simulation, emergency stop). */
    public void stopWithoutCheckpoint() {
        stopThread();
    }

    private void stopThread() {
        lock.lock();
        try {
            stopping = true;
            wakeup.signalAll();
            done.signalAll();
        } finally {
            lock.unlock();
        }
        if (thread != null) {
            try {
                thread.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Checkpointer[%d done]", checkpointsDone);
    }
}
