package org.walden.sql.command;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Relation;
import org.walden.sql.types.PgType;
import org.walden.sql.types.ValueContext;
import org.walden.sql.types.Values;

/**
 * COPY ... TO's row encoder (PostgreSQL's copyto.c): one row at a time into the bytes of text
 * format (delimiter-separated, backslash escapes, the NULL marker), CSV (quoting where a value
 * holds the delimiter, the quote, a newline or looks like NULL, and FORCE_QUOTE) or binary
 * (the PGCOPY signature, a field count and length-prefixed send-format values per row, and a
 * -1 trailer). The caller pulls rows from the query and sends each encoding as it comes, so
 * a COPY of any size holds one row in memory.
 */
public final class CopyTo {

    private static final byte[] BINARY_SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};

    private final CopyOptions options;
    private final List<String> names;
    private final PgType[] types;
    private final boolean[] forceQuote;
    private final ValueContext values;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    private final StringBuilder line = new StringBuilder(256);

    /** {@code relation}: the table COPY names, null for COPY (query). */
    public CopyTo(Map<String, String> opts, String relation, List<String> names, List<PgType> types,
                  ValueContext values) {
        this.options = CopyOptions.of(opts, false);
        this.names = names;
        this.types = types.toArray(new PgType[0]);
        this.forceQuote = new boolean[names.size()];
        for (String q : options.forceQuote()) {
            if (!q.equals("*") && !names.contains(q)) {
                throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + q + "\""
                        + (relation == null ? "" : " of relation \"" + relation + "\"") + " does not exist");
            }
        }
        for (int i = 0; i < forceQuote.length; i++) {
            forceQuote[i] = options.forcesQuote(names.get(i));
        }
        this.values = values;
    }

    /**
     * The SELECT that COPY table [(columns)] TO runs, with PostgreSQL's refusals of views and
     * sequences (COPY (query) TO runs the query itself).
     */
    public static String selectFor(Relation table, String schema, List<String> columns) {
        if (table.isView() || table.isMatview()) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "cannot copy from " + (table.isView() ? "view"
                    : "materialized view") + " \"" + table.name() + "\"")
                    .withHint("Try the COPY (SELECT ...) TO variant.");
        }
        if (table.kind() == Relation.SEQUENCE) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "cannot copy from sequence \"" + table.name() + "\"");
        }
        StringBuilder sql = new StringBuilder("SELECT ");
        if (columns == null || columns.isEmpty()) {
            String sep = "";
            for (int i = 0; i < table.columns().size(); i++) {
                if (!table.column(i).dropped() && !table.column(i).isGenerated()) {
                    sql.append(sep).append(quote(table.column(i).name()));
                    sep = ", ";
                }
            }
        } else {
            String sep = "";
            for (String c : columns) {
                if (table.columnIndex(c) < 0) {
                    throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + c + "\" of relation \""
                            + table.name() + "\" does not exist");
                }
                if (table.column(table.columnIndex(c)).isGenerated()) {
                    throw CopyFrom.generatedInCopy(c);
                }
                sql.append(sep).append(quote(c));
                sep = ", ";
            }
        }
        return sql.append(" FROM ONLY ").append(quote(schema)).append('.')
                .append(quote(table.name())).toString();
    }

    private static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    public boolean binary() {
        return options.binary();
    }

    public int columnCount() {
        return types.length;
    }

    /** What precedes the first row: the binary signature or the header line; null when nothing. */
    public byte[] start() {
        if (options.binary()) {
            buf.reset();
            buf.writeBytes(BINARY_SIGNATURE);
            writeInt(0); // flags
            writeInt(0); // header extension length
            return buf.toByteArray();
        }
        if (!options.header()) {
            return null;
        }
        line.setLength(0);
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                line.append(options.delimiter());
            }
            if (options.csv()) {
                appendCsv(names.get(i), false);
            } else {
                appendText(names.get(i));
            }
        }
        return line.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One row's encoding. */
    public byte[] row(Object[] row) {
        if (options.binary()) {
            return binaryRow(row);
        }
        line.setLength(0);
        for (int i = 0; i < types.length; i++) {
            if (i > 0) {
                line.append(options.delimiter());
            }
            if (row[i] == null) {
                line.append(options.nullString());
                continue;
            }
            String v = Values.toText(types[i], row[i], values);
            if (options.csv()) {
                appendCsv(v, forceQuote[i] || types.length == 1 && v.equals("\\."));
            } else {
                appendText(v);
            }
        }
        return line.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What follows the last row: the binary trailer; null for text and CSV. */
    public byte[] end() {
        return options.binary() ? new byte[] {(byte) 0xff, (byte) 0xff} : null;
    }

    private byte[] binaryRow(Object[] row) {
        buf.reset();
        buf.write(types.length >> 8);
        buf.write(types.length);
        for (int i = 0; i < types.length; i++) {
            if (row[i] == null) {
                writeInt(-1);
                continue;
            }
            byte[] b = Values.toBinary(types[i], row[i]);
            writeInt(b.length);
            buf.writeBytes(b);
        }
        return buf.toByteArray();
    }

    private void writeInt(int v) {
        buf.write(v >>> 24);
        buf.write(v >>> 16);
        buf.write(v >>> 8);
        buf.write(v);
    }

    /** CopyAttributeOutText: backslash escapes for the control characters, the delimiter and backslash. */
    private void appendText(String v) {
        char delimiter = options.delimiter();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\b' -> line.append("\\b");
                case '\f' -> line.append("\\f");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                case '\u000b' -> line.append("\\v");
                case '\\' -> line.append("\\\\");
                default -> {
                    if (c == delimiter) {
                        line.append('\\');
                    }
                    line.append(c);
                }
            }
        }
    }

    /** CopyAttributeOutCSV: quoted when forced, when it equals the NULL marker, or holds a special character. */
    private void appendCsv(String v, boolean force) {
        char quote = options.quote();
        char escape = options.escape();
        boolean quoted = force || v.equals(options.nullString());
        for (int i = 0; !quoted && i < v.length(); i++) {
            char c = v.charAt(i);
            quoted = c == options.delimiter() || c == quote || c == '\n' || c == '\r';
        }
        if (!quoted) {
            line.append(v);
            return;
        }
        line.append(quote);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == quote || c == escape) {
                line.append(escape);
            }
            line.append(c);
        }
        line.append(quote);
    }
}
