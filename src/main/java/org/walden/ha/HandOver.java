package org.walden.ha;

import java.util.concurrent.TimeUnit;
import org.walden.wal.Lsn;

/**
 * The first half of a zero-loss hand-over of the primary role, one procedure for both ways of
 * asking for it: {@code walden switchover} (over SQL, from outside the primary) and the failover
 * agent's planned switchover ({@code walden ha switchover}, in the primary's own process).
 *
 * <p>Writes are paused (new write transactions get 25006; running ones get the wait, then their
 * sessions end) and the position after the last write is taken; then the candidate must have
 * everything up to it (unless forced) within the timeout. If the candidate does not get there,
 * writes resume and the hand-over fails; the primary is as it was. What comes next differs —
 * {@code walden switchover} stops the primary and promotes the candidate itself, the agent gives
 * up the lease for the candidate to take — and stays with the callers.
 */
public final class HandOver {

    private static final long POLL_MS = 10;

    /** The primary whose writes are paused: walden_pause_writes() over SQL, or the server in-process. */
    public interface Primary {
        /** Pauses writes ({@code waitMs} for running ones); returns the position after the last write. */
        Lsn pauseWrites(long waitMs) throws Exception;

        void resumeWrites() throws Exception;
    }

    /** The candidate: true once it has {@code last} (replayed, or received, as the caller requires). */
    public interface Candidate {
        boolean has(Lsn last) throws Exception;
    }

    /** The hand-over did not start; {@link #writesResumed} says whether writes had been paused and resumed. */
    public static final class Failure extends Exception {
        private final boolean writesResumed;

        Failure(String message, boolean writesResumed) {
            super(message);
            this.writesResumed = writesResumed;
        }

        public boolean writesResumed() {
            return writesResumed;
        }
    }

    private HandOver() {
    }

    /**
     * Pauses writes on {@code primary} and waits until {@code candidate} has the last position;
     * returns it, writes still paused. {@code what} names the candidate's step in the failure
     * ("replay", "receive").
     */
    public static Lsn pauseUntilCaughtUp(Primary primary, Candidate candidate, String what, long waitMs,
                                         long timeoutMs, boolean force) throws Failure, InterruptedException {
        Lsn last;
        try {
            last = primary.pauseWrites(waitMs);
        } catch (Exception e) {
            throw new Failure("could not pause writes: " + e.getMessage(), false);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            while (!force && !candidate.has(last)) {
                if (System.nanoTime() > deadline) {
                    throw new Failure("the candidate did not " + what + " " + last + " within "
                            + TimeUnit.MILLISECONDS.toSeconds(timeoutMs) + " s", true);
                }
                Thread.sleep(POLL_MS);
            }
            return last;
        } catch (Failure | InterruptedException e) {
            resume(primary);
            throw e;
        } catch (Exception e) {
            resume(primary);
            throw new Failure(String.valueOf(e.getMessage()), true);
        }
    }

    private static void resume(Primary primary) throws Failure {
        try {
            primary.resumeWrites();
        } catch (Exception e) {
            throw new Failure("could not resume writes: " + e.getMessage(), false);
        }
    }
}
