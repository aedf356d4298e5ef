package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.analyze.JoinTree;
import org.walden.sql.analyze.Query;
import org.walden.sql.analyze.RangeTblEntry;
import org.walden.sql.catalog.Relation;
import org.walden.sql.exec.JoinNodes.JoinType;
import org.walden.sql.func.Builtins;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.parse.Tree;
import org.walden.sql.plan.Clause.SpecialJoin;
import org.walden.sql.plan.Paths.JoinMethod;
import org.walden.sql.plan.Paths.JoinPath;
import org.walden.sql.plan.Paths.Path;
import org.walden.sql.plan.Paths.PathKey;
import org.walden.sql.plan.Paths.Rel;
import org.walden.sql.plan.Paths.RelKind;
import org.walden.sql.plan.Paths.ScanKind;
import org.walden.sql.plan.Paths.ScanPath;

/**
 * Plans a query level's FROM and WHERE (PostgreSQL's query_planner, deconstruct_jointree and
 * join search): the join tree is flattened into items joined by inner joins (a LEFT join's
 * right side and a FULL join stay whole, as items joined only by their own join; semi and anti
 * joins made from EXISTS / IN subqueries likewise), each condition is attached to the smallest
 * set of items it can be checked on, and the cheapest join order is found by dynamic
 * programming over the subsets (greedily past {@link #DP_LIMIT} items), trying nested loop
 * (with a parameterized index scan inside where one applies), hash and merge joins.
 */
final class JoinPlanner implements BasePaths.RelSizes {

    static final int DP_LIMIT = 10;

    private final QueryPlanner qp;
    private final PlannerGlobal g;
    private final Query q;
    private final Costs costs;
    final BasePaths basePaths;
    private final Map<Integer, Rel> baseRels = new HashMap<>();
    /** Every condition of this level (for which columns each node must pass up). */
    private final List<Clause> allClauses = new ArrayList<>();
    /** Conditions on no relation of this level (One-Time Filter). */
    final List<Expr> gates = new ArrayList<>();
    /** Expressions above the join (target list, HAVING, ...) whose columns the join must produce. */
    private List<Expr> upperExprs = List.of();
    /** Further columns the level needs (row keys for UPDATE, DELETE, FOR UPDATE). */
    private List<Expr.Var> extraNeeded = List.of();
    private final List<SpecialJoin> semiJoins;
    private List<PathKey> orderings = List.of();

    /** One join problem: items to join, their conditions, and the outer / semi joins among them. */
    private static final class Problem {
        final List<Rel> items = new ArrayList<>();
        final List<Clause> clauses = new ArrayList<>();
        final List<SpecialJoin> special = new ArrayList<>();
    }

    JoinPlanner(QueryPlanner qp, List<SpecialJoin> semiJoins) {
        this.qp = qp;
        this.g = qp.g;
        this.q = qp.q;
        this.costs = g.costs;
        this.basePaths = new BasePaths(g, this);
        this.semiJoins = semiJoins;
    }

    @Override
    public Rel baseRel(int rtIndex) {
        return baseRels.get(rtIndex);
    }

    /** The cheapest way to produce the join of the level's FROM items with its WHERE applied. */
    Rel plan(List<Expr> upper, List<Expr.Var> extra, List<PathKey> wantedOrder) {
        this.upperExprs = upper;
        this.extraNeeded = extra;
        this.orderings = wantedOrder;
        Problem top = new Problem();
        collect(q.jointree, top);
        for (SpecialJoin sj : semiJoins) {
            top.special.add(sj);
            Rel rhs = createBaseRel(sj.rhs.nextSetBit(0));
            List<Expr> joinQuals = new ArrayList<>();
            for (Expr e : Exprs.conjuncts(qp.folder.fold(Exprs.and(sj.quals)))) {
                if (e instanceof Expr.Const c && Boolean.TRUE.equals(c.value())) {
                    continue;
                }
                BitSet relids = QueryTrees.relids(e);
                if (Clause.subset(relids, sj.rhs) && !relids.isEmpty()) {
                    rhs.baseQuals.add(e);
                } else {
                    joinQuals.add(e);
                    top.clauses.add(new Clause(e, relids, Clause.union(sj.lhs, sj.rhs), sj));
                }
            }
            sj.quals.clear();
            sj.quals.addAll(joinQuals);
            top.items.add(rhs);
        }
        return solve(top);
    }

    // ---------------------------------------------------------------- flattening

