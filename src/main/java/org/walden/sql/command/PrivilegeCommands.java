package org.walden.sql.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Acl;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Privileges;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.Routine;
import org.walden.sql.types.PgType;
import org.walden.sql.func.BuiltinExecute;
import org.walden.sql.func.Builtins;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.catalog.SharedCatalog;
import org.walden.sql.catalog.TablespaceDef;
import org.walden.sql.parse.Tree;

/**
 * GRANT / REVOKE of privileges on tables, views, sequences and their columns, schemas, functions
 * and databases, and ALTER DEFAULT PRIVILEGES (PostgreSQL's aclchk.c): the grantor is the owner
 * when the current user has the owner's privileges, else the current user, who must hold the
 * grant options; what it may not grant draws PostgreSQL's warnings ("no privileges were granted
 * for ..."), and REVOKE of a grant option others were granted with needs CASCADE.
 */
final class PrivilegeCommands extends DdlSupport {

    PrivilegeCommands(CommandContext ctx) {
        super(ctx);
    }

    private SharedCatalog shared() {
        return catalog().shared();
    }

    private RoleDef me() {
        return ctx.currentRole();
    }

    /** An object a GRANT names: its ACL's place, owner, kind, name for messages and its ACL. */
    private record Target(int classOid, int oid, Acl.ObjectType type, int owner, String name, List<Acl.Item> acl,
                          Relation relation, DatabaseDef database) {
    }

    /** The built-in function of that name and argument types (the only one of the name when none are given), or null. */
    private FunctionDef builtin(String name, List<Tree.TypeName> args) {
        List<FunctionDef> all = Builtins.functions(name);
        if (args == null) {
            return all.size() == 1 ? all.get(0) : null;
        }
        org.walden.sql.analyze.Analyzer an = new org.walden.sql.analyze.Analyzer(ctx.analyzerEnv());
        List<PgType> types = new ArrayList<>();
        for (Tree.TypeName t : args) {
            types.add(an.typeName(t).type());
        }
        return Builtins.function(name, types.toArray(PgType[]::new));
    }

