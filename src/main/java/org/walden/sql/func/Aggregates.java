package org.walden.sql.func;

import static org.walden.sql.types.PgType.*;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.types.Interval;
import org.walden.sql.types.Json;
import org.walden.sql.types.NumericSpecial;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * The aggregates (count, sum, avg, min, max, bool_and/or, every, string_agg, array_agg,
 * json(b)_agg, json(b)_object_agg, bit_and/or, stddev and variance) and the window functions
 * (row_number, rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead, first_value,
 * last_value, nth_value), whose values the executor's WindowAgg node computes by name.
 * DISTINCT, FILTER and ORDER BY inside an aggregate call are the executor's, for every aggregate.
 */
final class Aggregates {

    private Aggregates() {
    }

    static void register(Builtins r) {
        r.f("count", INT8).agg((t, res, c) -> new Count());
        r.f("count", INT8, ANY).agg((t, res, c) -> new Count());
        for (PgType t : List.of(INT2, INT4)) {
            r.f("sum", INT8, t).agg((types, res, c) -> new LongSum());
            r.f("avg", NUMERIC, t).agg((types, res, c) -> new NumericAvg());
        }
        r.f("sum", NUMERIC, INT8).agg((types, res, c) -> new NumericSum());
        r.f("sum", NUMERIC, NUMERIC).agg((types, res, c) -> new NumericSum());
        r.f("avg", NUMERIC, INT8).agg((types, res, c) -> new NumericAvg());
        r.f("avg", NUMERIC, NUMERIC).agg((types, res, c) -> new NumericAvg());
        r.f("sum", FLOAT4, FLOAT4).agg((types, res, c) -> new DoubleSum(true));
        r.f("sum", FLOAT8, FLOAT8).agg((types, res, c) -> new DoubleSum(false));
        r.f("avg", FLOAT8, FLOAT4).agg((types, res, c) -> new DoubleAvg());
        r.f("avg", FLOAT8, FLOAT8).agg((types, res, c) -> new DoubleAvg());
        r.f("sum", INTERVAL, INTERVAL).agg((types, res, c) -> new IntervalSum(false));
        r.f("avg", INTERVAL, INTERVAL).agg((types, res, c) -> new IntervalSum(true));
        for (PgType t : List.of(INT2, INT4, INT8, FLOAT4, FLOAT8, NUMERIC, TEXT, BPCHAR, DATE, TIME, TIMETZ,
                TIMESTAMP, TIMESTAMPTZ, INTERVAL, OID, PG_LSN, INET, ANYARRAY, CHAR, UUID)) {
            r.f("min", t, t).agg((types, res, c) -> new MinMax(-1, t == BPCHAR));
            r.f("max", t, t).agg((types, res, c) -> new MinMax(1, t == BPCHAR));
        }
        r.f("bool_and", BOOL, BOOL).agg((types, res, c) -> new BoolAgg(true));
        r.f("every", BOOL, BOOL).agg((types, res, c) -> new BoolAgg(true));
        r.f("bool_or", BOOL, BOOL).agg((types, res, c) -> new BoolAgg(false));
        for (PgType t : List.of(INT2, INT4, INT8)) {
            r.f("bit_and", t, t).agg((types, res, c) -> new BitAgg(true, t));
            r.f("bit_or", t, t).agg((types, res, c) -> new BitAgg(false, t));
        }
        r.f("string_agg", TEXT, TEXT, TEXT).nonStrict().agg((types, res, c) -> new StringAgg());
        r.f("array_agg", ANYARRAY, ANYNONARRAY).nonStrict().agg((types, res, c) -> new ArrayAgg());
        r.f("json_agg", JSON, ANYELEMENT).nonStrict().agg((types, res, c) -> new JsonAgg(types[0], c, false));
        r.f("jsonb_agg", JSONB, ANYELEMENT).nonStrict().agg((types, res, c) -> new JsonAgg(types[0], c, true));
        r.f("json_object_agg", JSON, ANY, ANY).nonStrict().agg((types, res, c) -> new JsonObjectAgg(types, c, false));
        r.f("jsonb_object_agg", JSONB, ANY, ANY).nonStrict().agg((types, res, c) -> new JsonObjectAgg(types, c, true));
        for (PgType t : List.of(INT2, INT4, INT8, NUMERIC)) {
            variance(r, t, NUMERIC);
        }
        variance(r, FLOAT4, FLOAT8);
        variance(r, FLOAT8, FLOAT8);
        windowFunctions(r);
    }

