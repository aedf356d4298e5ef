package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * The nodes above joins and aggregation: Unique, set operations, Append, Limit, LockRows,
 * ProjectSet (set-returning functions in the target list) and Recursive Union.
 */
public final class UpperNodes {

    private UpperNodes() {
    }

    /** Unique: drops rows equal on the key columns to the previous one (its input is sorted on them). */
    public static final class Unique extends PlanNode {
        final PlanNode child;
        final int[] keyColumns;
        final PgType[] keyTypes;

        public Unique(List<Expr> output, Query level, PlanNode child, int[] keyColumns, PgType[] keyTypes) {
            super(output, level);
            this.child = child;
            this.keyColumns = keyColumns;
            this.keyTypes = keyTypes;
        }

        @Override
        public List<PlanNode> children() {
            return List.of(child);
        }

        @Override
        public String nodeName() {
            return "Unique";
        }

        @Override
        protected ExecNode start(ExecState st) {
            ExecNode c = child.open(st);
            return new Base(this, st) {
                private Object previous;
                private boolean first = true;

                @Override
                Object[] produce() {
                    Object[] r;
                    while ((r = c.next()) != null) {
                        Object[] k = new Object[keyColumns.length];
                        for (int i = 0; i < k.length; i++) {
                            k[i] = r[keyColumns[i]];
                        }
                        Object key = JoinNodes.groupKey(k, keyTypes);
                        if (first || !key.equals(previous)) {
                            first = false;
                            previous = key;
                            return r;
                        }
                    }
                    return null;
                }

                @Override
                public void rescan() {
                    first = true;
                    c.rescan();
                }

                @Override
                public void close() {
                    c.close();
                }
            };
        }
    }

    /** Append: its children's rows one after the other (UNION ALL). */
    public static final class Append extends PlanNode {
        final List<PlanNode> parts;

        public Append(List<Expr> output, Query level, List<PlanNode> parts) {
            super(output, level);
            this.parts = List.copyOf(parts);
        }

        @Override
        public List<PlanNode> children() {
            return parts;
        }

        @Override
        public String nodeName() {
            return "Append";
        }

        @Override
        protected ExecNode start(ExecState st) {
            List<ExecNode> nodes = new ArrayList<>();
            for (PlanNode p : parts) {
                nodes.add(p.open(st));
            }
            return new Base(this, st) {
                private int i;

                @Override
                Object[] produce() {
                    while (i < nodes.size()) {
                        Object[] r = nodes.get(i).next();
                        if (r != null) {
                            return r;
                        }
                        i++;
                    }
                    return null;
                }

                @Override
                public void rescan() {
                    i = 0;
                    nodes.forEach(ExecNode::rescan);
                }

                @Override
                public void close() {
                    nodes.forEach(ExecNode::close);
                }
            };
        }
    }

    /** HashSetOp: INTERSECT / EXCEPT [ALL] by counting each distinct row on both sides. */
    public static final class SetOp extends PlanNode {
        final PlanNode left;
        final PlanNode right;
        final Tree.SetOp op;
        final boolean all;

        public SetOp(List<Expr> output, Query level, PlanNode left, PlanNode right, Tree.SetOp op, boolean all) {
            super(output, level);
            this.left = left;
            this.right = right;
            this.op = op;
            this.all = all;
        }

        @Override
        public List<PlanNode> children() {
            return List.of(left, right);
        }

        @Override
        public String nodeName() {
            return "HashSetOp " + (op == Tree.SetOp.INTERSECT ? "Intersect" : "Except") + (all ? " All" : "");
        }

