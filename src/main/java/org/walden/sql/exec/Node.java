package org.walden.sql.exec;

import java.util.function.Function;
import org.walden.sql.types.PgType;

/** A compiled expression: its result type (and typmod) and how to evaluate it. */
public abstract class Node {

    PgType type;
    int typmod = -1;

    Node(PgType type) {
        this.type = type;
    }

    public PgType type() {
        return type;
    }

    public int typmod() {
        return typmod;
    }

    public abstract Object eval(EvalContext ctx);

    /** True when the value does not depend on the row (constants, parameters, functions of them). */
    boolean rowIndependent() {
        return false;
    }

    /** A constant; string literals are of type unknown until context resolves them. */
    static final class Const extends Node {
        final Object value;

        Const(PgType type, Object value) {
            super(type);
            this.value = value;
        }

        @Override
        public Object eval(EvalContext ctx) {
            return value;
        }

        @Override
        boolean rowIndependent() {
            return true;
        }
    }

    /** A column of the input row. */
    static final class ColumnRef extends Node {
        final int index;
        final String name;

        ColumnRef(int index, String name, PgType type, int typmod) {
            super(type);
            this.index = index;
            this.name = name;
            this.typmod = typmod;
        }

        @Override
        public Object eval(EvalContext ctx) {
            return ctx.row[index];
        }
    }

    /** $n; its type may be settled later by inference (it starts as unknown). */
    static final class ParamRef extends Node {
        final int index;

        ParamRef(int index, PgType type) {
            super(type);
            this.index = index;
        }

        @Override
        public Object eval(EvalContext ctx) {
            return ctx.params[index];
        }

        @Override
        boolean rowIndependent() {
            return true;
        }
    }

    /** The result of the i-th aggregate of the current group. */
    static final class AggRef extends Node {
        final int index;

        AggRef(int index, PgType type) {
            super(type);
            this.index = index;
        }

        @Override
        public Object eval(EvalContext ctx) {
            return ctx.aggs[index];
        }
    }

    /** Anything computed from children. */
    static final class Fn extends Node {
        final Function<EvalContext, Object> fn;
        final boolean independent;

        Fn(PgType type, boolean independent, Function<EvalContext, Object> fn) {
            super(type);
            this.fn = fn;
            this.independent = independent;
        }

        @Override
        public Object eval(EvalContext ctx) {
            return fn.apply(ctx);
        }

        @Override
        boolean rowIndependent() {
            return independent;
        }
    }
}
