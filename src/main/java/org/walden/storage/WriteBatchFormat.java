package org.walden.storage;

import java.util.Arrays;
import org.walden.common.Invariants;
import org.walden.wal.KvBulk;
import org.walden.wal.WalRecord;

/**
 * RocksDB's serialized WriteBatch (its {@code WriteBatch::rep_}), built in Java: a 12-byte
 * header (fixed64 sequence, left 0 for RocksDB to assign; fixed32 count), then per entry a type
 * byte ({@code kTypeValue} 0x01 or {@code kTypeDeletion} 0x00), the key and, for a value, the
 * value, each as varint32 length + bytes. Building it in Java spares one native call per row:
 * {@link Store#write} hands the whole batch to RocksDB at once.
 *
 * <p>Redo appends the rows of many commits to one instance and writes it when the batch is full
 * or nothing more is available to replay; {@link #clear} makes it ready for the next batch.
 * Such a batch ({@link #lastWriteWins()}) keeps only the last write of each key: RocksDB applies
 * a batch atomically (readers see all of it or none), so a key's earlier writes in the same batch
 * could never be read, and leaving them out spares their memtable inserts and the flush of their
 * bytes (a tpcb-like catch-up of 1,600 commits per batch updates the same 10 branch and 100
 * teller rows again and again: half its writes). A hash of the keys written so far (open
 * addressing over entry numbers) finds a key's earlier write, which is marked dead and skipped
 * when the batch is serialized. Used by one thread.
 */
public final class WriteBatchFormat {

    static final int HEADER_BYTES = 12;
    static final byte TYPE_DELETION = 0x00;
    static final byte TYPE_VALUE = 0x01;

    private byte[] rep = new byte[4096];
    private int length = HEADER_BYTES;
    private int count;

    /** Whether a key's later write replaces its earlier one in this batch (see the class comment). */
    private final boolean lastWriteWins;
    // lastWriteWins only: per entry (0..count-1) where it starts in rep, where its key is, its
    // slot in keySlots, and whether a later write of its key replaced it.
    private int[] entryStart;
    private int[] entryKeyOffset;
    private int[] entryKeyLength;
    private int[] entrySlot;
    private boolean[] entryDead;
    /** Per entry, its key's bytes 0..7 and 8..15 ({@link #prefix}), and its key's hash. */
    private long[] keyHigh;
    private long[] keyLow;
    private int[] entryHash;
    /** Open addressing: entry number + 1 of the last write of a key, 0 for an empty slot; a power of two long. */
    private int[] keySlots;
    private int deadCount;
    private int deadBytes;

    /** A batch that keeps every write, in order. */
    public WriteBatchFormat() {
        this(false);
    }

    private WriteBatchFormat(boolean lastWriteWins) {
        this.lastWriteWins = lastWriteWins;
        if (lastWriteWins) {
            entryStart = new int[256];
            entryKeyOffset = new int[256];
            entryKeyLength = new int[256];
            entrySlot = new int[256];
            entryDead = new boolean[256];
            entryHash = new int[256];
            keyHigh = new long[256];
            keyLow = new long[256];
            keySlots = new int[512];
        }
    }

    /**
     * A batch that keeps only the last write of each key (redo's batch of commits, written
     * atomically: see the class comment).
     */
    public static WriteBatchFormat lastWriteWins() {
        return new WriteBatchFormat(true);
    }

    /** The WriteBatch holding a KV ROWS record's puts and deletes, in record order. */
    static byte[] fromRows(WalRecord rows) {
        WriteBatchFormat batch = new WriteBatchFormat();
        batch.ensure(rows.payload().length + 64);
        KvBulk.forEachRowSlice(rows, batch::add);
        return batch.serialized();
    }

    /**
     * Appends a put of the slice {@code [valueOffset, +valueLength)} under the key slice, or a
     * delete of the key when {@code valueOffset} is negative.
     */
    public void add(byte[] source, int keyOffset, int keyLength, int valueOffset, int valueLength) {
        ensure(keyLength + Math.max(valueLength, 0) + 11);
        int start = length;
        rep[length++] = valueOffset < 0 ? TYPE_DELETION : TYPE_VALUE;
        slice(source, keyOffset, keyLength);
        int keyInRep = length - keyLength;
        if (valueOffset >= 0) {
            slice(source, valueOffset, valueLength);
        }
        if (lastWriteWins) {
            remember(start, keyInRep, keyLength);
        }
        count++;
    }

