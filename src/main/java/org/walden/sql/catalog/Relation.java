package org.walden.sql.catalog;

import java.util.ArrayList;
import java.util.List;

/**
 * A table, view or sequence of one database (a pg_class row with its pg_attribute rows).
 * Rows of a table are stored under {@code relfilenode} (PostgreSQL's relfilenode: the OID at
 * CREATE TABLE, a fresh one after TRUNCATE or a rewrite), keyed by the primary key columns
 * ({@code primaryKey}: indexes into {@code columns}, 0-based) or by a hidden 8-byte row id when
 * there is none. A view holds its query's source ({@code viewSql}, re-analyzed when used) and its
 * text as pg_get_viewdef prints it. A sequence holds its options in {@code sequence}. A
 * materialized view is stored like a table (its rows under {@code relfilenode}) and keeps its
 * query in {@code viewSql} for REFRESH; its {@code viewText} is {@link #NOT_POPULATED} after
 * WITH NO DATA (pg_class.relispopulated false), null once populated.
 *
 * <p>Virtual relations (the pg_catalog tables and views, information_schema) are not stored:
 * {@code virtual} is set and their rows come from {@link SystemCatalogs}.
 */
public record Relation(int oid, String name, int namespaceOid, char kind, int ownerOid, List<Attribute> columns,
                       int[] primaryKey, int relfilenode, int rowTypeOid, String viewSql, String viewText,
                       SequenceOptions sequence, List<String> options, boolean virtual) {

    public static final char TABLE = 'r';
    public static final char VIEW = 'v';
    public static final char SEQUENCE = 'S';
    public static final char INDEX = 'i';
    public static final char MATVIEW = 'm';

    /** The {@code viewText} of a materialized view created or refreshed WITH NO DATA. */
    public static final String NOT_POPULATED = "not populated";

    /** The column at 0-based position {@code index} (dropped columns included). */
    public Attribute column(int index) {
        return columns.get(index);
    }

    /** The 0-based index of the live column of that name, or -1. */
    public int columnIndex(String column) {
        for (int i = 0; i < columns.size(); i++) {
            Attribute a = columns.get(i);
            if (!a.dropped() && a.name().equals(column)) {
                return i;
            }
        }
        return -1;
    }

    /** The 0-based index of the column with that attnum, or -1. */
    public int indexOfAttnum(int attnum) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).attnum() == attnum) {
                return i;
            }
        }
        return -1;
    }

    /** The live (not dropped) columns, in order. */
    public List<Attribute> liveColumns() {
        List<Attribute> out = new ArrayList<>(columns.size());
        for (Attribute a : columns) {
            if (!a.dropped()) {
                out.add(a);
            }
        }
        return out;
    }

    public boolean hasPrimaryKey() {
        return primaryKey.length > 0;
    }

    public boolean isTable() {
        return kind == TABLE && !virtual;
    }

    public boolean isView() {
        return kind == VIEW;
    }

    public boolean isMatview() {
        return kind == MATVIEW;
    }

    /** pg_class.relispopulated: false only for a materialized view last created or refreshed WITH NO DATA. */
    public boolean isPopulated() {
        return kind != MATVIEW || !NOT_POPULATED.equals(viewText);
    }

    /** This relation stored as a materialized view of query {@code sql}, populated or not. */
    public Relation asMatview(String sql, boolean populated) {
        return new Relation(oid, name, namespaceOid, MATVIEW, ownerOid, columns, primaryKey, relfilenode,
                rowTypeOid, sql, populated ? null : NOT_POPULATED, sequence, options, virtual);
    }

    public Relation withColumns(List<Attribute> newColumns) {
        return new Relation(oid, name, namespaceOid, kind, ownerOid, List.copyOf(newColumns), primaryKey, relfilenode,
                rowTypeOid, viewSql, viewText, sequence, options, virtual);
    }

    public Relation withPrimaryKey(int[] newPrimaryKey, int newRelfilenode) {
        return new Relation(oid, name, namespaceOid, kind, ownerOid, columns, newPrimaryKey, newRelfilenode,
                rowTypeOid, viewSql, viewText, sequence, options, virtual);
    }

    public Relation withRelfilenode(int newRelfilenode) {
        return withPrimaryKey(primaryKey, newRelfilenode);
    }

    public Relation withName(String newName, int newNamespaceOid) {
        return new Relation(oid, newName, newNamespaceOid, kind, ownerOid, columns, primaryKey, relfilenode,
                rowTypeOid, viewSql, viewText, sequence, options, virtual);
    }

    public Relation withView(String sql, String text, List<Attribute> newColumns) {
        return new Relation(oid, name, namespaceOid, kind, ownerOid, List.copyOf(newColumns), primaryKey, relfilenode,
                rowTypeOid, sql, text, sequence, options, virtual);
    }

    public Relation withOwner(int newOwner) {
        return new Relation(oid, name, namespaceOid, kind, newOwner, columns, primaryKey, relfilenode, rowTypeOid,
                viewSql, viewText, sequence, options, virtual);
    }

    public Relation withSequence(SequenceOptions newSequence) {
        return new Relation(oid, name, namespaceOid, kind, ownerOid, columns, primaryKey, relfilenode, rowTypeOid,
                viewSql, viewText, newSequence, options, virtual);
    }

    /** A sequence's options (pg_sequence): data type, start, increment, bounds, cache, cycle, owner column. */
    public record SequenceOptions(org.walden.sql.types.PgType type, long start, long increment, long min, long max,
                                  long cache, boolean cycle, int ownedByTable, int ownedByColumn) {

        public SequenceOptions withOwner(int table, int column) {
            return new SequenceOptions(type, start, increment, min, max, cache, cycle, table, column);
        }
    }
}
