package org.walden.storage;

import java.io.ByteArrayOutputStream;
import org.walden.wal.KvBulk;
import org.walden.wal.WalRecord;

/**
 * RocksDB's serialized WriteBatch (its {@code WriteBatch::rep_}): a 12-byte header (fixed64
 * sequence, left 0 for RocksDB to assign; fixed32 count), then per entry a type byte
 * ({@code kTypeValue} 0x01 or {@code kTypeDeletion} 0x00), the key and, for a value, the value,
 * each as varint32 length + bytes. Building it in Java spares one native call per row.
 */
final class WriteBatchFormat {

    static final int HEADER_BYTES = 12;
    static final byte TYPE_DELETION = 0x00;
    static final byte TYPE_VALUE = 0x01;

    private WriteBatchFormat() {
    }

    /** The WriteBatch holding a KV ROWS record's puts and deletes, in record order. */
    static byte[] fromRows(WalRecord rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(rows.payload().length + HEADER_BYTES + 64);
        out.write(new byte[HEADER_BYTES], 0, HEADER_BYTES);
        int count = KvBulk.forEachRowSlice(rows, (p, keyOff, keyLen, valueOff, valueLen) -> {
            out.write(valueOff < 0 ? TYPE_DELETION : TYPE_VALUE);
            writeSlice(out, p, keyOff, keyLen);
            if (valueOff >= 0) {
                writeSlice(out, p, valueOff, valueLen);
            }
        });
        byte[] rep = out.toByteArray();
        // fixed32 little-endian count after the fixed64 sequence
        rep[8] = (byte) count;
        rep[9] = (byte) (count >>> 8);
        rep[10] = (byte) (count >>> 16);
        rep[11] = (byte) (count >>> 24);
        return rep;
    }

    private static void writeSlice(ByteArrayOutputStream out, byte[] bytes, int offset, int length) {
        int v = length;
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
        out.write(bytes, offset, length);
    }
}
