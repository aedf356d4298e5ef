package org.walden.sql.catalog;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The catalogs every database shares (PostgreSQL's global/ catalogs): roles (pg_authid), role
 * memberships (pg_auth_members) and databases (pg_database) with their ACLs (datacl, by database
 * OID; a database not there has the default) and tablespaces (pg_tablespace, by name, pg_default
 * and pg_global included). Immutable.
 */
public record SharedCatalog(Map<String, RoleDef> roles, Map<String, DatabaseDef> databases,
                            List<Membership> memberships, Map<Integer, List<Acl.Item>> databaseAcls,
                            Map<String, TablespaceDef> tablespaces) {

    public TablespaceDef tablespace(String name) {
        return tablespaces.get(name);
    }

    public TablespaceDef tablespaceByOid(long oid) {
        for (TablespaceDef t : tablespaces.values()) {
            if (t.oid() == oid) {
                return t;
            }
        }
        return null;
    }

    /** Tablespaces by OID. */
    public List<TablespaceDef> tablespacesInOrder() {
        List<TablespaceDef> out = new ArrayList<>(tablespaces.values());
        out.sort(Comparator.comparingInt(TablespaceDef::oid));
        return out;
    }

    /** A database's stored ACL, null for the default. */
    public List<Acl.Item> databaseAcl(int databaseOid) {
        return databaseAcls.get(databaseOid);
    }

    /**
     * A database's ACL as stored; when none is, initdb's for template0 and template1 (PUBLIC may
     * connect) and null (the default) for others.
     */
    public List<Acl.Item> effectiveDatabaseAcl(DatabaseDef d) {
        List<Acl.Item> stored = databaseAcls.get(d.oid());
        if (stored != null) {
            return stored;
        }
        if (d.name().equals("template0") || d.name().equals("template1")) {
            return List.of(new Acl.Item(Acl.PUBLIC, d.ownerOid(), Acl.CONNECT, 0),
                    new Acl.Item(d.ownerOid(), d.ownerOid(), Acl.ObjectType.DATABASE.all, 0));
        }
        return null;
    }

    /** The name of a role by OID, null when there is none (an ACL then shows the OID). */
    public String roleName(int oid) {
        RoleDef r = roleByOid(oid);
        return r == null ? null : r.name();
    }

    /**
     * PostgreSQL's has_privs_of_role: {@code member} is {@code role}, or a superuser, or a member
     * of it through roles that all INHERIT.
     */
    public boolean hasPrivsOfRole(int member, int role) {
        if (member == role) {
            return true;
        }
        RoleDef m = roleByOid(member);
        if (m != null && m.superuser()) {
            return true;
        }
        return inheritsFrom(member, role, 0);
    }

    private boolean inheritsFrom(int member, int role, int depth) {
        if (member == role) {
            return true;
        }
        RoleDef m = roleByOid(member);
        if (depth > 64 || m == null || !m.inherit()) {
            return false;
        }
        for (Membership x : memberships) {
            if (x.member() == member && inheritsFrom(x.role(), role, depth + 1)) {
                return true;
            }
        }
        return false;
    }

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
