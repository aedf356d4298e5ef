package org.walden.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Segment file names and sizes, as PostgreSQL's xlog_internal.h: a segment is
 * {@code wal_segment_size} bytes, named {@code TTTTTTTTXXXXXXXXYYYYYYYY} (timeline, segment
 * number divided by segments-per-4GB, segment number modulo that).
 */
public final class WalSegments {

    public static final long DEFAULT_SEGMENT_SIZE_BYTES = 16L * 1024 * 1024;
    public static final long MIN_SEGMENT_SIZE_BYTES = 1L << 20;
    public static final long MAX_SEGMENT_SIZE_BYTES = 1L << 30;
    private static final Pattern NAME = Pattern.compile("[0-9A-F]{24}");

    private WalSegments() {
    }

    /** True for a power of two between 1MB and 1GB, PostgreSQL's IsValidWalSegSize. */
    public static boolean isValidSegmentSize(long bytes) {
        return bytes >= MIN_SEGMENT_SIZE_BYTES && bytes <= MAX_SEGMENT_SIZE_BYTES && Long.bitCount(bytes) == 1;
    }

    public static long segmentsPerXLogId(long segmentSizeBytes) {
        return 0x1_0000_0000L / segmentSizeBytes;
    }

    /** PostgreSQL's XLogFileName. */
    public static String fileName(TimelineId tli, long segNo, long segmentSizeBytes) {
        long perId = segmentsPerXLogId(segmentSizeBytes);
        char[] name = new char[24]; // %08X%08X%08X, without a Formatter: read paths name a file per read
        hex8(name, 0, Integer.toUnsignedLong(tli.value()));
        hex8(name, 8, segNo / perId);
        hex8(name, 16, segNo % perId);
        return new String(name);
    }

    private static void hex8(char[] dst, int at, long value) {
        for (int i = 7; i >= 0; i--) {
            dst[at + i] = Character.toUpperCase(Character.forDigit((int) (value & 0xF), 16));
            value >>>= 4;
        }
    }

    public static boolean isSegmentFileName(String name) {
        return name.length() == 24 && NAME.matcher(name).matches();
    }

    /** The segment number a file name stands for (its timeline ignored). */
    public static long segmentNo(String fileName, long segmentSizeBytes) {
        long hi = Long.parseLong(fileName.substring(8, 16), 16);
        long lo = Long.parseLong(fileName.substring(16, 24), 16);
        return hi * segmentsPerXLogId(segmentSizeBytes) + lo;
    }

    public static TimelineId timeline(String fileName) {
        return new TimelineId(Integer.parseUnsignedInt(fileName.substring(0, 8), 16));
    }

    /** The LSN at which segment {@code segNo} begins. */
    public static Lsn segmentStart(long segNo, long segmentSizeBytes) {
        return new Lsn(segNo * segmentSizeBytes);
    }

    /**
     * How many times a segment file was removed, renamed or replaced in any pg_wal of this
     * process: readers holding a segment open ({@link WalReadCursor}) check their file again
     * when it moved on.
     */
    private static final java.util.concurrent.atomic.AtomicLong CHANGES = new java.util.concurrent.atomic.AtomicLong();

    static long changes() {
        return CHANGES.get();
    }

    /** Called before and after a segment file is removed, renamed or replaced. */
    static void changed() {
        CHANGES.incrementAndGet();
    }

    /** Segment files in {@code walDir}, sorted by name (timeline, then position). */
    public static List<Path> list(Path walDir) {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(walDir)) {
            s.filter(p -> isSegmentFileName(p.getFileName().toString())).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Deletes the segment files (any timeline) numbered below {@code keepFromSegNo}; returns how
     * many were removed.
     */
    public static int removeOlderThan(Path walDir, long keepFromSegNo, long segmentSizeBytes) {
        int removed = 0;
        for (Path p : list(walDir)) {
            if (segmentNo(p.getFileName().toString(), segmentSizeBytes) < keepFromSegNo) {
                try {
                    changed();
                    Files.deleteIfExists(p);
                    changed();
                    removed++;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        return removed;
    }
}
