package org.walden.sql.exec;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.ColumnDesc;
import org.walden.sql.catalog.Catalog;
import org.walden.sql.catalog.Column;
import org.walden.sql.catalog.TableDef;
import org.walden.sql.parse.Ast;
import org.walden.sql.parse.Parser;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.types.PgType;

/**
 * Parse analysis and planning (PostgreSQL's analyze.c + a one-table planner): resolves the
 * relation, types every expression, infers parameter types, and picks a primary-key point
 * lookup when the WHERE clause pins every key column to a value (pk = const or $n).
 */
public final class Planner {

    private final Catalog catalog;
    private final ZoneId zone;

    public Planner(Catalog catalog, ZoneId zone) {
        this.catalog = catalog;
        this.zone = zone;
    }

    public Analyzed analyze(Ast.Stmt stmt, int[] declaredParamOids) {
        ParamTypes params = new ParamTypes(declaredParamOids);
        Plan plan;
        List<ColumnDesc> columns = null;
        switch (stmt) {
            case Ast.Select s -> {
                List<ColumnDesc> cols = new ArrayList<>();
                plan = select(s, params, cols);
                columns = cols;
            }
            case Ast.Insert i -> {
                List<ColumnDesc> cols = new ArrayList<>();
                plan = insert(i, params, cols);
                columns = i.returning() == null ? null : cols;
            }
            case Ast.Update u -> {
                List<ColumnDesc> cols = new ArrayList<>();
                plan = update(u, params, cols);
                columns = u.returning() == null ? null : cols;
            }
            case Ast.Delete d -> {
                List<ColumnDesc> cols = new ArrayList<>();
                plan = delete(d, params, cols);
                columns = d.returning() == null ? null : cols;
            }
            case Ast.Show show -> {
                plan = new Plan.Utility(stmt);
                columns = show.name().equals("all")
                        ? List.of(textColumn("name"), textColumn("setting"), textColumn("description"))
                        : List.of(textColumn(show.name()));
            }
            case Ast.KnownClientQuery k -> {
                plan = new Plan.Utility(stmt);
                columns = ClientQueries.columns(k);
                ClientQueries.declareParams(k, params);
            }
            default -> plan = new Plan.Utility(stmt);
        }
        int[] oids = params.finish();
        return new Analyzed(plan, oids, columns, catalog);
    }

    private static ColumnDesc textColumn(String name) {
        return new ColumnDesc(name, 0, (short) 0, PgType.TEXT.oid, PgType.TEXT.typlen, -1, (short) 0);
    }

    /** Finds the relation: a stored table, else a system view; 42P01 if neither. */
    public TableDef relation(Ast.TableRef ref) {
        TableDef t = null;
        if (ref.schema() == null || ref.schema().equals("public")) {
            t = catalog.table(ref.name());
        }
        if (t == null && (ref.schema() == null || ref.schema().equals("pg_catalog"))) {
            t = SystemViews.view(ref.name());
        }
        if (t == null) {
            String shown = ref.schema() == null ? ref.name() : ref.schema() + "." + ref.name();
            throw new SyntaxError(SqlState.UNDEFINED_TABLE, "relation \"" + shown + "\" does not exist",
                    ref.position());
        }
        return t;
    }

    private static String aliasOf(Ast.TableRef ref) {
        return ref.alias() != null ? ref.alias() : ref.name();
    }

    // ---------------------------------------------------------------- SELECT

