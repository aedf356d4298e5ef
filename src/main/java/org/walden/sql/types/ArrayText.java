package org.walden.sql.types;

import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * Arrays' text form (array_in / array_out): {@code {1,2,NULL}}, {@code {"a b","c\"d"}},
 * {@code {{1,2},{3,4}}}. Elements are quoted when empty, when they contain a delimiter, brace,
 * quote, backslash or white space, or when they read NULL. Values are Lists (nested for more
 * than one dimension).
 */
final class ArrayText {

    private ArrayText() {
    }

    static String format(List<?> items, PgType element, ValueContext ctx) {
        StringBuilder sb = new StringBuilder();
        append(sb, items, element, ctx);
        return sb.toString();
    }

    private static void append(StringBuilder sb, List<?> items, PgType element, ValueContext ctx) {
        sb.append('{');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            Object v = items.get(i);
            if (v == null) {
                sb.append("NULL");
            } else if (v instanceof List<?> inner && !element.isListValued()) {
                append(sb, inner, element, ctx);
            } else {
                String s = Values.toText(element, v, ctx);
                sb.append(needsQuotes(s) ? quote(s) : s);
            }
        }
        sb.append('}');
    }

    private static boolean needsQuotes(String s) {
        if (s.isEmpty() || s.equalsIgnoreCase("null")) {
            return true;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || Character.isWhitespace(c)) {
                return true;
            }
        }
        return false;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static List<Object> parse(String text, PgType element, ValueContext ctx) {
        String t = text.trim();
        if (t.startsWith("[")) { // dimension decoration: [1:3]={...}
            int eq = t.indexOf('=');
            if (eq < 0) {
                throw malformed(text, "Missing \"=\" after array dimensions.");
            }
            t = t.substring(eq + 1).trim();
        }
        if (!t.startsWith("{")) {
            throw malformed(text, "Array value must start with \"{\" or dimension information.");
        }
        int[] pos = {0};
        List<Object> out = parseLevel(t, pos, element, ctx, text);
        if (pos[0] != t.length()) {
            throw malformed(text, "Junk after closing right brace.");
        }
        return out;
    }

    private static List<Object> parseLevel(String t, int[] pos, PgType element, ValueContext ctx, String original) {
        List<Object> out = new ArrayList<>();
        pos[0]++; // {
        skipSpace(t, pos);
        if (pos[0] < t.length() && t.charAt(pos[0]) == '}') {
            pos[0]++;
            return out;
        }
        while (true) {
            skipSpace(t, pos);
            if (pos[0] >= t.length()) {
                throw malformed(original, "Unexpected end of input.");
            }
            char c = t.charAt(pos[0]);
            if (c == '{') {
                out.add(parseLevel(t, pos, element, ctx, original));
            } else {
                out.add(element(t, pos, element, ctx, original));
            }
            skipSpace(t, pos);
            if (pos[0] >= t.length()) {
                throw malformed(original, "Unexpected end of input.");
            }
            c = t.charAt(pos[0]++);
            if (c == '}') {
                return out;
            }
            if (c != ',') {
                throw malformed(original, "Unexpected \"" + c + "\" character.");
            }
        }
    }

    private static Object element(String t, int[] pos, PgType element, ValueContext ctx, String original) {
        StringBuilder sb = new StringBuilder();
        boolean quoted = false;
        if (t.charAt(pos[0]) == '"') {
            quoted = true;
            pos[0]++;
            while (true) {
                if (pos[0] >= t.length()) {
                    throw malformed(original, "Unexpected end of input.");
                }
                char c = t.charAt(pos[0]++);
                if (c == '"') {
                    break;
                }
                if (c == '\\' && pos[0] < t.length()) {
                    c = t.charAt(pos[0]++);
                }
                sb.append(c);
            }
        } else {
            while (pos[0] < t.length()) {
                char c = t.charAt(pos[0]);
                if (c == ',' || c == '}') {
                    break;
                }
                if (c == '{' || c == '"') {
                    throw malformed(original, "Unexpected \"" + c + "\" character.");
                }
                if (c == '\\' && pos[0] + 1 < t.length()) {
                    pos[0]++;
                    c = t.charAt(pos[0]);
                }
                sb.append(c);
                pos[0]++;
            }
            String s = sb.toString().strip();
            if (s.isEmpty()) {
                throw malformed(original, "Unexpected \"" + (pos[0] < t.length() ? t.charAt(pos[0]) : ' ')
                        + "\" character.");
            }
            if (s.equalsIgnoreCase("null")) {
                return null;
            }
            return Values.parseText(element, s, ctx);
        }
        return quoted ? Values.parseText(element, sb.toString(), ctx) : null;
    }

    private static void skipSpace(String t, int[] pos) {
        while (pos[0] < t.length() && Character.isWhitespace(t.charAt(pos[0]))) {
            pos[0]++;
        }
    }

    private static PgException malformed(String text, String detail) {
        return new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "malformed array literal: \"" + text + "\"")
                .withDetail(detail);
    }
}
