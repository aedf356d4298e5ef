package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.analyze.Query;
import org.walden.sql.analyze.RangeTblEntry;
import org.walden.sql.catalog.Relation;
import org.walden.sql.exec.AggNode;
import org.walden.sql.exec.Eval;
import org.walden.sql.exec.JoinNodes;
import org.walden.sql.exec.PlanNode;
import org.walden.sql.exec.ScanNodes;
import org.walden.sql.exec.SortNode;
import org.walden.sql.exec.UpperNodes;
import org.walden.sql.exec.WindowAggNode;
import org.walden.sql.plan.Paths.Path;
import org.walden.sql.plan.Paths.PathKey;
import org.walden.sql.plan.Paths.Rel;
import org.walden.sql.plan.PlanBuilder.Built;
import org.walden.sql.types.PgType;

/**
 * The part of a SELECT above its joins (PostgreSQL's grouping_planner): aggregation (plain,
 * sorted or hashed), window functions (each window over its input sorted on its PARTITION BY
 * and ORDER BY), set-returning functions in the select list (ProjectSet), the select list
 * itself, DISTINCT / DISTINCT ON, ORDER BY (skipped when an index already delivers the order),
 * FOR UPDATE / SHARE (LockRows, under LIMIT so only returned rows are locked) and LIMIT / OFFSET.
 */
final class UpperPlanner {

    private final QueryPlanner qp;
    private final PlannerGlobal g;
    private final Query q;
    private final List<Clause.SpecialJoin> semiJoins;
    private PlanBuilder pb;

    UpperPlanner(QueryPlanner qp, List<Clause.SpecialJoin> semiJoins) {
        this.qp = qp;
        this.g = qp.g;
        this.q = qp.q;
        this.semiJoins = semiJoins;
    }

    private List<Expr> targetExprs() {
        List<Expr> out = new ArrayList<>();
        for (Query.TargetEntry t : q.targetList) {
            out.add(t.expr());
        }
        return out;
    }

    private boolean grouped() {
        return q.hasAggs || !q.groupClause.isEmpty() || q.havingQual != null || q.groupingSets != null;
    }

    QueryPlanner.Planned plan(double tupleFraction) {
        List<Expr> upper = new ArrayList<>(targetExprs());
        if (q.havingQual != null) {
            upper.add(q.havingQual);
        }
        List<Expr.Var> extra = new ArrayList<>();
        List<Relation> locked = new ArrayList<>();
        List<Integer> lockedRts = new ArrayList<>();
        List<Expr> recheck = new ArrayList<>();
        if (q.rowMark != null) {
            lockTargets(extra, locked, lockedRts, recheck);
        }
        List<PathKey> wanted = grouped() || q.hasWindowFuncs || !q.distinctClause.isEmpty() ? List.of()
                : sortPathKeys(q.sortClause);
        JoinPlanner jp = new JoinPlanner(qp, semiJoins);
        Rel rel = jp.plan(upper, extra, wanted);
        pb = new PlanBuilder(qp, jp);
        double fraction = limitFraction(tupleFraction, rel.rows);
        Path path = choosePath(rel, wanted, fraction);
        boolean presorted = !wanted.isEmpty() && pathkeysMatch(path.pathkeys, wanted);
        Built cur = pb.build(path);
        cur = gate(cur, jp.gates);
        if (grouped()) {
            cur = aggregate(cur, rel);
            presorted = false;
        }
        if (q.hasWindowFuncs) {
            cur = windows(cur);
            presorted = false;
        }
        if (q.hasTargetSRFs) {
            cur = projectSet(cur);
        }
        List<Expr> tlist = targetExprs();
        if (q.rowMark != null) {
            if (!q.sortClause.isEmpty() && !presorted) {
                cur = sort(cur, q.sortClause);
            }
            cur = lockRows(cur, locked, lockedRts, recheck, tlist);
            presorted = true;
        } else {
            cur = project(cur, tlist);
        }
        if (!q.distinctClause.isEmpty()) {
            cur = distinct(cur, presorted);
            presorted = q.hasDistinctOn || !q.sortClause.isEmpty();
        }
        if (!q.sortClause.isEmpty() && !presorted) {
            cur = sort(cur, q.sortClause);
        }
        cur = limit(cur);
        return new QueryPlanner.Planned(cur.node(), cur.layout().columns);
    }

