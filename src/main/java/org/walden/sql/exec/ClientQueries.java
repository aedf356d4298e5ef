package org.walden.sql.exec;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.walden.sql.ColumnDesc;
import org.walden.sql.catalog.Catalog;
import org.walden.sql.parse.Ast;
import org.walden.sql.types.PgType;

/**
 * Catalog queries that known clients send word for word and that need SQL Walden's executor
 * does not have yet (joins, LATERAL, pg_class). Each is recognised by its text and answered
 * from the catalog with the result PostgreSQL gives. Today: pgbench 15's partition check
 * before a run (PG_CLIENTS.md §3), which must return one row for an existing table.
 */
public final class ClientQueries {

    /** pgbench's "select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class ...". */
    private static final Pattern PGBENCH_PARTITIONS = Pattern.compile(
            "select o\\.n, p\\.partstrat, pg_catalog\\.count\\(i\\.inhparent\\) from pg_catalog\\.pg_class as c "
                    + "join pg_catalog\\.pg_namespace as n on \\(n\\.oid = c\\.relnamespace\\) cross join lateral .*"
                    + "where c\\.relname = '([^']*)' and o\\.n is not null group by 1, 2 order by 1 asc limit 1\\s*;?\\s*",
            Pattern.DOTALL);

    private ClientQueries() {
    }

    /** The statement for a recognised query text, or null. */
    public static Ast.Stmt recognise(String sql) {
        Matcher m = PGBENCH_PARTITIONS.matcher(sql.strip());
        if (m.matches()) {
            return new Ast.KnownClientQuery("pgbench_partitions", m.group(1));
        }
        return null;
    }

    static List<ColumnDesc> columns(Ast.KnownClientQuery q) {
        return List.of(new ColumnDesc("n", 0, (short) 0, PgType.INT4.oid, PgType.INT4.typlen, -1, (short) 0),
                new ColumnDesc("partstrat", 0, (short) 0, PgType.CHAR.oid, PgType.CHAR.typlen, -1, (short) 0),
                new ColumnDesc("count", 0, (short) 0, PgType.INT8.oid, PgType.INT8.typlen, -1, (short) 0));
    }

    /**
     * Answers the query: a table in schema public is at position 2 of current_schemas(true)
     * (after pg_catalog), is not partitioned and has no partitions.
     */
    public static Executor.Result run(Ast.KnownClientQuery q, Catalog catalog) {
        if (catalog.table(q.argument()) == null) {
            return new Executor.Result(List.of(), "SELECT 0");
        }
        return new Executor.Result(List.<Object[]>of(new Object[] {2, null, 0L}), "SELECT 1");
    }
}
