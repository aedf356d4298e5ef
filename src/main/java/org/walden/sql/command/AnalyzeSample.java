package org.walden.sql.command;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.walden.txn.KvCursor;

/**
 * The rows ANALYZE looks at (PostgreSQL's acquire_sample_rows) and its count of the table's
 * rows; made by {@link AnalyzeCommand} for each table it analyzes, used once.
 *
 * <p>A table of at most {@link #WHOLE_TABLE_ROWS} rows is read whole, as ANALYZE always did:
 * one pass over every key, a reservoir keeping the sample's rows (their values read only when
 * taken in), the exact row count. Such a table's statistics are what they always were.
 *
 * <p>A larger table is read by seeks, so that the cost follows the sample, not the table
 * (PostgreSQL reads 30,000 of a large table's pages and scales the live rows it saw in them to
 * the table's pages). Its key range is cut into parts of at most 1/{@link #LEAVES} of its stored
 * bytes, halving ranges by key ({@link #between} interpolates the key bytes) and weighing each
 * half with storage's approximate sizes. Each part gives a run of consecutive rows, as many as
 * its share of the sample, from a random key in it (wrapping around to the part's start if the
 * part ends first; a part with fewer rows is read whole). The row count is the rows of the
 * parts read whole plus the other parts' stored bytes times the rows per stored byte, weighed
 * by the parts read whole and by longer runs (keys only) in every {@link #WEIGHING_EVERY}-th
 * part, each over the storage's approximate size of the key span it covered. Stored bytes
 * include superseded versions and deleted rows until compaction drops them; the runs see only
 * live rows, so the density, like PostgreSQL's live rows per page, accounts for them. If the
 * estimate comes out at most {@link #WHOLE_TABLE_ROWS}, or storage cannot tell sizes, the table
 * is read whole instead.
 *
 * <p>Reads go through the transaction (its snapshot and own writes); the sizes are storage's,
 * of committed data, as a table's pages are to PostgreSQL's ANALYZE.
 */
final class AnalyzeSample {

    /** A table with at most this many rows is read whole (a tenth of a second or so). */
    static final long WHOLE_TABLE_ROWS = 100_000;
    /**
     * Below this many stored bytes a table is read whole without trying the seeks: it cannot
     * hold enough rows for them to pay, and its parts would be smaller than storage's blocks.
     */
    static final long SEEKS_MIN_BYTES = 1L << 20;
    /** The parts a sampled table's key range is cut into: one seek each. */
    static final int LEAVES = 300;
    /**
     * Every this many parts, the run counts on (keys only) up to {@link #WEIGHING_ROWS} rows:
     * the spans that weigh the rows per stored byte are then several of storage's blocks long
     * (a span's bytes are known to a block), even for narrow rows. The rows counted
     * are about twice the sample's.
     */
    static final int WEIGHING_EVERY = 8;
    static final int WEIGHING_ROWS = 1024;
    /** Bytes of key resolution below the common prefix when interpolating between two keys. */
    private static final int INTERPOLATION_BYTES = 12;

    /** The rows' stored values in the table's key order, and the table's row count. */
    record Rows(List<byte[]> values, double count) {
    }

    /** A part of the key range, [from, to), and its approximate stored bytes. */
    private record Part(byte[] from, byte[] to, long bytes) {
    }

    private final CommandContext ctx;
    /**
     * Each read draws from its own generator of this seed: a table read whole after the seeks
     * gave up draws what it always drew.
     */
    private final long seed;
    private final int sampleRows;

    AnalyzeSample(CommandContext ctx, long seed, int sampleRows) {
        this.ctx = ctx;
        this.seed = seed;
        this.sampleRows = sampleRows;
    }

    /** The sample of the rows in [from, to) (one table's key range). */
    Rows read(byte[] from, byte[] to) {
        long bytes = ctx.approximateBytes(from, to);
        if (bytes >= SEEKS_MIN_BYTES) {
            Rows sampled = bySeeks(from, to, bytes);
            if (sampled != null) {
                return sampled;
            }
        }
        return whole(from, to);
    }

