package org.walden.sql.command;

import java.util.function.UnaryOperator;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.RowWriter;
import org.walden.sql.plan.RowWriters;
import org.walden.sql.types.PgType;
import org.walden.sql.types.ValueContext;
import org.walden.sql.types.Values;
import org.walden.txn.KvCursor;

/**
 * Rewrites a table into a new relfilenode (PostgreSQL's table rewrite, as ALTER TABLE does for
 * a new primary key, a dropped key or a column type change): every row is read, converted,
 * keyed by the new definition and written to the fresh range, and every secondary index is
 * rebuilt in a fresh range of its own; the old ranges are emptied when the transaction commits.
 */
final class TableRewriter extends DdlSupport {

    /** The persistence the rewritten table gets (ALTER TABLE SET LOGGED / UNLOGGED); 0 keeps the old one. */
    private char targetPersistence;
    /** The tablespace the rewritten table's rows go to (SET TABLESPACE; 0 pg_default); -1 keeps the old one. */
    private int targetTablespace = -1;

    TableRewriter(CommandContext ctx) {
        super(ctx);
    }

    /** Rewrites into storage of that persistence (SET LOGGED: the rows are WAL-logged as they are copied). */
    TableRewriter toPersistence(char persistence) {
        this.targetPersistence = persistence;
        return this;
    }

    /** Rewrites into tablespace {@code tablespaceOid}'s storage (ALTER TABLE SET TABLESPACE: the rows move). */
    TableRewriter toTablespace(int tablespaceOid) {
        this.targetTablespace = tablespaceOid;
        return this;
    }

    private char persistenceOf(Relation old) {
        return targetPersistence != 0 ? targetPersistence : org.walden.txn.RelPersistence.of(old.relfilenode());
    }

    /** The table re-keyed by its new primary key ({@code keyed}'s); 23505 / 23502 as an index build would. */
    Relation rekey(Relation old, Relation keyed, String pkName) {
        return rewrite(old, keyed, null, pkName);
    }

    Relation rewrite(Relation old, Relation fresh, UnaryOperator<Object[]> convert) {
        return rewrite(old, fresh, convert, null);
    }

    private Relation rewrite(Relation old, Relation fresh, UnaryOperator<Object[]> convert, String pkName) {
        Relation target = fresh.withRelfilenode(newStorage(persistenceOf(old),
                targetTablespace >= 0 ? targetTablespace : storedTablespace(old.relfilenode())));
        PgType[] oldTypes = IndexBuilder.columnTypes(old);
        PgType[] newTypes = IndexBuilder.columnTypes(target);
        ExecState st = ctx.execState(null, new Object[0]);
        // a re-key keeps each row's bytes as they are: only its key changes
        boolean sameBytes = convert == null && java.util.Arrays.equals(oldTypes, newTypes);
        // ... and then only the columns up to the last key column need decoding
        int decoded = oldTypes.length;
        if (sameBytes && target.hasPrimaryKey()) {
            decoded = java.util.Arrays.stream(target.primaryKey()).max().orElse(-1) + 1;
        }
        try {
            long n = 0;
            // one pass over the whole table: read ahead, and not kept in the block cache, where it would
            // only push out the rows other sessions use
            try (KvCursor c = ctx.txn().scanOnePass(Keys.prefix(old.relfilenode()), Keys.end(old.relfilenode()))) {
                while (c.next()) {
                    if ((++n & 1023) == 0) {
                        ctx.checkCancel();
                    }
                    Object[] row = RowCodec.decodePrefix(oldTypes, c.value(), decoded);
                    if (convert != null) {
                        row = convert.apply(row);
                    }
                    byte[] key = keyOf(old, target, row, pkName, st);
                    // both arrays are this loop's own (the cursor's copy of the value is not
                    // read again once it moved on): handed over, not copied once more
                    ctx.txn().putHandedOver(key, sameBytes ? c.value() : RowCodec.encode(newTypes, row));
                }
            }
        } finally {
            st.finish();
        }
        dropStorage(old.relfilenode());
        ctx.writer().putRelation(target, old);
        ctx.catalogChanged();
        rebuildIndexes(target);
        return target;
    }

    private byte[] keyOf(Relation old, Relation target, Object[] row, String pkName, ExecState st) {
        if (!target.hasPrimaryKey()) {
            return Keys.rowIdKey(target.relfilenode(), st.services().nextRowId(target, ctx.txn()));
        }
        int[] pk = target.primaryKey();
        for (int k : pk) {
            if (row[k] == null) {
                throw new PgException(SqlState.NOT_NULL_VIOLATION, "column \"" + target.column(k).name()
                        + "\" of relation \"" + old.name() + "\" contains null values")
                        .withObject(columnObject(old, target.column(k).name()));
            }
        }
        byte[] key = Keys.rowKey(target, row);
        if (ctx.txn().get(key) != null) {
            String[] names = new String[pk.length];
            Object[] values = new Object[pk.length];
            PgType[] types = new PgType[pk.length];
            for (int i = 0; i < pk.length; i++) {
                names[i] = target.column(pk[i]).name();
                values[i] = row[pk[i]];
                types[i] = target.column(pk[i]).type();
            }
            throw RowWriter.duplicateKey(pkName == null ? target.name() + "_pkey" : pkName, names, values, types,
                    st, "could not create unique index \"");
        }
        return key;
    }

    /** Every secondary index of {@code table} rebuilt into a fresh range. */
    void rebuildIndexes(Relation table) {
        for (IndexInfo idx : catalog().indexesOf(table.oid())) {
            if (!idx.hasStorage()) {
                continue;
            }
            rebuildIndex(table, idx, storedTablespace(idx.relfilenode()));
        }
    }

    /** One index of {@code table} rebuilt into a fresh range stored in {@code tablespaceOid} (ALTER INDEX SET TABLESPACE). */
    void rebuildIndex(Relation table, IndexInfo idx, int tablespaceOid) {
        IndexInfo moved = idx.withRelfilenode(newStorage(org.walden.txn.RelPersistence.of(table.relfilenode()),
                tablespaceOid));
        dropStorage(idx.relfilenode());
        ctx.writer().putIndex(moved, idx);
        ctx.catalogChanged();
        ExecState st = ctx.execState(null, new Object[0]);
        try {
            RowWriter.IndexSpec spec = RowWriters.forSession(ctx.fn()).indexSpec(table, moved);
            IndexBuilder.build(ctx.txn(), table, spec, st, ctx::checkCancel);
        } finally {
            st.finish();
        }
    }

    /** A value converted to a new column type, as an assignment cast would (for ALTER COLUMN TYPE). */
    static Object convert(Object v, PgType from, PgType to, int typmod, ValueContext values) {
        if (v == null) {
            return null;
        }
        Object c = from == to ? v : org.walden.sql.types.Casts.convert(v, from, to, values);
        return typmod >= 0 ? Values.coerceToTypmod(c, to, typmod, false) : c;
    }
}
