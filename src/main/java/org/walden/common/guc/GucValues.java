package org.walden.common.guc;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * Parsing a parameter's text into its value and printing it back as SHOW does, with
 * PostgreSQL's rules (guc.c parse_bool, parse_int, parse_real, _ShowOption): integers in
 * decimal, octal (leading 0) or hex (0x); units written right after the number or after
 * spaces, case-sensitive ("16MB", "60 s"); fractions rounded to the base unit; values shown
 * in the largest unit that divides them exactly ("1024kB" → "1MB").
 *
 * <p>Values: {@link Boolean} for bool, {@link Integer} (in the base unit) for integer,
 * {@link Double} for real, {@link String} for string and enum (the canonical enum name).
 */
public final class GucValues {

    private static final Map<String, String> ENCODINGS = Map.ofEntries(
            Map.entry("utf8", "UTF8"), Map.entry("utf-8", "UTF8"), Map.entry("unicode", "UTF8"),
            Map.entry("sql_ascii", "SQL_ASCII"), Map.entry("latin1", "LATIN1"), Map.entry("iso88591", "LATIN1"),
            Map.entry("iso-8859-1", "LATIN1"), Map.entry("latin9", "LATIN9"), Map.entry("win1252", "WIN1252"),
            Map.entry("euc_cn", "EUC_CN"), Map.entry("gbk", "GBK"), Map.entry("gb18030", "GB18030"),
            Map.entry("big5", "BIG5"), Map.entry("euc_jp", "EUC_JP"), Map.entry("sjis", "SJIS"));

    private static final Set<String> LOG_DESTINATIONS = Set.of("stderr", "csvlog", "jsonlog", "syslog", "eventlog");

    private GucValues() {
    }

    /** Parses {@code text} for {@code def}; raises 22023 with PostgreSQL's message when it is invalid. */
    public static Object parse(GucDefinition def, String text) {
        return switch (def.type()) {
            case BOOL -> parseBoolValue(def, text);
            case INT -> parseIntValue(def, text);
            case REAL -> parseRealValue(def, text);
            case ENUM -> parseEnumValue(def, text);
            case STRING -> checkString(def, text);
        };
    }

    /** The boot value, parsed. */
    static Object bootValue(GucDefinition def) {
        return parse(def, def.bootValue());
    }

