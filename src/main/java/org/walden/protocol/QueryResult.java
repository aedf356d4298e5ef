package org.walden.protocol;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One statement's result as {@link PgClient} received it in the simple query protocol: the
 * RowDescription fields (empty for a command without rows), the rows as text (null = SQL
 * NULL) and the CommandComplete tag ("" for an empty query).
 */
public record QueryResult(List<FieldDescription> fields, List<String[]> rows, String commandTag) {

    public QueryResult {
        fields = List.copyOf(fields);
        rows = List.copyOf(rows);
    }

    public List<String> columnNames() {
        return fields.stream().map(FieldDescription::name).toList();
    }

    /** The value in row {@code row} of the column named {@code column}; IllegalArgumentException if no such column. */
    public String get(int row, String column) {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(column)) {
                return rows.get(row)[i];
            }
        }
        throw new IllegalArgumentException("no column " + column + " in " + columnNames());
    }

    /** Row {@code row} as column name → value, for logging and tests. */
    public Map<String, String> rowAsMap(int row) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < fields.size(); i++) {
            m.put(fields.get(i).name(), rows.get(row)[i]);
        }
        return m;
    }
}
