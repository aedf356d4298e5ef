package org.walden.sql.catalog;

import java.util.List;

/**
 * A table as the catalog stores it. {@code primaryKey} holds column indexes (0-based); an
 * empty array means rows are keyed by a hidden 8-byte row id. Virtual tables (system views)
 * have {@code virtual} set and no stored rows. {@code relfilenode} names the key range of its
 * rows (PostgreSQL's relfilenode): the OID at CREATE TABLE, a fresh OID after each TRUNCATE or
 * ALTER TABLE ADD PRIMARY KEY, which write the table anew in a range no one else sees until
 * they commit.
 */
public record TableDef(int oid, String name, List<Column> columns, int[] primaryKey, boolean virtual,
                       int relfilenode) {

    /** A table whose rows live under its own OID. */
    public TableDef(int oid, String name, List<Column> columns, int[] primaryKey, boolean virtual) {
        this(oid, name, columns, primaryKey, virtual, oid);
    }

    /** The same table with its rows in another key range. */
    public TableDef withRelfilenode(int newRelfilenode) {
        return new TableDef(oid, name, columns, primaryKey, virtual, newRelfilenode);
    }

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
