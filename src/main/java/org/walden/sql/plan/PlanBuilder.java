package org.walden.sql.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.analyze.Query;
import org.walden.sql.analyze.RangeTblEntry;
import org.walden.sql.catalog.Relation;
import org.walden.sql.exec.Eval;
import org.walden.sql.exec.ExprCompiler;
import org.walden.sql.exec.IndexScan;
import org.walden.sql.exec.JoinNodes;
import org.walden.sql.exec.PlanNode;
import org.walden.sql.exec.ScanNodes;
import org.walden.sql.exec.SortNode;
import org.walden.sql.exec.SubPlan;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.plan.Paths.IndexClause;
import org.walden.sql.plan.Paths.JoinMethod;
import org.walden.sql.plan.Paths.JoinPath;
import org.walden.sql.plan.Paths.Path;
import org.walden.sql.plan.Paths.PathKey;
import org.walden.sql.plan.Paths.Rel;
import org.walden.sql.plan.Paths.ScanPath;
import org.walden.sql.types.PgType;

/**
 * Turns the chosen path into executor nodes (PostgreSQL's createplan.c and setrefs.c): each
 * node's output columns are the Vars the nodes above still need, its conditions and keys are
 * compiled against the rows of the nodes below, and the values a nested loop passes to its
 * inner side (outer columns for a parameterized index scan or a LATERAL item) become execution
 * parameters.
 */
final class PlanBuilder {

    /** A built node and what its output columns hold. */
    record Built(PlanNode node, Layout layout) {
    }

    private final QueryPlanner qp;
    private final PlannerGlobal g;
    private final Query q;
    private final JoinPlanner jp;
    /** Outer columns the inner side of the nested loops being built asks for, innermost loop on top. */
    private final Deque<Map<Expr.Var, Integer>> paramRequests = new ArrayDeque<>();

    PlanBuilder(QueryPlanner qp, JoinPlanner jp) {
        this.qp = qp;
        this.g = qp.g;
        this.q = qp.q;
        this.jp = jp;
    }

    // ---------------------------------------------------------------- compiling

    Eval compile(Expr e, Layout layout, PlanNode owner) {
        if (e == null) {
            return null;
        }
        int before = g.subplans.size();
        Eval out = new ExprCompiler(layout, qp).compile(e);
        attachSubplans(owner, before);
        return out;
    }

    Eval[] compileAll(List<Expr> exprs, Layout layout, PlanNode owner) {
        Eval[] out = new Eval[exprs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = compile(exprs.get(i), layout, owner);
        }
        return out;
    }

    void attachSubplans(PlanNode owner, int from) {
        if (owner == null) {
            return;
        }
        for (int i = from; i < g.subplans.size(); i++) {
            SubPlan s = g.subplans.get(i);
            if (!owner.subPlans.contains(s)) {
                owner.subPlans.add(s);
            }
        }
    }

    /** Sets a node's filter (an AND of {@code quals}) compiled against the rows it produces. */
    void setQual(PlanNode node, List<Expr> quals, Layout produced) {
        Expr qual = Exprs.and(quals);
        if (qual != null) {
            node.setQual(qual, compile(qual, produced, node));
        }
    }

    /** Sets a node's projection to {@code wanted} when its produced rows differ from it. */
    void project(PlanNode node, Layout produced, List<Expr> wanted) {
        if (produced.columns.equals(wanted)) {
            return;
        }
        node.setProjection(compileAll(wanted, produced, node), wanted);
    }

    // ---------------------------------------------------------------- paths

    Built build(Path p) {
        if (p instanceof JoinPath j) {
            return join(j);
        }
        return scan((ScanPath) p);
    }

