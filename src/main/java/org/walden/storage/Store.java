package org.walden.storage;

import java.nio.ByteBuffer;
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
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
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
 *
 * <p>The rows of relations in a tablespace other than pg_default live in that tablespace's
 * column family of the same database, whose SST files RocksDB keeps in the tablespace's
 * directory ({@link TablespaceRouting}): one snapshot and one write batch still cover every
 * tablespace, so commits stay atomic and reads consistent. Each key is routed by its
 * relfilenode; a key range within one relfilenode goes to its family, a wider one to all.
 *
 * <p>Opened for archive recovery, it compacts nothing until {@link #resumeCompactions} (the
 * engine calls it once replay has caught up), so compaction does not compete with the catch-up.
 */
public final class Store implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Store.class);

    static {
        RocksDbLibrary.load();
    }

    /** Compression of levels 0..6: none in level 0, LZ4 below. */
    static final List<org.rocksdb.CompressionType> COMPRESSION_PER_LEVEL = List.of(
            org.rocksdb.CompressionType.NO_COMPRESSION, org.rocksdb.CompressionType.LZ4_COMPRESSION,
            org.rocksdb.CompressionType.LZ4_COMPRESSION, org.rocksdb.CompressionType.LZ4_COMPRESSION,
            org.rocksdb.CompressionType.LZ4_COMPRESSION, org.rocksdb.CompressionType.LZ4_COMPRESSION,
            org.rocksdb.CompressionType.LZ4_COMPRESSION);

    /** Bloom filter bits per key in every SST file: a point read skips the files without its key. */
    static final double BLOOM_BITS_PER_KEY = 10;

    private final Path dir;
    /** The SST writers' options (a spilled commit's files) and, in parts, every column family's. */
    private final Options options;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final ColumnFamilyHandle defaultFamily;
    /** Where each tablespace's rows go, kept current by {@link #createTablespace}, {@link #place} and {@link #dropTablespace}. */
    private final TablespaceRouting routing;
    private final StoreMemory memory;
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
    /** The options of the tablespaces' column families, closed with the store; guarded by {@code this}. */
    private final List<ColumnFamilyOptions> tablespaceOptions = new java.util.ArrayList<>();
    /** Opened on first use ({@link #spillStore()}), under {@code this}; closed with the store. */
    private SpillStore spillStore;

    private Store(Path dir, Options options, DBOptions dbOptions, ColumnFamilyOptions cfOptions, StoreMemory memory,
                  Cache blockCache, WriteBufferManager writeBufferManager, BloomFilter bloomFilter, RocksDB db,
                  List<ColumnFamilyHandle> families, AbstractEventListener listener) throws RocksDBException {
        this.dir = dir;
        this.options = options;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.defaultFamily = families.get(0);
        this.memory = memory;
        this.blockCache = blockCache;
        this.writeBufferManager = writeBufferManager;
        this.bloomFilter = bloomFilter;
        this.db = db;
        this.listener = listener;
        this.writeOptions = new WriteOptions().setDisableWAL(true);
        this.routing = new TablespaceRouting(defaultFamily);
        for (ColumnFamilyHandle h : families.subList(1, families.size())) {
            routing.addFamily(h);
        }
        routing.loadPlacements(db, defaultFamily);
    }

    /** Whether automatic compactions are off (see {@link #open(Path, Runnable, StoreMemory, boolean)}). */
    private volatile boolean compactionsDeferred;

    /**
     * Turns RocksDB's automatic compactions back on after {@link #open(Path, Runnable, StoreMemory,
     * boolean)} deferred them; RocksDB then compacts what piled up meanwhile. Idempotent, any thread.
     */
    public synchronized void resumeCompactions() {
        if (!compactionsDeferred) {
            return;
        }
        lockForRelease();
        try {
            if (closed) {
                return;
            }
            for (ColumnFamilyHandle family : routing.families()) {
                db.setOptions(family, org.rocksdb.MutableColumnFamilyOptions.builder()
                        .setDisableAutoCompactions(false).build());
            }
            cfOptions.setDisableAutoCompactions(false); // for families of tablespaces created from now on
            compactionsDeferred = false;
            LOG.debug("storage compactions resumed");
        } catch (RocksDBException e) {
            LOG.warn("could not resume storage compactions: {}", e.getMessage());
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** SST files in level 0 (flushed memtables not compacted yet); for tests. */
    long level0Files() {
        lockOpen();
        try {
            return Long.parseLong(db.getProperty("rocksdb.num-files-at-level0").trim());
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        } finally {
            openLock.readLock().unlock();
        }
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
        return open(baseDir, beforeMemtableFlush, memory, false, false);
    }

    /**
     * As {@link #open(Path, Runnable, StoreMemory)}; with {@code compactionsDeferred} RocksDB
     * compacts nothing until {@link #resumeCompactions} (a standby that starts behind its primary:
     * the compaction of the files its last run left, a rewrite of most of the database, would
     * take the CPU its catch-up needs; RocksDB's L0 write stalls do not apply meanwhile).
     */
    public static Store open(Path baseDir, Runnable beforeMemtableFlush, StoreMemory memory,
                             boolean compactionsDeferred) {
        return open(baseDir, beforeMemtableFlush, memory, false, compactionsDeferred);
    }

    /** Opens a stopped server's storage for reading only (a rewind's source data directory). */
    public static Store openReadOnly(Path baseDir) {
        return open(baseDir, () -> { }, StoreMemory.DEFAULT, true, false);
    }

    private static Store open(Path baseDir, Runnable beforeMemtableFlush, StoreMemory memory, boolean readOnly,
                              boolean compactionsDeferred) {
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
        // every statement is a handful of point reads (primary key lookups): bloom
        // filters in the SST files and in the memtables spare reading blocks of files
        // that do not hold the key. Index and filter blocks stay beside the cache (about
        // 1% of the data): in it, at 128 MB, they were evicted by data blocks and a c8
        // tpcb-like load ran at a third of its speed
        // A point read that misses the block cache finds its row in the block by the block's hash
        // index, not a binary search over its restart points
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(blockCache).setFilterPolicy(bloomFilter)
                .setDataBlockIndexType(org.rocksdb.DataBlockIndexType.kDataBlockBinaryAndHash);
        DBOptions dbOptions = new DBOptions()
                .setWriteBufferManager(writeBufferManager)
                .setListeners(List.of(listener))
                .setCreateIfMissing(true)
                // memtables are flushed by checkpoints, never implicitly at close: a close without
                // a checkpoint then behaves like a crash, which recovery repairs from the WAL
                .setAvoidFlushDuringShutdown(true)
                // every SST file stays open, its index and filter blocks read once: at 256, a
                // scale-100 pgbench load (about 300 files of ingested rows) had point reads
                // reopen files, parsing their footers, indexes and filters again (4% of the
                // server's CPU under tpcb-like)
                .setMaxOpenFiles(-1)
                .setKeepLogFileNum(2);
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()
                .setTableFormatConfig(table)
                .setWriteBufferSize(memory.writeBufferBytes())
                .setMemtableWholeKeyFiltering(true)
                .setMemtablePrefixBloomSizeRatio(0.05)
                // PostgreSQL keeps pages uncompressed (and the OS page cache holds them): memtables
                // flush to level 0 uncompressed, the levels below (nearly all the data) use LZ4,
                // which decompresses a block missing from the block cache several times faster
                // than RocksDB's default Snappy (4% of the server's CPU under a scale-100 tpcb-like)
                .setCompressionPerLevel(COMPRESSION_PER_LEVEL)
                .setBottommostCompressionType(org.rocksdb.CompressionType.LZ4_COMPRESSION) // SST writers' too
                .setDisableAutoCompactions(compactionsDeferred); // a tablespace's family copies it
        Options options = new Options(dbOptions, cfOptions);
        List<ColumnFamilyOptions> tablespaceOptions = new java.util.ArrayList<>();
        try {
            Files.createDirectories(baseDir);
            if (!readOnly) {
                SpillStore.removeLeftovers(baseDir.resolve(SpillStore.DIRECTORY)); // as PostgreSQL at startup
                TablespaceRouting.restoreSnapshotFiles(baseDir);
            }
            List<ColumnFamilyDescriptor> descriptors = new java.util.ArrayList<>();
            descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
            for (int oid : TablespaceRouting.existingTablespaces(baseDir)) {
                ColumnFamilyOptions o = TablespaceRouting.familyOptions(cfOptions, baseDir, oid);
                tablespaceOptions.add(o);
                descriptors.add(new ColumnFamilyDescriptor(TablespaceRouting.familyName(oid), o));
            }
            List<ColumnFamilyHandle> handles = new java.util.ArrayList<>();
            RocksDB db = readOnly ? RocksDB.openReadOnly(dbOptions, baseDir.toString(), descriptors, handles)
                    : RocksDB.open(dbOptions, baseDir.toString(), descriptors, handles);
            Store store = new Store(baseDir, options, dbOptions, cfOptions, memory, blockCache, writeBufferManager,
                    bloomFilter, db, handles, listener);
            store.tablespaceOptions.addAll(tablespaceOptions);
            store.compactionsDeferred = compactionsDeferred;
            return store;
        } catch (RocksDBException | java.io.IOException e) {
            tablespaceOptions.forEach(ColumnFamilyOptions::close);
            options.close();
            cfOptions.close();
            dbOptions.close();
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

    /**
     * Snapshots are taken under its read lock, and an ingest into several column families (a
     * spilled commit touching tablespaces) holds its write lock, so no snapshot sees part of one.
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock visibility =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    /**
     * The view statements share while storage is unchanged since it was taken (null: none yet,
     * or unpinned by a write since): the store holds it itself, so it outlives the statements
     * between two writes and each new one takes a hold instead of a RocksDB snapshot (taken and
     * released under RocksDB's DB mutex, which the backends then queue on). Whoever takes it out
     * of here drops the store's hold: {@link #snapshot()} finding it stale, or the first write
     * after it ({@link #unpinSharedView()}), so a stale view is not kept past the next write or
     * snapshot (it would keep old row versions from compaction and deleted files on disk).
     */
    private final java.util.concurrent.atomic.AtomicReference<StoreSnapshot.View> sharedView =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * A consistent view of every commit applied so far; close it when the statement ends. It is
     * the shared view when nothing was written to storage since that view was taken (the view a
     * new RocksDB snapshot would give: every write applied before this call is in it), otherwise
     * a new RocksDB snapshot, shared from then on.
     */
    public StoreSnapshot snapshot() {
        lockOpen();
        try {
            // registered under the read lock: reclaimDeletedFiles, under the write lock, sees
            // every snapshot taken before it
            visibility.readLock().lock();
            try {
                StoreSnapshot.View shared = sharedView.get();
                if (shared != null) {
                    if (shared.sequence == db.getLatestSequenceNumber() && shared.hold()) {
                        return new StoreSnapshot(shared);
                    }
                    unpin(shared); // superseded
                }
                StoreSnapshot.View made = new StoreSnapshot.View(this, db.getSnapshot());
                openResources.add(made);
                made.hold(); // the store's, for the statements after this one
                if (!sharedView.compareAndSet(null, made)) {
                    made.drop(); // another call shares its own: this one is only the caller's
                }
                return new StoreSnapshot(made);
            } finally {
                visibility.readLock().unlock();
            }
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Drops the store's hold on the shared view if it is still {@code view}. */
    private void unpin(StoreSnapshot.View view) {
        if (sharedView.compareAndSet(view, null)) {
            view.drop();
        }
    }

    /**
     * After a write to storage: the shared view no longer shows the latest state, so the store
     * stops holding it (the statements holding it keep it until they end). Called under the open
     * lock's read side.
     */
    private void unpinSharedView() {
        StoreSnapshot.View shared = sharedView.get();
        if (shared != null) {
            unpin(shared);
        }
    }

    /** The value under {@code key} in {@code snapshot}, or null. */
    public byte[] get(StoreSnapshot snapshot, byte[] key) {
        lockOpen();
        try {
            return db.get(routing.family(key), snapshot.readOptions(), key);
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
            return db.get(routing.family(key), key);
        } catch (RocksDBException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read from storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Keys in [from, to) in unsigned byte order under {@code snapshot}; {@code to} null = to the end. */
    public StoreIterator scan(StoreSnapshot snapshot, byte[] fromInclusive, byte[] toExclusive) {
        return scan(snapshot, fromInclusive, toExclusive, false);
    }

    /** Read-ahead of a one-pass scan: RocksDB reads its files this much at a time. */
    static final long ONE_PASS_READAHEAD = 2L << 20;

    /**
     * As {@link #scan(StoreSnapshot, byte[], byte[])}; {@code onePass} for a scan that reads a
     * whole range once (ANALYZE): its blocks are read ahead and not kept in the block cache,
     * which they would only push the hot rows out of.
     */
    public StoreIterator scan(StoreSnapshot snapshot, byte[] fromInclusive, byte[] toExclusive, boolean onePass) {
        lockOpen();
        ReadOptions options = null;
        try {
            ColumnFamilyHandle family = routing.familyOfRange(fromInclusive, toExclusive);
            List<ColumnFamilyHandle> families = family != null ? List.of(family) : routing.families();
            if (onePass) {
                options = new ReadOptions().setSnapshot(snapshot.rocksSnapshot()).setFillCache(false)
                        .setReadaheadSize(ONE_PASS_READAHEAD);
            }
            RocksIterator[] its = new RocksIterator[families.size()];
            for (int i = 0; i < its.length; i++) {
                its[i] = db.newIterator(families.get(i), options != null ? options : snapshot.readOptions());
                its[i].seek(fromInclusive);
            }
            StoreIterator si = new StoreIterator(this, its, toExclusive, options);
            options = null; // the iterator closes it
            openResources.add(si);
            return si;
        } finally {
            if (options != null) {
                options.close();
            }
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
                for (ColumnFamilyHandle h : routing.familiesOfRange(r.from(), r.to())) {
                    batch.deleteRange(h, r.from(), r.to());
                }
            }
            for (KvChange c : changes) {
                if (c.isDelete()) {
                    batch.delete(routing.family(c.key()), c.key());
                } else {
                    batch.put(routing.family(c.key()), c.key(), c.after());
                }
            }
            db.write(writeOptions, batch);
            unpinSharedView();
            deletedRanges(rangeDeletes);
        } catch (RocksDBException e) {
            Invariants.panic("could not apply a committed batch to storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** A key range emptied by a range tombstone, and RocksDB's last sequence number once it was written. */
    private record DeletedRange(KvBulk.Range range, long deletedAt) {
    }

    /** Deleted ranges whose files are still to be dropped; guarded by itself. */
    private final List<DeletedRange> rangesToReclaim = new java.util.ArrayList<>();
    /** Whether {@link #rangesToReclaim} may be non-empty: each commit reads it, without the lock. */
    private volatile boolean reclaimPending;

    /**
     * Notes the ranges just emptied by range tombstones (a table dropped, truncated or rewritten)
     * and drops the SST files wholly inside them as soon as no snapshot older than the tombstone
     * is open, as PostgreSQL unlinks a relation's files at commit. Otherwise their rows stayed on
     * disk until a compaction reached the tombstone, and that compaction then read them all:
     * after pgbench -i -s 100 (its ADD PRIMARY KEY writes the table anew) the old 10M rows
     * doubled the disk footprint and were compacted away in the middle of the benchmark that
     * followed. Files that also hold other keys stay, under the tombstone. Called under the open
     * lock's read side.
     */
    private void deletedRanges(List<KvBulk.Range> ranges) {
        if (ranges.isEmpty() && !reclaimPending) {
            return;
        }
        synchronized (rangesToReclaim) {
            if (!ranges.isEmpty()) {
                long deletedAt = db.getLatestSequenceNumber();
                for (KvBulk.Range r : ranges) {
                    rangesToReclaim.add(new DeletedRange(r, deletedAt));
                }
                reclaimPending = true;
            }
            reclaimDeletedFiles();
        }
    }

    /** Drops the files of {@link #rangesToReclaim} if no snapshot older than their deletes is open. */
    private void reclaimDeletedFiles() {
        long newestDelete = 0;
        for (DeletedRange d : rangesToReclaim) {
            newestDelete = Math.max(newestDelete, d.deletedAt());
        }
        if (oldestSnapshotBefore(newestDelete)) {
            return; // cheap test first: snapshots come and go with every statement
        }
        visibility.writeLock().lock(); // no snapshot is taken meanwhile
        try {
            if (oldestSnapshotBefore(newestDelete)) {
                return;
            }
            for (DeletedRange d : rangesToReclaim) {
                for (ColumnFamilyHandle h : routing.familiesOfRange(d.range().from(), d.range().to())) {
                    db.deleteFilesInRanges(h, List.of(d.range().from(), d.range().to()), false);
                }
            }
            rangesToReclaim.clear();
            reclaimPending = false;
        } catch (RocksDBException e) {
            // the tombstones still hide the rows: compaction removes them later
            LOG.warn("could not drop the files of deleted key ranges: {}", e.getMessage());
            rangesToReclaim.clear();
            reclaimPending = false;
        } finally {
            visibility.writeLock().unlock();
        }
    }

    /** Whether a snapshot that may not see writes up to {@code sequence} is open. */
    private boolean oldestSnapshotBefore(long sequence) {
        for (AutoCloseable r : openResources) {
            if (r instanceof StoreSnapshot.View view && view.sequence < sequence) {
                return true;
            }
        }
        return false;
    }

    /**
     * A ROWS record at least this large whose keys ascend is ingested as an SST file rather than
     * written through the memtable (a bulk load's full batches; small records are not worth a file).
     */
    static final int INGEST_MIN_BYTES = 512 * 1024;

    /**
     * Applies the rows of a KV ROWS record (see {@link KvBulk}) at once. A large record whose keys
     * ascend (a bulk load into a fresh range: COPY, a table re-keyed or rewritten) becomes one
     * sorted SST file ingested into storage: its rows skip the memtable, its flush and the
     * compactions that would rewrite them, and land in the lowest level whose files they do not
     * overlap (a fresh range: the bottom). Readers see the same as after a batch: the file's
     * rows all at once, newer than everything before. Any other record is one batch, handed to
     * RocksDB in its serialized WriteBatch form (one native call for the whole record).
     */
    public void applyRows(WalRecord rows) {
        if (mayIngest(rows) && ingestRows(rows)) {
            return;
        }
        writeSerialized(WriteBatchFormat.fromRows(rows));
    }

    /**
     * Writes the rows of a ROWS record into SST files and ingests them, in one pass over the
     * record, when its keys strictly ascend and all go to one column family; false, with nothing
     * written to storage, otherwise. The payload is copied once into native memory and each row
     * handed to the file writer as two slices of it: no per-row arrays, no per-row copy by JNI.
     */
    private boolean ingestRows(WalRecord rows) {
        byte[] p = rows.payload();
        SstBuilder sst = newSstBuilder();
        // a record of huge rows (past what a batch holds) is not copied into native memory: its
        // rows go to the writer as arrays, as direct memory is bounded by the heap's size
        ByteBuffer direct = p.length <= DIRECT_BUFFER_KEPT_MAX ? takeDirectBuffer(p.length) : null;
        boolean written = false;
        try {
            ByteBuffer key = null;
            ByteBuffer value = null;
            if (direct != null) {
                direct.clear();
                direct.put(p);
                key = direct.duplicate();
                value = direct.duplicate();
            }
            int count = intLE(p, 0);
            int pos = 4;
            int lastOffset = -1;
            int lastLength = 0;
            ColumnFamilyHandle family = null;
            for (int i = 0; i < count; i++) {
                int keyLength = intLE(p, pos);
                int keyOffset = pos + 4;
                pos = keyOffset + keyLength;
                int valueLength = intLE(p, pos);
                pos += 4;
                ColumnFamilyHandle keyFamily = routing.family(p, keyOffset, keyLength);
                if (lastOffset < 0) {
                    family = keyFamily;
                } else if (keyFamily != family || Arrays.compareUnsigned(p, lastOffset, lastOffset + lastLength,
                        p, keyOffset, keyOffset + keyLength) >= 0) {
                    return false; // not one ascending run: a batch, and the files begun go
                }
                lastOffset = keyOffset;
                lastLength = keyLength;
                if (valueLength < 0) {
                    sst.add(Arrays.copyOfRange(p, keyOffset, keyOffset + keyLength), null);
                } else if (direct == null) {
                    sst.add(Arrays.copyOfRange(p, keyOffset, keyOffset + keyLength),
                            Arrays.copyOfRange(p, pos, pos + valueLength));
                    pos += valueLength;
                } else {
                    key.clear();
                    key.position(keyOffset).limit(keyOffset + keyLength);
                    value.clear();
                    value.position(pos).limit(pos + valueLength);
                    sst.add(keyFamily, key, value);
                    pos += valueLength;
                }
            }
            written = count > 0;
        } finally {
            if (direct != null) {
                giveBackDirectBuffer(direct);
            }
            if (!written) {
                sst.close(); // the files written so far go
            }
        }
        ingest(sst, List.of(), true);
        return true;
    }

    private static int intLE(byte[] p, int off) {
        return (p[off] & 0xFF) | (p[off + 1] & 0xFF) << 8 | (p[off + 2] & 0xFF) << 16 | (p[off + 3] & 0xFF) << 24;
    }

    /** Native buffers that ROWS records are copied into on their way to an SST file, kept for the next. */
    private final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> directBuffers =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** At most this many are kept (one per concurrent bulk load; each about a ROWS record's size). */
    private static final int DIRECT_BUFFERS_KEPT = 2;
    /** A buffer larger than this is not kept (a ROWS record of one huge row). */
    private static final int DIRECT_BUFFER_KEPT_MAX = 32 << 20;

    private ByteBuffer takeDirectBuffer(int bytes) {
        ByteBuffer b = directBuffers.poll();
        if (b == null || b.capacity() < bytes) {
            // the first is sized for a full batch and a little more, so it serves every later one
            b = ByteBuffer.allocateDirect(Math.max(bytes, 9 << 20));
        }
        return b;
    }

    private void giveBackDirectBuffer(ByteBuffer b) {
        if (b.capacity() <= DIRECT_BUFFER_KEPT_MAX && directBuffers.size() < DIRECT_BUFFERS_KEPT) {
            directBuffers.offer(b);
        }
    }

    /**
     * Whether {@link #applyRows} may ingest the record's rows as a file (large enough; whether
     * its keys ascend is its own check): its WAL must then be flushed before, as a commit's whose
     * rows are ingested, since a file bypasses the memtable flush that flushes the WAL first.
     */
    public static boolean mayIngest(WalRecord rows) {
        return rows.payload().length >= INGEST_MIN_BYTES;
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
        try (WriteBatch batch = new WriteBatch(routing.route(serialized))) {
            db.write(writeOptions, batch);
            unpinSharedView();
        } catch (RocksDBException e) {
            Invariants.panic("could not apply a committed batch to storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * Empties the key range [from, to) of a fresh range (a relfilenode just assigned): a range
     * tombstone only when a key is there (rows a crashed transaction left under a reused OID),
     * so that the range's bulk-loaded files overlap nothing and are ingested into the bottom level.
     */
    public void emptyFreshRange(byte[] fromInclusive, byte[] toExclusive) {
        forgetDeletedFiles(fromInclusive, toExclusive);
        boolean anyKey = false;
        lockOpen();
        try {
            for (ColumnFamilyHandle h : routing.familiesOfRange(fromInclusive, toExclusive)) {
                try (RocksIterator it = db.newIterator(h)) {
                    it.seek(fromInclusive);
                    if (it.isValid() && Arrays.compareUnsigned(it.key(), toExclusive) < 0) {
                        anyKey = true;
                    }
                }
            }
        } finally {
            openLock.readLock().unlock();
        }
        if (anyKey) {
            deleteRange(fromInclusive, toExclusive, false);
        }
    }

    /**
     * Takes the ranges overlapping [from, to) out of those whose files wait to be dropped: the
     * range is loaded afresh, and its new files, wholly inside it, must not go with the old.
     */
    private void forgetDeletedFiles(byte[] fromInclusive, byte[] toExclusive) {
        if (!reclaimPending) {
            return;
        }
        synchronized (rangesToReclaim) {
            rangesToReclaim.removeIf(d -> Arrays.compareUnsigned(d.range().from(), toExclusive) < 0
                    && Arrays.compareUnsigned(fromInclusive, d.range().to()) < 0);
            reclaimPending = !rangesToReclaim.isEmpty();
        }
    }

    /** Empties the key range [from, to) at once (a RocksDB range tombstone). */
    public void deleteRange(byte[] fromInclusive, byte[] toExclusive) {
        deleteRange(fromInclusive, toExclusive, true);
    }

    /** As above; {@code dropFiles}: its files are dropped once no older snapshot can read them. */
    private void deleteRange(byte[] fromInclusive, byte[] toExclusive, boolean dropFiles) {
        lockOpen();
        try {
            for (ColumnFamilyHandle h : routing.familiesOfRange(fromInclusive, toExclusive)) {
                db.deleteRange(h, writeOptions, fromInclusive, toExclusive);
            }
            unpinSharedView();
            if (dropFiles) {
                deletedRanges(List.of(new KvBulk.Range(fromInclusive, toExclusive)));
            }
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
            long total = 0;
            for (ColumnFamilyHandle h : routing.familiesOfRange(fromInclusive, toExclusive)) {
                long[] sizes = db.getApproximateSizes(h, List.of(new org.rocksdb.Range(from, to)),
                        org.rocksdb.SizeApproximationFlag.INCLUDE_FILES,
                        org.rocksdb.SizeApproximationFlag.INCLUDE_MEMTABLES);
                total += sizes.length == 0 ? 0 : sizes[0];
            }
            return total;
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
            List<ColumnFamilyHandle> families = routing.families();
            long memtableBytes = 0;
            for (ColumnFamilyHandle h : families) {
                memtableBytes += db.getLongProperty(h, "rocksdb.cur-size-all-mem-tables");
            }
            db.flush(fo, families);
            return memtableBytes;
        } catch (RocksDBException e) {
            Invariants.panic("could not flush storage: " + e.getMessage(), e);
            return 0;
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** The storage's memory bounds and what it holds now (pg_shmem_allocations' RocksDB rows). */
    public StoreMemory.Usage memoryUsage() {
        lockOpen();
        try {
            return new StoreMemory.Usage(memory, blockCache.getUsage(), blockCache.getPinnedUsage(),
                    db.getAggregatedLongProperty("rocksdb.cur-size-all-mem-tables"),
                    db.getAggregatedLongProperty("rocksdb.estimate-table-readers-mem"));
        } catch (RocksDBException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read storage memory: " + e.getMessage(), e);
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
                    spillStore = SpillStore.open(dir.resolve(SpillStore.DIRECTORY), blockCache);
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
        /** The files of each column family, in the order begun (rows are added in key order, so a relation's are together). */
        private final java.util.Map<ColumnFamilyHandle, java.util.List<String>> filesByFamily = new java.util.LinkedHashMap<>();
        private ColumnFamilyHandle family;
        private final org.rocksdb.EnvOptions envOptions = new org.rocksdb.EnvOptions();
        private org.rocksdb.SstFileWriter writer;
        private long fileBytes;

        private SstBuilder(SpillStore temp) {
            this.temp = temp;
        }

        /**
         * The next row as slices of native memory (position to limit), its key greater than the
         * last, in {@code keyFamily} (the key's column family): one JNI call, nothing copied.
         */
        void add(ColumnFamilyHandle keyFamily, ByteBuffer key, ByteBuffer value) {
            try {
                int bytes = key.remaining() + value.remaining();
                writerFor(keyFamily).put(key, value);
                fileBytes += bytes;
            } catch (RocksDBException e) {
                throw new PgException(SqlState.IO_ERROR, "could not write to temporary file: " + e.getMessage(), e);
            }
        }

        /** The file writer of the next row, of {@code keyFamily}: a new file past FILE_BYTES or for another family. */
        private org.rocksdb.SstFileWriter writerFor(ColumnFamilyHandle keyFamily) throws RocksDBException {
            if (writer == null || fileBytes >= FILE_BYTES || keyFamily != family) {
                finishFile();
                Path file = temp.newFile(".sst");
                writer = new org.rocksdb.SstFileWriter(envOptions, options);
                writer.open(file.toString());
                files.add(file);
                filesByFamily.computeIfAbsent(keyFamily, h -> new java.util.ArrayList<>()).add(file.toString());
                family = keyFamily;
                fileBytes = 0;
            }
            return writer;
        }

        /** The next row, its key greater than the last; {@code value} null is a delete. */
        public void add(byte[] key, byte[] value) {
            try {
                writerFor(routing.family(key));
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
     * of their own (a large commit that also dropped or truncated tables: rare). Rows of
     * relations in tablespaces are ingested into their column families one family after the
     * other (RocksJava offers no atomic ingestion into several) while no snapshot may be taken,
     * so a reader with a snapshot sees all families' rows of the commit or none.
     */
    public void ingest(SstBuilder rows, List<KvBulk.Range> rangeDeletes) {
        ingest(rows, rangeDeletes, false);
    }

    /**
     * As {@link #ingest(SstBuilder, List)}; {@code freshRange} when every row is in a fresh key
     * range (a relfilenode just assigned, see {@link KvBulk}), which no snapshot can read yet:
     * files that overlap nothing stored then keep sequence number 0 rather than get a new one to
     * hide them from the snapshots open, and so are not rewritten later. RocksDB rewrites every
     * bottom-level file whose keys carry a sequence number once no snapshot needs it, to zero
     * them: after pgbench -i -s 100 that was the whole 10M-row table again, file by file, in the
     * benchmark that followed. A file that overlaps stored keys (a crashed load's leftovers
     * under a range tombstone) still gets a sequence number above them.
     */
    private void ingest(SstBuilder rows, List<KvBulk.Range> rangeDeletes, boolean freshRange) {
        if (!rangeDeletes.isEmpty()) {
            apply(List.of(), rangeDeletes);
        }
        lockOpen();
        try (org.rocksdb.IngestExternalFileOptions io = new org.rocksdb.IngestExternalFileOptions()
                .setMoveFiles(true).setSnapshotConsistency(!freshRange).setAllowGlobalSeqNo(true)
                .setAllowBlockingFlush(true)) {
            rows.finishFile();
            // RocksJava ingests into one column family at a time: no snapshot is taken between
            // the families' ingests, so a reader sees all of a commit's families or none
            boolean severalFamilies = rows.filesByFamily.size() > 1;
            if (severalFamilies) {
                visibility.writeLock().lock();
            }
            try {
                for (var e : rows.filesByFamily.entrySet()) {
                    db.ingestExternalFile(e.getKey(), e.getValue(), io);
                }
                unpinSharedView();
            } finally {
                if (severalFamilies) {
                    visibility.writeLock().unlock();
                }
            }
        } catch (RocksDBException e) {
            Invariants.panic("could not apply a committed batch to storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
            rows.close();
        }
    }

    /**
     * A RocksDB checkpoint (hard links where possible) into {@code target}, which must not exist.
     * The files of a tablespace's column family are put in {@code target/tblspc_files/OID}
     * ({@link TablespaceRouting#SNAPSHOT_DIR}): BASE_BACKUP sends them in the tablespace's own
     * archive, and a store opened on a copy that still has them moves them into the tablespace.
     */
    public void createCheckpoint(Path target) {
        lockOpen();
        try {
            if (routing.tablespaces().isEmpty()) {
                try (Checkpoint cp = Checkpoint.create(db)) {
                    cp.createCheckpoint(target.toString());
                }
            } else {
                // RocksDB's Checkpoint refuses column families with cf_paths
                TablespaceRouting.checkpoint(db, dir, routing.tablespaces(), target);
            }
        } catch (RocksDBException | java.io.IOException e) {
            throw new PgException(SqlState.IO_ERROR,
                    "could not create storage checkpoint in \"" + target + "\": " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------- tablespaces

    /**
     * Makes the column family of tablespace {@code oid} (CREATE TABLESPACE and its redo), its
     * SST files in the tablespace's version directory (pg_tblspc/OID/PG_15_.../walden_kv), which
     * must exist. A family already there is kept (redo of a CREATE replayed twice).
     */
    public void createTablespace(int oid) {
        lockOpen();
        try {
            synchronized (this) {
                if (routing.hasTablespace(oid)) {
                    return;
                }
                ColumnFamilyOptions o = TablespaceRouting.familyOptions(cfOptions, dir, oid);
                tablespaceOptions.add(o);
                routing.addFamily(db.createColumnFamily(new ColumnFamilyDescriptor(TablespaceRouting.familyName(oid), o)));
            }
        } catch (RocksDBException | java.io.IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not create storage for tablespace "
                    + Integer.toUnsignedString(oid) + ": " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * Stores the rows of {@code relfilenode} in tablespace {@code tablespaceOid} from now on
     * (0: the default one); remembered in storage (keyspace 04) so the routing is known at the
     * next start before any redo. Called before the relfilenode's first row is written.
     */
    public void place(int relfilenode, int tablespaceOid) {
        lockOpen();
        try {
            if (tablespaceOid != 0 && !routing.hasTablespace(tablespaceOid)) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "tablespace with OID "
                        + Integer.toUnsignedString(tablespaceOid) + " has no storage");
            }
            routing.place(db, writeOptions, relfilenode, tablespaceOid);
        } catch (RocksDBException e) {
            Invariants.panic("could not record the tablespace of a relation: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** The tablespace {@code relfilenode}'s rows are stored in; 0 for the default one. */
    public int tablespaceOf(int relfilenode) {
        return routing.tablespaceOf(relfilenode);
    }

    /** True when tablespace {@code oid}'s column family holds no row (range tombstones aside). */
    public boolean tablespaceEmpty(int oid) {
        lockOpen();
        try {
            ColumnFamilyHandle h = routing.familyOf(oid);
            if (h == null) {
                return true;
            }
            try (RocksIterator it = db.newIterator(h)) {
                it.seekToFirst();
                return !it.isValid();
            }
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * DROP TABLESPACE (and its redo): forgets the placements in it and drops its column family;
     * the family's files left in the tablespace directory are removed, so that the directory
     * can go. Nothing happens for a tablespace without a family.
     */
    public void dropTablespace(int oid) {
        lockOpen();
        try {
            synchronized (this) {
                ColumnFamilyHandle h = routing.familyOf(oid);
                if (h == null) {
                    return;
                }
                routing.forgetTablespace(db, writeOptions, oid);
                db.dropColumnFamily(h);
                h.close();
                TablespaceRouting.removeFamilyDirectory(dir, oid);
            }
        } catch (RocksDBException | java.io.IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not drop storage of tablespace "
                    + Integer.toUnsignedString(oid) + ": " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** The tablespaces that have a column family, by OID. */
    public java.util.Set<Integer> tablespaces() {
        return routing.tablespaces();
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
            routing.closeHandles();
            db.close();
            synchronized (this) {
                tablespaceOptions.forEach(ColumnFamilyOptions::close);
            }
            options.close();
            cfOptions.close();
            dbOptions.close();
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
