package org.walden.sql.func;

import static org.walden.sql.types.PgType.ANYARRAY;
import static org.walden.sql.types.PgType.ANYELEMENT;
import static org.walden.sql.types.PgType.FLOAT8;
import static org.walden.sql.types.PgType.FLOAT8_ARRAY;
import static org.walden.sql.types.PgType.INTERVAL;
import static org.walden.sql.types.PgType.INTERVAL_ARRAY;

import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.Interval;
import org.walden.sql.types.Values;

/**
 * The ordered-set aggregates of orderedsetaggs.c, called with WITHIN GROUP (ORDER BY x):
 * percentile_cont(fraction) (interpolating, over float8 or interval), percentile_disc(fraction)
 * (the first value at or past the fraction, any sortable type), each also with an array of
 * fractions (an array of results), and mode() (the most frequent value, the first in sort order
 * among equally frequent ones). The executor hands the rows over in WITHIN GROUP order; the
 * direct argument (the fraction) comes with every row and is read from the first. NULL sort
 * values are skipped; no rows, or a NULL fraction, give NULL.
 */
final class OrderedSetAggregates {

    private OrderedSetAggregates() {
    }

    static void register(Builtins r) {
        r.f("percentile_cont", FLOAT8, FLOAT8, FLOAT8).nonStrict()
                .agg((FunctionDef.OrderedSetAggregate) (t, res, c) -> new Percentile(true, false, false));
        r.f("percentile_cont", INTERVAL, FLOAT8, INTERVAL).nonStrict()
                .agg((FunctionDef.OrderedSetAggregate) (t, res, c) -> new Percentile(true, false, true));
        r.f("percentile_cont", FLOAT8_ARRAY, FLOAT8_ARRAY, FLOAT8).nonStrict()
                .agg((FunctionDef.OrderedSetAggregate) (t, res, c) -> new Percentile(true, true, false));
        r.f("percentile_cont", INTERVAL_ARRAY, FLOAT8_ARRAY, INTERVAL).nonStrict()
                .agg((FunctionDef.OrderedSetAggregate) (t, res, c) -> new Percentile(true, true, true));
        r.f("percentile_disc", ANYELEMENT, FLOAT8, ANYELEMENT).nonStrict()
                .agg((FunctionDef.OrderedSetAggregate) (t, res, c) -> new Percentile(false, false, false));
        r.f("percentile_disc", ANYARRAY, FLOAT8_ARRAY, ANYELEMENT).nonStrict()
                .agg((FunctionDef.OrderedSetAggregate) (t, res, c) -> new Percentile(false, true, false));
        r.f("mode", ANYELEMENT, ANYELEMENT).nonStrict()
                .agg((FunctionDef.OrderedSetAggregate) (t, res, c) -> new Mode());
    }

    /** percentile_cont / percentile_disc, with one fraction or an array of them. */
    private static final class Percentile implements FunctionDef.Accumulator {
        private final boolean continuous;
        private final boolean array;
        private final boolean interval;
        private final List<Object> sorted = new ArrayList<>();
        private boolean seenRow;
        private Object fraction;

        Percentile(boolean continuous, boolean array, boolean interval) {
            this.continuous = continuous;
            this.array = array;
            this.interval = interval;
        }

        @Override
        public void add(Object[] args) {
            if (!seenRow) {
                seenRow = true;
                fraction = args[0];
            }
            if (args[1] != null) {
                sorted.add(args[1]);
            }
        }

        @Override
        public long bytes() {
            return 64 + 32L * sorted.size();
        }

        @Override
        public Object result() {
            if (sorted.isEmpty() || fraction == null) {
                return null;
            }
            if (!array) {
                return at(checked((Double) fraction));
            }
            List<Object> out = new ArrayList<>();
            for (Object f : (List<?>) fraction) {
                out.add(f == null ? null : at(checked((Double) f)));
            }
            return out;
        }

        private static double checked(double p) {
            if (p < 0 || p > 1 || Double.isNaN(p)) {
                throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE,
                        "percentile value " + Values.formatDouble(p) + " is not between 0 and 1");
            }
            return p;
        }

        private Object at(double p) {
            int n = sorted.size();
            if (!continuous) {
                long row = (long) Math.ceil(p * n);
                return sorted.get((int) Math.max(0, row - 1));
            }
            double position = p * (n - 1);
            int first = (int) Math.floor(position);
            int second = (int) Math.ceil(position);
            Object lo = sorted.get(first);
            if (first == second) {
                return lo;
            }
            Object hi = sorted.get(second);
            double proportion = position - first;
            if (interval) {
                Interval diff = Arith.intervalPlus((Interval) hi, (Interval) lo, -1);
                return Arith.intervalPlus((Interval) lo, Arith.intervalTimes(diff, proportion), 1);
            }
            double l = (Double) lo;
            return l + ((Double) hi - l) * proportion;
        }
    }

    /** mode(): the longest run of equal values in sort order; the earliest wins a tie. */
    private static final class Mode implements FunctionDef.Accumulator {
        private Object best;
        private long bestCount;
        private Object current;
        private long currentCount;

        @Override
        public void add(Object[] args) {
            Object v = args[0];
            if (v == null) {
                return;
            }
            if (currentCount > 0 && Values.compare(current, v) == 0) {
                currentCount++;
            } else {
                current = v;
                currentCount = 1;
            }
            if (currentCount > bestCount) {
                best = current;
                bestCount = currentCount;
            }
        }

        @Override
        public Object result() {
            return best;
        }
    }
}
