package org.walden.sql.command;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.catalog.SystemCatalogs;
import org.walden.sql.catalog.TableStats;
import org.walden.sql.func.Builtins;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * ANALYZE (PostgreSQL's analyze.c): counts a table's rows and samples up to 300 × the statistics
 * target of them in the table's order ({@link AnalyzeSample}: a small table by one read of its
 * keys, a large one by seeks, its count then estimated), and stores per column the NULL fraction,
 * average width, distinct count (the Haas-Stokes estimator when the sample is partial; negative
 * when it grows with the table), most common values with their frequencies, a histogram of the
 * other values and the correlation of value order with storage order — what pg_stats shows and
 * the planner's selectivity estimates read.
 */
public final class AnalyzeCommand extends DdlSupport {

    static final int TARGET = 100;
    static final int SAMPLE = 300 * TARGET;

    public AnalyzeCommand(CommandContext ctx) {
        super(ctx);
    }

    String analyze(Tree.VacuumStmt s, Commands.AnalyzeListener listener) {
        // SHARE UPDATE EXCLUSIVE, as PostgreSQL's: readers and writers go on, DDL and another ANALYZE wait
        org.walden.txn.RelationLockMode mode = org.walden.txn.RelationLockMode.SHARE_UPDATE_EXCLUSIVE;
        if (s.relations() == null || s.relations().isEmpty()) {
            for (Relation table : sorted(catalog().relations())) {
                if (table.kind() == Relation.TABLE || table.kind() == Relation.MATVIEW) {
                    ctx.lockRelation(table.oid(), table.name(), mode);
                    Relation r = catalog().relation(table.oid());
                    if (r != null) { // else dropped while this one waited
                        process(s, r, listener);
                    }
                }
            }
            return s.vacuum() ? "VACUUM" : "ANALYZE";
        }
        Map<Tree.RangeVar, Relation> named = new LinkedHashMap<>(); // all looked up before any is processed
        for (Tree.RangeVar rv : s.relations()) {
            Relation r = findRelation(rv.schema(), rv.name());
            if (r == null) {
                throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(rv)
                        + "\" does not exist");
            }
            if (SystemCatalogs.isCatalogTable(r)) {
                continue; // computed from Walden's catalog: nothing to vacuum, no statistics to gather
            }
            if (r.virtual() || (r.kind() != Relation.TABLE && r.kind() != Relation.MATVIEW)) {
                ctx.notice(new PgException(PgException.Severity.WARNING, SqlState.WARNING, "skipping \""
                        + r.name() + "\" --- cannot " + (s.vacuum() ? "vacuum" : "analyze")
                        + " non-tables or special system tables", null, null, null));
                continue;
            }
            named.put(rv, r);
        }
        for (Map.Entry<Tree.RangeVar, Relation> e : named.entrySet()) {
            process(s, lockNamed(ctx, e.getKey(), e.getValue(), mode), listener);
        }
        return s.vacuum() ? "VACUUM" : "ANALYZE";
    }

    private void process(Tree.VacuumStmt s, Relation r, Commands.AnalyzeListener listener) {
        if (s.analyze()) {
            listener.analyzed(analyzeTable(r, false));
        }
        if (s.vacuum()) {
            listener.vacuumed(r.oid());
        }
    }

    /** Gathers and stores {@code t}'s statistics; {@code auto} when the background pass runs it. */
    public TableStats analyzeTable(Relation t, boolean auto) {
        PgType[] types = IndexBuilder.columnTypes(t);
        AnalyzeSample.Rows read = new AnalyzeSample(ctx, t.oid(), SAMPLE)
                .read(Keys.prefix(t.relfilenode()), Keys.end(t.relfilenode()));
        List<Object[]> sample = new ArrayList<>(read.values().size());
        for (byte[] value : read.values()) {
            sample.add(RowCodec.decode(types, value));
        }
        double rows = read.count();
        Map<Integer, TableStats.ColumnStats> columns = new LinkedHashMap<>();
        for (int i = 0; i < t.columns().size(); i++) {
            Attribute a = t.column(i);
            if (!a.dropped() && !sample.isEmpty()) {
                columns.put(a.attnum(), columnStats(a, i, sample, rows));
            }
        }
        long bytes = ctx.fn().relationSizeBytes(t.relfilenode());
        TableStats stats = new TableStats(t.oid(), rows, Math.max(rows > 0 ? 1 : 0, (long) Math.ceil(bytes / 8192.0)),
                Instant.now(), auto, columns);
        ctx.writer().putStats(stats, t);
        return stats;
    }

    private static TableStats.ColumnStats columnStats(Attribute a, int col, List<Object[]> sample, double total) {
        int n = sample.size();
        int nulls = 0;
        long width = 0;
        Map<Object, int[]> counts = new HashMap<>();
        Map<Object, Object> originals = new HashMap<>();
        List<Object> values = new ArrayList<>();
        for (Object[] row : sample) {
            Object v = row[col];
            if (v == null) {
                nulls++;
                continue;
            }
            width += width(a.type(), v);
            Object k = Values.hashKey(v);
            counts.computeIfAbsent(k, x -> new int[1])[0]++;
            originals.putIfAbsent(k, v);
            values.add(v);
        }
        int nonNull = n - nulls;
        double nullFrac = (double) nulls / n;
        int avgWidth = nonNull == 0 ? 0 : (int) Math.round((double) width / nonNull);
        int d = counts.size();
        int f1 = 0;
        for (int[] c : counts.values()) {
            f1 += c[0] == 1 ? 1 : 0;
        }
        double distinct;
        boolean complete = n >= total;
        if (complete || nonNull == 0) {
            distinct = d;
        } else {
            double nn = nonNull;
            double nt = total * (nonNull / (double) n);
            distinct = f1 == d ? nt : nn * d / (nn - f1 + f1 * nn / nt);
            distinct = Math.max(d, Math.min(distinct, nt));
        }
        double totalNonNull = total * (1.0 - nullFrac);
        double stored = distinct > 0.1 * totalNonNull && totalNonNull > 0 ? -(distinct / Math.max(1, total)) : distinct;
        if (d == nonNull && nonNull > 0) {
            stored = -(1.0 - nullFrac);
        }
        List<Map.Entry<Object, int[]>> byCount = new ArrayList<>(counts.entrySet());
        byCount.sort((x, y) -> Integer.compare(y.getValue()[0], x.getValue()[0]));
        double avgCount = d == 0 ? 0 : (double) nonNull / d;
        List<Object> mcv = new ArrayList<>();
        List<Double> freqs = new ArrayList<>();
        for (Map.Entry<Object, int[]> e : byCount) {
            int c = e.getValue()[0];
            boolean keep = c > 1 && (d <= TARGET && complete || c >= avgCount * 1.25);
            if (!keep || mcv.size() >= TARGET) {
                break;
            }
            mcv.add(originals.get(e.getKey()));
            freqs.add((double) c / n);
        }
        List<Object> histogram = null;
        double correlation = 0;
        boolean sortable = Builtins.operator("<", a.type(), a.type()) != null;
        if (sortable && !values.isEmpty()) {
            java.util.Set<Object> mcvKeys = new java.util.HashSet<>();
            for (Object m : mcv) {
                mcvKeys.add(Values.hashKey(m));
            }
            // one stable sort of the values' positions serves both the histogram and the correlation
            int[] order = sortedOrder(values);
            List<Object> rest = new ArrayList<>();
            for (int i : order) {
                Object v = values.get(i);
                if (mcvKeys.isEmpty() || !mcvKeys.contains(Values.hashKey(v))) {
                    rest.add(v);
                }
            }
            if (rest.size() >= 2) {
                int buckets = Math.min(TARGET, rest.size() - 1);
                histogram = new ArrayList<>();
                for (int i = 0; i <= buckets; i++) {
                    histogram.add(rest.get((int) ((long) i * (rest.size() - 1) / buckets)));
                }
            }
            correlation = correlation(order);
        }
        double[] fr = new double[freqs.size()];
        for (int i = 0; i < fr.length; i++) {
            fr[i] = freqs.get(i);
        }
        return new TableStats.ColumnStats(a.attnum(), nullFrac, avgWidth, stored, mcv.isEmpty() ? null : mcv,
                mcv.isEmpty() ? null : fr, histogram, correlation);
    }

    /** The positions of {@code values} in their sorted order; equal values keep their order. */
    private static int[] sortedOrder(List<Object> values) {
        Integer[] order = new Integer[values.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Values.compare(values.get(x), values.get(y)));
        int[] sorted = new int[order.length];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = order[i];
        }
        return sorted;
    }

    /**
     * The correlation between the values' storage order and their sorted order (1: stored
     * sorted); {@code order} is {@link #sortedOrder}'s.
     */
    private static double correlation(int[] order) {
        int n = order.length;
        if (n < 2) {
            return 1;
        }
        double[] rank = new double[n];
        for (int r = 0; r < n; r++) {
            rank[order[r]] = r;
        }
        double mean = (n - 1) / 2.0;
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            num += (i - mean) * (rank[i] - mean);
            den += (i - mean) * (i - mean);
        }
        return den == 0 ? 1 : num / den;
    }

    private static int width(PgType t, Object v) {
        if (t.typlen > 0) {
            return t.typlen;
        }
        if (v instanceof String s) {
            int b = s.getBytes(StandardCharsets.UTF_8).length;
            return b + (b < 127 ? 1 : 4);
        }
        if (v instanceof byte[] b) {
            return b.length + 4;
        }
        return 8;
    }
}
