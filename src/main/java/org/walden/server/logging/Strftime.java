package org.walden.server.logging;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** The strftime escapes log_filename uses (%Y %m %d %H %M %S %j %y %a %b %p %s %%), in log_timezone. */
final class Strftime {

    private Strftime() {
    }

    static String format(String pattern, ZonedDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                out.append(c);
                continue;
            }
            char e = pattern.charAt(++i);
            switch (e) {
                case 'Y' -> out.append(String.format("%04d", t.getYear()));
                case 'y' -> out.append(String.format("%02d", t.getYear() % 100));
                case 'm' -> out.append(String.format("%02d", t.getMonthValue()));
                case 'd' -> out.append(String.format("%02d", t.getDayOfMonth()));
                case 'H' -> out.append(String.format("%02d", t.getHour()));
                case 'M' -> out.append(String.format("%02d", t.getMinute()));
                case 'S' -> out.append(String.format("%02d", t.getSecond()));
                case 'j' -> out.append(String.format("%03d", t.getDayOfYear()));
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ROOT));
                case 'b' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ROOT));
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 's' -> out.append(t.toEpochSecond());
                case '%' -> out.append('%');
                default -> out.append('%').append(e);
            }
        }
        return out.toString();
    }
}
