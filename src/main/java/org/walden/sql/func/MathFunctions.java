package org.walden.sql.func;

import static org.walden.sql.types.PgType.*;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.NumericSpecial;
import org.walden.sql.types.PgType;

/** Mathematical functions (PostgreSQL's "Mathematical Functions and Operators"). */
final class MathFunctions {

    private MathFunctions() {
    }

    static void register(Builtins r) {
        for (PgType t : List.of(INT2, INT4, INT8)) {
            r.f("abs", t, t).impl(a -> ((Number) a[0]).longValue() < 0 ? Arith.negate(t, a[0]) : a[0]);
            r.f("mod", t, t, t).impl(a -> Arith.integerOp("%", t, ((Number) a[0]).longValue(),
                    ((Number) a[1]).longValue()));
        }
        r.f("gcd", INT4, INT4, INT4).impl(a -> (int) gcd(((Number) a[0]).longValue(), ((Number) a[1]).longValue()));
        r.f("gcd", INT8, INT8, INT8).impl(a -> gcd((Long) a[0], (Long) a[1]));
        r.f("lcm", INT4, INT4, INT4).impl(a -> Arith.integer(lcm((Integer) a[0], (Integer) a[1]), INT4));
        r.f("lcm", INT8, INT8, INT8).impl(a -> lcm((Long) a[0], (Long) a[1]));
        r.f("abs", FLOAT4, FLOAT4).impl(a -> Math.abs((Float) a[0]));
        r.f("abs", FLOAT8, FLOAT8).impl(a -> Math.abs((Double) a[0]));
        r.f("abs", NUMERIC, NUMERIC).impl(a -> a[0] instanceof NumericSpecial s ? (s.isNaN() ? s
                : NumericSpecial.POSITIVE_INFINITY) : ((BigDecimal) a[0]).abs());
        r.f("mod", NUMERIC, NUMERIC, NUMERIC).impl(a -> Arith.arithmetic("%", NUMERIC, a[0], a[1]));
        r.f("div", NUMERIC, NUMERIC, NUMERIC).impl(a -> {
            if (a[0] instanceof NumericSpecial || a[1] instanceof NumericSpecial) {
                return NumericSpecials.divTrunc((Number) a[0], (Number) a[1]);
            }
            if (((BigDecimal) a[1]).signum() == 0) {
                throw Arith.divisionByZero();
            }
            return new BigDecimal(((BigDecimal) a[0]).divideToIntegralValue((BigDecimal) a[1]).toBigInteger());
        });
        for (String name : List.of("ceil", "ceiling")) {
            r.f(name, FLOAT8, FLOAT8).impl(a -> Math.ceil((Double) a[0]));
            r.f(name, NUMERIC, NUMERIC).impl(a -> special(a[0]) ? a[0] : ((BigDecimal) a[0]).setScale(0, RoundingMode.CEILING));
        }
        r.f("floor", FLOAT8, FLOAT8).impl(a -> Math.floor((Double) a[0]));
        r.f("floor", NUMERIC, NUMERIC).impl(a -> special(a[0]) ? a[0] : ((BigDecimal) a[0]).setScale(0, RoundingMode.FLOOR));
        r.f("round", FLOAT8, FLOAT8).impl(a -> Math.rint((Double) a[0]));
        r.f("round", NUMERIC, NUMERIC).impl(a -> special(a[0]) ? a[0] : ((BigDecimal) a[0]).setScale(0, RoundingMode.HALF_UP));
        r.f("round", NUMERIC, NUMERIC, INT4).impl(a -> special(a[0]) ? a[0]
                : round((BigDecimal) a[0], (Integer) a[1], RoundingMode.HALF_UP));
        r.f("trunc", FLOAT8, FLOAT8).impl(a -> (double) (long) (double) (Double) a[0]);
        r.f("trunc", NUMERIC, NUMERIC).impl(a -> special(a[0]) ? a[0] : ((BigDecimal) a[0]).setScale(0, RoundingMode.DOWN));
        r.f("trunc", NUMERIC, NUMERIC, INT4).impl(a -> special(a[0]) ? a[0]
                : round((BigDecimal) a[0], (Integer) a[1], RoundingMode.DOWN));
        r.f("sign", FLOAT8, FLOAT8).impl(a -> Math.signum((Double) a[0]));
        r.f("sign", NUMERIC, NUMERIC).impl(a -> a[0] instanceof NumericSpecial s ? NumericSpecials.sign(s)
                : BigDecimal.valueOf(((BigDecimal) a[0]).signum()));
        r.f("scale", INT4, NUMERIC).impl(a -> special(a[0]) ? null : Math.max(0, ((BigDecimal) a[0]).scale()));
        r.f("sqrt", FLOAT8, FLOAT8).impl(a -> sqrt((Double) a[0]));
        r.f("sqrt", NUMERIC, NUMERIC).impl(a -> {
            if (a[0] instanceof NumericSpecial s) {
                return NumericSpecials.sqrt(s);
            }
            BigDecimal x = (BigDecimal) a[0];
            if (x.signum() < 0) {
                throw new PgException(SqlState.INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                        "cannot take square root of a negative number");
            }
            return sqrtNumeric(x);
        });
        r.f("cbrt", FLOAT8, FLOAT8).impl(a -> Math.cbrt((Double) a[0]));
        for (String name : List.of("power", "pow")) {
            r.f(name, FLOAT8, FLOAT8, FLOAT8).impl(a -> power((Double) a[0], (Double) a[1]));
            r.f(name, NUMERIC, NUMERIC, NUMERIC).impl(a -> power((Number) a[0], (Number) a[1]));
        }
        r.f("exp", FLOAT8, FLOAT8).impl(a -> Math.exp((Double) a[0]));
        r.f("exp", NUMERIC, NUMERIC).impl(a -> a[0] instanceof NumericSpecial s ? NumericSpecials.exp(s)
                : Arith.numericRound(new BigDecimal(Math.exp(((BigDecimal) a[0])
                .doubleValue())), 0));
        r.f("ln", FLOAT8, FLOAT8).impl(a -> log((Double) a[0], Math::log));
        r.f("ln", NUMERIC, NUMERIC).impl(a -> a[0] instanceof NumericSpecial s ? NumericSpecials.ln(s)
                : Arith.numericRound(new BigDecimal(log(((BigDecimal) a[0]).doubleValue(),
                Math::log)), 0));
        r.f("log", FLOAT8, FLOAT8).impl(a -> log((Double) a[0], Math::log10));
        r.f("log10", FLOAT8, FLOAT8).impl(a -> log((Double) a[0], Math::log10));
        r.f("log", NUMERIC, NUMERIC).impl(a -> a[0] instanceof NumericSpecial s ? NumericSpecials.ln(s)
                : Arith.numericRound(new BigDecimal(log(((BigDecimal) a[0]).doubleValue(),
                Math::log10)), 0));
        r.f("log10", NUMERIC, NUMERIC).impl(a -> a[0] instanceof NumericSpecial s ? NumericSpecials.ln(s)
                : Arith.numericRound(new BigDecimal(log(((BigDecimal) a[0])
                .doubleValue(), Math::log10)), 0));
        r.f("log", NUMERIC, NUMERIC, NUMERIC).impl(a -> special(a[0]) || special(a[1])
                ? NumericSpecials.log((Number) a[0], (Number) a[1]) : Arith.numericRound(new BigDecimal(
                log(((BigDecimal) a[1]).doubleValue(), Math::log) / log(((BigDecimal) a[0]).doubleValue(), Math::log)),
                0));
        r.f("pi", FLOAT8).impl(a -> Math.PI);
        r.f("random", FLOAT8).volatile_().impl(a -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        r.f("setseed", VOID, FLOAT8).volatile_().impl(a -> null);
        r.f("degrees", FLOAT8, FLOAT8).impl(a -> Math.toDegrees((Double) a[0]));
        r.f("radians", FLOAT8, FLOAT8).impl(a -> Math.toRadians((Double) a[0]));
        r.f("sin", FLOAT8, FLOAT8).impl(a -> Math.sin((Double) a[0]));
        r.f("cos", FLOAT8, FLOAT8).impl(a -> Math.cos((Double) a[0]));
        r.f("tan", FLOAT8, FLOAT8).impl(a -> Math.tan((Double) a[0]));
        r.f("asin", FLOAT8, FLOAT8).impl(a -> Math.asin((Double) a[0]));
        r.f("acos", FLOAT8, FLOAT8).impl(a -> Math.acos((Double) a[0]));
        r.f("atan", FLOAT8, FLOAT8).impl(a -> Math.atan((Double) a[0]));
        r.f("atan2", FLOAT8, FLOAT8, FLOAT8).impl(a -> Math.atan2((Double) a[0], (Double) a[1]));
        r.f("factorial", NUMERIC, INT8).impl(a -> {
            long n = (Long) a[0];
            if (n < 0) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "factorial of a negative number is undefined");
            }
            BigInteger f = BigInteger.ONE;
            for (long i = 2; i <= n; i++) {
                f = f.multiply(BigInteger.valueOf(i));
            }
            return new BigDecimal(f);
        });
        r.f("width_bucket", INT4, FLOAT8, FLOAT8, FLOAT8, INT4).impl(a -> widthBucket((Double) a[0], (Double) a[1],
                (Double) a[2], (Integer) a[3]));
    }

    private static boolean special(Object v) {
        return v instanceof NumericSpecial;
    }

    private static BigDecimal round(BigDecimal v, int scale, RoundingMode mode) {
        BigDecimal r = v.setScale(scale, mode);
        return scale < 0 ? r.setScale(0, RoundingMode.UNNECESSARY) : r;
    }

    /**
     * numeric_sqrt's result scale: 16 significant digits counted from the result's weight in
     * base-10000 digits ((weight + 1) * 4 / 2 - 1), at least the argument's scale.
     */
    static BigDecimal sqrtNumeric(BigDecimal x) {
        int decimalExponent = x.signum() == 0 ? 0 : x.precision() - x.scale() - 1;
        int weight = Math.floorDiv(decimalExponent, 4);
        int sweight = (weight + 1) * 4 / 2 - 1;
        int rscale = Math.max(0, Math.min(Math.max(16 - sweight, x.scale()), 1000));
        if (x.signum() == 0) {
            return BigDecimal.ZERO.setScale(rscale);
        }
        int digits = Math.max(0, decimalExponent / 2 + 1) + rscale + 5;
        return x.sqrt(new MathContext(digits)).setScale(rscale, RoundingMode.HALF_UP);
    }

    static double sqrt(double x) {
        if (x < 0) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "cannot take square root of a negative number");
        }
        return Math.sqrt(x);
    }

    private static double log(double x, java.util.function.DoubleUnaryOperator f) {
        if (x == 0) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_LOGARITHM, "cannot take logarithm of zero");
        }
        if (x < 0) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_LOGARITHM, "cannot take logarithm of a negative number");
        }
        return f.applyAsDouble(x);
    }

    static double power(double x, double y) {
        if (x == 0 && y < 0) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "zero raised to a negative power is undefined");
        }
        if (x < 0 && y != Math.floor(y)) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "a negative number raised to a non-integer power yields a complex result");
        }
        return Math.pow(x, y);
    }

    static Number power(Number xn, Number yn) {
        if (special(xn) || special(yn)) {
            return NumericSpecials.power(xn, yn);
        }
        BigDecimal x = (BigDecimal) xn;
        BigDecimal y = (BigDecimal) yn;
        if (x.signum() == 0 && y.signum() < 0) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "zero raised to a negative power is undefined");
        }
        if (y.stripTrailingZeros().scale() <= 0 && y.abs().compareTo(BigDecimal.valueOf(1000)) < 0) {
            int n = y.intValueExact();
            BigDecimal r = n >= 0 ? x.pow(n) : BigDecimal.ONE.divide(x.pow(-n), MathContext.DECIMAL128);
            return Arith.numericRound(r, Math.max(0, x.scale() * Math.max(n, 0)));
        }
        return Arith.numericRound(new BigDecimal(power(x.doubleValue(), y.doubleValue())), 0);
    }

    private static long gcd(long a, long b) {
        a = Math.abs(a);
        b = Math.abs(b);
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private static long lcm(long a, long b) {
        if (a == 0 || b == 0) {
            return 0;
        }
        return Math.abs(Math.multiplyExact(a / gcd(a, b), b));
    }

    private static int widthBucket(double op, double low, double high, int count) {
        if (count <= 0) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_POWER_FUNCTION, "count must be greater than zero");
        }
        if (low == high) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "lower bound cannot equal upper bound");
        }
        if (low < high) {
            if (op < low) {
                return 0;
            }
            if (op >= high) {
                return count + 1;
            }
            return (int) ((op - low) / (high - low) * count) + 1;
        }
        if (op > low) {
            return 0;
        }
        if (op <= high) {
            return count + 1;
        }
        return (int) ((low - op) / (low - high) * count) + 1;
    }
}