    private void collect(JoinTree.Node node, Problem p) {
        switch (node) {
            case JoinTree.RangeRef r -> p.items.add(createBaseRel(r.rtIndex()));
            case JoinTree.FromExpr f -> {
                for (JoinTree.Node item : f.items()) {
                    collect(item, p);
                }
                addClauses(f.quals(), null, p);
            }
            case JoinTree.Join j -> {
                switch (j.type()) {
                    case INNER, CROSS -> {
                        collect(j.left(), p);
                        collect(j.right(), p);
                        addClauses(j.quals(), null, p);
                    }
                    case LEFT -> outerJoin(j.left(), j.right(), j.quals(), p);
                    case RIGHT -> outerJoin(j.right(), j.left(), j.quals(), p);
                    case FULL -> p.items.add(fullJoin(j));
                }
            }
        }
    }

    private void addClauses(Expr quals, SpecialJoin owner, Problem p) {
        for (Expr c : Exprs.conjuncts(qp.folder.fold(quals))) {
            BitSet relids = QueryTrees.relids(c);
            if (relids.isEmpty() && owner == null && !Exprs.volatileFunctions(c)) {
                gates.add(c);
                continue;
            }
            Clause cl = new Clause(c, relids, (BitSet) relids.clone(), owner);
            p.clauses.add(cl);
        }
    }

    /** {@code left} LEFT JOIN {@code right} ON {@code quals}: the right side becomes one item. */
    private void outerJoin(JoinTree.Node left, JoinTree.Node right, Expr quals, Problem p) {
        collect(left, p);
        BitSet lhs = QueryTrees.relids(left);
        BitSet rhsRelids = QueryTrees.relids(right);
        List<Expr> onRight = new ArrayList<>();
        List<Expr> joinQuals = new ArrayList<>();
        for (Expr c : Exprs.conjuncts(qp.folder.fold(quals))) {
            BitSet r = QueryTrees.relids(c);
            if (!r.isEmpty() && Clause.subset(r, rhsRelids) && !Exprs.volatileFunctions(c)) {
                onRight.add(c);
            } else {
                joinQuals.add(c);
            }
        }
        Rel rhs = item(right, onRight);
        SpecialJoin sj = new SpecialJoin(JoinType.LEFT, lhs, rhs.relids, joinQuals);
        p.special.add(sj);
        p.items.add(rhs);
        for (Expr c : joinQuals) {
            BitSet relids = QueryTrees.relids(c);
            p.clauses.add(new Clause(c, relids, Clause.union(lhs, rhs.relids), sj));
        }
    }

    /** A join tree node planned as one item, with extra conditions on it. */
    private Rel item(JoinTree.Node node, List<Expr> extra) {
        Problem sub = new Problem();
        collect(node, sub);
        for (Expr c : extra) {
            BitSet relids = QueryTrees.relids(c);
            sub.clauses.add(new Clause(c, relids, (BitSet) relids.clone(), null));
        }
        return solve(sub);
    }

