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

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.getInt()];
        b.get(out);
        return out;
    }
}
