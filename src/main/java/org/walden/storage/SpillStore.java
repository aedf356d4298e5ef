package org.walden.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * The server's temporary spill space for write sets too large to keep in the JVM heap
 * (PostgreSQL's base/pgsql_tmp): a private RocksDB database in {@code DATA/base/pgsql_tmp/spill},
 * RocksDB's WAL off, nothing in it ever needed after a crash. {@link Store} opens it on first use
 * and removes the whole directory when it opens storage (every start), as PostgreSQL removes its
 * temporary files at startup; base backups leave {@code pgsql_tmp} out.
 *
 * <p>Each user (a large transaction's write set, a large transaction being replayed) gets an
 * {@link Area}: the keys under an 8-byte prefix of its own, emptied (one range tombstone) when it
 * is closed. RocksDB is thread-safe; an area is used by one thread.
 */
public final class SpillStore implements AutoCloseable {

    /** The directory under the storage directory, as PostgreSQL names it. */
    public static final String DIRECTORY = "pgsql_tmp";
    private static final String DATABASE = "spill";
    private static final int PREFIX_BYTES = Long.BYTES;
    private static final long WRITE_BUFFER_BYTES = 16L << 20;

    private final Path dir;
    private final Options options;
    private final BloomFilter bloomFilter;
    private final RocksDB db;
    private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
    private final AtomicLong nextArea = new AtomicLong(1);
    private final AtomicLong nextFile = new AtomicLong(1);
    /**
     * Read side held around every use of the database, write side by {@link #close}: a backend
     * still spilling when the server shuts down gets 57P01, never a closed native handle.
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock openLock =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** Written under openLock's write side. */
    private boolean closed;

    private SpillStore(Path dir, Options options, BloomFilter bloomFilter, RocksDB db) {
        this.dir = dir;
        this.options = options;
        this.bloomFilter = bloomFilter;
        this.db = db;
    }

    /** Removes {@code dir} and everything in it (temporary files left by an earlier run). */
    static void removeLeftovers(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove temporary directory \"" + dir + "\"", e);
        }
    }

    /**
     * Creates the spill database in {@code dir} (emptied first). Its blocks are read through
     * {@code blockCache}, the storage's (shared_buffers), so spilling adds only its two 16 MB
     * memtables to the server's memory.
     */
    static SpillStore open(Path dir, Cache blockCache) {
        removeLeftovers(dir);
        BloomFilter bloomFilter = new BloomFilter(Store.BLOOM_BITS_PER_KEY, false);
        Options options = new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(WRITE_BUFFER_BYTES)
                .setMaxWriteBufferNumber(2)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(blockCache)
                        .setFilterPolicy(bloomFilter))
                .setMaxOpenFiles(64)
                .setKeepLogFileNum(1);
        try {
            Files.createDirectories(dir);
            return new SpillStore(dir, options, bloomFilter, RocksDB.open(options, dir.resolve(DATABASE).toString()));
        } catch (RocksDBException | IOException e) {
            options.close();
            bloomFilter.close();
            throw new PgException(SqlState.IO_ERROR,
                    "could not create temporary directory \"" + dir + "\": " + e.getMessage(), e);
        }
    }

    private static final byte TAG_DELETED = 0;
    private static final byte TAG_VALUE = 1;

    /** A row's new value as an area stores it; {@code value} null is a delete. */
    public static byte[] encodeRow(byte[] value) {
        if (value == null) {
            return new byte[] {TAG_DELETED};
        }
        byte[] out = new byte[value.length + 1];
        out[0] = TAG_VALUE;
        System.arraycopy(value, 0, out, 1, value.length);
        return out;
    }

    /** True when {@code stored} (from {@link #encodeRow}) is a delete. */
    public static boolean isDeletedRow(byte[] stored) {
        return stored[0] == TAG_DELETED;
    }

    /** The value {@code stored} (from {@link #encodeRow}) holds; null for a delete. */
    public static byte[] decodeRow(byte[] stored) {
        return isDeletedRow(stored) ? null : Arrays.copyOfRange(stored, 1, stored.length);
    }

    /** A new, empty area. */
    public Area newArea() {
        return new Area(nextArea.getAndIncrement());
    }

    /** A fresh file name in the temporary directory (for files ingested into storage). */
    Path newFile(String suffix) {
        return dir.resolve("pgsql_tmp" + ProcessHandle.current().pid() + "." + nextFile.getAndIncrement() + suffix);
    }

    @Override
    public void close() {
        openLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            writeOptions.close();
            db.close();
            options.close();
            bloomFilter.close();
        } finally {
            openLock.writeLock().unlock();
        }
    }

    /** Takes the read side of openLock; 57P01 once closed. Callers call {@link #exit()} in finally. */
    private void enter() {
        openLock.readLock().lock();
        if (closed) {
            openLock.readLock().unlock();
            throw new PgException(SqlState.ADMIN_SHUTDOWN, "terminating connection due to administrator command");
        }
    }

    private void exit() {
        openLock.readLock().unlock();
    }

    /** One user's keys; values are opaque bytes (the user encodes deletes). */
    public final class Area implements AutoCloseable {

        private final byte[] prefix;
        private final byte[] prefixEnd;
        private long entriesWritten;

        private Area(long id) {
            prefix = java.nio.ByteBuffer.allocate(PREFIX_BYTES).putLong(id).array();
            prefixEnd = java.nio.ByteBuffer.allocate(PREFIX_BYTES).putLong(id + 1).array();
        }

        /** Writes entries together; call {@link Batch#write()} to store them. */
        public Batch batch() {
            return new Batch(this);
        }

        /** The value under {@code key}, or null. */
        public byte[] get(byte[] key) {
            enter();
            try {
                return db.get(prefixed(key));
            } catch (RocksDBException e) {
                throw ioError(e);
            } finally {
                exit();
            }
        }

        public void remove(byte[] key) {
            enter();
            try {
                db.delete(writeOptions, prefixed(key));
            } catch (RocksDBException e) {
                throw ioError(e);
            } finally {
                exit();
            }
        }

        /** Removes the keys in [from, to). */
        public void removeRange(byte[] fromInclusive, byte[] toExclusive) {
            enter();
            try {
                db.deleteRange(writeOptions, prefixed(fromInclusive), toExclusive == null ? prefixEnd : prefixed(toExclusive));
            } catch (RocksDBException e) {
                throw ioError(e);
            } finally {
                exit();
            }
        }

        /** The entries in [from, to) as they are now (later writes are not seen); {@code to} null = to the end. */
        public Cursor scan(byte[] fromInclusive, byte[] toExclusive) {
            enter();
            try {
                Snapshot snapshot = db.getSnapshot();
                org.rocksdb.Slice upper = new org.rocksdb.Slice(toExclusive == null ? prefixEnd : prefixed(toExclusive));
                ReadOptions ro = new ReadOptions().setSnapshot(snapshot).setIterateUpperBound(upper);
                RocksIterator it = db.newIterator(ro);
                it.seek(prefixed(fromInclusive));
                return new Cursor(it, ro, upper, snapshot);
            } finally {
                exit();
            }
        }

        /** Entries written so far (puts and deletes of keys, counting rewrites). */
        public long entriesWritten() {
            return entriesWritten;
        }

        /** Empties the area. */
        @Override
        public void close() {
            enter();
            try {
                db.deleteRange(writeOptions, prefix, prefixEnd);
            } catch (RocksDBException e) {
                throw ioError(e);
            } finally {
                exit();
            }
        }

        private byte[] prefixed(byte[] key) {
            byte[] k = Arrays.copyOf(prefix, PREFIX_BYTES + key.length);
            System.arraycopy(key, 0, k, PREFIX_BYTES, key.length);
            return k;
        }
    }

    /** Entries written to an area at once. */
    public final class Batch implements AutoCloseable {
        private final Area area;
        private final WriteBatch batch = new WriteBatch();
        private long count;

        private Batch(Area area) {
            this.area = area;
        }

        public void put(byte[] key, byte[] value) {
            try {
                batch.put(area.prefixed(key), value);
                count++;
            } catch (RocksDBException e) {
                throw ioError(e);
            }
        }

        /** Stores the entries; the batch may be reused. */
        public void write() {
            enter();
            try {
                db.write(writeOptions, batch);
                batch.clear();
                area.entriesWritten += count;
                count = 0;
            } catch (RocksDBException e) {
                throw ioError(e);
            } finally {
                exit();
            }
        }

        @Override
        public void close() {
            batch.close();
        }
    }

    /** A forward cursor over an area's entries, keys without the area's prefix. */
    public final class Cursor implements AutoCloseable {
        private final RocksIterator it;
        private final ReadOptions readOptions;
        private final org.rocksdb.Slice upper;
        private final Snapshot snapshot;
        private boolean started;
        private boolean closed;
        private byte[] key;
        private byte[] value;

        private Cursor(RocksIterator it, ReadOptions readOptions, org.rocksdb.Slice upper, Snapshot snapshot) {
            this.it = it;
            this.readOptions = readOptions;
            this.upper = upper;
            this.snapshot = snapshot;
        }

        /** Moves to the next entry (the first, on the first call); false at the end. */
        public boolean next() {
            if (closed) {
                return false;
            }
            enter();
            try {
                if (started) {
                    it.next();
                }
                started = true;
                if (!it.isValid()) {
                    return false;
                }
                key = it.key();
                value = it.value();
                return true;
            } finally {
                exit();
            }
        }

        public byte[] key() {
            return Arrays.copyOfRange(key, PREFIX_BYTES, key.length);
        }

        public byte[] value() {
            return value;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                openLock.readLock().lock();
                try {
                    if (!SpillStore.this.closed) { // else gone with the database
                        it.close();
                        db.releaseSnapshot(snapshot);
                        snapshot.close();
                        readOptions.close();
                        upper.close();
                    }
                } finally {
                    exit();
                }
            }
        }
    }

    private PgException ioError(RocksDBException e) {
        return new PgException(SqlState.IO_ERROR,
                "could not write to temporary file in \"" + dir + "\": " + e.getMessage(), e);
    }
}
