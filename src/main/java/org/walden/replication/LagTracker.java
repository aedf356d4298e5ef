package org.walden.replication;

import org.walden.wal.Lsn;

/**
 * write_lag / flush_lag / replay_lag for one walsender, as PostgreSQL's LagTracker in
 * walsender.c measures them: each time the walsender looks at the end of the WAL it may send,
 * (that LSN, now) is recorded as a sample; when a reply says the standby wrote, flushed or
 * applied past samples, the lag is now minus the time of the last sample passed.
 *
 * <p>A reply that passes no new sample still gets a lag when a later sample is waiting: the
 * time is interpolated between the last sample passed and the next one by LSN (a stuck apply
 * position shows a growing lag instead of its last value), or is the next sample's own time
 * when nothing was passed since the standby was last fully caught up (a new burst of WAL: the
 * lag the standby would have if it reached that sample now). A reply that passes nothing with
 * nothing waiting changes nothing (-1).
 *
 * <p>A ring of {@link #BUFFER_SAMPLES}: when the slowest reader (apply) is that far behind, the
 * newest sample is overwritten instead of adding one, which only makes the measurement coarser.
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
    /** Per head, the last sample passed (0 time: none since the head was last fully caught up). */
    private final long[] lastReadLsns = new long[Head.values().length];
    private final long[] lastReadTimesMicros = new long[Head.values().length];
    private int writeHead;
    private long lastLsn;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    /** LagTrackerWrite: the WAL up to {@code lsn} was there to send at {@code nowMicros}. */
    void write(Lsn lsn, long nowMicros) {
        lock.lock();
        try {
            if (lsn.value() == lastLsn) {
                return; // nothing new since the last sample
            }
            lastLsn = lsn.value();
            int next = (writeHead + 1) % BUFFER_SAMPLES;
            boolean full = false;
            for (int head : readHeads) {
                full |= next == head;
            }
            if (full) { // overwrite the newest sample: a lower sampling rate while apply is far behind
                next = writeHead;
                writeHead = (writeHead + BUFFER_SAMPLES - 1) % BUFFER_SAMPLES;
            }
            lsns[writeHead] = lsn.value();
            timesMicros[writeHead] = nowMicros;
            writeHead = next;
        } finally {
            lock.unlock();
        }
    }

    /**
     * LagTrackerRead: the lag in microseconds for a standby position, or -1 when there is none to
     * show (the caller keeps the previous value).
     */
    long read(Head head, Lsn position, long nowMicros) {
        lock.lock();
        try {
            int h = head.ordinal();
            long lsn = position.value();
            long time = 0;
            while (readHeads[h] != writeHead && Long.compareUnsigned(lsns[readHeads[h]], lsn) <= 0) {
                time = timesMicros[readHeads[h]];
                lastReadLsns[h] = lsns[readHeads[h]];
                lastReadTimesMicros[h] = time;
                readHeads[h] = (readHeads[h] + 1) % BUFFER_SAMPLES;
            }
            if (readHeads[h] == writeHead) {
                lastReadTimesMicros[h] = 0; // all caught up: no stale sample for the next burst
            }
            if (time > nowMicros) {
                return -1; // the clock went backwards
            }
            if (time == 0) {
                if (readHeads[h] == writeHead) {
                    return -1; // nothing passed, nothing waiting
                }
                long nextLsn = lsns[readHeads[h]];
                long nextTime = timesMicros[readHeads[h]];
                if (lastReadTimesMicros[h] != 0) {
                    long prevLsn = lastReadLsns[h];
                    long prevTime = lastReadTimesMicros[h];
                    if (Long.compareUnsigned(lsn, prevLsn) < 0 || prevTime > nextTime) {
                        return -1; // a position gone backwards (timeline switch), a clock gone backwards
                    }
                    double fraction = (double) (lsn - prevLsn) / (double) (nextLsn - prevLsn);
                    time = (long) (prevTime + (nextTime - prevTime) * fraction);
                } else {
                    time = nextTime;
                }
            }
            return nowMicros - time;
        } finally {
            lock.unlock();
        }
    }
}