    private Plan select(Ast.Select s, ParamTypes params, List<ColumnDesc> columns) {
        TableFunctions.Scan functionScan = null;
        TableDef table = null;
        if (s.from() != null && s.from().functionArgs() != null) {
            functionScan = TableFunctions.resolve(new ExprAnalyzer(null, null, params, zone), s.from());
            table = functionScan.shape();
        } else if (s.from() != null) {
            table = relation(s.from());
        }
        ExprAnalyzer a = new ExprAnalyzer(table, s.from() == null ? null : aliasOf(s.from()), params, zone);
        Node filter = null;
        Plan.Source source = null;
        if (functionScan != null) {
            filter = s.where() == null ? null : a.condition(s.where(), "WHERE");
            source = new Plan.Source(table, null, functionScan.rows());
        } else if (table != null) {
            filter = s.where() == null ? null : a.condition(s.where(), "WHERE");
            source = new Plan.Source(table, pointKey(table, s.where(), a));
        } else if (s.where() != null) {
            filter = a.condition(s.where(), "WHERE");
        }
        List<AggSpec> aggs = new ArrayList<>();
        a.aggregates = aggs;
        List<Node> targets = new ArrayList<>();
        List<Ast.Expr> targetAsts = new ArrayList<>();
        analyzeTargets(s, table, a, targets, targetAsts, columns);
        List<Node> groupBy = new ArrayList<>();
        a.aggregates = null;
        for (Ast.Expr g : s.groupBy()) {
            Node target = ordinalTarget(g, targets, "GROUP BY");
            groupBy.add(target != null ? target : a.analyze(g));
        }
        a.aggregates = aggs;
        boolean aggregated = !aggs.isEmpty() || !s.groupBy().isEmpty() || s.having() != null;
        Node having = s.having() == null ? null : a.condition(s.having(), "HAVING");
        List<Plan.SortKey> sort = new ArrayList<>();
        for (Ast.OrderItem o : s.orderBy()) {
            Node target = ordinalTarget(o.expr(), targets, "ORDER BY");
            if (target == null && o.expr() instanceof Ast.ColumnRef c && c.table() == null) {
                for (int i = 0; i < columns.size(); i++) {
                    if (columns.get(i).name().equals(c.column()) && !(s.targets().size() > i
                            && s.targets().get(i).expr() instanceof Ast.Star)) {
                        target = targets.get(i);
                        break;
                    }
                }
            }
            Node key = target != null ? target : a.resolveUnknown(a.analyze(o.expr()), PgType.TEXT);
            boolean nullsFirst = o.nullsFirst() != null ? o.nullsFirst() : o.descending();
            sort.add(new Plan.SortKey(key, o.descending(), nullsFirst));
        }
        if (aggregated) {
            checkGrouping(s, table, targetAsts);
        }
        Node limit = s.limit() == null ? null : a.castTo(a.analyze(s.limit()), PgType.INT8, -1);
        Node offset = s.offset() == null ? null : a.castTo(a.analyze(s.offset()), PgType.INT8, -1);
        if (s.forUpdate() && (aggregated || s.distinct())) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "FOR UPDATE is not allowed with "
                    + (aggregated ? "aggregate functions" : "DISTINCT clause"));
        }
        if (s.forUpdate() && (table == null || table.virtual())) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, table == null
                    ? "FOR UPDATE must specify unqualified relation names" : "cannot lock rows in view \""
                    + table.name() + "\"");
        }
        return new Plan.Select(source, filter, targets, groupBy, a.aggregates, aggregated, having, sort, s.distinct(),
                limit, offset, s.forUpdate());
    }

    /** The target list, with * expanded; unknown-typed outputs become text. */
    private void analyzeTargets(Ast.Select s, TableDef table, ExprAnalyzer a, List<Node> targets,
                                List<Ast.Expr> targetAsts, List<ColumnDesc> columns) {
        for (Ast.Target t : s.targets()) {
            if (t.expr() instanceof Ast.Star star) {
                if (table == null) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "SELECT * with no tables specified is not valid",
                            star.position());
                }
                for (int i = 0; i < table.columns().size(); i++) {
                    Column c = table.columns().get(i);
                    targets.add(new Node.ColumnRef(i, c.name(), c.type(), c.typmod()));
                    targetAsts.add(new Ast.ColumnRef(null, c.name(), star.position()));
                    columns.add(describe(c.name(), targets.getLast(), table, i));
                }
                continue;
            }
            Node n = a.analyze(t.expr());
            if (n.type == PgType.UNKNOWN) {
                n = a.resolveUnknown(n, PgType.TEXT);
                if (n.type == PgType.UNKNOWN) {
                    n = a.castTo(n, PgType.TEXT, -1);
                }
            }
            targets.add(n);
            targetAsts.add(t.expr());
            String name = t.alias() != null ? t.alias() : figureColname(t.expr(), n);
            columns.add(describe(name, n, table, n instanceof Node.ColumnRef c ? c.index : -1));
        }
    }

    static boolean containsAggregate(Ast.Expr e) {
        return switch (e) {
            case Ast.FuncCall f -> ExprAnalyzer.AGGREGATES.contains(f.name())
                    || f.args().stream().anyMatch(Planner::containsAggregate);
            case Ast.Unary u -> containsAggregate(u.operand());
            case Ast.Binary b -> containsAggregate(b.left()) || containsAggregate(b.right());
            case Ast.IsNull n -> containsAggregate(n.operand());
            case Ast.Cast c -> containsAggregate(c.operand());
            case Ast.Between b -> containsAggregate(b.operand()) || containsAggregate(b.low())
                    || containsAggregate(b.high());
            case Ast.InList in -> containsAggregate(in.operand()) || in.values().stream().anyMatch(Planner::containsAggregate);
            case Ast.CaseExpr c -> (c.operand() != null && containsAggregate(c.operand()))
                    || c.whens().stream().anyMatch(Planner::containsAggregate)
                    || c.thens().stream().anyMatch(Planner::containsAggregate)
                    || (c.elseExpr() != null && containsAggregate(c.elseExpr()));
            default -> false;
        };
    }

    /** 42803 for a column used outside an aggregate and not grouped by (column GROUP BY items only). */
    private void checkGrouping(Ast.Select s, TableDef table, List<Ast.Expr> targetAsts) {
        Set<String> grouped = new HashSet<>();
        for (Ast.Expr g : s.groupBy()) {
            if (g instanceof Ast.ColumnRef c) {
                grouped.add(c.column());
            } else if (g instanceof Ast.Literal l && l.kind() == Ast.LiteralKind.INTEGER) {
                int i = Integer.parseInt(l.text()) - 1;
                if (i >= 0 && i < targetAsts.size() && targetAsts.get(i) instanceof Ast.ColumnRef c) {
                    grouped.add(c.column());
                }
            } else {
                return; // expression grouping: not checked
            }
        }
        for (Ast.Expr e : targetAsts) {
            Ast.ColumnRef bad = ungroupedColumn(e, grouped);
            if (bad != null) {
                String rel = table == null ? "" : (s.from().alias() != null ? s.from().alias() : table.name()) + ".";
                throw new SyntaxError(SqlState.GROUPING_ERROR, "column \"" + rel + bad.column()
                        + "\" must appear in the GROUP BY clause or be used in an aggregate function", bad.position());
            }
        }
    }

    private static Ast.ColumnRef ungroupedColumn(Ast.Expr e, Set<String> grouped) {
        return switch (e) {
            case Ast.ColumnRef c -> grouped.contains(c.column()) ? null : c;
            case Ast.FuncCall f -> ExprAnalyzer.AGGREGATES.contains(f.name()) ? null
                    : f.args().stream().map(x -> ungroupedColumn(x, grouped)).filter(x -> x != null).findFirst()
                    .orElse(null);
            case Ast.Unary u -> ungroupedColumn(u.operand(), grouped);
            case Ast.Binary b -> {
                Ast.ColumnRef l = ungroupedColumn(b.left(), grouped);
                yield l != null ? l : ungroupedColumn(b.right(), grouped);
            }
            case Ast.Cast c -> ungroupedColumn(c.operand(), grouped);
            case Ast.IsNull n -> ungroupedColumn(n.operand(), grouped);
            default -> null;
        };
    }

    private static Node ordinalTarget(Ast.Expr e, List<Node> targets, String clause) {
        if (e instanceof Ast.Literal l && l.kind() == Ast.LiteralKind.INTEGER) {
            int i = Integer.parseInt(l.text());
            if (i < 1 || i > targets.size()) {
                throw new SyntaxError(SqlState.UNDEFINED_COLUMN, clause + " position " + i
                        + " is not in select list", l.position());
            }
            return targets.get(i - 1);
        }
        return null;
    }

    private ColumnDesc describe(String name, Node n, TableDef table, int columnIndex) {
        boolean direct = table != null && !table.virtual() && columnIndex >= 0 && n instanceof Node.ColumnRef;
        return new ColumnDesc(name, direct ? table.oid() : 0, (short) (direct ? columnIndex + 1 : 0), n.type.oid,
                n.type.typlen, n.typmod, (short) 0);
    }

    /** PostgreSQL's FigureColname: the column or function name, the cast's type, else ?column?. */
    static String figureColname(Ast.Expr e, Node n) {
        return switch (e) {
            case Ast.ColumnRef c -> c.column();
            case Ast.FuncCall f -> f.name();
            case Ast.Cast c -> {
                String inner = figureColname(c.operand(), n);
                yield inner.equals("?column?") ? n.type.typname : inner;
            }
            case Ast.CaseExpr c -> "case";
            default -> "?column?";
        };
    }

    /**
     * Finds {@code pk = value} for every primary key column among the WHERE clause's top-level
     * AND terms, with values that do not depend on the row and whose type is the column's
     * (any integer width for an integer column). Null when a scan is needed.
     */
    private Node[] pointKey(TableDef table, Ast.Expr where, ExprAnalyzer a) {
        if (table.virtual() || !table.hasPrimaryKey() || where == null) {
            return null;
        }
        List<Ast.Expr> terms = new ArrayList<>();
        conjuncts(where, terms);
        Node[] key = new Node[table.primaryKey().length];
        for (Ast.Expr term : terms) {
            if (!(term instanceof Ast.Binary b) || !b.op().equals("=")) {
                continue;
            }
            tryKeyTerm(table, b.left(), b.right(), a, key);
            tryKeyTerm(table, b.right(), b.left(), a, key);
        }
        for (Node k : key) {
            if (k == null) {
                return null;
            }
        }
        return key;
    }

    private void tryKeyTerm(TableDef table, Ast.Expr colSide, Ast.Expr valueSide, ExprAnalyzer a, Node[] key) {
        if (!(colSide instanceof Ast.ColumnRef c)) {
            return;
        }
        int col = table.columnIndex(c.column());
        for (int k = 0; k < table.primaryKey().length; k++) {
            if (table.primaryKey()[k] != col || key[k] != null) {
                continue;
            }
            Node v;
            try {
                v = a.analyze(valueSide);
            } catch (PgException e) {
                return; // the filter's own analysis reports it
            }
            if (!v.rowIndependent()) {
                return;
            }
            Column column = table.columns().get(col);
            v = a.resolveUnknown(v, column.type());
            boolean fits = v.type == column.type() || (v.type.isInteger() && column.type().isInteger())
                    || (v.type.isString() && column.type().isString());
            if (fits) {
                key[k] = a.coerceForAssignment(v, new Column(column.name(), column.type(), -1, false, null));
                if (column.type() == PgType.BPCHAR) {
                    key[k] = bpcharKey(key[k], column.typmod());
                }
            }
        }
    }

    /** char(n) keys are stored padded: pad the lookup value the same way (a longer one cannot match). */
    private static Node bpcharKey(Node n, int typmod) {
        return new Node.Fn(PgType.BPCHAR, true, ctx -> {
            Object v = n.eval(ctx);
            if (v == null || typmod < 0) {
                return v;
            }
            String s = (String) v;
            int max = typmod - 4;
            return s.length() > max ? (Object) null : s + " ".repeat(max - s.length());
        });
    }

    private static void conjuncts(Ast.Expr e, List<Ast.Expr> out) {
        if (e instanceof Ast.Binary b && b.op().equals("and")) {
            conjuncts(b.left(), out);
            conjuncts(b.right(), out);
        } else {
            out.add(e);
        }
    }

    // ---------------------------------------------------------------- DML

    private TableDef storedTable(Ast.TableRef ref) {
        TableDef t = relation(ref);
        if (t.virtual()) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "cannot change relation \"" + t.name() + "\"");
        }
        return t;
    }

    private List<Node> returning(List<Ast.Target> targets, TableDef table, ExprAnalyzer a, List<ColumnDesc> columns) {
        if (targets == null) {
            return null;
        }
        List<Node> out = new ArrayList<>();
        for (Ast.Target t : targets) {
            if (t.expr() instanceof Ast.Star) {
                for (int i = 0; i < table.columns().size(); i++) {
                    Column c = table.columns().get(i);
                    out.add(new Node.ColumnRef(i, c.name(), c.type(), c.typmod()));
                    columns.add(describe(c.name(), out.getLast(), table, i));
                }
                continue;
            }
            Node n = a.resolveUnknown(a.analyze(t.expr()), PgType.TEXT);
            out.add(n);
            columns.add(describe(t.alias() != null ? t.alias() : figureColname(t.expr(), n), n, table,
                    n instanceof Node.ColumnRef c ? c.index : -1));
        }
        return out;
    }

    private Plan insert(Ast.Insert ins, ParamTypes params, List<ColumnDesc> columns) {
        TableDef table = storedTable(ins.table());
        ExprAnalyzer a = new ExprAnalyzer(table, aliasOf(ins.table()), params, zone);
        ExprAnalyzer noScope = new ExprAnalyzer(null, null, params, zone);
        List<Integer> targetCols = new ArrayList<>();
        if (ins.columns() == null) {
            for (int i = 0; i < table.columns().size(); i++) {
                targetCols.add(i);
            }
        } else {
            for (String name : ins.columns()) {
                int i = table.columnIndex(name);
                if (i < 0) {
                    throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + name + "\" of relation \""
                            + table.name() + "\" does not exist");
                }
                if (targetCols.contains(i)) {
                    throw new PgException(SqlState.DUPLICATE_COLUMN, "column \"" + name
                            + "\" specified more than once");
                }
                targetCols.add(i);
            }
        }
        List<Node[]> rows = new ArrayList<>();
        for (List<Ast.Expr> values : ins.rows()) {
            if (values.size() > targetCols.size()) {
                throw new PgException(SqlState.SYNTAX_ERROR, "INSERT has more expressions than target columns");
            }
            if (ins.columns() != null && values.size() < targetCols.size() && !values.isEmpty()) {
                throw new PgException(SqlState.SYNTAX_ERROR, "INSERT has more target columns than expressions");
            }
            Node[] row = new Node[table.columns().size()];
            for (int j = 0; j < values.size(); j++) {
                int col = targetCols.get(j);
                Column c = table.columns().get(col);
                row[col] = values.get(j) instanceof Ast.DefaultValue ? defaultValue(c, noScope)
                        : a.coerceForAssignment(noScope.analyze(values.get(j)), c);
            }
            for (int i = 0; i < row.length; i++) {
                if (row[i] == null) {
                    row[i] = defaultValue(table.columns().get(i), noScope);
                }
            }
            rows.add(row);
        }
        return new Plan.Insert(table, rows, returning(ins.returning(), table, a, columns));
    }

    /** Each column's DEFAULT (or NULL) as a row-independent node, for COPY FROM. */
    public Node[] columnDefaults(TableDef table) {
        ExprAnalyzer noScope = new ExprAnalyzer(null, null, new ParamTypes(null), zone);
        Node[] out = new Node[table.columns().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = defaultValue(table.columns().get(i), noScope);
        }
        return out;
    }

    private Node defaultValue(Column c, ExprAnalyzer noScope) {
        if (c.defaultSql() == null) {
            return new Node.Const(c.type(), null);
        }
        return noScope.coerceForAssignment(noScope.analyze(Parser.parseExpression(c.defaultSql())), c);
    }

    private Plan update(Ast.Update u, ParamTypes params, List<ColumnDesc> columns) {
        TableDef table = storedTable(u.table());
        ExprAnalyzer a = new ExprAnalyzer(table, aliasOf(u.table()), params, zone);
        ExprAnalyzer noScope = new ExprAnalyzer(null, null, params, zone);
        int[] cols = new int[u.assignments().size()];
        Node[] values = new Node[cols.length];
        for (int i = 0; i < cols.length; i++) {
            Ast.Assignment as = u.assignments().get(i);
            cols[i] = table.columnIndex(as.column());
            if (cols[i] < 0) {
                throw new SyntaxError(SqlState.UNDEFINED_COLUMN, "column \"" + as.column() + "\" of relation \""
                        + table.name() + "\" does not exist", as.position());
            }
            Column c = table.columns().get(cols[i]);
            values[i] = as.value() instanceof Ast.DefaultValue ? defaultValue(c, noScope)
                    : a.coerceForAssignment(a.analyze(as.value()), c);
        }
        Node filter = u.where() == null ? null : a.condition(u.where(), "WHERE");
        Plan.Source source = new Plan.Source(table, pointKey(table, u.where(), a));
        return new Plan.Update(source, filter, cols, values, returning(u.returning(), table, a, columns));
    }

    private Plan delete(Ast.Delete d, ParamTypes params, List<ColumnDesc> columns) {
        TableDef table = storedTable(d.table());
        ExprAnalyzer a = new ExprAnalyzer(table, aliasOf(d.table()), params, zone);
        Node filter = d.where() == null ? null : a.condition(d.where(), "WHERE");
        Plan.Source source = new Plan.Source(table, pointKey(table, d.where(), a));
        return new Plan.Delete(source, filter, returning(d.returning(), table, a, columns));
    }
}