        @Override
        protected ExecNode start(ExecState st) {
            ExecNode l = left.open(st);
            ExecNode r = right.open(st);
            PgType[] types = left.outputTypes();
            return new Base(this, st) {
                /** The rows of the partition being answered; null before the first. */
                private Iterator<Object[]> out;
                /** Partitions written to temporary files, left and right side, with their depth. */
                private final java.util.ArrayDeque<Object[]> partitions = new java.util.ArrayDeque<>();

                @Override
                Object[] produce() {
                    if (out == null) {
                        out = counted(l::next, r::next, 0);
                    }
                    while (!out.hasNext()) {
                        Object[] p = partitions.poll();
                        if (p == null) {
                            return null;
                        }
                        TempFiles.RowFile[] files = (TempFiles.RowFile[]) p[0];
                        try (TempFiles.RowFile.Reader left = files[0].reader();
                             TempFiles.RowFile.Reader right = files[1].reader()) {
                            out = counted(left::next, right::next, (Integer) p[1]);
                        } finally {
                            files[0].close();
                            files[1].close();
                        }
                    }
                    return out.next();
                }

                /**
                 * Counts each distinct row on both sides and returns the rows the operation keeps.
                 * Past hash memory the rows go, by their hash, to 16 pairs of temporary files that
                 * are answered one after another (nested up to three times, then 53200).
                 */
                private Iterator<Object[]> counted(java.util.function.Supplier<Object[]> leftRows,
                                                   java.util.function.Supplier<Object[]> rightRows, int depth) {
                    Map<Object, long[]> counts = new LinkedHashMap<>();
                    Map<Object, Object[]> firstRow = new LinkedHashMap<>();
                    long bytes = 0;
                    Object[] row;
                    while ((row = leftRows.get()) != null) {
                        st.tick();
                        Object key = JoinNodes.groupKey(row, types);
                        long[] c = counts.computeIfAbsent(key, k -> new long[2]);
                        if (c[0]++ == 0) {
                            firstRow.put(key, row);
                            bytes += WorkMemory.rowBytes(row) + 64;
                            if (bytes > st.hashMemBytes()) {
                                spill(counts, firstRow, leftRows, rightRows, depth);
                                return java.util.Collections.emptyIterator();
                            }
                        }
                    }
                    while ((row = rightRows.get()) != null) {
                        st.tick();
                        long[] c = counts.get(JoinNodes.groupKey(row, types));
                        if (c != null) {
                            c[1]++;
                        }
                    }
                    List<Object[]> result = new ArrayList<>();
                    for (Map.Entry<Object, long[]> e : counts.entrySet()) {
                        long a = e.getValue()[0];
                        long b = e.getValue()[1];
                        long n = op == Tree.SetOp.INTERSECT ? (all ? Math.min(a, b) : (b > 0 ? 1 : 0))
                                : (all ? Math.max(0, a - b) : (b == 0 ? 1 : 0));
                        for (long i = 0; i < n; i++) {
                            result.add(firstRow.get(e.getKey()));
                        }
                    }
                    return result.iterator();
                }

                private void spill(Map<Object, long[]> counts, Map<Object, Object[]> firstRow,
                                   java.util.function.Supplier<Object[]> leftRows,
                                   java.util.function.Supplier<Object[]> rightRows, int depth) {
                    if (depth >= 3) {
                        throw WorkMemory.outOfMemory("A set operation", st.hashMemBytes());
                    }
                    TempFiles.RowFile[][] files = new TempFiles.RowFile[16][];
                    for (int i = 0; i < files.length; i++) {
                        files[i] = new TempFiles.RowFile[] {st.tempFiles().create(types),
                            st.tempFiles().create(right.outputTypes())};
                    }
                    for (Map.Entry<Object, long[]> e : counts.entrySet()) {
                        for (long i = 0; i < e.getValue()[0]; i++) {
                            files[partition(e.getKey(), depth)][0].write(firstRow.get(e.getKey()));
                        }
                    }
                    counts.clear();
                    firstRow.clear();
                    Object[] row;
                    while ((row = leftRows.get()) != null) {
                        st.tick();
                        files[partition(JoinNodes.groupKey(row, types), depth)][0].write(row);
                    }
                    while ((row = rightRows.get()) != null) {
                        st.tick();
                        files[partition(JoinNodes.groupKey(row, types), depth)][1].write(row);
                    }
                    for (TempFiles.RowFile[] pair : files) {
                        partitions.add(new Object[] {pair, depth + 1});
                    }
                }

                private int partition(Object key, int depth) {
                    return (key.hashCode() >>> (depth * 4)) & 15;
                }

                @Override
                public void rescan() {
                    out = null;
                    for (Object[] p : partitions) {
                        for (TempFiles.RowFile f : (TempFiles.RowFile[]) p[0]) {
                            f.close();
                        }
                    }
                    partitions.clear();
                    l.rescan();
                    r.rescan();
                }

                @Override
                public void close() {
                    l.close();
                    r.close();
                }
            };
        }
    }

