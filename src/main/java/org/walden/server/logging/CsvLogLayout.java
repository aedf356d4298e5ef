package org.walden.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;

/**
 * csvlog, one row per message in PostgreSQL 15's column order: log_time, user_name,
 * database_name, process_id, connection_from, session_id, session_line_num, command_tag,
 * session_start_time, virtual_transaction_id, transaction_id, error_severity, sql_state_code,
 * message, detail, hint, internal_query, internal_query_pos, context, query, query_pos,
 * location, application_name, backend_type, leader_pid, query_id. Text is double-quoted with
 * quotes doubled; empty values are left empty.
 */
public final class CsvLogLayout extends LayoutBase<ILoggingEvent> {

    private final LinePrefix times;
    private final LogVerbosity verbosity;
    private final PgLevel minErrorStatement;

    public CsvLogLayout(ZoneId logTimezone, long postmasterPid) {
        this(logTimezone, postmasterPid, LogVerbosity.DEFAULT, PgLevel.ERROR);
    }

    /** {@code verbosity}: the location column is filled only when verbose; the query column follows log_min_error_statement. */
    public CsvLogLayout(ZoneId logTimezone, long postmasterPid, LogVerbosity verbosity, PgLevel minErrorStatement) {
        this.times = new LinePrefix("", logTimezone, postmasterPid);
        this.verbosity = verbosity;
        this.minErrorStatement = minErrorStatement;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        long line = times.nextLineNumber(mdc);
        String host = mdc.get(PgLogContext.REMOTE_HOST);
        String port = mdc.get(PgLogContext.REMOTE_PORT);
        String connectionFrom = host == null ? "" : (port == null || port.isEmpty() ? host : host + ":" + port);
        String[] columns = {
            times.formatMillis(Instant.ofEpochMilli(event.getTimeStamp())),
            quote(mdc.get(PgLogContext.USER)),
            quote(mdc.get(PgLogContext.DATABASE)),
            times.pid(mdc),
            quote(connectionFrom.isEmpty() ? null : connectionFrom),
            mdc.getOrDefault(PgLogContext.SESSION_ID, ""),
            Long.toString(line),
            quote(mdc.get(PgLogContext.COMMAND_TAG)),
            mdc.getOrDefault(PgLogContext.SESSION_START, ""),
            mdc.getOrDefault(PgLogContext.VXID, ""),
            mdc.getOrDefault(PgLogContext.XID, "0"),
            PgLayout.levelOf(event).word(),
            LinePrefix.sqlState(event),
            quote(event.getFormattedMessage()),
            quote(PgLayout.keyValue(event, PgLog.DETAIL)),
            quote(PgLayout.keyValue(event, PgLog.HINT)),
            "", "",
            quote(PgLayout.keyValue(event, PgLog.CONTEXT)),
            PgLayout.levelOf(event).isLoggedAt(minErrorStatement) ? quote(PgLayout.keyValue(event, PgLog.STATEMENT)) : "",
            "",
            verbosity == LogVerbosity.VERBOSE ? quote(PgLayout.location(event)) : "",
            quote(mdc.get(PgLogContext.APPLICATION)),
            quote(mdc.getOrDefault(PgLogContext.BACKEND_TYPE, "postmaster")),
            "",
            "0",
        };
        return String.join(",", columns) + "\n";
    }

    static String quote(String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }
}
