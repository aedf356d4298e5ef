package org.walden.sql.types;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
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
 * PostgreSQL's casts (pg_cast) between the built-in types: which exist and in which context
 * ('i' implicit, 'a' assignment, 'e' explicit only), and the conversions themselves. Every type
 * converts to the string types by its output (assignment) and from them by its input
 * (explicit), as PostgreSQL's automatic I/O conversion casts do.
 */
public final class Casts {

    private Casts() {
    }

    /** The cast context from → to: 'i', 'a', 'e', or 0 when there is no cast. */
    public static char context(PgType from, PgType to) {
        if (from == to) {
            return 'i';
        }
        if (from == PgType.UNKNOWN) {
            return 'i';
        }
        if (from.isArray() && to.isArray()) {
            return context(from.elementType(), to.elementType());
        }
        if (from == PgType.INT2VECTOR && to == PgType.INT2_ARRAY || from == PgType.OIDVECTOR && to == PgType.OID_ARRAY) {
            return 'i';
        }
        char numeric = numericContext(from, to);
        if (numeric != 0) {
            return numeric;
        }
        char oid = oidContext(from, to);
        if (oid != 0) {
            return oid;
        }
        if (from.isString() && to.isString()) {
            return stringContext(from, to);
        }
        char time = timeContext(from, to);
        if (time != 0) {
            return time;
        }
        if ((from == PgType.JSON && to == PgType.JSONB) || (from == PgType.JSONB && to == PgType.JSON)) {
            return 'a';
        }
        if (from == PgType.CIDR && to == PgType.INET) {
            return 'i';
        }
        if (from == PgType.INET && to == PgType.CIDR) {
            return 'a';
        }
        if ((from == PgType.INT4 && (to == PgType.BOOL || to == PgType.CHAR))
                || (to == PgType.INT4 && (from == PgType.BOOL || from == PgType.CHAR))) {
            return 'e';
        }
        if (from == PgType.JSONB && (to.isNumeric() || to == PgType.BOOL)) {
            return 'e';
        }
        if (from == PgType.PG_LSN && to == PgType.NUMERIC) {
            return 'e';
        }
        if (to == PgType.TEXT || to == PgType.VARCHAR || to == PgType.BPCHAR || to == PgType.NAME) {
            // I/O conversion to a string; of the pseudo-types, a record's and anyarray's values
            // (pg_stats.most_common_vals) are whole values with an output function
            return from.category == 'P' && from != PgType.RECORD && from != PgType.ANYARRAY ? 0 : 'a';
        }
        if (from == PgType.TEXT || from == PgType.VARCHAR || from == PgType.BPCHAR || from == PgType.NAME) {
            return to.category == 'P' && to != PgType.RECORD ? 0 : 'e'; // I/O conversion from a string
        }
        return 0;
    }

    private static int numericRank(PgType t) {
        return switch (t) {
            case INT2 -> 1;
            case INT4 -> 2;
            case INT8 -> 3;
            case NUMERIC -> 4;
            case FLOAT4 -> 5;
            case FLOAT8 -> 6;
            default -> 0;
        };
    }

    private static char numericContext(PgType from, PgType to) {
        int f = numericRank(from);
        int t = numericRank(to);
        if (f == 0 || t == 0) {
            return 0;
        }
        if (f < t) {
            return 'i';
        }
        return 'a'; // narrowing, and float/numeric to integer
    }

    private static char oidContext(PgType from, PgType to) {
        boolean fromOid = from.isOidLike();
        boolean toOid = to.isOidLike();
        if (fromOid && toOid) {
            return 'i'; // binary coercible, both ways (regclass::oid, oid::regclass)
        }
        if (toOid && (from == PgType.INT2 || from == PgType.INT4 || from == PgType.INT8)) {
            return 'i';
        }
        if (fromOid && (to == PgType.INT4 || to == PgType.INT8)) {
            return 'a';
        }
        if (to.isRegType() && (from == PgType.TEXT || from == PgType.VARCHAR)) {
            return 'i'; // text::regclass looks the name up
        }
        return 0;
    }

