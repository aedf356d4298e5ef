package org.walden.sql.types;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;

/**
 * Conversions of values: text input and output exactly as PostgreSQL prints them (DateStyle
 * ISO, IntervalStyle postgres, extra_float_digits 1), binary send/receive (see
 * {@link BinaryValues}), typmod coercion, comparison and hashing keys.
 */
public final class Values {

    /** PostgreSQL's epoch for binary timestamps: 2000-01-01 00:00:00 UTC. */
    public static final LocalDateTime PG_EPOCH = LocalDateTime.of(2000, 1, 1, 0, 0);
    private static final long PG_EPOCH_UNIX_SECONDS = 946_684_800L;
    /** 'infinity' and '-infinity' for date, timestamp and timestamptz. */
    public static final LocalDate DATE_INFINITY = LocalDate.MAX;
    public static final LocalDate DATE_MINUS_INFINITY = LocalDate.MIN;
    public static final LocalDateTime TIMESTAMP_INFINITY = LocalDateTime.MAX;
    public static final LocalDateTime TIMESTAMP_MINUS_INFINITY = LocalDateTime.MIN;
    public static final Instant TIMESTAMPTZ_INFINITY = Instant.MAX;
    public static final Instant TIMESTAMPTZ_MINUS_INFINITY = Instant.MIN;

    private Values() {
    }

    // ------------------------------------------------------------------ text input

    /** Parses text input for {@code type} (the typmod is applied by {@link #coerceToTypmod}). */
    public static Object parseText(PgType type, String text, ZoneId zone) {
        return parseText(type, text, ValueContext.of(zone));
    }

