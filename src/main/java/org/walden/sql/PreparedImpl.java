package org.walden.sql;

import java.util.List;
import org.walden.sql.analyze.Query;
import org.walden.sql.parse.Lexer;
import org.walden.sql.parse.SqlParser;
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
    /** Null for an empty query; see {@link #stmt()}. */
    private Tree.Stmt stmt;
    /**
     * A simple query not parsed yet (with {@link #unparsedStatement}): the Query message's text.
     * Only a statement whose shape has a kept parameterized statement is made so; bound to that,
     * it is never parsed.
     */
    private String unparsedMessage;
    private Lexer.Statement unparsedStatement;
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

    /** A simple query's statement {@code st} of the message {@code message}, parsed when first needed. */
    static PreparedImpl unparsed(String message, Lexer.Statement st) {
        PreparedImpl p = new PreparedImpl(message.substring(st.begin(), st.end()), null, null);
        p.unparsedMessage = message;
        p.unparsedStatement = st;
        return p;
    }

    /** The statement's tree (null for an empty query); a statement made {@link #unparsed} is parsed now. */
    Tree.Stmt stmt() {
        if (unparsedMessage != null) {
            Tree.Stmt parsed = SqlParser.parse(unparsedMessage, unparsedStatement);
            stmt = parsed;
            unparsedMessage = null;
            unparsedStatement = null;
        }
        return stmt;
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
        return unparsedMessage == null && stmt == null;
    }

    String sourceText() {
        return sourceText != null ? sourceText : sql;
    }

    /** A DECLARE CURSOR statement's query as a statement of its own, with this one's parameter types. */
    PreparedImpl cursorQuery() {
        if (cursorQuery == null) {
            cursorQuery = new PreparedImpl(sql, ((Tree.DeclareCursorStmt) stmt()).query(), declaredParamOids);
        }
        return cursorQuery;
    }

    boolean isTransactionControl() {
        return unparsedMessage == null && stmt instanceof Tree.TransactionStmt; // a shape is never one
    }

    boolean isQuery() {
        Tree.Stmt s = stmt();
        return s instanceof Tree.SelectStmt || s instanceof Tree.InsertStmt || s instanceof Tree.UpdateStmt
                || s instanceof Tree.DeleteStmt;
    }
}
