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
 * ROWS_SNAPPY:  int32 rawLen, a ROWS payload of rawLen bytes compressed by Snappy (a bulk load's
 *                                                    large ROWS record as it is logged: {@link #compressed})
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

    /**
     * A ROWS record smaller than this is logged as it is: compressing a few rows saves little and
     * a commit's small records are on the latency path.
     */
    public static final int COMPRESS_MIN_BYTES = 64 * 1024;

    /**
     * The form a ROWS record is logged in: a large one (a bulk load's batch: COPY into a fresh
     * table, a table re-keyed or rewritten) as ROWS_SNAPPY when Snappy shrinks it by at least an
     * eighth, else {@code rows} itself. The WAL bytes are what a load with a standby pays for
     * several times over (written and fsynced, read and sent by the walsender, written and
     * fsynced by the walreceiver); Snappy compresses at about a GB/s, a fraction of what those
     * writes cost. Only the logged form changes: the caller applies {@code rows} itself.
     */
    public static WalRecord compressed(WalRecord rows) {
        byte[] raw = rows.payload();
        if (rows.info() != RmgrId.KV_ROWS || raw.length < COMPRESS_MIN_BYTES || !Compression.available()) {
            return rows;
        }
        byte[] out = new byte[4 + org.xerial.snappy.Snappy.maxCompressedLength(raw.length)];
        int n;
        try {
            n = org.xerial.snappy.Snappy.compress(raw, 0, raw.length, out, 4);
        } catch (java.io.IOException e) {
            return rows; // logged as it is
        }
        if (4 + n > raw.length - raw.length / 8) {
            return rows;
        }
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(0, raw.length);
        return new WalRecord(rows.lsn(), rows.xid(), rows.prevLsn(), RmgrId.KV, RmgrId.KV_ROWS_SNAPPY,
                java.util.Arrays.copyOf(out, 4 + n));
    }

    /**
     * A ROWS_SNAPPY record as the ROWS record it was made from (same LSN, xid and prev-link), for
     * redo; any other record as it is. A payload that does not decompress to its stated length
     * is corruption the CRC did not catch: an IllegalStateException.
     */
    public static WalRecord uncompressed(WalRecord r) {
        if (r.rmgr() != RmgrId.KV || r.info() != RmgrId.KV_ROWS_SNAPPY) {
            return r;
        }
        byte[] p = r.payload();
        int rawLength = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        byte[] raw = new byte[rawLength];
        try {
            if (rawLength < 0 || org.xerial.snappy.Snappy.uncompressedLength(p, 4, p.length - 4) != rawLength
                    || org.xerial.snappy.Snappy.uncompress(p, 4, p.length - 4, raw, 0) != rawLength) {
                throw new IllegalStateException("invalid compressed ROWS record at " + r.lsn());
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("invalid compressed ROWS record at " + r.lsn() + ": " + e.getMessage(), e);
        }
        return new WalRecord(r.lsn(), r.xid(), r.prevLsn(), RmgrId.KV, RmgrId.KV_ROWS, raw);
    }

    /** Whether Snappy's native library loads here (it is the server's own dependency; checked once). */
    private static final class Compression {
        private static final boolean AVAILABLE = load();

        private static boolean load() {
            try {
                return org.xerial.snappy.Snappy.maxCompressedLength(1) > 0;
            } catch (Throwable e) { // UnsatisfiedLinkError, SnappyError: log ROWS records uncompressed
                return false;
            }
        }

        static boolean available() {
            return AVAILABLE;
        }
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
        if (r.info() == RmgrId.KV_ROWS_SNAPPY) {
            WalRecord raw = uncompressed(r);
            return "ROWS " + ByteBuffer.wrap(raw.payload()).order(ByteOrder.LITTLE_ENDIAN).getInt() + " rows (snappy, "
                    + raw.payload().length + " bytes compressed to " + (r.payload().length - 4) + ")";
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
