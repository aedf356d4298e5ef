package org.walden.sql.func;

import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.PgType;

/**
 * {@code UPDATE t SET arr[i] = v}: the array with element {@code i} replaced, as PostgreSQL's
 * array_set_element does for a one-dimensional array: past the end the array grows, the
 * positions between filled with NULLs; a NULL subscript is 22004. Walden's arrays start at 1,
 * so an assignment that would give an array another lower bound (below 1, or beyond 1 into a
 * NULL or empty array, where PostgreSQL makes '[3:3]={v}') is refused with 0A000. A slice,
 * {@code SET arr[l:u] = source} or {@code INSERT INTO t (arr[l:u])}, is assigned the same way
 * (array_set_slice); INSERT assigns into a NULL array.
 *
 * <p>Its function is not in pg_proc: the analyzer calls it for an assignment's subscript alone.
 */
public final class ArrayAssignment {

    /** array_assign(array, subscript, element): not strict (a NULL array or element is assignable). */
    public static FunctionDef function(PgType arrayType) {
        return new FunctionDef(0, "array_assign", List.of(arrayType, PgType.INT4, arrayType.elementType()), arrayType,
                null, 0, false, 'i', 'f', false, null, null, null, (types, result) -> (ctx, a) -> assign(a),
                null, null, null);
    }

    /**
     * array_assign_slice(array, lower, upper, source) for {@code SET arr[lower:upper] = source}:
     * an omitted bound ({@code arr[:u]}, {@code arr[l:]}) is the array's own, which an empty or
     * NULL array does not have. Not strict: a NULL source leaves the array as it was.
     */
    public static FunctionDef sliceFunction(PgType arrayType, boolean lowerGiven, boolean upperGiven) {
        return new FunctionDef(0, "array_assign_slice", List.of(arrayType, PgType.INT4, PgType.INT4, arrayType),
                arrayType, null, 0, false, 'i', 'f', false, null, null, null,
                (types, result) -> (ctx, a) -> assignSlice(a, lowerGiven, upperGiven), null, null, null);
    }

    private ArrayAssignment() {
    }

    static Object assignSlice(Object[] a, boolean lowerGiven, boolean upperGiven) {
        List<?> array = (List<?>) a[0];
        if (a[3] == null) {
            return array; // as ExecEvalSubscriptingRefAssign: a NULL source changes nothing
        }
        if ((lowerGiven && a[1] == null) || (upperGiven && a[2] == null)) {
            throw new PgException(SqlState.NULL_VALUE_NOT_ALLOWED, "array subscript in assignment must not be null");
        }
        int n = array == null ? 0 : array.size();
        if (n > 0 && array.get(0) instanceof List<?>) {
            throw new PgException(SqlState.ARRAY_SUBSCRIPT_ERROR, "wrong number of array subscripts");
        }
        List<Object> source = new ArrayList<>();
        flatten((List<?>) a[3], source);
        if (n == 0 && (!lowerGiven || !upperGiven)) {
            throw new PgException(SqlState.ARRAY_SUBSCRIPT_ERROR, "array slice subscript must provide both boundaries")
                    .withDetail("When assigning to a slice of an empty array value, slice boundaries must be fully "
                            + "specified.");
        }
        if (n == 0 && source.isEmpty()) {
            return array;
        }
        int lower = lowerGiven ? (Integer) a[1] : 1;
        int upper = upperGiven ? (Integer) a[2] : n;
        if (upper < lower) {
            throw new PgException(SqlState.ARRAY_SUBSCRIPT_ERROR, "upper bound cannot be less than lower bound");
        }
        if (lower < 1 || (n == 0 && lower > 1)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "assigning elements " + lower + " to " + upper
                    + " of " + (n == 0 ? "an empty or NULL array" : "an array of " + n + " elements")
                    + " is not supported").withDetail("Walden's arrays start at subscript 1; this assignment would "
                    + "give the array another lower bound.");
        }
        long count = (long) upper - lower + 1;
        if (source.size() < count) {
            throw new PgException(SqlState.ARRAY_SUBSCRIPT_ERROR, "source array too small");
        }
        List<Object> out = new ArrayList<>(Math.max(n, upper));
        if (array != null) {
            out.addAll(array);
        }
        while (out.size() < upper) {
            out.add(null);
        }
        for (int i = 0; i < count; i++) {
            out.set(lower - 1 + i, source.get(i));
        }
        return out;
    }

    /** A source array's elements in storage order, whatever its dimensions (array_set_slice). */
    private static void flatten(List<?> array, List<Object> out) {
        for (Object o : array) {
            if (o instanceof List<?> inner) {
                flatten(inner, out);
            } else {
                out.add(o);
            }
        }
    }

    static Object assign(Object[] a) {
        List<?> array = (List<?>) a[0];
        if (a[1] == null) {
            throw new PgException(SqlState.NULL_VALUE_NOT_ALLOWED, "array subscript in assignment must not be null");
        }
        int index = (Integer) a[1];
        int n = array == null ? 0 : array.size();
        if (n > 0 && array.get(0) instanceof List<?>) {
            throw new PgException(SqlState.ARRAY_SUBSCRIPT_ERROR, "wrong number of array subscripts");
        }
        if (index < 1 || (n == 0 && index > 1)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "assigning element " + index + " of "
                    + (n == 0 ? "an empty or NULL array" : "an array of " + n + " elements")
                    + " is not supported").withDetail("Walden's arrays start at subscript 1; this assignment would "
                    + "give the array another lower bound.");
        }
        List<Object> out = new ArrayList<>(Math.max(n, index));
        if (array != null) {
            out.addAll(array);
        }
        while (out.size() < index) {
            out.add(null);
        }
        out.set(index - 1, a[2]);
        return out;
    }
}
