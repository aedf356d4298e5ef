package org.walden.wal;

import java.nio.file.Path;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The standby's side of the WAL: writes WAL bytes received from the primary at their LSN into
 * the segment files (creating them as needed) and flushes them, as PostgreSQL's XLogWalRcvWrite
 * and XLogWalRcvFlush do. The startup process waits on {@link #awaitFlushedBeyond} and replays
 * what is flushed.
 *
 * <p>One writer thread (the walreceiver) calls {@link #write} and {@link #flush}; any thread
 * reads the positions. {@code filesLock} guards the segment files' write side (writes, fsyncs,
 * a new timeline); {@code lock} only pairs with {@code flushedCond}, signalled after each flush,
 * so that the startup process waiting for WAL never waits behind a write or an fsync. The
 * positions are volatile: read by the startup process and by the walreceiver's status replies.
 */
public final class WalReceiverWriter {

    private final SegmentFiles files;
    private final ReentrantLock filesLock = new ReentrantLock();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition flushedCond = lock.newCondition();
    private volatile long writtenPos;
    private volatile long flushedPos;
    /** archive_mode = always: gets each segment number once it is received and flushed completely. */
    private volatile java.util.function.LongConsumer segmentFinishedListener = segNo -> { };
    /** Segments below this one were reported finished; guarded by filesLock. */
    private long nextUnfinishedSegNo;
    private final long segmentSizeBytes;

    /** Ready to receive at {@code startAt}; everything before it counts as flushed already. */
    public WalReceiverWriter(Path walDir, long segmentSizeBytes, TimelineId timeline, Lsn startAt, boolean fsync) {
        this.files = new SegmentFiles(walDir, segmentSizeBytes, timeline, fsync);
        this.writtenPos = startAt.value();
        this.flushedPos = startAt.value();
        this.segmentSizeBytes = segmentSizeBytes;
        this.nextUnfinishedSegNo = startAt.segmentNo(segmentSizeBytes);
    }

    /**
     * Archiving on a standby (archive_mode = always): {@code listener} gets each segment number
     * once the segment was received and flushed to its end. Called under this writer's files lock.
     */
    public void setSegmentFinishedListener(java.util.function.LongConsumer listener) {
        this.segmentFinishedListener = listener;
    }

    /** Writes received bytes at {@code at} (streaming may restart from an earlier segment start). */
    public void write(Lsn at, byte[] data, int offset, int length) {
        filesLock.lock();
        try {
            files.write(at.value(), data, offset, length);
            writtenPos = at.value() + length;
        } finally {
            filesLock.unlock();
        }
    }

    /** fdatasyncs what was written and wakes the startup process. */
    public void flush() {
        flush(null);
    }

    /**
     * fdatasyncs what was written, publishes the flushed position, runs {@code beforeWake}
     * (when not null: the walreceiver's flush reply) and then wakes the startup process (and
     * cascading walsenders). Waiters that look at the position before the wake-up find it
     * already moved and do not wait; the others are woken after it moved.
     */
    public void flush(Runnable beforeWake) {
        filesLock.lock();
        try {
            files.sync();
            flushedPos = writtenPos;
            long firstUnfinished = flushedPos / segmentSizeBytes;
            if (firstUnfinished < nextUnfinishedSegNo) {
                nextUnfinishedSegNo = firstUnfinished; // streaming restarted from an earlier segment
            }
            while (nextUnfinishedSegNo < firstUnfinished) {
                segmentFinishedListener.accept(nextUnfinishedSegNo++);
            }
        } finally {
            filesLock.unlock();
        }
        try {
            if (beforeWake != null) {
                beforeWake.run();
            }
        } finally {
            wakeup();
        }
    }

    /** The end of the WAL written (not necessarily flushed): the reply's write position. */
    public Lsn writtenLsn() {
        return new Lsn(writtenPos);
    }

    /** The end of the WAL flushed: the reply's flush position, the startup process's limit. */
    public Lsn flushedLsn() {
        return new Lsn(flushedPos);
    }

    public long fsyncCount() {
        return files.fsyncCount();
    }

    /** pg_stat_wal's writes and syncs of the received WAL. */
    public WalStats ioStats() {
        return files.ioStats();
    }

    /** track_wal_io_timing: whether writes and syncs are timed, read at each one. */
    public void setIoTiming(java.util.function.BooleanSupplier ioTiming) {
        files.setIoTiming(ioTiming);
    }

    /** Waits until the flushed position passes {@code beyond} or the timeout ends; returns it then. */
    public Lsn awaitFlushedBeyond(Lsn beyond, long timeoutMs) {
        return FlushWait.awaitBeyond(lock, flushedCond, () -> flushedPos, beyond, timeoutMs);
    }

    /**
     * Reads flushed WAL for a cascading walsender: up to {@code length} bytes from {@code from},
     * never past the flushed position; 0 when nothing more is flushed. A removed segment raises
     * 58P01 "requested WAL segment ... has already been removed", as on a primary.
     */
    public int readRaw(TimelineId tli, Lsn from, byte[] dst, int offset, int length) {
        return readRaw(null, tli, from, dst, offset, length);
    }

    /** As {@link #readRaw(TimelineId, Lsn, byte[], int, int)}, keeping the segment read open in {@code cursor}. */
    public int readRaw(WalReadCursor cursor, TimelineId tli, Lsn from, byte[] dst, int offset, int length) {
        long available = flushedPos - from.value();
        int n = (int) Math.min(length, Math.max(0, available));
        if (n == 0) {
            return 0;
        }
        try {
            return files.read(cursor, tli, from.value(), dst, offset, n);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new org.walden.common.PgException(org.walden.common.SqlState.UNDEFINED_FILE,
                    String.format("requested WAL segment %s has already been removed", e.getFile()));
        }
    }

    /** Wakes anyone waiting (shutdown). */
    public void wakeup() {
        lock.lock();
        try {
            flushedCond.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public TimelineId timeline() {
        return files.timeline();
    }

    /** Cascading walsenders' reads ({@link #readRaw}) pick segment files by this history. */
    public void setReadTimelines(SegmentTimelines history) {
        files.setReadTimelines(history);
    }

    /** Received WAL is written to this timeline's segment files from now on. */
    public void setTimeline(TimelineId timeline) {
        filesLock.lock();
        try {
            files.sync();
            files.setTimeline(timeline);
        } finally {
            filesLock.unlock();
        }
    }

    public void close() {
        filesLock.lock();
        try {
            files.sync();
            files.closeAll();
        } finally {
            filesLock.unlock();
        }
    }
}
