package org.walden.server.logging;

import java.util.Locale;

/**
 * log_error_verbosity: how much of each message the server log gets. TERSE drops DETAIL, HINT
 * and CONTEXT; VERBOSE adds the SQLSTATE before the message and a LOCATION line naming the
 * Java class, method, file and line that raised it (PostgreSQL names its C function there).
 */
public enum LogVerbosity {
    TERSE, DEFAULT, VERBOSE;

    public static LogVerbosity fromSetting(String value) {
        return valueOf(value.strip().toUpperCase(Locale.ROOT));
    }
}
