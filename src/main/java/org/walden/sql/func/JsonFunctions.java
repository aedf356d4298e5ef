package org.walden.sql.func;

import static org.walden.sql.types.PgType.*;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.Json;
import org.walden.sql.types.PgType;
import org.walden.sql.types.ValueContext;
import org.walden.sql.types.Values;

/** JSON functions and operators (json values are their text; jsonb values their normalised text). */
final class JsonFunctions {

    private JsonFunctions() {
    }

    static void register(Builtins r) {
        JsonRecords.register(r);
        for (PgType t : List.of(JSON, JSONB)) {
            String p = t.typname;
            op(r, "->", t, TEXT, t, (x, y) -> out(t, field(parse(t, x), (String) y)));
            op(r, "->", t, INT4, t, (x, y) -> out(t, element(parse(t, x), (Integer) y)));
            op(r, "->>", t, TEXT, TEXT, (x, y) -> text(field(parse(t, x), (String) y)));
            op(r, "->>", t, INT4, TEXT, (x, y) -> text(element(parse(t, x), (Integer) y)));
            op(r, "#>", t, TEXT_ARRAY, t, (x, y) -> out(t, path(parse(t, x), (List<?>) y)));
            op(r, "#>>", t, TEXT_ARRAY, TEXT, (x, y) -> text(path(parse(t, x), (List<?>) y)));
            r.f(p + "_typeof", TEXT, t).impl(a -> typeOf(parse(t, a[0])));
            r.f(p + "_array_length", INT4, t).impl(a -> {
                Object v = parse(t, a[0]);
                if (!(v instanceof List<?> l)) {
                    throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "cannot get array length of a "
                            + (v instanceof Map ? "non-array" : "scalar"));
                }
                return l.size();
            });
            r.f(p + "_array_elements", t, t).values(a -> {
                List<Object> out = new ArrayList<>();
                for (Object o : array(parse(t, a[0]), "extract elements from")) {
                    out.add(out(t, o));
                }
                return out.iterator();
            });
            r.f(p + "_array_elements_text", TEXT, t).values(a -> {
                List<Object> out = new ArrayList<>();
                for (Object o : array(parse(t, a[0]), "extract elements from")) {
                    out.add(text(o));
                }
                return out.iterator();
            });
            r.f(p + "_object_keys", TEXT, t).values(a -> new ArrayList<Object>(object(parse(t, a[0]),
                    "call " + p + "_object_keys on").keySet()).iterator());
            r.f(p + "_each", RECORD, t).out("key", TEXT, "value", t).srf((c, a, types) ->
                    each(t, parse(t, a[0]), false));
            r.f(p + "_each_text", RECORD, t).out("key", TEXT, "value", TEXT).srf((c, a, types) ->
                    each(t, parse(t, a[0]), true));
            r.f(p + "_extract_path", t, t, TEXT_ARRAY).variadic(TEXT).impl(a -> out(t, path(parse(t, a[0]),
                    (List<?>) a[1])));
            r.f(p + "_extract_path_text", TEXT, t, TEXT_ARRAY).variadic(TEXT).impl(a -> text(path(
                    parse(t, a[0]), (List<?>) a[1])));
            r.f(p + "_build_object", t, ANY).variadic(ANY).nonStrict().typed((types, res) -> (c, a) ->
                    t == JSONB ? out(t, buildObject(a, types, c.values()))
                            : jsonObjectText(buildObject(a, types, c.values()), "{", " : ", "}"));
            r.f(p + "_build_array", t, ANY).variadic(ANY).nonStrict().typed((types, res) -> (c, a) -> {
                List<Object> l = new ArrayList<>();
                for (int i = 0; i < a.length; i++) {
                    l.add(toJson(a[i], types[i], c.values()));
                }
                return t == JSONB ? out(t, l) : jsonListText(l, false);
            });
        }
        r.f("to_json", JSON, ANYELEMENT).nonStrict().typed((types, res) -> (c, a) ->
                Json.printCompact(toJson(a[0], types[0], c.values())));
        r.f("row_to_json", JSON, RECORD).typed((types, res) -> (c, a) ->
                Json.printCompact(toJson(a[0], RECORD, c.values())));
        r.f("array_to_json", JSON, ANYARRAY).typed((types, res) -> (c, a) ->
                Json.printCompact(toJson(a[0], types[0], c.values())));
        r.f("jsonb_set", JSONB, JSONB, TEXT_ARRAY, JSONB, BOOL).impl(a -> Json.print(set(Json.parse((String) a[0]),
                (List<?>) a[1], 0, Json.parse((String) a[2]), (Boolean) a[3])));
        r.f("jsonb_set", JSONB, JSONB, TEXT_ARRAY, JSONB).impl(a -> Json.print(set(Json.parse((String) a[0]),
                (List<?>) a[1], 0, Json.parse((String) a[2]), true)));
        r.f("to_jsonb", JSONB, ANYELEMENT).nonStrict().typed((types, res) -> (c, a) ->
                Json.print(toJson(a[0], types[0], c.values())));
        r.f("jsonb_pretty", TEXT, JSONB).impl(a -> pretty(Json.parse((String) a[0]), 0));
        r.f("jsonb_strip_nulls", JSONB, JSONB).impl(a -> Json.print(stripNulls(Json.parse((String) a[0]))));
        op(r, "@>", JSONB, JSONB, BOOL, (x, y) -> contains(Json.parse((String) x), Json.parse((String) y)));
        op(r, "<@", JSONB, JSONB, BOOL, (x, y) -> contains(Json.parse((String) y), Json.parse((String) x)));
        op(r, "?", JSONB, TEXT, BOOL, (x, y) -> hasKey(Json.parse((String) x), (String) y));
        op(r, "?|", JSONB, TEXT_ARRAY, BOOL, (x, y) -> ((List<?>) y).stream()
                .anyMatch(k -> k != null && hasKey(Json.parse((String) x), (String) k)));
        op(r, "?&", JSONB, TEXT_ARRAY, BOOL, (x, y) -> ((List<?>) y).stream()
                .allMatch(k -> k != null && hasKey(Json.parse((String) x), (String) k)));
        op(r, "||", JSONB, JSONB, JSONB, (x, y) -> Json.print(concat(Json.parse((String) x), Json.parse((String) y))));
        op(r, "-", JSONB, TEXT, JSONB, (x, y) -> {
            Object v = Json.parse((String) x);
            if (v instanceof Map<?, ?> m) {
                Map<String, Object> copy = new java.util.TreeMap<>(Map.copyOf(m).entrySet().stream().collect(
                        java.util.stream.Collectors.toMap(e -> (String) e.getKey(), Map.Entry::getValue)));
                copy.remove(y);
                return Json.normalize(Json.print(copy));
            }
            return x;
        });
    }

    private interface Fn2 {
        Object apply(Object a, Object b);
    }

    private static void op(Builtins r, String op, PgType l, PgType rt, PgType res, Fn2 fn) {
        Operators.binary(r, op, l, rt, res, fn::apply);
    }

    /** json's value keeps the text of its members ({@link Json.Source}); jsonb's is the parsed value. */
    private static Object parse(PgType t, Object text) {
        return t == JSON ? Json.parseKeepingText((String) text) : Json.parse((String) text);
    }

    private static String out(PgType t, Object v) {
        if (v == null) {
            return null;
        }
        return t == JSONB ? Json.print(v) : Json.printCompact(v);
    }

    /** json_build_object's and json_object_agg's text: {"a" : 1, "b" : [1,2]}. */
    static String jsonObjectText(Map<String, Object> m, String open, String colon, String close) {
        if (m.isEmpty()) {
            return "{}";
        }
        StringBuilder sb = new StringBuilder(open);
        boolean first = true;
        for (Map.Entry<String, Object> e : m.entrySet()) {
            sb.append(first ? "" : ", ");
            first = false;
            Json.quote(sb, e.getKey());
            sb.append(colon);
            Json.printCompact(sb, e.getValue());
        }
        return sb.append(close).toString();
    }

    /** json_build_array's and json_agg's text: [1, "a", null]; json_agg starts a structured item on a new line. */
    static String jsonListText(List<Object> l, boolean newLineBeforeStructured) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < l.size(); i++) {
            Object o = l.get(i);
            if (i > 0) {
                sb.append(", ");
                if (newLineBeforeStructured && (o instanceof Map || o instanceof List
                        || o instanceof Json.Source src && (src.text().startsWith("{") || src.text().startsWith("[")))) {
                    sb.append("\n ");
                }
            }
            Json.printCompact(sb, o);
        }
        return sb.append(']').toString();
    }

    private static Object field(Object v, String key) {
        return v instanceof Map<?, ?> m ? m.get(key) : null;
    }

    private static Object element(Object v, int index) {
        v = Json.open(v);
        if (!(v instanceof List<?> l)) {
            return null;
        }
        int i = index < 0 ? l.size() + index : index;
        return i >= 0 && i < l.size() ? l.get(i) : null;
    }

    private static Object path(Object v, List<?> path) {
        Object cur = v;
        for (Object p : path) {
            cur = Json.open(cur);
            if (cur instanceof Map<?, ?> m) {
                cur = m.get(p);
            } else if (cur instanceof List<?> && p != null) {
                try {
                    cur = element(cur, Integer.parseInt((String) p));
                } catch (NumberFormatException e) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return cur;
    }

    /** ->>'s text: strings without quotes, JSON null as SQL NULL, the rest as JSON. */
    private static String text(Object v) {
        if (v instanceof Json.Source s) {
            Object parsed = Json.parse(s.text());
            return parsed instanceof Map || parsed instanceof List ? s.text() : text(parsed);
        }
        if (v == null || v == Json.NULL) {
            return null;
        }
        return v instanceof String s ? s : Json.print(v);
    }

    private static String typeOf(Object v) {
        v = Json.open(v);
        if (v instanceof Map) {
            return "object";
        }
        if (v instanceof List) {
            return "array";
        }
        if (v instanceof String) {
            return "string";
        }
        if (v instanceof Boolean) {
            return "boolean";
        }
        return v == Json.NULL ? "null" : "number";
    }

    private static List<?> array(Object v, String what) {
        if (v instanceof List<?> l) {
            return l;
        }
        throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "cannot " + what + " a "
                + (v instanceof Map ? "object" : "scalar"));
    }

    private static Map<?, ?> object(Object v, String what) {
        if (v instanceof Map<?, ?> m) {
            return m;
        }
        throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "cannot " + what + " a "
                + (v instanceof List ? "array" : "scalar"));
    }

    private static Iterator<Object[]> each(PgType t, Object v, boolean asText) {
        List<Object[]> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : object(v, "call " + t.typname + "_each" + (asText ? "_text" : "") + " on").entrySet()) {
            out.add(new Object[] {e.getKey(), asText ? text(e.getValue()) : out(t, e.getValue())});
        }
        return out.iterator();
    }

    private static Map<String, Object> buildObject(Object[] a, PgType[] types, ValueContext vc) {
        if (a.length % 2 != 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "argument list must have even number of elements")
                    .withHint("The arguments of json_build_object() must consist of alternating keys and values.");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] == null) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "null value not allowed for object key");
            }
            m.put(Values.toText(types[i], a[i], vc), toJson(a[i + 1], types[i + 1], vc));
        }
        return m;
    }

    /** A SQL value as a JSON value (to_json). */
    static Object toJson(Object v, PgType type, ValueContext vc) {
        if (v == null) {
            return Json.NULL;
        }
        if (type == JSON) {
            return new Json.Source(((String) v).strip());
        }
        if (type == JSONB) {
            return Json.parse((String) v);
        }
        if (v instanceof org.walden.sql.types.RowValue row) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < row.values().length; i++) {
                m.put(row.name(i), toJson(row.values()[i], row.types().get(i), vc));
            }
            return m;
        }
        if (type.isArray()) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) v) {
                out.add(toJson(o, type.elementType(), vc));
            }
            return out;
        }
        if (type.isNumeric()) {
            if ((v instanceof Double d && (d.isNaN() || d.isInfinite())) || (v instanceof Float f && (f.isNaN()
                    || f.isInfinite())) || v instanceof org.walden.sql.types.NumericSpecial) {
                return Values.toText(type, v, vc);
            }
            return new BigDecimal(Values.toText(type, v, vc));
        }
        if (type == BOOL) {
            return v;
        }
        if (v instanceof LocalDateTime t) {
            return Values.formatTimestamp(t).replace(' ', 'T');
        }
        if (v instanceof Instant) {
            String s = Values.toText(type, v, vc);
            return s.replace(' ', 'T') + (s.matches(".*[+-]\\d\\d$") ? ":00" : "");
        }
        return Values.toText(type, v, vc);
    }

    /** jsonb_set: replaces (or, with create, adds) the value at path; a missing intermediate step leaves v as is. */
    private static Object set(Object v, List<?> path, int depth, Object value, boolean create) {
        if (depth == path.size()) {
            return value;
        }
        Object step = path.get(depth);
        if (step == null) {
            throw new PgException(SqlState.NULL_VALUE_NOT_ALLOWED, "path element at position " + (depth + 1)
                    + " is null");
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new java.util.TreeMap<>(Json::keyOrder);
            m.forEach((k, x) -> out.put((String) k, x));
            if (out.containsKey(step)) {
                out.put((String) step, set(out.get(step), path, depth + 1, value, create));
            } else if (create && depth == path.size() - 1) {
                out.put((String) step, value);
            }
            return out;
        }
        if (v instanceof List<?> l) {
            int i;
            try {
                i = Integer.parseInt(((String) step).trim());
            } catch (NumberFormatException e) {
                throw new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "path element at position "
                        + (depth + 1) + " is not an integer: \"" + step + "\"");
            }
            List<Object> out = new ArrayList<>(l);
            int at = i < 0 ? l.size() + i : i;
            if (at >= 0 && at < l.size()) {
                out.set(at, set(l.get(at), path, depth + 1, value, create));
            } else if (create && depth == path.size() - 1) {
                out.add(at < 0 ? 0 : out.size(), value);
            }
            return out;
        }
        if (depth == 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "cannot set path in scalar");
        }
        return v;
    }

    private static boolean contains(Object big, Object small) {
        if (big instanceof Map<?, ?> bm && small instanceof Map<?, ?> sm) {
            for (Map.Entry<?, ?> e : sm.entrySet()) {
                if (!bm.containsKey(e.getKey()) || !contains(bm.get(e.getKey()), e.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (big instanceof List<?> bl && small instanceof List<?> sl) {
            for (Object s : sl) {
                if (bl.stream().noneMatch(b -> contains(b, s))) {
                    return false;
                }
            }
            return true;
        }
        if (big instanceof List<?> bl && !(small instanceof Map)) {
            return bl.stream().anyMatch(b -> contains(b, small));
        }
        if (big instanceof BigDecimal x && small instanceof BigDecimal y) {
            return x.compareTo(y) == 0;
        }
        return big != null && big.equals(small);
    }

    private static boolean hasKey(Object v, String key) {
        if (v instanceof Map<?, ?> m) {
            return m.containsKey(key);
        }
        if (v instanceof List<?> l) {
            return l.contains(key);
        }
        return key.equals(v);
    }

    private static Object concat(Object a, Object b) {
        if (a instanceof Map<?, ?> am && b instanceof Map<?, ?> bm) {
            Map<String, Object> m = new LinkedHashMap<>();
            am.forEach((k, val) -> m.put((String) k, val));
            bm.forEach((k, val) -> m.put((String) k, val));
            return Json.parse(Json.print(m));
        }
        List<Object> out = new ArrayList<>();
        if (a instanceof List<?> al) {
            out.addAll(al);
        } else {
            out.add(a);
        }
        if (b instanceof List<?> bl) {
            out.addAll(bl);
        } else {
            out.add(b);
        }
        return out;
    }

    private static Object stripNulls(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> {
                if (val != Json.NULL) {
                    out.put((String) k, stripNulls(val));
                }
            });
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(stripNulls(o));
            }
            return out;
        }
        return v;
    }

    private static String pretty(Object v, int indent) {
        String pad = "    ".repeat(indent + 1);
        String end = "    ".repeat(indent);
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                return "{\n" + end + "}";
            }
            StringBuilder sb = new StringBuilder("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                StringBuilder k = new StringBuilder();
                Json.quote(k, (String) e.getKey());
                sb.append(pad).append(k).append(": ").append(pretty(e.getValue(), indent + 1));
                sb.append(++i < m.size() ? ",\n" : "\n");
            }
            return sb.append(end).append('}').toString();
        }
        if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                return "[\n" + end + "]";
            }
            StringBuilder sb = new StringBuilder("[\n");
            for (int i = 0; i < l.size(); i++) {
                sb.append(pad).append(pretty(l.get(i), indent + 1)).append(i + 1 < l.size() ? ",\n" : "\n");
            }
            return sb.append(end).append(']').toString();
        }
        return Json.print(v);
    }
}
