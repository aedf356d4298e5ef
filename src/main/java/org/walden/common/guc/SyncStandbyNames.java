package org.walden.common.guc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * synchronous_standby_names parsed as PostgreSQL 15's syncrep_scanner.l + syncrep_gram.y do:
 * {@code name [, ...]} (= FIRST 1), {@code n (name [, ...])} and {@code FIRST n (...)} (priority),
 * {@code ANY n (...)} (quorum); names are identifiers, numbers, {@code *} or "double quoted"
 * ({@code ""} inside for a quote). The keywords ANY and FIRST are case-insensitive.
 *
 * <p>It lives in {@code common.guc} because the setting's check hook (at SET, ALTER SYSTEM and
 * reload time) must reject bad syntax; synchronous replication ({@code replication.SyncRep})
 * uses the parsed value.
 *
 * @param method  PRIORITY (FIRST) or QUORUM (ANY)
 * @param numSync how many synchronous standbys a commit waits for (&gt; 0)
 * @param names   the standby names in their written order (priority = index + 1)
 */
public record SyncStandbyNames(Method method, int numSync, List<String> names) {

    public enum Method { PRIORITY, QUORUM }

    public SyncStandbyNames {
        names = List.copyOf(names);
    }

    /**
     * Parses a non-blank value; raises 42601 {@code invalid value for parameter} with the
     * parser's detail ("syntax error at or near "x"") or the message PostgreSQL gives for a
     * zero count. Returns null for an empty value (no synchronous replication).
     */
    public static SyncStandbyNames parse(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        List<Token> tokens = new Scanner(value).scan();
        return new Grammar(value, tokens).standbyConfig();
    }

    /** True when {@code applicationName} matches the name (case-insensitive; "*" matches all). */
    public static boolean matches(String standbyName, String applicationName) {
        return standbyName.equals("*") || standbyName.equalsIgnoreCase(applicationName);
    }

    private enum Kind { NAME, NUM, ANY, FIRST, COMMA, LPAREN, RPAREN, JUNK, EOF }

    private record Token(Kind kind, String text, String error) {
    }

    /** syncrep_scanner.l. */
    private static final class Scanner {
        private final String s;
        private int pos;

        Scanner(String s) {
            this.s = s;
        }

        List<Token> scan() {
            List<Token> out = new ArrayList<>();
            while (true) {
                while (pos < s.length() && isSpace(s.charAt(pos))) {
                    pos++;
                }
                if (pos >= s.length()) {
                    out.add(new Token(Kind.EOF, "", null));
                    return out;
                }
                Token t = next();
                out.add(t);
                if (t.kind == Kind.JUNK) {
                    out.add(new Token(Kind.EOF, "", null));
                    return out;
                }
            }
        }

        private Token next() {
            char c = s.charAt(pos);
            if (c == '"') {
                return quoted();
            }
            if (isIdentStart(c)) {
                int start = pos;
                while (pos < s.length() && isIdentCont(s.charAt(pos))) {
                    pos++;
                }
                String word = s.substring(start, pos);
                return switch (word.toLowerCase(Locale.ROOT)) {
                    case "any" -> new Token(Kind.ANY, word, null);
                    case "first" -> new Token(Kind.FIRST, word, null);
                    default -> new Token(Kind.NAME, word, null);
                };
            }
            if (c >= '0' && c <= '9') {
                int start = pos;
                while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                    pos++;
                }
                return new Token(Kind.NUM, s.substring(start, pos), null);
            }
            pos++;
            return switch (c) {
                case '*' -> new Token(Kind.NAME, "*", null);
                case ',' -> new Token(Kind.COMMA, ",", null);
                case '(' -> new Token(Kind.LPAREN, "(", null);
                case ')' -> new Token(Kind.RPAREN, ")", null);
                default -> new Token(Kind.JUNK, String.valueOf(c), null);
            };
        }

        private Token quoted() {
            StringBuilder b = new StringBuilder();
            pos++;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '"') {
                    if (pos + 1 < s.length() && s.charAt(pos + 1) == '"') {
                        b.append('"');
                        pos += 2;
                        continue;
                    }
                    pos++;
                    return new Token(Kind.NAME, b.toString(), null);
                }
                b.append(c);
                pos++;
            }
            return new Token(Kind.JUNK, "", "unterminated quoted identifier");
        }

        private static boolean isSpace(char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
        }

        private static boolean isIdentStart(char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
        }

        private static boolean isIdentCont(char c) {
            return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$';
        }
    }

    /** syncrep_gram.y: standby_list | NUM ( list ) | ANY NUM ( list ) | FIRST NUM ( list ). */
    private static final class Grammar {
        private final String value;
        private final List<Token> tokens;
        private int pos;

        Grammar(String value, List<Token> tokens) {
            this.value = value;
            this.tokens = tokens;
        }

        SyncStandbyNames standbyConfig() {
            Token first = peek();
            SyncStandbyNames result;
            if (first.kind == Kind.ANY || first.kind == Kind.FIRST) {
                pos++;
                Token num = expect(Kind.NUM);
                result = countedList(first.kind == Kind.ANY ? Method.QUORUM : Method.PRIORITY, num.text);
            } else if (first.kind == Kind.NUM && tokens.get(pos + 1).kind == Kind.LPAREN) {
                pos++;
                result = countedList(Method.PRIORITY, first.text);
            } else {
                result = new SyncStandbyNames(Method.PRIORITY, 1, standbyList());
            }
            expect(Kind.EOF);
            return result;
        }

        private SyncStandbyNames countedList(Method method, String numText) {
            expect(Kind.LPAREN);
            List<String> names = standbyList();
            expect(Kind.RPAREN);
            expect(Kind.EOF);
            int num = parseCount(numText);
            if (num <= 0) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                        "number of synchronous standbys (" + num + ") must be greater than zero");
            }
            return new SyncStandbyNames(method, num, names);
        }

        private int parseCount(String numText) {
            try {
                return Integer.parseInt(numText);
            } catch (NumberFormatException e) {
                return Integer.MAX_VALUE; // atoi would overflow; any huge count simply never is reached
            }
        }

        private List<String> standbyList() {
            List<String> names = new ArrayList<>();
            names.add(standbyName());
            while (peek().kind == Kind.COMMA) {
                pos++;
                names.add(standbyName());
            }
            return names;
        }

        private String standbyName() {
            Token t = peek();
            if (t.kind != Kind.NAME && t.kind != Kind.NUM) {
                throw syntaxError(t);
            }
            pos++;
            return t.text;
        }

        private Token expect(Kind kind) {
            Token t = peek();
            if (t.kind != kind) {
                throw syntaxError(t);
            }
            pos++;
            return t;
        }

        private Token peek() {
            return tokens.get(Math.min(pos, tokens.size() - 1));
        }

        private PgException syntaxError(Token t) {
            String message = t.error != null ? t.error : "syntax error";
            String detail = t.kind == Kind.EOF || t.text.isEmpty() ? message + " at end of input"
                    : message + " at or near \"" + t.text + "\"";
            return new PgException(SqlState.SYNTAX_ERROR, "invalid value for parameter \"synchronous_standby_names\": \""
                    + value + "\"").withDetail(detail);
        }
    }
}
