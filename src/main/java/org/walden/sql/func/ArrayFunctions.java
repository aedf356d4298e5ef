package org.walden.sql.func;

import static org.walden.sql.types.PgType.*;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/** Array functions (PostgreSQL's "Array Functions and Operators"); arrays are Lists, nested beyond one dimension. */
public final class ArrayFunctions {

    private ArrayFunctions() {
    }

    static void register(Builtins r) {
        r.f("array_length", INT4, ANYARRAY, INT4).impl(a -> {
            List<?> dim = dimension((List<?>) a[0], (Integer) a[1]);
            return dim == null || dim.isEmpty() ? null : dim.size();
        });
        r.f("array_lower", INT4, ANYARRAY, INT4).impl(a -> {
            List<?> dim = dimension((List<?>) a[0], (Integer) a[1]);
            return dim == null || dim.isEmpty() ? null : 1;
        });
        r.f("array_upper", INT4, ANYARRAY, INT4).impl(a -> {
            List<?> dim = dimension((List<?>) a[0], (Integer) a[1]);
            return dim == null || dim.isEmpty() ? null : dim.size();
        });
        r.f("array_ndims", INT4, ANYARRAY).impl(a -> {
            List<?> l = (List<?>) a[0];
            return l.isEmpty() ? null : ndims(l);
        });
        r.f("array_dims", TEXT, ANYARRAY).impl(a -> {
            List<?> l = (List<?>) a[0];
            if (l.isEmpty()) {
                return null;
            }
            StringBuilder sb = new StringBuilder();
            Object cur = l;
            while (cur instanceof List<?> d && !d.isEmpty()) {
                sb.append("[1:").append(d.size()).append(']');
                cur = d.get(0);
            }
            return sb.toString();
        });
        r.f("cardinality", INT4, ANYARRAY).impl(a -> count((List<?>) a[0]));
        r.f("array_append", ANYARRAY, ANYARRAY, ANYELEMENT).nonStrict().impl(a -> {
            List<Object> out = a[0] == null ? new ArrayList<>() : new ArrayList<>((List<?>) a[0]);
            out.add(a[1]);
            return out;
        });
        r.f("array_prepend", ANYARRAY, ANYELEMENT, ANYARRAY).nonStrict().impl(a -> {
            List<Object> out = new ArrayList<>();
            out.add(a[0]);
            if (a[1] != null) {
                out.addAll((List<?>) a[1]);
            }
            return out;
        });
        r.f("array_cat", ANYARRAY, ANYARRAY, ANYARRAY).nonStrict().impl(a -> {
            if (a[0] == null) {
                return a[1];
            }
            if (a[1] == null) {
                return a[0];
            }
            List<Object> out = new ArrayList<>((List<?>) a[0]);
            out.addAll((List<?>) a[1]);
            return out;
        });
        r.f("array_position", INT4, ANYARRAY, ANYELEMENT).nonStrict().impl(a -> position(a[0], a[1], 1));
        r.f("array_position", INT4, ANYARRAY, ANYELEMENT, INT4).nonStrict().impl(a -> position(a[0], a[1],
                a[2] == null ? 1 : (Integer) a[2]));
        r.f("array_positions", INT4_ARRAY, ANYARRAY, ANYELEMENT).nonStrict().impl(a -> {
            if (a[0] == null) {
                return null;
            }
            List<Object> out = new ArrayList<>();
            List<?> l = (List<?>) a[0];
            for (int i = 0; i < l.size(); i++) {
                if (same(l.get(i), a[1])) {
                    out.add(i + 1);
                }
            }
            return out;
        });
        r.f("array_remove", ANYARRAY, ANYARRAY, ANYELEMENT).nonStrict().impl(a -> {
            if (a[0] == null) {
                return null;
            }
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) a[0]) {
                if (!same(o, a[1])) {
                    out.add(o);
                }
            }
            return out;
        });
        r.f("array_replace", ANYARRAY, ANYARRAY, ANYELEMENT, ANYELEMENT).nonStrict().impl(a -> {
            if (a[0] == null) {
                return null;
            }
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) a[0]) {
                out.add(same(o, a[1]) ? a[2] : o);
            }
            return out;
        });
        r.f("array_to_string", TEXT, ANYARRAY, TEXT).typed((types, res) -> (c, a) ->
                join((List<?>) a[0], (String) a[1], null, types[0].elementType(), c));
        r.f("array_to_string", TEXT, ANYARRAY, TEXT, TEXT).nonStrict().typed((types, res) -> (c, a) ->
                a[0] == null || a[1] == null ? null
                        : join((List<?>) a[0], (String) a[1], (String) a[2], types[0].elementType(), c));
        r.f("unnest", ANYELEMENT, ANYARRAY).values(a -> flatten((List<?>) a[0]).iterator());
        r.f("generate_subscripts", INT4, ANYARRAY, INT4).values(a -> {
            List<?> dim = dimension((List<?>) a[0], (Integer) a[1]);
            List<Object> out = new ArrayList<>();
            for (int i = 1; dim != null && i <= dim.size(); i++) {
                out.add(i);
            }
            return out.iterator();
        });
        r.f("array_fill", ANYARRAY, ANYELEMENT, INT4_ARRAY).nonStrict().impl(a -> {
            List<?> dims = (List<?>) a[1];
            if (dims == null || dims.size() != 1) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "array_fill supports one dimension here");
            }
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < (Integer) dims.get(0); i++) {
                out.add(a[0]);
            }
            return out;
        });
        r.f("trim_array", ANYARRAY, ANYARRAY, INT4).impl(a -> {
            List<?> l = (List<?>) a[0];
            int n = (Integer) a[1];
            if (n < 0 || n > l.size()) {
                throw new PgException(SqlState.ARRAY_SUBSCRIPT_ERROR, "number of elements to trim must be between 0 and "
                        + l.size());
            }
            return new ArrayList<>(l.subList(0, l.size() - n));
        });
    }

    private static List<?> dimension(List<?> l, int dim) {
        Object cur = l;
        for (int d = 1; d < dim; d++) {
            if (!(cur instanceof List<?> list) || list.isEmpty() || !(list.get(0) instanceof List<?>)) {
                return null;
            }
            cur = list.get(0);
        }
        return dim < 1 ? null : (List<?>) cur;
    }

    private static int ndims(List<?> l) {
        int n = 1;
        Object cur = l;
        while (cur instanceof List<?> d && !d.isEmpty() && d.get(0) instanceof List<?> inner) {
            n++;
            cur = inner;
        }
        return n;
    }

    private static int count(List<?> l) {
        int n = 0;
        for (Object o : l) {
            n += o instanceof List<?> inner ? count(inner) : 1;
        }
        return n;
    }

    /**
     * unnest(a, b, ...) in FROM, which PostgreSQL's parser turns into ROWS FROM (unnest(a),
     * unnest(b), ...): one column named "unnest" per array, of its element type, the arrays read
     * side by side and the shorter ones padded with NULL (a NULL array counts as empty).
     */
    public static FunctionDef zippedUnnest(List<PgType> arrayTypes) {
        List<PgType> elements = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (PgType t : arrayTypes) {
            elements.add(t.elementType());
            names.add("unnest");
        }
        return new FunctionDef(0, "unnest", arrayTypes, RECORD, null, 0, false, 'i', 'f', true, names, elements,
                null, null, (ctx, a, t) -> {
                    List<List<Object>> columns = new ArrayList<>();
                    int rows = 0;
                    for (Object array : a) {
                        List<Object> values = array == null ? List.of() : flatten((List<?>) array);
                        columns.add(values);
                        rows = Math.max(rows, values.size());
                    }
                    List<Object[]> out = new ArrayList<>(rows);
                    for (int r = 0; r < rows; r++) {
                        Object[] row = new Object[columns.size()];
                        for (int c = 0; c < row.length; c++) {
                            row[c] = r < columns.get(c).size() ? columns.get(c).get(r) : null;
                        }
                        out.add(row);
                    }
                    return out.iterator();
                }, null, null);
    }

    static List<Object> flatten(List<?> l) {
        List<Object> out = new ArrayList<>();
        for (Object o : l) {
            if (o instanceof List<?> inner) {
                out.addAll(flatten(inner));
            } else {
                out.add(o);
            }
        }
        return out;
    }

    private static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        return Values.compare(a, b) == 0;
    }

    private static Object position(Object array, Object value, int from) {
        if (array == null) {
            return null;
        }
        List<?> l = (List<?>) array;
        for (int i = Math.max(from, 1) - 1; i < l.size(); i++) {
            if (same(l.get(i), value)) {
                return i + 1;
            }
        }
        return null;
    }

    private static String join(List<?> l, String delimiter, String nullString,
                               org.walden.sql.types.PgType element, FnContext c) {
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (Object o : flatten(l)) {
            if (o == null && nullString == null) {
                continue;
            }
            sb.append(first ? "" : delimiter);
            first = false;
            sb.append(o == null ? nullString : Values.toText(element, o, c.values()));
        }
        return sb.toString();
    }

    static Iterator<Object> iterate(List<?> l) {
        return flatten(l).iterator();
    }
}
