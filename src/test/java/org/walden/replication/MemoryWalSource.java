package org.walden.replication;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/** A WalSource over bytes in memory: WAL from {@code base} on, flushed as appended. */
final class MemoryWalSource implements WalSource {

    private final long systemId;
    private final long segmentSizeBytes;
    private final long base;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition flushed = lock.newCondition();
    private byte[] bytes = new byte[1 << 20];
    private int length;
    private long removedBefore;
    private TimelineId timeline = TimelineId.FIRST;
    private final Map<Integer, String> histories = new HashMap<>();

    MemoryWalSource(long systemId, long segmentSizeBytes, Lsn base) {
        this.systemId = systemId;
        this.segmentSizeBytes = segmentSizeBytes;
        this.base = base.value();
    }

    /** Appends (and "flushes") WAL bytes; returns the new flush position. */
    Lsn append(byte[] data) {
        lock.lock();
        try {
            while (length + data.length > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
            }
            System.arraycopy(data, 0, bytes, length, data.length);
            length += data.length;
            flushed.signalAll();
            return new Lsn(base + length);
        } finally {
            lock.unlock();
        }
    }

    /** A deterministic pattern: the byte at LSN x is (x * 31 + x / 977) & 0xff. */
    static byte patternAt(long lsn) {
        return (byte) (lsn * 31 + lsn / 977);
    }

    Lsn appendPattern(int n) {
        long at = flushedLsn().value();
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = patternAt(at + i);
        }
        return append(d);
    }

    /** When set, readWal fails with this I/O error (a broken disk, as the engine reports it). */
    volatile java.io.UncheckedIOException readFailure;

    void removeBefore(Lsn lsn) {
        removedBefore = lsn.value();
    }

    void setTimeline(TimelineId tli, String history) {
        lock.lock();
        try {
            timeline = tli;
            histories.put(tli.value(), history);
        } finally {
            lock.unlock();
        }
    }

    byte[] copy(Lsn from, int n) {
        lock.lock();
        try {
            byte[] out = new byte[n];
            System.arraycopy(bytes, (int) (from.value() - base), out, 0, n);
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long systemIdentifier() {
        return systemId;
    }

    @Override
    public TimelineId timeline() {
        lock.lock();
        try {
            return timeline;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long walSegmentSizeBytes() {
        return segmentSizeBytes;
    }

    @Override
    public Lsn flushedLsn() {
        lock.lock();
        try {
            return new Lsn(base + length);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Lsn redoLsn() {
        return new Lsn(base);
    }

    @Override
    public Lsn awaitFlushBeyond(Lsn after, long timeoutMs) {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (base + length <= after.value()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                flushed.awaitNanos(left);
            }
            return new Lsn(base + length);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Lsn(base + length);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int readWal(TimelineId tli, Lsn from, byte[] buffer, int offset, int n) {
        if (readFailure != null) {
            throw readFailure;
        }
        lock.lock();
        try {
            if (from.value() < removedBefore || from.value() < base) {
                long segNo = from.segmentNo(segmentSizeBytes);
                long perId = 0x1_0000_0000L / segmentSizeBytes;
                throw new PgException(SqlState.UNDEFINED_FILE, String.format(
                        "requested WAL segment %08X%08X%08X has already been removed", tli.value(), segNo / perId,
                        segNo % perId));
            }
            int start = (int) (from.value() - base);
            int count = Math.max(0, Math.min(n, length - start));
            if (count == 0) {
                return 0;
            }
            System.arraycopy(bytes, start, buffer, offset, count);
            return count;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String timelineHistory(TimelineId tli) {
        lock.lock();
        try {
            return histories.get(tli.value());
        } finally {
            lock.unlock();
        }
    }
}
