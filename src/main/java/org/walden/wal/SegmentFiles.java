package org.walden.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.walden.common.Invariants;

/**
 * Byte-level access to the WAL as one endless stream laid over segment files: writes at an
 * LSN (creating segments as needed), syncs what was written, reads at an LSN.
 *
 * <p>Not thread-safe for writing: one writer at a time (the WAL's flush leader, or the
 * walreceiver). Reads open their own channels and may run concurrently with writes.
 * A failed write or fsync is a PANIC: the caller never sees it return.
 */
final class SegmentFiles {

    private static final int MAX_OPEN_FOR_WRITE = 4;
    private static final int ZERO_FILL_CHUNK_BYTES = 1 << 20;

    private final Path walDir;
    private final long segmentSizeBytes;
    private final boolean fsyncEnabled;
    /** Write side, guarded by the single writer. */
    private final Map<Long, FileChannel> openForWrite = new HashMap<>();
    private final Set<Long> dirty = new LinkedHashSet<>();
    private volatile TimelineId timeline;
    /** Read by anyone (monitoring, tests). */
    private final AtomicLong fsyncCount = new AtomicLong();

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

    long fsyncCount() {
        return fsyncCount.get();
    }

    /** Writes {@code len} bytes at {@code lsn}, spanning segment boundaries. */
    void write(long lsn, byte[] src, int off, int len) {
        long pos = lsn;
        int done = 0;
        while (done < len) {
            long segNo = pos / segmentSizeBytes;
            long segOff = pos % segmentSizeBytes;
            int n = (int) Math.min(len - done, segmentSizeBytes - segOff);
            FileChannel ch = channelForWrite(segNo);
            try {
                ByteBuffer buf = ByteBuffer.wrap(src, off + done, n);
                long at = segOff;
                while (buf.hasRemaining()) {
                    at += ch.write(buf, at);
                }
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
        for (Long segNo : dirty) {
            FileChannel ch = openForWrite.get(segNo);
            if (ch == null || !fsyncEnabled) {
                continue;
            }
            try {
                ch.force(false);
            } catch (IOException e) {
                Invariants.panic("could not fdatasync file \"" + segmentPath(segNo) + "\": " + e.getMessage(), e);
            }
        }
        fsyncCount.incrementAndGet();
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
        int done = 0;
        long pos = lsn;
        while (done < len) {
            long segNo = pos / segmentSizeBytes;
            long segOff = pos % segmentSizeBytes;
            int n = (int) Math.min(len - done, segmentSizeBytes - segOff);
            Path p = tli == null ? findForRead(segNo) : existing(tli, segNo);
            if (p == null) {
                if (done > 0) {
                    return done;
                }
                throw new NoSuchFileException(WalSegments.fileName(tli == null ? timeline : tli, segNo, segmentSizeBytes));
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.wrap(dst, off + done, n);
                long at = segOff;
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, at);
                    if (r < 0) {
                        break;
                    }
                    at += r;
                }
                // a short file reads as zeros: the rest of a segment not yet written
                while (buf.hasRemaining()) {
                    buf.put((byte) 0);
                }
            } catch (NoSuchFileException e) {
                throw e;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            pos += n;
            done += n;
        }
        return done;
    }

    /** Zeroes the rest of the segment holding {@code lsn} and deletes every later segment file. */
    void truncateAfter(long lsn) {
        long segNo = lsn / segmentSizeBytes;
        long segOff = lsn % segmentSizeBytes;
        if (segOff > 0) {
            Path p = findForRead(segNo);
            if (p != null) {
                byte[] zeros = new byte[(int) Math.min(1 << 20, segmentSizeBytes - segOff)];
                for (long at = lsn; at < (segNo + 1) * segmentSizeBytes; at += zeros.length) {
                    int n = (int) Math.min(zeros.length, (segNo + 1) * segmentSizeBytes - at);
                    write(at, zeros, 0, n);
                }
                sync();
            }
        }
        for (Path p : WalSegments.list(walDir)) {
            long no = WalSegments.segmentNo(p.getFileName().toString(), segmentSizeBytes);
            if (no > segNo || (no == segNo && segOff == 0)) {
                try {
                    FileChannel ch = openForWrite.remove(no);
                    if (ch != null) {
                        ch.close();
                    }
                    Files.deleteIfExists(p);
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

    /** The file for a segment: on the current timeline, else the newest earlier timeline's. */
    Path findForRead(long segNo) {
        for (int tli = timeline.value(); tli >= 1; tli--) {
            Path p = walDir.resolve(WalSegments.fileName(new TimelineId(tli), segNo, segmentSizeBytes));
            if (Files.exists(p)) {
                return p;
            }
        }
        return null;
    }

    private FileChannel channelForWrite(long segNo) {
        FileChannel ch = openForWrite.get(segNo);
        if (ch != null) {
            return ch;
        }
        Path p = segmentPath(segNo);
        try {
            boolean created = !Files.exists(p);
            ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            if (created || ch.size() < segmentSizeBytes) {
                zeroFill(ch, ch.size());
                if (fsyncEnabled) {
                    ch.force(true);
                    syncDirectory();
                }
            }
        } catch (IOException e) {
            Invariants.panic("could not create file \"" + p + "\": " + e.getMessage(), e);
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
