package org.walden.sql.types;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;

/**
 * Conversions of values: text input and output exactly as PostgreSQL prints them, binary
 * send/receive formats (network byte order; timestamps as int64 microseconds since
 * 2000-01-01; numeric as base-10000 digits), casts and comparisons.
 */
public final class Values {

    /** PostgreSQL's epoch for binary timestamps: 2000-01-01 00:00:00 UTC. */
    public static final LocalDateTime PG_EPOCH = LocalDateTime.of(2000, 1, 1, 0, 0);
    private static final long PG_EPOCH_UNIX_SECONDS = 946_684_800L;

    private Values() {
    }

    // ------------------------------------------------------------------ text input

    /** Parses text input for {@code type} (the typmod is applied by {@link #coerceToTypmod}). */
    public static Object parseText(PgType type, String text, ZoneId zone) {
        String s = text;
        try {
            return switch (type) {
                case BOOL -> parseBool(s);
                case INT2 -> (short) checkRange(parseInteger(s, type), Short.MIN_VALUE, Short.MAX_VALUE, s, type);
                case INT4 -> (int) checkRange(parseInteger(s, type), Integer.MIN_VALUE, Integer.MAX_VALUE, s, type);
                case INT8 -> parseInteger(s, type);
                case OID, XID -> checkRange(parseInteger(s, type), 0, 0xFFFFFFFFL, s, type);
                case FLOAT4 -> Float.parseFloat(floatText(s));
                case FLOAT8 -> Double.parseDouble(floatText(s));
                case NUMERIC -> new BigDecimal(s.trim());
                case TEXT, VARCHAR, BPCHAR, UNKNOWN, INET -> s;
                case CHAR -> s.isEmpty() ? s : s.substring(0, 1);
                case NAME -> s.length() > 63 ? s.substring(0, 63) : s;
                case TIMESTAMP -> parseTimestamp(s, zone);
                case TIMESTAMPTZ -> parseTimestampTz(s, zone);
                case INTERVAL -> parseInterval(s);
                case PG_LSN -> Lsn.parse(s.trim());
                case NAME_ARRAY -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "array input is not supported");
            };
        } catch (NumberFormatException | DateTimeParseException e) {
            throw invalidInput(type, text);
        } catch (IllegalArgumentException e) {
            throw invalidInput(type, text);
        }
    }

    public static PgException invalidInput(PgType type, String text) {
        return new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "invalid input syntax for type "
                + type.sqlName + ": \"" + text + "\"");
    }

    private static String floatText(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "nan" -> "NaN";
            case "infinity", "inf", "+infinity" -> "Infinity";
            case "-infinity", "-inf" -> "-Infinity";
            default -> {
                if (t.endsWith("d") || t.endsWith("f")) {
                    throw new NumberFormatException(s);
                }
                yield t;
            }
        };
    }

    private static boolean parseBool(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "t", "tr", "tru", "true", "y", "ye", "yes", "on", "1":
                return true;
            case "f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0":
                return false;
            default:
                throw invalidInput(PgType.BOOL, s);
        }
    }

    private static long parseInteger(String s, PgType type) {
        String t = s.trim();
        if (t.isEmpty()) {
            throw invalidInput(type, s);
        }
        try {
            return Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
        } catch (NumberFormatException e) {
            if (t.matches("[+-]?[0-9]+")) {
                throw outOfRangeInput(s, type);
            }
            throw invalidInput(type, s);
        }
    }

    private static long checkRange(long v, long min, long max, String s, PgType type) {
        if (v < min || v > max) {
            throw outOfRangeInput(s, type);
        }
        return v;
    }

    private static PgException outOfRangeInput(String s, PgType type) {
        return new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "value \"" + s
                + "\" is out of range for type " + type.sqlName);
    }

    private static LocalDateTime parseTimestamp(String s, ZoneId zone) {
        String t = s.trim();
        if (t.equalsIgnoreCase("now")) {
            return LocalDateTime.now(zone);
        }
        if (t.equalsIgnoreCase("epoch")) {
            return LocalDateTime.of(1970, 1, 1, 0, 0);
        }
        Object[] parts = splitTimestamp(t, s, PgType.TIMESTAMP);
        return (LocalDateTime) parts[0];
    }

    private static Instant parseTimestampTz(String s, ZoneId zone) {
        String t = s.trim();
        if (t.equalsIgnoreCase("now")) {
            return Instant.now();
        }
        if (t.equalsIgnoreCase("epoch")) {
            return Instant.EPOCH;
        }
        Object[] parts = splitTimestamp(t, s, PgType.TIMESTAMPTZ);
        LocalDateTime ldt = (LocalDateTime) parts[0];
        ZoneId z = parts[1] == null ? zone : (ZoneId) parts[1];
        return ldt.atZone(z).toInstant();
    }

    /** "YYYY-MM-DD[ |T]HH:MM[:SS[.ffffff]][zone]" → {LocalDateTime, ZoneId or null}. */
    private static Object[] splitTimestamp(String t, String original, PgType type) {
        int sep = t.indexOf(' ') > 0 ? t.indexOf(' ') : t.indexOf('T');
        String datePart = sep > 0 ? t.substring(0, sep) : t;
        String rest = sep > 0 ? t.substring(sep + 1).trim() : "";
        LocalDate date;
        try {
            date = LocalDate.parse(datePart);
        } catch (DateTimeParseException e) {
            throw new PgException(SqlState.INVALID_DATETIME_FORMAT, "invalid input syntax for type "
                    + type.sqlName + ": \"" + original + "\"");
        }
        ZoneId zone = null;
        String timePart = rest;
        int zi = -1;
        for (int i = 1; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '+' || c == '-' || c == 'Z' || c == 'z' || c == ' ') {
                zi = i;
                break;
            }
        }
        if (zi > 0) {
            timePart = rest.substring(0, zi);
            String z = rest.substring(zi).trim();
            zone = parseZone(z, original, type);
        }
        LocalTime time = LocalTime.MIDNIGHT;
        if (!timePart.isEmpty()) {
            try {
                time = LocalTime.parse(timePart.length() == 5 ? timePart + ":00" : timePart);
            } catch (DateTimeParseException e) {
                throw new PgException(SqlState.INVALID_DATETIME_FORMAT, "invalid input syntax for type "
                        + type.sqlName + ": \"" + original + "\"");
            }
        }
        LocalDateTime ldt = LocalDateTime.of(date, time);
        long nanos = ldt.getNano();
        long roundedMicros = Math.round(nanos / 1000.0);
        ldt = ldt.withNano(0).plus(roundedMicros, ChronoUnit.MICROS);
        return new Object[] {ldt, zone};
    }

    private static ZoneId parseZone(String z, String original, PgType type) {
        try {
            if (z.equalsIgnoreCase("z") || z.equalsIgnoreCase("utc") || z.equalsIgnoreCase("gmt")) {
                return ZoneOffset.UTC;
            }
            if (z.startsWith("+") || z.startsWith("-")) {
                String digits = z.substring(1).replace(":", "");
                int h;
                int m = 0;
                if (digits.length() <= 2) {
                    h = Integer.parseInt(digits);
                } else {
                    h = Integer.parseInt(digits.substring(0, digits.length() - 2));
                    m = Integer.parseInt(digits.substring(digits.length() - 2));
                }
                int sign = z.startsWith("-") ? -1 : 1;
                return ZoneOffset.ofHoursMinutes(sign * h, sign * m);
            }
            return ZoneId.of(z);
        } catch (RuntimeException e) {
            throw new PgException(SqlState.INVALID_DATETIME_FORMAT, "invalid input syntax for type "
                    + type.sqlName + ": \"" + original + "\"");
        }
    }

    /** A small interval parser: "1 day 02:03:04.5", "3 hours", "10 seconds", "00:00:01". */
    private static Interval parseInterval(String s) {
        String[] words = s.trim().toLowerCase(Locale.ROOT).split("\\s+");
        int months = 0;
        int days = 0;
        long micros = 0;
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            if (w.contains(":")) {
                boolean neg = w.startsWith("-");
                String[] hms = (neg ? w.substring(1) : w).split(":");
                long m = Long.parseLong(hms[0]) * 3_600_000_000L + Long.parseLong(hms[1]) * 60_000_000L;
                if (hms.length > 2) {
                    m += new BigDecimal(hms[2]).movePointRight(6).longValue();
                }
                micros += neg ? -m : m;
                continue;
            }
            BigDecimal n = new BigDecimal(w);
            String unit = i + 1 < words.length ? words[++i] : "second";
            unit = unit.endsWith("s") && unit.length() > 1 && !unit.equals("ms") ? unit.substring(0, unit.length() - 1)
                    : unit;
            switch (unit) {
                case "year", "yr", "y" -> months += n.intValue() * 12;
                case "mon", "month" -> months += n.intValue();
                case "week", "w" -> days += n.intValue() * 7;
                case "day", "d" -> days += n.intValue();
                case "hour", "hr", "h" -> micros += n.movePointRight(6).longValue() * 3600;
                case "minute", "min", "m" -> micros += n.movePointRight(6).longValue() * 60;
                case "second", "sec", "s" -> micros += n.movePointRight(6).longValue();
                case "millisecond", "msec", "ms" -> micros += n.movePointRight(3).longValue();
                case "microsecond", "usec", "us" -> micros += n.longValue();
                default -> throw new IllegalArgumentException(s);
            }
        }
        return new Interval(months, days, micros);
    }

    // ------------------------------------------------------------------ text output

    /** Text output as PostgreSQL prints it. */
    public static String toText(PgType type, Object v, ZoneId zone) {
        if (v == null) {
            return null;
        }
        return switch (type) {
            case BOOL -> ((Boolean) v) ? "t" : "f";
            case FLOAT4 -> formatFloat(((Number) v).floatValue());
            case FLOAT8 -> formatDouble(((Number) v).doubleValue());
            case NUMERIC -> ((BigDecimal) v).toPlainString();
            case TIMESTAMP -> formatTimestamp((LocalDateTime) v);
            case TIMESTAMPTZ -> formatTimestampTz((Instant) v, zone);
            case INET -> v instanceof InetAddress a ? a.getHostAddress() : v.toString();
            case NAME_ARRAY -> arrayText((java.util.List<?>) v);
            default -> v.toString();
        };
    }

    /** array_out for a one-dimensional array of strings: {a,"b c"}. */
    private static String arrayText(java.util.List<?> items) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < items.size(); i++) {
            String s = String.valueOf(items.get(i));
            boolean quote = s.isEmpty() || s.equalsIgnoreCase("null")
                    || s.chars().anyMatch(c -> "{},\"\\ ".indexOf(c) >= 0);
            sb.append(i > 0 ? "," : "");
            sb.append(quote ? "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : s);
        }
        return sb.append('}').toString();
    }

    /** array_send: ndim, has-null flag, element type, then per dimension size and lower bound, then elements. */
    private static byte[] arrayBinary(java.util.List<?> items, PgType element) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuffer head = ByteBuffer.allocate(items.isEmpty() ? 12 : 20);
        head.putInt(items.isEmpty() ? 0 : 1).putInt(0).putInt(element.oid);
        if (!items.isEmpty()) {
            head.putInt(items.size()).putInt(1);
        }
        out.writeBytes(head.array());
        for (Object item : items) {
            byte[] b = String.valueOf(item).getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    public static String formatTimestamp(LocalDateTime t) {
        StringBuilder sb = new StringBuilder();
        int year = t.getYear();
        sb.append(String.format("%04d-%02d-%02d %02d:%02d:%02d", year > 0 ? year : 1 - year, t.getMonthValue(),
                t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()));
        int micros = t.getNano() / 1000;
        if (micros != 0) {
            sb.append('.').append(String.format("%06d", micros).replaceAll("0+$", ""));
        }
        if (year <= 0) {
            sb.append(" BC");
        }
        return sb.toString();
    }

    public static String formatTimestampTz(Instant i, ZoneId zone) {
        ZonedDateTime z = i.atZone(zone);
        int offsetSeconds = z.getOffset().getTotalSeconds();
        String sign = offsetSeconds < 0 ? "-" : "+";
        int abs = Math.abs(offsetSeconds);
        String off = String.format("%s%02d", sign, abs / 3600);
        if (abs % 3600 != 0) {
            off += String.format(":%02d", (abs % 3600) / 60);
            if (abs % 60 != 0) {
                off += String.format(":%02d", abs % 60);
            }
        }
        return formatTimestamp(z.toLocalDateTime()) + off;
    }

    /** float8 output with extra_float_digits = 1: the shortest exact digits, PostgreSQL's layout. */
    public static String formatDouble(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0" : "0";
        }
        return formatShortest(new BigDecimal(Double.toString(d)), 15);
    }

    public static String formatFloat(float f) {
        if (Float.isNaN(f)) {
            return "NaN";
        }
        if (Float.isInfinite(f)) {
            return f > 0 ? "Infinity" : "-Infinity";
        }
        if (f == 0) {
            return (1 / f < 0) ? "-0" : "0";
        }
        return formatShortest(new BigDecimal(Float.toString(f)), 6);
    }

    private static String formatShortest(BigDecimal b, int maxExp) {
        b = b.stripTrailingZeros();
        int exponent = b.precision() - b.scale() - 1;
        if (exponent < -4 || exponent >= maxExp) {
            String digits = b.unscaledValue().abs().toString();
            StringBuilder sb = new StringBuilder();
            if (b.signum() < 0) {
                sb.append('-');
            }
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append('e').append(exponent < 0 ? '-' : '+').append(String.format("%02d", Math.abs(exponent)));
            return sb.toString();
        }
        return b.toPlainString();
    }

    // ------------------------------------------------------------------ binary

    public static byte[] toBinary(PgType type, Object v) {
        if (v == null) {
            return null;
        }
        return switch (type) {
            case BOOL -> new byte[] {(byte) (((Boolean) v) ? 1 : 0)};
            case INT2 -> ByteBuffer.allocate(2).putShort(((Number) v).shortValue()).array();
            case INT4 -> ByteBuffer.allocate(4).putInt(((Number) v).intValue()).array();
            case OID, XID -> ByteBuffer.allocate(4).putInt((int) ((Number) v).longValue()).array();
            case INT8 -> ByteBuffer.allocate(8).putLong(((Number) v).longValue()).array();
            case FLOAT4 -> ByteBuffer.allocate(4).putFloat(((Number) v).floatValue()).array();
            case FLOAT8 -> ByteBuffer.allocate(8).putDouble(((Number) v).doubleValue()).array();
            case NUMERIC -> NumericBinary.encode((BigDecimal) v);
            case TIMESTAMP -> ByteBuffer.allocate(8).putLong(timestampToPgMicros((LocalDateTime) v)).array();
            case TIMESTAMPTZ -> ByteBuffer.allocate(8).putLong(instantToPgMicros((Instant) v)).array();
            case INTERVAL -> {
                Interval i = (Interval) v;
                yield ByteBuffer.allocate(16).putLong(i.micros()).putInt(i.days()).putInt(i.months()).array();
            }
            case PG_LSN -> ByteBuffer.allocate(8).putLong(((Lsn) v).value()).array();
            case INET -> inetBinary(v);
            case NAME_ARRAY -> arrayBinary((java.util.List<?>) v, PgType.NAME);
            default -> v.toString().getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] inetBinary(Object v) {
        try {
            InetAddress a = v instanceof InetAddress ia ? ia : InetAddress.getByName(v.toString());
            byte[] addr = a.getAddress();
            ByteBuffer b = ByteBuffer.allocate(4 + addr.length);
            b.put((byte) (addr.length == 4 ? 2 : 3)).put((byte) (addr.length * 8)).put((byte) 0)
                    .put((byte) addr.length).put(addr);
            return b.array();
        } catch (UnknownHostException e) {
            throw invalidInput(PgType.INET, v.toString());
        }
    }

    public static Object fromBinary(PgType type, byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        try {
            Object v = switch (type) {
                case BOOL -> expectLength(b, 1, type) && b[0] != 0;
                case INT2 -> expectLength(b, 2, type) ? buf.getShort() : null;
                case INT4 -> expectLength(b, 4, type) ? buf.getInt() : null;
                case OID, XID -> expectLength(b, 4, type) ? buf.getInt() & 0xFFFFFFFFL : null;
                case INT8 -> expectLength(b, 8, type) ? buf.getLong() : null;
                case FLOAT4 -> expectLength(b, 4, type) ? buf.getFloat() : null;
                case FLOAT8 -> expectLength(b, 8, type) ? buf.getDouble() : null;
                case NUMERIC -> NumericBinary.decode(b);
                case TIMESTAMP -> expectLength(b, 8, type) ? pgMicrosToTimestamp(buf.getLong()) : null;
                case TIMESTAMPTZ -> expectLength(b, 8, type) ? pgMicrosToInstant(buf.getLong()) : null;
                case INTERVAL -> {
                    expectLength(b, 16, type);
                    long micros = buf.getLong();
                    int days = buf.getInt();
                    yield new Interval(buf.getInt(), days, micros);
                }
                case PG_LSN -> expectLength(b, 8, type) ? new Lsn(buf.getLong()) : null;
                default -> new String(b, StandardCharsets.UTF_8);
            };
            return v;
        } catch (java.nio.BufferUnderflowException e) {
            throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
        }
    }

    private static boolean expectLength(byte[] b, int len, PgType type) {
        if (b.length != len) {
            throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION,
                    "incorrect binary data format in bind parameter");
        }
        return true;
    }

    public static long timestampToPgMicros(LocalDateTime t) {
        long seconds = t.toEpochSecond(ZoneOffset.UTC) - PG_EPOCH_UNIX_SECONDS;
        return seconds * 1_000_000L + t.getNano() / 1000;
    }

    public static LocalDateTime pgMicrosToTimestamp(long micros) {
        return PG_EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    public static long instantToPgMicros(Instant i) {
        return (i.getEpochSecond() - PG_EPOCH_UNIX_SECONDS) * 1_000_000L + i.getNano() / 1000;
    }

    public static Instant pgMicrosToInstant(long micros) {
        return Instant.ofEpochSecond(PG_EPOCH_UNIX_SECONDS).plus(Duration.of(micros, ChronoUnit.MICROS));
    }

    // ------------------------------------------------------------------ casts

    /**
     * Converts {@code v} of type {@code from} to {@code to}. Numeric conversions check range
     * (22003); strings are parsed as text input; anything goes to text through its output.
     */
    public static Object cast(Object v, PgType from, PgType to, ZoneId zone) {
        if (v == null || from == to) {
            return v;
        }
        if (to.isString()) {
            return from.isString() ? v : toText(from, v, zone);
        }
        if (from.isString()) {
            String s = (String) v;
            if (from == PgType.BPCHAR) {
                s = stripTrailingSpaces(s);
            }
            return parseText(to, s, zone);
        }
        if (from.isNumeric() && to.isNumeric()) {
            return castNumber((Number) v, from, to);
        }
        if (to == PgType.BOOL && from.isInteger()) {
            return ((Number) v).longValue() != 0;
        }
        if (to.isInteger() && from == PgType.BOOL) {
            return castNumber(((Boolean) v) ? 1 : 0, PgType.INT4, to);
        }
        if (from == PgType.TIMESTAMPTZ && to == PgType.TIMESTAMP) {
            return LocalDateTime.ofInstant((Instant) v, zone);
        }
        if (from == PgType.TIMESTAMP && to == PgType.TIMESTAMPTZ) {
            return ((LocalDateTime) v).atZone(zone).toInstant();
        }
        if (from == PgType.PG_LSN && to == PgType.NUMERIC) {
            return new BigDecimal(new BigInteger(Long.toUnsignedString(((Lsn) v).value())));
        }
        throw new PgException(SqlState.CANNOT_COERCE, "cannot cast type " + from.sqlName + " to " + to.sqlName);
    }

    /** True when a cast from→to exists (explicitly); used for error reporting at analysis. */
    public static boolean canCast(PgType from, PgType to) {
        if (from == to || to.isString() || from.isString()) {
            return true;
        }
        if (from.isNumeric() && to.isNumeric()) {
            return true;
        }
        if ((to == PgType.BOOL && from.isInteger()) || (from == PgType.BOOL && to.isInteger())) {
            return true;
        }
        if ((from == PgType.TIMESTAMP || from == PgType.TIMESTAMPTZ)
                && (to == PgType.TIMESTAMP || to == PgType.TIMESTAMPTZ)) {
            return true;
        }
        return from == PgType.PG_LSN && to == PgType.NUMERIC;
    }

    public static Object castNumber(Number n, PgType from, PgType to) {
        switch (to) {
            case INT2:
                return (short) integerInRange(n, from, Short.MIN_VALUE, Short.MAX_VALUE, "smallint out of range");
            case INT4:
                return (int) integerInRange(n, from, Integer.MIN_VALUE, Integer.MAX_VALUE, "integer out of range");
            case INT8:
                return integerInRange(n, from, Long.MIN_VALUE, Long.MAX_VALUE, "bigint out of range");
            case OID:
                return integerInRange(n, from, 0, 0xFFFFFFFFL, "OID out of range");
            case FLOAT4:
                return n.floatValue();
            case FLOAT8:
                return n.doubleValue();
            case NUMERIC:
                if (n instanceof BigDecimal b) {
                    return b;
                }
                if (from == PgType.FLOAT4 || from == PgType.FLOAT8) {
                    double d = n.doubleValue();
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                                "cannot convert infinity or NaN to numeric");
                    }
                    return new BigDecimal(from == PgType.FLOAT4 ? formatFloat(n.floatValue()) : formatDouble(d));
                }
                return BigDecimal.valueOf(n.longValue());
            default:
                throw new IllegalStateException("not numeric: " + to);
        }
    }

    private static long integerInRange(Number n, PgType from, long min, long max, String message) {
        long v;
        if (from == PgType.NUMERIC || from == PgType.FLOAT4 || from == PgType.FLOAT8) {
            BigDecimal b = n instanceof BigDecimal bd ? bd : BigDecimal.valueOf(n.doubleValue());
            if (from != PgType.NUMERIC && (Double.isNaN(n.doubleValue()) || Double.isInfinite(n.doubleValue()))) {
                throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, message);
            }
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

    /**
     * Applies a column's typmod, as an assignment does: varchar(n)/char(n) length checks
     * (22001; trailing spaces may be cut), char(n) padding, numeric(p,s) rounding and
     * overflow (22003). With {@code explicit} (a ::varchar(n) cast) strings are truncated.
     */
    public static Object coerceToTypmod(Object v, PgType type, int typmod, boolean explicit) {
        if (v == null || typmod < 0) {
            return v;
        }
        switch (type) {
            case VARCHAR, BPCHAR: {
                String s = (String) v;
                int max = typmod - 4;
                int len = s.codePointCount(0, s.length());
                if (len > max) {
                    int cut = s.offsetByCodePoints(0, max);
                    if (!explicit && !s.substring(cut).isBlank()) {
                        throw new PgException(SqlState.STRING_DATA_RIGHT_TRUNCATION, "value too long for type "
                                + type.formatType(typmod));
                    }
                    s = s.substring(0, cut);
                    len = max;
                }
                if (type == PgType.BPCHAR && len < max) {
                    s = s + " ".repeat(max - len);
                }
                return s;
            }
            case NUMERIC: {
                int precision = ((typmod - 4) >> 16) & 0xffff;
                int scale = (typmod - 4) & 0xffff;
                BigDecimal b = ((BigDecimal) v).setScale(scale, RoundingMode.HALF_UP);
                if (b.precision() - b.scale() > precision - scale && b.signum() != 0) {
                    throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow")
                            .withDetail("A field with precision " + precision + ", scale " + scale
                                    + " must round to an absolute value less than "
                                    + (precision - scale == 0 ? "1" : "10^" + (precision - scale)) + ".");
                }
                return b;
            }
            case TIMESTAMP: {
                LocalDateTime t = (LocalDateTime) v;
                return t.withNano(roundNanos(t.getNano(), typmod));
            }
            default:
                return v;
        }
    }

    private static int roundNanos(int nanos, int precision) {
        long unit = (long) Math.pow(10, 9 - precision);
        long r = Math.round(nanos / (double) unit) * unit;
        return (int) Math.min(r, 999_999_999L - (999_999_999L % unit));
    }

    public static String stripTrailingSpaces(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') {
            end--;
        }
        return s.substring(0, end);
    }

    // ------------------------------------------------------------------ comparison

    /** Compares two non-null values of comparable types (numbers across types, strings, times). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static int compare(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            if (a instanceof BigDecimal || b instanceof BigDecimal) {
                return toBigDecimal(x).compareTo(toBigDecimal(y));
            }
            if (a instanceof Double || a instanceof Float || b instanceof Double || b instanceof Float) {
                return Double.compare(x.doubleValue(), y.doubleValue());
            }
            return Long.compare(x.longValue(), y.longValue());
        }
        if (a instanceof String x && b instanceof String y) {
            return x.compareTo(y);
        }
        if (a instanceof Comparable ca && a.getClass() == b.getClass()) {
            return ca.compareTo(b);
        }
        throw new PgException(SqlState.DATATYPE_MISMATCH, "cannot compare " + a.getClass().getSimpleName()
                + " with " + b.getClass().getSimpleName());
    }

    public static BigDecimal toBigDecimal(Number n) {
        if (n instanceof BigDecimal b) {
            return b;
        }
        if (n instanceof Double || n instanceof Float) {
            return new BigDecimal(n.toString());
        }
        return BigDecimal.valueOf(n.longValue());
    }
}
