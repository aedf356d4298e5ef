package org.walden.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * One WAL record: a 24-byte header and a payload. Record starts are aligned to 8 bytes;
 * the bytes between a record's end and the next start are zero.
 *
 * <pre>
 *  offset size  field
 *   0      4    total length (header + payload), int32 little-endian
 *   4      4    xid (0 for records outside a transaction)
 *   8      8    LSN of the previous record (the prev-link)
 *  16      1    resource manager id ({@link RmgrId})
 *  17      1    info (the record type within its resource manager)
 *  18      2    reserved, zero
 *  20      4    CRC-32C over bytes 0..23 with this field zeroed, then the payload
 *  24      n    payload
 * </pre>
 *
 * <p>{@code lsn} is where the record starts (INVALID for a record not yet inserted).
 */
public record WalRecord(Lsn lsn, int xid, Lsn prevLsn, RmgrId rmgr, byte info, byte[] payload) {

    public static final int HEADER_SIZE = 24;
    public static final int ALIGNMENT = 8;
    /** Longest record accepted by the reader; a longer length field is corruption. */
    public static final int MAX_RECORD_BYTES = 256 * 1024 * 1024;
    static final int CRC_OFFSET = 20;
    static final int PREV_OFFSET = 8;
    static final int RMGR_OFFSET = 16;
    private static final byte[] ZERO_CRC_FIELD = new byte[4];

    /** A record still to be inserted: the WAL assigns its LSN and prev-link. */
    public static WalRecord of(int xid, RmgrId rmgr, byte info, byte[] payload) {
        return new WalRecord(Lsn.INVALID, xid, Lsn.INVALID, rmgr, info, payload);
    }

    public int totalLength() {
        return HEADER_SIZE + payload.length;
    }

    /** The LSN just past this record, before alignment padding. */
    public Lsn endLsn() {
        return lsn.plus(totalLength());
    }

    /** The LSN where the next record starts. */
    public Lsn nextLsn() {
        return new Lsn(align(lsn.value() + totalLength()));
    }

    public static long align(long position) {
        return (position + ALIGNMENT - 1) & ~(long) (ALIGNMENT - 1);
    }

    /** Encodes with the given prev-link into {@code dst} at {@code offset}; returns the bytes written. */
    public int encode(Lsn prev, byte[] dst, int offset) {
        ByteBuffer b = ByteBuffer.wrap(dst, offset, totalLength()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(totalLength());
        b.putInt(xid);
        b.putLong(prev.value());
        b.put(rmgr.id());
        b.put(info);
        b.putShort((short) 0);
        b.putInt(0);
        b.put(payload);
        int crc = crc(dst, offset, totalLength());
        ByteBuffer.wrap(dst, offset + CRC_OFFSET, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(crc);
        return totalLength();
    }

    /** Encodes into a fresh array (tests, tools). */
    public byte[] encode(Lsn prev) {
        byte[] out = new byte[totalLength()];
        encode(prev, out, 0);
        return out;
    }

    /** CRC-32C of a whole encoded record, its CRC field taken as zero. */
    public static int crc(byte[] record, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(record, offset, CRC_OFFSET);
        crc.update(ZERO_CRC_FIELD, 0, 4);
        crc.update(record, offset + CRC_OFFSET + 4, length - CRC_OFFSET - 4);
        return (int) crc.getValue();
    }

    /** The header fields of an encoded record, before its payload is validated. */
    public record Header(int totalLength, int xid, Lsn prevLsn, int rmgrId, byte info, int crc) {

        public static Header parse(byte[] header, int offset) {
            // plain shifts, not a ByteBuffer: redo parses every record, often before the JIT has run
            return new Header(intAt(header, offset), intAt(header, offset + 4), new Lsn(longAt(header, offset + PREV_OFFSET)),
                    header[offset + RMGR_OFFSET] & 0xFF, header[offset + 17], intAt(header, offset + CRC_OFFSET));
        }
    }

    /**
     * Decodes a whole encoded record found at {@code lsn} without checks: callers check length,
     * prev-link and CRC first (see {@link WalReader}).
     */
    public static WalRecord decode(Lsn lsn, byte[] record, int offset) {
        return decode(lsn, Header.parse(record, offset), record, offset);
    }

    /**
     * As {@link #decode(Lsn, byte[], int)} with the header's length, prev-link and resource
     * manager already read (the reader's path, which makes no {@link Header}).
     */
    static WalRecord decode(Lsn lsn, long prev, RmgrId rmgr, byte[] record, int offset, int totalLength) {
        byte[] payload = new byte[totalLength - HEADER_SIZE];
        System.arraycopy(record, offset + HEADER_SIZE, payload, 0, payload.length);
        return new WalRecord(lsn, intAt(record, offset + 4), new Lsn(prev), rmgr, record[offset + 17], payload);
    }

    static int intAt(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    static long longAt(byte[] b, int at) {
        return (intAt(b, at) & 0xFFFFFFFFL) | (long) intAt(b, at + 4) << 32;
    }

    /** As {@link #decode(Lsn, byte[], int)} with the header already parsed. */
    public static WalRecord decode(Lsn lsn, Header h, byte[] record, int offset) {
        byte[] payload = new byte[h.totalLength() - HEADER_SIZE];
        System.arraycopy(record, offset + HEADER_SIZE, payload, 0, payload.length);
        return new WalRecord(lsn, h.xid(), h.prevLsn(), RmgrId.fromId(h.rmgrId()), h.info(), payload);
    }
}
