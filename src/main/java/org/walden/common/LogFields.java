package org.walden.common;

import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * How any layer tells the server log PostgreSQL's extra fields without depending on the server's
 * logging classes: a DETAIL or HINT line travels as an SLF4J key-value pair under these keys, and
 * a FATAL (a severity SLF4J lacks) as a marker of that name, e.g.
 * {@code log.atInfo().addKeyValue(LogFields.DETAIL, d).log(message)}.
 */
public final class LogFields {

    public static final String DETAIL = "detail";
    public static final String HINT = "hint";
    /** The marker of PostgreSQL's FATAL level. */
    public static final Marker FATAL = MarkerFactory.getMarker("FATAL");

    private LogFields() {
    }
}
