package org.walden.sql.plan;

import java.util.List;
import org.walden.common.PgException;
import org.walden.common.guc.SessionSettings;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.catalog.TableStats;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * The cost model (PostgreSQL's costsize.c, simplified) and selectivity estimates (selfuncs.c):
 * page and tuple costs from the session's settings (seq_page_cost, random_page_cost,
 * cpu_tuple_cost, cpu_index_tuple_cost, cpu_operator_cost, work_mem, the enable_* switches),
 * and the fraction of rows a condition keeps from ANALYZE's statistics (most common values,
 * histogram, distinct count, NULL fraction) or PostgreSQL's defaults without them.
 */
final class Costs {

    static final double DISABLE_COST = 1.0e10;
    static final double DEFAULT_EQ_SEL = 0.005;
    static final double DEFAULT_INEQ_SEL = 1.0 / 3.0;
    static final double DEFAULT_RANGE_INEQ_SEL = 0.005;
    static final double DEFAULT_MATCH_SEL = 0.005;
    static final double DEFAULT_NUM_DISTINCT = 200;
    static final double DEFAULT_UNK_SEL = 0.005;
    static final double DEFAULT_NOT_UNK_SEL = 1.0 - DEFAULT_UNK_SEL;
    static final int BLOCK_SIZE = 8192;

    final double seqPageCost;
    final double randomPageCost;
    final double cpuTupleCost;
    final double cpuIndexTupleCost;
    final double cpuOperatorCost;
    final long workMemBytes;
    final boolean enableSeqScan;
    final boolean enableIndexScan;
    final boolean enableIndexOnlyScan;
    final boolean enableHashJoin;
    final boolean enableMergeJoin;
    final boolean enableNestLoop;
    final boolean enableSort;
    final boolean enableHashAgg;
    final boolean enableMaterial;

    Costs(SessionSettings s) {
        seqPageCost = real(s, "seq_page_cost", 1.0);
        randomPageCost = real(s, "random_page_cost", 4.0);
        cpuTupleCost = real(s, "cpu_tuple_cost", 0.01);
        cpuIndexTupleCost = real(s, "cpu_index_tuple_cost", 0.005);
        cpuOperatorCost = real(s, "cpu_operator_cost", 0.0025);
        workMemBytes = memory(s, "work_mem", 4L << 20);
        enableSeqScan = bool(s, "enable_seqscan");
        enableIndexScan = bool(s, "enable_indexscan");
        enableIndexOnlyScan = bool(s, "enable_indexonlyscan");
        enableHashJoin = bool(s, "enable_hashjoin");
        enableMergeJoin = bool(s, "enable_mergejoin");
        enableNestLoop = bool(s, "enable_nestloop");
        enableSort = bool(s, "enable_sort");
        enableHashAgg = bool(s, "enable_hashagg");
        enableMaterial = bool(s, "enable_material");
    }

    private static String show(SessionSettings s, String name) {
        if (s == null) {
            return null;
        }
        try {
            return s.show(name);
        } catch (PgException e) {
            return null;
        }
    }

