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
import org.walden.wal.KvChange;
import org.walden.wal.Lsn;
import org.walden.wal.Wal;
import org.walden.wal.WalRecord;
import org.walden.wal.XactRecords;

/**
 * One READ COMMITTED transaction (see {@link Transaction}): a statement snapshot, a private
 * write set laid over it, and the row locks it holds. Used by one thread.
 */
final class KvTransaction implements Transaction {

    /** Marks a deleted row in the write set (compared by identity). */
    private static final byte[] DELETED = new byte[0];
    /** How long a write waits for a row lock its caller did not take first. */
    private static final long IMPLICIT_LOCK_WAIT_MS = 60_000;

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
    private StoreSnapshot snapshot;
    private int xid;
    private boolean finished;

    KvTransaction(KvTransactionManager manager, long localId) {
        this.manager = manager;
        this.localId = localId;
    }

    @Override
    public int xid() {
        return xid;
    }

    @Override
    public void newStatementSnapshot() {
        checkActive();
        closeSnapshot();
        snapshot = manager.store().snapshot();
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
        byte[] own = writes.get(new ByteKey(key));
        if (own != null) {
            return own == DELETED ? null : own;
        }
        return manager.store().get(snapshot(), key);
    }

    @Override
    public KvCursor scan(byte[] fromInclusive, byte[] toExclusive) {
        checkActive();
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
        ByteKey k = new ByteKey(key.clone());
        if (!heldLocks.contains(k)) {
            manager.lockTable().acquire(localId, k, IMPLICIT_LOCK_WAIT_MS);
            heldLocks.add(k);
        }
        if (xid == 0) {
            xid = manager.assignXid();
        }
        writes.put(k, value);
    }

    @Override
    public boolean hasWrites() {
        return !writes.isEmpty();
    }

    @Override
    public Lsn commit(SynchronousCommit level) {
        checkActive();
        if (writes.isEmpty()) {
            finish();
            return Lsn.INVALID;
        }
        List<KvChange> changes = new ArrayList<>(writes.size());
        List<WalRecord> records = new ArrayList<>(writes.size() + 1);
        boolean catalog = false;
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
            finish(); // nothing was logged: as a rollback
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
            manager.store().apply(changes);
            if (catalog) {
                manager.bumpCatalogVersion();
            }
            manager.applied(localId);
            finish();
        }
        return ins.endLsn();
    }

    @Override
    public void rollback() {
        if (!finished) {
            finish();
        }
    }

    private void finish() {
        finished = true;
        writes.clear();
        lockedLatest.clear();
        manager.lockTable().releaseAll(localId, heldLocks);
        heldLocks.clear();
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
