package org.walden.txn;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.walden.common.Invariants;
import org.walden.storage.Store;
import org.walden.wal.Lsn;
import org.walden.wal.Wal;
import org.walden.wal.WalRecord;

/**
 * The {@link TransactionManager} over the {@link Store} and the {@link Wal}: owns the row-lock
 * table, the xid counter, the catalog version and the commit path.
 *
 * <p>Commit order (what makes a commit visible only once durable): the transaction's KV records
 * and its COMMIT record are inserted contiguously; the WAL is flushed as synchronous_commit asks;
 * the {@link CommitWaiter} waits for standbys; only then is the batch applied to storage
 * atomically, the catalog version bumped, and the row locks released.
 *
 * <p>{@code commitLock} guards {@code unapplied} (transactions whose records are in the WAL but
 * not yet in storage, with their first record's LSN; a transaction that wrote a fresh key range
 * stays there from its NEW_RANGE record until it ends, as its rows reach storage before its
 * commit and a crash must replay that record to undo them) and is held around the WAL insertion, so
 * that {@link #redoPoint()} sees either the insertion and its registration or neither: the
 * checkpointer's redo LSN never skips a transaction whose changes are not in storage yet.
 *
 * <p>Prepared transactions ({@link TwoPhase}) stay in {@code unapplied} from their first record
 * until COMMIT or ROLLBACK PREPARED: the redo point never passes their records, so crash
 * recovery, a restart and a standby rebuild them by replaying their KV and PREPARE records.
 */
public final class KvTransactionManager implements TransactionManager {

    /** PostgreSQL's FirstNormalTransactionId. */
    public static final int FIRST_NORMAL_XID = 3;
    /** How long a prepared transaction recovered at promotion waits for a reader's conflicting relation lock. */
    private static final long RECOVERED_LOCK_WAIT_MS = 30_000;

    private final Store store;
    private final Clock clock;
    private final RowLockTable lockTable = new RowLockTable();
    private final WriteGate writeGate = new WriteGate();
    private final CommitStats commitStats = new CommitStats();
    private final TwoPhase twoPhase = new TwoPhase();
    private final AtomicInteger nextXid;
    private final AtomicLong nextLocalId = new AtomicLong(1);
    private final AtomicLong catalogVersion = new AtomicLong(1);
    private final ReentrantLock commitLock = new ReentrantLock();
    private final Map<Long, Lsn> unapplied = new HashMap<>();
    /** Null while in recovery; set once by {@link #endRecovery}. Read by every transaction. */
    private volatile Wal wal;
    private volatile CommitWaiter commitWaiter = CommitWaiter.NONE;
    private volatile Supplier<Lsn> recoveryLsnSupplier = () -> Lsn.INVALID;

    /** A primary's manager when {@code wal} is non-null; a standby's (read-only) when null. */
    public KvTransactionManager(Store store, Wal wal, Clock clock, int nextXid) {
        this.store = store;
        this.wal = wal;
        this.clock = clock;
        this.nextXid = new AtomicInteger(Math.max(nextXid, FIRST_NORMAL_XID));
    }

    /**
     * How much heap (estimated) a transaction's write set may take before it spills to
     * base/pgsql_tmp ({@link WriteSet}): a sixth of the heap, at most 1 GB. The spilled path
     * costs two more storage reads a row (a 10M-row INSERT is 13x PostgreSQL's time), so the
     * bound keeps transactions of about a million rows in the heap (384 MB at the default
     * shared_buffers, about 300 bytes a row): at 64 MB a 1M-row INSERT ... SELECT spilled and
     * took 5.5x PostgreSQL's time instead of about 2x. The heap is sized from shared_buffers
     * (cli.ServerHeap), not from max_connections: a few such transactions fit at once.
     */
    public static final long MAX_WRITE_SET_BYTES = 1L << 30;

    static long defaultWriteSetBoundBytes() {
        return Math.min(MAX_WRITE_SET_BYTES, Runtime.getRuntime().maxMemory() / 6);
    }

    /** The bound above; tests may lower it. Read by each new transaction. */
    private volatile long writeSetBoundBytes = defaultWriteSetBoundBytes();

