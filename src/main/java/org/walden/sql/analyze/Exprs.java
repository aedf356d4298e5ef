package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/** Walking and rewriting analyzed expressions (PostgreSQL's expression_tree_walker and _mutator). */
public final class Exprs {

    private Exprs() {
    }

    /** The direct children of an expression (not descending into subqueries). */
    public static List<Expr> children(Expr e) {
        return switch (e) {
            case Expr.Const c -> List.of();
            case Expr.Param p -> List.of();
            case Expr.Var v -> List.of();
            case Expr.CaseTest t -> List.of();
            case Expr.SetToDefault d -> List.of();
            case Expr.ExecParam p -> List.of();
            case Expr.FuncExpr f -> f.args();
            case Expr.OpExpr o -> o.left() == null ? List.of(o.right()) : List.of(o.left(), o.right());
            case Expr.BoolExpr b -> b.args();
            case Expr.NullTest n -> List.of(n.arg());
            case Expr.BooleanTest b -> List.of(b.arg());
            case Expr.CaseExpr c -> {
                List<Expr> out = new ArrayList<>();
                if (c.arg() != null) {
                    out.add(c.arg());
                }
                for (Expr.CaseWhen w : c.whens()) {
                    out.add(w.condition());
                    out.add(w.result());
                }
                out.add(c.defaultResult());
                yield out;
            }
            case Expr.Coalesce c -> c.args();
            case Expr.MinMax m -> m.args();
            case Expr.NullIf n -> List.of(n.left(), n.right());
            case Expr.ScalarArrayOp s -> List.of(s.left(), s.array());
            case Expr.ArrayExpr a -> a.elements();
            case Expr.Subscript s -> {
                List<Expr> out = new ArrayList<>();
                out.add(s.array());
                for (Expr x : s.lower()) {
                    if (x != null) {
                        out.add(x);
                    }
                }
                for (Expr x : s.upper()) {
                    if (x != null) {
                        out.add(x);
                    }
                }
                yield out;
            }
            case Expr.RowExpr r -> r.args();
            case Expr.FieldSelect f -> List.of(f.row());
            case Expr.Cast c -> List.of(c.arg());
            case Expr.SubLink s -> s.testExprs();
            case Expr.Aggref a -> {
                List<Expr> out = new ArrayList<>(a.args());
                if (a.filter() != null) {
                    out.add(a.filter());
                }
                for (Expr.AggOrder o : a.order()) {
                    out.add(o.expr());
                }
                yield out;
            }
            case Expr.WindowFunc w -> {
                List<Expr> out = new ArrayList<>(w.args());
                if (w.filter() != null) {
                    out.add(w.filter());
                }
                yield out;
            }
            case Expr.DistinctExpr d -> List.of(d.left(), d.right());
        };
    }

    /** True when {@code test} holds for the expression or any expression below it (not inside subqueries). */
    public static boolean any(Expr e, Predicate<Expr> test) {
        if (e == null) {
            return false;
        }
        if (test.test(e)) {
            return true;
        }
        // the common nodes without building a list of children
        switch (e) {
            case Expr.Var v -> {
                return false;
            }
            case Expr.Const c -> {
                return false;
            }
            case Expr.Param p -> {
                return false;
            }
            case Expr.OpExpr o -> {
                return any(o.left(), test) || any(o.right(), test);
            }
            case Expr.Cast c -> {
                return any(c.arg(), test);
            }
            default -> {
                for (Expr c : children(e)) {
                    if (any(c, test)) {
                        return true;
                    }
                }
                return false;
            }
        }
    }

    /** Every expression below {@code e} (itself included) for which {@code test} holds, not descending into matches. */
    public static <T extends Expr> List<T> collect(Expr e, Class<T> type) {
        List<T> out = new ArrayList<>();
        collect(e, type, out);
        return out;
    }

    private static <T extends Expr> void collect(Expr e, Class<T> type, List<T> out) {
        if (e == null) {
            return;
        }
        if (type.isInstance(e)) {
            out.add(type.cast(e));
            return;
        }
        for (Expr c : children(e)) {
            collect(c, type, out);
        }
    }

