package org.walden.sql.catalog;

/** A pg_database row. */
public record DatabaseDef(int oid, String name, int ownerOid) {
}
