package org.walden.sql.exec;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Constraint;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;
import org.walden.txn.KvCursor;

/**
 * Writes one table's rows with everything a write implies: NOT NULL and CHECK constraints,
 * the primary key (the row's key: a second row with it is 23505) and the secondary indexes'
 * entries (unique ones checked under the entry's row lock, so two sessions inserting one value
 * serialise and the second sees the first's committed entry), and foreign keys in both
 * directions (the referenced row must exist, locked while checked; a referenced row may not go
 * while referencing rows remain, unless the key's ON DELETE / ON UPDATE action says CASCADE,
 * SET NULL or SET DEFAULT). Built by the planner (expressions compiled over the table's row),
 * shared by INSERT, UPDATE, DELETE and COPY.
 */
public final class RowWriter {

    /** A secondary index: its key expressions over the table row, and its partial-index predicate. */
    public record IndexSpec(IndexInfo index, Eval[] keys, PgType[] keyTypes, Eval predicate, String[] keyNames) {
    }

    public record CheckSpec(Constraint constraint, Eval check) {
    }

    /** A stored generated column: its index in the row and its generation expression over the row. */
    public record GeneratedSpec(int column, Eval expr) {
    }

    /** A foreign key of this table: its columns and the referenced table's key (its row key, or a unique index). */
    public record ForeignKeySpec(Constraint constraint, Relation parent, IndexSpec parentIndex, int[] columns,
                                 String[] columnNames) {
    }

    /** A foreign key of another table referencing this one, with how to find and change the referencing rows. */
    public record ReferencedSpec(Constraint constraint, Relation child, int[] childColumns, int[] parentColumns,
                                 IndexSpec childIndex, Supplier<RowWriter> childWriter, Object[] childDefaults,
                                 String[] parentColumnNames) {
    }

    final Relation table;
    /** The table's schema, for the errors' schema field. */
    final String schema;
    final PgType[] types;
    final List<IndexSpec> indexes;
    final List<CheckSpec> checks;
    final List<ForeignKeySpec> foreignKeys;
    final List<ReferencedSpec> referencedBy;
    final List<GeneratedSpec> generated;
    private final boolean plain;

    public RowWriter(Relation table, String schema, List<IndexSpec> indexes, List<CheckSpec> checks,
                     List<ForeignKeySpec> foreignKeys, List<ReferencedSpec> referencedBy) {
        this(table, schema, indexes, checks, foreignKeys, referencedBy, List.of());
    }

    public RowWriter(Relation table, String schema, List<IndexSpec> indexes, List<CheckSpec> checks,
                     List<ForeignKeySpec> foreignKeys, List<ReferencedSpec> referencedBy,
                     List<GeneratedSpec> generated) {
        this.table = table;
        this.schema = schema;
        this.types = ScanNodes.columnTypes(table);
        this.indexes = List.copyOf(indexes);
        this.checks = List.copyOf(checks);
        this.foreignKeys = List.copyOf(foreignKeys);
        this.referencedBy = List.copyOf(referencedBy);
        this.generated = List.copyOf(generated);
        this.plain = indexes.isEmpty() && checks.isEmpty() && foreignKeys.isEmpty() && referencedBy.isEmpty()
                && generated.isEmpty();
    }

    public Relation table() {
        return table;
    }

    /** True when the table has no secondary index, check or foreign key (the fast path). */
    boolean plain() {
        return plain;
    }

    // ---------------------------------------------------------------- checks

    /**
     * Fills the row's stored generated columns from its other columns (ExecComputeStoredGenerated):
     * before the checks, at every insert and update, so RETURNING sees them. A generation
     * expression reads no generated column, so their order does not matter.
     */
    void computeGenerated(ExecState st, Object[] row) {
        for (GeneratedSpec g : generated) {
            row[g.column()] = g.expr().eval(row, st);
        }
    }