    /**
     * Rewrites an expression bottom-up: {@code fn} is offered each node first; when it returns
     * non-null that replaces the node (and its children are not visited); otherwise the node is
     * rebuilt from its rewritten children.
     */
    public static Expr rewrite(Expr e, Function<Expr, Expr> fn) {
        if (e == null) {
            return null;
        }
        Expr replaced = fn.apply(e);
        if (replaced != null) {
            return replaced;
        }
        return switch (e) {
            case Expr.Const c -> c;
            case Expr.Param p -> p;
            case Expr.Var v -> v;
            case Expr.CaseTest t -> t;
            case Expr.SetToDefault d -> d;
            case Expr.ExecParam p -> p;
            case Expr.FuncExpr f -> new Expr.FuncExpr(f.function(), all(f.args(), fn), f.type(), f.argTypes(), f.form(),
                    f.syntax());
            case Expr.OpExpr o -> new Expr.OpExpr(o.operator(), rewrite(o.left(), fn), rewrite(o.right(), fn),
                    o.type(), o.argTypes());
            case Expr.BoolExpr b -> new Expr.BoolExpr(b.op(), all(b.args(), fn));
            case Expr.NullTest n -> new Expr.NullTest(rewrite(n.arg(), fn), n.isNot());
            case Expr.BooleanTest b -> new Expr.BooleanTest(rewrite(b.arg(), fn), b.kind());
            case Expr.CaseExpr c -> {
                List<Expr.CaseWhen> whens = new ArrayList<>();
                for (Expr.CaseWhen w : c.whens()) {
                    whens.add(new Expr.CaseWhen(rewrite(w.condition(), fn), rewrite(w.result(), fn)));
                }
                yield new Expr.CaseExpr(rewrite(c.arg(), fn), whens, rewrite(c.defaultResult(), fn), c.type(),
                        c.typmod());
            }
            case Expr.Coalesce c -> new Expr.Coalesce(all(c.args(), fn), c.type());
            case Expr.MinMax m -> new Expr.MinMax(m.greatest(), all(m.args(), fn), m.type(), m.comparison());
            case Expr.NullIf n -> new Expr.NullIf(n.equality(), rewrite(n.left(), fn), rewrite(n.right(), fn), n.type());
            case Expr.ScalarArrayOp s -> new Expr.ScalarArrayOp(s.operator(), s.useOr(), rewrite(s.left(), fn),
                    rewrite(s.array(), fn));
            case Expr.ArrayExpr a -> new Expr.ArrayExpr(a.type(), all(a.elements(), fn));
            case Expr.Subscript s -> new Expr.Subscript(rewrite(s.array(), fn), all(s.lower(), fn), all(s.upper(), fn),
                    s.slice(), s.type());
            case Expr.RowExpr r -> new Expr.RowExpr(all(r.args(), fn), r.names());
            case Expr.FieldSelect f -> new Expr.FieldSelect(rewrite(f.row(), fn), f.field(), f.type());
            case Expr.Cast c -> new Expr.Cast(rewrite(c.arg(), fn), c.type(), c.typmod(), c.form(), c.binary());
            case Expr.SubLink s -> new Expr.SubLink(s.kind(), all(s.testExprs(), fn), s.operators(), s.subquery(),
                    s.type());
            case Expr.Aggref a -> {
                List<Expr.AggOrder> order = new ArrayList<>();
                for (Expr.AggOrder o : a.order()) {
                    order.add(new Expr.AggOrder(rewrite(o.expr(), fn), o.descending(), o.nullsFirst(), o.lessThan()));
                }
                yield new Expr.Aggref(a.function(), all(a.args(), fn), a.argTypes(), a.star(), a.distinct(),
                        rewrite(a.filter(), fn), order, a.type());
            }
            case Expr.WindowFunc w -> new Expr.WindowFunc(w.function(), all(w.args(), fn), w.argTypes(), w.star(),
                    rewrite(w.filter(), fn), w.winref(), w.type());
            case Expr.DistinctExpr d -> new Expr.DistinctExpr(d.equality(), rewrite(d.left(), fn),
                    rewrite(d.right(), fn), d.not());
        };
    }

    private static List<Expr> all(List<Expr> list, Function<Expr, Expr> fn) {
        List<Expr> out = new ArrayList<>(list.size());
        for (Expr e : list) {
            out.add(e == null ? null : rewrite(e, fn));
        }
        return out;
    }

    /** Splits a qual into its AND terms. */
    public static List<Expr> conjuncts(Expr e) {
        List<Expr> out = new ArrayList<>();
        addConjuncts(e, out);
        return out;
    }

    private static void addConjuncts(Expr e, List<Expr> out) {
        if (e == null) {
            return;
        }
        if (e instanceof Expr.BoolExpr b && b.op() == Expr.BoolOp.AND) {
            for (Expr a : b.args()) {
                addConjuncts(a, out);
            }
        } else {
            out.add(e);
        }
    }

    /** The AND of {@code terms} (null for none). */
    public static Expr and(List<Expr> terms) {
        if (terms.isEmpty()) {
            return null;
        }
        return terms.size() == 1 ? terms.get(0) : new Expr.BoolExpr(Expr.BoolOp.AND, List.copyOf(terms));
    }

    /** True when the expression contains a volatile function (random(), nextval(), ...). */
    public static boolean volatileFunctions(Expr e) {
        return any(e, x -> (x instanceof Expr.FuncExpr f && f.function().volatility == 'v')
                || (x instanceof Expr.OpExpr o && o.operator().function().volatility == 'v'));
    }
}