    private static char stringContext(PgType from, PgType to) {
        if (from == PgType.CHAR) {
            return to == PgType.TEXT ? 'i' : 'a'; // "char" is text implicitly, any other string by assignment
        }
        if (to == PgType.TEXT || to == PgType.VARCHAR) {
            return 'i';
        }
        if (to == PgType.BPCHAR) {
            return from == PgType.NAME ? 'a' : 'i';
        }
        if (to == PgType.NAME) {
            return from == PgType.BPCHAR ? 'a' : 'i';
        }
        if (to == PgType.CHAR) {
            return 'a';
        }
        return 'e';
    }

    private static char timeContext(PgType from, PgType to) {
        return switch (from) {
            case DATE -> to == PgType.TIMESTAMP || to == PgType.TIMESTAMPTZ ? 'i' : 0;
            case TIMESTAMP -> to == PgType.TIMESTAMPTZ ? 'i' : to == PgType.DATE || to == PgType.TIME ? 'a' : 0;
            case TIMESTAMPTZ -> to == PgType.TIMESTAMP || to == PgType.DATE || to == PgType.TIME ? 'a'
                    : to == PgType.TIMETZ ? 'a' : 0;
            case TIME -> to == PgType.INTERVAL || to == PgType.TIMETZ ? 'i' : 0;
            case TIMETZ -> to == PgType.TIME ? 'a' : 0;
            case INTERVAL -> to == PgType.TIME ? 'a' : 0;
            default -> 0;
        };
    }

    /** True when from → to only relabels the value (no conversion): text ↔ varchar, oid ↔ regclass. */
    public static boolean binaryCoercible(PgType from, PgType to) {
        if (from == to) {
            return true;
        }
        if (from.isOidLike() && to.isOidLike()) {
            return true;
        }
        if (from == PgType.INT2VECTOR && to == PgType.INT2_ARRAY || from == PgType.OIDVECTOR && to == PgType.OID_ARRAY) {
            return true;
        }
        return (from == PgType.TEXT || from == PgType.VARCHAR) && (to == PgType.TEXT || to == PgType.VARCHAR);
    }

    /** True when an implicit cast exists (function and operator resolution). */
    public static boolean canCoerceImplicitly(PgType from, PgType to) {
        return context(from, to) == 'i';
    }

