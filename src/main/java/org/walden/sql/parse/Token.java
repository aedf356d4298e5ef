package org.walden.sql.parse;

/**
 * One lexical token. {@code position} is the 1-based character offset in the query text, as
 * PostgreSQL reports it in the ErrorResponse 'P' field.
 */
public record Token(Kind kind, String text, boolean quoted, int position) {

    /** Token classes, following PostgreSQL's scan.l. */
    public enum Kind {
        /** An identifier or keyword; unquoted ones are already downcased. */
        IDENT,
        /** A string constant, escapes already processed. */
        STRING,
        /** An integer constant (digits only). */
        INTEGER,
        /** A numeric constant with a point or an exponent. */
        DECIMAL,
        /** A positional parameter $n; text holds n. */
        PARAM,
        /** An operator or punctuation: = <> != < <= > >= + - * / % || :: ( ) , ; . [ ] */
        OP,
        EOF
    }

    /** True for an unquoted identifier spelled {@code word} (keywords are matched this way). */
    public boolean isWord(String word) {
        return kind == Kind.IDENT && !quoted && text.equals(word);
    }

    public boolean isOp(String op) {
        return kind == Kind.OP && text.equals(op);
    }
}
