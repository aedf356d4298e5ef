package org.walden.sql.exec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Column;
import org.walden.sql.catalog.TableDef;
import org.walden.sql.types.Values;

/**
 * COPY FROM's text format (PostgreSQL's copyfromparse.c, text mode): one row per line,
 * fields split by the delimiter (tab), {@code \N} for NULL, backslash escapes (\b \f \n \r \t
 * \v, octal, \xHH, any other character as itself), and a line {@code \.} ending the data.
 * Rows may arrive split across CopyData messages.
 */
public final class CopyFromText {

    private final TableDef table;
    private final int[] columns;
    private final Node[] defaults;
    private final char delimiter;
    private final String nullString;
    private final ZoneId zone;
    private final Executor executor;
    private final ExecEnv env;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private long rows;
    private long lineNo;
    private boolean ended;

    public CopyFromText(TableDef table, int[] columns, Node[] defaults, char delimiter, String nullString,
                        ZoneId zone, Executor executor, ExecEnv env) {
        this.table = table;
        this.columns = columns;
        this.defaults = defaults;
        this.delimiter = delimiter;
        this.nullString = nullString;
        this.zone = zone;
        this.executor = executor;
        this.env = env;
    }

    public void feed(byte[] chunk) {
        int start = 0;
        for (int i = 0; i < chunk.length; i++) {
            if (chunk[i] == '\n') {
                pending.write(chunk, start, i - start);
                line(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
                start = i + 1;
            }
        }
        pending.write(chunk, start, chunk.length - start);
    }

    /** CopyDone: a last line without newline still counts. Returns the rows inserted. */
    public long finish() {
        if (pending.size() > 0) {
            line(pending.toString(StandardCharsets.UTF_8));
            pending.reset();
        }
        return rows;
    }

    private void line(String raw) {
        String text = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        if (ended) {
            return;
        }
        lineNo++;
        if (text.equals("\\.")) {
            ended = true;
            return;
        }
        if ((lineNo & 255) == 0) {
            env.checkCancel();
        }
        String[] fields = split(text);
        EvalContext ctx = new EvalContext(env, new Object[0]);
        Object[] row = new Object[table.columns().size()];
        boolean[] given = new boolean[row.length];
        for (int i = 0; i < columns.length; i++) {
            Column c = table.columns().get(columns[i]);
            given[columns[i]] = true;
            if (fields[i] != null) {
                Object v = Values.parseText(c.type(), fields[i], zone);
                row[columns[i]] = Values.coerceToTypmod(v, c.type(), c.typmod(), false);
            }
        }
        for (int i = 0; i < row.length; i++) {
            if (!given[i]) {
                row[i] = defaults[i].eval(ctx);
            }
        }
        executor.insertRow(table, row);
        rows++;
    }

    private PgException badFormat(String message) {
        return new PgException(SqlState.DATA_EXCEPTION, message)
                .withDetail("COPY " + table.name() + ", line " + lineNo);
    }

    /** Splits one line into de-escaped fields (null for the NULL marker). */
    private String[] split(String text) {
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
            if (ch != '\\' || i + 1 >= text.length()) {
                cur.append(ch);
                i++;
                continue;
            }
            i = unescape(text, i + 1, cur, raw);
        }
        if (field < columns.length) {
            throw badFormat("missing data for column \"" + table.columns().get(columns[field]).name() + "\"");
        }
        return out;
    }

    /**
     * Decodes the backslash escape whose letter is at {@code at}; appends the character to
     * {@code cur} and the raw text to {@code raw}. Returns the index after the escape.
     */
    private static int unescape(String text, int at, StringBuilder cur, StringBuilder raw) {
        char e = text.charAt(at);
        raw.append(e);
        int i = at + 1;
        switch (e) {
            case 'b' -> cur.append('\b');
            case 'f' -> cur.append('\f');
            case 'n' -> cur.append('\n');
            case 'r' -> cur.append('\r');
            case 't' -> cur.append('\t');
            case 'v' -> cur.append('\u000b');
            case 'x' -> {
                int j = i;
                while (j < text.length() && j < i + 2 && Character.digit(text.charAt(j), 16) >= 0) {
                    j++;
                }
                if (j == i) {
                    cur.append('x');
                } else {
                    raw.append(text, i, j);
                    cur.append((char) Integer.parseInt(text.substring(i, j), 16));
                    i = j;
                }
            }
            default -> {
                if (e >= '0' && e <= '7') {
                    int j = i;
                    while (j < text.length() && j < i + 2 && text.charAt(j) >= '0' && text.charAt(j) <= '7') {
                        j++;
                    }
                    raw.append(text, i, j);
                    cur.append((char) Integer.parseInt(text.substring(i - 1, j), 8));
                    i = j;
                } else {
                    cur.append(e);
                }
            }
        }
        return i;
    }
}
