package org.walden.sql.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.txn.KvCursor;
import org.walden.txn.SynchronousCommit;
import org.walden.txn.Transaction;
import org.walden.txn.TransactionManager;
import org.walden.wal.Lsn;

/**
 * An in-memory TransactionManager for the SQL layer's tests: multi-version committed data
 * (each commit gets a sequence number; a statement snapshot sees commits up to the number
 * current when it was taken), private write sets laid over the snapshot, and row locks held
 * to commit/rollback with timed waits. Catalog-keyspace commits bump catalogVersion.
 */
public final class MemoryTransactionManager implements TransactionManager {

    private record Version(long seq, byte[] value) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition lockReleased = lock.newCondition();
    /** Guarded by lock. */
    private final TreeMap<byte[], List<Version>> data = new TreeMap<>(Arrays::compareUnsigned);
    /** Guarded by lock: row key (hex) → owner. */
    private final Map<String, Txn> rowLocks = new HashMap<>();
    private long commitSeq;
    private volatile long catalogVersion;
    private volatile boolean inRecovery;
    private final AtomicInteger nextXid = new AtomicInteger(1000);
    private long walBytes = 0x3000000L;
    /** Commits seen, with the synchronous_commit level each asked for. */
    public final List<SynchronousCommit> commitLevels = java.util.Collections.synchronizedList(new ArrayList<>());

    public void setInRecovery(boolean recovery) {
        this.inRecovery = recovery;
    }

    @Override
    public Transaction begin() {
        return new Txn();
    }

    @Override
    public boolean inRecovery() {
        return inRecovery;
    }

    @Override
    public long catalogVersion() {
        return catalogVersion;
    }

    @Override
    public Lsn currentWalLsn() {
        lock.lock();
        try {
            return new Lsn(walBytes);
        } finally {
            lock.unlock();
        }
    }

    private static String hex(byte[] key) {
        return java.util.HexFormat.of().formatHex(key);
    }

    private final class Txn implements Transaction {
        private final TreeMap<byte[], byte[]> writes = new TreeMap<>(Arrays::compareUnsigned);
        private final List<String> held = new ArrayList<>();
        private long snapshot = -1;
        private int xid;
        private boolean done;
        private static final byte[] TOMBSTONE = new byte[0];

        @Override
        public int xid() {
            return xid;
        }

        @Override
        public int assignXid() {
            if (xid == 0) {
                xid = nextXid.getAndIncrement();
            }
            return xid;
        }

        /** Per open subtransaction, a copy of the write set when it began (tests write little). */
        private final List<TreeMap<byte[], byte[]>> subtransactions = new ArrayList<>();
        private boolean transactionSnapshot;

        @Override
        public void useTransactionSnapshot() {
            transactionSnapshot = true;
        }

        @Override
        public boolean usesTransactionSnapshot() {
            return transactionSnapshot;
        }

        @Override
        public int beginSubtransaction() {
            TreeMap<byte[], byte[]> copy = new TreeMap<>(Arrays::compareUnsigned);
            copy.putAll(writes);
            subtransactions.add(copy);
            return subtransactions.size();
        }

        @Override
        public void rollbackToSubtransaction(int depth) {
            writes.clear();
            writes.putAll(subtransactions.get(depth - 1));
            subtransactions.subList(depth, subtransactions.size()).clear();
        }

        @Override
        public void releaseSubtransaction(int depth) {
            subtransactions.subList(depth - 1, subtransactions.size()).clear();
        }

        @Override
        public void newStatementSnapshot() {
            if (transactionSnapshot && snapshot >= 0) {
                return;
            }
            lock.lock();
            try {
                snapshot = commitSeq;
            } finally {
                lock.unlock();
            }
        }

        private byte[] committedAt(byte[] key, long seq) {
            List<Version> versions = data.get(key);
            if (versions == null) {
                return null;
            }
            byte[] v = null;
            for (Version ver : versions) {
                if (ver.seq <= seq) {
                    v = ver.value;
                }
            }
            return v;
        }

