package org.walden.sql.analyze;

import java.util.List;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.types.PgType;

/**
 * An analyzed expression: every node knows its result type. Vars name a column of a range
 * table entry of their query level ({@code levelsUp} levels out for correlated references);
 * the planner replaces them by positions in the rows its nodes pass up.
 */
public sealed interface Expr permits Expr.Const, Expr.Param, Expr.Var, Expr.FuncExpr, Expr.OpExpr, Expr.BoolExpr,
        Expr.NullTest, Expr.BooleanTest, Expr.CaseExpr, Expr.CaseTest, Expr.Coalesce, Expr.MinMax, Expr.NullIf,
        Expr.ScalarArrayOp, Expr.ArrayExpr, Expr.Subscript, Expr.RowExpr, Expr.FieldSelect, Expr.Cast, Expr.SubLink,
        Expr.Aggref, Expr.WindowFunc, Expr.SetToDefault, Expr.DistinctExpr, Expr.ExecParam {

    PgType type();

    default int typmod() {
        return -1;
    }

    /** A constant; {@code value} is null for NULL. */
    record Const(PgType type, int typmod, Object value) implements Expr {
        public Const(PgType type, Object value) {
            this(type, -1, value);
        }

        public boolean isNull() {
            return value == null;
        }
    }

    /** A bind parameter $n (index n-1); its type is the statement's inferred type for it. */
    record Param(int index, ParamTypes.Slot slot) implements Expr {
        @Override
        public PgType type() {
            return slot.type();
        }
    }

    /** The attnum of the hidden column holding a stored row's key (PostgreSQL's ctid). */
    int ROW_KEY = -1;
    /** The attnum of the hidden column holding a stored row's encoded value (to detect concurrent updates). */
    int ROW_RAW = -2;

    /**
     * A column of range table entry {@code varno} (1-based) of the query {@code levelsUp} levels
     * out; {@code attno} is 1-based into the entry's columns, or {@link #ROW_KEY} / {@link #ROW_RAW}.
     */
    record Var(int varno, int attno, PgType type, int typmod, int levelsUp, int position) implements Expr {
        public Var(int varno, int attno, PgType type, int typmod, int levelsUp) {
            this(varno, attno, type, typmod, levelsUp, 0);
        }

        public Var withLevelsUp(int n) {
            return new Var(varno, attno, type, typmod, n, position);
        }

        public Var withVarno(int newVarno) {
            return new Var(newVarno, attno, type, typmod, levelsUp, position);
        }

        public Var at(int newPosition) {
            return new Var(varno, attno, type, typmod, levelsUp, newPosition);
        }

        /** Equal when they name the same column: the position (for error messages) does not count. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Var v && v.varno == varno && v.attno == attno && v.levelsUp == levelsUp
                    && v.type == type && v.typmod == typmod;
        }

        @Override
        public int hashCode() {
            return ((varno * 31 + attno) * 31 + levelsUp) * 31 + type.hashCode();
        }
    }

    /**
     * How a function call was written: a plain call, a cast written as a call (int4(x)), or
     * SQL syntax (CURRENT_TIMESTAMP, EXTRACT(... FROM ...), AT TIME ZONE, ...) that prints back as such.
     */
    enum CallForm { NORMAL, SQL_SYNTAX }

    /** A call of a built-in function; {@code argTypes} are the resolved (polymorphic-bound) argument types. */
    record FuncExpr(FunctionDef function, List<Expr> args, PgType type, List<PgType> argTypes, CallForm form,
                    String syntax) implements Expr {
    }

    /** An operator; {@code left} null for a prefix operator. */
    record OpExpr(OperatorDef operator, Expr left, Expr right, PgType type, List<PgType> argTypes) implements Expr {
    }

    enum BoolOp { AND, OR, NOT }

    record BoolExpr(BoolOp op, List<Expr> args) implements Expr {
        @Override
        public PgType type() {
            return PgType.BOOL;
        }
    }

    record NullTest(Expr arg, boolean isNot) implements Expr {
        @Override
        public PgType type() {
            return PgType.BOOL;
        }
    }

    enum BoolTestKind { IS_TRUE, IS_NOT_TRUE, IS_FALSE, IS_NOT_FALSE, IS_UNKNOWN, IS_NOT_UNKNOWN }

    record BooleanTest(Expr arg, BoolTestKind kind) implements Expr {
        @Override
        public PgType type() {
            return PgType.BOOL;
        }
    }

    record CaseWhen(Expr condition, Expr result) {
    }

    /** CASE [arg] WHEN ...; with an arg, each condition compares a {@link CaseTest} (the arg's value) to a value. */
    record CaseExpr(Expr arg, List<CaseWhen> whens, Expr defaultResult, PgType type, int typmod) implements Expr {
    }

    /** The value of a simple CASE's argument, inside its WHEN conditions. */
    record CaseTest(PgType type) implements Expr {
    }

    record Coalesce(List<Expr> args, PgType type) implements Expr {
    }

    /** GREATEST / LEAST with the comparison operator of their common type. */
    record MinMax(boolean greatest, List<Expr> args, PgType type, OperatorDef comparison) implements Expr {
    }

    record NullIf(OperatorDef equality, Expr left, Expr right, PgType type) implements Expr {
    }

    /** {@code left op ANY (array)} ({@code useOr}) or {@code left op ALL (array)}; IN lists become this. */
    record ScalarArrayOp(OperatorDef operator, boolean useOr, Expr left, Expr array) implements Expr {
        @Override
        public PgType type() {
            return PgType.BOOL;
        }
    }

    /** ARRAY[...]. */
    record ArrayExpr(PgType type, List<Expr> elements) implements Expr {
    }

    /** array[i] or array[a:b] ({@code upper} non-null for a slice), per dimension. */
    record Subscript(Expr array, List<Expr> lower, List<Expr> upper, boolean slice, PgType type) implements Expr {
    }

    /** ROW(...) / (a, b): an anonymous record. */
    record RowExpr(List<Expr> args, List<String> names) implements Expr {
        @Override
        public PgType type() {
            return PgType.RECORD;
        }
    }

    /** (row).field. */
    record FieldSelect(Expr row, int field, PgType type) implements Expr {
    }

    /** How a cast was written: {@code x::t}, {@code CAST(x AS t)}, or inserted by analysis. */
    enum CastForm { EXPLICIT_COLONS, EXPLICIT_CALL, IMPLICIT }

    /** A type conversion; {@code binary} when only the type label changes (text ↔ varchar, oid ↔ regclass). */
    record Cast(Expr arg, PgType type, int typmod, CastForm form, boolean binary) implements Expr {
    }

    enum SubLinkKind { EXISTS, ANY, ALL, EXPR, ARRAY }

    /**
     * A subquery in an expression. For ANY/ALL, {@code testExprs} are compared with the subquery's
     * output columns by {@code operators} (one per column).
     */
    record SubLink(SubLinkKind kind, List<Expr> testExprs, List<OperatorDef> operators, Query subquery, PgType type)
            implements Expr {
    }

    /** An ORDER BY key inside an aggregate call. */
    record AggOrder(Expr expr, boolean descending, boolean nullsFirst, OperatorDef lessThan) {
    }

    /** An aggregate call; {@code star} for count(*). */
    record Aggref(FunctionDef function, List<Expr> args, List<PgType> argTypes, boolean star, boolean distinct,
                  Expr filter, List<AggOrder> order, PgType type) implements Expr {
    }

    /** A window function call over window clause {@code winref} (index into the query's window list). */
    record WindowFunc(FunctionDef function, List<Expr> args, List<PgType> argTypes, boolean star, Expr filter,
                      int winref, PgType type) implements Expr {
    }

    /** DEFAULT in INSERT / UPDATE. */
    record SetToDefault(PgType type, int typmod) implements Expr {
    }

    /** {@code a IS [NOT] DISTINCT FROM b} with the equality of their common type. */
    record DistinctExpr(OperatorDef equality, Expr left, Expr right, boolean not) implements Expr {
        @Override
        public PgType type() {
            return PgType.BOOL;
        }
    }

    /**
     * A value the executor sets before evaluating: an outer query's column for a correlated
     * subquery, or the outer row's column for a parameterized inner scan (the planner's PARAM_EXEC).
     */
    record ExecParam(int slot, PgType type, int typmod) implements Expr {
    }
}
