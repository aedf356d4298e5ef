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

    /** Live SST files whose keys all lie in [from, to); for tests. */
    long filesWithin(byte[] fromInclusive, byte[] toExclusive) {
        lockOpen();
        try {
            return db.getLiveFilesMetaData().stream()
                    .filter(f -> Arrays.compareUnsigned(f.smallestKey(), fromInclusive) >= 0
                            && Arrays.compareUnsigned(f.largestKey(), toExclusive) < 0)
                    .count();
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
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(blockCache).setFilterPolicy(bloomFilter);
        DBOptions dbOptions = new DBOptions()
                .setWriteBufferManager(writeBufferManager)
                .setListeners(List.of(listener))
                .setCreateIfMissing(true)
                // memtables are flushed by checkpoints, never implicitly at close: a close without
                // a checkpoint then behaves like a crash, which recovery repairs from the WAL
                .setAvoidFlushDuringShutdown(true)
                .setMaxOpenFiles(256)
                .setKeepLogFileNum(2);
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()
                .setTableFormatConfig(table)
                .setWriteBufferSize(memory.writeBufferBytes())
                .setMemtableWholeKeyFiltering(true)
                .setMemtablePrefixBloomSizeRatio(0.05)
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

    /** A consistent view of every commit applied so far; close it when the statement ends. */
    /**
     * Snapshots are taken under its read lock, and an ingest into several column families (a
     * spilled commit touching tablespaces) holds its write lock, so no snapshot sees part of one.
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock visibility =
            new java.util.concurrent.locks.ReentrantReadWriteLock();

    public StoreSnapshot snapshot() {
        lockOpen();
        try {
            visibility.readLock().lock();
            try {
                // registered before the lock goes: dropFilesOfEmptiedRanges sees every snapshot taken
                Snapshot s = db.getSnapshot();
                StoreSnapshot snap = new StoreSnapshot(this, s, new ReadOptions().setSnapshot(s));
                openResources.add(snap);
                return snap;
            } finally {
                visibility.readLock().unlock();
            }
        } finally {
            openLock.readLock().unlock();
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
            if (!rangeDeletes.isEmpty()) {
                dropFilesOfEmptiedRanges(rangeDeletes);
            }
        } catch (RocksDBException e) {
            Invariants.panic("could not apply a committed batch to storage: " + e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * After the range tombstones of {@code ranges} were written (the caller holds openLock's
     * read side): the SST files wholly inside one of them are dropped from the database at once
     * (RocksDB's DeleteFilesInRange) rather than read and rewritten by the compaction that would
     * otherwise digest the tombstone — a table re-keyed, rewritten, truncated or dropped leaves
     * all its rows behind in bottom-level files (after a bulk load, as many bytes as the table):
     * that compaction was a third of the CPU of pgbench -i's primary-key step, and as much again
     * on a standby replaying it.
     *
     * <p>RocksDB drops only files below level 0 this way (a bulk load's ingested files are at the
     * bottom); what is in level 0 is left to compaction, as before.
     *
     * <p>Only once no open snapshot predates the tombstones (else when the last such snapshot is
     * released; kept in memory only: after a restart compaction digests the tombstone): a file dropped this way is gone for
     * every snapshot, where the tombstone hides the rows only from the snapshots after it (an
     * iterator already open keeps reading the files it started with: it pins its version of the
     * database). Nothing is written into such a range after its tombstone (an emptied range's
     * relfilenode is not written again; a fresh range is written by its own transaction only
     * after it was emptied), so no file in it holds rows newer than the tombstone. The tombstone
     * stays, so a crash that loses it from the memtable (storage is not logged by RocksDB) still
     * finds the range empty after redo, which writes the tombstone again.
     */
    private void dropFilesOfEmptiedRanges(List<KvBulk.Range> ranges) throws RocksDBException {
        long tombstones = db.getLatestSequenceNumber();
        synchronized (emptiedRanges) {
            for (KvBulk.Range r : ranges) {
                emptiedRanges.add(new EmptiedRange(r, tombstones));
            }
        }
        dropFilesOfEmptiedRanges();
    }

    /**
     * The files of an emptied range dropped at once, when no open snapshot predates its tombstone
     * (just written, under openLock's read side); else left to compaction. For a range that is
     * written again right after (a fresh range emptied, an aborted one), so never deferred.
     */
    private void dropFilesNow(KvBulk.Range r) throws RocksDBException {
        long tombstone = db.getLatestSequenceNumber();
        visibility.writeLock().lock();
        try {
            for (AutoCloseable o : openResources) {
                if (o instanceof StoreSnapshot snap && snap.sequence() < tombstone) {
                    return;
                }
            }
        } finally {
            visibility.writeLock().unlock();
        }
        for (ColumnFamilyHandle h : routing.familiesOfRange(r.from(), r.to())) {
            db.deleteFilesInRanges(h, List.of(r.from(), r.to()), false);
        }
    }

    /** Cancels the deferred file drops of emptied ranges overlapping [from, to) (about to be written again). */
    private void forgetEmptiedRanges(byte[] fromInclusive, byte[] toExclusive) {
        synchronized (emptiedRanges) {
            emptiedRanges.removeIf(e -> Arrays.compareUnsigned(e.range().from(), toExclusive) < 0
                    && Arrays.compareUnsigned(fromInclusive, e.range().to()) < 0);
        }
    }

    /** A range emptied by a tombstone whose files are not dropped yet; {@code tombstone} the sequence at or after it. */
    private record EmptiedRange(KvBulk.Range range, long tombstone) {
    }

    /** Ranges emptied while an older snapshot was open: their files go once no such snapshot is (see below). */
    private final List<EmptiedRange> emptiedRanges = new java.util.ArrayList<>();

    /**
     * Drops the files of the emptied ranges no open snapshot predates (called with openLock's
     * read side held: after a range delete, and when a snapshot is released).
     */
    private void dropFilesOfEmptiedRanges() {
        List<EmptiedRange> ready = new java.util.ArrayList<>();
        // under the write side: a snapshot taken before a tombstone is registered by now
        visibility.writeLock().lock();
        try {
            synchronized (emptiedRanges) {
                if (emptiedRanges.isEmpty()) {
                    return;
                }
                long oldest = Long.MAX_VALUE;
                for (AutoCloseable r : openResources) {
                    if (r instanceof StoreSnapshot snap) {
                        oldest = Math.min(oldest, snap.sequence());
                    }
                }
                for (java.util.Iterator<EmptiedRange> it = emptiedRanges.iterator(); it.hasNext(); ) {
                    EmptiedRange e = it.next();
                    if (oldest >= e.tombstone()) {
                        ready.add(e);
                        it.remove();
                    }
                }
            }
        } finally {
            visibility.writeLock().unlock();
        }
        for (EmptiedRange e : ready) {
            KvBulk.Range r = e.range();
            for (ColumnFamilyHandle h : routing.familiesOfRange(r.from(), r.to())) {
                try {
                    db.deleteFilesInRanges(h, List.of(r.from(), r.to()), false);
                } catch (RocksDBException ex) {
                    // the tombstone still hides the rows; compaction removes them as before
                    LOG.warn("could not drop the files of an emptied key range: {}", ex.getMessage());
                }
            }
        }
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
        if (mayIngest(rows) && ingestible(rows)) {
            SstBuilder sst = newSstBuilder();
            try {
                KvBulk.forEachRowSlice(rows, (p, keyOff, keyLen, valueOff, valueLen) -> sst.add(
                        Arrays.copyOfRange(p, keyOff, keyOff + keyLen),
                        valueOff < 0 ? null : Arrays.copyOfRange(p, valueOff, valueOff + valueLen)));
            } catch (RuntimeException e) {
                sst.close(); // the file written so far goes
                throw e;
            }
            ingest(sst, List.of(), false);
            return;
        }
        writeSerialized(WriteBatchFormat.fromRows(rows));
    }

    /**
     * Whether {@link #applyRows} may ingest the record's rows as a file (large enough; whether
     * its keys ascend is its own check): its WAL must then be flushed before, as a commit's whose
     * rows are ingested, since a file bypasses the memtable flush that flushes the WAL first.
     */
    public static boolean mayIngest(WalRecord rows) {
        return rows.payload().length >= INGEST_MIN_BYTES;
    }

    /** Whether the record's keys strictly ascend and all go to one column family (one SST file). */
    private boolean ingestible(WalRecord rows) {
        final class Check implements KvBulk.RowSliceSink {
            int lastOffset = -1;
            int lastLength;
            ColumnFamilyHandle family;
            boolean ok = true;

            @Override
            public void row(byte[] p, int keyOff, int keyLen, int valueOff, int valueLen) {
                if (!ok) {
                    return;
                }
                ColumnFamilyHandle keyFamily = routing.family(p, keyOff, keyLen);
                if (lastOffset < 0) {
                    family = keyFamily;
                } else if (keyFamily != family
                        || Arrays.compareUnsigned(p, lastOffset, lastOffset + lastLength, p, keyOff, keyOff + keyLen) >= 0) {
                    ok = false;
                }
                lastOffset = keyOff;
                lastLength = keyLen;
            }
        }
        Check check = new Check();
        KvBulk.forEachRowSlice(rows, check);
        return check.ok && check.lastOffset >= 0;
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
        boolean anyKey = false;
        lockOpen();
        try {
            forgetEmptiedRanges(fromInclusive, toExclusive); // a reused relfilenode: written again from here
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
            deleteRange(fromInclusive, toExclusive);
        }
    }

    /** Empties the key range [from, to) at once (a RocksDB range tombstone). */
    public void deleteRange(byte[] fromInclusive, byte[] toExclusive) {
        lockOpen();
        try {
            forgetEmptiedRanges(fromInclusive, toExclusive); // it may be written again from here
            for (ColumnFamilyHandle h : routing.familiesOfRange(fromInclusive, toExclusive)) {
                db.deleteRange(h, writeOptions, fromInclusive, toExclusive);
            }
            dropFilesNow(new KvBulk.Range(fromInclusive, toExclusive));
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

        /** The next row, its key greater than the last; {@code value} null is a delete. */
        public void add(byte[] key, byte[] value) {
            try {
                ColumnFamilyHandle keyFamily = routing.family(key);
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
        ingest(rows, rangeDeletes, true);
    }

    /**
     * As {@link #ingest(SstBuilder, List)}; {@code forSnapshots} false for the rows of a fresh
     * range ({@link #applyRows}): no snapshot but its own transaction's later ones can look
     * there (only an uncommitted catalog row names it), so the file need not be hidden from the
     * snapshots already taken, and RocksDB ingests a file that overlaps nothing into the bottom
     * level with sequence number 0. With a sequence number of its own (RocksDB gives one
     * whenever any snapshot is open, and one always is while a load runs), every ingested file
     * was rewritten once by a "bottommost files" compaction soon after, only to zero those
     * numbers: after pgbench -i that was nearly all of RocksDB's compaction work, on the
     * primary and on each standby. A file that does overlap something (a fresh range emptied of
     * a crashed transaction's rows by a tombstone) still gets a sequence number above it.
     */
    private void ingest(SstBuilder rows, List<KvBulk.Range> rangeDeletes, boolean forSnapshots) {
        if (!rangeDeletes.isEmpty()) {
            apply(List.of(), rangeDeletes);
        }
        lockOpen();
        try (org.rocksdb.IngestExternalFileOptions io = new org.rocksdb.IngestExternalFileOptions()
                .setMoveFiles(true).setSnapshotConsistency(forSnapshots).setAllowGlobalSeqNo(true)
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
        if (resource instanceof StoreSnapshot && !closed && hasEmptiedRanges()) {
            dropFilesOfEmptiedRanges(); // the snapshot that held them back may be this one
        }
    }

    private boolean hasEmptiedRanges() {
        synchronized (emptiedRanges) {
            return !emptiedRanges.isEmpty();
        }
    }

    static boolean before(byte[] key, byte[] limit) {
        return limit == null || Arrays.compareUnsigned(key, limit) < 0;
    }
}
