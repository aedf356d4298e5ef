package org.walden.sql.exec;

import java.util.Arrays;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.RowCodec;

/**
 * ModifyTable: INSERT, UPDATE or DELETE of the rows its input produces. For UPDATE and DELETE
 * the input carries each target row's key and stored value: the row is locked, and when its
 * latest version differs from the one the statement read, that version is re-checked against
 * the target's own conditions (PostgreSQL's EvalPlanQual under READ COMMITTED) and the new
 * values are computed from it, so two sessions incrementing one row lose nothing. INSERT ... ON
 * CONFLICT turns a unique violation on its arbiters into nothing or an update of the existing
 * row. Returns the RETURNING rows, and counts the rows it changed for the command tag.
 */
public final class ModifyTable extends PlanNode {

    final Query.Command command;
    final RowWriter writer;
    final PlanNode child;
    /** Where each target column is in the input row (UPDATE, DELETE) or in the new row (INSERT: 0..n-1). */
    final int[] tableColumns;
    final int keyPosition;
    final int rawPosition;
    final int[] setColumns;
    final Eval[] setValues;
    final Eval recheck;
    final Eval[] returning;
    final List<Integer> arbiters;
    final boolean doUpdate;
    final int[] conflictColumns;
    final Eval[] conflictValues;
    final Eval conflictWhere;

    public ModifyTable(List<Expr> output, Query level, Query.Command command, RowWriter writer, PlanNode child,
                       int[] tableColumns, int keyPosition, int rawPosition, int[] setColumns, Eval[] setValues,
                       Eval recheck, Eval[] returning, List<Integer> arbiters, boolean doUpdate, int[] conflictColumns,
                       Eval[] conflictValues, Eval conflictWhere) {
        super(output, level);
        this.command = command;
        this.writer = writer;
        this.child = child;
        this.tableColumns = tableColumns;
        this.keyPosition = keyPosition;
        this.rawPosition = rawPosition;
        this.setColumns = setColumns;
        this.setValues = setValues;
        this.recheck = recheck;
        this.returning = returning;
        this.arbiters = arbiters;
        this.doUpdate = doUpdate;
        this.conflictColumns = conflictColumns;
        this.conflictValues = conflictValues;
        this.conflictWhere = conflictWhere;
    }

    @Override
    public List<PlanNode> children() {
        return List.of(child);
    }

    @Override
    public String nodeName() {
        return switch (command) {
            case INSERT -> "Insert";
            case UPDATE -> "Update";
            case DELETE -> "Delete";
            default -> "ModifyTable";
        };
    }

    @Override
    public String nodeTarget() {
        return "on " + writer.table().name();
    }

    /** The running node; {@link #processed} is the command tag's row count once it has returned null. */
    public final class Exec extends ExecNode {
        private final ExecState st;
        private final ExecNode input;
        private final KeyFingerprintSet touched = new KeyFingerprintSet();
        public long processed;

        Exec(ExecState st) {
            this.st = st;
            this.input = child.open(st);
            st.lockPlannedRelation(writer.table().oid(), writer.table().name(),
                    org.walden.txn.RelationLockMode.ROW_EXCLUSIVE);
        }

        @Override
        public Object[] next() {
            Object[] r;
            while ((r = input.next()) != null) {
                st.checkCancel();
                Object[] result = switch (command) {
                    case INSERT -> insert(r);
                    case UPDATE -> update(r);
                    case DELETE -> delete(r);
                    default -> throw new IllegalStateException(command.toString());
                };
                if (result != null && returning != null) {
                    return result;
                }
            }
            return null;
        }

        private Object[] returned(Object[] tableRow, Object[] inputRow) {
            if (returning == null) {
                return tableRow;
            }
            Object[] combined = JoinNodes.concat(tableRow, inputRow, inputRow.length);
            Object[] out = new Object[returning.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = returning[i].eval(combined, st);
            }
            return out;
        }