    String grant(Tree.GrantStmt g) {
        List<Integer> grantees = grantees(g.grantees());
        if (g.grantedBy() != null) {
            int by = roleOid(g.grantedBy());
            if (by != me().oid()) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "grantor must be current user");
            }
        }
        for (Target t : targets(g)) {
            applyTo(g, t, grantees);
        }
        ctx.catalogChanged();
        return g.grant() ? "GRANT" : "REVOKE";
    }

    private List<Integer> grantees(List<String> names) {
        List<Integer> out = new ArrayList<>();
        for (String n : names) {
            out.add(n == null ? Acl.PUBLIC : roleOid(n));
        }
        return out;
    }

    private int roleOid(String name) {
        if (Tree.GrantStmt.CURRENT_USER.equals(name)) {
            return me().oid();
        }
        if (Tree.GrantStmt.SESSION_USER.equals(name)) {
            return shared().role(ctx.fn().sessionUser()).oid();
        }
        RoleDef r = shared().role(name);
        if (r == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + name + "\" does not exist");
        }
        return r.oid();
    }

    // ---------------------------------------------------------------- objects

    private List<Target> targets(Tree.GrantStmt g) {
        List<Target> out = new ArrayList<>();
        DbCatalog cat = catalog();
        switch (g.objectType()) {
            case "table", "sequence" -> {
                boolean sequences = g.objectType().equals("sequence");
                if (g.inSchemas()) {
                    for (List<String> s : g.objects()) {
                        Namespace ns = ctx.lookup().requireNamespace(s.get(0));
                        for (Relation r : sorted(cat.relations())) {
                            if (r.namespaceOid() == ns.oid() && (r.kind() == Relation.SEQUENCE) == sequences) {
                                out.add(relationTarget(r));
                            }
                        }
                    }
                    break;
                }
                for (List<String> name : g.objects()) {
                    String schema = name.size() > 1 ? name.get(name.size() - 2) : null;
                    Relation r = findRelation(schema, name.get(name.size() - 1));
                    if (r == null) {
                        throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + String.join(".", name)
                                + "\" does not exist");
                    }
                    if (sequences && r.kind() != Relation.SEQUENCE) {
                        throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + r.name() + "\" is not a sequence");
                    }
                    out.add(relationTarget(r));
                }
            }
            case "schema" -> {
                for (List<String> name : g.objects()) {
                    Namespace n = ctx.lookup().namespace(name.get(0));
                    if (n == null) {
                        throw new PgException(SqlState.INVALID_SCHEMA_NAME, "schema \"" + name.get(0)
                                + "\" does not exist");
                    }
                    List<Acl.Item> acl = cat.acl(DbCatalog.PG_NAMESPACE, n.oid(), 0);
                    if (acl == null && n.oid() == Namespace.PUBLIC) {
                        acl = Privileges.publicSchemaAcl();
                    }
                    out.add(new Target(DbCatalog.PG_NAMESPACE, n.oid(), Acl.ObjectType.SCHEMA, n.ownerOid(), n.name(),
                            acl, null, null));
                }
            }
            case "function" -> {
                List<Routine> routines = new ArrayList<>();
                if (g.inSchemas()) {
                    for (List<String> s : g.objects()) {
                        Namespace ns = ctx.lookup().requireNamespace(s.get(0));
                        cat.routines().stream().filter(f -> f.namespaceOid() == ns.oid())
                                .sorted(java.util.Comparator.comparingInt(Routine::oid)).forEach(routines::add);
                    }
                } else {
                    FunctionCommands f = new FunctionCommands(ctx);
                    for (Tree.FunctionRef ref : g.functions()) {
                        String schema = ref.name().size() > 1 ? ref.name().get(ref.name().size() - 2) : null;
                        String name = ref.name().get(ref.name().size() - 1);
                        FunctionDef builtin = schema == null || schema.equals("pg_catalog") ? builtin(name, ref.args())
                                : null;
                        if (builtin != null) {
                            out.add(new Target(DbCatalog.PG_PROC, builtin.oid, Acl.ObjectType.FUNCTION,
                                    CatalogStore.BOOTSTRAP_SUPERUSER_OID, builtin.name, BuiltinExecute.acl(cat, builtin),
                                    null, null));
                        } else {
                            routines.add(f.resolve(schema, name, ref.args(), false));
                        }
                    }
                }
                for (Routine f : routines) {
                    out.add(new Target(DbCatalog.PG_PROC, f.oid(), Acl.ObjectType.FUNCTION, f.ownerOid(), f.name(),
                            cat.acl(DbCatalog.PG_PROC, f.oid(), 0), null, null));
                }
            }
            case "database" -> {
                for (List<String> name : g.objects()) {
                    DatabaseDef d = shared().database(name.get(0));
                    if (d == null) {
                        throw new PgException(SqlState.INVALID_CATALOG_NAME, "database \"" + name.get(0)
                                + "\" does not exist");
                    }
                    out.add(new Target(0, d.oid(), Acl.ObjectType.DATABASE, d.ownerOid(), d.name(),
                            shared().effectiveDatabaseAcl(d), null, d));
                }
            }
            case "tablespace" -> {
                for (List<String> name : g.objects()) {
                    TablespaceDef t = shared().tablespace(name.get(0));
                    if (t == null) {
                        throw new PgException(SqlState.UNDEFINED_OBJECT, "tablespace \"" + name.get(0)
                                + "\" does not exist");
                    }
                    out.add(new Target(TablespaceCommands.PG_TABLESPACE, t.oid(), Acl.ObjectType.TABLESPACE,
                            t.ownerOid(), t.name(), t.acl(), null, null));
                }
            }
            default -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "GRANT on " + g.objectType()
                    + " is not supported");
        }
        return out;
    }

    private Target relationTarget(Relation r) {
        if (r.virtual()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "privileges on system catalogs are not supported");
        }
        return new Target(DbCatalog.PG_CLASS, r.oid(), Privileges.typeOf(r), r.ownerOid(), r.name(),
                catalog().acl(DbCatalog.PG_CLASS, r.oid(), 0), r, null);
    }

    // ---------------------------------------------------------------- privileges

    /** The privilege bits a GRANT names for an object type; 0LP01 for one the type does not have. */
    static int privilegeBits(List<Tree.Privilege> privileges, Acl.ObjectType type, boolean columns) {
        if (privileges == null) {
            return type.all;
        }
        int bits = 0;
        for (Tree.Privilege p : privileges) {
            if ((p.columns() != null) != columns) {
                continue;
            }
            int bit = Acl.privilegeOf(p.name());
            Acl.ObjectType checked = p.columns() != null ? Acl.ObjectType.COLUMN : type;
            if (bit == 0 || (checked.all & bit) == 0) {
                String shown = p.name().toUpperCase(Locale.ROOT);
                if (bit == 0 && !List.of("set", "alter system").contains(p.name())) {
                    throw new PgException(SqlState.SYNTAX_ERROR, "unrecognized privilege type \"" + p.name() + "\"");
                }
                throw new PgException(SqlState.INVALID_GRANT_OPERATION, "invalid privilege type " + shown + " for "
                        + (checked == Acl.ObjectType.TABLE && bit != Acl.USAGE ? "relation" : checked.word));
            }
            bits |= bit;
        }
        return bits;
    }

    private void applyTo(Tree.GrantStmt g, Target t, List<Integer> grantees) {
        Acl.ObjectType type = t.type();
        boolean onSequenceAsTable = type == Acl.ObjectType.SEQUENCE && g.objectType().equals("table");
        int privileges;
        if (onSequenceAsTable && g.privileges() != null) {
            // GRANT ... ON TABLE of a sequence: the privileges a sequence has, a warning for the rest
            int asked = privilegeBits(g.privileges(), Acl.ObjectType.TABLE, false)
                    | privilegeBitsLenient(g.privileges());
            privileges = asked & type.all;
            if (privileges != asked) {
                ctx.notice(new PgException(PgException.Severity.WARNING, SqlState.WARNING, "sequence \"" + t.name()
                        + "\" only supports USAGE, SELECT, and UPDATE privileges", null, null, null));
            }
        } else {
            privileges = privilegeBits(g.privileges(), type, false);
        }
        int columnPrivileges = type == Acl.ObjectType.TABLE && g.privileges() != null
                ? privilegeBits(g.privileges(), type, true) : 0;
        boolean allPrivileges = g.privileges() == null;
        int me = me().oid();
        boolean owner = shared().hasPrivsOfRole(me, t.owner());
        int grantor = owner ? t.owner() : me;
        List<Acl.Item> acl = Acl.effective(t.acl(), type, t.owner());
        if (privileges != 0 || allPrivileges) {
            int allowed = checkGrant(g, t, grantor, privileges, allPrivileges, null);
            acl = change(g, acl, grantees, grantor, allowed, t.owner());
            write(t, 0, acl);
        }
        if (t.relation() != null && (columnPrivileges != 0 || (!g.grant() && privileges != 0))) {
            columns(g, t, grantees, grantor, columnPrivileges, privileges & Acl.ObjectType.COLUMN.all);
        }
    }

    /** Privileges named in a GRANT ON TABLE of a sequence (USAGE among them). */
    private static int privilegeBitsLenient(List<Tree.Privilege> privileges) {
        int bits = 0;
        for (Tree.Privilege p : privileges) {
            if (p.columns() == null) {
                bits |= Acl.privilegeOf(p.name());
            }
        }
        return bits;
    }

    /**
     * PostgreSQL's restrict_and_check_grant: the privileges the grantor holds grant options for;
     * 42501 when it holds none and no privilege at all, warnings when fewer than asked.
     */
    private int checkGrant(Tree.GrantStmt g, Target t, int grantor, int privileges, boolean all, String column) {
        Acl.ObjectType type = column != null ? Acl.ObjectType.COLUMN : t.type();
        List<Acl.Item> acl = column != null ? columnAcl(t, column) : t.acl();
        int options = column != null
                ? Privileges.grantOptions(shared(), acl == null ? List.of() : acl, type, t.owner(), grantor, privileges)
                | Privileges.grantOptions(shared(), t.acl(), t.type(), t.owner(), grantor, privileges)
                : Privileges.grantOptions(shared(), acl, type, t.owner(), grantor, privileges);
        String what = column != null ? "column \"" + column + "\" of relation \"" + t.name() + "\""
                : "\"" + t.name() + "\"";
        if (options == 0) {
            List<Acl.Item> effective = Acl.effective(t.acl(), t.type(), t.owner());
            int whole = t.type().all;
            if (Acl.mask(effective, grantor, whole, shared(), false) == 0
                    && Acl.mask(effective, grantor, whole, shared(), true) == 0 && !columnHeld(t, grantor)) {
                throw Privileges.denied(t.relation() != null ? Privileges.kindWord(t.relation())
                        : t.type().word, t.name());
            }
        }
        int allowed = privileges & options;
        if (g.grant()) {
            if (allowed == 0) {
                warn(SqlState.PRIVILEGE_NOT_GRANTED, "no privileges were granted for " + what);
            } else if (!all && allowed != privileges) {
                warn(SqlState.PRIVILEGE_NOT_GRANTED, "not all privileges were granted for " + what);
            }
        } else {
            if (allowed == 0) {
                warn(SqlState.PRIVILEGE_NOT_REVOKED, "no privileges could be revoked for " + what);
            } else if (!all && allowed != privileges) {
                warn(SqlState.PRIVILEGE_NOT_REVOKED, "not all privileges could be revoked for " + what);
            }
        }
        return allowed;
    }

    private boolean columnHeld(Target t, int role) {
        if (t.relation() == null) {
            return false;
        }
        for (Attribute a : t.relation().columns()) {
            List<Acl.Item> acl = catalog().acl(DbCatalog.PG_CLASS, t.oid(), a.attnum());
            if (acl != null && Acl.mask(acl, role, Acl.ObjectType.COLUMN.all, shared(), false) != 0) {
                return true;
            }
        }
        return false;
    }

    private List<Acl.Item> columnAcl(Target t, String column) {
        int i = t.relation().columnIndex(column);
        return catalog().acl(DbCatalog.PG_CLASS, t.oid(), t.relation().column(i).attnum());
    }

    private void warn(SqlState state, String message) {
        ctx.notice(new PgException(PgException.Severity.WARNING, state, message, null, null, null));
    }

    private static List<Acl.Item> change(Tree.GrantStmt g, List<Acl.Item> acl, List<Integer> grantees, int grantor,
                                         int privileges, int owner) {
        if (privileges == 0) {
            return acl;
        }
        for (int grantee : grantees) {
            if (g.grant()) {
                if (g.grantOption() && grantee == Acl.PUBLIC) {
                    throw new PgException(SqlState.INVALID_GRANT_OPERATION,
                            "grant options can only be granted to roles");
                }
                acl = Acl.grant(acl, grantee, grantor, privileges, g.grantOption());
            } else {
                acl = Acl.revoke(acl, grantee, grantor, privileges, g.grantOption(), g.cascade(), owner);
            }
        }
        return acl;
    }

    /** Column privileges: those named with columns, and on REVOKE of the table's the same on every column. */
    private void columns(Tree.GrantStmt g, Target t, List<Integer> grantees, int grantor, int named, int tableLevel) {
        Relation r = t.relation();
        for (Attribute a : r.columns()) {
            if (a.dropped()) {
                continue;
            }
            int bits = g.grant() ? 0 : tableLevel;
            for (Tree.Privilege p : g.privileges() == null ? List.<Tree.Privilege>of() : g.privileges()) {
                if (p.columns() != null && p.columns().contains(a.name())) {
                    bits |= Acl.privilegeOf(p.name());
                }
            }
            if (bits == 0) {
                continue;
            }
            boolean named2 = (named & bits) != 0;
            int allowed = named2 ? checkGrant(g, t, grantor, bits, false, a.name()) : bits;
            List<Acl.Item> acl = catalog().acl(DbCatalog.PG_CLASS, r.oid(), a.attnum());
            List<Acl.Item> changed = change(g, acl == null ? List.of() : acl, grantees, grantor, allowed, t.owner());
            if (acl != null || !changed.isEmpty()) {
                // an empty column ACL is stored as none (attacl NULL), as PostgreSQL's ExecGrant_Attribute
                ctx.writer().putAcl(DbCatalog.PG_CLASS, r.oid(), a.attnum(), changed.isEmpty() ? null : changed);
            }
        }
        for (Tree.Privilege p : g.privileges() == null ? List.<Tree.Privilege>of() : g.privileges()) {
            for (String c : p.columns() == null ? List.<String>of() : p.columns()) {
                if (r.columnIndex(c) < 0) {
                    throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + c + "\" of relation \""
                            + r.name() + "\" does not exist");
                }
            }
        }
    }

    private void write(Target t, int subId, List<Acl.Item> acl) {
        if (t.type() == Acl.ObjectType.DATABASE) {
            ctx.writer().putDatabaseAcl(t.oid(), acl);
        } else if (t.type() == Acl.ObjectType.TABLESPACE) {
            ctx.writer().putTablespace(shared().tablespaceByOid(t.oid()).withAcl(acl));
        } else {
            ctx.writer().putAcl(t.classOid(), t.oid(), subId, acl);
        }
    }

    // ---------------------------------------------------------------- ALTER DEFAULT PRIVILEGES

    String alterDefaultPrivileges(Tree.AlterDefaultPrivilegesStmt s) {
        Tree.GrantStmt g = s.action();
        Acl.ObjectType type = switch (g.objectType()) {
            case "tables" -> Acl.ObjectType.TABLE;
            case "sequences" -> Acl.ObjectType.SEQUENCE;
            case "functions", "routines" -> Acl.ObjectType.FUNCTION;
            case "schemas" -> Acl.ObjectType.SCHEMA;
            default -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "default privileges on types are not "
                    + "supported");
        };
        if (type == Acl.ObjectType.SCHEMA && !s.schemas().isEmpty()) {
            throw new PgException(SqlState.INVALID_GRANT_OPERATION,
                    "cannot use IN SCHEMA clause when using GRANT/REVOKE ON SCHEMAS");
        }
        int privileges = privilegeBits(g.privileges(), type, false);
        List<Integer> grantees = grantees(g.grantees());
        List<Integer> roles = new ArrayList<>();
        for (String r : s.roles().isEmpty() ? List.of(me().name()) : s.roles()) {
            int oid = roleOid(r);
            if (!shared().hasPrivsOfRole(me().oid(), oid)) {
                throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to change default "
                        + "privileges");
            }
            roles.add(oid);
        }
        List<Integer> schemas = new ArrayList<>();
        for (String n : s.schemas()) {
            schemas.add(ctx.lookup().requireNamespace(n).oid());
        }
        if (schemas.isEmpty()) {
            schemas.add(0);
        }
        char letter = type == Acl.ObjectType.FUNCTION ? 'f' : type == Acl.ObjectType.SEQUENCE ? 'S'
                : type == Acl.ObjectType.SCHEMA ? 'n' : 'r';
        for (int role : roles) {
            for (int ns : schemas) {
                List<Acl.Item> stored = null;
                for (DbCatalog.DefaultAcl d : catalog().defaultAcls()) {
                    if (d.role() == role && d.namespaceOid() == ns && d.objectType() == letter) {
                        stored = d.acl();
                    }
                }
                // a global entry starts from the built-in default; a per-schema one from nothing
                List<Acl.Item> base = stored != null ? stored : ns == 0 ? Acl.defaultAcl(type, role) : List.of();
                List<Acl.Item> acl = change(g, base, grantees, role, privileges, role);
                boolean isDefault = ns == 0 ? sameItems(acl, Acl.defaultAcl(type, role)) : acl.isEmpty();
                ctx.writer().putDefaultAcl(role, ns, letter, isDefault ? null : acl);
            }
        }
        ctx.catalogChanged();
        return "ALTER DEFAULT PRIVILEGES";
    }

    private static boolean sameItems(List<Acl.Item> a, List<Acl.Item> b) {
        return a.size() == b.size() && a.containsAll(b);
    }

    /**
     * The ACL a new object gets from pg_default_acl (null when none applies): the owner's global
     * entry (or the built-in default) with its entry for the schema added.
     */
    static List<Acl.Item> initialAcl(DbCatalog cat, Acl.ObjectType type, int owner, int namespaceOid) {
        char letter = type == Acl.ObjectType.FUNCTION ? 'f' : type == Acl.ObjectType.SEQUENCE ? 'S'
                : type == Acl.ObjectType.SCHEMA ? 'n' : 'r';
        List<Acl.Item> global = null;
        List<Acl.Item> schema = null;
        for (DbCatalog.DefaultAcl d : cat.defaultAcls()) {
            if (d.role() == owner && d.objectType() == letter) {
                if (d.namespaceOid() == 0) {
                    global = d.acl();
                } else if (d.namespaceOid() == namespaceOid) {
                    schema = d.acl();
                }
            }
        }
        if (global == null && schema == null) {
            return null;
        }
        List<Acl.Item> acl = new ArrayList<>(global != null ? global : Acl.defaultAcl(type, owner));
        for (Acl.Item i : schema == null ? List.<Acl.Item>of() : schema) {
            acl = Acl.grant(acl, i.grantee(), i.grantor(), i.privileges(), false);
            if (i.grantOptions() != 0) {
                acl = Acl.grant(acl, i.grantee(), i.grantor(), i.grantOptions(), true);
            }
        }
        return acl;
    }
}
