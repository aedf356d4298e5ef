package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Expr;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.types.Casts;
import org.walden.sql.types.PgType;
import org.walden.sql.types.RowValue;
import org.walden.sql.types.Values;

/**
 * Compiles analyzed expressions into evaluators against a plan node's input (PostgreSQL's
 * setrefs.c and execExpr.c in one step): a sub-expression the input already computes (a column,
 * a grouping key, an aggregate's result) becomes a read of that input column; correlated and
 * nested-loop references become reads of execution parameters; subqueries are compiled by the
 * planner through {@link SubLinks}.
 */
public final class ExprCompiler {

    /** Where expressions' values come from: the input columns a node reads. */
    public interface Input {
        /** The input column computing {@code e}, or -1. */
        int indexOf(Expr e);
    }

    /** How a correlated reference or a subquery becomes an evaluator (the planner's part). */
    public interface SubLinks {
        /** A Var of an outer query level: a read of the execution parameter it is bound to. */
        Eval outerVar(Expr.Var v);

        /** A subquery expression, evaluated by running its plan. */
        Eval subLink(Expr.SubLink s, ExprCompiler compiler);
    }

    private final Input input;
    private final SubLinks subLinks;

    public ExprCompiler(Input input, SubLinks subLinks) {
        this.input = input;
        this.subLinks = subLinks;
    }

    public Input input() {
        return input;
    }

    public List<Eval> compileAll(List<Expr> exprs) {
        List<Eval> out = new ArrayList<>(exprs.size());
        for (Expr e : exprs) {
            out.add(compile(e));
        }
        return out;
    }

    public Eval compile(Expr e) {
        if (e == null) {
            return null;
        }
        if (!(e instanceof Expr.Const) && !(e instanceof Expr.Param)) {
            int i = input.indexOf(e);
            if (i >= 0) {
                return new InputRef(i);
            }
        }
        return switch (e) {
            case Expr.Const c -> new ConstValue(c.value());
            case Expr.Param p -> new ParamRef(p.index());
            case Expr.ExecParam p -> new ExecParamRef(p.slot());
            case Expr.Var v -> {
                if (v.levelsUp() > 0) {
                    yield subLinks.outerVar(v);
                }
                throw new IllegalStateException("column " + v + " is not in this node's input");
            }
            case Expr.FuncExpr f -> function(f);
            case Expr.OpExpr o -> operator(o);
            case Expr.BoolExpr b -> bool(b);
            case Expr.NullTest n -> nullTest(n);
            case Expr.BooleanTest b -> booleanTest(b);
            case Expr.CaseExpr c -> caseExpr(c);
            case Expr.CaseTest t -> (row, st) -> CaseValue.CURRENT.get();
            case Expr.Coalesce c -> coalesce(c);
            case Expr.MinMax m -> minMax(m);
            case Expr.NullIf n -> nullIf(n);
            case Expr.ScalarArrayOp s -> scalarArrayOp(s);
            case Expr.ArrayExpr a -> array(a);
            case Expr.Subscript s -> subscript(s);
            case Expr.RowExpr r -> row(r);
            case Expr.FieldSelect f -> {
                Eval row = compile(f.row());
                int field = f.field();
                yield (r, st) -> {
                    Object v = row.eval(r, st);
                    return v == null ? null : ((RowValue) v).values()[field];
                };
            }
            case Expr.Cast c -> cast(c);
            case Expr.SubLink s -> subLinks.subLink(s, this);
            case Expr.DistinctExpr d -> distinct(d);
            case Expr.Aggref a -> throw new IllegalStateException("aggregate not computed below: " + a);
            case Expr.WindowFunc w -> throw new IllegalStateException("window function not computed below: " + w);
            case Expr.SetToDefault d -> throw new IllegalStateException("DEFAULT reached the executor");
        };
    }

    // ---------------------------------------------------------------- leaves

    record InputRef(int index) implements Eval {
        @Override
        public Object eval(Object[] row, ExecState st) {
            return row[index];
        }
    }

    record ConstValue(Object value) implements Eval {
        @Override
        public Object eval(Object[] row, ExecState st) {
            return value;
        }
    }

    record ParamRef(int index) implements Eval {
        @Override
        public Object eval(Object[] row, ExecState st) {
            return st.params[index];
        }
    }

