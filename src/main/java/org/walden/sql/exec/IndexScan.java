package org.walden.sql.exec;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Relation;
import org.walden.sql.types.PgType;
import org.walden.txn.KvCursor;

/**
 * Index Scan / Index Only Scan: the rows whose leading index columns meet the scan keys, read
 * from the primary key (the table's own key order) or from a secondary index's entries, each
 * pointing at its row. The keys are equalities on a prefix of the index columns (an IN list
 * branches into one range per value), optionally followed by a range on the next column; they
 * are evaluated when the scan starts, so a nested loop can re-run the scan with the outer row's
 * values. All-equal keys on a primary key (or on a unique index) read one row without a cursor.
 */
public final class IndexScan extends PlanNode {

    /** The condition on one index column: equality, IN (an array of values), or a range. */
    public record KeyColumn(Eval equal, Eval in, Eval lower, boolean lowerInclusive, Eval upper,
                            boolean upperInclusive) {
        public static KeyColumn eq(Eval e) {
            return new KeyColumn(e, null, null, false, null, false);
        }

        public static KeyColumn in(Eval e) {
            return new KeyColumn(null, e, null, false, null, false);
        }

        public static KeyColumn range(Eval lower, boolean lowerInclusive, Eval upper, boolean upperInclusive) {
            return new KeyColumn(null, null, lower, lowerInclusive, upper, upperInclusive);
        }

        boolean isRange() {
            return equal == null && in == null;
        }
    }

    final Relation rel;
    final IndexInfo index;
    final String alias;
    final boolean indexOnly;
    final List<KeyColumn> keys;
    final List<Expr> indexConds;
    final PgType[] tableTypes;
    final PgType[] keyTypes;
    final int decode;
    final boolean withKey;
    final boolean withRaw;
    final boolean primary;

    public IndexScan(List<Expr> output, Query level, Relation rel, IndexInfo index, String alias, boolean indexOnly,
                     List<KeyColumn> keys, List<Expr> indexConds, PgType[] keyTypes, int decode, boolean withKey,
                     boolean withRaw) {
        super(output, level);
        this.rel = rel;
        this.index = index;
        this.alias = alias;
        this.indexOnly = indexOnly;
        this.keys = List.copyOf(keys);
        this.indexConds = List.copyOf(indexConds);
        this.tableTypes = ScanNodes.columnTypes(rel);
        this.keyTypes = keyTypes;
        this.decode = decode;
        this.withKey = withKey;
        this.withRaw = withRaw;
        this.primary = !index.hasStorage();
    }

    @Override
    public String nodeName() {
        return indexOnly ? "Index Only Scan" : "Index Scan";
    }

    @Override
    public int scannedTableOid() {
        return indexOnly ? 0 : rel.oid();
    }

    @Override
    public String nodeTarget() {
        return "using " + index.name() + " on " + rel.name() + (alias.equals(rel.name()) ? "" : " " + alias);
    }

    @Override
    public void explain(ExplainSink out) {
        if (!indexConds.isEmpty()) {
            out.exprs("Index Cond", indexConds);
        }
        super.explain(out);
    }

    private int storageRelfilenode() {
        return primary ? rel.relfilenode() : index.relfilenode();
    }

    private void appendKey(ByteArrayOutputStream out, int column, Object value) {
        if (primary) {
            Keys.encode(out, keyTypes[column], value);
        } else {
            IndexInfo.Key k = index.keys().get(column);
            Keys.indexValue(out, keyTypes[column], value, k.descending(), k.nullsFirst());
        }
    }