    /** Records entry {@code count} and marks the earlier write of its key, if any, dead. */
    private void remember(int start, int keyInRep, int keyLength) {
        if (count == entryStart.length) {
            int n = count * 2;
            entryStart = Arrays.copyOf(entryStart, n);
            entryKeyOffset = Arrays.copyOf(entryKeyOffset, n);
            entryKeyLength = Arrays.copyOf(entryKeyLength, n);
            entrySlot = Arrays.copyOf(entrySlot, n);
            entryDead = Arrays.copyOf(entryDead, n);
            entryHash = Arrays.copyOf(entryHash, n);
            keyHigh = Arrays.copyOf(keyHigh, n);
            keyLow = Arrays.copyOf(keyLow, n);
        }
        // the key's first 16 bytes as two longs: the sort compares them, and so does the look-up
        // here before it compares bytes (only those past the 16th): cheap on a JVM that just started
        long high = prefix(rep, keyInRep, Math.min(keyLength, 8));
        long low = keyLength > 8 ? prefix(rep, keyInRep + 8, Math.min(keyLength - 8, 8)) : Long.MIN_VALUE;
        int h = mix(high * 0x9E3779B97F4A7C15L ^ low * 0xC2B2AE3D27D4EB4FL ^ keyLength);
        if (keyLength > 16) {
            h = mix(h * 31L + hash(rep, keyInRep + 16, keyLength - 16));
        }
        entryStart[count] = start;
        entryKeyOffset[count] = keyInRep;
        entryKeyLength[count] = keyLength;
        entryDead[count] = false;
        entryHash[count] = h;
        keyHigh[count] = high;
        keyLow[count] = low;
        if ((count - deadCount + 1) * 2 > keySlots.length) {
            rehash(keySlots.length * 2);
        }
        int mask = keySlots.length - 1;
        int slot = h & mask;
        while (true) {
            int occupant = keySlots[slot] - 1;
            if (occupant < 0) {
                break;
            }
            if (entryHash[occupant] == h && keyHigh[occupant] == high && keyLow[occupant] == low
                    && entryKeyLength[occupant] == keyLength && (keyLength <= 16 || Arrays.equals(rep,
                    entryKeyOffset[occupant] + 16, entryKeyOffset[occupant] + keyLength, rep, keyInRep + 16,
                    keyInRep + keyLength))) {
                entryDead[occupant] = true;
                deadCount++;
                // the entries after it start where it ends (entryStart[count] is this new one)
                deadBytes += entryStart[occupant + 1] - entryStart[occupant];
                break;
            }
            slot = (slot + 1) & mask;
        }
        keySlots[slot] = count + 1;
        entrySlot[count] = slot;
    }

