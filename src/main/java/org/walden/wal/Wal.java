package org.walden.wal;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.walden.common.Invariants;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.WaitEvent;

/**
 * The primary's write-ahead log: insertion (LSN assignment into an in-memory buffer) and
 * flushing (write + fdatasync of the segment files), kept apart as PostgreSQL's
 * XLogInsertRecord and XLogFlush are, so that one fdatasync serves many commits.
 *
 * <p>Group commit: a committer calls {@link #flush(Lsn)}. The first to take the flush lock
 * becomes the leader: it takes everything inserted so far out of the buffer, writes it,
 * fdatasyncs once and publishes the new flushed position. The others do not queue on the flush
 * lock (its release would wake them one after another, each only to find its LSN flushed and
 * wake the next: a convoy of context switches under -c 32 or -c 100) but wait on
 * {@code followersCond}, all woken together when a flush is published and again when the leader
 * lets go (PostgreSQL's LWLockAcquireOrWait on WALWriteLock); one whose LSN is still not
 * flushed then tries to lead the next flush.
 *
 * <p>Locks and what they guard (taken in this order, never the reverse):
 * <ul>
 *   <li>{@code flushLock}: the segment files' write side and {@code spare}; held by the flush
 *       leader for one write+fsync.</li>
 *   <li>{@code insertLock}: {@code insertPos}, {@code prevRecordLsn}, {@code active},
 *       {@code activeUsed}, {@code activeStart}; held only to copy records into the buffer or
 *       to swap the buffer out.</li>
 *   <li>{@code progressLock}: pairs with {@code flushedCond}, signalled after each flush.</li>
 * </ul>
 * {@code flushedPos} is volatile: read by committers, walsenders, the checkpointer.
 *
 * <p>A failed write or fsync is a PANIC (never retried): crash recovery repairs.
 */
public final class Wal {

    public static final int DEFAULT_WAL_BUFFERS_BYTES = 4 * 1024 * 1024;

    /** Options fixed when the WAL is opened. */
    public record Options(boolean fsync, int walBuffersBytes, long walKeepSizeBytes, long walKeepSegments) {
        public static Options defaults() {
            return new Options(true, DEFAULT_WAL_BUFFERS_BYTES, 0, 0);
        }
    }

    /** Where an insertion of one or more contiguous records landed. */
    public record Inserted(Lsn firstLsn, Lsn lastLsn, Lsn endLsn) {
    }

    private final Path walDir;
    private final long segmentSizeBytes;
    private final Options options;
    private final SegmentFiles files;

    private final ReentrantLock flushLock = new ReentrantLock();
    private byte[] spare;

    private final ReentrantLock insertLock = new ReentrantLock();
    private long insertPos;
    private Lsn prevRecordLsn;
    private byte[] active;
    private int activeUsed;
    private long activeStart;
    /** pg_stat_wal's wal_records, wal_bytes and wal_buffers_full since this WAL was opened; guarded by insertLock. */
    private long insertedRecords;
    private long insertedBytes;
    private long buffersFull;

    private final ReentrantLock progressLock = new ReentrantLock();
    private final Condition flushedCond = progressLock.newCondition();
    /** Committers waiting for a flush led by another (signalled at publication and at the leader's release). */
    private final Condition followersCond = progressLock.newCondition();
    /** How many wait on followersCond; guarded by progressLock. */
    private int followers;
    private volatile long flushedPos;
    private volatile Supplier<Lsn> minKeepLsnSupplier = () -> Lsn.INVALID;
    /** Called by the flush leader with each segment number once the segment is complete and durable. */
    private volatile java.util.function.LongConsumer segmentFinishedListener = segNo -> { };
    /** Segments below this one were reported finished; guarded by flushLock. */
    private long nextUnfinishedSegNo;
    /** Set by {@link #close}; read by inserters and flushers. */
    private volatile boolean closed;

