package org.walden.sql.catalog;

/** A schema (a pg_namespace row). */
public record Namespace(int oid, String name, int ownerOid) {

    public static final int PG_CATALOG = 11;
    public static final int PG_TOAST = 99;
    public static final int PUBLIC = 2200;
    public static final int INFORMATION_SCHEMA = 13193;

    public boolean isSystem() {
        return oid == PG_CATALOG || oid == PG_TOAST || oid == INFORMATION_SCHEMA;
    }
}
