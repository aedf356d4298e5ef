package org.walden.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;

/**
 * jsonlog (PostgreSQL 15): one JSON object per message and line, with PostgreSQL's keys in its
 * order, each present only when it has a value: timestamp, user, dbname, pid, remote_host,
 * remote_port, session_id, line_num, session_start, vxid, txid, error_severity, state_code,
 * message, detail, hint, context, statement, func_name, file_name, file_line_num (the last
 * three with log_error_verbosity = verbose), application_name, backend_type, query_id.
 */
public final class JsonLogLayout extends LayoutBase<ILoggingEvent> {

    private final LinePrefix times;
    private final LogVerbosity verbosity;
    private final PgLevel minErrorStatement;

    public JsonLogLayout(ZoneId logTimezone, long postmasterPid, LogVerbosity verbosity, PgLevel minErrorStatement) {
        this.times = new LinePrefix("", logTimezone, postmasterPid);
        this.verbosity = verbosity;
        this.minErrorStatement = minErrorStatement;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        long line = times.nextLineNumber(mdc);
        PgLevel level = PgLayout.levelOf(event);
        StringBuilder out = new StringBuilder("{");
        string(out, "timestamp", times.formatMillis(Instant.ofEpochMilli(event.getTimeStamp())));
        string(out, "user", mdc.get(PgLogContext.USER));
        string(out, "dbname", mdc.get(PgLogContext.DATABASE));
        number(out, "pid", times.pid(mdc));
        String host = mdc.get(PgLogContext.REMOTE_HOST);
        string(out, "remote_host", host);
        String port = mdc.get(PgLogContext.REMOTE_PORT);
        number(out, "remote_port", port == null || port.isEmpty() ? null : port);
        string(out, "session_id", mdc.get(PgLogContext.SESSION_ID));
        number(out, "line_num", Long.toString(line));
        string(out, "session_start", mdc.get(PgLogContext.SESSION_START));
        string(out, "vxid", mdc.get(PgLogContext.VXID));
        string(out, "txid", mdc.getOrDefault(PgLogContext.XID, "0"));
        string(out, "error_severity", level.word());
        string(out, "state_code", LinePrefix.sqlState(event));
        string(out, "message", event.getFormattedMessage());
        string(out, "detail", PgLayout.keyValue(event, PgLog.DETAIL));
        string(out, "hint", PgLayout.keyValue(event, PgLog.HINT));
        string(out, "context", PgLayout.keyValue(event, PgLog.CONTEXT));
        if (level.isLoggedAt(minErrorStatement)) {
            string(out, "statement", PgLayout.keyValue(event, PgLog.STATEMENT));
        }
        if (verbosity == LogVerbosity.VERBOSE) {
            location(out, PgLayout.location(event));
        }
        string(out, "application_name", mdc.get(PgLogContext.APPLICATION));
        string(out, "backend_type", mdc.getOrDefault(PgLogContext.BACKEND_TYPE, "postmaster"));
        number(out, "query_id", "0");
        return out.append("}\n").toString();
    }

    /** "Class.method, File.java:line" split into func_name, file_name and file_line_num. */
    private static void location(StringBuilder out, String location) {
        if (location == null) {
            return;
        }
        int comma = location.indexOf(", ");
        int colon = location.lastIndexOf(':');
        if (comma < 0 || colon < comma) {
            string(out, "func_name", location);
            return;
        }
        string(out, "func_name", location.substring(0, comma));
        string(out, "file_name", location.substring(comma + 2, colon));
        number(out, "file_line_num", location.substring(colon + 1));
    }

    private static void string(StringBuilder out, String key, String value) {
        if (value == null) {
            return;
        }
        separate(out).append('"').append(key).append("\":");
        quote(out, value);
    }

    private static void number(StringBuilder out, String key, String value) {
        if (value != null && !value.isEmpty()) {
            separate(out).append('"').append(key).append("\":").append(value);
        }
    }

    private static StringBuilder separate(StringBuilder out) {
        return out.length() > 1 ? out.append(',') : out;
    }

    /** {@code value} as a JSON string literal (quotes included), escaped as PostgreSQL's escape_json does. */
    public static String quoted(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2);
        quote(out, value);
        return out.toString();
    }

    /** A JSON string literal, escaped as PostgreSQL's escape_json does. */
    static void quote(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
