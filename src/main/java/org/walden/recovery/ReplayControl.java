package org.walden.recovery;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.wal.Lsn;

/**
 * The standby's replay controls, shared by the startup process and SQL backends: the pause
 * state of pg_wal_replay_pause() / pg_wal_replay_resume() (PostgreSQL's RecoveryPauseState in
 * XLogRecoveryCtl), and the replay position that pg_wal_replay_wait() waiters sleep on.
 *
 * <p>A backend asks for a pause ({@link #requestPause}: "pause requested"); the startup process
 * sees it before its next record and confirms it ({@link #pauseHere}: "paused"), then sleeps in
 * bounded slices until {@link #resume}. The walreceiver is not involved: it keeps receiving and
 * flushing WAL while replay is paused. {@code lock} guards the state changes and pairs with
 * {@code changed}, signalled on resume and, when someone waits, on replay progress. The state
 * and the position are volatile, read by anyone without the lock.
 */
public final class ReplayControl {

    /** PostgreSQL's RecoveryPauseState, with pg_get_wal_replay_pause_state()'s words. */
    public enum PauseState {
        NOT_PAUSED("not paused"),
        PAUSE_REQUESTED("pause requested"),
        PAUSED("paused");

        private final String sqlName;

        PauseState(String sqlName) {
            this.sqlName = sqlName;
        }

        /** As pg_get_wal_replay_pause_state() returns it. */
        public String sqlName() {
            return sqlName;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile PauseState pauseState = PauseState.NOT_PAUSED;
    private volatile Lsn replayed = Lsn.INVALID;
    /** Backends in awaitReplayed; guarded by lock. The startup process signals only when > 0. */
    private volatile int waiters;

    /** pg_wal_replay_pause(): "pause requested" until the startup process confirms. */
    public void requestPause() {
        lock.lock();
        try {
            if (pauseState == PauseState.NOT_PAUSED) {
                pauseState = PauseState.PAUSE_REQUESTED;
            }
        } finally {
            lock.unlock();
        }
    }

    /** pg_wal_replay_resume(): replay continues; wakes the startup process. */
    public void resume() {
        lock.lock();
        try {
            pauseState = PauseState.NOT_PAUSED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public PauseState pauseState() {
        return pauseState;
    }

    /** pg_is_wal_replay_paused(): true once a pause is requested (PostgreSQL 15's meaning). */
    public boolean isPauseRequested() {
        return pauseState != PauseState.NOT_PAUSED;
    }

    /**
     * The startup process, before replaying a record: when a pause is requested, confirms it
     * ("paused") and sleeps until resumed or {@code sliceMs} passes. Returns true when it paused
     * (the caller loops and calls again, checking its stop flag in between); false at once when
     * no pause is requested.
     */
    public boolean pauseHere(long sliceMs) {
        if (pauseState == PauseState.NOT_PAUSED) {
            return false;
        }
        lock.lock();
        try {
            if (pauseState == PauseState.NOT_PAUSED) {
                return false;
            }
            pauseState = PauseState.PAUSED;
            changed.await(sliceMs, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The startup process, after each record: just past it is replayed now. */
    public void advance(Lsn replayEnd) {
        replayed = replayEnd;
        if (waiters > 0) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Just past the last replayed record. */
    public Lsn replayedLsn() {
        return replayed;
    }

    /**
     * pg_wal_replay_wait(): waits until replay has passed {@code target} (everything before it
     * is visible to new snapshots) or {@code timeoutMs} passes; true when it has.
     */
    public boolean awaitReplayed(Lsn target, long timeoutMs) {
        if (!target.isAfter(replayed)) {
            return true;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
        lock.lock();
        try {
            waiters++;
            while (target.isAfter(replayed)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !target.isAfter(replayed);
        } finally {
            waiters--;
            lock.unlock();
        }
    }
}
