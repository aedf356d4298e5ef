package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.analyze.JoinTree;
import org.walden.sql.analyze.Query;
import org.walden.sql.analyze.RangeTblEntry;

/**
 * Walks analyzed queries with their subqueries (PostgreSQL's query_tree_walker): every
 * expression of a query level and of the levels nested in it, with how deep it is, so the
 * planner can find the columns a subquery reads from an outer level and the Vars an expression
 * uses from the current one.
 */
final class QueryTrees {

    private QueryTrees() {
    }

    /** Calls {@code visit} with every expression of {@code q} (not descending into subqueries). */
    static void expressions(Query q, Consumer<Expr> visit) {
        for (Query.TargetEntry t : q.targetList) {
            visit.accept(t.expr());
        }
        joinTreeExprs(q.jointree, visit);
        accept(q.havingQual, visit);
        accept(q.limitCount, visit);
        accept(q.limitOffset, visit);
        for (Query.WindowClause w : q.windowClause) {
            accept(w.startOffset(), visit);
            accept(w.endOffset(), visit);
        }
        if (q.returningList != null) {
            for (Query.TargetEntry t : q.returningList) {
                visit.accept(t.expr());
            }
        }
        if (q.onConflict != null) {
            for (Query.TargetEntry t : q.onConflict.set()) {
                visit.accept(t.expr());
            }
            accept(q.onConflict.where(), visit);
        }
        for (RangeTblEntry rte : q.rtable) {
            switch (rte) {
                case RangeTblEntry.FunctionRte f -> visit.accept(f.call());
                case RangeTblEntry.ValuesRte v -> v.rows().forEach(r -> r.forEach(e -> accept(e, visit)));
                case RangeTblEntry.JoinRte j -> j.aliasVars().forEach(visit);
                default -> {
                }
            }
        }
    }

    private static void accept(Expr e, Consumer<Expr> visit) {
        if (e != null) {
            visit.accept(e);
        }
    }

    private static void joinTreeExprs(JoinTree.Node n, Consumer<Expr> visit) {
        switch (n) {
            case JoinTree.FromExpr f -> {
                f.items().forEach(i -> joinTreeExprs(i, visit));
                accept(f.quals(), visit);
            }
            case JoinTree.Join j -> {
                joinTreeExprs(j.left(), visit);
                joinTreeExprs(j.right(), visit);
                accept(j.quals(), visit);
            }
            case JoinTree.RangeRef r -> {
            }
        }
    }

    /** The queries nested directly in {@code q}: FROM subqueries and CTEs (sublinks are found in expressions). */
    static List<Query> childQueries(Query q) {
        List<Query> out = new ArrayList<>();
        for (RangeTblEntry rte : q.rtable) {
            if (rte instanceof RangeTblEntry.SubqueryRte s) {
                out.add(s.subquery());
            }
        }
        for (Query.CommonTableExpr c : q.cteList) {
            out.add(c.query);
        }
        return out;
    }

    /**
     * Every Var in {@code e} that belongs to the query {@code depth} levels out from where the
     * expression is, including those inside subqueries (normalized to levelsUp 0).
     */
    static void varsOfLevel(Expr e, int depth, Consumer<Expr.Var> sink) {
        if (e == null) {
            return;
        }
        Exprs.any(e, x -> {
            if (x instanceof Expr.Var v && v.levelsUp() == depth) {
                sink.accept(depth == 0 ? v : new Expr.Var(v.varno(), v.attno(), v.type(), v.typmod(), 0));
            } else if (x instanceof Expr.SubLink s) {
                queryVarsOfLevel(s.subquery(), depth + 1, sink);
            } else if (x instanceof Expr.Aggref a) {
                // an aggregate's arguments are walked by Exprs.children
                return false;
            }
            return false;
        });
    }

