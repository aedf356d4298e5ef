package org.walden.recovery;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.walden.common.Invariants;
import org.walden.storage.Store;
import org.walden.txn.KvTransactionManager;
import org.walden.txn.Transaction;
import org.walden.wal.CheckPoint;
import org.walden.wal.KvBulk;
import org.walden.wal.KvChange;
import org.walden.wal.Lsn;
import org.walden.wal.RmgrId;
import org.walden.wal.WalRecord;
import org.walden.wal.XactRecords;

/**
 * The resource-manager table (PostgreSQL's RmgrTable): one redo function per resource manager,
 * and the redo state they share. KV changes are buffered per xid and applied to storage
 * atomically when their COMMIT is replayed (puts and deletes of whole rows: idempotent);
 * ABORT, or the end of WAL without a commit, drops them. Rows of fresh key ranges (KV
 * NEW_RANGE and ROWS, see {@link KvBulk}) are applied at once, as on the primary; ABORT or the
 * end of recovery empties those ranges again, and DELETE_RANGE records apply with the COMMIT.
 *
 * <p>Used by one thread (the startup process); {@link Startup} guards reads from other threads
 * (restartpoints) with its replay lock.
 */
public final class RmgrTable {

    /** One resource manager's redo function. */
    @FunctionalInterface
    public interface RedoFunction {
        void redo(WalRecord record);
    }

    /**
     * A transaction replayed but not yet committed: its row changes (applied at COMMIT), the
     * ranges it empties at COMMIT, and the fresh ranges whose rows were applied at once (emptied
     * again at ABORT or at the end of recovery).
     */
    private record PendingXact(Lsn firstLsn, List<KvChange> changes, List<KvBulk.Range> rangeDeletes,
                               List<KvBulk.Range> newRanges) {
        PendingXact(Lsn firstLsn) {
            this(firstLsn, new ArrayList<>(), new ArrayList<>(0), new ArrayList<>(0));
        }
    }

    private final Store store;
    private final KvTransactionManager transactions;
    private final EnumMap<RmgrId, RedoFunction> table = new EnumMap<>(RmgrId.class);
    private final Map<Integer, PendingXact> pending = new LinkedHashMap<>();
    private int maxXidSeen;
    private long lastCommitTimeMicros;
    private BiConsumer<Lsn, Lsn> backupEndListener = (start, end) -> { };

    public RmgrTable(Store store, KvTransactionManager transactions) {
        this.store = store;
        this.transactions = transactions;
        table.put(RmgrId.XLOG, this::xlogRedo);
        table.put(RmgrId.XACT, this::xactRedo);
        table.put(RmgrId.KV, this::kvRedo);
        Invariants.check(table.size() == RmgrId.values().length, "every resource manager has a redo function");
    }

    /** Called with (backup start, end of the BACKUP_END record) when a backup end is replayed. */
    public void setBackupEndListener(BiConsumer<Lsn, Lsn> listener) {
        this.backupEndListener = listener;
    }

    public void redo(WalRecord record) {
        if (record.xid() != 0 && Integer.compareUnsigned(record.xid(), maxXidSeen) > 0) {
            maxXidSeen = record.xid();
        }
        table.get(record.rmgr()).redo(record);
    }

    private void xlogRedo(WalRecord r) {
        if (CheckPoint.isCheckPoint(r)) {
            int next = CheckPoint.decode(r.payload()).nextXid();
            if (Integer.compareUnsigned(next - 1, maxXidSeen) > 0) {
                maxXidSeen = next - 1;
            }
        } else if (r.info() == RmgrId.XLOG_BACKUP_END) {
            backupEndListener.accept(XactRecords.backupEndStart(r), r.nextLsn());
        }
        // SWITCH and NOOP change nothing in storage
    }

    private void xactRedo(WalRecord r) {
        PendingXact p = pending.remove(r.xid());
        if (r.info() != RmgrId.XACT_COMMIT) {
            if (p != null) {
                emptyNewRanges(p); // ABORT: drop the buffered changes, empty the fresh ranges
            }
            return;
        }
        lastCommitTimeMicros = XactRecords.commitTimeMicros(r);
        if (p == null) {
            return;
        }
        store.apply(p.changes(), p.rangeDeletes());
        for (KvChange c : p.changes()) {
            if (c.key().length > 0 && c.key()[0] == Transaction.CATALOG_KEYSPACE) {
                transactions.bumpCatalogVersion();
                break;
            }
        }
    }

    private void kvRedo(WalRecord r) {
        PendingXact p = pending.computeIfAbsent(r.xid(), x -> new PendingXact(r.lsn()));
        switch (r.info()) {
            case RmgrId.KV_NEW_RANGE -> {
                KvBulk.Range range = KvBulk.decodeRange(r);
                // a transaction that never ended (its primary crashed) no longer owns the range
                for (PendingXact other : pending.values()) {
                    other.newRanges().removeIf(o -> java.util.Arrays.equals(o.from(), range.from()));
                }
                store.deleteRange(range.from(), range.to());
                p.newRanges().add(range);
            }
            case RmgrId.KV_ROWS -> store.applyRows(r);
            case RmgrId.KV_DELETE_RANGE -> p.rangeDeletes().add(KvBulk.decodeRange(r));
            default -> p.changes().add(KvChange.decode(r));
        }
    }

    private void emptyNewRanges(PendingXact p) {
        for (KvBulk.Range range : p.newRanges()) {
            store.deleteRange(range.from(), range.to());
        }
    }

    /** The first record of the oldest transaction replayed but not yet committed, or null. */
    public Lsn oldestPendingLsn() {
        Lsn oldest = null;
        for (PendingXact p : pending.values()) {
            oldest = oldest == null ? p.firstLsn() : Lsn.min(oldest, p.firstLsn());
        }
        return oldest;
    }

    /** Transactions whose records were replayed without a commit (dropped at the end of redo). */
    public int pendingCount() {
        return pending.size();
    }

    public void dropPending() {
        for (PendingXact p : pending.values()) {
            emptyNewRanges(p);
        }
        pending.clear();
    }

    /** The xid after the highest seen in replay (or in a checkpoint record). */
    public int nextXidAfterReplay() {
        return maxXidSeen + 1;
    }

    /** pg_last_xact_replay_timestamp, in microseconds since the Unix epoch; 0 before any commit. */
    public long lastCommitTimeMicros() {
        return lastCommitTimeMicros;
    }
}
