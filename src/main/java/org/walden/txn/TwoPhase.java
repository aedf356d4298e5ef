package org.walden.txn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.KvBulk;
import org.walden.wal.KvChange;
import org.walden.wal.Lsn;

/**
 * The prepared transactions (PostgreSQL's twophase.c and its TwoPhaseState array), by global
 * transaction id. An entry is created by PREPARE TRANSACTION ({@link KvTransaction#prepare}),
 * or by redo of a PREPARE record (crash recovery, a standby), and ends with COMMIT PREPARED or
 * ROLLBACK PREPARED ({@link KvTransactionManager#finishPrepared}) or their redo.
 *
 * <p>An entry owns what the transaction left behind when its session let go of it: its row
 * changes with their before-images (applied to storage at COMMIT PREPARED, as a commit applies
 * them), the ranges it empties at commit, the fresh ranges whose rows are in storage already
 * (emptied again at ROLLBACK PREPARED), and its row and relation locks, held under
 * {@code lockOwner} (the local id of the transaction that prepared it, or a fresh one given
 * when recovery ends) so that others' writes of those rows wait until it is finished.
 *
 * <p>Lifecycle of an entry: reserved (the gid taken while PREPARE is being logged: not shown,
 * {@code busy}) → prepared (shown in pg_prepared_xacts) → busy (a session is finishing it) →
 * gone. A failed PREPARE releases the reservation; a failed finish makes it prepared again.
 *
 * <p>{@code lock} guards the map and each entry's {@code valid} and {@code busy}; the other
 * fields are written before the entry becomes valid and read by the one session that holds it busy.
 */
public final class TwoPhase {

    /** One row of pg_prepared_xacts. */
    public record PreparedXact(int xid, String gid, long preparedAtMicros, int ownerOid, int databaseOid) {
    }

    /** Who prepares a transaction, and where. */
    public record Identity(String gid, int ownerOid, int databaseOid) {
    }

    /** Who is finishing one (PostgreSQL's LockGXact checks). */
    public record Finisher(int userOid, boolean superuser, int databaseOid) {
    }

    /** One prepared transaction (PostgreSQL's GlobalTransactionData). */
    static final class GlobalTransaction {
        final String gid;
        int xid;
        long preparedAtMicros;
        int ownerOid;
        int databaseOid;
        List<KvChange> changes = List.of();
        List<KvBulk.Range> rangeDeletes = List.of();
        List<KvBulk.Range> newRanges = List.of();
        Set<ByteKey> rowLocks = Set.of();
        /** Relation OID to the mask of the lock modes held ({@link RelationLockMode#bit()}). */
        Map<Integer, Integer> relationLocks = Map.of();
        /** The transaction's first WAL record and the record before it (redo must start there). */
        Lsn firstLsn = Lsn.INVALID;
        Lsn recordBeforeFirst = Lsn.INVALID;
        /** Holds the locks in the lock table; 0 while in recovery (no locks are taken there). */
        long lockOwner;
        boolean valid;
        boolean busy;

        GlobalTransaction(String gid) {
            this.gid = gid;
        }

        PreparedXact row() {
            return new PreparedXact(xid, gid, preparedAtMicros, ownerOid, databaseOid);
        }

        boolean changesCatalog() {
            for (KvChange c : changes) {
                if (c.key().length > 0 && c.key()[0] == Transaction.CATALOG_KEYSPACE) {
                    return true;
                }
            }
            return false;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, GlobalTransaction> byGid = new LinkedHashMap<>();

    /**
     * PostgreSQL's MarkAsPreparing: takes {@code gid} for a transaction being prepared; 42710 when
     * it is in use, 53200 when {@code maxPrepared} transactions are prepared already.
     */
    GlobalTransaction reserve(String gid, int maxPrepared) {
        lock.lock();
        try {
            if (byGid.containsKey(gid)) {
                throw new PgException(SqlState.DUPLICATE_OBJECT, "transaction identifier \"" + gid + "\" is already in use");
            }
            if (byGid.size() >= maxPrepared) {
                throw new PgException(SqlState.OUT_OF_MEMORY, "maximum number of prepared transactions reached")
                        .withHint("Increase max_prepared_transactions (currently " + maxPrepared + ").");
            }
            GlobalTransaction gt = new GlobalTransaction(gid);
            gt.busy = true;
            byGid.put(gid, gt);
            return gt;
        } finally {
            lock.unlock();
        }
    }

    /** The transaction is prepared (its PREPARE record durable): shown, and finishable. */
    void markPrepared(GlobalTransaction gt) {
        lock.lock();
        try {
            gt.valid = true;
            gt.busy = false;
        } finally {
            lock.unlock();
        }
    }

    /** A PREPARE that failed, or a finished transaction: the gid is free again. */
    void remove(GlobalTransaction gt) {
        lock.lock();
        try {
            byGid.remove(gt.gid, gt);
        } finally {
            lock.unlock();
        }
    }

    /** A COMMIT / ROLLBACK PREPARED that failed before its record was logged: finishable again. */
    void unlock(GlobalTransaction gt) {
        lock.lock();
        try {
            gt.busy = false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * PostgreSQL's LockGXact: the prepared transaction {@code gid}, marked busy for the caller,
     * after PostgreSQL's checks in its order (42704, 55000 busy, 42501, 55000 other database).
     */
    GlobalTransaction lockForFinish(String gid, Finisher who) {
        lock.lock();
        try {
            GlobalTransaction gt = byGid.get(gid);
            if (gt == null || !gt.valid) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "prepared transaction with identifier \""
                        + gid + "\" does not exist");
            }
            if (gt.busy) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "prepared transaction with identifier \"" + gid + "\" is busy");
            }
            if (who.userOid() != gt.ownerOid && !who.superuser()) {
                throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to finish prepared transaction")
                        .withHint("Must be superuser or the user that prepared the transaction.");
            }
            if (who.databaseOid() != gt.databaseOid) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "prepared transaction belongs to another database")
                        .withHint("Connect to the database where the transaction was prepared to finish it.");
            }
            gt.busy = true;
            return gt;
        } finally {
            lock.unlock();
        }
    }

    /** pg_prepared_xacts: the prepared transactions, in the order they were prepared. */
    public List<PreparedXact> list() {
        lock.lock();
        try {
            List<PreparedXact> out = new ArrayList<>(byGid.size());
            for (GlobalTransaction gt : byGid.values()) {
                if (gt.valid) {
                    out.add(gt.row());
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** How many transactions are prepared (or being prepared). */
    public int count() {
        lock.lock();
        try {
            return byGid.size();
        } finally {
            lock.unlock();
        }
    }

    /** Every entry (recovery's adoption and redo point). */
    List<GlobalTransaction> entries() {
        lock.lock();
        try {
            return new ArrayList<>(byGid.values());
        } finally {
            lock.unlock();
        }
    }

    /** Redo: the entry of the prepared transaction {@code xid}, taken out of the table; null when none. */
    GlobalTransaction removeByXid(int xid) {
        lock.lock();
        try {
            for (GlobalTransaction gt : byGid.values()) {
                if (gt.xid == xid) {
                    byGid.remove(gt.gid);
                    return gt;
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Redo: a replayed PREPARE (one left over with the same gid, which cannot happen on a sane WAL, is replaced). */
    void addRecovered(GlobalTransaction gt) {
        lock.lock();
        try {
            gt.valid = true;
            gt.busy = false;
            byGid.put(gt.gid, gt);
        } finally {
            lock.unlock();
        }
    }
}