    /** Every Var in {@code q} and below it that belongs to the query {@code depth} levels out from {@code q}. */
    static void queryVarsOfLevel(Query q, int depth, Consumer<Expr.Var> sink) {
        expressions(q, e -> varsOfLevel(e, depth, sink));
        for (Query child : childQueries(q)) {
            queryVarsOfLevel(child, depth + 1, sink);
        }
    }

    /** True when {@code q} (or a query below it) reads a column of a query outside {@code q}. */
    static boolean correlated(Query q) {
        boolean[] found = {false};
        outerRefs(q, 1, v -> found[0] = true);
        return found[0];
    }

    /** Vars of any level outside {@code q} referenced in {@code q} (depth = q's distance to its parent). */
    private static void outerRefs(Query q, int depth, Consumer<Expr.Var> sink) {
        expressions(q, e -> Exprs.any(e, x -> {
            if (x instanceof Expr.Var v && v.levelsUp() >= depth) {
                sink.accept(v);
            } else if (x instanceof Expr.SubLink s) {
                outerRefs(s.subquery(), depth + 1, sink);
            }
            return false;
        }));
        for (Query child : childQueries(q)) {
            outerRefs(child, depth + 1, sink);
        }
        for (RangeTblEntry rte : q.rtable) {
            if (rte instanceof RangeTblEntry.CteRte c && c.levelsUp() >= depth) {
                sink.accept(null);
            }
        }
    }

    /** The Vars of this level in {@code e}, subqueries included (normalized to levelsUp 0). */
    static List<Expr.Var> vars(Expr e) {
        List<Expr.Var> out = new ArrayList<>();
        varsOfLevel(e, 0, out::add);
        return out;
    }

    /** The range table indexes of this level the expression's Vars name (subqueries included). */
    static BitSet relids(Expr e) {
        BitSet out = new BitSet();
        varsOfLevel(e, 0, v -> out.set(v.varno()));
        return out;
    }

    /** The range table indexes under a join tree node. */
    static BitSet relids(JoinTree.Node n) {
        BitSet out = new BitSet();
        collectRelids(n, out);
        return out;
    }

    private static void collectRelids(JoinTree.Node n, BitSet out) {
        switch (n) {
            case JoinTree.RangeRef r -> out.set(r.rtIndex());
            case JoinTree.Join j -> {
                collectRelids(j.left(), out);
                collectRelids(j.right(), out);
            }
            case JoinTree.FromExpr f -> f.items().forEach(i -> collectRelids(i, out));
        }
    }

    /** A shallow copy of a query whose lists may be changed without touching the original. */
    static Query copy(Query q) {
        Query c = new Query();
        c.command = q.command;
        c.rtable.addAll(q.rtable);
        c.jointree = new JoinTree.FromExpr(new ArrayList<>(q.jointree.items()), q.jointree.quals());
        c.targetList.addAll(q.targetList);
        c.hasAggs = q.hasAggs;
        c.hasWindowFuncs = q.hasWindowFuncs;
        c.hasSubLinks = q.hasSubLinks;
        c.hasTargetSRFs = q.hasTargetSRFs;
        c.groupClause.addAll(q.groupClause);
        c.havingQual = q.havingQual;
        c.windowClause.addAll(q.windowClause);
        c.distinctClause.addAll(q.distinctClause);
        c.hasDistinctOn = q.hasDistinctOn;
        c.sortClause.addAll(q.sortClause);
        c.limitOffset = q.limitOffset;
        c.limitCount = q.limitCount;
        c.limitWithTies = q.limitWithTies;
        c.setOperations = q.setOperations;
        c.cteList.addAll(q.cteList);
        c.rowMark = q.rowMark;
        c.resultRelation = q.resultRelation;
        c.insertColumns.addAll(q.insertColumns);
        c.updateColumns.addAll(q.updateColumns);
        c.onConflict = q.onConflict;
        c.returningList = q.returningList;
        c.groupingSets = q.groupingSets;
        return c;
    }
}