    /** Converts a non-null or null value from one type to another (no typmod: see Values.coerceToTypmod). */
    public static Object convert(Object v, PgType from, PgType to, ValueContext ctx) {
        if (v == null || from == to) {
            return v;
        }
        if (from.isArray() && to.isArray()) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) v) {
                out.add(convert(o, from.elementType(), to.elementType(), ctx));
            }
            return out;
        }
        if (to == PgType.INT4 && from == PgType.CHAR || to == PgType.CHAR && from == PgType.INT4) {
            return convertOther(v, from, to, ctx);
        }
        if (to.isString()) {
            return toString(v, from, to, ctx);
        }
        if (from.isString()) {
            String s = (String) v;
            if (from == PgType.BPCHAR) {
                s = Values.stripTrailingSpaces(s);
            }
            return Values.parseText(to, s, ctx);
        }
        if (to.isOidLike()) {
            if (from.isOidLike()) {
                return v;
            }
            long n = ((Number) v).longValue();
            if (from == PgType.INT8 && (n < 0 || n > 0xFFFFFFFFL)) {
                throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "OID out of range");
            }
            return n & 0xFFFFFFFFL;
        }
        if (from.isOidLike()) {
            long n = ((Number) v).longValue();
            return to == PgType.INT4 ? (Object) (int) n : (Object) n;
        }
        if (from.isNumeric() && to.isNumeric()) {
            return castNumber((Number) v, from, to);
        }
        return convertOther(v, from, to, ctx);
    }

    private static Object toString(Object v, PgType from, PgType to, ValueContext ctx) {
        String s;
        if (from.isString()) {
            s = (String) v;
            if (from == PgType.BPCHAR && to != PgType.BPCHAR) {
                s = Values.stripTrailingSpaces(s);
            }
        } else if (v instanceof InetValue inet) {
            s = inet.withMask(); // text(inet): the mask length always
        } else {
            s = Values.toText(from, v, ctx);
        }
        return switch (to) {
            case NAME -> Values.truncateName(s);
            case CHAR -> s.isEmpty() ? s : s.substring(0, s.offsetByCodePoints(0, 1));
            default -> s;
        };
    }

    private static Object convertOther(Object v, PgType from, PgType to, ValueContext ctx) {
        if (to == PgType.BOOL && from == PgType.INT4) {
            return ((Number) v).longValue() != 0;
        }
        if (to == PgType.INT4 && from == PgType.BOOL) {
            return ((Boolean) v) ? 1 : 0;
        }
        if (to == PgType.INT4 && from == PgType.CHAR) {
            String s = (String) v;
            return s.isEmpty() ? 0 : (int) (byte) s.charAt(0);
        }
        if (to == PgType.CHAR && from == PgType.INT4) {
            int c = (Integer) v;
            return c == 0 ? "" : String.valueOf((char) (c & 0xFF));
        }
        switch (from) {
            case DATE -> {
                LocalDate d = (LocalDate) v;
                LocalDateTime ldt = d.equals(Values.DATE_INFINITY) ? Values.TIMESTAMP_INFINITY
                        : d.equals(Values.DATE_MINUS_INFINITY) ? Values.TIMESTAMP_MINUS_INFINITY : d.atStartOfDay();
                return to == PgType.TIMESTAMP ? ldt : convert(ldt, PgType.TIMESTAMP, to, ctx);
            }
            case TIMESTAMP -> {
                LocalDateTime t = (LocalDateTime) v;
                return switch (to) {
                    case TIMESTAMPTZ -> t.equals(Values.TIMESTAMP_INFINITY) ? Values.TIMESTAMPTZ_INFINITY
                            : t.equals(Values.TIMESTAMP_MINUS_INFINITY) ? Values.TIMESTAMPTZ_MINUS_INFINITY
                            : Values.atZone(t, ctx.zone()).toInstant();
                    case DATE -> t.equals(Values.TIMESTAMP_INFINITY) ? Values.DATE_INFINITY
                            : t.equals(Values.TIMESTAMP_MINUS_INFINITY) ? Values.DATE_MINUS_INFINITY : t.toLocalDate();
                    case TIME -> t.toLocalTime();
                    default -> throw cannotCast(from, to);
                };
            }
            case TIMESTAMPTZ -> {
                Instant i = (Instant) v;
                if (to == PgType.TIMETZ) {
                    return i.atZone(ctx.zone()).toOffsetDateTime().toOffsetTime();
                }
                LocalDateTime local = i.equals(Values.TIMESTAMPTZ_INFINITY) ? Values.TIMESTAMP_INFINITY
                        : i.equals(Values.TIMESTAMPTZ_MINUS_INFINITY) ? Values.TIMESTAMP_MINUS_INFINITY
                        : LocalDateTime.ofInstant(i, ctx.zone());
                return to == PgType.TIMESTAMP ? local : convert(local, PgType.TIMESTAMP, to, ctx);
            }
            case TIME -> {
                if (to == PgType.INTERVAL) {
                    return Interval.ofMicros(Values.timeMicros((LocalTime) v));
                }
                if (to == PgType.TIMETZ) {
                    return java.time.OffsetTime.of((LocalTime) v, ctx.zone().getRules().getOffset(Instant.now()));
                }
            }
            case TIMETZ -> {
                if (to == PgType.TIME) {
                    return ((java.time.OffsetTime) v).toLocalTime();
                }
            }
            case INTERVAL -> {
                if (to == PgType.TIME) {
                    long micros = Math.floorMod(((Interval) v).micros(), 86_400_000_000L);
                    return LocalTime.ofNanoOfDay(micros * 1000);
                }
            }
            case JSON -> {
                if (to == PgType.JSONB) {
                    return Json.normalize((String) v);
                }
            }
            case JSONB -> {
                if (to == PgType.JSON) {
                    return v;
                }
                return jsonbScalar((String) v, to, ctx);
            }
            case INET, CIDR -> {
                if (v instanceof InetValue inet && (to == PgType.INET || to == PgType.CIDR)) {
                    return to == PgType.CIDR ? inet.network() : inet; // cidr → inet keeps the value, as PostgreSQL's binary cast
                }
            }
            case PG_LSN -> {
                if (to == PgType.NUMERIC) {
                    return new BigDecimal(new BigInteger(Long.toUnsignedString(((Lsn) v).value())));
                }
            }
            default -> {
            }
        }
        throw cannotCast(from, to);
    }

    private static Object jsonbScalar(String json, PgType to, ValueContext ctx) {
        Object parsed = Json.parse(json);
        if (to == PgType.BOOL && parsed instanceof Boolean b) {
            return b;
        }
        if (to.isNumeric() && parsed instanceof BigDecimal n) {
            return castNumber(n, PgType.NUMERIC, to);
        }
        String kind = parsed instanceof java.util.Map ? "object" : parsed instanceof List ? "array"
                : parsed instanceof String ? "string" : parsed instanceof Boolean ? "boolean"
                : parsed == Json.NULL ? "null" : "number";
        throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "cannot cast jsonb " + kind + " to type "
                + to.sqlName);
    }

    public static PgException cannotCast(PgType from, PgType to) {
        return new PgException(SqlState.CANNOT_COERCE, "cannot cast type " + from.sqlName + " to " + to.sqlName);
    }

    public static Object castNumber(Number n, PgType from, PgType to) {
        if (n instanceof NumericSpecial special) {
            switch (to) {
                case INT2 -> throw special.cannotConvertTo("smallint");
                case INT4 -> throw special.cannotConvertTo("integer");
                case INT8, OID -> throw special.cannotConvertTo("bigint");
                default -> {
                }
            }
        }
        switch (to) {
            case INT2:
                return (short) integerInRange(n, from, Short.MIN_VALUE, Short.MAX_VALUE, "smallint out of range");
            case INT4:
                return (int) integerInRange(n, from, Integer.MIN_VALUE, Integer.MAX_VALUE, "integer out of range");
            case INT8:
                return integerInRange(n, from, Long.MIN_VALUE, Long.MAX_VALUE, "bigint out of range");
            case OID:
                return integerInRange(n, from, 0, 0xFFFFFFFFL, "OID out of range");
            case FLOAT4: {
                float f = n.floatValue();
                if (Float.isInfinite(f) && !Double.isInfinite(n.doubleValue())) {
                    throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
                }
                return f;
            }
            case FLOAT8:
                return n.doubleValue();
            case NUMERIC:
                if (n instanceof BigDecimal || n instanceof NumericSpecial) {
                    return n;
                }
                if (from == PgType.FLOAT4 || from == PgType.FLOAT8) {
                    double d = n.doubleValue();
                    NumericSpecial special = NumericSpecial.ofDouble(d);
                    if (special != null) {
                        return special;
                    }
                    return new BigDecimal(from == PgType.FLOAT4 ? Values.formatFloat(n.floatValue())
                            : Values.formatDouble(d));
                }
                return BigDecimal.valueOf(n.longValue());
            default:
                throw new IllegalStateException("not numeric: " + to);
        }
    }

    private static long integerInRange(Number n, PgType from, long min, long max, String message) {
        long v;
        if (from == PgType.NUMERIC || from == PgType.FLOAT4 || from == PgType.FLOAT8) {
            if (from != PgType.NUMERIC && (Double.isNaN(n.doubleValue()) || Double.isInfinite(n.doubleValue()))) {
                throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, message);
            }
            BigDecimal b = n instanceof BigDecimal bd ? bd : new BigDecimal(n.doubleValue());
            BigDecimal r = b.setScale(0, from == PgType.NUMERIC ? RoundingMode.HALF_UP : RoundingMode.HALF_EVEN);
            if (r.compareTo(BigDecimal.valueOf(min)) < 0 || r.compareTo(BigDecimal.valueOf(max)) > 0) {
                throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, message);
            }
            v = r.longValue();
        } else {
            v = n.longValue();
        }
        if (v < min || v > max) {
            throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, message);
        }
        return v;
    }
}
