package org.walden.sql.catalog;

import java.util.Collection;
import java.util.Map;

/**
 * An immutable snapshot of the catalog: tables, roles and databases by name. The engine
 * keeps one per {@code TransactionManager.catalogVersion()}; a transaction that changed the
 * catalog reads its own from its writes.
 */
public record Catalog(long version, Map<String, TableDef> tables, Map<String, RoleDef> roles,
                      Map<String, DatabaseDef> databases) {

    public TableDef table(String name) {
        return tables.get(name);
    }

    public RoleDef role(String name) {
        return roles.get(name);
    }

    public RoleDef roleByOid(int oid) {
        for (RoleDef r : roles.values()) {
            if (r.oid() == oid) {
                return r;
            }
        }
        return null;
    }

    public Collection<RoleDef> allRoles() {
        return roles.values();
    }
}
