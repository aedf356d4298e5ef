package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Expr;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.types.PgType;

/**
 * A subquery evaluated inside an expression (PostgreSQL's SubPlan / InitPlan): EXISTS, a
 * scalar subquery (21000 for a second row), ARRAY(...), and x op ANY / ALL (...) with SQL's
 * NULL semantics (x IN (...) with a NULL among the values and no match is NULL, so NOT IN is
 * not TRUE). A correlated subquery re-runs with the outer row's values in its parameters; an
 * uncorrelated one runs once per execution (an init plan), and an uncorrelated IN with one
 * hashable equality becomes a hash set probed per row.
 */
public final class SubPlan implements Eval {

    public final int id;
    public final PlanNode plan;
    public final Expr.SubLinkKind kind;
    final int[] paramSlots;
    final Eval[] paramValues;
    final Eval[] testExprs;
    final FunctionDef.Impl[] operators;
    final PgType[] columnTypes;
    public final boolean initPlan;
    public final boolean hashed;

    public SubPlan(int id, PlanNode plan, Expr.SubLinkKind kind, int[] paramSlots, Eval[] paramValues,
                   Eval[] testExprs, FunctionDef.Impl[] operators, PgType[] columnTypes, boolean initPlan,
                   boolean hashed) {
        this.id = id;
        this.plan = plan;
        this.kind = kind;
        this.paramSlots = paramSlots;
        this.paramValues = paramValues;
        this.testExprs = testExprs;
        this.operators = operators;
        this.columnTypes = columnTypes;
        this.initPlan = initPlan;
        this.hashed = hashed;
    }

    /** The subplan's running node, started once per execution and rescanned for each evaluation after the first. */
    private ExecNode run(ExecState st) {
        boolean[] fresh = {false};
        ExecNode n = st.subplanState(id, () -> {
            fresh[0] = true;
            return plan.open(st);
        });
        if (!fresh[0]) {
            n.rescan();
        }
        return n;
    }

    @Override
    public Object eval(Object[] row, ExecState st) {
        for (int i = 0; i < paramSlots.length; i++) {
            st.execParams[paramSlots[i]] = paramValues[i].eval(row, st);
        }
        if (hashed) {
            return probe(row, st);
        }
        if (initPlan && kind != Expr.SubLinkKind.ANY && kind != Expr.SubLinkKind.ALL) {
            if (st.hasInitValue(id)) {
                return st.initValue(id);
            }
            Object v = evaluate(row, st);
            st.setInitValue(id, v);
            return v;
        }
        return evaluate(row, st);
    }

    private Object evaluate(Object[] row, ExecState st) {
        ExecNode n = run(st);
        switch (kind) {
            case EXISTS:
                return n.next() != null;
            case EXPR: {
                Object[] first = n.next();
                if (first == null) {
                    return null;
                }
                if (n.next() != null) {
                    throw new PgException(SqlState.CARDINALITY_VIOLATION,
                            "more than one row returned by a subquery used as an expression");
                }
                return first[0];
            }
            case ARRAY: {
                List<Object> out = new ArrayList<>();
                Object[] r;
                while ((r = n.next()) != null) {
                    st.tick();
                    out.add(r[0]);
                }
                return out;
            }
            default:
                return anyAll(row, st, n, kind == Expr.SubLinkKind.ANY);
        }
    }

    private Object anyAll(Object[] row, ExecState st, ExecNode n, boolean any) {
        Object[] tests = JoinNodes.evalAll(testExprs, row, st);
        boolean sawNull = false;
        Object[] r;
        while ((r = n.next()) != null) {
            st.tick();
            Boolean result = Boolean.TRUE;
            for (int i = 0; i < tests.length; i++) {
                if (tests[i] == null || r[i] == null) {
                    result = result == Boolean.FALSE ? Boolean.FALSE : null;
                    continue;
                }
                Object c = operators[i].call(st.fn(), new Object[] {tests[i], r[i]});
                if (c == null) {
                    result = result == Boolean.FALSE ? Boolean.FALSE : null;
                } else if (!(Boolean) c) {
                    result = Boolean.FALSE;
                }
            }
            if (result == null) {
                sawNull = true;
            } else if (result == any) {
                return any;
            }
        }
        return sawNull ? null : !any;
    }

    /** The values of an uncorrelated single-column IN subquery, as a set (built once per execution). */
    private record ValueSet(Set<Object> values, boolean hasNull, boolean empty) {
    }

    private Object probe(Object[] row, ExecState st) {
        ValueSet set = (ValueSet) st.initValue(id);
        if (set == null) {
            Set<Object> values = new HashSet<>();
            boolean hasNull = false;
            boolean empty = true;
            ExecNode n = run(st);
            Object[] r;
            long bytes = 0;
            while ((r = n.next()) != null) {
                st.tick();
                empty = false;
                if (r[0] == null) {
                    hasNull = true;
                } else if (values.add(JoinNodes.keyValue(r[0], columnTypes[0]))) {
                    bytes += WorkMemory.valueBytes(r[0]) + 48;
                    if (bytes > st.hashMemBytes() * 4) {
                        throw WorkMemory.outOfMemory("A hashed IN subquery", st.hashMemBytes() * 4);
                    }
                }
            }
            set = new ValueSet(values, hasNull, empty);
            st.setInitValue(id, set);
        }
        if (set.empty()) {
            return kind == Expr.SubLinkKind.ALL;
        }
        Object v = testExprs[0].eval(row, st);
        if (v == null) {
            return null;
        }
        if (set.values().contains(JoinNodes.keyValue(v, columnTypes[0]))) {
            return true;
        }
        return set.hasNull() ? null : Boolean.FALSE;
    }
}
