package org.walden.txn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.walden.storage.SpillStore;

/**
 * A transaction's private writes to existing key ranges: key to new value, or the deleted marker
 * (compared by identity). Small sets live in a sorted map in the heap. When the estimated heap
 * they take passes {@code boundBytes}, the map is written out to a {@link SpillStore.Area}
 * (PostgreSQL's base/pgsql_tmp) and emptied, and from then on the set is the spilled part
 * overlaid by the newer in-heap part — the way PostgreSQL's logical decoding spills a
 * transaction's changes past logical_decoding_work_mem. Until the first spill nothing touches
 * the spill space, so a small transaction costs what a TreeMap costs.
 *
 * <p>Reads ({@link #get}, {@link #entries}) see both parts, the heap part winning; a removal
 * removes from both. {@link #entries} sees the set as it was when called, so a statement that
 * writes while it scans its own writes does not meet them again. Used by one thread.
 */
final class WriteSet {

    /**
     * Heap an entry costs besides its key and value bytes: the map's node, the ByteKey and the
     * two arrays' headers, and the row lock kept for it (the lock table's entry and the
     * transaction's held-lock set). Measured as about 340 bytes a row with 40-byte values.
     */
    static final long ENTRY_OVERHEAD_BYTES = 200;

    private final byte[] deleted;
    private final long boundBytes;
    private final Supplier<SpillStore> spillSpace;
    private final SpillListener spillListener;
    private final NavigableMap<ByteKey, byte[]> memory = new TreeMap<>();
    private long memoryBytes;
    /** Null until the first spill; volatile for {@link #inSpilled} from other threads. */
    private volatile SpillStore.Area spilled;
    private int spills;

    /** Told of each spill, after the keys are in the spill space and before the heap part is emptied. */
    @FunctionalInterface
    interface SpillListener {
        void spilled(java.util.Collection<ByteKey> keys);
    }

    WriteSet(byte[] deleted, long boundBytes, Supplier<SpillStore> spillSpace, SpillListener spillListener) {
        this.deleted = deleted;
        this.boundBytes = boundBytes;
        this.spillSpace = spillSpace;
        this.spillListener = spillListener;
    }

    /**
     * True when {@code key} is in the spilled part (whatever the heap part holds). Safe from any
     * thread while the set is in use: the row lock table asks it for the rows' locks.
     */
    boolean inSpilled(ByteKey key) {
        SpillStore.Area area = spilled;
        return area != null && area.get(key.bytes()) != null;
    }

    /** The value written for {@code key} (the deleted marker for a delete), or null. */
    byte[] get(ByteKey key) {
        byte[] v = memory.get(key);
        if (v != null || spilled == null) {
            return v;
        }
        return decode(spilled.get(key.bytes()));
    }

    /**
     * Writes {@code value} for {@code key}; returns the value it replaces (null: none) — looked
     * up in the spilled part only when {@code wantPrevious}.
     */
    byte[] put(ByteKey key, byte[] value, boolean wantPrevious) {
        byte[] previous = memory.put(key, value);
        if (previous == null) {
            memoryBytes += key.bytes().length + value.length + ENTRY_OVERHEAD_BYTES;
            if (wantPrevious && spilled != null) {
                previous = decode(spilled.get(key.bytes()));
            }
        } else {
            memoryBytes += value.length - previous.length;
        }
        if (memoryBytes > boundBytes) {
            spill();
        }
        return previous;
    }

    /** Forgets the write of {@code key}. */
    void remove(ByteKey key) {
        byte[] previous = memory.remove(key);
        if (previous != null) {
            memoryBytes -= key.bytes().length + previous.length + ENTRY_OVERHEAD_BYTES;
        }
        if (spilled != null) {
            spilled.remove(key.bytes());
        }
    }

    /** Forgets the writes in [from, to), handing each (its current value) to {@code removed} first. */
    void removeRange(byte[] fromInclusive, byte[] toExclusive, BiConsumer<ByteKey, byte[]> removed) {
        try (OwnEntries own = entries(fromInclusive, toExclusive)) {
            while (own.hasNext()) {
                Map.Entry<ByteKey, byte[]> e = own.next();
                removed.accept(e.getKey(), e.getValue());
            }
        }
        Map<ByteKey, byte[]> range = memory.subMap(new ByteKey(fromInclusive), true, new ByteKey(toExclusive), false);
        for (Map.Entry<ByteKey, byte[]> e : range.entrySet()) {
            memoryBytes -= e.getKey().bytes().length + e.getValue().length + ENTRY_OVERHEAD_BYTES;
        }
        range.clear();
        if (spilled != null) {
            spilled.removeRange(fromInclusive, toExclusive);
        }
    }

