package org.walden.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.nio.file.Path;
import org.walden.storage.SpillStore;
import org.walden.storage.Store;
import org.walden.storage.TablespaceDirectories;
import org.walden.storage.WriteBatchFormat;
import org.walden.txn.KvTransactionManager;
import org.walden.txn.Transaction;
import org.walden.wal.CheckPoint;
import org.walden.wal.KvBulk;
import org.walden.wal.KvChange;
import org.walden.wal.Lsn;
import org.walden.wal.RmgrId;
import org.walden.wal.TablespaceRecords;
import org.walden.wal.WalRecord;
import org.walden.wal.XactRecords;

/**
 * The resource-manager table (PostgreSQL's RmgrTable): one redo function per resource manager,
 * and the redo state they share. KV changes are buffered per xid and, when their COMMIT is
 * replayed, appended to the batch of committed rows (puts and deletes of whole rows:
 * idempotent), which {@link #applyBatch} writes to storage as one atomic RocksDB batch: readers
 * of a hot standby see whole transactions, in commit order, a batch of commits at a time. Since
 * no reader sees inside a batch, it keeps only the last write of each key, in key order
 * ({@link WriteBatchFormat#lastWriteWins()}). The
 * caller ({@link Startup}) applies the batch before it publishes the replay position and before
 * it lets go of its replay lock. ABORT, or the end of WAL without a commit, drops the changes. Rows of fresh key ranges (KV
 * NEW_RANGE and ROWS, see {@link KvBulk}) are applied at once, as on the primary; ABORT or the
 * end of recovery empties those ranges again, and DELETE_RANGE records apply with the COMMIT.
 * A PREPARE moves the transaction to the transaction manager's prepared transactions, which the
 * end of recovery keeps; its COMMIT PREPARED applies it, its ABORT PREPARED drops it.
 * A pending transaction whose buffered changes pass the transaction manager's write-set bound
 * spills them to an area of base/pgsql_tmp (key to new value), as the primary spilled its write
 * set; its COMMIT then writes them in key order into SST files ingested at once (after the batch
 * of the commits before it), so a large transaction replays without being held in the heap.
 *
 * <p>Used by one thread (the startup process); {@link Startup} guards reads from other threads
 * (restartpoints) with its replay lock.
 */
public final class RmgrTable {

    /**
     * A transaction replayed but not yet committed: its row changes (applied at COMMIT), the
     * ranges it empties at COMMIT, and the fresh ranges whose rows were applied at once (emptied
     * again at ABORT or at the end of recovery).
     */
    private static final class PendingXact {
        final Lsn firstLsn;
        final Lsn recordBeforeFirst;
        /** The row changes not spilled, in WAL order. */
        final List<WalRecord> changes = new ArrayList<>();
        final List<KvBulk.Range> rangeDeletes = new ArrayList<>(0);
        final List<KvBulk.Range> newRanges = new ArrayList<>(0);
        /** Estimated heap of {@code changes}. */
        long changesBytes;
        /**
         * Past the write-set bound, the changes go to the spill space (key to new value, a later
         * change of a key replacing an earlier one), as on the primary; null until then.
         */
        SpillStore.Area spilled;
        /** Whether a spilled change touched the catalog. */
        boolean spilledCatalog;

        PendingXact(Lsn firstLsn, Lsn recordBeforeFirst) {
            this.firstLsn = firstLsn;
            this.recordBeforeFirst = recordBeforeFirst;
        }

        Lsn firstLsn() {
            return firstLsn;
        }

        Lsn recordBeforeFirst() {
            return recordBeforeFirst;
        }

        List<WalRecord> changes() {
            return changes;
        }

        List<KvBulk.Range> rangeDeletes() {
            return rangeDeletes;
        }

        List<KvBulk.Range> newRanges() {
            return newRanges;
        }

        /** Forgets the spilled changes. */
        void dropSpilled() {
            if (spilled != null) {
                spilled.close();
                spilled = null;
            }
        }
    }

    /**
     * The pending transactions by xid: open addressing over int keys (linear probing, removal
     * by backward shift), so that the three look-ups a replayed transaction makes box no xid.
     * Its values come in no particular order.
     */
    private static final class PendingByXid {
        private int[] xids = new int[64];
        private PendingXact[] values = new PendingXact[64];
        private int size;

        PendingXact get(int xid) {
            int mask = xids.length - 1;
            for (int i = slot(xid, mask); values[i] != null; i = (i + 1) & mask) {
                if (xids[i] == xid) {
                    return values[i];
                }
            }
            return null;
        }

        void put(int xid, PendingXact p) {
            if ((size + 1) * 2 > xids.length) {
                grow();
            }
            int mask = xids.length - 1;
            int i = slot(xid, mask);
            while (values[i] != null && xids[i] != xid) {
                i = (i + 1) & mask;
            }
            if (values[i] == null) {
                size++;
            }
            xids[i] = xid;
            values[i] = p;
        }

