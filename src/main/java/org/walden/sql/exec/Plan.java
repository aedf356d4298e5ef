package org.walden.sql.exec;

import java.util.List;
import org.walden.sql.catalog.TableDef;
import org.walden.sql.parse.Ast;

/** An analyzed statement, ready to execute with bound parameters. */
public sealed interface Plan {

    /** Rows come from a stored table (by primary key when {@code pointKey} is set), a system view, or nowhere. */
    /**
     * Where rows come from: a table (by {@code pointKey} when the WHERE clause fixes the primary
     * key) or a system view; or, with {@code functionRows}, a function in FROM.
     */
    record Source(TableDef table, Node[] pointKey, java.util.function.Function<EvalContext, List<Object[]>> functionRows) {
        Source(TableDef table, Node[] pointKey) {
            this(table, pointKey, null);
        }
    }

    record SortKey(Node expr, boolean descending, boolean nullsFirst) {
    }

    /** {@code lockRows}: SELECT ... FOR UPDATE, which locks and re-checks each row as UPDATE does. */
    record Select(Source source, Node filter, List<Node> targets, List<Node> groupBy, List<AggSpec> aggregates,
                  boolean aggregated, Node having, List<SortKey> sort, boolean distinct, Node limit, Node offset,
                  boolean lockRows)
            implements Plan {
    }

    record Insert(TableDef table, List<Node[]> rows, List<Node> returning) implements Plan {
    }

    record Update(Source source, Node filter, int[] columns, Node[] values, List<Node> returning) implements Plan {
    }

    record Delete(Source source, Node filter, List<Node> returning) implements Plan {
    }

    /** DDL, transaction control and utility statements run straight from their parse tree. */
    record Utility(Ast.Stmt stmt) implements Plan {
    }
}
