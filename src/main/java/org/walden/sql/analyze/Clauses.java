package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.Relation;
import org.walden.sql.func.Builtins;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * The clauses of a SELECT over its target list (parse_clause.c, parse_target.c, parse_agg.c):
 * the target list itself (* expanded, output names as FigureColname gives them), ORDER BY
 * (output names and positions first, SQL92), GROUP BY (input columns first, SQL99), DISTINCT
 * and DISTINCT ON, window definitions, LIMIT / OFFSET, and the grouping check (42803).
 */
final class Clauses {

    private final ExprTransformer exprs;

    Clauses(ExprTransformer exprs) {
        this.exprs = exprs;
    }

    // ---------------------------------------------------------------- target list

    void targetList(ParseState ps, List<Tree.ResTarget> targets) {
        ps.clause = ParseState.Clause.SELECT;
        for (Tree.ResTarget t : targets) {
            if (t.value() instanceof Tree.Star star) {
                expandStar(ps, null, star.position());
                continue;
            }
            if (t.value() instanceof Tree.ColumnRef c && c.star()) {
                expandStar(ps, c.names(), c.position());
                continue;
            }
            Expr e = exprs.transform(ps, t.value());
            String name = t.name() != null ? t.name() : figureColname(t.value());
            addTarget(ps.query, e, name, false, origin(ps, e));
        }
    }

    static Query.TargetEntry addTarget(Query q, Expr e, String name, boolean junk, int[] origin) {
        Query.TargetEntry te = new Query.TargetEntry(e, q.targetList.size() + 1, name, junk, 0,
                origin == null ? 0 : origin[0], origin == null ? 0 : origin[1]);
        q.targetList.add(te);
        return te;
    }

    /** The table and column a target comes straight from (RowDescription's table OID and column number). */
    static int[] origin(ParseState ps, Expr e) {
        if (e instanceof Expr.Var v && v.levelsUp() == 0 && v.attno() > 0
                && ps.query.rte(v.varno()) instanceof RangeTblEntry.RelationRte r && !r.relation().virtual()) {
            return new int[] {r.relation().oid(), r.relation().column(v.attno() - 1).attnum()};
        }
        return null;
    }

