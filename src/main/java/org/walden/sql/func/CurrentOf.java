package org.walden.sql.func;

import java.util.Arrays;
import java.util.List;
import org.walden.sql.types.PgType;

/**
 * {@code UPDATE / DELETE ... WHERE CURRENT OF cursor} (PostgreSQL's CurrentOfExpr): true for the
 * row of the target table the session's SQL cursor is positioned on. Its one argument is the
 * row's key (the target's hidden ctid column); the cursor is asked at execution
 * ({@link FnContext#currentOfKey}), so a prepared statement follows the cursor as it moves, and
 * the cursor's errors (34000, 24000, 55000) are raised there.
 *
 * <p>Not in pg_proc: the analyzer builds the call for the WHERE CURRENT OF clause alone.
 */
public final class CurrentOf {

    private CurrentOf() {
    }

    public static FunctionDef function(String cursor, int tableOid, String tableName) {
        return new FunctionDef(0, "current_of", List.of(PgType.BYTEA), PgType.BOOL, null, 0, true, 'v', 'f', false,
                null, null, null, (types, result) -> (ctx, a) -> Arrays.equals((byte[]) a[0],
                        ctx.currentOfKey(cursor, tableOid, tableName)), null, null, null);
    }
}
