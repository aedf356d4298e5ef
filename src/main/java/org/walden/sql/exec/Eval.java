package org.walden.sql.exec;

/**
 * A compiled expression: evaluates against the row of the plan node it belongs to (its input
 * row, or for a join the outer row followed by the inner row) and the statement's state
 * (parameters, the values set for correlated subqueries, the session). Stateless: a cached plan's
 * evaluators are reused by every execution.
 */
@FunctionalInterface
public interface Eval {

    Object eval(Object[] row, ExecState st);

    /** Evaluates a condition: only TRUE passes (NULL and FALSE do not). */
    default boolean test(Object[] row, ExecState st) {
        return Boolean.TRUE.equals(eval(row, st));
    }
}
