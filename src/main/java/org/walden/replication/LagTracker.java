package org.walden.replication;

import org.walden.wal.Lsn;

/**
 * write_lag / flush_lag / replay_lag for one walsender (PostgreSQL's LagTracker in
 * walsender.c, without its interpolation): when WAL up to an LSN is sent, (lsn, time) is
 * recorded; when a reply says the standby wrote, flushed or applied past a recorded LSN, the
 * lag is now minus that time. A bounded ring: when it is full, new samples are skipped until
 * the slowest reader (apply) catches up, which only makes the measurement coarser.
 *
 * <p>The walsender thread writes samples and the reply reader reads them, so every method
 * takes the instance lock.
 */
final class LagTracker {

    /** Samples kept at most (PostgreSQL's LAG_TRACKER_BUFFER_SIZE). */
    static final int BUFFER_SAMPLES = 8192;

    /** The three positions of an 'r' message. */
    enum Head { WRITE, FLUSH, APPLY }

    private final long[] lsns = new long[BUFFER_SAMPLES];
    private final long[] timesMicros = new long[BUFFER_SAMPLES];
    private final int[] readHeads = new int[Head.values().length];
    private int writeHead;
    private long lastLsn;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    /** LagTrackerWrite: WAL up to {@code lsn} was sent at {@code nowMicros}. */
    void write(Lsn lsn, long nowMicros) {
        lock.lock();
        try {
            if (Long.compareUnsigned(lsn.value(), lastLsn) <= 0) {
                return;
            }
            int next = (writeHead + 1) % BUFFER_SAMPLES;
            for (int head : readHeads) {
                if (next == head) {
                    return; // full: skip this sample
                }
            }
            lastLsn = lsn.value();
            lsns[writeHead] = lsn.value();
            timesMicros[writeHead] = nowMicros;
            writeHead = next;
        } finally {
            lock.unlock();
        }
    }

    /**
     * LagTrackerRead: the lag in microseconds for a standby position, or -1 when no new sample
     * was passed (the caller keeps the previous value).
     */
    long read(Head head, Lsn position, long nowMicros) {
        lock.lock();
        try {
            int h = head.ordinal();
            long sampleTime = -1;
            while (readHeads[h] != writeHead && Long.compareUnsigned(lsns[readHeads[h]], position.value()) <= 0) {
                sampleTime = timesMicros[readHeads[h]];
                readHeads[h] = (readHeads[h] + 1) % BUFFER_SAMPLES;
            }
            if (sampleTime < 0) {
                return -1;
            }
            return Math.max(0, nowMicros - sampleTime);
        } finally {
            lock.unlock();
        }
    }
}
