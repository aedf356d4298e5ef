package org.walden.sql;

import java.util.List;
import org.walden.sql.analyze.Query;
import org.walden.sql.parse.Tree;
import org.walden.sql.plan.Planner;

/**
 * A parsed statement. A query (SELECT, INSERT, UPDATE, DELETE) is analyzed at Parse for the
 * extended protocol and just before execution for the simple protocol — so that a CREATE TABLE
 * earlier in the same Query message is visible — and again whenever the catalog or search_path
 * it was analyzed with has changed; its plan is kept (a generic plan, used by every Bind) until
 * then too.
 */
final class PreparedImpl implements Prepared {

    private final String sql;
    /** Null for an empty query. */
    final Tree.Stmt stmt;
    final int[] declaredParamOids;
    /** The analysis and plan, and what they were made with; set and read by the session thread. */
    Query query;
    int[] paramOids;
    List<ColumnDesc> columns;
    Object analyzedWith;
    Planner.PlannedStmt plan;
    Object plannedWith;
    /** When the plan was made ({@link System#nanoTime}). */
    long plannedAtNanos;
    /** A kept unnamed statement: its plan is remade when older than a second (WaldenSession.prepareUnnamed). */
    boolean planReuseLimited;
    /** A simple-protocol query's shape, when it has one (see {@link StatementShape}). */
    StatementShape shape;
    /** The whole message this statement came in (pg_cursors.statement); null: the statement's own text. */
    String sourceText;
    /** DECLARE CURSOR's query, analyzed with this statement's parameters. */
    private PreparedImpl cursorQuery;

    PreparedImpl(String sql, Tree.Stmt stmt, int[] declaredParamOids) {
        this.sql = sql;
        this.stmt = stmt;
        this.declaredParamOids = declaredParamOids;
    }

    @Override
    public String sql() {
        return sql;
    }

    @Override
    public int[] paramTypeOids() {
        return paramOids != null ? paramOids.clone() : declaredParamOids == null ? new int[0]
                : declaredParamOids.clone();
    }

    @Override
    public List<ColumnDesc> columns() {
        return columns;
    }

    @Override
    public boolean isEmpty() {
        return stmt == null;
    }

    String sourceText() {
        return sourceText != null ? sourceText : sql;
    }

    /** A DECLARE CURSOR statement's query as a statement of its own, with this one's parameter types. */
    PreparedImpl cursorQuery() {
        if (cursorQuery == null) {
            cursorQuery = new PreparedImpl(sql, ((Tree.DeclareCursorStmt) stmt).query(), declaredParamOids);
        }
        return cursorQuery;
    }

    boolean isTransactionControl() {
        return stmt instanceof Tree.TransactionStmt;
    }

    boolean isQuery() {
        return stmt instanceof Tree.SelectStmt || stmt instanceof Tree.InsertStmt || stmt instanceof Tree.UpdateStmt
                || stmt instanceof Tree.DeleteStmt;
    }
}