    /** The heap a transaction's write set may take before it spills (redo spills past it too). */
    public long writeSetBoundBytes() {
        return writeSetBoundBytes;
    }

    /** Sets the write-set bound (tests: force spills with few rows). */
    public void setWriteSetBoundBytes(long bytes) {
        this.writeSetBoundBytes = bytes;
    }

    @Override
    public Transaction begin() {
        return new KvTransaction(this, nextLocalId.getAndIncrement());
    }

    @Override
    public boolean inRecovery() {
        return wal == null;
    }

    /**
     * Recovery ended (promotion, or the end of crash recovery): transactions may write from now
     * on. The prepared transactions replayed take their row and relation locks again (no one
     * else holds any yet) and hold back the redo point from their first record.
     */
    public void endRecovery(Wal primaryWal, int newNextXid) {
        nextXid.accumulateAndGet(newNextXid, Math::max);
        for (TwoPhase.GlobalTransaction gt : twoPhase.entries()) {
            if (gt.lockOwner == 0) {
                gt.lockOwner = nextLocalId.getAndIncrement();
                for (ByteKey k : gt.rowLocks) {
                    lockTable.acquire(gt.lockOwner, k, 0);
                }
                for (Map.Entry<Integer, Integer> e : gt.relationLocks.entrySet()) {
                    for (RelationLockMode mode : RelationLockMode.values()) {
                        if ((e.getValue() & mode.bit()) != 0) {
                            takeRecoveredRelationLock(gt.lockOwner, e.getKey(), mode);
                        }
                    }
                }
                commitLock.lock();
                try {
                    unapplied.put(gt.lockOwner, gt.firstLsn);
                } finally {
                    commitLock.unlock();
                }
            }
        }
        this.wal = primaryWal;
    }

    /**
     * A recovered prepared transaction's relation lock. At promotion a hot-standby reader may hold
     * a conflicting one (LOCK TABLE in a read-only transaction): wait for it a while, and go on
     * without the lock rather than stop the promotion.
     */
    private void takeRecoveredRelationLock(long owner, int relation, RelationLockMode mode) {
        try {
            lockTable.acquireRelation(owner, relation, mode, RECOVERED_LOCK_WAIT_MS);
        } catch (org.walden.common.PgException e) {
            org.slf4j.LoggerFactory.getLogger(KvTransactionManager.class).warn(
                    "prepared transaction could not take back its {} on relation {}: {}", mode.pgName, relation,
                    e.getMessage());
        }
    }

    @Override
    public List<TwoPhase.PreparedXact> preparedTransactions() {
        return twoPhase.list();
    }

    TwoPhase twoPhase() {
        return twoPhase;
    }

    /**
     * PostgreSQL's FinishPreparedTransaction: COMMIT PREPARED applies the prepared transaction's
     * writes as a commit does (logged, flushed, waited for, applied, then the locks released);
     * ROLLBACK PREPARED logs ABORT PREPARED and empties its fresh ranges. Both wait for
     * synchronous standbys as PostgreSQL does.
     */
    @Override
    public boolean finishPrepared(String gid, boolean commit, TwoPhase.Finisher who, SynchronousCommit level) {
        if (wal == null) {
            throw new org.walden.common.PgException(org.walden.common.SqlState.READ_ONLY_SQL_TRANSACTION,
                    "cannot execute " + (commit ? "COMMIT PREPARED" : "ROLLBACK PREPARED") + " during recovery");
        }
        TwoPhase.GlobalTransaction gt = twoPhase.lockForFinish(gid, who);
        long nowMicros = java.util.concurrent.TimeUnit.MILLISECONDS.toMicros(clock.millis());
        WalRecord record = commit
                ? org.walden.wal.XactRecords.commitPrepared(gt.xid, nowMicros, level == SynchronousCommit.REMOTE_APPLY)
                : org.walden.wal.XactRecords.abortPrepared(gt.xid, nowMicros);
        Wal.Inserted ins;
        try {
            writeGate.enter();
            try {
                ins = logCommit(gt.lockOwner, List.of(record));
            } catch (RuntimeException e) {
                writeGate.leave();
                throw e;
            }
        } catch (RuntimeException e) {
            twoPhase.unlock(gt);
            throw e;
        }
        boolean catalog = commit && gt.changesCatalog();
        if (level != SynchronousCommit.OFF) {
            try {
                wal.flush(ins.endLsn());
            } catch (RuntimeException e) {
                // the WAL was closed under us (shutdown): not durable, so not applied; recovery decides
                writeGate.leave();
                throw e;
            }
        }
        try {
            if (level == SynchronousCommit.REMOTE_WRITE || level == SynchronousCommit.ON
                    || level == SynchronousCommit.REMOTE_APPLY) {
                commitWaiter.waitForCommit(ins.endLsn(), level);
            }
            if (commit) {
                writeGate.awaitLease();
            }
        } finally {
            long committedVersion = 0;
            if (commit) {
                store.apply(gt.changes, gt.rangeDeletes);
                if (catalog) {
                    bumpCatalogVersion();
                    committedVersion = catalogVersion();
                }
            } else {
                for (org.walden.wal.KvBulk.Range r : gt.newRanges) {
                    store.deleteRange(r.from(), r.to());
                }
            }
            applied(gt.lockOwner);
            twoPhase.remove(gt);
            writeGate.leave();
            lockTable.releaseAll(gt.lockOwner, gt.rowLocks);
            if (!gt.relationLocks.isEmpty()) {
                lockTable.releaseRelations(gt.lockOwner, gt.relationLocks.keySet(), committedVersion);
            }
        }
        return catalog;
    }

