package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Column;
import org.walden.sql.catalog.TableDef;
import org.walden.sql.parse.Ast;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.types.PgType;

/**
 * Functions in FROM (PostgreSQL's function scans): the documented way to create a slot,
 * {@code SELECT * FROM pg_create_physical_replication_slot('node_a_slot')}, {@code
 * generate_series}, and any scalar function as one row. Each becomes a virtual table whose rows the function returns when
 * the statement runs; a function returning one value names its column after the alias (else
 * after the function), as PostgreSQL does.
 */
final class TableFunctions {

    /** Rows a function scan materialises before a cancel request is checked again. */
    private static final int CANCEL_CHECK_ROWS = 4096;

    /** The function's result shape and how to compute its rows. */
    record Scan(TableDef shape, Function<EvalContext, List<Object[]>> rows) {
    }

    private TableFunctions() {
    }

    static Scan resolve(ExprAnalyzer a, Ast.TableRef ref) {
        List<Node> args = new ArrayList<>();
        for (Ast.Expr e : ref.functionArgs()) {
            args.add(a.analyze(e));
        }
        if (ref.schema() == null || ref.schema().equals("pg_catalog")) {
            Scan scan = switch (ref.name()) {
                case "pg_create_physical_replication_slot" -> args.isEmpty() || args.size() > 3 ? null
                        : slotScan(a, args);
                case "generate_series" -> args.size() < 2 || args.size() > 3 ? null : seriesScan(a, ref, args);
                default -> null;
            };
            if (scan != null) {
                return scan;
            }
        }
        if (ref.schema() != null && !ref.schema().equals("pg_catalog")) {
            throw Functions.noSuchFunction(ref.schema() + "." + ref.name(), args, ref.position());
        }
        // any other function returns one row of one column: SELECT * FROM pg_current_wal_lsn()
        Node value = Functions.resolve(a, ref.name(), args, ref.position());
        TableDef shape = shape(ref.name(), ref.alias() != null ? ref.alias() : ref.name(), value.type);
        return new Scan(shape, ctx -> List.<Object[]>of(new Object[] {value.eval(ctx)}));
    }

    private static Scan slotScan(ExprAnalyzer a, List<Node> args) {
        Function<EvalContext, Object[]> create = Functions.createPhysicalReplicationSlotRow(a, args);
        TableDef shape = shape("pg_create_physical_replication_slot", "slot_name", PgType.NAME, "lsn", PgType.PG_LSN);
        return new Scan(shape, ctx -> {
            Object[] row = create.apply(ctx);
            return List.<Object[]>of(row == null ? new Object[2] : row);
        });
    }

    /** generate_series(start, stop [, step]) over integers: int4 unless an argument is int8. */
    private static Scan seriesScan(ExprAnalyzer a, Ast.TableRef ref, List<Node> args) {
        if (args.stream().anyMatch(n -> n.type != PgType.UNKNOWN && !n.type.isInteger())) {
            return null;
        }
        boolean int8 = args.stream().anyMatch(n -> n.type == PgType.INT8);
        PgType type = int8 ? PgType.INT8 : PgType.INT4;
        List<Node> cast = new ArrayList<>();
        for (Node n : args) {
            cast.add(a.castTo(n, type, -1));
        }
        TableDef shape = shape("generate_series", ref.alias() != null ? ref.alias() : "generate_series", type);
        return new Scan(shape, ctx -> {
            Object start = cast.get(0).eval(ctx);
            Object stop = cast.get(1).eval(ctx);
            Object step = cast.size() > 2 ? cast.get(2).eval(ctx) : Integer.valueOf(1);
            List<Object[]> rows = new ArrayList<>();
            if (start == null || stop == null || step == null) {
                return rows;
            }
            long from = ((Number) start).longValue();
            long to = ((Number) stop).longValue();
            long by = ((Number) step).longValue();
            if (by == 0) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "step size cannot equal zero");
            }
            for (long v = from; by > 0 ? v <= to : v >= to; v += by) {
                rows.add(new Object[] {int8 ? (Object) v : (Object) (int) v});
                if (rows.size() % CANCEL_CHECK_ROWS == 0) {
                    ctx.env.checkCancel();
                }
                if (by > 0 ? v > Long.MAX_VALUE - by : v < Long.MIN_VALUE - by) {
                    break;
                }
            }
            return rows;
        });
    }

    private static TableDef shape(String name, Object... columns) {
        List<Column> cols = new ArrayList<>();
        for (int i = 0; i < columns.length; i += 2) {
            cols.add(new Column((String) columns[i], (PgType) columns[i + 1], -1, false, null));
        }
        return new TableDef(0, name, List.copyOf(cols), new int[0], true);
    }
}
