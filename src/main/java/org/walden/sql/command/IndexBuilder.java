package org.walden.sql.command;

import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.exec.Eval;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.RowWriter;
import org.walden.sql.types.PgType;
import org.walden.txn.KvCursor;
import org.walden.txn.Transaction;

/**
 * Fills a secondary index from its table's rows (PostgreSQL's index build): one entry per row
 * (per row the partial index's predicate admits), written in the transaction that creates the
 * index into the index's fresh key range. A unique index refuses a second row with the same key
 * (23505 "could not create unique index").
 */
final class IndexBuilder {

    private IndexBuilder() {
    }

    /** Builds {@code spec}'s entries for every row of {@code table}; returns the number of entries. */
    static long build(Transaction txn, Relation table, RowWriter.IndexSpec spec, ExecState st,
                      Runnable checkCancel) {
        IndexInfo idx = spec.index();
        PgType[] types = columnTypes(table);
        long n = 0;
        try (KvCursor c = txn.scan(Keys.prefix(table.relfilenode()), Keys.end(table.relfilenode()))) {
            while (c.next()) {
                if ((++n & 1023) == 0) {
                    checkCancel.run();
                }
                Object[] row = RowCodec.decode(types, c.value());
                Object[] values = entryValues(spec, row, st);
                if (values == null) {
                    continue;
                }
                byte[] suffix = Keys.suffix(c.key());
                byte[] entry = Keys.indexEntry(idx, spec.keyTypes(), values, suffix);
                if (idx.unique() && !Keys.entryHasPointer(idx, values) && txn.get(entry) != null) {
                    throw RowWriter.duplicateKey(idx.name(), spec.keyNames(), values, spec.keyTypes(), st,
                            "could not create unique index \"");
                }
                txn.put(entry, suffix);
            }
        }
        return n;
    }

    /** An index's key values for a row; null when a partial index's predicate excludes it. */
    static Object[] entryValues(RowWriter.IndexSpec spec, Object[] row, ExecState st) {
        if (spec.predicate() != null && !spec.predicate().test(row, st)) {
            return null;
        }
        Eval[] keys = spec.keys();
        Object[] values = new Object[keys.length];
        for (int i = 0; i < keys.length; i++) {
            values[i] = keys[i].eval(row, st);
        }
        return values;
    }

    static PgType[] columnTypes(Relation t) {
        PgType[] types = new PgType[t.columns().size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = t.column(i).type();
        }
        return types;
    }

    /** 23505 for a duplicate met while building (also used when re-keying a table for a new primary key). */
    static PgException duplicate(String indexName, String detail) {
        return new PgException(SqlState.UNIQUE_VIOLATION, "could not create unique index \"" + indexName + "\"")
                .withDetail(detail);
    }
}
