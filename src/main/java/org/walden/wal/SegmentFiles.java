package org.walden.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.walden.common.Invariants;

/**
 * Byte-level access to the WAL as one endless stream laid over segment files: writes at an
 * LSN (creating segments as needed), syncs what was written, reads at an LSN.
 *
 * <p>Not thread-safe for writing: one writer at a time (the WAL's flush leader, or the
 * walreceiver). Reads may run concurrently with writes: each reader either keeps its current
 * segment open in its own {@link WalReadCursor} or opens the file for the one read.
 * A failed write or fsync is a PANIC: the caller never sees it return.
 */
final class SegmentFiles {

    private static final int MAX_OPEN_FOR_WRITE = 4;
    private static final int MAX_OPEN_FOR_READ = 4;
    private static final int ZERO_FILL_CHUNK_BYTES = 1 << 20;

    private final Path walDir;
    private final long segmentSizeBytes;
    private final boolean fsyncEnabled;
    /** Write side, guarded by the single writer. */
    private final Map<Long, FileChannel> openForWrite = new HashMap<>();
    private final Set<Long> dirty = new LinkedHashSet<>();
    private volatile TimelineId timeline;
    /** Open read channels when {@link #cacheReadChannels} asked for them (least recently used first), else null. */
    private java.util.Map<Path, FileChannel> readChannels;
    /** How reads pick a segment's timeline; null: the current timeline, then older ones. */
    private volatile SegmentTimelines readTimelines;
    /** Read by anyone (monitoring, tests). */
    private final AtomicLong fsyncCount = new AtomicLong();
    /** pg_stat_wal's wal_write, and with track_wal_io_timing its write and sync times. */
    private final AtomicLong writeCount = new AtomicLong();
    private final AtomicLong writeNanos = new AtomicLong();
    private final AtomicLong syncNanos = new AtomicLong();
    /** track_wal_io_timing, read at each write and sync. */
    private volatile java.util.function.BooleanSupplier ioTiming = () -> false;

    SegmentFiles(Path walDir, long segmentSizeBytes, TimelineId timeline, boolean fsyncEnabled) {
        this.walDir = walDir;
        this.segmentSizeBytes = segmentSizeBytes;
        this.timeline = timeline;
        this.fsyncEnabled = fsyncEnabled;
    }

    TimelineId timeline() {
        return timeline;
    }

    /** New segments are created on this timeline from now on (promotion). */
    void setTimeline(TimelineId tli) {
        closeAll();
        this.timeline = tli;
    }

    /**
     * Many small reads all over a stretch of WAL (a rewind walking records backwards): keep the
     * last few segment files open for reading instead of opening one per read. Single-threaded
     * readers only; {@link #closeAll} closes them.
     */
    void cacheReadChannels() {
        if (readChannels == null) {
            readChannels = new java.util.LinkedHashMap<>(16, 0.75f, true);
        }
    }

    private void keepForReads(Path p) throws IOException {
        readChannels.put(p, FileChannel.open(p, StandardOpenOption.READ));
        if (readChannels.size() > MAX_OPEN_FOR_READ) {
            Path eldest = readChannels.keySet().iterator().next();
            readChannels.remove(eldest).close();
        }
    }

    /** Reads pick each segment's file by this server's timeline history from now on. */
    void setReadTimelines(SegmentTimelines timelines) {
        this.readTimelines = timelines;
    }

    long fsyncCount() {
        return fsyncCount.get();
    }

    void setIoTiming(java.util.function.BooleanSupplier ioTiming) {
        this.ioTiming = ioTiming;
    }

    /** What these files' writes and syncs count for pg_stat_wal (no records: the caller's). */
    WalStats ioStats() {
        return new WalStats(0, 0, 0, writeCount.get(), fsyncCount.get(), writeNanos.get() / 1e6, syncNanos.get() / 1e6);
    }

    /** Writes {@code len} bytes at {@code lsn}, spanning segment boundaries. */
    void write(long lsn, byte[] src, int off, int len) {
        long started = ioTiming.getAsBoolean() ? System.nanoTime() : 0;
        writeAt(lsn, src, off, len);
        writeCount.incrementAndGet();
        if (started != 0) {
            writeNanos.addAndGet(System.nanoTime() - started);
        }
    }