    void checkRow(ExecState st, Object[] row) {
        computeGenerated(st, row);
        for (int i = 0; i < row.length; i++) {
            var c = table.column(i);
            boolean key = false;
            for (int k : table.primaryKey()) {
                key |= k == i;
            }
            if (row[i] == null && (c.notNull() || key) && !c.dropped()) {
                throw new PgException(SqlState.NOT_NULL_VIOLATION, "null value in column \"" + c.name()
                        + "\" of relation \"" + table.name() + "\" violates not-null constraint")
                        .withDetail("Failing row contains " + failingRow(st, row) + ".")
                        .withObject(PgException.ErrorObject.tableColumn(schema, table.name(), c.name()));
            }
        }
        for (CheckSpec c : checks) {
            Object ok = c.check().eval(row, st);
            if (Boolean.FALSE.equals(ok)) {
                throw new PgException(SqlState.CHECK_VIOLATION, "new row for relation \"" + table.name()
                        + "\" violates check constraint \"" + c.constraint().name() + "\"")
                        .withDetail("Failing row contains " + failingRow(st, row) + ".")
                        .withObject(constraintObject(c.constraint().name()));
            }
        }
    }

    /** The error fields naming this table and its constraint {@code name}. */
    PgException.ErrorObject constraintObject(String name) {
        return PgException.ErrorObject.tableConstraint(schema, table.name(), name);
    }

    private String failingRow(ExecState st, Object[] row) {
        StringBuilder sb = new StringBuilder("(");
        boolean first = true;
        for (int i = 0; i < row.length; i++) {
            if (table.column(i).dropped()) {
                continue;
            }
            sb.append(first ? "" : ", ");
            first = false;
            sb.append(row[i] == null ? "null" : Values.toText(types[i], row[i], st.fn().values()));
        }
        return sb.append(')').toString();
    }

    /** 23505 "duplicate key value violates unique constraint" with the key's values, as PostgreSQL words it. */
    public static PgException duplicateKey(String indexName, String[] names, Object[] values, PgType[] types, ExecState st,
                                    String verb) {
        return new PgException(SqlState.UNIQUE_VIOLATION, (verb == null ? "duplicate key value violates unique "
                + "constraint \"" : verb) + indexName + "\"").withDetail("Key (" + String.join(", ", names) + ")=("
                + valuesText(values, types, st) + ") " + (verb == null ? "already exists." : "is duplicated."));
    }

