package org.walden.sql.exec;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.Interval;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/** Evaluation of operators on non-null values, with PostgreSQL's overflow and division rules. */
final class Operators {

    private Operators() {
    }

    /** The result type of + - * / % on two numeric types (int2 < int4 < int8 < numeric < float8). */
    static PgType arithmeticType(PgType a, PgType b) {
        if (a == PgType.FLOAT8 || b == PgType.FLOAT8 || a == PgType.FLOAT4 && b != PgType.FLOAT4
                || b == PgType.FLOAT4 && a != PgType.FLOAT4) {
            return (a == PgType.FLOAT4 && b == PgType.FLOAT4) ? PgType.FLOAT4 : PgType.FLOAT8;
        }
        if (a == PgType.FLOAT4) {
            return PgType.FLOAT4;
        }
        if (a == PgType.NUMERIC || b == PgType.NUMERIC) {
            return PgType.NUMERIC;
        }
        if (a == PgType.INT8 || b == PgType.INT8 || a == PgType.OID || b == PgType.OID) {
            return PgType.INT8;
        }
        if (a == PgType.INT4 || b == PgType.INT4) {
            return PgType.INT4;
        }
        return PgType.INT2;
    }

    static Object arithmetic(String op, PgType resultType, Object a, Object b) {
        switch (resultType) {
            case INT2, INT4, INT8:
                return integerOp(op, resultType, ((Number) a).longValue(), ((Number) b).longValue());
            case FLOAT4, FLOAT8: {
                double r = floatOp(op, ((Number) a).doubleValue(), ((Number) b).doubleValue());
                return resultType == PgType.FLOAT4 ? (Object) (float) r : (Object) r;
            }
            case NUMERIC:
                return numericOp(op, Values.toBigDecimal((Number) a), Values.toBigDecimal((Number) b));
            default:
                throw new IllegalStateException(resultType.toString());
        }
    }

    private static Object integerOp(String op, PgType type, long a, long b) {
        long r;
        try {
            r = switch (op) {
                case "+" -> Math.addExact(a, b);
                case "-" -> Math.subtractExact(a, b);
                case "*" -> Math.multiplyExact(a, b);
                case "/" -> {
                    if (b == 0) {
                        throw divisionByZero();
                    }
                    if (a == Long.MIN_VALUE && b == -1) {
                        throw new ArithmeticException();
                    }
                    yield a / b;
                }
                case "%" -> {
                    if (b == 0) {
                        throw divisionByZero();
                    }
                    yield b == -1 ? 0 : a % b;
                }
                default -> throw new IllegalStateException(op);
            };
        } catch (ArithmeticException e) {
            throw outOfRange(type);
        }
        return Values.castNumber(inRange(r, type), PgType.INT8, type);
    }

    private static long inRange(long r, PgType type) {
        boolean ok = switch (type) {
            case INT2 -> r >= Short.MIN_VALUE && r <= Short.MAX_VALUE;
            case INT4 -> r >= Integer.MIN_VALUE && r <= Integer.MAX_VALUE;
            default -> true;
        };
        if (!ok) {
            throw outOfRange(type);
        }
        return r;
    }

