package org.walden.recovery;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.walden.storage.Store;
import org.walden.wal.CheckPoint;
import org.walden.wal.ControlFile;
import org.walden.wal.KvBulk;
import org.walden.wal.KvChange;
import org.walden.wal.Lsn;
import org.walden.wal.RestoreCommand;
import org.walden.wal.RmgrId;
import org.walden.wal.WalReader;
import org.walden.wal.WalRecord;
import org.walden.wal.WalSegments;
import org.walden.wal.XactRecords;

/**
 * What a rewind must undo, read from the target's WAL (the part of pg_rewind that reads the
 * target's WAL, with before-images where pg_rewind collects block numbers).
 *
 * <p>From the target's end of WAL it walks back through prev-links to the last checkpoint before
 * the fork point (the last common checkpoint), then reads forward from that checkpoint's redo
 * point: every transaction pending at the checkpoint began there or later. The transactions
 * whose COMMIT lies at or after the fork point are the diverged ones; undoing them newest first,
 * each one's row changes in reverse order with their before-images, gives back the rows as they
 * were at the fork (a COMMIT PREPARED counts as the commit of the changes before its PREPARE,
 * which may lie before the fork). A fresh key range a diverged transaction created (CREATE TABLE, TRUNCATE, a
 * rewrite) is emptied; a range it emptied at commit (DROP, TRUNCATE) has no before-image and is
 * read from the source instead.
 *
 * <p>When a segment needed for this is missing (and restore_command, with {@code -c}, cannot
 * bring it), the plan says why instead ({@link #incompleteReason()}): the rewind then copies the
 * source's storage. Memory: the diverged transactions' row changes (ROWS payloads are not kept).
 */
final class RewindPlan {

    /** One diverged transaction: its commit position and what undoes it, in undo order. */
    private record Txn(Lsn commitLsn, List<Object> undo) {
    }

    private final boolean noRewindRequired;
    private final String incompleteReason;
    private final Lsn lastCommonCheckpoint;
    private final Lsn recordBeforeFork;
    private final List<Txn> diverged;
    private final List<KvBulk.Range> rangesToFetch;
    /**
     * Where the rewound target's redo must start when a transaction prepared before the fork was
     * still prepared there: its first record, and the record before that (null: at the fork).
     * Replay must see its records again to rebuild it, as after any restart.
     */
    private Lsn preparedRedoStart;
    private Lsn recordBeforePreparedRedoStart;
    private final long undoCount;
    private final int rangeCount;

    private RewindPlan(boolean noRewindRequired, String incompleteReason, Lsn lastCommonCheckpoint,
                       Lsn recordBeforeFork, List<Txn> diverged, List<KvBulk.Range> rangesToFetch) {
        this.noRewindRequired = noRewindRequired;
        this.incompleteReason = incompleteReason;
        this.lastCommonCheckpoint = lastCommonCheckpoint;
        this.recordBeforeFork = recordBeforeFork;
        this.diverged = diverged;
        this.rangesToFetch = rangesToFetch;
        long changes = 0;
        int ranges = 0;
        for (Txn t : diverged) {
            for (Object u : t.undo()) {
                if (u instanceof KvChange) {
                    changes++;
                } else {
                    ranges++;
                }
            }
        }
        this.undoCount = changes;
        this.rangeCount = ranges;
    }

    private static RewindPlan incomplete(String why) {
        return new RewindPlan(false, why, Lsn.INVALID, Lsn.INVALID, List.of(), List.of());
    }

