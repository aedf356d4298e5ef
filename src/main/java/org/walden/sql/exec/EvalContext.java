package org.walden.sql.exec;

/** The values one expression evaluation sees: the current row, aggregate results, parameters. */
public final class EvalContext {

    final ExecEnv env;
    final Object[] params;
    Object[] row;
    Object[] aggs;

    public EvalContext(ExecEnv env, Object[] params) {
        this.env = env;
        this.params = params;
    }

    public EvalContext withRow(Object[] newRow) {
        this.row = newRow;
        return this;
    }
}
