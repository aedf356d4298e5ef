package org.walden.sql.catalog;

import java.util.List;

/**
 * An index of a table (a pg_index row and its pg_class row). A primary key's index has no
 * storage of its own ({@code relfilenode} 0): the table's rows are keyed by it. A secondary
 * index stores one entry per row under its relfilenode: the encoded key columns, then (unless the
 * index is unique and the key has no NULL) the row's primary key; the value is the row's key
 * within its table. {@code ready} means writers maintain it (set before a concurrent build
 * fills it); {@code valid} means the planner may read it.
 */
public record IndexInfo(int oid, String name, int namespaceOid, int tableOid, int relfilenode, List<Key> keys,
                        boolean unique, boolean primary, boolean nullsNotDistinct, String predicateSql,
                        String predicateText, boolean ready, boolean valid, String method, boolean clustered) {

    /**
     * One key column: a table column ({@code attnum} > 0) or an expression ({@code attnum} 0,
     * {@code exprSql} its source, {@code exprText} as pg_get_indexdef prints it); with its order.
     */
    public record Key(int attnum, String exprSql, String exprText, boolean descending, boolean nullsFirst) {

        public boolean isExpression() {
            return attnum == 0;
        }

        /**
         * An expression key's deparsed text as pg_get_indexdef and the 23505 detail show it: a
         * function call as it is, any other expression in parentheses.
         */
        public static String expressionText(String deparsed) {
            return deparsed.matches("[a-z_][a-z0-9_.]*\\(.*\\)") || deparsed.startsWith("(") ? deparsed
                    : "(" + deparsed + ")";
        }
    }

    public boolean hasStorage() {
        return relfilenode != 0;
    }

    public boolean isPartial() {
        return predicateSql != null;
    }

    public IndexInfo withState(boolean newReady, boolean newValid) {
        return new IndexInfo(oid, name, namespaceOid, tableOid, relfilenode, keys, unique, primary, nullsNotDistinct,
                predicateSql, predicateText, newReady, newValid, method, clustered);
    }

    public IndexInfo withName(String newName) {
        return new IndexInfo(oid, newName, namespaceOid, tableOid, relfilenode, keys, unique, primary,
                nullsNotDistinct, predicateSql, predicateText, ready, valid, method, clustered);
    }

    /** CLUSTER ... USING and ALTER TABLE ... CLUSTER ON mark the index a table is clustered on (pg_index.indisclustered). */
    public IndexInfo withClustered(boolean newClustered) {
        return new IndexInfo(oid, name, namespaceOid, tableOid, relfilenode, keys, unique, primary,
                nullsNotDistinct, predicateSql, predicateText, ready, valid, method, newClustered);
    }

    public IndexInfo withRelfilenode(int newRelfilenode) {
        return new IndexInfo(oid, name, namespaceOid, tableOid, newRelfilenode, keys, unique, primary,
                nullsNotDistinct, predicateSql, predicateText, ready, valid, method, clustered);
    }
}
