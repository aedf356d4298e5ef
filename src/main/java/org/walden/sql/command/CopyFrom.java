package org.walden.sql.command;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.Expr;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.Relation;
import org.walden.sql.exec.Eval;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.ExprCompiler;
import org.walden.sql.exec.RowWriter;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.parse.Tree;
import org.walden.sql.plan.RowWriters;
import org.walden.sql.types.Values;

/**
 * COPY table [(columns)] FROM STDIN (PostgreSQL's copyfrom.c and copyfromparse.c) in text and
 * CSV formats: one row per line (CSV fields may span lines inside quotes), fields split by the
 * delimiter, the NULL marker, text-format backslash escapes or CSV quoting, an optional header
 * line, and a line {@code \.} ending the data; rows may arrive split across CopyData messages.
 * Each row gets its columns' defaults for the columns not listed and is written through the
 * table's {@link RowWriter} (constraints, indexes, foreign keys), as INSERT would.
 */
public final class CopyFrom {

    private final CommandContext ctx;
    private final Relation table;
    private final int[] columns;
    private final Eval[] defaults;
    private final CopyOptions options;
    private final boolean csv;
    private final char delimiter;
    private final char quote;
    private final char escape;
    private final String nullString;
    private boolean skipHeader;
    private final RowWriter writer;
    private final ExecState st;
    /** The session's value settings (DateStyle, time zone...) read once: a COPY cannot change them. */
    private final org.walden.sql.types.ValueContext values;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final CopyFromBinary binary;
    private long rows;
    private long lineNo;
    /** Text format with a one-byte delimiter: lines without backslashes are split as bytes ({@link #plainLine}). */
    private final boolean plainText;
    /** The NULL marker's UTF-8 bytes. */
    private final byte[] nullBytes;
    /**
     * Per listed column: 2, 4 or 8 for int2, int4, int8 (read from plain digits directly),
     * STRING for text, varchar and char (a field equal to the column's last gives its last value
     * again: no decoding, no padding), else 0.
     */
    private final int[] columnKinds;
    private static final int STRING = 1;
    /** Per listed column of kind STRING: its last field's bytes and the value they gave. */
    private final byte[][] lastFields;
    private final Object[] lastValues;
    /** Where each field of the current line ends (the delimiters' offsets), reused line after line. */
    private final int[] fieldEnds;
    private boolean ended;
    private String csvCarry;
    /** Per listed column: FORCE_NOT_NULL names it (CSV). */
    private final boolean[] forceNotNull;
    /** Per listed column: FORCE_NULL names it (CSV). */
    private final boolean[] forceNull;
    /**
     * The line being read, for an error's CONTEXT: its text ({@link #line}) or its bytes
     * {@code [lineFrom, lineTo)} ({@link #plainLine}, decoded only for an error); neither for binary.
     */
    private String lineText;
    private byte[] lineBytes;
    private int lineFrom;
    private int lineTo;

    private CopyFrom(CommandContext ctx, Relation table, int[] columns, Eval[] defaults, Map<String, String> opts) {
        this.ctx = ctx;
        this.table = table;
        this.columns = columns;
        this.defaults = defaults;
        this.options = CopyOptions.of(opts, true);
        this.csv = options.csv();
        this.delimiter = options.delimiter();
        this.quote = options.quote();
        this.escape = options.escape();
        this.nullString = options.nullString();
        this.skipHeader = options.header();
        this.binary = options.binary() ? new CopyFromBinary(columns.length) : null;
        this.writer = RowWriters.forSession(ctx.fn()).writer(table);
        this.st = ctx.execState(null, new Object[0]);
        this.values = ctx.fn().values();
        this.plainText = !csv && binary == null && delimiter < 0x80;
        this.nullBytes = nullString.getBytes(StandardCharsets.UTF_8);
        this.columnKinds = new int[columns.length];
        for (int i = 0; i < columns.length; i++) {
            Attribute a = table.column(columns[i]);
            columnKinds[i] = switch (a.type()) {
                case INT2 -> 2;
                case INT4 -> 4;
                case INT8 -> 8;
                case TEXT, VARCHAR, BPCHAR -> STRING;
                default -> 0;
            };
            if (a.typmod() >= 0 && columnKinds[i] != STRING) {
                columnKinds[i] = 0; // an integer's typmod is -1; any other is left to coerceToTypmod
            }
        }
        this.lastFields = new byte[columns.length][];
        this.lastValues = new Object[columns.length];
        this.fieldEnds = new int[Math.max(columns.length, 1)];
        this.forceNotNull = listedFlags(options.forceNotNull(), "FORCE_NOT_NULL");
        this.forceNull = listedFlags(options.forceNull(), "FORCE_NULL");
    }