    // ---- redo of two-phase records (the startup process) ----

    /** The writes of a prepared transaction whose COMMIT or ABORT PREPARED is replayed. */
    public record PreparedWrites(List<org.walden.wal.KvChange> changes, List<org.walden.wal.KvBulk.Range> rangeDeletes,
                                 List<org.walden.wal.KvBulk.Range> newRanges, boolean changesCatalog) {
    }

    /** Redo of PREPARE: the transaction is shown in pg_prepared_xacts and kept for its COMMIT / ABORT PREPARED. */
    public void redoPrepare(int xid, org.walden.wal.XactRecords.Prepare info, List<org.walden.wal.KvChange> changes,
                            List<org.walden.wal.KvBulk.Range> rangeDeletes, List<org.walden.wal.KvBulk.Range> newRanges,
                            Lsn firstLsn, Lsn recordBeforeFirst) {
        TwoPhase.GlobalTransaction gt = new TwoPhase.GlobalTransaction(info.gid());
        gt.xid = xid;
        gt.preparedAtMicros = info.preparedAtMicros();
        gt.ownerOid = info.ownerOid();
        gt.databaseOid = info.databaseOid();
        gt.changes = changes;
        gt.rangeDeletes = rangeDeletes;
        gt.newRanges = newRanges;
        java.util.Set<ByteKey> keys = new java.util.LinkedHashSet<>();
        for (byte[] k : info.rowLocks()) {
            keys.add(new ByteKey(k));
        }
        gt.rowLocks = keys;
        gt.relationLocks = info.relationLocks();
        gt.firstLsn = firstLsn;
        gt.recordBeforeFirst = recordBeforeFirst;
        twoPhase.addRecovered(gt);
    }

    /** Redo of COMMIT / ABORT PREPARED: the prepared transaction's writes (null when it is unknown). */
    public PreparedWrites redoFinishPrepared(int xid) {
        TwoPhase.GlobalTransaction gt = twoPhase.removeByXid(xid);
        return gt == null ? null : new PreparedWrites(gt.changes, gt.rangeDeletes, gt.newRanges, gt.changesCatalog());
    }

    /**
     * The first record, and the record before it, of the oldest prepared transaction replayed
     * (a restartpoint's redo point must not pass it); null when none.
     */
    public Lsn[] oldestPreparedFirstRecord() {
        Lsn[] oldest = null;
        for (TwoPhase.GlobalTransaction gt : twoPhase.entries()) {
            if (oldest == null || gt.firstLsn.isBefore(oldest[0])) {
                oldest = new Lsn[] {gt.firstLsn, gt.recordBeforeFirst};
            }
        }
        return oldest;
    }

