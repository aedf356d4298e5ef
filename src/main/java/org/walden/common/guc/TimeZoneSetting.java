package org.walden.common.guc;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How PostgreSQL reads a time zone setting (TimeZone, log_timezone) and AT TIME ZONE's zone:
 * a plain number is hours EAST of Greenwich (check_timezone; kept as the POSIX spelling
 * PostgreSQL shows, {@code <+05>-05}); any other offset is a POSIX zone's, hours WEST of it
 * ({@code 'UTC+2'} and {@code '+05'} in AT TIME ZONE are UTC-2 and UTC-5, {@code '-02:30'}
 * is UTC+2:30); anything else is a zone name.
 */
public final class TimeZoneSetting {
    private static final Pattern NUMBER = Pattern.compile("[+-]?\\d+(\\.\\d+)?");
    private static final Pattern POSIX_OFFSET = Pattern.compile(
            "(?i)(<[^>]*>|UTC|GMT)?([+-])?(\\d{1,2})(?::(\\d{2}))?(?::(\\d{2}))?");

    private TimeZoneSetting() {
    }

    /** The zone a setting's value names; DateTimeException when it names none. */
    public static ZoneId zone(String value) {
        String v = value.strip();
        if (NUMBER.matcher(v).matches()) {
            return ZoneOffset.ofTotalSeconds((int) Math.round(Double.parseDouble(v) * 3600));
        }
        ZoneOffset posix = posixOffset(v);
        return posix != null ? posix : ZoneId.of(v);
    }

    /** The value as SHOW gives it back: a plain number in PostgreSQL's POSIX spelling, others as written. */
    public static String canonical(String value) {
        String v = value.strip();
        if (!NUMBER.matcher(v).matches()) {
            return v;
        }
        int seconds = ((ZoneOffset) zone(v)).getTotalSeconds();
        String east = hhmm(seconds);
        return "<" + east + ">" + (seconds > 0 ? "-" : seconds < 0 ? "+" : "+") + east.substring(1);
    }

    /** A POSIX-style offset ('+05', 'UTC+2', '<+05>-05', '-02:30'), or null when {@code z} is not one. */
    public static ZoneOffset posixOffset(String z) {
        Matcher m = POSIX_OFFSET.matcher(z.strip());
        if (!m.matches() || (m.group(1) == null && m.group(2) == null)) {
            return null;
        }
        int seconds = Integer.parseInt(m.group(3)) * 3600
                + (m.group(4) == null ? 0 : Integer.parseInt(m.group(4)) * 60)
                + (m.group(5) == null ? 0 : Integer.parseInt(m.group(5)));
        try {
            return ZoneOffset.ofTotalSeconds("-".equals(m.group(2)) ? seconds : -seconds);
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static String hhmm(int seconds) {
        int abs = Math.abs(seconds);
        String s = String.format(Locale.ROOT, "%s%02d", seconds < 0 ? "-" : "+", abs / 3600);
        return abs % 3600 == 0 ? s : s + String.format(Locale.ROOT, ":%02d", (abs % 3600) / 60);
    }
}
