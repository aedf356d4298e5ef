package org.walden.txn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The rows of a transaction's fresh ranges not yet logged and applied (one ROWS batch, see
 * {@link KvTransaction}): a key written once, each later than the last (a COPY's row ids, a
 * table re-keyed in key order), is appended to an ascending run without hashing; any other
 * write goes to a map. A key is in one of the two, never both: a key appended to the run is
 * greater than every key before it, those of the map included. Used by one thread.
 */
final class BulkPending {

    /** Strictly ascending keys (unsigned byte order) and their values, in step. */
    private final ArrayList<byte[]> runKeys = new ArrayList<>();
    private final ArrayList<byte[]> runValues = new ArrayList<>();
    /** Rows written out of order, or again; all of their keys are below the run's last. */
    private final Map<ByteKey, byte[]> others = new java.util.LinkedHashMap<>();

    boolean isEmpty() {
        return runKeys.isEmpty() && others.isEmpty();
    }

    /** Sets {@code key}'s pending value; returns the value it replaces (null: none). */
    byte[] put(byte[] key, byte[] value) {
        int n = runKeys.size();
        if (n == 0 ? others.isEmpty() : Arrays.compareUnsigned(key, runKeys.get(n - 1)) > 0) {
            runKeys.add(key);
            runValues.add(value);
            return null;
        }
        int i = indexInRun(key);
        if (i >= 0) {
            return runValues.set(i, value);
        }
        return others.put(new ByteKey(key), value);
    }

    /** The pending value of {@code key}, or null. */
    byte[] get(byte[] key) {
        int i = indexInRun(key);
        if (i >= 0) {
            return runValues.get(i);
        }
        return others.isEmpty() ? null : others.get(new ByteKey(key));
    }

    private int indexInRun(byte[] key) {
        int n = runKeys.size();
        if (n == 0 || Arrays.compareUnsigned(key, runKeys.get(n - 1)) > 0) {
            return -1;
        }
        int i = Collections.binarySearch(runKeys, key, Arrays::compareUnsigned);
        return i >= 0 ? i : -1;
    }

    /**
     * Drops the pending rows whose keys are in [from, to) (a range emptied). When every pending
     * row is in the run (a re-key dropping the old range while the new one's rows are pending),
     * the rows in the range are one slice of it, found by binary search: the run stays a run
     * (it was moved whole into the map, hashing up to a batch of rows that were not even in the
     * range).
     */
    void removeRange(byte[] from, byte[] to) {
        if (others.isEmpty()) {
            int start = insertionPoint(from);
            int end = insertionPoint(to);
            if (end > start) {
                runKeys.subList(start, end).clear();
                runValues.subList(start, end).clear();
            }
            return;
        }
        removeIf(k -> Arrays.compareUnsigned(k, from) >= 0 && Arrays.compareUnsigned(k, to) < 0);
    }

    /** The index of the first run key at or above {@code key}. */
    private int insertionPoint(byte[] key) {
        int i = Collections.binarySearch(runKeys, key, Arrays::compareUnsigned);
        return i >= 0 ? i : -i - 1;
    }

    /** Drops the pending rows whose keys {@code drop} accepts (a range emptied). */
    void removeIf(Predicate<byte[]> drop) {
        // rare (a range emptied with rows pending): the run joins the map, which keeps the invariant
        for (int i = 0; i < runKeys.size(); i++) {
            others.put(new ByteKey(runKeys.get(i)), runValues.get(i));
        }
        runKeys.clear();
        runValues.clear();
        others.keySet().removeIf(k -> drop.test(k.bytes()));
    }

    /** Each pending row, the run's in key order first; {@code sink} gets the value as stored. */
    void forEach(java.util.function.BiConsumer<byte[], byte[]> sink) {
        for (int i = 0; i < runKeys.size(); i++) {
            sink.accept(runKeys.get(i), runValues.get(i));
        }
        for (Iterator<Map.Entry<ByteKey, byte[]>> it = others.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ByteKey, byte[]> e = it.next();
            sink.accept(e.getKey().bytes(), e.getValue());
        }
    }

    void clear() {
        runKeys.clear();
        runValues.clear();
        others.clear();
    }
}
