package org.walden.sql.analyze;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;
import org.walden.sql.types.ValueContext;
import org.walden.sql.types.Values;

/**
 * Prints analyzed expressions and queries back as SQL, the way PostgreSQL's ruleutils.c does:
 * for pg_get_expr, pg_get_constraintdef, pg_get_indexdef and pg_get_viewdef (with the view
 * indentation, and in pretty mode without the redundant parentheses) and for EXPLAIN's
 * conditions. Implicit casts show inside operator and function arguments and nowhere else;
 * constants print with their type unless the type is obvious (integers, numbers with a decimal
 * point, booleans). Column references are qualified by their range table entry's name when
 * {@link #qualify} is set. {@link #queryText} prints a query with PostgreSQL's layout (one
 * target per line, FROM / WHERE / GROUP BY / ... on their own lines).
 *
 * <p>Subqueries in expressions print in full unless {@link #subLinkText} is overridden (EXPLAIN
 * shows "(SubPlan 1)").
 */
public class Deparser {

    /** One query level whose range table names Vars. */
    private final List<Query> levels = new ArrayList<>();
    private final CatalogLookup lookup;
    private final ValueContext values;
    /** Omit the parentheses PostgreSQL's pretty mode leaves out. */
    protected final boolean pretty;
    /** Prefix column names with their range table entry's name. */
    protected boolean qualify;
    /** Name every relation with its schema, visible or not (a view's stored text, bound to its schemas). */
    private boolean qualifyRelations;
    /**
     * Print relations and columns by the names the catalog gives them now, not those they had
     * when the query was analyzed (a view's text after a rename, as ruleutils prints a stored rule).
     */
    private boolean currentNames;
    /** The names the top-level targets print with (a view's columns), or null for their own. */
    private List<String> outputNames;

    public Deparser(CatalogLookup lookup, ValueContext values, boolean pretty) {
        this.lookup = lookup;
        this.values = values;
        this.pretty = pretty;
    }

    /** Every relation schema-qualified from now on: text that means the same under any search_path. */
    public Deparser qualifyingRelations() {
        qualifyRelations = true;
        return this;
    }

    /**
     * Names from the catalog as it is now: a query analyzed before a rename prints with the new
     * relation, schema and column names, its top-level targets named {@code outputNames} (the
     * view's columns). Implicit aliases (a relation's own name) follow the relation's new name.
     */
    public Deparser followingRenames(List<String> outputNames) {
        currentNames = true;
        this.outputNames = outputNames;
        return this;
    }

    /** The relation as the catalog has it now (when printing {@link #followingRenames}), else as analyzed. */
    private Relation current(Relation rel) {
        if (!currentNames) {
            return rel;
        }
        Relation now = lookup.relation(rel.oid());
        return now == null ? rel : now;
    }

    /** Vars of level 0 name entries of {@code q} (outer levels follow with {@link #pushLevel}). */
    public Deparser withQuery(Query q, boolean qualifyColumns) {
        levels.clear();
        if (q != null) {
            levels.add(q);
        }
        this.qualify = qualifyColumns;
        return this;
    }

    /** Vars of level 0 name columns of {@code rel} (a default, CHECK, index key or predicate over it). */
    public Deparser withRelation(Relation rel) {
        Query q = new Query();
        if (rel != null) {
            List<String> cols = new ArrayList<>();
            for (var a : rel.columns()) {
                cols.add(a.dropped() ? "" : a.name());
            }
            q.rtable.add(new RangeTblEntry.RelationRte(rel, rel.name(), cols, true, false));
        }
        return withQuery(q, false);
    }

    protected void pushLevel(Query q) {
        levels.add(0, q);
    }

    protected void popLevel() {
        levels.remove(0);
    }

    /** The query {@code levelsUp} levels out from the innermost, or null. */
    protected Query levelQuery(int levelsUp) {
        return levelsUp < levels.size() ? levels.get(levelsUp) : null;
    }

    /** A column's name in its range table entry. */
    protected static String columnNameOf(RangeTblEntry rte, int attno) {
        return attno == Expr.ROW_KEY ? "ctid" : attno == Expr.ROW_RAW ? "xmin" : columnName(rte, attno);
    }

    // ---------------------------------------------------------------- expressions

    /** An expression at the top of a clause: implicit casts at its top are not shown. */
    public String expr(Expr e) {
        StringBuilder sb = new StringBuilder();
        expr(sb, e, false, null);
        return sb.toString();
    }

    /** An expression whose implicit casts at the top show too (an index column, a default's argument). */
    public String exprShowingCasts(Expr e) {
        StringBuilder sb = new StringBuilder();
        expr(sb, e, true, null);
        return sb.toString();
    }

    /** An expression as an operand of {@code parent}: parenthesized unless pretty mode finds that needless. */
    private void operand(StringBuilder sb, Expr e, boolean showImplicit, Expr parent) {
        boolean paren = pretty && !simple(e, parent);
        if (paren) {
            sb.append('(');
        }
        expr(sb, e, showImplicit, parent);
        if (paren) {
            sb.append(')');
        }
    }

