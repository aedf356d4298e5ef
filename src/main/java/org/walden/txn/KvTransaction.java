package org.walden.txn;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.storage.StoreSnapshot;
import org.walden.wal.KvBulk;
import org.walden.wal.KvChange;
import org.walden.wal.Lsn;
import org.walden.wal.Wal;
import org.walden.wal.WalRecord;
import org.walden.wal.XactRecords;

/**
 * One READ COMMITTED transaction (see {@link Transaction}): a statement snapshot, a private
 * write set laid over it, and the row and relation locks it holds. Used by one thread.
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
    /** Rows of fresh ranges are logged and applied in batches of about this size (one ROWS record each). */
    static final int BULK_BATCH_BYTES = 1024 * 1024;

    private final KvTransactionManager manager;
    private final long localId;
    private final NavigableMap<ByteKey, byte[]> writes = new TreeMap<>();
    private final Set<ByteKey> heldLocks = new LinkedHashSet<>();
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
    /** One ROWS record's payload at a time, reused. */
    private KvBulk.RowsBuilder rowsBuilder;
    /** Ranges emptied at commit ({@link #deleteRange}). */
    private final List<KvBulk.Range> rangeDeletes = new ArrayList<>(2);
    /** Rows of new ranges not yet logged and applied (DELETED for a delete); at most about BULK_BATCH_BYTES. */
    private final Map<ByteKey, byte[]> bulkPending = new java.util.HashMap<>();
    private long bulkPendingBytes;
    /** True once a NEW_RANGE or ROWS record of this transaction is in the WAL (its storage effects need undoing on abort). */
    private boolean bulkLogged;
    /** Statement snapshots replaced mid-statement (a scan of a new range): closed when the transaction ends. */
    private final List<StoreSnapshot> retiredSnapshots = new ArrayList<>(0);
    /** Relation locks held: relation OID to true when exclusive. */
    private final Map<Integer, Boolean> heldRelations = new java.util.HashMap<>(4);
    /** The catalog version when the current statement's snapshot was taken. */
    private long statementCatalogVersion;
    /** The catalog version after this transaction's commit changed the catalog (0 otherwise). */
    private long committedCatalogVersion;
    private StoreSnapshot snapshot;
    private int xid;
    private boolean finished;

    KvTransaction(KvTransactionManager manager, long localId) {
        this.manager = manager;
        this.localId = localId;
        this.statementCatalogVersion = manager.catalogVersion();
    }

    @Override
    public int xid() {
        return xid;
    }

    @Override
    public void newStatementSnapshot() {
        checkActive();
        closeSnapshot();
        statementCatalogVersion = manager.catalogVersion();
        snapshot = manager.store().snapshot();
    }

    @Override
    public boolean lockRelation(int relationOid, boolean exclusive, long timeoutMs) {
        checkActive();
        Boolean held = heldRelations.get(relationOid);
        if (held != null && (held || !exclusive)) {
            return false;
        }
        long changedAt = manager.lockTable().acquireRelation(localId, relationOid, exclusive, timeoutMs);
        heldRelations.put(relationOid, exclusive);
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
        return manager.store().get(snapshot(), key);
    }

    @Override
    public KvCursor scan(byte[] fromInclusive, byte[] toExclusive) {
        checkActive();
        if (overlapsNewRange(fromInclusive, toExclusive)) {
            // this transaction's rows there are in storage only once flushed, and after the snapshot
            flushBulk();
            if (snapshot != null) {
                retiredSnapshots.add(snapshot);
            }
            snapshot = manager.store().snapshot();
        }
        ByteKey from = new ByteKey(fromInclusive);
        Map<ByteKey, byte[]> own = toExclusive == null ? writes.tailMap(from, true)
                : writes.subMap(from, true, new ByteKey(toExclusive), false);
        // a copy: rows this statement writes while scanning are not seen again (Halloween problem)
        List<Map.Entry<ByteKey, byte[]>> ownCopy = new ArrayList<>(own.size());
        for (Map.Entry<ByteKey, byte[]> e : own.entrySet()) {
            ownCopy.add(Map.entry(e.getKey(), e.getValue()));
        }
        return new MergingCursor(manager.store().scan(snapshot(), fromInclusive, toExclusive), ownCopy, DELETED);
    }

    @Override
    public byte[] lockForUpdate(byte[] key, long timeoutMs) {
        checkActive();
        checkWritable();
        if (inNewRange(key)) {
            return latestInNewRange(key); // no one else can write there: no lock
        }
        ByteKey k = new ByteKey(key);
        manager.lockTable().acquire(localId, k, timeoutMs);
        heldLocks.add(k);
        byte[] own = writes.get(k);
        if (own != null) {
            return own == DELETED ? null : own;
        }
        byte[] latest = lockedLatest.get(k);
        if (latest == null) {
            latest = manager.store().getLatest(key);
            lockedLatest.put(k, latest == null ? DELETED : latest);
        }
        return latest == DELETED ? null : latest;
    }

    @Override
    public void put(byte[] key, byte[] value) {
        write(key, value.clone());
    }

    @Override
    public void delete(byte[] key) {
        write(key, DELETED);
    }

    private void write(byte[] key, byte[] value) {
        checkActive();
        checkWritable();
        if (inNewRange(key)) {
            writeBulk(new ByteKey(key.clone()), value);
            return;
        }
        ByteKey k = new ByteKey(key.clone());
        if (!heldLocks.contains(k)) {
            manager.lockTable().acquire(localId, k, IMPLICIT_LOCK_WAIT_MS);
            heldLocks.add(k);
        }
        assignXidIfNone();
        writes.put(k, value);
    }

    private void assignXidIfNone() {
        if (xid == 0) {
            xid = manager.assignXid();
        }
    }

    @Override
    public void createRange(byte[] fromInclusive, byte[] toExclusive) {
        checkActive();
        checkWritable();
        KvBulk.Range r = new KvBulk.Range(fromInclusive.clone(), toExclusive.clone());
        assignXidIfNone();
        // logged first: from here the redo point stays at or before this record until the
        // transaction ends, so a crash replays it and the end of recovery empties the range again
        manager.logBulk(localId, KvBulk.newRange(xid, r.from(), r.to()));
        bulkLogged = true;
        // whatever a crashed, uncommitted transaction left there goes (a fresh OID can be reused after a crash)
        manager.store().deleteRange(r.from(), r.to());
        ownWritesIn(r).clear();
        newRanges.add(r);
        newRangeMaxKeys.add(null);
    }

    @Override
    public void deleteRange(byte[] fromInclusive, byte[] toExclusive) {
        checkActive();
        checkWritable();
        KvBulk.Range r = new KvBulk.Range(fromInclusive.clone(), toExclusive.clone());
        assignXidIfNone();
        ownWritesIn(r).clear();
        bulkPending.keySet().removeIf(k -> inRange(k.bytes(), r));
        rangeDeletes.add(r);
    }

    private Map<ByteKey, byte[]> ownWritesIn(KvBulk.Range r) {
        return writes.subMap(new ByteKey(r.from()), true, new ByteKey(r.to()), false);
    }

    private static boolean inRange(byte[] key, KvBulk.Range r) {
        return java.util.Arrays.compareUnsigned(key, r.from()) >= 0 && java.util.Arrays.compareUnsigned(key, r.to()) < 0;
    }

    private boolean inNewRange(byte[] key) {
        return newRangeIndex(key) >= 0;
    }

    private int newRangeIndex(byte[] key) {
        for (int i = 0; i < newRanges.size(); i++) {
            if (inRange(key, newRanges.get(i))) {
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
        byte[] pending = bulkPending.get(new ByteKey(key));
        if (pending != null) {
            return pending == DELETED ? null : pending;
        }
        byte[] max = newRangeMaxKeys.get(newRangeIndex(key));
        if (max == null || java.util.Arrays.compareUnsigned(key, max) > 0) {
            return null;
        }
        return manager.store().getLatest(key);
    }

    private void writeBulk(ByteKey k, byte[] value) {
        assignXidIfNone();
        int range = newRangeIndex(k.bytes());
        byte[] max = newRangeMaxKeys.get(range);
        if (max == null || java.util.Arrays.compareUnsigned(k.bytes(), max) > 0) {
            newRangeMaxKeys.set(range, k.bytes());
        }
        byte[] previous = bulkPending.put(k, value);
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
        if (rowsBuilder == null) {
            rowsBuilder = new KvBulk.RowsBuilder(BULK_BATCH_BYTES + BULK_BATCH_BYTES / 4);
        }
        KvBulk.RowsBuilder rows = rowsBuilder;
        rows.reset();
        for (Map.Entry<ByteKey, byte[]> e : bulkPending.entrySet()) {
            rows.add(e.getKey().bytes(), e.getValue() == DELETED ? null : e.getValue());
        }
        bulkPending.clear();
        bulkPendingBytes = 0;
        WalRecord record = rows.toRecord(xid);
        manager.logBulk(localId, record);
        manager.store().applyRows(record);
    }

    @Override
    public boolean hasWrites() {
        return !writes.isEmpty() || bulkLogged || !rangeDeletes.isEmpty();
    }

    @Override
    public Lsn commit(SynchronousCommit level) {
        checkActive();
        if (!hasWrites()) {
            finish();
            return Lsn.INVALID;
        }
        try {
            flushBulk();
        } catch (RuntimeException e) {
            rollback();
            throw e;
        }
        List<KvChange> changes = new ArrayList<>(writes.size());
        List<WalRecord> records = new ArrayList<>(writes.size() + rangeDeletes.size() + 1);
        boolean catalog = false;
        for (KvBulk.Range r : rangeDeletes) {
            records.add(KvBulk.deleteRange(xid, r.from(), r.to()));
        }
        for (Map.Entry<ByteKey, byte[]> w : writes.entrySet()) {
            byte[] key = w.getKey().bytes();
            // we hold the row lock: the latest committed value is the before-image
            byte[] before = lockedLatest.get(w.getKey());
            if (before == null) {
                before = manager.store().getLatest(key);
            } else if (before == DELETED) {
                before = null;
            }
            KvChange c = new KvChange(key, w.getValue() == DELETED ? null : w.getValue(), before);
            changes.add(c);
            records.add(c.toRecord(xid));
            catalog |= key.length > 0 && key[0] == CATALOG_KEYSPACE;
        }
        long nowMicros = TimeUnit.MILLISECONDS.toMicros(manager.clock().millis());
        records.add(XactRecords.commit(xid, nowMicros));
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
        try {
            if (level == SynchronousCommit.REMOTE_WRITE || level == SynchronousCommit.ON
                    || level == SynchronousCommit.REMOTE_APPLY) {
                manager.commitWaiter().waitForCommit(ins.endLsn(), level);
            }
        } finally {
            manager.store().apply(changes, rangeDeletes);
            if (catalog) {
                manager.bumpCatalogVersion();
                committedCatalogVersion = manager.catalogVersion();
            }
            manager.applied(localId);
            finish();
        }
        return ins.endLsn();
    }

    @Override
    public void rollback() {
        if (!finished) {
            if (bulkLogged) {
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
            manager.logAbort(localId, XactRecords.abort(xid));
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
        writes.clear();
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
        manager.lockTable().releaseAll(localId, heldLocks);
        heldLocks.clear();
        if (!heldRelations.isEmpty()) {
            manager.lockTable().releaseRelations(localId, heldRelations.keySet(), committedCatalogVersion);
            heldRelations.clear();
        }
        closeSnapshot();
    }

    private void closeSnapshot() {
        if (snapshot != null) {
            snapshot.close();
            snapshot = null;
        }
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
    }
}
