package org.walden.sql.func;

import static org.walden.sql.types.PgType.*;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.WaitEvent;
import org.walden.sql.types.Interval;
import org.walden.sql.types.Values;

/** Date and time functions (PostgreSQL's "Date/Time Functions and Operators"). */
final class DateTimeFunctions {

    private DateTimeFunctions() {
    }

    /**
     * The transaction's start rounded to {@code precision} fractional digits of a second, as
     * AdjustTimestampForTypmod: 22023 below 0, 6 above 6 (PostgreSQL also warns there).
     */
    /**
     * date_bin's distance from {@code origin} to the start of the bin of width {@code stride} that
     * holds {@code source} (microseconds each), as PostgreSQL's timestamp_bin computes it.
     */
    private static long binOffset(Interval stride, long source, long origin) {
        if (stride.months() != 0) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "timestamps cannot be binned into intervals containing months or years");
        }
        long strideMicros = stride.days() * 86_400_000_000L + stride.micros();
        if (strideMicros <= 0) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "stride must be greater than zero");
        }
        long diff = source - origin;
        long delta = diff - diff % strideMicros;
        if (origin > source && strideMicros > 1) {
            delta -= strideMicros; // the start of the bin even when the origin is later
        }
        return delta;
    }

    /** A time of day as a timestamp on 1970-01-01 for extract's fields; 24:00:00 is the next midnight. */
    private static LocalDateTime onEpochDay(LocalTime t) {
        return LocalDateTime.of(LocalDate.EPOCH, LocalTime.MIDNIGHT).plusNanos(Values.timeMicros(t) * 1000);
    }

    private static Instant startRounded(FnContext c, Object precision, String typeName) {
        int p = (Integer) precision;
        if (p < 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    String.format(Locale.ROOT, typeName, p) + " precision must not be negative");
        }
        Instant start = c.transactionStart();
        if (p >= 6) {
            return start;
        }
        long unit = (long) Math.pow(10, 6 - p);
        long micros = start.getEpochSecond() * 1_000_000L + start.getNano() / 1000;
        long rounded = Math.floorDiv(micros + unit / 2, unit) * unit;
        return Instant.ofEpochSecond(Math.floorDiv(rounded, 1_000_000L), Math.floorMod(rounded, 1_000_000L) * 1000L);
    }

    static void register(Builtins r) {
        r.f("now", TIMESTAMPTZ).stable().ctx((c, a) -> c.transactionStart());
        r.f("current_timestamp", TIMESTAMPTZ).stable().ctx((c, a) -> c.transactionStart());
        r.f("transaction_timestamp", TIMESTAMPTZ).stable().ctx((c, a) -> c.transactionStart());
        r.f("statement_timestamp", TIMESTAMPTZ).stable().ctx((c, a) -> c.statementStart());
        r.f("clock_timestamp", TIMESTAMPTZ).volatile_().impl(a -> Instant.now().truncatedTo(ChronoUnit.MICROS));
        r.f("timeofday", TEXT).volatile_().ctx((c, a) -> ZonedDateTime.now(c.zone()).format(
                java.time.format.DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss.SSSSSS yyyy zzz", Locale.ROOT)));
        r.f("current_date", DATE).stable().ctx((c, a) -> LocalDate.ofInstant(c.transactionStart(), c.zone()));
        r.f("current_time", TIMETZ).stable().ctx((c, a) -> java.time.OffsetTime.ofInstant(c.transactionStart(),
                c.zone()));
        r.f("localtime", TIME).stable().ctx((c, a) -> LocalTime.ofInstant(c.transactionStart(), c.zone()));
        r.f("localtimestamp", TIMESTAMP).stable().ctx((c, a) -> LocalDateTime.ofInstant(c.transactionStart(),
                c.zone()));
        // CURRENT_TIMESTAMP(p) and the others with a precision: the transaction's start rounded to p digits
        r.f("current_timestamp", TIMESTAMPTZ, INT4).stable().ctx((c, a) ->
                startRounded(c, a[0], "TIMESTAMP(%d) WITH TIME ZONE"));
        r.f("localtimestamp", TIMESTAMP, INT4).stable().ctx((c, a) ->
                LocalDateTime.ofInstant(startRounded(c, a[0], "TIMESTAMP(%d)"), c.zone()));
        r.f("current_time", TIMETZ, INT4).stable().ctx((c, a) ->
                java.time.OffsetTime.ofInstant(startRounded(c, a[0], "TIME(%d) WITH TIME ZONE"), c.zone()));
        r.f("localtime", TIME, INT4).stable().ctx((c, a) ->
                LocalTime.ofInstant(startRounded(c, a[0], "TIME(%d)"), c.zone()));
        r.f("date_part", FLOAT8, TEXT, TIMESTAMP).impl(a -> field((String) a[0], (LocalDateTime) a[1], null)
                .doubleValue());
        r.f("date_part", FLOAT8, TEXT, TIMESTAMPTZ).stable().ctx((c, a) -> field((String) a[0],
                local((Instant) a[1], c.zone()), zoneOffset((Instant) a[1], c.zone())).doubleValue());
        r.f("date_part", FLOAT8, TEXT, DATE).impl(a -> field((String) a[0], ((LocalDate) a[1]).atStartOfDay(), null)
                .doubleValue());
        r.f("date_part", FLOAT8, TEXT, INTERVAL).impl(a -> intervalField((String) a[0], (Interval) a[1]).doubleValue());
        r.f("date_part", FLOAT8, TEXT, TIME).impl(a -> field((String) a[0],
                onEpochDay((LocalTime) a[1]), null).doubleValue());
        r.f("extract", NUMERIC, TEXT, TIMESTAMP).impl(a -> field((String) a[0], (LocalDateTime) a[1], null));
        r.f("extract", NUMERIC, TEXT, TIMESTAMPTZ).stable().ctx((c, a) -> field((String) a[0],
                local((Instant) a[1], c.zone()), zoneOffset((Instant) a[1], c.zone())));
        r.f("extract", NUMERIC, TEXT, DATE).impl(a -> field((String) a[0], ((LocalDate) a[1]).atStartOfDay(), null));
        r.f("extract", NUMERIC, TEXT, INTERVAL).impl(a -> intervalField((String) a[0], (Interval) a[1]));
        r.f("extract", NUMERIC, TEXT, TIME).impl(a -> field((String) a[0],
                onEpochDay((LocalTime) a[1]), null));
        r.f("extract", NUMERIC, TEXT, TIMETZ).impl(a -> field((String) a[0],
                onEpochDay(((java.time.OffsetTime) a[1]).toLocalTime()),
                ((java.time.OffsetTime) a[1]).getOffset().getTotalSeconds()));
        r.f("date_part", FLOAT8, TEXT, TIMETZ).impl(a -> field((String) a[0],
                onEpochDay(((java.time.OffsetTime) a[1]).toLocalTime()),
                ((java.time.OffsetTime) a[1]).getOffset().getTotalSeconds()).doubleValue());
        r.f("date_trunc", TIMESTAMP, TEXT, TIMESTAMP).impl(a -> trunc((String) a[0], (LocalDateTime) a[1]));
        r.f("date_bin", TIMESTAMP, INTERVAL, TIMESTAMP, TIMESTAMP).impl(a -> {
            long origin = ChronoUnit.MICROS.between(LocalDateTime.MIN.withYear(1), (LocalDateTime) a[2]);
            long source = ChronoUnit.MICROS.between(LocalDateTime.MIN.withYear(1), (LocalDateTime) a[1]);
            return ((LocalDateTime) a[2]).plus(binOffset((Interval) a[0], source, origin), ChronoUnit.MICROS);
        });
        r.f("date_bin", TIMESTAMPTZ, INTERVAL, TIMESTAMPTZ, TIMESTAMPTZ).impl(a -> {
            long origin = ChronoUnit.MICROS.between(Instant.EPOCH, (Instant) a[2]);
            long source = ChronoUnit.MICROS.between(Instant.EPOCH, (Instant) a[1]);
            return ((Instant) a[2]).plus(binOffset((Interval) a[0], source, origin), ChronoUnit.MICROS);
        });
        r.f("date_trunc", TIMESTAMPTZ, TEXT, TIMESTAMPTZ).stable().ctx((c, a) -> Values.atZone(trunc((String) a[0],
                local((Instant) a[1], c.zone())), c.zone()).toInstant());
        r.f("date_trunc", TIMESTAMPTZ, TEXT, TIMESTAMPTZ, TEXT).stable().ctx((c, a) -> {
            ZoneId z = Values.parseZone((String) a[2], null, TIMESTAMPTZ);
            return Values.atZone(trunc((String) a[0], local((Instant) a[1], z)), z).toInstant();
        });
        r.f("date_trunc", INTERVAL, TEXT, INTERVAL).impl(a -> truncInterval((String) a[0], (Interval) a[1]));
        r.f("age", INTERVAL, TIMESTAMP, TIMESTAMP).impl(a -> age((LocalDateTime) a[0], (LocalDateTime) a[1]));
        r.f("age", INTERVAL, TIMESTAMPTZ, TIMESTAMPTZ).stable().ctx((c, a) -> age(local((Instant) a[0], c.zone()),
                local((Instant) a[1], c.zone())));
        r.f("age", INTERVAL, TIMESTAMPTZ).stable().ctx((c, a) -> age(LocalDate.ofInstant(c.transactionStart(),
                c.zone()).atStartOfDay(), local((Instant) a[0], c.zone())));
        r.f("make_date", DATE, INT4, INT4, INT4).impl(a -> LocalDate.of((Integer) a[0], (Integer) a[1], (Integer) a[2]));
        r.f("make_time", TIME, INT4, INT4, FLOAT8).impl(a -> LocalTime.of((Integer) a[0], (Integer) a[1], 0)
                .plus(Math.round((Double) a[2] * 1e6), ChronoUnit.MICROS));
        r.f("make_timestamp", TIMESTAMP, INT4, INT4, INT4, INT4, INT4, FLOAT8).impl(a -> LocalDateTime.of(
                (Integer) a[0], (Integer) a[1], (Integer) a[2], (Integer) a[3], (Integer) a[4])
                .plus(Math.round((Double) a[5] * 1e6), ChronoUnit.MICROS));
        r.f("make_timestamptz", TIMESTAMPTZ, INT4, INT4, INT4, INT4, INT4, FLOAT8).stable().ctx((c, a) ->
                LocalDateTime.of((Integer) a[0], (Integer) a[1], (Integer) a[2], (Integer) a[3], (Integer) a[4])
                        .plus(Math.round((Double) a[5] * 1e6), ChronoUnit.MICROS).atZone(c.zone()).toInstant());
        r.f("make_timestamptz", TIMESTAMPTZ, INT4, INT4, INT4, INT4, INT4, FLOAT8, TEXT).impl(a -> Values.atZone(
                LocalDateTime.of((Integer) a[0], (Integer) a[1], (Integer) a[2], (Integer) a[3], (Integer) a[4])
                        .plus(Math.round((Double) a[5] * 1e6), ChronoUnit.MICROS),
                Values.parseZone((String) a[6], null, TIMESTAMPTZ)).toInstant());
        r.f("make_interval", INTERVAL, INT4, INT4, INT4, INT4, INT4, INT4, FLOAT8).defaults(7).nonStrict()
                .argNames("years", "months", "weeks", "days", "hours", "mins", "secs")
                .impl(a -> new Interval(intOr(a, 0) * 12 + intOr(a, 1), intOr(a, 2) * 7 + intOr(a, 3),
                        intOr(a, 4) * 3_600_000_000L + intOr(a, 5) * 60_000_000L
                                + Math.round((a.length < 7 || a[6] == null ? 0.0 : (Double) a[6]) * 1e6)));
        r.f("to_timestamp", TIMESTAMPTZ, FLOAT8).impl(a -> {
            double secs = (Double) a[0];
            if (Double.isInfinite(secs)) {
                return secs > 0 ? Values.TIMESTAMPTZ_INFINITY : Values.TIMESTAMPTZ_MINUS_INFINITY;
            }
            return Instant.EPOCH.plus(Math.round(secs * 1e6), ChronoUnit.MICROS);
        });
        r.f("to_timestamp", TIMESTAMPTZ, TEXT, TEXT).stable().ctx((c, a) -> DateTimeFormat.parse((String) a[0],
                (String) a[1]).atZone(c.zone()).toInstant());
        r.f("to_date", DATE, TEXT, TEXT).stable().impl(a -> DateTimeFormat.parse((String) a[0], (String) a[1])
                .toLocalDate());
        r.f("to_char", TEXT, TIMESTAMP, TEXT).stable().impl(a -> DateTimeFormat.format((LocalDateTime) a[0],
                (String) a[1], null));
        r.f("to_char", TEXT, TIMESTAMPTZ, TEXT).stable().ctx((c, a) -> DateTimeFormat.format(
                local((Instant) a[0], c.zone()), (String) a[1], ((Instant) a[0]).atZone(c.zone())));
        r.f("to_char", TEXT, INTERVAL, TEXT).stable().impl(a -> DateTimeFormat.formatInterval((Interval) a[0],
                (String) a[1]));
        r.f("to_char", TEXT, NUMERIC, TEXT).stable().impl(a -> NumberFormat.format((Number) a[0], (String) a[1]));
        r.f("to_char", TEXT, INT4, TEXT).stable().impl(a -> NumberFormat.format(BigDecimal.valueOf((Integer) a[0]),
                (String) a[1]));
        r.f("to_char", TEXT, INT8, TEXT).stable().impl(a -> NumberFormat.format(BigDecimal.valueOf((Long) a[0]),
                (String) a[1]));
        r.f("to_char", TEXT, FLOAT8, TEXT).stable().impl(a -> NumberFormat.format(new BigDecimal((Double) a[0]),
                (String) a[1]));
        r.f("to_number", NUMERIC, TEXT, TEXT).stable().impl(a -> NumberFormat.parse((String) a[0], (String) a[1]));
        r.f("justify_days", INTERVAL, INTERVAL).impl(a -> {
            Interval i = (Interval) a[0];
            return new Interval(i.months() + i.days() / 30, i.days() % 30, i.micros());
        });
        r.f("justify_hours", INTERVAL, INTERVAL).impl(a -> justifyHours((Interval) a[0]));
        r.f("justify_interval", INTERVAL, INTERVAL).impl(a -> {
            Interval v = (Interval) a[0];
            long time = v.micros() % 86_400_000_000L;
            long day = v.days() + v.micros() / 86_400_000_000L;
            long month = v.months() + day / 30;
            day %= 30;
            if (month > 0 && (day < 0 || day == 0 && time < 0)) {
                day += 30;
                month--;
            } else if (month < 0 && (day > 0 || day == 0 && time > 0)) {
                day -= 30;
                month++;
            }
            if (day > 0 && time < 0) {
                time += 86_400_000_000L;
                day--;
            } else if (day < 0 && time > 0) {
                time -= 86_400_000_000L;
                day++;
            }
            return new Interval(Math.toIntExact(month), Math.toIntExact(day), time);
        });
        r.f("isfinite", BOOL, TIMESTAMP).impl(a -> !a[0].equals(Values.TIMESTAMP_INFINITY)
                && !a[0].equals(Values.TIMESTAMP_MINUS_INFINITY));
        r.f("isfinite", BOOL, TIMESTAMPTZ).impl(a -> !a[0].equals(Values.TIMESTAMPTZ_INFINITY)
                && !a[0].equals(Values.TIMESTAMPTZ_MINUS_INFINITY));
        r.f("isfinite", BOOL, DATE).impl(a -> !a[0].equals(Values.DATE_INFINITY)
                && !a[0].equals(Values.DATE_MINUS_INFINITY));
        r.f("isfinite", BOOL, INTERVAL).impl(a -> true);
        r.f("timezone", TIMESTAMP, TEXT, TIMESTAMPTZ).impl(a -> local((Instant) a[1],
                Values.posixOrNamedZone((String) a[0])));
        r.f("timezone", TIMESTAMPTZ, TEXT, TIMESTAMP).impl(a -> Values.atZone((LocalDateTime) a[1],
                Values.posixOrNamedZone((String) a[0])).toInstant());
        r.f("timezone", TIMESTAMP, INTERVAL, TIMESTAMPTZ).impl(a -> local((Instant) a[1],
                java.time.ZoneOffset.ofTotalSeconds((int) (((Interval) a[0]).micros() / 1_000_000))));
        r.f("pg_sleep", VOID, FLOAT8).volatile_().ctx((c, a) -> {
            sleep(c, Math.round((Double) a[0] * 1000));
            return null;
        });
        r.f("pg_sleep_for", VOID, INTERVAL).volatile_().ctx((c, a) -> {
            sleep(c, ((Interval) a[0]).approxMicros() / 1000);
            return null;
        });
    }

    private static int intOr(Object[] a, int i) {
        return i >= a.length || a[i] == null ? 0 : (Integer) a[i];
    }

    static void sleep(FnContext c, long millis) {
        WaitEvent before = WaitEvent.begin(WaitEvent.PG_SLEEP);
        try {
            sleepInSlices(c, millis);
        } finally {
            WaitEvent.end(before);
        }
    }

    private static void sleepInSlices(FnContext c, long millis) {
        long end = System.currentTimeMillis() + millis;
        while (true) {
            c.checkCancel();
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            try {
                Thread.sleep(Math.min(left, 100));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
            }
        }
    }

    static LocalDateTime local(Instant i, ZoneId zone) {
        if (i.equals(Values.TIMESTAMPTZ_INFINITY)) {
            return Values.TIMESTAMP_INFINITY;
        }
        if (i.equals(Values.TIMESTAMPTZ_MINUS_INFINITY)) {
            return Values.TIMESTAMP_MINUS_INFINITY;
        }
        return LocalDateTime.ofInstant(i, zone);
    }

    private static Integer zoneOffset(Instant i, ZoneId zone) {
        return zone.getRules().getOffset(i).getTotalSeconds();
    }

    private static Interval justifyHours(Interval i) {
        long days = i.micros() / Arith.MICROS_PER_DAY;
        return new Interval(i.months(), (int) (i.days() + days), i.micros() - days * Arith.MICROS_PER_DAY);
    }

    private static PgException unknownUnit(String unit, String type) {
        return new PgException(SqlState.INVALID_PARAMETER_VALUE, "unit \"" + unit + "\" not recognized for type "
                + type);
    }

    /** EXTRACT(field FROM ts) as numeric; {@code offsetSeconds} is the zone offset of a timestamptz. */
    static BigDecimal field(String name, LocalDateTime t, Integer offsetSeconds) {
        String f = name.toLowerCase(Locale.ROOT);
        return switch (f) {
            case "year", "years" -> BigDecimal.valueOf(t.getYear() > 0 ? t.getYear() : t.getYear() - 1);
            case "month", "months", "mon", "mons" -> BigDecimal.valueOf(t.getMonthValue());
            case "day", "days" -> BigDecimal.valueOf(t.getDayOfMonth());
            case "hour", "hours" -> BigDecimal.valueOf(t.getHour());
            case "minute", "minutes", "min", "mins" -> BigDecimal.valueOf(t.getMinute());
            case "second", "seconds", "sec", "secs" -> BigDecimal.valueOf(t.getSecond() * 1_000_000L
                    + t.getNano() / 1000, 6);
            case "milliseconds", "millisecond", "ms" -> BigDecimal.valueOf(t.getSecond() * 1_000_000L
                    + t.getNano() / 1000, 3);
            case "microseconds", "microsecond", "us" -> BigDecimal.valueOf(t.getSecond() * 1_000_000L
                    + t.getNano() / 1000);
            case "dow" -> BigDecimal.valueOf(t.getDayOfWeek().getValue() % 7);
            case "isodow" -> BigDecimal.valueOf(t.getDayOfWeek().getValue());
            case "doy" -> BigDecimal.valueOf(t.getDayOfYear());
            case "week" -> BigDecimal.valueOf(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case "isoyear" -> BigDecimal.valueOf(t.get(IsoFields.WEEK_BASED_YEAR));
            case "quarter" -> BigDecimal.valueOf((t.getMonthValue() - 1) / 3 + 1);
            case "decade" -> BigDecimal.valueOf(Math.floorDiv(t.getYear(), 10));
            case "century" -> BigDecimal.valueOf(t.getYear() > 0 ? (t.getYear() + 99) / 100 : -((99 - t.getYear()) / 100));
            case "millennium" -> BigDecimal.valueOf(t.getYear() > 0 ? (t.getYear() + 999) / 1000
                    : -((999 - t.getYear()) / 1000));
            case "julian" -> BigDecimal.valueOf(t.toLocalDate().toEpochDay() + 2440588);
            case "epoch" -> {
                long micros = ChronoUnit.MICROS.between(LocalDateTime.of(1970, 1, 1, 0, 0), t)
                        - (offsetSeconds == null ? 0 : offsetSeconds * 1_000_000L);
                yield BigDecimal.valueOf(micros, 6);
            }
            case "timezone" -> BigDecimal.valueOf(offsetSeconds == null ? 0 : offsetSeconds);
            case "timezone_hour" -> BigDecimal.valueOf(offsetSeconds == null ? 0 : offsetSeconds / 3600);
            case "timezone_minute" -> BigDecimal.valueOf(offsetSeconds == null ? 0 : (offsetSeconds % 3600) / 60);
            default -> throw unknownUnit(name, offsetSeconds == null ? "timestamp without time zone"
                    : "timestamp with time zone");
        };
    }

    static BigDecimal intervalField(String name, Interval i) {
        String f = name.toLowerCase(Locale.ROOT);
        return switch (f) {
            case "year", "years" -> BigDecimal.valueOf(i.months() / 12);
            case "month", "months", "mon", "mons" -> BigDecimal.valueOf(i.months() % 12);
            case "day", "days" -> BigDecimal.valueOf(i.days());
            case "hour", "hours" -> BigDecimal.valueOf(i.micros() / 3_600_000_000L);
            case "minute", "minutes", "min", "mins" -> BigDecimal.valueOf((i.micros() / 60_000_000L) % 60);
            case "second", "seconds", "sec", "secs" -> BigDecimal.valueOf(i.micros() % 60_000_000L, 6);
            case "milliseconds" -> BigDecimal.valueOf(i.micros() % 60_000_000L, 3);
            case "microseconds" -> BigDecimal.valueOf(i.micros() % 60_000_000L);
            case "epoch" -> BigDecimal.valueOf(i.micros(), 6).add(BigDecimal.valueOf(i.days() * 86400L))
                    .add(BigDecimal.valueOf(i.months() / 12 * 31557600L + (i.months() % 12) * 2592000L));
            case "quarter" -> BigDecimal.valueOf((i.months() % 12) / 3 + 1);
            case "decade" -> BigDecimal.valueOf(i.months() / 120);
            case "century" -> BigDecimal.valueOf(i.months() / 1200);
            default -> throw unknownUnit(name, "interval");
        };
    }

    static LocalDateTime trunc(String unit, LocalDateTime t) {
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "microseconds" -> t;
            case "milliseconds" -> t.truncatedTo(ChronoUnit.MILLIS);
            case "second", "seconds" -> t.truncatedTo(ChronoUnit.SECONDS);
            case "minute", "minutes" -> t.truncatedTo(ChronoUnit.MINUTES);
            case "hour", "hours" -> t.truncatedTo(ChronoUnit.HOURS);
            case "day", "days" -> t.truncatedTo(ChronoUnit.DAYS);
            case "week", "weeks" -> t.toLocalDate().with(DayOfWeek.MONDAY).atStartOfDay();
            case "month", "months" -> t.toLocalDate().withDayOfMonth(1).atStartOfDay();
            case "quarter" -> LocalDate.of(t.getYear(), ((t.getMonthValue() - 1) / 3) * 3 + 1, 1).atStartOfDay();
            case "year", "years" -> LocalDate.of(t.getYear(), 1, 1).atStartOfDay();
            case "decade" -> LocalDate.of(Math.floorDiv(t.getYear(), 10) * 10, 1, 1).atStartOfDay();
            case "century" -> LocalDate.of(((t.getYear() - 1) / 100) * 100 + 1, 1, 1).atStartOfDay();
            case "millennium" -> LocalDate.of(((t.getYear() - 1) / 1000) * 1000 + 1, 1, 1).atStartOfDay();
            default -> throw unknownUnit(unit, "timestamp without time zone");
        };
    }

    private static Interval truncInterval(String unit, Interval i) {
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "year", "years" -> new Interval(i.months() / 12 * 12, 0, 0);
            case "month", "months" -> new Interval(i.months(), 0, 0);
            case "day", "days" -> new Interval(i.months(), i.days(), 0);
            case "hour", "hours" -> new Interval(i.months(), i.days(), i.micros() / 3_600_000_000L * 3_600_000_000L);
            case "minute", "minutes" -> new Interval(i.months(), i.days(), i.micros() / 60_000_000L * 60_000_000L);
            case "second", "seconds" -> new Interval(i.months(), i.days(), i.micros() / 1_000_000L * 1_000_000L);
            default -> throw unknownUnit(unit, "interval");
        };
    }

    /** age(a, b): a symbolic difference in years, months and days, as PostgreSQL's timestamp_age. */
    /**
     * age(): PostgreSQL's field-by-field difference (years, months, days, time of day), a negative
     * field borrowing from the next larger one, a day borrowing the length of the earlier month.
     */
    static Interval age(LocalDateTime a, LocalDateTime b) {
        boolean negative = a.isBefore(b);
        LocalDateTime hi = negative ? b : a;
        LocalDateTime lo = negative ? a : b;
        long micros = (hi.toLocalTime().toNanoOfDay() - lo.toLocalTime().toNanoOfDay()) / 1000;
        int days = hi.getDayOfMonth() - lo.getDayOfMonth();
        int months = (hi.getYear() - lo.getYear()) * 12 + hi.getMonthValue() - lo.getMonthValue();
        if (micros < 0) {
            micros += 86_400_000_000L;
            days--;
        }
        while (days < 0) {
            days += lo.toLocalDate().lengthOfMonth();
            months--;
        }
        int sign = negative ? -1 : 1;
        return new Interval(sign * months, sign * days, sign * micros);
    }

    static BigDecimal roundSeconds(double s) {
        return BigDecimal.valueOf(s).setScale(6, RoundingMode.HALF_UP);
    }
}