    private static void variance(Builtins r, PgType t, PgType res) {
        boolean numeric = res == NUMERIC;
        r.f("variance", res, t).agg((types, rt, c) -> new Variance(true, false, numeric));
        r.f("var_samp", res, t).agg((types, rt, c) -> new Variance(true, false, numeric));
        r.f("var_pop", res, t).agg((types, rt, c) -> new Variance(false, false, numeric));
        r.f("stddev", res, t).agg((types, rt, c) -> new Variance(true, true, numeric));
        r.f("stddev_samp", res, t).agg((types, rt, c) -> new Variance(true, true, numeric));
        r.f("stddev_pop", res, t).agg((types, rt, c) -> new Variance(false, true, numeric));
    }

    private static void windowFunctions(Builtins r) {
        r.f("row_number", INT8).win();
        r.f("rank", INT8).win();
        r.f("dense_rank", INT8).win();
        r.f("percent_rank", FLOAT8).win();
        r.f("cume_dist", FLOAT8).win();
        r.f("ntile", INT4, INT4).win();
        for (String name : List.of("lag", "lead")) {
            r.f(name, ANYELEMENT, ANYELEMENT).win();
            r.f(name, ANYELEMENT, ANYELEMENT, INT4).win();
            r.f(name, ANYELEMENT, ANYELEMENT, INT4, ANYELEMENT).win();
        }
        r.f("first_value", ANYELEMENT, ANYELEMENT).win();
        r.f("last_value", ANYELEMENT, ANYELEMENT).win();
        r.f("nth_value", ANYELEMENT, ANYELEMENT, INT4).win();
    }

    static final class Count implements FunctionDef.Accumulator {
        private long n;

        @Override
        public void add(Object[] args) {
            n++;
        }

        @Override
        public Object result() {
            return n;
        }
    }

    static final class LongSum implements FunctionDef.Accumulator {
        private long sum;
        private boolean any;

        @Override
        public void add(Object[] args) {
            sum = Math.addExact(sum, ((Number) args[0]).longValue());
            any = true;
        }

        @Override
        public Object result() {
            return any ? sum : null;
        }
    }

    static final class NumericSum implements FunctionDef.Accumulator {
        private long small;
        private BigDecimal big;
        private boolean any;
        /** numeric's NaN and infinities summed so far (PostgreSQL's NaNcount, pInfcount, nInfcount). */
        private long nanCount;
        private long positiveInfinities;
        private long negativeInfinities;

        @Override
        public void add(Object[] args) {
            any = true;
            if (args[0] instanceof NumericSpecial special) {
                if (special.isNaN()) {
                    nanCount++;
                } else if (special.signum() > 0) {
                    positiveInfinities++;
                } else {
                    negativeInfinities++;
                }
            } else if (args[0] instanceof Long l) {
                long s = small + l;
                if (((small ^ s) & (l ^ s)) < 0) { // overflow: move to BigDecimal
                    big = big == null ? BigDecimal.valueOf(small).add(BigDecimal.valueOf(l))
                            : big.add(BigDecimal.valueOf(small)).add(BigDecimal.valueOf(l));
                    small = 0;
                } else {
                    small = s;
                }
            } else {
                BigDecimal x = Values.toBigDecimal((Number) args[0]);
                big = big == null ? x : big.add(x);
            }
        }

        @Override
        public Object result() {
            if (!any) {
                return null;
            }
            if (nanCount > 0 || (positiveInfinities > 0 && negativeInfinities > 0)) {
                return NumericSpecial.NAN;
            }
            if (positiveInfinities > 0 || negativeInfinities > 0) {
                return NumericSpecial.infinity(positiveInfinities > 0 ? 1 : -1);
            }
            return big == null ? BigDecimal.valueOf(small) : big.add(BigDecimal.valueOf(small));
        }
    }