    protected void expr(StringBuilder sb, Expr e, boolean showImplicit, Expr parent) {
        switch (e) {
            case Expr.Const c -> constant(sb, c);
            case Expr.Param p -> sb.append('$').append(p.index() + 1);
            case Expr.ExecParam p -> sb.append(execParamText(p));
            case Expr.Var v -> sb.append(varText(v));
            case Expr.CaseTest t -> sb.append("CASE_TEST");
            case Expr.SetToDefault d -> sb.append("DEFAULT");
            case Expr.OpExpr o -> operator(sb, o);
            case Expr.FuncExpr f -> function(sb, f, showImplicit, parent);
            case Expr.Cast c -> cast(sb, c, showImplicit, parent);
            case Expr.BoolExpr b -> bool(sb, b);
            case Expr.NullTest n -> wrap(sb, () -> {
                operand(sb, n.arg(), true, n);
                sb.append(n.isNot() ? " IS NOT NULL" : " IS NULL");
            });
            case Expr.BooleanTest b -> wrap(sb, () -> {
                operand(sb, b.arg(), true, b);
                sb.append(switch (b.kind()) {
                    case IS_TRUE -> " IS TRUE";
                    case IS_NOT_TRUE -> " IS NOT TRUE";
                    case IS_FALSE -> " IS FALSE";
                    case IS_NOT_FALSE -> " IS NOT FALSE";
                    case IS_UNKNOWN -> " IS UNKNOWN";
                    case IS_NOT_UNKNOWN -> " IS NOT UNKNOWN";
                });
            });
            case Expr.CaseExpr c -> caseExpr(sb, c);
            case Expr.Coalesce c -> call(sb, "COALESCE", c.args());
            case Expr.MinMax m -> call(sb, m.greatest() ? "GREATEST" : "LEAST", m.args());
            case Expr.NullIf n -> call(sb, "NULLIF", List.of(n.left(), n.right()));
            case Expr.ScalarArrayOp s -> wrap(sb, () -> {
                operand(sb, s.left(), true, s);
                sb.append(' ').append(s.operator().name()).append(s.useOr() ? " ANY (" : " ALL (");
                expr(sb, s.array(), true, s);
                sb.append(')');
            });
            case Expr.ArrayExpr a -> {
                sb.append("ARRAY[");
                list(sb, a.elements());
                sb.append(']');
            }
            case Expr.Subscript s -> {
                boolean paren = !(s.array() instanceof Expr.Var);
                sb.append(paren ? "(" : "");
                expr(sb, s.array(), true, s);
                sb.append(paren ? ")" : "");
                for (int i = 0; i < s.lower().size(); i++) {
                    sb.append('[');
                    if (s.lower().get(i) != null) {
                        expr(sb, s.lower().get(i), true, s);
                    }
                    if (s.slice()) {
                        sb.append(':');
                        if (s.upper().get(i) != null) {
                            expr(sb, s.upper().get(i), true, s);
                        }
                    }
                    sb.append(']');
                }
            }
            case Expr.RowExpr r -> {
                sb.append("ROW(");
                list(sb, r.args());
                sb.append(')');
            }
            case Expr.FieldSelect f -> {
                sb.append('(');
                expr(sb, f.row(), true, f);
                sb.append(").f").append(f.field() + 1);
            }
            case Expr.SubLink s -> sb.append(subLinkText(s));
            case Expr.Aggref a -> aggregate(sb, a);
            case Expr.WindowFunc w -> windowFunction(sb, w);
            case Expr.DistinctExpr d -> wrap(sb, () -> {
                operand(sb, d.left(), true, d);
                sb.append(d.not() ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ");
                operand(sb, d.right(), true, d);
            });
        }
    }

    /** Parentheses around a node PostgreSQL always parenthesizes, except in pretty mode. */
    private void wrap(StringBuilder sb, Runnable body) {
        if (!pretty) {
            sb.append('(');
        }
        body.run();
        if (!pretty) {
            sb.append(')');
        }
    }

    private void list(StringBuilder sb, List<Expr> items) {
        for (int i = 0; i < items.size(); i++) {
            sb.append(i > 0 ? ", " : "");
            expr(sb, items.get(i), true, null);
        }
    }

    private void call(StringBuilder sb, String name, List<Expr> args) {
        sb.append(name).append('(');
        list(sb, args);
        sb.append(')');
    }

    /** ruleutils' isSimpleNode: whether {@code node} needs no parentheses as an operand of {@code parent}. */
    private static boolean simple(Expr node, Expr parent) {
        return switch (node) {
            case Expr.Var v -> true;
            case Expr.Const c -> true;
            case Expr.Param p -> true;
            case Expr.ExecParam p -> true;
            case Expr.ArrayExpr a -> true;
            case Expr.RowExpr r -> true;
            case Expr.Coalesce c -> true;
            case Expr.MinMax m -> true;
            case Expr.NullIf n -> true;
            case Expr.Aggref a -> true;
            case Expr.WindowFunc w -> true;
            case Expr.FuncExpr f -> true;
            case Expr.CaseExpr c -> true;
            case Expr.Subscript s -> true;
            case Expr.SubLink s -> true;
            case Expr.Cast c -> !(parent instanceof Expr.Cast);
            case Expr.OpExpr o -> {
                if (parent instanceof Expr.BoolExpr) {
                    yield true;
                }
                if (parent instanceof Expr.OpExpr po) {
                    yield simpleOperatorUnder(o, po);
                }
                yield parent == null || parent instanceof Expr.FuncExpr;
            }
            case Expr.BoolExpr b -> {
                if (parent instanceof Expr.BoolExpr pb) {
                    yield switch (b.op()) {
                        case NOT, AND -> pb.op() == Expr.BoolOp.AND || pb.op() == Expr.BoolOp.OR;
                        case OR -> pb.op() == Expr.BoolOp.OR;
                    };
                }
                yield parent == null || parent instanceof Expr.FuncExpr;
            }
            case Expr.NullTest n -> parent instanceof Expr.BoolExpr || parent == null;
            case Expr.BooleanTest b -> parent instanceof Expr.BoolExpr || parent == null;
            case Expr.DistinctExpr d -> parent instanceof Expr.BoolExpr || parent == null;
            default -> parent == null;
        };
    }

    private static boolean simpleOperatorUnder(Expr.OpExpr child, Expr.OpExpr parent) {
        String op = child.operator().name();
        String pop = parent.operator().name();
        boolean lowPri = op.equals("*") || op.equals("/") || op.equals("%");
        boolean highPri = op.equals("+") || op.equals("-");
        if (child.left() == null || parent.left() == null || !lowPri && !highPri) {
            return false;
        }
        boolean parentLow = pop.equals("*") || pop.equals("/") || pop.equals("%");
        boolean parentHigh = pop.equals("+") || pop.equals("-");
        if (!parentLow && !parentHigh) {
            return false;
        }
        if (highPri && parentLow) {
            return false;
        }
        if (lowPri && parentHigh) {
            return true;
        }
        // same priority: only the left operand goes without parentheses
        return parent.left() == child;
    }

    private void operator(StringBuilder sb, Expr.OpExpr o) {
        wrap(sb, () -> {
            String name = operatorName(o.operator());
            if (o.left() == null) {
                sb.append(name).append(' ');
                operand(sb, o.right(), true, o);
                return;
            }
            operand(sb, o.left(), true, o);
            sb.append(' ').append(name).append(' ');
            operand(sb, o.right(), true, o);
        });
    }

    /** The operator as written: bare when pg_catalog is searched, else OPERATOR(pg_catalog.x). */
    private String operatorName(OperatorDef op) {
        return op.name();
    }

    private void bool(StringBuilder sb, Expr.BoolExpr b) {
        if (b.op() == Expr.BoolOp.NOT) {
            wrap(sb, () -> {
                sb.append("NOT ");
                operand(sb, b.args().get(0), false, b);
            });
            return;
        }
        wrap(sb, () -> {
            for (int i = 0; i < b.args().size(); i++) {
                if (i > 0) {
                    sb.append(b.op() == Expr.BoolOp.AND ? " AND " : " OR ");
                }
                operand(sb, b.args().get(i), false, b);
            }
        });
    }

    private void caseExpr(StringBuilder sb, Expr.CaseExpr c) {
        String indent = "";
        sb.append("CASE");
        if (c.arg() != null) {
            sb.append(' ');
            expr(sb, c.arg(), true, c);
        }
        for (Expr.CaseWhen w : c.whens()) {
            sb.append(caseBreak(2)).append("WHEN ");
            Expr cond = w.condition();
            if (c.arg() != null && cond instanceof Expr.OpExpr o && o.left() instanceof Expr.CaseTest) {
                expr(sb, o.right(), false, null);
            } else {
                expr(sb, cond, false, null);
            }
            sb.append(" THEN ");
            expr(sb, w.result(), true, c);
        }
        if (c.defaultResult() != null) {
            sb.append(caseBreak(2)).append("ELSE ");
            expr(sb, c.defaultResult(), true, c);
        }
        sb.append(caseBreak(1)).append("END").append(indent);
    }

    /** Line breaks inside CASE when printing a query with indentation; a space otherwise. */
    protected String caseBreak(int depth) {
        return caseIndent < 0 ? " " : "\n" + " ".repeat(caseIndent + 4 * depth);
    }

    /** The indentation of a CASE's lines in a query's target list, -1 for one-line CASE (EXPLAIN, pg_get_expr). */
    private int caseIndent = -1;

    private void cast(StringBuilder sb, Expr.Cast c, boolean showImplicit, Expr parent) {
        if (c.form() == Expr.CastForm.IMPLICIT && !showImplicit) {
            expr(sb, c.arg(), false, parent);
            return;
        }
        if (c.arg() instanceof Expr.Const k && k.type() == PgType.UNKNOWN) {
            constant(sb, new Expr.Const(c.type(), c.typmod(), k.value()));
            return;
        }
        if (c.arg() instanceof Expr.Const k && k.type() == c.type() && k.typmod() < 0 && !k.isNull()) {
            // a literal with a length coercion prints as one literal of the length-qualified type
            quote(sb, Values.toText(k.type(), k.value(), values));
            sb.append("::").append(typeName(c.type(), c.typmod()));
            return;
        }
        boolean paren = !pretty || !simple(c.arg(), c);
        if (pretty && c.arg() instanceof Expr.Const k && isNegativeNumber(k)) {
            paren = true;
        }
        sb.append(paren ? "(" : "");
        expr(sb, c.arg(), true, c);
        sb.append(paren ? ")" : "").append("::").append(typeName(c.type(), c.typmod()));
    }

    private static boolean isNegativeNumber(Expr.Const k) {
        return k.value() instanceof Number n && n.doubleValue() < 0;
    }

    private void function(StringBuilder sb, Expr.FuncExpr f, boolean showImplicit, Expr parent) {
        FunctionDef def = f.function();
        if (f.form() == Expr.CallForm.SQL_SYNTAX && f.syntax() != null) {
            sqlSyntax(sb, f);
            return;
        }
        sb.append(def == FunctionDef.GROUPING ? "GROUPING" : functionName(def)).append('(');
        for (int i = 0; i < f.args().size(); i++) {
            sb.append(i > 0 ? ", " : "");
            if (def.variadic != null && i == f.args().size() - 1 && def.variadic != PgType.ANY
                    && !(f.args().get(i) instanceof Expr.ArrayExpr)) {
                sb.append("VARIADIC ");
            }
            Expr a = f.args().get(i);
            if (def.variadic != null && def.variadic != PgType.ANY && i == f.args().size() - 1
                    && a instanceof Expr.ArrayExpr arr) {
                list(sb, arr.elements());
            } else {
                expr(sb, a, true, f);
            }
        }
        sb.append(')');
    }

    private String functionName(FunctionDef def) {
        return CatalogLookup.quoteIdentifier(def.name);
    }

    private void sqlSyntax(StringBuilder sb, Expr.FuncExpr f) {
        List<Expr> a = f.args();
        switch (f.syntax()) {
            case "EXTRACT" -> {
                sb.append("EXTRACT(");
                sb.append(a.get(0) instanceof Expr.Const c ? String.valueOf(c.value()) : "?");
                sb.append(" FROM ");
                expr(sb, a.get(1), true, f);
                sb.append(')');
            }
            case "SUBSTRING" -> {
                sb.append("SUBSTRING(");
                expr(sb, a.get(0), true, f);
                sb.append(" FROM ");
                expr(sb, a.get(1), true, f);
                if (a.size() > 2) {
                    sb.append(" FOR ");
                    expr(sb, a.get(2), true, f);
                }
                sb.append(')');
            }
            case "POSITION" -> {
                sb.append("POSITION((");
                expr(sb, a.get(1), true, f);
                sb.append(") IN (");
                expr(sb, a.get(0), true, f);
                sb.append("))");
            }
            case "TRIM" -> {
                String where = switch (f.function().name) {
                    case "ltrim" -> "LEADING";
                    case "rtrim" -> "TRAILING";
                    default -> "BOTH";
                };
                sb.append("TRIM(").append(where);
                if (a.size() > 1) {
                    sb.append(' ');
                    expr(sb, a.get(1), true, f);
                }
                sb.append(" FROM ");
                expr(sb, a.get(0), true, f);
                sb.append(')');
            }
            case "OVERLAY" -> {
                sb.append("OVERLAY(");
                expr(sb, a.get(0), true, f);
                sb.append(" PLACING ");
                expr(sb, a.get(1), true, f);
                sb.append(" FROM ");
                expr(sb, a.get(2), true, f);
                if (a.size() > 3) {
                    sb.append(" FOR ");
                    expr(sb, a.get(3), true, f);
                }
                sb.append(')');
            }
            default -> {
                sb.append(f.syntax());
                if (!a.isEmpty()) {
                    sb.append('(');
                    list(sb, a);
                    sb.append(')');
                }
            }
        }
    }

    private void aggregate(StringBuilder sb, Expr.Aggref a) {
        if (a.function().aggregate instanceof org.walden.sql.func.FunctionDef.OrderedSetAggregate) {
            orderedSetAggregate(sb, a);
            return;
        }
        sb.append(functionName(a.function())).append('(');
        if (a.star()) {
            sb.append('*');
        } else {
            sb.append(a.distinct() ? "DISTINCT " : "");
            list(sb, a.args());
        }
        if (!a.order().isEmpty()) {
            sb.append(" ORDER BY ");
            for (int i = 0; i < a.order().size(); i++) {
                Expr.AggOrder o = a.order().get(i);
                sb.append(i > 0 ? ", " : "");
                expr(sb, o.expr(), true, null);
                direction(sb, o);
            }
        }
        sb.append(')');
        filter(sb, a);
    }

    /** name(direct args) WITHIN GROUP (ORDER BY aggregated args): the sort keys printed as the coerced arguments. */
    private void orderedSetAggregate(StringBuilder sb, Expr.Aggref a) {
        int direct = a.args().size() - a.order().size();
        sb.append(functionName(a.function())).append('(');
        list(sb, a.args().subList(0, direct));
        sb.append(") WITHIN GROUP (ORDER BY ");
        for (int i = 0; i < a.order().size(); i++) {
            Expr.AggOrder o = a.order().get(i);
            Expr arg = a.args().get(direct + i);
            sb.append(i > 0 ? ", " : "");
            boolean paren = !(arg instanceof Expr.Var);
            sb.append(paren ? "(" : "");
            expr(sb, arg, true, null);
            sb.append(paren ? ")" : "");
            direction(sb, o);
        }
        sb.append(')');
        filter(sb, a);
    }

    /** An aggregate's ORDER BY key's DESC and NULLS FIRST / LAST where they differ from the default. */
    private static void direction(StringBuilder sb, Expr.AggOrder o) {
        sb.append(o.descending() ? " DESC" : "");
        if (o.nullsFirst() != o.descending()) {
            sb.append(o.nullsFirst() ? " NULLS FIRST" : " NULLS LAST");
        }
    }

    private void filter(StringBuilder sb, Expr.Aggref a) {
        if (a.filter() != null) {
            sb.append(" FILTER (WHERE ");
            expr(sb, a.filter(), false, null);
            sb.append(')');
        }
    }

    private void windowFunction(StringBuilder sb, Expr.WindowFunc w) {
        sb.append(functionName(w.function())).append('(');
        if (w.star()) {
            sb.append('*');
        } else {
            list(sb, w.args());
        }
        sb.append(')');
        if (w.filter() != null) {
            sb.append(" FILTER (WHERE ");
            expr(sb, w.filter(), false, null);
            sb.append(')');
        }
        sb.append(" OVER ");
        Query q = levels.isEmpty() ? null : levels.get(0);
        if (q == null || w.winref() >= q.windowClause.size()) {
            sb.append("(?)");
            return;
        }
        Query.WindowClause wc = q.windowClause.get(w.winref());
        if (wc.name() != null) {
            sb.append(wc.name());
        } else {
            sb.append('(');
            windowSpec(sb, q, wc);
            sb.append(')');
        }
    }

    void windowSpec(StringBuilder sb, Query q, Query.WindowClause wc) {
        int start = sb.length();
        if (!wc.partitionBy().isEmpty()) {
            sb.append("PARTITION BY ");
            sortGroupList(sb, q, wc.partitionBy(), false);
        }
        if (!wc.orderBy().isEmpty()) {
            sb.append(sb.length() > start ? " " : "").append("ORDER BY ");
            sortGroupList(sb, q, wc.orderBy(), true);
        }
        Tree.Frame f = wc.frame();
        if (f != null) {
            sb.append(sb.length() > start ? " " : "").append(f.mode().name()).append(' ');
            if (f.end() != null) {
                sb.append("BETWEEN ");
                bound(sb, f.start(), wc.startOffset());
                sb.append(" AND ");
                bound(sb, f.end(), wc.endOffset());
            } else {
                bound(sb, f.start(), wc.startOffset());
            }
            if (f.exclude() != null && !f.exclude().equals("NO OTHERS")) {
                sb.append(" EXCLUDE ").append(f.exclude());
            }
        }
    }

    private void bound(StringBuilder sb, Tree.FrameBound b, Expr offset) {
        switch (b.kind()) {
            case UNBOUNDED_PRECEDING -> sb.append("UNBOUNDED PRECEDING");
            case UNBOUNDED_FOLLOWING -> sb.append("UNBOUNDED FOLLOWING");
            case CURRENT_ROW -> sb.append("CURRENT ROW");
            case PRECEDING, FOLLOWING -> {
                if (offset != null) {
                    expr(sb, offset, false, null);
                }
                sb.append(b.kind() == Tree.BoundKind.PRECEDING ? " PRECEDING" : " FOLLOWING");
            }
        }
    }

    void sortGroupList(StringBuilder sb, Query q, List<Query.SortGroupClause> items, boolean withOrder) {
        for (int i = 0; i < items.size(); i++) {
            Query.SortGroupClause s = items.get(i);
            sb.append(i > 0 ? ", " : "");
            Expr e = q.targetBySortGroupRef(s.sortGroupRef()).expr();
            boolean paren = !(e instanceof Expr.Var) && !(e instanceof Expr.FuncExpr) && !(e instanceof Expr.Const);
            if (pretty && paren) {
                sb.append('(');
            }
            expr(sb, e, false, null);
            if (pretty && paren) {
                sb.append(')');
            }
            if (withOrder) {
                sb.append(s.descending() ? " DESC" : "");
                if (s.nullsFirst() != s.descending()) {
                    sb.append(s.nullsFirst() ? " NULLS FIRST" : " NULLS LAST");
                }
            }
        }
    }

    /** How a subquery in an expression prints; overridden by EXPLAIN. */
    protected String subLinkText(Expr.SubLink s) {
        StringBuilder sb = new StringBuilder();
        String sub = subqueryText(s.subquery());
        switch (s.kind()) {
            case EXISTS -> sb.append("(EXISTS (").append(sub).append("))");
            case EXPR -> sb.append('(').append(sub).append(')');
            case ARRAY -> sb.append("ARRAY(").append(sub).append(')');
            case ANY, ALL -> {
                sb.append('(');
                if (s.testExprs().size() == 1) {
                    expr(sb, s.testExprs().get(0), true, s);
                } else {
                    sb.append('(');
                    list(sb, s.testExprs());
                    sb.append(')');
                }
                String op = s.operators().get(0).name();
                if (s.kind() == Expr.SubLinkKind.ANY && op.equals("=")) {
                    sb.append(" IN (");
                } else {
                    sb.append(' ').append(op).append(s.kind() == Expr.SubLinkKind.ANY ? " ANY (" : " ALL (");
                }
                sb.append(sub).append("))");
            }
        }
        return sb.toString();
    }

    /** A subquery's text inside an expression of the current query. */
    private String subqueryText(Query sub) {
        pushLevel(sub);
        boolean savedQualify = qualify;
        int savedIndent = indentBase;
        qualify = true;
        try {
            StringBuilder sb = new StringBuilder();
            indentBase += 8;
            query(sb, sub);
            return sb.toString();
        } finally {
            indentBase = savedIndent;
            qualify = savedQualify;
            popLevel();
        }
    }

    /** How an execution parameter prints (EXPLAIN: $n). */
    protected String execParamText(Expr.ExecParam p) {
        return "$" + p.slot();
    }

    protected String varText(Expr.Var v) {
        if (levels.isEmpty() || v.levelsUp() >= levels.size()) {
            return "?column?";
        }
        Query q = levels.get(v.levelsUp());
        RangeTblEntry rte = q.rte(v.varno());
        String column = v.attno() == Expr.ROW_KEY ? "ctid" : v.attno() == Expr.ROW_RAW ? "xmin"
                : printedColumnName(rte, v.attno());
        if (!qualify) {
            return CatalogLookup.quoteIdentifier(column);
        }
        return CatalogLookup.quoteIdentifier(rteName(rte)) + "." + CatalogLookup.quoteIdentifier(column);
    }

    private static String columnName(RangeTblEntry rte, int attno) {
        if (rte instanceof RangeTblEntry.RelationRte r) {
            return r.relation().column(attno - 1).name();
        }
        List<String> names = rte.columnNames();
        return attno - 1 < names.size() ? names.get(attno - 1) : "?column?";
    }

    /** A column's name as printed: the catalog's current one when {@link #followingRenames}. */
    private String printedColumnName(RangeTblEntry rte, int attno) {
        if (currentNames && attno > 0) {
            if (rte instanceof RangeTblEntry.RelationRte r) {
                return current(r.relation()).column(attno - 1).name();
            }
            if (rte instanceof RangeTblEntry.SubqueryRte s && s.view() != null && attno <= s.view().columns().size()
                    && attno <= s.columnNames().size()
                    && s.columnNames().get(attno - 1).equals(s.view().columns().get(attno - 1).name())) {
                List<org.walden.sql.catalog.Attribute> now = current(s.view()).columns();
                return attno <= now.size() ? now.get(attno - 1).name() : s.columnNames().get(attno - 1);
            }
        }
        return columnName(rte, attno);
    }

    /** The name a range table entry goes by in printed SQL. */
    protected String rteName(RangeTblEntry rte) {
        if (currentNames) {
            Relation named = rte instanceof RangeTblEntry.RelationRte r ? r.relation()
                    : rte instanceof RangeTblEntry.SubqueryRte s ? s.view() : null;
            if (named != null && named.name().equals(rte.alias())) {
                return current(named).name();
            }
        }
        return rte.alias() == null ? "unnamed_join" : rte.alias();
    }

    // ---------------------------------------------------------------- constants and types

    public String typeName(PgType type, int typmod) {
        String name = type.formatType(typmod);
        if (type == PgType.BPCHAR) {
            name = typmod >= 0 ? name.replace("bpchar", "character") : "bpchar";
        }
        if (type == PgType.BPCHAR_ARRAY) {
            name = typmod >= 0 ? name.replace("bpchar", "character") : "bpchar[]";
        }
        return name;
    }

    protected void constant(StringBuilder sb, Expr.Const c) {
        PgType t = c.type();
        if (c.isNull()) {
            sb.append("NULL");
            if (t != PgType.UNKNOWN) {
                sb.append("::").append(typeName(t, c.typmod()));
            }
            return;
        }
        String text = Values.toText(t, c.value(), values);
        switch (t) {
            case INT4 -> {
                if (text.startsWith("-")) {
                    sb.append('\'').append(text).append("'::integer");
                } else {
                    sb.append(text);
                }
                return;
            }
            case NUMERIC -> {
                boolean plain = !text.startsWith("-") && text.indexOf('.') > 0 && text.chars()
                        .allMatch(ch -> Character.isDigit(ch) || ch == '.');
                if (plain) {
                    sb.append(text);
                    return;
                }
            }
            case BOOL -> {
                sb.append(((Boolean) c.value()) ? "true" : "false");
                return;
            }
            case UNKNOWN -> {
                quote(sb, text);
                return;
            }
            default -> {
            }
        }
        quote(sb, text);
        sb.append("::").append(typeName(t, c.typmod()));
    }

    static void quote(StringBuilder sb, String text) {
        sb.append('\'').append(text.replace("'", "''")).append('\'');
    }

    /** A numeric constant's text (for callers formatting values). */
    static String numberText(BigDecimal b) {
        return b.toPlainString();
    }

    // ---------------------------------------------------------------- queries (pg_get_viewdef)

    private int indentBase;

    /** A query as pg_get_viewdef prints it (without the final semicolon). */
    public String queryText(Query q) {
        withQuery(q, true);
        StringBuilder sb = new StringBuilder();
        query(sb, q);
        return sb.toString();
    }

    private String nl(int extra) {
        return "\n" + " ".repeat(Math.max(0, indentBase + extra));
    }

    private void query(StringBuilder sb, Query q) {
        if (!q.cteList.isEmpty()) {
            sb.append(" WITH ");
            if (q.cteList.stream().anyMatch(c -> c.recursive)) {
                sb.append("RECURSIVE ");
            }
            for (int i = 0; i < q.cteList.size(); i++) {
                Query.CommonTableExpr cte = q.cteList.get(i);
                sb.append(i > 0 ? ", " : "").append(CatalogLookup.quoteIdentifier(cte.name)).append(" AS ");
                if (cte.materialized != null) {
                    sb.append(cte.materialized ? "MATERIALIZED " : "NOT MATERIALIZED ");
                }
                sb.append('(');
                int saved = indentBase;
                indentBase += 8;
                pushLevel(cte.query);
                sb.append(nl(0));
                query(sb, cte.query);
                popLevel();
                indentBase = saved;
                sb.append(nl(8)).append(')');
            }
            sb.append(nl(0));
        }
        if (q.setOperations != null) {
            setOperation(sb, q, q.setOperations, true);
        } else {
            simpleSelect(sb, q);
        }
        orderLimit(sb, q);
    }

    private void setOperation(StringBuilder sb, Query q, Query.SetOpNode node, boolean top) {
        if (node instanceof Query.SetOpLeaf leaf) {
            Query sub = ((RangeTblEntry.SubqueryRte) q.rte(leaf.rtIndex())).subquery();
            pushLevel(sub);
            boolean simpleLeaf = sub.setOperations == null && sub.sortClause.isEmpty() && sub.limitCount == null
                    && sub.cteList.isEmpty();
            if (!simpleLeaf) {
                sb.append('(');
            }
            query(sb, sub);
            if (!simpleLeaf) {
                sb.append(')');
            }
            popLevel();
            return;
        }
        Query.SetOperation op = (Query.SetOperation) node;
        boolean parenLeft = op.left() instanceof Query.SetOperation l && (l.op() != op.op() || l.all() != op.all());
        if (parenLeft) {
            sb.append('(');
        }
        setOperation(sb, q, op.left(), false);
        if (parenLeft) {
            sb.append(')');
        }
        sb.append(nl(0)).append(op.op().name()).append(op.all() ? " ALL" : "").append(nl(0));
        boolean parenRight = op.right() instanceof Query.SetOperation;
        if (parenRight) {
            sb.append('(');
        }
        setOperation(sb, q, op.right(), false);
        if (parenRight) {
            sb.append(')');
        }
    }

    private void simpleSelect(StringBuilder sb, Query q) {
        if (isValuesOnly(q)) {
            valuesList(sb, (RangeTblEntry.ValuesRte) q.rte(1));
            return;
        }
        sb.append(" SELECT");
        if (!q.distinctClause.isEmpty()) {
            if (q.hasDistinctOn) {
                sb.append(" DISTINCT ON (");
                sortGroupList(sb, q, q.distinctClause, false);
                sb.append(')');
            } else {
                sb.append(" DISTINCT");
            }
        }
        List<Query.TargetEntry> targets = q.visibleTargets();
        for (int i = 0; i < targets.size(); i++) {
            Query.TargetEntry te = targets.get(i);
            boolean caseTarget = te.expr() instanceof Expr.CaseExpr;
            sb.append(i == 0 ? "" : ",").append(caseTarget ? nl(8) : i == 0 ? " " : nl(4));
            int saved = caseIndent;
            caseIndent = indentBase + 4;
            expr(sb, te.expr(), false, null);
            caseIndent = saved;
            String implied = impliedName(q, te.expr());
            String name = outputNames != null && levels.size() == 1 && i < outputNames.size() ? outputNames.get(i)
                    : te.name();
            if (name != null && !name.equals(implied)) {
                sb.append(" AS ").append(CatalogLookup.quoteIdentifier(name));
            }
        }
        List<JoinTree.Node> items = q.jointree.items();
        if (!items.isEmpty()) {
            sb.append(nl(3)).append("FROM ");
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    sb.append(',').append(nl(4));
                }
                fromItem(sb, q, items.get(i), true);
            }
        }
        if (q.jointree.quals() != null) {
            sb.append(nl(2)).append("WHERE ");
            expr(sb, q.jointree.quals(), false, null);
        }
        if (q.groupingSets != null) {
            // the expanded sets (PostgreSQL prints the ROLLUP / CUBE as written; the meaning is the same)
            sb.append(nl(2)).append("GROUP BY GROUPING SETS (");
            for (int i = 0; i < q.groupingSets.size(); i++) {
                sb.append(i > 0 ? ", " : "").append('(');
                List<Query.SortGroupClause> set = new ArrayList<>();
                for (int ref : q.groupingSets.get(i)) {
                    for (Query.SortGroupClause g : q.groupClause) {
                        if (g.sortGroupRef() == ref) {
                            set.add(g);
                        }
                    }
                }
                sortGroupList(sb, q, set, false);
                sb.append(')');
            }
            sb.append(')');
        } else if (!q.groupClause.isEmpty()) {
            sb.append(nl(2)).append("GROUP BY ");
            sortGroupList(sb, q, q.groupClause, false);
        }
        if (q.havingQual != null) {
            sb.append(nl(1)).append("HAVING ");
            expr(sb, q.havingQual, false, null);
        }
        boolean first = true;
        for (Query.WindowClause wc : q.windowClause) {
            if (wc.name() == null) {
                continue;
            }
            sb.append(first ? nl(2) + "WINDOW " : ", ").append(CatalogLookup.quoteIdentifier(wc.name())).append(" AS (");
            windowSpec(sb, q, wc);
            sb.append(')');
            first = false;
        }
    }

    private static boolean isValuesOnly(Query q) {
        return q.jointree.items().size() == 1 && q.jointree.items().get(0) instanceof JoinTree.RangeRef r
                && q.rte(r.rtIndex()) instanceof RangeTblEntry.ValuesRte v && v.alias().equals("*VALUES*")
                && q.jointree.quals() == null && q.groupClause.isEmpty() && !q.hasAggs;
    }

    private void valuesList(StringBuilder sb, RangeTblEntry.ValuesRte v) {
        sb.append(" VALUES ");
        for (int r = 0; r < v.rows().size(); r++) {
            sb.append(r > 0 ? "," + nl(0) : "").append('(');
            list(sb, v.rows().get(r));
            sb.append(')');
        }
    }

    private void orderLimit(StringBuilder sb, Query q) {
        if (!q.sortClause.isEmpty()) {
            sb.append(nl(2)).append("ORDER BY ");
            sortGroupList(sb, q, q.sortClause, true);
        }
        if (q.limitOffset != null) {
            sb.append(nl(1)).append("OFFSET ");
            expr(sb, q.limitOffset, false, null);
        }
        if (q.limitCount != null) {
            if (q.limitWithTies) {
                sb.append(nl(1)).append("FETCH FIRST ");
                expr(sb, q.limitCount, false, null);
                sb.append(" ROWS WITH TIES");
            } else {
                sb.append(nl(1)).append("LIMIT ");
                if (q.limitCount instanceof Expr.Const c && c.isNull()) {
                    sb.append("ALL");
                } else {
                    expr(sb, q.limitCount, false, null);
                }
            }
        }
        if (q.rowMark != null) {
            sb.append(nl(1)).append("FOR ").append(q.rowMark.strength().toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** The column name PostgreSQL would give the expression unaliased (so "AS x" is left out when equal). */
    private String impliedName(Query q, Expr e) {
        if (e instanceof Expr.Var v && v.levelsUp() == 0) {
            return printedColumnName(q.rte(v.varno()), v.attno());
        }
        return null;
    }

    private void fromItem(StringBuilder sb, Query q, JoinTree.Node node, boolean top) {
        switch (node) {
            case JoinTree.RangeRef r -> rangeEntry(sb, q, r.rtIndex());
            case JoinTree.Join j -> {
                RangeTblEntry.JoinRte rte = (RangeTblEntry.JoinRte) q.rte(j.rtIndex());
                boolean paren = !pretty || rte.alias() != null;
                if (paren) {
                    sb.append('(');
                }
                fromItem(sb, q, j.left(), false);
                sb.append(nl(5));
                sb.append(switch (rte.joinType()) {
                    case INNER -> "JOIN ";
                    case LEFT -> "LEFT JOIN ";
                    case RIGHT -> "RIGHT JOIN ";
                    case FULL -> "FULL JOIN ";
                    case CROSS -> "CROSS JOIN ";
                });
                boolean rightParen = j.right() instanceof JoinTree.Join && pretty;
                if (rightParen) {
                    sb.append('(');
                }
                fromItem(sb, q, j.right(), false);
                if (rightParen) {
                    sb.append(')');
                }
                if (rte.using() != null) {
                    sb.append(" USING (");
                    for (int i = 0; i < rte.using().size(); i++) {
                        sb.append(i > 0 ? ", " : "").append(CatalogLookup.quoteIdentifier(rte.using().get(i)));
                    }
                    sb.append(')');
                } else if (j.quals() != null) {
                    sb.append(" ON ").append(pretty ? "" : "("); // ruleutils' PRETTY_PAREN
                    expr(sb, j.quals(), false, null);
                    sb.append(pretty ? "" : ")");
                }
                if (paren) {
                    sb.append(')');
                }
                if (rte.alias() != null) {
                    sb.append(' ').append(CatalogLookup.quoteIdentifier(rte.alias()));
                }
            }
            case JoinTree.FromExpr f -> {
                for (int i = 0; i < f.items().size(); i++) {
                    sb.append(i > 0 ? ", " : "");
                    fromItem(sb, q, f.items().get(i), false);
                }
            }
        }
    }

    private void rangeEntry(StringBuilder sb, Query q, int rtIndex) {
        RangeTblEntry rte = q.rte(rtIndex);
        switch (rte) {
            case RangeTblEntry.RelationRte r -> {
                Relation rel = r.relation();
                sb.append(relationName(current(rel)));
                if (!r.alias().equals(rel.name())) {
                    sb.append(' ').append(CatalogLookup.quoteIdentifier(r.alias()));
                }
            }
            case RangeTblEntry.SubqueryRte s -> {
                if (s.view() != null) {
                    sb.append(relationName(current(s.view())));
                    if (!s.alias().equals(s.view().name())) {
                        sb.append(' ').append(CatalogLookup.quoteIdentifier(s.alias()));
                    }
                    return;
                }
                sb.append(s.lateral() ? "LATERAL " : "").append("(");
                int saved = indentBase;
                indentBase += 8;
                pushLevel(s.subquery());
                StringBuilder inner = new StringBuilder();
                query(inner, s.subquery());
                popLevel();
                indentBase = saved;
                sb.append(inner).append(") ").append(CatalogLookup.quoteIdentifier(s.alias()));
            }
            case RangeTblEntry.FunctionRte f -> {
                expr(sb, f.call(), false, null);
                sb.append(' ').append(CatalogLookup.quoteIdentifier(f.alias()));
                columnAliases(sb, f.columnNames());
            }
            case RangeTblEntry.ValuesRte v -> {
                sb.append('(');
                valuesList(sb, v);
                sb.append(") ").append(CatalogLookup.quoteIdentifier(v.alias()));
                columnAliases(sb, v.columnNames());
            }
            case RangeTblEntry.CteRte c -> {
                sb.append(CatalogLookup.quoteIdentifier(c.cteName()));
                if (!c.alias().equals(c.cteName())) {
                    sb.append(' ').append(CatalogLookup.quoteIdentifier(c.alias()));
                }
            }
            case RangeTblEntry.JoinRte j -> sb.append("?join?");
        }
    }

    private static void columnAliases(StringBuilder sb, List<String> names) {
        sb.append('(');
        for (int i = 0; i < names.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(CatalogLookup.quoteIdentifier(names.get(i)));
        }
        sb.append(')');
    }

    /** A relation's name, schema-qualified when the search path would not find it (or always, see {@link #qualifyingRelations}). */
    public String relationName(Relation rel) {
        String name = CatalogLookup.quoteIdentifier(rel.name());
        if (!qualifyRelations && lookup.relationVisible(rel.oid())) {
            return name;
        }
        Namespace n = lookup.namespace(rel.namespaceOid());
        return n == null ? name : CatalogLookup.quoteIdentifier(n.name()) + "." + name;
    }
}