    boolean isEmpty() {
        return memory.isEmpty() && spilled == null;
    }

    /** True once part of the set lives in the spill space. */
    boolean isSpilled() {
        return spilled != null;
    }

    /** How many times the heap part was written out. */
    int spills() {
        return spills;
    }

    /** Entries in the heap part (all entries while nothing was spilled). */
    int memorySize() {
        return memory.size();
    }

    /** The heap part's entries, in key order, while nothing is spilled (the small commit's path). */
    Map<ByteKey, byte[]> memoryEntries() {
        return memory;
    }

    /**
     * The entries in [from, to) in key order as they are now; {@code to} null = to the end.
     * Close it (it may hold a cursor of the spill space).
     */
    OwnEntries entries(byte[] fromInclusive, byte[] toExclusive) {
        ByteKey from = new ByteKey(fromInclusive);
        Map<ByteKey, byte[]> range = toExclusive == null ? memory.tailMap(from, true)
                : memory.subMap(from, true, new ByteKey(toExclusive), false);
        List<Map.Entry<ByteKey, byte[]>> copy = new ArrayList<>(range.size());
        for (Map.Entry<ByteKey, byte[]> e : range.entrySet()) {
            copy.add(Map.entry(e.getKey(), e.getValue()));
        }
        return new OwnEntries(copy, spilled == null ? null : spilled.scan(fromInclusive, toExclusive));
    }

    /** Forgets everything, the spilled part included. */
    void clear() {
        memory.clear();
        memoryBytes = 0;
        if (spilled != null) {
            SpillStore.Area area = spilled;
            spilled = null;
            area.close();
        }
    }

    /** Writes the heap part out to the spill space and empties it. */
    void spill() {
        if (spilled == null) {
            spilled = spillSpace.get().newArea();
        }
        try (SpillStore.Batch batch = spilled.batch()) {
            for (Map.Entry<ByteKey, byte[]> e : memory.entrySet()) {
                batch.put(e.getKey().bytes(), encode(e.getValue()));
            }
            batch.write();
        }
        spillListener.spilled(memory.keySet());
        memory.clear();
        memoryBytes = 0;
        spills++;
    }

    private byte[] encode(byte[] value) {
        return SpillStore.encodeRow(value == deleted ? null : value);
    }

    private byte[] decode(byte[] stored) {
        if (stored == null) {
            return null;
        }
        return SpillStore.isDeletedRow(stored) ? deleted : SpillStore.decodeRow(stored);
    }

    /** The heap part's copy merged with a spilled cursor in key order, the heap part winning. */
    final class OwnEntries implements Iterator<Map.Entry<ByteKey, byte[]>>, AutoCloseable {
        private final List<Map.Entry<ByteKey, byte[]>> heap;
        private final SpillStore.Cursor disk;
        private int heapPos;
        private Map.Entry<ByteKey, byte[]> diskHead;
        private Map.Entry<ByteKey, byte[]> next;

        private OwnEntries(List<Map.Entry<ByteKey, byte[]>> heap, SpillStore.Cursor disk) {
            this.heap = heap;
            this.disk = disk;
            advanceDisk();
            next = compute();
        }

        private void advanceDisk() {
            diskHead = disk != null && disk.next() ? Map.entry(new ByteKey(disk.key()), decode(disk.value())) : null;
        }

        private Map.Entry<ByteKey, byte[]> compute() {
            Map.Entry<ByteKey, byte[]> h = heapPos < heap.size() ? heap.get(heapPos) : null;
            if (h == null && diskHead == null) {
                return null;
            }
            int cmp = h == null ? 1 : diskHead == null ? -1 : h.getKey().compareTo(diskHead.getKey());
            if (cmp <= 0) {
                heapPos++;
                if (cmp == 0) {
                    advanceDisk();
                }
                return h;
            }
            Map.Entry<ByteKey, byte[]> d = diskHead;
            advanceDisk();
            return d;
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public Map.Entry<ByteKey, byte[]> next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            Map.Entry<ByteKey, byte[]> e = next;
            next = compute();
            return e;
        }

        @Override
        public void close() {
            if (disk != null) {
                disk.close();
            }
        }
    }
}