    private void writeAt(long lsn, byte[] src, int off, int len) {
        long pos = lsn;
        int done = 0;
        while (done < len) {
            long segNo = pos / segmentSizeBytes;
            long segOff = pos % segmentSizeBytes;
            int n = (int) Math.min(len - done, segmentSizeBytes - segOff);
            int from = off + done;
            try {
                onSegment(segNo, ch -> {
                    ByteBuffer buf = ByteBuffer.wrap(src, from, n);
                    long at = segOff;
                    while (buf.hasRemaining()) {
                        at += ch.write(buf, at);
                    }
                });
            } catch (IOException e) {
                Invariants.panic("could not write to file \"" + segmentPath(segNo) + "\": " + e.getMessage(), e);
            }
            dirty.add(segNo);
            pos += n;
            done += n;
        }
    }

    /** fdatasync of every segment written since the last sync. */
    void sync() {
        if (dirty.isEmpty()) {
            return;
        }
        long started = ioTiming.getAsBoolean() ? System.nanoTime() : 0;
        for (Long segNo : dirty) {
            if (!openForWrite.containsKey(segNo) || !fsyncEnabled) {
                continue;
            }
            try {
                onSegment(segNo, ch -> ch.force(false));
            } catch (IOException e) {
                Invariants.panic("could not fdatasync file \"" + segmentPath(segNo) + "\": " + e.getMessage(), e);
            }
        }
        fsyncCount.incrementAndGet();
        if (started != 0) {
            syncNanos.addAndGet(System.nanoTime() - started);
        }
        dirty.clear();
        trimOpenChannels();
    }

    /**
     * Reads up to {@code len} bytes at {@code lsn} into {@code dst}, crossing segments; stops
     * early at a missing segment file only after having read something, else throws
     * NoSuchFileException naming the missing segment.
     */
    int read(long lsn, byte[] dst, int off, int len) throws NoSuchFileException {
        return read(null, lsn, dst, off, len);
    }

    /** As {@link #read(long, byte[], int, int)}, from one timeline's files only when {@code tli} is given. */
    int read(TimelineId tli, long lsn, byte[] dst, int off, int len) throws NoSuchFileException {
        return read(null, tli, lsn, dst, off, len);
    }

