package org.walden.sql.types;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * interval_in for the forms people write: {@code 1 day 02:03:04.5}, {@code 3 hours},
 * {@code 1 year 2 mons}, {@code @ 1 day ago}, {@code 1.5 days}, {@code 00:00:01},
 * {@code 10} (seconds) and ISO 8601 {@code P1Y2M3DT4H5M6S}. Fractions of a unit spill into
 * the smaller units as PostgreSQL's do (1.5 days = 1 day 12:00:00, 1.5 months = 1 mon 15 days).
 */
final class IntervalText {

    private static final long MICROS_PER_DAY = 86_400_000_000L;

    private IntervalText() {
    }

    static Interval parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            return iso(t, s);
        }
        if (t.startsWith("@")) {
            t = t.substring(1).trim();
        }
        boolean ago = false;
        if (t.endsWith(" ago")) {
            ago = true;
            t = t.substring(0, t.length() - 4).trim();
        }
        if (t.isEmpty()) {
            throw new IllegalArgumentException(s);
        }
        String[] words = t.split("\\s+");
        long months = 0;
        long days = 0;
        long micros = 0;
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            if (w.contains(":")) {
                micros += clock(w);
                continue;
            }
            // "1day", "3hours": the number and unit may be written together
            int split = 0;
            while (split < w.length() && (Character.isDigit(w.charAt(split)) || "+-.".indexOf(w.charAt(split)) >= 0)) {
                split++;
            }
            BigDecimal n = new BigDecimal(w.substring(0, split));
            String unit = split < w.length() ? w.substring(split) : i + 1 < words.length ? words[++i] : "second";
            switch (unitOf(unit, s)) {
                case "year" -> {
                    BigDecimal m = n.multiply(BigDecimal.valueOf(12));
                    months += m.longValue();
                }
                case "decade" -> months += n.multiply(BigDecimal.valueOf(120)).longValue();
                case "century" -> months += n.multiply(BigDecimal.valueOf(1200)).longValue();
                case "month" -> {
                    months += n.longValue();
                    BigDecimal frac = n.subtract(new BigDecimal(n.toBigInteger())).multiply(BigDecimal.valueOf(30));
                    days += frac.longValue();
                    micros += frac.subtract(new BigDecimal(frac.toBigInteger()))
                            .multiply(BigDecimal.valueOf(MICROS_PER_DAY)).longValue();
                }
                case "week" -> {
                    BigDecimal d = n.multiply(BigDecimal.valueOf(7));
                    days += d.longValue();
                    micros += fractionMicros(d, MICROS_PER_DAY);
                }
                case "day" -> {
                    days += n.longValue();
                    micros += fractionMicros(n, MICROS_PER_DAY);
                }
                case "hour" -> micros += n.multiply(BigDecimal.valueOf(3_600_000_000L)).setScale(0, RoundingMode.HALF_EVEN)
                        .longValue();
                case "minute" -> micros += n.multiply(BigDecimal.valueOf(60_000_000L)).setScale(0, RoundingMode.HALF_EVEN)
                        .longValue();
                case "second" -> micros += n.movePointRight(6).setScale(0, RoundingMode.HALF_EVEN).longValue();
                case "millisecond" -> micros += n.movePointRight(3).setScale(0, RoundingMode.HALF_EVEN).longValue();
                case "microsecond" -> micros += n.setScale(0, RoundingMode.HALF_EVEN).longValue();
                default -> throw new IllegalArgumentException(s);
            }
        }
        if (ago) {
            months = -months;
            days = -days;
            micros = -micros;
        }
        if (months > Integer.MAX_VALUE || months < Integer.MIN_VALUE || days > Integer.MAX_VALUE
                || days < Integer.MIN_VALUE) {
            throw new org.walden.common.PgException(org.walden.common.SqlState.DATETIME_FIELD_OVERFLOW,
                    "interval field value out of range: \"" + s + "\"");
        }
        return new Interval((int) months, (int) days, micros);
    }

    private static long fractionMicros(BigDecimal n, long unitMicros) {
        BigDecimal frac = n.subtract(new BigDecimal(n.toBigInteger()));
        return frac.multiply(BigDecimal.valueOf(unitMicros)).setScale(0, RoundingMode.HALF_EVEN).longValue();
    }

    private static long clock(String w) {
        boolean neg = w.startsWith("-");
        String[] hms = (neg || w.startsWith("+") ? w.substring(1) : w).split(":");
        long m = Long.parseLong(hms[0]) * 3_600_000_000L + Long.parseLong(hms[1]) * 60_000_000L;
        if (hms.length > 2) {
            m += new BigDecimal(hms[2]).movePointRight(6).setScale(0, RoundingMode.HALF_EVEN).longValue();
        }
        return neg ? -m : m;
    }

    private static String unitOf(String word, String original) {
        return switch (word) {
            case "y", "yr", "yrs", "year", "years" -> "year";
            case "decade", "decades", "dec", "decs" -> "decade";
            case "century", "centuries", "c", "cent" -> "century";
            case "mon", "mons", "month", "months" -> "month";
            case "w", "week", "weeks" -> "week";
            case "d", "day", "days" -> "day";
            case "h", "hr", "hrs", "hour", "hours" -> "hour";
            case "m", "min", "mins", "minute", "minutes" -> "minute";
            case "s", "sec", "secs", "second", "seconds" -> "second";
            case "ms", "msec", "msecs", "millisecond", "milliseconds" -> "millisecond";
            case "us", "usec", "usecs", "microsecond", "microseconds" -> "microsecond";
            default -> throw new IllegalArgumentException(original);
        };
    }

    /** ISO 8601 durations: P[nY][nM][nW][nD][T[nH][nM][nS]]. */
    private static Interval iso(String t, String original) {
        long months = 0;
        long days = 0;
        long micros = 0;
        boolean time = false;
        int i = 1;
        while (i < t.length()) {
            char c = t.charAt(i);
            if (c == 't') {
                time = true;
                i++;
                continue;
            }
            int start = i;
            while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.' || t.charAt(i) == '-')) {
                i++;
            }
            if (i >= t.length() || start == i) {
                throw new IllegalArgumentException(original);
            }
            BigDecimal n = new BigDecimal(t.substring(start, i));
            char unit = t.charAt(i++);
            switch (unit) {
                case 'y' -> months += n.multiply(BigDecimal.valueOf(12)).longValue();
                case 'm' -> {
                    if (time) {
                        micros += n.multiply(BigDecimal.valueOf(60_000_000L)).longValue();
                    } else {
                        months += n.longValue();
                    }
                }
                case 'w' -> days += n.longValue() * 7;
                case 'd' -> days += n.longValue();
                case 'h' -> micros += n.multiply(BigDecimal.valueOf(3_600_000_000L)).longValue();
                case 's' -> micros += n.movePointRight(6).longValue();
                default -> throw new IllegalArgumentException(original);
            }
        }
        return new Interval((int) months, (int) days, micros);
    }
}
