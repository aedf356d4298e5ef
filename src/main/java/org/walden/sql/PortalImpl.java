package org.walden.sql;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.exec.Executor;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * A bound statement. The first Execute runs the statement to completion and keeps its rows;
 * Execute with a row limit then hands them out in batches (PortalSuspended in between).
 */
final class PortalImpl implements Portal {

    private final WaldenSession session;
    final PreparedImpl prepared;
    final Object[] params;
    private final short[] resultFormats;
    private List<ColumnDesc> columns;
    private Executor.Result result;
    private int sent;

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
        List<ColumnDesc> out = new ArrayList<>(text.size());
        for (int i = 0; i < text.size(); i++) {
            short f = resultFormats.length == 0 ? 0 : resultFormats.length == 1 ? resultFormats[0] : resultFormats[i];
            out.add(text.get(i).withFormat(f));
        }
        return out;
    }

    @Override
    public List<ColumnDesc> columns() {
        return columns;
    }

    private CopyIn copyIn;

    @Override
    public CopyIn copyIn() {
        if (!(prepared.stmt instanceof org.walden.sql.parse.Ast.Copy)) {
            return null;
        }
        if (copyIn == null) {
            copyIn = session.startCopy(this);
        }
        return copyIn;
    }

    @Override
    public Completion execute(int maxRows, RowSink sink) {
        if (prepared.stmt instanceof org.walden.sql.parse.Ast.Copy) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COPY FROM STDIN must be run through Portal.copyIn()");
        }
        if (result == null) {
            result = session.run(this);
            columns = withFormats(prepared.columns());
        }
        ZoneId zone = session.zone();
        List<Object[]> rows = result.rows();
        int end = maxRows <= 0 ? rows.size() : Math.min(rows.size(), sent + maxRows);
        int batch = end - sent;
        for (; sent < end; sent++) {
            sink.row(encode(rows.get(sent), zone));
        }
        // as PortalRunSelect: a batch that filled maxRows suspends, even when nothing is left
        if (maxRows > 0 && batch == maxRows) {
            return new Completion(null, true);
        }
        String tag = result.tag();
        if (tag.startsWith("SELECT ")) {
            tag = "SELECT " + batch; // the rows of this Execute, as PostgreSQL counts them
        }
        return new Completion(tag, false);
    }

    private byte[][] encode(Object[] row, ZoneId zone) {
        byte[][] out = new byte[row.length][];
        for (int i = 0; i < row.length; i++) {
            if (row[i] == null) {
                continue;
            }
            ColumnDesc c = columns.get(i);
            PgType type = PgType.byOid(c.typeOid());
            if (c.format() == 1) {
                out[i] = Values.toBinary(type, row[i]);
            } else {
                out[i] = Values.toText(type, row[i], zone).getBytes(StandardCharsets.UTF_8);
            }
        }
        return out;
    }
}