    /**
     * As {@link #read(TimelineId, long, byte[], int, int)}, through {@code cursor} (null: a file
     * opened for this read only): the segment file it holds is read again without being opened
     * (or looked for) while it is still the file to read, else the cursor closes it and opens
     * the right one.
     */
    int read(WalReadCursor readCursor, TimelineId tli, long lsn, byte[] dst, int off, int len) throws NoSuchFileException {
        WalReadCursor cursor = readChannels != null ? null : readCursor; // a rewind's walk keeps several open
        int done = 0;
        long pos = lsn;
        while (done < len) {
            long segNo = pos / segmentSizeBytes;
            long segOff = pos % segmentSizeBytes;
            int n = (int) Math.min(len - done, segmentSizeBytes - segOff);
            FileChannel held = cursor == null ? null : cursor.current(segNo);
            Path p;
            if (held != null && cursor.timeline().equals(tli != null ? tli : firstCandidate(segNo, pos))) {
                p = cursor.path(); // the best file there can be: no need to look for another
            } else {
                p = tli == null ? findForRead(segNo, pos) : existing(tli, segNo);
                if (held != null && !cursor.path().equals(p)) {
                    held = null;
                }
            }
            if (p == null) {
                if (done > 0) {
                    return done;
                }
                throw new NoSuchFileException(WalSegments.fileName(tli == null ? timeline : tli, segNo, segmentSizeBytes));
            }
            FileChannel cached = held != null ? held : readChannels == null ? null : readChannels.get(p);
            try {
                if (cached == null && cursor != null) {
                    cached = cursor.open(p, segNo, WalSegments.timeline(p.getFileName().toString()));
                }
                try (FileChannel opened = cached != null ? null : FileChannel.open(p, StandardOpenOption.READ)) {
                    FileChannel ch = cached != null ? cached : opened;
                    if (readChannels != null && cached == null) {
                        keepForReads(p);
                    }
                    readChunk(ch, dst, off + done, n, segOff);
                }
            } catch (NoSuchFileException e) {
                throw e;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            if (cursor != null && !cursor.stillValid()) {
                // as PostgreSQL's walsender checks after reading: the file went (or was replaced)
                // while it was read; read that part again from whatever is there now, or fail
                cursor.close();
                continue;
            }
            pos += n;
            done += n;
        }
        return done;
    }

    private static void readChunk(FileChannel ch, byte[] dst, int at, int n, long segOff) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(dst, at, n);
        long filePos = segOff;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, filePos);
            if (r < 0) {
                break;
            }
            filePos += r;
        }
        // a short file reads as zeros: the rest of a segment not yet written
        while (buf.hasRemaining()) {
            buf.put((byte) 0);
        }
    }

    /** The timeline whose file is the best to read segment {@code segNo} from at {@code pos}, if it exists. */
    private TimelineId firstCandidate(long segNo, long pos) {
        SegmentTimelines t = readTimelines;
        List<TimelineId> candidates = (t != null ? t : SegmentTimelines.newestFirst(timeline))
                .candidates(segNo, segmentSizeBytes, new Lsn(pos));
        return candidates.isEmpty() ? null : candidates.get(0);
    }

    /**
     * Ends this timeline's WAL at {@code lsn}: the current timeline's file for the segment holding
     * it keeps exactly the WAL before {@code lsn} (copied from an older timeline's file when the
     * read timelines find it there, as PostgreSQL's XLogFileCopy at a timeline switch) and zeros
     * after; the current timeline's later segment files are deleted. Other timelines' files are
     * left alone: they are not written by this server, and reads never reach beyond their ends.
     */
    void truncateAfter(long lsn) {
        long segNo = lsn / segmentSizeBytes;
        int segOff = (int) (lsn % segmentSizeBytes);
        if (segOff > 0) {
            Path found = findForRead(segNo, lsn - 1);
            if (found != null && !found.equals(segmentPath(segNo))) {
                byte[] prefix = new byte[segOff];
                try {
                    read(WalSegments.timeline(found.getFileName().toString()), segNo * segmentSizeBytes, prefix, 0,
                            segOff);
                } catch (NoSuchFileException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                write(segNo * segmentSizeBytes, prefix, 0, segOff);
            }
            if (found != null) {
                byte[] zeros = new byte[(int) Math.min(1 << 20, segmentSizeBytes - segOff)];
                for (long at = lsn; at < (segNo + 1) * segmentSizeBytes; at += zeros.length) {
                    int n = (int) Math.min(zeros.length, (segNo + 1) * segmentSizeBytes - at);
                    write(at, zeros, 0, n);
                }
                sync();
            }
        }
        for (Path p : WalSegments.list(walDir)) {
            String name = p.getFileName().toString();
            long no = WalSegments.segmentNo(name, segmentSizeBytes);
            if ((no > segNo || (no == segNo && segOff == 0)) && WalSegments.timeline(name).equals(timeline)) {
                try {
                    FileChannel ch = openForWrite.remove(no);
                    if (ch != null) {
                        ch.close();
                    }
                    WalSegments.changed();
                    Files.deleteIfExists(p);
                    WalSegments.changed();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
    }

    Path segmentPath(long segNo) {
        return walDir.resolve(WalSegments.fileName(timeline, segNo, segmentSizeBytes));
    }

    private Path existing(TimelineId tli, long segNo) {
        Path p = walDir.resolve(WalSegments.fileName(tli, segNo, segmentSizeBytes));
        return Files.exists(p) ? p : null;
    }

    /**
     * The file to read segment {@code segNo} from at {@code pos}: the first that exists of the
     * read timelines' candidates (by default the current timeline, else the newest older one).
     */
    Path findForRead(long segNo, long pos) {
        SegmentTimelines t = readTimelines;
        List<TimelineId> candidates = (t != null ? t : SegmentTimelines.newestFirst(timeline))
                .candidates(segNo, segmentSizeBytes, new Lsn(pos));
        for (TimelineId tli : candidates) {
            Path p = walDir.resolve(WalSegments.fileName(tli, segNo, segmentSizeBytes));
            if (Files.exists(p)) {
                return p;
            }
        }
        return null;
    }

    /** A write or fdatasync on one segment's channel. */
    @FunctionalInterface
    private interface SegmentIo {
        void run(FileChannel ch) throws IOException;
    }

    /**
     * Runs {@code io} on segment {@code segNo}'s channel. An interrupt closes a FileChannel under
     * the thread using it (ClosedByInterruptException), which is no I/O error: the interrupt is
     * put aside, the channel opened again and {@code io} repeated (a positional write rewrites
     * the same bytes; an fdatasync through another descriptor syncs the same file), and the
     * interrupt restored for the caller. Any other IOException is the caller's to PANIC on.
     */
    private void onSegment(long segNo, SegmentIo io) throws IOException {
        boolean interrupted = Thread.interrupted();
        boolean initInterrupted = false;
        try {
            while (true) {
                FileChannel ch = openForWrite.get(segNo);
                try {
                    if (ch == null) {
                        ch = openForWrite(segNo, initInterrupted);
                    }
                    io.run(ch);
                    return;
                } catch (ClosedByInterruptException e) {
                    interrupted |= Thread.interrupted();
                    initInterrupted |= ch == null || !openForWrite.remove(segNo, ch);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Opens segment {@code segNo} for writing, zero-filled and, when new (or when an interrupt
     * cut its initialisation short: {@code reinit}), synced with its directory entry.
     */
    private FileChannel openForWrite(long segNo, boolean reinit) throws ClosedByInterruptException {
        Path p = segmentPath(segNo);
        boolean created = reinit || !Files.exists(p);
        FileChannel ch = null;
        try {
            ch = WalFileChannels.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            Invariants.panic("could not create file \"" + p + "\": " + e.getMessage(), e);
        }
        try {
            if (created || ch.size() < segmentSizeBytes) {
                zeroFill(ch, ch.size());
                if (fsyncEnabled) {
                    ch.force(true);
                    syncDirectory();
                }
            }
        } catch (ClosedByInterruptException e) {
            throw e;
        } catch (IOException e) {
            // PostgreSQL's XLogFileInit: a full disk shows while the new segment is zero-filled
            Invariants.panic("could not write to file \"" + p + "\": " + e.getMessage(), e);
        }
        openForWrite.put(segNo, ch);
        return ch;
    }

    /**
     * Writes zeros from {@code from} to the segment's end, as PostgreSQL's XLogFileInit does
     * (wal_init_zero): every block of the segment is then allocated and written once, so the
     * fdatasync after each later commit write has only data to flush, no block allocation to
     * journal. A sparse file (one byte written at its end) made every commit's fdatasync
     * commit an ext4 journal transaction as well.
     */
    private void zeroFill(FileChannel ch, long from) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_FILL_CHUNK_BYTES, segmentSizeBytes));
        long at = from;
        while (at < segmentSizeBytes) {
            zeros.clear();
            zeros.limit((int) Math.min(zeros.capacity(), segmentSizeBytes - at));
            while (zeros.hasRemaining()) {
                at += ch.write(zeros, at);
            }
        }
    }

    private void syncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(walDir, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private void trimOpenChannels() {
        while (openForWrite.size() > MAX_OPEN_FOR_WRITE) {
            long oldest = openForWrite.keySet().stream().mapToLong(Long::longValue).min().orElseThrow();
            try {
                openForWrite.remove(oldest).close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    void closeAll() {
        if (readChannels != null) {
            for (FileChannel ch : readChannels.values()) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // read-only
                }
            }
            readChannels.clear();
        }
        for (FileChannel ch : openForWrite.values()) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing a synced file: nothing left to lose
            }
        }
        openForWrite.clear();
        dirty.clear();
    }
}
