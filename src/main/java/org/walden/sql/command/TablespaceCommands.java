package org.walden.sql.command;

import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Acl;
import org.walden.sql.catalog.CatalogStorage;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.SharedCatalog;
import org.walden.sql.catalog.TablespaceDef;
import org.walden.sql.parse.Tree;
import org.walden.wal.TablespaceRecords;

/**
 * CREATE, DROP and ALTER TABLESPACE, and the choice of a new relation's tablespace (PostgreSQL's
 * tablespace.c and GetDefaultTablespace). A tablespace is a shared catalog row (pg_tablespace)
 * and its directories, made and removed by the server ({@code ServerStatus.createTablespace},
 * WAL-logged so standbys make them too). A relation or index in a tablespace other than its
 * database's default records it (pg_class.reltablespace), and its storage is placed there when
 * made ({@code DdlSupport.newStorage}): its rows are stored in the tablespace's column family of
 * the one storage engine (files in the tablespace's directory), whose atomic commits they share.
 */
final class TablespaceCommands extends DdlSupport {

    /** pg_tablespace's OID, the class of a tablespace's ACL and comments. */
    static final int PG_TABLESPACE = 1213;

    TablespaceCommands(CommandContext ctx) {
        super(ctx);
    }

    private SharedCatalog shared() {
        return catalog().shared();
    }

