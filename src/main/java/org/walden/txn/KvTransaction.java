package org.walden.txn;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.storage.Store;
import org.walden.storage.StoreSnapshot;
import org.walden.storage.UnloggedRanges;
import org.walden.wal.KvBulk;
import org.walden.wal.KvChange;
import org.walden.wal.Lsn;
import org.walden.wal.Wal;
import org.walden.wal.WalRecord;
import org.walden.wal.XactRecords;

/**
 * One transaction (see {@link Transaction}): a statement snapshot (or, in REPEATABLE READ, one
 * snapshot for the whole transaction), a private write set laid over it, and the row and
 * relation locks it holds. Used by one thread.
 *
 * <p>Savepoints: while a subtransaction is open every write remembers what it replaced in an
 * undo log (a write-set entry, a fresh range's row, a row lock taken); ROLLBACK TO walks the log
 * back to the subtransaction's mark. Uncommitted writes never reach the WAL, so undoing the
 * write set needs no record; rows of fresh ranges are in storage already and are written back
 * as ROWS records, which a standby replays like any others.
 *
 * <p>Its writes to existing ranges are a {@link WriteSet}: in the heap while small, spilled to
 * base/pgsql_tmp past the manager's bound, the spilled rows' locks then held through the set
 * (see txn/README.md); the commit of a spilled set streams its records and ingests its rows
 * ({@link #commitSpilled}).
 *
 * <p>Rows of the key ranges it created ({@link #createRange}: a table created, truncated or
 * re-keyed here) bypass the write set: they are gathered in {@code bulkPending} up to
 * {@link #BULK_BATCH_BYTES}, then logged as one KV ROWS record and applied to storage at once,
 * so a COPY of millions of rows holds about one batch in memory, not the table. From its first
 * such record until it ends the transaction holds back the checkpoint's redo point (see
 * {@link KvTransactionManager#redoPoint()}), so that a crash before the commit replays the
 * NEW_RANGE record and the end of recovery empties the range again.
 */
final class KvTransaction implements Transaction {

    /** Marks a deleted row in the write set (compared by identity). */
    private static final byte[] DELETED = new byte[0];
    /** How long a write waits for a row lock its caller did not take first. */
    private static final long IMPLICIT_LOCK_WAIT_MS = 60_000;
    /**
     * Rows of fresh ranges are logged and applied in batches of about this size (one ROWS record
     * each; a full batch in key order goes to storage as one SST file, see {@link Store#applyRows}:
     * large enough that a load of 10M rows makes a few hundred files, not thousands).
     */
    static final int BULK_BATCH_BYTES = 8 * 1024 * 1024;

    private final KvTransactionManager manager;
    private final long localId;
    /** Writes to existing ranges; past the manager's bound they spill to base/pgsql_tmp ({@link WriteSet}). */
    private final WriteSet writes;
    private final Set<ByteKey> heldLocks = new java.util.HashSet<>();
    /**
     * The latest committed value of each row read by {@link #lockForUpdate} (DELETED for none):
     * while the lock is held no one else can commit that row, so it is still the before-image
     * at commit, and commit need not read it from storage again.
     */
    private final Map<ByteKey, byte[]> lockedLatest = new java.util.HashMap<>();
    /**
     * Key ranges this transaction created ({@link #createRange}): no one else can see them
     * until the commit, so their rows skip the row locks and the private write set and go to
     * storage in batches, each logged first as one ROWS record.
     */
    private final List<KvBulk.Range> newRanges = new ArrayList<>(2);
    /**
     * Per new range (same index), the greatest key this transaction wrote there: a greater key
     * cannot be in storage (the range was emptied when created), so reading it needs no lookup —
     * the duplicate check of rows inserted in key order (COPY, hidden row ids) costs nothing.
     */
    private final List<byte[]> newRangeMaxKeys = new ArrayList<>(2);
    /** The index in {@code newRanges} of the last key found there (checked first). */
    private int lastNewRange;
    /** One ROWS record's payload at a time, reused. */
    private KvBulk.RowsBuilder rowsBuilder;
    /** Ranges emptied at commit ({@link #deleteRange}). */
    private final List<KvBulk.Range> rangeDeletes = new ArrayList<>(2);
    /**
     * Rows of new ranges not yet logged and applied (DELETED for a delete); at most about
     * BULK_BATCH_BYTES. Rows in key order are appended to a list, not hashed (a map's puts were
     * a fifth of a COPY's CPU).
     */
    private final BulkPending bulkPending = new BulkPending(DELETED);
    private long bulkPendingBytes;
    /** True once a NEW_RANGE or ROWS record of this transaction is in the WAL (its storage effects need undoing on abort). */
    private boolean bulkLogged;
    /**
     * True once this transaction created a range of an unlogged or temporary relation
     * ({@link UnloggedRanges}): its rows reach storage unlogged, and an abort empties it again.
     */
    private boolean unloggedRangeCreated;
    /** ROLLBACK TO's log, kept while a subtransaction is open: each entry undoes one step. */
    private final List<Undo> undo = new ArrayList<>();
    /**
     * Per open subtransaction, outermost first: the sizes of {@code undo}, {@code rangeDeletes}
     * and {@code newRanges} when it began.
     */
    private final List<int[]> subtransactions = new ArrayList<>(2);
    /** Set at the first spill of {@code writes}, when the lock table learns to ask it. */
    private boolean spilledLocksRegistered;
    /** REPEATABLE READ: the first statement's snapshot serves the whole transaction. */
    private boolean transactionSnapshot;
    /** Statement snapshots replaced mid-statement (a scan of a new range): closed when the transaction ends. */
    private final List<StoreSnapshot> retiredSnapshots = new ArrayList<>(0);
    /** Relation locks held: relation OID to the mask of its modes held ({@link RelationLockMode#bit()}). */
    private final Map<Integer, Integer> heldRelations = new java.util.HashMap<>(4);
    /** The catalog version when the current statement's snapshot was taken. */
    private long statementCatalogVersion;
    /** The catalog version after this transaction's commit changed the catalog (0 otherwise). */
    private long committedCatalogVersion;
    private StoreSnapshot snapshot;
    /** The last row {@link #get} read from storage (not from own writes): its key, value and snapshot. */
    private byte[] lastReadKey;
    private byte[] lastRead;
    private StoreSnapshot lastReadSnapshot;
    private int xid;
    /** Set when finish() has told the write gate this writer is done (finish may run twice). */
    private boolean leftWriteGate;
    private boolean finished;

