package org.walden.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * log_line_prefix, PostgreSQL's escapes: %m time with milliseconds, %t time, %n epoch, %p
 * PID, %u user, %d database, %a application, %r host(port), %h host, %l session line number,
 * %x transaction id, %v virtual transaction id, %i command tag, %c session id, %s session start,
 * %b backend type, %e SQLSTATE, %q (stop here outside a session), %% a percent sign. A number
 * after % pads the value (negative: on the right). Unknown escapes print nothing, as in PostgreSQL.
 */
final class LinePrefix {

    /** Line counters are per session; forgotten in bulk past this many sessions (bounded memory). */
    private static final int MAX_COUNTERS = 10_000;

    private final String prefix;
    private final DateTimeFormatter millisFormat;
    private final DateTimeFormatter secondsFormat;
    private final String postmasterPid;
    private final Map<String, AtomicLong> lineCounters = new ConcurrentHashMap<>();

    LinePrefix(String prefix, ZoneId zone, long postmasterPid) {
        this.prefix = prefix;
        this.millisFormat = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS zzz").withZone(zone);
        this.secondsFormat = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss zzz").withZone(zone);
        this.postmasterPid = Long.toString(postmasterPid);
    }

    String formatMillis(Instant t) {
        return millisFormat.format(t);
    }

    String pid(Map<String, String> mdc) {
        return mdc.getOrDefault(PgLogContext.PID, postmasterPid);
    }

    /** The next %l for this event's session (or process). */
    long nextLineNumber(Map<String, String> mdc) {
        if (lineCounters.size() > MAX_COUNTERS) {
            lineCounters.clear();
        }
        String key = mdc.getOrDefault(PgLogContext.SESSION_ID, pid(mdc));
        return lineCounters.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    String format(ILoggingEvent event, long lineNumber) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        boolean inSession = mdc.containsKey(PgLogContext.USER);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c != '%' || i + 1 >= prefix.length()) {
                out.append(c);
                continue;
            }
            int j = i + 1;
            int padStart = j;
            if (prefix.charAt(j) == '-') {
                j++;
            }
            while (j < prefix.length() && Character.isDigit(prefix.charAt(j))) {
                j++;
            }
            if (j >= prefix.length()) {
                break;
            }
            int padding = j > padStart && !prefix.substring(padStart, j).equals("-")
                    ? Integer.parseInt(prefix.substring(padStart, j)) : 0;
            char escape = prefix.charAt(j);
            i = j;
            if (escape == 'q') {
                if (!inSession) {
                    break;
                }
                continue;
            }
            out.append(pad(escapeValue(escape, event, mdc, lineNumber), padding));
        }
        return out.toString();
    }

    private String escapeValue(char escape, ILoggingEvent event, Map<String, String> mdc, long lineNumber) {
        Instant t = Instant.ofEpochMilli(event.getTimeStamp());
        return switch (escape) {
            case 'm' -> millisFormat.format(t);
            case 't' -> secondsFormat.format(t);
            case 'n' -> String.format("%d.%03d", t.getEpochSecond(), t.getNano() / 1_000_000);
            case 'p' -> pid(mdc);
            case 'u' -> mdc.getOrDefault(PgLogContext.USER, "");
            case 'd' -> mdc.getOrDefault(PgLogContext.DATABASE, "");
            case 'a' -> mdc.getOrDefault(PgLogContext.APPLICATION, "");
            case 'h' -> mdc.getOrDefault(PgLogContext.REMOTE_HOST, "");
            case 'r' -> remote(mdc);
            case 'l' -> Long.toString(lineNumber);
            case 'x' -> mdc.getOrDefault(PgLogContext.XID, "0");
            case 'v' -> mdc.getOrDefault(PgLogContext.VXID, "");
            case 'i' -> mdc.getOrDefault(PgLogContext.COMMAND_TAG, "");
            case 'c' -> mdc.getOrDefault(PgLogContext.SESSION_ID, "");
            case 's' -> mdc.getOrDefault(PgLogContext.SESSION_START, "");
            case 'b' -> mdc.getOrDefault(PgLogContext.BACKEND_TYPE, "postmaster");
            case 'e' -> sqlState(event);
            case '%' -> "%";
            default -> "";
        };
    }

    private static String remote(Map<String, String> mdc) {
        String host = mdc.get(PgLogContext.REMOTE_HOST);
        if (host == null) {
            return "";
        }
        String port = mdc.get(PgLogContext.REMOTE_PORT);
        return port == null || port.isEmpty() ? host : host + "(" + port + ")";
    }

    static String sqlState(ILoggingEvent event) {
        if (event.getKeyValuePairs() != null) {
            for (var kv : event.getKeyValuePairs()) {
                if (PgLogContext.SQLSTATE.equals(kv.key)) {
                    return String.valueOf(kv.value);
                }
            }
        }
        PgLevel level = PgLayout.levelOf(event);
        if (level == PgLevel.WARNING) {
            return "01000";
        }
        return level.ordinal() >= PgLevel.ERROR.ordinal() && level != PgLevel.LOG ? "XX000" : "00000";
    }

    private static String pad(String value, int padding) {
        if (padding == 0) {
            return value;
        }
        int width = Math.abs(padding);
        if (value.length() >= width) {
            return value;
        }
        String spaces = " ".repeat(width - value.length());
        return padding > 0 ? spaces + value : value + spaces;
    }
}
