package org.walden.sql.exec;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.Set;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/** One aggregate call in a query: count, sum, min, max, avg (optionally DISTINCT). */
final class AggSpec {

    final String name;
    /** Null for count(*). */
    final Node arg;
    final boolean distinct;
    final PgType resultType;

    AggSpec(String name, Node arg, boolean distinct, PgType resultType) {
        this.name = name;
        this.arg = arg;
        this.distinct = distinct;
        this.resultType = resultType;
    }

    static PgType resultType(String name, PgType argType) {
        return switch (name) {
            case "count" -> PgType.INT8;
            case "sum" -> switch (argType) {
                case INT2, INT4 -> PgType.INT8;
                case INT8, NUMERIC -> PgType.NUMERIC;
                case FLOAT4 -> PgType.FLOAT4;
                case FLOAT8 -> PgType.FLOAT8;
                case INTERVAL -> PgType.INTERVAL;
                default -> null;
            };
            case "avg" -> switch (argType) {
                case INT2, INT4, INT8, NUMERIC -> PgType.NUMERIC;
                case FLOAT4, FLOAT8 -> PgType.FLOAT8;
                default -> null;
            };
            case "min", "max" -> argType;
            default -> null;
        };
    }

    /** Running state of one aggregate over one group. */
    final class State {
        long count;
        Object acc;
        final Set<Object> seen = distinct ? new HashSet<>() : null;

        void add(EvalContext ctx) {
            if (arg == null) {
                count++;
                return;
            }
            Object v = arg.eval(ctx);
            if (v == null || (seen != null && !seen.add(v instanceof BigDecimal b ? b.stripTrailingZeros() : v))) {
                return;
            }
            count++;
            switch (name) {
                case "count" -> {
                }
                case "min" -> acc = acc == null || Operators.compare(v, acc, arg.type == PgType.BPCHAR) < 0 ? v : acc;
                case "max" -> acc = acc == null || Operators.compare(v, acc, arg.type == PgType.BPCHAR) > 0 ? v : acc;
                default -> acc = accumulate(v);
            }
        }

        private Object accumulate(Object v) {
            if (arg.type == PgType.FLOAT4 || arg.type == PgType.FLOAT8) {
                return (acc == null ? 0.0 : (Double) acc) + ((Number) v).doubleValue();
            }
            BigDecimal x = Values.toBigDecimal((Number) v);
            return acc == null ? x : ((BigDecimal) acc).add(x);
        }

        Object result() {
            switch (name) {
                case "count":
                    return count;
                case "min", "max":
                    return acc;
                case "sum":
                    if (acc == null) {
                        return null;
                    }
                    if (resultType == PgType.INT8) {
                        return Values.castNumber((BigDecimal) acc, PgType.NUMERIC, PgType.INT8);
                    }
                    return resultType == PgType.FLOAT4 ? (Object) ((Double) acc).floatValue() : acc;
                case "avg":
                    if (acc == null) {
                        return null;
                    }
                    if (resultType == PgType.FLOAT8) {
                        return (Double) acc / count;
                    }
                    return Operators.numericDivide((BigDecimal) acc, BigDecimal.valueOf(count));
                default:
                    throw new IllegalStateException(name);
            }
        }
    }
}
