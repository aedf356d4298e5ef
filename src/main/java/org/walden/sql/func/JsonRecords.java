package org.walden.sql.func;

import static org.walden.sql.types.PgType.JSON;
import static org.walden.sql.types.PgType.JSONB;
import static org.walden.sql.types.PgType.RECORD;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.Json;
import org.walden.sql.types.PgType;
import org.walden.sql.types.RowValue;
import org.walden.sql.types.ValueContext;
import org.walden.sql.types.Values;

/**
 * json_to_record, jsonb_to_record, json_to_recordset and jsonb_to_recordset (PostgreSQL's
 * jsonfuncs.c populate_record family): an object's members, looked up by the column names of the
 * column definition list in FROM ({@code AS x(a int, b text)}), read as the columns' types.
 *
 * <p>The registered functions return {@code record} and know no columns: the analyzer binds a
 * call in FROM to its column definition list with {@link #withColumns}; anywhere else the call
 * fails as PostgreSQL's does (0A000 "could not determine row type ..."). A member's value is read
 * as PostgreSQL's populate_scalar / populate_array do: a JSON string by its contents, other
 * scalars, objects and (for non-array columns) arrays by their JSON text (json's as written,
 * jsonb's normalised), a JSON array into an array column element by element, JSON null or a
 * missing key as NULL.
 */
public final class JsonRecords {

    private static final List<String> NAMES = List.of("json_to_record", "jsonb_to_record", "json_to_recordset",
            "jsonb_to_recordset");

    private JsonRecords() {
    }

    static void register(Builtins r) {
        for (PgType t : List.of(JSON, JSONB)) {
            String p = t == JSON ? "json" : "jsonb";
            r.f(p + "_to_record", RECORD, t).stable().impl(a -> {
                throw noRowType(p + "_to_record");
            });
            r.f(p + "_to_recordset", RECORD, t).stable().srf((c, a, types) -> {
                throw noRowType(p + "_to_recordset");
            });
        }
    }

    /** Whether {@code f} is one of these functions, whose result columns a column definition list gives. */
    public static boolean isPopulateFunction(FunctionDef f) {
        return f.result == RECORD && NAMES.contains(f.name) && f.args.size() == 1;
    }

    /** {@code f} bound to the columns of a column definition list (names, types, typmods). */
    public static FunctionDef withColumns(FunctionDef f, List<String> names, List<PgType> types, List<Integer> typmods) {
        boolean jsonb = f.args.get(0) == JSONB;
        Columns columns = new Columns(f.name, jsonb, List.copyOf(names), List.copyOf(types), List.copyOf(typmods));
        if (f.retset) {
            return new FunctionDef(f.oid, f.name, f.args, RECORD, null, 0, true, f.volatility, 'f', true, null, null,
                    null, null, (ctx, a, t) -> columns.recordset(ctx.values(), a[0]), null, null);
        }
        return new FunctionDef(f.oid, f.name, f.args, RECORD, null, 0, true, f.volatility, 'f', false, null, null,
                null, (argTypes, result) -> (ctx, a) -> columns.record(ctx.values(), a[0]), null, null, null);
    }

    private static PgException noRowType(String name) {
        return new PgException(SqlState.FEATURE_NOT_SUPPORTED, "could not determine row type for result of " + name)
                .withHint("Provide a non-null record argument, or call the function in the FROM clause using a column "
                        + "definition list.");
    }

    /** A column definition list and how to fill it from a JSON object. */
    private record Columns(String function, boolean jsonb, List<String> names, List<PgType> types,
                           List<Integer> typmods) {

        RowValue record(ValueContext vc, Object text) {
            Object top = parse((String) text);
            if (!(top instanceof Map<?, ?> object)) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "cannot call populate_composite on "
                        + (top instanceof List ? "an array" : "a scalar"));
            }
            return row(vc, object);
        }

        Iterator<Object[]> recordset(ValueContext vc, Object text) {
            Object top = parse((String) text);
            if (!(top instanceof List<?> array)) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, jsonb
                        ? "cannot call " + function + " on a non-array"
                        : "cannot call " + function + " on " + (top instanceof Map ? "an object" : "a scalar"));
            }
            if (array.isEmpty()) {
                return Collections.emptyIterator();
            }
            List<Object[]> rows = new ArrayList<>(array.size());
            for (Object element : array) {
                if (!(open(element) instanceof Map<?, ?> object)) {
                    throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "argument of " + function
                            + " must be an array of objects");
                }
                rows.add(row(vc, object).values());
            }
            return rows.iterator();
        }

        private Object parse(String text) {
            return jsonb ? Json.parse(text) : Json.parseKeepingText(text);
        }

        private Object open(Object v) {
            return jsonb ? v : Json.open(v);
        }

        private RowValue row(ValueContext vc, Map<?, ?> object) {
            Object[] values = new Object[names.size()];
            for (int i = 0; i < values.length; i++) {
                Object member = object.get(names.get(i));
                Object v = member == null ? null : value(vc, member, types.get(i));
                values[i] = v == null ? null : Values.coerceToTypmod(v, types.get(i), typmods.get(i), false);
            }
            return new RowValue(values, types, names);
        }

        /** One member's value read as {@code type} (populate_record_field). */
        private Object value(ValueContext vc, Object member, PgType type) {
            String jsonText = jsonb ? Json.print(member) : ((Json.Source) member).text();
            Object parsed = jsonb ? member : Json.parse(jsonText);
            if (parsed == Json.NULL) {
                return null;
            }
            if (type == JSON) {
                return jsonText;
            }
            if (type == JSONB) {
                return Json.normalize(jsonText);
            }
            if (parsed instanceof String s) {
                return Values.parseText(type, s, vc);
            }
            if (parsed instanceof List<?> && type.isArray()) {
                return array(vc, jsonb ? parsed : Json.open(member), type.elementType());
            }
            return Values.parseText(type, jsonText, vc);
        }

        /** A JSON array as an array of {@code element} (populate_array): nested arrays are dimensions. */
        private List<Object> array(ValueContext vc, Object list, PgType element) {
            List<Object> out = new ArrayList<>();
            for (Object item : (List<?>) list) {
                Object opened = open(item);
                if (opened instanceof List<?>) {
                    out.add(array(vc, opened, element));
                } else {
                    out.add(value(vc, item, element));
                }
            }
            return out;
        }
    }
}
