package org.walden.sql;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.PgType;
import org.walden.sql.types.ValueContext;
import org.walden.sql.types.Values;

/**
 * A bound statement. The first Execute starts it: a query's rows are then pulled from its plan
 * as Execute asks for them (a row limit suspends the portal between batches, and LIMIT stops the
 * plan early); a data change or utility command runs to completion and hands out its rows.
 */
final class PortalImpl implements Portal {

    /** A started statement: its rows one at a time, and its command tag. */
    interface Execution {
        /** The next row, or null at the end. */
        Object[] next();

        /** The CommandComplete tag once the rows are exhausted ({@code sent}: rows of the last Execute). */
        String tag(long sent);

        /** The result columns (text format), null when none. */
        List<ColumnDesc> columns();

        void close();

        /** A query's executor state (for WHERE CURRENT OF), null for a data change or utility. */
        default org.walden.sql.exec.ExecState execState() {
            return null;
        }
    }

    private final WaldenSession session;
    final PreparedImpl prepared;
    final Object[] params;
    private final short[] resultFormats;
    private List<ColumnDesc> columns;
    private Execution exec;
    private boolean done;

    PortalImpl(WaldenSession session, PreparedImpl prepared, Object[] params, short[] resultFormats) {
        this.session = session;
        this.prepared = prepared;
        this.params = params;
        this.resultFormats = resultFormats;
        this.columns = withFormats(prepared.columns());
    }

    private List<ColumnDesc> withFormats(List<ColumnDesc> text) {
        if (text == null) {
            return null;
        }
        if (resultFormats.length > 1 && resultFormats.length != text.size()) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "bind message has " + resultFormats.length
                    + " result formats but query has " + text.size() + " columns");
        }
        List<ColumnDesc> out = null;
        for (int i = 0; i < text.size(); i++) {
            // no formats given: each column's own (a BINARY cursor's FETCH), text for every other statement
            short f = resultFormats.length == 0 ? text.get(i).format() : resultFormats.length == 1 ? resultFormats[0]
                    : resultFormats[i];
            if (out == null && f != text.get(i).format()) {
                out = new ArrayList<>(text.size());
                out.addAll(text.subList(0, i));
            }
            if (out != null) {
                out.add(text.get(i).withFormat(f));
            }
        }
        // every format as the statement's own: its list itself, the same at every Bind (the
        // backend's RowDescription of it is encoded once)
        return out == null ? text : out;
    }

    @Override
    public List<ColumnDesc> columns() {
        return columns;
    }

    private CopyIn copyIn;

    @Override
    public CopyIn copyIn() {
        if (!session.isCopyFrom(prepared)) {
            return null;
        }
        if (copyIn == null) {
            copyIn = session.startCopy(this);
        }
        return copyIn;
    }

    @Override
    public CopyOut copyOut() {
        return session.isCopyToClient(prepared) ? session.startCopyOut(this) : null;
    }

    @Override
    public Completion execute(int maxRows, RowSink sink) {
        if (session.isCopyFrom(prepared) || session.isCopyToClient(prepared)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COPY FROM STDIN and TO STDOUT must be run through "
                    + "Portal.copyIn() and Portal.copyOut()");
        }
        if (exec == null) {
            exec = session.start(this);
            columns = withFormats(exec.columns());
        }
        if (done) {
            return new Completion(exec.tag(0), false);
        }
        ValueContext values = session.values();
        long batch = 0;
        while (maxRows <= 0 || batch < maxRows) {
            Object[] row = session.fetch(exec);
            if (row == null) {
                done = true;
                break;
            }
            sink.row(encode(row, values));
            batch++;
        }
        // as PortalRunSelect: a batch that filled maxRows suspends, even when nothing is left
        if (!done) {
            return new Completion(null, true);
        }
        exec.close();
        return new Completion(exec.tag(batch), false);
    }

    /** Closes a started statement that will not be run further (the transaction ended, the portal was closed). */
    void close() {
        if (exec != null && !done) {
            exec.close();
            done = true;
        }
    }

    private byte[][] encode(Object[] row, ValueContext values) {
        return encode(columns, row, values);
    }

    /** A row's values in each column's format (DataRow contents). */
    static byte[][] encode(List<ColumnDesc> columns, Object[] row, ValueContext values) {
        int n = columns == null ? 0 : columns.size();
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            if (row[i] == null) {
                continue;
            }
            ColumnDesc c = columns.get(i);
            PgType type = PgType.byOid(c.typeOid());
            if (type == null) {
                type = PgType.TEXT;
            }
            if (c.format() == 1) {
                out[i] = Values.toBinary(type, row[i]);
            } else {
                out[i] = Values.toText(type, row[i], values).getBytes(StandardCharsets.UTF_8);
            }
        }
        return out;
    }
}