    /**
     * Reads the target's WAL (in {@code walDir}, on {@code history}) around the fork point;
     * {@code restore} (or null) brings missing segments from the archive.
     */
    static RewindPlan read(Path walDir, ControlFile.Data cf, Timelines.History history, Lsn fork,
                           RestoreCommand restore) {
        long seg = cf.walSegmentSizeBytes();
        WalReader reader = new WalReader(walDir, seg, cf.timeline());
        reader.setReadTimelines(history);
        reader.cacheReadChannels();
        try {
            Lsn start = cf.redo();
            if (!ensureSegment(walDir, seg, history, start, restore)) {
                return incomplete("the target's WAL segment holding its last checkpoint's redo point " + start
                        + " is missing");
            }
            reader.beginRead(start, cf.checkPoint().isBefore(start) ? cf.checkPoint() : Lsn.INVALID);
            while (reader.readNext() != null) {
                // to the end of the target's WAL
            }
            Lsn end = reader.nextLsn();
            Lsn last = reader.lastRecordLsn();
            if (!end.isAfter(fork)) {
                return new RewindPlan(true, null, Lsn.INVALID, Lsn.INVALID, List.of(), List.of());
            }
            // back through prev-links to the last checkpoint before the fork
            WalRecord checkpoint = null;
            Lsn before = Lsn.INVALID;
            for (Lsn at = last; at.isValid(); ) {
                if (!ensureSegment(walDir, seg, history, at, restore)) {
                    return incomplete("the target's WAL segment " + WalSegments.fileName(history.timelineOf(at),
                            at.segmentNo(seg), seg) + ", back to the last common checkpoint, is missing");
                }
                WalRecord r = reader.readAt(at);
                if (r == null) {
                    return incomplete("could not read the target's WAL record at " + at + ": " + reader.endReason());
                }
                if (r.nextLsn().equals(fork)) {
                    before = r.lsn();
                }
                if (r.lsn().isBefore(fork) && CheckPoint.isCheckPoint(r)) {
                    checkpoint = r;
                    break;
                }
                at = r.prevLsn();
            }
            if (checkpoint == null) {
                return incomplete("no checkpoint record before the fork point " + fork + " in the target's WAL");
            }
            Lsn redo = CheckPoint.decode(checkpoint.payload()).redo();
            if (!ensureSegment(walDir, seg, history, redo, restore)) {
                return incomplete("the target's WAL segment holding the last common checkpoint's redo point " + redo
                        + " is missing");
            }
            return collect(reader, redo, end, fork, checkpoint.lsn(), before);
        } finally {
            reader.close();
        }
    }

    /** Reads [redo, end) forward and keeps what undoes the transactions committed at or after the fork. */
    private static RewindPlan collect(WalReader reader, Lsn redo, Lsn end, Lsn fork, Lsn checkpoint, Lsn before) {
        Map<Integer, List<Object>> pending = new HashMap<>();
        // each transaction's first record and the record before it; those prepared at the fork
        Map<Integer, Lsn[]> firstRecord = new HashMap<>();
        Map<Integer, Lsn[]> preparedAtFork = new HashMap<>();
        List<Txn> diverged = new ArrayList<>();
        reader.beginRead(redo, Lsn.INVALID);
        Lsn recordBefore = before;
        for (WalRecord r = reader.readNext(); r != null; r = reader.readNext()) {
            if (r.nextLsn().equals(fork)) {
                recordBefore = r.lsn();
            }
            if (r.xid() != 0 && r.rmgr() != RmgrId.XLOG) {
                firstRecord.putIfAbsent(r.xid(), new Lsn[] {r.lsn(), r.prevLsn()});
            }
            if (r.lsn().isBefore(fork) && r.rmgr() == RmgrId.XACT) {
                if (XactRecords.isPrepare(r)) {
                    preparedAtFork.put(r.xid(), firstRecord.get(r.xid()));
                } else {
                    preparedAtFork.remove(r.xid());
                }
            }
            if (r.rmgr() == RmgrId.XACT && !XactRecords.isPrepare(r)) {
                firstRecord.remove(r.xid());
            }
            if (r.rmgr() == RmgrId.KV) {
                List<Object> ops = pending.computeIfAbsent(r.xid(), x -> new ArrayList<>());
                switch (r.info()) {
                    case RmgrId.KV_ROWS, RmgrId.KV_ROWS_SNAPPY -> { } // inside a fresh range: emptied with it
                    case RmgrId.KV_NEW_RANGE -> ops.add(new FreshRange(KvBulk.decodeRange(r)));
                    case RmgrId.KV_DELETE_RANGE -> ops.add(new EmptiedRange(KvBulk.decodeRange(r)));
                    default -> {
                        KvChange c = KvChange.decode(r);
                        ops.add(new KvChange(c.key(), c.before(), c.after()));
                    }
                }
            } else if (r.rmgr() == RmgrId.XACT && !XactRecords.isPrepare(r)) {
                // a prepared transaction's changes stay pending until its COMMIT PREPARED, which
                // undoes them like a COMMIT when it lies at or after the fork, or its ABORT PREPARED
                List<Object> ops = pending.remove(r.xid());
                if (XactRecords.isCommit(r) && !r.lsn().isBefore(fork) && ops != null) {
                    diverged.add(new Txn(r.lsn(), ops.reversed()));
                }
            }
        }
        if (reader.nextLsn().isBefore(end)) {
            return incomplete("the target's WAL ends early, at " + reader.nextLsn() + ": " + reader.endReason());
        }
        diverged.sort(Comparator.comparing(Txn::commitLsn).reversed());
        List<KvBulk.Range> fetch = new ArrayList<>();
        for (Txn t : diverged) {
            for (Object u : t.undo()) {
                if (u instanceof EmptiedRange e) {
                    fetch.add(e.range());
                }
            }
        }
        RewindPlan plan = new RewindPlan(false, null, checkpoint, recordBefore, diverged, fetch);
        for (Lsn[] first : preparedAtFork.values()) {
            if (first[0].isBefore(fork) && (plan.preparedRedoStart == null || first[0].isBefore(plan.preparedRedoStart))) {
                plan.preparedRedoStart = first[0];
                plan.recordBeforePreparedRedoStart = first[1];
            }
        }
        return plan;
    }

