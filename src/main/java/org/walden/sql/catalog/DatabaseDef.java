package org.walden.sql.catalog;

/**
 * A pg_database row: OID, name, owner, whether connections are allowed (template0 refuses
 * them), whether it is a template, and the connection limit (-1 none).
 */
public record DatabaseDef(int oid, String name, int ownerOid, boolean allowConnections, boolean template,
                          int connectionLimit) {

    public DatabaseDef(int oid, String name, int ownerOid) {
        this(oid, name, ownerOid, true, false, -1);
    }

    public DatabaseDef withOwner(int newOwner) {
        return new DatabaseDef(oid, name, newOwner, allowConnections, template, connectionLimit);
    }

    public DatabaseDef withName(String newName) {
        return new DatabaseDef(oid, newName, ownerOid, allowConnections, template, connectionLimit);
    }
}
