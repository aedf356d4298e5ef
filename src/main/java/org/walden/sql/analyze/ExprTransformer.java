package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Routine;
import org.walden.sql.func.Builtins;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * Turns raw expressions into typed ones (PostgreSQL's parse_expr.c with parse_oper.c,
 * parse_func.c and parse_agg.c): column references resolved through the visible FROM items and
 * outward (correlation), operators and functions chosen by {@link FuncResolver}, casts, CASE,
 * COALESCE, IN lists (as = ANY of an array), row comparisons, subqueries, aggregates and window
 * functions checked against the clause they stand in.
 */
public final class ExprTransformer {

    private final Analyzer analyzer;
    /** Where each string constant stood: a value that does not convert is reported there, as PostgreSQL does. */
    private final Map<Expr, Integer> literalPositions = new IdentityHashMap<>();

    ExprTransformer(Analyzer analyzer) {
        this.analyzer = analyzer;
    }

    /** The position of {@code e} when it is a constant as written, else {@code fallback}. */
    int positionOf(Expr e, int fallback) {
        Integer p = literalPositions.get(e);
        return p == null ? fallback : p;
    }

    Expr transform(ParseState ps, Tree.Expr e) {
        return switch (e) {
            case Tree.Const c -> {
                Expr k = constant(c);
                if (c.kind() == Tree.ConstKind.STRING) {
                    literalPositions.put(k, c.position());
                }
                yield k;
            }
            case Tree.ColumnRef c -> columnRef(ps, c);
            case Tree.ParamRef p -> ps.env.params().reference(p.number());
            case Tree.AExpr a -> aExpr(ps, a);
            case Tree.BoolExpr b -> boolExpr(ps, b);
            case Tree.NullTest n -> {
                Expr arg = transform(ps, n.arg());
                if (arg instanceof Expr.RowExpr r) {
                    List<Expr> tests = new ArrayList<>();
                    for (Expr x : r.args()) {
                        tests.add(new Expr.NullTest(x, n.isNot()));
                    }
                    yield Exprs.and(tests);
                }
                yield new Expr.NullTest(resolveUnknownToText(arg), n.isNot());
            }
            case Tree.BooleanTest b -> new Expr.BooleanTest(boolArg(ps, transform(ps, b.arg()), "IS TRUE", b.position()),
                    Expr.BoolTestKind.valueOf(b.kind().name()));
            case Tree.FuncCall f -> functionCall(ps, f);
            case Tree.TypeCast c -> typeCast(ps, c);
            case Tree.CaseExpr c -> caseExpr(ps, c);
            case Tree.SubLink s -> subLink(ps, s);
            case Tree.ArrayExpr a -> arrayExpr(ps, a, null);
            case Tree.RowExpr r -> {
                List<Expr> args = new ArrayList<>();
                for (Tree.Expr x : r.args()) {
                    args.add(resolveUnknownToText(transform(ps, x)));
                }
                yield new Expr.RowExpr(args, null);
            }
            case Tree.CoalesceExpr c -> coalesce(ps, c);
            case Tree.MinMaxExpr m -> minMax(ps, m);
            case Tree.Indirection i -> indirection(ps, i);
            case Tree.CollateExpr c -> {
                org.walden.sql.parse.Collations.check(c.collation(), c.position());
                yield transform(ps, c.arg());
            }
            case Tree.SetToDefault d -> throw new SyntaxError(SqlState.SYNTAX_ERROR,
                    "DEFAULT is not allowed in this context", d.position());
            case Tree.Star s -> throw new SyntaxError(SqlState.SYNTAX_ERROR, "syntax error at or near \"*\"",
                    s.position());
        };
    }

    /** A condition (WHERE, HAVING, ON, CHECK): must be boolean; unknown literals read as boolean. */
    Expr condition(ParseState ps, Tree.Expr e, String clause) {
        Expr x = transform(ps, e);
        return boolArg(ps, x, clause, e.position());
    }

    private Expr boolArg(ParseState ps, Expr x, String what, int position) {
        if (x.type() == PgType.BOOL) {
            return x;
        }
        Expr c = Coercion.coerce(x, PgType.BOOL, -1, Coercion.Context.ASSIGNMENT, Expr.CastForm.IMPLICIT,
                ps.env.values(), positionOf(x, position));
        if (c == null || (x.type() != PgType.UNKNOWN && x.type() != PgType.BOOL)) {
            throw new SyntaxError(SqlState.DATATYPE_MISMATCH, "argument of " + what + " must be type boolean, not type "
                    + x.type().formatType(-1).replace("bpchar", "character"), position);
        }
        return c;
    }

    static Expr resolveUnknownToText(Expr e) {
        if (e.type() != PgType.UNKNOWN) {
            return e;
        }
        if (e instanceof Expr.Const c) {
            return new Expr.Const(PgType.TEXT, c.value());
        }
        if (e instanceof Expr.Param p) {
            ParamTypes.resolve(p, PgType.TEXT);
            return p;
        }
        return new Expr.Cast(e, PgType.TEXT, -1, Expr.CastForm.IMPLICIT, true);
    }

    Expr coerce(ParseState ps, Expr e, PgType type, int typmod, Coercion.Context context, int position) {
        Expr c = Coercion.coerce(e, type, typmod, context, Expr.CastForm.IMPLICIT, ps.env.values(),
                positionOf(e, position));
        if (c == null) {
            throw new SyntaxError(SqlState.DATATYPE_MISMATCH, "argument of type "
                    + e.type().formatType(-1) + " cannot be coerced to " + type.formatType(-1), position);
        }
        return c;
    }

    // ---------------------------------------------------------------- constants and columns

