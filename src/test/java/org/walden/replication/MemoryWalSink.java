package org.walden.replication;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.recovery.StreamRequests;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/** A ReceivedWalSink in memory: WAL from {@code base} on; "replays" everything flushed. */
final class MemoryWalSink implements ReceivedWalSink {

    private final long systemId;
    private final long segmentSizeBytes;
    private final long base;
    private final ReentrantLock lock = new ReentrantLock();
    private byte[] bytes = new byte[1 << 20];
    private long written;
    private volatile Lsn flushed;
    /** What "the startup process" asks to stream: from base on timeline 1 at first. */
    final StreamRequests requests;
    final Map<Integer, String> histories = new HashMap<>();
    volatile int flushes;
    private volatile Lsn replayedOverride;

    MemoryWalSink(long systemId, long segmentSizeBytes, Lsn base) {
        this.systemId = systemId;
        this.segmentSizeBytes = segmentSizeBytes;
        this.base = base.value();
        this.written = base.value();
        this.flushed = base;
        this.requests = new StreamRequests(segmentSizeBytes);
        requests.request(base, TimelineId.FIRST);
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
    public StreamRequests.Request awaitStreamRequest(long after, long timeoutMs) throws InterruptedException {
        return requests.awaitAfter(after, timeoutMs);
    }

    @Override
    public void streamEnded(long generation) {
        requests.streamEnded(generation);
    }

    @Override
    public boolean hasTimelineHistory(TimelineId tli) {
        lock.lock();
        try {
            return histories.containsKey(tli.value());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long walSegmentSizeBytes() {
        return segmentSizeBytes;
    }

    @Override
    public void write(Lsn at, byte[] data, int offset, int length) {
        lock.lock();
        try {
            int pos = (int) (at.value() - base);
            if (pos < 0) {
                throw new IllegalStateException("write before base: " + at);
            }
            while (pos + length > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
            }
            System.arraycopy(data, offset, bytes, pos, length);
            written = Math.max(written, at.value() + length);
        } finally {
            lock.unlock();
        }
    }

    /** While set, flush() waits (up to 20 s) until it is cleared: a slow fsync. */
    volatile java.util.concurrent.CountDownLatch flushGate;

    @Override
    public void flush() {
        java.util.concurrent.CountDownLatch gate = flushGate;
        if (gate != null) {
            try {
                gate.await(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lock.lock();
        try {
            flushed = new Lsn(written);
            flushes++;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Lsn writtenLsn() {
        lock.lock();
        try {
            return new Lsn(written);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Lsn flushedLsn() {
        return flushed;
    }

    @Override
    public Lsn replayLsn() {
        Lsn replayed = replayedOverride;
        return replayed != null ? replayed : flushed;
    }

    /** Makes replay lag behind the flush position (null: replay follows flush at once). */
    void setReplayed(Lsn replayed) {
        this.replayedOverride = replayed;
    }

    @Override
    public void writeTimelineHistory(TimelineId tli, String content) {
        lock.lock();
        try {
            histories.put(tli.value(), content);
        } finally {
            lock.unlock();
        }
    }
}
