package org.walden.sql.catalog;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.walden.sql.types.Interval;
import org.walden.sql.types.NumericSpecial;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;
import org.walden.txn.Transaction;

/**
 * Order-preserving keys of table rows and index entries, compared as unsigned bytes:
 * <pre>
 *   row:          02 relfilenode:4  pk-value ...         (or a hidden 8-byte row id)
 *   index entry:  02 relfilenode:4  (marker value) ...  [row key suffix]   → row key suffix
 * </pre>
 * Values: every integer width and OID-like type as 8 bytes with the sign bit flipped (so an
 * int4 parameter finds an int8 key), floats in the order-preserving IEEE layout (-0 as 0), numerics
 * as sign, decimal exponent and digits, text-like types and bytea as bytes with 00 escaped as
 * 00 FF and ended by 00 00 (bpchar without trailing spaces), dates / times / timestamps as
 * flipped 8-byte counts, booleans one byte, uuid and pg_lsn as their bytes, arrays element by
 * element. In index entries each key value is preceded by a marker placing NULLs first or last
 * (00 null-first, 01 value, 02 null-last) and a DESC key has its bytes inverted. A unique
 * index's entry without NULLs omits the row key suffix, so a second row with the same key lands
 * on the same entry (the uniqueness check); other entries end with it.
 */
public final class Keys {

    private static final byte NULL_FIRST = 0x00;
    private static final byte VALUE = 0x01;
    private static final byte NULL_LAST = 0x02;

    private Keys() {
    }

    public static byte[] prefix(int relfilenode) {
        return ByteBuffer.allocate(5).put(Transaction.DATA_KEYSPACE).putInt(relfilenode).array();
    }

    /** The first key after every key of the relation. */
    public static byte[] end(int relfilenode) {
        return prefix(relfilenode + 1);
    }

    /** The key of a table row from its values (primary key columns non-null), for a table with a primary key. */
    public static byte[] rowKey(Relation table, Object[] row) {
        byte[] integral = integerRowKey(table, row);
        if (integral != null) {
            return integral;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(24);
        out.writeBytes(prefix(table.relfilenode()));
        for (int col : table.primaryKey()) {
            encode(out, table.column(col).type(), row[col]);
        }
        return out.toByteArray();
    }

    /**
     * The key of a row whose primary key columns are all int2 / int4 / int8 (pgbench's tables,
     * most serial keys), written straight into an array of its final size: the same bytes as
     * {@link #encode}'s, without a stream's per-byte writes (a fifth of a re-key's CPU). Null
     * when a key column has another type or no value (the general path decides).
     */
    private static byte[] integerRowKey(Relation table, Object[] row) {
        int[] pk = table.primaryKey();
        for (int col : pk) {
            PgType t = table.column(col).type();
            if (t != PgType.INT4 && t != PgType.INT8 && t != PgType.INT2 || row[col] == null) {
                return null;
            }
        }
        byte[] key = new byte[5 + 8 * pk.length];
        int relfilenode = table.relfilenode();
        key[0] = Transaction.DATA_KEYSPACE;
        key[1] = (byte) (relfilenode >>> 24);
        key[2] = (byte) (relfilenode >>> 16);
        key[3] = (byte) (relfilenode >>> 8);
        key[4] = (byte) relfilenode;
        int at = 5;
        for (int col : pk) {
            long v = ((Number) row[col]).longValue() ^ Long.MIN_VALUE;
            for (int shift = 56; shift >= 0; shift -= 8) {
                key[at++] = (byte) (v >>> shift);
            }
        }
        return key;
    }

    /** The key of a table row from the primary key's values alone, in key column order. */
    public static byte[] rowKeyOf(Relation table, Object[] keyValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(24);
        out.writeBytes(prefix(table.relfilenode()));
        int[] pk = table.primaryKey();
        for (int i = 0; i < keyValues.length; i++) {
            encode(out, table.column(pk[i]).type(), keyValues[i]);
        }
        return out.toByteArray();
    }

    public static byte[] rowIdKey(int relfilenode, long rowId) {
        return ByteBuffer.allocate(13).put(Transaction.DATA_KEYSPACE).putInt(relfilenode).putLong(rowId).array();
    }

    public static long rowIdOf(byte[] key) {
        return ByteBuffer.wrap(key, 5, 8).getLong();
    }

    /** A row key without its table prefix (what index entries point with). */
    public static byte[] suffix(byte[] rowKey) {
        return Arrays.copyOfRange(rowKey, 5, rowKey.length);
    }

    /** The row key of a table from an index entry's pointer. */
    public static byte[] rowKeyFromSuffix(int tableRelfilenode, byte[] suffix) {
        return ByteBuffer.allocate(5 + suffix.length).put(Transaction.DATA_KEYSPACE).putInt(tableRelfilenode)
                .put(suffix).array();
    }

    // ---------------------------------------------------------------- index entries

    /** Encodes index key values (with their NULL markers and directions) after the index's prefix. */
    public static ByteArrayOutputStream indexKey(IndexInfo idx, PgType[] types, Object[] values, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32);
        out.writeBytes(prefix(idx.relfilenode()));
        for (int i = 0; i < count; i++) {
            IndexInfo.Key k = idx.keys().get(i);
            indexValue(out, types[i], values[i], k.descending(), k.nullsFirst());
        }
        return out;
    }

