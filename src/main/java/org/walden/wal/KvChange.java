package org.walden.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The payload of a KV record: one row-level change with its before-image, so that redo is
 * idempotent (a put or delete of the whole row) and a diverged timeline can be undone.
 *
 * <pre>
 * PUT:    int32 keyLen, key, int32 afterLen, after, byte hasBefore, [int32 beforeLen, before]
 * DELETE: int32 keyLen, key, byte hasBefore, [int32 beforeLen, before]
 * </pre>
 *
 * @param after  the new row, null for a delete
 * @param before the row before the change, null when there was none
 */
public record KvChange(byte[] key, byte[] after, byte[] before) {

    public boolean isDelete() {
        return after == null;
    }

    public WalRecord toRecord(int xid) {
        int size = 4 + key.length + (after == null ? 0 : 4 + after.length) + 1 + (before == null ? 0 : 4 + before.length);
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(key.length).put(key);
        if (after != null) {
            b.putInt(after.length).put(after);
        }
        b.put((byte) (before == null ? 0 : 1));
        if (before != null) {
            b.putInt(before.length).put(before);
        }
        return WalRecord.of(xid, RmgrId.KV, after == null ? RmgrId.KV_DELETE : RmgrId.KV_PUT, b.array());
    }

    public static KvChange decode(WalRecord r) {
        ByteBuffer b = ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN);
        byte[] key = bytes(b);
        byte[] after = r.info() == RmgrId.KV_PUT ? bytes(b) : null;
        byte[] before = b.get() != 0 ? bytes(b) : null;
        return new KvChange(key, after, before);
    }

    /** Where a PUT's or DELETE's key starts in its payload. */
    public static final int KEY_OFFSET = 4;

    /** The length of the key of a PUT's or DELETE's payload. */
    public static int keyLength(byte[] payload) {
        return intAt(payload, 0);
    }

    /** Where a PUT's new row starts in its payload, after a key of {@code keyLength} bytes. */
    public static int afterOffset(int keyLength) {
        return KEY_OFFSET + keyLength + 4;
    }

    /** The length of a PUT's new row, after a key of {@code keyLength} bytes. */
    public static int afterLength(byte[] payload, int keyLength) {
        return intAt(payload, KEY_OFFSET + keyLength);
    }

    /** The first byte of the change's key (its keyspace), or -1 for an empty key. */
    public static int keyspace(WalRecord r) {
        return intAt(r.payload(), 0) > 0 ? r.payload()[4] : -1;
    }

    private static int intAt(byte[] p, int at) {
        return (p[at] & 0xFF) | (p[at + 1] & 0xFF) << 8 | (p[at + 2] & 0xFF) << 16 | (p[at + 3] & 0xFF) << 24;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.getInt()];
        b.get(out);
        return out;
    }
}