    /**
     * Every key of [from, to), a reservoir keeping {@link #sampleRows} of the rows (values read
     * only for the rows it takes in), put back in key order; the count is exact.
     */
    Rows whole(byte[] from, byte[] to) {
        Random random = new Random(seed);
        List<byte[]> kept = new ArrayList<>();
        long[] positions = new long[sampleRows]; // each kept row's place in the table's order
        long rows = 0;
        try (KvCursor c = ctx.txn().scanOnePass(from, to)) {
            while (c.next()) {
                if ((rows & 1023) == 1023) {
                    ctx.checkCancel();
                }
                if (kept.size() < sampleRows) {
                    positions[kept.size()] = rows;
                    kept.add(c.value());
                } else {
                    long j = (long) (random.nextDouble() * (rows + 1));
                    if (j < sampleRows) {
                        positions[(int) j] = rows;
                        kept.set((int) j, c.value());
                    }
                }
                rows++;
            }
        }
        // back in the table's order, as PostgreSQL sorts its sample by position: the correlation
        // compares that order with the values'
        Integer[] order = new Integer[kept.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Long.compare(positions[x], positions[y]));
        List<byte[]> values = new ArrayList<>(kept.size());
        for (int i : order) {
            values.add(kept.get(i));
        }
        return new Rows(values, rows);
    }

