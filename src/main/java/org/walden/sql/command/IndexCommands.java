package org.walden.sql.command;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Relation;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.RowWriter;
import org.walden.sql.parse.Tree;
import org.walden.sql.plan.RowWriters;

/**
 * CREATE INDEX (PostgreSQL's DefineIndex): key columns and expressions with their order,
 * UNIQUE, NULLS NOT DISTINCT, a partial index's WHERE, btree or hash; the name PostgreSQL would
 * choose ("t_a_idx", "t_lower_idx"); the entries built from the table's rows in the creating
 * transaction (under an exclusive lock on the table), or, CONCURRENTLY, in steps that let
 * writers go on ({@link ConcurrentIndexBuild}).
 */
final class IndexCommands extends DdlSupport {

    IndexCommands(CommandContext ctx) {
        super(ctx);
    }

    /** The index a CREATE INDEX describes, validated; null when IF NOT EXISTS found the name taken. */
    IndexInfo define(Tree.IndexStmt s, Relation table, boolean ready, boolean valid) {
        String method = s.method() == null ? "btree" : s.method().toLowerCase(Locale.ROOT);
        if (!method.equals("btree") && !method.equals("hash")) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "access method \"" + method + "\" does not exist");
        }
        if (method.equals("hash") && (s.unique() || s.keys().size() > 1)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, s.unique()
                    ? "access method \"hash\" does not support unique indexes"
                    : "access method \"hash\" does not support multicolumn indexes");
        }
        if (s.include() != null && !s.include().isEmpty()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "INCLUDE columns are not supported");
        }
        Analyzer an = new Analyzer(ctx.analyzerEnv());
        List<IndexInfo.Key> keys = new ArrayList<>();
        List<String> nameParts = new ArrayList<>();
        for (Tree.IndexElem e : s.keys()) {
            boolean desc = e.descending();
            boolean nullsFirst = e.nullsFirst() != null ? e.nullsFirst() : desc;
            if (e.column() != null) {
                int col = table.columnIndex(e.column());
                if (col < 0) {
                    throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + e.column() + "\" does not exist");
                }
                keys.add(new IndexInfo.Key(table.column(col).attnum(), null, null, desc, nullsFirst));
                nameParts.add(e.column());
            } else {
                Expr x = an.relationExpression(table, e.expr(), "INDEX");
                if (Exprs.volatileFunctions(x) || Exprs.any(x, y -> y instanceof Expr.FuncExpr f
                        && f.function().volatility != 'i')) {
                    throw new PgException(SqlState.INVALID_OBJECT_DEFINITION,
                            "functions in index expression must be marked IMMUTABLE");
                }
                if (x instanceof Expr.Var v) {
                    keys.add(new IndexInfo.Key(table.column(v.attno() - 1).attnum(), null, null, desc, nullsFirst));
                    nameParts.add(table.column(v.attno() - 1).name());
                } else {
                    String text = storedText(table, x);
                    keys.add(new IndexInfo.Key(0, text, text, desc, nullsFirst));
                    nameParts.add(x instanceof Expr.FuncExpr f ? f.function().name : "expr");
                }
            }
        }
        String predicate = null;
        if (s.where() != null) {
            Expr p = an.relationExpression(table, s.where(), "PREDICATE");
            if (Exprs.any(p, y -> y instanceof Expr.SubLink)) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot use subquery in index predicate");
            }
            if (Exprs.any(p, y -> y instanceof Expr.FuncExpr f && f.function().volatility != 'i')) {
                throw new PgException(SqlState.INVALID_OBJECT_DEFINITION,
                        "functions in index predicate must be marked IMMUTABLE");
            }
            predicate = storedText(table, p);
        }
        String name = s.name();
        if (name == null) {
            name = chooseRelationName(table.name(), String.join("_", nameParts), "idx", table.namespaceOid(),
                    new HashSet<>());
        } else if (ctx.writer().lockRelationName(table.namespaceOid(), name) != 0
                || catalog().relationNameTaken(table.namespaceOid(), name)) {
            if (s.ifNotExists()) {
                ctx.notice(notice(SqlState.DUPLICATE_TABLE, "relation \"" + name + "\" already exists, skipping"));
                return null;
            }
            throw new PgException(SqlState.DUPLICATE_TABLE, "relation \"" + name + "\" already exists");
        }
        int oid = ctx.writer().allocateOid();
        return new IndexInfo(oid, name, table.namespaceOid(), table.oid(),
                newStorage(org.walden.txn.RelPersistence.of(table.relfilenode()),
                        new TablespaceCommands(ctx).tablespaceForNewRelation(s.tablespace())), List.copyOf(keys), s.unique(),
                false, s.nullsNotDistinct(), predicate, predicate, ready, valid, method, false);
    }

    /**
     * CREATE INDEX without CONCURRENTLY: written and built in this transaction, the table locked
     * in SHARE mode as PostgreSQL locks it (readers go on, writers wait, and plan again with the
     * index once it commits).
     */
    String create(Tree.IndexStmt s) {
        Relation table = lockFor(indexTarget(s.relation()), org.walden.txn.RelationLockMode.SHARE);
        IndexInfo idx = define(s, table, true, true);
        if (idx == null) {
            return "CREATE INDEX";
        }
        ctx.writer().putIndex(idx, null);
        ctx.writer().putRelationTablespace(idx.oid(), new TablespaceCommands(ctx).tablespaceForNewRelation(s.tablespace()));
        ctx.catalogChanged();
        build(table, idx);
        return "CREATE INDEX";
    }

    void build(Relation table, IndexInfo idx) {
        ExecState st = ctx.execState(null, new Object[0]);
        try {
            RowWriter.IndexSpec spec = RowWriters.forSession(ctx.fn()).indexSpec(table, idx);
            IndexBuilder.build(ctx.txn(), table, spec, st, ctx::checkCancel);
        } finally {
            st.finish();
        }
    }

    /** The table an index goes on: 42P01 when missing, 42809 for a view or sequence. */
    Relation indexTarget(Tree.RangeVar rv) {
        Relation t = findRelation(rv.schema(), rv.name());
        if (t == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(rv) + "\" does not exist");
        }
        checkNotSystem(t);
        if (t.kind() != Relation.TABLE && t.kind() != Relation.MATVIEW) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "cannot create index on relation \"" + t.name() + "\"")
                    .withDetail("This operation is not supported for " + (t.isView() ? "views." : "sequences."));
        }
        checkOwner(t);
        return t;
    }
}
