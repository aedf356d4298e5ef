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

    /**
     * log_statement = 'all', log_duration and log_min_duration_statement (null: the settings do
     * not know them) as of {@link SessionSettings#valuesVersion()} {@code version}: every Bind and
     * Execute asks, and the values change only with a SET, a transaction's end or a reload.
     */
    private record Values(Object version, boolean statementAll, Boolean duration, Integer minDurationMs) {
    }

    private Values values;

    StatementLogging(SessionSettings settings) {
        this.settings = settings;
    }

    private Values values() {
        Object version = settings.valuesVersion();
        Values v = values;
        if (v != null && version != null && v.version() == version) {
            return v;
        }
        boolean all;
        try {
            all = "all".equals(settings.show("log_statement"));
        } catch (PgException e) {
            all = false;
        }
        Boolean duration;
        Integer minDurationMs;
        try {
            duration = settings.getBool("log_duration");
            minDurationMs = settings.getInt("log_min_duration_statement");
        } catch (PgException | NumberFormatException e) {
            duration = null;
            minDurationMs = null;
        }
        v = new Values(version, all, duration, minDurationMs);
        values = v;
        return v;
    }

    /**
     * Whether {@link #logStatement} or {@link #logDuration} may write anything with the current
     * settings: when not, the caller need not build the statement's description.
     */
    boolean active() {
        Values v = values();
        return v.statementAll() || (v.duration() != null && (v.duration() || v.minDurationMs() >= 0));
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
        return values().statementAll();
    }

    /**
     * check_log_duration after a statement that started at {@code startNanos}: logs the
     * duration line its rules ask for; {@code statementPart} is what follows "duration: X ms  "
     * when the statement itself is to be shown ("statement: SELECT 1").
     */
    void logDuration(long startNanos, boolean wasLogged, String statementPart) {
        Values v = values();
        if (v.duration() == null) {
            return;
        }
        boolean logDuration = v.duration();
        int minDurationMs = v.minDurationMs();
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
