package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;
import org.walden.sql.analyze.AnalyzerEnv;
import org.walden.sql.analyze.Expr;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.SubPlan;
import org.walden.sql.func.FnContext;

/**
 * What every query level of one statement's planning shares (PostgreSQL's PlannerGlobal): the
 * catalog and settings, the counters of execution parameter slots, subplans, CTE results and
 * working tables, and the subplans made so far (EXPLAIN prints them).
 */
final class PlannerGlobal {

    final FnContext fn;
    final CatalogLookup lookup;
    final DbCatalog catalog;
    final Costs costs;
    final AnalyzerEnv analyzerEnv;
    /** Stored size in bytes of a relfilenode (to estimate a never-analyzed table's size). */
    final IntToLongFunction relationBytes;
    /** For folding constant expressions: no transaction, no parameters. */
    final ExecState constState;
    int execParams;
    /**
     * Set when the plan reads a relation in a way chosen from the values in the query (any scan
     * but a unique index look-up with every key given): another value might plan differently.
     */
    boolean valueDependent;
    int subplanIds;
    int cteIds;
    final List<SubPlan> subplans = new ArrayList<>();
    /** By value, not identity: a sublink copied into an index condition finds the SubPlan planned for it. */
    final Map<Expr.SubLink, SubPlan> subplanOf = new HashMap<>();

    PlannerGlobal(FnContext fn, AnalyzerEnv analyzerEnv, Costs costs, IntToLongFunction relationBytes) {
        this.fn = fn;
        this.lookup = fn.lookup();
        this.catalog = fn.catalog();
        this.costs = costs;
        this.analyzerEnv = analyzerEnv;
        this.relationBytes = relationBytes;
        this.constState = new ExecState(fn, null, null, new Object[0], 0, false);
    }

    private final Map<String, Expr> storedExprs = new HashMap<>();

    int newExecParam() {
        return execParams++;
    }

    /**
     * A stored expression over one relation's columns (an index key or predicate, a CHECK
     * constraint, a column default) analyzed, with its Vars naming range table entry {@code varno}.
     */
    Expr storedExpr(org.walden.sql.catalog.Relation rel, String sql, String clause, int varno) {
        String key = rel.oid() + "/" + clause + "/" + varno + "/" + sql;
        Expr e = storedExprs.get(key);
        if (e == null) {
            Expr analyzed = new org.walden.sql.analyze.Analyzer(analyzerEnv).relationExpression(rel,
                    org.walden.sql.parse.SqlParser.parseExpression(sql), clause);
            e = varno == 1 ? analyzed : org.walden.sql.analyze.Exprs.rewrite(analyzed,
                    x -> x instanceof Expr.Var v && v.levelsUp() == 0 ? v.withVarno(varno) : null);
            storedExprs.put(key, e);
        }
        return e;
    }
}
