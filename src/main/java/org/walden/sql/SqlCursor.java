package org.walden.sql;

import java.time.Instant;
import java.util.List;
import org.walden.common.Invariants;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.parse.Tree;

/**
 * One cursor opened by DECLARE (PostgreSQL's portal of a DECLARE CURSOR): its query's rows, read
 * as FETCH and MOVE ask, forward and — when scrollable — backward.
 *
 * <p>Life: {@link SqlCursors#declare} starts its query's plan in the declaring transaction (the
 * rows are pulled from it as they are fetched). At that transaction's commit a cursor WITHOUT
 * HOLD is closed, a WITH HOLD one is {@link #persist persisted}: the rest of its rows are read
 * into its row store and the plan is closed, so it lives on without a transaction until CLOSE,
 * DISCARD ALL or the session's end. A rollback closes every cursor the transaction declared.
 *
 * <p>Position: PostgreSQL's portal state (atStart, atEnd, portalPos) above an executor position
 * ({@code executorRow}: 0 before the first row, n on row n, one past the last after the end),
 * moved by {@link #fetch} exactly as pquery.c's DoPortalRunFetch and PortalRunSelect move them, so
 * that every direction returns PostgreSQL's rows and counts. A scrollable cursor keeps every row
 * read ({@link CursorRowStore}, spilling past work_mem) so that it can go back; a NO SCROLL one
 * keeps only the last, and refuses to go back (55000 "cursor can only scan forward").
 * Used by the session thread only.
 */
final class SqlCursor implements AutoCloseable {

    final String name;
    final String statement;
    final boolean binary;
    final boolean scrollable;
    final boolean holdable;
    final Instant creationTime;
    final List<ColumnDesc> columns;
    /** The subtransaction that declared it (0: the transaction itself); null once persisted. */
    Integer subtransaction;

    private PortalImpl.Execution plan;
    /** The plan's tree, to judge whether WHERE CURRENT OF can name its current row. */
    private org.walden.sql.exec.PlanNode planRoot;
    private final CursorRowStore store;
    /** Rows read from the plan so far. */
    private long pulled;
    /** The number of rows, once the plan has been read to its end; -1 before. */
    private long total = -1;
    /** Keep every row read (scrollable, or being persisted); else only the last. */
    private boolean keepAll;
    private long executorRow;
    private boolean atStart = true;
    private boolean atEnd;
    private long portalPos;

    SqlCursor(String name, String statement, boolean binary, boolean scrollable, boolean holdable,
              Instant creationTime, List<ColumnDesc> columns, PortalImpl.Execution plan, CursorRowStore store,
              int subtransaction) {
        this.name = name;
        this.statement = statement;
        this.binary = binary;
        this.scrollable = scrollable;
        this.holdable = holdable;
        this.creationTime = creationTime;
        this.columns = columns;
        this.plan = plan;
        this.store = store;
        this.keepAll = scrollable;
        this.subtransaction = subtransaction;
    }

    /** Notes the plan's tree and has its scans note their current row, for WHERE CURRENT OF. */
    void trackCurrentRow(org.walden.sql.exec.PlanNode root) {
        planRoot = root;
        if (plan != null && plan.execState() != null) {
            plan.execState().trackCurrentRow();
        }
    }

