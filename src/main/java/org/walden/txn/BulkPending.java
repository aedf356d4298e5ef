package org.walden.txn;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Predicate;
import org.walden.storage.UnloggedRanges;
import org.walden.wal.KvBulk;
import org.walden.wal.WalRecord;

/**
 * The rows of a transaction's fresh ranges not yet logged and applied (one ROWS batch, see
 * {@link KvTransaction}): a key written once, each later than the last (a COPY's row ids, a
 * table re-keyed in key order), is appended to an ascending run, which is kept in the ROWS
 * record's own form ({@link KvBulk.RowsBuilder}): a batch of such rows becomes its record in one
 * copy, with no per-row arrays kept nor copied again. Any other write goes to a map. A key is in
 * one of the two, never both: a key appended to the run is greater than every key before it,
 * those of the map included; a run's key written again moves the whole run into the map (rare: a
 * row of a fresh range updated in its transaction). Used by one thread.
 */
final class BulkPending {

    /** The value that marks a delete (the transaction's own marker, compared by identity). */
    private final byte[] deleted;
    /** The run: strictly ascending keys (unsigned byte order) and their values, in a ROWS payload. */
    private KvBulk.RowsBuilder run;
    /**
     * Where each run row's key begins in the run's payload (after its length); empty until the
     * first row (every transaction has one of these, few write a fresh range).
     */
    private int[] runKeyOffsets = NO_OFFSETS;
    private static final int[] NO_OFFSETS = new int[0];
    private int runCount;
    /** The run's last key (the array handed to {@link #put}, compared with the next). */
    private byte[] runLastKey;
    /** True when a key of the run is unlogged (an unlogged or temporary relation's): the run is then not one record. */
    private boolean runHasUnlogged;
    /** Rows written out of order, or again; all of their keys are below the run's last. */
    private final Map<ByteKey, byte[]> others = new java.util.LinkedHashMap<>();

    BulkPending(byte[] deleted) {
        this.deleted = deleted;
    }

    boolean isEmpty() {
        return runCount == 0 && others.isEmpty();
    }

    /**
     * Sets {@code key}'s pending value ({@code deleted}: a delete); returns the value it replaces
     * (null: none). Both arrays are the caller's to keep unchanged.
     */
    byte[] put(byte[] key, byte[] value) {
        if (runCount == 0 ? others.isEmpty() : ByteKey.compareShort(key, runLastKey) > 0) {
            append(key, value);
            return null;
        }
        if (indexInRun(key) >= 0) {
            moveRunToMap();
        }
        return others.put(new ByteKey(key), value);
    }

    private void append(byte[] key, byte[] value) {
        if (run == null) {
            run = new KvBulk.RowsBuilder(16 * 1024); // grows to a batch only in a bulk load
        }
        if (runCount == runKeyOffsets.length) {
            runKeyOffsets = Arrays.copyOf(runKeyOffsets, Math.max(1024, runCount * 2));
        }
        runKeyOffsets[runCount++] = run.sizeBytes() + 4;
        run.add(key, value == deleted ? null : value);
        runLastKey = key;
        runHasUnlogged |= UnloggedRanges.isUnlogged(key);
    }

    /** The pending value of {@code key} ({@code deleted} for a delete), or null. */
    byte[] get(byte[] key) {
        int i = indexInRun(key);
        if (i >= 0) {
            return runValue(i);
        }
        return others.isEmpty() ? null : others.get(new ByteKey(key));
    }

    private int indexInRun(byte[] key) {
        if (runCount == 0 || Arrays.compareUnsigned(key, runLastKey) > 0) {
            return -1;
        }
        byte[] p = run.bytes();
        int lo = 0;
        int hi = runCount - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int off = runKeyOffsets[mid];
            int c = Arrays.compareUnsigned(p, off, off + intAt(p, off - 4), key, 0, key.length);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    private byte[] runKey(int i) {
        byte[] p = run.bytes();
        int off = runKeyOffsets[i];
        return Arrays.copyOfRange(p, off, off + intAt(p, off - 4));
    }

    private byte[] runValue(int i) {
        byte[] p = run.bytes();
        int off = runKeyOffsets[i];
        int valueAt = off + intAt(p, off - 4);
        int length = intAt(p, valueAt);
        return length < 0 ? deleted : Arrays.copyOfRange(p, valueAt + 4, valueAt + 4 + length);
    }

    /** Little-endian, as the ROWS payload has it. */
    private static int intAt(byte[] p, int off) {
        return (p[off] & 0xFF) | (p[off + 1] & 0xFF) << 8 | (p[off + 2] & 0xFF) << 16 | (p[off + 3] & 0xFF) << 24;
    }

    /** The run's rows join the map (which then holds every pending row; the invariant holds). */
    private void moveRunToMap() {
        Map<ByteKey, byte[]> all = new java.util.LinkedHashMap<>();
        for (int i = 0; i < runCount; i++) {
            all.put(new ByteKey(runKey(i)), runValue(i));
        }
        all.putAll(others);
        others.clear();
        others.putAll(all);
        clearRun();
    }

    /**
     * Drops the pending rows whose keys are in [from, to) (a range emptied). A re-key drops the
     * old range while the new one's rows are pending in the run, none of them in the old range:
     * the run, searched for the range's bounds, stays as it is (it used to be moved whole into
     * the map, hashing up to a batch of rows that were not even in the range).
     */
    void removeRange(byte[] from, byte[] to) {
        if (others.isEmpty()) {
            int start = insertionPoint(from);
            int end = insertionPoint(to);
            if (start == end) {
                return; // nothing pending in the range
            }
            if (start == 0 && end == runCount) {
                clearRun();
                return;
            }
        }
        removeIf(k -> Arrays.compareUnsigned(k, from) >= 0 && Arrays.compareUnsigned(k, to) < 0);
    }

    /** The index of the first run row whose key is at or above {@code key} (runCount: none). */
    private int insertionPoint(byte[] key) {
        byte[] p = runCount == 0 ? null : run.bytes();
        int lo = 0;
        int hi = runCount;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int off = runKeyOffsets[mid];
            if (Arrays.compareUnsigned(p, off, off + intAt(p, off - 4), key, 0, key.length) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Drops the pending rows whose keys {@code drop} accepts (a range emptied). */
    void removeIf(Predicate<byte[]> drop) {
        // rare (a range emptied with rows pending): the run joins the map, which keeps the invariant
        moveRunToMap();
        others.keySet().removeIf(k -> drop.test(k.bytes()));
    }

    /**
     * The pending rows as one ROWS record of {@code xid}, when they are the run alone and all
     * logged (a bulk load's batch): its payload as built, copied once. Null otherwise.
     */
    WalRecord runAsRecord(int xid) {
        return others.isEmpty() && runCount > 0 && !runHasUnlogged ? run.toRecord(xid) : null;
    }

    /** Each pending row, the run's in key order first; {@code sink} gets the value as stored. */
    void forEach(java.util.function.BiConsumer<byte[], byte[]> sink) {
        for (int i = 0; i < runCount; i++) {
            sink.accept(runKey(i), runValue(i));
        }
        for (Iterator<Map.Entry<ByteKey, byte[]>> it = others.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ByteKey, byte[]> e = it.next();
            sink.accept(e.getKey().bytes(), e.getValue());
        }
    }

    private void clearRun() {
        if (run != null) {
            run.reset();
        }
        runCount = 0;
        runLastKey = null;
        runHasUnlogged = false;
    }

    void clear() {
        clearRun();
        others.clear();
    }
}