    static PgException outOfRange(PgType type) {
        String name = switch (type) {
            case INT2 -> "smallint";
            case INT4 -> "integer";
            case INT8 -> "bigint";
            default -> type.sqlName;
        };
        return new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, name + " out of range");
    }

    static PgException divisionByZero() {
        return new PgException(SqlState.DIVISION_BY_ZERO, "division by zero");
    }

    private static double floatOp(String op, double a, double b) {
        double r = switch (op) {
            case "+" -> a + b;
            case "-" -> a - b;
            case "*" -> a * b;
            case "/" -> {
                if (b == 0) {
                    throw divisionByZero();
                }
                yield a / b;
            }
            case "%" -> {
                if (b == 0) {
                    throw divisionByZero();
                }
                yield a % b;
            }
            default -> throw new IllegalStateException(op);
        };
        if (Double.isInfinite(r) && !Double.isInfinite(a) && !Double.isInfinite(b)) {
            throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
        }
        return r;
    }

    private static BigDecimal numericOp(String op, BigDecimal a, BigDecimal b) {
        switch (op) {
            case "+":
                return a.add(b);
            case "-":
                return a.subtract(b);
            case "*":
                return a.multiply(b);
            case "/":
                if (b.signum() == 0) {
                    throw divisionByZero();
                }
                return numericDivide(a, b);
            case "%":
                if (b.signum() == 0) {
                    throw divisionByZero();
                }
                return a.remainder(b);
            default:
                throw new IllegalStateException(op);
        }
    }

    /**
     * numeric division with PostgreSQL's select_div_scale: at least 16 significant digits,
     * and never fewer decimals than either input shows.
     */
    static BigDecimal numericDivide(BigDecimal a, BigDecimal b) {
        BigDecimal approx = a.divide(b, MathContext.DECIMAL64);
        int decimalExponent = approx.signum() == 0 ? 0 : approx.precision() - approx.scale() - 1;
        int qweight = Math.floorDiv(decimalExponent, 4);
        int rscale = 16 - qweight * 4;
        rscale = Math.max(rscale, Math.max(a.scale(), b.scale()));
        rscale = Math.max(0, Math.min(rscale, 1000));
        return a.divide(b, rscale, RoundingMode.HALF_UP);
    }

    static Object negate(PgType type, Object v) {
        return switch (type) {
            case INT2, INT4, INT8 -> {
                long x = ((Number) v).longValue();
                if (x == Long.MIN_VALUE) {
                    throw outOfRange(type);
                }
                yield Values.castNumber(inRange(-x, type), PgType.INT8, type);
            }
            case FLOAT4 -> -((Float) v);
            case FLOAT8 -> -((Double) v);
            case NUMERIC -> ((BigDecimal) v).negate();
            case INTERVAL -> {
                Interval i = (Interval) v;
                yield new Interval(-i.months(), -i.days(), -i.micros());
            }
            default -> throw new IllegalStateException(type.toString());
        };
    }

    static Object timestampPlus(Object ts, Interval iv, int sign) {
        if (ts instanceof LocalDateTime t) {
            return t.plusMonths((long) sign * iv.months()).plusDays((long) sign * iv.days())
                    .plus((long) sign * iv.micros(), ChronoUnit.MICROS);
        }
        Instant i = (Instant) ts;
        return i.plus((long) sign * iv.days(), ChronoUnit.DAYS).plus((long) sign * iv.micros(), ChronoUnit.MICROS)
                .plus((long) sign * iv.months() * 30, ChronoUnit.DAYS);
    }

    static Interval timestampMinus(Object a, Object b) {
        long micros;
        if (a instanceof LocalDateTime x) {
            micros = ChronoUnit.MICROS.between((LocalDateTime) b, x);
        } else {
            micros = ChronoUnit.MICROS.between((Instant) b, (Instant) a);
        }
        long days = micros / 86_400_000_000L;
        return new Interval(0, (int) days, micros - days * 86_400_000_000L);
    }

    /** Compares for = < > etc; bpchar compares without trailing spaces. */
    static int compare(Object a, Object b, boolean bpchar) {
        if (bpchar && a instanceof String x && b instanceof String y) {
            return Values.stripTrailingSpaces(x).compareTo(Values.stripTrailingSpaces(y));
        }
        return Values.compare(a, b);
    }

    static boolean comparisonHolds(String op, int cmp) {
        return switch (op) {
            case "=" -> cmp == 0;
            case "<>" -> cmp != 0;
            case "<" -> cmp < 0;
            case "<=" -> cmp <= 0;
            case ">" -> cmp > 0;
            case ">=" -> cmp >= 0;
            default -> throw new IllegalStateException(op);
        };
    }

    /** LIKE / ILIKE pattern to a regular expression (backslash is the escape). */
    static Pattern likePattern(String pattern, boolean caseInsensitive) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
            } else if (c == '%') {
                re.append(".*");
            } else if (c == '_') {
                re.append('.');
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL | (caseInsensitive ? Pattern.CASE_INSENSITIVE
                | Pattern.UNICODE_CASE : 0));
    }
}
