package org.walden.sql.catalog;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The catalogs every database shares (PostgreSQL's global/ catalogs): roles (pg_authid), role
 * memberships (pg_auth_members) and databases (pg_database). Immutable.
 */
public record SharedCatalog(Map<String, RoleDef> roles, Map<String, DatabaseDef> databases,
                            List<Membership> memberships) {

    /** A pg_auth_members row: {@code member} is a member of {@code role}. */
    public record Membership(int role, int member, int grantor, boolean adminOption) {
    }

    public RoleDef role(String name) {
        return roles.get(name);
    }

    public RoleDef roleByOid(long oid) {
        for (RoleDef r : roles.values()) {
            if (r.oid() == oid) {
                return r;
            }
        }
        return null;
    }

    public DatabaseDef database(String name) {
        return databases.get(name);
    }

    public DatabaseDef databaseByOid(long oid) {
        for (DatabaseDef d : databases.values()) {
            if (d.oid() == oid) {
                return d;
            }
        }
        return null;
    }

    public Collection<RoleDef> allRoles() {
        return roles.values();
    }

    /** Roles by OID. */
    public List<RoleDef> rolesInOrder() {
        List<RoleDef> out = new ArrayList<>(roles.values());
        out.sort(Comparator.comparingInt(RoleDef::oid));
        return out;
    }

    /** Databases by OID. */
    public List<DatabaseDef> databasesInOrder() {
        List<DatabaseDef> out = new ArrayList<>(databases.values());
        out.sort(Comparator.comparingInt(DatabaseDef::oid));
        return out;
    }

    /** True when {@code member} is {@code role} or a member of it, directly or through other roles. */
    public boolean isMemberOf(int member, int role) {
        if (member == role) {
            return true;
        }
        for (Membership m : memberships) {
            if (m.member() == member && isMemberOf(m.role(), role)) {
                return true;
            }
        }
        return false;
    }
}
