package org.walden.sql.types;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * A small JSON reader and jsonb's text form: json input is checked for syntax; jsonb is kept in
 * its normalised text (object keys without duplicates, the last one winning, ordered by length
 * then bytes; ", " and ": " between items), as jsonb_out prints it. {@link #parse} gives Java
 * values (Map, List, String, BigDecimal, Boolean, {@link #NULL}) for the json operators.
 */
public final class Json {

    /** JSON's null (distinct from SQL NULL). */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /**
     * A json (not jsonb) value by its source text: json keeps its input as written, so an element
     * taken out of it prints as it was typed (json -> 'a' gives {"b":[1,2]}, spaces and all).
     */
    public record Source(String text) {
    }

    /**
     * A json object's members as written: in input order, a repeated key kept as often as it
     * appears (json_object_keys and json_each list each), the last one answering a look-up.
     */
    private static final class Members extends java.util.AbstractMap<String, Object> {
        private final List<Map.Entry<String, Object>> entries = new ArrayList<>();

        @Override
        public Object put(String key, Object value) {
            entries.add(new java.util.AbstractMap.SimpleImmutableEntry<>(key, value));
            return null;
        }

        @Override
        public Object get(Object key) {
            for (int i = entries.size() - 1; i >= 0; i--) {
                if (entries.get(i).getKey().equals(key)) {
                    return entries.get(i).getValue();
                }
            }
            return null;
        }

        @Override
        public boolean containsKey(Object key) {
            return entries.stream().anyMatch(e -> e.getKey().equals(key));
        }

        @Override
        public java.util.Set<Map.Entry<String, Object>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public java.util.Iterator<Map.Entry<String, Object>> iterator() {
                    return entries.iterator();
                }

                @Override
                public int size() {
                    return entries.size();
                }
            };
        }
    }

    private final String text;
    private final boolean keepText;
    private int pos;

    private Json(String text, boolean keepText) {
        this.text = text;
        this.keepText = keepText;
    }

    /**
     * Parses json text keeping its members' source: objects (keys in input order) and arrays hold
     * {@link Source} values; scalars at the top are parsed values.
     */
    public static Object parseKeepingText(String text) {
        Json j = new Json(text, true);
        j.space();
        Object v = j.value();
        j.space();
        if (j.pos != text.length()) {
            throw j.error();
        }
        return v;
    }

    /** A member value as parsed: a {@link Source} parsed (keeping its members' text), others as they are. */
    public static Object open(Object v) {
        return v instanceof Source s ? parseKeepingText(s.text()) : v;
    }

    /** json's compact text (to_json, row_to_json, array_to_json): no spaces; a {@link Source} as written. */
    public static String printCompact(Object v) {
        StringBuilder sb = new StringBuilder();
        printCompact(sb, v);
        return sb.toString();
    }

    public static void printCompact(StringBuilder sb, Object v) {
        print(sb, v, true);
    }

    /** Parses JSON text; 22P02 "invalid input syntax for type json" on error. */
    public static Object parse(String text) {
        Json j = new Json(text, false);
        j.space();
        Object v = j.value();
        j.space();
        if (j.pos != text.length()) {
            throw j.error();
        }
        return v;
    }

    /** jsonb's normalised text of {@code text}. */
    public static String normalize(String text) {
        return print(parse(text));
    }

    /** jsonb_out's form of a parsed value. */
    public static String print(Object v) {
        StringBuilder sb = new StringBuilder();
        print(sb, v);
        return sb.toString();
    }

    private static void print(StringBuilder sb, Object v) {
        print(sb, v, false);
    }

    /** jsonb_out's layout ("a": 1, "b": 2), or with {@code compact} no spaces and json text kept as written. */
    private static void print(StringBuilder sb, Object v, boolean compact) {
        if (v instanceof Source s) {
            if (compact) {
                sb.append(s.text());
            } else {
                print(sb, parse(s.text()), false);
            }
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "" : compact ? "," : ", ");
                first = false;
                quote(sb, (String) e.getKey());
                sb.append(compact ? ":" : ": ");
                print(sb, e.getValue(), compact);
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : compact ? "," : ", ");
                print(sb, l.get(i), compact);
            }
            sb.append(']');
        } else if (v instanceof String s) {
            quote(sb, s);
        } else if (v instanceof BigDecimal b) {
            sb.append(b.toPlainString());
        } else {
            sb.append(v);
        }
    }

    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /**
     * jsonb's btree order (the = &lt; &gt; operators) of two jsonb texts: object &gt; array &gt; boolean &gt;
     * number &gt; string &gt; null; more pairs or elements sort later; numbers by value (1 = 1.0);
     * a top-level scalar sorts before a top-level array.
     */
    public static int compareJsonb(String a, String b) {
        Object x = parse(a);
        Object y = parse(b);
        boolean xs = !(x instanceof Map) && !(x instanceof List);
        boolean ys = !(y instanceof Map) && !(y instanceof List);
        if (xs != ys && !(x instanceof Map) && !(y instanceof Map)) {
            return xs ? -1 : 1;
        }
        return compareValues(x, y);
    }

    /** A key equal for jsonb values that = calls equal (numbers by value): hash joins, GROUP BY, DISTINCT. */
    public static String equalityKey(String text) {
        return print(withPlainNumbers(parse(text)));
    }

    private static Object withPlainNumbers(Object v) {
        if (v instanceof BigDecimal b) {
            return b.signum() == 0 ? BigDecimal.ZERO : b.stripTrailingZeros();
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>(Json::keyOrder);
            m.forEach((k, x) -> out.put((String) k, withPlainNumbers(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(withPlainNumbers(o));
            }
            return out;
        }
        return v;
    }

    private static int rank(Object v) {
        if (v instanceof Map) {
            return 5;
        }
        if (v instanceof List) {
            return 4;
        }
        if (v instanceof Boolean) {
            return 3;
        }
        if (v instanceof BigDecimal) {
            return 2;
        }
        return v instanceof String ? 1 : 0;
    }

    private static int compareValues(Object x, Object y) {
        int c = Integer.compare(rank(x), rank(y));
        if (c != 0) {
            return c;
        }
        if (x instanceof Map<?, ?> mx && y instanceof Map<?, ?> my) {
            c = Integer.compare(mx.size(), my.size());
            var ix = mx.entrySet().iterator();
            var iy = my.entrySet().iterator();
            while (c == 0 && ix.hasNext()) {
                Map.Entry<?, ?> ex = ix.next();
                Map.Entry<?, ?> ey = iy.next();
                c = Values.compareStrings((String) ex.getKey(), (String) ey.getKey());
                if (c == 0) {
                    c = compareValues(ex.getValue(), ey.getValue());
                }
            }
            return c;
        }
        if (x instanceof List<?> lx && y instanceof List<?> ly) {
            c = Integer.compare(lx.size(), ly.size());
            for (int i = 0; c == 0 && i < lx.size(); i++) {
                c = compareValues(lx.get(i), ly.get(i));
            }
            return c;
        }
        if (x instanceof BigDecimal bx && y instanceof BigDecimal by) {
            return bx.compareTo(by);
        }
        if (x instanceof String sx && y instanceof String sy) {
            return Values.compareStrings(sx, sy);
        }
        if (x instanceof Boolean bx && y instanceof Boolean by) {
            return Boolean.compare(bx, by);
        }
        return 0;
    }

    /** jsonb's key order: shorter keys first, then by bytes. */
    public static int keyOrder(String a, String b) {
        return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : Values.compareStrings(a, b);
    }

    private PgException error() {
        return new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "invalid input syntax for type json");
    }

    private void space() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private Object member() {
        int start = pos;
        Object v = value();
        return keepText ? new Source(text.substring(start, pos)) : v;
    }

    private Object value() {
        if (pos >= text.length()) {
            throw error();
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            default:
                break;
        }
        if (text.startsWith("true", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("false", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        if (text.startsWith("null", pos)) {
            pos += 4;
            return NULL;
        }
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        try {
            return new BigDecimal(text.substring(start, pos));
        } catch (NumberFormatException e) {
            throw error();
        }
    }

    private Map<String, Object> object() {
        Map<String, Object> m = keepText ? new Members() : new TreeMap<>(Json::keyOrder);
        pos++;
        space();
        if (pos < text.length() && text.charAt(pos) == '}') {
            pos++;
            return m;
        }
        while (true) {
            space();
            if (pos >= text.length() || text.charAt(pos) != '"') {
                throw error();
            }
            String key = string();
            space();
            if (pos >= text.length() || text.charAt(pos) != ':') {
                throw error();
            }
            pos++;
            space();
            m.put(key, member());
            space();
            if (pos >= text.length()) {
                throw error();
            }
            char c = text.charAt(pos++);
            if (c == '}') {
                return m;
            }
            if (c != ',') {
                throw error();
            }
        }
    }

    private List<Object> array() {
        List<Object> l = new ArrayList<>();
        pos++;
        space();
        if (pos < text.length() && text.charAt(pos) == ']') {
            pos++;
            return l;
        }
        while (true) {
            space();
            l.add(member());
            space();
            if (pos >= text.length()) {
                throw error();
            }
            char c = text.charAt(pos++);
            if (c == ']') {
                return l;
            }
            if (c != ',') {
                throw error();
            }
        }
    }

    private String string() {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= text.length()) {
                throw error();
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= text.length()) {
                    throw error();
                }
                char e = text.charAt(pos++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        if (pos + 4 > text.length()) {
                            throw error();
                        }
                        sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                        pos += 4;
                    }
                    default -> sb.append(e);
                }
            } else {
                sb.append(c);
            }
        }
    }
}
