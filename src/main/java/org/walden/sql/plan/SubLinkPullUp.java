package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.analyze.JoinTree;
import org.walden.sql.analyze.Query;
import org.walden.sql.analyze.RangeTblEntry;
import org.walden.sql.exec.JoinNodes.JoinType;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.types.PgType;

/**
 * Turns WHERE's {@code EXISTS (subquery)}, {@code NOT EXISTS (subquery)} and
 * {@code x IN (subquery)} into semi and anti joins (PostgreSQL's pull_up_sublinks), so they
 * can be hash- or merge-joined instead of re-running the subquery per row. The subquery becomes
 * a range table entry of this level whose output columns are what the join conditions need: its
 * IN column and the subquery's side of each condition that reads this level. Only exact cases
 * are converted: a plain subquery (no aggregates, grouping, LIMIT, set operation, window,
 * DISTINCT for EXISTS is fine) whose only references to this level are top-level AND terms of
 * its WHERE. NOT IN keeps its SubPlan (its NULL semantics are not an anti join's).
 */
final class SubLinkPullUp {

    private final QueryPlanner qp;
    private final Query q;

    SubLinkPullUp(QueryPlanner qp) {
        this.qp = qp;
        this.q = qp.q;
    }

    List<Clause.SpecialJoin> pullUp() {
        List<Clause.SpecialJoin> out = new ArrayList<>();
        if (q.jointree.items().isEmpty() || q.jointree.quals() == null) {
            return out;
        }
        List<Expr> kept = new ArrayList<>();
        for (Expr c : Exprs.conjuncts(q.jointree.quals())) {
            Clause.SpecialJoin sj = convert(c);
            if (sj != null) {
                out.add(sj);
            } else {
                kept.add(c);
            }
        }
        if (!out.isEmpty()) {
            q.jointree = new JoinTree.FromExpr(q.jointree.items(), Exprs.and(kept));
        }
        return out;
    }

    private Clause.SpecialJoin convert(Expr c) {
        if (c instanceof Expr.SubLink s && s.kind() == Expr.SubLinkKind.EXISTS) {
            return exists(s, JoinType.SEMI);
        }
        if (c instanceof Expr.BoolExpr b && b.op() == Expr.BoolOp.NOT && b.args().get(0) instanceof Expr.SubLink s
                && s.kind() == Expr.SubLinkKind.EXISTS) {
            return exists(s, JoinType.ANTI);
        }
        if (c instanceof Expr.SubLink s && s.kind() == Expr.SubLinkKind.ANY && s.testExprs().size() == 1
                && s.operators().get(0).isEquality()) {
            return in(s);
        }
        return null;
    }

    /** A subquery the conversion can take, with its WHERE split into correlated and plain terms. */
    private record Split(Query sub, List<Expr> correlated, List<Expr> plain) {
    }

    private Split split(Query sub, boolean forIn) {
        if (sub.setOperations != null || sub.groupingSets != null || sub.hasAggs || !sub.groupClause.isEmpty() || sub.havingQual != null
                || sub.hasWindowFuncs || sub.limitCount != null || sub.limitOffset != null || sub.hasTargetSRFs
                || sub.rowMark != null || !sub.cteList.isEmpty() || sub.jointree.items().isEmpty()
                || forIn && !sub.distinctClause.isEmpty() && sub.hasDistinctOn) {
            return null;
        }
        List<Expr> correlated = new ArrayList<>();
        List<Expr> plain = new ArrayList<>();
        for (Expr e : Exprs.conjuncts(sub.jointree.quals())) {
            boolean refs = Exprs.any(e, x -> x instanceof Expr.Var v && v.levelsUp() >= 1);
            boolean sublinks = Exprs.any(e, x -> x instanceof Expr.SubLink);
            if (refs) {
                if (sublinks || Exprs.volatileFunctions(e)
                        || Exprs.any(e, x -> x instanceof Expr.Var v && v.levelsUp() > 1)) {
                    return null;
                }
                correlated.add(e);
            } else {
                plain.add(e);
            }
        }
        Query rest = QueryTrees.copy(sub);
        rest.jointree = new JoinTree.FromExpr(rest.jointree.items(), Exprs.and(plain));
        if (!forIn) {
            rest.targetList.clear();
        }
        if (QueryTrees.correlated(rest)) {
            return null;
        }
        return new Split(rest, correlated, plain);
    }

    private Clause.SpecialJoin exists(Expr.SubLink s, JoinType type) {
        Split sp = split(s.subquery(), false);
        if (sp == null || sp.correlated().isEmpty()) {
            return null;
        }
        Query sub = sp.sub();
        sub.distinctClause.clear();
        sub.sortClause.clear();
        return join(sub, sp.correlated(), null, type, "EXISTS_subquery");
    }

    private Clause.SpecialJoin in(Expr.SubLink s) {
        Split sp = split(s.subquery(), true);
        if (sp == null || Exprs.any(s.testExprs().get(0), x -> x instanceof Expr.SubLink)
                || Exprs.volatileFunctions(s.testExprs().get(0))) {
            return null;
        }
        Query sub = sp.sub();
        Expr column = sub.visibleTargets().get(0).expr();
        sub.targetList.clear();
        sub.sortClause.clear();
        sub.distinctClause.clear();
        sub.targetList.add(new Query.TargetEntry(column, 1, "?column?", false, 0, 0, 0));
        OperatorDef op = s.operators().get(0);
        return join(sub, sp.correlated(), new Object[] {s.testExprs().get(0), op}, JoinType.SEMI, "ANY_subquery");
    }