    /**
     * Opens the WAL for insertion at {@code insertAt} (just past the last valid record, whose
     * LSN is {@code prevRecordLsn}); everything before {@code insertAt} counts as flushed.
     */
    public Wal(Path walDir, long segmentSizeBytes, TimelineId timeline, Lsn insertAt, Lsn prevRecordLsn,
               Options options) {
        Invariants.check(WalSegments.isValidSegmentSize(segmentSizeBytes), "valid segment size");
        Invariants.check(insertAt.value() % WalRecord.ALIGNMENT == 0, "aligned insert position");
        this.walDir = walDir;
        this.segmentSizeBytes = segmentSizeBytes;
        this.options = options;
        this.files = new SegmentFiles(walDir, segmentSizeBytes, timeline, options.fsync());
        this.insertPos = insertAt.value();
        this.activeStart = insertAt.value();
        this.flushedPos = insertAt.value();
        this.prevRecordLsn = prevRecordLsn;
        this.active = new byte[Math.min(options.walBuffersBytes(), 64 * 1024)];
        this.spare = new byte[active.length];
        this.nextUnfinishedSegNo = insertAt.segmentNo(segmentSizeBytes);
    }

    public Path walDir() {
        return walDir;
    }

    public long segmentSizeBytes() {
        return segmentSizeBytes;
    }

    public TimelineId timeline() {
        return files.timeline();
    }

    /** Inserts one record; returns where it landed. */
    public Inserted insert(WalRecord record) {
        return insertAll(List.of(record));
    }

    /**
     * Inserts records contiguously (no other record between them), assigning LSNs and
     * prev-links. Does not wait for a flush, unless the buffer is full.
     */
    public Inserted insertAll(List<WalRecord> records) {
        Invariants.check(!records.isEmpty(), "insert at least one record");
        long need = 0;
        for (WalRecord r : records) {
            need += WalRecord.align(r.totalLength());
        }
        while (true) {
            long mustFlushTo;
            insertLock.lock();
            try {
                if (closed) {
                    throw new PgException(SqlState.ADMIN_SHUTDOWN,
                            "terminating connection due to administrator command");
                }
                if (activeUsed == 0 || activeUsed + need <= options.walBuffersBytes()) {
                    return copyIntoBuffer(records, (int) need);
                }
                mustFlushTo = insertPos;
                buffersFull++;
            } finally {
                insertLock.unlock();
            }
            flush(new Lsn(mustFlushTo));
        }
    }

    private Inserted copyIntoBuffer(List<WalRecord> records, int need) {
        ensureActiveCapacity(activeUsed + need);
        Lsn first = null;
        Lsn last = null;
        for (WalRecord r : records) {
            Lsn lsn = new Lsn(insertPos);
            int at = activeUsed;
            int len = r.encode(prevRecordLsn, active, at);
            int aligned = (int) WalRecord.align(len);
            java.util.Arrays.fill(active, at + len, at + aligned, (byte) 0);
            // the CRC is checked right before the bytes leave for the file
            Invariants.check(WalRecord.crc(active, at, len) == WalRecord.Header.parse(active, at).crc(),
                    "CRC of a record just encoded");
            activeUsed += aligned;
            insertPos += aligned;
            insertedRecords++;
            insertedBytes += len;
            prevRecordLsn = lsn;
            if (first == null) {
                first = lsn;
            }
            last = lsn;
        }
        return new Inserted(first, last, new Lsn(insertPos));
    }

    private void ensureActiveCapacity(int bytes) {
        if (active.length < bytes) {
            active = java.util.Arrays.copyOf(active, Math.max(bytes, Math.min(active.length * 2,
                    Math.max(bytes, options.walBuffersBytes()))));
        }
    }

    /** Where the next record will be inserted (pg_current_wal_insert_lsn). */
    public Lsn insertPosition() {
        insertLock.lock();
        try {
            return new Lsn(insertPos);
        } finally {
            insertLock.unlock();
        }
    }

    /** The LSN of the last record inserted. */
    public Lsn lastRecordLsn() {
        insertLock.lock();
        try {
            return prevRecordLsn;
        } finally {
            insertLock.unlock();
        }
    }

    /** Everything before this position is on disk (pg_current_wal_flush_lsn). */
    public Lsn flushedLsn() {
        return new Lsn(flushedPos);
    }