    /** Which listed columns an option's column list names, each checked as PostgreSQL's BeginCopyFrom does. */
    private boolean[] listedFlags(List<String> names, String option) {
        boolean[] flags = new boolean[columns.length];
        for (String name : names) {
            int col = table.columnIndex(name);
            if (col < 0) {
                throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + name + "\" of relation \""
                        + table.name() + "\" does not exist");
            }
            if (table.column(col).isGenerated()) {
                throw generatedInCopy(table.column(col).name());
            }
            int listed = -1;
            for (int i = 0; i < columns.length; i++) {
                if (columns[i] == col) {
                    listed = i;
                }
            }
            if (listed < 0) {
                throw new PgException(SqlState.INVALID_COLUMN_REFERENCE, option + " column \""
                        + table.column(col).name() + "\" not referenced by COPY");
            }
            flags[listed] = true;
        }
        return flags;
    }

    static CopyFrom start(CommandContext ctx, Tree.CopyStmt c) {
        Relation table = ctx.lookup().relation(c.relation().schema(), c.relation().name());
        if (table == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + c.relation().name() + "\" does not exist");
        }
        if (table.isView()) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "cannot copy to view \"" + table.name() + "\"")
                    .withHint("To enable copying to a view, provide an INSTEAD OF INSERT trigger.");
        }
        if (table.virtual() || table.kind() != Relation.TABLE) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "cannot copy to " + (table.kind()
                    == Relation.SEQUENCE ? "sequence" : table.isMatview() ? "materialized view"
                    : "non-table relation") + " \"" + table.name() + "\"");
        }
        table = DdlSupport.lockNamed(ctx, c.relation(), table, org.walden.txn.RelationLockMode.ROW_EXCLUSIVE);
        int[] cols;
        if (c.columns() == null || c.columns().isEmpty()) {
            List<Integer> live = new ArrayList<>();
            for (int i = 0; i < table.columns().size(); i++) {
                if (!table.column(i).dropped() && !table.column(i).isGenerated()) {
                    live.add(i);
                }
            }
            cols = live.stream().mapToInt(Integer::intValue).toArray();
        } else {
            cols = new int[c.columns().size()];
            for (int i = 0; i < cols.length; i++) {
                cols[i] = table.columnIndex(c.columns().get(i));
                if (cols[i] < 0) {
                    throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + c.columns().get(i)
                            + "\" of relation \"" + table.name() + "\" does not exist");
                }
                if (table.column(cols[i]).isGenerated()) {
                    throw generatedInCopy(table.column(cols[i]).name());
                }
            }
        }
        org.walden.sql.catalog.Privileges.requireRelation(ctx.catalog(), table, ctx.currentRole(),
                org.walden.sql.catalog.Acl.INSERT, cols);
        Eval[] defaults = new Eval[table.columns().size()];
        Analyzer an = new Analyzer(ctx.analyzerEnv());
        for (int i = 0; i < defaults.length; i++) {
            Attribute a = table.column(i);
            if (a.hasDefault() && !a.dropped() && !a.isGenerated()) {
                Expr e = an.assignToColumn(an.relationExpression(null, SqlParser.parseExpression(a.defaultSql()),
                        "DEFAULT"), table, a);
                defaults[i] = new ExprCompiler(x -> -1, null).compile(e);
            }
        }
        return new CopyFrom(ctx, table, cols, defaults, c.options());
    }

    /** 42P10: COPY names no generated column (CopyGetAttnums); without a list it leaves them out. */
    static PgException generatedInCopy(String column) {
        return new PgException(SqlState.INVALID_COLUMN_REFERENCE, "column \"" + column + "\" is a generated column")
                .withDetail("Generated columns cannot be used in COPY.");
    }

    public int columnCount() {
        return columns.length;
    }

    public boolean binary() {
        return binary != null;
    }

    public void data(byte[] chunk) {
        if (binary != null) {
            binary.data(chunk, this::binaryRow);
            return;
        }
        int start = 0;
        for (int i = 0; i < chunk.length; i++) {
            if (chunk[i] == '\n') {
                if (pending.size() == 0) {
                    if (plainText && !ended && !skipHeader && plainLine(chunk, start, i)) {
                        start = i + 1;
                        continue;
                    }
                    line(new String(chunk, start, i - start, StandardCharsets.UTF_8));
                } else {
                    pending.write(chunk, start, i - start);
                    line(pending.toString(StandardCharsets.UTF_8));
                    pending.reset();
                }
                start = i + 1;
            }
        }
        pending.write(chunk, start, chunk.length - start);
    }

    /** CopyDone: a last line without newline still counts. Returns the tag "COPY n". */
    public String done() {
        try {
            if (binary != null) {
                binary.done();
                return "COPY " + rows;
            }
            boolean endedWithNewline = pending.size() == 0;
            if (pending.size() > 0) {
                line(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
            }
            if (csvCarry != null) {
                lineText = endedWithNewline ? csvCarry + "\n" : csvCarry;
                throw badFormat("unterminated CSV quoted field");
            }
            return "COPY " + rows;
        } finally {
            st.finish();
        }
    }

    public void fail(String message) {
        st.finish();
        throw new PgException(SqlState.QUERY_CANCELED, "COPY from stdin failed: " + message);
    }

    private void line(String raw) {
        String text = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        if (ended) {
            return;
        }
        if (csvCarry != null) {
            text = csvCarry + "\n" + text;
            csvCarry = null;
        } else {
            lineNo++;
            if (text.equals("\\.")) {
                ended = true;
                return;
            }
        }
        if ((lineNo & 255) == 0) {
            ctx.checkCancel();
        }
        lineText = text;
        lineBytes = null;
        if (skipHeader && !options.headerMatch()) {
            skipHeader = false;
            return;
        }
        String[] fields;
        if (skipHeader) {
            int count = headerFieldCount(text);
            if (count < 0) {
                csvCarry = text; // a quoted header name goes on in the next line
                return;
            }
            if (count != columns.length) {
                throw badFormat("wrong number of fields in header line: got " + count + ", expected "
                        + columns.length);
            }
        }
        if (csv) {
            fields = splitCsv(text);
            if (fields == null) {
                csvCarry = text;
                return;
            }
            if (!skipHeader) {
                forceNulls(fields);
            }
        } else {
            fields = splitText(text);
        }
        if (skipHeader) {
            skipHeader = false;
            checkHeader(fields);
            return;
        }
        Object[] row = new Object[table.columns().size()];
        for (int i = 0; i < columns.length; i++) {
            if (i >= fields.length) {
                throw missingData(i); // as PostgreSQL, after the fields before it were read
            }
            if (fields[i] != null) {
                row[columns[i]] = fieldValue(i, fields[i]);
            }
        }
        insert(row);
    }

    /**
     * FORCE_NOT_NULL: an unquoted NULL marker is its own text; FORCE_NULL: a quoted field equal to
     * the marker is NULL (an unquoted one already is).
     */
    private void forceNulls(String[] fields) {
        for (int i = 0; i < fields.length; i++) {
            if (fields[i] == null && forceNotNull[i]) {
                fields[i] = nullString;
            } else if (forceNull[i] && nullString.equals(fields[i])) {
                fields[i] = null;
            }
        }
    }

    /** The value of the {@code i}th listed column from its field's text (not the NULL marker). */
    private Object fieldValue(int i, String field) {
        Attribute c = table.column(columns[i]);
        try {
            Object v = Values.parseText(c.type(), field, values);
            return Values.coerceToTypmod(v, c.type(), c.typmod(), false);
        } catch (PgException e) {
            throw new PgException(e.sqlState(), e.getMessage()).withContext(where() + ", column " + c.name() + ": \""
                    + limitPrintout(field) + "\"");
        }
    }

    /**
     * A text-format line as bytes, {@code [from, to)} without its newline, when it has no
     * backslash (no escapes, not the end marker): split at the delimiter bytes (a one-byte
     * character, which no byte of a multi-byte UTF-8 character equals) without a String of the
     * line, integer columns' plain digits read without one either, the other fields decoded one
     * by one. The same rows and errors as {@link #line}; false (nothing done) for a line with a
     * backslash, which {@link #line} takes.
     */
    private boolean plainLine(byte[] b, int from, int to) {
        int end = to > from && b[to - 1] == '\r' ? to - 1 : to;
        int[] ends = fieldEnds;
        int found = 0;
        byte delim = (byte) delimiter;
        for (int k = from; k < end; k++) {
            byte x = b[k];
            if (x == '\\') {
                return false;
            }
            if (x == delim) {
                if (found < ends.length) {
                    ends[found] = k;
                }
                found++;
            }
        }
        lineNo++;
        if ((lineNo & 255) == 0) {
            ctx.checkCancel();
        }
        lineBytes = b;
        lineFrom = from;
        lineTo = end;
        if (columns.length == 0) {
            if (end == from) {
                insert(new Object[table.columns().size()]);
                return true;
            }
            throw badFormat("extra data after last expected column");
        }
        if (found >= columns.length) {
            throw badFormat("extra data after last expected column");
        }
        ends[found] = end; // the last field's end; the fields after it are missing
        Object[] row = new Object[table.columns().size()];
        int fieldFrom = from;
        for (int i = 0; i < columns.length; i++) {
            if (i > found) {
                throw missingData(i); // as PostgreSQL, after the fields before it were read
            }
            int fieldTo = ends[i];
            int len = fieldTo - fieldFrom;
            if (len != nullBytes.length || !Arrays.equals(b, fieldFrom, fieldTo, nullBytes, 0, len)) {
                int kind = columnKinds[i];
                Object v;
                if (kind == STRING) {
                    byte[] last = lastFields[i];
                    if (last != null && Arrays.equals(b, fieldFrom, fieldTo, last, 0, last.length)) {
                        v = lastValues[i]; // a string value is immutable: the same field, the same value
                    } else {
                        v = fieldValue(i, new String(b, fieldFrom, len, StandardCharsets.UTF_8));
                        if (len <= 256) {
                            lastFields[i] = Arrays.copyOfRange(b, fieldFrom, fieldTo);
                            lastValues[i] = v;
                        }
                    }
                } else {
                    v = kind == 0 ? null : plainInteger(b, fieldFrom, fieldTo, kind);
                    if (v == null) {
                        v = fieldValue(i, new String(b, fieldFrom, len, StandardCharsets.UTF_8));
                    }
                }
                row[columns[i]] = v;
            }
            fieldFrom = fieldTo + 1;
        }
        insert(row);
        return true;
    }

    /**
     * An int2 / int4 / int8 field ({@code kind} 2, 4, 8) written as plain decimal digits with an
     * optional minus, few enough digits that it fits the type; null for anything else (signs,
     * spaces, long numbers, garbage), which goes through {@link Values#parseText} and its errors.
     */
    private static Object plainInteger(byte[] b, int from, int to, int kind) {
        boolean negative = from < to && b[from] == '-';
        int k = negative ? from + 1 : from;
        int digits = to - k;
        if (digits < 1 || digits > (kind == 2 ? 4 : kind == 4 ? 9 : 18)) {
            return null;
        }
        long v = 0;
        for (; k < to; k++) {
            int d = b[k] - '0';
            if (d < 0 || d > 9) {
                return null;
            }
            v = v * 10 + d;
        }
        if (negative) {
            v = -v;
        }
        return kind == 4 ? (Object) (int) v : kind == 8 ? (Object) v : (Object) (short) v;
    }

    /** HEADER MATCH: the header line must name the columns in order (PostgreSQL 15). */
    private void checkHeader(String[] fields) {
        if (!options.headerMatch()) {
            return;
        }
        for (int i = 0; i < columns.length; i++) {
            String expected = table.column(columns[i]).name();
            if (fields[i] == null) {
                throw badFormat("column name mismatch in header line field " + (i + 1) + ": got null value (\""
                        + nullString + "\"), expected \"" + expected + "\"");
            }
            if (!fields[i].equals(expected)) {
                throw badFormat("column name mismatch in header line field " + (i + 1) + ": got \"" + fields[i]
                        + "\", expected \"" + expected + "\"");
            }
        }
    }

    /** One tuple of binary COPY: its fields in send format, null for SQL NULL. */
    private void binaryRow(byte[][] fields) {
        lineNo++;
        if ((lineNo & 255) == 0) {
            ctx.checkCancel();
        }
        Object[] row = new Object[table.columns().size()];
        for (int i = 0; i < columns.length; i++) {
            Attribute c = table.column(columns[i]);
            if (fields[i] != null) {
                try {
                    row[columns[i]] = Values.coerceToTypmod(Values.fromBinary(c.type(), fields[i]), c.type(),
                            c.typmod(), false);
                } catch (PgException e) {
                    throw new PgException(e.sqlState(), e.getMessage()).withContext(where() + ", column " + c.name());
                } catch (RuntimeException e) {
                    throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "incorrect binary data format")
                            .withContext(where() + ", column " + c.name());
                }
            }
        }
        insert(row);
    }

    /** The row with the defaults of the columns not listed, written as INSERT writes. */
    private void insert(Object[] row) {
        boolean[] given = new boolean[row.length];
        for (int col : columns) {
            given[col] = true;
        }
        for (int i = 0; i < row.length; i++) {
            if (!given[i] && defaults[i] != null) {
                row[i] = defaults[i].eval(null, st);
            }
        }
        try {
            writer.insert(st, row, null);
        } catch (PgException e) {
            // PostgreSQL checks unique indexes when it flushes its buffer of rows, the line gone by
            // then, and foreign keys in an AFTER trigger once the COPY has read every line
            if (e.context() != null || e.sqlState() == SqlState.FOREIGN_KEY_VIOLATION) {
                throw e;
            }
            throw e.withContext(e.sqlState() == SqlState.UNIQUE_VIOLATION ? where() : lineContext());
        }
        rows++;
    }

    /** 22P04 for a line that ends before the {@code i}th listed column. */
    private PgException missingData(int i) {
        return badFormat("missing data for column \"" + table.column(columns[i]).name() + "\"");
    }

    private PgException badFormat(String message) {
        return new PgException(SqlState.BAD_COPY_FILE_FORMAT, message).withContext(lineContext());
    }

    /** PostgreSQL's CONTEXT for an error about the current line: with the line's text, but for binary. */
    private String lineContext() {
        String where = where();
        String text = lineBytes != null ? new String(lineBytes, lineFrom, lineTo - lineFrom, StandardCharsets.UTF_8)
                : lineText;
        return text == null || binary != null ? where : where + ": \"" + limitPrintout(text) + "\"";
    }

    /** PostgreSQL's CONTEXT's start for the current line: "COPY t, line n". */
    private String where() {
        return "COPY " + table.name() + ", line " + lineNo;
    }

    /** At most 100 bytes of COPY data in a message, cut at a character's start, "..." when cut (as PostgreSQL). */
    static String limitPrintout(String data) {
        if (data.length() <= 25 || data.getBytes(StandardCharsets.UTF_8).length <= 100) {
            return data;
        }
        int bytes = 0;
        int end = 0;
        while (end < data.length()) {
            int cp = data.codePointAt(end);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > 100) {
                break;
            }
            bytes += size;
            end += Character.charCount(cp);
        }
        return data.substring(0, end) + "...";
    }

    /**
     * How many fields a header line has (HEADER MATCH checks the count before the names): its
     * delimiters outside CSV quotes, or not escaped in text, plus one; -1 when a CSV quote is
     * still open at the line's end.
     */
    private int headerFieldCount(String text) {
        int count = 1;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (csv && quoted && ch == escape && i + 1 < text.length() && text.charAt(i + 1) == quote) {
                i++;
            } else if (csv && ch == quote) {
                quoted = !quoted;
            } else if (!csv && ch == '\\') {
                i++;
            } else if (ch == delimiter && !quoted) {
                count++;
            }
        }
        return quoted ? -1 : count;
    }

    /** Splits one text-format line into de-escaped fields (null for the NULL marker). */
    private String[] splitText(String text) {
        if (text.indexOf('\\') < 0) {
            return splitPlainText(text);
        }
        String[] out = new String[columns.length];
        int field = 0;
        StringBuilder cur = new StringBuilder();
        StringBuilder raw = new StringBuilder();
        int i = 0;
        while (true) {
            if (i >= text.length() || text.charAt(i) == delimiter) {
                if (field >= columns.length) {
                    if (columns.length == 0 && text.isEmpty()) {
                        return out;
                    }
                    throw badFormat("extra data after last expected column");
                }
                out[field++] = raw.toString().equals(nullString) ? null : cur.toString();
                cur.setLength(0);
                raw.setLength(0);
                if (i >= text.length()) {
                    break;
                }
                i++;
                continue;
            }
            char ch = text.charAt(i);
            raw.append(ch);
            if (ch == '\\' && i + 1 < text.length()) {
                char n = text.charAt(++i);
                raw.append(n);
                switch (n) {
                    case 'b' -> cur.append('\b');
                    case 'f' -> cur.append('\f');
                    case 'n' -> cur.append('\n');
                    case 'r' -> cur.append('\r');
                    case 't' -> cur.append('\t');
                    case 'v' -> cur.append('\u000b');
                    case 'x' -> {
                        int end = i + 1;
                        while (end < text.length() && end < i + 3 && Character.digit(text.charAt(end), 16) >= 0) {
                            end++;
                        }
                        if (end == i + 1) {
                            cur.append('x');
                        } else {
                            cur.append((char) Integer.parseInt(text.substring(i + 1, end), 16));
                            raw.append(text, i + 1, end);
                            i = end - 1;
                        }
                    }
                    default -> {
                        if (n >= '0' && n <= '7') {
                            int end = i;
                            while (end < text.length() && end < i + 3 && text.charAt(end) >= '0'
                                    && text.charAt(end) <= '7') {
                                end++;
                            }
                            cur.append((char) Integer.parseInt(text.substring(i, end), 8));
                            raw.append(text, i + 1, end);
                            i = end - 1;
                        } else {
                            cur.append(n);
                        }
                    }
                }
                i++;
                continue;
            }
            cur.append(ch);
            i++;
        }
        return field < columns.length ? Arrays.copyOf(out, field) : out;
    }

    /** {@link #splitText} of a line without backslashes: each field is the text between delimiters. */
    private String[] splitPlainText(String text) {
        String[] out = new String[columns.length];
        if (columns.length == 0) {
            if (text.isEmpty()) {
                return out;
            }
            throw badFormat("extra data after last expected column");
        }
        int field = 0;
        int from = 0;
        while (true) {
            int end = text.indexOf(delimiter, from);
            String f = text.substring(from, end < 0 ? text.length() : end);
            out[field++] = f.equals(nullString) ? null : f;
            if (end < 0) {
                break;
            }
            if (field >= columns.length) {
                throw badFormat("extra data after last expected column");
            }
            from = end + 1;
        }
        return field < columns.length ? Arrays.copyOf(out, field) : out;
    }

    /** Splits one CSV record; null when a quoted field continues on the next line. */
    private String[] splitCsv(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        int i = 0;
        while (i <= text.length()) {
            if (i == text.length()) {
                if (quoted) {
                    return null;
                }
                out.add(!wasQuoted && cur.toString().equals(nullString) ? null : cur.toString());
                break;
            }
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == escape && i + 1 < text.length() && text.charAt(i + 1) == quote) {
                    cur.append(quote);
                    i += 2;
                    continue;
                }
                if (ch == quote) {
                    quoted = false;
                    i++;
                    continue;
                }
                cur.append(ch);
                i++;
                continue;
            }
            if (ch == quote) {
                quoted = true;
                wasQuoted = true;
                i++;
                continue;
            }
            if (ch == delimiter) {
                out.add(!wasQuoted && cur.toString().equals(nullString) ? null : cur.toString());
                cur.setLength(0);
                wasQuoted = false;
                i++;
                continue;
            }
            cur.append(ch);
            i++;
        }
        if (out.size() > columns.length) {
            throw badFormat("extra data after last expected column");
        }
        return out.toArray(new String[0]); // fewer than the columns: "missing data" once those before are read
    }
}
