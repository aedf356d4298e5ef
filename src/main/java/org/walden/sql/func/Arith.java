package org.walden.sql.func;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.Casts;
import org.walden.sql.types.Interval;
import org.walden.sql.types.NumericSpecial;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/** Arithmetic on non-null values with PostgreSQL's overflow, division and rounding rules. */
public final class Arith {

    static final long MICROS_PER_DAY = 86_400_000_000L;

    private Arith() {
    }

    public static PgException outOfRange(PgType type) {
        String name = switch (type) {
            case INT2 -> "smallint";
            case INT4 -> "integer";
            case INT8 -> "bigint";
            default -> type.sqlName;
        };
        return new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, name + " out of range");
    }

    public static PgException divisionByZero() {
        return new PgException(SqlState.DIVISION_BY_ZERO, "division by zero");
    }

    /** Wraps an integer result in the result type's Java class after a range check. */
    static Object integer(long r, PgType type) {
        return switch (type) {
            case INT2 -> {
                if (r < Short.MIN_VALUE || r > Short.MAX_VALUE) {
                    throw outOfRange(type);
                }
                yield (short) r;
            }
            case INT4 -> {
                if (r < Integer.MIN_VALUE || r > Integer.MAX_VALUE) {
                    throw outOfRange(type);
                }
                yield (int) r;
            }
            default -> r;
        };
    }

    static Object integerOp(String op, PgType type, long a, long b) {
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
                case "&" -> a & b;
                case "|" -> a | b;
                case "#" -> a ^ b;
                case "<<" -> type == PgType.INT8 ? a << b : type == PgType.INT4 ? (long) ((int) a << b)
                        : (long) (short) ((short) a << b);
                case ">>" -> a >> b;
                default -> throw new IllegalStateException(op);
            };
        } catch (ArithmeticException e) {
            throw outOfRange(type);
        }
        return integer(r, type);
    }

    static double floatOp(String op, double a, double b) {
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
        if (r == 0 && a != 0 && op.equals("*")) {
            throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: underflow");
        }
        return r;
    }

    static BigDecimal numericOp(String op, BigDecimal a, BigDecimal b) {
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
     * numeric division with PostgreSQL's select_div_scale: about 16 significant digits of the
     * quotient as estimated from the inputs' leading base-10000 digits (not from the quotient
     * itself: 2 / 2.0 and 0 / 2.0 show 20 decimals), and never fewer decimals than either input.
     */
    public static BigDecimal numericDivide(BigDecimal a, BigDecimal b) {
        if (b.signum() == 0) {
            throw divisionByZero();
        }
        int qweight = base10000Weight(a) - base10000Weight(b);
        if (leadingBase10000Digit(a) <= leadingBase10000Digit(b)) {
            qweight--; // equal leading digits: assumed the dividend is the smaller
        }
        int rscale = 16 - qweight * 4;
        rscale = Math.max(rscale, Math.max(a.scale(), b.scale()));
        rscale = Math.max(0, Math.min(rscale, 1000));
        return a.divide(b, rscale, RoundingMode.HALF_UP);
    }

    /** The power of 10000 of a numeric's leading digit group as PostgreSQL stores it; 0 for zero. */
    private static int base10000Weight(BigDecimal x) {
        return x.signum() == 0 ? 0 : Math.floorDiv(x.precision() - x.scale() - 1, 4);
    }

    /** The value (1..9999) of a numeric's leading base-10000 digit group; 0 for zero. */
    private static int leadingBase10000Digit(BigDecimal x) {
        return x.signum() == 0 ? 0
                : x.abs().movePointLeft(4 * base10000Weight(x)).setScale(0, RoundingMode.DOWN).intValueExact();
    }

    /** The result scale PostgreSQL gives sqrt, exp, ln and power of a numeric. */
    static BigDecimal numericRound(BigDecimal v, int minScale) {
        int weight = v.signum() == 0 ? 0 : v.precision() - v.scale() - 1;
        int scale = Math.max(16 - weight, minScale);
        scale = Math.max(0, Math.min(scale, 1000));
        return v.setScale(scale, RoundingMode.HALF_UP);
    }

    /** Binary arithmetic on two numbers whose common type is {@code type}. */
    public static Object arithmetic(String op, PgType type, Object a, Object b) {
        return switch (type) {
            case INT2, INT4, INT8 -> integerOp(op, type, ((Number) a).longValue(), ((Number) b).longValue());
            case FLOAT4 -> (float) floatOp(op, ((Number) a).doubleValue(), ((Number) b).doubleValue());
            case FLOAT8 -> floatOp(op, ((Number) a).doubleValue(), ((Number) b).doubleValue());
            case NUMERIC -> a instanceof NumericSpecial || b instanceof NumericSpecial
                    ? NumericSpecials.arithmetic(op, (Number) a, (Number) b)
                    : numericOp(op, Values.toBigDecimal((Number) a), Values.toBigDecimal((Number) b));
            default -> throw new IllegalStateException(type.toString());
        };
    }

    public static Object negate(PgType type, Object v) {
        return switch (type) {
            case INT2, INT4, INT8 -> {
                long x = ((Number) v).longValue();
                if (x == Long.MIN_VALUE) {
                    throw outOfRange(type);
                }
                yield integer(-x, type);
            }
            case FLOAT4 -> -((Float) v);
            case FLOAT8 -> -((Double) v);
            case NUMERIC -> v instanceof NumericSpecial special ? special.negate() : ((BigDecimal) v).negate();
            case INTERVAL -> {
                Interval i = (Interval) v;
                yield new Interval(-i.months(), -i.days(), -i.micros());
            }
            default -> throw new IllegalStateException(type.toString());
        };
    }

    // ---------------------------------------------------------------- date and time

    public static LocalDateTime timestampPlus(LocalDateTime t, Interval iv, int sign) {
        if (t.equals(Values.TIMESTAMP_INFINITY) || t.equals(Values.TIMESTAMP_MINUS_INFINITY)) {
            return t;
        }
        return t.plusMonths((long) sign * iv.months()).plusDays((long) sign * iv.days())
                .plus((long) sign * iv.micros(), ChronoUnit.MICROS);
    }

    public static Instant timestamptzPlus(Instant i, Interval iv, int sign, ZoneId zone) {
        if (i.equals(Values.TIMESTAMPTZ_INFINITY) || i.equals(Values.TIMESTAMPTZ_MINUS_INFINITY)) {
            return i;
        }
        // months and days move the local calendar time (across DST), microseconds the instant
        return i.atZone(zone).plusMonths((long) sign * iv.months()).plusDays((long) sign * iv.days()).toInstant()
                .plus((long) sign * iv.micros(), ChronoUnit.MICROS);
    }

    /** timestamp - timestamp: days and microseconds (justify_hours), as PostgreSQL subtracts them. */
    public static Interval timestampMinus(LocalDateTime a, LocalDateTime b) {
        return justifyHours(ChronoUnit.MICROS.between(b, a));
    }

    public static Interval timestamptzMinus(Instant a, Instant b) {
        return justifyHours(ChronoUnit.MICROS.between(b, a));
    }

    private static Interval justifyHours(long micros) {
        long days = micros / MICROS_PER_DAY;
        return new Interval(0, (int) days, micros - days * MICROS_PER_DAY);
    }

    public static LocalDate datePlusDays(LocalDate d, long days) {
        if (d.equals(Values.DATE_INFINITY) || d.equals(Values.DATE_MINUS_INFINITY)) {
            return d;
        }
        return d.plusDays(days);
    }

    public static Interval intervalPlus(Interval a, Interval b, int sign) {
        long months = (long) a.months() + sign * (long) b.months();
        long days = (long) a.days() + sign * (long) b.days();
        if (months != (int) months || days != (int) days) {
            throw new PgException(SqlState.DATETIME_FIELD_OVERFLOW, "interval out of range");
        }
        return new Interval((int) months, (int) days, Math.addExact(a.micros(), sign * b.micros()));
    }

    /** interval * factor, spilling fractional months into days and fractional days into time as PostgreSQL. */
    public static Interval intervalTimes(Interval i, double factor) {
        double months = i.months() * factor;
        long wholeMonths = (long) months;
        double days = i.days() * factor + (months - wholeMonths) * 30;
        long wholeDays = (long) days;
        double micros = i.micros() * factor + (days - wholeDays) * MICROS_PER_DAY;
        return new Interval((int) wholeMonths, (int) wholeDays, Math.round(micros));
    }

    /** The common numeric type of + - * / on two numeric types (int2 < int4 < int8 < numeric < float). */
    public static PgType arithmeticType(PgType a, PgType b) {
        if (a == PgType.FLOAT8 || b == PgType.FLOAT8) {
            return PgType.FLOAT8;
        }
        if (a == PgType.FLOAT4 || b == PgType.FLOAT4) {
            return a == b ? PgType.FLOAT4 : (a == PgType.NUMERIC || b == PgType.NUMERIC) ? PgType.FLOAT8
                    : (a.isInteger() || b.isInteger()) ? PgType.FLOAT8 : PgType.FLOAT4;
        }
        if (a == PgType.NUMERIC || b == PgType.NUMERIC) {
            return PgType.NUMERIC;
        }
        if (a == PgType.INT8 || b == PgType.INT8) {
            return PgType.INT8;
        }
        if (a == PgType.INT4 || b == PgType.INT4) {
            return PgType.INT4;
        }
        return PgType.INT2;
    }

    /** Converts a number to the Java class of {@code type}. */
    static Object as(Object v, PgType type) {
        return Casts.castNumber((Number) v, PgType.NUMERIC, type);
    }
}
