package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.types.PgType;

/**
 * Aggregate / GroupAggregate / HashAggregate: groups its input by the grouping keys (none: one
 * group, even of no rows) and computes the aggregates of each group. Output rows are the group
 * key values followed by the aggregates' results; HAVING is the node's filter. A hash
 * aggregation past hash_mem stops taking new groups and writes the rows of the others to spill
 * partitions, which it aggregates afterwards (as PostgreSQL 13+ does).
 */
public final class AggNode extends PlanNode {

    public enum Strategy { PLAIN, SORTED, HASHED }

    /** One aggregate call: arguments, DISTINCT, FILTER, ORDER BY inside the call. */
    public record Spec(FunctionDef function, Eval[] args, PgType[] argTypes, PgType result, boolean star,
                       boolean distinct, Eval filter, Eval[] orderKeys, boolean[] orderDescending,
                       boolean[] orderNullsFirst, PgType[] orderTypes) {
    }

    final PlanNode child;
    final Strategy strategy;
    final Eval[] groupKeys;
    final PgType[] groupTypes;
    final List<Expr> groupKeyExprs;
    final List<Spec> aggs;

    public AggNode(List<Expr> output, Query level, PlanNode child, Strategy strategy, Eval[] groupKeys,
                   PgType[] groupTypes, List<Expr> groupKeyExprs, List<Spec> aggs) {
        super(output, level);
        this.child = child;
        this.strategy = strategy;
        this.groupKeys = groupKeys;
        this.groupTypes = groupTypes;
        this.groupKeyExprs = groupKeyExprs;
        this.aggs = aggs;
    }

    @Override
    public List<PlanNode> children() {
        return List.of(child);
    }

    @Override
    public String nodeName() {
        return switch (strategy) {
            case PLAIN -> "Aggregate";
            case SORTED -> "GroupAggregate";
            case HASHED -> "HashAggregate";
        };
    }

    @Override
    public void explain(ExplainSink out) {
        if (!groupKeyExprs.isEmpty()) {
            out.exprs("Group Key", groupKeyExprs);
        }
        super.explain(out);
    }

    /** The running state of every aggregate of one group. */
    final class Group {
        final Object[] keyValues;
        final FunctionDef.Accumulator[] acc;
        final Set<Object>[] seen;
        final List<Object[]>[] ordered;

        @SuppressWarnings("unchecked")
        Group(Object[] keyValues, ExecState st) {
            this.keyValues = keyValues;
            acc = new FunctionDef.Accumulator[aggs.size()];
            seen = new Set[aggs.size()];
            ordered = new List[aggs.size()];
            for (int i = 0; i < acc.length; i++) {
                Spec s = aggs.get(i);
                acc[i] = s.function().aggregate.start(s.argTypes(), s.result(), st.fn());
                if (s.distinct()) {
                    seen[i] = new HashSet<>();
                }
                if (s.orderKeys() != null) {
                    ordered[i] = new ArrayList<>();
                }
            }
        }

        /** Feeds one input row; returns the bytes of memory it added. */
        long add(Object[] row, ExecState st) {
            long added = 0;
            for (int i = 0; i < acc.length; i++) {
                Spec s = aggs.get(i);
                if (s.filter() != null && !s.filter().test(row, st)) {
                    continue;
                }
                Object[] args = JoinNodes.evalAll(s.args(), row, st);
                if (s.function().strict) {
                    boolean anyNull = false;
                    for (Object a : args) {
                        anyNull |= a == null;
                    }
                    if (anyNull) {
                        continue;
                    }
                }
                if (seen[i] != null) {
                    Object key = JoinNodes.groupKey(args, s.argTypes());
                    if (!seen[i].add(key)) {
                        continue;
                    }
                    added += WorkMemory.rowBytes(args);
                }
                if (ordered[i] != null) {
                    Object[] keys = JoinNodes.evalAll(s.orderKeys(), row, st);
                    ordered[i].add(new Object[] {keys, args});
                    added += WorkMemory.rowBytes(args) + WorkMemory.rowBytes(keys);
                    continue;
                }
                long before = acc[i].bytes();
                acc[i].add(args);
                added += acc[i].bytes() - before;
            }
            return added;
        }

