package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.types.PgType;

/**
 * Sort: orders its input by keys (each ASC or DESC, NULLS FIRST or LAST). In memory while the
 * rows fit in work_mem (quicksort); beyond, sorted runs are written to spill files and merged
 * (external merge); with a bound from LIMIT it keeps only the first rows (top-N heapsort).
 */
public final class SortNode extends PlanNode {

    final PlanNode child;
    final Eval[] keys;
    final boolean[] descending;
    final boolean[] nullsFirst;
    final ExprCompiler.Comparison[] comparisons;
    final List<Expr> keyExprs;
    /** LIMIT + OFFSET when the sort feeds a Limit (top-N); null for none. */
    Eval bound;

    public SortNode(List<Expr> output, Query level, PlanNode child, Eval[] keys, PgType[] keyTypes,
                    boolean[] descending, boolean[] nullsFirst, List<Expr> keyExprs) {
        super(output, level);
        this.child = child;
        this.keys = keys;
        this.descending = descending;
        this.nullsFirst = nullsFirst;
        this.keyExprs = keyExprs;
        this.comparisons = new ExprCompiler.Comparison[keys.length];
        for (int i = 0; i < keys.length; i++) {
            comparisons[i] = ExprCompiler.comparison(keyTypes[i]);
        }
    }

    public void setBound(Eval limitPlusOffset) {
        this.bound = limitPlusOffset;
    }

    @Override
    public List<PlanNode> children() {
        return List.of(child);
    }

    @Override
    public String nodeName() {
        return "Sort";
    }

    @Override
    public void explain(ExplainSink out) {
        out.sortKeys("Sort Key", keyExprs, descending, nullsFirst);
        super.explain(out);
    }

    /** A row with its evaluated sort keys. */
    record Keyed(Object[] keys, Object[] row) {
    }

    Comparator<Keyed> comparator() {
        return (a, b) -> compareKeys(a.keys, b.keys);
    }

    int compareKeys(Object[] a, Object[] b) {
        for (int i = 0; i < a.length; i++) {
            Object x = a[i];
            Object y = b[i];
            int c;
            if (x == null || y == null) {
                if (x == y) {
                    continue;
                }
                c = (x == null) == nullsFirst[i] ? -1 : 1;
                return c;
            }
            c = comparisons[i].compare(x, y);
            if (c != 0) {
                return descending[i] ? -c : c;
            }
        }
        return 0;
    }

    Object[] keysOf(Object[] row, ExecState st) {
        Object[] k = new Object[keys.length];
        for (int i = 0; i < k.length; i++) {
            k[i] = keys[i].eval(row, st);
        }
        return k;
    }

    /** EXPLAIN ANALYZE's "Sort Method: quicksort  Memory: 158kB" (the memory is Walden's estimate of the heap used). */
    private void reportMethod(ExecState st, String method, String spaceType, long bytes) {
        long kb = kilobytes(bytes);
        reportRun(st, this, new RunDetail("Sort Method: " + method + "  " + spaceType + ": " + kb + "kB",
                fields("Sort Method", method, "Sort Space Used", kb, "Sort Space Type", spaceType)));
    }

