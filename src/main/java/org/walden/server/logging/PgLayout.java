package org.walden.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import java.time.ZoneId;
import java.util.List;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;

/**
 * The stderr / .log format: log_line_prefix, then "LOG:  message", then DETAIL, HINT, CONTEXT,
 * LOCATION and STATEMENT lines, each with the prefix again, as PostgreSQL's
 * send_message_to_server_log writes them: log_error_verbosity decides DETAIL, HINT and CONTEXT
 * (not with terse) and LOCATION and the SQLSTATE before the message (verbose only);
 * log_min_error_statement decides STATEMENT. A Java exception attached to the event follows as
 * its stack trace.
 */
public final class PgLayout extends LayoutBase<ILoggingEvent> {

    private final LinePrefix prefix;
    private final LogVerbosity verbosity;
    private final PgLevel minErrorStatement;

    public PgLayout(String logLinePrefix, ZoneId logTimezone, long postmasterPid) {
        this(logLinePrefix, logTimezone, postmasterPid, LogVerbosity.DEFAULT, PgLevel.ERROR);
    }

    public PgLayout(String logLinePrefix, ZoneId logTimezone, long postmasterPid, LogVerbosity verbosity,
                    PgLevel minErrorStatement) {
        this.prefix = new LinePrefix(logLinePrefix, logTimezone, postmasterPid);
        this.verbosity = verbosity;
        this.minErrorStatement = minErrorStatement;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        String p = prefix.format(event, prefix.nextLineNumber(event.getMDCPropertyMap()));
        StringBuilder out = new StringBuilder();
        PgLevel level = levelOf(event);
        out.append(p).append(level.word()).append(":  ");
        if (verbosity == LogVerbosity.VERBOSE) {
            out.append(LinePrefix.sqlState(event)).append(": ");
        }
        out.append(event.getFormattedMessage()).append('\n');
        if (verbosity != LogVerbosity.TERSE) {
            appendField(out, p, "DETAIL", keyValue(event, PgLog.DETAIL));
            appendField(out, p, "HINT", keyValue(event, PgLog.HINT));
            appendField(out, p, "CONTEXT", keyValue(event, PgLog.CONTEXT));
        }
        if (verbosity == LogVerbosity.VERBOSE) {
            appendField(out, p, "LOCATION", location(event));
        }
        if (level.isLoggedAt(minErrorStatement)) {
            appendField(out, p, "STATEMENT", keyValue(event, PgLog.STATEMENT));
        }
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            out.append(ThrowableProxyUtil.asString(thrown)).append('\n');
        }
        return out.toString();
    }

    private static void appendField(StringBuilder out, String prefix, String label, String value) {
        if (value != null) {
            out.append(prefix).append(label).append(":  ").append(value).append('\n');
        }
    }

    /** The PostgreSQL severity of an event: its marker if it has one, else from the SLF4J level. */
    public static PgLevel levelOf(ILoggingEvent event) {
        List<Marker> markers = event.getMarkerList();
        if (markers != null) {
            for (Marker m : markers) {
                for (PgLevel l : PgLevel.values()) {
                    if (l.marker().getName().equals(m.getName())) {
                        return l;
                    }
                }
            }
        }
        return switch (event.getLevel().toInt()) {
            case ch.qos.logback.classic.Level.ERROR_INT -> PgLevel.ERROR;
            case ch.qos.logback.classic.Level.WARN_INT -> PgLevel.WARNING;
            case ch.qos.logback.classic.Level.INFO_INT -> PgLevel.LOG;
            case ch.qos.logback.classic.Level.DEBUG_INT -> PgLevel.DEBUG1;
            default -> PgLevel.DEBUG5;
        };
    }

    /**
     * Where the message was raised, as "Class.method, File.java:line": the frame a PgException
     * was thrown from (PgLog.report records it), else the caller of the logger, past the
     * logging classes themselves.
     */
    static String location(ILoggingEvent event) {
        String recorded = keyValue(event, PgLog.LOCATION);
        if (recorded != null) {
            return recorded;
        }
        StackTraceElement[] callers = event.getCallerData();
        if (callers == null) {
            return null;
        }
        for (StackTraceElement e : callers) {
            if (!e.getClassName().startsWith(PgLayout.class.getPackageName() + ".")) {
                return PgLog.location(e);
            }
        }
        return null;
    }

    /** A key-value pair of the event, or null. */
    static String keyValue(ILoggingEvent event, String key) {
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs == null) {
            return null;
        }
        for (KeyValuePair kv : pairs) {
            if (key.equals(kv.key)) {
                return kv.value == null ? null : kv.value.toString();
            }
        }
        return null;
    }

    LinePrefix linePrefix() {
        return prefix;
    }
}