    // ---------------------------------------------------------------- path choice

    private List<PathKey> sortPathKeys(List<Query.SortGroupClause> clauses) {
        List<PathKey> out = new ArrayList<>();
        for (Query.SortGroupClause s : clauses) {
            out.add(new PathKey(q.targetBySortGroupRef(s.sortGroupRef()).expr(), s.descending(), s.nullsFirst()));
        }
        return out;
    }

    static boolean pathkeysMatch(List<PathKey> have, List<PathKey> want) {
        if (have.size() < want.size()) {
            return false;
        }
        for (int i = 0; i < want.size(); i++) {
            if (!have.get(i).equals(want.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** The fraction of the join's rows a LIMIT lets through (1 without one). */
    private double limitFraction(double tupleFraction, double rows) {
        double f = tupleFraction <= 0 ? 1.0 / Math.max(1, rows) : tupleFraction;
        if (q.limitCount instanceof Expr.Const c && c.value() instanceof Number n && !grouped()
                && q.distinctClause.isEmpty()) {
            double offset = q.limitOffset instanceof Expr.Const o && o.value() instanceof Number m ? m.doubleValue() : 0;
            f = Math.min(f, (n.doubleValue() + offset) / Math.max(1, rows));
        }
        return Math.min(1.0, f);
    }

    private Path choosePath(Rel rel, List<PathKey> wanted, double fraction) {
        Path best = rel.cheapest;
        double bestCost = partialCost(best, fraction, !wanted.isEmpty() && !pathkeysMatch(best.pathkeys, wanted),
                rel);
        if (!wanted.isEmpty()) {
            for (Path p : rel.ordered) {
                if (pathkeysMatch(p.pathkeys, wanted)) {
                    double c = partialCost(p, fraction, false, rel);
                    if (c < bestCost) {
                        best = p;
                        bestCost = c;
                    }
                }
            }
        } else if (fraction < 1.0) {
            for (Path p : rel.ordered) {
                double c = partialCost(p, fraction, false, rel);
                if (c < bestCost) {
                    best = p;
                    bestCost = c;
                }
            }
        }
        return best;
    }

    private double partialCost(Path p, double fraction, boolean needsSort, Rel rel) {
        if (needsSort) {
            double[] s = g.costs.sort(p.total, p.rows, rel.width, fraction * p.rows);
            return s[0] + (s[1] - s[0]) * fraction;
        }
        return p.startup + (p.total - p.startup) * fraction;
    }

    // ---------------------------------------------------------------- steps

    /** Conditions on no relation (and no volatile function): a Result whose One-Time Filter runs once. */
    private Built gate(Built in, List<Expr> gates) {
        return gate(pb, q, g, in, gates);
    }

    static Built gate(PlanBuilder pb, Query q, PlannerGlobal g, Built in, List<Expr> gates) {
        if (gates.isEmpty()) {
            return in;
        }
        ScanNodes.Result r = new ScanNodes.Result(in.layout().columns, q, in.node());
        Expr gate = Exprs.and(gates);
        int mark = g.subplans.size();
        r.setGate(gate, pb.compile(gate, new Layout(List.of()), null));
        pb.attachSubplans(r, mark);
        copyCost(r, in.node());
        return new Built(r, in.layout());
    }

    static void copyCost(PlanNode to, PlanNode from) {
        to.startupCost = from.startupCost;
        to.totalCost = from.totalCost;
        to.rows = from.rows;
        to.width = from.width;
    }

    private static boolean projectable(PlanNode n) {
        return !n.hasProjection() && !(n instanceof JoinNodes.Hash);
    }

    /** The node's output becomes {@code wanted}: its own projection, or a Result above it. */
    Built project(Built in, List<Expr> wanted) {
        if (in.layout().columns.equals(wanted)) {
            return in;
        }
        PlanNode node = in.node();
        if (projectable(node) && !(node instanceof SortNode) && !(node instanceof UpperNodes.Unique)
                && !(node instanceof UpperNodes.Limit)) {
            pb.project(node, in.layout(), wanted);
            return new Built(node, new Layout(wanted));
        }
        ScanNodes.Result r = new ScanNodes.Result(wanted, q, node);
        pb.project(r, in.layout(), wanted);
        copyCost(r, node);
        return new Built(r, new Layout(wanted));
    }

    private Built aggregate(Built in, Rel rel) {
        if (q.groupingSets != null) {
            return aggregateSets(in);
        }
        List<Expr> groupExprs = new ArrayList<>();
        boolean hashable = true;
        for (Query.SortGroupClause s : q.groupClause) {
            groupExprs.add(q.targetBySortGroupRef(s.sortGroupRef()).expr());
            hashable &= s.hashable();
        }
        Set<Expr.Aggref> aggs = new LinkedHashSet<>();
        for (Query.TargetEntry t : q.targetList) {
            aggs.addAll(Exprs.collect(t.expr(), Expr.Aggref.class));
        }
        if (q.havingQual != null) {
            aggs.addAll(Exprs.collect(q.havingQual, Expr.Aggref.class));
        }
        // columns functionally dependent on a grouped primary key ride along as further keys
        List<Expr> upper = new ArrayList<>();
        for (Query.TargetEntry t : q.targetList) {
            upper.add(t.expr());
        }
        upper.add(q.havingQual);
        for (Expr e : upper) {
            for (Expr.Var v : ungroupedVars(e, groupExprs)) {
                if (!groupExprs.contains(v)) {
                    groupExprs.add(v);
                }
            }
        }
        AggNode.Strategy strategy = groupExprs.isEmpty() ? AggNode.Strategy.PLAIN
                : hashable && g.costs.enableHashAgg ? AggNode.Strategy.HASHED : AggNode.Strategy.SORTED;
        Built input = in;
        if (strategy == AggNode.Strategy.SORTED) {
            input = sortOnExprs(in, groupExprs);
        }
        int mark = g.subplans.size();
        Layout l = input.layout();
        Eval[] keys = pb.compileAll(groupExprs, l, null);
        PgType[] keyTypes = new PgType[groupExprs.size()];
        for (int i = 0; i < keyTypes.length; i++) {
            keyTypes[i] = groupExprs.get(i).type();
        }
        List<AggNode.Spec> specs = new ArrayList<>();
        for (Expr.Aggref a : aggs) {
            specs.add(aggSpec(a, l));
        }
        List<Expr> output = new ArrayList<>(groupExprs);
        output.addAll(aggs);
        AggNode node = new AggNode(output, q, input.node(), strategy, keys, keyTypes, groupExprs, specs);
        pb.attachSubplans(node, mark);
        Layout out = new Layout(output);
        if (q.havingQual != null) {
            pb.setQual(node, Exprs.conjuncts(q.havingQual), out);
        }
        double inRows = input.node().rows;
        double groups = 1;
        for (Expr e : groupExprs) {
            groups *= g.costs.distinctValues(e, jpStats(), inRows);
        }
        node.rows = groupExprs.isEmpty() ? 1 : Math.max(1, Math.min(inRows, Math.round(groups)));
        node.startupCost = input.node().totalCost + g.costs.cpuOperatorCost * inRows * (aggs.size() + keys.length);
        node.totalCost = node.startupCost + g.costs.cpuTupleCost * node.rows;
        node.width = Math.max(8, 8 * output.size());
        return new Built(node, out);
    }

    /**
     * ROLLUP / CUBE / GROUPING SETS: one aggregation of the same input per grouping set, their rows
     * appended. Every branch produces the same columns: all grouping expressions (NULL where its
     * set does not group by one), each GROUPING(...) call's value for the set, then the
     * aggregates; HAVING filters the appended rows.
     */
    private Built aggregateSets(Built in) {
        List<Integer> refs = new ArrayList<>();
        List<Expr> allKeys = new ArrayList<>();
        for (Query.SortGroupClause s : q.groupClause) {
            refs.add(s.sortGroupRef());
            allKeys.add(q.targetBySortGroupRef(s.sortGroupRef()).expr());
        }
        List<Expr> upper = new ArrayList<>();
        for (Query.TargetEntry t : q.targetList) {
            upper.add(t.expr());
        }
        upper.add(q.havingQual);
        Set<Expr.Aggref> aggs = new LinkedHashSet<>();
        Set<Expr> groupingCalls = new LinkedHashSet<>();
        for (Expr e : upper) {
            aggs.addAll(Exprs.collect(e, Expr.Aggref.class));
            for (Expr.FuncExpr f : Exprs.collect(e, Expr.FuncExpr.class)) {
                if (f.function() == org.walden.sql.func.FunctionDef.GROUPING) {
                    groupingCalls.add(f);
                }
            }
        }
        // columns functionally dependent on a primary key grouped in every set ride along as keys of each
        List<Expr> dependent = new ArrayList<>();
        for (Expr e : upper) {
            for (Expr.Var v : ungroupedVars(e, allKeys)) {
                if (!dependent.contains(v)) {
                    dependent.add(v);
                }
            }
        }
        List<Expr> columns = new ArrayList<>(allKeys);
        columns.addAll(dependent);
        columns.addAll(groupingCalls);
        columns.addAll(aggs);
        List<PlanNode> parts = new ArrayList<>();
        double rows = 0;
        double cost = 0;
        for (List<Integer> set : q.groupingSets) {
            List<Expr> keys = new ArrayList<>();
            boolean hashable = true;
            for (int ref : set) {
                Expr k = allKeys.get(refs.indexOf(ref));
                if (!keys.contains(k)) {
                    keys.add(k);
                    hashable &= q.groupClause.get(refs.indexOf(ref)).hashable();
                }
            }
            java.util.Map<Expr, Expr> values = new java.util.HashMap<>();
            for (Expr k : allKeys) {
                values.put(k, keys.contains(k) ? k : new Expr.Const(k.type(), -1, null));
            }
            for (Expr call : groupingCalls) {
                int mask = 0;
                for (Expr arg : Exprs.children(call)) {
                    mask = (mask << 1) | (keys.contains(arg) ? 0 : 1);
                }
                values.put(call, new Expr.Const(PgType.INT4, -1, mask));
            }
            java.util.function.Function<Expr, Expr> inSet = e -> e instanceof Expr.Aggref ? e : values.get(e);
            for (Expr d : dependent) {
                keys.add(d);
            }
            AggNode.Strategy strategy = keys.isEmpty() ? AggNode.Strategy.PLAIN
                    : hashable && g.costs.enableHashAgg ? AggNode.Strategy.HASHED : AggNode.Strategy.SORTED;
            Built input = strategy == AggNode.Strategy.SORTED ? sortOnExprs(in, keys) : in;
            int mark = g.subplans.size();
            Layout l = input.layout();
            Eval[] keyEvals = pb.compileAll(keys, l, null);
            PgType[] keyTypes = new PgType[keys.size()];
            for (int i = 0; i < keyTypes.length; i++) {
                keyTypes[i] = keys.get(i).type();
            }
            List<AggNode.Spec> specs = new ArrayList<>();
            for (Expr.Aggref a : aggs) {
                specs.add(aggSpec(a, l));
            }
            List<Expr> produced = new ArrayList<>(keys);
            produced.addAll(aggs);
            AggNode node = new AggNode(produced, q, input.node(), strategy, keyEvals, keyTypes, keys, specs);
            pb.attachSubplans(node, mark);
            Layout out = new Layout(produced);
            List<Expr> projected = new ArrayList<>();
            for (Expr c : columns) {
                projected.add(Exprs.rewrite(c, inSet));
            }
            node.setProjection(pb.compileAll(projected, out, node), columns);
            double inRows = input.node().rows;
            double groups = 1;
            for (Expr e : keys) {
                groups *= g.costs.distinctValues(e, jpStats(), inRows);
            }
            node.rows = keys.isEmpty() ? 1 : Math.max(1, Math.min(inRows, Math.round(groups)));
            node.startupCost = input.node().totalCost + g.costs.cpuOperatorCost * inRows * (aggs.size() + keys.size());
            node.totalCost = node.startupCost + g.costs.cpuTupleCost * node.rows;
            node.width = Math.max(8, 8 * columns.size());
            parts.add(node);
            rows += node.rows;
            cost += node.totalCost;
        }
        UpperNodes.Append append = new UpperNodes.Append(columns, q, parts);
        append.rows = rows;
        append.startupCost = parts.isEmpty() ? 0 : parts.get(0).startupCost;
        append.totalCost = cost;
        append.width = Math.max(8, 8 * columns.size());
        if (q.havingQual != null) {
            // over the appended rows, so a subquery in HAVING sees each set's NULLs too
            pb.setQual(append, Exprs.conjuncts(q.havingQual), new Layout(columns));
        }
        return new Built(append, new Layout(columns));
    }

    /** The Vars of {@code e} outside aggregates and outside every group key. */
    private static List<Expr.Var> ungroupedVars(Expr e, List<Expr> groupExprs) {
        List<Expr.Var> out = new ArrayList<>();
        collectUngrouped(e, groupExprs, out);
        return out;
    }

    private static void collectUngrouped(Expr e, List<Expr> groupExprs, List<Expr.Var> out) {
        if (e == null || e instanceof Expr.Aggref || e instanceof Expr.WindowFunc || groupExprs.contains(e)) {
            return;
        }
        if (e instanceof Expr.Var v) {
            if (v.levelsUp() == 0) {
                out.add(v);
            }
            return;
        }
        for (Expr c : Exprs.children(e)) {
            collectUngrouped(c, groupExprs, out);
        }
    }

    private Costs.StatsSource jpStats() {
        return new Costs.StatsSource() {
            @Override
            public org.walden.sql.catalog.TableStats.ColumnStats columnStats(Expr.Var v) {
                return null;
            }

            @Override
            public double tuples(Expr.Var v) {
                return 1000;
            }

            @Override
            public boolean unique(Expr.Var v) {
                return false;
            }
        };
    }

    private AggNode.Spec aggSpec(Expr.Aggref a, Layout l) {
        Eval[] args = pb.compileAll(a.args(), l, null);
        Eval filter = pb.compile(a.filter(), l, null);
        int n = a.order().size();
        Eval[] orderKeys = new Eval[n];
        boolean[] desc = new boolean[n];
        boolean[] nullsFirst = new boolean[n];
        PgType[] orderTypes = new PgType[n];
        for (int i = 0; i < n; i++) {
            Expr.AggOrder o = a.order().get(i);
            orderKeys[i] = pb.compile(o.expr(), l, null);
            desc[i] = o.descending();
            nullsFirst[i] = o.nullsFirst();
            orderTypes[i] = o.expr().type();
        }
        // no ORDER BY in the call: null, so each row goes straight into the state (an empty order
        // would keep every input row until the group ends)
        return new AggNode.Spec(a.function(), args, a.argTypes().toArray(PgType[]::new), a.type(), a.star(),
                a.distinct(), filter, n == 0 ? null : orderKeys, desc, nullsFirst, orderTypes);
    }

    private Built windows(Built in) {
        Built cur = in;
        for (int w = 0; w < q.windowClause.size(); w++) {
            Query.WindowClause wc = q.windowClause.get(w);
            List<Expr.WindowFunc> funcs = new ArrayList<>();
            for (Query.TargetEntry t : q.targetList) {
                for (Expr.WindowFunc f : Exprs.collect(t.expr(), Expr.WindowFunc.class)) {
                    if (f.winref() == w && !funcs.contains(f)) {
                        funcs.add(f);
                    }
                }
            }
            if (funcs.isEmpty()) {
                continue;
            }
            List<Query.SortGroupClause> keys = new ArrayList<>(wc.partitionBy());
            keys.addAll(wc.orderBy());
            if (!keys.isEmpty()) {
                cur = sort(cur, keys);
            }
            int mark = g.subplans.size();
            Layout l = cur.layout();
            List<Expr> partition = exprsOf(wc.partitionBy());
            List<Expr> order = exprsOf(wc.orderBy());
            boolean[] orderDesc = new boolean[order.size()];
            for (int i = 0; i < orderDesc.length; i++) {
                orderDesc[i] = wc.orderBy().get(i).descending();
            }
            List<WindowAggNode.Call> calls = new ArrayList<>();
            for (Expr.WindowFunc f : funcs) {
                calls.add(new WindowAggNode.Call(f.function(), pb.compileAll(f.args(), l, null),
                        f.argTypes().toArray(PgType[]::new), f.type(), pb.compile(f.filter(), l, null)));
            }
            List<Expr> output = new ArrayList<>(l.columns);
            output.addAll(funcs);
            WindowAggNode node = new WindowAggNode(output, q, cur.node(), pb.compileAll(partition, l, null),
                    types(partition), pb.compileAll(order, l, null), types(order), orderDesc, wc.frame(),
                    pb.compile(wc.startOffset(), new Layout(List.of()), null),
                    pb.compile(wc.endOffset(), new Layout(List.of()), null), calls, wc.name());
            pb.attachSubplans(node, mark);
            copyCost(node, cur.node());
            node.totalCost += g.costs.cpuOperatorCost * node.rows * funcs.size();
            cur = new Built(node, new Layout(output));
        }
        return cur;
    }

    private List<Expr> exprsOf(List<Query.SortGroupClause> clauses) {
        List<Expr> out = new ArrayList<>();
        for (Query.SortGroupClause s : clauses) {
            out.add(q.targetBySortGroupRef(s.sortGroupRef()).expr());
        }
        return out;
    }

    private static PgType[] types(List<Expr> exprs) {
        PgType[] out = new PgType[exprs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = exprs.get(i).type();
        }
        return out;
    }

    /** Set-returning functions in the select list: a ProjectSet producing the input's columns and each function's values. */
    private Built projectSet(Built in) {
        List<Expr> srfs = new ArrayList<>();
        for (Query.TargetEntry t : q.targetList) {
            Exprs.any(t.expr(), x -> {
                if (x instanceof Expr.FuncExpr f && f.function().retset) {
                    if (!srfs.contains(x)) {
                        srfs.add(x);
                    }
                    return true;
                }
                return false;
            });
        }
        Layout l = in.layout();
        int mark = g.subplans.size();
        List<UpperNodes.ProjectSet.Column> columns = new ArrayList<>();
        for (Expr c : l.columns) {
            columns.add(new UpperNodes.ProjectSet.Column(pb.compile(c, l, null), null, null, null));
        }
        for (Expr s : srfs) {
            Expr.FuncExpr f = (Expr.FuncExpr) s;
            columns.add(new UpperNodes.ProjectSet.Column(null, f.function(), pb.compileAll(f.args(), l, null),
                    f.argTypes().toArray(PgType[]::new)));
        }
        List<Expr> output = new ArrayList<>(l.columns);
        output.addAll(srfs);
        UpperNodes.ProjectSet node = new UpperNodes.ProjectSet(output, q, in.node(), columns);
        pb.attachSubplans(node, mark);
        copyCost(node, in.node());
        node.rows = in.node().rows * 10;
        return new Built(node, new Layout(output));
    }

    private Built sort(Built in, List<Query.SortGroupClause> clauses) {
        List<Expr> keys = exprsOf(clauses);
        boolean[] desc = new boolean[keys.size()];
        boolean[] nullsFirst = new boolean[keys.size()];
        for (int i = 0; i < desc.length; i++) {
            desc[i] = clauses.get(i).descending();
            nullsFirst[i] = clauses.get(i).nullsFirst();
        }
        SortNode s = pb.sort(in, keys, desc, nullsFirst);
        return new Built(s, in.layout());
    }

    private Built sortOnExprs(Built in, List<Expr> keys) {
        return new Built(pb.sort(in, keys, new boolean[keys.size()], new boolean[keys.size()]), in.layout());
    }

    private Built distinct(Built in, boolean presorted) {
        Layout l = in.layout();
        List<Integer> cols = new ArrayList<>();
        List<PgType> types = new ArrayList<>();
        for (Query.SortGroupClause s : q.distinctClause) {
            Expr e = q.targetBySortGroupRef(s.sortGroupRef()).expr();
            cols.add(l.indexOf(e));
            types.add(e.type());
        }
        boolean hashable = q.distinctClause.stream().allMatch(Query.SortGroupClause::hashable);
        if (!q.hasDistinctOn && q.sortClause.isEmpty() && hashable && g.costs.enableHashAgg) {
            List<Expr> keys = new ArrayList<>();
            for (int c : cols) {
                keys.add(l.columns.get(c));
            }
            int mark = g.subplans.size();
            Eval[] evals = pb.compileAll(keys, l, null);
            AggNode node = new AggNode(l.columns, q, in.node(), AggNode.Strategy.HASHED, evals,
                    types.toArray(PgType[]::new), keys, List.of());
            pb.attachSubplans(node, mark);
            if (keys.size() != l.columns.size()) {
                // every output column is a DISTINCT column; junk columns do not exist here
                throw new IllegalStateException("DISTINCT with columns outside the distinct list");
            }
            copyCost(node, in.node());
            node.rows = Math.max(1, in.node().rows / 2);
            return new Built(node, l);
        }
        Built sorted = in;
        if (!presorted) {
            List<Query.SortGroupClause> order = new ArrayList<>(q.hasDistinctOn ? q.sortClause : q.sortClause);
            for (Query.SortGroupClause d : q.distinctClause) {
                if (order.stream().noneMatch(o -> o.sortGroupRef() == d.sortGroupRef())) {
                    order.add(d);
                }
            }
            sorted = sort(in, order);
        }
        UpperNodes.Unique u = new UpperNodes.Unique(l.columns, q, sorted.node(),
                cols.stream().mapToInt(Integer::intValue).toArray(), types.toArray(PgType[]::new));
        copyCost(u, sorted.node());
        u.rows = Math.max(1, sorted.node().rows / 2);
        return new Built(u, l);
    }

    private Built limit(Built in) {
        if (q.limitCount == null && q.limitOffset == null) {
            return in;
        }
        Layout none = new Layout(List.of());
        Eval count = pb.compile(q.limitCount, none, null);
        Eval offset = pb.compile(q.limitOffset, none, null);
        Eval[] tieKeys = null;
        PgType[] tieTypes = null;
        if (q.limitWithTies) {
            List<Expr> keys = exprsOf(q.sortClause);
            tieKeys = pb.compileAll(keys, in.layout(), null);
            tieTypes = types(keys);
        }
        if (in.node() instanceof SortNode s && count != null) {
            s.setBound((row, st) -> {
                Object c = count.eval(null, st);
                Object o = offset == null ? null : offset.eval(null, st);
                if (c == null || q.limitWithTies) {
                    return null;
                }
                return ((Number) c).longValue() + (o == null ? 0 : ((Number) o).longValue());
            });
        }
        UpperNodes.Limit node = new UpperNodes.Limit(in.layout().columns, q, in.node(), offset, count, tieKeys,
                tieTypes);
        copyCost(node, in.node());
        if (q.limitCount instanceof Expr.Const c && c.value() instanceof Number n) {
            double rows = Math.min(in.node().rows, n.doubleValue());
            double frac = rows / Math.max(1, in.node().rows);
            node.rows = Math.max(1, rows);
            node.totalCost = in.node().startupCost + (in.node().totalCost - in.node().startupCost) * frac;
        }
        return new Built(node, in.layout());
    }

    // ---------------------------------------------------------------- FOR UPDATE / SHARE

    private void lockTargets(List<Expr.Var> extra, List<Relation> locked, List<Integer> rts, List<Expr> recheck) {
        if (grouped() || !q.distinctClause.isEmpty() || q.hasWindowFuncs) {
            String what = grouped() ? (q.groupClause.isEmpty() ? "aggregate functions" : "GROUP BY clause")
                    : !q.distinctClause.isEmpty() ? "DISTINCT clause" : "window functions";
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "FOR " + q.rowMark.strength().toUpperCase(
                    java.util.Locale.ROOT) + " is not allowed with " + what);
        }
        for (int rt : q.rowMark.rtIndexes()) {
            if (!(q.rte(rt) instanceof RangeTblEntry.RelationRte r) || r.relation().virtual()) {
                continue;
            }
            Relation t = r.relation();
            locked.add(t);
            rts.add(rt);
            for (int i = 0; i < t.columns().size(); i++) {
                extra.add(new Expr.Var(rt, i + 1, t.column(i).type(), t.column(i).typmod(), 0));
            }
            extra.add(new Expr.Var(rt, Expr.ROW_KEY, PgType.BYTEA, -1, 0));
            extra.add(new Expr.Var(rt, Expr.ROW_RAW, PgType.BYTEA, -1, 0));
        }
        for (Expr c : Exprs.conjuncts(q.jointree.quals())) {
            if (!Exprs.any(c, x -> x instanceof Expr.SubLink)) {
                recheck.add(c);
                extra.addAll(QueryTrees.vars(c));
            }
        }
    }

    private Built lockRows(Built in, List<Relation> tables, List<Integer> rts, List<Expr> recheck, List<Expr> tlist) {
        Layout l = in.layout();
        int[] keys = new int[rts.size()];
        int[] raws = new int[rts.size()];
        int[] firsts = new int[rts.size()];
        for (int i = 0; i < rts.size(); i++) {
            int rt = rts.get(i);
            Relation t = tables.get(i);
            keys[i] = l.indexOf(new Expr.Var(rt, Expr.ROW_KEY, PgType.BYTEA, -1, 0));
            raws[i] = l.indexOf(new Expr.Var(rt, Expr.ROW_RAW, PgType.BYTEA, -1, 0));
            firsts[i] = l.indexOf(new Expr.Var(rt, 1, t.column(0).type(), t.column(0).typmod(), 0));
        }
        Expr check = Exprs.and(recheck);
        Eval recheckEval = pb.compile(check, l, null);
        UpperNodes.LockRows node = new UpperNodes.LockRows(tlist, q, in.node(), tables, keys, raws, firsts,
                recheckEval, q.rowMark.noWait(), q.rowMark.skipLocked());
        pb.project(node, l, tlist);
        copyCost(node, in.node());
        return new Built(node, new Layout(tlist));
    }
}