    /** pg_stat_wal's counters since this WAL was opened. */
    public WalStats stats() {
        long records;
        long bytes;
        long full;
        insertLock.lock();
        try {
            records = insertedRecords;
            bytes = insertedBytes;
            full = buffersFull;
        } finally {
            insertLock.unlock();
        }
        return new WalStats(records, bytes, full, 0, 0, 0, 0).plus(files.ioStats());
    }

    /** track_wal_io_timing: whether writes and syncs are timed, read at each one. */
    public void setIoTiming(java.util.function.BooleanSupplier ioTiming) {
        files.setIoTiming(ioTiming);
    }

    /** How many times the WAL was fdatasync'ed (group commit makes this lower than commits). */
    public long fsyncCount() {
        return files.fsyncCount();
    }

    /**
     * Makes everything up to {@code upTo} durable: PostgreSQL's XLogFlush. Returns at once when
     * that is already so; otherwise becomes (or waits behind) the flush leader.
     */
    public void flush(Lsn upTo) {
        // a pending interrupt is put aside while this thread may lead the flush: FileChannel's
        // write and force would close the segment on it (ClosedByInterruptException), a PANIC
        boolean interrupted = Thread.interrupted();
        try {
            while (Long.compareUnsigned(flushedPos, upTo.value()) < 0) {
                if (flushLock.tryLock()) {
                    try {
                        if (Long.compareUnsigned(flushedPos, upTo.value()) < 0) {
                            flushAsLeader();
                        }
                    } finally {
                        flushLock.unlock();
                        wakeFollowers();
                    }
                    return;
                }
                WaitEvent before = WaitEvent.begin(WaitEvent.LWLOCK_WAL_WRITE);
                try {
                    interrupted |= awaitLeader(upTo.value());
                } finally {
                    WaitEvent.end(before);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt(); // kept for the caller, as the flush lock's wait kept it
            }
        }
    }

    /** How long a follower waits before looking at the flush lock again (a safety net: it is signalled). */
    private static final long FOLLOWER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /**
     * A follower: waits until {@code upTo} is flushed or the leader let go of the flush lock.
     * An interrupt does not end the wait (a commit's WAL must become durable); returns whether
     * one came, for the caller to restore once the flush is done.
     */
    private boolean awaitLeader(long upTo) {
        boolean interrupted = false;
        progressLock.lock();
        try {
            followers++;
            try {
                while (Long.compareUnsigned(flushedPos, upTo) < 0 && flushLock.isLocked()) {
                    try {
                        followersCond.awaitNanos(FOLLOWER_WAIT_NANOS);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                followers--;
            }
        } finally {
            progressLock.unlock();
        }
        return interrupted;
    }

    /** The leader let go of the flush lock: followers whose LSN it did not cover try to lead. */
    private void wakeFollowers() {
        progressLock.lock();
        try {
            if (followers > 0) {
                followersCond.signalAll();
            }
        } finally {
            progressLock.unlock();
        }
    }

    /** One write + fdatasync of everything inserted so far; the caller holds flushLock. */
    private void flushAsLeader() {
        if (closed) {
            // closed without flushing (a crash): what was asked for will never be durable
            throw new PgException(SqlState.ADMIN_SHUTDOWN, "terminating connection due to administrator command");
        }
        byte[] chunk;
        int len;
        long start;
        insertLock.lock();
        try {
            chunk = active;
            len = activeUsed;
            start = activeStart;
            active = spare;
            activeUsed = 0;
            activeStart = start + len;
        } finally {
            insertLock.unlock();
        }
        if (len > 0) {
            WaitEvent before = WaitEvent.begin(WaitEvent.WAL_WRITE);
            try {
                files.write(start, chunk, 0, len);
                WaitEvent.begin(WaitEvent.WAL_SYNC); // from the write's wait to the sync's; end restores before
                files.sync();
            } finally {
                WaitEvent.end(before);
            }
        }
        spare = chunk;
        publishFlushed(start + len);
        notifyFinishedSegments(start + len);
    }

    /**
     * Archiving (PostgreSQL's XLogArchiveNotifySeg): {@code listener} gets each segment number
     * once everything in that segment is flushed and the WAL has moved on to the next one.
     * Called by the flush leader, under the flush lock: keep it short (create a .ready file).
     */
    public void setSegmentFinishedListener(java.util.function.LongConsumer listener) {
        this.segmentFinishedListener = listener;
    }

    /** Caller holds flushLock. */
    private void notifyFinishedSegments(long flushedUpTo) {
        long firstUnfinished = flushedUpTo / segmentSizeBytes;
        while (nextUnfinishedSegNo < firstUnfinished) {
            segmentFinishedListener.accept(nextUnfinishedSegNo++);
        }
    }

    /** Flushes everything inserted so far (nothing once closed). */
    public void flushAll() {
        if (!closed) {
            flush(insertPosition());
        }
    }

    private void publishFlushed(long pos) {
        progressLock.lock();
        try {
            if (Long.compareUnsigned(pos, flushedPos) > 0) {
                flushedPos = pos;
            }
            flushedCond.signalAll();
            if (followers > 0) {
                followersCond.signalAll();
            }
        } finally {
            progressLock.unlock();
        }
    }

    /**
     * Waits until the flushed position passes {@code beyond} (a walsender waiting for more WAL)
     * or the timeout ends; returns the flushed position then.
     */
    public Lsn waitForFlushBeyond(Lsn beyond, long timeoutMs) {
        return FlushWait.awaitBeyond(progressLock, flushedCond, () -> flushedPos, beyond, timeoutMs);
    }

    /**
     * Copies flushed WAL bytes starting at {@code from} into {@code dst}; returns how many (0
     * when nothing past {@code from} is flushed yet). Raises 58P01 when the segment is gone.
     */
    public int readRaw(Lsn from, byte[] dst, int offset, int length) {
        return readRaw(null, from, dst, offset, length);
    }

    /**
     * As {@link #readRaw(Lsn, byte[], int, int)}, from the segment files of {@code tli} only
     * (a walsender streaming a timeline this server left); null means the current timeline's
     * files, falling back to older timelines' for segments before the switch.
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
        } catch (NoSuchFileException e) {
            throw new PgException(SqlState.UNDEFINED_FILE,
                    String.format("requested WAL segment %s has already been removed", e.getFile()));
        }
    }

    /**
     * pg_switch_wal: inserts a SWITCH record and moves the insert position to the next segment's
     * start, so the current segment is finished (for archiving). Returns the end of the SWITCH
     * record, or the insert position unchanged when it is already at a segment start.
     */
    public Lsn switchSegment() {
        flushLock.lock();
        try {
            long boundary;
            Inserted ins;
            insertLock.lock();
            try {
                if (closed || insertPos % segmentSizeBytes == 0) {
                    return new Lsn(insertPos);
                }
                ins = copyIntoBuffer(List.of(XactRecords.switchRecord()),
                        (int) WalRecord.align(WalRecord.HEADER_SIZE));
                // rare: the buffer is written under the insert lock so that positions stay contiguous
                files.write(activeStart, active, 0, activeUsed);
                files.sync();
                boundary = nextSegmentStart(ins.lastLsn().value() + WalRecord.HEADER_SIZE);
                insertPos = boundary;
                activeStart = boundary;
                activeUsed = 0;
            } finally {
                insertLock.unlock();
            }
            publishFlushed(boundary);
            notifyFinishedSegments(boundary);
            return ins.lastLsn().plus(WalRecord.HEADER_SIZE);
        } finally {
            flushLock.unlock();
            wakeFollowers();
        }
    }

    private long nextSegmentStart(long position) {
        return (position + segmentSizeBytes - 1) / segmentSizeBytes * segmentSizeBytes;
    }

    /** Replication slots (later) tell the WAL what they still need. */
    public void setMinKeepLsnSupplier(Supplier<Lsn> supplier) {
        this.minKeepLsnSupplier = supplier;
    }

    /**
     * Removes segments no longer needed: those before the checkpoint's redo segment, minus
     * wal_keep_size/wal_keep_segments behind the insert position, minus what the min-keep
     * supplier (slots) still needs. Returns the number of files removed.
     */
    public int removeOldSegments(Lsn redoLsn) {
        long cutoff = removalCutoff(redoLsn, insertPosition(), options.walKeepSizeBytes(), options.walKeepSegments(),
                minKeepLsnSupplier.get(), segmentSizeBytes);
        return WalSegments.removeOlderThan(walDir, cutoff, segmentSizeBytes);
    }

    /** The first segment number to keep (PostgreSQL's KeepLogSeg). */
    public static long removalCutoff(Lsn redoLsn, Lsn currentLsn, long keepSizeBytes, long keepSegments,
                                     Lsn minKeepLsn, long segmentSizeBytes) {
        long cutoff = redoLsn.segmentNo(segmentSizeBytes);
        long current = currentLsn.segmentNo(segmentSizeBytes);
        long keep = Math.max(keepSegments, (keepSizeBytes + segmentSizeBytes - 1) / segmentSizeBytes);
        cutoff = Math.min(cutoff, Math.max(0, current - keep));
        if (minKeepLsn != null && minKeepLsn.isValid()) {
            cutoff = Math.min(cutoff, minKeepLsn.segmentNo(segmentSizeBytes));
        }
        return cutoff;
    }

    /**
     * PostgreSQL's KeepLogSeg: lowers {@code segNo} (the first segment a checkpoint would keep)
     * to what slots and wal_keep_size still need, with {@code recptr} the current position.
     * Slots keep back to {@code slotMinLsn}'s segment, but no more than
     * {@code maxSlotWalKeepSizeBytes} behind (-1: no cap); wal_keep_size / wal_keep_segments keep
     * at least that many segments behind {@code recptr} (never below segment 1).
     */
    public static long keepLogSeg(long segNo, Lsn recptr, Lsn slotMinLsn, long maxSlotWalKeepSizeBytes,
                                  long walKeepSizeBytes, long walKeepSegments, long segmentSizeBytes) {
        long currSegNo = recptr.segmentNo(segmentSizeBytes);
        long keepFrom = currSegNo;
        if (slotMinLsn != null && slotMinLsn.isValid() && slotMinLsn.isBefore(recptr)) {
            keepFrom = slotMinLsn.segmentNo(segmentSizeBytes);
            if (maxSlotWalKeepSizeBytes >= 0) {
                long slotKeepSegs = maxSlotWalKeepSizeBytes / segmentSizeBytes;
                if (currSegNo - keepFrom > slotKeepSegs) {
                    keepFrom = currSegNo - slotKeepSegs;
                }
            }
        }
        long keepSegs = Math.max(walKeepSegments, walKeepSizeBytes / segmentSizeBytes);
        if (keepSegs > 0 && currSegNo - keepFrom < keepSegs) {
            keepFrom = currSegNo <= keepSegs ? 1 : currSegNo - keepSegs;
        }
        return Math.min(segNo, keepFrom);
    }

    /** Walsenders' reads ({@link #readRaw}) pick segment files by this history. */
    public void setReadTimelines(SegmentTimelines history) {
        files.setReadTimelines(history);
    }

    /**
     * Closes the segment files. With {@code flushFirst} false, records inserted but not flushed
     * are dropped, as a crash would lose them (tests simulate kill -9 that way).
     */
    public void close(boolean flushFirst) {
        if (flushFirst) {
            flushAll();
        }
        flushLock.lock();
        try {
            insertLock.lock();
            try {
                closed = true;
                activeUsed = 0; // what was not flushed is lost, as in a crash
            } finally {
                insertLock.unlock();
            }
            files.closeAll();
        } finally {
            flushLock.unlock();
        }
        progressLock.lock();
        try {
            flushedCond.signalAll();
            followersCond.signalAll();
        } finally {
            progressLock.unlock();
        }
    }

    /**
     * Ends {@code timeline}'s WAL at the end of valid records before it is opened for insertion
     * there (end of recovery): the segment holding {@code endOfValidWal} is made to exist on
     * {@code timeline} with exactly the WAL before it (copied from the file {@code history}
     * picks, at a timeline switch), later segments of {@code timeline} are deleted.
     */
    public static void truncateAfter(Path walDir, long segmentSizeBytes, TimelineId timeline,
                                     SegmentTimelines history, Lsn endOfValidWal, boolean fsync) {
        SegmentFiles f = new SegmentFiles(walDir, segmentSizeBytes, timeline, fsync);
        f.setReadTimelines(history);
        try {
            f.truncateAfter(endOfValidWal.value());
        } finally {
            f.closeAll();
        }
    }
}