    /**
     * One undone step: a write-set entry's previous value (null: absent), a fresh range's row's, a
     * row lock taken, or a relation lock's new modes ({@code relation} and the modes held before).
     */
    private record Undo(UndoKind kind, ByteKey key, byte[] previous, int relation, int modesBefore) {
        Undo(UndoKind kind, ByteKey key, byte[] previous) {
            this(kind, key, previous, 0, 0);
        }
    }

    private enum UndoKind { WRITE, BULK_ROW, ROW_LOCK, RELATION_LOCK }

    KvTransaction(KvTransactionManager manager, long localId) {
        this.manager = manager;
        this.localId = localId;
        this.writes = new WriteSet(DELETED, manager.writeSetBoundBytes(), () -> manager.store().spillStore(),
                this::writesSpilled);
        this.statementCatalogVersion = manager.catalogVersion();
    }

    @Override
    public int xid() {
        return xid;
    }

    @Override
    public void newStatementSnapshot() {
        checkActive();
        if (transactionSnapshot && snapshot != null) {
            statementCatalogVersion = manager.catalogVersion();
            return;
        }
        closeSnapshot();
        statementCatalogVersion = manager.catalogVersion();
        snapshot = manager.store().snapshot();
    }

    /** The backend pid and database OID this transaction's relation locks show under in pg_locks (null: none). */
    private int[] lockOwner;

    @Override
    public void setLockOwner(int pid, int databaseOid) {
        lockOwner = new int[] {pid, databaseOid};
    }

    @Override
    public boolean holdsRelation(int relationOid, RelationLockMode mode) {
        Integer held = heldRelations.get(relationOid);
        return held != null && (held & (mode.bit() | RelationLockMode.ACCESS_EXCLUSIVE.bit())) != 0;
    }

    @Override
    public boolean lockRelation(int relationOid, RelationLockMode mode, long timeoutMs) {
        checkActive();
        Integer held = heldRelations.get(relationOid);
        if (held != null && (held & (mode.bit() | RelationLockMode.ACCESS_EXCLUSIVE.bit())) != 0) {
            return false;
        }
        long changedAt = manager.lockTable().acquireRelation(localId, lockOwner, relationOid, mode, timeoutMs);
        heldRelations.merge(relationOid, mode.bit(), (a, b) -> a | b);
        if (!subtransactions.isEmpty()) {
            undo.add(new Undo(UndoKind.RELATION_LOCK, null, null, relationOid, held == null ? 0 : held));
        }
        return held == null && changedAt > statementCatalogVersion;
    }

    private StoreSnapshot snapshot() {
        if (snapshot == null) {
            snapshot = manager.store().snapshot();
        }
        return snapshot;
    }

    @Override
    public byte[] get(byte[] key) {
        checkActive();
        if (inNewRange(key)) {
            return latestInNewRange(key);
        }
        byte[] own = writes.get(new ByteKey(key));
        if (own != null) {
            return own == DELETED ? null : own;
        }
        StoreSnapshot view = snapshot();
        byte[] value = manager.store().get(view, key);
        lastReadKey = key;
        lastRead = value;
        lastReadSnapshot = view;
        return value;
    }

    /**
     * Whether the last row {@link #get} read from storage, {@link #lastRead}, is {@code key}'s
     * latest committed value. The caller holds the row's lock, so whoever committed the row has
     * also applied it (apply comes before a commit's locks go): if nothing was written to storage
     * since the snapshot it was read in, the value read is still the latest. An UPDATE's scan has
     * just read the row it locks; this spares reading it a second time.
     */
    private boolean lastReadIsLatest(byte[] key) {
        return lastRead != null && lastReadSnapshot == snapshot && java.util.Arrays.equals(key, lastReadKey)
                && manager.store().unchangedSince(lastReadSnapshot);
    }

