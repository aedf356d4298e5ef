package org.walden.sql.catalog;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;
import org.walden.txn.Transaction;

/**
 * Table row keys: {@code DATA_KEYSPACE, relfilenode (4 bytes big-endian), primary key}. The
 * primary key is an order-preserving concatenation of its columns: integers of every width
 * as 8 bytes with the sign bit flipped, booleans as one byte, timestamps as flipped int64
 * microseconds, floats in the order-preserving IEEE layout, strings as UTF-8 with 0x00
 * escaped as 0x00 0xFF and ended by 0x00 0x00. numeric is keyed by its canonical text
 * (equality is exact, key order is not numeric order). A table without a primary key uses a
 * hidden 8-byte big-endian row id.
 */
public final class KeyCodec {

    private KeyCodec() {
    }

    /** The first key of the table's rows. */
    public static byte[] tablePrefix(TableDef table) {
        return tablePrefix(table.relfilenode());
    }

    /** The first key after every row of the table. */
    public static byte[] tableEnd(TableDef table) {
        return tableEnd(table.relfilenode());
    }

    public static byte[] tablePrefix(int tableOid) {
        return ByteBuffer.allocate(5).put(Transaction.DATA_KEYSPACE).putInt(tableOid).array();
    }

    /** The first key after every row of the table. */
    public static byte[] tableEnd(int tableOid) {
        return tablePrefix(tableOid + 1);
    }

    public static byte[] rowIdKey(int tableOid, long rowId) {
        return ByteBuffer.allocate(13).put(Transaction.DATA_KEYSPACE).putInt(tableOid).putLong(rowId).array();
    }

    /** The row id of a hidden-row-id key. */
    public static long rowIdOf(byte[] key) {
        return ByteBuffer.wrap(key, 5, 8).getLong();
    }

    /** The key of a row, from its values (primary key columns must be non-null and of the column's type). */
    public static byte[] primaryKey(TableDef table, Object[] row) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32);
        out.writeBytes(tablePrefix(table.relfilenode()));
        for (int col : table.primaryKey()) {
            encodeValue(out, table.columns().get(col).type(), row[col]);
        }
        return out.toByteArray();
    }

    /** The key of a row from the primary key values alone, in key column order. */
    public static byte[] primaryKeyOf(TableDef table, Object[] keyValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32);
        out.writeBytes(tablePrefix(table.relfilenode()));
        for (int i = 0; i < keyValues.length; i++) {
            encodeValue(out, table.columns().get(table.primaryKey()[i]).type(), keyValues[i]);
        }
        return out.toByteArray();
    }

    private static void encodeValue(ByteArrayOutputStream out, PgType type, Object v) {
        switch (type) {
            case INT2, INT4, INT8, OID -> writeLong(out, ((Number) v).longValue() ^ Long.MIN_VALUE);
            case BOOL -> out.write(((Boolean) v) ? 1 : 0);
            case FLOAT4, FLOAT8 -> {
                long bits = Double.doubleToLongBits(((Number) v).doubleValue());
                writeLong(out, bits < 0 ? ~bits : bits ^ Long.MIN_VALUE);
            }
            case TIMESTAMP -> writeLong(out, Values.timestampToPgMicros((LocalDateTime) v) ^ Long.MIN_VALUE);
            case TIMESTAMPTZ -> writeLong(out, Values.instantToPgMicros((Instant) v) ^ Long.MIN_VALUE);
            case NUMERIC -> writeString(out, ((BigDecimal) v).stripTrailingZeros().toPlainString());
            default -> writeString(out, v.toString());
        }
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (v >>> shift));
        }
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            out.write(b);
            if (b == 0) {
                out.write(0xFF);
            }
        }
        out.write(0);
        out.write(0);
    }
}