    record ExecParamRef(int slot) implements Eval {
        @Override
        public Object eval(Object[] row, ExecState st) {
            return st.execParams[slot];
        }
    }

    // ---------------------------------------------------------------- calls

    /** A call of a bound implementation; strict ones return NULL on a NULL argument without being called. */
    static final class Call implements Eval {
        private final FunctionDef.Impl impl;
        private final Eval[] args;
        private final boolean strict;

        Call(FunctionDef.Impl impl, Eval[] args, boolean strict) {
            this.impl = impl;
            this.args = args;
            this.strict = strict;
        }

        @Override
        public Object eval(Object[] row, ExecState st) {
            Object[] values = new Object[args.length];
            for (int i = 0; i < args.length; i++) {
                Object v = args[i].eval(row, st);
                if (v == null && strict) {
                    return null;
                }
                values[i] = v;
            }
            return impl.call(st == null ? null : st.fn(), values);
        }
    }

    /** A strict binary operator (the common case, without an argument array per call). */
    static final class BinaryOp implements Eval {
        private final FunctionDef.Impl impl;
        private final Eval left;
        private final Eval right;

        BinaryOp(FunctionDef.Impl impl, Eval left, Eval right) {
            this.impl = impl;
            this.left = left;
            this.right = right;
        }

        @Override
        public Object eval(Object[] row, ExecState st) {
            Object l = left.eval(row, st);
            if (l == null) {
                return null;
            }
            Object r = right.eval(row, st);
            if (r == null) {
                return null;
            }
            return impl.call(st == null ? null : st.fn(), new Object[] {l, r});
        }
    }

