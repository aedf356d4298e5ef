package org.walden.storage;

/**
 * The times and counts of one checkpoint, for log_checkpoints' "checkpoint complete" line
 * (PostgreSQL's CheckpointStatsData): the storage flush is the "write" phase, each fsync after
 * it (the WAL up to the checkpoint record, pg_control) a "sync file". Used by one checkpoint's
 * thread.
 */
final class CheckpointStats {

    /** PostgreSQL's BLCKSZ: "buffers" are counted in these. */
    static final long BLOCK_BYTES = 8192;

    private final long startNanos = System.nanoTime();
    private long writeEndNanos;
    private long lastSyncEndNanos;
    private long buffers;
    private int syncFiles;
    private long longestSyncNanos;
    private long totalSyncNanos;

    /** The write phase ended, having written {@code bytes}. */
    void wrote(long bytes) {
        writeEndNanos = System.nanoTime();
        lastSyncEndNanos = writeEndNanos;
        buffers = (bytes + BLOCK_BYTES - 1) / BLOCK_BYTES;
    }

    /** One file was synced (since the write phase or the previous sync). */
    void synced() {
        long now = System.nanoTime();
        long took = now - lastSyncEndNanos;
        lastSyncEndNanos = now;
        syncFiles++;
        totalSyncNanos += took;
        longestSyncNanos = Math.max(longestSyncNanos, took);
    }

    long writeNanos() {
        return writeEndNanos - startNanos;
    }

    long syncNanos() {
        return totalSyncNanos;
    }

    long buffers() {
        return buffers;
    }

    String format(long sharedBuffers, int removed, long distanceBytes, long estimateBytes) {
        long end = System.nanoTime();
        return String.format("wrote %d buffers (%.1f%%); 0 WAL file(s) added, %d removed, 0 recycled; "
                        + "write=%s s, sync=%s s, total=%s s; sync files=%d, longest=%s s, average=%s s; "
                        + "distance=%d kB, estimate=%d kB",
                buffers, 100.0 * buffers / sharedBuffers, removed, seconds(writeEndNanos - startNanos),
                seconds(totalSyncNanos), seconds(end - startNanos), syncFiles, seconds(longestSyncNanos),
                seconds(syncFiles == 0 ? 0 : totalSyncNanos / syncFiles), distanceBytes / 1024, estimateBytes / 1024);
    }

    /** "1.234": seconds with milliseconds, as PostgreSQL prints these times. */
    private static String seconds(long nanos) {
        long ms = Math.max(0, nanos) / 1_000_000;
        return String.format("%d.%03d", ms / 1000, ms % 1000);
    }
}
