package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.List;
import org.walden.common.SqlState;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * Aggregate and window function calls (parse_agg.c): where they are allowed, nesting, count(*),
 * DISTINCT / ORDER BY / FILTER inside an aggregate, OVER windows (recorded for the analyzer to
 * turn into window clauses), and named arguments of ordinary functions.
 */
final class Aggregation {

    private Aggregation() {
    }

    static Expr call(ExprTransformer t, ParseState ps, Tree.FuncCall f, List<FunctionDef> defs) {
        String name = f.functionName();
        boolean window = f.over() != null;
        if (!window && !defs.isEmpty() && defs.get(0).isWindow()) {
            throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, "window function " + name + " requires an OVER clause",
                    f.position());
        }
        if (window) {
            checkWindowAllowed(ps, f.position());
        } else {
            checkAggregateAllowed(ps, f.position());
        }
        boolean savedAgg = ps.insideAggregate;
        boolean savedWin = ps.insideWindowFunction;
        ParseState.Clause savedClause = ps.clause;
        List<Expr> args = new ArrayList<>();
        Expr filter = null;
        List<Expr.AggOrder> order = new ArrayList<>();
        try {
            if (window) {
                ps.insideWindowFunction = true;
            } else {
                ps.insideAggregate = true;
            }
            for (Tree.Expr a : f.args()) {
                args.add(t.transform(ps, a));
            }
            if (f.filter() != null) {
                filter = t.condition(ps, f.filter(), "FILTER");
            }
            for (Tree.SortBy s : f.aggOrder()) {
                if (f.withinGroup()) {
                    args.add(t.transform(ps, s.expr())); // aggregated arguments: sorted once coerced, below
                    continue;
                }
                Expr key = ExprTransformer.resolveUnknownToText(t.transform(ps, s.expr()));
                Expr.OpExpr lt = (Expr.OpExpr) t.operator(ps, s.descending() ? ">" : "<", key, key, f.position());
                boolean nullsFirst = s.nullsFirst() != null ? s.nullsFirst() : s.descending();
                order.add(new Expr.AggOrder(key, s.descending(), nullsFirst, lt.operator()));
            }
        } finally {
            ps.insideAggregate = savedAgg;
            ps.insideWindowFunction = savedWin;
            ps.clause = savedClause;
        }
        if (f.star() && !name.equals("count")) {
            throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, name + "(*) specified, but " + name
                    + " is not an aggregate function", f.position());
        }
        List<PgType> argTypes = new ArrayList<>();
        for (Expr a : args) {
            argTypes.add(a.type());
        }
        List<FuncResolver.Candidate> cands = FuncResolver.functionCandidates(defs, args.size(), f.variadic());
        FuncResolver.Choice choice = FuncResolver.choose(cands, argTypes);
        if (choice.chosen() == null || (!choice.chosen().function().isAggregate()
                && !choice.chosen().function().isWindow())) {
            if (choice.chosen() != null && window) {
                throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, "OVER specified, but " + name
                        + " is not a window function nor an aggregate function", f.position());
            }
            throw ExprTransformer.noSuchFunction(f.name(), argTypes, choice.ambiguous(), f.position());
        }
        FunctionDef def = choice.chosen().function();
        checkOrderedSet(def, f, window);
        List<PgType> bound = FuncResolver.bindPolymorphic(choice.chosen().params(), argTypes, def.result,
                "function");
        List<Expr> coerced = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            PgType target = bound.get(i);
            Expr a = args.get(i);
            if (target == PgType.ANY) {
                a = ExprTransformer.resolveUnknownToText(a);
            }
            Expr c = Coercion.coerce(a, target, -1, Coercion.Context.IMPLICIT, Expr.CastForm.IMPLICIT,
                    ps.env.values(), t.positionOf(a, f.position()));
            coerced.add(c);
        }
        List<PgType> boundArgs = new ArrayList<>();
        for (int i = 0; i < coerced.size(); i++) {
            boundArgs.add(bound.get(i) == PgType.ANY ? coerced.get(i).type() : bound.get(i));
        }
        PgType result = bound.get(bound.size() - 1);
        if (f.withinGroup()) {
            int direct = coerced.size() - f.aggOrder().size();
            for (int i = 0; i < f.aggOrder().size(); i++) {
                Tree.SortBy s = f.aggOrder().get(i);
                Expr key = coerced.get(direct + i);
                Expr.OpExpr lt = (Expr.OpExpr) t.operator(ps, s.descending() ? ">" : "<", key, key, f.position());
                boolean nullsFirst = s.nullsFirst() != null ? s.nullsFirst() : s.descending();
                order.add(new Expr.AggOrder(key, s.descending(), nullsFirst, lt.operator()));
            }
        }
        if (window) {
            if (f.distinct()) {
                throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "DISTINCT is not implemented for window "
                        + "functions", f.position());
            }
            if (!f.aggOrder().isEmpty()) {
                throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "aggregate ORDER BY is not implemented for "
                        + "window functions", f.position());
            }
            if (filter != null && !def.isAggregate()) {
                throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, "FILTER is not implemented for non-aggregate "
                        + "window functions", f.position());
            }
            ps.query.hasWindowFuncs = true;
            int winref = t.analyzer().windowReference(ps, f.over(), f.position());
            return new Expr.WindowFunc(def, coerced, boundArgs, f.star(), filter, winref, result);
        }
        ps.query.hasAggs = true;
        return new Expr.Aggref(def, coerced, boundArgs, f.star(), f.distinct(), filter, order, result);
    }

    /** parse_func.c's rules for WITHIN GROUP: only and always with an ordered-set aggregate, never with OVER. */
    private static void checkOrderedSet(FunctionDef def, Tree.FuncCall f, boolean window) {
        boolean orderedSet = def.aggregate instanceof FunctionDef.OrderedSetAggregate;
        String name = f.functionName();
        if (f.withinGroup() && !orderedSet) {
            throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, name + " is not an ordered-set aggregate, so it "
                    + "cannot have WITHIN GROUP", f.position());
        }
        if (orderedSet && !f.withinGroup()) {
            throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, "WITHIN GROUP is required for ordered-set aggregate "
                    + name, f.position());
        }
        if (orderedSet && window) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "OVER is not supported for ordered-set aggregate "
                    + name, f.position());
        }
    }

    private static void checkAggregateAllowed(ParseState ps, int position) {
        if (ps.insideAggregate) {
            throw new SyntaxError(SqlState.GROUPING_ERROR, "aggregate function calls cannot be nested", position);
        }
        if (ps.insideWindowFunction) {
            return; // an aggregate inside a window function's arguments belongs to the grouping
        }
        switch (ps.clause) {
            case SELECT, HAVING, ORDER_BY, DISTINCT_ON, WINDOW_PARTITION, WINDOW_ORDER, RETURNING -> {
                if (ps.clause == ParseState.Clause.RETURNING) {
                    throw new SyntaxError(SqlState.GROUPING_ERROR, "aggregate functions are not allowed in RETURNING",
                            position);
                }
            }
            default -> throw new SyntaxError(SqlState.GROUPING_ERROR, "aggregate functions are not allowed in "
                    + ps.clause.text, position);
        }
    }

    private static void checkWindowAllowed(ParseState ps, int position) {
        if (ps.insideWindowFunction) {
            throw new SyntaxError(SqlState.WINDOWING_ERROR, "window function calls cannot be nested", position);
        }
        if (ps.insideAggregate) {
            throw new SyntaxError(SqlState.GROUPING_ERROR, "aggregate function calls cannot contain window function "
                    + "calls", position);
        }
        switch (ps.clause) {
            case SELECT, ORDER_BY -> {
            }
            default -> throw new SyntaxError(SqlState.WINDOWING_ERROR, "window functions are not allowed in "
                    + ps.clause.text, position);
        }
    }

    /** Reorders named arguments (name => value) into parameter order. */
    static List<Expr> namedArguments(List<FunctionDef> defs, Tree.FuncCall f, List<Expr> args, String name) {
        List<String> paramNames = null;
        int size = 0;
        FunctionDef named = null;
        for (FunctionDef d : defs) {
            if (d.argNames != null) {
                paramNames = d.argNames;
                size = d.args.size();
                named = d;
                break;
            }
        }
        if (paramNames == null) {
            List<PgType> types = new ArrayList<>();
            for (Expr a : args) {
                types.add(a.type());
            }
            throw ExprTransformer.noSuchFunction(f.name(), types, false, f.position());
        }
        Expr[] placed = new Expr[size];
        int highest = -1;
        for (int i = 0; i < args.size(); i++) {
            String argName = f.argNames().get(i);
            int pos = argName == null ? i : paramNames.indexOf(argName);
            if (pos < 0 || pos >= size || placed[pos] != null) {
                throw new SyntaxError(SqlState.UNDEFINED_FUNCTION, "function " + name + " does not exist",
                        f.position()).withHint("No function matches the given name and argument types. You might "
                        + "need to add explicit type casts.");
            }
            placed[pos] = args.get(i);
            highest = Math.max(highest, pos);
        }
        List<Expr> out = new ArrayList<>();
        int firstDefault = size - named.defaults;
        for (int i = 0; i <= highest; i++) {
            if (placed[i] != null) {
                out.add(placed[i]);
            } else if (i >= firstDefault && named.defaultValues != null) {
                out.add(new Expr.Const(named.args.get(i), named.defaultValues.get(i - firstDefault)));
            } else if (i >= firstDefault) {
                out.add(new Expr.Const(PgType.UNKNOWN, null));
            } else {
                throw new SyntaxError(SqlState.UNDEFINED_FUNCTION, "function " + name + " does not exist",
                        f.position()).withHint("No function matches the given name and argument types. You might "
                        + "need to add explicit type casts.");
            }
        }
        return out;
    }
}
