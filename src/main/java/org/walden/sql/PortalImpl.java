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

    @Override
    public Completion execute(int maxRows, RowSink sink) {
        if (result == null) {
            result = session.run(this);
            columns = withFormats(prepared.columns());
        }
        ZoneId zone = session.zone();
        List<Object[]> rows = result.rows();
        int end = maxRows <= 0 ? rows.size() : Math.min(rows.size(), sent + maxRows);
        for (; sent < end; sent++) {
            sink.row(encode(rows.get(sent), zone));
        }
        if (sent < rows.size()) {
            return new Completion(null, true);
        }
        return new Completion(result.tag(), false);
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
