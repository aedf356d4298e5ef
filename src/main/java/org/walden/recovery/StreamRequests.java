package org.walden.recovery;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * What the startup process asks the walreceiver to stream (PostgreSQL's RequestXLogStreaming and
 * the walreceiver's WalRcvWaitForStartPosition): from which segment start, on which timeline.
 * The startup process alone decides the timeline: the walreceiver never moves to the next
 * timeline on its own when the primary ends one; it reports the end, waits here, and streams
 * what the startup process asks next, which is the new timeline only if that timeline forked off
 * at or after the standby's replay position.
 *
 * <p>Each request has a generation; the walreceiver waits for a generation above the one whose
 * stream ended. {@code lock} guards {@code current} and pairs with {@code changed}.
 */
public final class StreamRequests {

    /** Stream from {@code start} (a segment start) on {@code timeline}; {@code generation} orders requests. */
    public record Request(Lsn start, TimelineId timeline, long generation) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final long segmentSizeBytes;
    /** Guarded by lock; null until the startup process asks for streaming the first time. */
    private Request current;
    /** The generation whose stream the walreceiver reported ended (end of timeline); volatile for the redo loop. */
    private volatile long endedGeneration = -1;

    public StreamRequests(long segmentSizeBytes) {
        this.segmentSizeBytes = segmentSizeBytes;
    }

    /** The startup process asks for streaming from the segment holding {@code from} on {@code timeline}. */
    public void request(Lsn from, TimelineId timeline) {
        lock.lock();
        try {
            Lsn start = new Lsn(from.value() - from.segmentOffset(segmentSizeBytes));
            current = new Request(start, timeline, current == null ? 1 : current.generation() + 1);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The walreceiver: the stream of request {@code generation} ended (the primary ended the
     * timeline, or had no more WAL on it); the redo loop looks for what to ask next at once.
     */
    public void streamEnded(long generation) {
        endedGeneration = generation;
    }

    /** True when the walreceiver reported the end of the current request's stream. */
    boolean currentStreamEnded() {
        Request r = current();
        return r != null && r.generation() == endedGeneration;
    }

    /** The latest request, or null before the first. */
    public Request current() {
        lock.lock();
        try {
            return current;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutMs} for a request newer than generation {@code after} (-1: any);
     * returns it, or null when none came.
     */
    public Request awaitAfter(long after, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        lock.lock();
        try {
            while (current == null || current.generation() <= after) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                changed.awaitNanos(left);
            }
            return current;
        } finally {
            lock.unlock();
        }
    }
}