    private void expandStar(ParseState ps, List<String> qualifier, int position) {
        boolean any = false;
        for (ParseState.NamespaceItem item : ps.namespace) {
            if (qualifier == null ? !item.colsVisible : !(item.relVisible
                    && qualifier.get(qualifier.size() - 1).equals(item.refname))) {
                continue;
            }
            any = true;
            RangeTblEntry rte = ps.query.rte(item.rtIndex);
            List<String> names = rte.columnNames();
            for (int i = 0; i < names.size(); i++) {
                if (rte instanceof RangeTblEntry.RelationRte r && r.relation().columns().size() > i
                        && r.relation().column(i).dropped() && r.relation().kind() != Relation.SEQUENCE) {
                    continue;
                }
                Expr e = rte instanceof RangeTblEntry.JoinRte j ? j.aliasVars().get(i)
                        : new Expr.Var(item.rtIndex, i + 1, rte.columnType(i + 1), rte.columnTypmod(i + 1), 0);
                addTarget(ps.query, e, names.get(i), false, origin(ps, e));
            }
            if (qualifier != null) {
                return;
            }
        }
        if (!any) {
            if (qualifier != null) {
                throw new SyntaxError(SqlState.UNDEFINED_TABLE, "missing FROM-clause entry for table \""
                        + qualifier.get(qualifier.size() - 1) + "\"", position);
            }
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "SELECT * with no tables specified is not valid", position);
        }
    }

    /** PostgreSQL's FigureColname: the column or function name, a cast's type, "case", "array", else ?column?. */
    static String figureColname(Tree.Expr e) {
        String name = figure(e);
        return name == null ? "?column?" : name;
    }

    /** FigureColname's strength 1: a name taken from a cast's type or "case", which an outer cast overrides. */
    private static boolean weak(Tree.Expr e) {
        return switch (e) {
            case Tree.TypeCast c -> figure(c.arg()) == null || weak(c.arg());
            case Tree.CaseExpr c -> c.defaultResult() == null || figure(c.defaultResult()) == null
                    || weak(c.defaultResult());
            default -> false;
        };
    }

    private static String figure(Tree.Expr e) {
        return switch (e) {
            case Tree.ColumnRef c -> c.star() ? null : c.names().get(c.names().size() - 1);
            case Tree.FuncCall f -> {
                if (f.special() != null) {
                    yield switch (f.special()) {
                        case "AT TIME ZONE" -> "timezone";
                        case "CURRENT_USER", "CURRENT_ROLE", "USER" -> f.special().equals("USER") ? "current_user"
                                : f.special().toLowerCase(java.util.Locale.ROOT);
                        case "CURRENT_CATALOG" -> "current_catalog";
                        case "TRIM" -> f.functionName(); // btrim, ltrim or rtrim, as PostgreSQL names it
                        default -> f.special().toLowerCase(java.util.Locale.ROOT);
                    };
                }
                yield f.functionName();
            }
            case Tree.TypeCast c -> {
                String inner = figure(c.arg());
                yield inner != null && !weak(c.arg()) ? inner : typeColname(c.type());
            }
            case Tree.CaseExpr c -> {
                String inner = c.defaultResult() == null ? null : figure(c.defaultResult());
                yield inner != null ? inner : "case";
            }
            case Tree.SubLink s -> switch (s.kind()) {
                case EXISTS -> "exists";
                case ARRAY -> "array";
                case EXPR -> {
                    List<Tree.ResTarget> targets = s.subselect().targets();
                    yield targets.size() == 1 && !s.subselect().isSetOperation() && targets.get(0).name() != null
                            ? targets.get(0).name() : targets.size() == 1 && !s.subselect().isSetOperation()
                            ? figure(targets.get(0).value()) : null;
                }
                default -> null;
            };
            case Tree.ArrayExpr a -> "array";
            case Tree.RowExpr r -> "row";
            case Tree.CoalesceExpr c -> "coalesce";
            case Tree.MinMaxExpr m -> m.greatest() ? "greatest" : "least";
            case Tree.AExpr a -> a.kind() == Tree.AExprKind.NULLIF ? "nullif" : null;
            case Tree.Indirection i -> {
                Tree.IndirectionStep last = i.steps().get(i.steps().size() - 1);
                yield last instanceof Tree.FieldSelect f ? f.name() : figure(i.arg());
            }
            case Tree.CollateExpr c -> figure(c.arg());
            default -> null;
        };
    }

    private static String typeColname(Tree.TypeName t) {
        String n = t.name();
        return switch (n) {
            case "int4" -> "int4";
            case "bpchar" -> "bpchar";
            default -> n;
        };
    }

    // ---------------------------------------------------------------- ORDER BY / GROUP BY

    /** ORDER BY items: output column names and positions first (SQL92), else expressions (junk targets). */
    void orderBy(ParseState ps, List<Tree.SortBy> items, boolean distinct) {
        ps.clause = ParseState.Clause.ORDER_BY;
        for (Tree.SortBy s : items) {
            Query.TargetEntry te = findTarget(ps, s.expr(), true, distinct ? "for SELECT DISTINCT" : null,
                    "ORDER BY");
            addSortClause(ps, ps.query.sortClause, te, s.descending(), s.nullsFirst(), s.usingOperator(), false,
                    s.expr().position());
        }
    }

    /** PostgreSQL's limit on the grouping sets a GROUP BY may expand to. */
    private static final int MAX_GROUPING_SETS = 4096;

    /**
     * GROUP BY items. With ROLLUP / CUBE / GROUPING SETS (or {@code ()}) among them, the query's
     * grouping sets are their expansion as PostgreSQL's expand_grouping_sets makes it: each item a
     * list of sets, the result their cross product (each set the union of its parts), duplicate
     * sets dropped under GROUP BY DISTINCT.
     */
    void groupBy(ParseState ps, List<Object> items, boolean distinct) {
        ps.clause = ParseState.Clause.GROUP_BY;
        boolean anySets = false;
        List<List<List<Integer>>> expanded = new ArrayList<>();
        for (Object item : items) {
            if (item instanceof Tree.GroupingSet g) {
                anySets = true;
                expanded.add(expand(ps, g));
            } else {
                expanded.add(List.of(List.of(groupItem(ps, (Tree.Expr) item))));
            }
        }
        if (!anySets) {
            return;
        }
        List<List<Integer>> result = List.of(List.of());
        for (List<List<Integer>> sets : expanded) {
            List<List<Integer>> next = new ArrayList<>();
            for (List<Integer> left : result) {
                for (List<Integer> right : sets) {
                    List<Integer> union = new ArrayList<>(left);
                    for (int r : right) {
                        if (!union.contains(r)) {
                            union.add(r);
                        }
                    }
                    next.add(union);
                    if (next.size() > MAX_GROUPING_SETS) {
                        throw new SyntaxError(SqlState.STATEMENT_TOO_COMPLEX, "too many grouping sets present "
                                + "(maximum " + MAX_GROUPING_SETS + ")", 0);
                    }
                }
            }
            result = next;
        }
        if (distinct) {
            List<List<Integer>> unique = new ArrayList<>();
            Set<Set<Integer>> seen = new HashSet<>();
            for (List<Integer> set : result) {
                if (seen.add(new HashSet<>(set))) {
                    unique.add(set);
                }
            }
            result = unique;
        }
        ps.query.groupingSets = result;
    }

    /** The grouping sets one ROLLUP / CUBE / GROUPING SETS / () item stands for, as lists of sortGroupRefs. */
    private List<List<Integer>> expand(ParseState ps, Tree.GroupingSet g) {
        List<List<Integer>> parts = new ArrayList<>();
        List<List<Integer>> out = new ArrayList<>();
        for (Object item : g.items()) {
            if (item instanceof Tree.GroupingSet nested) {
                out.addAll(expand(ps, nested));
                continue;
            }
            List<Integer> refs = new ArrayList<>();
            for (Object e : (List<?>) item) {
                refs.add(groupItem(ps, (Tree.Expr) e));
            }
            parts.add(refs);
            if (g.kind().equals("SETS")) {
                out.add(refs);
            }
        }
        switch (g.kind()) {
            case "EMPTY" -> out.add(List.of());
            case "ROLLUP" -> {
                for (int n = parts.size(); n >= 0; n--) {
                    List<Integer> set = new ArrayList<>();
                    for (List<Integer> p : parts.subList(0, n)) {
                        set.addAll(p);
                    }
                    out.add(set);
                }
            }
            case "CUBE" -> {
                int n = parts.size();
                if (n > 12) {
                    throw new SyntaxError(SqlState.PROGRAM_LIMIT_EXCEEDED, "CUBE is limited to 12 elements", 0);
                }
                for (int mask = (1 << n) - 1; mask >= 0; mask--) {
                    List<Integer> set = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        if ((mask & (1 << (n - 1 - i))) != 0) {
                            set.addAll(parts.get(i));
                        }
                    }
                    out.add(set);
                }
            }
            default -> {
            }
        }
        return out;
    }

    /** A GROUPING(...) call and where its arguments were written. */
    record GroupingCall(Expr call, List<Integer> argPositions) {
    }

    /** GROUPING(args): an int4 bitmask call whose arguments are checked against GROUP BY later. */
    static Expr groupingCall(ExprTransformer exprs, ParseState ps, Tree.FuncCall f) {
        int position = f.position();
        if (ps.insideAggregate) {
            throw new SyntaxError(SqlState.GROUPING_ERROR, "aggregate function calls cannot be nested", position);
        }
        if (!ps.insideWindowFunction) {
            switch (ps.clause) {
                case SELECT, HAVING, ORDER_BY, DISTINCT_ON, WINDOW_PARTITION, WINDOW_ORDER -> {
                }
                default -> throw new SyntaxError(SqlState.GROUPING_ERROR, "grouping operations are not allowed in "
                        + ps.clause.text, position);
            }
        }
        if (f.args().size() > 31) {
            throw new SyntaxError(SqlState.TOO_MANY_ARGUMENTS, "GROUPING must have fewer than 32 arguments", position);
        }
        List<Expr> args = new ArrayList<>();
        List<PgType> types = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (Tree.Expr a : f.args()) {
            Expr e = exprs.transform(ps, a);
            args.add(e);
            types.add(e.type());
            positions.add(a.position());
        }
        Expr call = new Expr.FuncExpr(org.walden.sql.func.FunctionDef.GROUPING, args, PgType.INT4, types,
                Expr.CallForm.NORMAL, null);
        ps.groupingCalls.add(new GroupingCall(call, positions));
        ps.query.hasAggs = true;
        return call;
    }

    private int groupItem(ParseState ps, Tree.Expr e) {
        Query.TargetEntry te = findTarget(ps, e, false, null, "GROUP BY");
        for (Query.SortGroupClause g : ps.query.groupClause) {
            if (g.sortGroupRef() == te.sortGroupRef()) {
                return te.sortGroupRef();
            }
        }
        Query.SortGroupClause existing = null;
        for (Query.SortGroupClause s : ps.query.sortClause) {
            if (s.sortGroupRef() == te.sortGroupRef() && te.sortGroupRef() != 0) {
                existing = s;
            }
        }
        if (existing != null) {
            ps.query.groupClause.add(existing);
            return te.sortGroupRef();
        }
        return addSortClause(ps, ps.query.groupClause, te, false, null, null, true, e.position()).sortGroupRef();
    }

    /**
     * The target entry an ORDER BY / GROUP BY / DISTINCT ON item stands for: a position, an output
     * column name (ORDER BY, or GROUP BY when no input column has that name), or an expression,
     * matched against the target list or added as a junk entry.
     */
    Query.TargetEntry findTarget(ParseState ps, Tree.Expr item, boolean sql92, String mustBeInTargets,
                                 String clause) {
        List<Query.TargetEntry> tl = ps.query.targetList;
        if (item instanceof Tree.Const c && c.kind() == Tree.ConstKind.INTEGER) {
            int pos = Integer.parseInt(c.text());
            int n = 0;
            for (Query.TargetEntry t : tl) {
                if (!t.junk() && ++n == pos) {
                    return ensureRef(ps.query, t);
                }
            }
            throw new SyntaxError(SqlState.INVALID_COLUMN_REFERENCE, clause + " position " + pos
                    + " is not in select list", item.position());
        }
        if (item instanceof Tree.ColumnRef cr && cr.names().size() == 1 && !cr.star()) {
            String name = cr.names().get(0);
            boolean inputColumn = !sql92 && exprs.findColumn(ps, null, name, item.position()) != null;
            if (!inputColumn) {
                Query.TargetEntry found = null;
                for (Query.TargetEntry t : tl) {
                    if (!t.junk() && name.equals(t.name())) {
                        if (found != null && !found.expr().equals(t.expr())) {
                            throw new SyntaxError(SqlState.AMBIGUOUS_COLUMN, clause + " \"" + name + "\" is ambiguous",
                                    item.position());
                        }
                        if (found == null) {
                            found = t;
                        }
                    }
                }
                if (found != null) {
                    return ensureRef(ps.query, found);
                }
            }
        }
        Expr e = exprs.transform(ps, item);
        for (Query.TargetEntry t : tl) {
            if (t.expr().equals(e)) {
                return ensureRef(ps.query, t);
            }
        }
        if (mustBeInTargets != null) {
            throw new SyntaxError(SqlState.INVALID_COLUMN_REFERENCE, mustBeInTargets.startsWith("for SELECT")
                    ? "for SELECT DISTINCT, ORDER BY expressions must appear in select list" : mustBeInTargets,
                    item.position());
        }
        e = ExprTransformer.resolveUnknownToText(e);
        Query.TargetEntry added = addTarget(ps.query, e, figureColname(item), true, null);
        return ensureRef(ps.query, added);
    }

    /** Gives a target entry a sortGroupRef if it has none. */
    static Query.TargetEntry ensureRef(Query q, Query.TargetEntry t) {
        if (t.sortGroupRef() != 0) {
            return t;
        }
        int max = 0;
        for (Query.TargetEntry x : q.targetList) {
            max = Math.max(max, x.sortGroupRef());
        }
        Query.TargetEntry withRef = t.withSortGroupRef(max + 1);
        q.targetList.set(t.resno() - 1, withRef);
        return withRef;
    }

    /** Adds a sort / group clause for {@code te}, finding its type's equality and ordering operators. */
    Query.SortGroupClause addSortClause(ParseState ps, List<Query.SortGroupClause> list, Query.TargetEntry te,
                                        boolean descending, Boolean nullsFirst, String using, boolean grouping,
                                        int position) {
        PgType t = te.expr().type();
        if (t == PgType.UNKNOWN) {
            Expr text = ExprTransformer.resolveUnknownToText(te.expr());
            te = te.withExpr(text);
            ps.query.targetList.set(te.resno() - 1, te);
            t = PgType.TEXT;
        }
        OperatorDef eq = operatorFor(t, "=");
        OperatorDef ord = operatorFor(t, descending ? ">" : "<");
        if (using != null) {
            ord = operatorFor(t, using);
            descending = using.equals(">") || using.equals(">=");
        }
        if (grouping && eq == null) {
            throw new SyntaxError(SqlState.UNDEFINED_FUNCTION, "could not identify an equality operator for type "
                    + t.formatType(-1), position);
        }
        if (!grouping && ord == null) {
            throw new SyntaxError(SqlState.UNDEFINED_FUNCTION, "could not identify an ordering operator for type "
                    + t.formatType(-1), position).withHint("Use an explicit ordering operator or modify the query.");
        }
        boolean nf = nullsFirst != null ? nullsFirst : descending;
        Query.SortGroupClause sgc = new Query.SortGroupClause(te.sortGroupRef(), eq, ord, descending, nf,
                eq != null && eq.hashable());
        list.add(sgc);
        return sgc;
    }

    /** The operator {@code name} taking two values of {@code t} (directly or through implicit casts). */
    static OperatorDef operatorFor(PgType t, String name) {
        OperatorDef exact = Builtins.operator(name, t, t);
        if (exact != null) {
            return exact;
        }
        if (t.isArray()) {
            return Builtins.operator(name, PgType.ANYARRAY, PgType.ANYARRAY);
        }
        if (t == PgType.VARCHAR || t == PgType.CHAR) {
            return Builtins.operator(name, PgType.TEXT, PgType.TEXT);
        }
        if (t.isRegType()) {
            return Builtins.operator(name, PgType.OID, PgType.OID);
        }
        if (t == PgType.JSON) {
            return null;
        }
        return null;
    }

    // ---------------------------------------------------------------- DISTINCT

    void distinct(ParseState ps, List<Tree.Expr> distinctOn) {
        Query q = ps.query;
        if (distinctOn.isEmpty()) {
            for (Query.TargetEntry t : List.copyOf(q.targetList)) {
                if (t.junk()) {
                    continue;
                }
                Query.TargetEntry te = ensureRef(q, t);
                Query.SortGroupClause inSort = null;
                for (Query.SortGroupClause s : q.sortClause) {
                    if (s.sortGroupRef() == te.sortGroupRef()) {
                        inSort = s;
                    }
                }
                if (inSort != null) {
                    q.distinctClause.add(inSort);
                } else {
                    addSortClause(ps, q.distinctClause, te, false, null, null, true, 0);
                }
            }
            for (Query.SortGroupClause s : q.sortClause) {
                if (q.distinctClause.stream().noneMatch(d -> d.sortGroupRef() == s.sortGroupRef())) {
                    throw new SyntaxError(SqlState.INVALID_COLUMN_REFERENCE,
                            "for SELECT DISTINCT, ORDER BY expressions must appear in select list", 0);
                }
            }
            return;
        }
        ps.clause = ParseState.Clause.DISTINCT_ON;
        q.hasDistinctOn = true;
        List<Integer> onRefs = new ArrayList<>();
        for (Tree.Expr e : distinctOn) {
            Query.TargetEntry te = findTarget(ps, e, true, null, "DISTINCT ON");
            onRefs.add(te.sortGroupRef());
        }
        // the leading ORDER BY items must match DISTINCT ON's
        int i = 0;
        for (Query.SortGroupClause s : q.sortClause) {
            if (i >= onRefs.size()) {
                break;
            }
            if (!onRefs.contains(s.sortGroupRef())) {
                throw new SyntaxError(SqlState.INVALID_COLUMN_REFERENCE,
                        "SELECT DISTINCT ON expressions must match initial ORDER BY expressions", distinctOn.get(0)
                        .position());
            }
            q.distinctClause.add(s);
            i++;
        }
        for (int ref : onRefs) {
            if (q.distinctClause.stream().noneMatch(d -> d.sortGroupRef() == ref)) {
                addSortClause(ps, q.distinctClause, q.targetBySortGroupRef(ref), false, null, null, true, 0);
            }
        }
    }

    // ---------------------------------------------------------------- LIMIT / OFFSET

    Expr limit(ParseState ps, Tree.Expr e, ParseState.Clause clause) {
        if (e == null) {
            return null;
        }
        ps.clause = clause;
        Expr x = exprs.transform(ps, e);
        if (Exprs.any(x, v -> v instanceof Expr.Var var && var.levelsUp() == 0)) {
            throw new SyntaxError(SqlState.INVALID_COLUMN_REFERENCE, "argument of " + clause.text
                    + " must not contain variables", e.position());
        }
        if (x instanceof Expr.Const c && c.isNull() && clause == ParseState.Clause.LIMIT) {
            return null;
        }
        return exprs.coerce(ps, x, PgType.INT8, -1, Coercion.Context.ASSIGNMENT, e.position());
    }

    // ---------------------------------------------------------------- grouping check

    /**
     * 42803 for a column used outside an aggregate that is neither grouped nor functionally
     * dependent on the grouped columns (a table's whole primary key grouped makes its other
     * columns allowed, as PostgreSQL does).
     */
    void checkGrouping(ParseState ps) {
        Query q = ps.query;
        if (!q.hasAggs && q.groupClause.isEmpty() && q.havingQual == null && q.groupingSets == null) {
            return;
        }
        List<Expr> grouped = new ArrayList<>();
        for (Query.SortGroupClause g : q.groupClause) {
            grouped.add(q.targetBySortGroupRef(g.sortGroupRef()).expr());
        }
        for (GroupingCall call : ps.groupingCalls) {
            List<Expr> args = Exprs.children(call.call());
            for (int i = 0; i < args.size(); i++) {
                Expr arg = args.get(i);
                // a GROUPING of outer-level columns belongs to an outer query: refused (see README)
                boolean outerOnly = !Exprs.collect(arg, Expr.Var.class).isEmpty()
                        && Exprs.collect(arg, Expr.Var.class).stream().allMatch(v -> v.levelsUp() > 0);
                if (outerOnly || !grouped.contains(arg)) {
                    throw new SyntaxError(SqlState.GROUPING_ERROR, "arguments to GROUPING must be grouping "
                            + "expressions of the associated query level", call.argPositions().get(i));
                }
            }
        }
        // a primary key makes a table's columns dependent only when it is grouped in every grouping set
        List<Expr> alwaysGrouped = new ArrayList<>(grouped);
        if (q.groupingSets != null) {
            alwaysGrouped.clear();
            for (Query.SortGroupClause g : q.groupClause) {
                boolean inAll = true;
                for (List<Integer> set : q.groupingSets) {
                    inAll &= set.contains(g.sortGroupRef());
                }
                if (inAll) {
                    alwaysGrouped.add(q.targetBySortGroupRef(g.sortGroupRef()).expr());
                }
            }
        }
        Set<Integer> fullyGrouped = new HashSet<>();
        Map<Integer, Set<Integer>> groupedColumns = new HashMap<>();
        for (Expr g : alwaysGrouped) {
            if (g instanceof Expr.Var v && v.levelsUp() == 0) {
                groupedColumns.computeIfAbsent(v.varno(), k -> new HashSet<>()).add(v.attno());
            }
        }
        for (Map.Entry<Integer, Set<Integer>> e : groupedColumns.entrySet()) {
            if (q.rte(e.getKey()) instanceof RangeTblEntry.RelationRte r && r.relation().hasPrimaryKey()) {
                boolean all = true;
                for (int k : r.relation().primaryKey()) {
                    all &= e.getValue().contains(k + 1);
                }
                if (all) {
                    fullyGrouped.add(e.getKey());
                }
            }
        }
        for (Query.TargetEntry t : q.targetList) {
            checkUngrouped(ps, t.expr(), grouped, fullyGrouped);
        }
        if (q.havingQual != null) {
            checkUngrouped(ps, q.havingQual, grouped, fullyGrouped);
        }
    }

    private void checkUngrouped(ParseState ps, Expr e, List<Expr> grouped, Set<Integer> fullyGrouped) {
        if (e instanceof Expr.Aggref a && a.function().aggregate
                instanceof org.walden.sql.func.FunctionDef.OrderedSetAggregate) {
            // an ordered-set aggregate's direct arguments are evaluated once per group
            for (Expr direct : a.args().subList(0, a.args().size() - a.order().size())) {
                try {
                    checkUngrouped(ps, direct, grouped, fullyGrouped);
                } catch (SyntaxError err) {
                    throw err.withDetail("Direct arguments of an ordered-set aggregate must use only grouped "
                            + "columns.");
                }
            }
            return;
        }
        if (e == null || e instanceof Expr.Aggref) {
            return;
        }
        for (Expr g : grouped) {
            if (g.equals(e)) {
                return;
            }
        }
        if (e instanceof Expr.Var v && v.levelsUp() == 0) {
            if (fullyGrouped.contains(v.varno())) {
                return;
            }
            RangeTblEntry rte = ps.query.rte(v.varno());
            String col = v.attno() > 0 ? rte.columnNames().get(v.attno() - 1) : "ctid";
            throw new SyntaxError(SqlState.GROUPING_ERROR, "column \"" + rte.alias() + "." + col
                    + "\" must appear in the GROUP BY clause or be used in an aggregate function", v.position());
        }
        if (e instanceof Expr.SubLink s) {
            for (Expr t : s.testExprs()) {
                checkUngrouped(ps, t, grouped, fullyGrouped);
            }
            checkSubqueryUngrouped(ps, s.subquery(), 1, grouped, fullyGrouped);
            return;
        }
        for (Expr c : Exprs.children(e)) {
            checkUngrouped(ps, c, grouped, fullyGrouped);
        }
    }

    /** Outer references from a subquery into a grouped query must be grouped too. */
    private void checkSubqueryUngrouped(ParseState ps, Query sub, int depth, List<Expr> grouped,
                                        Set<Integer> fullyGrouped) {
        List<Expr> all = new ArrayList<>();
        for (Query.TargetEntry t : sub.targetList) {
            all.add(t.expr());
        }
        all.add(sub.jointree.quals());
        all.add(sub.havingQual);
        for (Expr e : all) {
            for (Expr.Var v : Exprs.collect(e, Expr.Var.class)) {
                if (v.levelsUp() == depth && !fullyGrouped.contains(v.varno())
                        && !grouped.contains(v.withLevelsUp(0))) {
                    RangeTblEntry rte = ps.query.rte(v.varno());
                    String col = rte.columnNames().get(v.attno() - 1);
                    throw new SyntaxError(SqlState.GROUPING_ERROR, "subquery uses ungrouped column \"" + rte.alias()
                            + "." + col + "\" from outer query", v.position());
                }
            }
        }
    }

    /** The default of a table column as an expression (its stored SQL analyzed), or a NULL of its type. */
    Expr columnDefault(ParseState ps, Relation rel, int column) {
        Attribute a = rel.column(column);
        if (!a.hasDefault() || a.isGenerated()) {  // a generated column is computed by the row's writer
            return new Expr.Const(a.type(), a.typmod(), null);
        }
        return exprs.analyzer().defaultExpression(ps.env, rel, a);
    }
}