    /**
     * WHERE CURRENT OF (execCurrentOf): the key of the row of table {@code tableOid} this cursor is
     * positioned on. The plan must be a simply updatable scan of the table: its scan under
     * nothing but Result, Limit and LockRows. A scrollable cursor moved back from the last row it
     * read is refused (0A000): the scan's position is past it.
     */
    byte[] currentRowKey(int tableOid, String tableName) {
        if (plan == null && subtransaction == null) {
            throw new PgException(SqlState.INVALID_CURSOR_STATE, "cursor \"" + name
                    + "\" is held from a previous transaction");
        }
        org.walden.sql.exec.PlanNode node = planRoot;
        while (node != null && node.scannedTableOid() == 0 && node.children().size() == 1
                && List.of("Result", "Limit", "LockRows").contains(node.nodeName())) {
            node = node.children().get(0);
        }
        if (node == null || node.scannedTableOid() != tableOid) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "cursor \"" + name
                    + "\" is not a simply updatable scan of table \"" + tableName + "\"");
        }
        if (atStart || atEnd || plan == null) {
            throw new PgException(SqlState.INVALID_CURSOR_STATE, "cursor \"" + name + "\" is not positioned on a row");
        }
        if (executorRow != pulled) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "WHERE CURRENT OF a cursor moved back from the last"
                    + " row it read is not supported");
        }
        byte[] key = plan.execState() == null ? null : plan.execState().currentRowKey(tableOid);
        if (key == null) {
            throw new PgException(SqlState.INVALID_CURSOR_STATE, "cursor \"" + name + "\" is not positioned on a row");
        }
        return key;
    }

    /**
     * Reads the first row now, in the DECLARE: the plan's scans open here and so read the
     * snapshot (and this transaction's own writes) of the DECLARE, as PostgreSQL's cursor does,
     * and not of the first FETCH. The row waits in the store; the position does not move.
     */
    void readFirstRow() {
        row(1);
    }

    /**
     * FETCH / MOVE (DoPortalRunFetch): makes the moves that lead up to the rows asked for and
     * returns the last move, whose rows FETCH sends (and MOVE counts).
     */
    Run fetch(Tree.FetchDirection direction, long howMany, boolean move) {
        long count = howMany;
        switch (direction) {
            case FORWARD, BACKWARD -> {
                boolean forward = direction == Tree.FetchDirection.FORWARD;
                if (count < 0) {
                    forward = !forward;
                    count = -count;
                }
                return fetchOnward(forward, count, move);
            }
            case ABSOLUTE -> {
                if (count > 0) {
                    if (count - 1 <= portalPos / 2) {
                        rewind();
                        if (count > 1) {
                            skip(true, count - 1);
                        }
                    } else {
                        long pos = portalPos;
                        if (atEnd) {
                            pos++; // one more fetch is needed when off the end
                        }
                        if (count <= pos) {
                            skip(false, pos - count + 1);
                        } else if (count > pos + 1) {
                            skip(true, count - pos - 1);
                        }
                    }
                    return runSelect(true, 1);
                }
                if (count < 0) {
                    skip(true, Tree.FetchStmt.FETCH_ALL);
                    if (count < -1) {
                        skip(false, -count - 1);
                    }
                    return runSelect(false, 1);
                }
                rewind();
                return runSelect(true, 0);
            }
            default -> {
                if (count > 0) {
                    if (count > 1) {
                        skip(true, count - 1);
                    }
                    return runSelect(true, 1);
                }
                if (count < 0) {
                    if (count < -1) {
                        skip(false, -count - 1);
                    }
                    return runSelect(false, 1);
                }
                return fetchOnward(true, 0, move);
            }
        }
    }

    /** FORWARD / BACKWARD count (count >= 0): 0 re-fetches the current row; MOVE BACKWARD ALL rewinds. */
    private Run fetchOnward(boolean forward, long count, boolean move) {
        if (count == 0) {
            boolean onRow = !atStart && !atEnd;
            if (move) {
                return Run.counted(onRow ? 1 : 0);
            }
            if (onRow) {
                skip(false, 1);
                return runSelect(true, 1);
            }
        }
        if (!forward && count == Tree.FetchStmt.FETCH_ALL && move) {
            long result = portalPos;
            if (result > 0 && !atEnd) {
                result--;
            }
            rewind();
            return Run.counted(result);
        }
        return runSelect(forward, count);
    }

    private void skip(boolean forward, long count) {
        Run r = runSelect(forward, count);
        while (r.next() != null) {
            // moved over, not sent
        }
    }

    /** DoPortalRewind. */
    private void rewind() {
        if (atStart && !atEnd) {
            return;
        }
        refuseBackward();
        executorRow = 0;
        atStart = true;
        atEnd = false;
        portalPos = 0;
    }

    private void refuseBackward() {
        if (!scrollable) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "cursor can only scan forward")
                    .withHint("Declare it with SCROLL option to enable backward scan.");
        }
    }

    /** PortalRunSelect: up to {@code count} rows (FETCH_ALL: all) in one direction, moved over as they are read. */
    private Run runSelect(boolean forward, long count) {
        if (!forward) {
            refuseBackward();
        }
        boolean noMovement = (forward ? atEnd : atStart) || count <= 0;
        return new Run(this, forward, noMovement ? -1 : count == Tree.FetchStmt.FETCH_ALL ? 0 : count);
    }

    /**
     * One PortalRunSelect's rows, read one at a time; the portal's position moves with each
     * (the same end state as pquery.c's bookkeeping after ExecutorRun).
     */
    static final class Run {
        private final SqlCursor cursor;
        private final boolean forward;
        /** Rows to move over: 0 all, -1 none (no movement). */
        private final long count;
        private long processed;
        private boolean finished;

        private Run(SqlCursor cursor, boolean forward, long count) {
            this.cursor = cursor;
            this.forward = forward;
            this.count = count;
            this.finished = count < 0;
        }

        /** A MOVE answered without moving: its count only. */
        static Run counted(long count) {
            Run r = new Run(null, true, -1);
            r.processed = count;
            return r;
        }

        /** Rows moved over (sent, for FETCH) so far. */
        long processed() {
            return processed;
        }

        /** The next row, or null when the move is complete. */
        Object[] next() {
            if (finished) {
                return null;
            }
            if (count != 0 && processed >= count) {
                finished = true;
                return null;
            }
            SqlCursor c = cursor;
            Object[] row = forward ? c.stepForward() : c.stepBackward();
            if (row == null) {
                finished = true;
                if (forward) {
                    c.atEnd = true;
                } else {
                    c.atStart = true;
                    c.portalPos = 0;
                }
                return null;
            }
            processed++;
            if (forward) {
                c.atStart = false;
                c.portalPos++;
            } else {
                if (c.atEnd) {
                    c.atEnd = false;
                    c.portalPos++;
                }
                c.portalPos--;
            }
            return row;
        }
    }

    // ---------------------------------------------------------------- the executor's position

    private Object[] stepForward() {
        if (total >= 0 && executorRow > total) {
            return null;
        }
        Object[] row = row(executorRow + 1);
        executorRow++;
        return row;
    }

    private Object[] stepBackward() {
        if (executorRow <= 1) {
            executorRow = 0;
            return null;
        }
        executorRow--;
        return row(executorRow);
    }

    /** Row {@code number} (1-based), read from the plan as far as needed; null past the last. */
    private Object[] row(long number) {
        if (store.holds(number)) {
            return store.get(number);
        }
        Invariants.check(number > pulled, "cursor row " + number + " was read and not kept");
        while (pulled < number) {
            Object[] r = plan == null ? null : plan.next();
            if (r == null) {
                total = pulled;
                closePlan();
                return null;
            }
            pulled++;
            if (!keepAll) {
                store.restartAt(pulled - 1);
            }
            store.add(r);
        }
        return store.get(number);
    }

    /**
     * WITH HOLD at commit (PersistHoldablePortal): reads the rest of the rows into the store,
     * position unchanged, and closes the plan, which needs the transaction.
     */
    void persist() {
        keepAll = true;
        while (plan != null) {
            Object[] r = plan.next();
            if (r == null) {
                total = pulled;
                closePlan();
                break;
            }
            pulled++;
            store.add(r);
        }
        subtransaction = null;
    }

    private void closePlan() {
        if (plan != null) {
            PortalImpl.Execution p = plan;
            plan = null;
            p.close();
        }
    }

    @Override
    public void close() {
        try {
            closePlan();
        } finally {
            store.close();
        }
    }
}
