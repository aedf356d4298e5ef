package org.walden.server;

import org.walden.common.PgException;
import org.walden.common.guc.SessionSettings;
import org.walden.server.logging.PgLog;

/**
 * A backend's statement logging, as PostgreSQL's postgres.c does it: log_statement = 'all'
 * ("statement: ..." before a simple query runs, "execute NAME: ..." before an Execute), and
 * check_log_duration's rules after each simple query, Parse, Bind and Execute:
 * <ul>
 * <li>log_duration = on: "duration: 0.123 ms";</li>
 * <li>past log_min_duration_statement (0: every statement): "duration: 0.123 ms  statement: ..."
 *     (or "parse NAME: ...", "bind NAME/PORTAL: ...", "execute NAME/PORTAL: ...") — but only
 *     "duration: 0.123 ms" when log_statement has written the statement already.</li>
 * </ul>
 * The settings are read from the session at each statement (a superuser may SET them).
 */
final class StatementLogging {

    private final SessionSettings settings;

    StatementLogging(SessionSettings settings) {
        this.settings = settings;
    }

    /** log_statement = 'all': logs "statement: SQL" (or the given text); true when logged. */
    boolean logStatement(String text) {
        if (!logStatementAll()) {
            return false;
        }
        PgLog.log("%s", text);
        return true;
    }

    private boolean logStatementAll() {
        try {
            return "all".equals(settings.show("log_statement"));
        } catch (PgException e) {
            return false;
        }
    }

    /**
     * check_log_duration after a statement that started at {@code startNanos}: logs the
     * duration line its rules ask for; {@code statementPart} is what follows "duration: X ms  "
     * when the statement itself is to be shown ("statement: SELECT 1").
     */
    void logDuration(long startNanos, boolean wasLogged, String statementPart) {
        boolean logDuration;
        int minDurationMs;
        try {
            logDuration = settings.getBool("log_duration");
            minDurationMs = settings.getInt("log_min_duration_statement");
        } catch (PgException | NumberFormatException e) {
            return;
        }
        if (!logDuration && minDurationMs < 0) {
            return;
        }
        long micros = (System.nanoTime() - startNanos) / 1000;
        boolean exceeded = minDurationMs == 0 || (minDurationMs > 0 && micros / 1000 >= minDurationMs);
        if (!exceeded && !logDuration) {
            return;
        }
        String ms = String.format("%d.%03d", micros / 1000, micros % 1000);
        if (exceeded && !wasLogged) {
            PgLog.log("duration: %s ms  %s", ms, statementPart);
        } else {
            PgLog.log("duration: %s ms", ms);
        }
    }

    /** "NAME" or "&lt;unnamed&gt;", then "/PORTAL" when the portal has a name, as PostgreSQL prints them. */
    static String statementAndPortal(String statementName, String portalName) {
        return (statementName.isEmpty() ? "<unnamed>" : statementName) + (portalName.isEmpty() ? "" : "/" + portalName);
    }
}
