package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.analyze.Query;
import org.walden.sql.analyze.RangeTblEntry;
import org.walden.sql.exec.Eval;
import org.walden.sql.exec.ExprCompiler;
import org.walden.sql.exec.PlanNode;
import org.walden.sql.exec.ScanNodes;
import org.walden.sql.exec.SubPlan;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.types.PgType;

/**
 * Plans one query level (PostgreSQL's subquery_planner and grouping_planner): its WITH queries,
 * its EXISTS / IN subqueries turned into semi and anti joins where that is exact, its FROM and
 * WHERE ({@link JoinPlanner}), then grouping, window functions, DISTINCT, ORDER BY, LIMIT and
 * row locks ({@link UpperPlanner}), or its set operation. Subqueries in expressions are planned
 * by child planners and run as {@link SubPlan}s; a child's references to this level's columns
 * become execution parameters its SubPlan (or, for a LATERAL item, the nested loop above it)
 * sets. The analyzed query is never changed: the planner works on a copy.
 */
final class QueryPlanner implements ExprCompiler.SubLinks {

    /** How this level is run by the level above. */
    enum Role { TOP, SUBLINK, SUBQUERY, LATERAL, CTE }

    /** A planned level: its top node and what the node's output columns hold, in the level's terms. */
    record Planned(PlanNode node, List<Expr> output) {
    }

    /** A WITH query of this level: planned once, on first use, and shared by every CTE Scan of it. */
    final class CteInfo {
        final Query.CommonTableExpr cte;
        final int id;
        final int workTableId;
        private PlanNode plan;
        private boolean planning;

        CteInfo(Query.CommonTableExpr cte) {
            this.cte = cte;
            this.id = g.cteIds++;
            this.workTableId = cte.recursive ? g.cteIds++ : -1;
        }

        PlanNode plan() {
            if (plan == null) {
                if (planning) {
                    throw new IllegalStateException("CTE " + cte.name + " refers to itself");
                }
                planning = true;
                QueryPlanner child = new QueryPlanner(g, QueryPlanner.this, cte.query, Role.CTE);
                plan = cte.recursive ? child.planRecursive(this)
                        : cte.query.command != Query.Command.SELECT
                        ? new ModifyPlanner(child, new RowWriters(g)).plan().node()
                        : child.plan(1.0).node();
            }
            return plan;
        }
    }

    final PlannerGlobal g;
    final QueryPlanner parent;
    final Role role;
    final Query q;
    final ConstFolder folder;
    /** The parent level's columns this level (or a level below it) reads, each with its execution parameter. */
    final Map<Expr.Var, Integer> outerParams = new LinkedHashMap<>();
    /** True when this level or one below it reads a level above the parent (not only the parent). */
    boolean readsAncestors;
    private final Map<String, CteInfo> ctes = new HashMap<>();

    QueryPlanner(PlannerGlobal g, QueryPlanner parent, Query original, Role role) {
        this.g = g;
        this.parent = parent;
        this.role = role;
        this.q = QueryTrees.copy(original);
        this.folder = new ConstFolder(g.constState);
        for (Query.CommonTableExpr c : q.cteList) {
            ctes.put(c.name, new CteInfo(c));
        }
    }

    /** Takes {@code other}'s WITH queries as this level's (INSERT's source is planned as the INSERT's level). */
    void adoptCtes(QueryPlanner other) {
        ctes.putAll(other.ctes);
    }

    /** This level's data-modifying WITH queries (INSERT / UPDATE / DELETE), in their order. */
    List<CteInfo> modifyingCtes() {
        List<CteInfo> out = new ArrayList<>();
        for (Query.CommonTableExpr c : q.cteList) {
            if (c.query != null && c.query.command != Query.Command.SELECT) {
                out.add(ctes.get(c.name));
            }
        }
        return out;
    }

    /** The CTE {@code name} of the level {@code levelsUp} out. */
    CteInfo cte(String name, int levelsUp) {
        QueryPlanner p = this;
        for (int i = 0; i < levelsUp; i++) {
            p = p.parent;
        }
        CteInfo info = p.ctes.get(name);
        if (info == null) {
            throw new IllegalStateException("CTE " + name + " not found");
        }
        return info;
    }

    // ---------------------------------------------------------------- planning

    /** Plans the level; {@code tupleFraction} is the fraction of its rows the caller will read (EXISTS: one). */
    Planned plan(double tupleFraction) {
        foldTargets();
        inlineCtes();
        if (q.setOperations != null) {
            return new SetOpPlanner(this).plan(tupleFraction);
        }
        List<Clause.SpecialJoin> semiJoins = new SubLinkPullUp(this).pullUp();
        return new UpperPlanner(this, semiJoins).plan(tupleFraction);
    }

    /** A recursive CTE: the non-recursive term, then the recursive term over the working table. */
    PlanNode planRecursive(CteInfo info) {
        Query.SetOperation top = (Query.SetOperation) q.setOperations;
        Planned left = leaf(((Query.SetOpLeaf) top.left()).rtIndex());
        Planned right = leaf(((Query.SetOpLeaf) top.right()).rtIndex());
        List<Expr> out = new ArrayList<>();
        for (Query.TargetEntry t : q.targetList) {
            out.add(t.expr());
        }
        PlanNode node = new org.walden.sql.exec.UpperNodes.RecursiveUnion(out, q, left.node(), right.node(),
                info.workTableId, !top.all());
        node.rows = left.node().rows * 10;
        node.startupCost = left.node().startupCost;
        node.totalCost = left.node().totalCost + 10 * right.node().totalCost;
        node.width = left.node().width;
        return node;
    }