    private Rel fullJoin(JoinTree.Join j) {
        Rel left = item(j.left(), List.of());
        Rel right = item(j.right(), List.of());
        List<Expr> quals = Exprs.conjuncts(qp.folder.fold(j.quals()));
        BitSet all = Clause.union(left.relids, right.relids);
        Rel rel = new Rel(all, RelKind.JOIN, 0, null);
        rel.width = left.width + right.width;
        List<Expr> keys = keyClauses(quals, left, right, true);
        if (keys.size() != quals.size() && !quals.isEmpty() || keys.isEmpty()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "FULL JOIN is only supported with merge-joinable or hash-joinable join conditions");
        }
        rel.rows = Math.max(left.rows, right.rows);
        for (Expr c : quals) {
            allClauses.add(new Clause(c, QueryTrees.relids(c), all, null));
        }
        addJoinPaths(rel, left, right, JoinType.FULL, quals, List.of(), true);
        return rel;
    }

    // ---------------------------------------------------------------- base relations

    private Rel createBaseRel(int rt) {
        RangeTblEntry rte = q.rte(rt);
        BitSet relids = new BitSet();
        relids.set(rt);
        RelKind kind = switch (rte) {
            case RangeTblEntry.RelationRte r -> r.relation().virtual() || r.relation().kind() == Relation.SEQUENCE
                    ? RelKind.CATALOG : RelKind.TABLE;
            case RangeTblEntry.SubqueryRte s -> RelKind.SUBQUERY;
            case RangeTblEntry.FunctionRte f -> RelKind.FUNCTION;
            case RangeTblEntry.ValuesRte v -> RelKind.VALUES;
            case RangeTblEntry.CteRte c -> c.selfReference() ? RelKind.WORKTABLE : RelKind.CTE;
            case RangeTblEntry.JoinRte j -> throw new IllegalStateException("join entry in FROM");
        };
        Rel rel = new Rel(relids, kind, rt, rte);
        baseRels.put(rt, rel);
        return rel;
    }

    /** Sizes and paths of the base items of a problem, after its conditions are placed. */
    private void setBaseRelPaths(Rel rel, List<Clause> joinClauses) {
        switch (rel.kind) {
            case TABLE -> {
                Relation t = ((RangeTblEntry.RelationRte) rel.rte).relation();
                basePaths.estimateTable(rel, t);
                basePaths.tablePaths(rel, t, joinClauses, neededAttnos(rel.rtIndex), orderings);
            }
            case CATALOG -> otherPath(rel, 1000, 10 * costs.seqPageCost + 1000 * costs.cpuTupleCost);
            case FUNCTION -> {
                RangeTblEntry.FunctionRte f = (RangeTblEntry.FunctionRte) rel.rte;
                lateralParams(rel, f.call());
                boolean srf = f.call() instanceof Expr.FuncExpr fe && fe.function().retset;
                double rows = srf ? seriesRows(f.call()) : 1;
                otherPath(rel, rows, rows * costs.cpuTupleCost);
            }
            case VALUES -> {
                RangeTblEntry.ValuesRte v = (RangeTblEntry.ValuesRte) rel.rte;
                for (List<Expr> row : v.rows()) {
                    for (Expr e : row) {
                        lateralParams(rel, e);
                    }
                }
                double rows = v.rows().size();
                otherPath(rel, rows, rows * (costs.cpuTupleCost + costs.cpuOperatorCost * v.columnNames().size()));
            }
            case CTE -> {
                RangeTblEntry.CteRte c = (RangeTblEntry.CteRte) rel.rte;
                QueryPlanner.CteInfo info = qp.cte(c.cteName(), c.levelsUp());
                double rows = info.plan().rows;
                otherPath(rel, rows, rows * costs.cpuTupleCost);
            }
            case WORKTABLE -> otherPath(rel, 100, 100 * costs.cpuTupleCost);
            case SUBQUERY -> subqueryPaths(rel);
            default -> throw new IllegalStateException(rel.kind.toString());
        }
    }

    /** generate_series with constant bounds: its exact row count; other set-returning functions 1000 rows. */
    private static double seriesRows(Expr call) {
        if (call instanceof Expr.FuncExpr f && f.function().name.equals("generate_series") && f.args().size() >= 2
                && f.args().get(0) instanceof Expr.Const a && f.args().get(1) instanceof Expr.Const b
                && a.value() instanceof Number x && b.value() instanceof Number y) {
            double step = f.args().size() > 2 && f.args().get(2) instanceof Expr.Const c
                    && c.value() instanceof Number s ? s.doubleValue() : 1;
            return step == 0 ? 1000 : Math.max(1, Math.floor((y.doubleValue() - x.doubleValue()) / step) + 1);
        }
        return 1000;
    }

    /** A LATERAL function or VALUES item's references to other items become its parameters. */
    private void lateralParams(Rel rel, Expr e) {
        for (Expr.Var v : QueryTrees.vars(e)) {
            if (!rel.relids.get(v.varno())) {
                rel.lateralRelids.set(v.varno());
                rel.lateralParams.computeIfAbsent(v, k -> g.newExecParam());
            }
        }
    }

    private void otherPath(Rel rel, double tuples, double cost) {
        rel.tuples = tuples;
        rel.width = widthOf(rel);
        double rows = Math.max(1, Math.round(tuples * costs.selectivity(rel.baseQuals, basePaths)));
        rel.rows = rows;
        ScanPath p = new ScanPath(rel, ScanKind.OTHER, null, List.of(), rel.baseQuals, new BitSet());
        p.rows = rows;
        p.startup = 0;
        p.total = cost + rel.baseQuals.size() * costs.cpuOperatorCost * tuples;
        rel.addPath(p);
    }

    private static int widthOf(Rel rel) {
        int w = 0;
        for (int i = 1; i <= rel.rte.columnNames().size(); i++) {
            w += BasePaths.typeWidth(rel.rte.columnType(i), rel.rte.columnTypmod(i));
        }
        return Math.max(w, 1);
    }

    /**
     * A subquery in FROM (or a view, or a pulled-up EXISTS / IN): its conditions that name only
     * its output columns are pushed into it when that cannot change its result, then it is
     * planned as a query of its own.
     */
    private void subqueryPaths(Rel rel) {
        RangeTblEntry.SubqueryRte s = (RangeTblEntry.SubqueryRte) rel.rte;
        Query sub = s.subquery();
        List<Expr> kept = new ArrayList<>();
        List<Expr> pushed = new ArrayList<>();
        for (Expr c : rel.baseQuals) {
            Expr translated = pushable(sub, rel.rtIndex, c);
            if (translated != null) {
                pushed.add(translated);
            } else {
                kept.add(c);
            }
        }
        if (!pushed.isEmpty()) {
            Query copy = QueryTrees.copy(sub);
            List<Expr> quals = new ArrayList<>(Exprs.conjuncts(copy.jointree.quals()));
            quals.addAll(pushed);
            copy.jointree = new JoinTree.FromExpr(copy.jointree.items(), Exprs.and(quals));
            sub = copy;
        }
        rel.baseQuals.clear();
        rel.baseQuals.addAll(kept);
        QueryPlanner child = new QueryPlanner(g, qp, sub, s.lateral() ? QueryPlanner.Role.LATERAL
                : QueryPlanner.Role.SUBQUERY);
        QueryPlanner.Planned planned = child.plan(1.0);
        for (Map.Entry<Expr.Var, Integer> e : child.outerParams.entrySet()) {
            rel.lateralRelids.set(e.getKey().varno());
            rel.lateralParams.put(e.getKey(), e.getValue());
        }
        rel.subquery = new Paths.SubqueryInfo(planned.node(), planned.output());
        rel.tuples = Math.max(1, planned.node().rows);
        rel.width = Math.max(1, planned.node().width);
        rel.rows = Math.max(1, Math.round(rel.tuples * costs.selectivity(kept, basePaths)));
        ScanPath p = new ScanPath(rel, ScanKind.OTHER, null, List.of(), kept, new BitSet());
        p.rows = rel.rows;
        p.startup = planned.node().startupCost;
        p.total = planned.node().totalCost + kept.size() * costs.cpuOperatorCost * rel.tuples;
        rel.addPath(p);
    }

    /** {@code c} rewritten over the subquery's own expressions, or null when it may not be pushed in. */
    private static Expr pushable(Query sub, int rt, Expr c) {
        if (sub.setOperations != null || sub.groupingSets != null || sub.hasAggs || !sub.groupClause.isEmpty() || sub.havingQual != null
                || sub.hasWindowFuncs || sub.limitCount != null || sub.limitOffset != null
                || !sub.distinctClause.isEmpty() || sub.hasTargetSRFs || sub.rowMark != null
                || sub.jointree.items().isEmpty()) {
            return null;
        }
        if (Exprs.volatileFunctions(c) || Exprs.any(c, x -> x instanceof Expr.SubLink
                || x instanceof Expr.Var v && (v.levelsUp() > 0 || v.varno() != rt))) {
            return null;
        }
        List<Query.TargetEntry> targets = sub.visibleTargets();
        boolean[] ok = {true};
        Expr out = Exprs.rewrite(c, x -> {
            if (x instanceof Expr.Var v) {
                Expr te = targets.get(v.attno() - 1).expr();
                if (Exprs.volatileFunctions(te) || Exprs.any(te, y -> y instanceof Expr.SubLink
                        || y instanceof Expr.FuncExpr f && f.function().retset)) {
                    ok[0] = false;
                }
                return te;
            }
            return null;
        });
        return ok[0] ? out : null;
    }

    // ---------------------------------------------------------------- columns needed

    /** Each base entry's columns read anywhere in the level (1-based; 0 for the row key). */
    private Set<Integer> neededAttnos(int rt) {
        Set<Integer> out = new HashSet<>();
        for (Expr.Var v : levelVars()) {
            if (v.varno() == rt) {
                out.add(v.attno() < 1 ? 0 : v.attno());
            }
        }
        return out;
    }

    private List<Expr.Var> levelVarsCache;

    private List<Expr.Var> levelVars() {
        if (levelVarsCache == null) {
            Set<Expr.Var> all = new LinkedHashSet<>(extraNeeded);
            for (Expr e : upperExprs) {
                all.addAll(QueryTrees.vars(e));
            }
            for (Clause c : allClauses) {
                all.addAll(QueryTrees.vars(c.expr));
            }
            for (Rel r : baseRels.values()) {
                all.addAll(r.lateralParams.keySet());
                for (Expr b : r.baseQuals) {
                    all.addAll(QueryTrees.vars(b));
                }
            }
            levelVarsCache = new ArrayList<>(all);
        }
        return levelVarsCache;
    }

    /**
     * The Vars of {@code relids} that something outside the join of {@code relids} still
     * needs: the upper expressions, conditions checked above it, LATERAL items outside it.
     */
    List<Expr.Var> neededVars(BitSet relids) {
        Set<Expr.Var> out = new TreeSet<>((a, b) -> a.varno() != b.varno() ? Integer.compare(a.varno(), b.varno())
                : Integer.compare(a.attno() < 0 ? 10000 - a.attno() : a.attno(),
                b.attno() < 0 ? 10000 - b.attno() : b.attno()));
        for (Expr.Var v : extraNeeded) {
            if (relids.get(v.varno())) {
                out.add(v);
            }
        }
        for (Expr e : upperExprs) {
            for (Expr.Var v : QueryTrees.vars(e)) {
                if (relids.get(v.varno())) {
                    out.add(v);
                }
            }
        }
        for (Clause c : allClauses) {
            if (!Clause.subset(c.required, relids)) {
                for (Expr.Var v : QueryTrees.vars(c.expr)) {
                    if (relids.get(v.varno())) {
                        out.add(v);
                    }
                }
            }
        }
        for (Rel r : baseRels.values()) {
            if (!relids.intersects(r.relids)) {
                for (Expr.Var v : r.lateralParams.keySet()) {
                    if (relids.get(v.varno())) {
                        out.add(v);
                    }
                }
            }
        }
        return new ArrayList<>(out);
    }

    // ---------------------------------------------------------------- solving one problem

    private Rel solve(Problem p) {
        allClauses.addAll(p.clauses);
        levelVarsCache = null;
        for (Clause c : p.clauses) {
            expandRequired(c, p);
        }
        List<Clause> joinClauses = new ArrayList<>();
        for (Clause c : p.clauses) {
            Rel only = itemContaining(p, c.required);
            if (only != null && only.kind != RelKind.JOIN && c.ownerJoin == null
                    && Clause.subset(c.required, only.relids)) {
                only.baseQuals.add(c.expr);
            } else {
                joinClauses.add(c);
            }
        }
        for (Rel item : p.items) {
            if (item.kind != RelKind.JOIN && item.cheapest == null) {
                setBaseRelPaths(item, joinClauses);
            }
        }
        if (p.items.isEmpty()) {
            Rel result = new Rel(new BitSet(), RelKind.RESULT, 0, null);
            result.rows = 1;
            result.width = 0;
            ScanPath sp = new ScanPath(result, ScanKind.OTHER, null, List.of(), List.of(), new BitSet());
            sp.rows = 1;
            sp.total = costs.cpuTupleCost;
            result.addPath(sp);
            return result;
        }
        if (p.items.size() == 1) {
            return p.items.get(0);
        }
        return p.items.size() <= DP_LIMIT ? dynamicProgramming(p, joinClauses) : greedy(p, joinClauses);
    }

    /** A condition on the nullable side of an outer join may only be checked once that join is done. */
    private static void expandRequired(Clause c, Problem p) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Rel item : p.items) {
                if (c.required.intersects(item.relids) && !Clause.subset(item.relids, c.required)) {
                    c.required.or(item.relids);
                    changed = true;
                }
            }
            for (SpecialJoin sj : p.special) {
                if (c.ownerJoin != sj && sj.type == JoinType.LEFT && c.required.intersects(sj.rhs)
                        && !Clause.subset(Clause.union(sj.lhs, sj.rhs), c.required)) {
                    c.required.or(sj.lhs);
                    c.required.or(sj.rhs);
                    changed = true;
                }
            }
        }
    }

    private static Rel itemContaining(Problem p, BitSet relids) {
        if (relids.isEmpty()) {
            return p.items.get(0);
        }
        for (Rel item : p.items) {
            if (Clause.subset(relids, item.relids)) {
                return item;
            }
        }
        return null;
    }

    private Rel dynamicProgramming(Problem p, List<Clause> joinClauses) {
        int n = p.items.size();
        Map<Long, Rel> rels = new HashMap<>();
        for (int i = 0; i < n; i++) {
            rels.put(1L << i, p.items.get(i));
        }
        long full = (1L << n) - 1;
        for (int size = 2; size <= n; size++) {
            for (long s = 1; s <= full; s++) {
                if (Long.bitCount(s) != size) {
                    continue;
                }
                Rel joined = joinSubsets(p, joinClauses, rels, s, true);
                if (joined == null) {
                    joined = joinSubsets(p, joinClauses, rels, s, false);
                }
                if (joined != null) {
                    rels.put(s, joined);
                }
            }
        }
        Rel result = rels.get(full);
        if (result == null) {
            throw new IllegalStateException("no valid join order");
        }
        return result;
    }

    /** The best join of subset {@code s} from two smaller joined subsets; {@code linkedOnly} skips cartesian products. */
    private Rel joinSubsets(Problem p, List<Clause> joinClauses, Map<Long, Rel> rels, long s, boolean linkedOnly) {
        Rel best = null;
        for (long a = (s - 1) & s; a > 0; a = (a - 1) & s) {
            long b = s & ~a;
            Rel outer = rels.get(a);
            Rel inner = rels.get(b);
            if (outer == null || inner == null) {
                continue;
            }
            if (linkedOnly && !linked(p, joinClauses, outer, inner)) {
                continue;
            }
            best = tryJoin(p, joinClauses, outer, inner, best);
        }
        return best;
    }

    private Rel greedy(Problem p, List<Clause> joinClauses) {
        List<Rel> current = new ArrayList<>(p.items);
        while (current.size() > 1) {
            Rel best = null;
            int bi = -1;
            int bj = -1;
            for (boolean linkedOnly : new boolean[] {true, false}) {
                for (int i = 0; i < current.size(); i++) {
                    for (int j = 0; j < current.size(); j++) {
                        if (i == j || linkedOnly && !linked(p, joinClauses, current.get(i), current.get(j))) {
                            continue;
                        }
                        Rel r = tryJoin(p, joinClauses, current.get(i), current.get(j), null);
                        if (r != null && (best == null || r.cheapest.total < best.cheapest.total)) {
                            best = r;
                            bi = i;
                            bj = j;
                        }
                    }
                }
                if (best != null) {
                    break;
                }
            }
            if (best == null) {
                throw new IllegalStateException("no valid join order");
            }
            Rel a = current.get(bi);
            Rel b = current.get(bj);
            current.remove(a);
            current.remove(b);
            current.add(best);
        }
        return current.get(0);
    }

    private static boolean linked(Problem p, List<Clause> joinClauses, Rel a, Rel b) {
        BitSet both = Clause.union(a.relids, b.relids);
        for (Clause c : joinClauses) {
            if (c.relids.intersects(a.relids) && c.relids.intersects(b.relids) && Clause.subset(c.required, both)) {
                return true;
            }
        }
        for (SpecialJoin sj : p.special) {
            if (sj.rhs.equals(b.relids) && Clause.subset(sj.lhs, a.relids)) {
                return true;
            }
        }
        return a.lateralRelids.intersects(b.relids) || b.lateralRelids.intersects(a.relids);
    }

    /**
     * Joins {@code outer} and {@code inner} if that is a legal step (outer, semi and anti joins
     * only as their own join, LATERAL items only inside), returning the cheaper of the new rel
     * and {@code best} (which must cover the same entries).
     */
    private Rel tryJoin(Problem p, List<Clause> joinClauses, Rel outer, Rel inner, Rel best) {
        BitSet all = Clause.union(outer.relids, inner.relids);
        JoinType type = JoinType.INNER;
        SpecialJoin special = null;
        boolean rightJoin = false;
        for (SpecialJoin sj : p.special) {
            boolean innerIsRhs = sj.rhs.equals(inner.relids);
            boolean outerIsRhs = sj.rhs.equals(outer.relids);
            if (innerIsRhs) {
                if (!Clause.subset(sj.lhs, outer.relids)) {
                    return best;
                }
                special = sj;
                type = sj.type;
            } else if (outerIsRhs) {
                if (sj.type != JoinType.LEFT || !Clause.subset(sj.lhs, inner.relids)) {
                    return best;
                }
                special = sj;
                type = JoinType.RIGHT;
                rightJoin = true;
            } else if (inner.relids.intersects(sj.rhs) && !Clause.subset(sj.rhs, inner.relids)
                    || outer.relids.intersects(sj.rhs) && !Clause.subset(sj.rhs, outer.relids)) {
                return best;
            }
        }
        if (outer.lateralRelids.intersects(inner.relids)) {
            return best;
        }
        List<Expr> joinQuals = new ArrayList<>();
        List<Expr> otherQuals = new ArrayList<>();
        for (Clause c : joinClauses) {
            if (!Clause.subset(c.required, all) || Clause.subset(c.required, outer.relids)
                    || Clause.subset(c.required, inner.relids)) {
                continue;
            }
            if (c.ownerJoin != null && c.ownerJoin != special) {
                return best;
            }
            if (special != null && special.type != JoinType.SEMI && special.type != JoinType.ANTI
                    && c.ownerJoin == null) {
                otherQuals.add(c.expr);
            } else {
                joinQuals.add(c.expr);
            }
        }
        Rel rel = best != null ? best : newJoinRel(all, outer, inner, type, joinQuals, otherQuals);
        if (rightJoin) {
            addJoinPaths(rel, outer, inner, JoinType.RIGHT, joinQuals, otherQuals, false);
        } else {
            addJoinPaths(rel, outer, inner, type, joinQuals, otherQuals, false);
        }
        return rel;
    }

    private Rel newJoinRel(BitSet all, Rel outer, Rel inner, JoinType type, List<Expr> joinQuals,
                           List<Expr> otherQuals) {
        Rel rel = new Rel(all, RelKind.JOIN, 0, null);
        rel.width = outer.width + (type == JoinType.SEMI || type == JoinType.ANTI ? 0 : inner.width);
        rel.lateralRelids.or(outer.lateralRelids);
        rel.lateralRelids.or(inner.lateralRelids);
        rel.lateralRelids.andNot(all);
        double sel = costs.selectivity(joinQuals, basePaths);
        double rows = switch (type) {
            case INNER -> outer.rows * inner.rows * sel;
            case LEFT -> Math.max(outer.rows * inner.rows * sel, outer.rows);
            case RIGHT -> Math.max(outer.rows * inner.rows * sel, inner.rows);
            case FULL -> Math.max(outer.rows, inner.rows);
            case SEMI -> outer.rows * Math.min(1.0, sel * inner.rows);
            case ANTI -> outer.rows * Math.max(0.0, 1.0 - Math.min(1.0, sel * inner.rows));
        };
        rel.rows = Math.max(1, Math.round(rows * costs.selectivity(otherQuals, basePaths)));
        return rel;
    }

    // ---------------------------------------------------------------- join paths

    /**
     * The equality conditions usable as hash or merge keys between {@code outer} and {@code inner},
     * each turned so its left operand reads the outer side.
     */
    private static List<Expr> keyClauses(List<Expr> quals, Rel outer, Rel inner, boolean hashOnly) {
        List<Expr> out = new ArrayList<>();
        for (Expr c : quals) {
            if (!(c instanceof Expr.OpExpr o) || o.left() == null || !o.operator().isEquality()
                    || !o.operator().hashable() || Exprs.volatileFunctions(c)) {
                continue;
            }
            BitSet l = QueryTrees.relids(o.left());
            BitSet r = QueryTrees.relids(o.right());
            if (l.isEmpty() || r.isEmpty()) {
                continue;
            }
            if (Clause.subset(l, outer.relids) && Clause.subset(r, inner.relids)) {
                out.add(c);
            } else if (Clause.subset(r, outer.relids) && Clause.subset(l, inner.relids)) {
                OperatorDef commuted = Builtins.operator("=", o.right().type(), o.left().type());
                if (commuted != null) {
                    out.add(new Expr.OpExpr(commuted, o.right(), o.left(), o.type(),
                            List.of(o.right().type(), o.left().type())));
                }
            }
        }
        return out;
    }

    /** Adds the nested loop, hash and merge paths of one join step to {@code rel}. */
    private void addJoinPaths(Rel rel, Rel outer, Rel inner, JoinType type, List<Expr> joinQuals,
                              List<Expr> otherQuals, boolean fullJoin) {
        double rows = rel.rows;
        List<Expr> keys = keyClauses(joinQuals, outer, inner, false);
        List<Expr> rest = new ArrayList<>();
        for (Expr c : joinQuals) {
            boolean isKey = false;
            for (Expr k : keys) {
                isKey |= k == c || k instanceof Expr.OpExpr ko && c instanceof Expr.OpExpr co
                        && ko.left() == co.right() && ko.right() == co.left();
            }
            if (!isKey) {
                rest.add(c);
            }
        }
        boolean lateral = inner.lateralRelids.intersects(outer.relids);
        Path op = outer.cheapest;
        Path ip = inner.cheapest;
        double outRows = Math.max(1, rows);
        double qualCost = (joinQuals.size() + otherQuals.size()) * costs.cpuOperatorCost;
        if (!fullJoin && type != JoinType.RIGHT) {
            for (ScanPath pp : inner.parameterized) {
                if (Clause.subset(pp.paramRelids, outer.relids)) {
                    List<Expr> remaining = new ArrayList<>(joinQuals);
                    for (Paths.IndexClause ic : pp.indexClauses) {
                        remaining.remove(ic.clause());
                    }
                    JoinPath jp = new JoinPath(rel, JoinMethod.NESTLOOP, type, op, pp, List.of(), remaining, otherQuals,
                            false);
                    jp.rows = outRows;
                    jp.startup = op.startup + pp.startup;
                    jp.total = op.total + op.rows * pp.total + outRows * costs.cpuTupleCost
                            + op.rows * pp.rows * qualCost + (costs.enableNestLoop ? 0 : Costs.DISABLE_COST);
                    jp.pathkeys = op.pathkeys;
                    rel.addPath(jp);
                }
            }
            boolean materialize = !lateral && costs.enableMaterial && !(ip instanceof ScanPath sp
                    && sp.rel.kind == RelKind.TABLE && ip.rows < 2) && inner.kind != RelKind.CTE;
            double rescan = materialize ? costs.cpuOperatorCost * 2 * ip.rows : ip.rescanCost();
            JoinPath nl = new JoinPath(rel, JoinMethod.NESTLOOP, type, op, ip, List.of(), joinQuals, otherQuals,
                    materialize);
            nl.rows = outRows;
            nl.startup = op.startup + ip.startup;
            nl.total = op.total + ip.total + Math.max(0, op.rows - 1) * rescan + op.rows * ip.rows * (costs.cpuTupleCost
                    + qualCost) + (costs.enableNestLoop ? 0 : Costs.DISABLE_COST);
            nl.pathkeys = op.pathkeys;
            if (!fullJoin) {
                rel.addPath(nl);
            }
        }
        if (keys.isEmpty() || lateral) {
            return;
        }
        double buildCost = (costs.cpuOperatorCost + costs.cpuTupleCost) * ip.rows;
        double spill = ip.rows * (inner.width + 24) > costs.workMemBytes * 2
                ? 2 * Math.ceil(ip.rows * (inner.width + 24) / Costs.BLOCK_SIZE) * costs.seqPageCost : 0;
        JoinPath hj = new JoinPath(rel, JoinMethod.HASH, type, op, ip, keys, rest, otherQuals, false);
        hj.rows = outRows;
        hj.startup = ip.total + buildCost;
        hj.total = op.total + ip.total + buildCost + spill + costs.cpuOperatorCost * keys.size() * op.rows
                + outRows * costs.cpuTupleCost + op.rows * rest.size() * costs.cpuOperatorCost
                + (costs.enableHashJoin ? 0 : Costs.DISABLE_COST);
        rel.addPath(hj);
        boolean mergeable = true;
        for (Expr k : keys) {
            mergeable &= ((Expr.OpExpr) k).operator().btreeStrategy() != 0;
        }
        if (mergeable) {
            List<Expr> outerKeys = new ArrayList<>();
            List<Expr> innerKeys = new ArrayList<>();
            for (Expr k : keys) {
                outerKeys.add(((Expr.OpExpr) k).left());
                innerKeys.add(((Expr.OpExpr) k).right());
            }
            Path mo = orderedPath(outer, outerKeys);
            Path mi = orderedPath(inner, innerKeys);
            double oc = PlanBuilder.orderedOn(mo.pathkeys, outerKeys) ? mo.total
                    : costs.sort(mo.total, mo.rows, outer.width, -1)[1];
            double ic = PlanBuilder.orderedOn(mi.pathkeys, innerKeys) ? mi.total
                    : costs.sort(mi.total, mi.rows, inner.width, -1)[1];
            JoinPath mj = new JoinPath(rel, JoinMethod.MERGE, type, mo, mi, keys, rest, otherQuals, false);
            mj.rows = outRows;
            mj.startup = Math.min(oc, ic);
            mj.total = oc + ic + (mo.rows + mi.rows) * costs.cpuOperatorCost + outRows * costs.cpuTupleCost
                    + (costs.enableMergeJoin ? 0 : Costs.DISABLE_COST);
            List<PathKey> order = new ArrayList<>();
            for (Expr k : outerKeys) {
                order.add(new PathKey(k, false, false));
            }
            mj.pathkeys = type == JoinType.INNER || type == JoinType.LEFT || type == JoinType.SEMI
                    || type == JoinType.ANTI ? order : List.of();
            rel.addPath(mj);
        }
    }

    /** The cheapest path of {@code rel} already ordered on {@code keys}, else its cheapest. */
    private static Path orderedPath(Rel rel, List<Expr> keys) {
        Path best = rel.cheapest;
        for (Path p : rel.ordered) {
            if (PlanBuilder.orderedOn(p.pathkeys, keys) && (best == rel.cheapest
                    || p.total < best.total) && !(p instanceof ScanPath sp && !sp.paramRelids.isEmpty())) {
                best = p;
            }
        }
        return best;
    }

    /** The FULL JOIN's join type name, for messages. */
    static String name(Tree.JoinType t) {
        return t.name();
    }
}