    private void rehash(int slots) {
        keySlots = new int[slots];
        int mask = slots - 1;
        for (int i = 0; i < count; i++) {
            if (entryDead[i]) {
                continue;
            }
            int slot = entryHash[i] & mask;
            while (keySlots[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            keySlots[slot] = i + 1;
            entrySlot[i] = slot;
        }
    }

    private static int hash(byte[] b, int offset, int n) {
        int h = 1;
        for (int i = offset, end = offset + n; i < end; i++) {
            h = 31 * h + b[i];
        }
        return h;
    }

    /**
     * A 64-bit mix folded to 32 bits (MurmurHash3's finalizer): keys that differ in their last
     * bytes (consecutive row ids) must not land in consecutive slots, where linear probing would
     * walk long runs.
     */
    private static int mix(long v) {
        v ^= v >>> 33;
        v *= 0xff51afd7ed558ccdL;
        v ^= v >>> 33;
        v *= 0xc4ceb9fe1a85ec53L;
        v ^= v >>> 33;
        return (int) v;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** The serialized size so far, header included. */
    public int bytes() {
        return length;
    }

    public void clear() {
        if (lastWriteWins) {
            if (count > keySlots.length / 8) {
                Arrays.fill(keySlots, 0);
            } else {
                for (int i = 0; i < count; i++) {
                    keySlots[entrySlot[i]] = 0;
                }
            }
            deadCount = 0;
            deadBytes = 0;
        }
        length = HEADER_BYTES;
        count = 0;
    }

    /** Entries the batch will write (a later write of a key replaced the earlier ones). */
    public int liveEntries() {
        return count - deadCount;
    }

    /**
     * A copy of the batch in RocksDB's form, its count in the header. A last-write-wins batch
     * leaves the replaced writes out and puts the others in key order (each key is written once,
     * so the order changes nothing readers can see): RocksDB's memtable skip list inserts a key
     * just after the previous one from where that one went in (its cached splice), far cheaper
     * than a search from the top for keys in no order.
     */
    byte[] serialized() {
        byte[] out;
        int live = count - deadCount;
        if (!lastWriteWins) {
            out = Arrays.copyOf(rep, length);
        } else {
            out = new byte[length - deadBytes];
            int[] order = liveInKeyOrder();
            int at = HEADER_BYTES;
            for (int i : order) {
                int end = i + 1 < count ? entryStart[i + 1] : length;
                System.arraycopy(rep, entryStart[i], out, at, end - entryStart[i]);
                at += end - entryStart[i];
            }
            Invariants.check(at == out.length, "a last-write-wins batch fills its array");
        }
        // fixed32 little-endian count after the fixed64 sequence
        out[8] = (byte) live;
        out[9] = (byte) (live >>> 8);
        out[10] = (byte) (live >>> 16);
        out[11] = (byte) (live >>> 24);
        return out;
    }

    /**
     * The live entries' numbers, their keys ascending (unsigned bytes, RocksDB's bytewise order).
     * A merge sort that compares the keys' first 16 bytes as two longs (sign-flipped, so that a
     * signed comparison is the unsigned one; a shorter key padded with zeros) and the whole keys
     * only when those are equal: on a JVM that just started (a standby catching up), where this
     * runs before the JIT has compiled it, a comparison of two longs is far cheaper than one of
     * two byte ranges.
     */
    private int[] liveInKeyOrder() {
        int[] order = new int[count - deadCount];
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (!entryDead[i]) {
                order[n++] = i;
            }
        }
        int[] scratch = new int[n];
        // bottom-up merge sort: runs of width 1, 2, 4, ... merged from order into scratch and back
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                int a = lo;
                int b = mid;
                int k = lo;
                while (a < mid && b < hi) {
                    int x = order[a];
                    int y = order[b];
                    long hx = keyHigh[x];
                    long hy = keyHigh[y];
                    boolean xFirst;
                    if (hx != hy) {
                        xFirst = hx < hy;
                    } else if (keyLow[x] != keyLow[y]) {
                        xFirst = keyLow[x] < keyLow[y];
                    } else {
                        xFirst = compareKeys(x, y) <= 0;
                    }
                    if (xFirst) {
                        scratch[k++] = x;
                        a++;
                    } else {
                        scratch[k++] = y;
                        b++;
                    }
                }
                while (a < mid) {
                    scratch[k++] = order[a++];
                }
                while (b < hi) {
                    scratch[k++] = order[b++];
                }
            }
            int[] t = order;
            order = scratch;
            scratch = t;
        }
        return order;
    }

    /**
     * Up to 8 bytes from {@code at}, big-endian, zero-padded on the right, with the sign bit
     * flipped: two such prefixes compare as signed longs as their bytes compare unsigned.
     */
    private static long prefix(byte[] b, int at, int length) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (i < length ? b[at + i] & 0xFF : 0);
        }
        return v ^ Long.MIN_VALUE;
    }

    private int compareKeys(int i, int j) {
        return Arrays.compareUnsigned(rep, entryKeyOffset[i], entryKeyOffset[i] + entryKeyLength[i],
                rep, entryKeyOffset[j], entryKeyOffset[j] + entryKeyLength[j]);
    }

    private void slice(byte[] bytes, int offset, int sliceLength) {
        int v = sliceLength;
        while ((v & ~0x7F) != 0) {
            rep[length++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        rep[length++] = (byte) v;
        System.arraycopy(bytes, offset, rep, length, sliceLength);
        length += sliceLength;
    }

    private void ensure(int more) {
        if (length + more > rep.length) {
            rep = Arrays.copyOf(rep, Math.max(rep.length * 2, length + more));
        }
    }
}
