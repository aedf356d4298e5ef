package org.walden.sql.types;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * numeric's binary format (numeric_send): int16 ndigits, int16 weight (of the first digit,
 * in base-10000 positions from the decimal point), int16 sign (0x0000 +, 0x4000 -, 0xC000
 * NaN, 0xD000 Infinity, 0xF000 -Infinity: no digits, weight and dscale 0), int16 dscale (decimal digits after the point), then ndigits int16 base-10000 digits.
 */
final class NumericBinary {

    private static final int NUMERIC_POS = 0x0000;
    private static final int NUMERIC_NEG = 0x4000;
    private static final int NUMERIC_NAN = 0xC000;
    private static final int NUMERIC_PINF = 0xD000;
    private static final int NUMERIC_NINF = 0xF000;

    private NumericBinary() {
    }

    static byte[] encode(Number number) {
        if (number instanceof NumericSpecial special) {
            int sign = special.isNaN() ? NUMERIC_NAN : special.signum() > 0 ? NUMERIC_PINF : NUMERIC_NINF;
            return ByteBuffer.allocate(8).putShort((short) 0).putShort((short) 0).putShort((short) sign)
                    .putShort((short) 0).array();
        }
        BigDecimal value = (BigDecimal) number;
        int dscale = Math.max(0, value.scale());
        BigDecimal abs = value.abs();
        if (value.scale() < 0) {
            abs = abs.setScale(0);
        }
        String plain = abs.toPlainString();
        int point = plain.indexOf('.');
        String intPart = point < 0 ? plain : plain.substring(0, point);
        String fracPart = point < 0 ? "" : plain.substring(point + 1);
        if (intPart.equals("0")) {
            intPart = "";
        }
        int intPad = (4 - intPart.length() % 4) % 4;
        intPart = "0".repeat(intPad) + intPart;
        int fracPad = (4 - fracPart.length() % 4) % 4;
        fracPart = fracPart + "0".repeat(fracPad);
        List<Short> digits = new ArrayList<>();
        for (int i = 0; i < intPart.length(); i += 4) {
            digits.add(Short.parseShort(intPart.substring(i, i + 4)));
        }
        for (int i = 0; i < fracPart.length(); i += 4) {
            digits.add(Short.parseShort(fracPart.substring(i, i + 4)));
        }
        int weight = intPart.length() / 4 - 1;
        int start = 0;
        while (start < digits.size() && digits.get(start) == 0) {
            start++;
            weight--;
        }
        int end = digits.size();
        while (end > start && digits.get(end - 1) == 0) {
            end--;
        }
        int ndigits = end - start;
        if (ndigits == 0) {
            weight = 0;
        }
        ByteBuffer b = ByteBuffer.allocate(8 + 2 * ndigits);
        b.putShort((short) ndigits).putShort((short) weight)
                .putShort((short) (value.signum() < 0 ? NUMERIC_NEG : NUMERIC_POS)).putShort((short) dscale);
        for (int i = start; i < end; i++) {
            b.putShort(digits.get(i));
        }
        return b.array();
    }

    static Number decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < 8) {
            throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
        }
        int ndigits = b.getShort();
        int weight = b.getShort();
        int sign = b.getShort() & 0xFFFF;
        int dscale = b.getShort();
        switch (sign) {
            case NUMERIC_NAN:
                return NumericSpecial.NAN;
            case NUMERIC_PINF:
                return NumericSpecial.POSITIVE_INFINITY;
            case NUMERIC_NINF:
                return NumericSpecial.NEGATIVE_INFINITY;
            default:
                break;
        }
        if (sign != NUMERIC_POS && sign != NUMERIC_NEG) {
            throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "invalid sign in external \"numeric\" value");
        }
        BigInteger unscaled = BigInteger.ZERO;
        BigInteger base = BigInteger.valueOf(10000);
        for (int i = 0; i < ndigits; i++) {
            int d = b.getShort();
            if (d < 0 || d > 9999) {
                throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "invalid digit in external \"numeric\" value");
            }
            unscaled = unscaled.multiply(base).add(BigInteger.valueOf(d));
        }
        // value = unscaled * 10000^(weight - ndigits + 1)
        int exp4 = weight - ndigits + 1;
        BigDecimal v = new BigDecimal(unscaled).scaleByPowerOfTen(exp4 * 4);
        if (sign == NUMERIC_NEG) {
            v = v.negate();
        }
        return v.setScale(dscale, java.math.RoundingMode.HALF_UP);
    }
}
