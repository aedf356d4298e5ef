package org.walden.sql.func;

import java.math.BigDecimal;
import java.math.RoundingMode;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * to_char's and to_number's numeric templates: 9 (digit, space when not significant), 0 (digit,
 * zero padded), . and D (decimal point), , and G (group separator), S / MI / PL / SG (sign), PR
 * (negative in angle brackets), FM (no padding).
 */
final class NumberFormat {

    private NumberFormat() {
    }

    static String format(Number number, String template) {
        if (number instanceof org.walden.sql.types.NumericSpecial special) {
            return formatSpecial(special, template);
        }
        BigDecimal value = (BigDecimal) number;
        boolean fm = template.contains("FM");
        String t = template.replace("FM", "");
        int point = indexOfPoint(t);
        String intPart = point < 0 ? t : t.substring(0, point);
        String fracPart = point < 0 ? "" : t.substring(point + 1);
        int fracDigits = (int) fracPart.chars().filter(c -> c == '9' || c == '0').count();
        int intDigits = (int) intPart.chars().filter(c -> c == '9' || c == '0').count();
        BigDecimal rounded = value.abs().setScale(fracDigits, RoundingMode.HALF_UP);
        String plain = rounded.toPlainString();
        String ip = fracDigits > 0 ? plain.substring(0, plain.indexOf('.')) : plain;
        String fp = fracDigits > 0 ? plain.substring(plain.indexOf('.') + 1) : "";
        if (ip.length() > intDigits) {
            StringBuilder hashes = new StringBuilder();
            for (char c : t.toCharArray()) {
                hashes.append(c == '9' || c == '0' ? '#' : c == 'D' ? '.' : c);
            }
            return (fm ? "" : " ") + hashes;
        }
        if (ip.equals("0") && intPart.indexOf('0') < 0 && fracDigits > 0) {
            ip = "";
        }
        StringBuilder out = new StringBuilder();
        int digitIndex = intDigits - ip.length();
        boolean started = false;
        int k = 0;
        for (char c : intPart.toCharArray()) {
            if (c == '9' || c == '0') {
                if (digitIndex > 0) {
                    digitIndex--;
                    if (c == '0') {
                        out.append('0');
                        started = true;
                    } else if (!fm) {
                        out.append(' ');
                    }
                } else {
                    out.append(ip.charAt(k++));
                    started = true;
                }
            } else if (c == ',' || c == 'G') {
                if (started) {
                    out.append(',');
                } else if (!fm) {
                    out.append(' ');
                }
            }
        }
        if (point >= 0) {
            out.append('.');
            int fi = 0;
            for (char c : fracPart.toCharArray()) {
                if ((c == '9' || c == '0') && fi < fp.length()) {
                    out.append(fp.charAt(fi++));
                }
            }
            if (fm) {
                while (out.length() > 0 && out.charAt(out.length() - 1) == '0' && fracPart.indexOf('0') < 0) {
                    out.setLength(out.length() - 1);
                }
            }
        }
        boolean negative = value.signum() < 0;
        if (t.contains("PR")) {
            return negative ? "<" + out + ">" : (fm ? out.toString() : " " + out + " ");
        }
        if (t.contains("MI")) {
            return out + (negative ? "-" : fm ? "" : " ");
        }
        if (t.contains("S") || t.contains("SG")) {
            return (negative ? "-" : "+") + out;
        }
        String signed = (negative ? "-" : fm ? "" : " ") + out;
        return fm ? signed.trim().isEmpty() ? "0" : signed : signed;
    }

    private static int indexOfPoint(String t) {
        int dot = t.indexOf('.');
        int d = t.indexOf('D');
        if (dot < 0) {
            return d;
        }
        return d < 0 ? dot : Math.min(dot, d);
    }

    /**
     * NaN and the infinities (numeric_to_char): an infinity fills the digit positions with '#'
     * after its sign; NaN stands right-aligned in the integer part's width (or '#' when that is
     * narrower than "NaN").
     */
    private static String formatSpecial(org.walden.sql.types.NumericSpecial special, String template) {
        boolean fm = template.contains("FM");
        String t = template.replace("FM", "");
        int point = indexOfPoint(t);
        String intPart = point < 0 ? t : t.substring(0, point);
        StringBuilder hashes = new StringBuilder();
        for (char c : t.toCharArray()) {
            hashes.append(c == '9' || c == '0' ? '#' : c == 'D' ? '.' : c);
        }
        if (special.isNaN() && intPart.length() >= 3) {
            String nan = fm ? "NaN" : " ".repeat(intPart.length() - 3) + "NaN";
            return (fm ? "" : " ") + nan;
        }
        String sign = special.isNaN() || special.signum() > 0 ? (fm ? "" : " ") : "-";
        return sign + hashes;
    }

    static BigDecimal parse(String text, String template) {
        StringBuilder digits = new StringBuilder();
        boolean negative = text.contains("-") || (text.contains("<") && text.contains(">"));
        for (char c : text.toCharArray()) {
            if (Character.isDigit(c) || c == '.') {
                digits.append(c);
            }
        }
        if (digits.isEmpty()) {
            throw new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "invalid input syntax for type numeric: \" \"");
        }
        BigDecimal v = new BigDecimal(digits.toString());
        return negative ? v.negate() : v;
    }
}
