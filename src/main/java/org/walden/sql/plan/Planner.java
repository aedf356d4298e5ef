package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.SessionSettings;
import org.walden.sql.analyze.AnalyzerEnv;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.ParamTypes;
import org.walden.sql.analyze.Query;
import org.walden.sql.analyze.RangeTblEntry;
import org.walden.sql.catalog.Relation;
import org.walden.sql.exec.ModifyingCtes;
import org.walden.sql.exec.PlanNode;
import org.walden.sql.exec.SubPlan;
import org.walden.sql.func.FnContext;
import org.walden.sql.types.PgType;

/**
 * The planner's entry: an analyzed query in, a {@link PlannedStmt} out (PostgreSQL's
 * standard_planner). A plan refers to the catalog it was made with; a prepared statement keeps
 * it while that catalog stays current.
 */
public final class Planner {

    private Planner() {
    }

    /** One output column of a planned statement: name, type, typmod and, for a table column, where it comes from. */
    public record Column(String name, PgType type, int typmod, int tableOid, int columnNumber) {
    }

    /**
     * A plan ready to run: its root, output columns and how many execution parameters it uses;
     * {@code valueIndependent} when every table is read by a unique index look-up with all keys
     * given (or none is read), so other values in the query would plan the same way.
     */
    public record PlannedStmt(PlanNode root, Query query, List<Column> columns, int execParams,
                              List<SubPlan> subplans, Map<Expr.SubLink, SubPlan> subplanOf,
                              boolean valueIndependent) {
        public boolean isSelect() {
            return query.command == Query.Command.SELECT;
        }
    }

    /** The planner's cost settings as read from a session's settings, kept while those settings do not change. */
    public static final class CostModel {
        private final Costs costs;

        private CostModel(Costs costs) {
            this.costs = costs;
        }
    }

    /** Reads the cost settings (the *_cost parameters, work_mem, the enable_* switches) from {@code settings}. */
    public static CostModel costModel(SessionSettings settings) {
        return new CostModel(new Costs(settings));
    }

    /**
     * Another session's temporary relations are not readable (0A000), and — PostgreSQL's
     * get_relation_info — a hot standby has no rows of unlogged and temporary relations (they are
     * never WAL-logged), so a query reading one is refused there.
     */
    private static void checkRelationAccess(Query q, FnContext fn) {
        org.walden.sql.catalog.CatalogLookup lookup = fn.lookup();
        boolean inRecovery = fn.serverStatus().inRecovery();
        for (int oid : q.relationsRead()) {
            org.walden.sql.catalog.Relation r = lookup.relation(oid);
            if (r != null && !r.virtual() && r.namespaceOid() != lookup.tempNamespaceOid()
                    && lookup.namespace(r.namespaceOid()) != null
                    && org.walden.sql.catalog.CatalogLookup.isTemporary(lookup.namespace(r.namespaceOid()))) {
                // PostgreSQL's ReadBufferExtended: another session's rows are in its local buffers
                throw new org.walden.common.PgException(org.walden.common.SqlState.FEATURE_NOT_SUPPORTED,
                        "cannot access temporary tables of other sessions");
            }
            if (!inRecovery) {
                continue;
            }
            if (r != null && !r.virtual() && r.relfilenode() != 0 && org.walden.sql.catalog.CatalogLookup.persistence(
                    fn.lookup().catalog(), r.namespaceOid(), r.relfilenode()) != 'p') {
                throw new org.walden.common.PgException(org.walden.common.SqlState.FEATURE_NOT_SUPPORTED,
                        "cannot access temporary or unlogged relations during recovery");
            }
        }
    }

