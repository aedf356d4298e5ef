package org.walden.sql.func;

import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Acl;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.RoleDef;

/**
 * EXECUTE on the built-in functions. PostgreSQL's initdb revokes it from PUBLIC on the server
 * administration functions (file access, backups, promotion, statistics resets), so only
 * superusers and the roles granted it (GRANT EXECUTE ON FUNCTION pg_ls_dir(text) TO ..., as
 * pg_rewind's documentation suggests for its source role) may call them; every other built-in
 * is PUBLIC's. A built-in function's ACL is stored like a user function's, under its OID, owned
 * by the bootstrap superuser. A grant on one signature of an administration function opens its
 * other signatures too.
 */
public final class BuiltinExecute {

    private static final Set<String> REVOKED_FROM_PUBLIC = Set.of("pg_ls_dir", "pg_stat_file", "pg_read_file",
            "pg_read_binary_file", "pg_backup_start", "pg_backup_stop", "pg_create_restore_point",
            "pg_current_logfile", "pg_promote", "pg_stat_reset", "pg_stat_reset_shared",
            "pg_stat_reset_single_table_counters", "walden_pause_writes", "walden_resume_writes");

    private BuiltinExecute() {
    }

    /** The ACL in force on a built-in function: the stored one, or the default PostgreSQL's initdb leaves. */
    public static List<Acl.Item> acl(DbCatalog cat, FunctionDef f) {
        List<Acl.Item> stored = cat.acl(DbCatalog.PG_PROC, f.oid, 0);
        if (stored != null) {
            return stored;
        }
        int owner = CatalogStore.BOOTSTRAP_SUPERUSER_OID;
        return REVOKED_FROM_PUBLIC.contains(f.name) ? List.of(new Acl.Item(owner, owner, Acl.EXECUTE, 0))
                : Acl.defaultAcl(Acl.ObjectType.FUNCTION, owner);
    }

    /** The built-ins whose EXECUTE initdb revoked from PUBLIC, with that initial ACL (pg_init_privs' rows). */
    public static java.util.Map<FunctionDef, List<Acl.Item>> initialPrivileges() {
        java.util.Map<FunctionDef, List<Acl.Item>> out = new java.util.LinkedHashMap<>();
        int owner = CatalogStore.BOOTSTRAP_SUPERUSER_OID;
        for (FunctionDef f : Builtins.allFunctions()) {
            if (REVOKED_FROM_PUBLIC.contains(f.name)) {
                out.put(f, List.of(new Acl.Item(owner, owner, Acl.EXECUTE, 0)));
            }
        }
        return out;
    }

    /** pg_proc.proacl of a built-in: null (PUBLIC's default) unless one is stored or initdb revoked PUBLIC's EXECUTE. */
    public static List<Acl.Item> shownAcl(DbCatalog cat, FunctionDef f) {
        List<Acl.Item> stored = cat.acl(DbCatalog.PG_PROC, f.oid, 0);
        return stored != null || !REVOKED_FROM_PUBLIC.contains(f.name) ? stored : acl(cat, f);
    }

    /** 42501 "permission denied for function NAME" unless the current user may execute one of NAME's signatures. */
    static void require(FnContext c, String function) {
        RoleDef me = c.catalog().role(c.currentUser());
        if (me != null && me.superuser()) {
            return;
        }
        if (me != null) {
            for (FunctionDef f : Builtins.functions(function)) {
                if (Acl.mask(acl(c.catalog(), f), me.oid(), Acl.EXECUTE, c.catalog().shared(), false) != 0) {
                    return;
                }
            }
        }
        throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for function " + function);
    }
}
