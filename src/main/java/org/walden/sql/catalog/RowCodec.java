package org.walden.sql.catalog;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import org.walden.sql.types.Interval;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;
import org.walden.wal.Lsn;

/**
 * Row values in a compact binary encoding: int16 column count, a null bitmap (one bit per
 * column, LSB first), then each non-null value: fixed-width big-endian for int2/int4/int8/
 * float4/float8/bool/timestamps/pg_lsn, interval as int64 µs + int32 days + int32 months,
 * numeric as int16 scale + int16 length + unscaled two's-complement bytes, strings as
 * varint length + UTF-8. A stored row with fewer columns than the table reads the missing
 * ones as NULL (room for ADD COLUMN).
 */
public final class RowCodec {

    private RowCodec() {
    }

    public static byte[] encode(List<Column> columns, Object[] row) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
            DataOutputStream out = new DataOutputStream(bytes);
            int n = columns.size();
            out.writeShort(n);
            byte[] nulls = new byte[(n + 7) / 8];
            for (int i = 0; i < n; i++) {
                if (row[i] == null) {
                    nulls[i / 8] |= (byte) (1 << (i % 8));
                }
            }
            out.write(nulls);
            for (int i = 0; i < n; i++) {
                if (row[i] != null) {
                    writeValue(out, columns.get(i).type(), row[i]);
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeValue(DataOutputStream out, PgType type, Object v) throws IOException {
        switch (type) {
            case BOOL -> out.writeByte(((Boolean) v) ? 1 : 0);
            case INT2 -> out.writeShort(((Number) v).shortValue());
            case INT4 -> out.writeInt(((Number) v).intValue());
            case INT8, OID, XID -> out.writeLong(((Number) v).longValue());
            case FLOAT4 -> out.writeFloat(((Number) v).floatValue());
            case FLOAT8 -> out.writeDouble(((Number) v).doubleValue());
            case TIMESTAMP -> out.writeLong(Values.timestampToPgMicros((LocalDateTime) v));
            case TIMESTAMPTZ -> out.writeLong(Values.instantToPgMicros((Instant) v));
            case PG_LSN -> out.writeLong(((Lsn) v).value());
            case INTERVAL -> {
                Interval i = (Interval) v;
                out.writeLong(i.micros());
                out.writeInt(i.days());
                out.writeInt(i.months());
            }
            case NUMERIC -> {
                BigDecimal b = (BigDecimal) v;
                byte[] unscaled = b.unscaledValue().toByteArray();
                out.writeShort(b.scale());
                out.writeShort(unscaled.length);
                out.write(unscaled);
            }
            default -> {
                byte[] s = v.toString().getBytes(StandardCharsets.UTF_8);
                writeVarint(out, s.length);
                out.write(s);
            }
        }
    }

    private static void writeVarint(DataOutputStream out, int v) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    public static Object[] decode(List<Column> columns, byte[] bytes) {
        return decodePrefix(columns, bytes, columns.size());
    }

    /**
     * Decodes only the first {@code columnCount} columns (the rest stay null): re-keying a
     * table by a leading column need not build every row's strings.
     */
    public static Object[] decodePrefix(List<Column> columns, byte[] bytes, int columnCount) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int stored = in.getShort();
        byte[] nulls = new byte[(stored + 7) / 8];
        in.get(nulls);
        Object[] row = new Object[columns.size()];
        int limit = Math.min(columnCount, row.length);
        for (int i = 0; i < stored && i < limit; i++) {
            if ((nulls[i / 8] & (1 << (i % 8))) == 0) {
                row[i] = readValue(in, columns.get(i).type());
            }
        }
        return row;
    }

    private static Object readValue(ByteBuffer in, PgType type) {
        return switch (type) {
            case BOOL -> in.get() != 0;
            case INT2 -> in.getShort();
            case INT4 -> in.getInt();
            case INT8, OID, XID -> in.getLong();
            case FLOAT4 -> in.getFloat();
            case FLOAT8 -> in.getDouble();
            case TIMESTAMP -> Values.pgMicrosToTimestamp(in.getLong());
            case TIMESTAMPTZ -> Values.pgMicrosToInstant(in.getLong());
            case PG_LSN -> new Lsn(in.getLong());
            case INTERVAL -> {
                long micros = in.getLong();
                int days = in.getInt();
                yield new Interval(in.getInt(), days, micros);
            }
            case NUMERIC -> {
                int scale = in.getShort();
                byte[] unscaled = new byte[in.getShort()];
                in.get(unscaled);
                yield new BigDecimal(new BigInteger(unscaled), scale);
            }
            default -> {
                int len = readVarint(in);
                byte[] s = new byte[len];
                in.get(s);
                yield new String(s, StandardCharsets.UTF_8);
            }
        };
    }

    private static int readVarint(ByteBuffer in) {
        int v = 0;
        int shift = 0;
        while (true) {
            int b = in.get() & 0xFF;
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
            shift += 7;
        }
    }
}