    static final class NumericAvg implements FunctionDef.Accumulator {
        private final NumericSum sum = new NumericSum();
        private long count;

        @Override
        public void add(Object[] args) {
            sum.add(new Object[] {args[0] instanceof Integer || args[0] instanceof Short
                    ? ((Number) args[0]).longValue() : args[0]});
            count++;
        }

        @Override
        public Object result() {
            if (count == 0) {
                return null;
            }
            Object total = sum.result();
            return total instanceof NumericSpecial ? total
                    : Arith.numericDivide((BigDecimal) total, BigDecimal.valueOf(count));
        }
    }

    static final class DoubleSum implements FunctionDef.Accumulator {
        private final boolean float4;
        private double sum;
        private boolean any;

        DoubleSum(boolean float4) {
            this.float4 = float4;
        }

        @Override
        public void add(Object[] args) {
            sum += ((Number) args[0]).doubleValue();
            any = true;
        }

        @Override
        public Object result() {
            return !any ? null : float4 ? (Object) (float) sum : (Object) sum;
        }
    }

    static final class DoubleAvg implements FunctionDef.Accumulator {
        private double sum;
        private long count;

        @Override
        public void add(Object[] args) {
            sum += ((Number) args[0]).doubleValue();
            count++;
        }

        @Override
        public Object result() {
            return count == 0 ? null : sum / count;
        }
    }

    static final class IntervalSum implements FunctionDef.Accumulator {
        private final boolean average;
        private Interval sum;
        private long count;

        IntervalSum(boolean average) {
            this.average = average;
        }

        @Override
        public void add(Object[] args) {
            sum = sum == null ? (Interval) args[0] : Arith.intervalPlus(sum, (Interval) args[0], 1);
            count++;
        }

        @Override
        public Object result() {
            if (sum == null) {
                return null;
            }
            return average ? Arith.intervalTimes(sum, 1.0 / count) : sum;
        }
    }

    static final class MinMax implements FunctionDef.Accumulator {
        private final int sign;
        private final boolean bpchar;
        private Object best;

        MinMax(int sign, boolean bpchar) {
            this.sign = sign;
            this.bpchar = bpchar;
        }

        @Override
        public void add(Object[] args) {
            Object v = args[0];
            if (best == null) {
                best = v;
                return;
            }
            int c = bpchar ? Values.compareStrings(Values.stripTrailingSpaces((String) v),
                    Values.stripTrailingSpaces((String) best)) : Values.compare(v, best);
            if (c * sign > 0) {
                best = v;
            }
        }

        @Override
        public Object result() {
            return best;
        }
    }

    static final class BoolAgg implements FunctionDef.Accumulator {
        private final boolean and;
        private Boolean result;

        BoolAgg(boolean and) {
            this.and = and;
        }

        @Override
        public void add(Object[] args) {
            boolean v = (Boolean) args[0];
            result = result == null ? v : and ? result && v : result || v;
        }

        @Override
        public Object result() {
            return result;
        }
    }

    static final class BitAgg implements FunctionDef.Accumulator {
        private final boolean and;
        private final PgType type;
        private Long result;

        BitAgg(boolean and, PgType type) {
            this.and = and;
            this.type = type;
        }

        @Override
        public void add(Object[] args) {
            long v = ((Number) args[0]).longValue();
            result = result == null ? v : and ? result & v : result | v;
        }

        @Override
        public Object result() {
            return result == null ? null : Arith.integer(result, type);
        }
    }

    static final class StringAgg implements FunctionDef.Accumulator {
        private StringBuilder sb;

        @Override
        public void add(Object[] args) {
            if (args[0] == null) {
                return;
            }
            if (sb == null) {
                sb = new StringBuilder();
            } else if (args[1] != null) {
                sb.append((String) args[1]);
            }
            sb.append((String) args[0]);
        }

        @Override
        public Object result() {
            return sb == null ? null : sb.toString();
        }

        @Override
        public long bytes() {
            return 64 + (sb == null ? 0 : sb.length() * 2L);
        }
    }

