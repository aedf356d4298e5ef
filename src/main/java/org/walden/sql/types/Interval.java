package org.walden.sql.types;

/** An interval value as PostgreSQL stores it: months, days and microseconds, kept apart. */
public record Interval(int months, int days, long micros) implements Comparable<Interval> {

    public static Interval ofMicros(long micros) {
        return new Interval(0, 0, micros);
    }

    /** A comparison key, with PostgreSQL's 30-day months and 24-hour days. */
    long approxMicros() {
        return micros + days * 86_400_000_000L + months * 30L * 86_400_000_000L;
    }

    @Override
    public int compareTo(Interval o) {
        return Long.compare(approxMicros(), o.approxMicros());
    }

    /** Text output in IntervalStyle postgres: "1 year 2 mons 3 days 04:05:06.5". */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        int years = months / 12;
        int mons = months % 12;
        if (years != 0) {
            sb.append(years).append(Math.abs(years) == 1 ? " year" : " years");
        }
        if (mons != 0) {
            sb.append(sb.isEmpty() ? "" : " ").append(mons).append(Math.abs(mons) == 1 ? " mon" : " mons");
        }
        if (days != 0) {
            sb.append(sb.isEmpty() ? "" : " ").append(days).append(Math.abs(days) == 1 ? " day" : " days");
        }
        if (micros != 0 || sb.isEmpty()) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            long abs = Math.abs(micros);
            if (micros < 0) {
                sb.append('-');
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
}
