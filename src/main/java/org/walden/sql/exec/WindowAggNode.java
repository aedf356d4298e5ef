package org.walden.sql.exec;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.func.Arith;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.Interval;
import org.walden.sql.types.PgType;

/**
 * WindowAgg: computes window functions over its input, sorted by the window's PARTITION BY and
 * ORDER BY keys. One partition is held at a time (bounded by work_mem, else 53200); each row
 * is returned with the functions' values appended. Frames: ROWS, RANGE (with peers, and offsets
 * for numbers and dates) and GROUPS, from UNBOUNDED PRECEDING / n PRECEDING / CURRENT ROW to n
 * FOLLOWING / UNBOUNDED FOLLOWING; a frame starting at the partition's start is aggregated
 * incrementally, others are recomputed per row.
 */
public final class WindowAggNode extends PlanNode {

    /** One window function call: the function, its arguments, FILTER (aggregates only). */
    public record Call(FunctionDef function, Eval[] args, PgType[] argTypes, PgType result, Eval filter) {
    }

    final PlanNode child;
    final Eval[] partitionKeys;
    final PgType[] partitionTypes;
    final Eval[] orderKeys;
    final PgType[] orderTypes;
    final boolean[] orderDescending;
    final Tree.Frame frame;
    final Eval startOffset;
    final Eval endOffset;
    final List<Call> calls;
    final String windowName;

    public WindowAggNode(List<Expr> output, Query level, PlanNode child, Eval[] partitionKeys, PgType[] partitionTypes,
                         Eval[] orderKeys, PgType[] orderTypes, boolean[] orderDescending, Tree.Frame frame,
                         Eval startOffset, Eval endOffset, List<Call> calls, String windowName) {
        super(output, level);
        this.child = child;
        this.partitionKeys = partitionKeys;
        this.partitionTypes = partitionTypes;
        this.orderKeys = orderKeys;
        this.orderTypes = orderTypes;
        this.orderDescending = orderDescending;
        this.frame = frame;
        this.startOffset = startOffset;
        this.endOffset = endOffset;
        this.calls = calls;
        this.windowName = windowName;
    }

    @Override
    public List<PlanNode> children() {
        return List.of(child);
    }

    @Override
    public String nodeName() {
        return "WindowAgg";
    }

    private Tree.FrameMode mode() {
        return frame == null ? (orderKeys.length > 0 ? Tree.FrameMode.RANGE : Tree.FrameMode.ROWS) : frame.mode();
    }

    private Tree.BoundKind startKind() {
        return frame == null ? Tree.BoundKind.UNBOUNDED_PRECEDING : frame.start().kind();
    }

    private Tree.BoundKind endKind() {
        if (frame == null) {
            return orderKeys.length > 0 ? Tree.BoundKind.CURRENT_ROW : Tree.BoundKind.UNBOUNDED_FOLLOWING;
        }
        return frame.end().kind();
    }