    /** The sample read by seeks, or null when the table proves small enough to read whole. */
    private Rows bySeeks(byte[] from, byte[] to, long totalBytes) {
        Random random = new Random(seed);
        List<Part> parts = new ArrayList<>();
        split(from, to, totalBytes, Math.max(1, totalBytes / LEAVES), parts, 0);
        long partsBytes = 0;
        for (Part p : parts) {
            partsBytes += p.bytes();
        }
        if (partsBytes <= 0) {
            return null;
        }
        List<byte[]> values = new ArrayList<>(sampleRows + parts.size());
        // the rows per stored byte: weighed by the parts counted whole and the long runs (every
        // WEIGHING_EVERY-th part's) when there are any, as a span's bytes are known to a block
        Density longRuns = new Density();
        Density shortRuns = new Density();
        long wholeRows = 0; // rows of the parts read whole
        long partlyReadBytes = 0; // the stored bytes of the others
        double share = (double) sampleRows / partsBytes;
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            ctx.checkCancel();
            double wanted = p.bytes() * share;
            int keep = Math.max(1, (int) wanted + (random.nextDouble() < wanted - Math.floor(wanted) ? 1 : 0));
            boolean weighs = i % WEIGHING_EVERY == 0;
            Run run = run(p, random.nextDouble(), keep, weighs ? Math.max(keep, WEIGHING_ROWS) : keep, values);
            if (run.whole()) {
                wholeRows += run.rows();
                longRuns.addPart(run.rows(), p.bytes()); // a part counted whole weighs as a long run
            } else {
                partlyReadBytes += p.bytes();
                (weighs ? longRuns : shortRuns).add(run);
            }
        }
        double count = wholeRows;
        if (partlyReadBytes > 0) {
            double rowsPerByte = longRuns.rowsPerByte();
            if (Double.isNaN(rowsPerByte)) {
                rowsPerByte = shortRuns.rowsPerByte();
            }
            if (Double.isNaN(rowsPerByte)) {
                return null; // the runs were too short to weigh: no density to scale by
            }
            count += Math.rint(rowsPerByte * partlyReadBytes);
        }
        count = Math.max(count, values.size());
        return count <= WHOLE_TABLE_ROWS ? null : new Rows(values, count);
    }

    /**
     * Cuts [from, to), of {@code bytes} stored bytes, into parts of at most {@code target} bytes
     * (or that cannot be cut further), appending them to {@code parts} in key order.
     */
    private void split(byte[] from, byte[] to, long bytes, long target, List<Part> parts, int depth) {
        byte[] middle = bytes > target && depth < 256 ? between(from, to, 0.5) : null;
        if (middle == null) {
            parts.add(new Part(from, to, Math.max(0, bytes)));
            return;
        }
        long left = ctx.approximateBytes(from, middle);
        long right = ctx.approximateBytes(middle, to);
        split(from, middle, left, target, parts, depth + 1);
        split(middle, to, right, target, parts, depth + 1);
    }

    /** Rows counted by runs and the key spans they covered, whose stored bytes are asked at the end. */
    private final class Density {
        private long rows;
        private long partsBytes; // of the parts counted whole
        private final List<byte[][]> spans = new ArrayList<>();

        void addPart(long partRows, long bytes) {
            rows += partRows;
            partsBytes += bytes;
        }

        void add(Run run) {
            rows += run.rows();
            spans.addAll(run.spans());
        }

        /** Rows per stored byte over the spans; NaN when they weigh nothing (or hold no rows). */
        double rowsPerByte() {
            long bytes = partsBytes;
            for (byte[][] span : spans) {
                bytes += Math.max(0, ctx.approximateBytes(span[0], span[1]));
            }
            return bytes > 0 && rows > 0 ? (double) rows / bytes : Double.NaN;
        }
    }

    /** A run's rows (all counted, not only those kept), whether it read its part whole, the key spans it covered. */
    private record Run(long rows, boolean whole, List<byte[][]> spans) {
    }

    /** What one cursor of a run read: the rows counted, and the least key after them (null: the range ended). */
    private record Stretch(long rows, byte[] end) {
    }

    /**
     * Up to {@code keep} consecutive rows of part {@code p} from the key {@code where} (0 to 1)
     * of the way into it, wrapping to the part's start when the part ends first, their values
     * appended in key order; the run goes on counting rows (keys only) up to {@code walk} rows
     * in all, so that the span it weighs is long beside storage's blocks.
     */
    private Run run(Part p, double where, int keep, long walk, List<byte[]> values) {
        byte[] start = between(p.from(), p.to(), where);
        if (start == null) {
            start = p.from();
        }
        List<byte[]> tail = new ArrayList<>();
        Stretch first = read(start, p.to(), keep, walk, tail);
        List<byte[][]> spans = new ArrayList<>(2);
        spans.add(new byte[][] {start, first.end() != null ? first.end() : p.to()});
        List<byte[]> head = new ArrayList<>();
        long rows = first.rows();
        boolean whole = first.end() == null && start == p.from();
        if (first.end() == null && start != p.from()) {
            Stretch second = read(p.from(), start, keep - tail.size(), walk - first.rows(), head);
            spans.add(new byte[][] {p.from(), second.end() != null ? second.end() : start});
            rows += second.rows();
            whole = second.end() == null;
        }
        values.addAll(head);
        values.addAll(tail);
        return new Run(rows, whole, spans);
    }

    /**
     * Reads up to {@code walk} rows of [from, to), appending the values of the first
     * {@code keep} of them to {@code out}.
     */
    private Stretch read(byte[] from, byte[] to, int keep, long walk, List<byte[]> out) {
        if (walk <= 0) {
            return new Stretch(0, from);
        }
        try (KvCursor c = ctx.txn().scan(from, to)) {
            long n = 0;
            while (c.next()) {
                if (n < keep) {
                    out.add(c.value());
                }
                n++;
                if (n == walk) {
                    byte[] k = c.key();
                    return new Stretch(n, Arrays.copyOf(k, k.length + 1)); // the least key after k
                }
            }
            return new Stretch(n, null);
        }
    }

    /**
     * A key {@code fraction} of the way from {@code from} to {@code to} (strictly between them),
     * reading the bytes after their common prefix, {@link #INTERPOLATION_BYTES} of them, as one
     * unsigned number; null when there is none at that resolution.
     */
    static byte[] between(byte[] from, byte[] to, double fraction) {
        int common = Arrays.mismatch(from, to);
        if (common < 0) {
            return null;
        }
        int length = common + INTERPOLATION_BYTES;
        BigInteger low = unsigned(from, length);
        BigInteger high = unsigned(to, length);
        BigInteger gap = high.subtract(low);
        BigInteger step = gap.multiply(BigInteger.valueOf((long) (fraction * (1L << 53)))).shiftRight(53);
        byte[] key = bytes(low.add(step.max(BigInteger.ONE)), length);
        return Arrays.compareUnsigned(key, from) > 0 && Arrays.compareUnsigned(key, to) < 0 ? key : null;
    }

    private static BigInteger unsigned(byte[] key, int length) {
        return new BigInteger(1, Arrays.copyOf(key, length)); // zero-padded or cut to length
    }

    private static byte[] bytes(BigInteger value, int length) {
        byte[] raw = value.toByteArray(); // big-endian, maybe with a leading sign byte
        byte[] key = new byte[length];
        int n = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - n, key, length - n, n);
        return key;
    }
}
