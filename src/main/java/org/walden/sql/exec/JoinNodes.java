package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * The join nodes: Nested Loop (with the inner side re-run for each outer row, possibly
 * parameterized by it), Hash Join (the inner side in a hash table, spilled to batch files past
 * hash_mem), Merge Join (both sides sorted on the keys), with Hash and Materialize beneath them.
 * Join types: inner, left, right, full, semi and anti (the last two return outer rows only).
 */
public final class JoinNodes {

    public enum JoinType { INNER, LEFT, RIGHT, FULL, SEMI, ANTI }

    private JoinNodes() {
    }

    static String joinName(String method, JoinType type) {
        return switch (type) {
            case INNER -> method.equals("Nested Loop") ? method : method + " Join";
            case LEFT -> method + " Left Join";
            case RIGHT -> method + " Right Join";
            case FULL -> method + " Full Join";
            case SEMI -> method + " Semi Join";
            case ANTI -> method + " Anti Join";
        };
    }

    static Object[] concat(Object[] outer, Object[] inner, int innerWidth) {
        Object[] out = new Object[outer.length + innerWidth];
        System.arraycopy(outer, 0, out, 0, outer.length);
        if (inner != null) {
            System.arraycopy(inner, 0, out, outer.length, innerWidth);
        }
        return out;
    }

    static Object[] nullsThen(int outerWidth, Object[] inner) {
        Object[] out = new Object[outerWidth + inner.length];
        System.arraycopy(inner, 0, out, outerWidth, inner.length);
        return out;
    }

    // ---------------------------------------------------------------- Nested Loop

    /** Nested Loop; {@code paramSlots} are set from the outer row ({@code paramValues}) before each inner scan. */
    public static final class NestLoop extends PlanNode {
        final PlanNode outer;
        final PlanNode inner;
        final JoinType type;
        final Eval joinQual;
        final Expr joinQualExpr;
        final int[] paramSlots;
        final Eval[] paramValues;

        public NestLoop(List<Expr> output, Query level, PlanNode outer, PlanNode inner, JoinType type, Expr joinQualExpr,
                        Eval joinQual, int[] paramSlots, Eval[] paramValues) {
            super(output, level);
            this.outer = outer;
            this.inner = inner;
            this.type = type;
            this.joinQual = joinQual;
            this.joinQualExpr = joinQualExpr;
            this.paramSlots = paramSlots;
            this.paramValues = paramValues;
        }

        @Override
        public List<PlanNode> children() {
            return List.of(outer, inner);
        }

        @Override
        public String nodeName() {
            return joinName("Nested Loop", type);
        }

        @Override
        public void explain(ExplainSink out) {
            if (joinQualExpr != null) {
                out.expr("Join Filter", joinQualExpr);
            }
            super.explain(out);
        }

        @Override
        protected ExecNode start(ExecState st) {
            ExecNode o = outer.open(st);
            ExecNode i = inner.open(st);
            int innerWidth = inner.output.size();
            boolean semiOrAnti = type == JoinType.SEMI || type == JoinType.ANTI;
            return new Base(this, st) {
                private Object[] current;
                private boolean matched;
                private boolean innerStarted;

                @Override
                Object[] produce() {
                    while (true) {
                        if (current == null) {
                            current = o.next();
                            if (current == null) {
                                return null;
                            }
                            for (int p = 0; p < paramSlots.length; p++) {
                                st.execParams[paramSlots[p]] = paramValues[p].eval(current, st);
                            }
                            if (innerStarted) {
                                i.rescan();
                            }
                            innerStarted = true;
                            matched = false;
                        }
                        Object[] in = i.next();
                        if (in == null) {
                            Object[] outer = current;
                            current = null;
                            if (!matched && type == JoinType.LEFT) {
                                return concat(outer, null, innerWidth);
                            }
                            if (!matched && type == JoinType.ANTI) {
                                return outer;
                            }
                            continue;
                        }
                        Object[] combined = concat(current, in, innerWidth);
                        if (joinQual != null && !joinQual.test(combined, st)) {
                            continue;
                        }
                        matched = true;
                        if (semiOrAnti) {
                            Object[] outer = current;
                            current = null;
                            if (type == JoinType.SEMI) {
                                return outer;
                            }
                            continue;
                        }
                        return combined;
                    }
                }

                @Override
                public void rescan() {
                    current = null;
                    o.rescan();
                }

                @Override
                public void close() {
                    o.close();
                    i.close();
                }
            };
        }
    }