    public static Object parseText(PgType type, String text, ValueContext ctx) {
        String s = text;
        try {
            if (type.isListValued()) {
                return type == PgType.INT2VECTOR || type == PgType.OIDVECTOR ? parseVector(type, s, ctx)
                        : ArrayText.parse(s, type.elementType(), ctx);
            }
            if (type.isRegType()) {
                String t = s.trim();
                if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
                    return checkRange(parseInteger(t, type), 0, 0xFFFFFFFFL, s, type);
                }
                return ctx.regIn(type, t);
            }
            return switch (type) {
                case BOOL -> parseBool(s);
                case INT2 -> (short) checkRange(parseInteger(s, type), Short.MIN_VALUE, Short.MAX_VALUE, s, type);
                case INT4 -> (int) checkRange(parseInteger(s, type), Integer.MIN_VALUE, Integer.MAX_VALUE, s, type);
                case INT8 -> parseInteger(s, type);
                case OID, XID, CID -> checkRange(parseInteger(s, type), 0, 0xFFFFFFFFL, s, type);
                case FLOAT4 -> parseFloat4(s);
                case FLOAT8 -> Double.parseDouble(floatText(s));
                case NUMERIC -> parseNumeric(s);
                case INET -> InetValue.parse(s, false);
                case CIDR -> InetValue.parse(s, true);
                case TEXT, VARCHAR, BPCHAR, UNKNOWN, JSON, ACLITEM, PG_NODE_TREE, CSTRING, TID -> s;
                case JSONB -> Json.normalize(s);
                case CHAR -> s.isEmpty() ? s : s.substring(0, s.offsetByCodePoints(0, 1));
                case NAME -> truncateName(s);
                case BYTEA -> parseBytea(s);
                case DATE -> parseDate(s, ctx.zone());
                case TIME -> parseTime(s);
                case TIMETZ -> parseTimeTz(s, ctx.zone());
                case TIMESTAMP -> parseTimestamp(s, ctx.zone());
                case TIMESTAMPTZ -> parseTimestampTz(s, ctx.zone());
                case INTERVAL -> IntervalText.parse(s);
                case PG_LSN -> Lsn.parse(s.trim());
                case UUID -> parseUuid(s);
                case VOID -> null;
                case RECORD -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                        "input of anonymous composite types is not implemented");
                default -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot accept a value of type "
                        + type.typname);
            };
        } catch (NumberFormatException | DateTimeParseException e) {
            throw invalidInput(type, text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw invalidInput(type, text);
        }
    }

    public static PgException invalidInput(PgType type, String text) {
        SqlState state = type.category == 'D' || type == PgType.INTERVAL ? SqlState.INVALID_DATETIME_FORMAT
                : SqlState.INVALID_TEXT_REPRESENTATION;
        return new PgException(state, "invalid input syntax for type " + type.sqlName + ": \"" + text + "\"");
    }

    /** name input: at most 63 bytes (NAMEDATALEN - 1), cut at a character boundary. */
    public static String truncateName(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= 63) {
            return s;
        }
        int end = s.length();
        while (s.substring(0, end).getBytes(StandardCharsets.UTF_8).length > 63) {
            end = s.offsetByCodePoints(end, -1);
        }
        return s.substring(0, end);
    }

    private static List<Object> parseVector(PgType type, String s, ValueContext ctx) {
        List<Object> out = new ArrayList<>();
        for (String part : s.trim().split("\\s+")) {
            if (!part.isEmpty()) {
                out.add(parseText(type.elementType(), part, ctx));
            }
        }
        return out;
    }

    private static Number parseNumeric(String s) {
        String t = s.trim();
        NumericSpecial special = NumericSpecial.parse(t);
        if (special != null) {
            return special;
        }
        return new BigDecimal(t.startsWith("+") ? t.substring(1) : t);
    }

    private static Float parseFloat4(String s) {
        String t = floatText(s);
        double d = Double.parseDouble(t);
        float f = (float) d;
        if (Float.isInfinite(f) && !Double.isInfinite(d)) {
            throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "\"" + s.trim()
                    + "\" is out of range for type real");
        }
        return f;
    }

    private static String floatText(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "nan" -> "NaN";
            case "infinity", "inf", "+infinity", "+inf" -> "Infinity";
            case "-infinity", "-inf" -> "-Infinity";
            default -> {
                if (t.endsWith("d") || t.endsWith("f") || t.isEmpty()) {
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

    private static byte[] parseBytea(String s) {
        if (s.startsWith("\\x")) {
            String hex = s.substring(2).replaceAll("\\s", "");
            if (hex.length() % 2 != 0) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid hexadecimal data: odd number of digits");
            }
            try {
                return HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid hexadecimal digit");
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            if (b[i] != '\\') {
                out.write(b[i]);
            } else if (i + 1 < b.length && b[i + 1] == '\\') {
                out.write('\\');
                i++;
            } else if (i + 3 < b.length && isOctal(b[i + 1]) && isOctal(b[i + 2]) && isOctal(b[i + 3])) {
                out.write(((b[i + 1] - '0') << 6) | ((b[i + 2] - '0') << 3) | (b[i + 3] - '0'));
                i += 3;
            } else {
                throw new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "invalid input syntax for type bytea");
            }
        }
        return out.toByteArray();
    }

    private static boolean isOctal(byte c) {
        return c >= '0' && c <= '7';
    }

    private static java.util.UUID parseUuid(String s) {
        String t = s.trim();
        if (t.startsWith("{") && t.endsWith("}")) {
            t = t.substring(1, t.length() - 1);
        }
        String hex = t.replace("-", "");
        if (hex.length() != 32 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw invalidInput(PgType.UUID, s);
        }
        return new java.util.UUID(Long.parseUnsignedLong(hex.substring(0, 16), 16),
                Long.parseUnsignedLong(hex.substring(16), 16));
    }

    private static LocalDate parseDate(String s, ZoneId zone) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "infinity", "+infinity":
                return DATE_INFINITY;
            case "-infinity":
                return DATE_MINUS_INFINITY;
            case "epoch":
                return LocalDate.of(1970, 1, 1);
            case "today", "now":
                return LocalDate.now(zone);
            case "tomorrow":
                return LocalDate.now(zone).plusDays(1);
            case "yesterday":
                return LocalDate.now(zone).minusDays(1);
            default:
                break;
        }
        boolean bc = t.endsWith(" bc");
        if (bc) {
            t = t.substring(0, t.length() - 3).trim();
        }
        int space = t.indexOf(' ');
        if (space > 0) {
            t = t.substring(0, space); // a time part is ignored, as date_in does
        }
        int tee = t.indexOf('t');
        if (tee > 0) {
            t = t.substring(0, tee);
        }
        LocalDate d = parseIsoDate(t, s, PgType.DATE);
        return bc ? d.withYear(1 - d.getYear()) : d;
    }

    private static LocalDate parseIsoDate(String t, String original, PgType type) {
        String[] parts = t.split("-");
        try {
            if (parts.length == 3) {
                return LocalDate.of(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
            }
            if (t.length() == 8 && t.chars().allMatch(Character::isDigit)) {
                return LocalDate.of(Integer.parseInt(t.substring(0, 4)), Integer.parseInt(t.substring(4, 6)),
                        Integer.parseInt(t.substring(6)));
            }
            String[] slash = t.split("/");
            if (slash.length == 3) { // DateStyle MDY
                return LocalDate.of(Integer.parseInt(slash[2]), Integer.parseInt(slash[0]), Integer.parseInt(slash[1]));
            }
        } catch (java.time.DateTimeException e) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \""
                    + original + "\"");
        }
        throw invalidInput(type, original);
    }

    private static LocalTime parseTime(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("allballs")) {
            return LocalTime.MIDNIGHT;
        }
        if (t.equals("now")) {
            return LocalTime.now();
        }
        int zi = zoneStart(t);
        if (zi > 0) {
            t = t.substring(0, zi).trim();
        }
        try {
            LocalTime time = LocalTime.parse(t.length() == 5 ? t + ":00" : t.length() == 4 ? "0" + t + ":00" : t);
            return roundToMicros(time);
        } catch (DateTimeParseException e) {
            if (t.equals("24:00:00") || t.equals("24:00")) {
                return TIME_END_OF_DAY;
            }
            throw invalidInput(PgType.TIME, s);
        }
    }

    /** timetz input: a time and an optional zone; without one, the session zone's offset now (PostgreSQL: of today). */
    private static OffsetTime parseTimeTz(String s, ZoneId zone) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        int zi = zoneStart(t);
        LocalTime time = parseTime(zi > 0 ? s.trim().substring(0, zi) : s);
        ZoneOffset offset;
        if (zi > 0) {
            ZoneId z = parseZone(s.trim().substring(zi).trim(), s, PgType.TIMETZ);
            offset = z instanceof ZoneOffset o ? o : z.getRules().getOffset(Instant.now());
        } else {
            offset = zone.getRules().getOffset(Instant.now());
        }
        return OffsetTime.of(time, offset);
    }

    /** timetz's order (timetz_cmp): by the UTC time, then the offset east of UTC descending (PostgreSQL's zone ascending). */
    public static int compareTimeTz(OffsetTime x, OffsetTime y) {
        long ux = timeMicros(x.toLocalTime()) - x.getOffset().getTotalSeconds() * 1_000_000L;
        long uy = timeMicros(y.toLocalTime()) - y.getOffset().getTotalSeconds() * 1_000_000L;
        int c = Long.compare(ux, uy);
        return c != 0 ? c : Integer.compare(y.getOffset().getTotalSeconds(), x.getOffset().getTotalSeconds());
    }

    private static LocalTime roundToMicros(LocalTime t) {
        long micros = Math.round(t.getNano() / 1000.0);
        return endOfDayIfWrapped(t, t.withNano(0).plus(micros, ChronoUnit.MICROS));
    }

    /**
     * time's 24:00:00, which PostgreSQL accepts and keeps apart from 23:59:59.999999: LocalTime's
     * last nanosecond, which no time rounded to microseconds equals.
     */
    public static final LocalTime TIME_END_OF_DAY = LocalTime.MAX;
    private static final long MICROS_PER_DAY = 86_400_000_000L;

    /** A time as microseconds after midnight (24:00:00 is a whole day), as stored and sent. */
    public static long timeMicros(LocalTime t) {
        return t.equals(TIME_END_OF_DAY) ? MICROS_PER_DAY : t.toNanoOfDay() / 1000;
    }

    /** The time {@code micros} after midnight, 0 up to a whole day (24:00:00). */
    public static LocalTime timeOfMicros(long micros) {
        return micros == MICROS_PER_DAY ? TIME_END_OF_DAY : LocalTime.ofNanoOfDay(micros * 1000);
    }

    /** {@code rounded} from {@code t}, or 24:00:00 where rounding up carried it past midnight (as PostgreSQL's does). */
    private static LocalTime endOfDayIfWrapped(LocalTime t, LocalTime rounded) {
        return rounded.isBefore(t) ? TIME_END_OF_DAY : rounded;
    }

    private static int zoneStart(String rest) {
        for (int i = 1; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '+' || c == '-' || c == 'z' || c == 'Z' || (c == ' ' && i + 1 < rest.length()
                    && Character.isLetter(rest.charAt(i + 1)))) {
                return i;
            }
        }
        return -1;
    }

    private static LocalDateTime parseTimestamp(String s, ZoneId zone) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "now":
                return LocalDateTime.now(zone);
            case "today":
                return LocalDate.now(zone).atStartOfDay();
            case "tomorrow":
                return LocalDate.now(zone).plusDays(1).atStartOfDay();
            case "yesterday":
                return LocalDate.now(zone).minusDays(1).atStartOfDay();
            case "epoch":
                return LocalDateTime.of(1970, 1, 1, 0, 0);
            case "infinity", "+infinity":
                return TIMESTAMP_INFINITY;
            case "-infinity":
                return TIMESTAMP_MINUS_INFINITY;
            default:
                break;
        }
        Object[] parts = splitTimestamp(s.trim(), s, PgType.TIMESTAMP);
        return (LocalDateTime) parts[0];
    }

    private static Instant parseTimestampTz(String s, ZoneId zone) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "now":
                return Instant.now();
            case "epoch":
                return Instant.EPOCH;
            case "infinity", "+infinity":
                return TIMESTAMPTZ_INFINITY;
            case "-infinity":
                return TIMESTAMPTZ_MINUS_INFINITY;
            case "today", "tomorrow", "yesterday":
                return parseTimestamp(s, zone).atZone(zone).toInstant();
            default:
                break;
        }
        Object[] parts = splitTimestamp(s.trim(), s, PgType.TIMESTAMPTZ);
        LocalDateTime ldt = (LocalDateTime) parts[0];
        ZoneId z = parts[1] == null ? zone : (ZoneId) parts[1];
        return atZone(ldt, z).toInstant();
    }

    /**
     * A local time in a zone as PostgreSQL reads it: a time that a DST change repeats is taken as
     * standard time (the later offset), one that it skips moves forward by the gap.
     */
    public static ZonedDateTime atZone(LocalDateTime ldt, ZoneId zone) {
        return ZonedDateTime.ofLocal(ldt, zone, null).withLaterOffsetAtOverlap();
    }

    /** "YYYY-MM-DD[ |T]HH:MM[:SS[.ffffff]][zone][ BC]" → {LocalDateTime, ZoneId or null}. */
    private static Object[] splitTimestamp(String t, String original, PgType type) {
        boolean bc = t.toLowerCase(Locale.ROOT).endsWith(" bc");
        if (bc) {
            t = t.substring(0, t.length() - 3).trim();
        }
        int sep = t.indexOf(' ') > 0 ? t.indexOf(' ') : t.indexOf('T');
        String datePart = sep > 0 ? t.substring(0, sep) : t;
        String rest = sep > 0 ? t.substring(sep + 1).trim() : "";
        LocalDate date = parseIsoDate(datePart, original, type);
        if (bc) {
            date = date.withYear(1 - date.getYear());
        }
        ZoneId zone = null;
        String timePart = rest;
        int zi = zoneStart(rest);
        if (zi > 0 || (!rest.isEmpty() && Character.isLetter(rest.charAt(0)))) {
            int start = Math.max(zi, 0);
            timePart = rest.substring(0, start).trim();
            zone = parseZone(rest.substring(start).trim(), original, type);
        }
        long micros = timePart.isEmpty() ? 0 : microsOfDay(timePart, original);
        if (micros < 0) {
            throw invalidInput(type, original);
        }
        return new Object[] {date.atStartOfDay().plus(micros, ChronoUnit.MICROS), zone};
    }

    /**
     * H[H]:MM[:SS[.fraction]] as microseconds after midnight, with PostgreSQL's ranges (24:00:00 and
     * a leap second 60 roll over; the fraction rounds to microseconds), or -1 for another form.
     * By hand, not DateTimeFormatter: that was a fifth of COPY FROM's CPU for a timestamptz column.
     */
    private static long microsOfDay(String t, String original) {
        int n = t.length();
        int colon = t.indexOf(':');
        if (colon < 1 || colon > 2 || n < colon + 3) {
            return -1;
        }
        int hour = digits(t, 0, colon);
        int minute = digits(t, colon + 1, colon + 3);
        int at = colon + 3;
        int second = 0;
        long fraction = 0; // in 1e-9 s, rounded to micros below
        if (at < n) {
            if (t.charAt(at) != ':' || n < at + 3) {
                return -1;
            }
            second = digits(t, at + 1, at + 3);
            at += 3;
            if (at < n) {
                if (t.charAt(at) != '.') {
                    return -1;
                }
                long scale = 100_000_000L;
                for (int i = at + 1; i < n; i++, scale /= 10) {
                    char c = t.charAt(i);
                    if (c < '0' || c > '9') {
                        return -1;
                    }
                    fraction += (c - '0') * scale;
                }
            }
        }
        if (hour < 0 || minute < 0 || second < 0) {
            return -1;
        }
        long fracMicros = (fraction + 500) / 1000;
        if (minute > 59 || second > 60 || hour > 24 || (hour == 24 && (minute > 0 || second > 0 || fracMicros > 0))) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \""
                    + original + "\"");
        }
        return ((hour * 60L + minute) * 60 + second) * 1_000_000L + fracMicros;
    }

    /** The decimal number in t[from, to), or -1 if a character there is not a digit. */
    private static int digits(String t, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** AT TIME ZONE's zone: an offset is a POSIX zone's (hours west), as {@link org.walden.common.guc.TimeZoneSetting} reads it; else a name. */
    public static ZoneId posixOrNamedZone(String z) {
        ZoneOffset posix = org.walden.common.guc.TimeZoneSetting.posixOffset(z);
        return posix != null ? posix : parseZone(z, null, PgType.TIMESTAMPTZ);
    }

    /** A time zone as written after a time: Z, UTC, +05, -08:00, +0530, an abbreviation (EST), or a name (Europe/Paris). */
    public static ZoneId parseZone(String z, String original, PgType type) {
        try {
            if (z.equalsIgnoreCase("z") || z.equalsIgnoreCase("utc") || z.equalsIgnoreCase("gmt")) {
                return ZoneOffset.UTC;
            }
            if (z.startsWith("+") || z.startsWith("-")) {
                String digits = z.substring(1).replace(":", "");
                int h;
                int m = 0;
                int sec = 0;
                if (digits.length() <= 2) {
                    h = Integer.parseInt(digits);
                } else if (digits.length() <= 4) {
                    h = Integer.parseInt(digits.substring(0, digits.length() - 2));
                    m = Integer.parseInt(digits.substring(digits.length() - 2));
                } else {
                    h = Integer.parseInt(digits.substring(0, digits.length() - 4));
                    m = Integer.parseInt(digits.substring(digits.length() - 4, digits.length() - 2));
                    sec = Integer.parseInt(digits.substring(digits.length() - 2));
                }
                int sign = z.startsWith("-") ? -1 : 1;
                return ZoneOffset.ofHoursMinutesSeconds(sign * h, sign * m, sign * sec);
            }
            ZoneOffset abbreviation = TimeZoneAbbreviations.offset(z);
            return abbreviation != null ? abbreviation : ZoneId.of(z);
        } catch (RuntimeException e) {
            if (original == null) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "time zone \"" + z + "\" not recognized");
            }
            throw invalidInput(type, original);
        }
    }

    // ------------------------------------------------------------------ text output

    /** Text output as PostgreSQL prints it. */
    public static String toText(PgType type, Object v, ZoneId zone) {
        return toText(type, v, ValueContext.of(zone));
    }

    public static String toText(PgType type, Object v, ValueContext ctx) {
        if (v == null) {
            return null;
        }
        if (type.isListValued()) {
            if (type == PgType.INT2VECTOR || type == PgType.OIDVECTOR) {
                StringBuilder sb = new StringBuilder();
                for (Object o : (List<?>) v) {
                    sb.append(sb.isEmpty() ? "" : " ").append(o);
                }
                return sb.toString();
            }
            return ArrayText.format((List<?>) v, type.elementType(), ctx);
        }
        if (type.isRegType()) {
            String name = ctx.regOut(type, ((Number) v).longValue());
            return name != null ? name : Long.toString(((Number) v).longValue());
        }
        return switch (type) {
            case BOOL -> ((Boolean) v) ? "t" : "f";
            case FLOAT4 -> ctx.extraFloatDigits() > 0 ? formatFloat(((Number) v).floatValue())
                    : formatWithDigits(((Number) v).floatValue(), 6 + ctx.extraFloatDigits());
            case FLOAT8 -> ctx.extraFloatDigits() > 0 ? formatDouble(((Number) v).doubleValue())
                    : formatWithDigits(((Number) v).doubleValue(), 15 + ctx.extraFloatDigits());
            case NUMERIC -> v instanceof BigDecimal b ? b.toPlainString() : v.toString();
            case DATE -> formatDate((LocalDate) v);
            case TIME -> formatTime((LocalTime) v);
            case TIMETZ -> formatTime(((OffsetTime) v).toLocalTime())
                    + formatOffset(((OffsetTime) v).getOffset().getTotalSeconds());
            case TIMESTAMP -> formatTimestamp((LocalDateTime) v);
            case TIMESTAMPTZ -> formatTimestampTz((Instant) v, ctx.zone());
            case INET -> v instanceof InetAddress a ? new InetValue(a.getAddress(), a.getAddress().length * 8,
                    false).toString() : ((InetValue) v).asInet().toString();
            case CIDR -> ((InetValue) v).withMask();
            case BYTEA -> ctx.byteaOutputEscape() ? byteaEscape((byte[]) v) : "\\x" + HexFormat.of().formatHex((byte[]) v);
            case RECORD -> formatRecord((RowValue) v, ctx);
            case VOID -> "";
            case INT2, INT4, INT8, OID, XID, CID -> v.toString();
            default -> v instanceof String s ? s : v.toString();
        };
    }

    /** bytea's escape output: printable ASCII as is, a backslash doubled, every other byte as \\ooo. */
    public static String byteaEscape(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        for (byte x : b) {
            int c = x & 0xFF;
            if (c == '\\') {
                sb.append("\\\\");
            } else if (c < 0x20 || c > 0x7e) {
                sb.append('\\').append((char) ('0' + (c >> 6))).append((char) ('0' + ((c >> 3) & 7)))
                        .append((char) ('0' + (c & 7)));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private static String formatRecord(RowValue r, ValueContext ctx) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < r.values().length; i++) {
            sb.append(i > 0 ? "," : "");
            Object v = r.values()[i];
            if (v == null) {
                continue;
            }
            String s = toText(r.types().get(i), v, ctx);
            boolean quote = s.isEmpty() || s.chars().anyMatch(c -> "(),\"\\ \t\n".indexOf(c) >= 0);
            sb.append(quote ? "\"" + s.replace("\\", "\\\\").replace("\"", "\"\"") + "\"" : s);
        }
        return sb.append(')').toString();
    }

    public static String formatDate(LocalDate d) {
        if (d.equals(DATE_INFINITY)) {
            return "infinity";
        }
        if (d.equals(DATE_MINUS_INFINITY)) {
            return "-infinity";
        }
        StringBuilder sb = new StringBuilder(13);
        int year = d.getYear();
        appendDate(sb, year, d.getMonthValue(), d.getDayOfMonth());
        return year > 0 ? sb.toString() : sb.append(" BC").toString();
    }

    public static String formatTime(LocalTime t) {
        if (t.equals(TIME_END_OF_DAY)) {
            return "24:00:00";
        }
        StringBuilder sb = new StringBuilder(15);
        appendTime(sb, t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000);
        return sb.toString();
    }

    public static String formatTimestamp(LocalDateTime t) {
        if (t.equals(TIMESTAMP_INFINITY)) {
            return "infinity";
        }
        if (t.equals(TIMESTAMP_MINUS_INFINITY)) {
            return "-infinity";
        }
        StringBuilder sb = new StringBuilder(29);
        appendTimestamp(sb, t);
        return t.getYear() > 0 ? sb.toString() : sb.append(" BC").toString();
    }

    public static String formatTimestampTz(Instant i, ZoneId zone) {
        if (i.equals(TIMESTAMPTZ_INFINITY)) {
            return "infinity";
        }
        if (i.equals(TIMESTAMPTZ_MINUS_INFINITY)) {
            return "-infinity";
        }
        ZonedDateTime z = i.atZone(zone);
        StringBuilder sb = new StringBuilder(32);
        appendTimestamp(sb, z.toLocalDateTime());
        appendOffset(sb, z.getOffset().getTotalSeconds());
        return z.getYear() > 0 ? sb.toString() : sb.append(" BC").toString();
    }

    /** A UTC offset as PostgreSQL prints it after a time: +00, -08, +05:30, +00:19:32. */
    public static String formatOffset(int offsetSeconds) {
        StringBuilder sb = new StringBuilder(9);
        appendOffset(sb, offsetSeconds);
        return sb.toString();
    }

    /* The date and time layouts by hand: String.format was two thirds of COPY TO's CPU for a timestamptz column. */

    private static void appendTimestamp(StringBuilder sb, LocalDateTime t) {
        appendDate(sb, t.getYear(), t.getMonthValue(), t.getDayOfMonth());
        sb.append(' ');
        appendTime(sb, t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000);
    }

    /** YYYY-MM-DD with the year as PostgreSQL counts it before 1 AD (1 BC is year 0); the caller adds " BC". */
    private static void appendDate(StringBuilder sb, int year, int month, int day) {
        appendPadded(sb, year > 0 ? year : 1 - year, 4);
        sb.append('-');
        appendPadded(sb, month, 2);
        sb.append('-');
        appendPadded(sb, day, 2);
    }

    /** HH:MM:SS and the fraction without its trailing zeros. */
    private static void appendTime(StringBuilder sb, int hour, int minute, int second, int micros) {
        appendPadded(sb, hour, 2);
        sb.append(':');
        appendPadded(sb, minute, 2);
        sb.append(':');
        appendPadded(sb, second, 2);
        if (micros != 0) {
            int digits = 6;
            while (micros % 10 == 0) {
                micros /= 10;
                digits--;
            }
            sb.append('.');
            appendPadded(sb, micros, digits);
        }
    }

    private static void appendOffset(StringBuilder sb, int offsetSeconds) {
        int abs = Math.abs(offsetSeconds);
        sb.append(offsetSeconds < 0 ? '-' : '+');
        appendPadded(sb, abs / 3600, 2);
        if (abs % 3600 != 0) {
            sb.append(':');
            appendPadded(sb, (abs % 3600) / 60, 2);
            if (abs % 60 != 0) {
                sb.append(':');
                appendPadded(sb, abs % 60, 2);
            }
        }
    }

    /** A non-negative number in at least {@code width} digits, zero-padded as %0Nd. */
    private static void appendPadded(StringBuilder sb, int value, int width) {
        for (int limit = 10, digits = 1; digits < width; limit *= 10, digits++) {
            if (value < limit) {
                sb.append('0');
            }
        }
        sb.append(value);
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

    /** Float output with extra_float_digits &lt;= 0: C's %.{digits}g, as PostgreSQL prints it then. */
    public static String formatWithDigits(double d, int digits) {
        if (Double.isNaN(d) || Double.isInfinite(d) || d == 0) {
            return formatDouble(d);
        }
        int p = Math.max(1, digits);
        BigDecimal rounded = new BigDecimal(d).round(new java.math.MathContext(p, java.math.RoundingMode.HALF_EVEN));
        return formatShortest(rounded, p);
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

    // ------------------------------------------------------------------ binary (see BinaryValues)

    public static byte[] toBinary(PgType type, Object v) {
        return BinaryValues.send(type, v);
    }

    public static Object fromBinary(PgType type, byte[] b) {
        return BinaryValues.receive(type, b);
    }

    public static long timestampToPgMicros(LocalDateTime t) {
        if (t.equals(TIMESTAMP_INFINITY)) {
            return Long.MAX_VALUE;
        }
        if (t.equals(TIMESTAMP_MINUS_INFINITY)) {
            return Long.MIN_VALUE;
        }
        long seconds = t.toEpochSecond(ZoneOffset.UTC) - PG_EPOCH_UNIX_SECONDS;
        return seconds * 1_000_000L + t.getNano() / 1000;
    }

    public static LocalDateTime pgMicrosToTimestamp(long micros) {
        if (micros == Long.MAX_VALUE) {
            return TIMESTAMP_INFINITY;
        }
        if (micros == Long.MIN_VALUE) {
            return TIMESTAMP_MINUS_INFINITY;
        }
        return PG_EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    public static long instantToPgMicros(Instant i) {
        if (i.equals(TIMESTAMPTZ_INFINITY)) {
            return Long.MAX_VALUE;
        }
        if (i.equals(TIMESTAMPTZ_MINUS_INFINITY)) {
            return Long.MIN_VALUE;
        }
        return (i.getEpochSecond() - PG_EPOCH_UNIX_SECONDS) * 1_000_000L + i.getNano() / 1000;
    }

    public static Instant pgMicrosToInstant(long micros) {
        if (micros == Long.MAX_VALUE) {
            return TIMESTAMPTZ_INFINITY;
        }
        if (micros == Long.MIN_VALUE) {
            return TIMESTAMPTZ_MINUS_INFINITY;
        }
        return Instant.ofEpochSecond(PG_EPOCH_UNIX_SECONDS).plus(Duration.of(micros, ChronoUnit.MICROS));
    }

    /** Days since 2000-01-01 (date's binary and stored form). */
    public static int dateToPgDays(LocalDate d) {
        if (d.equals(DATE_INFINITY)) {
            return Integer.MAX_VALUE;
        }
        if (d.equals(DATE_MINUS_INFINITY)) {
            return Integer.MIN_VALUE;
        }
        return (int) (d.toEpochDay() - PG_EPOCH.toLocalDate().toEpochDay());
    }

    public static LocalDate pgDaysToDate(int days) {
        if (days == Integer.MAX_VALUE) {
            return DATE_INFINITY;
        }
        if (days == Integer.MIN_VALUE) {
            return DATE_MINUS_INFINITY;
        }
        return LocalDate.ofEpochDay(days + PG_EPOCH.toLocalDate().toEpochDay());
    }

    // ------------------------------------------------------------------ casts (see Casts)

    /**
     * Converts {@code v} of type {@code from} to {@code to}: numeric conversions check range
     * (22003), strings are parsed as text input, anything goes to text through its output.
     */
    public static Object cast(Object v, PgType from, PgType to, ZoneId zone) {
        return Casts.convert(v, from, to, ValueContext.of(zone));
    }

    /** True when a cast from→to exists (explicitly). */
    public static boolean canCast(PgType from, PgType to) {
        return Casts.context(from, to) != 0;
    }

    public static Object castNumber(Number n, PgType from, PgType to) {
        return Casts.castNumber(n, from, to);
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
        if (type.isArray() && v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(coerceToTypmod(o, type.elementType(), typmod, explicit));
            }
            return out;
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
                if (v instanceof NumericSpecial special) {
                    if (special.isNaN()) {
                        return v;
                    }
                    throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow")
                            .withDetail("A field with precision " + precision + ", scale " + scale
                                    + " cannot hold an infinite value.");
                }
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
                if (t.equals(TIMESTAMP_INFINITY) || t.equals(TIMESTAMP_MINUS_INFINITY)) {
                    return t;
                }
                return t.withNano(0).plusNanos(roundNanos(t.getNano(), typmod));
            }
            case TIMESTAMPTZ: {
                Instant i = (Instant) v;
                if (i.equals(TIMESTAMPTZ_INFINITY) || i.equals(TIMESTAMPTZ_MINUS_INFINITY)) {
                    return i;
                }
                return Instant.ofEpochSecond(i.getEpochSecond()).plusNanos(roundNanos(i.getNano(), typmod));
            }
            case TIME: {
                LocalTime t = (LocalTime) v;
                return t.equals(TIME_END_OF_DAY) ? t : endOfDayIfWrapped(t, t.withNano(0).plusNanos(roundNanos(t.getNano(), typmod)));
            }
            case TIMETZ: {
                OffsetTime t = (OffsetTime) v;
                return t.withNano(0).plusNanos(roundNanos(t.getNano(), typmod));
            }
            default:
                return v;
        }
    }

    private static long roundNanos(int nanos, int precision) {
        long unit = (long) Math.pow(10, 9 - precision);
        return Math.round(nanos / (double) unit) * unit;
    }

    public static String stripTrailingSpaces(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') {
            end--;
        }
        return end == s.length() ? s : s.substring(0, end);
    }

    // ------------------------------------------------------------------ comparison and hashing

    /** Compares two non-null values of comparable types (numbers across types, strings, times, arrays). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static int compare(Object a, Object b) {
        if (a instanceof String x && b instanceof String y) {
            return compareStrings(x, y);
        }
        if (a instanceof Number x && b instanceof Number y) {
            if (a instanceof NumericSpecial || b instanceof NumericSpecial) {
                if (a instanceof Double || a instanceof Float || b instanceof Double || b instanceof Float) {
                    double dx = x.doubleValue();
                    double dy = y.doubleValue();
                    return dx == dy ? 0 : Double.compare(dx, dy);
                }
                return NumericSpecial.compare(x, y);
            }
            if (a instanceof BigDecimal || b instanceof BigDecimal) {
                if ((a instanceof Double || a instanceof Float || b instanceof Double || b instanceof Float)) {
                    return Double.compare(x.doubleValue(), y.doubleValue());
                }
                return toBigDecimal(x).compareTo(toBigDecimal(y));
            }
            if (a instanceof Double || a instanceof Float || b instanceof Double || b instanceof Float) {
                double dx = x.doubleValue();
                double dy = y.doubleValue();
                return dx == dy ? 0 : Double.compare(dx, dy); // -0 = 0, NaN above all as PostgreSQL
            }
            return Long.compare(x.longValue(), y.longValue());
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                Object p = x.get(i);
                Object q = y.get(i);
                if (p == null || q == null) {
                    if (p != q) {
                        return p == null ? 1 : -1;
                    }
                    continue;
                }
                int c = compare(p, q);
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return java.util.Arrays.compareUnsigned(x, y);
        }
        if (a instanceof java.util.UUID x && b instanceof java.util.UUID y) {
            int c = Long.compareUnsigned(x.getMostSignificantBits(), y.getMostSignificantBits());
            return c != 0 ? c : Long.compareUnsigned(x.getLeastSignificantBits(), y.getLeastSignificantBits());
        }
        if (a instanceof InetAddress x && b instanceof InetAddress y) {
            return java.util.Arrays.compareUnsigned(x.getAddress(), y.getAddress());
        }
        if (a instanceof Boolean x && b instanceof Boolean y) {
            return Boolean.compare(x, y);
        }
        if (a instanceof OffsetTime x && b instanceof OffsetTime y) {
            return compareTimeTz(x, y);
        }
        if (a instanceof Comparable ca && a.getClass() == b.getClass()) {
            return ca.compareTo(b);
        }
        if (a instanceof LocalDate x && b instanceof LocalDateTime y) {
            return x.atStartOfDay().compareTo(y);
        }
        if (a instanceof LocalDateTime x && b instanceof LocalDate y) {
            return x.compareTo(y.atStartOfDay());
        }
        throw new PgException(SqlState.DATATYPE_MISMATCH, "cannot compare " + a.getClass().getSimpleName()
                + " with " + b.getClass().getSimpleName());
    }

    /** Compares strings by code point (the C collation's order, and UTF-8 byte order). */
    public static int compareStrings(String x, String y) {
        if (x.equals(y)) { // whole strings at once: sorting many equal values (ANALYZE's char(n) padding) spends its time here
            return 0;
        }
        int n = Math.min(x.length(), y.length());
        for (int i = 0; i < n; i++) {
            char c = x.charAt(i);
            char d = y.charAt(i);
            if (c != d) {
                if (Character.isSurrogate(c) || Character.isSurrogate(d)) {
                    return Integer.compare(x.codePointAt(i), y.codePointAt(i));
                }
                return c - d;
            }
        }
        return x.length() - y.length();
    }

    /**
     * A key with PostgreSQL's equality for hashing and grouping: integers of every width as
     * Long, floats as Double with -0 = 0, numerics without trailing zeros (1.50 = 1.5), byte
     * arrays by content, lists element by element.
     */
    public static Object hashKey(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Integer i) {
            return (long) i;
        }
        if (v instanceof Short s) {
            return (long) s;
        }
        if (v instanceof Float f) {
            double d = f;
            return d == 0 ? 0.0 : d;
        }
        if (v instanceof Double d) {
            return d == 0 ? 0.0 : d;
        }
        if (v instanceof BigDecimal b) {
            return b.signum() == 0 ? BigDecimal.ZERO : b.stripTrailingZeros();
        }
        if (v instanceof byte[] b) {
            return ByteBuffer.wrap(b);
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(hashKey(o));
            }
            return out;
        }
        if (v instanceof Interval i) {
            return new IntervalKey(i.approxMicros());
        }
        return v;
    }

    /** An interval's equality key: PostgreSQL's intervals are equal when their 30-day-month lengths are. */
    private record IntervalKey(long micros) {
    }

    /** A finite number as a BigDecimal; numeric's NaN and infinities are the caller's to handle first. */
    public static BigDecimal toBigDecimal(Number n) {
        if (n instanceof BigDecimal b) {
            return b;
        }
        if (n instanceof NumericSpecial s) {
            throw new IllegalStateException("numeric " + s + " reached finite arithmetic");
        }
        if (n instanceof Double || n instanceof Float) {
            return new BigDecimal(n.toString());
        }
        return BigDecimal.valueOf(n.longValue());
    }
}