    @Override
    protected ExecNode start(ExecState st) {
        ExecNode c = child.open(st);
        return new Base(this, st) {
            private List<Keyed> sorted;
            private int position;
            private List<TempFiles.RowFile> runs;
            private PriorityQueue<Object[]> merge;
            private List<TempFiles.RowFile.Reader> readers;

            @Override
            Object[] produce() {
                if (sorted == null && merge == null) {
                    sortInput();
                }
                if (merge != null) {
                    return nextMerged();
                }
                return position < sorted.size() ? sorted.get(position++).row : null;
            }

            private void sortInput() {
                Long limit = null;
                if (bound != null) {
                    Object b = bound.eval(null, st);
                    limit = b == null ? null : (Long) b;
                }
                if (limit != null && limit >= 0 && limit < 1_000_000) {
                    topN(limit.intValue());
                    return;
                }
                List<Keyed> buffer = new ArrayList<>();
                long bytes = 0;
                Object[] r;
                while ((r = c.next()) != null) {
                    st.tick();
                    buffer.add(new Keyed(keysOf(r, st), r));
                    bytes += WorkMemory.rowBytes(r) + 32;
                    if (bytes > st.workMemBytes()) {
                        spillRun(buffer);
                        buffer = new ArrayList<>();
                        bytes = 0;
                    }
                }
                if (runs == null) {
                    buffer.sort(comparator());
                    sorted = buffer;
                    reportMethod(st, "quicksort", "Memory", bytes);
                    return;
                }
                if (!buffer.isEmpty()) {
                    spillRun(buffer);
                }
                startMerge();
            }

            private void topN(int n) {
                PriorityQueue<Keyed> heap = new PriorityQueue<>(Math.max(1, n), comparator().reversed());
                Object[] r;
                while ((r = c.next()) != null) {
                    st.tick();
                    if (n == 0) {
                        continue;
                    }
                    Keyed k = new Keyed(keysOf(r, st), r);
                    if (heap.size() < n) {
                        heap.add(k);
                    } else if (compareKeys(k.keys, heap.peek().keys) < 0) {
                        heap.poll();
                        heap.add(k);
                    }
                }
                sorted = new ArrayList<>(heap);
                sorted.sort(comparator());
                long bytes = 0;
                for (Keyed k : sorted) {
                    bytes += WorkMemory.rowBytes(k.row) + 32;
                }
                reportMethod(st, "top-N heapsort", "Memory", bytes);
            }

            private void spillRun(List<Keyed> buffer) {
                buffer.sort(comparator());
                if (runs == null) {
                    runs = new ArrayList<>();
                }
                TempFiles.RowFile f = st.tempFiles().create(child.outputTypes());
                for (Keyed k : buffer) {
                    f.write(k.row);
                }
                runs.add(f);
            }

            private void startMerge() {
                readers = new ArrayList<>();
                merge = new PriorityQueue<>((a, b) -> {
                    int cmp = compareKeys((Object[]) a[0], (Object[]) b[0]);
                    return cmp != 0 ? cmp : Integer.compare((Integer) a[2], (Integer) b[2]);
                });
                long diskBytes = 0;
                for (int i = 0; i < runs.size(); i++) {
                    TempFiles.RowFile.Reader reader = runs.get(i).reader();
                    readers.add(reader);
                    diskBytes += runs.get(i).bytes();
                    Object[] row = reader.next();
                    if (row != null) {
                        merge.add(new Object[] {keysOf(row, st), row, i});
                    }
                }
                reportMethod(st, "external merge", "Disk", diskBytes);
            }

            private Object[] nextMerged() {
                Object[] top = merge.poll();
                if (top == null) {
                    return null;
                }
                int run = (Integer) top[2];
                Object[] next = readers.get(run).next();
                if (next != null) {
                    merge.add(new Object[] {keysOf(next, st), next, run});
                }
                return (Object[]) top[1];
            }

            @Override
            public void rescan() {
                close();
                sorted = null;
                merge = null;
                runs = null;
                position = 0;
                c.rescan();
            }

            @Override
            public void close() {
                if (readers != null) {
                    for (TempFiles.RowFile.Reader r : readers) {
                        r.close();
                    }
                    readers = null;
                }
                if (runs != null) {
                    for (TempFiles.RowFile f : runs) {
                        f.close();
                    }
                }
                c.close();
            }
        };
    }

    static List<Object[]> unwrap(List<Keyed> keyed) {
        List<Object[]> out = new ArrayList<>(keyed.size());
        for (Keyed k : keyed) {
            out.add(k.row);
        }
        return Collections.unmodifiableList(out);
    }
}
