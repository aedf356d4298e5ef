package org.walden.sql.func;

import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.PgType;
import org.walden.sql.types.ValueContext;
import org.walden.sql.types.Values;

/** format(formatstr, args...): %s, %I, %L and %%, with positions (%2$s) and widths (%-10s, %*s). */
final class Format {

    private Format() {
    }

    static String format(String f, Object[] args, PgType[] types, ValueContext ctx) {
        StringBuilder sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            if (++i >= f.length()) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unterminated format() type specifier")
                        .withHint("For a single \"%\" use \"%%\".");
            }
            if (f.charAt(i) == '%') {
                sb.append('%');
                continue;
            }
            int start = i;
            while (i < f.length() && Character.isDigit(f.charAt(i))) {
                i++;
            }
            int argIndex = next;
            if (i < f.length() && f.charAt(i) == '$' && i > start) {
                argIndex = Integer.parseInt(f.substring(start, i)) - 1;
                i++;
                start = i;
            } else {
                i = start;
            }
            boolean leftAlign = false;
            if (i < f.length() && f.charAt(i) == '-') {
                leftAlign = true;
                i++;
            }
            int width = 0;
            if (i < f.length() && f.charAt(i) == '*') {
                Object w = arg(args, next++);
                width = w == null ? 0 : ((Number) w).intValue();
                if (width < 0) {
                    leftAlign = true;
                    width = -width;
                }
                argIndex = next;
                i++;
            } else {
                int ws = i;
                while (i < f.length() && Character.isDigit(f.charAt(i))) {
                    i++;
                }
                if (i > ws) {
                    width = Integer.parseInt(f.substring(ws, i));
                }
            }
            if (i >= f.length()) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unterminated format() type specifier")
                        .withHint("For a single \"%\" use \"%%\".");
            }
            char type = f.charAt(i);
            Object v = arg(args, argIndex);
            next = argIndex + 1;
            String text = v == null ? null : Values.toText(types[argIndex], v, ctx == null ? ValueContext.UTC : ctx);
            String out = switch (type) {
                case 's' -> text == null ? "" : text;
                case 'I' -> {
                    if (text == null) {
                        throw new PgException(SqlState.NULL_VALUE_NOT_ALLOWED,
                                "null values cannot be formatted as an SQL identifier");
                    }
                    yield StringFunctions.quoteIdent(text);
                }
                case 'L' -> text == null ? "NULL" : StringFunctions.quoteLiteral(text);
                default -> throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unrecognized format() type "
                        + "specifier \"" + type + "\"").withHint("For a single \"%\" use \"%%\".");
            };
            if (out.length() < width) {
                String pad = " ".repeat(width - out.length());
                out = leftAlign ? out + pad : pad + out;
            }
            sb.append(out);
        }
        return sb.toString();
    }

    private static Object arg(Object[] args, int index) {
        if (index >= args.length) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "too few arguments for format()");
        }
        return args[index];
    }
}