    /** Limit: skips OFFSET rows and stops its input after LIMIT (WITH TIES: and the rows tied with the last). */
    public static final class Limit extends PlanNode {
        final PlanNode child;
        final Eval offset;
        final Eval count;
        final Eval[] tieKeys;
        final PgType[] tieTypes;

        public Limit(List<Expr> output, Query level, PlanNode child, Eval offset, Eval count, Eval[] tieKeys,
                     PgType[] tieTypes) {
            super(output, level);
            this.child = child;
            this.offset = offset;
            this.count = count;
            this.tieKeys = tieKeys;
            this.tieTypes = tieTypes;
        }

        @Override
        public List<PlanNode> children() {
            return List.of(child);
        }

        @Override
        public String nodeName() {
            return "Limit";
        }

        @Override
        protected ExecNode start(ExecState st) {
            ExecNode c = child.open(st);
            return new Base(this, st) {
                private long skip = -1;
                private long remaining;
                private Object lastKey;
                private boolean done;

                @Override
                Object[] produce() {
                    if (done) {
                        return null;
                    }
                    if (skip < 0) {
                        skip = value(offset, "OFFSET", SqlState.INVALID_ROW_COUNT_IN_RESULT_OFFSET_CLAUSE, 0);
                        remaining = value(count, "LIMIT", SqlState.INVALID_ROW_COUNT_IN_LIMIT_CLAUSE, Long.MAX_VALUE);
                    }
                    while (skip > 0) {
                        if (c.next() == null) {
                            done = true;
                            return null;
                        }
                        skip--;
                    }
                    if (remaining <= 0) {
                        if (tieKeys != null && lastKey != null) {
                            Object[] r = c.next();
                            if (r != null && JoinNodes.groupKey(JoinNodes.evalAll(tieKeys, r, st), tieTypes)
                                    .equals(lastKey)) {
                                return r;
                            }
                        }
                        done = true;
                        c.close();
                        return null;
                    }
                    Object[] r = c.next();
                    if (r == null) {
                        done = true;
                        return null;
                    }
                    remaining--;
                    if (remaining == 0 && tieKeys != null) {
                        lastKey = JoinNodes.groupKey(JoinNodes.evalAll(tieKeys, r, st), tieTypes);
                    }
                    return r;
                }

                private long value(Eval e, String what, SqlState state, long absent) {
                    if (e == null) {
                        return absent;
                    }
                    Object v = e.eval(null, st);
                    if (v == null) {
                        return absent;
                    }
                    long n = (Long) v;
                    if (n < 0) {
                        throw new PgException(state, what + " must not be negative");
                    }
                    return n;
                }

                @Override
                public void rescan() {
                    skip = -1;
                    done = false;
                    lastKey = null;
                    c.rescan();
                }

                @Override
                public void close() {
                    c.close();
                }
            };
        }
    }

    /**
     * LockRows (SELECT ... FOR UPDATE / SHARE): locks each returned row of the named tables; a row
     * changed since the snapshot is re-read and re-checked, one deleted is skipped (as
     * PostgreSQL's EvalPlanQual). Walden's row locks are all exclusive.
     */
    public static final class LockRows extends PlanNode {
        final PlanNode child;
        final List<Relation> tables;
        final int[] keyColumns;
        final int[] rawColumns;
        final int[] firstColumns;
        final Eval recheck;
        final boolean noWait;
        /** SKIP LOCKED: a row locked by another transaction is left out instead of waited for. */
        final boolean skipLocked;