        private Object[] insert(Object[] r) {
            Object[] row = new Object[tableColumns.length];
            for (int i = 0; i < row.length; i++) {
                row[i] = r[tableColumns[i]];
            }
            Object result = writer.insert(st, row, arbiters);
            if (result instanceof RowWriter.Conflict c) {
                if (!doUpdate) {
                    if (st.txn().usesTransactionSnapshot()) {
                        // REPEATABLE READ: doing nothing is right only for a row the snapshot shows
                        // (PostgreSQL's ExecCheckTupleVisible)
                        st.checkSnapshotRow(st.lockRow(c.existingKey()), st.txn().get(c.existingKey()), true);
                    }
                    return null;
                }
                return conflictUpdate(c, row, r);
            }
            if (doUpdate) {
                // only ON CONFLICT DO UPDATE asks whether this command wrote a row: a plain INSERT
                // keeps no per-row state (an INSERT ... SELECT of millions of rows spills its
                // write set, and this set would hold every key in the heap)
                touched.add((byte[]) result);
            }
            processed++;
            return returned(row, r);
        }

        private Object[] conflictUpdate(RowWriter.Conflict c, Object[] proposed, Object[] r) {
            if (touched.contains(c.existingKey())) {
                throw new PgException(SqlState.CARDINALITY_VIOLATION,
                        "ON CONFLICT DO UPDATE command cannot affect row a second time")
                        .withHint("Ensure that no rows proposed for insertion within the same command have "
                                + "duplicate constrained values.");
            }
            byte[] latest = st.lockRow(c.existingKey());
            if (st.txn().usesTransactionSnapshot()) {
                // REPEATABLE READ: the conflicting row must be the one the snapshot shows
                st.checkSnapshotRow(latest, st.txn().get(c.existingKey()), true);
            }
            if (latest == null) {
                return null;
            }
            Object[] existing = RowCodec.decode(writer.types, latest);
            Object[] both = JoinNodes.concat(existing, proposed, proposed.length);
            if (conflictWhere != null && !conflictWhere.test(both, st)) {
                return null;
            }
            Object[] updated = existing.clone();
            for (int i = 0; i < conflictColumns.length; i++) {
                updated[conflictColumns[i]] = conflictValues[i].eval(both, st);
            }
            byte[] key = writer.update(st, c.existingKey(), existing, updated);
            touched.add(key);
            processed++;
            return returned(updated, r);
        }

        /** The target row as the input row holds it, or its latest version when it changed (null: gone or no longer matching). */
        private Object[] current(Object[] r) {
            byte[] key = (byte[]) r[keyPosition];
            byte[] raw = (byte[]) r[rawPosition];
            if (touched.contains(key)) {
                return null;
            }
            byte[] latest = st.lockRow(key);
            st.checkSnapshotRow(latest, raw, false);
            if (latest == null) {
                return null;
            }
            if (Arrays.equals(latest, raw)) {
                return r;
            }
            Object[] fresh = RowCodec.decode(writer.types, latest);
            Object[] substituted = r.clone();
            for (int i = 0; i < tableColumns.length; i++) {
                if (tableColumns[i] >= 0) {
                    substituted[tableColumns[i]] = fresh[i];
                }
            }
            substituted[rawPosition] = latest;
            if (recheck != null && !recheck.test(substituted, st)) {
                return null;
            }
            return substituted;
        }

        private Object[] tableRow(Object[] r) {
            Object[] row = new Object[tableColumns.length];
            for (int i = 0; i < row.length; i++) {
                row[i] = tableColumns[i] >= 0 ? r[tableColumns[i]] : null;
            }
            return row;
        }

        private Object[] update(Object[] r) {
            Object[] cur = current(r);
            if (cur == null) {
                return null;
            }
            Object[] old = tableRow(cur);
            Object[] updated = old.clone();
            for (int i = 0; i < setColumns.length; i++) {
                updated[setColumns[i]] = setValues[i].eval(cur, st);
            }
            byte[] key = writer.update(st, (byte[]) cur[keyPosition], old, updated);
            touched.add(key);
            processed++;
            return returned(updated, cur);
        }

        private Object[] delete(Object[] r) {
            Object[] cur = current(r);
            if (cur == null) {
                return null;
            }
            Object[] old = tableRow(cur);
            byte[] key = (byte[]) cur[keyPosition];
            writer.delete(st, key, old);
            touched.add(key);
            processed++;
            return returned(old, cur);
        }

        @Override
        public void close() {
            input.close();
        }
    }

    @Override
    protected ExecNode start(ExecState st) {
        return new Exec(st);
    }
}