        Object[] result() {
            Object[] out = new Object[keyValues.length + acc.length];
            System.arraycopy(keyValues, 0, out, 0, keyValues.length);
            for (int i = 0; i < acc.length; i++) {
                if (ordered[i] != null) {
                    Spec s = aggs.get(i);
                    ExprCompiler.Comparison[] cmp = new ExprCompiler.Comparison[s.orderTypes().length];
                    for (int k = 0; k < cmp.length; k++) {
                        cmp[k] = ExprCompiler.comparison(s.orderTypes()[k]);
                    }
                    ordered[i].sort((a, b) -> compareOrder((Object[]) a[0], (Object[]) b[0], cmp, s));
                    for (Object[] e : ordered[i]) {
                        acc[i].add((Object[]) e[1]);
                    }
                }
                out[keyValues.length + i] = acc[i].result();
            }
            return out;
        }
    }

    private static int compareOrder(Object[] a, Object[] b, ExprCompiler.Comparison[] cmp, Spec s) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == null || b[i] == null) {
                if (a[i] == b[i]) {
                    continue;
                }
                return (a[i] == null) == s.orderNullsFirst()[i] ? -1 : 1;
            }
            int c = cmp[i].compare(a[i], b[i]);
            if (c != 0) {
                return s.orderDescending()[i] ? -c : c;
            }
        }
        return 0;
    }

    @Override
    protected ExecNode start(ExecState st) {
        ExecNode c = child.open(st);
        return switch (strategy) {
            case PLAIN -> new PlainExec(c, st);
            case SORTED -> new SortedExec(c, st);
            case HASHED -> new HashedExec(c, st);
        };
    }

    private final class PlainExec extends Base {
        private final ExecNode c;
        private boolean done;

        PlainExec(ExecNode c, ExecState st) {
            super(AggNode.this, st);
            this.c = c;
        }

        @Override
        Object[] produce() {
            if (done) {
                return null;
            }
            done = true;
            Group g = new Group(new Object[0], st);
            long bytes = 0;
            Object[] r;
            while ((r = c.next()) != null) {
                st.tick();
                bytes += g.add(r, st);
                if (bytes > st.hashMemBytes() * 4) {
                    throw WorkMemory.outOfMemory("An aggregate's state", st.hashMemBytes() * 4);
                }
            }
            return g.result();
        }

        @Override
        public void rescan() {
            done = false;
            c.rescan();
        }

        @Override
        public void close() {
            c.close();
        }
    }

    private final class SortedExec extends Base {
        private final ExecNode c;
        private Object[] pending;
        private boolean started;
        private boolean finished;

        SortedExec(ExecNode c, ExecState st) {
            super(AggNode.this, st);
            this.c = c;
        }

        @Override
        Object[] produce() {
            if (finished) {
                return null;
            }
            if (!started) {
                started = true;
                pending = c.next();
            }
            if (pending == null) {
                finished = true;
                return null;
            }
            Object[] keys = JoinNodes.evalAll(groupKeys, pending, st);
            Object key = JoinNodes.groupKey(keys, groupTypes);
            Group g = new Group(keys, st);
            long bytes = 0;
            while (pending != null) {
                Object[] k = JoinNodes.evalAll(groupKeys, pending, st);
                if (!JoinNodes.groupKey(k, groupTypes).equals(key)) {
                    break;
                }
                st.tick();
                bytes += g.add(pending, st);
                if (bytes > st.hashMemBytes() * 4) {
                    throw WorkMemory.outOfMemory("An aggregate's state", st.hashMemBytes() * 4);
                }
                pending = c.next();
            }
            return g.result();
        }

        @Override
        public void rescan() {
            started = false;
            finished = false;
            c.rescan();
        }

        @Override
        public void close() {
            c.close();
        }
    }

    private final class HashedExec extends Base {
        private static final int PARTITIONS = 8;
        private static final int MAX_DEPTH = 6;
        private final ExecNode c;
        private java.util.Iterator<Group> groups;
        /** Spilled inputs still to aggregate, with their depth. */
        private final List<Object[]> pendingPartitions = new ArrayList<>();
        /** EXPLAIN ANALYZE's figures: hash tables built, the largest one's bytes, bytes spilled. */
        private int batches;
        private long peakBytes;
        private long diskBytes;

        HashedExec(ExecNode c, ExecState st) {
            super(AggNode.this, st);
            this.c = c;
        }

        @Override
        Object[] produce() {
            while (true) {
                if (groups == null) {
                    aggregate(c::next, 0);
                }
                if (groups.hasNext()) {
                    return groups.next().result();
                }
                if (pendingPartitions.isEmpty()) {
                    return null;
                }
                Object[] p = pendingPartitions.remove(0);
                TempFiles.RowFile file = (TempFiles.RowFile) p[0];
                int depth = (Integer) p[1];
                TempFiles.RowFile.Reader reader = file.reader();
                try {
                    aggregate(reader::next, depth);
                } finally {
                    reader.close();
                    file.close();
                }
            }
        }

        private void aggregate(java.util.function.Supplier<Object[]> input, int depth) {
            Map<Object, Group> table = new LinkedHashMap<>();
            long limit = st.hashMemBytes();
            long bytes = 0;
            TempFiles.RowFile[] spill = null;
            Object[] r;
            while ((r = input.get()) != null) {
                st.tick();
                Object[] keys = JoinNodes.evalAll(groupKeys, r, st);
                Object key = JoinNodes.groupKey(keys, groupTypes);
                Group g = table.get(key);
                if (g == null) {
                    if (spill != null) {
                        spill[(key.hashCode() >>> (depth * 3)) & (PARTITIONS - 1)].write(r);
                        continue;
                    }
                    g = new Group(keys, st);
                    table.put(key, g);
                    bytes += WorkMemory.rowBytes(keys) + 64L * (1 + aggs.size());
                }
                bytes += g.add(r, st);
                if (bytes > limit && spill == null) {
                    if (depth >= MAX_DEPTH) {
                        throw WorkMemory.outOfMemory("A hash aggregation", limit);
                    }
                    spill = new TempFiles.RowFile[PARTITIONS];
                    for (int i = 0; i < PARTITIONS; i++) {
                        spill[i] = st.tempFiles().create(child.outputTypes());
                    }
                }
            }
            if (spill != null) {
                for (TempFiles.RowFile f : spill) {
                    diskBytes += f.bytes();
                    if (f.rows() > 0) {
                        pendingPartitions.add(new Object[] {f, depth + 1});
                    } else {
                        f.close();
                    }
                }
            }
            groups = table.values().iterator();
            reportBatch(bytes);
        }

        /** EXPLAIN ANALYZE's "Batches: 1  Memory Usage: 24kB" (and "Disk Usage" once it spilled). */
        private void reportBatch(long bytes) {
            batches++;
            peakBytes = Math.max(peakBytes, bytes);
            long kb = kilobytes(peakBytes);
            long diskKb = kilobytes(diskBytes);
            reportRun(st, AggNode.this, new RunDetail("Batches: " + batches + "  Memory Usage: " + kb + "kB"
                    + (diskBytes > 0 ? "  Disk Usage: " + diskKb + "kB" : ""),
                    fields("HashAgg Batches", batches, "Peak Memory Usage", kb, "Disk Usage", diskKb)));
        }

        @Override
        public void rescan() {
            groups = null;
            pendingPartitions.clear();
            c.rescan();
        }

        @Override
        public void close() {
            c.close();
        }
    }
}
