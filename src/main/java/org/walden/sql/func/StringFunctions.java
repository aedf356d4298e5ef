package org.walden.sql.func;

import org.walden.sql.parse.Keywords;

import static org.walden.sql.types.PgType.*;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/** String functions (PostgreSQL's "String Functions and Operators"). */
final class StringFunctions {

    private StringFunctions() {
    }

    static void register(Builtins r) {
        for (String name : List.of("length", "char_length", "character_length")) {
            r.f(name, INT4, TEXT).impl(a -> codePoints((String) a[0]));
            r.f(name, INT4, BPCHAR).impl(a -> codePoints(Values.stripTrailingSpaces((String) a[0])));
        }
        r.f("length", INT4, BYTEA).impl(a -> ((byte[]) a[0]).length);
        r.f("get_byte", INT4, BYTEA, INT4).impl(a -> ((byte[]) a[0])[byteIndex((byte[]) a[0], (Integer) a[1])] & 0xFF);
        r.f("set_byte", BYTEA, BYTEA, INT4, INT4).impl(a -> {
            byte[] b = ((byte[]) a[0]).clone();
            b[byteIndex(b, (Integer) a[1])] = (byte) (int) (Integer) a[2];
            return b;
        });
        r.f("octet_length", INT4, TEXT).impl(a -> ((String) a[0]).getBytes(StandardCharsets.UTF_8).length);
        r.f("octet_length", INT4, BYTEA).impl(a -> ((byte[]) a[0]).length);
        r.f("bit_length", INT4, TEXT).impl(a -> ((String) a[0]).getBytes(StandardCharsets.UTF_8).length * 8);
        r.f("lower", TEXT, TEXT).impl(a -> ((String) a[0]).toLowerCase(Locale.ROOT));
        r.f("upper", TEXT, TEXT).impl(a -> ((String) a[0]).toUpperCase(Locale.ROOT));
        r.f("initcap", TEXT, TEXT).impl(a -> initcap((String) a[0]));
        for (String name : List.of("substr", "substring")) {
            r.f(name, TEXT, TEXT, INT4).impl(a -> substring((String) a[0], (Integer) a[1], null));
            r.f(name, TEXT, TEXT, INT4, INT4).impl(a -> substring((String) a[0], (Integer) a[1], (Integer) a[2]));
            r.f(name, BYTEA, BYTEA, INT4).impl(a -> bytesSubstring((byte[]) a[0], (Integer) a[1], null));
            r.f(name, BYTEA, BYTEA, INT4, INT4).impl(a -> bytesSubstring((byte[]) a[0], (Integer) a[1], (Integer) a[2]));
        }
        r.f("substring", TEXT, TEXT, TEXT).impl(a -> regexSubstring((String) a[0], (String) a[1]));
        r.f("substring", TEXT, TEXT, TEXT, TEXT).impl(a -> regexSubstring((String) a[0],
                Patterns.similarToEscape((String) a[1], (String) a[2])));
        r.f("strpos", INT4, TEXT, TEXT).impl(a -> position((String) a[0], (String) a[1]));
        r.f("similar_to_escape", TEXT, TEXT).impl(a -> Patterns.similarToEscape((String) a[0], "\\"));
        r.f("similar_to_escape", TEXT, TEXT, TEXT).impl(a -> Patterns.similarToEscape((String) a[0], (String) a[1]));
        r.f("similar_escape", TEXT, TEXT, TEXT).nonStrict().impl(a -> a[0] == null ? null
                : Patterns.similarToEscape((String) a[0], a[1] == null ? "\\" : (String) a[1]));
        r.f("position", INT4, TEXT, TEXT).impl(a -> position((String) a[0], (String) a[1]));
        r.f("replace", TEXT, TEXT, TEXT, TEXT).impl(a -> ((String) a[1]).isEmpty() ? a[0]
                : ((String) a[0]).replace((String) a[1], (String) a[2]));
        r.f("concat", TEXT, ANY).variadic(ANY).nonStrict().typed((types, res) -> (c, a) -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < a.length; i++) {
                if (a[i] != null) {
                    sb.append(Values.toText(types[i], a[i], c.values()));
                }
            }
            return sb.toString();
        });
        r.f("concat_ws", TEXT, TEXT, ANY).variadic(ANY).nonStrict().typed((types, res) -> (c, a) -> {
            if (a[0] == null) {
                return null;
            }
            StringBuilder sb = new StringBuilder();
            boolean first = true;
            for (int i = 1; i < a.length; i++) {
                if (a[i] != null) {
                    sb.append(first ? "" : (String) a[0]).append(Values.toText(types[i], a[i], c.values()));
                    first = false;
                }
            }
            return sb.toString();
        });
        r.f("left", TEXT, TEXT, INT4).impl(a -> left((String) a[0], (Integer) a[1]));
        r.f("right", TEXT, TEXT, INT4).impl(a -> right((String) a[0], (Integer) a[1]));
        r.f("lpad", TEXT, TEXT, INT4).impl(a -> pad((String) a[0], (Integer) a[1], " ", true));
        r.f("lpad", TEXT, TEXT, INT4, TEXT).impl(a -> pad((String) a[0], (Integer) a[1], (String) a[2], true));
        r.f("rpad", TEXT, TEXT, INT4).impl(a -> pad((String) a[0], (Integer) a[1], " ", false));
        r.f("rpad", TEXT, TEXT, INT4, TEXT).impl(a -> pad((String) a[0], (Integer) a[1], (String) a[2], false));
        r.f("ltrim", TEXT, TEXT).impl(a -> trim((String) a[0], " ", true, false));
        r.f("ltrim", TEXT, TEXT, TEXT).impl(a -> trim((String) a[0], (String) a[1], true, false));
        r.f("rtrim", TEXT, TEXT).impl(a -> trim((String) a[0], " ", false, true));
        r.f("rtrim", TEXT, TEXT, TEXT).impl(a -> trim((String) a[0], (String) a[1], false, true));
        r.f("btrim", TEXT, TEXT).impl(a -> trim((String) a[0], " ", true, true));
        r.f("btrim", TEXT, TEXT, TEXT).impl(a -> trim((String) a[0], (String) a[1], true, true));
        r.f("repeat", TEXT, TEXT, INT4).impl(a -> ((String) a[0]).repeat(Math.max(0, (Integer) a[1])));
        r.f("reverse", TEXT, TEXT).impl(a -> new StringBuilder((String) a[0]).reverse().toString());
        r.f("split_part", TEXT, TEXT, TEXT, INT4).impl(a -> splitPart((String) a[0], (String) a[1], (Integer) a[2]));
        r.f("starts_with", BOOL, TEXT, TEXT).impl(a -> ((String) a[0]).startsWith((String) a[1]));
        r.f("md5", TEXT, TEXT).impl(a -> digest("MD5", ((String) a[0]).getBytes(StandardCharsets.UTF_8)));
        r.f("md5", TEXT, BYTEA).impl(a -> digest("MD5", (byte[]) a[0]));
        r.f("sha256", BYTEA, BYTEA).impl(a -> HexFormat.of().parseHex(digest("SHA-256", (byte[]) a[0])));
        r.f("to_hex", TEXT, INT4).impl(a -> Integer.toHexString((Integer) a[0]));
        r.f("to_hex", TEXT, INT8).impl(a -> Long.toHexString((Long) a[0]));
        r.f("ascii", INT4, TEXT).impl(a -> ((String) a[0]).isEmpty() ? 0 : ((String) a[0]).codePointAt(0));
        r.f("chr", TEXT, INT4).impl(a -> {
            int c = (Integer) a[0];
            if (c == 0) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "null character not permitted");
            }
            return new String(Character.toChars(c));
        });
        r.f("translate", TEXT, TEXT, TEXT, TEXT).impl(a -> translate((String) a[0], (String) a[1], (String) a[2]));
        r.f("quote_ident", TEXT, TEXT).impl(a -> quoteIdent((String) a[0]));
        r.f("quote_literal", TEXT, TEXT).impl(a -> quoteLiteral((String) a[0]));
        r.f("quote_literal", TEXT, ANYELEMENT).typed((types, res) -> (c, a) ->
                quoteLiteral(Values.toText(types[0], a[0], c.values())));
        r.f("quote_nullable", TEXT, TEXT).nonStrict().impl(a -> a[0] == null ? "NULL" : quoteLiteral((String) a[0]));
        r.f("quote_nullable", TEXT, ANYELEMENT).nonStrict().typed((types, res) -> (c, a) ->
                a[0] == null ? "NULL" : quoteLiteral(Values.toText(types[0], a[0], c.values())));
        r.f("format", TEXT, TEXT).impl(a -> Format.format((String) a[0], new Object[0], new PgType[0], null));
        r.f("format", TEXT, TEXT, ANY).variadic(ANY).nonStrict().typed((types, res) -> (c, a) -> {
            if (a[0] == null) {
                return null;
            }
            Object[] rest = java.util.Arrays.copyOfRange(a, 1, a.length);
            PgType[] restTypes = java.util.Arrays.copyOfRange(types, 1, types.length);
            return Format.format((String) a[0], rest, restTypes, c.values());
        });
        r.f("encode", TEXT, BYTEA, TEXT).impl(a -> encode((byte[]) a[0], (String) a[1]));
        r.f("decode", BYTEA, TEXT, TEXT).impl(a -> decode((String) a[0], (String) a[1]));
        r.f("convert_from", TEXT, BYTEA, NAME).impl(a -> new String((byte[]) a[0], StandardCharsets.UTF_8));
        r.f("convert_to", BYTEA, TEXT, NAME).impl(a -> ((String) a[0]).getBytes(StandardCharsets.UTF_8));
        r.f("string_to_array", TEXT_ARRAY, TEXT, TEXT).nonStrict().impl(a -> stringToArray(a[0], a[1], null));
        r.f("string_to_array", TEXT_ARRAY, TEXT, TEXT, TEXT).nonStrict().impl(a -> stringToArray(a[0], a[1], a[2]));
        r.f("string_to_table", TEXT, TEXT, TEXT).nonStrict().values(a -> {
            List<Object> parts = stringToArray(a[0], a[1], null);
            return parts == null ? List.of().iterator() : parts.iterator();
        });
        regexFunctions(r);
    }

    private static void regexFunctions(Builtins r) {
        r.f("regexp_replace", TEXT, TEXT, TEXT, TEXT).impl(a -> regexpReplace((String) a[0], (String) a[1],
                (String) a[2], ""));
        r.f("regexp_replace", TEXT, TEXT, TEXT, TEXT, TEXT).impl(a -> regexpReplace((String) a[0], (String) a[1],
                (String) a[2], (String) a[3]));
        r.f("regexp_match", TEXT_ARRAY, TEXT, TEXT).impl(a -> regexpMatch((String) a[0], (String) a[1], ""));
        r.f("regexp_match", TEXT_ARRAY, TEXT, TEXT, TEXT).impl(a -> regexpMatch((String) a[0], (String) a[1],
                (String) a[2]));
        r.f("regexp_matches", TEXT_ARRAY, TEXT, TEXT).values(a -> regexpMatches((String) a[0], (String) a[1], ""));
        r.f("regexp_matches", TEXT_ARRAY, TEXT, TEXT, TEXT).values(a -> regexpMatches((String) a[0], (String) a[1],
                (String) a[2]));
        r.f("regexp_split_to_array", TEXT_ARRAY, TEXT, TEXT).impl(a -> regexpSplit((String) a[0], (String) a[1], ""));
        r.f("regexp_split_to_array", TEXT_ARRAY, TEXT, TEXT, TEXT).impl(a -> regexpSplit((String) a[0],
                (String) a[1], (String) a[2]));
        r.f("regexp_split_to_table", TEXT, TEXT, TEXT).values(a -> regexpSplit((String) a[0], (String) a[1], "")
                .iterator());
        r.f("regexp_count", INT4, TEXT, TEXT).impl(a -> {
            Matcher m = Patterns.regex((String) a[1], false).matcher((String) a[0]);
            int n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        });
        r.f("regexp_like", BOOL, TEXT, TEXT).impl(a -> Patterns.regex((String) a[1], false).matcher((String) a[0])
                .find());
    }

    static int codePoints(String s) {
        return s.codePointCount(0, s.length());
    }

    private static String initcap(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean start = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
            start = !Character.isLetterOrDigit(c);
        }
        return sb.toString();
    }

    static String substring(String s, int start, Integer count) {
        if (count != null && count < 0) {
            throw new PgException(SqlState.SUBSTRING_ERROR, "negative substring length not allowed");
        }
        int len = codePoints(s);
        long from = start;
        long to = count == null ? Long.MAX_VALUE : (long) start + count;
        from = Math.max(from, 1);
        to = Math.min(to, len + 1L);
        if (from >= to) {
            return "";
        }
        int b = s.offsetByCodePoints(0, (int) from - 1);
        int e = s.offsetByCodePoints(0, (int) to - 1);
        return s.substring(b, e);
    }

    private static byte[] bytesSubstring(byte[] s, int start, Integer count) {
        if (count != null && count < 0) {
            throw new PgException(SqlState.SUBSTRING_ERROR, "negative substring length not allowed");
        }
        long from = Math.max(start, 1);
        long to = Math.min(count == null ? Long.MAX_VALUE : (long) start + count, s.length + 1L);
        return from >= to ? new byte[0] : java.util.Arrays.copyOfRange(s, (int) from - 1, (int) to - 1);
    }

    private static String regexSubstring(String s, String pattern) {
        Matcher m = Patterns.regex(pattern, false).matcher(s);
        if (!m.find()) {
            return null;
        }
        return m.groupCount() > 0 ? m.group(1) : m.group();
    }

    static int position(String s, String sub) {
        int i = s.indexOf(sub);
        return i < 0 ? 0 : s.codePointCount(0, i) + 1;
    }

    private static String left(String s, int n) {
        int len = codePoints(s);
        int k = n >= 0 ? Math.min(n, len) : Math.max(0, len + n);
        return s.substring(0, s.offsetByCodePoints(0, k));
    }

    private static String right(String s, int n) {
        int len = codePoints(s);
        int k = n >= 0 ? Math.min(n, len) : Math.max(0, len + n);
        return s.substring(s.offsetByCodePoints(0, len - k));
    }

    private static String pad(String s, int len, String fill, boolean leftSide) {
        int have = codePoints(s);
        if (len <= have) {
            return s.substring(0, s.offsetByCodePoints(0, Math.max(0, len)));
        }
        if (fill.isEmpty()) {
            return s;
        }
        StringBuilder p = new StringBuilder();
        while (codePoints(p.toString()) < len - have) {
            p.append(fill);
        }
        String padding = p.substring(0, p.toString().offsetByCodePoints(0, len - have));
        return leftSide ? padding + s : s + padding;
    }

    static String trim(String s, String chars, boolean leading, boolean trailing) {
        int b = 0;
        int e = s.length();
        if (leading) {
            while (b < e && chars.indexOf(s.charAt(b)) >= 0) {
                b++;
            }
        }
        if (trailing) {
            while (e > b && chars.indexOf(s.charAt(e - 1)) >= 0) {
                e--;
            }
        }
        return s.substring(b, e);
    }

    private static String splitPart(String s, String delimiter, int n) {
        if (n == 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "field position must not be zero");
        }
        List<String> parts = new ArrayList<>();
        if (delimiter.isEmpty()) {
            parts.add(s);
        } else {
            int i = 0;
            while (true) {
                int j = s.indexOf(delimiter, i);
                if (j < 0) {
                    parts.add(s.substring(i));
                    break;
                }
                parts.add(s.substring(i, j));
                i = j + delimiter.length();
            }
        }
        int idx = n > 0 ? n - 1 : parts.size() + n;
        return idx >= 0 && idx < parts.size() ? parts.get(idx) : "";
    }

    private static String digest(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String translate(String s, String from, String to) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int k = from.indexOf(c);
            if (k < 0) {
                sb.append(c);
            } else if (k < to.length()) {
                sb.append(to.charAt(k));
            }
        }
        return sb.toString();
    }

    /** quote_ident: double quotes unless the name is a plain lower-case identifier and no keyword. */
    static String quoteIdent(String s) {
        if (s.matches("[a-z_][a-z0-9_$]*") && !Keywords.isReserved(s)) {
            return s;
        }
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    static String quoteLiteral(String s) {
        if (s.indexOf('\\') >= 0) {
            return "E'" + s.replace("\\", "\\\\").replace("'", "''") + "'";
        }
        return "'" + s.replace("'", "''") + "'";
    }

    private static String encode(byte[] data, String format) {
        return switch (format.toLowerCase(Locale.ROOT)) {
            case "hex" -> HexFormat.of().formatHex(data);
            case "base64" -> Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(data);
            case "escape" -> {
                StringBuilder sb = new StringBuilder();
                for (byte b : data) {
                    int v = b & 0xFF;
                    if (v == '\\') {
                        sb.append("\\\\");
                    } else if (v < 0x20 || v > 0x7e) {
                        sb.append(String.format("\\%03o", v));
                    } else {
                        sb.append((char) v);
                    }
                }
                yield sb.toString();
            }
            default -> throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unrecognized encoding: \""
                    + format + "\"");
        };
    }

    private static byte[] decode(String data, String format) {
        return switch (format.toLowerCase(Locale.ROOT)) {
            case "hex" -> HexFormat.of().parseHex(data.replaceAll("\\s", ""));
            case "base64" -> Base64.getMimeDecoder().decode(data);
            case "escape" -> (byte[]) Values.parseText(BYTEA, data, java.time.ZoneOffset.UTC);
            default -> throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unrecognized encoding: \""
                    + format + "\"");
        };
    }

    private static List<Object> stringToArray(Object text, Object delimiter, Object nullString) {
        if (text == null) {
            return null;
        }
        String s = (String) text;
        List<Object> out = new ArrayList<>();
        if (s.isEmpty()) {
            return out;
        }
        if (delimiter == null) {
            for (int i = 0; i < s.length(); i = s.offsetByCodePoints(i, 1)) {
                out.add(s.substring(i, s.offsetByCodePoints(i, 1)));
            }
        } else if (((String) delimiter).isEmpty()) {
            out.add(s);
        } else {
            String d = (String) delimiter;
            int i = 0;
            while (true) {
                int j = s.indexOf(d, i);
                if (j < 0) {
                    out.add(s.substring(i));
                    break;
                }
                out.add(s.substring(i, j));
                i = j + d.length();
            }
        }
        if (nullString != null) {
            out.replaceAll(e -> nullString.equals(e) ? null : e);
        }
        return out;
    }

    private static Pattern flagged(String pattern, String flags) {
        return Patterns.regex(pattern, flags.contains("i"));
    }

    private static String regexpReplace(String s, String pattern, String replacement, String flags) {
        Matcher m = flagged(pattern, flags).matcher(s);
        String javaReplacement = replacement.replace("$", "\\$").replaceAll("\\\\(\\d)", "\\$$1")
                .replace("\\&", "$0");
        return flags.contains("g") ? m.replaceAll(javaReplacement) : m.replaceFirst(javaReplacement);
    }

    private static List<Object> groups(Matcher m) {
        List<Object> out = new ArrayList<>();
        if (m.groupCount() == 0) {
            out.add(m.group());
        } else {
            for (int i = 1; i <= m.groupCount(); i++) {
                out.add(m.group(i));
            }
        }
        return out;
    }

    private static List<Object> regexpMatch(String s, String pattern, String flags) {
        Matcher m = flagged(pattern, flags).matcher(s);
        return m.find() ? groups(m) : null;
    }

    private static Iterator<Object> regexpMatches(String s, String pattern, String flags) {
        Matcher m = flagged(pattern, flags).matcher(s);
        List<Object> out = new ArrayList<>();
        while (m.find()) {
            out.add(groups(m));
            if (!flags.contains("g")) {
                break;
            }
        }
        return out.iterator();
    }

    private static List<Object> regexpSplit(String s, String pattern, String flags) {
        List<Object> out = new ArrayList<>();
        for (String part : flagged(pattern, flags).split(s, -1)) {
            out.add(part);
        }
        return out;
    }

    private static int byteIndex(byte[] b, int n) {
        if (n < 0 || n >= b.length) {
            throw new PgException(SqlState.ARRAY_SUBSCRIPT_ERROR, "index " + n + " out of valid range, 0.."
                    + (b.length - 1));
        }
        return n;
    }
}