    // ---------------------------------------------------------------- hashing keys

    /** The hash-table key of a row's join / group columns: values with SQL equality, or null if any is NULL. */
    static Object hashKey(Object[] values, PgType[] types) {
        if (values.length == 1) {
            return keyValue(values[0], types[0]);
        }
        List<Object> key = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            Object v = keyValue(values[i], types[i]);
            if (v == null) {
                return null;
            }
            key.add(v);
        }
        return key;
    }

    static Object keyValue(Object v, PgType type) {
        if (v == null) {
            return null;
        }
        if (type == PgType.BPCHAR) {
            return Values.stripTrailingSpaces((String) v);
        }
        if (type == PgType.JSONB) {
            return org.walden.sql.types.Json.equalityKey((String) v);
        }
        return Values.hashKey(v);
    }

    /** Like {@link #hashKey} but NULLs are values too (grouping: NULLs form one group). */
    static Object groupKey(Object[] values, PgType[] types) {
        if (values.length == 1) {
            Object v = keyValue(values[0], types[0]);
            return v == null ? NULL_KEY : v;
        }
        List<Object> key = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            key.add(keyValue(values[i], types[i]));
        }
        return key;
    }

    /** The group key of a single NULL (a HashMap key cannot be null). */
    static final Object NULL_KEY = new Object();

    static Object[] evalAll(Eval[] evals, Object[] row, ExecState st) {
        Object[] out = new Object[evals.length];
        for (int i = 0; i < evals.length; i++) {
            out[i] = evals[i].eval(row, st);
        }
        return out;
    }

    // ---------------------------------------------------------------- Hash Join

    /** Hash: the inner side of a hash join (EXPLAIN shows it as its own node). */
    public static final class Hash extends PlanNode {
        final PlanNode child;

        public Hash(List<Expr> output, Query level, PlanNode child) {
            super(output, level);
            this.child = child;
        }

        @Override
        public List<PlanNode> children() {
            return List.of(child);
        }

        @Override
        public String nodeName() {
            return "Hash";
        }

        @Override
        protected ExecNode start(ExecState st) {
            return child.open(st);
        }
    }

    /**
     * A join on equality keys (Hash Join, Merge Join): each side's key expressions, the condition
     * EXPLAIN prints, and an optional further join filter on the joined row.
     */
    abstract static sealed class KeyedJoin extends PlanNode permits HashJoin, MergeJoin {
        final PlanNode outer;
        final PlanNode inner;
        final JoinType type;
        final Eval[] outerKeys;
        final Eval[] innerKeys;
        final PgType[] keyTypes;
        final List<Expr> condExprs;
        final Eval joinQual;
        final Expr joinQualExpr;

        KeyedJoin(List<Expr> output, Query level, PlanNode outer, PlanNode inner, JoinType type, Eval[] outerKeys,
                  Eval[] innerKeys, PgType[] keyTypes, List<Expr> condExprs, Expr joinQualExpr, Eval joinQual) {
            super(output, level);
            this.outer = outer;
            this.inner = inner;
            this.type = type;
            this.outerKeys = outerKeys;
            this.innerKeys = innerKeys;
            this.keyTypes = keyTypes;
            this.condExprs = condExprs;
            this.joinQual = joinQual;
            this.joinQualExpr = joinQualExpr;
        }

        /** "Hash" or "Merge": the node's name and its condition's label start with it. */
        abstract String method();

        @Override
        public List<PlanNode> children() {
            return List.of(outer, inner);
        }

        @Override
        public String nodeName() {
            return joinName(method(), type);
        }

        @Override
        public void explain(ExplainSink out) {
            out.exprs(method() + " Cond", condExprs);
            if (joinQualExpr != null) {
                out.expr("Join Filter", joinQualExpr);
            }
            super.explain(out);
        }
    }

    /** Hash Join: the inner side (a Hash node) in a hash table, probed by each outer row. */
    public static final class HashJoin extends KeyedJoin {

        public HashJoin(List<Expr> output, Query level, PlanNode outer, Hash inner, JoinType type, Eval[] outerKeys,
                        Eval[] innerKeys, PgType[] keyTypes, List<Expr> hashCondExprs, Expr joinQualExpr,
                        Eval joinQual) {
            super(output, level, outer, inner, type, outerKeys, innerKeys, keyTypes, hashCondExprs, joinQualExpr,
                    joinQual);
        }

        @Override
        String method() {
            return "Hash";
        }

        @Override
        protected ExecNode start(ExecState st) {
            return new HashJoinExec(this, st);
        }
    }

    /** An inner row in the hash table, with whether some outer row matched it (right and full joins). */
    static final class Bucketed {
        final Object[] row;
        boolean matched;

        Bucketed(Object[] row) {
            this.row = row;
        }
    }

    /** The running hash join: builds, probes, and (past hash_mem) works batch by batch from spill files. */
    static final class HashJoinExec extends PlanNode.Base {
        private static final int MAX_BATCHES = 1 << 16;
        private final HashJoin plan;
        private final ExecNode outerNode;
        private final ExecNode innerNode;
        private final int innerWidth;
        private final int outerWidth;
        private Map<Object, List<Bucketed>> table;
        private List<Bucketed> nullKeyed;
        private int batches = 1;
        private int currentBatch;
        private TempFiles.RowFile[] innerFiles;
        private TempFiles.RowFile[] outerFiles;
        private TempFiles.RowFile.Reader outerReader;
        private Object[] current;
        private List<Bucketed> candidates;
        private int candidate;
        private boolean matched;
        private java.util.Iterator<Bucketed> unmatched;
        private boolean built;
        /** False once doubling the batches failed to split one (PostgreSQL's growEnabled). */
        private boolean growBatches = true;
        /** The largest batch held in memory: its rows and bytes (EXPLAIN ANALYZE's Buckets and Memory Usage). */
        private long peakRows;
        private long peakBytes;

        HashJoinExec(HashJoin plan, ExecState st) {
            super(plan, st);
            this.plan = plan;
            this.outerNode = plan.outer.open(st);
            this.innerNode = plan.inner.open(st);
            this.innerWidth = plan.inner.output.size();
            this.outerWidth = plan.outer.output.size();
        }

        private boolean needsUnmatched() {
            return plan.type == JoinType.RIGHT || plan.type == JoinType.FULL;
        }

        private void build() {
            built = true;
            table = new HashMap<>();
            nullKeyed = new ArrayList<>();
            long limit = st.hashMemBytes();
            long bytes = 0;
            Object[] r;
            List<Object[]> buffered = new ArrayList<>();
            while ((r = innerNode.next()) != null) {
                st.tick();
                bytes += WorkMemory.rowBytes(r) + 48;
                if (bytes > limit && batches == 1) {
                    startBatching(buffered, bytes, limit, buffered.size() + 1);
                    buffered = null;
                }
                if (buffered != null) {
                    buffered.add(r);
                } else {
                    spillInner(r);
                }
            }
            if (buffered != null) {
                for (Object[] row : buffered) {
                    insert(row);
                }
                reportBatch(buffered.size(), bytes);
            } else {
                loadBatch(0);
            }
        }

        /** EXPLAIN ANALYZE's "Buckets: 2048  Batches: 1  Memory Usage: 105kB" under the Hash node. */
        private void reportBatch(long rows, long bytes) {
            peakRows = Math.max(peakRows, rows);
            peakBytes = Math.max(peakBytes, bytes);
            long buckets = Math.max(1024, Long.highestOneBit(Math.max(1, peakRows - 1)) * 2);
            long kb = PlanNode.kilobytes(peakBytes);
            PlanNode.reportRun(st, plan.inner, new PlanNode.RunDetail("Buckets: " + buckets + "  Batches: " + batches
                    + "  Memory Usage: " + kb + "kB", PlanNode.fields("Hash Buckets", buckets, "Original Hash Buckets", buckets,
                    "Hash Batches", batches, "Original Hash Batches", batches, "Peak Memory Usage", kb)));
        }

        /**
         * Splits the inner side into batches once it outgrows the limit: as many as the planner's
         * row estimate at the rows' size so far needs for each batch to fill at most half the
         * limit (PostgreSQL's ExecChooseHashTableSize); too few double as the batches load.
         */
        private void startBatching(List<Object[]> buffered, long bytes, long limit, long rowsSoFar) {
            double expectedBytes = Math.max(bytes, (double) bytes / rowsSoFar * plan.inner.rows);
            long wanted = (long) Math.min(MAX_BATCHES, Math.max(2, expectedBytes * 2 / Math.max(1, limit)));
            batches = Long.highestOneBit(wanted) == wanted ? (int) wanted : (int) Long.highestOneBit(wanted) * 2;
            PgType[] innerTypes = plan.inner.outputTypes();
            PgType[] outerTypes = plan.outer.outputTypes();
            innerFiles = new TempFiles.RowFile[batches];
            outerFiles = new TempFiles.RowFile[batches];
            for (int b = 0; b < batches; b++) {
                innerFiles[b] = st.tempFiles().create(innerTypes);
                outerFiles[b] = st.tempFiles().create(outerTypes);
            }
            for (Object[] row : buffered) {
                spillInner(row);
            }
        }

        private int batchOf(Object key) {
            return key == null ? 0 : (key.hashCode() & 0x7fffffff) % batches;
        }

        private Object innerKey(Object[] row) {
            return hashKey(evalAll(plan.innerKeys, row, st), plan.keyTypes);
        }

        private void spillInner(Object[] row) {
            innerFiles[batchOf(innerKey(row))].write(row);
        }

        private void insert(Object[] row) {
            insert(row, innerKey(row));
        }

        private void insert(Object[] row, Object key) {
            if (key == null) {
                if (needsUnmatched()) {
                    nullKeyed.add(new Bucketed(row));
                }
                return;
            }
            table.computeIfAbsent(key, k -> new ArrayList<>(1)).add(new Bucketed(row));
        }

        /**
         * Loads batch {@code b}'s inner rows into the hash table. When they outgrow the limit the
         * number of batches doubles (PostgreSQL's ExecHashIncreaseNumBatches) and the rows that now
         * belong to a later batch move to its file, so a planner estimate that was too low costs
         * more batches, not an error; only rows that no split separates (one key's rows alone
         * past four times the limit) are 53200.
         */
        private void loadBatch(int b) {
            table = new HashMap<>();
            nullKeyed = new ArrayList<>();
            long limit = st.hashMemBytes();
            long bytes = 0;
            long rows = 0;
            try (TempFiles.RowFile.Reader reader = innerFiles[b].reader()) {
                Object[] row;
                while ((row = reader.next()) != null) {
                    Object key = innerKey(row);
                    int belongs = batchOf(key);
                    if (belongs != b) {
                        innerFiles[belongs].write(row);
                        continue;
                    }
                    insert(row, key);
                    bytes += WorkMemory.rowBytes(row) + 48;
                    rows++;
                    if (bytes > limit && growBatches && batches < MAX_BATCHES) {
                        long[] kept = doubleBatches(b);
                        growBatches = kept[1] > 0 && kept[1] < rows; // a split that moved none or all: stop
                        bytes = kept[0];
                        rows = kept[1];
                    } else if (bytes > limit * 4) {
                        throw WorkMemory.outOfMemory("A hash join batch", limit * 4);
                    }
                }
            }
            reportBatch(rows, bytes);
        }

        /** Doubles the batches and moves the rows of batch {@code b}'s table that now belong to a later one; returns {bytes, rows} kept. */
        private long[] doubleBatches(int b) {
            int n = batches;
            batches = n * 2;
            innerFiles = java.util.Arrays.copyOf(innerFiles, batches);
            outerFiles = java.util.Arrays.copyOf(outerFiles, batches);
            for (int i = n; i < batches; i++) {
                innerFiles[i] = st.tempFiles().create(plan.inner.outputTypes());
                outerFiles[i] = st.tempFiles().create(plan.outer.outputTypes());
            }
            long bytes = 0;
            long rows = 0;
            for (var it = table.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Object, List<Bucketed>> e = it.next();
                int belongs = batchOf(e.getKey());
                for (Bucketed r : e.getValue()) {
                    if (belongs != b) {
                        innerFiles[belongs].write(r.row);
                    } else {
                        bytes += WorkMemory.rowBytes(r.row) + 48;
                        rows++;
                    }
                }
                if (belongs != b) {
                    it.remove();
                }
            }
            for (Bucketed r : nullKeyed) {
                bytes += WorkMemory.rowBytes(r.row) + 48;
                rows++;
            }
            return new long[] {bytes, rows};
        }

        /** The next outer row: from the outer input (batch 0, spilling the others), then from each batch's file. */
        private Object[] nextOuter() {
            while (true) {
                if (currentBatch == 0) {
                    Object[] r = outerNode.next();
                    if (r != null) {
                        if (batches == 1) {
                            return r;
                        }
                        Object key = hashKey(evalAll(plan.outerKeys, r, st), plan.keyTypes);
                        int b = batchOf(key);
                        if (b == 0) {
                            return r;
                        }
                        outerFiles[b].write(r);
                        continue;
                    }
                    if (!nextBatch() || unmatched != null) {
                        return null;
                    }
                    continue;
                }
                Object[] r = outerReader.next();
                if (r != null) {
                    int belongs = batchOf(hashKey(evalAll(plan.outerKeys, r, st), plan.keyTypes));
                    if (belongs != currentBatch) { // the batches doubled after this row was written
                        outerFiles[belongs].write(r);
                        continue;
                    }
                    return r;
                }
                outerReader.close();
                if (!nextBatch() || unmatched != null) {
                    return null;
                }
            }
        }

        /** Emits the current batch's unmatched inner rows first (right/full), then moves on. */
        private boolean nextBatch() {
            if (needsUnmatched() && unmatched == null) {
                unmatched = unmatchedRows().iterator();
                return true;
            }
            unmatched = null;
            currentBatch++;
            if (currentBatch >= batches) {
                return false;
            }
            loadBatch(currentBatch);
            outerReader = outerFiles[currentBatch].reader();
            return true;
        }

        private List<Bucketed> unmatchedRows() {
            List<Bucketed> out = new ArrayList<>(nullKeyed);
            for (List<Bucketed> bucket : table.values()) {
                for (Bucketed b : bucket) {
                    if (!b.matched) {
                        out.add(b);
                    }
                }
            }
            return out;
        }

        @Override
        Object[] produce() {
            if (!built) {
                build();
                if (table.isEmpty() && nullKeyed.isEmpty() && batches == 1
                        && (plan.type == JoinType.INNER || plan.type == JoinType.SEMI || plan.type == JoinType.RIGHT)) {
                    return null;
                }
            }
            while (true) {
                if (unmatched != null) {
                    if (unmatched.hasNext()) {
                        return nullsThen(outerWidth, unmatched.next().row);
                    }
                    if (!nextBatch()) {
                        return null;
                    }
                    continue;
                }
                if (current == null) {
                    current = nextOuter();
                    if (current == null) {
                        if (unmatched != null) {
                            continue;
                        }
                        return null;
                    }
                    st.tick();
                    Object key = hashKey(evalAll(plan.outerKeys, current, st), plan.keyTypes);
                    candidates = key == null ? null : table.get(key);
                    candidate = 0;
                    matched = false;
                }
                if (candidates != null && candidate < candidates.size()) {
                    Bucketed b = candidates.get(candidate++);
                    Object[] combined = concat(current, b.row, innerWidth);
                    if (plan.joinQual != null && !plan.joinQual.test(combined, st)) {
                        continue;
                    }
                    matched = true;
                    b.matched = true;
                    if (plan.type == JoinType.SEMI) {
                        Object[] o = current;
                        current = null;
                        return o;
                    }
                    if (plan.type == JoinType.ANTI) {
                        current = null;
                        continue;
                    }
                    return combined;
                }
                Object[] o = current;
                current = null;
                if (!matched && (plan.type == JoinType.LEFT || plan.type == JoinType.FULL)) {
                    return concat(o, null, innerWidth);
                }
                if (!matched && plan.type == JoinType.ANTI) {
                    return o;
                }
            }
        }

        @Override
        public void rescan() {
            current = null;
            built = false;
            currentBatch = 0;
            batches = 1;
            unmatched = null;
            outerNode.rescan();
            innerNode.rescan();
        }

        @Override
        public void close() {
            outerNode.close();
            innerNode.close();
            if (innerFiles != null) {
                for (int b = 0; b < batches; b++) {
                    innerFiles[b].close();
                    outerFiles[b].close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- Merge Join

    /** Merge Join on equality keys over inputs sorted ascending (NULLs last) on them. */
    public static final class MergeJoin extends KeyedJoin {

        public MergeJoin(List<Expr> output, Query level, PlanNode outer, PlanNode inner, JoinType type,
                         Eval[] outerKeys, Eval[] innerKeys, PgType[] keyTypes, List<Expr> mergeCondExprs,
                         Expr joinQualExpr, Eval joinQual) {
            super(output, level, outer, inner, type, outerKeys, innerKeys, keyTypes, mergeCondExprs, joinQualExpr,
                    joinQual);
        }

        @Override
        String method() {
            return "Merge";
        }

        @Override
        protected ExecNode start(ExecState st) {
            return new MergeJoinExec(this, st);
        }
    }

    /** The running merge join: the inner rows of one key value are buffered and joined with every outer row of it. */
    static final class MergeJoinExec extends PlanNode.Base {
        private final MergeJoin plan;
        private final ExecNode outerNode;
        private final ExecNode innerNode;
        private final int innerWidth;
        private final int outerWidth;
        private final ExprCompiler.Comparison[] cmp;
        private Object[] outerRow;
        private Object[] outerKey;
        private Object[] innerRow;
        private Object[] innerKey;
        private final List<Bucketed> group = new ArrayList<>();
        private Object[] groupKey;
        private int groupIndex;
        private boolean outerMatched;
        private boolean started;
        private java.util.Iterator<Bucketed> leftover;

        MergeJoinExec(MergeJoin plan, ExecState st) {
            super(plan, st);
            this.plan = plan;
            this.outerNode = plan.outer.open(st);
            this.innerNode = plan.inner.open(st);
            this.innerWidth = plan.inner.output.size();
            this.outerWidth = plan.outer.output.size();
            this.cmp = new ExprCompiler.Comparison[plan.keyTypes.length];
            for (int i = 0; i < cmp.length; i++) {
                cmp[i] = ExprCompiler.comparison(plan.keyTypes[i]);
            }
        }

        /** Compares keys; NULL sorts after everything (and never equals). */
        private int compare(Object[] a, Object[] b) {
            for (int i = 0; i < a.length; i++) {
                if (a[i] == null || b[i] == null) {
                    return a[i] == null ? (b[i] == null ? 1 : 1) : -1;
                }
                int c = cmp[i].compare(a[i], b[i]);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        }

        private static boolean hasNull(Object[] key) {
            for (Object o : key) {
                if (o == null) {
                    return true;
                }
            }
            return false;
        }

        private void advanceOuter() {
            outerRow = outerNode.next();
            outerKey = outerRow == null ? null : evalAll(plan.outerKeys, outerRow, st);
            outerMatched = false;
            groupIndex = 0;
        }

        private void advanceInner() {
            innerRow = innerNode.next();
            innerKey = innerRow == null ? null : evalAll(plan.innerKeys, innerRow, st);
        }

        private boolean emitsUnmatchedInner() {
            return plan.type == JoinType.RIGHT || plan.type == JoinType.FULL;
        }

        /** Loads the inner rows equal to the current outer key into the group (unmatched earlier ones emitted later). */
        private void loadGroup() {
            group.clear();
            groupKey = outerKey;
            while (innerRow != null && compare(innerKey, outerKey) == 0) {
                group.add(new Bucketed(innerRow));
                advanceInner();
            }
        }

        @Override
        Object[] produce() {
            if (!started) {
                started = true;
                advanceOuter();
                advanceInner();
            }
            while (true) {
                if (leftover != null) {
                    if (leftover.hasNext()) {
                        Bucketed b = leftover.next();
                        if (!b.matched) {
                            return nullsThen(outerWidth, b.row);
                        }
                        continue;
                    }
                    leftover = null;
                    group.clear();
                    groupKey = null;
                }
                if (outerRow == null) {
                    if (emitsUnmatchedInner() && innerRow != null) {
                        Object[] r = innerRow;
                        advanceInner();
                        return nullsThen(outerWidth, r);
                    }
                    return null;
                }
                st.tick();
                if (groupKey != null && !hasNull(outerKey) && compare(outerKey, groupKey) == 0) {
                    if (groupIndex < group.size()) {
                        Bucketed b = group.get(groupIndex++);
                        Object[] combined = concat(outerRow, b.row, innerWidth);
                        if (plan.joinQual != null && !plan.joinQual.test(combined, st)) {
                            continue;
                        }
                        outerMatched = true;
                        b.matched = true;
                        if (plan.type == JoinType.SEMI) {
                            Object[] o = outerRow;
                            advanceOuter();
                            return o;
                        }
                        if (plan.type == JoinType.ANTI) {
                            groupIndex = group.size();
                            continue;
                        }
                        return combined;
                    }
                    Object[] o = outerRow;
                    boolean m = outerMatched;
                    advanceOuter();
                    Object[] emitted = unmatchedOuter(o, m);
                    if (emitted != null) {
                        return emitted;
                    }
                    continue;
                }
                if (groupKey != null) {
                    if (emitsUnmatchedInner()) {
                        leftover = new ArrayList<>(group).iterator();
                        continue;
                    }
                    group.clear();
                    groupKey = null;
                }
                if (hasNull(outerKey)) {
                    Object[] o = outerRow;
                    advanceOuter();
                    Object[] emitted = unmatchedOuter(o, false);
                    if (emitted != null) {
                        return emitted;
                    }
                    continue;
                }
                while (innerRow != null && compare(innerKey, outerKey) < 0) {
                    Object[] r = innerRow;
                    advanceInner();
                    if (emitsUnmatchedInner()) {
                        return nullsThen(outerWidth, r);
                    }
                }
                if (innerRow != null && compare(innerKey, outerKey) == 0) {
                    loadGroup();
                    groupIndex = 0;
                    continue;
                }
                Object[] o = outerRow;
                advanceOuter();
                Object[] emitted = unmatchedOuter(o, false);
                if (emitted != null) {
                    return emitted;
                }
            }
        }

        private Object[] unmatchedOuter(Object[] o, boolean matchedBefore) {
            if (matchedBefore) {
                return null;
            }
            if (plan.type == JoinType.LEFT || plan.type == JoinType.FULL) {
                return concat(o, null, innerWidth);
            }
            if (plan.type == JoinType.ANTI) {
                return o;
            }
            return null;
        }

        @Override
        public void rescan() {
            started = false;
            group.clear();
            groupKey = null;
            leftover = null;
            outerNode.rescan();
            innerNode.rescan();
        }

        @Override
        public void close() {
            outerNode.close();
            innerNode.close();
        }
    }

    // ---------------------------------------------------------------- Materialize

    /** Materialize: keeps its input's rows for the inner side of a nested loop to read again (spilling past work_mem). */
    public static final class Material extends PlanNode {
        final PlanNode child;

        public Material(List<Expr> output, Query level, PlanNode child) {
            super(output, level);
            this.child = child;
        }

        @Override
        public List<PlanNode> children() {
            return List.of(child);
        }

        @Override
        public String nodeName() {
            return "Materialize";
        }

        @Override
        protected ExecNode start(ExecState st) {
            ExecNode c = child.open(st);
            return new Base(this, st) {
                private final List<Object[]> rows = new ArrayList<>();
                private TempFiles.RowFile file;
                private TempFiles.RowFile.Reader reader;
                private long bytes;
                private boolean complete;
                private int position;

                @Override
                Object[] produce() {
                    if (complete) {
                        if (file == null) {
                            return position < rows.size() ? rows.get(position++) : null;
                        }
                        if (reader == null) {
                            reader = file.reader();
                        }
                        return reader.next();
                    }
                    Object[] r = c.next();
                    if (r == null) {
                        complete = true;
                        if (reader != null) {
                            reader.close();
                        }
                        reader = null;
                        return null;
                    }
                    if (file == null) {
                        bytes += WorkMemory.rowBytes(r);
                        if (bytes > st.workMemBytes()) {
                            file = st.tempFiles().create(child.outputTypes());
                            for (Object[] x : rows) {
                                file.write(x);
                            }
                            rows.clear();
                            file.write(r);
                        } else {
                            rows.add(r);
                        }
                    } else {
                        file.write(r);
                    }
                    return r;
                }

                @Override
                public void rescan() {
                    if (!complete) {
                        // drain the rest once so every later pass reads the kept rows
                        while (produce() != null) {
                            st.tick();
                        }
                    }
                    position = 0;
                    if (reader != null) {
                        reader.close();
                        reader = null;
                    }
                }

                @Override
                public void close() {
                    c.close();
                    if (reader != null) {
                        reader.close();
                    }
                }
            };
        }
    }
}