        public LockRows(List<Expr> output, Query level, PlanNode child, List<Relation> tables, int[] keyColumns,
                        int[] rawColumns, int[] firstColumns, Eval recheck, boolean noWait, boolean skipLocked) {
            super(output, level);
            this.child = child;
            this.tables = tables;
            this.keyColumns = keyColumns;
            this.rawColumns = rawColumns;
            this.firstColumns = firstColumns;
            this.recheck = recheck;
            this.noWait = noWait;
            this.skipLocked = skipLocked;
        }

        @Override
        public List<PlanNode> children() {
            return List.of(child);
        }

        @Override
        public String nodeName() {
            return "LockRows";
        }

        @Override
        protected ExecNode start(ExecState st) {
            ExecNode c = child.open(st);
            for (Relation t : tables) {
                st.lockPlannedRelation(t.oid(), t.name(), org.walden.txn.RelationLockMode.ROW_SHARE);
            }
            return new Base(this, st) {
                @Override
                Object[] produce() {
                    Object[] r;
                    outer:
                    while ((r = c.next()) != null) {
                        boolean changed = false;
                        for (int t = 0; t < tables.size(); t++) {
                            byte[] key = (byte[]) r[keyColumns[t]];
                            if (key == null) {
                                continue;
                            }
                            byte[] latest;
                            if (skipLocked) {
                                try {
                                    latest = st.txn().lockForUpdate(key, 0);
                                } catch (PgException e) {
                                    if (e.sqlState() == SqlState.LOCK_NOT_AVAILABLE) {
                                        continue outer;
                                    }
                                    throw e;
                                }
                            } else {
                                latest = noWait ? lockNoWait(key) : st.lockRow(key);
                            }
                            st.checkSnapshotRow(latest, (byte[]) r[rawColumns[t]], true);
                            if (latest == null) {
                                continue outer;
                            }
                            if (!java.util.Arrays.equals(latest, (byte[]) r[rawColumns[t]])) {
                                Relation rel = tables.get(t);
                                Object[] fresh = RowCodec.decode(ScanNodes.columnTypes(rel), latest);
                                r = r.clone();
                                System.arraycopy(fresh, 0, r, firstColumns[t], fresh.length);
                                r[rawColumns[t]] = latest;
                                changed = true;
                            }
                        }
                        if (changed && recheck != null && !recheck.test(r, st)) {
                            continue;
                        }
                        return r;
                    }
                    return null;
                }

                private byte[] lockNoWait(byte[] key) {
                    try {
                        return st.txn().lockForUpdate(key, 1);
                    } catch (PgException e) {
                        if (e.sqlState() == SqlState.LOCK_NOT_AVAILABLE) {
                            throw new PgException(SqlState.LOCK_NOT_AVAILABLE, "could not obtain lock on row in "
                                    + "relation \"" + tables.get(0).name() + "\"");
                        }
                        throw e;
                    }
                }

                @Override
                public void rescan() {
                    c.rescan();
                }

                @Override
                public void close() {
                    c.close();
                }
            };
        }
    }

    /**
     * ProjectSet: a target list with set-returning functions. Each input row gives as many rows as
     * its longest function returns; shorter ones give NULLs after their last row (PostgreSQL 10+).
     */
    public static final class ProjectSet extends PlanNode {
        /** One output column: an ordinary expression, or a set-returning call. */
        public record Column(Eval value, FunctionDef srf, Eval[] args, PgType[] argTypes) {
        }

        final PlanNode child;
        final List<Column> columns;

        public ProjectSet(List<Expr> output, Query level, PlanNode child, List<Column> columns) {
            super(output, level);
            this.child = child;
            this.columns = columns;
        }

        @Override
        public List<PlanNode> children() {
            return List.of(child);
        }

        @Override
        public String nodeName() {
            return "ProjectSet";
        }