    /**
     * A subquery reading one stored table joins as that table itself (as PostgreSQL pulls the
     * subquery's FROM up): its WHERE terms become conditions of the semi / anti join, so the
     * table can be read by a parameterized index scan. Null when the subquery is not that simple.
     */
    private Clause.SpecialJoin flatJoin(Query sub, List<Expr> correlated, Object[] inTest, JoinType type) {
        if (sub.rtable.size() != 1 || sub.jointree.items().size() != 1
                || !(sub.jointree.items().get(0) instanceof JoinTree.RangeRef r)
                || !(sub.rte(r.rtIndex()) instanceof RangeTblEntry.RelationRte rel) || rel.relation().virtual()
                || Exprs.any(sub.jointree.quals(), x -> x instanceof Expr.SubLink)) {
            return null;
        }
        int rt = q.rtable.size() + 1;
        java.util.function.Function<Expr, Expr> map = e -> Exprs.rewrite(e, x -> {
            if (x instanceof Expr.Var v) {
                return v.levelsUp() == 1 ? v.withLevelsUp(0) : v.withVarno(rt);
            }
            return null;
        });
        List<Expr> quals = new ArrayList<>();
        if (inTest != null) {
            OperatorDef op = (OperatorDef) inTest[1];
            Expr col = map.apply(sub.targetList.get(0).expr());
            quals.add(new Expr.OpExpr(op, (Expr) inTest[0], col, PgType.BOOL, List.of(op.left(), op.right())));
        }
        for (Expr e : correlated) {
            quals.add(map.apply(e));
        }
        for (Expr e : Exprs.conjuncts(sub.jointree.quals())) {
            quals.add(map.apply(e));
        }
        q.rtable.add(rel);
        return specialJoin(type, rt, quals);
    }

    /**
     * Adds {@code sub} (its target list so far: the IN column, if any) as a range table entry
     * and returns the semi / anti join on the correlated terms (and the IN equality).
     */
    private Clause.SpecialJoin join(Query sub, List<Expr> correlated, Object[] inTest, JoinType type, String alias) {
        Clause.SpecialJoin flat = flatJoin(sub, correlated, inTest, type);
        if (flat != null) {
            return flat;
        }
        int rt = q.rtable.size() + 1;
        Map<Expr.Var, Integer> columns = new LinkedHashMap<>();
        List<Expr> quals = new ArrayList<>();
        for (Expr e : correlated) {
            quals.add(Exprs.rewrite(e, x -> {
                if (x instanceof Expr.Var v) {
                    if (v.levelsUp() == 1) {
                        return v.withLevelsUp(0);
                    }
                    Expr.Var key = new Expr.Var(v.varno(), v.attno(), v.type(), v.typmod(), 0);
                    Integer col = columns.get(key);
                    if (col == null) {
                        sub.targetList.add(new Query.TargetEntry(key, sub.targetList.size() + 1,
                                "col" + (sub.targetList.size() + 1), false, 0, 0, 0));
                        col = sub.targetList.size();
                        columns.put(key, col);
                    }
                    return new Expr.Var(rt, col, v.type(), v.typmod(), 0);
                }
                return null;
            }));
        }
        if (sub.targetList.isEmpty()) {
            sub.targetList.add(new Query.TargetEntry(new Expr.Const(PgType.INT4, 1), 1, "?column?", false, 0, 0, 0));
        }
        List<String> names = new ArrayList<>();
        for (Query.TargetEntry t : sub.targetList) {
            names.add(t.name());
        }
        if (inTest != null) {
            Expr test = (Expr) inTest[0];
            OperatorDef op = (OperatorDef) inTest[1];
            Expr col = sub.targetList.get(0).expr();
            Expr right = new Expr.Var(rt, 1, col.type(), col.typmod(), 0);
            quals.add(0, new Expr.OpExpr(op, test, right, PgType.BOOL, List.of(op.left(), op.right())));
        }
        q.rtable.add(new RangeTblEntry.SubqueryRte(sub, alias, names, false, null));
        return specialJoin(type, rt, quals);
    }

    /**
     * The semi or anti join of range table entry {@code rt}: its left side is what the quals
     * reference besides it, or the whole join tree when they reference nothing else.
     */
    private Clause.SpecialJoin specialJoin(JoinType type, int rt, List<Expr> quals) {
        BitSet rhs = new BitSet();
        rhs.set(rt);
        BitSet lhs = new BitSet();
        for (Expr e : quals) {
            lhs.or(QueryTrees.relids(e));
        }
        lhs.clear(rt);
        if (lhs.isEmpty()) {
            for (JoinTree.Node n : q.jointree.items()) {
                lhs.or(QueryTrees.relids(n));
            }
        }
        return new Clause.SpecialJoin(type, lhs, rhs, quals);
    }
}
