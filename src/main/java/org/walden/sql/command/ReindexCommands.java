package org.walden.sql.command;

import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.parse.Tree;

/**
 * REINDEX and CLUSTER (PostgreSQL's ReindexIndex / ReindexTable / ReindexMultipleTables and
 * cluster()), as reindexdb and clusterdb send them.
 *
 * <p>REINDEX rebuilds each secondary index into a fresh key range from the table's rows, the
 * old range emptied at commit, as PostgreSQL builds a new relfilenode; an index left invalid by a
 * failed CREATE INDEX CONCURRENTLY becomes valid. A primary key has nothing to rebuild (the rows
 * are keyed by it), and the system catalogs are computed from Walden's own catalog. Without
 * CONCURRENTLY the table is locked in SHARE mode, as PostgreSQL locks it: writers wait, readers go
 * on with the old entries until the commit; with it the new entries are built beside the old ones
 * while the table takes writes ({@link ConcurrentIndexBuild#reindex}).
 *
 * <p>CLUSTER orders a table's rows by an index once and marks the index (pg_index.indisclustered,
 * also set by ALTER TABLE ... CLUSTER ON) so that a later CLUSTER t uses it. Walden keeps every
 * table's rows in primary-key order, so CLUSTER t USING i checks the index as PostgreSQL does,
 * takes the table's ACCESS EXCLUSIVE lock and marks it, and moves no row.
 */
final class ReindexCommands extends DdlSupport {

    private final Commands.Steps steps;

    ReindexCommands(CommandContext ctx, Commands.Steps steps) {
        super(ctx);
        this.steps = steps;
    }

    String reindex(Tree.ReindexStmt s) {
        switch (s.kind()) {
            case "INDEX" -> reindexIndex(s);
            case "TABLE" -> {
                Relation table = reindexableTable(s.relation(), s.concurrently());
                if (!table.virtual() && !reindexTable(table, s.concurrently())) {
                    ctx.notice(notice(SqlState.SUCCESSFUL_COMPLETION, "table \"" + table.name()
                            + "\" has no indexes to reindex"));
                }
            }
            default -> reindexMultiple(s);
        }
        return "REINDEX";
    }

