package org.walden.sql.types;

/** An interval value as PostgreSQL stores it: months, days and microseconds, kept apart. */
public record Interval(int months, int days, long micros) implements Comparable<Interval> {

    public static Interval ofMicros(long micros) {
        return new Interval(0, 0, micros);
    }

    /** A comparison key, with PostgreSQL's 30-day months and 24-hour days ('1 day' = '24 hours'). */
    public long approxMicros() {
        return micros + days * 86_400_000_000L + months * 30L * 86_400_000_000L;
    }

    @Override
    public int compareTo(Interval o) {
        return Long.compare(approxMicros(), o.approxMicros());
    }

    /**
     * Text output in IntervalStyle postgres: "1 year 2 mons 3 days 04:05:06.5"; after a negative
     * field, positive ones carry a "+" ("-1 days +02:00:00"), as EncodeInterval prints them.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        boolean[] negativeSeen = {false};
        int years = months / 12;
        int mons = months % 12;
        field(sb, years, "year", negativeSeen);
        field(sb, mons, "mon", negativeSeen);
        field(sb, days, "day", negativeSeen);
        if (micros != 0 || sb.isEmpty()) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            long abs = Math.abs(micros);
            if (micros < 0) {
                sb.append('-');
            } else if (negativeSeen[0] && micros > 0) {
                sb.append('+');
            }
            long secs = abs / 1_000_000;
            long frac = abs % 1_000_000;
            sb.append(String.format("%02d:%02d:%02d", secs / 3600, (secs / 60) % 60, secs % 60));
            if (frac != 0) {
                String f = String.format("%06d", frac);
                sb.append('.').append(f.replaceAll("0+$", ""));
            }
        }
        return sb.toString();
    }

    private static void field(StringBuilder sb, int value, String unit, boolean[] negativeSeen) {
        if (value == 0) {
            return;
        }
        sb.append(sb.isEmpty() ? "" : " ");
        if (value > 0 && negativeSeen[0]) {
            sb.append('+');
        }
        sb.append(value).append(' ').append(unit).append(value == 1 ? "" : "s");
        negativeSeen[0] |= value < 0;
    }
}