        @Override
        public byte[] get(byte[] key) {
            byte[] own = writes.get(key);
            if (own != null) {
                return own == TOMBSTONE ? null : own.clone();
            }
            lock.lock();
            try {
                byte[] v = committedAt(key, snapshot < 0 ? commitSeq : snapshot);
                return v == null ? null : v.clone();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public KvCursor scan(byte[] from, byte[] to) {
            TreeMap<byte[], byte[]> view = new TreeMap<>(Arrays::compareUnsigned);
            lock.lock();
            try {
                long seq = snapshot < 0 ? commitSeq : snapshot;
                for (Map.Entry<byte[], List<Version>> e : data.subMap(from, true, to, false).entrySet()) {
                    byte[] v = committedAt(e.getKey(), seq);
                    if (v != null) {
                        view.put(e.getKey(), v);
                    }
                }
            } finally {
                lock.unlock();
            }
            for (Map.Entry<byte[], byte[]> e : writes.subMap(from, true, to, false).entrySet()) {
                if (e.getValue() == TOMBSTONE) {
                    view.remove(e.getKey());
                } else {
                    view.put(e.getKey(), e.getValue());
                }
            }
            List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>(view.entrySet());
            return new KvCursor() {
                int i = -1;

                @Override
                public boolean next() {
                    return ++i < entries.size();
                }

                @Override
                public byte[] key() {
                    return entries.get(i).getKey().clone();
                }

                @Override
                public byte[] value() {
                    return entries.get(i).getValue().clone();
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public byte[] lockForUpdate(byte[] key, long timeoutMs) {
            String k = hex(key);
            lock.lock();
            try {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
                while (true) {
                    Txn owner = rowLocks.get(k);
                    if (owner == null || owner == this) {
                        if (owner == null) {
                            rowLocks.put(k, this);
                            held.add(k);
                        }
                        break;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new PgException(SqlState.LOCK_NOT_AVAILABLE, "could not obtain lock on row");
                    }
                    lockReleased.awaitNanos(left);
                }
                byte[] own = writes.get(key);
                if (own != null) {
                    return own == TOMBSTONE ? null : own.clone();
                }
                byte[] latest = committedAt(key, commitSeq);
                return latest == null ? null : latest.clone();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgException(SqlState.QUERY_CANCELED, "interrupted");
            } finally {
                lock.unlock();
            }
        }

        private final List<byte[][]> newRanges = new ArrayList<>();

        private boolean inNewRange(byte[] key) {
            for (byte[][] r : newRanges) {
                if (Arrays.compareUnsigned(key, r[0]) >= 0 && Arrays.compareUnsigned(key, r[1]) < 0) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean lockRelation(int relationOid, org.walden.txn.RelationLockMode mode, long timeoutMs) {
            return false; // sessions over this manager do not run DDL and DML on one table concurrently
        }

        @Override
        public void createRange(byte[] from, byte[] to) {
            checkWrite(null);
            newRanges.add(new byte[][] {from.clone(), to.clone()});
        }

        @Override
        public void deleteRange(byte[] from, byte[] to) {
            checkWrite(null);
            lock.lock();
            try {
                for (byte[] key : data.subMap(from, true, to, false).keySet()) {
                    if (committedAt(key, commitSeq) != null) {
                        writes.put(key.clone(), TOMBSTONE);
                    }
                }
            } finally {
                lock.unlock();
            }
            for (Map.Entry<byte[], byte[]> e : writes.subMap(from, true, to, false).entrySet()) {
                e.setValue(TOMBSTONE);
            }
        }

        private void checkWrite(byte[] key) {
            if (inRecovery) {
                throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION, "cannot write in a read-only transaction");
            }
            lock.lock();
            try {
                if (key != null && !inNewRange(key)) {
                    String k = hex(key);
                    Txn holder = rowLocks.putIfAbsent(k, this); // taken implicitly, as KvTransaction does
                    if (holder == null) {
                        held.add(k);
                    } else if (holder != this) {
                        throw new AssertionError("write of a row another transaction has locked");
                    }
                }
            } finally {
                lock.unlock();
            }
            if (xid == 0) {
                xid = nextXid.getAndIncrement();
            }
        }

        @Override
        public void put(byte[] key, byte[] value) {
            checkWrite(key);
            writes.put(key.clone(), value.clone());
        }

        @Override
        public void delete(byte[] key) {
            checkWrite(key);
            writes.put(key.clone(), TOMBSTONE);
        }

        @Override
        public boolean hasWrites() {
            return !writes.isEmpty();
        }

        @Override
        public Lsn commit(SynchronousCommit level) {
            if (done) {
                return Lsn.INVALID;
            }
            commitLevels.add(level);
            lock.lock();
            try {
                done = true;
                if (writes.isEmpty()) {
                    releaseLocks();
                    return Lsn.INVALID;
                }
                long seq = ++commitSeq;
                boolean catalog = false;
                for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
                    byte[] v = e.getValue() == TOMBSTONE ? null : e.getValue();
                    data.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(new Version(seq, v));
                    catalog |= e.getKey()[0] == CATALOG_KEYSPACE;
                    walBytes += 64 + e.getKey().length + (v == null ? 0 : v.length);
                }
                if (catalog) {
                    catalogVersion++;
                }
                releaseLocks();
                return new Lsn(walBytes);
            } finally {
                lock.unlock();
            }
        }

        private void releaseLocks() {
            for (String k : held) {
                rowLocks.remove(k);
            }
            held.clear();
            lockReleased.signalAll();
        }

        @Override
        public void rollback() {
            lock.lock();
            try {
                done = true;
                writes.clear();
                releaseLocks();
            } finally {
                lock.unlock();
            }
        }
    }
}
