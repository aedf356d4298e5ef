package org.walden.sql;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.parse.Tree;
import org.walden.txn.KvCursor;

/**
 * A session's ON COMMIT DELETE ROWS and ON COMMIT DROP temporary tables (PostgreSQL's
 * on_commits list, kept in the backend's memory as there, not in the catalog): before each
 * commit the first are emptied (TRUNCATE, when they hold rows) and the second dropped, in the
 * committing transaction. A table dropped or rolled back meanwhile is forgotten.
 */
final class OnCommitActions {

    /** Table OID to "DELETE ROWS" or "DROP", in creation order. */
    private final Map<Integer, String> actions = new LinkedHashMap<>();

    void register(int tableOid, String action) {
        actions.put(tableOid, action);
    }

    boolean isEmpty() {
        return actions.isEmpty();
    }

    /** Runs the actions in the session's open transaction, through the ordinary TRUNCATE and DROP. */
    void preCommit(WaldenSession s, Utility utility) {
        List<Integer> done = new ArrayList<>();
        for (Map.Entry<Integer, String> e : new ArrayList<>(actions.entrySet())) {
            Relation r = s.catalog().relation(e.getKey());
            if (r == null) {
                done.add(e.getKey());
                continue;
            }
            Namespace ns = s.lookup().namespace(r.namespaceOid());
            String schema = ns == null ? CatalogLookup.PG_TEMP : ns.name();
            if (e.getValue().equals("DROP")) {
                utility.runCommand(new Tree.DropStmt(Tree.ObjectType.TABLE, List.of(List.of(schema, r.name())), true,
                        true, false, -1));
                done.add(e.getKey());
            } else if (hasRows(s, r)) {
                utility.runCommand(new Tree.TruncateStmt(List.of(new Tree.RangeVar(schema, r.name(), -1)),
                        false, false));
            }
        }
        done.forEach(actions::remove);
    }

    private static boolean hasRows(WaldenSession s, Relation r) {
        try (KvCursor c = s.env.txn().scan(Keys.prefix(r.relfilenode()), Keys.end(r.relfilenode()))) {
            return c.next();
        }
    }
}
