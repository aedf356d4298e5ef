package org.walden.sql;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.AnalyzerEnv;
import org.walden.sql.analyze.ParamTypes;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.Routine;
import org.walden.sql.command.Commands;
import org.walden.sql.exec.ExecNode;
import org.walden.sql.exec.ExecState;
import org.walden.sql.func.FnContext;
import org.walden.sql.plan.Planner;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * Runs the bodies of LANGUAGE sql functions for one session (PostgreSQL's functions.c, without
 * inlining): a body is parsed, analyzed with the function's parameter types and names, and
 * planned once per catalog the session sees, then each call runs the plan with the call's
 * arguments as its parameters, in the calling statement's transaction and snapshot. A scalar
 * function returns the first column of the first row (NULL when there is none), cast to the
 * declared type; a set-returning one every row.
 */
final class SqlFunctionCalls implements FnContext.SqlFunctions {

    private static final int MAX_DEPTH = 100;

    /** A planned body: its declared result types and the types its query produces. */
    private record Compiled(Planner.PlannedStmt plan, List<PgType> resultTypes, List<PgType> actualTypes,
                            CatalogLookup plannedWith) {
    }

    private final WaldenSession s;
    private final Map<Integer, Compiled> compiled = new HashMap<>();
    private int depth;

    SqlFunctionCalls(WaldenSession session) {
        this.s = session;
    }

    @Override
    public Object call(int functionOid, Object[] args) {
        Compiled c = compiled(functionOid);
        List<Object[]> rows = run(c, args, 1);
        if (rows.isEmpty()) {
            return null;
        }
        return cast(rows.get(0)[0], c.actualTypes.get(0), c.resultTypes.get(0));
    }

    @Override
    public Iterator<Object[]> rows(int functionOid, Object[] args) {
        Compiled c = compiled(functionOid);
        List<Object[]> rows = run(c, args, 0);
        for (Object[] r : rows) {
            for (int i = 0; i < c.resultTypes.size() && i < r.length; i++) {
                r[i] = cast(r[i], c.actualTypes.get(i), c.resultTypes.get(i));
            }
        }
        return rows.iterator();
    }

    /** The body's value as the declared type (an assignment cast, as PostgreSQL 14+ coerces a SQL function's result). */
    private Object cast(Object v, PgType actual, PgType declared) {
        if (v == null || actual == declared || declared == null) {
            return v;
        }
        if (actual == PgType.UNKNOWN) {
            return Values.parseText(declared, v.toString(), s.values());
        }
        return Values.cast(v, actual, declared, s.values().zone());
    }

    /** Runs the plan with {@code args} as $1..$n; at most {@code limit} rows (0: all). */
    private List<Object[]> run(Compiled c, Object[] args, int limit) {
        if (++depth > MAX_DEPTH) {
            depth = 0;
            throw new PgException(SqlState.PROGRAM_LIMIT_EXCEEDED, "stack depth limit exceeded")
                    .withHint("SQL function calls nest more than " + MAX_DEPTH + " deep.");
        }
        ExecState st = s.env.execState(c.plan, args);
        try {
            ExecNode node = c.plan.root().open(st);
            List<Object[]> rows = new ArrayList<>();
            try {
                Object[] r;
                while ((limit == 0 || rows.size() < limit) && (r = node.next()) != null) {
                    rows.add(r.clone());
                }
            } finally {
                node.close();
            }
            return rows;
        } finally {
            st.finish();
            depth--;
        }
    }

    private Compiled compiled(int oid) {
        CatalogLookup lookup = s.lookup();
        Compiled c = compiled.get(oid);
        if (c != null && c.plannedWith == lookup) {
            return c;
        }
        Routine r = lookup.catalog().routine(oid);
        if (r == null) {
            throw new PgException(SqlState.UNDEFINED_FUNCTION, "cache lookup failed for function " + oid);
        }
        int[] argOids = r.argTypeOids().stream().mapToInt(Integer::intValue).toArray();
        AnalyzerEnv env = new AnalyzerEnv(lookup, s.values(), ParamTypes.ofFunction(argOids, r.argNames()));
        Query q = new Analyzer(env).analyze(Commands.sqlFunctionBody(r.body()));
        List<PgType> actual = new ArrayList<>();
        for (Query.TargetEntry t : q.command == Query.Command.SELECT ? q.visibleTargets() : q.returningList) {
            actual.add(t.expr().type());
        }
        List<PgType> types = new ArrayList<>();
        if (r.outTypeOids().isEmpty()) {
            types.add(PgType.byOid(r.resultTypeOid()));
        } else {
            for (int t : r.outTypeOids()) {
                types.add(PgType.byOid(t));
            }
        }
        c = new Compiled(Planner.plan(q, s.env, s.cachedSettings().costModel, s.engine::plannerRelationBytes), types, actual,
                lookup);
        compiled.put(oid, c);
        return c;
    }
}