    String create(Tree.CreateTablespaceStmt s) {
        RoleDef me = ctx.currentRole();
        if (me == null || !me.superuser()) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to create tablespace \""
                    + s.name() + "\"").withHint("Must be superuser to create a tablespace.");
        }
        RoleDef owner = me;
        if (s.owner() != null) {
            owner = catalog().shared().role(s.owner());
            if (owner == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + s.owner() + "\" does not exist");
            }
        }
        String location = TablespaceRecords.canonicalLocation(s.location());
        boolean inPlace = location.isEmpty() && ctx.fn().settings().getBool("allow_in_place_tablespaces");
        if (location.indexOf('\'') >= 0) {
            throw new PgException(SqlState.INVALID_NAME, "tablespace location cannot contain single quotes");
        }
        if (!inPlace && !location.startsWith("/")) {
            throw new PgException(SqlState.INVALID_OBJECT_DEFINITION, "tablespace location must be an absolute path");
        }
        java.nio.file.Path dataDir = ctx.fn().serverStatus().dataDirectory();
        if (!inPlace && dataDir != null && java.nio.file.Path.of(location).startsWith(dataDir.toAbsolutePath())) {
            ctx.notice(new PgException(PgException.Severity.WARNING, SqlState.INVALID_OBJECT_DEFINITION,
                    "tablespace location should not be inside the data directory", null, null, null));
        }
        if (!s.options().isEmpty()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "tablespace options are not supported");
        }
        checkName(s.name());
        CatalogWriter w = ctx.writer();
        if (w.lockTablespace(s.name()) != null || shared().tablespace(s.name()) != null) {
            throw new PgException(SqlState.DUPLICATE_OBJECT, "tablespace \"" + s.name() + "\" already exists");
        }
        TablespaceDef t = new TablespaceDef(w.allocateOid(), s.name(), owner.oid(), location, null);
        w.putTablespace(t);
        ctx.fn().serverStatus().createTablespace(t.oid(), location);
        ctx.catalogChanged();
        return "CREATE TABLESPACE";
    }

    /** IsReservedName: "pg_" names are the system's. */
    private static void checkName(String name) {
        if (name.startsWith("pg_")) {
            throw new PgException(SqlState.RESERVED_NAME, "unacceptable tablespace name \"" + name + "\"")
                    .withDetail("The prefix \"pg_\" is reserved for system tablespaces.");
        }
    }

    private TablespaceDef require(String name) {
        TablespaceDef t = shared().tablespace(name);
        if (t == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "tablespace \"" + name + "\" does not exist");
        }
        return t;
    }

    private void checkOwner(TablespaceDef t) {
        RoleDef me = ctx.currentRole();
        if (me == null || !shared().hasPrivsOfRole(me.oid(), t.ownerOid())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be owner of tablespace " + t.name());
        }
    }

    String drop(Tree.DropTablespaceStmt s) {
        TablespaceDef t = shared().tablespace(s.name());
        if (t == null) {
            if (s.ifExists()) {
                ctx.notice(notice(SqlState.SUCCESSFUL_COMPLETION, "tablespace \"" + s.name()
                        + "\" does not exist, skipping"));
                return "DROP TABLESPACE";
            }
            throw new PgException(SqlState.UNDEFINED_OBJECT, "tablespace \"" + s.name() + "\" does not exist");
        }
        checkOwner(t);
        if (t.builtIn()) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for tablespace " + t.name());
        }
        CatalogWriter w = ctx.writer();
        w.lockTablespace(t.name());
        if (inUse(t.oid()) || !ctx.fn().serverStatus().dropTablespace(t.oid())) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "tablespace \"" + t.name()
                    + "\" is not empty");
        }
        w.deleteTablespace(t.name());
        ctx.catalogChanged();
        return "DROP TABLESPACE";
    }

    /** True when a relation or index of any database is stored in the tablespace. */
    private boolean inUse(int oid) {
        for (DatabaseDef d : shared().databasesInOrder()) {
            if (CatalogStorage.load(ctx.txn(), 0, d, shared()).usesTablespace(oid)) {
                return true;
            }
        }
        return false;
    }

    String alter(Tree.AlterTablespaceStmt s) {
        TablespaceDef t = require(s.name());
        if (s.options()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "tablespace options are not supported");
        }
        checkOwner(t);
        CatalogWriter w = ctx.writer();
        if (s.renameTo() != null) {
            checkName(s.renameTo());
            if (w.lockTablespace(s.renameTo()) != null || shared().tablespace(s.renameTo()) != null) {
                throw new PgException(SqlState.DUPLICATE_OBJECT, "tablespace \"" + s.renameTo() + "\" already exists");
            }
            w.deleteTablespace(t.name());
            w.putTablespace(t.withName(s.renameTo()));
        } else {
            RoleDef owner = shared().role(s.owner());
            if (owner == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + s.owner() + "\" does not exist");
            }
            RoleDef me = ctx.currentRole();
            if (!me.superuser() && !shared().isMemberOf(me.oid(), owner.oid())) {
                throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be member of role \"" + owner.name() + "\"");
            }
            w.putTablespace(t.withOwner(owner.oid()));
        }
        ctx.catalogChanged();
        return "ALTER TABLESPACE";
    }

    /**
     * The tablespace a new relation or index goes in (DefineRelation with GetDefaultTablespace):
     * the one named, else default_tablespace's when it names one; 0 for the database's default.
     * The current role needs CREATE on it.
     */
    int tablespaceForNewRelation(String named) {
        TablespaceDef t;
        if (named != null) {
            t = require(named);
        } else {
            String setting = ctx.fn().settings().show("default_tablespace");
            t = setting == null || setting.isEmpty() ? null : shared().tablespace(setting);
        }
        if (t == null || t.oid() == TablespaceDef.DEFAULT_OID) {
            return 0;
        }
        if (t.oid() == TablespaceDef.GLOBAL_OID) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "only shared relations can be placed in pg_global tablespace");
        }
        requireCreate(t);
        return t.oid();
    }

    /** pg_tablespace_aclcheck(CREATE): "permission denied for tablespace x" without it. */
    private void requireCreate(TablespaceDef t) {
        RoleDef me = ctx.currentRole();
        java.util.List<Acl.Item> acl = Acl.effective(t.acl(), Acl.ObjectType.TABLESPACE, t.ownerOid());
        if (me == null || (!me.superuser() && Acl.mask(acl, me.oid(), Acl.CREATE, shared(), false) == 0)) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for tablespace " + t.name());
        }
    }
}
