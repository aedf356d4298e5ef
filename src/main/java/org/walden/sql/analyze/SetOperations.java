package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.List;
import org.walden.common.SqlState;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * UNION / INTERSECT / EXCEPT (transformSetOperationTree): each operand is a subquery range
 * table entry; each column's type is the common type of the operands' columns, which their
 * output is coerced to (so SELECT 1 UNION SELECT 'a' fails on 'a' as PostgreSQL does); ORDER BY
 * may name only result columns. Also the two terms of a recursive CTE.
 */
final class SetOperations {

    private SetOperations() {
    }

    static Query analyze(Analyzer a, ParseState ps, Tree.SelectStmt s) {
        Query q = ps.query;
        if (!s.locking().isEmpty()) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "FOR " + s.locking().get(0).strength()
                    + " is not allowed with UNION/INTERSECT/EXCEPT", s.position());
        }
        Query.SetOperation top = (Query.SetOperation) node(a, ps, s, true);
        q.setOperations = top;
        finish(a, ps, s, top);
        return q;
    }

    /** The query of a recursive CTE: the non-recursive term's types are the CTE's. */
    static Query recursive(Analyzer a, ParseState ps, Tree.SelectStmt s, List<PgType> types) {
        Query q = ps.query;
        Query.SetOpNode left = leaf(a, ps, s.left());
        Query.SetOpNode right = leaf(a, ps, s.right());
        List<PgType> rightTypes = types(q, right);
        if (rightTypes.size() != types.size()) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "each UNION query must have the same number of columns",
                    s.position());
        }
        for (int i = 0; i < types.size(); i++) {
            PgType overall = Coercion.commonType(List.of(new Expr.Const(types.get(i), null),
                    new Expr.Const(rightTypes.get(i), null)), "UNION", s.position());
            if (overall != types.get(i)) {
                String name = q.rte(((Query.SetOpLeaf) left).rtIndex()).alias();
                throw new SyntaxError(SqlState.DATATYPE_MISMATCH, "recursive query \"" + ps.parent.recursiveCteName()
                        + "\" column " + (i + 1) + " has type " + types.get(i).formatType(-1)
                        + " in non-recursive term but type " + overall.formatType(-1) + " overall", s.position())
                        .withHint("Cast the output of the non-recursive term to the correct type.");
            }
        }
        List<Integer> typmods = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            typmods.add(-1);
        }
        coerceSubtree(a, ps, q, left, types, s.position());
        coerceSubtree(a, ps, q, right, types, s.position());
        Query.SetOperation top = new Query.SetOperation(Tree.SetOp.UNION, s.all(), left, right, types, typmods);
        q.setOperations = top;
        finish(a, ps, s, top);
        return q;
    }

    private static void finish(Analyzer a, ParseState ps, Tree.SelectStmt s, Query.SetOperation top) {
        Query q = ps.query;
        Query.SetOpLeaf leftmost = leftmost(top);
        Query first = ((RangeTblEntry.SubqueryRte) q.rte(leftmost.rtIndex())).subquery();
        List<Query.TargetEntry> names = first.visibleTargets();
        for (int i = 0; i < top.columnTypes().size(); i++) {
            Expr v = new Expr.Var(leftmost.rtIndex(), i + 1, top.columnTypes().get(i), top.columnTypmods().get(i), 0);
            Clauses.addTarget(q, v, names.get(i).name(), false, null);
        }
        for (Tree.SortBy sort : s.sort()) {
            Query.TargetEntry te = resultColumn(q, sort.expr());
            a.clauses.addSortClause(ps, q.sortClause, te, sort.descending(), sort.nullsFirst(), sort.usingOperator(),
                    false, sort.expr().position());
        }
        q.limitCount = a.clauses.limit(ps, s.limit(), ParseState.Clause.LIMIT);
        q.limitOffset = a.clauses.limit(ps, s.offset(), ParseState.Clause.OFFSET);
    }

    private static Query.TargetEntry resultColumn(Query q, Tree.Expr e) {
        if (e instanceof Tree.Const c && c.kind() == Tree.ConstKind.INTEGER) {
            int pos = Integer.parseInt(c.text());
            if (pos < 1 || pos > q.targetList.size()) {
                throw new SyntaxError(SqlState.INVALID_COLUMN_REFERENCE, "ORDER BY position " + pos
                        + " is not in select list", e.position());
            }
            return Clauses.ensureRef(q, q.targetList.get(pos - 1));
        }
        if (e instanceof Tree.ColumnRef cr && cr.names().size() == 1) {
            for (Query.TargetEntry t : q.targetList) {
                if (t.name().equals(cr.names().get(0))) {
                    return Clauses.ensureRef(q, t);
                }
            }
            throw new SyntaxError(SqlState.UNDEFINED_COLUMN, "column \"" + cr.names().get(0) + "\" does not exist",
                    e.position());
        }
        throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "invalid UNION/INTERSECT/EXCEPT ORDER BY clause",
                e.position()).withDetail("Only result column names can be used, not expressions or functions.")
                .withHint("Add the expression/function to every SELECT, or move the UNION into a FROM clause.");
    }

    private static Query.SetOpLeaf leftmost(Query.SetOpNode n) {
        return n instanceof Query.SetOperation op ? leftmost(op.left()) : (Query.SetOpLeaf) n;
    }

    private static Query.SetOpNode node(Analyzer a, ParseState ps, Tree.SelectStmt s, boolean top) {
        boolean internal = s.isSetOperation() && (top || (s.sort().isEmpty() && s.limit() == null
                && s.offset() == null && s.with() == null && s.locking().isEmpty()));
        if (!internal) {
            return leaf(a, ps, s);
        }
        Query.SetOpNode left = node(a, ps, s.left(), false);
        Query.SetOpNode right = node(a, ps, s.right(), false);
        Query q = ps.query;
        List<PgType> lt = types(q, left);
        List<PgType> rt = types(q, right);
        String what = s.op().name();
        if (lt.size() != rt.size()) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "each " + what + " query must have the same number of "
                    + "columns", s.right().position());
        }
        List<PgType> types = new ArrayList<>();
        List<Integer> typmods = new ArrayList<>();
        for (int i = 0; i < lt.size(); i++) {
            PgType common = Coercion.commonType(List.of(new Expr.Const(lt.get(i), null),
                    new Expr.Const(rt.get(i), null)), what, s.position());
            types.add(common);
            typmods.add(-1);
        }
        coerceSubtree(a, ps, q, left, types, s.position());
        coerceSubtree(a, ps, q, right, types, s.position());
        return new Query.SetOperation(s.op(), s.all(), left, right, types, typmods);
    }

    private static Query.SetOpNode leaf(Analyzer a, ParseState ps, Tree.SelectStmt s) {
        Query sub = a.select(ps.child(), s, false);
        List<String> names = new ArrayList<>();
        for (Query.TargetEntry t : sub.visibleTargets()) {
            names.add(t.name());
        }
        int rt = ps.addRte(new RangeTblEntry.SubqueryRte(sub, "*SELECT* " + (ps.query.rtable.size() + 1), names,
                false, null));
        return new Query.SetOpLeaf(rt);
    }

    private static List<PgType> types(Query q, Query.SetOpNode n) {
        if (n instanceof Query.SetOperation op) {
            return op.columnTypes();
        }
        List<PgType> out = new ArrayList<>();
        Query sub = ((RangeTblEntry.SubqueryRte) q.rte(((Query.SetOpLeaf) n).rtIndex())).subquery();
        for (Query.TargetEntry t : sub.visibleTargets()) {
            out.add(t.expr().type());
        }
        return out;
    }

    /** Coerces the output columns of every operand under {@code n} to {@code types}. */
    private static void coerceSubtree(Analyzer a, ParseState ps, Query q, Query.SetOpNode n, List<PgType> types,
                                      int position) {
        if (n instanceof Query.SetOperation op) {
            coerceSubtree(a, ps, q, op.left(), types, position);
            coerceSubtree(a, ps, q, op.right(), types, position);
            op.columnTypes().clear();
            op.columnTypes().addAll(types);
            return;
        }
        Query sub = ((RangeTblEntry.SubqueryRte) q.rte(((Query.SetOpLeaf) n).rtIndex())).subquery();
        int col = 0;
        for (int i = 0; i < sub.targetList.size(); i++) {
            Query.TargetEntry t = sub.targetList.get(i);
            if (t.junk()) {
                continue;
            }
            PgType target = types.get(col++);
            if (t.expr().type() != target) {
                sub.targetList.set(i, t.withExpr(a.exprs.coerce(ps, t.expr(), target, -1, Coercion.Context.IMPLICIT,
                        position)));
            }
        }
    }
}
