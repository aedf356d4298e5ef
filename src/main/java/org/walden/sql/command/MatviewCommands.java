package org.walden.sql.command;

import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.parse.Tree;
import org.walden.txn.RelPersistence;

/**
 * CREATE and REFRESH MATERIALIZED VIEW (PostgreSQL's ExecCreateTableAs for a matview and
 * ExecRefreshMatView). A materialized view is created as CREATE TABLE AS creates a table (its
 * columns from the query, its rows stored under its relfilenode, so WAL and standbys see DDL and
 * rows as for a table), then written as relkind 'm' keeping its query bound to its relations as
 * a view keeps its own. REFRESH, under ACCESS EXCLUSIVE, moves it to a fresh relfilenode, runs
 * the stored query into it (unless WITH NO DATA, which marks it not populated) and rebuilds its
 * indexes; the old ranges are emptied when the transaction commits. CONCURRENTLY is checked as
 * PostgreSQL checks it and then refreshes the same way.
 */
final class MatviewCommands extends DdlSupport {

    MatviewCommands(CommandContext ctx) {
        super(ctx);
    }

    String create(Tree.CreateMatViewStmt s) {
        TableCommands tables = new TableCommands(ctx);
        Query q = new Analyzer(ctx.analyzerEnv()).analyze(s.query());
        if (q.command != Query.Command.SELECT || q.cteList.stream().anyMatch(
                c -> c.query != null && c.query.command != Query.Command.SELECT)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "materialized views must not use data-modifying "
                    + "statements in WITH");
        }
        ObjectCommands objects = new ObjectCommands(ctx);
        if (objects.readsTemporary(q)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "materialized views must not use temporary tables or views");
        }
        Namespace ns = creationNamespace(s.name().schema(), s.name().position());
        if (tables.nameTaken(ns, s.name().name())) {
            if (s.ifNotExists()) {
                ctx.notice(notice(SqlState.DUPLICATE_TABLE, "relation \"" + s.name().name()
                        + "\" already exists, skipping"));
                return "CREATE MATERIALIZED VIEW";
            }
            throw new PgException(SqlState.DUPLICATE_TABLE, "relation \"" + s.name().name() + "\" already exists");
        }
        List<Query.TargetEntry> targets = q.visibleTargets();
        if (s.columnNames() != null && s.columnNames().size() > targets.size()) {
            throw new PgException(SqlState.SYNTAX_ERROR, "too many column names were specified");
        }
        TableCommands.TableDraft d = new TableCommands.TableDraft(ns, s.name().name());
        d.persistence = RelPersistence.PERMANENT;
        TableCommands.addQueryColumns(d, targets, s.columnNames());
        int tablespace = new TablespaceCommands(ctx).tablespaceForNewRelation(s.tablespace());
        d.tablespace = tablespace;
        Relation table = tables.createFromDraft(d);
        ctx.writer().putRelationTablespace(table.oid(), tablespace);
        renameTargets(q, d.columns);
        Relation matview = table.asMatview(objects.boundViewSql(q, s.sql()), s.withData());
        ctx.writer().putRelation(matview, table);
        ctx.catalogChanged();
        if (!s.withData()) {
            return "CREATE MATERIALIZED VIEW";
        }
        return "SELECT " + tables.insertQueryRows(matview, q);
    }

    String refresh(Tree.RefreshMatViewStmt s) {
        Relation r = findRelation(s.name().schema(), s.name().name());
        if (r == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(s.name()) + "\" does not exist");
        }
        r = lockNamed(ctx, s.name(), r, s.concurrently() ? org.walden.txn.RelationLockMode.EXCLUSIVE
                : org.walden.txn.RelationLockMode.ACCESS_EXCLUSIVE);
        if (!r.isMatview()) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + r.name() + "\" is not a materialized view");
        }
        checkOwner(r);
        if (s.concurrently() && !r.isPopulated()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "CONCURRENTLY cannot be used when the materialized view is not populated");
        }
        if (s.concurrently() && !s.withData()) {
            throw new PgException(SqlState.SYNTAX_ERROR, "CONCURRENTLY and WITH NO DATA options cannot be used "
                    + "together");
        }
        if (s.concurrently() && !hasRefreshKey(r)) {
            String schema = ctx.lookup().namespace(r.namespaceOid()).name();
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "cannot refresh materialized view \""
                    + org.walden.sql.catalog.CatalogLookup.quoteIdentifier(schema) + "."
                    + org.walden.sql.catalog.CatalogLookup.quoteIdentifier(r.name()) + "\" concurrently")
                    .withHint("Create a unique index with no WHERE clause on one or more columns of the "
                            + "materialized view.");
        }
        Query q = s.withData() ? new Analyzer(ctx.analyzerEnv()).analyze(SqlParser.parseQuery(r.viewSql())) : null;
        Relation fresh = r.withRelfilenode(newStorageLike(r.relfilenode())).asMatview(r.viewSql(), s.withData());
        dropStorage(r.relfilenode());
        ctx.writer().putRelation(fresh, r);
        ctx.writer().deleteStats(r.oid());
        ctx.catalogChanged();
        if (q != null) {
            new TableCommands(ctx).insertQueryRows(fresh, q);
        }
        new TableRewriter(ctx).rebuildIndexes(fresh);
        return "REFRESH MATERIALIZED VIEW";
    }

    /** The query's output columns named as the materialized view's (its column list), as its stored query shows them. */
    private static void renameTargets(Query q, List<Attribute> columns) {
        int visible = 0;
        for (int i = 0; i < q.targetList.size(); i++) {
            Query.TargetEntry t = q.targetList.get(i);
            if (t.junk()) {
                continue;
            }
            String name = columns.get(visible++).name();
            if (!name.equals(t.name())) {
                q.targetList.set(i, new Query.TargetEntry(t.expr(), t.resno(), name, t.junk(), t.sortGroupRef(),
                        t.originTable(), t.originColumn()));
            }
        }
    }

    /** A valid unique index without a predicate on at least one plain column (PostgreSQL's refresh_by_match_merge key). */
    private boolean hasRefreshKey(Relation r) {
        for (IndexInfo i : catalog().indexesOf(r.oid())) {
            if (i.unique() && i.valid() && i.predicateSql() == null
                    && !i.keys().isEmpty() && i.keys().stream().noneMatch(IndexInfo.Key::isExpression)) {
                return true;
            }
        }
        return false;
    }
}
