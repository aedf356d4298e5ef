package org.walden.wal;

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
        /** The payload so far (no ByteArrayOutputStream: its locked writes, four per row, showed in COPY's profile). */
        private byte[] buf;
        private int size;
        private int count;

        public RowsBuilder() {
            this(64 * 1024);
        }

        /** A builder whose buffer starts at {@code initialBytes} (it grows past them when needed). */
        public RowsBuilder(int initialBytes) {
            buf = new byte[Math.max(initialBytes, 16)];
            writeInt(0); // the count, filled in by toRecord
        }

        public void add(byte[] key, byte[] valueOrNull) {
            ensure(8 + key.length + (valueOrNull == null ? 0 : valueOrNull.length));
            writeInt(key.length);
            System.arraycopy(key, 0, buf, size, key.length);
            size += key.length;
            if (valueOrNull == null) {
                writeInt(-1);
            } else {
                writeInt(valueOrNull.length);
                System.arraycopy(valueOrNull, 0, buf, size, valueOrNull.length);
                size += valueOrNull.length;
            }
            count++;
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        public int count() {
            return count;
        }

        /** The payload so far, up to {@link #sizeBytes()} (the builder's own array: the next add may replace it). */
        public byte[] bytes() {
            return buf;
        }

        /** The payload bytes so far. */
        public int sizeBytes() {
            return size;
        }

        public WalRecord toRecord(int xid) {
            byte[] payload = java.util.Arrays.copyOf(buf, size);
            ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).putInt(0, count);
            return WalRecord.of(xid, RmgrId.KV, RmgrId.KV_ROWS, payload);
        }

        public void reset() {
            size = 0;
            count = 0;
            ensure(4);
            writeInt(0);
        }

        /** Little-endian, as the record's reader takes it; the caller made room. */
        private void writeInt(int v) {
            buf[size] = (byte) v;
            buf[size + 1] = (byte) (v >>> 8);
            buf[size + 2] = (byte) (v >>> 16);
            buf[size + 3] = (byte) (v >>> 24);
            size += 4;
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
