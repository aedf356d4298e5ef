package org.walden.server.logging;

import java.util.Locale;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;
import org.slf4j.event.Level;

/**
 * PostgreSQL's message severities, in the order log_min_messages compares them for the server
 * log (LOG ranks between ERROR and FATAL there). Each maps to an SLF4J level plus, where SLF4J
 * has no such level, a marker of the same name.
 */
public enum PgLevel {
    DEBUG5(Level.TRACE), DEBUG4(Level.TRACE), DEBUG3(Level.DEBUG), DEBUG2(Level.DEBUG), DEBUG1(Level.DEBUG),
    INFO(Level.INFO), NOTICE(Level.INFO), WARNING(Level.WARN), ERROR(Level.ERROR), LOG(Level.INFO),
    FATAL(Level.ERROR), PANIC(Level.ERROR);

    private final Level slf4jLevel;
    private final Marker marker;

    PgLevel(Level slf4jLevel) {
        this.slf4jLevel = slf4jLevel;
        this.marker = MarkerFactory.getMarker(name());
    }

    public Level slf4jLevel() {
        return slf4jLevel;
    }

    /** The marker that tells a layout this level when the SLF4J level alone does not. */
    public Marker marker() {
        return marker;
    }

    /** The word PostgreSQL prints before the message ("LOG", "FATAL", "DEBUG1"). */
    public String word() {
        return name();
    }

    /** log_min_messages / client_min_messages value → level ("warning" → WARNING, "debug" → DEBUG2). */
    public static PgLevel fromSetting(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        return v.equals("DEBUG") ? DEBUG2 : valueOf(v);
    }

    /** True if a message at this level goes to the server log when log_min_messages is {@code min}. */
    public boolean isLoggedAt(PgLevel min) {
        return ordinal() >= min.ordinal();
    }
}