    /** The key ranges [from, to) to read, or null entries for a point look-up's exact key. */
    private List<byte[][]> ranges(ExecState st) {
        List<ByteArrayOutputStream> prefixes = new ArrayList<>();
        ByteArrayOutputStream start = new ByteArrayOutputStream();
        start.writeBytes(Keys.prefix(storageRelfilenode()));
        prefixes.add(start);
        int eqColumns = 0;
        KeyColumn range = null;
        for (int c = 0; c < keys.size(); c++) {
            KeyColumn k = keys.get(c);
            if (k.isRange()) {
                range = k;
                break;
            }
            List<Object> values = new ArrayList<>();
            if (k.equal != null) {
                Object v = k.equal.eval(null, st);
                if (v == null) {
                    return List.of();
                }
                values.add(v);
            } else {
                Object arr = k.in.eval(null, st);
                if (arr == null) {
                    return List.of();
                }
                for (Object v : (List<?>) arr) {
                    if (v != null && !values.contains(v)) {
                        values.add(v);
                    }
                }
            }
            List<ByteArrayOutputStream> next = new ArrayList<>();
            for (ByteArrayOutputStream p : prefixes) {
                for (Object v : values) {
                    ByteArrayOutputStream q = new ByteArrayOutputStream();
                    q.writeBytes(p.toByteArray());
                    appendKey(q, c, v);
                    next.add(q);
                }
            }
            prefixes = next;
            eqColumns++;
        }
        List<byte[][]> out = new ArrayList<>();
        boolean point = range == null && eqColumns == index.keys().size()
                && (primary || (index.unique() && !index.nullsNotDistinct()));
        for (ByteArrayOutputStream p : prefixes) {
            byte[] prefix = p.toByteArray();
            if (point) {
                out.add(new byte[][] {prefix, null});
            } else if (range == null) {
                out.add(new byte[][] {prefix, Keys.prefixEnd(prefix)});
            } else {
                byte[][] r = rangeBounds(st, prefix, eqColumns, range);
                if (r != null) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    private byte[][] rangeBounds(ExecState st, byte[] prefix, int column, KeyColumn k) {
        byte[] from;
        byte[] to;
        byte valueMarker = 0x01;
        if (k.lower == null) {
            from = primary ? prefix : concat(prefix, valueMarker);
        } else {
            Object v = k.lower.eval(null, st);
            if (v == null) {
                return null;
            }
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(prefix);
            appendKey(o, column, v);
            from = k.lowerInclusive ? o.toByteArray() : Keys.prefixEnd(o.toByteArray());
        }
        if (k.upper == null) {
            to = primary ? Keys.prefixEnd(prefix) : concat(prefix, (byte) 0x02);
        } else {
            Object v = k.upper.eval(null, st);
            if (v == null) {
                return null;
            }
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(prefix);
            appendKey(o, column, v);
            to = k.upperInclusive ? Keys.prefixEnd(o.toByteArray()) : o.toByteArray();
        }
        if (Arrays.compareUnsigned(from, to) >= 0) {
            return null;
        }
        return new byte[][] {from, to};
    }

    private static byte[] concat(byte[] a, byte b) {
        byte[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }

    @Override
    protected ExecNode start(ExecState st) {
        ScanNodes.checkScannable(rel);
        return new Base(this, st) {
            private List<byte[][]> ranges;
            private int rangeIndex;
            private KvCursor cursor;
            private final ExecServices.TableCounts tableCounts = st.counts(rel.oid());
            private final ExecServices.TableCounts indexCounts = st.counts(index.oid());

            @Override
            Object[] produce() {
                if (ranges == null) {
                    ranges = ranges(st);
                    rangeIndex = 0;
                    tableCounts.indexScans++;
                    indexCounts.indexScans++;
                }
                while (true) {
                    if (cursor == null) {
                        if (rangeIndex >= ranges.size()) {
                            return null;
                        }
                        byte[][] r = ranges.get(rangeIndex++);
                        if (r[1] == null) {
                            Object[] row = point(r[0]);
                            if (row != null) {
                                return row;
                            }
                            continue;
                        }
                        cursor = st.txn().scan(r[0], r[1]);
                    }
                    if (!cursor.next()) {
                        cursor.close();
                        cursor = null;
                        continue;
                    }
                    st.tick();
                    Object[] row = entry(cursor.key(), cursor.value());
                    if (row != null) {
                        return row;
                    }
                }
            }

            private Object[] point(byte[] key) {
                byte[] value = st.txn().get(key);
                if (value == null) {
                    return null;
                }
                return entry(key, value);
            }

            /** The row an index entry (or a primary key's row) stands for. */
            private Object[] entry(byte[] key, byte[] value) {
                indexCounts.seqTuplesRead++;
                if (primary) {
                    tableCounts.indexTuplesFetched++;
                    st.noteScannedRow(rel.oid(), key);
                    return ScanNodes.tableRow(tableTypes, decode, key, value, withKey, withRaw);
                }
                if (indexOnly) {
                    int[] pos = new int[1];
                    Object[] vals = Keys.decodeIndexValues(index, keyTypes, key, keyTypes.length, pos);
                    Object[] row = new Object[tableTypes.length];
                    for (int i = 0; i < vals.length; i++) {
                        IndexInfo.Key k = index.keys().get(i);
                        if (!k.isExpression()) {
                            row[rel.indexOfAttnum(k.attnum())] = vals[i];
                        }
                    }
                    return row;
                }
                byte[] rowKey = Keys.rowKeyFromSuffix(rel.relfilenode(), value);
                byte[] rowValue = st.txn().get(rowKey);
                if (rowValue == null) {
                    return null;
                }
                tableCounts.indexTuplesFetched++;
                indexCounts.indexTuplesFetched++;
                st.noteScannedRow(rel.oid(), rowKey);
                return ScanNodes.tableRow(tableTypes, decode, rowKey, rowValue, withKey, withRaw);
            }

            @Override
            public void rescan() {
                close();
                ranges = null;
            }

            @Override
            public void close() {
                if (cursor != null) {
                    cursor.close();
                    cursor = null;
                }
            }
        };
    }
}
