package org.walden.sql.types;

import java.util.Arrays;
import java.util.List;

/** An anonymous record value (ROW(...), a function returning record): its fields and their types. */
public record RowValue(Object[] values, List<PgType> types, List<String> names) implements Comparable<RowValue> {

    public RowValue(Object[] values, List<PgType> types) {
        this(values, types, null);
    }

    /** The name of field {@code i}: the column's, or f1, f2, ... as PostgreSQL names ROW(...)'s fields. */
    public String name(int i) {
        return names != null && i < names.size() && names.get(i) != null ? names.get(i) : "f" + (i + 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowValue r && Arrays.equals(values, r.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public int compareTo(RowValue o) {
        for (int i = 0; i < Math.min(values.length, o.values.length); i++) {
            Object a = values[i];
            Object b = o.values[i];
            if (a == null || b == null) {
                if (a != b) {
                    return a == null ? 1 : -1;
                }
                continue;
            }
            int c = Values.compare(a, b);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(values.length, o.values.length);
    }
}