    /** A set operation operand: its subquery planned, with only its visible columns. */
    Planned leaf(int rtIndex) {
        RangeTblEntry.SubqueryRte s = (RangeTblEntry.SubqueryRte) q.rte(rtIndex);
        QueryPlanner child = new QueryPlanner(g, this, s.subquery(), Role.SUBQUERY);
        Planned p = child.plan(1.0);
        int visible = s.subquery().visibleTargets().size();
        PlanNode node = p.node();
        List<Expr> vars = new ArrayList<>();
        for (int i = 0; i < visible; i++) {
            vars.add(new Expr.Var(rtIndex, i + 1, s.columnType(i + 1), s.columnTypmod(i + 1), 0));
        }
        if (node.output.size() != visible) {
            List<Expr> trimmed = new ArrayList<>(node.output.subList(0, visible));
            PlanNode r = new ScanNodes.Result(trimmed, child.q, node);
            Eval[] proj = new Eval[visible];
            Layout l = new Layout(node.output);
            for (int i = 0; i < visible; i++) {
                proj[i] = new ExprCompiler(l, child).compile(node.output.get(i));
            }
            r.setProjection(proj);
            r.startupCost = node.startupCost;
            r.totalCost = node.totalCost;
            r.rows = node.rows;
            r.width = node.width;
            node = r;
        }
        return new Planned(node, vars);
    }

    private void foldTargets() {
        for (int i = 0; i < q.targetList.size(); i++) {
            Query.TargetEntry t = q.targetList.get(i);
            q.targetList.set(i, t.withExpr(folder.fold(t.expr())));
        }
        q.havingQual = folder.fold(q.havingQual);
        q.limitCount = folder.fold(q.limitCount);
        q.limitOffset = folder.fold(q.limitOffset);
    }

    /**
     * A WITH query referenced once at this level, not recursive, not MATERIALIZED and without
     * side effects is planned in place as a subquery (PostgreSQL 12's inlining).
     */
    private void inlineCtes() {
        for (int i = 0; i < q.rtable.size(); i++) {
            if (q.rtable.get(i) instanceof RangeTblEntry.CteRte c && c.levelsUp() == 0 && !c.selfReference()) {
                CteInfo info = ctes.get(c.cteName());
                Query.CommonTableExpr cte = info.cte;
                if (!cte.recursive && cte.references == 1 && !Boolean.TRUE.equals(cte.materialized)
                        && cte.query.command == Query.Command.SELECT && !hasVolatile(cte.query)) {
                    q.rtable.set(i, new RangeTblEntry.SubqueryRte(cte.query, c.alias(), c.columnNames(), false,
                            null));
                }
            }
        }
    }

    private static boolean hasVolatile(Query sub) {
        boolean[] found = {false};
        QueryTrees.expressions(sub, e -> found[0] |= Exprs.volatileFunctions(e));
        return found[0];
    }

    // ---------------------------------------------------------------- SubLinks

    @Override
    public Eval outerVar(Expr.Var v) {
        QueryPlanner child = this;
        for (int i = 1; i < v.levelsUp(); i++) {
            child.readsAncestors = true;
            child = child.parent;
        }
        Expr.Var key = new Expr.Var(v.varno(), v.attno(), v.type(), v.typmod(), 0);
        Integer slot = child.outerParams.get(key);
        if (slot == null) {
            slot = g.newExecParam();
            child.outerParams.put(key, slot);
        }
        return new ExprCompiler(e -> -1, null).compile(new Expr.ExecParam(slot, v.type(), v.typmod()));
    }

    @Override
    public Eval subLink(Expr.SubLink s, ExprCompiler compiler) {
        QueryPlanner child = new QueryPlanner(g, this, s.subquery(), Role.SUBLINK);
        double fraction = s.kind() == Expr.SubLinkKind.EXISTS ? 0.0 : 1.0;
        Planned planned = child.plan(fraction);
        int[] slots = new int[child.outerParams.size()];
        Eval[] values = new Eval[slots.length];
        int i = 0;
        for (Map.Entry<Expr.Var, Integer> e : child.outerParams.entrySet()) {
            slots[i] = e.getValue();
            values[i] = compiler.compile(e.getKey());
            i++;
        }
        Eval[] tests = new Eval[s.testExprs().size()];
        FunctionDef.Impl[] ops = new FunctionDef.Impl[tests.length];
        List<Query.TargetEntry> cols = s.subquery().visibleTargets();
        PgType[] colTypes = new PgType[cols.size()];
        for (int c = 0; c < colTypes.length; c++) {
            colTypes[c] = cols.get(c).expr().type();
        }
        for (int t = 0; t < tests.length; t++) {
            tests[t] = compiler.compile(s.testExprs().get(t));
            OperatorDef op = s.operators().get(t);
            ops[t] = ExprCompiler.operatorImpl(op, List.of(op.left(), op.right()), op.result());
        }
        boolean uncorrelated = slots.length == 0 && !child.readsAncestors;
        boolean hashed = uncorrelated && s.kind() == Expr.SubLinkKind.ANY && tests.length == 1
                && s.operators().get(0).isEquality() && s.operators().get(0).hashable();
        SubPlan sp = new SubPlan(g.subplanIds++ + 1, planned.node(), s.kind(), slots, values, tests, ops, colTypes,
                uncorrelated, hashed);
        g.subplans.add(sp);
        g.subplanOf.put(s, sp);
        return sp;
    }
}
