package org.walden.sql.func;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * LIKE patterns and PostgreSQL regular expressions compiled to java.util.regex, with a small
 * per-thread cache (a query applies one pattern to many rows). PostgreSQL's advanced regular
 * expressions differ from Java's in details; the translation covers the common ones: POSIX
 * bracket classes ([[:alpha:]]), the word-boundary escapes \m \M \y \Y, and embedded options.
 */
public final class Patterns {

    private static final int CACHE_SIZE = 64;

    private static final ThreadLocal<Map<String, Pattern>> CACHE = ThreadLocal.withInitial(() ->
            new LinkedHashMap<>(CACHE_SIZE, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Pattern> eldest) {
                    return size() > CACHE_SIZE;
                }
            });

    private Patterns() {
    }

    /** LIKE / ILIKE with backslash as the escape character. */
    public static Pattern like(String pattern, boolean caseInsensitive) {
        return like(pattern, caseInsensitive, '\\');
    }

    public static Pattern like(String pattern, boolean caseInsensitive, char escape) {
        String key = "L" + (caseInsensitive ? "i" : "c") + escape + pattern;
        Map<String, Pattern> cache = CACHE.get();
        Pattern p = cache.get(key);
        if (p == null) {
            p = Pattern.compile(likeToRegex(pattern, escape), Pattern.DOTALL | (caseInsensitive
                    ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0));
            cache.put(key, p);
        }
        return p;
    }

    static String likeToRegex(String pattern, char escape) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == escape && escape != 0) {
                if (i + 1 >= pattern.length()) {
                    throw new PgException(SqlState.INVALID_ESCAPE_SEQUENCE,
                            "LIKE pattern must not end with escape character");
                }
                re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
            } else if (c == '%') {
                re.append(".*");
            } else if (c == '_') {
                re.append('.');
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }

    /**
     * similar_to_escape(pattern, escape): SIMILAR TO's pattern as the POSIX regular expression
     * PostgreSQL matches it with, {@code ^(?:...)$}: % and _ become .* and ., ( a non-capturing
     * group, the escape character quotes the next one, and escape-double-quote separates
     * SUBSTRING's three parts. An empty escape string means no escape character.
     */
    static String similarToEscape(String pattern, String escape) {
        if (escape.codePointCount(0, escape.length()) > 1) {
            throw new PgException(SqlState.INVALID_ESCAPE_SEQUENCE, "invalid escape string")
                    .withHint("Escape string must be empty or one character.");
        }
        int esc = escape.isEmpty() ? -1 : escape.codePointAt(0);
        StringBuilder r = new StringBuilder("^(?:");
        boolean afterEscape = false;
        boolean inCharClass = false;
        int quotes = 0;
        for (int i = 0; i < pattern.length(); ) {
            int c = pattern.codePointAt(i);
            i += Character.charCount(c);
            if (afterEscape) {
                if (c == '"' && !inCharClass) {
                    if (quotes == 0) {
                        r.append("){1,1}?(");
                    } else if (quotes == 1) {
                        r.append("){1,1}(?:");
                    } else {
                        throw new PgException(SqlState.INVALID_USE_OF_ESCAPE_CHARACTER, "SQL regular expression may "
                                + "not contain more than two escape-double-quote separators");
                    }
                    quotes++;
                } else {
                    r.append('\\').appendCodePoint(c);
                }
                afterEscape = false;
            } else if (c == esc) {
                afterEscape = true;
            } else if (inCharClass) {
                if (c == '\\') {
                    r.append('\\');
                }
                r.appendCodePoint(c);
                if (c == ']') {
                    inCharClass = false;
                }
            } else if (c == '[') {
                r.append('[');
                inCharClass = true;
            } else if (c == '%') {
                r.append(".*");
            } else if (c == '_') {
                r.append('.');
            } else if (c == '(') {
                r.append("(?:");
            } else if (c == '\\' || c == '.' || c == '^' || c == '$') {
                r.append('\\').appendCodePoint(c);
            } else {
                r.appendCodePoint(c);
            }
        }
        return r.append(")$").toString();
    }

    /** A PostgreSQL regular expression (unanchored, as ~ matches). */
    public static Pattern regex(String pattern, boolean caseInsensitive) {
        String key = "R" + (caseInsensitive ? "i" : "c") + pattern;
        Map<String, Pattern> cache = CACHE.get();
        Pattern p = cache.get(key);
        if (p == null) {
            try {
                p = Pattern.compile(translate(pattern), caseInsensitive
                        ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
            } catch (PatternSyntaxException e) {
                throw new PgException(SqlState.INVALID_REGULAR_EXPRESSION, "invalid regular expression: "
                        + e.getDescription());
            }
            cache.put(key, p);
        }
        return p;
    }

    private static String translate(String pattern) {
        StringBuilder out = new StringBuilder(pattern.length() + 8);
        boolean inBracket = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                char n = pattern.charAt(++i);
                switch (n) {
                    case 'm' -> out.append(inBracket ? "m" : "\\b(?=\\w)");
                    case 'M' -> out.append(inBracket ? "M" : "\\b(?<=\\w)");
                    case 'y' -> out.append("\\b");
                    case 'Y' -> out.append("\\B");
                    default -> out.append('\\').append(n);
                }
                continue;
            }
            if (inBracket && c == '[' && i + 1 < pattern.length() && pattern.charAt(i + 1) == ':') {
                int end = pattern.indexOf(":]", i + 2);
                if (end > 0) {
                    out.append(posixClass(pattern.substring(i + 2, end)));
                    i = end + 1;
                    continue;
                }
            }
            if (c == '[' && !inBracket) {
                inBracket = true;
                out.append(c);
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '^') {
                    out.append('^');
                    i++;
                }
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == ']') {
                    out.append("\\]");
                    i++;
                }
                continue;
            }
            if (c == ']' && inBracket) {
                inBracket = false;
            } else if (inBracket && c == '[') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    private static String posixClass(String name) {
        return switch (name) {
            case "alpha" -> "\\p{Alpha}";
            case "digit" -> "\\p{Digit}";
            case "alnum" -> "\\p{Alnum}";
            case "upper" -> "\\p{Upper}";
            case "lower" -> "\\p{Lower}";
            case "space" -> "\\s";
            case "punct" -> "\\p{Punct}";
            case "xdigit" -> "\\p{XDigit}";
            case "word" -> "\\w";
            case "blank" -> "\\p{Blank}";
            case "cntrl" -> "\\p{Cntrl}";
            case "print" -> "\\p{Print}";
            case "graph" -> "\\p{Graph}";
            default -> throw new PgException(SqlState.INVALID_REGULAR_EXPRESSION,
                    "invalid regular expression: invalid character class");
        };
    }
}
