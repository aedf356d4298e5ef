package org.walden.sql;

import java.util.List;
import org.walden.sql.exec.Analyzed;
import org.walden.sql.parse.Ast;

/**
 * A parsed statement. Analysis (names, types, parameter inference) happens at Parse for the
 * extended protocol and just before execution for the simple protocol — so that a CREATE
 * TABLE earlier in the same Query message is visible — and again whenever the catalog it was
 * analyzed against is out of date.
 */
final class PreparedImpl implements Prepared {

    private final String sql;
    /** Null for an empty query. */
    final Ast.Stmt stmt;
    final int[] declaredParamOids;
    /** Set by the session thread; read by the same thread. */
    Analyzed analyzed;

    PreparedImpl(String sql, Ast.Stmt stmt, int[] declaredParamOids) {
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
        return analyzed == null ? (declaredParamOids == null ? new int[0] : declaredParamOids.clone())
                : analyzed.paramTypeOids().clone();
    }

    @Override
    public List<ColumnDesc> columns() {
        return analyzed == null ? null : analyzed.columns();
    }

    @Override
    public boolean isEmpty() {
        return stmt == null;
    }

    boolean isTransactionControl() {
        return stmt instanceof Ast.TransactionStmt;
    }
}
