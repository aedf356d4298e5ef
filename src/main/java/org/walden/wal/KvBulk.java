package org.walden.wal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The payloads of the KV records that work on a whole key range or many rows at once
 * (PostgreSQL's new-relfilenode optimisation: a table created, truncated or rewritten in the
 * transaction gets a fresh key range that no other transaction can see until the catalog row
 * naming it commits, so its rows may reach storage before the commit).
 *
 * <pre>
 * NEW_RANGE:    int32 fromLen, from, int32 toLen, to  (the range is empty from here; applied at once;
 *                                                     an abort, or the end of recovery without a commit, empties it again)
 * ROWS:         int32 count, count x (int32 keyLen, key, int32 valueLen or -1 for a delete, value)
 *                                                    (rows of a NEW_RANGE of the same xid; applied at once)
 * DELETE_RANGE: int32 fromLen, from, int32 toLen, to  (applied atomically with the COMMIT, like a KV PUT)
 * </pre>
 */
public final class KvBulk {

    /** A key range [from, to). */
    public record Range(byte[] from, byte[] to) {
    }

    /** Receives the rows of a ROWS record; {@code value} null for a delete. */
    @FunctionalInterface
    public interface RowSink {
        void row(byte[] key, byte[] value);
    }

    private KvBulk() {
    }

    public static WalRecord newRange(int xid, byte[] from, byte[] to) {
        return WalRecord.of(xid, RmgrId.KV, RmgrId.KV_NEW_RANGE, encodeRange(from, to));
    }

    public static WalRecord deleteRange(int xid, byte[] from, byte[] to) {
        return WalRecord.of(xid, RmgrId.KV, RmgrId.KV_DELETE_RANGE, encodeRange(from, to));
    }

    /** True for the records that {@link KvChange#decode} does not read. */
    public static boolean isBulk(WalRecord r) {
        return r.rmgr() == RmgrId.KV && r.info() != RmgrId.KV_PUT && r.info() != RmgrId.KV_DELETE;
    }

    private static byte[] encodeRange(byte[] from, byte[] to) {
        return ByteBuffer.allocate(8 + from.length + to.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(from.length).put(from).putInt(to.length).put(to).array();
    }

    public static Range decodeRange(WalRecord r) {
        ByteBuffer b = ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN);
        return new Range(bytes(b, b.getInt()), bytes(b, b.getInt()));
    }

    /** Builds one ROWS record's payload row by row. */
    public static final class RowsBuilder {
        private final ByteArrayOutputStream out;
        private final ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        private int count;

        public RowsBuilder() {
            this(64 * 1024);
        }

        /** A builder whose buffer starts at {@code initialBytes} (it grows past them when needed). */
        public RowsBuilder(int initialBytes) {
            out = new ByteArrayOutputStream(initialBytes);
            writeInt(0); // the count, filled in by toRecord
        }

        public void add(byte[] key, byte[] valueOrNull) {
            writeInt(key.length);
            out.writeBytes(key);
            if (valueOrNull == null) {
                writeInt(-1);
            } else {
                writeInt(valueOrNull.length);
                out.writeBytes(valueOrNull);
            }
            count++;
        }

        public int count() {
            return count;
        }

        /** The payload bytes so far. */
        public int sizeBytes() {
            return out.size();
        }

        public WalRecord toRecord(int xid) {
            byte[] payload = out.toByteArray();
            ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).putInt(0, count);
            return WalRecord.of(xid, RmgrId.KV, RmgrId.KV_ROWS, payload);
        }

        public void reset() {
            out.reset();
            count = 0;
            writeInt(0);
        }

        private void writeInt(int v) {
            len.clear();
            len.putInt(v);
            out.write(len.array(), 0, 4);
        }
    }

    /**
     * Receives the rows of a ROWS record as slices of its payload, without copying:
     * {@code valueOffset} is -1 for a delete.
     */
    @FunctionalInterface
    public interface RowSliceSink {
        void row(byte[] payload, int keyOffset, int keyLength, int valueOffset, int valueLength);
    }

    /** Hands each row of a ROWS record to {@code sink} as payload slices, in record order. Returns the row count. */
    public static int forEachRowSlice(WalRecord r, RowSliceSink sink) {
        byte[] p = r.payload();
        ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
        int count = b.getInt();
        for (int i = 0; i < count; i++) {
            int keyLen = b.getInt();
            int keyOff = b.position();
            b.position(keyOff + keyLen);
            int valueLen = b.getInt();
            int valueOff = valueLen < 0 ? -1 : b.position();
            if (valueLen > 0) {
                b.position(valueOff + valueLen);
            }
            sink.row(p, keyOff, keyLen, valueOff, Math.max(valueLen, 0));
        }
        return count;
    }

    /** Hands each row of a ROWS record to {@code sink}, in record order. Returns the row count. */
    public static int decodeRows(WalRecord r, RowSink sink) {
        ByteBuffer b = ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN);
        int count = b.getInt();
        for (int i = 0; i < count; i++) {
            byte[] key = bytes(b, b.getInt());
            int valueLen = b.getInt();
            sink.row(key, valueLen < 0 ? null : bytes(b, valueLen));
        }
        return count;
    }

    /** pg_waldump's desc column for these records. */
    public static String describe(WalRecord r) {
        if (r.info() == RmgrId.KV_ROWS) {
            return "ROWS " + ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN).getInt() + " rows";
        }
        Range range = decodeRange(r);
        return (r.info() == RmgrId.KV_NEW_RANGE ? "NEW_RANGE " : "DELETE_RANGE ")
                + java.util.HexFormat.of().formatHex(range.from()) + ".." + java.util.HexFormat.of().formatHex(range.to());
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}
