package org.walden.storage;

import java.util.Arrays;
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
 * Used by one thread.
 */
public final class WriteBatchFormat {

    static final int HEADER_BYTES = 12;
    static final byte TYPE_DELETION = 0x00;
    static final byte TYPE_VALUE = 0x01;

    private byte[] rep = new byte[4096];
    private int length = HEADER_BYTES;
    private int count;

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
        rep[length++] = valueOffset < 0 ? TYPE_DELETION : TYPE_VALUE;
        slice(source, keyOffset, keyLength);
        if (valueOffset >= 0) {
            slice(source, valueOffset, valueLength);
        }
        count++;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** The serialized size so far, header included. */
    public int bytes() {
        return length;
    }

    public void clear() {
        length = HEADER_BYTES;
        count = 0;
    }

    /** A copy of the batch in RocksDB's form, its count in the header. */
    byte[] serialized() {
        byte[] out = Arrays.copyOf(rep, length);
        // fixed32 little-endian count after the fixed64 sequence
        out[8] = (byte) count;
        out[9] = (byte) (count >>> 8);
        out[10] = (byte) (count >>> 16);
        out[11] = (byte) (count >>> 24);
        return out;
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
