package org.walden.sql.catalog;

import java.util.List;

/**
 * A pg_tablespace row: OID, name, owner, the directory it was created at ({@code location}: an
 * absolute path, or "" for an in-place tablespace under pg_tblspc/OID, and "" for the built-in
 * pg_default and pg_global), and its ACL (null for the default: the owner's CREATE).
 */
public record TablespaceDef(int oid, String name, int ownerOid, String location, List<Acl.Item> acl) {

    /** pg_default: where relations live when no tablespace is named (DATA/base). */
    public static final int DEFAULT_OID = 1663;
    /** pg_global: the shared catalogs' tablespace. */
    public static final int GLOBAL_OID = 1664;

    public static final TablespaceDef PG_DEFAULT =
            new TablespaceDef(DEFAULT_OID, "pg_default", CatalogStore.BOOTSTRAP_SUPERUSER_OID, "", null);
    public static final TablespaceDef PG_GLOBAL =
            new TablespaceDef(GLOBAL_OID, "pg_global", CatalogStore.BOOTSTRAP_SUPERUSER_OID, "", null);

    public boolean builtIn() {
        return oid == DEFAULT_OID || oid == GLOBAL_OID;
    }

    public TablespaceDef withName(String newName) {
        return new TablespaceDef(oid, newName, ownerOid, location, acl);
    }

    public TablespaceDef withOwner(int newOwner) {
        return new TablespaceDef(oid, name, newOwner, location, acl == null ? null : Acl.newOwner(acl, ownerOid, newOwner));
    }

    public TablespaceDef withAcl(List<Acl.Item> newAcl) {
        return new TablespaceDef(oid, name, ownerOid, location, newAcl);
    }
}