        PendingXact remove(int xid) {
            int mask = xids.length - 1;
            int i = slot(xid, mask);
            while (values[i] != null && xids[i] != xid) {
                i = (i + 1) & mask;
            }
            PendingXact removed = values[i];
            if (removed == null) {
                return null;
            }
            size--;
            // backward shift: move later entries of the probe run into the hole they may not skip
            int hole = i;
            for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
                int home = slot(xids[j], mask);
                if (((j - home) & mask) >= ((j - hole) & mask)) {
                    xids[hole] = xids[j];
                    values[hole] = values[j];
                    hole = j;
                }
            }
            values[hole] = null;
            return removed;
        }

        int size() {
            return size;
        }

        List<PendingXact> values() {
            List<PendingXact> out = new ArrayList<>(size);
            for (PendingXact p : values) {
                if (p != null) {
                    out.add(p);
                }
            }
            return out;
        }

        void clear() {
            java.util.Arrays.fill(values, null);
            size = 0;
        }

        private void grow() {
            int[] oldXids = xids;
            PendingXact[] oldValues = values;
            xids = new int[oldXids.length * 2];
            values = new PendingXact[oldXids.length * 2];
            size = 0;
            for (int i = 0; i < oldXids.length; i++) {
                if (oldValues[i] != null) {
                    put(oldXids[i], oldValues[i]);
                }
            }
        }

