package org.walden.sql.exec;

/**
 * The running state of one plan node (PostgreSQL's PlanState): pulled one row at a time by its
 * parent. {@link #next()} returns the next row or null at the end; {@link #rescan()} starts
 * over (a nested loop's inner side, a correlated subquery), re-reading the parameters it depends
 * on; {@link #close()} releases cursors and spill files.
 */
public abstract class ExecNode {

    public abstract Object[] next();

    public void rescan() {
    }

    public void close() {
    }
}
