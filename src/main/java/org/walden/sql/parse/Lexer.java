package org.walden.sql.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.walden.common.SqlState;

/**
 * A hand-written lexer with PostgreSQL's lexical rules (scan.l): unquoted identifiers are
 * downcased, "quoted" ones kept ("" is a quote), 'strings' with '' escapes and adjacent
 * string continuation across a newline, E'..' strings with backslash escapes, $n parameters,
 * dollar-quoted strings, -- and nested /* *&#47; comments, numeric constants, and operators.
 */
public final class Lexer {

    private static final String OP_CHARS = "+-*/<>=~!@#%^&|`?";

    private final String sql;
    private int pos;

    private Lexer(String sql) {
        this.sql = sql;
    }

    /** Tokenizes the whole text; the list ends with one EOF token. */
    public static List<Token> tokenize(String sql) {
        Lexer lexer = new Lexer(sql);
        List<Token> tokens = new ArrayList<>();
        Token t;
        do {
            t = lexer.next();
            tokens.add(t);
        } while (t.kind() != Token.Kind.EOF);
        return tokens;
    }

    private Token next() {
        skipSpaceAndComments();
        int start = pos;
        if (pos >= sql.length()) {
            return new Token(Token.Kind.EOF, "", false, start + 1);
        }
        char c = sql.charAt(pos);
        if ((c == 'e' || c == 'E') && peek(1) == '\'') {
            pos++;
            return new Token(Token.Kind.STRING, readString(true), false, start + 1);
        }
        if (c == '\'') {
            return new Token(Token.Kind.STRING, readString(false), false, start + 1);
        }
        if (c == '"') {
            return new Token(Token.Kind.IDENT, readQuotedIdent(), true, start + 1);
        }
        if (c == '$') {
            return dollar(start);
        }
        if (Character.isDigit(c) || (c == '.' && Character.isDigit(peek(1)))) {
            return number(start);
        }
        if (isIdentStart(c)) {
            while (pos < sql.length() && isIdentPart(sql.charAt(pos))) {
                pos++;
            }
            String word = sql.substring(start, pos).toLowerCase(Locale.ROOT);
            return new Token(Token.Kind.IDENT, word, false, start + 1);
        }
        return operator(start);
    }

    private char peek(int ahead) {
        int i = pos + ahead;
        return i < sql.length() ? sql.charAt(i) : '\0';
    }

    private static boolean isIdentStart(char c) {
        return Character.isLetter(c) || c == '_' || c >= 0x80;
    }

    private static boolean isIdentPart(char c) {
        return isIdentStart(c) || Character.isDigit(c) || c == '$';
    }