    @Override
    public KvCursor scan(byte[] fromInclusive, byte[] toExclusive) {
        return scan(fromInclusive, toExclusive, false);
    }

    @Override
    public KvCursor scanOnePass(byte[] fromInclusive, byte[] toExclusive) {
        return scan(fromInclusive, toExclusive, true);
    }

    private KvCursor scan(byte[] fromInclusive, byte[] toExclusive, boolean onePass) {
        checkActive();
        StoreSnapshot view;
        if (overlapsNewRange(fromInclusive, toExclusive)) {
            // this transaction's rows there are in storage only once flushed, and after the snapshot
            flushBulk();
            if (transactionSnapshot) {
                // only this scan sees the newer state: no one else writes a fresh range
                view = manager.store().snapshot();
                retiredSnapshots.add(view);
            } else {
                if (snapshot != null) {
                    retiredSnapshots.add(snapshot);
                }
                snapshot = manager.store().snapshot();
                view = snapshot;
            }
        } else {
            view = snapshot();
        }
        // as they are now: rows this statement writes while scanning are not seen again (Halloween problem)
        WriteSet.OwnEntries own = writes.entries(fromInclusive, toExclusive);
        try {
            return new MergingCursor(manager.store().scan(view, fromInclusive, toExclusive, onePass), own, DELETED);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    @Override
    public byte[] lockForUpdate(byte[] key, long timeoutMs) {
        checkActive();
        checkWritable();
        if (inNewRange(key)) {
            return latestInNewRange(key); // no one else can write there: no lock
        }
        ByteKey k = new ByteKey(key);
        if (!writes.inSpilled(k)) { // a spilled write's lock is held through the spilled set
            manager.lockTable().acquire(localId, k, timeoutMs);
            lockTaken(k);
        }
        byte[] own = writes.get(k);
        if (own != null) {
            return own == DELETED ? null : own;
        }
        byte[] latest = lockedLatest.get(k);
        if (latest == null) {
            latest = lastReadIsLatest(key) ? lastRead : manager.store().getLatest(key);
            if (!writes.isSpilled()) { // once spilled, the heap keeps no per-row cache
                lockedLatest.put(k, latest == null ? DELETED : latest);
            }
        }
        return latest == DELETED ? null : latest;
    }

    @Override
    public void put(byte[] key, byte[] value) {
        write(key.clone(), value.clone());
    }

    @Override
    public void putHandedOver(byte[] key, byte[] value) {
        write(key, value); // both arrays are the caller's no more: not copied
    }

    @Override
    public void putNew(byte[] key, byte[] value) {
        // the caller hands both arrays over (see Transaction.putNew): a COPY's rows are not copied again
        if (!write(key, value) && !writes.isSpilled()) {
            lockedLatest.putIfAbsent(new ByteKey(key), DELETED); // the commit's before-image: none
        }
    }

    @Override
    public void delete(byte[] key) {
        write(key.clone(), DELETED);
    }

    /**
     * Writes {@code value} (DELETED: a delete) under {@code key}, both owned by this transaction
     * from now on (copies of the caller's, or handed over); true when the key is in a new range.
     */
    private boolean write(byte[] key, byte[] value) {
        checkActive();
        checkWritable();
        int range = newRangeIndex(key); // looked up once per row: a bulk load's rows all land here
        if (range >= 0) {
            writeBulk(new ByteKey(key), value, range);
            return true;
        }
        ByteKey k = new ByteKey(key);
        if (!heldLocks.contains(k) && !writes.inSpilled(k)) {
            manager.lockTable().acquire(localId, k, IMPLICIT_LOCK_WAIT_MS);
            lockTaken(k);
        }
        assignXidIfNone();
        byte[] previous = writes.put(k, value, !subtransactions.isEmpty());
        if (!subtransactions.isEmpty()) {
            undo.add(new Undo(UndoKind.WRITE, k, previous));
        }
        return false;
    }

    /**
     * The write set just spilled {@code keys}: their row locks are held through it from now on
     * ({@link RowLockTable#holdAsSpilled}), so their lock entries and held-lock set entries go,
     * and so does the before-image cache (commit reads those from storage, under the locks).
     */
    private void writesSpilled(java.util.Collection<ByteKey> keys) {
        if (!spilledLocksRegistered) {
            manager.lockTable().holdAsSpilled(localId, writes::inSpilled);
            spilledLocksRegistered = true;
        }
        manager.lockTable().moveToSpilled(localId, keys);
        heldLocks.removeAll(keys);
        lockedLatest.clear();
    }

    private void lockTaken(ByteKey k) {
        if (heldLocks.add(k) && !subtransactions.isEmpty()) {
            undo.add(new Undo(UndoKind.ROW_LOCK, k, null));
        }
    }

    @Override
    public int assignXid() {
        checkActive();
        checkWritable();
        assignXidIfNone();
        return xid;
    }

    private void assignXidIfNone() {
        if (xid == 0) {
            manager.writeGate().enter();
            xid = manager.assignXid();
        }
    }

    @Override
    public void createRange(byte[] fromInclusive, byte[] toExclusive) {
        checkActive();
        checkWritable();
        KvBulk.Range r = new KvBulk.Range(fromInclusive.clone(), toExclusive.clone());
        assignXidIfNone();
        if (UnloggedRanges.isUnlogged(r.from())) {
            // not logged: a crash empties unlogged and temporary ranges at the next start anyway
            unloggedRangeCreated = true;
            manager.store().deleteRange(r.from(), r.to());
            clearOwnWrites(r);
            newRanges.add(r);
            newRangeMaxKeys.add(null);
            return;
        }
        // logged first: from here the redo point stays at or before this record until the
        // transaction ends, so a crash replays it and the end of recovery empties the range again
        manager.logBulk(localId, List.of(KvBulk.newRange(xid, r.from(), r.to())));
        bulkLogged = true;
        // whatever a crashed, uncommitted transaction left there goes (a fresh OID can be reused after a crash)
        manager.store().emptyFreshRange(r.from(), r.to());
        clearOwnWrites(r);
        newRanges.add(r);
        newRangeMaxKeys.add(null);
    }

    @Override
    public void deleteRange(byte[] fromInclusive, byte[] toExclusive) {
        checkActive();
        checkWritable();
        KvBulk.Range r = new KvBulk.Range(fromInclusive.clone(), toExclusive.clone());
        assignXidIfNone();
        clearOwnWrites(r);
        if (!subtransactions.isEmpty()) {
            flushBulk(); // a ROLLBACK TO keeps the range's rows: they must not be dropped from memory
        }
        bulkPending.removeRange(r.from(), r.to());
        rangeDeletes.add(r);
    }

    /** Drops this transaction's writes in [from, to), remembering them while a subtransaction is open. */
    private void clearOwnWrites(KvBulk.Range r) {
        boolean remember = !subtransactions.isEmpty();
        writes.removeRange(r.from(), r.to(), (k, previous) -> {
            if (remember) {
                undo.add(new Undo(UndoKind.WRITE, k, previous));
            }
        });
    }

    private static boolean inRange(byte[] key, KvBulk.Range r) {
        return ByteKey.compareShort(key, r.from()) >= 0 && ByteKey.compareShort(key, r.to()) < 0;
    }

    private boolean inNewRange(byte[] key) {
        return newRangeIndex(key) >= 0;
    }

    private int newRangeIndex(byte[] key) {
        int n = newRanges.size();
        if (n == 0) {
            return -1;
        }
        // a bulk load writes one range row after row: the range of the last hit first
        int last = lastNewRange < n ? lastNewRange : 0;
        if (inRange(key, newRanges.get(last))) {
            return last;
        }
        for (int i = 0; i < n; i++) {
            if (i != last && inRange(key, newRanges.get(i))) {
                lastNewRange = i;
                return i;
            }
        }
        return -1;
    }

    private boolean overlapsNewRange(byte[] fromInclusive, byte[] toExclusive) {
        for (KvBulk.Range r : newRanges) {
            if (java.util.Arrays.compareUnsigned(fromInclusive, r.to()) < 0
                    && (toExclusive == null || java.util.Arrays.compareUnsigned(toExclusive, r.from()) > 0)) {
                return true;
            }
        }
        return false;
    }

    /** A row of a new range: only this transaction writes there, so the latest value is its own. */
    private byte[] latestInNewRange(byte[] key) {
        byte[] max = newRangeMaxKeys.get(newRangeIndex(key));
        if (max == null || java.util.Arrays.compareUnsigned(key, max) > 0) {
            return null; // past every key written there, pending ones included
        }
        byte[] pending = bulkPending.get(key);
        if (pending != null) {
            return pending == DELETED ? null : pending;
        }
        return manager.store().getLatest(key);
    }

    private void writeBulk(ByteKey k, byte[] value, int range) {
        assignXidIfNone();
        if (!subtransactions.isEmpty()
                && range < subtransactions.get(subtransactions.size() - 1)[2]) {
            // a range created since the innermost savepoint needs no row-by-row undo: it goes whole
            undo.add(new Undo(UndoKind.BULK_ROW, k, latestInNewRange(k.bytes())));
        }
        putBulk(k, value, range);
    }

    private void putBulk(ByteKey k, byte[] value, int range) {
        byte[] max = newRangeMaxKeys.get(range);
        if (max == null || ByteKey.compareShort(k.bytes(), max) > 0) {
            newRangeMaxKeys.set(range, k.bytes());
        }
        byte[] previous = bulkPending.put(k.bytes(), value);
        bulkPendingBytes += k.bytes().length + value.length + 8L - (previous == null ? 0 : previous.length);
        if (bulkPendingBytes >= BULK_BATCH_BYTES) {
            flushBulk();
        }
    }

    /** Logs the pending rows of new ranges as one ROWS record, then applies them to storage. */
    private void flushBulk() {
        if (bulkPending.isEmpty()) {
            return;
        }
        WalRecord run = bulkPending.runAsRecord(xid);
        if (run != null) {
            // a bulk load's batch: its rows in key order, all logged, already in the record's form
            bulkPending.clear();
            bulkPendingBytes = 0;
            logAndApplyRows(run);
            return;
        }
        if (rowsBuilder == null) {
            // sized for the first batch (a full one for a bulk load; a few rows for a small table)
            rowsBuilder = new KvBulk.RowsBuilder((int) Math.min(bulkPendingBytes + bulkPendingBytes / 4 + 64,
                    BULK_BATCH_BYTES + BULK_BATCH_BYTES / 4));
        }
        KvBulk.RowsBuilder rows = rowsBuilder;
        rows.reset();
        KvBulk.RowsBuilder unloggedRows = null;
        KvBulk.RowsBuilder[] unlogged = {null};
        bulkPending.forEach((key, value) -> {
            if (UnloggedRanges.isUnlogged(key)) {
                if (unlogged[0] == null) {
                    unlogged[0] = new KvBulk.RowsBuilder();
                }
                unlogged[0].add(key, value == DELETED ? null : value);
            } else {
                rows.add(key, value == DELETED ? null : value);
            }
        });
        unloggedRows = unlogged[0];
        bulkPending.clear();
        bulkPendingBytes = 0;
        if (rows.count() > 0) {
            logAndApplyRows(rows.toRecord(xid));
        }
        if (unloggedRows != null) {
            manager.store().applyRows(unloggedRows.toRecord(xid)); // the record's form, never logged
        }
    }

    /** Logs one ROWS record (compressed when large), then applies it to storage. */
    private void logAndApplyRows(WalRecord record) {
        // a bulk load's batch is logged compressed (KvBulk.compressed), applied as it is
        Wal.Inserted ins = manager.logBulk(localId, List.of(KvBulk.compressed(record)));
        if (Store.mayIngest(record)) {
            // its rows may reach storage as a file, past the memtables and so past the
            // WAL-before-data hook of their flush: the record is made durable first
            manager.wal().flush(ins.endLsn());
        }
        manager.store().applyRows(record);
    }

    @Override
    public void useTransactionSnapshot() {
        checkActive();
        transactionSnapshot = true;
    }

    @Override
    public boolean usesTransactionSnapshot() {
        return transactionSnapshot;
    }

    @Override
    public int beginSubtransaction() {
        checkActive();
        subtransactions.add(new int[] {undo.size(), rangeDeletes.size(), newRanges.size()});
        return subtransactions.size();
    }

    @Override
    public void rollbackToSubtransaction(int depth) {
        checkActive();
        checkDepth(depth);
        int[] mark = subtransactions.get(depth - 1);
        subtransactions.subList(depth, subtransactions.size()).clear();
        List<ByteKey> unlocked = new ArrayList<>();
        for (int i = undo.size() - 1; i >= mark[0]; i--) {
            Undo u = undo.get(i);
            switch (u.kind()) {
                case WRITE -> {
                    if (u.previous() == null) {
                        if (writes.isSpilled()) {
                            // its lock may be held through the spilled set: keep it held (a
                            // ROW_LOCK undo entry further back releases it if it was taken here)
                            manager.lockTable().holdOwn(localId, u.key());
                            heldLocks.add(u.key());
                        }
                        writes.remove(u.key());
                    } else {
                        writes.put(u.key(), u.previous(), false);
                    }
                }
                case BULK_ROW -> putBulk(u.key(), u.previous() == null ? DELETED : u.previous(),
                        newRangeIndex(u.key().bytes()));
                case ROW_LOCK -> {
                    heldLocks.remove(u.key());
                    lockedLatest.remove(u.key());
                    unlocked.add(u.key());
                }
                case RELATION_LOCK -> {
                    // as PostgreSQL: locks taken in an aborted subtransaction are released
                    if (u.modesBefore() == 0) {
                        heldRelations.remove(u.relation());
                    } else {
                        heldRelations.put(u.relation(), u.modesBefore());
                    }
                    manager.lockTable().reduceRelation(localId, u.relation(), u.modesBefore());
                }
            }
        }
        undo.subList(mark[0], undo.size()).clear();
        rangeDeletes.subList(mark[1], rangeDeletes.size()).clear();
        // ranges created since the savepoint: no catalog row names them any more; emptied at commit
        // (logged with it, so a standby empties them too) or, at a rollback, as every new range is
        for (KvBulk.Range r : newRanges.subList(mark[2], newRanges.size())) {
            bulkPending.removeRange(r.from(), r.to());
            rangeDeletes.add(r);
        }
        manager.lockTable().releaseAll(localId, unlocked);
    }

    @Override
    public void releaseSubtransaction(int depth) {
        checkActive();
        checkDepth(depth);
        subtransactions.subList(depth - 1, subtransactions.size()).clear();
        if (subtransactions.isEmpty()) {
            undo.clear();
        }
    }

    private void checkDepth(int depth) {
        if (depth < 1 || depth > subtransactions.size()) {
            throw new IllegalArgumentException("no subtransaction at depth " + depth);
        }
    }

    @Override
    public boolean hasWrites() {
        return !writes.isEmpty() || bulkLogged || unloggedRangeCreated || !rangeDeletes.isEmpty();
    }

    @Override
    public Lsn commit(SynchronousCommit level) {
        checkActive();
        if (!hasWrites() && xid == 0) {
            // read-only: no xid, nothing to log (one that asked for its xid logs its commit)
            finish();
            return Lsn.INVALID;
        }
        long commitStarted = System.nanoTime();
        try {
            flushBulk();
        } catch (RuntimeException e) {
            rollback();
            throw e;
        }
        if (writes.isSpilled()) {
            return commitSpilled(level, commitStarted);
        }
        List<KvChange> changes = new ArrayList<>(writes.memorySize());
        List<WalRecord> records = changeRecords(changes);
        boolean catalog = false;
        for (KvChange c : changes) {
            catalog |= c.key().length > 0 && (c.key()[0] == CATALOG_KEYSPACE
                    || c.key()[0] == UnloggedRanges.LOCAL_CATALOG);
        }
        boolean wroteSomething = !changes.isEmpty() || unloggedRangeCreated || !rangeDeletes.isEmpty();
        if (records.isEmpty() && !bulkLogged && wroteSomething) {
            // only unlogged or temporary rows: as PostgreSQL's RecordTransactionCommit without
            // wrote_xlog, the commit record is not waited for (a crash empties those rows anyway)
            level = SynchronousCommit.OFF;
        }
        long nowMicros = TimeUnit.MILLISECONDS.toMicros(manager.clock().millis());
        records.add(XactRecords.commit(xid, nowMicros, level == SynchronousCommit.REMOTE_APPLY));
        Wal wal = manager.wal();
        Wal.Inserted ins;
        try {
            ins = manager.logCommit(localId, records);
        } catch (RuntimeException e) {
            rollback(); // the commit was not logged: as a rollback
            throw e;
        }
        if (level != SynchronousCommit.OFF) {
            try {
                wal.flush(ins.endLsn());
            } catch (RuntimeException e) {
                // the WAL was closed under us (shutdown): the commit is not durable, so not applied
                manager.applied(localId);
                finish();
                throw e;
            }
        }
        return afterFlush(ins.endLsn(), level, catalog, () -> manager.store().apply(changes, rangeDeletes),
                commitStarted);
    }

    /**
     * A commit's end once its COMMIT record is flushed as {@code level} asks: the wait for the
     * standbys and the leader lease, then (whatever that wait ended with) the rows applied to
     * storage, the catalog version bumped if it changed, the transaction finished.
     */
    private Lsn afterFlush(Lsn end, SynchronousCommit level, boolean catalog, Runnable applyToStorage,
                           long commitStarted) {
        try {
            if (level == SynchronousCommit.REMOTE_WRITE || level == SynchronousCommit.ON
                    || level == SynchronousCommit.REMOTE_APPLY) {
                manager.commitWaiter().waitForCommit(end, level);
            }
            manager.writeGate().awaitLease();
        } finally {
            applyToStorage.run();
            if (catalog) {
                manager.bumpCatalogVersion();
                committedCatalogVersion = manager.catalogVersion();
            }
            manager.applied(localId);
            finish();
        }
        manager.commitStats().record(System.nanoTime() - commitStarted);
        return end;
    }

    /**
     * The records of the writes: the DELETE_RANGE records, then one KV record per written row with
     * its before-image (read under the row lock); {@code changes} receives the rows' changes.
     */
    private List<WalRecord> changeRecords(List<KvChange> changes) {
        List<WalRecord> records = new ArrayList<>(writes.memorySize() + rangeDeletes.size() + 1);
        for (KvBulk.Range r : rangeDeletes) {
            if (!UnloggedRanges.isUnlogged(r.from())) {
                records.add(KvBulk.deleteRange(xid, r.from(), r.to()));
            }
        }
        if (!writes.isSpilled()) {
            for (Map.Entry<ByteKey, byte[]> w : writes.memoryEntries().entrySet()) {
                KvChange c = change(w.getKey(), w.getValue());
                changes.add(c);
                if (!UnloggedRanges.isUnlogged(c.key())) {
                    records.add(c.toRecord(xid));
                }
            }
            return records;
        }
        try (WriteSet.OwnEntries all = writes.entries(new byte[0], null)) {
            while (all.hasNext()) {
                Map.Entry<ByteKey, byte[]> w = all.next();
                KvChange c = change(w.getKey(), w.getValue());
                changes.add(c);
                if (!UnloggedRanges.isUnlogged(c.key())) {
                    records.add(c.toRecord(xid));
                }
            }
        }
        return records;
    }

    /** A written row's change; we hold its row lock, so the latest committed value is the before-image. */
    private KvChange change(ByteKey key, byte[] value) {
        byte[] before = lockedLatest.get(key);
        if (before == null) {
            before = manager.store().getLatest(key.bytes());
        } else if (before == DELETED) {
            before = null;
        }
        return new KvChange(key.bytes(), value == DELETED ? null : value, before);
    }

    /**
     * The commit of a write set that spilled (see {@link WriteSet}): its records are inserted in
     * batches of about {@link #BULK_BATCH_BYTES} as they are read from the set in key order (the
     * transaction holds back the redo point from the first, as a fresh range's rows do), then the
     * COMMIT record; at the same time the rows go, in key order, into SST files under pgsql_tmp.
     * Once the COMMIT is flushed (always: the files reach storage without passing through the
     * memtables, so the WAL-before-data hook of a memtable flush does not cover them) and the
     * standbys have it as synchronous_commit asks, the files are ingested into storage in one
     * atomic step. Neither the heap nor RocksDB's memory holds the whole batch. A crash before
     * the ingestion replays the records (redo spills them the same way); a failure before the
     * COMMIT is inserted logs an ABORT, so redo drops what it buffered.
     */
    private Lsn commitSpilled(SynchronousCommit level, long commitStarted) {
        Store.SstBuilder sst = manager.store().newSstBuilder();
        boolean catalog = false;
        boolean chunksLogged = false;
        Wal.Inserted ins;
        try {
            List<WalRecord> chunk = new ArrayList<>();
            long chunkBytes = 0;
            for (KvBulk.Range r : rangeDeletes) {
                if (!UnloggedRanges.isUnlogged(r.from())) {
                    chunk.add(KvBulk.deleteRange(xid, r.from(), r.to()));
                }
            }
            try (WriteSet.OwnEntries all = writes.entries(new byte[0], null)) {
                while (all.hasNext()) {
                    Map.Entry<ByteKey, byte[]> w = all.next();
                    KvChange c = change(w.getKey(), w.getValue());
                    catalog |= c.key().length > 0 && (c.key()[0] == CATALOG_KEYSPACE
                            || c.key()[0] == UnloggedRanges.LOCAL_CATALOG);
                    sst.add(c.key(), c.after());
                    if (UnloggedRanges.isUnlogged(c.key())) {
                        continue; // into storage with the others, never into the WAL
                    }
                    WalRecord record = c.toRecord(xid);
                    chunk.add(record);
                    chunkBytes += record.payload().length;
                    if (chunkBytes >= BULK_BATCH_BYTES) {
                        manager.logBulk(localId, chunk);
                        chunksLogged = true;
                        chunk = new ArrayList<>();
                        chunkBytes = 0;
                    }
                }
            }
            chunk.add(XactRecords.commit(xid, TimeUnit.MILLISECONDS.toMicros(manager.clock().millis()),
                    level == SynchronousCommit.REMOTE_APPLY));
            ins = manager.logCommit(localId, chunk);
        } catch (RuntimeException e) {
            sst.close();
            if (chunksLogged) {
                abortLogged();
                manager.applied(localId);
            }
            rollback();
            throw e;
        }
        try {
            manager.wal().flush(ins.endLsn());
        } catch (RuntimeException e) {
            // the WAL was closed under us (shutdown): the commit is not durable, so not applied
            sst.close();
            manager.applied(localId);
            finish();
            throw e;
        }
        return afterFlush(ins.endLsn(), level, catalog, () -> manager.store().ingest(sst, rangeDeletes),
                commitStarted);
    }

    /** Logs an ABORT for a transaction whose records are partly in the WAL (redo drops them). */
    private void abortLogged() {
        try {
            manager.logAbort(localId, XactRecords.abort(xid,
                    TimeUnit.MILLISECONDS.toMicros(manager.clock().millis())));
        } catch (RuntimeException e) {
            // the WAL was closed under us: recovery drops the records without a commit
        }
    }

    /**
     * PREPARE TRANSACTION (PostgreSQL's PrepareTransaction): the writes and a PREPARE record are
     * logged as a commit's are, and flushed; the transaction is then handed to {@link TwoPhase}
     * with its changes and its locks, and this object ends without releasing them. Like a commit,
     * it waits for synchronous standbys as {@code level} asks. On failure nothing is prepared and
     * the transaction is rolled back.
     */
    @Override
    public Lsn prepare(TwoPhase.Identity id, int maxPrepared, SynchronousCommit level) {
        checkActive();
        if (manager.inRecovery()) {
            rollback();
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION, "cannot execute PREPARE TRANSACTION during recovery");
        }
        if (touchedTemporary()) {
            rollback();
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "cannot PREPARE a transaction that has operated on temporary objects");
        }
        TwoPhase twoPhase = manager.twoPhase();
        TwoPhase.GlobalTransaction gt;
        try {
            gt = twoPhase.reserve(id.gid(), maxPrepared);
        } catch (RuntimeException e) {
            rollback();
            throw e;
        }
        List<KvChange> changes = new ArrayList<>(writes.memorySize());
        Wal.Inserted ins;
        long nowMicros = TimeUnit.MILLISECONDS.toMicros(manager.clock().millis());
        try {
            flushBulk();
            assignXidIfNone(); // PostgreSQL's PrepareTransaction takes an xid too
            List<WalRecord> records = changeRecords(changes);
            if (writes.isSpilled()) { // the prepared transaction keeps its locks in the lock table
                for (KvChange c : changes) {
                    ByteKey k = new ByteKey(c.key());
                    manager.lockTable().holdOwn(localId, k);
                    heldLocks.add(k);
                }
            }
            List<byte[]> lockKeys = new ArrayList<>(heldLocks.size());
            for (ByteKey k : heldLocks) {
                lockKeys.add(k.bytes());
            }
            records.add(new XactRecords.Prepare(id.gid(), nowMicros, id.ownerOid(), id.databaseOid(),
                    new java.util.LinkedHashMap<>(heldRelations), lockKeys).toRecord(xid));
            ins = manager.logCommit(localId, records);
        } catch (RuntimeException e) {
            twoPhase.remove(gt);
            rollback();
            throw e;
        }
        gt.xid = xid;
        gt.preparedAtMicros = nowMicros;
        gt.ownerOid = id.ownerOid();
        gt.databaseOid = id.databaseOid();
        gt.changes = changes;
        gt.rangeDeletes = new ArrayList<>(rangeDeletes);
        gt.newRanges = new ArrayList<>(newRanges);
        gt.rowLocks = new LinkedHashSet<>(heldLocks);
        gt.relationLocks = new java.util.HashMap<>(heldRelations);
        gt.firstLsn = ins.firstLsn();
        gt.lockOwner = localId;
        // the locks now belong to the prepared transaction: this object lets go of them unreleased
        heldLocks.clear();
        heldRelations.clear();
        try {
            manager.wal().flush(ins.endLsn()); // always: a prepared transaction must survive a crash
            twoPhase.markPrepared(gt);
            if (level == SynchronousCommit.REMOTE_WRITE || level == SynchronousCommit.ON
                    || level == SynchronousCommit.REMOTE_APPLY) {
                manager.commitWaiter().waitForCommit(ins.endLsn(), level);
            }
            manager.writeGate().awaitLease(); // acknowledged only while the leader lease is held, as a commit
        } finally {
            finish();
        }
        return ins.endLsn();
    }