    @Override
    protected ExecNode start(ExecState st) {
        ExecNode c = child.open(st);
        return new Base(this, st) {
            private Object[] pending;
            private boolean started;
            private List<Object[]> partition;
            private Object[][] results;
            private int position;

            @Override
            Object[] produce() {
                if (partition == null || position >= partition.size()) {
                    if (!loadPartition()) {
                        return null;
                    }
                }
                Object[] in = partition.get(position);
                Object[] out = java.util.Arrays.copyOf(in, in.length + calls.size());
                for (int f = 0; f < calls.size(); f++) {
                    out[in.length + f] = results[f][position];
                }
                position++;
                return out;
            }

            private boolean loadPartition() {
                if (!started) {
                    started = true;
                    pending = c.next();
                }
                if (pending == null) {
                    return false;
                }
                partition = new ArrayList<>();
                Object key = JoinNodes.groupKey(JoinNodes.evalAll(partitionKeys, pending, st), partitionTypes);
                long bytes = 0;
                while (pending != null) {
                    Object k = JoinNodes.groupKey(JoinNodes.evalAll(partitionKeys, pending, st), partitionTypes);
                    if (!k.equals(key)) {
                        break;
                    }
                    st.tick();
                    partition.add(pending);
                    bytes += WorkMemory.rowBytes(pending);
                    if (bytes > st.workMemBytes() * 8) {
                        throw WorkMemory.outOfMemory("A window partition", st.workMemBytes() * 8);
                    }
                    pending = c.next();
                }
                results = new Object[calls.size()][];
                new PartitionComputation(partition, st).computeAll();
                position = 0;
                return true;
            }

            @Override
            public void rescan() {
                started = false;
                partition = null;
                c.rescan();
            }

            @Override
            public void close() {
                c.close();
            }

            /** The values of every window function over one partition. */
            final class PartitionComputation {
                private final List<Object[]> rows;
                private final ExecState st;
                private final Object[][] orderValues;
                /** peerGroup[i]: the number of the peer group of row i (rows with equal ORDER BY keys). */
                private final int[] peerGroup;
                private final int[] groupStart;
                private final int[] groupEnd;

                PartitionComputation(List<Object[]> rows, ExecState st) {
                    this.rows = rows;
                    this.st = st;
                    int n = rows.size();
                    orderValues = new Object[n][];
                    peerGroup = new int[n];
                    List<Integer> starts = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        orderValues[i] = JoinNodes.evalAll(orderKeys, rows.get(i), st);
                        if (i == 0 || !samePeers(orderValues[i - 1], orderValues[i])) {
                            starts.add(i);
                        }
                        peerGroup[i] = starts.size() - 1;
                    }
                    groupStart = new int[starts.size()];
                    groupEnd = new int[starts.size()];
                    for (int g = 0; g < starts.size(); g++) {
                        groupStart[g] = starts.get(g);
                        groupEnd[g] = g + 1 < starts.size() ? starts.get(g + 1) - 1 : n - 1;
                    }
                }

                private boolean samePeers(Object[] a, Object[] b) {
                    for (int i = 0; i < a.length; i++) {
                        if (a[i] == null || b[i] == null) {
                            if (a[i] != b[i]) {
                                return false;
                            }
                            continue;
                        }
                        if (ExprCompiler.comparison(orderTypes[i]).compare(a[i], b[i]) != 0) {
                            return false;
                        }
                    }
                    return true;
                }

                void computeAll() {
                    for (int f = 0; f < calls.size(); f++) {
                        results[f] = compute(calls.get(f));
                    }
                }

                private Object[] compute(Call call) {
                    int n = rows.size();
                    Object[] out = new Object[n];
                    String name = call.function().name;
                    if (call.function().isAggregate()) {
                        aggregate(call, out);
                        return out;
                    }
                    for (int i = 0; i < n; i++) {
                        out[i] = switch (name) {
                            case "row_number" -> (long) (i + 1);
                            case "rank" -> (long) (groupStart[peerGroup[i]] + 1);
                            case "dense_rank" -> (long) (peerGroup[i] + 1);
                            case "percent_rank" -> n <= 1 ? 0.0 : (double) groupStart[peerGroup[i]] / (n - 1);
                            case "cume_dist" -> (double) (groupEnd[peerGroup[i]] + 1) / n;
                            case "ntile" -> ntile(call, i, n);
                            case "lag", "lead" -> lagLead(call, i, name.equals("lag"));
                            case "first_value" -> {
                                int[] fr = frame(i);
                                yield fr[0] <= fr[1] ? arg(call, fr[0], 0) : null;
                            }
                            case "last_value" -> {
                                int[] fr = frame(i);
                                yield fr[0] <= fr[1] ? arg(call, fr[1], 0) : null;
                            }
                            case "nth_value" -> {
                                Object nth = arg(call, i, 1);
                                if (nth == null) {
                                    yield null;
                                }
                                int k = (Integer) nth;
                                if (k <= 0) {
                                    throw new PgException(SqlState.INVALID_ARGUMENT_FOR_NTH_VALUE,
                                            "argument of nth_value must be greater than zero");
                                }
                                int[] fr = frame(i);
                                yield fr[0] + k - 1 <= fr[1] ? arg(call, fr[0] + k - 1, 0) : null;
                            }
                            default -> throw new IllegalStateException("window function " + name);
                        };
                    }
                    return out;
                }

                private Object arg(Call call, int row, int arg) {
                    return call.args()[arg].eval(rows.get(row), st);
                }

                private Object ntile(Call call, int i, int n) {
                    Object b = arg(call, i, 0);
                    if (b == null) {
                        return null;
                    }
                    int buckets = (Integer) b;
                    if (buckets <= 0) {
                        throw new PgException(SqlState.INVALID_ARGUMENT_FOR_NTILE,
                                "argument of ntile must be greater than zero");
                    }
                    int perBucket = n / buckets;
                    int remainder = n % buckets;
                    int boundary = remainder * (perBucket + 1);
                    if (i < boundary) {
                        return i / (perBucket + 1) + 1;
                    }
                    return perBucket == 0 ? remainder + 1 : remainder + (i - boundary) / perBucket + 1;
                }

                private Object lagLead(Call call, int i, boolean lag) {
                    int offset = 1;
                    if (call.args().length > 1) {
                        Object o = arg(call, i, 1);
                        if (o == null) {
                            return null;
                        }
                        offset = (Integer) o;
                    }
                    int target = lag ? i - offset : i + offset;
                    if (target < 0 || target >= rows.size()) {
                        return call.args().length > 2 ? arg(call, i, 2) : null;
                    }
                    return arg(call, target, 0);
                }

                /** The frame of row i as [first, last] row indexes (first > last for an empty frame). */
                int[] frame(int i) {
                    int n = rows.size();
                    Tree.FrameMode mode = mode();
                    int start = bound(i, startKind(), startOffset, true, mode);
                    int end = bound(i, endKind(), endOffset, false, mode);
                    return new int[] {Math.max(0, start), Math.min(n - 1, end)};
                }

                private int bound(int i, Tree.BoundKind kind, Eval offsetEval, boolean isStart, Tree.FrameMode mode) {
                    int n = rows.size();
                    switch (kind) {
                        case UNBOUNDED_PRECEDING:
                            return 0;
                        case UNBOUNDED_FOLLOWING:
                            return n - 1;
                        case CURRENT_ROW:
                            if (mode == Tree.FrameMode.ROWS) {
                                return i;
                            }
                            return isStart ? groupStart[peerGroup[i]] : groupEnd[peerGroup[i]];
                        default:
                            break;
                    }
                    Object off = offsetEval.eval(rows.get(i), st);
                    if (off == null) {
                        throw new PgException(SqlState.NULL_VALUE_NOT_ALLOWED, "frame starting offset must not be null");
                    }
                    boolean preceding = kind == Tree.BoundKind.PRECEDING;
                    if (mode == Tree.FrameMode.ROWS) {
                        long o = (Long) off;
                        checkOffset(o < 0);
                        long target = preceding ? i - o : i + o;
                        return (int) Math.max(-1, Math.min(n, target));
                    }
                    if (mode == Tree.FrameMode.GROUPS) {
                        long o = (Long) off;
                        checkOffset(o < 0);
                        long g = preceding ? peerGroup[i] - o : peerGroup[i] + o;
                        if (g < 0) {
                            return isStart ? 0 : -1;
                        }
                        if (g >= groupStart.length) {
                            return isStart ? n : n - 1;
                        }
                        return isStart ? groupStart[(int) g] : groupEnd[(int) g];
                    }
                    return rangeBound(i, off, preceding, isStart);
                }

                private void checkOffset(boolean negative) {
                    if (negative) {
                        throw new PgException(SqlState.INVALID_PRECEDING_OR_FOLLOWING_SIZE,
                                "frame starting offset must not be negative");
                    }
                }

                /** RANGE n PRECEDING / FOLLOWING: the rows whose key is within n of this row's. */
                private int rangeBound(int i, Object offset, boolean preceding, boolean isStart) {
                    Object key = orderValues[i][0];
                    int n = rows.size();
                    if (key == null) {
                        return isStart ? groupStart[peerGroup[i]] : groupEnd[peerGroup[i]];
                    }
                    boolean desc = orderDescending[0];
                    boolean subtract = preceding != desc;
                    Object limit = shift(key, offset, subtract);
                    ExprCompiler.Comparison cmp = ExprCompiler.comparison(orderTypes[0]);
                    if (isStart) {
                        for (int r = 0; r < n; r++) {
                            Object v = orderValues[r][0];
                            if (v != null && (desc ? cmp.compare(v, limit) <= 0 : cmp.compare(v, limit) >= 0)) {
                                return r;
                            }
                        }
                        return n;
                    }
                    for (int r = n - 1; r >= 0; r--) {
                        Object v = orderValues[r][0];
                        if (v != null && (desc ? cmp.compare(v, limit) >= 0 : cmp.compare(v, limit) <= 0)) {
                            return r;
                        }
                    }
                    return -1;
                }

                private Object shift(Object key, Object offset, boolean subtract) {
                    int sign = subtract ? -1 : 1;
                    if (key instanceof LocalDateTime t) {
                        return Arith.timestampPlus(t, (Interval) offset, sign);
                    }
                    if (key instanceof Instant t) {
                        return Arith.timestamptzPlus(t, (Interval) offset, sign, st.fn().zone());
                    }
                    if (key instanceof LocalDate d) {
                        return Arith.timestampPlus(d.atStartOfDay(), (Interval) offset, sign);
                    }
                    BigDecimal k = org.walden.sql.types.Values.toBigDecimal((Number) key);
                    BigDecimal o = org.walden.sql.types.Values.toBigDecimal((Number) offset);
                    if (o.signum() < 0) {
                        checkOffset(true);
                    }
                    return subtract ? k.subtract(o) : k.add(o);
                }

                private void aggregate(Call call, Object[] out) {
                    int n = rows.size();
                    boolean fromStart = startKind() == Tree.BoundKind.UNBOUNDED_PRECEDING;
                    boolean toCurrent = endKind() == Tree.BoundKind.CURRENT_ROW;
                    if (fromStart && (toCurrent || endKind() == Tree.BoundKind.UNBOUNDED_FOLLOWING)
                            && (frame == null || frame.exclude() == null || frame.exclude().equals("NO OTHERS"))) {
                        FunctionDef.Accumulator acc = start(call);
                        int fed = 0;
                        for (int i = 0; i < n; i++) {
                            int end = frame(i)[1];
                            while (fed <= end) {
                                feed(call, acc, fed++);
                            }
                            out[i] = acc.result();
                        }
                        return;
                    }
                    for (int i = 0; i < n; i++) {
                        int[] fr = frame(i);
                        FunctionDef.Accumulator acc = start(call);
                        for (int r = fr[0]; r <= fr[1]; r++) {
                            if (excluded(i, r)) {
                                continue;
                            }
                            feed(call, acc, r);
                        }
                        out[i] = acc.result();
                    }
                }

                private boolean excluded(int current, int r) {
                    if (frame == null || frame.exclude() == null) {
                        return false;
                    }
                    return switch (frame.exclude()) {
                        case "CURRENT ROW" -> r == current;
                        case "GROUP" -> peerGroup[r] == peerGroup[current];
                        case "TIES" -> r != current && peerGroup[r] == peerGroup[current];
                        default -> false;
                    };
                }

                private FunctionDef.Accumulator start(Call call) {
                    return call.function().aggregate.start(call.argTypes(), call.result(), st.fn());
                }

                private void feed(Call call, FunctionDef.Accumulator acc, int r) {
                    Object[] row = rows.get(r);
                    if (call.filter() != null && !call.filter().test(row, st)) {
                        return;
                    }
                    Object[] args = JoinNodes.evalAll(call.args(), row, st);
                    if (call.function().strict) {
                        for (Object a : args) {
                            if (a == null) {
                                return;
                            }
                        }
                    }
                    acc.add(args);
                }
            }
        };
    }
}