    /** Appends one index key value with its marker. */
    public static void indexValue(ByteArrayOutputStream out, PgType type, Object v, boolean descending,
                                  boolean nullsFirst) {
        if (v == null) {
            out.write(nullsFirst ? NULL_FIRST : NULL_LAST);
            return;
        }
        out.write(VALUE);
        if (!descending) {
            encode(out, type, v);
            return;
        }
        ByteArrayOutputStream tmp = new ByteArrayOutputStream(16);
        encode(tmp, type, v);
        for (byte b : tmp.toByteArray()) {
            out.write(~b);
        }
    }

    /** True when an index entry for these values carries the row pointer in its key (not unique, or a NULL). */
    public static boolean entryHasPointer(IndexInfo idx, Object[] values) {
        if (!idx.unique()) {
            return true;
        }
        if (idx.nullsNotDistinct()) {
            return false;
        }
        for (Object v : values) {
            if (v == null) {
                return true;
            }
        }
        return false;
    }

    /** The full key of an index entry for a row: key values, then the row pointer when needed. */
    public static byte[] indexEntry(IndexInfo idx, PgType[] types, Object[] values, byte[] rowKeySuffix) {
        ByteArrayOutputStream out = indexKey(idx, types, values, values.length);
        if (entryHasPointer(idx, values)) {
            out.writeBytes(rowKeySuffix);
        }
        return out.toByteArray();
    }