    /** True when this transaction wrote, created or emptied rows of a temporary relation. */
    private boolean touchedTemporary() {
        try (WriteSet.OwnEntries all = writes.entries(new byte[0], null)) { // PREPARE only: a full pass is fine
            while (all.hasNext()) {
                if (UnloggedRanges.isTemporary(all.next().getKey().bytes())) {
                    return true;
                }
            }
        }
        for (KvBulk.Range r : newRanges) {
            if (UnloggedRanges.isTemporary(r.from())) {
                return true;
            }
        }
        for (KvBulk.Range r : rangeDeletes) {
            if (UnloggedRanges.isTemporary(r.from())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void rollback() {
        if (!finished) {
            if (bulkLogged || unloggedRangeCreated) {
                undoNewRanges();
            }
            finish();
        }
    }

    /**
     * Rows of new ranges are in storage already: an ABORT record tells redo (a standby) to
     * empty the ranges, as this does here. When the WAL or storage is closed (shutdown, crash)
     * recovery empties them instead, at the end of redo.
     */
    private void undoNewRanges() {
        bulkPending.clear();
        try {
            if (bulkLogged) {
                manager.logAbort(localId, XactRecords.abort(xid,
                        TimeUnit.MILLISECONDS.toMicros(manager.clock().millis())));
            }
            for (KvBulk.Range r : newRanges) {
                manager.store().deleteRange(r.from(), r.to());
            }
        } catch (RuntimeException e) {
            // the WAL or storage was closed under us: recovery empties the ranges
        }
        manager.applied(localId);
    }

    private void finish() {
        finished = true;
        if (xid != 0 && !leftWriteGate) {
            leftWriteGate = true;
            manager.writeGate().leave();
        }
        writes.clear();
        undo.clear();
        subtransactions.clear();
        bulkPending.clear();
        newRanges.clear();
        newRangeMaxKeys.clear();
        rowsBuilder = null;
        rangeDeletes.clear();
        for (StoreSnapshot s : retiredSnapshots) {
            s.close();
        }
        retiredSnapshots.clear();
        lockedLatest.clear();
        manager.lockTable().releaseAtEnd(localId, heldLocks, heldRelations.keySet(), committedCatalogVersion);
        heldLocks.clear();
        if (spilledLocksRegistered) {
            manager.lockTable().releaseSpilled(localId);
            spilledLocksRegistered = false;
        }
        heldRelations.clear();
        closeSnapshot();
    }

    private void closeSnapshot() {
        if (snapshot != null) {
            snapshot.close();
            snapshot = null;
        }
        lastReadKey = null;
        lastRead = null;
        lastReadSnapshot = null;
    }

    private void checkActive() {
        if (finished) {
            throw new PgException(SqlState.NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress");
        }
    }

    private void checkWritable() {
        if (manager.inRecovery()) {
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION,
                    "cannot execute write operation in a read-only transaction");
        }
        if (xid == 0) {
            manager.writeGate().refuseIfPaused();
        }
    }
}