        private static int slot(int xid, int mask) {
            int h = xid * 0x9E3779B9;
            return (h ^ h >>> 16) & mask;
        }
    }

    /** Heap a buffered change costs beside its payload (the record object, its list slot). */
    private static final long CHANGE_OVERHEAD_BYTES = 96;

    /** The first record of the oldest pending transaction, and the record before it (its prev-link). */
    public record OldestPending(Lsn firstLsn, Lsn recordBefore) {
    }

    private final Store store;
    /** The data directory, where TBLSPC redo makes and removes pg_tblspc's entries. */
    private final Path dataDir;
    private final KvTransactionManager transactions;
    private final PendingByXid pending = new PendingByXid();
    /** Rows of the commits replayed since the last {@link #applyBatch}, in commit order. */
    private final WriteBatchFormat batch = WriteBatchFormat.lastWriteWins();
    private boolean batchChangesCatalog;
    private long batchCommitTimeMicros;
    private int maxXidSeen;
    private volatile long lastCommitTimeMicros;
    private BiConsumer<Lsn, Lsn> backupEndListener = (start, end) -> { };

    public RmgrTable(Store store, KvTransactionManager transactions, Path dataDir) {
        this.store = store;
        this.dataDir = dataDir;
        this.transactions = transactions;
    }

    /** Called with (backup start, end of the BACKUP_END record) when a backup end is replayed. */
    public void setBackupEndListener(BiConsumer<Lsn, Lsn> listener) {
        this.backupEndListener = listener;
    }

    /**
     * Redo of one record by its resource manager. A switch with direct calls, not a table of
     * functions: a standby catching up runs this for every record on a JVM that just started,
     * where a call through an interface with four implementations is neither cheap nor inlined.
     */
    public void redo(WalRecord record) {
        int xid = record.xid();
        if (xid != 0 && Integer.compareUnsigned(xid, maxXidSeen) > 0) {
            maxXidSeen = xid;
        }
        switch (record.rmgr()) {
            case KV -> kvRedo(record);
            case XACT -> xactRedo(record);
            case XLOG -> xlogRedo(record);
            case TBLSPC -> tblspcRedo(record);
            default -> throw new IllegalStateException("no redo function for resource manager " + record.rmgr());
        }
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

    /**
     * tblspc_redo: CREATE makes the tablespace's directories (an absolute LOCATION must exist on
     * this server, or be linked already by a base backup's tablespace_map or -T) and its column
     * family; DROP removes them; PLACE routes a relfilenode's rows to the tablespace's family
     * (a tablespace already dropped again later in the WAL has none: its rows stay in the
     * default family until the DROP's redo empties nothing of them, as they were dropped first).
     */
    private void tblspcRedo(WalRecord r) {
        if (TablespaceRecords.isPlace(r)) {
            TablespaceRecords.Placement p = TablespaceRecords.decodePlacement(r);
            applyBatch();
            if (p.tablespaceOid() == 0 || store.tablespaces().contains(p.tablespaceOid())) {
                store.place(p.relfilenode(), p.tablespaceOid());
            }
            return;
        }
        TablespaceRecords.Change c = TablespaceRecords.decode(r);
        if (TablespaceRecords.isCreate(r)) {
            TablespaceDirectories.create(dataDir, c.oid(), c.location(), true);
            store.createTablespace(c.oid());
        } else {
            applyBatch(); // the commits before the DROP have emptied it
            store.dropTablespace(c.oid());
            if (!TablespaceDirectories.drop(dataDir, c.oid())) {
                org.slf4j.LoggerFactory.getLogger(RmgrTable.class).warn(
                        "directories for tablespace {} could not be removed", Integer.toUnsignedString(c.oid()));
            }
        }
    }

    private void xactRedo(WalRecord r) {
        switch (r.info()) {
            case RmgrId.XACT_PREPARE -> {
                prepareRedo(r);
                return;
            }
            case RmgrId.XACT_COMMIT_PREPARED, RmgrId.XACT_ABORT_PREPARED -> {
                finishPreparedRedo(r);
                return;
            }
            default -> {
            }
        }
        PendingXact p = pending.remove(r.xid());
        if (r.info() != RmgrId.XACT_COMMIT) {
            if (p != null) {
                emptyNewRanges(p); // ABORT: drop the buffered changes, empty the fresh ranges
                p.dropSpilled();
            }
            return;
        }
        batchCommitTimeMicros = XactRecords.commitTimeMicros(r);
        if (p == null) {
            return;
        }
        if (p.spilled != null) {
            commitSpilled(p);
            return;
        }
        List<WalRecord> changes = p.changes();
        if (p.rangeDeletes().isEmpty()) {
            for (int i = 0, n = changes.size(); i < n; i++) {
                WalRecord change = changes.get(i);
                byte[] payload = change.payload();
                int keyLength = KvChange.keyLength(payload);
                if (change.info() == RmgrId.KV_PUT) {
                    batch.add(payload, KvChange.KEY_OFFSET, keyLength, KvChange.afterOffset(keyLength),
                            KvChange.afterLength(payload, keyLength));
                } else {
                    batch.add(payload, KvChange.KEY_OFFSET, keyLength, -1, 0);
                }
                if (keyLength > 0 && payload[KvChange.KEY_OFFSET] == Transaction.CATALOG_KEYSPACE) {
                    batchChangesCatalog = true;
                }
            }
        } else { // DROP or TRUNCATE: rare, applied on its own after the commits before it
            applyBatch();
            store.apply(changes.stream().map(KvChange::decode).toList(), p.rangeDeletes());
            for (WalRecord change : changes) {
                if (KvChange.keyspace(change) == Transaction.CATALOG_KEYSPACE) {
                    batchChangesCatalog = true;
                    break;
                }
            }
        }
    }

    /**
     * The COMMIT of a transaction whose changes spilled: the commits before it first, then its
     * rows, in key order, written into SST files and ingested into storage at once (as the
     * primary applied them), then its spill area emptied.
     */
    private void commitSpilled(PendingXact p) {
        applyBatch();
        spill(p);
        Store.SstBuilder sst = store.newSstBuilder();
        try (SpillStore.Cursor all = p.spilled.scan(new byte[0], null)) {
            while (all.next()) {
                sst.add(all.key(), SpillStore.decodeRow(all.value()));
            }
        } catch (RuntimeException e) {
            sst.close();
            throw e;
        }
        store.ingest(sst, p.rangeDeletes());
        batchChangesCatalog |= p.spilledCatalog;
        p.dropSpilled();
        applyBatch(); // publishes the catalog version if the rows touched the catalog
    }

    /** Moves a pending transaction's buffered changes to its spill area. */
    private void spill(PendingXact p) {
        if (p.spilled == null) {
            p.spilled = store.spillStore().newArea();
        }
        try (SpillStore.Batch b = p.spilled.batch()) {
            for (WalRecord change : p.changes()) {
                KvChange c = KvChange.decode(change);
                p.spilledCatalog |= KvChange.keyspace(change) == Transaction.CATALOG_KEYSPACE;
                b.put(c.key(), SpillStore.encodeRow(c.after()));
            }
            b.write();
        }
        p.changes().clear();
        p.changesBytes = 0;
    }

    /** The changes of a pending transaction that spilled, read back (a large PREPARE: kept in the heap). */
    private static List<KvChange> spilledChanges(PendingXact p) {
        List<KvChange> out = new ArrayList<>();
        try (SpillStore.Cursor all = p.spilled.scan(new byte[0], null)) {
            while (all.next()) {
                out.add(new KvChange(all.key(), SpillStore.decodeRow(all.value()), null));
            }
        }
        p.dropSpilled();
        return out;
    }

    /**
     * PREPARE: the pending transaction becomes a prepared one, kept by the transaction manager
     * (pg_prepared_xacts shows it) until its COMMIT or ABORT PREPARED; the end of recovery does
     * not drop it, and promotion hands it to the new primary with its locks.
     */
    private void prepareRedo(WalRecord r) {
        PendingXact p = pending.remove(r.xid());
        XactRecords.Prepare info = XactRecords.Prepare.decode(r);
        if (p == null) { // it wrote nothing
            transactions.redoPrepare(r.xid(), info, List.of(), List.of(), List.of(), r.lsn(), r.prevLsn());
            return;
        }
        List<KvChange> changes;
        if (p.spilled != null) {
            spill(p);
            changes = spilledChanges(p);
        } else {
            changes = new ArrayList<>(p.changes().stream().map(KvChange::decode).toList());
        }
        transactions.redoPrepare(r.xid(), info, changes, p.rangeDeletes(), p.newRanges(), p.firstLsn(),
                p.recordBeforeFirst());
    }

    /** COMMIT PREPARED applies the prepared writes, as a DROP's commit is (on its own); ABORT PREPARED empties its fresh ranges. */
    private void finishPreparedRedo(WalRecord r) {
        KvTransactionManager.PreparedWrites w = transactions.redoFinishPrepared(r.xid());
        if (w == null) {
            return; // not replayed from its PREPARE: the redo point never passes a prepared transaction
        }
        applyBatch();
        if (r.info() == RmgrId.XACT_COMMIT_PREPARED) {
            batchCommitTimeMicros = XactRecords.commitTimeMicros(r);
            store.apply(w.changes(), w.rangeDeletes());
            batchChangesCatalog |= w.changesCatalog();
        } else {
            for (KvBulk.Range range : w.newRanges()) {
                store.deleteRange(range.from(), range.to());
            }
        }
    }

    /**
     * Writes the rows of the commits replayed since the last call to storage as one atomic
     * batch; then readers see them (and the catalog version moves when they changed the catalog).
     */
    public void applyBatch() {
        store.write(batch);
        batch.clear();
        if (batchCommitTimeMicros != 0) {
            lastCommitTimeMicros = batchCommitTimeMicros;
        }
        if (batchChangesCatalog) {
            batchChangesCatalog = false;
            transactions.bumpCatalogVersion();
        }
    }

    /** Bytes of committed rows waiting for {@link #applyBatch}. */
    public int batchBytes() {
        return batch.bytes();
    }

    private void kvRedo(WalRecord r) {
        PendingXact p = pending.get(r.xid());
        if (p == null) {
            p = new PendingXact(r.lsn(), r.prevLsn());
            pending.put(r.xid(), p);
        }
        switch (r.info()) {
            case RmgrId.KV_NEW_RANGE -> {
                applyBatch(); // written to storage at once: the commits before it first
                KvBulk.Range range = KvBulk.decodeRange(r);
                // a transaction that never ended (its primary crashed) no longer owns the range
                for (PendingXact other : pending.values()) {
                    other.newRanges().removeIf(o -> java.util.Arrays.equals(o.from(), range.from()));
                }
                store.emptyFreshRange(range.from(), range.to());
                p.newRanges().add(range);
            }
            case RmgrId.KV_ROWS -> {
                applyBatch();
                store.applyRows(r);
            }
            case RmgrId.KV_ROWS_SNAPPY -> {
                applyBatch();
                store.applyRows(KvBulk.uncompressed(r));
            }
            case RmgrId.KV_DELETE_RANGE -> p.rangeDeletes().add(KvBulk.decodeRange(r));
            default -> {
                p.changes().add(r);
                p.changesBytes += r.payload().length + CHANGE_OVERHEAD_BYTES;
                if (p.changesBytes > transactions.writeSetBoundBytes()) {
                    spill(p);
                }
            }
        }
    }

    private void emptyNewRanges(PendingXact p) {
        applyBatch();
        for (KvBulk.Range range : p.newRanges()) {
            store.deleteRange(range.from(), range.to());
        }
    }

    /** The first record of the oldest transaction replayed but not yet committed, or null. */
    public OldestPending oldestPending() {
        PendingXact oldest = null;
        for (PendingXact p : pending.values()) {
            if (oldest == null || p.firstLsn().isBefore(oldest.firstLsn())) {
                oldest = p;
            }
        }
        Lsn[] prepared = transactions.oldestPreparedFirstRecord();
        if (prepared != null && (oldest == null || prepared[0].isBefore(oldest.firstLsn()))) {
            return new OldestPending(prepared[0], prepared[1]);
        }
        return oldest == null ? null : new OldestPending(oldest.firstLsn(), oldest.recordBeforeFirst());
    }

    /** Transactions whose records were replayed without a commit (dropped at the end of redo). */
    public int pendingCount() {
        return pending.size();
    }

    public void dropPending() {
        for (PendingXact p : pending.values()) {
            emptyNewRanges(p);
            p.dropSpilled();
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