    /**
     * Plans {@code q} for the session {@code fn} (its catalog and settings);
     * {@code relationBytes} tells a relfilenode's stored size, for tables never analyzed.
     */
    public static PlannedStmt plan(Query q, FnContext fn, CostModel model, IntToLongFunction relationBytes) {
        checkRelationAccess(q, fn);
        Costs costs = model.costs;
        AnalyzerEnv env = new AnalyzerEnv(fn.lookup(), fn.values(), new ParamTypes(new int[0]));
        PlannerGlobal g = new PlannerGlobal(fn, env, costs, relationBytes);
        QueryPlanner top = new QueryPlanner(g, null, q, QueryPlanner.Role.TOP);
        QueryPlanner.Planned planned = q.command == Query.Command.SELECT ? top.plan(1.0)
                : new ModifyPlanner(top, new RowWriters(g)).plan();
        PlanNode root = withModifyingCtes(q, top, planned.node());
        List<Column> columns = new ArrayList<>();
        List<Query.TargetEntry> targets = q.command == Query.Command.SELECT ? q.visibleTargets()
                : q.returningList == null ? List.of() : q.returningList;
        for (Query.TargetEntry t : targets) {
            if (!t.junk()) {
                columns.add(new Column(t.name(), t.expr().type(), t.expr().typmod(), t.originTable(),
                        t.originColumn()));
            }
        }
        return new PlannedStmt(root, q, List.copyOf(columns), g.execParams, List.copyOf(g.subplans),
                new HashMap<>(g.subplanOf), !g.valueDependent);
    }

    /**
     * The statement's data-modifying WITH queries run first, in order ({@link ModifyingCtes});
     * refused (0A000) when a part of the statement that runs after one of them reads the table it
     * changes, since PostgreSQL's parts share one snapshot and would not see the change.
     */
    private static PlanNode withModifyingCtes(Query q, QueryPlanner top, PlanNode root) {
        List<QueryPlanner.CteInfo> modifying = top.modifyingCtes();
        if (modifying.isEmpty()) {
            return root;
        }
        int[] ids = new int[modifying.size()];
        List<PlanNode> plans = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            QueryPlanner.CteInfo info = modifying.get(i);
            Query dml = info.cte.query;
            Relation target = ((RangeTblEntry.RelationRte) dml.rte(dml.resultRelation)).relation();
            // parts that run after it: later data-modifying WITH queries, the others (read lazily) and the statement
            java.util.Set<Integer> readElsewhere = new java.util.HashSet<>();
            relationsScanned(q, false, readElsewhere);
            boolean after = false;
            for (Query.CommonTableExpr c : q.cteList) {
                if (c.query != null && (after || c.query.command == Query.Command.SELECT)) {
                    relationsScanned(c.query, true, readElsewhere);
                }
                after |= c == info.cte;
            }
            if (readElsewhere.contains(target.oid())) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "a data-modifying statement in WITH on table \""
                        + target.name() + "\" that another part of the statement also reads is not supported")
                        .withDetail("Walden runs data-modifying WITH queries before the rest of the statement, so it "
                        + "would see their changes, where PostgreSQL's parts share one snapshot.");
            }
            ids[i] = info.id;
            plans.add(info.plan());
        }
        return new ModifyingCtes(root, q, ids, plans, modifying.stream().map(m -> m.cte.name).toList());
    }

    /** The tables {@code q} reads (an INSERT's target is written only), with its WITH queries' when {@code withCtes}. */
    private static void relationsScanned(Query q, boolean withCtes, java.util.Set<Integer> out) {
        int insertTarget = q.command == Query.Command.INSERT
                ? ((RangeTblEntry.RelationRte) q.rte(q.resultRelation)).relation().oid() : 0;
        for (RangeTblEntry rte : q.rtable) {
            if (rte instanceof RangeTblEntry.RelationRte r && r.relation().oid() != insertTarget) {
                out.add(r.relation().oid());
            } else if (rte instanceof RangeTblEntry.SubqueryRte s && s.subquery() != null) {
                relationsScanned(s.subquery(), true, out); // a view's query too
            }
        }
        if (withCtes) {
            for (Query.CommonTableExpr c : q.cteList) {
                if (c.query != null) {
                    relationsScanned(c.query, true, out);
                }
            }
        }
    }
}
