package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.List;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.exec.Eval;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.ExprCompiler;
import org.walden.sql.types.PgType;

/**
 * Folds constant sub-expressions before planning (PostgreSQL's eval_const_expressions):
 * immutable functions and operators of constants, casts of constants that do not depend on the
 * session, ARRAY[...] of constants, and AND / OR / NOT with constant arms. Selectivity estimates
 * and index keys then see constants, and EXPLAIN prints them as PostgreSQL does ({@code '{1,2}'::integer[]}).
 * An expression whose evaluation fails is left as it is, to fail when the statement runs.
 */
final class ConstFolder {

    private static final ExprCompiler.Input NO_INPUT = e -> -1;

    private final ExecState st;

    ConstFolder(ExecState st) {
        this.st = st;
    }

    Expr fold(Expr e) {
        if (e == null || e instanceof Expr.Const || e instanceof Expr.Var || e instanceof Expr.Param
                || e instanceof Expr.ExecParam || e instanceof Expr.CaseTest) {
            return e;
        }
        Expr rebuilt = Exprs.rewrite(e, y -> y == e ? null : fold(y));
        return simplify(rebuilt);
    }

    private Expr simplify(Expr x) {
        switch (x) {
            case Expr.BoolExpr b -> {
                return bool(b);
            }
            case Expr.FuncExpr f when f.function().volatility == 'i' && allConst(f.args()) && !f.function().retset
                    && f.function().binder != null -> {
                return evaluate(x);
            }
            case Expr.OpExpr o when o.operator().function() != null && o.operator().function().volatility == 'i'
                    && allConst(o.left() == null ? List.of(o.right()) : List.of(o.left(), o.right())) -> {
                return evaluate(x);
            }
            case Expr.Cast c when c.arg() instanceof Expr.Const && sessionIndependent(c.arg().type(), c.type()) -> {
                return evaluate(x);
            }
            case Expr.ArrayExpr a when allConst(a.elements()) -> {
                return evaluate(x);
            }
            case Expr.NullTest n when n.arg() instanceof Expr.Const c -> {
                return new Expr.Const(PgType.BOOL, n.isNot() != c.isNull());
            }
            default -> {
                return x;
            }
        }
    }

    private static boolean sessionIndependent(PgType from, PgType to) {
        return (from.isNumeric() || from.isString() || from == PgType.BOOL)
                && (to.isNumeric() || to.isString() || to == PgType.BOOL) && !to.isRegType() && !from.isRegType();
    }

    private static boolean allConst(List<Expr> args) {
        for (Expr a : args) {
            if (!(a instanceof Expr.Const)) {
                return false;
            }
        }
        return true;
    }

    private Expr evaluate(Expr x) {
        try {
            Eval e = new ExprCompiler(NO_INPUT, null).compile(x);
            return new Expr.Const(x.type(), x.typmod(), e.eval(null, st));
        } catch (RuntimeException ex) {
            return x;
        }
    }

    private static Expr bool(Expr.BoolExpr b) {
        if (b.op() == Expr.BoolOp.NOT) {
            if (b.args().get(0) instanceof Expr.Const c) {
                return new Expr.Const(PgType.BOOL, c.isNull() ? null : !(Boolean) c.value());
            }
            return b;
        }
        boolean and = b.op() == Expr.BoolOp.AND;
        List<Expr> kept = new ArrayList<>();
        boolean sawNull = false;
        for (Expr a : b.args()) {
            if (a instanceof Expr.Const c) {
                if (c.isNull()) {
                    sawNull = true;
                    continue;
                }
                boolean v = (Boolean) c.value();
                if (v != and) {
                    return new Expr.Const(PgType.BOOL, v);
                }
                continue;
            }
            kept.add(a);
        }
        if (kept.isEmpty()) {
            return new Expr.Const(PgType.BOOL, sawNull ? null : and);
        }
        if (sawNull) {
            kept.add(new Expr.Const(PgType.BOOL, null));
        }
        return kept.size() == 1 ? kept.get(0) : new Expr.BoolExpr(b.op(), kept);
    }
}
