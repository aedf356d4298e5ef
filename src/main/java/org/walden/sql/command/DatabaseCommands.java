package org.walden.sql.command;

import java.util.Locale;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.ServerStatus;
import org.walden.sql.catalog.CatalogStorage;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.TablespaceDef;
import org.walden.sql.parse.Tree;
import org.walden.txn.KvCursor;
import org.walden.txn.Transaction;

/**
 * CREATE, DROP and ALTER DATABASE (PostgreSQL's dbcommands.c). A database is its own catalog
 * (schemas, relations, indexes, constraints, statistics, comments under one key range) and the
 * data of its relations. CREATE DATABASE copies the template database: its catalog records
 * moved to the new database's range, and every relation's rows copied to new relfilenodes (the
 * relations keep their OIDs, as PostgreSQL's file copy keeps them).
 */
final class DatabaseCommands extends DdlSupport {

    DatabaseCommands(CommandContext ctx) {
        super(ctx);
    }

    /**
     * The sessions other than this one connected to the database, after waiting up to five
     * seconds for them to leave, as PostgreSQL's CountOtherDBBackends waits: a client that has
     * just switched away (psql's \\c) closes its old session a moment after the new one opens.
     */
    private int otherSessions(String database) {
        int n = countOtherSessions(database);
        for (int tries = 0; n > 0 && tries < 50; tries++) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            n = countOtherSessions(database);
        }
        return n;
    }

    private int countOtherSessions(String database) {
        int n = 0;
        boolean self = true;
        for (String d : ctx.connectedDatabases()) {
            if (d.equals(database)) {
                if (self && d.equals(ctx.fn().databaseName())) {
                    self = false;
                    continue;
                }
                n++;
            }
        }
        return n;
    }

    private static String sessions(int n) {
        return "There " + (n == 1 ? "is 1 other session" : "are " + n + " other sessions") + " using the database.";
    }

    String create(Tree.CreateDatabaseStmt s) {
        RoleDef me = ctx.currentRole();
        if (me == null || !(me.superuser() || me.createDb())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to create database");
        }
        Map<String, String> opts = s.options();
        String encoding = opts.get("encoding");
        if (encoding != null && !encoding.replace("-", "").equalsIgnoreCase("UTF8") && !encoding.equals("6")) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "encoding \"" + encoding.toUpperCase(Locale.ROOT)
                    + "\" does not match locale \"C.UTF-8\"").withDetail("The chosen LC_CTYPE setting requires "
                    + "encoding \"UTF8\".");
        }
        String tablespace = opts.get("tablespace");
        if (tablespace != null) {
            TablespaceDef t = catalog().shared().tablespace(tablespace);
            if (t == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "tablespace \"" + tablespace + "\" does not exist");
            }
            if (t.oid() != TablespaceDef.DEFAULT_OID) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                        "a database's default tablespace other than pg_default is not supported");
            }
        }
        String templateName = opts.getOrDefault("template", "template1");
        DbCatalog current = catalog();
        DatabaseDef template = current.shared().database(templateName);
        if (template == null) {
            throw new PgException(SqlState.INVALID_CATALOG_NAME, "template database \"" + templateName
                    + "\" does not exist");
        }
        if (!template.template() && !me.superuser() && template.ownerOid() != me.oid()) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to copy database \""
                    + templateName + "\"");
        }
        int users = otherSessions(templateName);
        if (users > 0 || templateName.equals(ctx.fn().databaseName())) {
            throw new PgException(SqlState.OBJECT_IN_USE, "source database \"" + templateName
                    + "\" is being accessed by other users").withDetail(sessions(Math.max(1, users)));
        }
        RoleDef owner = me;
        if (opts.get("owner") != null && !opts.get("owner").equalsIgnoreCase("default")) {
            owner = current.role(opts.get("owner"));
            if (owner == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + opts.get("owner") + "\" does not exist");
            }
        }
        CatalogWriter w = ctx.writer();
        if (w.lockDatabase(s.name()) != null) {
            throw new PgException(SqlState.DUPLICATE_DATABASE, "database \"" + s.name() + "\" already exists");
        }
        int limit = opts.containsKey("connection_limit") ? Integer.parseInt(opts.get("connection_limit")) : -1;
        boolean isTemplate = "true".equalsIgnoreCase(opts.get("is_template"));
        boolean allow = !"false".equalsIgnoreCase(opts.get("allow_connections"));
        DatabaseDef db = new DatabaseDef(w.allocateOid(), s.name(), owner.oid(), allow, isTemplate, limit);
        w.putDatabase(db);
        copyDatabase(template, db);
        return "CREATE DATABASE";
    }

    /** Copies the template's catalog range and the rows of its relations into the new database. */
    private void copyDatabase(DatabaseDef template, DatabaseDef db) {
        Transaction txn = ctx.txn();
        DbCatalog source = CatalogStorage.load(txn, 0, template, catalog().shared());
        try (KvCursor c = txn.scan(CatalogStorage.databasePrefix(template.oid()),
                CatalogStorage.databaseEnd(template.oid()))) {
            while (c.next()) {
                byte[] k = CatalogStorage.rebase(c.key(), db.oid());
                ctx.writer().lock(k);
                txn.put(k, c.value());
            }
        }
        CatalogWriter w = new CatalogWriter(txn, db.oid(), ctx.writer()::lock);
        for (Relation r : sorted(source.relations())) {
            if (r.relfilenode() != 0) {
                Relation moved = r.withRelfilenode(newStorageLike(r.relfilenode()));
                copyRows(r.relfilenode(), moved.relfilenode());
                w.putRelation(moved, r);
            }
        }
        for (IndexInfo i : source.indexes()) {
            if (i.hasStorage()) {
                IndexInfo moved = i.withRelfilenode(newStorageLike(i.relfilenode()));
                copyRows(i.relfilenode(), moved.relfilenode());
                w.putIndex(moved, i);
            }
        }
    }

    private void copyRows(int from, int to) {
        Transaction txn = ctx.txn();
        long n = 0;
        try (KvCursor c = txn.scan(Keys.prefix(from), Keys.end(from))) {
            while (c.next()) {
                if ((++n & 1023) == 0) {
                    ctx.checkCancel();
                }
                byte[] k = c.key().clone();
                java.nio.ByteBuffer.wrap(k).putInt(1, to);
                txn.put(k, c.value());
            }
        }
    }

    String drop(Tree.DropDatabaseStmt s) {
        CatalogWriter w = ctx.writer();
        DatabaseDef db = catalog().shared().database(s.name());
        if (w.lockDatabase(s.name()) == null || db == null) {
            if (s.ifExists()) {
                ctx.notice(notice(SqlState.INVALID_CATALOG_NAME, "database \"" + s.name() + "\" does not exist, skipping"));
                return "DROP DATABASE";
            }
            throw new PgException(SqlState.INVALID_CATALOG_NAME, "database \"" + s.name() + "\" does not exist");
        }
        RoleDef me = ctx.currentRole();
        if (me == null || !(me.superuser() || db.ownerOid() == me.oid())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be owner of database " + s.name());
        }
        if (s.name().equals(ctx.fn().databaseName())) {
            throw new PgException(SqlState.OBJECT_IN_USE, "cannot drop the currently open database");
        }
        if (db.template()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "cannot drop a template database");
        }
        if (s.force() && countOtherSessions(s.name()) > 0) {
            ServerStatus status = ctx.fn().serverStatus();
            for (ServerStatus.BackendActivity a : status.activity()) {
                if (s.name().equals(a.databaseName())) {
                    status.signalBackend(a.pid(), true);
                }
            }
        }
        int users = otherSessions(s.name());
        if (users > 0) {
            throw new PgException(SqlState.OBJECT_IN_USE, "database \"" + s.name() + "\" is being accessed by other "
                    + "users").withDetail(sessions(users));
        }
        DbCatalog gone = CatalogStorage.load(ctx.txn(), 0, db, catalog().shared());
        for (Relation r : gone.relations()) {
            dropStorage(r.relfilenode());
        }
        for (IndexInfo i : gone.indexes()) {
            dropStorage(i.relfilenode());
        }
        ctx.txn().deleteRange(CatalogStorage.databasePrefix(db.oid()), CatalogStorage.databaseEnd(db.oid()));
        ctx.txn().deleteRange(org.walden.sql.catalog.LocalCatalogRecords.local(CatalogStorage.databasePrefix(db.oid())),
                org.walden.sql.catalog.LocalCatalogRecords.local(CatalogStorage.databaseEnd(db.oid())));
        w.deleteDatabase(s.name());
        return "DROP DATABASE";
    }

    String alter(Tree.AlterDatabaseStmt s) {
        CatalogWriter w = ctx.writer();
        DatabaseDef db = catalog().shared().database(s.name());
        if (w.lockDatabase(s.name()) == null || db == null) {
            throw new PgException(SqlState.INVALID_CATALOG_NAME, "database \"" + s.name() + "\" does not exist");
        }
        RoleDef me = ctx.currentRole();
        if (me == null || !(me.superuser() || db.ownerOid() == me.oid())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be owner of database " + s.name());
        }
        if (s.renameTo() != null) {
            if (s.name().equals(ctx.fn().databaseName())) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "current database cannot be renamed");
            }
            int users = otherSessions(s.name());
            if (users > 0) {
                throw new PgException(SqlState.OBJECT_IN_USE, "database \"" + s.name()
                        + "\" is being accessed by other users").withDetail(sessions(users));
            }
            if (w.lockDatabase(s.renameTo()) != null) {
                throw new PgException(SqlState.DUPLICATE_DATABASE, "database \"" + s.renameTo() + "\" already exists");
            }
            w.deleteDatabase(s.name());
            w.putDatabase(db.withName(s.renameTo()));
        } else if (s.owner() != null) {
            RoleDef owner = catalog().role(s.owner());
            if (owner == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + s.owner() + "\" does not exist");
            }
            w.putDatabase(db.withOwner(owner.oid()));
            var acl = catalog().shared().databaseAcl(db.oid());
            if (acl != null) {
                w.putDatabaseAcl(db.oid(), org.walden.sql.catalog.Acl.newOwner(acl, db.ownerOid(), owner.oid()));
            }
        }
        return "ALTER DATABASE";
    }
}
