package org.walden.sql.types;

import java.math.BigDecimal;
import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * numeric's special values (PostgreSQL 14+): NaN, Infinity and -Infinity. A numeric datum is a
 * {@link BigDecimal} when finite and one of these three constants otherwise; code that takes a
 * numeric apart asks {@link #isSpecial} first.
 *
 * <p>Order (numeric_cmp): -Infinity below every finite value, Infinity above them, NaN above
 * everything and equal to itself. {@link #doubleValue()} is the float8 value of the cast
 * (NaN, ±Infinity); there is no integer value (0A000 "cannot convert NaN to integer").
 */
public final class NumericSpecial extends Number {

    private static final long serialVersionUID = 1L;

    public static final NumericSpecial NAN = new NumericSpecial("NaN", Double.NaN, 2);
    public static final NumericSpecial POSITIVE_INFINITY = new NumericSpecial("Infinity", Double.POSITIVE_INFINITY, 1);
    public static final NumericSpecial NEGATIVE_INFINITY = new NumericSpecial("-Infinity", Double.NEGATIVE_INFINITY, -1);

    private final String text;
    private final double asDouble;
    /** Position among the finite values (at 0): -1 below them, 1 above, 2 above Infinity. */
    private final int rank;

    private NumericSpecial(String text, double asDouble, int rank) {
        this.text = text;
        this.asDouble = asDouble;
        this.rank = rank;
    }

    public static boolean isSpecial(Object v) {
        return v instanceof NumericSpecial;
    }

    public boolean isNaN() {
        return this == NAN;
    }

    public boolean isInfinite() {
        return this != NAN;
    }

    /** -1, 1 for the infinities; NaN has no sign (callers test it first). */
    public int signum() {
        return this == NEGATIVE_INFINITY ? -1 : 1;
    }

    public NumericSpecial negate() {
        return this == NAN ? NAN : this == POSITIVE_INFINITY ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
    }

    public static NumericSpecial infinity(int sign) {
        return sign < 0 ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
    }

    /** numeric_in's special words (case-insensitive, after trimming), or null for a finite value's text. */
    static NumericSpecial parse(String trimmed) {
        String t = trimmed.toLowerCase(Locale.ROOT);
        return switch (t) {
            case "nan" -> NAN;
            case "infinity", "+infinity", "inf", "+inf" -> POSITIVE_INFINITY;
            case "-infinity", "-inf" -> NEGATIVE_INFINITY;
            default -> null;
        };
    }

    /** The numeric value of a float8 / float4 (NaN and the infinities included), or null when finite. */
    public static NumericSpecial ofDouble(double d) {
        if (Double.isNaN(d)) {
            return NAN;
        }
        if (Double.isInfinite(d)) {
            return infinity(d < 0 ? -1 : 1);
        }
        return null;
    }

    /** numeric_cmp of two numeric values, either of them special. */
    public static int compare(Number a, Number b) {
        return Integer.compare(rankOf(a), rankOf(b));
    }

    private static int rankOf(Number n) {
        return n instanceof NumericSpecial s ? s.rank : 0;
    }

    /** 0A000 "cannot convert NaN to integer" / "cannot convert infinity to bigint" (numeric_int4 ...). */
    public PgException cannotConvertTo(String typeName) {
        return new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot convert " + (this == NAN ? "NaN" : "infinity")
                + " to " + typeName);
    }

    @Override
    public int intValue() {
        throw cannotConvertTo("integer");
    }

    @Override
    public long longValue() {
        throw cannotConvertTo("bigint");
    }

    @Override
    public float floatValue() {
        return (float) asDouble;
    }

    @Override
    public double doubleValue() {
        return asDouble;
    }

    @Override
    public String toString() {
        return text;
    }
}
