package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.analyze.Expr;
import org.walden.sql.exec.ExprCompiler;

/**
 * The columns of the rows a node reads, as expressions of the query (PostgreSQL's targetlist of
 * the node below, as setrefs.c matches against it): an expression equal to one of them compiles
 * to a read of that column.
 */
final class Layout implements ExprCompiler.Input {

    final List<Expr> columns;
    /** Column expressions by equality: Vars in a hash map (their hash is cheap), others searched in order. */
    private final Map<Expr.Var, Integer> varPositions = new HashMap<>();
    private final List<Expr> others = new ArrayList<>();
    private final List<Integer> otherPositions = new ArrayList<>();

    Layout(List<Expr> columns) {
        this.columns = columns;
        for (int i = 0; i < columns.size(); i++) {
            Expr e = columns.get(i);
            if (e instanceof Expr.Var v) {
                varPositions.putIfAbsent(v, i);
            } else {
                others.add(e);
                otherPositions.add(i);
            }
        }
    }

    /** The columns of a join's combined row: the outer row's, then the inner row's. */
    static Layout concat(List<Expr> outer, List<Expr> inner) {
        List<Expr> all = new ArrayList<>(outer.size() + inner.size());
        all.addAll(outer);
        all.addAll(inner);
        return new Layout(all);
    }

    @Override
    public int indexOf(Expr e) {
        if (e instanceof Expr.Var v) {
            Integer i = varPositions.get(v);
            return i == null ? -1 : i;
        }
        for (int i = 0; i < others.size(); i++) {
            Expr o = others.get(i);
            if (o.getClass() == e.getClass() && o.equals(e)) {
                return otherPositions.get(i);
            }
        }
        return -1;
    }

    boolean contains(Expr e) {
        return indexOf(e) >= 0;
    }
}