    private void skipSpaceAndComments() {
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '-' && peek(1) == '-') {
                while (pos < sql.length() && sql.charAt(pos) != '\n' && sql.charAt(pos) != '\r') {
                    pos++;
                }
            } else if (c == '/' && peek(1) == '*') {
                skipBlockComment();
            } else {
                return;
            }
        }
    }

    private void skipBlockComment() {
        int start = pos;
        int depth = 0;
        while (pos < sql.length()) {
            if (sql.charAt(pos) == '/' && peek(1) == '*') {
                depth++;
                pos += 2;
            } else if (sql.charAt(pos) == '*' && peek(1) == '/') {
                depth--;
                pos += 2;
                if (depth == 0) {
                    return;
                }
            } else {
                pos++;
            }
        }
        throw new SyntaxError(SqlState.SYNTAX_ERROR, "unterminated /* comment at or near \""
                + sql.substring(start) + "\"", start + 1);
    }

    /** Reads '...' starting at the quote; with {@code escapes}, backslash escapes as E'' does. */
    private String readString(boolean escapes) {
        int start = pos;
        StringBuilder sb = new StringBuilder();
        while (true) {
            pos++; // opening quote
            while (true) {
                if (pos >= sql.length()) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "unterminated quoted string at or near \""
                            + sql.substring(start) + "\"", start + 1);
                }
                char c = sql.charAt(pos);
                if (c == '\'') {
                    if (peek(1) == '\'') {
                        sb.append('\'');
                        pos += 2;
                        continue;
                    }
                    pos++;
                    break;
                }
                if (escapes && c == '\\') {
                    pos = readEscape(sb, pos + 1);
                    continue;
                }
                sb.append(c);
                pos++;
            }
            // SQL-standard continuation: 'a' <newline> 'b' is 'ab'
            int save = pos;
            boolean newline = false;
            while (pos < sql.length() && Character.isWhitespace(sql.charAt(pos))) {
                newline |= sql.charAt(pos) == '\n' || sql.charAt(pos) == '\r';
                pos++;
            }
            if (!(newline && pos < sql.length() && sql.charAt(pos) == '\'')) {
                pos = save;
                return sb.toString();
            }
        }
    }

    private int readEscape(StringBuilder sb, int i) {
        if (i >= sql.length()) {
            return i;
        }
        char c = sql.charAt(i);
        switch (c) {
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'x' -> {
                int j = i + 1;
                while (j < sql.length() && j < i + 3 && Character.digit(sql.charAt(j), 16) >= 0) {
                    j++;
                }
                if (j == i + 1) {
                    sb.append('x');
                    return j;
                }
                sb.append((char) Integer.parseInt(sql.substring(i + 1, j), 16));
                return j;
            }
            case 'u', 'U' -> {
                int len = c == 'u' ? 4 : 8;
                if (i + 1 + len > sql.length()) {
                    throw new SyntaxError(SqlState.INVALID_ESCAPE_SEQUENCE, "invalid Unicode escape", i);
                }
                String hex = sql.substring(i + 1, i + 1 + len);
                if (!hex.chars().allMatch(h -> Character.digit(h, 16) >= 0)) {
                    // found by the protocol fuzzer: E'\UPDATE ...' was a NumberFormatException (XX000)
                    throw new SyntaxError(SqlState.INVALID_ESCAPE_SEQUENCE, "invalid Unicode escape", i);
                }
                long codePoint = Long.parseLong(hex, 16);
                if (codePoint == 0 || codePoint > Character.MAX_CODE_POINT
                        || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "invalid Unicode escape value", i);
                }
                sb.appendCodePoint((int) codePoint);
                return i + 1 + len;
            }
            default -> {
                if (c >= '0' && c <= '7') {
                    int j = i;
                    while (j < sql.length() && j < i + 3 && sql.charAt(j) >= '0' && sql.charAt(j) <= '7') {
                        j++;
                    }
                    sb.append((char) Integer.parseInt(sql.substring(i, j), 8));
                    return j;
                }
                sb.append(c);
            }
        }
        return i + 1;
    }

    private String readQuotedIdent() {
        int start = pos;
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= sql.length()) {
                throw new SyntaxError(SqlState.SYNTAX_ERROR, "unterminated quoted identifier at or near \""
                        + sql.substring(start) + "\"", start + 1);
            }
            char c = sql.charAt(pos);
            if (c == '"') {
                if (peek(1) == '"') {
                    sb.append('"');
                    pos += 2;
                    continue;
                }
                pos++;
                break;
            }
            sb.append(c);
            pos++;
        }
        if (sb.isEmpty()) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "zero-length delimited identifier at or near \"\"\"\"",
                    start + 1);
        }
        return sb.toString();
    }

    private Token dollar(int start) {
        if (Character.isDigit(peek(1))) {
            pos++;
            while (pos < sql.length() && Character.isDigit(sql.charAt(pos))) {
                pos++;
            }
            return new Token(Token.Kind.PARAM, sql.substring(start + 1, pos), false, start + 1);
        }
        // dollar quoting: $tag$ ... $tag$
        int end = pos + 1;
        while (end < sql.length() && sql.charAt(end) != '$' && isIdentPart(sql.charAt(end))) {
            end++;
        }
        if (end < sql.length() && sql.charAt(end) == '$') {
            String tag = sql.substring(pos, end + 1);
            int close = sql.indexOf(tag, end + 1);
            if (close < 0) {
                throw new SyntaxError(SqlState.SYNTAX_ERROR, "unterminated dollar-quoted string at or near \""
                        + sql.substring(start) + "\"", start + 1);
            }
            pos = close + tag.length();
            return new Token(Token.Kind.STRING, sql.substring(end + 1, close), false, start + 1);
        }
        pos++;
        return new Token(Token.Kind.OP, "$", false, start + 1);
    }

    private Token number(int start) {
        boolean decimal = false;
        while (pos < sql.length() && Character.isDigit(sql.charAt(pos))) {
            pos++;
        }
        if (pos < sql.length() && sql.charAt(pos) == '.' && peek(1) != '.') {
            decimal = true;
            pos++;
            while (pos < sql.length() && Character.isDigit(sql.charAt(pos))) {
                pos++;
            }
        }
        if (pos < sql.length() && (sql.charAt(pos) == 'e' || sql.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < sql.length() && (sql.charAt(pos) == '+' || sql.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < sql.length() && Character.isDigit(sql.charAt(pos))) {
                decimal = true;
                while (pos < sql.length() && Character.isDigit(sql.charAt(pos))) {
                    pos++;
                }
            } else {
                pos = save;
            }
        }
        if (pos < sql.length() && isIdentStart(sql.charAt(pos))) {
            int end = pos;
            while (end < sql.length() && isIdentPart(sql.charAt(end))) {
                end++;
            }
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "trailing junk after numeric literal at or near \""
                    + sql.substring(start, end) + "\"", start + 1);
        }
        return new Token(decimal ? Token.Kind.DECIMAL : Token.Kind.INTEGER, sql.substring(start, pos), false,
                start + 1);
    }

    private Token operator(int start) {
        char c = sql.charAt(pos);
        if ("(),;[].".indexOf(c) >= 0) {
            pos++;
            return new Token(Token.Kind.OP, String.valueOf(c), false, start + 1);
        }
        if (c == ':') {
            if (peek(1) == ':') {
                pos += 2;
                return new Token(Token.Kind.OP, "::", false, start + 1);
            }
            if (peek(1) == '=') {
                pos += 2;
                return new Token(Token.Kind.OP, ":=", false, start + 1);
            }
            pos++;
            return new Token(Token.Kind.OP, ":", false, start + 1);
        }
        if (OP_CHARS.indexOf(c) < 0) {
            pos++;
            throw SyntaxError.atOrNear(new Token(Token.Kind.OP, String.valueOf(c), false, start + 1));
        }
        int end = pos;
        while (end < sql.length() && OP_CHARS.indexOf(sql.charAt(end)) >= 0) {
            if ((sql.charAt(end) == '-' && end + 1 < sql.length() && sql.charAt(end + 1) == '-')
                    || (sql.charAt(end) == '/' && end + 1 < sql.length() && sql.charAt(end + 1) == '*')) {
                break; // a comment starts inside the operator
            }
            end++;
        }
        if (end == pos) {
            end = pos + 1;
        }
        // PostgreSQL: a multi-char operator may not end in + or - unless it holds ~!@#%^&|`?
        while (end - pos > 1 && (sql.charAt(end - 1) == '+' || sql.charAt(end - 1) == '-')
                && !containsAny(sql.substring(pos, end - 1), "~!@#%^&|`?")) {
            end--;
        }
        String op = sql.substring(pos, end);
        pos = end;
        if (op.equals("!=")) {
            op = "<>";
        }
        return new Token(Token.Kind.OP, op, false, start + 1);
    }

    private static boolean containsAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Splits a simple Query message into statement texts at top-level semicolons (outside
     * strings, quoted identifiers and comments); blank pieces are dropped, except that an
     * all-blank text gives an empty list.
     */
    public static List<String> splitStatements(String sql) {
        List<String> out = new ArrayList<>();
        for (int[] r : statementRanges(sql)) {
            out.add(sql.substring(r[0], r[1]));
        }
        return out;
    }

    /** The [begin, end) character ranges of the statements {@link #splitStatements} returns. */
    public static List<int[]> statementRanges(String sql) {
        List<int[]> out = new ArrayList<>();
        for (Statement s : statements(sql)) {
            out.add(new int[] {s.begin(), s.end()});
        }
        return out;
    }

    /**
     * One statement of a multi-statement text: its [begin, end) characters and its tokens (with
     * positions in the whole text), ended by an EOF token just after {@code end} (whose text is
     * ";" where a semicolon ended the statement).
     */
    public record Statement(int begin, int end, List<Token> tokens) {
    }

    /** The statements {@link #splitStatements} returns, each with its tokens: the text is scanned once. */
    public static List<Statement> statements(String sql) {
        List<Statement> out = new ArrayList<>();
        List<Token> tokens = tokenize(sql);
        int begin = 0;
        int first = 0;
        int parenDepth = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.isOp("(")) {
                parenDepth++;
            } else if (t.isOp(")")) {
                parenDepth--;
            }
            boolean eof = t.kind() == Token.Kind.EOF;
            if ((t.isOp(";") && parenDepth <= 0) || eof) {
                int end = eof ? sql.length() : t.position() - 1;
                if (i > first) {
                    List<Token> own = new ArrayList<>(i - first + 1);
                    own.addAll(tokens.subList(first, i));
                    // the end of a statement cut at a semicolon keeps its text, for "at or near \";\""
                    own.add(new Token(Token.Kind.EOF, eof ? "" : ";", false, end + 1));
                    out.add(new Statement(begin, end, own));
                }
                begin = Math.min(sql.length(), end + 1);
                first = i + 1;
            }
        }
        return out;
    }
}