        @Override
        protected ExecNode start(ExecState st) {
            ExecNode c = child.open(st);
            return new Base(this, st) {
                private Object[] input;
                private Iterator<Object[]>[] iterators;
                private Object[] plain;

                @Override
                @SuppressWarnings("unchecked")
                Object[] produce() {
                    while (true) {
                        if (input == null) {
                            input = c.next();
                            if (input == null) {
                                return null;
                            }
                            iterators = new Iterator[columns.size()];
                            plain = new Object[columns.size()];
                            for (int i = 0; i < columns.size(); i++) {
                                Column col = columns.get(i);
                                if (col.srf() == null) {
                                    plain[i] = col.value().eval(input, st);
                                    continue;
                                }
                                Object[] args = JoinNodes.evalAll(col.args(), input, st);
                                boolean nullArg = false;
                                for (Object a : args) {
                                    nullArg |= a == null;
                                }
                                iterators[i] = nullArg && col.srf().strict ? java.util.Collections.emptyIterator()
                                        : col.srf().setImpl.call(st.fn(), args, col.argTypes());
                            }
                        }
                        Object[] out = new Object[columns.size()];
                        boolean any = false;
                        for (int i = 0; i < columns.size(); i++) {
                            if (iterators[i] == null) {
                                out[i] = plain[i];
                            } else if (iterators[i].hasNext()) {
                                Object[] v = iterators[i].next();
                                out[i] = v.length == 1 ? v[0] : new org.walden.sql.types.RowValue(v,
                                        columns.get(i).srf().outTypes);
                                any = true;
                            }
                        }
                        if (any) {
                            st.tick();
                            return out;
                        }
                        input = null;
                    }
                }

                @Override
                public void rescan() {
                    input = null;
                    c.rescan();
                }

                @Override
                public void close() {
                    c.close();
                }
            };
        }
    }

    /**
     * Recursive Union (WITH RECURSIVE): the non-recursive term's rows, then rounds of the recursive
     * term over the previous round's rows (the working table) until a round adds nothing; UNION
     * (without ALL) drops rows already returned.
     */
    public static final class RecursiveUnion extends PlanNode {
        final PlanNode nonRecursive;
        final PlanNode recursive;
        final int workTableId;
        final boolean distinct;

        public RecursiveUnion(List<Expr> output, Query level, PlanNode nonRecursive, PlanNode recursive,
                              int workTableId, boolean distinct) {
            super(output, level);
            this.nonRecursive = nonRecursive;
            this.recursive = recursive;
            this.workTableId = workTableId;
            this.distinct = distinct;
        }

        @Override
        public List<PlanNode> children() {
            return List.of(nonRecursive, recursive);
        }

        @Override
        public String nodeName() {
            return "Recursive Union";
        }

        @Override
        protected ExecNode start(ExecState st) {
            ExecNode first = nonRecursive.open(st);
            PgType[] types = outputTypes();
            return new Base(this, st) {
                private ExecNode second;
                private boolean firstDone;
                private List<Object[]> current = new ArrayList<>();
                private final Set<Object> seen = new HashSet<>();
                private long bytes;

                @Override
                Object[] produce() {
                    while (true) {
                        Object[] r;
                        if (!firstDone) {
                            r = first.next();
                            if (r == null) {
                                firstDone = true;
                                if (!nextRound()) {
                                    return null;
                                }
                                continue;
                            }
                        } else {
                            r = second.next();
                            if (r == null) {
                                if (!nextRound()) {
                                    return null;
                                }
                                continue;
                            }
                        }
                        st.tick();
                        if (distinct && !seen.add(JoinNodes.groupKey(r, types))) {
                            continue;
                        }
                        bytes += WorkMemory.rowBytes(r);
                        if (bytes > st.workMemBytes() * 16) {
                            throw WorkMemory.outOfMemory("A recursive query's working table", st.workMemBytes() * 16);
                        }
                        current.add(r);
                        return r;
                    }
                }

                /** Makes this round's rows the working table and starts the recursive term again. */
                private boolean nextRound() {
                    if (current.isEmpty()) {
                        return false;
                    }
                    st.setWorkTable(workTableId, current);
                    current = new ArrayList<>();
                    bytes = 0;
                    if (second == null) {
                        second = recursive.open(st);
                    } else {
                        second.rescan();
                    }
                    return true;
                }

                @Override
                public void close() {
                    first.close();
                    if (second != null) {
                        second.close();
                    }
                }
            };
        }
    }
}