    static final class ArrayAgg implements FunctionDef.Accumulator {
        private List<Object> items;

        @Override
        public void add(Object[] args) {
            if (items == null) {
                items = new ArrayList<>();
            }
            items.add(args[0]);
        }

        @Override
        public Object result() {
            return items;
        }

        @Override
        public long bytes() {
            return 64 + (items == null ? 0 : items.size() * 24L);
        }
    }

    static final class JsonAgg implements FunctionDef.Accumulator {
        private final PgType type;
        private final FnContext ctx;
        private final boolean jsonb;
        private List<Object> items;

        JsonAgg(PgType type, FnContext ctx, boolean jsonb) {
            this.type = type;
            this.ctx = ctx;
            this.jsonb = jsonb;
        }

        @Override
        public void add(Object[] args) {
            if (items == null) {
                items = new ArrayList<>();
            }
            items.add(JsonFunctions.toJson(args[0], type, ctx.values()));
        }

        @Override
        public Object result() {
            return items == null ? null : jsonb ? Json.print(items) : JsonFunctions.jsonListText(items, true);
        }
    }

    static final class JsonObjectAgg implements FunctionDef.Accumulator {
        private final PgType[] types;
        private final FnContext ctx;
        private final boolean jsonb;
        private Map<String, Object> map;

        JsonObjectAgg(PgType[] types, FnContext ctx, boolean jsonb) {
            this.types = types;
            this.ctx = ctx;
            this.jsonb = jsonb;
        }

        @Override
        public void add(Object[] args) {
            if (args[0] == null) {
                throw new org.walden.common.PgException(org.walden.common.SqlState.INVALID_PARAMETER_VALUE,
                        "field name must not be null");
            }
            if (map == null) {
                map = new LinkedHashMap<>();
            }
            map.put(Values.toText(types[0], args[0], ctx.values()), JsonFunctions.toJson(args[1], types[1],
                    ctx.values()));
        }

        @Override
        public Object result() {
            return map == null ? null : jsonb ? Json.print(map) : JsonFunctions.jsonObjectText(map, "{ ", " : ", " }");
        }
    }

    /** Variance and standard deviation (sample or population) by the running sums of x and x². */
    static final class Variance implements FunctionDef.Accumulator {
        private final boolean sample;
        private final boolean sqrt;
        private final boolean numeric;
        private BigDecimal sum = BigDecimal.ZERO;
        private BigDecimal sumSquares = BigDecimal.ZERO;
        private double dsum;
        private double dsumSquares;
        private long n;
        /** A numeric NaN or infinity was among the inputs: the result is NaN (numeric_stddev_internal). */
        private boolean anySpecial;

        Variance(boolean sample, boolean sqrt, boolean numeric) {
            this.sample = sample;
            this.sqrt = sqrt;
            this.numeric = numeric;
        }

        @Override
        public void add(Object[] args) {
            n++;
            if (args[0] instanceof NumericSpecial) {
                anySpecial = true;
            } else if (numeric) {
                BigDecimal x = Values.toBigDecimal((Number) args[0]);
                sum = sum.add(x);
                sumSquares = sumSquares.add(x.multiply(x));
            } else {
                double x = ((Number) args[0]).doubleValue();
                dsum += x;
                dsumSquares += x * x;
            }
        }

        @Override
        public Object result() {
            if (n == 0 || (sample && n == 1)) {
                return null;
            }
            if (anySpecial) {
                return NumericSpecial.NAN;
            }
            long denominator = sample ? n * (n - 1) : n * n;
            if (!numeric) {
                double v = (n * dsumSquares - dsum * dsum) / denominator;
                v = Math.max(v, 0);
                return sqrt ? Math.sqrt(v) : v;
            }
            BigDecimal num = BigDecimal.valueOf(n).multiply(sumSquares).subtract(sum.multiply(sum));
            BigDecimal v = Arith.numericDivide(num, BigDecimal.valueOf(denominator));
            if (sqrt) {
                return Arith.numericRound(v.max(BigDecimal.ZERO).sqrt(MathContext.DECIMAL128), 0);
            }
            return v;
        }
    }
}
