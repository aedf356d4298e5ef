package org.walden.sql.catalog;

import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import org.walden.sql.types.Interval;
import org.walden.sql.types.NumericSpecial;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;
import org.walden.wal.Lsn;

/**
 * One value's stored form (in rows, catalog records and statistics): fixed-width big-endian
 * for bool, integers (every OID-like type as 8 bytes), floats, date (int32 days), time and
 * timestamps (int64 µs), pg_lsn; interval as int64 µs + int32 days + int32 months; numeric as
 * int16 scale + int16 length + unscaled two's-complement bytes; uuid as 16 bytes; bytea and
 * strings as varint length + bytes; lists (arrays, int2vector, oidvector) as varint count and
 * per element a null flag byte and the element.
 */
public final class ValueCodec {

    private ValueCodec() {
    }

    public static void write(DataOutputStream out, PgType type, Object v) throws IOException {
        if (type.isListValued()) {
            List<?> list = (List<?>) v;
            writeVarint(out, list.size());
            PgType element = type.elementType();
            for (Object o : list) {
                out.writeByte(o == null ? 0 : 1);
                if (o != null) {
                    write(out, element, o);
                }
            }
            return;
        }
        if (type.isOidLike()) {
            out.writeLong(((Number) v).longValue());
            return;
        }
        switch (type) {
            case BOOL -> out.writeByte(((Boolean) v) ? 1 : 0);
            case INT2 -> out.writeShort(((Number) v).shortValue());
            case INT4 -> out.writeInt(((Number) v).intValue());
            case INT8, XID, CID -> out.writeLong(((Number) v).longValue());
            case FLOAT4 -> out.writeFloat(((Number) v).floatValue());
            case FLOAT8 -> out.writeDouble(((Number) v).doubleValue());
            case DATE -> out.writeInt(Values.dateToPgDays((LocalDate) v));
            case TIME -> out.writeLong(Values.timeMicros((LocalTime) v));
            case TIMETZ -> {
                java.time.OffsetTime t = (java.time.OffsetTime) v;
                out.writeLong(Values.timeMicros(t.toLocalTime()));
                out.writeInt(t.getOffset().getTotalSeconds());
            }
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
                if (v instanceof NumericSpecial special) { // no digits; the scale field says which
                    out.writeShort(special.isNaN() ? 1 : special.signum() > 0 ? 2 : 3);
                    out.writeShort(0);
                    return;
                }
                BigDecimal b = (BigDecimal) v;
                byte[] unscaled = b.unscaledValue().toByteArray();
                out.writeShort(b.scale());
                out.writeShort(unscaled.length);
                out.write(unscaled);
            }
            case UUID -> {
                java.util.UUID u = (java.util.UUID) v;
                out.writeLong(u.getMostSignificantBits());
                out.writeLong(u.getLeastSignificantBits());
            }
            case BYTEA -> {
                byte[] b = (byte[]) v;
                writeVarint(out, b.length);
                out.write(b);
            }
            default -> {
                String text = v instanceof String s ? s : Values.toText(type, v, java.time.ZoneOffset.UTC);
                byte[] s = text.getBytes(StandardCharsets.UTF_8);
                writeVarint(out, s.length);
                out.write(s);
            }
        }
    }

    public static Object read(ByteBuffer in, PgType type) {
        if (type.isListValued()) {
            int n = readVarint(in);
            List<Object> out = new ArrayList<>(n);
            PgType element = type.elementType();
            for (int i = 0; i < n; i++) {
                out.add(in.get() == 0 ? null : read(in, element));
            }
            return out;
        }
        if (type.isOidLike()) {
            return in.getLong();
        }
        return switch (type) {
            case BOOL -> in.get() != 0;
            case INT2 -> in.getShort();
            case INT4 -> in.getInt();
            case INT8, XID, CID -> in.getLong();
            case FLOAT4 -> in.getFloat();
            case FLOAT8 -> in.getDouble();
            case DATE -> Values.pgDaysToDate(in.getInt());
            case TIME -> Values.timeOfMicros(in.getLong());
            case TIMETZ -> java.time.OffsetTime.of(Values.timeOfMicros(in.getLong()),
                    java.time.ZoneOffset.ofTotalSeconds(in.getInt()));
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
                if (unscaled.length == 0) {
                    yield scale == 1 ? NumericSpecial.NAN : scale == 2 ? NumericSpecial.POSITIVE_INFINITY
                            : NumericSpecial.NEGATIVE_INFINITY;
                }
                in.get(unscaled);
                yield new BigDecimal(new BigInteger(unscaled), scale);
            }
            case UUID -> new java.util.UUID(in.getLong(), in.getLong());
            case INET, CIDR -> {
                int len = readVarint(in);
                String s = new String(in.array(), in.arrayOffset() + in.position(), len, StandardCharsets.UTF_8);
                in.position(in.position() + len);
                yield org.walden.sql.types.InetValue.parse(s, type == PgType.CIDR);
            }
            case BYTEA -> {
                byte[] b = new byte[readVarint(in)];
                in.get(b);
                yield b;
            }
            default -> {
                int len = readVarint(in);
                String s = new String(in.array(), in.arrayOffset() + in.position(), len, StandardCharsets.UTF_8);
                in.position(in.position() + len);
                yield s;
            }
        };
    }

    /** Skips one stored value of {@code type}. */
    public static void skip(ByteBuffer in, PgType type) {
        if (type.isListValued()) {
            read(in, type);
            return;
        }
        if (type.isOidLike()) {
            in.position(in.position() + 8);
            return;
        }
        int n = switch (type) {
            case BOOL -> 1;
            case INT2 -> 2;
            case INT4, FLOAT4, DATE -> 4;
            case INT8, XID, CID, FLOAT8, TIME, TIMESTAMP, TIMESTAMPTZ, PG_LSN -> 8;
            case TIMETZ -> 12;
            case INTERVAL, UUID -> 16;
            case NUMERIC -> {
                in.getShort();
                yield in.getShort();
            }
            default -> readVarint(in);
        };
        in.position(in.position() + n);
    }

    static void writeVarint(DataOutputStream out, int v) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    static int readVarint(ByteBuffer in) {
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
