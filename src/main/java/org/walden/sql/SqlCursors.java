package org.walden.sql;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Query;
import org.walden.sql.exec.PlanNode;
import org.walden.sql.parse.Tree;
import org.walden.sql.plan.Planner;
import org.walden.sql.types.PgType;

/**
 * A session's SQL cursors (DECLARE, FETCH, MOVE, CLOSE; PostgreSQL's portalcmds.c) by name, and
 * what transaction ends do to them (portalmem.c's AtCommit / AtAbort / AtSubAbort_Portals):
 * a commit persists WITH HOLD cursors and closes the others, a rollback closes those the
 * transaction declared, ROLLBACK TO SAVEPOINT those declared since the savepoint, DISCARD ALL
 * and the session's end all. pg_cursors lists them. Used by the session thread only.
 */
final class SqlCursors {

    private final WaldenSession s;
    private final Map<String, SqlCursor> byName = new LinkedHashMap<>();

    SqlCursors(WaldenSession session) {
        this.s = session;
    }

    /** The open cursor {@code name}, or null. */
    SqlCursor find(String name) {
        return byName.get(name);
    }

    SqlCursor get(String name) {
        SqlCursor c = byName.get(name);
        if (c == null) {
            throw new PgException(SqlState.INVALID_CURSOR_NAME, "cursor \"" + name + "\" does not exist");
        }
        return c;
    }

    List<SqlCursor> all() {
        return List.copyOf(byName.values());
    }

