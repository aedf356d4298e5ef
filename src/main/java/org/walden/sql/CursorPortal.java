package org.walden.sql;

import java.util.List;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.ValueContext;

/**
 * An SQL cursor seen through the extended protocol: in PostgreSQL a DECLARE'd cursor is a named
 * portal, so Describe of a portal of its name shows its columns and Execute fetches forward from
 * it (a row limit suspends it, PortalSuspended; "SELECT n" once it is read to the end).
 */
final class CursorPortal implements Portal {

    private final WaldenSession session;
    private final SqlCursor cursor;

    CursorPortal(WaldenSession session, SqlCursor cursor) {
        this.session = session;
        this.cursor = cursor;
    }

    @Override
    public List<ColumnDesc> columns() {
        return cursor.columns;
    }

    @Override
    public Completion execute(int maxRows, RowSink sink) {
        SqlCursor.Run run = session.guard(() -> {
            session.checkNotFailedBlock();
            return cursor.fetch(Tree.FetchDirection.FORWARD, maxRows <= 0 ? Tree.FetchStmt.FETCH_ALL : maxRows, false);
        });
        ValueContext values = session.values();
        Object[] row;
        while ((row = session.guard(run::next)) != null) {
            sink.row(PortalImpl.encode(cursor.columns, row, values));
        }
        if (maxRows > 0 && run.processed() == maxRows) {
            return new Completion(null, true);
        }
        return new Completion("SELECT " + run.processed(), false);
    }
}
