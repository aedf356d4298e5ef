package org.walden.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.walden.common.Invariants;

/**
 * The segment that holds a timeline switch, handed to the new timeline at promotion (PostgreSQL's
 * XLogInitNewTimeline): the new timeline's file for that segment must hold exactly the old
 * timeline's WAL before the switch point, and zeros after it.
 *
 * <p>PostgreSQL copies the 16 MB file and zero-fills its rest, which is most of a promotion's
 * time. Here, when the old file holds nothing past the switch point but a few unreplayable bytes
 * (what a walreceiver may have written of a record it never finished), the new name is a hard link
 * to the same file and only those bytes are zeroed; the old name is unlinked before the new
 * timeline writes anything ({@link #releaseOldName}), so no file of the old timeline ever shows the
 * new one's WAL. With archiving, the old timeline's last segment is archived as
 * {@code NAME.partial}, written as a copy of the WAL before the switch point once the new primary
 * runs ({@link #writePartial}). When more than that lies past the switch point (recovery stopped at
 * a target inside archived WAL), the old file is left as it is and the new one is a copy, as
 * PostgreSQL makes it.
 *
 * <p>Used once, by the startup thread, during promotion.
 */
public final class SwitchSegment {

    /** More bytes than this past the switch point: copy rather than link. */
    static final int MAX_STALE_TAIL_BYTES = 64 * 1024;
    private static final int SCAN_CHUNK_BYTES = 1 << 20;

    private final Path oldFile;
    private final Path newFile;
    private final boolean linked;
    private final long segmentSizeBytes;
    private final int switchOffset;

    private SwitchSegment(Path oldFile, Path newFile, boolean linked, long segmentSizeBytes, int switchOffset) {
        this.oldFile = oldFile;
        this.newFile = newFile;
        this.linked = linked;
        this.segmentSizeBytes = segmentSizeBytes;
        this.switchOffset = switchOffset;
    }

    /**
     * Makes {@code newTli}'s file of the segment holding {@code switchPoint} (the old file found
     * by {@code oldHistory}), its contents durably. Its directory entry is the caller's to make
     * durable with the next change in {@code walDir} (promotion's history file is renamed into it
     * with a directory fsync before pg_control names the new timeline: one directory fsync for
     * both). Null when the switch point is a segment start: the new timeline's first segment is
     * created by its first write.
     */
    public static SwitchSegment create(Path walDir, long segmentSizeBytes, SegmentTimelines oldHistory,
                                       TimelineId newTli, Lsn switchPoint, boolean fsync) {
        int offset = (int) switchPoint.segmentOffset(segmentSizeBytes);
        if (offset == 0) {
            return null;
        }
        long segNo = switchPoint.segmentNo(segmentSizeBytes);
        SegmentFiles reader = new SegmentFiles(walDir, segmentSizeBytes, newTli, false);
        reader.setReadTimelines(oldHistory);
        Path oldFile = reader.findForRead(segNo, switchPoint.value() - 1);
        Invariants.check(oldFile != null, "the segment holding the end of recovery exists");
        Path newFile = walDir.resolve(WalSegments.fileName(newTli, segNo, segmentSizeBytes));
        try {
            WalSegments.changed();
            Files.deleteIfExists(newFile); // left by a promotion that crashed before pg_control changed
            long tailEnd = lastNonZeroEnd(oldFile, offset, segmentSizeBytes);
            boolean link = tailEnd - offset <= MAX_STALE_TAIL_BYTES;
            if (link) {
                Files.createLink(newFile, oldFile);
                zero(newFile, offset, tailEnd);
                WalSegments.changed();
            } else {
                SegmentFiles writer = new SegmentFiles(walDir, segmentSizeBytes, newTli, fsync);
                writer.setReadTimelines(oldHistory);
                writer.truncateAfter(switchPoint.value());
                writer.closeAll();
            }
            if (fsync) {
                try (FileChannel ch = FileChannel.open(newFile, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            return new SwitchSegment(oldFile, newFile, link, segmentSizeBytes, offset);
        } catch (IOException e) {
            Invariants.panic("could not create file \"" + newFile + "\": " + e.getMessage(), e);
            return null;
        }
    }

    /** The old timeline's file of the switch segment. */
    public Path oldFile() {
        return oldFile;
    }

    /**
     * Before the new timeline writes: the old timeline's name of a linked file goes (its WAL
     * before the switch point stays readable under the new name, which the new history picks).
     */
    public void releaseOldName() {
        if (!linked) {
            return;
        }
        try {
            WalSegments.changed();
            Files.deleteIfExists(oldFile);
            WalSegments.changed();
        } catch (IOException e) {
            Invariants.panic("could not remove file \"" + oldFile + "\": " + e.getMessage(), e);
        }
    }

    /**
     * The old timeline's last segment as {@code partialName} in pg_wal: renamed when the file is
     * still the old timeline's own, else written as a copy of the WAL before the switch point
     * (the rest zeros), from the new timeline's file, whose first bytes never change.
     */
    public void writePartial(Path partial) throws IOException {
        if (!linked) {
            WalSegments.changed();
            Files.move(oldFile, partial, StandardCopyOption.ATOMIC_MOVE);
            WalSegments.changed();
            return;
        }
        Path tmp = partial.resolveSibling(partial.getFileName() + ".tmp");
        try (FileChannel in = FileChannel.open(newFile, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            long done = 0;
            while (done < switchOffset) {
                done += in.transferTo(done, switchOffset - done, out);
            }
            ByteBuffer zeros = ByteBuffer.allocate(SCAN_CHUNK_BYTES);
            for (long at = switchOffset; at < segmentSizeBytes; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), segmentSizeBytes - at));
                at += out.write(zeros, at);
            }
            out.force(true);
        }
        Files.move(tmp, partial, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Just past the last non-zero byte of the file at or after {@code from} ({@code from} if
     * none). WAL files are written front to back, so when the record header at {@code from} is
     * all zeros nothing was ever written after it (the usual end of a standby's WAL: the
     * walreceiver stopped between records); otherwise the file is scanned from its end.
     */
    private static long lastNonZeroEnd(Path file, int from, long segmentSizeBytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = Math.min(ch.size(), segmentSizeBytes);
            ByteBuffer header = ByteBuffer.allocate((int) Math.min(WalRecord.HEADER_SIZE, Math.max(0, size - from)));
            readFully(ch, header, from);
            if (isZero(header, ByteBuffer.allocate(header.capacity()))) {
                return from;
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(SCAN_CHUNK_BYTES);
            ByteBuffer zeros = ByteBuffer.allocateDirect(SCAN_CHUNK_BYTES);
            for (long end = size; end > from; ) {
                long start = Math.max(from, end - SCAN_CHUNK_BYTES);
                buf.clear().limit((int) (end - start));
                readFully(ch, buf, start);
                if (!isZero(buf, zeros)) {
                    for (int i = buf.limit() - 1; i >= 0; i--) {
                        if (buf.get(i) != 0) {
                            return start + i + 1;
                        }
                    }
                }
                end = start;
            }
            return from;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        long pos = at;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        buf.flip();
    }

    /** True when {@code buf}'s bytes (position to limit) are all zero; {@code zeros} is at least as long. */
    private static boolean isZero(ByteBuffer buf, ByteBuffer zeros) {
        zeros.clear().limit(buf.remaining());
        return buf.mismatch(zeros) == -1;
    }

    private static void zero(Path file, long from, long to) throws IOException {
        if (to <= from) {
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate((int) (to - from));
            while (zeros.hasRemaining()) {
                ch.write(zeros, from + zeros.position());
            }
        }
    }
}
