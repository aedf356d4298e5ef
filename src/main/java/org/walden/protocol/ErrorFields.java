package org.walden.protocol;

import org.walden.common.PgException;

/**
 * The fields of an ErrorResponse or NoticeResponse that Walden sends: S (localized severity),
 * V (severity), C (SQLSTATE), M (message), D (detail, optional), H (hint, optional),
 * P (1-based cursor position in the query, optional when 0), W (context, optional), and s t c d n
 * naming the object (optional, {@link PgException.ErrorObject}).
 */
public record ErrorFields(String severity, String sqlState, String message, String detail, String hint,
                          int position, String context, PgException.ErrorObject object) {

    public ErrorFields(String severity, String sqlState, String message, String detail, String hint, int position) {
        this(severity, sqlState, message, detail, hint, position, null, null);
    }

    /** The fields of an exception as PostgreSQL reports them. */
    public static ErrorFields of(PgException e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new ErrorFields(e.severity().name(), e.sqlState().code(), msg, e.detail(), e.hint(), e.position(),
                e.context(), e.object());
    }

    public ErrorFields withPosition(int newPosition) {
        return new ErrorFields(severity, sqlState, message, detail, hint, newPosition, context, object);
    }
}