    /** The columns a scan of {@code rel} produces: all its columns, then the row key and raw row when needed. */
    private Layout scanLayout(Rel rel, Relation t, boolean withKey, boolean withRaw) {
        List<Expr> cols = new ArrayList<>();
        for (int i = 0; i < t.columns().size(); i++) {
            cols.add(new Expr.Var(rel.rtIndex, i + 1, t.column(i).type(), t.column(i).typmod(), 0));
        }
        if (withKey) {
            cols.add(new Expr.Var(rel.rtIndex, Expr.ROW_KEY, PgType.BYTEA, -1, 0));
        }
        if (withRaw) {
            cols.add(new Expr.Var(rel.rtIndex, Expr.ROW_RAW, PgType.BYTEA, -1, 0));
        }
        return new Layout(cols);
    }

    private Layout columnsLayout(Rel rel, int count, List<PgType> types) {
        List<Expr> cols = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            PgType t = i < types.size() ? types.get(i) : PgType.INT8;
            cols.add(new Expr.Var(rel.rtIndex, i + 1, t, rel.rte.columnTypmod(i + 1), 0));
        }
        return new Layout(cols);
    }

    private Built scan(ScanPath p) {
        Rel rel = p.rel;
        requestLateral(rel);
        if (rel.kind != Paths.RelKind.RESULT && !(rel.kind == Paths.RelKind.TABLE && p.uniquePoint)) {
            g.valueDependent = true;
        }
        return switch (rel.kind) {
            case TABLE -> tableScan(p);
            case CATALOG -> {
                RangeTblEntry.RelationRte r = (RangeTblEntry.RelationRte) rel.rte;
                Layout l = scanLayout(rel, r.relation(), false, false);
                PlanNode n = new ScanNodes.CatalogScan(l.columns, q, r.relation(), r.alias(), r.viaView());
                finishScan(n, p, l);
                yield new Built(n, l);
            }
            case FUNCTION -> functionScan(p);
            case VALUES -> {
                RangeTblEntry.ValuesRte v = (RangeTblEntry.ValuesRte) rel.rte;
                Layout l = columnsLayout(rel, v.columnNames().size(), v.columnTypes());
                Eval[][] rows = new Eval[v.rows().size()][];
                int mark = g.subplans.size();
                for (int i = 0; i < rows.length; i++) {
                    List<Expr> row = new ArrayList<>();
                    for (Expr e : v.rows().get(i)) {
                        row.add(lateralToParams(qp.folder.fold(e), rel));
                    }
                    rows[i] = compileAll(row, new Layout(List.of()), null);
                }
                PlanNode n = new ScanNodes.ValuesScan(l.columns, q, rows);
                attachSubplans(n, mark);
                finishScan(n, p, l);
                yield new Built(n, l);
            }
            case CTE -> {
                RangeTblEntry.CteRte c = (RangeTblEntry.CteRte) rel.rte;
                QueryPlanner.CteInfo info = qp.cte(c.cteName(), c.levelsUp());
                Layout l = columnsLayout(rel, c.columnNames().size(), c.columnTypes());
                PlanNode n = new ScanNodes.CteScan(l.columns, q, info.id, info.plan(), c.cteName(), c.alias());
                finishScan(n, p, l);
                yield new Built(n, l);
            }
            case WORKTABLE -> {
                RangeTblEntry.CteRte c = (RangeTblEntry.CteRte) rel.rte;
                QueryPlanner.CteInfo info = qp.cte(c.cteName(), c.levelsUp());
                Layout l = columnsLayout(rel, c.columnNames().size(), c.columnTypes());
                PlanNode n = new ScanNodes.WorkTableScan(l.columns, q, info.workTableId, c.alias());
                finishScan(n, p, l);
                yield new Built(n, l);
            }
            case SUBQUERY -> subqueryScan(p);
            case RESULT -> {
                Layout l = new Layout(List.of());
                PlanNode n = new ScanNodes.Result(List.of(), q, null);
                finishScan(n, p, l);
                yield new Built(n, l);
            }
            case JOIN -> throw new IllegalStateException("join rel as scan");
        };
    }

    private void finishScan(PlanNode n, Path p, Layout l) {
        setQual(n, ((ScanPath) p).filters, l);
        cost(n, p);
    }

    static void cost(PlanNode n, Path p) {
        n.startupCost = p.startup;
        n.totalCost = p.total;
        n.rows = p.rows;
        n.width = p.rel.width;
    }

    private Built tableScan(ScanPath p) {
        Rel rel = p.rel;
        RangeTblEntry.RelationRte r = (RangeTblEntry.RelationRte) rel.rte;
        Relation t = r.relation();
        List<Expr.Var> needed = jp.neededVars(rel.relids);
        boolean withKey = false;
        boolean withRaw = false;
        int decode = 0;
        for (Expr.Var v : needed) {
            withKey |= v.attno() == Expr.ROW_KEY;
            withRaw |= v.attno() == Expr.ROW_RAW;
            decode = Math.max(decode, v.attno());
        }
        for (Expr f : p.filters) {
            for (Expr.Var v : QueryTrees.vars(f)) {
                decode = Math.max(decode, v.attno());
            }
        }
        Layout l = scanLayout(rel, t, withKey, withRaw);
        PlanNode n;
        if (p.kind == Paths.ScanKind.SEQ) {
            n = new ScanNodes.SeqScan(l.columns, q, t, r.alias(), decode, withKey, withRaw);
        } else {
            n = indexScan(p, t, r.alias(), l, decode, withKey, withRaw);
        }
        finishScan(n, p, l);
        return new Built(n, l);
    }

    private PlanNode indexScan(ScanPath p, Relation t, String alias, Layout l, int decode, boolean withKey,
                               boolean withRaw) {
        List<Expr> keys = jp.basePaths.keyExprs(p.rel, t, p.index);
        PgType[] keyTypes = new PgType[keys.size()];
        for (int i = 0; i < keyTypes.length; i++) {
            keyTypes[i] = keys.get(i).type();
        }
        List<IndexScan.KeyColumn> keyColumns = new ArrayList<>();
        List<Expr> conds = new ArrayList<>();
        Layout none = new Layout(List.of());
        int mark = g.subplans.size();
        int rangeColumn = -1;
        Eval lower = null;
        Eval upper = null;
        boolean lowerInc = false;
        boolean upperInc = false;
        for (IndexClause c : p.indexClauses) {
            conds.add(c.clause());
            Eval v = compile(outerToParams(c.value(), p.rel), none, null);
            if (c.op().equals("=")) {
                keyColumns.add(c.in() ? IndexScan.KeyColumn.in(v) : IndexScan.KeyColumn.eq(v));
                continue;
            }
            rangeColumn = c.column();
            if (c.op().startsWith(">")) {
                lower = v;
                lowerInc = c.op().equals(">=");
            } else {
                upper = v;
                upperInc = c.op().equals("<=");
            }
        }
        if (rangeColumn >= 0) {
            keyColumns.add(IndexScan.KeyColumn.range(lower, lowerInc, upper, upperInc));
        }
        IndexScan node = new IndexScan(l.columns, q, t, p.index, alias, p.kind == Paths.ScanKind.INDEX_ONLY,
                keyColumns, conds, keyTypes, decode, withKey, withRaw);
        attachSubplans(node, mark);
        return node;
    }

    private Built functionScan(ScanPath p) {
        Rel rel = p.rel;
        RangeTblEntry.FunctionRte f = (RangeTblEntry.FunctionRte) rel.rte;
        int columns = f.columnNames().size() - (f.ordinality() ? 1 : 0);
        Layout l = columnsLayout(rel, f.columnNames().size(), f.columnTypes());
        Expr call = lateralToParams(qp.folder.fold(f.call()), rel);
        Layout none = new Layout(List.of());
        String name = call instanceof Expr.FuncExpr fe ? fe.function().name : "result";
        int mark = g.subplans.size();
        ScanNodes.FunctionScan n;
        if (call instanceof Expr.FuncExpr fe && fe.function().retset) {
            Eval[] args = compileAll(fe.args(), none, null);
            n = new ScanNodes.FunctionScan(l.columns, q, name, f.alias(), fe.function(), args,
                    fe.argTypes().toArray(PgType[]::new), null, columns, f.ordinality());
        } else {
            Eval value = compile(call, none, null);
            n = new ScanNodes.FunctionScan(l.columns, q, name, f.alias(), null, null, null, value, columns,
                    f.ordinality());
        }
        attachSubplans(n, mark);
        finishScan(n, p, l);
        return new Built(n, l);
    }

    private Built subqueryScan(ScanPath p) {
        Rel rel = p.rel;
        Paths.SubqueryInfo sub = rel.subquery;
        List<Expr> cols = new ArrayList<>();
        int visible = rel.rte.columnNames().size();
        for (int i = 0; i < sub.plan.output.size(); i++) {
            if (i < visible) {
                cols.add(new Expr.Var(rel.rtIndex, i + 1, rel.rte.columnType(i + 1), rel.rte.columnTypmod(i + 1), 0));
            } else {
                cols.add(new Expr.Const(PgType.INT4, -1000 - i));
            }
        }
        Layout l = new Layout(cols);
        if (p.filters.isEmpty()) {
            return new Built(sub.plan, l);
        }
        PlanNode n = new ScanNodes.SubqueryScan(cols, q, sub.plan, rel.rte.alias());
        finishScan(n, p, l);
        return new Built(n, l);
    }

    // ---------------------------------------------------------------- execution parameters

    /** A LATERAL item's references to its outer items: asked of the nested loop above. */
    private void requestLateral(Rel rel) {
        if (rel.lateralParams.isEmpty()) {
            return;
        }
        Map<Expr.Var, Integer> top = paramRequests.peek();
        if (top == null) {
            throw new IllegalStateException("LATERAL item built outside a nested loop");
        }
        top.putAll(rel.lateralParams);
    }

    /** Replaces a lateral function or VALUES item's references to other items by its parameters. */
    private Expr lateralToParams(Expr e, Rel rel) {
        if (rel.lateralParams.isEmpty()) {
            return e;
        }
        return Exprs.rewrite(e, x -> x instanceof Expr.Var v && v.levelsUp() == 0 && !rel.relids.get(v.varno())
                ? new Expr.ExecParam(rel.lateralParams.get(v.at(0).withLevelsUp(0)), v.type(), v.typmod()) : null);
    }

    /** Replaces other items' columns in a parameterized index key by parameters the nested loop sets. */
    private Expr outerToParams(Expr e, Rel rel) {
        return Exprs.rewrite(e, x -> {
            if (x instanceof Expr.Var v && v.levelsUp() == 0 && !rel.relids.get(v.varno())) {
                Map<Expr.Var, Integer> top = paramRequests.peek();
                Expr.Var key = new Expr.Var(v.varno(), v.attno(), v.type(), v.typmod(), 0);
                Integer slot = top.get(key);
                if (slot == null) {
                    slot = g.newExecParam();
                    top.put(key, slot);
                }
                return new Expr.ExecParam(slot, v.type(), v.typmod());
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- joins

    /**
     * A node whose rows are kept (a hash table, a sort, a materialization) passes up only the
     * columns still needed, as PostgreSQL's narrow target lists for those inputs.
     */
    private Built narrow(Built b, Path p) {
        List<Expr> needed = new ArrayList<>(jp.neededVars(p.rel.relids));
        for (Expr e : needed) {
            if (!b.layout().contains(e)) {
                return b;
            }
        }
        if (needed.size() >= b.layout().columns.size() || b.node().hasProjection()
                || b.node() instanceof JoinNodes.Hash) {
            return b;
        }
        project(b.node(), b.layout(), needed);
        return new Built(b.node(), new Layout(needed));
    }

    private Built join(JoinPath p) {
        Built outer = build(p.outer);
        paramRequests.push(new LinkedHashMap<>());
        Built inner = build(p.inner);
        Map<Expr.Var, Integer> requested = paramRequests.pop();
        if (p.method == JoinMethod.HASH || p.materializeInner) {
            inner = narrow(inner, p.inner);
        }
        if (p.method == JoinMethod.MERGE) {
            if (!orderedOn(p.outer.pathkeys, keySides(p.keyClauses).get(0))) {
                outer = narrow(outer, p.outer);
            }
            if (!orderedOn(p.inner.pathkeys, keySides(p.keyClauses).get(1))) {
                inner = narrow(inner, p.inner);
            }
        }
        List<Expr> wanted = new ArrayList<>(jp.neededVars(p.rel.relids));
        boolean semiOrAnti = p.type == JoinNodes.JoinType.SEMI || p.type == JoinNodes.JoinType.ANTI;
        Layout combined = Layout.concat(outer.layout.columns, inner.layout.columns);
        Layout produced = semiOrAnti ? outer.layout : combined;
        wanted.removeIf(v -> !produced.contains(v));
        List<Expr> output = wanted;
        PlanNode node;
        Expr joinQualExpr = Exprs.and(p.joinQuals);
        switch (p.method) {
            case NESTLOOP -> {
                List<Integer> slots = new ArrayList<>();
                List<Expr.Var> values = new ArrayList<>();
                Map<Expr.Var, Integer> passUp = new LinkedHashMap<>();
                for (Map.Entry<Expr.Var, Integer> e : requested.entrySet()) {
                    if (outer.layout.contains(e.getKey())) {
                        slots.add(e.getValue());
                        values.add(e.getKey());
                    } else {
                        passUp.put(e.getKey(), e.getValue());
                    }
                }
                if (!passUp.isEmpty()) {
                    Map<Expr.Var, Integer> top = paramRequests.peek();
                    if (top == null) {
                        throw new IllegalStateException("parameter without a nested loop to set it");
                    }
                    top.putAll(passUp);
                }
                PlanNode innerNode = inner.node;
                if (p.materializeInner) {
                    innerNode = new JoinNodes.Material(inner.layout.columns, q, inner.node);
                    innerNode.startupCost = inner.node.totalCost;
                    innerNode.totalCost = inner.node.totalCost + 2 * g.costs.cpuOperatorCost * inner.node.rows;
                    innerNode.rows = inner.node.rows;
                    innerNode.width = inner.node.width;
                }
                int mark = g.subplans.size();
                Eval jq = compile(joinQualExpr, combined, null);
                Eval[] pv = compileAll(new ArrayList<>(values), outer.layout, null);
                node = new JoinNodes.NestLoop(output, q, outer.node, innerNode, p.type, joinQualExpr, jq,
                        slots.stream().mapToInt(Integer::intValue).toArray(), pv);
                attachSubplans(node, mark);
            }
            case HASH -> node = hashJoin(p, outer, inner, output, combined, joinQualExpr);
            default -> node = mergeJoin(p, outer, inner, output, combined, joinQualExpr);
        }
        if (!requested.isEmpty() && p.method != JoinMethod.NESTLOOP) {
            throw new IllegalStateException("parameterized inner side under a " + p.method + " join");
        }
        setQual(node, p.otherQuals, produced);
        project(node, produced, output);
        cost(node, p);
        return new Built(node, new Layout(output));
    }

    /** The key clauses' two sides: outer operands then inner operands. */
    private static List<List<Expr>> keySides(List<Expr> keyClauses) {
        List<Expr> outer = new ArrayList<>();
        List<Expr> inner = new ArrayList<>();
        for (Expr k : keyClauses) {
            Expr.OpExpr o = (Expr.OpExpr) k;
            outer.add(o.left());
            inner.add(o.right());
        }
        return List.of(outer, inner);
    }

    private PlanNode hashJoin(JoinPath p, Built outer, Built inner, List<Expr> output, Layout combined,
                              Expr joinQualExpr) {
        List<List<Expr>> sides = keySides(p.keyClauses);
        JoinNodes.Hash hash = new JoinNodes.Hash(inner.layout.columns, q, inner.node);
        hash.startupCost = inner.node.totalCost;
        hash.totalCost = inner.node.totalCost;
        hash.rows = inner.node.rows;
        hash.width = inner.node.width;
        PgType[] keyTypes = new PgType[p.keyClauses.size()];
        for (int i = 0; i < keyTypes.length; i++) {
            keyTypes[i] = sides.get(0).get(i).type();
        }
        int mark = g.subplans.size();
        Eval[] ok = compileAll(sides.get(0), outer.layout, null);
        Eval[] ik = compileAll(sides.get(1), inner.layout, null);
        Eval jq = compile(joinQualExpr, combined, null);
        JoinNodes.HashJoin hj = new JoinNodes.HashJoin(output, q, outer.node, hash, p.type, ok, ik, keyTypes,
                p.keyClauses, joinQualExpr, jq);
        attachSubplans(hj, mark);
        return hj;
    }

    private PlanNode mergeJoin(JoinPath p, Built outer, Built inner, List<Expr> output, Layout combined,
                               Expr joinQualExpr) {
        List<List<Expr>> sides = keySides(p.keyClauses);
        PlanNode o = sortedOn(outer, sides.get(0), p.outer);
        PlanNode i = sortedOn(inner, sides.get(1), p.inner);
        PgType[] keyTypes = new PgType[p.keyClauses.size()];
        for (int k = 0; k < keyTypes.length; k++) {
            keyTypes[k] = sides.get(0).get(k).type();
        }
        int mark = g.subplans.size();
        Eval[] ok = compileAll(sides.get(0), outer.layout, null);
        Eval[] ik = compileAll(sides.get(1), inner.layout, null);
        Eval jq = compile(joinQualExpr, combined, null);
        JoinNodes.MergeJoin mj = new JoinNodes.MergeJoin(output, q, o, i, p.type, ok, ik, keyTypes, p.keyClauses,
                joinQualExpr, jq);
        attachSubplans(mj, mark);
        return mj;
    }

    /** The input sorted ascending on {@code keys} (nulls last), unless the path's order already is. */
    private PlanNode sortedOn(Built in, List<Expr> keys, Path path) {
        if (orderedOn(path.pathkeys, keys)) {
            return in.node;
        }
        boolean[] desc = new boolean[keys.size()];
        boolean[] nullsFirst = new boolean[keys.size()];
        return sort(in, keys, desc, nullsFirst);
    }

    static boolean orderedOn(List<PathKey> pathkeys, List<Expr> keys) {
        if (pathkeys.size() < keys.size()) {
            return false;
        }
        for (int i = 0; i < keys.size(); i++) {
            PathKey k = pathkeys.get(i);
            if (!k.expr().equals(keys.get(i)) || k.descending() || k.nullsFirst()) {
                return false;
            }
        }
        return true;
    }

    /** A Sort node over {@code in} on {@code keys}. */
    SortNode sort(Built in, List<Expr> keys, boolean[] desc, boolean[] nullsFirst) {
        PgType[] types = new PgType[keys.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = keys.get(i).type();
        }
        int mark = g.subplans.size();
        Eval[] evals = compileAll(keys, in.layout, null);
        SortNode s = new SortNode(in.layout.columns, q, in.node, evals, types, desc, nullsFirst, keys);
        attachSubplans(s, mark);
        double[] c = g.costs.sort(in.node.totalCost, in.node.rows, in.node.width, -1);
        s.startupCost = c[0];
        s.totalCost = c[1];
        s.rows = in.node.rows;
        s.width = in.node.width;
        return s;
    }

    BitSet relidsOf(Path p) {
        return p.rel.relids;
    }
}