    private void reindexIndex(Tree.ReindexStmt s) {
        IndexInfo idx = findIndex(s.relation().schema(), s.relation().name());
        if (idx == null) {
            Relation other = findRelation(s.relation().schema(), s.relation().name());
            if (other != null) {
                throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + other.name() + "\" is not an index");
            }
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(s.relation())
                    + "\" does not exist");
        }
        Relation table = catalog().relation(idx.tableOid());
        if (table.virtual()) {
            if (s.concurrently()) {
                throw concurrentSystemCatalogs();
            }
            return;
        }
        checkOwner(table);
        if (s.concurrently()) {
            new ConcurrentIndexBuild(ctx, steps).reindex(table, idx);
        } else {
            rebuild(lockFor(table, org.walden.txn.RelationLockMode.SHARE), idx);
        }
    }

    /** The table REINDEX TABLE names: 42P01, 42809 for a non-table, 42501 for a non-owner. */
    private Relation reindexableTable(Tree.RangeVar rv, boolean concurrently) {
        Relation r = findRelation(rv.schema(), rv.name());
        if (r == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(rv) + "\" does not exist");
        }
        if (r.kind() != Relation.TABLE || org.walden.sql.catalog.SystemCatalogs.isSystemView(r)) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + r.name()
                    + "\" is not a table or materialized view");
        }
        if (r.virtual() && concurrently) {
            throw concurrentSystemCatalogs();
        }
        checkOwner(r);
        return r;
    }

    /** Rebuilds {@code table}'s indexes; false when it has none. */
    private boolean reindexTable(Relation table, boolean concurrently) {
        List<IndexInfo> indexes = catalog().indexesOf(table.oid());
        if (indexes.isEmpty()) {
            return false;
        }
        if (concurrently) {
            for (IndexInfo idx : indexes) {
                if (idx.hasStorage()) {
                    Relation current = catalog().relation(table.oid());
                    if (current != null) {
                        new ConcurrentIndexBuild(ctx, steps).reindex(current, idx);
                    }
                }
            }
            return true;
        }
        Relation locked = lockFor(table, org.walden.txn.RelationLockMode.SHARE);
        for (IndexInfo idx : catalog().indexesOf(table.oid())) {
            rebuild(locked, idx);
        }
        return true;
    }

    /** REINDEX SCHEMA / DATABASE / SYSTEM: outside a transaction block, the tables one by one. */
    private void reindexMultiple(Tree.ReindexStmt s) {
        List<Relation> tables = new ArrayList<>();
        if (s.kind().equals("SCHEMA")) {
            if (SYSTEM_SCHEMAS.contains(s.name())) {
                skippingSystemCatalogs(s.concurrently());
                return;
            }
            Namespace ns = catalog().namespace(s.name());
            if (ns == null) {
                throw new PgException(SqlState.INVALID_SCHEMA_NAME, "schema \"" + s.name() + "\" does not exist");
            }
            for (Relation r : sorted(catalog().relations())) {
                if (r.namespaceOid() == ns.oid() && r.kind() == Relation.TABLE) {
                    tables.add(r);
                }
            }
        } else {
            if (s.kind().equals("SYSTEM") && s.concurrently()) {
                throw concurrentSystemCatalogs();
            }
            if (!s.name().equals(catalog().database().name())) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "can only reindex the currently open database");
            }
            skippingSystemCatalogs(s.concurrently());
            if (s.kind().equals("SYSTEM")) {
                return;
            }
            for (Relation r : sorted(catalog().relations())) {
                if (r.kind() == Relation.TABLE && !r.virtual()) {
                    tables.add(r);
                }
            }
        }
        for (Relation r : tables) {
            if (s.concurrently()) {
                reindexTable(r, true);
            } else {
                reindexTable(r, false);
                steps.commitAndBegin(); // PostgreSQL commits after each table
            }
        }
    }

    /** One index rebuilt in this transaction into a fresh key range; the table is locked by the caller. */
    private void rebuild(Relation table, IndexInfo idx) {
        if (!idx.hasStorage()) {
            return;
        }
        IndexInfo fresh = idx.withRelfilenode(newStorage(org.walden.txn.RelPersistence.PERMANENT,
                storedTablespace(idx.relfilenode()))).withState(true, true);
        ctx.writer().putIndex(fresh, idx);
        dropStorage(idx.relfilenode());
        ctx.catalogChanged();
        new IndexCommands(ctx).build(table, fresh);
    }

    /** The schemas of the system catalogs, which are computed from Walden's catalog: no index of theirs is stored. */
    private static final java.util.Set<String> SYSTEM_SCHEMAS = java.util.Set.of("pg_catalog", "information_schema",
            "pg_toast");

    /** PostgreSQL's warning when CONCURRENTLY leaves the system catalogs out of a REINDEX. */
    private void skippingSystemCatalogs(boolean concurrently) {
        if (concurrently) {
            ctx.notice(new PgException(PgException.Severity.WARNING, SqlState.FEATURE_NOT_SUPPORTED,
                    "cannot reindex system catalogs concurrently, skipping all", null, null, null));
        }
    }

    private static PgException concurrentSystemCatalogs() {
        return new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot reindex system catalogs concurrently");
    }

    String cluster(Tree.ClusterStmt s) {
        if (s.relation() == null) {
            return "CLUSTER"; // no table was ever clustered on an index
        }
        Relation r = findRelation(s.relation().schema(), s.relation().name());
        if (r == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(s.relation())
                    + "\" does not exist");
        }
        if (r.kind() != Relation.TABLE || org.walden.sql.catalog.SystemCatalogs.isSystemView(r)) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "cannot cluster a " + kindName(r.kind()));
        }
        checkOwner(r);
        IndexInfo idx;
        if (s.index() == null) {
            idx = clusteredIndexOf(r);
            if (idx == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "there is no previously clustered index for table \""
                        + r.name() + "\"");
            }
        } else {
            idx = clusterableIndex(r, s.index());
        }
        r = lockExclusively(r);
        markClustered(r, idx);
        // the rows stay where they are: every table's rows are kept in primary-key order
        return "CLUSTER";
    }

    private IndexInfo clusteredIndexOf(Relation table) {
        for (IndexInfo i : catalog().indexesOf(table.oid())) {
            if (i.clustered()) {
                return i;
            }
        }
        return null;
    }

    /** PostgreSQL's check_index_is_clusterable, after looking the index up in the table's schema. */
    IndexInfo clusterableIndex(Relation table, String indexName) {
        IndexInfo idx = catalog().index(table.namespaceOid(), indexName);
        if (idx == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "index \"" + indexName + "\" for table \""
                    + table.name() + "\" does not exist");
        }
        if (idx.tableOid() != table.oid()) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + idx.name() + "\" is not an index for table \""
                    + table.name() + "\"");
        }
        if (!"btree".equals(idx.method())) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot cluster on index \"" + idx.name()
                    + "\" because access method does not support clustering");
        }
        if (idx.isPartial()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot cluster on partial index \"" + idx.name()
                    + "\"");
        }
        if (!idx.valid()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot cluster on invalid index \"" + idx.name()
                    + "\"");
        }
        return idx;
    }

    /** mark_index_clustered: {@code index} (null: none) becomes the one of {@code table}'s indexes marked clustered. */
    void markClustered(Relation table, IndexInfo index) {
        boolean changed = false;
        for (IndexInfo i : catalog().indexesOf(table.oid())) {
            boolean wanted = index != null && i.oid() == index.oid();
            if (i.clustered() != wanted) {
                ctx.writer().putIndex(i.withClustered(wanted), i);
                changed = true;
            }
        }
        if (changed) {
            ctx.catalogChanged();
        }
    }
}
