package org.walden.sql.command;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * COPY's options (PostgreSQL's ProcessCopyOptions), checked with its messages: FORMAT text, csv
 * or binary; DELIMITER, NULL, HEADER [MATCH], QUOTE, ESCAPE, FORCE_QUOTE (COPY TO, CSV),
 * FORCE_NOT_NULL / FORCE_NULL (COPY FROM, CSV), and FREEZE / ENCODING, accepted and without
 * effect (the database's encoding is UTF8 and rows are visible at commit anyway).
 *
 * @param forceQuote the columns FORCE_QUOTE names, {@code ["*"]} for all, empty for none
 * @param forceNotNull the columns FORCE_NOT_NULL names: their fields are never the NULL marker
 * @param forceNull the columns FORCE_NULL names: a quoted field equal to the NULL marker is NULL too
 */
public record CopyOptions(String format, char delimiter, String nullString, boolean header, boolean headerMatch,
                          char quote, char escape, List<String> forceQuote, List<String> forceNotNull,
                          List<String> forceNull) {

    public boolean csv() {
        return format.equals("csv");
    }

    public boolean binary() {
        return format.equals("binary");
    }

    /** Whether FORCE_QUOTE applies to the column named {@code name}. */
    public boolean forcesQuote(String name) {
        return forceQuote.contains("*") || forceQuote.contains(name);
    }

    static CopyOptions of(Map<String, String> opts, boolean from) {
        for (String name : opts.keySet()) {
            if (!List.of("format", "delimiter", "null", "header", "quote", "escape", "force_quote", "force_not_null",
                    "force_null", "freeze", "encoding").contains(name)) {
                throw new PgException(SqlState.SYNTAX_ERROR, "option \"" + name + "\" not recognized");
            }
        }
        String format = opts.getOrDefault("format", "text").toLowerCase(Locale.ROOT);
        if (!List.of("text", "csv", "binary").contains(format)) {
            throw new PgException(SqlState.SYNTAX_ERROR, "COPY format \"" + format + "\" not recognized");
        }
        boolean csv = format.equals("csv");
        if (format.equals("binary")) {
            refuseInBinary(opts, "delimiter", "DELIMITER");
            refuseInBinary(opts, "null", "NULL");
            refuseInBinary(opts, "header", "HEADER");
        }
        String delimiter = single(opts.getOrDefault("delimiter", csv ? "," : "\t"), "delimiter");
        String quote = opts.get("quote");
        String escape = opts.get("escape");
        if (!csv && quote != null) {
            throw csvOnly("quote");
        }
        if (!csv && escape != null) {
            throw csvOnly("escape");
        }
        quote = single(quote == null ? "\"" : quote, "quote");
        escape = single(escape == null ? quote : escape, "escape");
        checkForceOptions(opts, csv, from);
        String nullString = opts.getOrDefault("null", csv ? "" : "\\N");
        checkDelimiter(delimiter.charAt(0), quote.charAt(0), nullString, csv);
        String header = opts.get("header");
        boolean match = header != null && header.equalsIgnoreCase("match");
        if (match && !from) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot use \"match\" with HEADER in COPY TO");
        }
        boolean headerOn = match || header != null && bool(header);
        String fq = opts.get("force_quote");
        List<String> forceQuote = fq == null ? List.of() : Arrays.asList(fq.split(","));
        return new CopyOptions(format, delimiter.charAt(0), nullString, headerOn, match, quote.charAt(0),
                escape.charAt(0), forceQuote, names(opts.get("force_not_null")), names(opts.get("force_null")));
    }

    /** A column list option's names (the parser joined them with commas), empty when not given. */
    private static List<String> names(String list) {
        return list == null ? List.of() : Arrays.asList(list.split(","));
    }

    private static void checkForceOptions(Map<String, String> opts, boolean csv, boolean from) {
        if (opts.containsKey("force_quote")) {
            if (!csv) {
                throw csvOnly("force quote");
            }
            if (from) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COPY force quote only available using COPY TO");
            }
        }
        for (String[] o : new String[][] {{"force_not_null", "force not null"}, {"force_null", "force null"}}) {
            if (opts.containsKey(o[0])) {
                if (!csv) {
                    throw csvOnly(o[1]);
                }
                if (!from) {
                    throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COPY " + o[1]
                            + " only available using COPY FROM");
                }
            }
        }
    }

    private static void checkDelimiter(char delimiter, char quote, String nullString, boolean csv) {
        if (delimiter == '\n' || delimiter == '\r') {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "COPY delimiter cannot be newline or carriage return");
        }
        if (nullString.contains("\n") || nullString.contains("\r")) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "COPY null representation cannot use newline or carriage return");
        }
        if (!csv && "\\.abcdefghijklmnopqrstuvwxyz0123456789".indexOf(delimiter) >= 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "COPY delimiter cannot be \"" + delimiter + "\"");
        }
        if (csv && delimiter == quote) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "COPY delimiter and quote must be different");
        }
        if (nullString.indexOf(delimiter) >= 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "COPY delimiter must not appear in the NULL specification");
        }
        if (csv && nullString.indexOf(quote) >= 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "CSV quote character must not appear in the NULL specification");
        }
    }

    private static boolean bool(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "on", "1", "t", "yes" -> true;
            case "false", "off", "0", "f", "no" -> false;
            default -> throw new PgException(SqlState.SYNTAX_ERROR, "header requires a Boolean value or \"match\"");
        };
    }

    private static String single(String value, String what) {
        if (value.length() != 1 || value.charAt(0) > 127) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COPY " + what
                    + " must be a single one-byte character");
        }
        return value;
    }

    private static void refuseInBinary(Map<String, String> opts, String key, String name) {
        if (opts.containsKey(key)) {
            throw new PgException(SqlState.SYNTAX_ERROR, "cannot specify " + name + " in BINARY mode");
        }
    }

    private static PgException csvOnly(String what) {
        return new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COPY " + what + " available only in CSV mode");
    }
}
