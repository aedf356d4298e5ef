package org.walden.sql.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.walden.common.SqlState;

/**
 * The token stream and the keyword rules the parsers share: which words are identifiers
 * (PostgreSQL's unreserved and column-name keywords), which may be function or type names, and
 * which may stand as a bare column label.
 */
abstract class ParserBase {

    /** Words that end a target without AS: they may not be a bare column label. */
    static final Set<String> NOT_BARE_LABEL = Set.of("from", "where", "group", "having", "order", "limit", "offset",
            "union", "except", "intersect", "window", "into", "for", "as", "on", "using", "join", "inner", "left",
            "right", "full", "cross", "natural", "returning", "fetch", "with", "and", "or", "not", "is", "in",
            "like", "ilike", "similar", "between", "escape", "collate", "then", "else", "end", "when", "over",
            "filter", "asc", "desc", "nulls", "within", "at", "isnull", "notnull", "overlaps", "do", "set", "values",
            "select", "table", "tablesample", "default", "lateral", "only", "cascade", "restrict", "ordinality",
            "outer");

    final String sql;
    final List<Token> tokens;
    int index;

    ParserBase(String sql) {
        this(sql, Lexer.tokenize(sql));
    }

    ParserBase(String sql, List<Token> tokens) {
        this.sql = sql;
        this.tokens = tokens;
    }

    Token peek() {
        return tokens.get(index);
    }

    Token peekAt(int ahead) {
        return tokens.get(Math.min(index + ahead, tokens.size() - 1));
    }

    Token advance() {
        Token t = tokens.get(index);
        if (t.kind() != Token.Kind.EOF) {
            index++;
        }
        return t;
    }

    boolean atEnd() {
        return peek().kind() == Token.Kind.EOF || peek().isOp(";");
    }

    boolean isWord(String word) {
        return peek().isWord(word);
    }

    boolean isWordAt(int ahead, String word) {
        return peekAt(ahead).isWord(word);
    }

    boolean acceptWord(String word) {
        if (peek().isWord(word)) {
            index++;
            return true;
        }
        return false;
    }

    boolean acceptWords(String... words) {
        for (int i = 0; i < words.length; i++) {
            if (!peekAt(i).isWord(words[i])) {
                return false;
            }
        }
        index += words.length;
        return true;
    }

    boolean acceptOp(String op) {
        if (peek().isOp(op)) {
            index++;
            return true;
        }
        return false;
    }

    void expectWord(String word) {
        if (!acceptWord(word)) {
            throw SyntaxError.atOrNear(peek());
        }
    }

    void expectOp(String op) {
        if (!acceptOp(op)) {
            throw SyntaxError.atOrNear(peek());
        }
    }

    SyntaxError error() {
        return SyntaxError.atOrNear(peek());
    }

    SyntaxError unsupported(String what) {
        return new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, what + " is not supported", peek().position());
    }

    /** The keyword category of an unquoted word (R, T, C, U) or 0 for a plain identifier or a quoted one. */
    static char category(Token t) {
        return t.kind() != Token.Kind.IDENT || t.quoted() ? 0 : Keywords.category(t.text());
    }

    /** An identifier as a column or table name may be: anything but a reserved or type/function keyword. */
    static boolean isColId(Token t) {
        if (t.kind() != Token.Kind.IDENT) {
            return false;
        }
        char c = category(t);
        return c == 0 || c == 'U' || c == 'C';
    }

    /** A function or type name: anything but a reserved or column-name keyword. */
    static boolean isFuncName(Token t) {
        if (t.kind() != Token.Kind.IDENT) {
            return false;
        }
        char c = category(t);
        return c == 0 || c == 'U' || c == 'T';
    }

    String colId() {
        Token t = peek();
        if (!isColId(t)) {
            throw SyntaxError.atOrNear(t);
        }
        index++;
        return t.text();
    }

    /** After AS any word is a label. */
    String colLabel() {
        Token t = peek();
        if (t.kind() != Token.Kind.IDENT) {
            throw SyntaxError.atOrNear(t);
        }
        index++;
        return t.text();
    }

    boolean isBareLabel(Token t) {
        if (t.kind() != Token.Kind.IDENT) {
            return false;
        }
        if (t.quoted()) {
            return true;
        }
        return category(t) != 'R' && !NOT_BARE_LABEL.contains(t.text());
    }

    /** A possibly qualified name: {@code a}, {@code a.b}, {@code a.b.c}. */
    List<String> qualifiedName() {
        List<String> names = new ArrayList<>();
        names.add(colId());
        while (peek().isOp(".") && peekAt(1).kind() == Token.Kind.IDENT) {
            index++;
            names.add(colLabel());
        }
        return names;
    }

    List<String> nameList() {
        List<String> names = new ArrayList<>();
        do {
            names.add(colId());
        } while (acceptOp(","));
        return names;
    }

    List<String> parenNameList() {
        expectOp("(");
        List<String> names = nameList();
        expectOp(")");
        return names;
    }

    /** A string constant token's text; 42601 otherwise. */
    String stringConst() {
        Token t = advance();
        if (t.kind() != Token.Kind.STRING) {
            throw SyntaxError.atOrNear(t);
        }
        return t.text();
    }

    long integerConst() {
        boolean negative = acceptOp("-");
        Token t = advance();
        if (t.kind() != Token.Kind.INTEGER) {
            throw SyntaxError.atOrNear(t);
        }
        long v = Long.parseLong(t.text());
        return negative ? -v : v;
    }

    void skipToEnd() {
        int depth = 0;
        while (peek().kind() != Token.Kind.EOF && !(depth == 0 && peek().isOp(";"))) {
            if (peek().isOp("(")) {
                depth++;
            } else if (peek().isOp(")")) {
                depth--;
            }
            index++;
        }
    }

    /** The statement text from token {@code from} up to (not including) the current token. */
    String textFrom(int from) {
        int start = tokens.get(from).position() - 1;
        int end = Math.min(sql.length(), peek().position() - 1);
        return sql.substring(start, end).strip();
    }
}