    static String valuesText(Object[] values, PgType[] types, ExecState st) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i > 0 ? ", " : "").append(values[i] == null ? "null"
                    : Values.toText(types[i], values[i], st == null ? org.walden.sql.types.ValueContext.UTC
                    : st.fn().values()));
        }
        return sb.toString();
    }

    private String[] pkNames() {
        int[] pk = table.primaryKey();
        String[] names = new String[pk.length];
        for (int i = 0; i < pk.length; i++) {
            names[i] = table.column(pk[i]).name();
        }
        return names;
    }

    private Object[] pkValues(Object[] row) {
        int[] pk = table.primaryKey();
        Object[] v = new Object[pk.length];
        for (int i = 0; i < pk.length; i++) {
            v[i] = row[pk[i]];
        }
        return v;
    }

    private PgType[] pkTypes() {
        int[] pk = table.primaryKey();
        PgType[] t = new PgType[pk.length];
        for (int i = 0; i < pk.length; i++) {
            t[i] = types[pk[i]];
        }
        return t;
    }

    // ---------------------------------------------------------------- insert

    /** What an insert found in its way: the unique index (null: the primary key) and the existing row's key. */
    public record Conflict(IndexSpec index, byte[] existingKey) {
    }

    /**
     * Inserts a complete row; returns its key. With {@code arbiters} (ON CONFLICT), a conflict on
     * one of them is returned instead of raising 23505 ({@code null} arbiters: none tolerated;
     * empty: any index).
     */
    public Object insert(ExecState st, Object[] row, List<Integer> arbiters) {
        checkRow(st, row);
        for (ForeignKeySpec fk : foreignKeys) {
            checkReferenced(st, fk, row);
        }
        byte[] key = table.hasPrimaryKey() ? Keys.rowKey(table, row) : Keys.rowIdKey(table.relfilenode(),
                st.services().nextRowId(table, st.txn()));
        // a generated row id is new by construction: only a primary key can already be there
        if (table.hasPrimaryKey() && st.lockRow(key) != null) {
            if (arbiters != null && (arbiters.isEmpty() || arbiters.contains(primaryKeyIndexOid(st)))) {
                return new Conflict(null, key);
            }
            throw duplicateKey(primaryKeyName(st), pkNames(), pkValues(row), pkTypes(), st, null)
                    .withObject(constraintObject(primaryKeyName(st)));
        }
        byte[] suffix = indexes.isEmpty() ? null : Keys.suffix(key);
        byte[][] entries = new byte[indexes.size()][];
        for (int i = 0; i < indexes.size(); i++) {
            IndexSpec ix = indexes.get(i);
            Object[] values = indexValues(st, ix, row);
            if (values == null) {
                continue;
            }
            byte[] entry = Keys.indexEntry(ix.index(), ix.keyTypes(), values, suffix);
            if (ix.index().unique() && !Keys.entryHasPointer(ix.index(), values)) {
                byte[] existing = st.lockRow(entry);
                if (existing != null) {
                    if (arbiters != null && (arbiters.isEmpty() || arbiters.contains(ix.index().oid()))) {
                        return new Conflict(ix, Keys.rowKeyFromSuffix(table.relfilenode(), existing));
                    }
                    throw duplicateKey(ix.index().name(), ix.keyNames(), values, ix.keyTypes(), st, null)
                            .withObject(constraintObject(ix.index().name()));
                }
            }
            entries[i] = entry;
        }
        if (table.hasPrimaryKey()) {
            st.txn().put(key, RowCodec.encode(types, row));
        } else {
            st.txn().putNew(key, RowCodec.encode(types, row));
        }
        for (byte[] e : entries) {
            if (e != null) {
                st.txn().put(e, suffix);
            }
        }
        st.counts(table.oid()).inserted++;
        return key;
    }

    private Integer primaryKeyIndexOid(ExecState st) {
        for (IndexInfo i : st.fn().catalog().indexesOf(table.oid())) {
            if (i.primary()) {
                return i.oid();
            }
        }
        return -1;
    }

    private String primaryKeyName(ExecState st) {
        for (IndexInfo i : st.fn().catalog().indexesOf(table.oid())) {
            if (i.primary()) {
                return i.name();
            }
        }
        return table.name() + "_pkey";
    }

    /** An index's key values for a row, or null when a partial index's predicate excludes the row. */
    private static Object[] indexValues(ExecState st, IndexSpec ix, Object[] row) {
        if (ix.predicate() != null && !ix.predicate().test(row, st)) {
            return null;
        }
        return JoinNodes.evalAll(ix.keys(), row, st);
    }

    /** Checks one foreign key of a row (ALTER TABLE ... ADD FOREIGN KEY validating the rows present). */
    public void checkForeignKeys(ExecState st, Object[] row, int constraintOid) {
        for (ForeignKeySpec fk : foreignKeys) {
            if (fk.constraint().oid() == constraintOid) {
                checkReferenced(st, fk, row);
            }
        }
    }

    /** A foreign key's referenced row must exist (MATCH SIMPLE: a NULL in the key skips the check). */
    private void checkReferenced(ExecState st, ForeignKeySpec fk, Object[] row) {
        Object[] values = new Object[fk.columns().length];
        for (int i = 0; i < values.length; i++) {
            values[i] = row[fk.columns()[i]];
            if (values[i] == null && fk.constraint().matchType() != 'f') {
                return;
            }
        }
        boolean anyNull = false;
        boolean allNull = true;
        for (Object v : values) {
            anyNull |= v == null;
            allNull &= v == null;
        }
        if (allNull) {
            return;
        }
        if (anyNull) {
            throw new PgException(SqlState.FOREIGN_KEY_VIOLATION, "insert or update on table \"" + table.name()
                    + "\" violates foreign key constraint \"" + fk.constraint().name() + "\"")
                    .withDetail("MATCH FULL does not allow mixing of null and nonnull key values.")
                    .withObject(constraintObject(fk.constraint().name()));
        }
        byte[] key;
        if (fk.parentIndex() == null) {
            key = Keys.rowKeyOf(fk.parent(), values);
        } else {
            key = Keys.indexEntry(fk.parentIndex().index(), fk.parentIndex().keyTypes(), values, new byte[0]);
        }
        if (st.lockRow(key) == null) {
            PgType[] t = new PgType[values.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = types[fk.columns()[i]];
            }
            throw new PgException(SqlState.FOREIGN_KEY_VIOLATION, "insert or update on table \"" + table.name()
                    + "\" violates foreign key constraint \"" + fk.constraint().name() + "\"")
                    .withDetail("Key (" + String.join(", ", fk.columnNames()) + ")=(" + valuesText(values, t, st)
                            + ") is not present in table \"" + fk.parent().name() + "\".")
                    .withObject(constraintObject(fk.constraint().name()));
        }
    }

    // ---------------------------------------------------------------- update

    /** Writes the new version of a row whose key is {@code key} (locked by the caller); returns its key. */
    public byte[] update(ExecState st, byte[] key, Object[] oldRow, Object[] newRow) {
        checkRow(st, newRow);
        for (ForeignKeySpec fk : foreignKeys) {
            if (changed(oldRow, newRow, fk.columns())) {
                checkReferenced(st, fk, newRow);
            }
        }
        for (ReferencedSpec ref : referencedBy) {
            if (changed(oldRow, newRow, ref.parentColumns())) {
                referencedKeyGoes(st, ref, oldRow, newRow);
            }
        }
        byte[] newKey = key;
        if (table.hasPrimaryKey()) {
            newKey = Keys.rowKey(table, newRow);
            if (!Arrays.equals(newKey, key)) {
                if (st.lockRow(newKey) != null) {
                    throw duplicateKey(primaryKeyName(st), pkNames(), pkValues(newRow), pkTypes(), st, null)
                            .withObject(constraintObject(primaryKeyName(st)));
                }
                st.txn().delete(key);
            }
        }
        byte[] oldSuffix = Keys.suffix(key);
        byte[] newSuffix = Keys.suffix(newKey);
        boolean indexChanged = false;
        for (IndexSpec ix : indexes) {
            Object[] oldValues = indexValues(st, ix, oldRow);
            Object[] newValues = indexValues(st, ix, newRow);
            byte[] oldEntry = oldValues == null ? null : Keys.indexEntry(ix.index(), ix.keyTypes(), oldValues, oldSuffix);
            byte[] newEntry = newValues == null ? null : Keys.indexEntry(ix.index(), ix.keyTypes(), newValues, newSuffix);
            if (Arrays.equals(oldEntry, newEntry) && Arrays.equals(oldSuffix, newSuffix)) {
                continue;
            }
            indexChanged = true;
            if (oldEntry != null) {
                st.txn().delete(oldEntry);
            }
            if (newEntry != null) {
                if (ix.index().unique() && !Keys.entryHasPointer(ix.index(), newValues)
                        && !Arrays.equals(oldEntry, newEntry) && st.lockRow(newEntry) != null) {
                    throw duplicateKey(ix.index().name(), ix.keyNames(), newValues, ix.keyTypes(), st, null)
                            .withObject(constraintObject(ix.index().name()));
                }
                st.txn().put(newEntry, newSuffix);
            }
        }
        st.txn().put(newKey, RowCodec.encode(types, newRow));
        ExecServices.TableCounts c = st.counts(table.oid());
        c.updated++;
        if (!indexChanged && Arrays.equals(newKey, key)) {
            c.hotUpdated++;
        }
        return newKey;
    }

    private static boolean changed(Object[] oldRow, Object[] newRow, int[] columns) {
        for (int c : columns) {
            Object a = oldRow[c];
            Object b = newRow[c];
            if (a == null || b == null ? a != b : Values.compare(a, b) != 0) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- delete

    public void delete(ExecState st, byte[] key, Object[] oldRow) {
        for (ReferencedSpec ref : referencedBy) {
            referencedKeyGoes(st, ref, oldRow, null);
        }
        byte[] suffix = Keys.suffix(key);
        for (IndexSpec ix : indexes) {
            Object[] values = indexValues(st, ix, oldRow);
            if (values != null) {
                st.txn().delete(Keys.indexEntry(ix.index(), ix.keyTypes(), values, suffix));
            }
        }
        st.txn().delete(key);
        st.counts(table.oid()).deleted++;
    }

    /**
     * A referenced key leaves (the row is deleted, {@code newRow} null, or its key changes): the
     * rows referencing it are refused (NO ACTION / RESTRICT: 23503), deleted (CASCADE on delete),
     * changed to the new key (CASCADE on update), or set to NULL / their defaults.
     */
    private void referencedKeyGoes(ExecState st, ReferencedSpec ref, Object[] oldRow, Object[] newRow) {
        Object[] key = new Object[ref.parentColumns().length];
        for (int i = 0; i < key.length; i++) {
            key[i] = oldRow[ref.parentColumns()[i]];
            if (key[i] == null) {
                return;
            }
        }
        char action = newRow == null ? ref.constraint().onDelete() : ref.constraint().onUpdate();
        RowWriter child = null;
        try (KvCursor rows = referencing(st, ref, key)) {
            PgType[] childTypes = ScanNodes.columnTypes(ref.child());
            while (rows.next()) {
                byte[] childKey = rows.key();
                Object[] childRow = RowCodec.decode(childTypes, rows.value());
                if (!references(childRow, ref.childColumns(), key)) {
                    continue;
                }
                if (action == 'a' || action == 'r') {
                    throw new PgException(SqlState.FOREIGN_KEY_VIOLATION, "update or delete on table \""
                            + table.name() + "\" violates foreign key constraint \"" + ref.constraint().name()
                            + "\" on table \"" + ref.child().name() + "\"").withDetail("Key ("
                            + String.join(", ", ref.parentColumnNames()) + ")=(" + valuesText(key,
                            parentTypes(ref), st) + ") is still referenced from table \"" + ref.child().name() + "\".")
                            .withObject(ref.childWriter().get().constraintObject(ref.constraint().name()));
                }
                child = child == null ? ref.childWriter().get() : child;
                byte[] latest = st.lockRow(childKey);
                if (latest == null) {
                    continue;
                }
                Object[] current = RowCodec.decode(childTypes, latest);
                if (!references(current, ref.childColumns(), key)) {
                    continue;
                }
                if (action == 'c' && newRow == null) {
                    child.delete(st, childKey, current);
                    continue;
                }
                Object[] changed = current.clone();
                for (int i = 0; i < ref.childColumns().length; i++) {
                    int col = ref.childColumns()[i];
                    changed[col] = switch (action) {
                        case 'c' -> newRow[ref.parentColumns()[i]];
                        case 'n' -> null;
                        default -> ref.childDefaults()[i];
                    };
                }
                child.update(st, childKey, current, changed);
            }
        }
    }

    private PgType[] parentTypes(ReferencedSpec ref) {
        PgType[] t = new PgType[ref.parentColumns().length];
        for (int i = 0; i < t.length; i++) {
            t[i] = types[ref.parentColumns()[i]];
        }
        return t;
    }

    private static boolean references(Object[] childRow, int[] columns, Object[] key) {
        for (int i = 0; i < columns.length; i++) {
            Object v = childRow[columns[i]];
            if (v == null || Values.compare(v, key[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The child rows that may reference {@code key}: through the child's index on its FK columns, or all rows. */
    private static KvCursor referencing(ExecState st, ReferencedSpec ref, Object[] key) {
        if (ref.childIndex() == null) {
            return st.txn().scan(Keys.prefix(ref.child().relfilenode()), Keys.end(ref.child().relfilenode()));
        }
        IndexInfo ix = ref.childIndex().index();
        ByteArrayOutputStream prefix = Keys.indexKey(ix, ref.childIndex().keyTypes(), key, key.length);
        byte[] from = prefix.toByteArray();
        KvCursor entries = st.txn().scan(from, Keys.prefixEnd(from));
        Relation child = ref.child();
        return new KvCursor() {
            private byte[] rowKey;
            private byte[] rowValue;

            @Override
            public boolean next() {
                while (entries.next()) {
                    rowKey = Keys.rowKeyFromSuffix(child.relfilenode(), entries.value());
                    rowValue = st.txn().get(rowKey);
                    if (rowValue != null) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public byte[] key() {
                return rowKey;
            }

            @Override
            public byte[] value() {
                return rowValue;
            }

            @Override
            public void close() {
                entries.close();
            }
        };
    }
}
