package org.walden.sql.func;

import java.math.BigDecimal;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.NumericSpecial;

/**
 * numeric arithmetic and functions when an input is NaN, Infinity or -Infinity, as PostgreSQL
 * 14+'s numeric.c answers them (its "special value" branches): NaN in gives NaN out (except
 * NaN ^ 0 and 1 ^ NaN, which are 1), the infinities follow IEEE / POSIX pow(3), and the errors
 * finite arithmetic would raise (division by zero, logarithm of a negative number) are raised
 * for the infinities too. The finite cases stay with {@link Arith} and {@link MathFunctions}.
 */
final class NumericSpecials {

    private NumericSpecials() {
    }

    /** +, -, *, /, % with at least one special operand (numeric_add ... numeric_mod). */
    static Number arithmetic(String op, Number a, Number b) {
        if (isNaN(a) || isNaN(b)) {
            return NumericSpecial.NAN;
        }
        int signA = sign(a);
        int signB = sign(b);
        boolean infA = a instanceof NumericSpecial;
        boolean infB = b instanceof NumericSpecial;
        switch (op) {
            case "+":
                if (infA && infB) {
                    return signA == signB ? a : NumericSpecial.NAN;
                }
                return infA ? a : b;
            case "-":
                if (infA && infB) {
                    return signA != signB ? a : NumericSpecial.NAN;
                }
                return infA ? a : ((NumericSpecial) b).negate();
            case "*":
                if (signA == 0 || signB == 0) {
                    return NumericSpecial.NAN;
                }
                return NumericSpecial.infinity(signA * signB);
            case "/":
                if (infA) {
                    if (infB) {
                        return NumericSpecial.NAN;
                    }
                    if (signB == 0) {
                        throw Arith.divisionByZero();
                    }
                    return NumericSpecial.infinity(signA * signB);
                }
                return BigDecimal.ZERO; // finite / ±Infinity
            case "%":
                if (infA) {
                    if (signB == 0) {
                        throw Arith.divisionByZero();
                    }
                    return NumericSpecial.NAN;
                }
                return a; // finite % ±Infinity
            default:
                throw new IllegalStateException(op);
        }
    }

    /** div(a, b) with a special operand (numeric_div_trunc). */
    static Number divTrunc(Number a, Number b) {
        if (isNaN(a) || isNaN(b)) {
            return NumericSpecial.NAN;
        }
        if (a instanceof NumericSpecial infA) {
            if (b instanceof NumericSpecial) {
                return NumericSpecial.NAN;
            }
            int signB = sign(b);
            if (signB == 0) {
                throw Arith.divisionByZero();
            }
            return NumericSpecial.infinity(infA.signum() * signB);
        }
        return BigDecimal.ZERO;
    }

    /** sqrt of a special value (numeric_sqrt). */
    static Number sqrt(NumericSpecial x) {
        if (x == NumericSpecial.NEGATIVE_INFINITY) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "cannot take square root of a negative number");
        }
        return x;
    }

    /** exp of a special value (numeric_exp): exp(-Infinity) = 0. */
    static Number exp(NumericSpecial x) {
        return x == NumericSpecial.NEGATIVE_INFINITY ? BigDecimal.ZERO : x;
    }

    /** ln / log10 of a special value (numeric_ln). */
    static Number ln(NumericSpecial x) {
        if (x == NumericSpecial.NEGATIVE_INFINITY) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_LOGARITHM,
                    "cannot take logarithm of a negative number");
        }
        return x;
    }

    /** log(base, x) with a special operand (numeric_log). */
    static Number log(Number base, Number x) {
        if (isNaN(base) || isNaN(x)) {
            return NumericSpecial.NAN;
        }
        if (sign(base) < 0 || sign(x) < 0) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_LOGARITHM,
                    "cannot take logarithm of a negative number");
        }
        if (sign(base) == 0 || sign(x) == 0) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_LOGARITHM, "cannot take logarithm of zero");
        }
        if (base instanceof NumericSpecial) {
            return x instanceof NumericSpecial ? NumericSpecial.NAN : BigDecimal.ZERO;
        }
        return NumericSpecial.POSITIVE_INFINITY;
    }

    /** sign() of a special value: NaN stays NaN. */
    static Number sign(NumericSpecial x) {
        return x.isNaN() ? x : BigDecimal.valueOf(x.signum());
    }

    /** power(x, y) with a special operand (numeric_power, following POSIX pow(3)). */
    static Number power(Number x, Number y) {
        if (isNaN(x)) {
            return !(y instanceof NumericSpecial) && sign(y) == 0 ? BigDecimal.ONE : NumericSpecial.NAN;
        }
        if (isNaN(y)) {
            return !(x instanceof NumericSpecial) && ((BigDecimal) x).compareTo(BigDecimal.ONE) == 0
                    ? BigDecimal.ONE : NumericSpecial.NAN;
        }
        int signX = sign(x);
        int signY = sign(y);
        if (signX == 0 && signY < 0) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "zero raised to a negative power is undefined");
        }
        if (signX < 0 && !isIntegral(y)) {
            throw new PgException(SqlState.INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "a negative number raised to a non-integer power yields a complex result");
        }
        if (!(x instanceof NumericSpecial) && ((BigDecimal) x).compareTo(BigDecimal.ONE) == 0) {
            return BigDecimal.ONE;
        }
        if (signY == 0) {
            return BigDecimal.ONE;
        }
        if (y instanceof NumericSpecial) {
            boolean absXAboveOne;
            if (x instanceof NumericSpecial) {
                absXAboveOne = true;
            } else {
                BigDecimal bx = (BigDecimal) x;
                if (bx.compareTo(BigDecimal.ONE.negate()) == 0) {
                    return BigDecimal.ONE;
                }
                absXAboveOne = bx.abs().compareTo(BigDecimal.ONE) > 0;
            }
            return absXAboveOne == (signY > 0) ? NumericSpecial.POSITIVE_INFINITY : BigDecimal.ZERO;
        }
        if (x == NumericSpecial.POSITIVE_INFINITY) {
            return signY > 0 ? x : BigDecimal.ZERO;
        }
        // x is -Infinity, y finite and integral
        if (signY < 0) {
            return BigDecimal.ZERO;
        }
        boolean odd = ((BigDecimal) y).toBigIntegerExact().testBit(0);
        return odd ? NumericSpecial.NEGATIVE_INFINITY : NumericSpecial.POSITIVE_INFINITY;
    }

    /** 22023 for generate_series(numeric) bounds and step (generate_series_step_numeric). */
    static void checkSeriesArgument(Object v, String what) {
        if (v instanceof NumericSpecial special) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, what + " cannot be "
                    + (special.isNaN() ? "NaN" : "infinity"));
        }
    }

    private static boolean isNaN(Number n) {
        return n == NumericSpecial.NAN;
    }

    private static boolean isIntegral(Number n) {
        if (n instanceof NumericSpecial special) {
            return !special.isNaN();
        }
        BigDecimal b = (BigDecimal) n;
        return b.signum() == 0 || b.stripTrailingZeros().scale() <= 0;
    }

    /** The sign of a non-NaN numeric. */
    private static int sign(Number n) {
        return n instanceof NumericSpecial special ? special.signum() : ((BigDecimal) n).signum();
    }
}