    /** PostgreSQL's parse_bool: on/off, true/false, yes/no (and their unique prefixes), 1/0. */
    public static Boolean parseBool(String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            return null;
        }
        if (v.equals("1")) {
            return Boolean.TRUE;
        }
        if (v.equals("0")) {
            return Boolean.FALSE;
        }
        if ("true".startsWith(v) || "yes".startsWith(v)) {
            return Boolean.TRUE;
        }
        if ("false".startsWith(v) || "no".startsWith(v)) {
            return Boolean.FALSE;
        }
        if (v.length() >= 2 && "on".startsWith(v)) {
            return Boolean.TRUE;
        }
        if (v.length() >= 2 && "off".startsWith(v)) {
            return Boolean.FALSE;
        }
        return null;
    }

    private static Boolean parseBoolValue(GucDefinition def, String text) {
        Boolean b = parseBool(text);
        if (b == null) {
            throw invalid("parameter \"" + def.name() + "\" requires a Boolean value");
        }
        return b;
    }

    private static Integer parseIntValue(GucDefinition def, String text) {
        String t = text.trim();
        int numberEnd = numberEnd(t);
        String number = t.substring(0, numberEnd);
        String unitText = t.substring(numberEnd).trim();
        double value;
        try {
            value = parseNumber(number);
        } catch (NumberFormatException e) {
            throw invalidValue(def, text, null);
        }
        if (!unitText.isEmpty()) {
            Double converted = convertToBaseUnit(value, unitText, def.unit());
            if (converted == null) {
                throw invalidValue(def, text, def.unit().validUnitsHint());
            }
            value = converted;
        }
        value = Math.rint(value);
        if (Double.isNaN(value) || value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
            throw invalidValue(def, text, "Value exceeds integer range.");
        }
        int result = (int) value;
        if (result < def.min() || result > def.max()) {
            throw invalid(result + unitSuffix(def) + " is outside the valid range for parameter \"" + def.name()
                    + "\" (" + (long) def.min() + " .. " + (long) def.max() + ")");
        }
        return result;
    }

    private static Double parseRealValue(GucDefinition def, String text) {
        String t = text.trim();
        int numberEnd = numberEnd(t);
        String unitText = t.substring(numberEnd).trim();
        double value;
        try {
            value = Double.parseDouble(t.substring(0, numberEnd));
        } catch (NumberFormatException e) {
            throw invalid("parameter \"" + def.name() + "\" requires a numeric value");
        }
        if (!unitText.isEmpty()) {
            Double converted = convertToBaseUnit(value, unitText, def.unit());
            if (converted == null) {
                throw invalidValue(def, text, def.unit().validUnitsHint());
            }
            value = converted;
        }
        if (Double.isNaN(value) || value < def.min() || value > def.max()) {
            throw invalid(formatReal(value) + unitSuffix(def) + " is outside the valid range for parameter \""
                    + def.name() + "\" (" + formatReal(def.min()) + " .. " + formatReal(def.max()) + ")");
        }
        return value;
    }

    private static String unitSuffix(GucDefinition def) {
        return def.unit() == GucUnit.NONE ? "" : " " + def.unit().pgName();
    }

    /** Where the numeric prefix of {@code t} ends (sign, digits, hex, point, exponent). */
    private static int numberEnd(String t) {
        int i = 0;
        if (i < t.length() && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
            i++;
        }
        if (t.startsWith("0x", i) || t.startsWith("0X", i)) {
            i += 2;
            while (i < t.length() && Character.digit(t.charAt(i), 16) >= 0) {
                i++;
            }
            return i;
        }
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
            i++;
        }
        if (i < t.length() && (t.charAt(i) == 'e' || t.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < t.length() && (t.charAt(j) == '+' || t.charAt(j) == '-')) {
                j++;
            }
            if (j < t.length() && Character.isDigit(t.charAt(j))) {
                while (j < t.length() && Character.isDigit(t.charAt(j))) {
                    j++;
                }
                i = j;
            }
        }
        return i;
    }

    /** strtol with base 0 (decimal, 0-octal, 0x-hex), or strtod when there is a fraction. */
    private static double parseNumber(String number) {
        if (number.isEmpty() || number.equals("+") || number.equals("-")) {
            throw new NumberFormatException(number);
        }
        boolean negative = number.startsWith("-");
        String digits = number.startsWith("+") || negative ? number.substring(1) : number;
        if (digits.startsWith("0x") || digits.startsWith("0X")) {
            long v = Long.parseLong(digits.substring(2), 16);
            return negative ? -v : v;
        }
        if (digits.contains(".") || digits.contains("e") || digits.contains("E")) {
            return Double.parseDouble(number);
        }
        if (digits.length() > 1 && digits.startsWith("0")) {
            long v = Long.parseLong(digits, 8);
            return negative ? -v : v;
        }
        return Double.parseDouble(number);
    }

    private static Double convertToBaseUnit(double value, String unitText, GucUnit base) {
        for (GucUnit.InputUnit u : base.inputUnits()) {
            if (u.name().equals(unitText)) {
                return value * u.multiplier() / base.baseMultiplier();
            }
        }
        return null;
    }

    private static String parseEnumValue(GucDefinition def, String text) {
        String v = text.trim();
        for (String allowed : def.enumValues()) {
            if (allowed.equalsIgnoreCase(v)) {
                return allowed;
            }
        }
        String alias = def.enumAliases().get(v.toLowerCase(Locale.ROOT));
        if (alias != null) {
            return alias;
        }
        throw invalidValue(def, text, "Available values: " + String.join(", ", def.enumValues()) + ".");
    }

    /** The check hooks of the string parameters whose values Walden interprets. */
    private static String checkString(GucDefinition def, String text) {
        switch (def.name()) {
            case "TimeZone", "log_timezone" -> {
                try {
                    TimeZoneSetting.zone(text);
                } catch (DateTimeException e) {
                    throw invalidValue(def, text, null);
                }
                return TimeZoneSetting.canonical(text);
            }
            case "client_encoding", "server_encoding" -> {
                String enc = ENCODINGS.get(text.trim().toLowerCase(Locale.ROOT));
                if (enc == null) {
                    throw invalidValue(def, text, null);
                }
                return enc;
            }
            case "DateStyle" -> {
                return normalizeDateStyle(def, text);
            }
            case "synchronous_standby_names" -> {
                SyncStandbyNames.parse(text);
                return text;
            }
            case "log_destination" -> {
                for (String word : text.split(",")) {
                    if (!LOG_DESTINATIONS.contains(word.trim().toLowerCase(Locale.ROOT))) {
                        throw invalidValue(def, text, null)
                                .withDetail("Unrecognized key word: \"" + word.trim() + "\".");
                    }
                }
                return text;
            }
            default -> {
                return text;
            }
        }
    }

    /** DateStyle: an output style (ISO, SQL, Postgres, German) and an order (DMY, MDY, YMD), as "ISO, MDY". */
    private static String normalizeDateStyle(GucDefinition def, String text) {
        String style = null;
        String order = null;
        for (String word : text.split("[,\\s]+")) {
            String w = word.trim().toUpperCase(Locale.ROOT);
            switch (w) {
                case "" -> { }
                case "ISO" -> style = "ISO";
                case "SQL" -> style = "SQL";
                case "POSTGRES" -> style = "Postgres";
                case "GERMAN" -> {
                    style = "German";
                    order = order == null ? "DMY" : order;
                }
                case "DMY", "EURO", "EUROPEAN" -> order = "DMY";
                case "MDY", "US", "NONEURO", "NONEUROPEAN" -> order = "MDY";
                case "YMD" -> order = "YMD";
                case "DEFAULT" -> { }
                default -> throw invalidValue(def, text, null)
                        .withDetail("Unrecognized key word: \"" + word.trim() + "\".");
            }
        }
        return (style == null ? "ISO" : style) + ", " + (order == null ? "MDY" : order);
    }

    /** The value as SHOW prints it. */
    public static String format(GucDefinition def, Object value) {
        return switch (def.type()) {
            case BOOL -> ((Boolean) value) ? "on" : "off";
            case INT -> formatInt(def, (Integer) value);
            case REAL -> formatRealWithUnit(def, (Double) value);
            case STRING, ENUM -> (String) value;
        };
    }

    /** The value as pg_settings.setting shows it: a number in the parameter's base unit, without the unit. */
    public static String formatRaw(GucDefinition def, Object value) {
        if (value == null) {
            return null;
        }
        return switch (def.type()) {
            case BOOL -> ((Boolean) value) ? "on" : "off";
            case INT -> def.octal() ? String.format("%04o", (Integer) value) : value.toString();
            case REAL -> formatReal((Double) value);
            case STRING, ENUM -> value.toString();
        };
    }

    private static String formatInt(GucDefinition def, int value) {
        if (def.octal()) {
            return String.format("%04o", value);
        }
        if (def.unit() == GucUnit.NONE || value <= 0) {
            return Integer.toString(value);
        }
        long inSmallest = (long) value * def.unit().baseMultiplier();
        for (GucUnit.InputUnit u : def.unit().inputUnits()) {
            long multiplier = (long) u.multiplier();
            if (multiplier >= def.unit().baseMultiplier() && inSmallest % multiplier == 0) {
                return (inSmallest / multiplier) + u.name();
            }
        }
        return value + def.unit().pgName();
    }

    private static String formatRealWithUnit(GucDefinition def, double value) {
        if (def.unit() == GucUnit.NONE || value <= 0) {
            return formatReal(value);
        }
        double inSmallest = value * def.unit().baseMultiplier();
        for (GucUnit.InputUnit u : def.unit().inputUnits()) {
            double inUnit = inSmallest / u.multiplier();
            if (Math.abs(inUnit - Math.rint(inUnit)) < 1e-9 * Math.max(1, Math.abs(inUnit))) {
                return formatReal(Math.rint(inUnit)) + u.name();
            }
        }
        return formatReal(value) + def.unit().pgName();
    }

    /** C's printf("%g"): six significant digits, trailing zeros dropped, exponent form outside 1e-4 .. 1e6. */
    public static String formatReal(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0) {
            return "0";
        }
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(6));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            BigDecimal mantissa = rounded.movePointLeft(exponent).stripTrailingZeros();
            String sign = exponent < 0 ? "-" : "+";
            int abs = Math.abs(exponent);
            return mantissa.toPlainString() + "e" + sign + (abs < 10 ? "0" : "") + abs;
        }
        return rounded.stripTrailingZeros().toPlainString();
    }

    static PgException invalid(String message) {
        return new PgException(SqlState.INVALID_PARAMETER_VALUE, message);
    }

    static PgException invalidValue(GucDefinition def, String text, String hint) {
        PgException e = invalid("invalid value for parameter \"" + def.name() + "\": \"" + text + "\"");
        return hint == null ? e : e.withHint(hint);
    }

    /** Splits a list-valued setting ("stderr, csvlog") into its trimmed lower-case words. */
    public static List<String> splitList(String value) {
        List<String> out = new ArrayList<>();
        for (String w : value.split(",")) {
            if (!w.isBlank()) {
                out.add(w.trim().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }
}