    private Eval function(Expr.FuncExpr f) {
        FunctionDef def = f.function();
        if (def.retset) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "set-valued function called in context that "
                    + "cannot accept a set");
        }
        if (def.binder == null) {
            throw new IllegalStateException("function " + def.name + " cannot be called here");
        }
        FunctionDef.Impl impl = def.binder.bind(f.argTypes().toArray(PgType[]::new), f.type());
        Eval[] args = compileAll(f.args()).toArray(Eval[]::new);
        if (def.volatility == 'i' && args.length > 0 && allConst(f.args())) {
            // an immutable function of constants is folded now, as eval_const_expressions does
            try {
                Object v = new Call(impl, args, def.strict).eval(null, null);
                return new ConstValue(v);
            } catch (RuntimeException e) {
                // errors surface when the statement runs, as PostgreSQL's would at the same point
            }
        }
        return new Call(impl, args, def.strict);
    }

    private static boolean allConst(List<Expr> args) {
        for (Expr a : args) {
            if (!(a instanceof Expr.Const)) {
                return false;
            }
        }
        return true;
    }

    /** The implementation of an operator bound to the operand types it was resolved with. */
    public static FunctionDef.Impl operatorImpl(OperatorDef op, List<PgType> argTypes, PgType result) {
        return op.function().binder.bind(argTypes.toArray(PgType[]::new), result);
    }

    private Eval operator(Expr.OpExpr o) {
        FunctionDef.Impl impl = operatorImpl(o.operator(), o.argTypes(), o.type());
        if (o.left() == null) {
            return new Call(impl, new Eval[] {compile(o.right())}, o.operator().function().strict);
        }
        Eval l = compile(o.left());
        Eval r = compile(o.right());
        if (o.operator().function().strict) {
            if (l instanceof ConstValue cl && r instanceof ConstValue cr) {
                try {
                    return new ConstValue(new BinaryOp(impl, l, r).eval(null, null));
                } catch (RuntimeException e) {
                    // left to run time
                }
            }
            return new BinaryOp(impl, l, r);
        }
        return new Call(impl, new Eval[] {l, r}, false);
    }

    // ---------------------------------------------------------------- logic

    private Eval bool(Expr.BoolExpr b) {
        Eval[] args = compileAll(b.args()).toArray(Eval[]::new);
        return switch (b.op()) {
            case NOT -> (row, st) -> {
                Object v = args[0].eval(row, st);
                return v == null ? null : !(Boolean) v;
            };
            case AND -> (row, st) -> {
                boolean sawNull = false;
                for (Eval a : args) {
                    Object v = a.eval(row, st);
                    if (v == null) {
                        sawNull = true;
                    } else if (!(Boolean) v) {
                        return false;
                    }
                }
                return sawNull ? null : Boolean.TRUE;
            };
            case OR -> (row, st) -> {
                boolean sawNull = false;
                for (Eval a : args) {
                    Object v = a.eval(row, st);
                    if (v == null) {
                        sawNull = true;
                    } else if ((Boolean) v) {
                        return true;
                    }
                }
                return sawNull ? null : Boolean.FALSE;
            };
        };
    }

    private Eval nullTest(Expr.NullTest n) {
        Eval arg = compile(n.arg());
        boolean isNot = n.isNot();
        if (n.arg().type() == PgType.RECORD) {
            return (row, st) -> {
                Object v = arg.eval(row, st);
                if (v == null) {
                    return !isNot;
                }
                for (Object f : ((RowValue) v).values()) {
                    if ((f == null) == isNot) {
                        return false;
                    }
                }
                return true;
            };
        }
        return (row, st) -> (arg.eval(row, st) == null) != isNot;
    }

    private Eval booleanTest(Expr.BooleanTest b) {
        Eval arg = compile(b.arg());
        return switch (b.kind()) {
            case IS_TRUE -> (row, st) -> Boolean.TRUE.equals(arg.eval(row, st));
            case IS_NOT_TRUE -> (row, st) -> !Boolean.TRUE.equals(arg.eval(row, st));
            case IS_FALSE -> (row, st) -> Boolean.FALSE.equals(arg.eval(row, st));
            case IS_NOT_FALSE -> (row, st) -> !Boolean.FALSE.equals(arg.eval(row, st));
            case IS_UNKNOWN -> (row, st) -> arg.eval(row, st) == null;
            case IS_NOT_UNKNOWN -> (row, st) -> arg.eval(row, st) != null;
        };
    }

    /** The value of the simple CASE being evaluated, for its WHEN comparisons (saved and restored around nesting). */
    static final class CaseValue {
        static final ThreadLocal<Object> CURRENT = new ThreadLocal<>();

        private CaseValue() {
        }
    }

    private Eval caseExpr(Expr.CaseExpr c) {
        Eval arg = c.arg() == null ? null : compile(c.arg());
        List<Eval> conditions = new ArrayList<>();
        List<Eval> results = new ArrayList<>();
        for (Expr.CaseWhen w : c.whens()) {
            conditions.add(compile(w.condition()));
            results.add(compile(w.result()));
        }
        Eval otherwise = compile(c.defaultResult());
        Eval[] conds = conditions.toArray(Eval[]::new);
        Eval[] res = results.toArray(Eval[]::new);
        if (arg == null) {
            return (row, st) -> {
                for (int i = 0; i < conds.length; i++) {
                    if (conds[i].test(row, st)) {
                        return res[i].eval(row, st);
                    }
                }
                return otherwise.eval(row, st);
            };
        }
        return (row, st) -> {
            Object saved = CaseValue.CURRENT.get();
            CaseValue.CURRENT.set(arg.eval(row, st));
            try {
                for (int i = 0; i < conds.length; i++) {
                    if (conds[i].test(row, st)) {
                        return res[i].eval(row, st);
                    }
                }
            } finally {
                CaseValue.CURRENT.set(saved);
            }
            return otherwise.eval(row, st);
        };
    }

    private Eval coalesce(Expr.Coalesce c) {
        Eval[] args = compileAll(c.args()).toArray(Eval[]::new);
        return (row, st) -> {
            for (Eval a : args) {
                Object v = a.eval(row, st);
                if (v != null) {
                    return v;
                }
            }
            return null;
        };
    }

    private Eval minMax(Expr.MinMax m) {
        Eval[] args = compileAll(m.args()).toArray(Eval[]::new);
        int sign = m.greatest() ? 1 : -1;
        Comparison cmp = comparison(m.type());
        return (row, st) -> {
            Object best = null;
            for (Eval a : args) {
                Object v = a.eval(row, st);
                if (v != null && (best == null || cmp.compare(v, best) * sign > 0)) {
                    best = v;
                }
            }
            return best;
        };
    }

    /** A comparison of two non-null values of one type (bpchar without its trailing spaces). */
    public interface Comparison {
        int compare(Object a, Object b);
    }

    public static Comparison comparison(PgType type) {
        if (type == PgType.BPCHAR) {
            return (a, b) -> Values.compareStrings(Values.stripTrailingSpaces((String) a),
                    Values.stripTrailingSpaces((String) b));
        }
        if (type == PgType.JSONB) {
            return (a, b) -> org.walden.sql.types.Json.compareJsonb((String) a, (String) b);
        }
        return Values::compare;
    }

    private Eval nullIf(Expr.NullIf n) {
        Eval l = compile(n.left());
        Eval r = compile(n.right());
        FunctionDef.Impl eq = operatorImpl(n.equality(), List.of(n.left().type(), n.right().type()), PgType.BOOL);
        return (row, st) -> {
            Object x = l.eval(row, st);
            Object y = r.eval(row, st);
            if (x != null && y != null && Boolean.TRUE.equals(eq.call(st.fn(), new Object[] {x, y}))) {
                return null;
            }
            return x;
        };
    }

    private Eval distinct(Expr.DistinctExpr d) {
        Eval l = compile(d.left());
        Eval r = compile(d.right());
        FunctionDef.Impl eq = operatorImpl(d.equality(), List.of(d.left().type(), d.right().type()), PgType.BOOL);
        boolean not = d.not();
        return (row, st) -> {
            Object x = l.eval(row, st);
            Object y = r.eval(row, st);
            boolean distinct;
            if (x == null || y == null) {
                distinct = x != y;
            } else {
                distinct = !Boolean.TRUE.equals(eq.call(st.fn(), new Object[] {x, y}));
            }
            return distinct != not;
        };
    }

    /**
     * {@code x op ANY/ALL (array)} with three-valued logic; an equality against a constant array
     * (an IN list) becomes a hash set look-up.
     */
    private Eval scalarArrayOp(Expr.ScalarArrayOp s) {
        Eval left = compile(s.left());
        Eval array = compile(s.array());
        PgType elem = s.array().type().elementType();
        FunctionDef.Impl op = operatorImpl(s.operator(), List.of(s.left().type(), elem), PgType.BOOL);
        boolean useOr = s.useOr();
        if (useOr && s.operator().isEquality() && array instanceof ConstValue cv && cv.value() != null
                && s.left().type() != PgType.BPCHAR && elem != PgType.BPCHAR) {
            Set<Object> set = new HashSet<>();
            boolean hasNull = false;
            for (Object o : (List<?>) cv.value()) {
                if (o == null) {
                    hasNull = true;
                } else {
                    set.add(Values.hashKey(o));
                }
            }
            boolean nulls = hasNull;
            boolean empty = ((List<?>) cv.value()).isEmpty();
            return (row, st) -> {
                Object x = left.eval(row, st);
                if (empty) {
                    return false;
                }
                if (x == null) {
                    return null;
                }
                if (set.contains(Values.hashKey(x))) {
                    return true;
                }
                return nulls ? null : Boolean.FALSE;
            };
        }
        return (row, st) -> {
            Object x = left.eval(row, st);
            Object a = array.eval(row, st);
            if (a == null) {
                return null;
            }
            List<?> items = (List<?>) a;
            if (items.isEmpty()) {
                return !useOr;
            }
            if (x == null) {
                return null;
            }
            boolean sawNull = false;
            for (Object item : flatten(items)) {
                if (item == null) {
                    sawNull = true;
                    continue;
                }
                Object r = op.call(st.fn(), new Object[] {x, item});
                if (r == null) {
                    sawNull = true;
                } else if ((Boolean) r == useOr) {
                    return useOr;
                }
            }
            return sawNull ? null : !useOr;
        };
    }

    private static List<?> flatten(List<?> items) {
        for (Object o : items) {
            if (o instanceof List<?>) {
                List<Object> out = new ArrayList<>();
                for (Object x : items) {
                    if (x instanceof List<?> inner) {
                        out.addAll(flatten(inner));
                    } else {
                        out.add(x);
                    }
                }
                return out;
            }
        }
        return items;
    }

    // ---------------------------------------------------------------- arrays, rows, casts

    private Eval array(Expr.ArrayExpr a) {
        Eval[] elems = compileAll(a.elements()).toArray(Eval[]::new);
        return (row, st) -> {
            List<Object> out = new ArrayList<>(elems.length);
            for (Eval e : elems) {
                out.add(e.eval(row, st));
            }
            return out;
        };
    }

    /** name[i]: the i-th byte (from 0) of the name's 64 (NAMEDATALEN) bytes as a "char"; NULL past them, empty in the padding. */
    private static Eval nameByte(Eval name, Eval index) {
        return (row, st) -> {
            Object n = name.eval(row, st);
            Object iv = index.eval(row, st);
            if (n == null || iv == null) {
                return null;
            }
            int i = (Integer) iv;
            byte[] bytes = ((String) n).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (i < 0 || i >= 64) {
                return null;
            }
            return i < bytes.length ? String.valueOf((char) (bytes[i] & 0xff)) : "";
        };
    }

    private Eval subscript(Expr.Subscript s) {
        Eval array = compile(s.array());
        Eval[] lower = new Eval[s.lower().size()];
        Eval[] upper = new Eval[s.upper().size()];
        for (int i = 0; i < lower.length; i++) {
            lower[i] = s.lower().get(i) == null ? null : compile(s.lower().get(i));
            upper[i] = s.upper().get(i) == null ? null : compile(s.upper().get(i));
        }
        if (s.array().type() == PgType.NAME) {
            return nameByte(array, lower[0]);
        }
        boolean slice = s.slice();
        boolean zeroBased = s.array().type() == PgType.INT2VECTOR || s.array().type() == PgType.OIDVECTOR;
        return (row, st) -> {
            Object a = array.eval(row, st);
            if (a == null) {
                return null;
            }
            Object cur = a;
            if (!slice) {
                for (Eval idx : lower) {
                    Object iv = idx.eval(row, st);
                    if (iv == null || !(cur instanceof List<?> list)) {
                        return null;
                    }
                    int i = (Integer) iv - (zeroBased ? 0 : 1);
                    if (i < 0 || i >= list.size()) {
                        return null;
                    }
                    cur = list.get(i);
                }
                return cur;
            }
            List<?> list = (List<?>) cur;
            Object lo = lower[0] == null ? 1 : lower[0].eval(row, st);
            Object hi = upper[0] == null ? list.size() : upper[0].eval(row, st);
            if (lo == null || hi == null) {
                return null;
            }
            int from = Math.max(1, (Integer) lo) - 1;
            int to = Math.min(list.size(), (Integer) hi);
            return from >= to ? new ArrayList<>() : new ArrayList<Object>(list.subList(from, to));
        };
    }

    private Eval row(Expr.RowExpr r) {
        Eval[] args = compileAll(r.args()).toArray(Eval[]::new);
        List<PgType> types = new ArrayList<>();
        for (Expr e : r.args()) {
            types.add(e.type());
        }
        List<PgType> fixed = List.copyOf(types);
        return (row, st) -> {
            Object[] values = new Object[args.length];
            for (int i = 0; i < args.length; i++) {
                values[i] = args[i].eval(row, st);
            }
            return new RowValue(values, fixed, r.names());
        };
    }

    private Eval cast(Expr.Cast c) {
        Eval arg = compile(c.arg());
        PgType from = c.arg().type();
        PgType to = c.type();
        int typmod = c.typmod();
        boolean explicit = c.form() != Expr.CastForm.IMPLICIT;
        if (from == to && typmod < 0) {
            return arg;
        }
        if (c.binary() && typmod < 0 && !(from == PgType.BPCHAR)) {
            return arg;
        }
        Eval cast = (row, st) -> {
            Object v = arg.eval(row, st);
            if (v == null) {
                return null;
            }
            Object converted = from == to ? v : Casts.convert(v, from, to, st.fn().values());
            return typmod >= 0 ? Values.coerceToTypmod(converted, to, typmod, explicit) : converted;
        };
        boolean contextFree = (from.isNumeric() && to.isNumeric()) || (from.isString() && to.isString());
        if (arg instanceof ConstValue && contextFree) {
            try {
                return new ConstValue(cast.eval(null, null));
            } catch (RuntimeException e) {
                // a cast needing the session (time zone, reg* names) or failing is left to run time
            }
        }
        return cast;
    }
}
