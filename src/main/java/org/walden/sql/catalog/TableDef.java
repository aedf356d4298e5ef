package org.walden.sql.catalog;

import java.util.List;

/**
 * A table as the catalog stores it. {@code primaryKey} holds column indexes (0-based); an
 * empty array means rows are keyed by a hidden 8-byte row id. Virtual tables (system views)
 * have {@code virtual} set and no stored rows.
 */
public record TableDef(int oid, String name, List<Column> columns, int[] primaryKey, boolean virtual) {

    /** The column's index, or -1. */
    public int columnIndex(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        return -1;
    }

    public boolean hasPrimaryKey() {
        return primaryKey.length > 0;
    }

    /** PostgreSQL's name for the primary key's index and constraint. */
    public String primaryKeyName() {
        return name + "_pkey";
    }
}