    /**
     * DECLARE (transformDeclareCursorStmt, then PerformCursorOpen): {@code query} is analyzed as
     * the DECLARE statement's own parameters' query; its plan starts now, in this transaction.
     */
    String declare(Tree.DeclareCursorStmt d, PreparedImpl query, Object[] params, String sourceText) {
        if (d.scroll() && d.noScroll()) {
            throw new PgException(SqlState.INVALID_CURSOR_DEFINITION, "cannot specify both SCROLL and NO SCROLL");
        }
        if (d.asensitive() && d.insensitive()) {
            throw new PgException(SqlState.INVALID_CURSOR_DEFINITION,
                    "cannot specify both ASENSITIVE and INSENSITIVE");
        }
        if (query.analyzedWith == null) {
            s.analyze(query);
        }
        Query q = query.query;
        if (q.cteList.stream().anyMatch(c -> c.query != null && c.query.command != Query.Command.SELECT)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "DECLARE CURSOR must not contain data-modifying statements in WITH");
        }
        if (q.rowMark != null) {
            String strength = "FOR " + q.rowMark.strength().toUpperCase(Locale.ROOT);
            if (d.hold()) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "DECLARE CURSOR WITH HOLD ... " + strength
                        + " is not supported").withDetail("Holdable cursors must be READ ONLY.");
            }
            if (d.scroll()) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "DECLARE SCROLL CURSOR ... " + strength
                        + " is not supported").withDetail("Scrollable cursors must be READ ONLY.");
            }
            if (d.insensitive()) {
                throw new PgException(SqlState.INVALID_CURSOR_DEFINITION, "DECLARE INSENSITIVE CURSOR ... "
                        + strength + " is not valid").withDetail("Insensitive cursors must be READ ONLY.");
            }
        }
        if (d.name().isEmpty()) {
            throw new PgException(SqlState.INVALID_CURSOR_NAME, "invalid cursor name: must not be empty");
        }
        if (!d.hold() && !s.inTransactionBlock() && !s.inMultiStatementMessage()) {
            throw new PgException(SqlState.NO_ACTIVE_SQL_TRANSACTION,
                    "DECLARE CURSOR can only be used in transaction blocks");
        }
        Planner.PlannedStmt plan = s.planFor(query);
        boolean scrollable = d.scroll() || !d.noScroll() && q.rowMark == null && supportsBackwardScan(plan.root());
        if (byName.containsKey(d.name())) {
            throw new PgException(SqlState.DUPLICATE_CURSOR, "cursor \"" + d.name() + "\" already exists");
        }
        PortalImpl.Execution rows = s.runQuery(query, params);
        List<ColumnDesc> columns = query.columns;
        if (d.binary()) {
            List<ColumnDesc> binary = new ArrayList<>();
            for (ColumnDesc c : columns) {
                binary.add(c.withFormat((short) 1));
            }
            columns = binary;
        }
        PgType[] types = new PgType[columns.size()];
        for (int i = 0; i < types.length; i++) {
            PgType t = PgType.byOid(columns.get(i).typeOid());
            types[i] = t == null ? PgType.TEXT : t;
        }
        CursorRowStore store = new CursorRowStore(types, s.env.tempDirectory(), s.env.workMemBytes());
        SqlCursor cursor = new SqlCursor(d.name(), sourceText, d.binary(), scrollable, d.hold(),
                s.engine.clock().instant(), columns, rows, store, s.subtransactionDepth());
        byName.put(d.name(), cursor); // first: its own query may read pg_cursors
        cursor.trackCurrentRow(plan.root());
        try {
            cursor.readFirstRow();
        } catch (RuntimeException e) {
            byName.remove(d.name());
            cursor.close();
            throw e;
        }
        return "DECLARE CURSOR";
    }

    /**
     * ExecSupportsBackwardScan: what a cursor declared neither SCROLL nor NO SCROLL may do
     * (PostgreSQL 15's list, by EXPLAIN's node names).
     */
    static boolean supportsBackwardScan(PlanNode node) {
        return switch (node.nodeName()) {
            case "Seq Scan", "Index Scan", "Index Only Scan", "Function Scan", "Values Scan", "CTE Scan",
                 "Materialize", "Sort" -> true;
            case "Result", "Append", "Subquery Scan", "Limit", "LockRows" -> !node.children().isEmpty()
                    && node.children().stream().allMatch(SqlCursors::supportsBackwardScan);
            default -> false;
        };
    }

    /** WHERE CURRENT OF {@code name}: the key of the row of the table the cursor is positioned on. */
    byte[] currentRowKey(String name, int tableOid, String tableName) {
        return get(name).currentRowKey(tableOid, tableName);
    }

    /** CLOSE name | ALL. */
    String close(String name) {
        if (name == null) {
            closeWhere(c -> true);
            return "CLOSE CURSOR ALL";
        }
        SqlCursor c = get(name);
        byName.remove(name);
        c.close();
        return "CLOSE CURSOR";
    }

    /** Commit: WITH HOLD cursors are persisted (their rows read now, in the transaction), the others closed. */
    void atCommit() {
        for (SqlCursor c : byName.values()) {
            if (c.holdable && c.subtransaction != null) {
                c.persist();
            }
        }
        closeWhere(c -> c.subtransaction != null);
    }

    /** True when this transaction declared a WITH HOLD cursor (which PREPARE TRANSACTION refuses). */
    boolean declaredWithHoldHere() {
        return byName.values().stream().anyMatch(c -> c.holdable && c.subtransaction != null);
    }

    /** Rollback, PREPARE TRANSACTION: the cursors this transaction declared go; persisted ones stay. */
    void atAbort() {
        closeWhere(c -> c.subtransaction != null);
    }

    /** ROLLBACK TO SAVEPOINT of subtransaction {@code depth}: the cursors declared in it or deeper go. */
    void atSubtransactionRollback(int depth) {
        closeWhere(c -> c.subtransaction != null && c.subtransaction >= depth);
    }

    /** RELEASE SAVEPOINT of subtransaction {@code depth}: its cursors now belong to its parent. */
    void atSubtransactionRelease(int depth) {
        for (SqlCursor c : byName.values()) {
            if (c.subtransaction != null && c.subtransaction >= depth) {
                c.subtransaction = depth - 1;
            }
        }
    }

    /** DISCARD ALL, the session's end. */
    void closeAll() {
        closeWhere(c -> true);
    }

    private void closeWhere(java.util.function.Predicate<SqlCursor> which) {
        RuntimeException first = null;
        for (Iterator<SqlCursor> it = byName.values().iterator(); it.hasNext(); ) {
            SqlCursor c = it.next();
            if (which.test(c)) {
                it.remove();
                try {
                    c.close();
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