    private static double real(SessionSettings s, String name, double dflt) {
        String v = show(s, name);
        try {
            return v == null ? dflt : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static boolean bool(SessionSettings s, String name) {
        String v = show(s, name);
        return v == null || !v.equals("off");
    }

    private static long memory(SessionSettings s, String name, long dflt) {
        String v = show(s, name);
        if (v == null) {
            return dflt;
        }
        String t = v.trim();
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return dflt;
        }
        long n = Long.parseLong(t.substring(0, i));
        return switch (t.substring(i).trim()) {
            case "B" -> n;
            case "MB" -> n << 20;
            case "GB" -> n << 30;
            case "TB" -> n << 40;
            default -> n << 10;
        };
    }

    // ---------------------------------------------------------------- scans

    /** Seq Scan: every page read in order, every row checked against {@code quals}. */
    double seqScan(double pages, double tuples, int quals) {
        double cost = seqPageCost * pages + (cpuTupleCost + quals * cpuOperatorCost) * tuples;
        return enableSeqScan ? cost : cost + DISABLE_COST;
    }

    /**
     * Index Scan (PostgreSQL's cost_index with genericcostestimate and btcostestimate): the
     * descent, the index pages and entries read, and — unless index-only — the table pages
     * fetched, between one random read per row (uncorrelated, Mackert and Lohman's estimate)
     * and sequential reads (the table stored in index order: the primary key always is),
     * interpolated by the square of the correlation.
     */
    double[] indexScan(double tablePages, double tableTuples, double selectivity, boolean primary, boolean indexOnly,
                       int filters, double correlation) {
        double tuples = Math.max(1, tableTuples);
        double fetched = Math.max(1, Math.ceil(selectivity * tuples));
        double indexPages = primary ? tablePages : Math.max(1, Math.ceil(tablePages * 0.6));
        double height = tuples <= 400 ? 0 : tuples <= 100_000 ? 1 : tuples <= 30_000_000 ? 2 : 3;
        double startup = Math.ceil(Math.log(tuples) / Math.log(2)) * cpuOperatorCost + (height + 1) * 50
                * cpuOperatorCost;
        double indexPagesRead = Math.max(1, Math.ceil(fetched * indexPages / tuples));
        double indexCost = indexPagesRead * randomPageCost + fetched * (cpuIndexTupleCost + cpuOperatorCost);
        double heapCost = 0;
        if (!indexOnly) {
            double pages = Math.max(1, tablePages);
            double maxPages = Math.min(pages, 2.0 * pages * fetched / (2.0 * pages + fetched));
            double maxIo = Math.max(1, maxPages) * randomPageCost;
            double minPages = Math.max(1, Math.ceil(selectivity * pages));
            double minIo = randomPageCost + (minPages - 1) * seqPageCost;
            double c2 = primary ? 1.0 : correlation * correlation;
            double io = maxIo + c2 * (minIo - maxIo);
            if (!primary) {
                // the rows of an uncorrelated index read as PostgreSQL's bitmap heap scan reads them
                // (cost_bitmap_heap_scan: the pages in storage order, dearer the sparser they are);
                // Walden's index scan fetches each row by key, which costs no more than that
                double perPage = randomPageCost - (randomPageCost - seqPageCost) * Math.sqrt(maxPages / pages);
                io = Math.min(io, Math.max(1, maxPages) * perPage);
            }
            heapCost = io + fetched * (cpuTupleCost + filters * cpuOperatorCost);
        }
        double total = startup + indexCost + heapCost;
        boolean enabled = indexOnly ? enableIndexOnlyScan : enableIndexScan;
        return new double[] {startup, enabled ? total : total + DISABLE_COST};
    }

    /** Sort of {@code rows} rows of {@code width} bytes: n log n comparisons, plus I/O when it spills. */
    double[] sort(double inputTotal, double rows, int width, double limit) {
        double n = Math.max(rows, 2);
        double comparisons = 2.0 * cpuOperatorCost;
        double cost;
        if (limit > 0 && limit < n && limit * 2 * width < workMemBytes) {
            cost = comparisons * n * Math.log(2 * limit) / Math.log(2);
        } else {
            cost = comparisons * n * Math.log(n) / Math.log(2);
            double bytes = n * (width + 24);
            if (bytes > workMemBytes) {
                double pages = Math.ceil(bytes / BLOCK_SIZE);
                cost += 2 * pages * (seqPageCost * 0.75 + randomPageCost * 0.25);
            }
        }
        double startup = inputTotal + cost + (enableSort ? 0 : DISABLE_COST);
        return new double[] {startup, startup + cpuOperatorCost * rows};
    }

    // ---------------------------------------------------------------- selectivity

    /** The fraction of a relation's rows that pass all of {@code quals}. */
    double selectivity(List<Expr> quals, StatsSource stats) {
        double s = 1.0;
        for (Expr q : quals) {
            s *= clauseSelectivity(q, stats);
        }
        return clamp(s);
    }

    static double clamp(double s) {
        return Math.max(1.0e-7, Math.min(1.0, s));
    }

    /** Where selectivity estimation finds a column's statistics and a relation's size. */
    interface StatsSource {
        /** The statistics of the column a Var names, or null. */
        TableStats.ColumnStats columnStats(Expr.Var v);

        /** The row count of the relation a Var belongs to. */
        double tuples(Expr.Var v);

        /** True when the column is unique by itself (a one-column primary key or unique index). */
        boolean unique(Expr.Var v);
    }

    double clauseSelectivity(Expr q, StatsSource stats) {
        return switch (q) {
            case Expr.BoolExpr b when b.op() == Expr.BoolOp.AND -> {
                double s = 1;
                for (Expr a : b.args()) {
                    s *= clauseSelectivity(a, stats);
                }
                yield s;
            }
            case Expr.BoolExpr b when b.op() == Expr.BoolOp.OR -> {
                double s = 0;
                for (Expr a : b.args()) {
                    double x = clauseSelectivity(a, stats);
                    s = s + x - s * x;
                }
                yield s;
            }
            case Expr.BoolExpr b -> 1.0 - clauseSelectivity(b.args().get(0), stats);
            case Expr.OpExpr o when o.left() != null -> operatorSelectivity(o, stats);
            case Expr.NullTest n -> {
                Expr.Var v = var(n.arg());
                TableStats.ColumnStats cs = v == null ? null : stats.columnStats(v);
                double nullFrac = cs != null ? cs.nullFrac() : DEFAULT_UNK_SEL;
                yield n.isNot() ? 1.0 - nullFrac : nullFrac;
            }
            case Expr.ScalarArrayOp s -> {
                int n = s.array() instanceof Expr.ArrayExpr a ? a.elements().size()
                        : s.array() instanceof Expr.Const c && c.value() instanceof List<?> l ? l.size() : 10;
                double each = s.operator().isEquality() ? equalitySelectivity(s.left(), null, stats)
                        : DEFAULT_INEQ_SEL;
                yield s.useOr() ? Math.min(1.0, each * n) : Math.pow(each, n);
            }
            case Expr.Const c -> c.value() instanceof Boolean b ? (b ? 1.0 : 0.0) : 0.0;
            case Expr.Var v -> 0.5;
            case Expr.BooleanTest b -> 0.5;
            case Expr.DistinctExpr d -> d.not() ? equalitySelectivity(d.left(), constValue(d.right()), stats) : 0.995;
            default -> DEFAULT_INEQ_SEL;
        };
    }

    private static Expr.Var var(Expr e) {
        while (e instanceof Expr.Cast c && c.binary()) {
            e = c.arg();
        }
        return e instanceof Expr.Var v && v.levelsUp() == 0 ? v : null;
    }

    private static Object constValue(Expr e) {
        while (e instanceof Expr.Cast c) {
            e = c.arg();
        }
        return e instanceof Expr.Const c ? c.value() : null;
    }

    private static boolean pseudoConstant(Expr e) {
        return !Exprs.any(e, x -> x instanceof Expr.Var v && v.levelsUp() == 0 || x instanceof Expr.Aggref
                || x instanceof Expr.SubLink);
    }

    private double operatorSelectivity(Expr.OpExpr o, StatsSource stats) {
        String name = o.operator().name();
        Expr left = o.left();
        Expr right = o.right();
        if (var(left) == null && var(right) != null) {
            Expr t = left;
            left = right;
            right = t;
            name = switch (name) {
                case "<" -> ">";
                case ">" -> "<";
                case "<=" -> ">=";
                case ">=" -> "<=";
                default -> name;
            };
        }
        boolean constantSide = pseudoConstant(right);
        switch (name) {
            case "=":
                if (!constantSide && var(left) != null && var(right) != null) {
                    return joinEqualitySelectivity(var(left), var(right), stats);
                }
                return equalitySelectivity(left, constantSide ? constValue(right) : null, stats);
            case "<>":
                return 1.0 - equalitySelectivity(left, constantSide ? constValue(right) : null, stats);
            case "<", "<=", ">", ">=":
                return rangeSelectivity(var(left), name, constantSide ? constValue(right) : null, stats);
            case "~~", "~~*", "~", "~*":
                return DEFAULT_MATCH_SEL * 10;
            case "!~~", "!~~*", "!~", "!~*":
                return 1.0 - DEFAULT_MATCH_SEL * 10;
            default:
                return o.type() == PgType.BOOL ? DEFAULT_INEQ_SEL : 1.0;
        }
    }

    /** Fraction equal to {@code value} (null: an unknown value, one of the distinct values). */
    double equalitySelectivity(Expr column, Object value, StatsSource stats) {
        Expr.Var v = var(column);
        if (v == null) {
            return DEFAULT_EQ_SEL;
        }
        double tuples = Math.max(1, stats.tuples(v));
        if (stats.unique(v)) {
            return 1.0 / tuples;
        }
        TableStats.ColumnStats cs = stats.columnStats(v);
        if (cs == null) {
            return 1.0 / Math.max(1, Math.min(tuples, DEFAULT_NUM_DISTINCT));
        }
        double mcvTotal = 0;
        if (cs.mcvValues() != null) {
            for (int i = 0; i < cs.mcvValues().size(); i++) {
                mcvTotal += cs.mcvFreqs()[i];
                if (value != null && Values.hashKey(value).equals(Values.hashKey(cs.mcvValues().get(i)))) {
                    return cs.mcvFreqs()[i];
                }
            }
        }
        double distinct = distinct(cs, tuples);
        int mcvCount = cs.mcvValues() == null ? 0 : cs.mcvValues().size();
        double others = Math.max(1, distinct - mcvCount);
        double rest = Math.max(0, 1.0 - mcvTotal - cs.nullFrac());
        return clamp(rest / others);
    }

    static double distinct(TableStats.ColumnStats cs, double tuples) {
        double d = cs.nDistinct();
        return d < 0 ? -d * tuples : Math.max(1, d);
    }

    /** The number of distinct values of a column, estimated. */
    double distinctValues(Expr e, StatsSource stats, double rows) {
        Expr.Var v = var(e);
        if (v == null) {
            return Math.min(rows, DEFAULT_NUM_DISTINCT);
        }
        double tuples = Math.max(1, stats.tuples(v));
        if (stats.unique(v)) {
            return tuples;
        }
        TableStats.ColumnStats cs = stats.columnStats(v);
        if (cs == null) {
            if (v.type() == PgType.BOOL) {
                return 2;
            }
            return Math.min(tuples, DEFAULT_NUM_DISTINCT);
        }
        return Math.min(tuples, distinct(cs, tuples));
    }

    private double joinEqualitySelectivity(Expr.Var a, Expr.Var b, StatsSource stats) {
        double da = distinctValues(a, stats, stats.tuples(a));
        double db = distinctValues(b, stats, stats.tuples(b));
        return clamp(1.0 / Math.max(1, Math.max(da, db)));
    }

    /** Fraction with {@code column op value}, from the histogram (linear within a bucket). */
    private double rangeSelectivity(Expr.Var v, String op, Object value, StatsSource stats) {
        if (v == null || value == null) {
            return DEFAULT_INEQ_SEL;
        }
        TableStats.ColumnStats cs = stats.columnStats(v);
        if (cs == null || cs.histogram() == null || cs.histogram().size() < 2) {
            return DEFAULT_INEQ_SEL;
        }
        List<Object> h = cs.histogram();
        double position = histogramPosition(h, value, v.type());
        double below = position;
        boolean less = op.startsWith("<");
        double mcvTotal = 0;
        double mcvMatch = 0;
        if (cs.mcvValues() != null) {
            for (int i = 0; i < cs.mcvValues().size(); i++) {
                mcvTotal += cs.mcvFreqs()[i];
                int c = compare(cs.mcvValues().get(i), value, v.type());
                boolean match = switch (op) {
                    case "<" -> c < 0;
                    case "<=" -> c <= 0;
                    case ">" -> c > 0;
                    default -> c >= 0;
                };
                mcvMatch += match ? cs.mcvFreqs()[i] : 0;
            }
        }
        double histFrac = less ? below : 1.0 - below;
        double rest = Math.max(0, 1.0 - mcvTotal - cs.nullFrac());
        return clamp(mcvMatch + histFrac * rest);
    }

    /** Where {@code value} falls in the histogram, from 0 (below the first bound) to 1 (above the last). */
    private static double histogramPosition(List<Object> h, Object value, PgType type) {
        int n = h.size();
        if (compare(value, h.get(0), type) <= 0) {
            return 0;
        }
        if (compare(value, h.get(n - 1), type) >= 0) {
            return 1;
        }
        for (int i = 1; i < n; i++) {
            if (compare(value, h.get(i), type) < 0) {
                double within = 0.5;
                Object lo = h.get(i - 1);
                Object hi = h.get(i);
                if (lo instanceof Number l && hi instanceof Number u && value instanceof Number x) {
                    double span = u.doubleValue() - l.doubleValue();
                    within = span <= 0 ? 0.5 : (x.doubleValue() - l.doubleValue()) / span;
                }
                return (i - 1 + within) / (n - 1);
            }
        }
        return 1;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object a, Object b, PgType type) {
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
        if (a instanceof Comparable ca && a.getClass() == b.getClass()) {
            return ca.compareTo(b);
        }
        return String.valueOf(a).compareTo(String.valueOf(b));
    }
}