    /** A range a diverged transaction created empty: emptied again. */
    private record FreshRange(KvBulk.Range range) {
    }

    /** A range a diverged transaction emptied at commit: its rows come from the source. */
    private record EmptiedRange(KvBulk.Range range) {
    }

    /** With restore_command ({@code -c}), brings the segment holding {@code lsn} when pg_wal lacks it. */
    private static boolean ensureSegment(Path walDir, long seg, Timelines.History history, Lsn lsn,
                                         RestoreCommand restore) {
        long segNo = lsn.segmentNo(seg);
        for (org.walden.wal.TimelineId tli : history.candidates(segNo, seg, lsn)) {
            if (java.nio.file.Files.exists(walDir.resolve(WalSegments.fileName(tli, segNo, seg)))) {
                return true;
            }
        }
        if (restore != null) {
            for (org.walden.wal.TimelineId tli : history.candidates(segNo, seg, lsn)) {
                String name = WalSegments.fileName(tli, segNo, seg);
                if (restore.restoreSegment(name, name)) {
                    return true;
                }
            }
        }
        return false;
    }

    boolean noRewindRequired() {
        return noRewindRequired;
    }

    String incompleteReason() {
        return incompleteReason;
    }

    Lsn lastCommonCheckpoint() {
        return lastCommonCheckpoint;
    }

    /** The record that ends at the fork point (the prev-link of the source's first record after it). */
    Lsn recordBeforeFork() {
        return recordBeforeFork;
    }

    /** Where the rewound target's redo starts: the fork, or the first record of a transaction prepared there. */
    Lsn redoStart(Lsn fork) {
        return preparedRedoStart != null ? preparedRedoStart : fork;
    }

    /** The record before {@link #redoStart}. */
    Lsn recordBeforeRedoStart() {
        return preparedRedoStart != null ? recordBeforePreparedRedoStart : recordBeforeFork;
    }

    int transactionCount() {
        return diverged.size();
    }

    long undoCount() {
        return undoCount;
    }

    int rangeCount() {
        return rangeCount;
    }

    List<KvBulk.Range> rangesToFetch() {
        return rangesToFetch;
    }

    /**
     * Writes the undo into {@code store}, newest transaction first, in batches; {@code progress}
     * is told how many row changes each batch held. The fetched ranges are the caller's.
     */
    void apply(Store store, LongConsumer progress) {
        List<KvChange> batch = new ArrayList<>();
        for (Txn t : diverged) {
            for (Object u : t.undo()) {
                if (u instanceof KvChange c) {
                    batch.add(c);
                    if (batch.size() >= 10_000) {
                        flush(store, batch, progress);
                    }
                } else if (u instanceof FreshRange f) {
                    flush(store, batch, progress);
                    store.deleteRange(f.range().from(), f.range().to());
                } else if (u instanceof EmptiedRange e) {
                    flush(store, batch, progress);
                    store.deleteRange(e.range().from(), e.range().to());
                }
            }
        }
        flush(store, batch, progress);
    }

    private static void flush(Store store, List<KvChange> batch, LongConsumer progress) {
        if (!batch.isEmpty()) {
            store.apply(batch);
            progress.accept(batch.size());
            batch.clear();
        }
    }
}
