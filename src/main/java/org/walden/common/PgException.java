package org.walden.common;

/**
 * An operating error (bad input, lost connection, full disk): the client gets an
 * ErrorResponse with {@link #sqlState()} and the server goes on. Broken invariants are not
 * PgExceptions; they go through {@link Invariants}.
 */
public class PgException extends RuntimeException {

    /** ErrorResponse severities, PostgreSQL's names. FATAL ends the session. */
    public enum Severity { ERROR, FATAL, PANIC, WARNING, NOTICE }

    private final SqlState sqlState;
    private final Severity severity;
    private final String detail;
    private final String hint;
    private final ErrorObject object;
    private final String context;

    /**
     * The ErrorResponse fields that name the object an error is about, as PostgreSQL's
     * errtable/errtablecol/errtableconstraint set them: s schema, t table, c column, d data type,
     * n constraint (any may be null). Clients read them (pgjdbc's ServerErrorMessage.getConstraint).
     */
    public record ErrorObject(String schema, String table, String column, String dataType, String constraint) {

        public static ErrorObject tableConstraint(String schema, String table, String constraint) {
            return new ErrorObject(schema, table, null, null, constraint);
        }

        public static ErrorObject tableColumn(String schema, String table, String column) {
            return new ErrorObject(schema, table, column, null, null);
        }
    }

    public PgException(SqlState sqlState, String message) {
        this(Severity.ERROR, sqlState, message, null, null, null);
    }

    public PgException(SqlState sqlState, String message, Throwable cause) {
        this(Severity.ERROR, sqlState, message, null, null, cause);
    }

    public PgException(Severity severity, SqlState sqlState, String message, String detail, String hint,
                       Throwable cause) {
        this(severity, sqlState, message, detail, hint, cause, null, null);
    }

    private PgException(Severity severity, SqlState sqlState, String message, String detail, String hint,
                        Throwable cause, ErrorObject object, String context) {
        super(message, cause);
        this.sqlState = sqlState;
        this.severity = severity;
        this.detail = detail;
        this.hint = hint;
        this.object = object;
        this.context = context;
    }

    public static PgException fatal(SqlState sqlState, String message) {
        return new PgException(Severity.FATAL, sqlState, message, null, null, null);
    }

    public PgException withDetail(String newDetail) {
        return new PgException(severity, sqlState, getMessage(), newDetail, hint, getCause(), object, context);
    }

    public PgException withHint(String newHint) {
        return new PgException(severity, sqlState, getMessage(), detail, newHint, getCause(), object, context);
    }

    public PgException withObject(ErrorObject newObject) {
        return new PgException(severity, sqlState, getMessage(), detail, hint, getCause(), newObject, context);
    }

    /** The same error with a CONTEXT line: where it happened (PostgreSQL's errcontext, e.g. "COPY t, line 3"). */
    public PgException withContext(String newContext) {
        return new PgException(severity, sqlState, getMessage(), detail, hint, getCause(), object, newContext);
    }

    /** The object the error is about, or null. */
    public ErrorObject object() {
        return object;
    }

    public SqlState sqlState() {
        return sqlState;
    }

    public Severity severity() {
        return severity;
    }

    /** The ErrorResponse 'D' field, or null. */
    public String detail() {
        return detail;
    }

    /** The ErrorResponse 'W' field, or null. */
    public String context() {
        return context;
    }

    /** The ErrorResponse 'H' field, or null. */
    public String hint() {
        return hint;
    }

    /** The ErrorResponse 'P' field: 1-based character position in the query text, 0 when none. */
    public int position() {
        return 0;
    }
}
