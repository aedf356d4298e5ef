package org.walden.sql.parse;

import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * A 42601 (or lexical 22xxx) error that knows where in the query text it happened: the
 * backend sends {@link #position()} as the ErrorResponse 'P' field.
 */
public final class SyntaxError extends PgException {

    private final int position;

    public SyntaxError(SqlState state, String message, int position) {
        super(state, message);
        this.position = position;
    }

    /** The same error with the detail and hint of {@code other}. */
    public SyntaxError withDetailOf(org.walden.common.PgException other) {
        SyntaxError e = new SyntaxError(sqlState(), getMessage(), position, other.detail(), other.hint());
        return e;
    }

    private SyntaxError(SqlState state, String message, int position, String detail, String hint) {
        super(Severity.ERROR, state, message, detail, hint, null);
        this.position = position;
    }

    @Override
    public SyntaxError withDetail(String newDetail) {
        return new SyntaxError(sqlState(), getMessage(), position, newDetail, hint());
    }

    @Override
    public SyntaxError withHint(String newHint) {
        return new SyntaxError(sqlState(), getMessage(), position, detail(), newHint);
    }

    /**
     * The same error without its position: for an error in stored text (a view's query) that
     * the client's statement only refers to, where the position would point into the wrong text.
     */
    public PgException withoutPosition() {
        return new PgException(Severity.ERROR, sqlState(), getMessage(), detail(), hint(), null);
    }

    /** 1-based character offset into the statement text, 0 when unknown. */
    @Override
    public int position() {
        return position;
    }

    static SyntaxError atOrNear(Token token) {
        if (token.kind() == Token.Kind.EOF && token.text().isEmpty()) {
            return new SyntaxError(SqlState.SYNTAX_ERROR, "syntax error at end of input", token.position());
        }
        String shown = token.kind() == Token.Kind.PARAM ? "$" + token.text() : token.text();
        if (token.kind() == Token.Kind.STRING) {
            shown = "'" + token.text() + "'";
        }
        return new SyntaxError(SqlState.SYNTAX_ERROR, "syntax error at or near \"" + shown + "\"", token.position());
    }
}
