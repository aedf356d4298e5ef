package org.walden.sql.command;

import java.time.Instant;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.auth.Md5Password;
import org.walden.common.auth.ScramSha256;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.SharedCatalog;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * CREATE / ALTER / DROP ROLE and GRANT / REVOKE role membership (PostgreSQL's user.c): role
 * attributes with their permission rules (CREATEROLE for most, superuser for SUPERUSER,
 * REPLICATION and BYPASSRLS), passwords stored as SCRAM-SHA-256 or md5 verifiers as
 * password_encryption says, and pg_auth_members.
 */
final class RoleCommands extends DdlSupport {

    RoleCommands(CommandContext ctx) {
        super(ctx);
    }

    private void requireCreateRole(String what) {
        RoleDef me = ctx.currentRole();
        if (me == null || !(me.superuser() || me.createRole())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to " + what);
        }
    }

    private SharedCatalog shared() {
        return catalog().shared();
    }

    String roleStmt(Tree.RoleStmt r) {
        CatalogWriter w = ctx.writer();
        if (r.create()) {
            requireCreateRole("create role");
            if (r.name().startsWith("pg_")) {
                throw new PgException(SqlState.RESERVED_NAME, "role name \"" + r.name() + "\" is reserved")
                        .withDetail("Role names starting with \"pg_\" are reserved.");
            }
            if (w.lockRole(r.name()) != null) {
                throw new PgException(SqlState.DUPLICATE_OBJECT, "role \"" + r.name() + "\" already exists");
            }
            RoleDef role = applyOptions(new RoleDef(w.allocateOid(), r.name(), false, true, false, false, r.isUser(),
                    false, false, -1, null, null), r.options());
            w.putRole(role);
            return "CREATE ROLE";
        }
        if (w.lockRole(r.name()) == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + r.name() + "\" does not exist");
        }
        RoleDef current = shared().role(r.name());
        if (current == null) {
            throw new PgException(SqlState.SERIALIZATION_FAILURE, "role \"" + r.name()
                    + "\" was changed concurrently; retry");
        }
        if (r.renameTo() != null) {
            requireCreateRole("rename role");
            if (r.name().equals(ctx.fn().sessionUser())) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "session user cannot be renamed");
            }
            if (w.lockRole(r.renameTo()) != null) {
                throw new PgException(SqlState.DUPLICATE_OBJECT, "role \"" + r.renameTo() + "\" already exists");
            }
            w.deleteRole(r.name());
            w.putRole(new RoleDef(current.oid(), r.renameTo(), current.superuser(), current.inherit(),
                    current.createRole(), current.createDb(), current.canLogin(), current.replication(),
                    current.bypassRls(), current.connectionLimit(),
                    Md5Password.isMd5Verifier(current.passwordVerifier()) ? null : current.passwordVerifier(),
                    current.validUntil()));
            return "ALTER ROLE";
        }
        boolean onlyOwnPassword = r.name().equals(ctx.fn().currentUser()) && r.options().stream()
                .allMatch(o -> o.name().equals("password"));
        if (!onlyOwnPassword) {
            requireCreateRole("alter role");
        }
        w.putRole(applyOptions(current, r.options()));
        return "ALTER ROLE";
    }

    private RoleDef applyOptions(RoleDef r, List<Tree.RoleOption> options) {
        boolean superuser = r.superuser();
        boolean inherit = r.inherit();
        boolean createRole = r.createRole();
        boolean createDb = r.createDb();
        boolean login = r.canLogin();
        boolean replication = r.replication();
        boolean bypassRls = r.bypassRls();
        int limit = r.connectionLimit();
        String password = r.passwordVerifier();
        Instant validUntil = r.validUntil();
        for (Tree.RoleOption o : options) {
            switch (o.name()) {
                case "superuser" -> superuser = (Boolean) o.value();
                case "inherit" -> inherit = (Boolean) o.value();
                case "createrole" -> createRole = (Boolean) o.value();
                case "createdb" -> createDb = (Boolean) o.value();
                case "login" -> login = (Boolean) o.value();
                case "replication" -> replication = (Boolean) o.value();
                case "bypassrls" -> bypassRls = (Boolean) o.value();
                case "connlimit" -> limit = (Integer) o.value();
                case "password" -> password = o.value() == null ? null : verifierFor((String) o.value(), r.name());
                case "validuntil" -> validUntil = "infinity".equalsIgnoreCase((String) o.value()) ? null
                        : (Instant) Values.parseText(PgType.TIMESTAMPTZ, (String) o.value(), ctx.fn().zone());
                default -> {
                }
            }
        }
        if (superuser != r.superuser() || replication != r.replication() || bypassRls != r.bypassRls()) {
            RoleDef me = ctx.currentRole();
            if (me == null || !me.superuser()) {
                throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE,
                        "must be superuser to change superuser, replication or bypassrls attributes");
            }
        }
        return new RoleDef(r.oid(), r.name(), superuser, inherit, createRole, createDb, login, replication, bypassRls,
                limit, password, validUntil);
    }

    /** An existing SCRAM or md5 verifier is kept; a plain password is hashed as password_encryption says. */
    private String verifierFor(String password, String roleName) {
        if (ScramSha256.parseVerifier(password) != null || Md5Password.isMd5Verifier(password)) {
            return password;
        }
        if (password.isEmpty()) {
            ctx.notice(notice(SqlState.INVALID_PASSWORD, "empty string is not a valid password, clearing password"));
            return null;
        }
        String method;
        try {
            method = ctx.fn().settings().show("password_encryption");
        } catch (PgException e) {
            method = "scram-sha-256";
        }
        return method.equalsIgnoreCase("md5") ? Md5Password.verifier(password, roleName)
                : ScramSha256.newVerifierText(password);
    }

    String drop(Tree.DropRoleStmt d) {
        requireCreateRole("drop role");
        CatalogWriter w = ctx.writer();
        for (String name : d.names()) {
            if (name.equals(ctx.fn().currentUser()) || name.equals(ctx.fn().sessionUser())) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "current user cannot be dropped");
            }
            RoleDef existing = shared().role(name);
            if (existing != null && (existing.oid() == CatalogStore.BOOTSTRAP_SUPERUSER_OID
                    || CatalogStore.PREDEFINED_ROLES.contains(existing))) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "cannot drop role " + name
                        + " because it is required by the database system");
            }
            if (w.lockRole(name) == null) {
                if (d.ifExists()) {
                    ctx.notice(notice(SqlState.UNDEFINED_OBJECT, "role \"" + name + "\" does not exist, skipping"));
                    continue;
                }
                throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + name + "\" does not exist");
            }
            for (var db : shared().databases().values()) {
                if (existing != null && db.ownerOid() == existing.oid()) {
                    throw new PgException(SqlState.DEPENDENT_OBJECTS_STILL_EXIST, "role \"" + name
                            + "\" cannot be dropped because some objects depend on it")
                            .withDetail("owner of database " + db.name());
                }
            }
            if (existing != null) {
                List<String> privileges = privilegesHeld(existing.oid());
                if (!privileges.isEmpty()) {
                    throw new PgException(SqlState.DEPENDENT_OBJECTS_STILL_EXIST, "role \"" + name
                            + "\" cannot be dropped because some objects depend on it")
                            .withDetail(String.join("\n", privileges));
                }
            }
            for (SharedCatalog.Membership m : shared().memberships()) {
                if (existing != null && (m.role() == existing.oid() || m.member() == existing.oid())) {
                    w.deleteMembership(m.role(), m.member());
                }
            }
            w.deleteRole(name);
        }
        return "DROP ROLE";
    }

    /**
     * The objects of this database (and the databases) whose ACL names the role, as DROP ROLE's
     * DETAIL lists them ("privileges for table t"); PostgreSQL also reports other databases' objects.
     */
    private List<String> privilegesHeld(int role) {
        List<String> out = new java.util.ArrayList<>();
        var cat = catalog();
        for (var d : shared().databasesInOrder()) {
            if (names(shared().databaseAcl(d.oid()), role)) {
                out.add("privileges for database " + d.name());
            }
        }
        for (var n : cat.namespaces().stream().sorted(java.util.Comparator.comparingInt(
                org.walden.sql.catalog.Namespace::oid)).toList()) {
            if (names(cat.acl(org.walden.sql.catalog.DbCatalog.PG_NAMESPACE, n.oid(), 0), role)) {
                out.add("privileges for schema " + n.name());
            }
        }
        for (var r : sorted(cat.relations())) {
            if (names(cat.acl(org.walden.sql.catalog.DbCatalog.PG_CLASS, r.oid(), 0), role)) {
                out.add("privileges for " + kindName(r.kind()) + " " + r.name());
            }
            for (var a : r.columns()) {
                if (names(cat.acl(org.walden.sql.catalog.DbCatalog.PG_CLASS, r.oid(), a.attnum()), role)) {
                    out.add("privileges for column " + a.name() + " of " + kindName(r.kind()) + " " + r.name());
                }
            }
        }
        for (var f : cat.routines().stream().sorted(java.util.Comparator.comparingInt(
                org.walden.sql.catalog.Routine::oid)).toList()) {
            if (names(cat.acl(org.walden.sql.catalog.DbCatalog.PG_PROC, f.oid(), 0), role)) {
                List<String> args = new java.util.ArrayList<>();
                for (int t : f.argTypeOids()) {
                    PgType type = PgType.byOid(t);
                    args.add(type == null ? String.valueOf(t) : type.formatType(-1));
                }
                out.add("privileges for function " + f.name() + "(" + String.join(",", args) + ")");
            }
        }
        for (var d : cat.defaultAcls()) {
            if (d.role() == role || names(d.acl(), role)) {
                out.add("privileges for default privileges");
            }
        }
        return out;
    }

    private static boolean names(List<org.walden.sql.catalog.Acl.Item> acl, int role) {
        if (acl == null) {
            return false;
        }
        for (var i : acl) {
            if (i.grantee() == role || i.grantor() == role) {
                return true;
            }
        }
        return false;
    }

    String grant(Tree.GrantRoleStmt g) {
        RoleDef me = ctx.currentRole();
        CatalogWriter w = ctx.writer();
        for (String roleName : g.roles()) {
            RoleDef role = shared().role(roleName);
            if (role == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + roleName + "\" does not exist");
            }
            if (!me.superuser() && !me.createRole()) {
                throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must have admin option on role \""
                        + roleName + "\"");
            }
            for (String memberName : g.members()) {
                RoleDef member = shared().role(memberName);
                if (member == null) {
                    throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + memberName + "\" does not exist");
                }
                SharedCatalog.Membership existing = shared().memberships().stream()
                        .filter(m -> m.role() == role.oid() && m.member() == member.oid()).findFirst().orElse(null);
                if (g.grant() && existing != null && (!g.adminOption() || existing.adminOption())) {
                    ctx.notice(notice(SqlState.SUCCESSFUL_COMPLETION, "role \"" + memberName
                            + "\" is already a member of role \"" + roleName + "\""));
                } else if (g.grant()) {
                    if (shared().isMemberOf(role.oid(), member.oid())) {
                        throw new PgException(SqlState.INVALID_GRANT_OPERATION, "role \"" + roleName
                                + "\" is a member of role \"" + memberName + "\"");
                    }
                    w.putMembership(new SharedCatalog.Membership(role.oid(), member.oid(), me.oid(), g.adminOption()));
                } else if (!w.deleteMembership(role.oid(), member.oid())) {
                    ctx.notice(new PgException(PgException.Severity.WARNING, SqlState.WARNING, "role \"" + memberName
                            + "\" has not been granted membership in role \"" + roleName + "\" by role \""
                            + me.name() + "\"", null, null, null));
                }
            }
        }
        return g.grant() ? "GRANT ROLE" : "REVOKE ROLE";
    }
}
