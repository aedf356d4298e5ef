package org.walden.sql.catalog;

import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * Which privileges a role holds on an object (PostgreSQL's pg_class_aclmask and friends): a
 * superuser holds all, a role with the privileges of the owner holds all the object's kind has,
 * others what the ACL (or the default ACL when none is stored) grants them, PUBLIC or a role
 * whose privileges they inherit. pg_read_all_data adds SELECT on relations and USAGE on schemas,
 * pg_write_all_data INSERT, UPDATE, DELETE and USAGE.
 */
public final class Privileges {

    public static final int READ_ALL_DATA = 6181;
    public static final int WRITE_ALL_DATA = 6182;

    private Privileges() {
    }

    private static boolean ownerOrSuper(SharedCatalog shared, int role, int owner) {
        return shared.hasPrivsOfRole(role, owner);
    }

    public static Acl.ObjectType typeOf(Relation r) {
        return r.kind() == Relation.SEQUENCE ? Acl.ObjectType.SEQUENCE : Acl.ObjectType.TABLE;
    }

    /** The privileges among {@code wanted} that {@code role} holds on relation {@code r} (not counting columns). */
    public static int relation(DbCatalog cat, Relation r, int role, int wanted) {
        SharedCatalog shared = cat.shared();
        if (r.virtual() || ownerOrSuper(shared, role, r.ownerOid())) {
            return r.virtual() ? wanted & Acl.SELECT : wanted;
        }
        int got = Acl.mask(Acl.effective(cat.acl(DbCatalog.PG_CLASS, r.oid(), 0), typeOf(r), r.ownerOid()), role,
                wanted, shared, false);
        if ((wanted & Acl.SELECT) != 0 && shared.hasPrivsOfRole(role, READ_ALL_DATA)) {
            got |= Acl.SELECT;
        }
        if ((wanted & (Acl.INSERT | Acl.UPDATE | Acl.DELETE)) != 0 && shared.hasPrivsOfRole(role, WRITE_ALL_DATA)) {
            got |= wanted & (Acl.INSERT | Acl.UPDATE | Acl.DELETE);
        }
        return got & wanted;
    }

    /** The privileges among {@code wanted} that {@code role} holds on column {@code attnum} (the table's included). */
    public static int column(DbCatalog cat, Relation r, int attnum, int role, int wanted) {
        int got = relation(cat, r, role, wanted);
        if (got == wanted) {
            return got;
        }
        List<Acl.Item> acl = cat.acl(DbCatalog.PG_CLASS, r.oid(), attnum);
        return acl == null ? got : got | Acl.mask(acl, role, wanted, cat.shared(), false);
    }

    /** True when {@code role} holds {@code wanted} on the table or on at least one of its columns. */
    public static boolean anyColumn(DbCatalog cat, Relation r, int role, int wanted) {
        if (relation(cat, r, role, wanted) != 0) {
            return true;
        }
        for (Attribute a : r.columns()) {
            if (!a.dropped() && column(cat, r, a.attnum(), role, wanted) != 0) {
                return true;
            }
        }
        return false;
    }

    /** The grant options among {@code wanted} that {@code role} holds on an object with that ACL and owner. */
    public static int grantOptions(SharedCatalog shared, List<Acl.Item> acl, Acl.ObjectType type, int owner, int role,
                                   int wanted) {
        if (ownerOrSuper(shared, role, owner)) {
            return wanted;
        }
        return Acl.mask(Acl.effective(acl, type, owner), role, wanted, shared, true);
    }

    public static int namespace(DbCatalog cat, Namespace n, int role, int wanted) {
        SharedCatalog shared = cat.shared();
        if (n.isSystem() || ownerOrSuper(shared, role, n.ownerOid())) {
            return n.isSystem() ? wanted & Acl.USAGE : wanted;
        }
        List<Acl.Item> stored = cat.acl(DbCatalog.PG_NAMESPACE, n.oid(), 0);
        List<Acl.Item> acl = stored != null ? stored : n.oid() == Namespace.PUBLIC ? publicSchemaAcl()
                : Acl.defaultAcl(Acl.ObjectType.SCHEMA, n.ownerOid());
        int got = Acl.mask(acl, role, wanted, shared, false);
        if (n.ownerOid() == CatalogStore.DATABASE_OWNER_ROLE_OID
                && shared.hasPrivsOfRole(role, cat.database().ownerOid())) {
            got |= wanted;
        }
        if ((wanted & Acl.USAGE) != 0 && (shared.hasPrivsOfRole(role, READ_ALL_DATA)
                || shared.hasPrivsOfRole(role, WRITE_ALL_DATA))) {
            got |= Acl.USAGE;
        }
        return got & wanted;
    }

    /** initdb's ACL of the public schema: pg_database_owner has all, PUBLIC has USAGE. */
    public static List<Acl.Item> publicSchemaAcl() {
        int o = CatalogStore.DATABASE_OWNER_ROLE_OID;
        return List.of(new Acl.Item(o, o, Acl.USAGE | Acl.CREATE, 0), new Acl.Item(Acl.PUBLIC, o, Acl.USAGE, 0));
    }

    public static int function(DbCatalog cat, Routine f, int role, int wanted) {
        if (ownerOrSuper(cat.shared(), role, f.ownerOid())) {
            return wanted;
        }
        return Acl.mask(Acl.effective(cat.acl(DbCatalog.PG_PROC, f.oid(), 0), Acl.ObjectType.FUNCTION,
                f.ownerOid()), role, wanted, cat.shared(), false);
    }

    public static int database(SharedCatalog shared, DatabaseDef d, int role, int wanted) {
        if (ownerOrSuper(shared, role, d.ownerOid())) {
            return wanted;
        }
        return Acl.mask(Acl.effective(shared.effectiveDatabaseAcl(d), Acl.ObjectType.DATABASE, d.ownerOid()), role,
                wanted, shared, false);
    }

    /**
     * Raises 42501 unless {@code role} holds one of {@code anyOf} on the table, or on each of the
     * columns (0-based indexes; null for none) when {@code anyOf} is a column privilege.
     */
    public static void requireRelation(DbCatalog cat, Relation r, RoleDef role, int anyOf, int[] columns) {
        if (role == null || role.superuser() || relation(cat, r, role.oid(), anyOf) != 0) {
            return;
        }
        boolean ok = columns != null && columns.length > 0;
        for (int i = 0; columns != null && i < columns.length; i++) {
            ok &= column(cat, r, r.column(columns[i]).attnum(), role.oid(), anyOf) != 0;
        }
        if (!ok) {
            throw denied(kindWord(r), r.name());
        }
    }

    /** 42501 "permission denied for table t" (view, sequence, schema, function, database). */
    public static PgException denied(String kind, String name) {
        return new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for " + kind + " " + name);
    }

    public static String kindWord(Relation r) {
        return switch (r.kind()) {
            case Relation.VIEW -> "view";
            case Relation.SEQUENCE -> "sequence";
            default -> "table";
        };
    }
}
