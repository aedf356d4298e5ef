package org.walden.sql.func;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.time.temporal.IsoFields;
import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.Interval;
import org.walden.sql.types.Values;

/**
 * to_char's and to_timestamp's date/time templates: YYYY YYY YY Y IYYY MM MON Mon mon MONTH
 * Month month DD DDD D ID DAY Day day DY Dy dy HH HH12 HH24 MI SS MS US AM PM am pm A.M. P.M.
 * Q W WW IW CC J TZ tz OF, the FM prefix (no padding), the TH/th suffix, "quoted text" and
 * backslash escapes.
 */
final class DateTimeFormat {

    private static final String[] PATTERNS = {"HH24", "HH12", "HH", "MI", "SS", "MS", "US", "A.M.", "P.M.", "a.m.",
        "p.m.", "AM", "PM", "am", "pm", "Y,YYY", "YYYY", "YYY", "YY", "IYYY", "MONTH", "Month", "month", "MON", "Mon",
        "mon", "MM", "DAY", "Day", "day", "DY", "Dy", "dy", "DDD", "DD", "ID", "D", "WW", "IW", "W", "CC", "J", "Q",
        "TZ", "tz", "OF", "Y"};

    private DateTimeFormat() {
    }

    static String format(LocalDateTime t, String template, ZonedDateTime zoned) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '"') {
                int end = template.indexOf('"', i + 1);
                end = end < 0 ? template.length() : end;
                sb.append(template, i + 1, end);
                i = end + 1;
                continue;
            }
            if (c == '\\' && i + 1 < template.length()) {
                sb.append(template.charAt(i + 1));
                i += 2;
                continue;
            }
            boolean fm = template.startsWith("FM", i);
            int p = fm ? i + 2 : i;
            String pattern = match(template, p);
            if (pattern == null) {
                sb.append(c);
                i++;
                continue;
            }
            String value = field(pattern, t, zoned, fm);
            i = p + pattern.length();
            if (template.startsWith("TH", i) || template.startsWith("th", i)) {
                value = value + ordinal(value, template.charAt(i) == 'T');
                i += 2;
            }
            sb.append(value);
        }
        return sb.toString();
    }

    private static String match(String template, int at) {
        for (String p : PATTERNS) {
            if (template.startsWith(p, at)) {
                return p;
            }
        }
        return null;
    }

    private static String pad(long v, int width, boolean fm) {
        String s = Long.toString(Math.abs(v));
        if (!fm && s.length() < width) {
            s = "0".repeat(width - s.length()) + s;
        }
        return v < 0 ? "-" + s : s;
    }

    private static String name(String n, String pattern, boolean fm, int width) {
        String s = Character.isUpperCase(pattern.charAt(1)) ? n.toUpperCase(Locale.ROOT)
                : Character.isUpperCase(pattern.charAt(0)) ? n : n.toLowerCase(Locale.ROOT);
        return fm || s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    private static String field(String p, LocalDateTime t, ZonedDateTime zoned, boolean fm) {
        int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
        int year = t.getYear();
        return switch (p) {
            case "HH24" -> pad(t.getHour(), 2, fm);
            case "HH12", "HH" -> pad(hour12, 2, fm);
            case "MI" -> pad(t.getMinute(), 2, fm);
            case "SS" -> pad(t.getSecond(), 2, fm);
            case "MS" -> pad(t.getNano() / 1_000_000, 3, fm);
            case "US" -> pad(t.getNano() / 1000, 6, fm);
            case "AM", "PM" -> t.getHour() < 12 ? "AM" : "PM";
            case "am", "pm" -> t.getHour() < 12 ? "am" : "pm";
            case "A.M.", "P.M." -> t.getHour() < 12 ? "A.M." : "P.M.";
            case "a.m.", "p.m." -> t.getHour() < 12 ? "a.m." : "p.m.";
            case "Y,YYY" -> String.format("%d,%03d", year / 1000, year % 1000);
            case "YYYY" -> pad(year, 4, fm);
            case "YYY" -> pad(year % 1000, 3, fm);
            case "YY" -> pad(year % 100, 2, fm);
            case "Y" -> Long.toString(year % 10);
            case "IYYY" -> pad(t.get(IsoFields.WEEK_BASED_YEAR), 4, fm);
            case "MONTH", "Month", "month" -> name(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH), p, fm, 9);
            case "MON", "Mon", "mon" -> name(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH), p, true, 3);
            case "MM" -> pad(t.getMonthValue(), 2, fm);
            case "DAY", "Day", "day" -> name(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH), p, fm, 9);
            case "DY", "Dy", "dy" -> name(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH), p, true, 3);
            case "DDD" -> pad(t.getDayOfYear(), 3, fm);
            case "DD" -> pad(t.getDayOfMonth(), 2, fm);
            case "D" -> Integer.toString(t.getDayOfWeek().getValue() % 7 + 1);
            case "ID" -> Integer.toString(t.getDayOfWeek().getValue());
            case "WW" -> pad((t.getDayOfYear() - 1) / 7 + 1, 2, fm);
            case "IW" -> pad(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2, fm);
            case "W" -> Integer.toString((t.getDayOfMonth() - 1) / 7 + 1);
            case "CC" -> pad((year + 99) / 100, 2, fm);
            case "J" -> Long.toString(t.toLocalDate().toEpochDay() + 2440588);
            case "Q" -> Integer.toString((t.getMonthValue() - 1) / 3 + 1);
            case "TZ" -> zoned == null ? "" : zoneAbbrev(zoned).toUpperCase(Locale.ROOT);
            case "tz" -> zoned == null ? "" : zoneAbbrev(zoned).toLowerCase(Locale.ROOT);
            case "OF" -> zoned == null ? "" : Values.formatOffset(zoned.getOffset().getTotalSeconds());
            default -> p;
        };
    }

    private static String zoneAbbrev(ZonedDateTime z) {
        // a region's abbreviation for the date (CEST in summer, CET in winter), an offset's own name
        String s = z.getZone() instanceof java.time.ZoneOffset ? z.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH)
                : java.time.format.DateTimeFormatter.ofPattern("zzz", Locale.ENGLISH).format(z);
        return s.equals("Z") ? "UTC" : s;
    }

    private static String ordinal(String number, boolean upper) {
        String digits = number.replaceAll("\\D", "");
        if (digits.isEmpty()) {
            return "";
        }
        int n = Integer.parseInt(digits.substring(Math.max(0, digits.length() - 2)));
        String s = (n % 100 >= 11 && n % 100 <= 13) ? "th" : switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return upper ? s.toUpperCase(Locale.ROOT) : s;
    }

    static String formatInterval(Interval i, String template) {
        LocalDateTime t = LocalDate.of(0, 1, 1).atStartOfDay().plusNanos(Math.floorMod(i.micros(), Arith.MICROS_PER_DAY)
                * 1000);
        String s = template.replace("DD", String.format("%02d", i.days())).replace("HH24",
                String.format("%02d", i.micros() / 3_600_000_000L));
        return format(t, s, null);
    }

    /** to_timestamp(text, template) / to_date: reads the fields the template names. */
    static LocalDateTime parse(String text, String template) {
        int year = 1;
        int month = 1;
        int day = 1;
        int hour = 0;
        int minute = 0;
        int second = 0;
        int micros = 0;
        boolean pm = false;
        boolean twelveHour = false;
        int ti = 0;
        int si = 0;
        while (ti < template.length() && si <= text.length()) {
            if (template.startsWith("FM", ti)) {
                ti += 2;
                continue;
            }
            String p = match(template, ti);
            if (p == null) {
                ti++;
                if (si < text.length() && !Character.isLetterOrDigit(text.charAt(si))) {
                    si++;
                }
                continue;
            }
            ti += p.length();
            while (si < text.length() && text.charAt(si) == ' ') {
                si++;
            }
            int start = si;
            if (p.startsWith("MON") || p.startsWith("Mon") || p.startsWith("mon")) {
                while (si < text.length() && Character.isLetter(text.charAt(si))) {
                    si++;
                }
                month = monthOf(text.substring(start, si));
                continue;
            }
            if (p.equalsIgnoreCase("AM") || p.equalsIgnoreCase("PM")) {
                pm = text.regionMatches(true, si, "PM", 0, 2);
                si += 2;
                continue;
            }
            int maxDigits = switch (p) {
                case "YYYY", "IYYY" -> 4;
                case "MS" -> 3;
                case "US" -> 6;
                case "DDD", "YYY" -> 3;
                default -> 2;
            };
            while (si < text.length() && si - start < maxDigits + (text.charAt(start) == '-' ? 1 : 0)
                    && (Character.isDigit(text.charAt(si)) || (si == start && text.charAt(si) == '-'))) {
                si++;
            }
            if (si == start) {
                throw new PgException(SqlState.INVALID_DATETIME_FORMAT, "invalid value \"" + text.substring(start)
                        + "\" for \"" + p + "\"");
            }
            int v = Integer.parseInt(text.substring(start, si));
            switch (p) {
                case "YYYY", "IYYY" -> year = v;
                case "YY" -> year = v < 70 ? 2000 + v : 1900 + v;
                case "MM" -> month = v;
                case "DD" -> day = v;
                case "HH24" -> hour = v;
                case "HH", "HH12" -> {
                    hour = v;
                    twelveHour = true;
                }
                case "MI" -> minute = v;
                case "SS" -> second = v;
                case "MS" -> micros = v * 1000;
                case "US" -> micros = v;
                default -> {
                }
            }
        }
        if (twelveHour) {
            hour = hour % 12 + (pm ? 12 : 0);
        }
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, micros * 1000);
        } catch (java.time.DateTimeException e) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \"" + text
                    + "\"");
        }
    }

    private static int monthOf(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        String[] months = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
        for (int i = 0; i < months.length; i++) {
            if (n.startsWith(months[i])) {
                return i + 1;
            }
        }
        throw new PgException(SqlState.INVALID_DATETIME_FORMAT, "invalid value \"" + name + "\" for \"MON\"");
    }
}