    /** The first key after every key starting with {@code prefix}. */
    public static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        return null;
    }

    /**
     * Decodes the leading {@code count} key values of an index entry (for index-only scans);
     * returns the values and, in {@code position[0]}, where the row pointer starts.
     */
    public static Object[] decodeIndexValues(IndexInfo idx, PgType[] types, byte[] key, int count, int[] position) {
        ByteBuffer in = ByteBuffer.wrap(key, 5, key.length - 5);
        Object[] out = new Object[count];
        for (int i = 0; i < count; i++) {
            byte marker = in.get();
            if (marker != VALUE) {
                continue;
            }
            IndexInfo.Key k = idx.keys().get(i);
            if (k.descending()) {
                ByteBuffer inverted = invertedView(key, in.position());
                out[i] = decode(inverted, types[i]);
                in.position(inverted.position());
            } else {
                out[i] = decode(in, types[i]);
            }
        }
        position[0] = in.position();
        return out;
    }

    private static ByteBuffer invertedView(byte[] key, int from) {
        byte[] inv = new byte[key.length];
        for (int i = from; i < key.length; i++) {
            inv[i] = (byte) ~key[i];
        }
        ByteBuffer b = ByteBuffer.wrap(inv);
        b.position(from);
        return b;
    }

    /** Decodes the primary key values of a row key (in key column order). */
    public static Object[] decodeRowKey(Relation table, byte[] key) {
        ByteBuffer in = ByteBuffer.wrap(key, 5, key.length - 5);
        int[] pk = table.primaryKey();
        Object[] out = new Object[pk.length];
        for (int i = 0; i < pk.length; i++) {
            out[i] = decode(in, table.column(pk[i]).type());
        }
        return out;
    }

    // ---------------------------------------------------------------- values

    /** True for types whose key form can be decoded back to the value exactly (index-only scans). */
    public static boolean decodable(PgType type) {
        return type != PgType.INTERVAL && type != PgType.JSON && type != PgType.JSONB && type != PgType.BPCHAR
                && type != PgType.INET && type != PgType.CIDR && type != PgType.RECORD && type.category != 'P';
    }

    public static void encode(ByteArrayOutputStream out, PgType type, Object v) {
        if (type.isListValued()) {
            for (Object o : (List<?>) v) {
                if (o == null) {
                    out.write(NULL_LAST);
                } else {
                    out.write(VALUE);
                    encode(out, type.elementType(), o);
                }
            }
            out.write(0x00);
            return;
        }
        if (type.isOidLike()) {
            writeLong(out, ((Number) v).longValue() ^ Long.MIN_VALUE);
            return;
        }
        switch (type) {
            case INT2, INT4, INT8, XID, CID -> writeLong(out, ((Number) v).longValue() ^ Long.MIN_VALUE);
            case BOOL -> out.write(((Boolean) v) ? 1 : 0);
            case FLOAT4, FLOAT8 -> {
                double d = ((Number) v).doubleValue();
                if (d == 0) {
                    d = 0.0;
                }
                if (Double.isNaN(d)) {
                    d = Double.NaN;
                }
                long bits = Double.doubleToLongBits(d);
                writeLong(out, bits < 0 ? ~bits : bits ^ Long.MIN_VALUE);
            }
            case NUMERIC -> numeric(out, (Number) v);
            case DATE -> writeLong(out, Values.dateToPgDays((LocalDate) v) ^ Long.MIN_VALUE);
            case TIME -> writeLong(out, Values.timeMicros((LocalTime) v) ^ Long.MIN_VALUE);
            case TIMETZ -> { // timetz_cmp's order: the UTC time, then the zone (seconds west of UTC)
                java.time.OffsetTime t = (java.time.OffsetTime) v;
                int offset = t.getOffset().getTotalSeconds();
                writeLong(out, (Values.timeMicros(t.toLocalTime()) - offset * 1_000_000L) ^ Long.MIN_VALUE);
                writeLong(out, (long) -offset ^ Long.MIN_VALUE);
            }
            case TIMESTAMP -> writeLong(out, Values.timestampToPgMicros((LocalDateTime) v) ^ Long.MIN_VALUE);
            case TIMESTAMPTZ -> writeLong(out, Values.instantToPgMicros((Instant) v) ^ Long.MIN_VALUE);
            case INTERVAL -> writeLong(out, ((Interval) v).approxMicros() ^ Long.MIN_VALUE);
            case PG_LSN -> writeLong(out, ((org.walden.wal.Lsn) v).value());
            case UUID -> {
                java.util.UUID u = (java.util.UUID) v;
                writeLong(out, u.getMostSignificantBits());
                writeLong(out, u.getLeastSignificantBits());
            }
            case BYTEA -> writeBytes(out, (byte[]) v);
            case INET, CIDR -> { // network_cmp's order: family, the network, the mask length, the address
                if (v instanceof org.walden.sql.types.InetValue iv) {
                    ByteArrayOutputStream k = new ByteArrayOutputStream();
                    k.write(iv.isV4() ? 4 : 6);
                    k.writeBytes(iv.network().address());
                    k.write(iv.bits());
                    k.writeBytes(iv.address());
                    writeBytes(out, k.toByteArray());
                } else {
                    writeBytes(out, v.toString().getBytes(StandardCharsets.UTF_8));
                }
            }
            case BPCHAR -> writeBytes(out, Values.stripTrailingSpaces((String) v).getBytes(StandardCharsets.UTF_8));
            default -> writeBytes(out, (v instanceof String s ? s : v.toString()).getBytes(StandardCharsets.UTF_8));
        }
    }

    static Object decode(ByteBuffer in, PgType type) {
        if (type.isListValued()) {
            List<Object> out = new ArrayList<>();
            while (true) {
                byte m = in.get();
                if (m == 0x00) {
                    return out;
                }
                out.add(m == NULL_LAST ? null : decode(in, type.elementType()));
            }
        }
        if (type.isOidLike()) {
            return in.getLong() ^ Long.MIN_VALUE;
        }
        return switch (type) {
            case INT2 -> (short) (in.getLong() ^ Long.MIN_VALUE);
            case INT4 -> (int) (in.getLong() ^ Long.MIN_VALUE);
            case INT8, XID, CID -> in.getLong() ^ Long.MIN_VALUE;
            case BOOL -> in.get() != 0;
            case FLOAT4, FLOAT8 -> {
                long bits = in.getLong();
                double d = Double.longBitsToDouble(bits < 0 ? bits ^ Long.MIN_VALUE : ~bits);
                yield type == PgType.FLOAT4 ? (Object) (float) d : (Object) d;
            }
            case NUMERIC -> decodeNumeric(in);
            case DATE -> Values.pgDaysToDate((int) (in.getLong() ^ Long.MIN_VALUE));
            case TIME -> Values.timeOfMicros(in.getLong() ^ Long.MIN_VALUE);
            case TIMETZ -> {
                long utc = in.getLong() ^ Long.MIN_VALUE;
                int offset = (int) -(in.getLong() ^ Long.MIN_VALUE);
                yield java.time.OffsetTime.of(Values.timeOfMicros(utc + offset * 1_000_000L),
                        java.time.ZoneOffset.ofTotalSeconds(offset));
            }
            case TIMESTAMP -> Values.pgMicrosToTimestamp(in.getLong() ^ Long.MIN_VALUE);
            case TIMESTAMPTZ -> Values.pgMicrosToInstant(in.getLong() ^ Long.MIN_VALUE);
            case PG_LSN -> new org.walden.wal.Lsn(in.getLong());
            case UUID -> new java.util.UUID(in.getLong(), in.getLong());
            case BYTEA -> readBytes(in);
            default -> new String(readBytes(in), StandardCharsets.UTF_8);
        };
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (v >>> shift));
        }
    }

    private static void writeBytes(ByteArrayOutputStream out, byte[] s) {
        for (byte b : s) {
            out.write(b);
            if (b == 0) {
                out.write(0xFF);
            }
        }
        out.write(0);
        out.write(0);
    }

    private static byte[] readBytes(ByteBuffer in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            byte b = in.get();
            if (b == 0) {
                byte n = in.get();
                if (n == 0) {
                    return out.toByteArray();
                }
                out.write(0);
            } else {
                out.write(b);
            }
        }
    }

    /**
     * numeric: 01 negative / 02 zero / 03 positive, then (for non-zero) the decimal exponent of
     * the first digit (flipped int32; inverted for negatives) and the digits without trailing
     * zeros (inverted for negatives), ended by 00 (FF for negatives): 1.5 = 1.50, and the byte
     * order is the numeric order. -Infinity is 00, Infinity 04 and NaN 05 (numeric_cmp: NaN above
     * everything).
     */
    private static void numeric(ByteArrayOutputStream out, Number n) {
        if (n instanceof NumericSpecial special) {
            out.write(special.isNaN() ? 0x05 : special.signum() < 0 ? 0x00 : 0x04);
            return;
        }
        BigDecimal v = (BigDecimal) n;
        int sign = v.signum();
        if (sign == 0) {
            out.write(0x02);
            return;
        }
        BigDecimal abs = v.abs().stripTrailingZeros();
        String digits = abs.unscaledValue().toString();
        int exponent = abs.precision() - abs.scale() - 1;
        int e = exponent ^ Integer.MIN_VALUE;
        out.write(sign < 0 ? 0x01 : 0x03);
        if (sign < 0) {
            e = ~e;
        }
        out.write(e >>> 24);
        out.write(e >>> 16);
        out.write(e >>> 8);
        out.write(e);
        for (int i = 0; i < digits.length(); i++) {
            int d = digits.charAt(i) - '0' + 1;
            out.write(sign < 0 ? 11 - d : d);
        }
        out.write(sign < 0 ? 0xFF : 0x00);
    }

    private static Number decodeNumeric(ByteBuffer in) {
        int marker = in.get();
        switch (marker) {
            case 0x00:
                return NumericSpecial.NEGATIVE_INFINITY;
            case 0x02:
                return BigDecimal.ZERO;
            case 0x04:
                return NumericSpecial.POSITIVE_INFINITY;
            case 0x05:
                return NumericSpecial.NAN;
            default:
                break;
        }
        boolean negative = marker == 0x01;
        int e = in.getInt();
        if (negative) {
            e = ~e;
        }
        int exponent = e ^ Integer.MIN_VALUE;
        StringBuilder digits = new StringBuilder();
        while (true) {
            int b = in.get() & 0xFF;
            if (b == (negative ? 0xFF : 0x00)) {
                break;
            }
            digits.append((char) ('0' + (negative ? 11 - b : b) - 1));
        }
        BigDecimal unscaled = new BigDecimal(new BigInteger(digits.toString()));
        BigDecimal v = unscaled.movePointLeft(digits.length() - 1 - exponent);
        return negative ? v.negate() : v;
    }
}