    @Override
    public long catalogVersion() {
        return catalogVersion.get();
    }

    /** Redo calls this when it replays catalog changes. */
    public void bumpCatalogVersion() {
        catalogVersion.incrementAndGet();
    }

    @Override
    public Lsn currentWalLsn() {
        Wal w = wal;
        return w != null ? w.insertPosition() : recoveryLsnSupplier.get();
    }

    /** What {@link #currentWalLsn()} reports during recovery (the replay position). */
    public void setRecoveryLsnSupplier(Supplier<Lsn> supplier) {
        this.recoveryLsnSupplier = supplier;
    }

    public void setCommitWaiter(CommitWaiter waiter) {
        this.commitWaiter = waiter == null ? CommitWaiter.NONE : waiter;
    }

    /** The writers, and the switchover's pause of new ones. */
    public CommitStats commitStats() {
        return commitStats;
    }

    public WriteGate writeGate() {
        return writeGate;
    }

    /** The xid the next writing transaction gets (checkpoints record it). */
    public int nextXid() {
        return nextXid.get();
    }

    /**
     * The checkpoint's redo LSN: the first record of the earliest transaction logged but not yet
     * applied to storage, else the WAL insert position.
     */
    public Lsn redoPoint() {
        commitLock.lock();
        try {
            Lsn redo = wal.insertPosition();
            for (Lsn first : unapplied.values()) {
                redo = Lsn.min(redo, first);
            }
            return redo;
        } finally {
            commitLock.unlock();
        }
    }

    // ---- used by KvTransaction ----

    @Override
    public long approximateBytes(byte[] fromInclusive, byte[] toExclusive) {
        return store.approximateBytes(fromInclusive, toExclusive);
    }

    @Override
    public long storageSequence() {
        return store.latestSequence();
    }

    Store store() {
        return store;
    }

    Clock clock() {
        return clock;
    }

    /** log_lock_waits and deadlock_timeout, read at each lock wait. */
    @Override
    public void setLockWaitLogging(java.util.function.BooleanSupplier logLockWaits,
                                   java.util.function.LongSupplier deadlockTimeoutMs) {
        lockTable.setLockWaitLogging(logLockWaits, deadlockTimeoutMs);
    }

    @Override
    public List<RelationLockRow> relationLockRows() {
        return lockTable.relationRows();
    }

    @Override
    public List<Integer> blockingPids(int pid) {
        return lockTable.blockingPids(pid);
    }

    RowLockTable lockTable() {
        return lockTable;
    }

    CommitWaiter commitWaiter() {
        return commitWaiter;
    }

    Wal wal() {
        return wal;
    }

    int assignXid() {
        return nextXid.getAndIncrement();
    }

    /** Inserts a transaction's records contiguously and registers it as not yet applied. */
    Wal.Inserted logCommit(long localId, List<WalRecord> records) {
        commitLock.lock();
        try {
            Wal.Inserted ins = wal.insertAll(records);
            // a transaction that logged bulk records is registered since its first one
            unapplied.putIfAbsent(localId, ins.firstLsn());
            return ins;
        } finally {
            commitLock.unlock();
        }
    }

    /**
     * Inserts a NEW_RANGE or ROWS record of a transaction still running: its changes reach
     * storage before the commit, so the transaction holds back the redo point from its first
     * such record until it ends (a crash then replays them and undoes them without a commit).
     */
    Wal.Inserted logBulk(long localId, List<WalRecord> records) {
        commitLock.lock();
        try {
            Wal.Inserted ins = wal.insertAll(records);
            unapplied.putIfAbsent(localId, ins.firstLsn());
            return ins;
        } finally {
            commitLock.unlock();
        }
    }

    /** Inserts the ABORT record of a transaction that logged bulk records. */
    void logAbort(long localId, WalRecord abort) {
        commitLock.lock();
        try {
            wal.insertAll(List.of(abort));
        } finally {
            commitLock.unlock();
        }
    }

    /** The transaction's batch is in storage: it no longer holds back the redo point. */
    void applied(long localId) {
        commitLock.lock();
        try {
            unapplied.remove(localId);
        } finally {
            commitLock.unlock();
        }
    }
}
