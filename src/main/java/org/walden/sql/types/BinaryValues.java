package org.walden.sql.types;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;

/**
 * The binary send/receive formats (network byte order): integers and floats by width,
 * timestamps as int64 microseconds since 2000-01-01, dates as int32 days since then, time as
 * int64 microseconds, numeric as base-10000 digits ({@link NumericBinary}), arrays as
 * array_send lays them out (ndim, has-null flag, element OID, per dimension length and lower
 * bound, then length-prefixed elements), jsonb with its version byte 1.
 */
final class BinaryValues {

    private BinaryValues() {
    }

    static byte[] send(PgType type, Object v) {
        if (v == null) {
            return null;
        }
        if (type.isListValued()) {
            return arraySend((List<?>) v, type.elementType());
        }
        if (type.isOidLike() || type == PgType.XID || type == PgType.CID) {
            return ByteBuffer.allocate(4).putInt((int) ((Number) v).longValue()).array();
        }
        return switch (type) {
            case BOOL -> new byte[] {(byte) (((Boolean) v) ? 1 : 0)};
            case INT2 -> ByteBuffer.allocate(2).putShort(((Number) v).shortValue()).array();
            case INT4 -> ByteBuffer.allocate(4).putInt(((Number) v).intValue()).array();
            case INT8 -> ByteBuffer.allocate(8).putLong(((Number) v).longValue()).array();
            case FLOAT4 -> ByteBuffer.allocate(4).putFloat(((Number) v).floatValue()).array();
            case FLOAT8 -> ByteBuffer.allocate(8).putDouble(((Number) v).doubleValue()).array();
            case NUMERIC -> NumericBinary.encode((Number) v);
            case DATE -> ByteBuffer.allocate(4).putInt(Values.dateToPgDays((LocalDate) v)).array();
            case TIME -> ByteBuffer.allocate(8).putLong(Values.timeMicros((LocalTime) v)).array();
            case TIMETZ -> { // time of day in microseconds, then the zone in seconds west of UTC
                java.time.OffsetTime t = (java.time.OffsetTime) v;
                yield ByteBuffer.allocate(12).putLong(Values.timeMicros(t.toLocalTime()))
                        .putInt(-t.getOffset().getTotalSeconds()).array();
            }
            case TIMESTAMP -> ByteBuffer.allocate(8).putLong(Values.timestampToPgMicros((LocalDateTime) v)).array();
            case TIMESTAMPTZ -> ByteBuffer.allocate(8).putLong(Values.instantToPgMicros((Instant) v)).array();
            case INTERVAL -> {
                Interval i = (Interval) v;
                yield ByteBuffer.allocate(16).putLong(i.micros()).putInt(i.days()).putInt(i.months()).array();
            }
            case PG_LSN -> ByteBuffer.allocate(8).putLong(((Lsn) v).value()).array();
            case INET, CIDR -> v instanceof InetValue iv ? iv.send() : inetSend(v);
            case BYTEA -> (byte[]) v;
            case UUID -> {
                java.util.UUID u = (java.util.UUID) v;
                yield ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits())
                        .array();
            }
            case CHAR -> ((String) v).isEmpty() ? new byte[0] : ((String) v).substring(0, 1)
                    .getBytes(StandardCharsets.UTF_8);
            case JSONB -> {
                byte[] s = ((String) v).getBytes(StandardCharsets.UTF_8);
                byte[] out = new byte[s.length + 1];
                out[0] = 1;
                System.arraycopy(s, 0, out, 1, s.length);
                yield out;
            }
            case VOID -> new byte[0];
            case RECORD -> recordSend((RowValue) v);
            default -> Values.toText(type, v, ValueContext.UTC).getBytes(StandardCharsets.UTF_8);
        };
    }

    /** array_send: a multi-dimensional array is nested Lists, sent as its dimensions and its elements in row-major order. */
    private static byte[] arraySend(List<?> items, PgType element) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> dims = new ArrayList<>();
        Object level = items;
        while (level instanceof List<?> l && !l.isEmpty()) {
            dims.add(l.size());
            level = element.isListValued() ? null : l.get(0);
        }
        List<Object> leaves = new ArrayList<>();
        flatten(items, dims.size(), leaves);
        ByteBuffer head = ByteBuffer.allocate(12 + 8 * dims.size());
        head.putInt(dims.size()).putInt(leaves.contains(null) ? 1 : 0).putInt(element.oid);
        for (int d : dims) {
            head.putInt(d).putInt(1);
        }
        out.writeBytes(head.array());
        for (Object item : leaves) {
            if (item == null) {
                out.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
                continue;
            }
            byte[] b = send(element, item);
            out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    private static void flatten(List<?> items, int depth, List<Object> out) {
        for (Object o : items) {
            if (depth > 1 && o instanceof List<?> inner) {
                flatten(inner, depth - 1, out);
            } else {
                out.add(o);
            }
        }
    }

    private static byte[] recordSend(RowValue r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).putInt(r.values().length).array());
        for (int i = 0; i < r.values().length; i++) {
            PgType t = r.types().get(i);
            out.writeBytes(ByteBuffer.allocate(4).putInt(t.oid).array());
            byte[] b = send(t, r.values()[i]);
            out.writeBytes(ByteBuffer.allocate(4).putInt(b == null ? -1 : b.length).array());
            if (b != null) {
                out.writeBytes(b);
            }
        }
        return out.toByteArray();
    }

    private static byte[] inetSend(Object v) {
        try {
            InetAddress a = v instanceof InetAddress ia ? ia : InetAddress.getByName(v.toString().replaceAll("/.*", ""));
            byte[] addr = a.getAddress();
            ByteBuffer b = ByteBuffer.allocate(4 + addr.length);
            b.put((byte) (addr.length == 4 ? 2 : 3)).put((byte) (addr.length * 8)).put((byte) 0)
                    .put((byte) addr.length).put(addr);
            return b.array();
        } catch (UnknownHostException e) {
            throw Values.invalidInput(PgType.INET, v.toString());
        }
    }

    static Object receive(PgType type, byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        try {
            if (type.isListValued()) {
                return arrayReceive(buf, type.elementType());
            }
            if (type.isOidLike() || type == PgType.XID || type == PgType.CID) {
                return expectLength(b, 4) ? buf.getInt() & 0xFFFFFFFFL : null;
            }
            return switch (type) {
                case BOOL -> expectLength(b, 1) && b[0] != 0;
                case INT2 -> expectLength(b, 2) ? buf.getShort() : null;
                case INT4 -> expectLength(b, 4) ? buf.getInt() : null;
                case INT8 -> expectLength(b, 8) ? buf.getLong() : null;
                case FLOAT4 -> expectLength(b, 4) ? buf.getFloat() : null;
                case FLOAT8 -> expectLength(b, 8) ? buf.getDouble() : null;
                case NUMERIC -> NumericBinary.decode(b);
                case DATE -> expectLength(b, 4) ? Values.pgDaysToDate(buf.getInt()) : null;
                case TIME -> expectLength(b, 8) ? Values.timeOfMicros(buf.getLong()) : null;
                case TIMETZ -> expectLength(b, 12) ? java.time.OffsetTime.of(Values.timeOfMicros(buf.getLong()),
                        java.time.ZoneOffset.ofTotalSeconds(-buf.getInt())) : null;
                case TIMESTAMP -> expectLength(b, 8) ? Values.pgMicrosToTimestamp(buf.getLong()) : null;
                case TIMESTAMPTZ -> expectLength(b, 8) ? Values.pgMicrosToInstant(buf.getLong()) : null;
                case INTERVAL -> {
                    expectLength(b, 16);
                    long micros = buf.getLong();
                    int days = buf.getInt();
                    yield new Interval(buf.getInt(), days, micros);
                }
                case PG_LSN -> expectLength(b, 8) ? new Lsn(buf.getLong()) : null;
                case BYTEA -> b.clone();
                case UUID -> expectLength(b, 16) ? new java.util.UUID(buf.getLong(), buf.getLong()) : null;
                case JSONB -> {
                    if (b.length == 0 || b[0] != 1) {
                        throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "unsupported jsonb version number");
                    }
                    yield Json.normalize(new String(b, 1, b.length - 1, StandardCharsets.UTF_8));
                }
                case INET -> InetValue.receive(buf, false);
                case CIDR -> InetValue.receive(buf, true);
                default -> Values.parseText(type, new String(b, StandardCharsets.UTF_8), ValueContext.UTC);
            };
        } catch (java.nio.BufferUnderflowException e) {
            throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
        }
    }

    private static List<Object> arrayReceive(ByteBuffer buf, PgType element) {
        int ndim = buf.getInt();
        buf.getInt(); // has-null flag
        int elementOid = buf.getInt();
        PgType actual = PgType.byOid(elementOid);
        PgType et = actual != null ? actual : element;
        if (ndim == 0) {
            return new ArrayList<>();
        }
        if (ndim < 0 || ndim > 6) {
            throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "invalid number of dimensions: " + ndim);
        }
        int[] dims = new int[ndim];
        for (int d = 0; d < ndim; d++) {
            dims[d] = buf.getInt();
            buf.getInt(); // lower bound
        }
        return arrayLevel(buf, et, dims, 0);
    }

    private static List<Object> arrayLevel(ByteBuffer buf, PgType et, int[] dims, int depth) {
        int n = dims[depth];
        List<Object> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (depth + 1 < dims.length) {
                out.add(arrayLevel(buf, et, dims, depth + 1));
                continue;
            }
            int len = buf.getInt();
            if (len < 0) {
                out.add(null);
                continue;
            }
            byte[] e = new byte[len];
            buf.get(e);
            out.add(receive(et, e));
        }
        return out;
    }

    private static boolean expectLength(byte[] b, int len) {
        if (b.length != len) {
            throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION,
                    "incorrect binary data format in bind parameter");
        }
        return true;
    }
}
