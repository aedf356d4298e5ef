package org.walden.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Checkpoint;
import org.rocksdb.FlushJobInfo;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;
import org.walden.common.Invariants;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.KvBulk;
import org.walden.wal.KvChange;
import org.walden.wal.WalRecord;

/**
 * The ordered key-value space of committed rows, held in RocksDB under {@code DATA/base/} with
 * RocksDB's own WAL off: Walden's WAL is the one log of truth, and what RocksDB loses in a
 * crash (its memtables) is replayed from the redo LSN of the last checkpoint.
 *
 * <p>Readers take a {@link StoreSnapshot} (one per statement) and never block writers.
 * Writers are the commit path and redo: each applies one atomic batch (a commit's rows and
 * range deletes, or one KV ROWS record of a fresh key range, see {@link KvBulk}). RocksDB is
 * thread-safe; this class adds no locks. A failed RocksDB write is a PANIC, as its state would
 * no longer match the WAL.
 */
public final class Store implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Store.class);

    static {
        RocksDbLibrary.load();
    }

    /** Bloom filter bits per key in every SST file: a point read skips the files without its key. */
    static final double BLOOM_BITS_PER_KEY = 10;

    private final Path dir;
    private final Options options;
    private final Cache blockCache;
    private final WriteBufferManager writeBufferManager;
    private final BloomFilter bloomFilter;
    private final RocksDB db;
    private final WriteOptions writeOptions;
    private final AbstractEventListener listener;
    private final ReentrantReadWriteLock openLock = new ReentrantReadWriteLock();
    /** Guarded by openLock's write side for the final sweep; concurrent for registration. */
    private final Set<AutoCloseable> openResources = ConcurrentHashMap.newKeySet();
    /** Written under openLock's write side; read under its read side. */
    private boolean closed;
    /** Opened on first use ({@link #spillStore()}), under {@code this}; closed with the store. */
    private SpillStore spillStore;

    private Store(Path dir, Options options, Cache blockCache, WriteBufferManager writeBufferManager,
                  BloomFilter bloomFilter, RocksDB db, AbstractEventListener listener) {
        this.dir = dir;
        this.options = options;
        this.blockCache = blockCache;
        this.writeBufferManager = writeBufferManager;
        this.bloomFilter = bloomFilter;
        this.db = db;
        this.listener = listener;
        this.writeOptions = new WriteOptions().setDisableWAL(true);
    }

    /** Opens (creating when missing) the RocksDB database in {@code baseDir}, with the default memory. */
    public static Store open(Path baseDir) {
        return open(baseDir, () -> { }, StoreMemory.DEFAULT);
    }

    /**
     * Opens the database; {@code beforeMemtableFlush} runs in RocksDB's flush thread before any
     * memtable is written to an SST file, however the flush was triggered. That is where
     * PostgreSQL's WAL-before-data rule is kept: on a primary it flushes the WAL (so no change
     * reaches storage files before its commit record is durable, even with
     * synchronous_commit=off); on a standby it advances minRecoveryPoint past what is being
     * written. It must not wait for anything that waits for a RocksDB flush.
     */
    public static Store open(Path baseDir, Runnable beforeMemtableFlush, StoreMemory memory) {
        return open(baseDir, beforeMemtableFlush, memory, false);
    }

    /** Opens a stopped server's storage for reading only (a rewind's source data directory). */
    public static Store openReadOnly(Path baseDir) {
        return open(baseDir, () -> { }, StoreMemory.DEFAULT, true);
    }

    private static Store open(Path baseDir, Runnable beforeMemtableFlush, StoreMemory memory, boolean readOnly) {
        AbstractEventListener listener = new AbstractEventListener(
                AbstractEventListener.EnabledEventCallback.ON_FLUSH_BEGIN) {
            @Override
            public void onFlushBegin(RocksDB db, FlushJobInfo info) {
                try {
                    beforeMemtableFlush.run();
                } catch (RuntimeException e) {
                    // a native callback must not throw; the only expected case is a WAL closed by a crash
                    LOG.warn("before-flush hook failed: {}", e.getMessage());
                }
            }
        };
        Cache blockCache = new LRUCache(memory.cacheBytes());
        // memtables are charged to the block cache, so shared_buffers bounds both
        WriteBufferManager writeBufferManager = new WriteBufferManager(memory.memtableBytes(), blockCache);
        BloomFilter bloomFilter = new BloomFilter(BLOOM_BITS_PER_KEY, false);
        Options options = new Options()
                // every statement is a handful of point reads (primary key lookups): bloom
                // filters in the SST files and in the memtables spare reading blocks of files
                // that do not hold the key. Index and filter blocks stay beside the cache (about
                // 1% of the data): in it, at 128 MB, they were evicted by data blocks and a c8
                // tpcb-like load ran at a third of its speed
                .setTableFormatConfig(new BlockBasedTableConfig()
                        .setBlockCache(blockCache)
                        .setFilterPolicy(bloomFilter))
                .setWriteBufferManager(writeBufferManager)
                .setWriteBufferSize(memory.writeBufferBytes())
                .setMemtableWholeKeyFiltering(true)
                .setMemtablePrefixBloomSizeRatio(0.05)
                .setListeners(List.of(listener))
                .setCreateIfMissing(true)
                // memtables are flushed by checkpoints, never implicitly at close: a close without
                // a checkpoint then behaves like a crash, which recovery repairs from the WAL
                .setAvoidFlushDuringShutdown(true)
                .setMaxOpenFiles(256)
                .setKeepLogFileNum(2);
        try {
            Files.createDirectories(baseDir);
            if (!readOnly) {
                SpillStore.removeLeftovers(baseDir.resolve(SpillStore.DIRECTORY)); // as PostgreSQL at startup
            }
            RocksDB db = readOnly ? RocksDB.openReadOnly(options, baseDir.toString())
                    : RocksDB.open(options, baseDir.toString());
            return new Store(baseDir, options, blockCache, writeBufferManager, bloomFilter, db, listener);
        } catch (RocksDBException | java.io.IOException e) {
            options.close();
            writeBufferManager.close();
            blockCache.close();
            bloomFilter.close();
            listener.close();
            throw new PgException(SqlState.IO_ERROR, "could not open storage in \"" + baseDir + "\": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** A consistent view of every commit applied so far; close it when the statement ends. */
    public StoreSnapshot snapshot() {
        lockOpen();
        try {
            Snapshot s = db.getSnapshot();
            StoreSnapshot snap = new StoreSnapshot(this, s, new ReadOptions().setSnapshot(s));
            openResources.add(snap);
            return snap;
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** The value under {@code key} in {@code snapshot}, or null. */
    public byte[] get(StoreSnapshot snapshot, byte[] key) {
        lockOpen();
        try {
            return db.get(snapshot.readOptions(), key);
        } catch (RocksDBException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read from storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * True when nothing was written to storage after {@code snapshot} was taken (RocksDB's last
     * sequence number is still the snapshot's): every key's latest value is the one it shows.
     */
    public boolean unchangedSince(StoreSnapshot snapshot) {
        lockOpen();
        try {
            return db.getLatestSequenceNumber() == snapshot.sequence();
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** RocksDB's last sequence number: each key written to storage advances it by one. */
    public long latestSequence() {
        lockOpen();
        try {
            return db.getLatestSequenceNumber();
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** The latest committed value under {@code key} (no snapshot), or null. */
    public byte[] getLatest(byte[] key) {
        lockOpen();
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read from storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Keys in [from, to) in unsigned byte order under {@code snapshot}; {@code to} null = to the end. */
    public StoreIterator scan(StoreSnapshot snapshot, byte[] fromInclusive, byte[] toExclusive) {
        lockOpen();
        try {
            RocksIterator it = db.newIterator(snapshot.readOptions());
            it.seek(fromInclusive);
            StoreIterator si = new StoreIterator(this, it, toExclusive);
            openResources.add(si);
            return si;
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Applies puts (after != null) and deletes atomically; before-images are ignored here. */
    public void apply(List<KvChange> changes) {
        apply(changes, List.of());
    }

    /**
     * Empties the {@code rangeDeletes} and then applies {@code changes}, all in one atomic batch
     * (a commit that drops or truncates tables).
     */
    public void apply(List<KvChange> changes, List<KvBulk.Range> rangeDeletes) {
        lockOpen();
        try (WriteBatch batch = new WriteBatch()) {
            for (KvBulk.Range r : rangeDeletes) {
                batch.deleteRange(r.from(), r.to());
            }
            for (KvChange c : changes) {
                if (c.isDelete()) {
                    batch.delete(c.key());
                } else {
                    batch.put(c.key(), c.after());
                }
            }
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            Invariants.panic("could not apply a committed batch to storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * Applies the rows of a KV ROWS record (see {@link KvBulk}) as one batch, handed to RocksDB
     * in its serialized WriteBatch form (one native call for the whole record).
     */
    public void applyRows(WalRecord rows) {
        writeSerialized(WriteBatchFormat.fromRows(rows));
    }

    /**
     * Applies a batch built in RocksDB's form (redo's batch of commits) atomically, in one native
     * call; readers see all of it or none of it.
     */
    public void write(WriteBatchFormat batch) {
        if (!batch.isEmpty()) {
            writeSerialized(batch.serialized());
        }
    }

    private void writeSerialized(byte[] serialized) {
        lockOpen();
        try (WriteBatch batch = new WriteBatch(serialized)) {
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            Invariants.panic("could not apply a committed batch to storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Empties the key range [from, to) at once (a RocksDB range tombstone). */
    public void deleteRange(byte[] fromInclusive, byte[] toExclusive) {
        lockOpen();
        try {
            db.deleteRange(writeOptions, fromInclusive, toExclusive);
        } catch (RocksDBException e) {
            Invariants.panic("could not delete a key range in storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * The approximate bytes stored under [from, to), memtables included (RocksDB's
     * GetApproximateSizes): what pg_relation_size reports and the planner sizes a table by.
     */
    public long approximateBytes(byte[] fromInclusive, byte[] toExclusive) {
        lockOpen();
        try (org.rocksdb.Slice from = new org.rocksdb.Slice(fromInclusive);
             org.rocksdb.Slice to = new org.rocksdb.Slice(toExclusive)) {
            long[] sizes = db.getApproximateSizes(List.of(new org.rocksdb.Range(from, to)),
                    org.rocksdb.SizeApproximationFlag.INCLUDE_FILES,
                    org.rocksdb.SizeApproximationFlag.INCLUDE_MEMTABLES);
            return sizes.length == 0 ? 0 : sizes[0];
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * Writes the memtables to SST files and waits: everything applied so far survives a crash.
     * Returns the bytes the memtables held before the flush (log_checkpoints' "wrote N buffers").
     */
    public long flush() {
        lockOpen();
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            long memtableBytes = db.getLongProperty("rocksdb.cur-size-all-mem-tables");
            db.flush(fo);
            return memtableBytes;
        } catch (RocksDBException e) {
            Invariants.panic("could not flush storage: " + e.getMessage(), e);
            return 0;
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** The temporary spill space under {@code base/pgsql_tmp}, opened on first use. */
    public SpillStore spillStore() {
        lockOpen();
        try {
            synchronized (this) {
                if (spillStore == null) {
                    spillStore = SpillStore.open(dir.resolve(SpillStore.DIRECTORY));
                }
                return spillStore;
            }
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Builds sorted SST files of a large commit's rows, for {@link #ingest}. */
    public SstBuilder newSstBuilder() {
        return new SstBuilder(spillStore());
    }

    /**
     * A large commit's rows written, in key order, into SST files under {@code pgsql_tmp}, then
     * moved into storage by {@link #ingest} in one atomic step: the heap never holds the batch,
     * and RocksDB's memory neither (a WriteBatch of millions of rows would be built in native
     * memory and then copied into the memtables).
     */
    public final class SstBuilder implements AutoCloseable {
        /** A file is closed and another begun past this size. */
        private static final long FILE_BYTES = 256L << 20;
        private final SpillStore temp;
        private final java.util.List<Path> files = new java.util.ArrayList<>();
        private final org.rocksdb.EnvOptions envOptions = new org.rocksdb.EnvOptions();
        private org.rocksdb.SstFileWriter writer;
        private long fileBytes;

        private SstBuilder(SpillStore temp) {
            this.temp = temp;
        }

        /** The next row, its key greater than the last; {@code value} null is a delete. */
        public void add(byte[] key, byte[] value) {
            try {
                if (writer == null || fileBytes >= FILE_BYTES) {
                    finishFile();
                    Path file = temp.newFile(".sst");
                    writer = new org.rocksdb.SstFileWriter(envOptions, options);
                    writer.open(file.toString());
                    files.add(file);
                    fileBytes = 0;
                }
                if (value == null) {
                    writer.delete(key);
                } else {
                    writer.put(key, value);
                }
                fileBytes += key.length + (value == null ? 0 : value.length);
            } catch (RocksDBException e) {
                throw new PgException(SqlState.IO_ERROR, "could not write to temporary file: " + e.getMessage(), e);
            }
        }

        private void finishFile() throws RocksDBException {
            if (writer != null) {
                writer.finish();
                writer.close();
                writer = null;
            }
        }

        /** Removes the files not ingested. */
        @Override
        public void close() {
            if (writer != null) {
                writer.close();
                writer = null;
            }
            envOptions.close();
            for (Path f : files) {
                try {
                    Files.deleteIfExists(f);
                } catch (java.io.IOException ignored) {
                    // removed at the next start
                }
            }
        }
    }

    /**
     * Empties {@code rangeDeletes}, then moves the builder's files into storage: readers see
     * all of their rows at once or none (one ingestion). The range deletes go first, in a batch
     * of their own (a large commit that also dropped or truncated tables: rare).
     */
    public void ingest(SstBuilder rows, List<KvBulk.Range> rangeDeletes) {
        if (!rangeDeletes.isEmpty()) {
            apply(List.of(), rangeDeletes);
        }
        lockOpen();
        try (org.rocksdb.IngestExternalFileOptions io = new org.rocksdb.IngestExternalFileOptions()
                .setMoveFiles(true).setSnapshotConsistency(true).setAllowGlobalSeqNo(true).setAllowBlockingFlush(true)) {
            rows.finishFile();
            java.util.List<String> paths = rows.files.stream().map(Path::toString).toList();
            if (!paths.isEmpty()) {
                db.ingestExternalFile(paths, io);
            }
        } catch (RocksDBException e) {
            Invariants.panic("could not apply a committed batch to storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
            rows.close();
        }
    }

    /** A RocksDB checkpoint (hard links where possible) into {@code target}, which must not exist. */
    public void createCheckpoint(Path target) {
        lockOpen();
        try (Checkpoint cp = Checkpoint.create(db)) {
            cp.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new PgException(SqlState.IO_ERROR,
                    "could not create storage checkpoint in \"" + target + "\": " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * Closes without flushing memtables (a checkpoint flushes first when it matters). Snapshots
     * and iterators still open are released; using them afterwards raises 57P01.
     */
    @Override
    public void close() {
        openLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (AutoCloseable r : openResources) {
                try {
                    r.close();
                } catch (Exception ignored) {
                    // releasing native handles of a closing database: nothing left to report
                }
            }
            openResources.clear();
            synchronized (this) {
                if (spillStore != null) {
                    spillStore.close();
                    spillStore = null;
                }
            }
            writeOptions.close();
            db.close();
            options.close();
            writeBufferManager.close();
            blockCache.close();
            bloomFilter.close();
            listener.close();
        } finally {
            openLock.writeLock().unlock();
        }
    }

    /** Takes openLock's read side; 57P01 once the store is closed. Callers unlock in finally. */
    void lockOpen() {
        openLock.readLock().lock();
        if (closed) {
            openLock.readLock().unlock();
            throw new PgException(SqlState.ADMIN_SHUTDOWN, "terminating connection due to administrator command");
        }
    }

    /** The read side without the closed check: for releasing a handle (also from close() itself). */
    void lockForRelease() {
        openLock.readLock().lock();
    }

    void unlockOpen() {
        openLock.readLock().unlock();
    }

    RocksDB db() {
        return db;
    }

    void forget(AutoCloseable resource) {
        openResources.remove(resource);
    }

    static boolean before(byte[] key, byte[] limit) {
        return limit == null || Arrays.compareUnsigned(key, limit) < 0;
    }
}