    private Expr constant(Tree.Const c) {
        return switch (c.kind()) {
            case NULL -> new Expr.Const(PgType.UNKNOWN, null);
            case BOOLEAN -> new Expr.Const(PgType.BOOL, Boolean.parseBoolean(c.text()));
            case STRING -> new Expr.Const(PgType.UNKNOWN, c.text());
            case DECIMAL -> new Expr.Const(PgType.NUMERIC, new java.math.BigDecimal(c.text()));
            case INTEGER -> {
                java.math.BigDecimal v = new java.math.BigDecimal(c.text());
                if (v.compareTo(java.math.BigDecimal.valueOf(Integer.MIN_VALUE)) >= 0
                        && v.compareTo(java.math.BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0) {
                    yield new Expr.Const(PgType.INT4, v.intValue());
                }
                if (v.compareTo(java.math.BigDecimal.valueOf(Long.MIN_VALUE)) >= 0
                        && v.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
                    yield new Expr.Const(PgType.INT8, v.longValue());
                }
                yield new Expr.Const(PgType.NUMERIC, v);
            }
        };
    }

    /** A column reference: {@code col}, {@code t.col}, {@code s.t.col}, or a table name as a whole row. */
    Expr columnRef(ParseState ps, Tree.ColumnRef c) {
        List<String> names = c.names();
        if (c.star()) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "row expansion via \"*\" is not supported here", c.position());
        }
        if (names.size() == 1) {
            Expr found = findColumn(ps, null, names.get(0), c.position());
            if (found != null) {
                return found instanceof Expr.Var v ? v.at(c.position()) : found;
            }
            Expr whole = wholeRow(ps, null, names.get(0));
            if (whole != null) {
                return whole;
            }
            Expr.Param named = ps.env.params().named(names.get(0));
            if (named != null) {
                return named;
            }
            throw new SyntaxError(SqlState.UNDEFINED_COLUMN, "column \"" + names.get(0) + "\" does not exist",
                    c.position());
        }
        String column = names.get(names.size() - 1);
        String table = names.get(names.size() - 2);
        String schema = names.size() > 2 ? names.get(names.size() - 3) : null;
        Expr found = findColumn(ps, table, column, c.position());
        if (found == null) {
            // table.column where "table.column" names a table alias and a whole-row field? only plain columns here
            Located loc = locateTable(ps, table);
            if (loc == null) {
                throw new SyntaxError(SqlState.UNDEFINED_TABLE, "missing FROM-clause entry for table \"" + table
                        + "\"", c.position());
            }
            throw new SyntaxError(SqlState.UNDEFINED_COLUMN, "column " + table + "." + column + " does not exist",
                    c.position());
        }
        if (found instanceof Expr.Var v) {
            found = v.at(c.position());
        }
        if (schema != null) {
            Located loc = locateTable(ps, table);
            if (loc != null && loc.rte() instanceof RangeTblEntry.RelationRte r
                    && !ps.env.lookup().namespace(r.relation().namespaceOid()).name().equals(schema)) {
                throw new SyntaxError(SqlState.UNDEFINED_TABLE, "missing FROM-clause entry for table \"" + table
                        + "\"", c.position());
            }
        }
        return found;
    }

    private record Located(ParseState state, int levelsUp, ParseState.NamespaceItem item, RangeTblEntry rte) {
    }

    private Located locateTable(ParseState ps, String name) {
        int levels = 0;
        for (ParseState s = ps; s != null; s = s.parent, levels++) {
            for (ParseState.NamespaceItem item : s.namespace) {
                if (item.relVisible && name.equals(item.refname)) {
                    return new Located(s, levels, item, s.query.rte(item.rtIndex));
                }
            }
        }
        return null;
    }

    /** The column {@code name} (of table {@code table} when given) visible here or outward; null when none. */
    Expr findColumn(ParseState ps, String table, String name, int position) {
        int levels = 0;
        for (ParseState s = ps; s != null; s = s.parent, levels++) {
            Expr found = null;
            for (ParseState.NamespaceItem item : s.namespace) {
                if (table != null ? !(item.relVisible && table.equals(item.refname)) : !item.colsVisible) {
                    continue;
                }
                RangeTblEntry rte = s.query.rte(item.rtIndex);
                List<String> cols = rte.columnNames();
                for (int i = 0; i < cols.size(); i++) {
                    if (!name.equals(cols.get(i))) {
                        continue;
                    }
                    if (found != null) {
                        String shown = table == null ? name : table + "." + name;
                        throw new SyntaxError(SqlState.AMBIGUOUS_COLUMN, "column reference \"" + shown
                                + "\" is ambiguous", position);
                    }
                    found = columnOf(s, item.rtIndex, rte, i + 1, levels);
                }
                if (table != null && found == null) {
                    RangeTblEntry.RelationRte rel = rte instanceof RangeTblEntry.RelationRte r ? r : null;
                    if (rel != null && (name.equals("ctid") || name.equals("tableoid"))) {
                        return systemColumn(rel, item.rtIndex, name, levels);
                    }
                    return null;
                }
            }
            if (found != null) {
                return found;
            }
            if (table == null && (name.equals("ctid") || name.equals("tableoid"))) {
                Expr system = unqualifiedSystemColumn(s, name, levels, position);
                if (system != null) {
                    return system;
                }
            }
        }
        return null;
    }

    /** ctid or tableoid written without a table: the one table of this level that has it (ambiguous for two). */
    private Expr unqualifiedSystemColumn(ParseState s, String name, int levels, int position) {
        Expr found = null;
        for (ParseState.NamespaceItem item : s.namespace) {
            if (item.colsVisible && s.query.rte(item.rtIndex) instanceof RangeTblEntry.RelationRte rel) {
                if (found != null) {
                    throw new SyntaxError(SqlState.AMBIGUOUS_COLUMN, "column reference \"" + name + "\" is ambiguous",
                            position);
                }
                found = systemColumn(rel, item.rtIndex, name, levels);
            }
        }
        return found;
    }

    private Expr systemColumn(RangeTblEntry.RelationRte rel, int rtIndex, String name, int levels) {
        if (name.equals("tableoid")) {
            return new Expr.Const(PgType.OID, (long) rel.relation().oid());
        }
        return new Expr.Var(rtIndex, Expr.ROW_KEY, PgType.BYTEA, -1, levels);
    }

    /** A column of a range table entry: a Var, or a join's alias expression (shifted to {@code levels}). */
    private Expr columnOf(ParseState s, int rtIndex, RangeTblEntry rte, int attno, int levels) {
        if (rte instanceof RangeTblEntry.JoinRte j) {
            Expr alias = j.aliasVars().get(attno - 1);
            return levels == 0 ? alias : shiftLevels(alias, levels);
        }
        if (rte instanceof RangeTblEntry.CteRte cte && levels > 0) {
            cte.columnType(attno);
        }
        return new Expr.Var(rtIndex, attno, rte.columnType(attno), rte.columnTypmod(attno), levels);
    }

    static Expr shiftLevels(Expr e, int by) {
        return Exprs.rewrite(e, x -> x instanceof Expr.Var v ? v.withLevelsUp(v.levelsUp() + by) : null);
    }

    /** A table name used as a value: the row of its columns (row_to_json(t), SELECT t FROM t). */
    private Expr wholeRow(ParseState ps, String schema, String name) {
        Located loc = locateTable(ps, name);
        if (loc == null) {
            return null;
        }
        List<Expr> cols = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> colNames = loc.rte().columnNames();
        for (int i = 0; i < colNames.size(); i++) {
            if (loc.rte() instanceof RangeTblEntry.RelationRte r && r.relation().column(i).dropped()) {
                continue;
            }
            cols.add(columnOf(loc.state(), loc.item().rtIndex, loc.rte(), i + 1, loc.levelsUp()));
            names.add(colNames.get(i));
        }
        return new Expr.RowExpr(cols, names);
    }

    // ---------------------------------------------------------------- operators

    private Expr aExpr(ParseState ps, Tree.AExpr a) {
        return switch (a.kind()) {
            case OP -> {
                if (a.left() instanceof Tree.RowExpr l && a.right() instanceof Tree.RowExpr r) {
                    yield rowComparison(ps, a.name(), l, r, a.position());
                }
                Expr left = a.left() == null ? null : transform(ps, a.left());
                Expr right = transform(ps, a.right());
                yield operator(ps, a.name(), left, right, a.position());
            }
            case OP_ANY, OP_ALL -> scalarArrayOp(ps, a.name(), transform(ps, a.left()), transform(ps, a.right()),
                    a.kind() == Tree.AExprKind.OP_ANY, a.position());
            case DISTINCT, NOT_DISTINCT -> {
                Expr left = transform(ps, a.left());
                Expr right = transform(ps, a.right());
                Expr.OpExpr eq = (Expr.OpExpr) operator(ps, "=", left, right, a.position());
                yield new Expr.DistinctExpr(eq.operator(), eq.left(), eq.right(), a.kind() == Tree.AExprKind.NOT_DISTINCT);
            }
            case NULLIF -> {
                Expr left = transform(ps, a.left());
                Expr right = transform(ps, a.right());
                Expr.OpExpr eq = (Expr.OpExpr) operator(ps, "=", left, right, a.position());
                yield new Expr.NullIf(eq.operator(), eq.left(), eq.right(), eq.left().type());
            }
            case IN -> inList(ps, a);
            case LIKE, ILIKE -> {
                Expr left = transform(ps, a.left());
                Expr pattern = transform(ps, a.right());
                if (a.escape() != null) {
                    Expr esc = transform(ps, a.escape());
                    pattern = function(ps, List.of("like_escape"), List.of(pattern, esc), null, a.position());
                }
                yield operator(ps, a.name(), left, pattern, a.position());
            }
            case SIMILAR -> {
                Expr left = transform(ps, a.left());
                List<Expr> args = new ArrayList<>();
                args.add(transform(ps, a.right()));
                if (a.escape() != null) {
                    args.add(transform(ps, a.escape()));
                }
                Expr pattern = function(ps, List.of("similar_to_escape"), args, null, a.position());
                yield operator(ps, a.name(), left, pattern, a.position());
            }
            case BETWEEN -> between(ps, a);
        };
    }

    /** Applies operator {@code name} to the operands (left null for a prefix operator). */
    Expr operator(ParseState ps, String name, Expr left, Expr right, int position) {
        String op = name;
        if (op.contains(".")) {
            String schema = op.substring(0, op.lastIndexOf('.'));
            op = op.substring(op.lastIndexOf('.') + 1);
            if (!schema.equals("pg_catalog")) {
                throw new SyntaxError(SqlState.INVALID_SCHEMA_NAME, "schema \"" + schema + "\" does not exist",
                        position);
            }
        }
        List<PgType> args = left == null ? List.of(right.type()) : List.of(left.type(), right.type());
        FuncResolver.Choice choice = exactOperator(op, left, right);
        if (choice == null) {
            choice = FuncResolver.choose(FuncResolver.operatorCandidates(Builtins.operators(op), left == null), args);
        }
        if (choice.chosen() == null) {
            String sig = (left == null ? "" : left.type().formatType(-1) + " ") + op + " "
                    + right.type().formatType(-1);
            sig = sig.replace("bpchar", "character");
            if (choice.ambiguous()) {
                throw new SyntaxError(SqlState.AMBIGUOUS_FUNCTION, "operator is not unique: " + sig, position)
                        .withHint("Could not choose a best candidate operator. You might need to add explicit type "
                                + "casts.");
            }
            throw new SyntaxError(SqlState.UNDEFINED_FUNCTION, "operator does not exist: " + sig, position)
                    .withHint("No operator matches the given name and argument types. You might need to add "
                            + "explicit type casts.");
        }
        OperatorDef def = choice.chosen().operator();
        List<PgType> bound = FuncResolver.bindPolymorphic(choice.chosen().params(), args, def.result(), "operator");
        Expr l = left == null ? null : coerceArg(ps, left, bound.get(0), position);
        Expr r = coerceArg(ps, right, bound.get(left == null ? 0 : 1), position);
        PgType result = bound.get(bound.size() - 1);
        return new Expr.OpExpr(def, l, r, result, bound.subList(0, bound.size() - 1));
    }

    /**
     * The operator taking exactly the operands' types (an unknown operand taken as the other's
     * type), which resolution would choose first anyway; null when there is none.
     */
    private static FuncResolver.Choice exactOperator(String op, Expr left, Expr right) {
        PgType l = left == null ? null : left.type();
        PgType r = right.type();
        if (l == PgType.UNKNOWN && r != PgType.UNKNOWN) {
            l = r;
        } else if (r == PgType.UNKNOWN && l != null) {
            r = l;
        }
        if (l == PgType.UNKNOWN || r == PgType.UNKNOWN) {
            return null;
        }
        OperatorDef def = Builtins.operator(op, l, r);
        if (def == null) {
            return null;
        }
        List<PgType> params = l == null ? List.of(r) : List.of(l, r);
        return new FuncResolver.Choice(new FuncResolver.Candidate(null, def, params, false), false);
    }

    private Expr coerceArg(ParseState ps, Expr e, PgType target, int position) {
        Expr c = Coercion.coerce(e, target, -1, Coercion.Context.IMPLICIT, Expr.CastForm.IMPLICIT, ps.env.values(),
                positionOf(e, position));
        if (c == null) {
            throw new SyntaxError(SqlState.DATATYPE_MISMATCH, "argument of type " + e.type().formatType(-1)
                    + " cannot be coerced to " + target.formatType(-1), position);
        }
        return c;
    }

    /** {@code x op ANY/ALL (array)}. */
    private Expr scalarArrayOp(ParseState ps, String op, Expr left, Expr array, boolean useOr, int position) {
        PgType arrayType = array.type();
        if (arrayType == PgType.UNKNOWN) {
            PgType elem = left.type() == PgType.UNKNOWN ? PgType.TEXT : left.type();
            PgType at = elem.arrayType() != null ? elem.arrayType() : PgType.TEXT_ARRAY;
            array = coerce(ps, array, at, -1, Coercion.Context.IMPLICIT, position);
            arrayType = at;
        }
        if (!arrayType.isListValued()) {
            throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, "op ANY/ALL (array) requires array on right side",
                    position);
        }
        Expr.Const elementProbe = new Expr.Const(arrayType.elementType(), null);
        Expr.OpExpr probe = (Expr.OpExpr) operator(ps, op, left, elementProbe, position);
        if (probe.type() != PgType.BOOL) {
            throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, "op ANY/ALL (array) requires operator to yield boolean",
                    position);
        }
        PgType wantedElement = probe.argTypes().get(1);
        Expr arr = array;
        if (wantedElement != arrayType.elementType() && wantedElement.arrayType() != null) {
            arr = coerce(ps, array, wantedElement.arrayType(), -1, Coercion.Context.IMPLICIT, position);
        }
        return new Expr.ScalarArrayOp(probe.operator(), useOr, probe.left(), arr);
    }

    /**
     * {@code x IN (a, b, c)}: the constants-like items become {@code x = ANY (ARRAY[...])} when they
     * share a type with x; the others OR'd comparisons (NOT IN: <> ALL, AND'd).
     */
    private Expr inList(ParseState ps, Tree.AExpr a) {
        boolean not = a.name().equals("<>");
        Expr left = transform(ps, a.left());
        List<Tree.Expr> items = ((Tree.RowExpr) a.right()).args();
        if (a.left() instanceof Tree.RowExpr lrow) {
            List<Expr> terms = new ArrayList<>();
            for (Tree.Expr item : items) {
                if (!(item instanceof Tree.RowExpr rrow)) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "unequal number of entries in row expressions",
                            a.position());
                }
                terms.add(rowComparison(ps, a.name(), lrow, rrow, a.position()));
            }
            return not ? Exprs.and(terms) : or(terms);
        }
        List<Expr> values = new ArrayList<>();
        for (Tree.Expr item : items) {
            values.add(transform(ps, item));
        }
        List<Expr> simple = new ArrayList<>();
        List<Expr> others = new ArrayList<>();
        for (Expr v : values) {
            if (Exprs.any(v, x -> x instanceof Expr.Var || x instanceof Expr.SubLink)) {
                others.add(v);
            } else {
                simple.add(v);
            }
        }
        List<Expr> terms = new ArrayList<>();
        if (simple.size() >= 2) {
            List<Expr> all = new ArrayList<>(simple);
            all.add(left);
            PgType common = commonTypeOrNull(all);
            if (common != null && common.arrayType() != null && !common.isArray()) {
                List<Expr> elems = new ArrayList<>();
                for (Expr v : simple) {
                    elems.add(coerce(ps, v, common, -1, Coercion.Context.IMPLICIT, a.position()));
                }
                Expr array = foldArray(new Expr.ArrayExpr(common.arrayType(), elems));
                Expr l = coerce(ps, left, common, -1, Coercion.Context.IMPLICIT, a.position());
                terms.add(scalarArrayOp(ps, a.name(), l, array, !not, a.position()));
                simple.clear();
            }
        }
        for (Expr v : simple) {
            terms.add(operator(ps, a.name(), left, v, a.position()));
        }
        for (Expr v : others) {
            terms.add(operator(ps, a.name(), left, v, a.position()));
        }
        return not ? Exprs.and(terms) : or(terms);
    }

    private static Expr or(List<Expr> terms) {
        return terms.size() == 1 ? terms.get(0) : new Expr.BoolExpr(Expr.BoolOp.OR, List.copyOf(terms));
    }

    private static PgType commonTypeOrNull(List<Expr> exprs) {
        try {
            return Coercion.commonType(exprs, "IN", 0);
        } catch (PgException e) {
            return null;
        }
    }

    /** ARRAY[constants] becomes one array constant, as eval_const_expressions folds it. */
    static Expr foldArray(Expr.ArrayExpr a) {
        List<Object> values = new ArrayList<>();
        for (Expr e : a.elements()) {
            if (!(e instanceof Expr.Const c)) {
                return a;
            }
            values.add(c.value());
        }
        return new Expr.Const(a.type(), values);
    }

    private Expr between(ParseState ps, Tree.AExpr a) {
        Tree.RowExpr bounds = (Tree.RowExpr) a.right();
        Expr x = transform(ps, a.left());
        Expr low = transform(ps, bounds.args().get(0));
        Expr high = transform(ps, bounds.args().get(1));
        boolean not = a.name().startsWith("NOT");
        boolean symmetric = a.name().endsWith("SYMMETRIC");
        Expr forward = not
                ? or(List.of(operator(ps, "<", x, low, a.position()), operator(ps, ">", x, high, a.position())))
                : Exprs.and(List.of(operator(ps, ">=", x, low, a.position()), operator(ps, "<=", x, high, a.position())));
        if (!symmetric) {
            return forward;
        }
        Expr backward = not
                ? or(List.of(operator(ps, "<", x, high, a.position()), operator(ps, ">", x, low, a.position())))
                : Exprs.and(List.of(operator(ps, ">=", x, high, a.position()), operator(ps, "<=", x, low, a.position())));
        return not ? Exprs.and(List.of(forward, backward)) : or(List.of(forward, backward));
    }

    /** (a, b) op (c, d): = and <> pairwise; ordering operators lexicographically. */
    private Expr rowComparison(ParseState ps, String op, Tree.RowExpr l, Tree.RowExpr r, int position) {
        if (l.args().size() != r.args().size()) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "unequal number of entries in row expressions", position);
        }
        List<Expr> left = new ArrayList<>();
        List<Expr> right = new ArrayList<>();
        for (int i = 0; i < l.args().size(); i++) {
            left.add(transform(ps, l.args().get(i)));
            right.add(transform(ps, r.args().get(i)));
        }
        switch (op) {
            case "=" -> {
                List<Expr> terms = new ArrayList<>();
                for (int i = 0; i < left.size(); i++) {
                    terms.add(operator(ps, "=", left.get(i), right.get(i), position));
                }
                return Exprs.and(terms);
            }
            case "<>" -> {
                List<Expr> terms = new ArrayList<>();
                for (int i = 0; i < left.size(); i++) {
                    terms.add(operator(ps, "<>", left.get(i), right.get(i), position));
                }
                return or(terms);
            }
            case "<", "<=", ">", ">=" -> {
                String strict = op.substring(0, 1);
                Expr result = operator(ps, op, left.get(left.size() - 1), right.get(right.size() - 1), position);
                for (int i = left.size() - 2; i >= 0; i--) {
                    Expr lt = operator(ps, strict, left.get(i), right.get(i), position);
                    Expr eq = operator(ps, "=", left.get(i), right.get(i), position);
                    result = or(List.of(lt, Exprs.and(List.of(eq, result))));
                }
                return result;
            }
            default -> throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "operator " + op
                    + " is not supported for row expressions", position);
        }
    }

    private Expr boolExpr(ParseState ps, Tree.BoolExpr b) {
        String what = b.op().name();
        List<Expr> args = new ArrayList<>();
        for (Tree.Expr x : b.args()) {
            args.add(boolArg(ps, transform(ps, x), what, x.position()));
        }
        return new Expr.BoolExpr(Expr.BoolOp.valueOf(what), args);
    }

    // ---------------------------------------------------------------- casts and types

    private Expr typeCast(ParseState ps, Tree.TypeCast c) {
        TypeRef target = typeRef(ps, c.type());
        if (c.arg() instanceof Tree.ArrayExpr a && target.type().isArray()) {
            return arrayExpr(ps, a, target.type());
        }
        Expr arg = transform(ps, c.arg());
        return cast(ps, arg, target.type(), target.typmod(), Expr.CastForm.EXPLICIT_COLONS, c.position());
    }

    Expr cast(ParseState ps, Expr arg, PgType type, int typmod, Expr.CastForm form, int position) {
        Expr result = Coercion.coerce(arg, type, typmod, Coercion.Context.EXPLICIT, form, ps.env.values(),
                positionOf(arg, position));
        if (result == null) {
            throw new SyntaxError(SqlState.CANNOT_COERCE, "cannot cast type " + arg.type().formatType(-1)
                    .replace("bpchar", "character") + " to " + type.formatType(-1).replace("bpchar", "character"),
                    position);
        }
        if (result == arg && arg.type() == type && typmod < 0 && !(arg instanceof Expr.Const)) {
            return new Expr.Cast(arg, type, typmod, form, true);
        }
        if (result instanceof Expr.Const k && form != Expr.CastForm.IMPLICIT && !(arg instanceof Expr.Const)) {
            return k;
        }
        return result;
    }

    /** A resolved type name with its typmod. */
    public record TypeRef(PgType type, int typmod) {
    }

    TypeRef typeRef(ParseState ps, Tree.TypeName t) {
        if (t.names().size() > 1) {
            String schema = t.names().get(t.names().size() - 2);
            if (!schema.equals("pg_catalog")) {
                ps.env.lookup().requireNamespace(schema);
                throw new SyntaxError(SqlState.UNDEFINED_OBJECT, "type \"" + String.join(".", t.names())
                        + "\" does not exist", t.position());
            }
        }
        PgType base;
        try {
            base = PgType.byName(t.name());
        } catch (PgException e) {
            throw new SyntaxError(SqlState.UNDEFINED_OBJECT, e.getMessage(), t.position());
        }
        if (base.category == 'P' && base != PgType.RECORD && base != PgType.VOID && base != PgType.CSTRING) {
            // pseudo-types may not be cast to
        }
        List<Integer> mods = new ArrayList<>();
        for (Tree.Expr m : t.modifiers()) {
            if (!(m instanceof Tree.Const k) || k.kind() != Tree.ConstKind.INTEGER) {
                throw new SyntaxError(SqlState.SYNTAX_ERROR, "type modifiers must be simple constants or identifiers",
                        t.position());
            }
            mods.add(Integer.parseInt(k.text()));
        }
        int typmod;
        try {
            typmod = base.typmodOf(mods);
        } catch (PgException e) {
            throw new SyntaxError(e.sqlState(), e.getMessage(), t.position());
        }
        PgType type = base;
        for (int i = 0; i < t.arrayBounds(); i++) {
            if (type.isArray()) {
                continue; // multi-dimensional arrays share their one-dimensional type
            }
            PgType array = type.arrayType();
            if (array == null) {
                throw new SyntaxError(SqlState.UNDEFINED_OBJECT, "could not find array type for data type "
                        + type.formatType(-1), t.position());
            }
            type = array;
        }
        return new TypeRef(type, typmod);
    }

    // ---------------------------------------------------------------- CASE, COALESCE, GREATEST

    private Expr caseExpr(ParseState ps, Tree.CaseExpr c) {
        Expr arg = c.arg() == null ? null : resolveUnknownToText(transform(ps, c.arg()));
        List<Expr> conditions = new ArrayList<>();
        List<Expr> results = new ArrayList<>();
        for (Tree.CaseWhen w : c.whens()) {
            if (arg != null) {
                Expr value = transform(ps, w.condition());
                Expr cmp = operator(ps, "=", new Expr.CaseTest(arg.type()), value, w.condition().position());
                conditions.add(cmp);
            } else {
                conditions.add(condition(ps, w.condition(), "CASE/WHEN"));
            }
            results.add(transform(ps, w.result()));
        }
        Expr otherwise = c.defaultResult() == null ? new Expr.Const(PgType.UNKNOWN, null)
                : transform(ps, c.defaultResult());
        List<Expr> all = new ArrayList<>(results);
        all.add(otherwise);
        PgType type = Coercion.commonType(all, "CASE", c.position());
        int typmod = Coercion.commonTypmod(all, type);
        List<Expr.CaseWhen> whens = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            whens.add(new Expr.CaseWhen(conditions.get(i), coerce(ps, results.get(i), type, -1,
                    Coercion.Context.IMPLICIT, c.whens().get(i).result().position())));
        }
        Expr def = coerce(ps, otherwise, type, -1, Coercion.Context.IMPLICIT, c.position());
        return new Expr.CaseExpr(arg, whens, def, type, typmod);
    }

    private Expr coalesce(ParseState ps, Tree.CoalesceExpr c) {
        List<Expr> args = new ArrayList<>();
        for (Tree.Expr x : c.args()) {
            args.add(transform(ps, x));
        }
        PgType type = Coercion.commonType(args, "COALESCE", c.position());
        List<Expr> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            out.add(coerce(ps, args.get(i), type, -1, Coercion.Context.IMPLICIT, c.args().get(i).position()));
        }
        return new Expr.Coalesce(out, type);
    }

    private Expr minMax(ParseState ps, Tree.MinMaxExpr m) {
        List<Expr> args = new ArrayList<>();
        for (Tree.Expr x : m.args()) {
            args.add(transform(ps, x));
        }
        String what = m.greatest() ? "GREATEST" : "LEAST";
        PgType type = Coercion.commonType(args, what, m.position());
        List<Expr> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            out.add(coerce(ps, args.get(i), type, -1, Coercion.Context.IMPLICIT, m.args().get(i).position()));
        }
        Expr.OpExpr cmp = (Expr.OpExpr) operator(ps, "<", new Expr.Const(type, null), new Expr.Const(type, null),
                m.position());
        return new Expr.MinMax(m.greatest(), out, type, cmp.operator());
    }

    // ---------------------------------------------------------------- arrays and indirection

    private Expr arrayExpr(ParseState ps, Tree.ArrayExpr a, PgType targetArray) {
        List<Expr> elems = new ArrayList<>();
        for (Tree.Expr e : a.elements()) {
            if (e instanceof Tree.ArrayExpr inner) {
                elems.add(arrayExpr(ps, inner, targetArray));
            } else {
                elems.add(transform(ps, e));
            }
        }
        PgType elementType;
        if (targetArray != null) {
            elementType = targetArray.elementType();
        } else if (elems.isEmpty()) {
            throw new SyntaxError(SqlState.INDETERMINATE_DATATYPE, "cannot determine type of empty array", a.position())
                    .withHint("Explicitly cast to the desired type, for example ARRAY[]::integer[].");
        } else {
            List<Expr> probe = new ArrayList<>();
            for (Expr e : elems) {
                probe.add(e instanceof Expr.ArrayExpr || (e.type().isArray() && a.elements().get(0) instanceof
                        Tree.ArrayExpr) ? new Expr.Const(e.type().elementType(), null) : e);
            }
            elementType = Coercion.commonType(probe, "ARRAY", a.position());
        }
        PgType arrayType = elementType.arrayType();
        if (arrayType == null) {
            throw new SyntaxError(SqlState.UNDEFINED_OBJECT, "could not find array type for data type "
                    + elementType.formatType(-1), a.position());
        }
        List<Expr> out = new ArrayList<>();
        for (int i = 0; i < elems.size(); i++) {
            Expr e = elems.get(i);
            if (a.elements().get(i) instanceof Tree.ArrayExpr) {
                out.add(e.type() == arrayType ? e : coerce(ps, e, arrayType, -1, Coercion.Context.IMPLICIT,
                        a.position()));
            } else if (targetArray != null) {
                out.add(cast(ps, e, elementType, -1, Expr.CastForm.IMPLICIT, a.position()));
            } else {
                out.add(coerce(ps, e, elementType, -1, Coercion.Context.IMPLICIT, a.elements().get(i).position()));
            }
        }
        return new Expr.ArrayExpr(arrayType, out);
    }

    private Expr indirection(ParseState ps, Tree.Indirection ind) {
        Expr base = transform(ps, ind.arg());
        List<Expr> lower = new ArrayList<>();
        List<Expr> upper = new ArrayList<>();
        boolean slice = false;
        for (Tree.IndirectionStep step : ind.steps()) {
            if (step instanceof Tree.FieldSelect f) {
                base = fieldSelect(ps, base, f.name(), ind.position());
                continue;
            }
            if (step instanceof Tree.FieldStar) {
                throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "(record).* is not supported here",
                        ind.position());
            }
            Tree.Subscript s = (Tree.Subscript) step;
            slice |= s.slice();
            lower.add(s.lower() == null ? null : coerce(ps, transform(ps, s.lower()), PgType.INT4, -1,
                    Coercion.Context.ASSIGNMENT, ind.position()));
            upper.add(s.upper() == null ? null : coerce(ps, transform(ps, s.upper()), PgType.INT4, -1,
                    Coercion.Context.ASSIGNMENT, ind.position()));
        }
        if (lower.isEmpty()) {
            return base;
        }
        PgType t = base.type();
        if (t == PgType.NAME && !slice && lower.size() == 1) {
            return new Expr.Subscript(base, lower, upper, false, PgType.CHAR); // name is a char[NAMEDATALEN]
        }
        if (!t.isListValued()) {
            throw new SyntaxError(SqlState.DATATYPE_MISMATCH, "cannot subscript type " + t.formatType(-1)
                    + " because it does not support subscripting", ind.position());
        }
        PgType result = slice ? (t == PgType.INT2VECTOR ? PgType.INT2_ARRAY : t == PgType.OIDVECTOR
                ? PgType.OID_ARRAY : t) : t.elementType();
        return new Expr.Subscript(base, lower, upper, slice, result);
    }

    /**
     * The record-returning function call behind a subquery's output column ((r.keys).x where the
     * subquery selected information_schema._pg_expandarray(...) AS keys), whose OUT parameters
     * name the record's fields; null for anything else.
     */
    private static Expr.FuncExpr recordSource(ParseState ps, Expr base) {
        if (!(base instanceof Expr.Var v) || base.type() != PgType.RECORD) {
            return null;
        }
        ParseState owner = ps;
        for (int i = 0; i < v.levelsUp() && owner != null; i++) {
            owner = owner.parent;
        }
        if (owner == null || v.varno() < 1 || v.varno() > owner.query.rtable.size()
                || !(owner.query.rtable.get(v.varno() - 1) instanceof RangeTblEntry.SubqueryRte sub)) {
            return null;
        }
        for (Query.TargetEntry t : sub.subquery().targetList) {
            if (t.resno() == v.attno()) {
                return t.expr() instanceof Expr.FuncExpr f ? f : null;
            }
        }
        return null;
    }

    private Expr fieldSelect(ParseState ps, Expr base, String field, int position) {
        if (base instanceof Expr.RowExpr r && r.names() != null) {
            int i = r.names().indexOf(field);
            if (i >= 0) {
                return r.args().get(i);
            }
        }
        Expr.FuncExpr source = base instanceof Expr.FuncExpr f ? f : recordSource(ps, base);
        if (source != null && source.function().outNames != null) {
            int i = source.function().outNames.indexOf(field);
            if (i >= 0) {
                return new Expr.FieldSelect(base, i, source.function().outTypes.get(i));
            }
        }
        throw new SyntaxError(SqlState.UNDEFINED_COLUMN, "column \"" + field + "\" not found in data type "
                + base.type().formatType(-1), position);
    }

    // ---------------------------------------------------------------- subqueries

    private Expr subLink(ParseState ps, Tree.SubLink s) {
        ps.query.hasSubLinks = true;
        if (ps.clause == ParseState.Clause.GENERATED) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "cannot use subquery in column generation "
                    + "expression", s.position());
        }
        if (ps.clause == ParseState.Clause.DEFAULT || ps.clause == ParseState.Clause.CHECK
                || ps.clause == ParseState.Clause.INDEX_EXPRESSION || ps.clause == ParseState.Clause.INDEX_PREDICATE) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "cannot use subquery in " + ps.clause.text,
                    s.position());
        }
        Query sub = analyzer.subquery(ps, s.subselect());
        List<Query.TargetEntry> cols = sub.visibleTargets();
        switch (s.kind()) {
            case EXISTS:
                return new Expr.SubLink(Expr.SubLinkKind.EXISTS, List.of(), List.of(), sub, PgType.BOOL);
            case EXPR:
            case ARRAY: {
                if (cols.size() != 1) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "subquery must return only one column", s.position());
                }
                PgType t = cols.get(0).expr().type();
                if (s.kind() == Tree.SubLinkKind.ARRAY) {
                    PgType at = t.isArray() ? t : t.arrayType();
                    if (at == null) {
                        throw new SyntaxError(SqlState.UNDEFINED_OBJECT, "could not find array type for data type "
                                + t.formatType(-1), s.position());
                    }
                    return new Expr.SubLink(Expr.SubLinkKind.ARRAY, List.of(), List.of(), sub, at);
                }
                return new Expr.SubLink(Expr.SubLinkKind.EXPR, List.of(), List.of(), sub, t);
            }
            default: {
                List<Expr> tests = new ArrayList<>();
                if (s.testExpr() instanceof Tree.RowExpr row) {
                    for (Tree.Expr x : row.args()) {
                        tests.add(transform(ps, x));
                    }
                } else {
                    tests.add(transform(ps, s.testExpr()));
                }
                if (tests.size() < cols.size()) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "subquery has too many columns", s.position());
                }
                if (tests.size() > cols.size()) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "subquery has too few columns", s.position());
                }
                List<Expr> coerced = new ArrayList<>();
                List<OperatorDef> ops = new ArrayList<>();
                for (int i = 0; i < tests.size(); i++) {
                    Expr inner = new Expr.Const(cols.get(i).expr().type(), null);
                    Expr.OpExpr op = (Expr.OpExpr) operator(ps, s.operator(), tests.get(i), inner, s.position());
                    if (op.type() != PgType.BOOL) {
                        throw new SyntaxError(SqlState.DATATYPE_MISMATCH, "operator " + s.operator()
                                + " must return type boolean, not type " + op.type().formatType(-1), s.position());
                    }
                    coerced.add(op.left());
                    ops.add(op.operator());
                }
                Expr.SubLinkKind kind = s.kind() == Tree.SubLinkKind.ALL ? Expr.SubLinkKind.ALL : Expr.SubLinkKind.ANY;
                return new Expr.SubLink(kind, coerced, ops, sub, PgType.BOOL);
            }
        }
    }

    // ---------------------------------------------------------------- function calls

    /** Built-in functions live in pg_catalog, the _pg_ helpers clients call in information_schema. */
    private static boolean builtinSchema(String schema, String name) {
        return schema == null || schema.equals("pg_catalog")
                || schema.equals("information_schema") && name.startsWith("_pg_");
    }

    /**
     * The functions a name may call: the built-in ones (pg_catalog, searched first) and the
     * user-defined ones of the named schema or of the schemas on search_path.
     */
    private static List<FunctionDef> functionDefs(ParseState ps, String schema, String name) {
        List<FunctionDef> defs = builtinSchema(schema, name) ? Builtins.functions(name) : List.of();
        List<Routine> routines = ps.env.lookup().catalog().routines(name);
        if (routines.isEmpty()) {
            return defs;
        }
        List<FunctionDef> all = new ArrayList<>(defs);
        for (Routine r : routines) {
            var ns = schema == null ? null : ps.env.lookup().namespace(schema);
            if (schema == null ? ps.env.lookup().namespaceSearched(r.namespaceOid())
                    : ns != null && ns.oid() == r.namespaceOid()) {
                all.add(FunctionDef.sqlFunction(r));
            }
        }
        return all;
    }

    private Expr functionCall(ParseState ps, Tree.FuncCall f) {
        String schema = f.schema();
        if (schema != null && !schema.equals("pg_catalog")) {
            if (ps.env.lookup().namespace(schema) == null) {
                throw new SyntaxError(SqlState.INVALID_SCHEMA_NAME, "schema \"" + schema + "\" does not exist",
                        f.position());
            }
        }
        String name = f.functionName();
        if (f.name().equals(List.of("grouping"))) {
            return Clauses.groupingCall(this, ps, f);
        }
        List<FunctionDef> defs = functionDefs(ps, schema, name);
        if (!defs.isEmpty() && defs.get(0).isAggregate() || (!defs.isEmpty() && defs.get(0).isWindow())
                || f.over() != null) {
            return Aggregation.call(this, ps, f, defs);
        }
        if (f.star()) {
            throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, name + "(*) specified, but " + name
                    + " is not an aggregate function", f.position());
        }
        if (f.withinGroup()) {
            withinGroupOfPlainFunction(ps, f, defs);
        }
        if (f.distinct() || !f.aggOrder().isEmpty() || f.filter() != null) {
            String what = f.distinct() ? "DISTINCT" : f.withinGroup() ? "WITHIN GROUP"
                    : !f.aggOrder().isEmpty() ? "ORDER BY" : "FILTER";
            throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, what + " specified, but " + name
                    + " is not an aggregate function", f.position());
        }
        List<Expr> args = new ArrayList<>();
        for (Tree.Expr a : f.args()) {
            args.add(transform(ps, a));
        }
        if (defs.isEmpty() && args.size() == 1 && f.argNames() == null) {
            Expr asCast = functionStyleCast(ps, f, args.get(0));
            if (asCast != null) {
                return asCast;
            }
        }
        if (f.argNames() != null) {
            args = Aggregation.namedArguments(defs, f, args, name);
        }
        Expr call = function(ps, f.name(), args, f, f.position());
        if (call instanceof Expr.FuncExpr fe && fe.function().retset) {
            checkSetReturning(ps, name, f.position());
        }
        return call;
    }

    /** PostgreSQL looks a plain function up with the WITHIN GROUP values as extra arguments first. */
    private void withinGroupOfPlainFunction(ParseState ps, Tree.FuncCall f, List<FunctionDef> defs) {
        List<PgType> types = new ArrayList<>();
        for (Tree.Expr a : f.args()) {
            types.add(transform(ps, a).type());
        }
        for (Tree.SortBy s : f.aggOrder()) {
            types.add(transform(ps, s.expr()).type());
        }
        FuncResolver.Choice choice = FuncResolver.choose(FuncResolver.functionCandidates(defs, types.size(), false),
                types);
        if (choice.chosen() == null) {
            throw noSuchFunction(f.name(), types, choice.ambiguous(), f.position());
        }
    }

    private void checkSetReturning(ParseState ps, String name, int position) {
        switch (ps.clause) {
            case SELECT, FROM_FUNCTION -> {
                if (ps.insideAggregate || ps.insideWindowFunction) {
                    throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "set-returning functions are not allowed "
                            + "in aggregate function calls", position);
                }
                if (ps.clause == ParseState.Clause.SELECT) {
                    ps.query.hasTargetSRFs = true;
                }
            }
            default -> throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "set-returning functions are not "
                    + "allowed in " + ps.clause.text, position);
        }
    }

    /** int4(x), text(x), ...: a function call naming a type is a cast. */
    private Expr functionStyleCast(ParseState ps, Tree.FuncCall f, Expr arg) {
        PgType type;
        try {
            type = PgType.byName(f.functionName());
        } catch (PgException e) {
            return null;
        }
        if (type.category == 'P') {
            return null;
        }
        Expr result = Coercion.coerce(arg, type, -1, Coercion.Context.EXPLICIT, Expr.CastForm.EXPLICIT_COLONS,
                ps.env.values(), f.position());
        return result;
    }

    /** A call of a built-in function by possibly qualified name, with argument expressions; chooses the overload. */
    Expr function(ParseState ps, List<String> qualifiedName, List<Expr> args, Tree.FuncCall source, int position) {
        String name = qualifiedName.get(qualifiedName.size() - 1);
        String schema = qualifiedName.size() > 1 ? qualifiedName.get(qualifiedName.size() - 2) : null;
        List<FunctionDef> defs = functionDefs(ps, schema, name);
        boolean variadicCall = source != null && source.variadic();
        List<PgType> argTypes = new ArrayList<>();
        for (Expr a : args) {
            argTypes.add(a.type());
        }
        List<FuncResolver.Candidate> cands = FuncResolver.functionCandidates(defs, args.size(), variadicCall);
        FuncResolver.Choice choice = FuncResolver.choose(cands, argTypes);
        if (choice.chosen() == null) {
            throw noSuchFunction(qualifiedName, argTypes, choice.ambiguous(), position);
        }
        FuncResolver.Candidate c = choice.chosen();
        FunctionDef def = c.function();
        List<PgType> bound = FuncResolver.bindPolymorphic(c.params(), argTypes, def.result, "function");
        List<Expr> coerced = new ArrayList<>();
        List<PgType> boundArgs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            PgType target = bound.get(i);
            Expr a = args.get(i);
            if (target == PgType.ANY) {
                a = resolveUnknownToText(a);
            }
            coerced.add(coerceArg(ps, a, target, position));
            boundArgs.add(target == PgType.ANY ? coerced.get(i).type() : target);
        }
        PgType result = bound.get(bound.size() - 1);
        if (def.defaultValues != null && coerced.size() < def.args.size() && !c.variadicExpanded()) {
            int firstDefault = def.args.size() - def.defaults;
            for (int i = coerced.size(); i < def.args.size(); i++) {
                coerced.add(new Expr.Const(def.args.get(i), def.defaultValues.get(i - firstDefault)));
                boundArgs.add(def.args.get(i));
            }
        }
        if (c.variadicExpanded() && def.variadic != PgType.ANY) {
            int fixed = def.args.size() - 1;
            List<Expr> packed = new ArrayList<>(coerced.subList(0, fixed));
            PgType elem = boundArgs.size() > fixed ? boundArgs.get(fixed) : def.variadic;
            PgType arrayType = elem.arrayType();
            packed.add(foldArray(new Expr.ArrayExpr(arrayType, new ArrayList<>(coerced.subList(fixed, coerced.size())))));
            List<PgType> packedTypes = new ArrayList<>(boundArgs.subList(0, fixed));
            packedTypes.add(arrayType);
            coerced = packed;
            boundArgs = packedTypes;
        }
        String syntax = source == null ? null : source.special();
        return new Expr.FuncExpr(def, coerced, result, boundArgs, syntax == null ? Expr.CallForm.NORMAL
                : Expr.CallForm.SQL_SYNTAX, syntax);
    }

    static SyntaxError noSuchFunction(List<String> name, List<PgType> argTypes, boolean ambiguous, int position) {
        StringBuilder sig = new StringBuilder(String.join(".", name)).append('(');
        for (int i = 0; i < argTypes.size(); i++) {
            sig.append(i > 0 ? ", " : "").append(argTypes.get(i).formatType(-1).replace("bpchar", "character"));
        }
        sig.append(')');
        if (ambiguous) {
            return (SyntaxError) new SyntaxError(SqlState.AMBIGUOUS_FUNCTION, "function " + sig + " is not unique",
                    position).withHint("Could not choose a best candidate function. You might need to add explicit "
                    + "type casts.");
        }
        return (SyntaxError) new SyntaxError(SqlState.UNDEFINED_FUNCTION, "function " + sig + " does not exist",
                position).withHint("No function matches the given name and argument types. You might need to add "
                + "explicit type casts.");
    }

    Analyzer analyzer() {
        return analyzer;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    static boolean isSystemSchema(int oid) {
        return oid == Namespace.PG_CATALOG;
    }
}
