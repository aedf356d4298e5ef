package org.walden.storage;

/**
 * What RocksDB may use of memory, from shared_buffers: one block cache of {@code cacheBytes}
 * that holds data blocks and — charged through RocksDB's write buffer manager — the memtables,
 * which may take half of it. So shared_buffers bounds the storage's memory as it bounds
 * PostgreSQL's buffer pool; only the SST files' index and filter blocks (about 1% of the data)
 * are held beside it.
 */
public record StoreMemory(long cacheBytes) {

    /** PostgreSQL's default shared_buffers. */
    public static final StoreMemory DEFAULT = new StoreMemory(128L << 20);

    private static final long MIN_CACHE_BYTES = 8L << 20;
    private static final long MIN_WRITE_BUFFER_BYTES = 1L << 20;
    private static final long MAX_WRITE_BUFFER_BYTES = 64L << 20;

    public StoreMemory {
        cacheBytes = Math.max(cacheBytes, MIN_CACHE_BYTES);
    }

    /** All memtables together: past this, RocksDB flushes the largest. */
    public long memtableBytes() {
        return cacheBytes / 2;
    }

    /** One memtable: a quarter of the memtables' share, between 1 MB and RocksDB's default 64 MB. */
    long writeBufferBytes() {
        return Math.clamp(memtableBytes() / 4, MIN_WRITE_BUFFER_BYTES, MAX_WRITE_BUFFER_BYTES);
    }

    /**
     * What the storage holds now beside its bounds: the block cache's use (data blocks and the
     * memtables' charge) and its pinned part, the memtables' bytes, and the SST files' index and
     * filter blocks held beside the cache by RocksDB's table readers.
     */
    public record Usage(StoreMemory bounds, long cacheUsedBytes, long cachePinnedBytes, long memtableUsedBytes,
                        long tableReaderBytes) {
    }
}
