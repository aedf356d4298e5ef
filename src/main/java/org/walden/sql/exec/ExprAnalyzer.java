package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.math.BigDecimal;
import java.time.ZoneId;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Column;
import org.walden.sql.catalog.TableDef;
import org.walden.sql.parse.Ast;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.types.Interval;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * Turns parsed expressions into typed {@link Node}s: resolves column names against the one
 * table in scope, types constants and operators as PostgreSQL does, infers the types of
 * parameters sent as unknown from the other side of an operator (PostgreSQL's
 * coerce_type of an UNKNOWN Param), and collects aggregate calls.
 */
final class ExprAnalyzer {

    static final Set<String> AGGREGATES = Set.of("count", "sum", "min", "max", "avg");

    private final TableDef table;
    private final String tableAlias;
    private final ParamTypes params;
    private final ZoneId zone;
    /** Non-null where aggregates are allowed (target list, HAVING, ORDER BY of a SELECT). */
    List<AggSpec> aggregates;
    private boolean insideAggregate;

    ExprAnalyzer(TableDef table, String tableAlias, ParamTypes params, ZoneId zone) {
        this.table = table;
        this.tableAlias = tableAlias;
        this.params = params;
        this.zone = zone;
    }

    Node analyze(Ast.Expr e) {
        return switch (e) {
            case Ast.Literal l -> literal(l);
            case Ast.ColumnRef c -> column(c);
            case Ast.Param p -> params.reference(p.number());
            case Ast.Unary u -> unary(u);
            case Ast.Binary b -> binary(b);
            case Ast.IsNull n -> isNull(n);
            case Ast.FuncCall f -> function(f);
            case Ast.Cast c -> cast(analyze(c.operand()), c.type());
            case Ast.Between b -> between(b);
            case Ast.InList in -> inList(in);
            case Ast.CaseExpr c -> caseExpr(c);
            case Ast.Star s -> throw new SyntaxError(SqlState.SYNTAX_ERROR, "syntax error at or near \"*\"",
                    s.position());
            case Ast.DefaultValue d -> throw new SyntaxError(SqlState.SYNTAX_ERROR,
                    "DEFAULT is not allowed in this context", d.position());
        };
    }

    /** Analyzes a boolean condition (WHERE, HAVING). */
    Node condition(Ast.Expr e, String clause) {
        Node n = resolveUnknown(analyze(e), PgType.BOOL);
        if (n.type != PgType.BOOL) {
            throw new PgException(SqlState.DATATYPE_MISMATCH, "argument of " + clause
                    + " must be type boolean, not type " + n.type.sqlName);
        }
        return n;
    }

    // ---------------------------------------------------------------- leaves

    private Node literal(Ast.Literal l) {
        return switch (l.kind()) {
            case NULL -> new Node.Const(PgType.UNKNOWN, null);
            case BOOLEAN -> new Node.Const(PgType.BOOL, Boolean.parseBoolean(l.text()));
            case STRING -> new Node.Const(PgType.UNKNOWN, l.text());
            case DECIMAL -> new Node.Const(PgType.NUMERIC, new BigDecimal(l.text()));
            case INTEGER -> {
                BigDecimal v = new BigDecimal(l.text());
                if (v.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) >= 0
                        && v.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0) {
                    yield new Node.Const(PgType.INT4, v.intValue());
                }
                if (v.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0
                        && v.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
                    yield new Node.Const(PgType.INT8, v.longValue());
                }
                yield new Node.Const(PgType.NUMERIC, v);
            }
        };
    }

    private Node column(Ast.ColumnRef c) {
        if (c.table() != null && (table == null || !c.table().equals(tableAlias))) {
            throw new SyntaxError(SqlState.UNDEFINED_TABLE, "missing FROM-clause entry for table \"" + c.table()
                    + "\"", c.position());
        }
        int index = table == null ? -1 : table.columnIndex(c.column());
        if (index < 0) {
            String shown = c.table() == null ? c.column() : c.table() + "." + c.column();
            throw new SyntaxError(SqlState.UNDEFINED_COLUMN, "column \"" + shown + "\" does not exist", c.position());
        }
        Column col = table.columns().get(index);
        return new Node.ColumnRef(index, col.name(), col.type(), col.typmod());
    }

    // ---------------------------------------------------------------- unknowns and coercion

    boolean isUnknown(Node n) {
        return n.type == PgType.UNKNOWN;
    }

    /** Gives an unknown-typed literal or parameter the type {@code target}. */
    Node resolveUnknown(Node n, PgType target) {
        if (n.type != PgType.UNKNOWN || target == PgType.UNKNOWN) {
            return n;
        }
        if (params.isUnresolved(n)) {
            params.resolve((Node.ParamRef) n, target);
            return n;
        }
        if (n instanceof Node.Const c) {
            Object v = c.value == null ? null : Values.parseText(target, (String) c.value, zone);
            return new Node.Const(target, v);
        }
        return n;
    }

    /**
     * Coerces for assignment to a column (INSERT, UPDATE): unknowns take the column's type,
     * numbers convert with range checks, strings take the typmod; others are 42804.
     */
    Node coerceForAssignment(Node n, Column col) {
        Node r = resolveUnknown(n, col.type());
        if (r.type != col.type() && !assignable(r.type, col.type())) {
            throw new PgException(SqlState.DATATYPE_MISMATCH, "column \"" + col.name() + "\" is of type "
                    + col.type().formatType(-1) + " but expression is of type " + r.type.sqlName)
                    .withHint("You will need to rewrite or cast the expression.");
        }
        PgType from = r.type;
        PgType to = col.type();
        int typmod = col.typmod();
        Node src = r;
        return new Node.Fn(to, src.rowIndependent(), ctx -> {
            Object v = Values.cast(src.eval(ctx), from, to, zone);
            return Values.coerceToTypmod(v, to, typmod, false);
        });
    }

    private static boolean assignable(PgType from, PgType to) {
        if (from.isNumeric() && to.isNumeric()) {
            return true;
        }
        if (from.isString() && to.isString()) {
            return true;
        }
        if (to.isString()) {
            return true; // assignment casts to text exist from every type
        }
        return (from == PgType.TIMESTAMP || from == PgType.TIMESTAMPTZ)
                && (to == PgType.TIMESTAMP || to == PgType.TIMESTAMPTZ);
    }

    Node cast(Node n, Ast.TypeName typeName) {
        PgType to = PgType.byName(typeName.name());
        int typmod = to.typmodOf(typeName.modifiers());
        return castTo(n, to, typmod);
    }

    Node castTo(Node n, PgType to, int typmod) {
        Node r = resolveUnknown(n, to);
        PgType from = r.type;
        if (!Values.canCast(from, to)) {
            throw new PgException(SqlState.CANNOT_COERCE, "cannot cast type " + from.sqlName + " to " + to.sqlName);
        }
        Node.Fn fn = new Node.Fn(to, r.rowIndependent(), ctx -> {
            Object v = Values.cast(r.eval(ctx), from, to, zone);
            return Values.coerceToTypmod(v, to, typmod, true);
        });
        fn.typmod = typmod;
        return fn;
    }

    // ---------------------------------------------------------------- operators

    private Node unary(Ast.Unary u) {
        Node operand = analyze(u.operand());
        if (u.op().equals("not")) {
            Node b = requireBool(operand, "NOT");
            return new Node.Fn(PgType.BOOL, b.rowIndependent(), ctx -> {
                Object v = b.eval(ctx);
                return v == null ? null : !(Boolean) v;
            });
        }
        if (operand.type == PgType.UNKNOWN) {
            operand = resolveUnknown(operand, PgType.NUMERIC);
        }
        if (!operand.type.isNumeric() && operand.type != PgType.INTERVAL) {
            throw operatorDoesNotExist(u.op(), null, operand.type, u.position());
        }
        if (u.op().equals("+")) {
            return operand;
        }
        Node o = operand;
        PgType t = o.type == PgType.OID ? PgType.INT8 : o.type;
        return new Node.Fn(t, o.rowIndependent(), ctx -> {
            Object v = o.eval(ctx);
            return v == null ? null : Operators.negate(t, v);
        });
    }

    private Node requireBool(Node n, String what) {
        Node r = resolveUnknown(n, PgType.BOOL);
        if (r.type != PgType.BOOL) {
            throw new PgException(SqlState.DATATYPE_MISMATCH, "argument of " + what + " must be type boolean, not type "
                    + r.type.sqlName);
        }
        return r;
    }

    private Node binary(Ast.Binary b) {
        switch (b.op()) {
            case "and":
            case "or":
                return logical(b);
            default:
                break;
        }
        Node l = analyze(b.left());
        Node r = analyze(b.right());
        // an unknown side takes the other side's type (aid = $1 → int4); but for || beside a
        // non-string it is text, as PostgreSQL picks text || anynonarray ('n=' || 42 → n=42)
        if (b.op().equals("||") && isUnknown(l) != isUnknown(r) && !(isUnknown(l) ? r : l).type.isString()) {
            l = resolveUnknown(l, PgType.TEXT);
            r = resolveUnknown(r, PgType.TEXT);
        } else if (isUnknown(l) && !isUnknown(r)) {
            l = resolveUnknown(l, r.type);
        } else if (isUnknown(r) && !isUnknown(l)) {
            r = resolveUnknown(r, l.type);
        } else if (isUnknown(l) && isUnknown(r)) {
            l = resolveUnknown(l, PgType.TEXT);
            r = resolveUnknown(r, PgType.TEXT);
        }
        return switch (b.op()) {
            case "=", "<>", "<", "<=", ">", ">=" -> comparison(b.op(), l, r, b.position());
            case "is distinct from" -> distinctFrom(l, r, b.position());
            case "+", "-", "*", "/", "%" -> arithmetic(b.op(), l, r, b.position());
            case "||" -> concat(l, r);
            case "like", "not like", "ilike", "not ilike" -> like(b.op(), l, r, b.position());
            default -> throw new SyntaxError(SqlState.SYNTAX_ERROR, "operator does not exist: " + b.op(), b.position());
        };
    }

    private Node logical(Ast.Binary b) {
        String what = b.op().toUpperCase();
        Node l = requireBool(analyze(b.left()), what);
        Node r = requireBool(analyze(b.right()), what);
        boolean and = b.op().equals("and");
        return new Node.Fn(PgType.BOOL, l.rowIndependent() && r.rowIndependent(), ctx -> {
            Object x = l.eval(ctx);
            if (x != null && (Boolean) x != and) {
                return !and;
            }
            Object y = r.eval(ctx);
            if (y != null && (Boolean) y != and) {
                return !and;
            }
            return (x == null || y == null) ? null : and;
        });
    }

    private static boolean comparable(PgType a, PgType b) {
        if (a == b) {
            return true;
        }
        if (a.isNumeric() && b.isNumeric()) {
            return true;
        }
        if (a.isString() && b.isString()) {
            return true;
        }
        return (a == PgType.TIMESTAMP || a == PgType.TIMESTAMPTZ) && (b == PgType.TIMESTAMP || b == PgType.TIMESTAMPTZ);
    }

    /** Makes both sides comparable at run time (timestamp vs timestamptz goes through the zone). */
    private Node[] comparableSides(Node l, Node r, String op, int position) {
        if (!comparable(l.type, r.type)) {
            throw operatorDoesNotExist(op, l.type, r.type, position);
        }
        if (l.type != r.type && (l.type == PgType.TIMESTAMP || r.type == PgType.TIMESTAMP)
                && (l.type == PgType.TIMESTAMPTZ || r.type == PgType.TIMESTAMPTZ)) {
            return new Node[] {castTo(l, PgType.TIMESTAMPTZ, -1), castTo(r, PgType.TIMESTAMPTZ, -1)};
        }
        return new Node[] {l, r};
    }

    Node comparison(String op, Node left, Node right, int position) {
        Node[] sides = comparableSides(left, right, op, position);
        Node l = sides[0];
        Node r = sides[1];
        boolean bpchar = l.type == PgType.BPCHAR || r.type == PgType.BPCHAR;
        return new Node.Fn(PgType.BOOL, l.rowIndependent() && r.rowIndependent(), ctx -> {
            Object x = l.eval(ctx);
            if (x == null) {
                return null;
            }
            Object y = r.eval(ctx);
            if (y == null) {
                return null;
            }
            return Operators.comparisonHolds(op, Operators.compare(x, y, bpchar));
        });
    }

    private Node distinctFrom(Node left, Node right, int position) {
        Node[] sides = comparableSides(left, right, "=", position);
        Node l = sides[0];
        Node r = sides[1];
        boolean bpchar = l.type == PgType.BPCHAR || r.type == PgType.BPCHAR;
        return new Node.Fn(PgType.BOOL, l.rowIndependent() && r.rowIndependent(), ctx -> {
            Object x = l.eval(ctx);
            Object y = r.eval(ctx);
            if (x == null || y == null) {
                return x != y;
            }
            return Operators.compare(x, y, bpchar) != 0;
        });
    }

    private Node arithmetic(String op, Node l, Node r, int position) {
        boolean independent = l.rowIndependent() && r.rowIndependent();
        if (l.type.isNumeric() && r.type.isNumeric()) {
            PgType t = Operators.arithmeticType(l.type, r.type);
            return new Node.Fn(t, independent, ctx -> {
                Object x = l.eval(ctx);
                if (x == null) {
                    return null;
                }
                Object y = r.eval(ctx);
                return y == null ? null : Operators.arithmetic(op, t, x, y);
            });
        }
        boolean lts = l.type == PgType.TIMESTAMP || l.type == PgType.TIMESTAMPTZ;
        if (lts && r.type == PgType.INTERVAL && (op.equals("+") || op.equals("-"))) {
            int sign = op.equals("+") ? 1 : -1;
            return new Node.Fn(l.type, independent, ctx -> {
                Object x = l.eval(ctx);
                Object y = r.eval(ctx);
                return x == null || y == null ? null : Operators.timestampPlus(x, (Interval) y, sign);
            });
        }
        if (lts && r.type == l.type && op.equals("-")) {
            return new Node.Fn(PgType.INTERVAL, independent, ctx -> {
                Object x = l.eval(ctx);
                Object y = r.eval(ctx);
                return x == null || y == null ? null : Operators.timestampMinus(x, y);
            });
        }
        if (l.type == PgType.PG_LSN && r.type == PgType.PG_LSN && op.equals("-")) {
            return new Node.Fn(PgType.NUMERIC, independent, ctx -> {
                Object x = l.eval(ctx);
                Object y = r.eval(ctx);
                return x == null || y == null ? null : Functions.lsnDiff(x, y);
            });
        }
        throw operatorDoesNotExist(op, l.type, r.type, position);
    }

    private Node concat(Node l, Node r) {
        PgType lt = l.type;
        PgType rt = r.type;
        return new Node.Fn(PgType.TEXT, l.rowIndependent() && r.rowIndependent(), ctx -> {
            Object x = l.eval(ctx);
            Object y = r.eval(ctx);
            if (x == null || y == null) {
                return null;
            }
            return concatOperand(lt, x) + concatOperand(rt, y);
        });
    }

    /** An operand of || as its cast to text gives it (bpchar loses trailing blanks, boolean is 'true'). */
    private String concatOperand(PgType t, Object v) {
        if (t == PgType.BPCHAR) {
            return Values.stripTrailingSpaces((String) v);
        }
        if (t == PgType.BOOL) {
            return (Boolean) v ? "true" : "false";
        }
        return Values.toText(t, v, zone);
    }

    private Node like(String op, Node l, Node r, int position) {
        if (!l.type.isString() || !r.type.isString()) {
            throw operatorDoesNotExist(op.contains("ilike") ? "~~*" : "~~", l.type, r.type, position);
        }
        boolean negated = op.startsWith("not");
        boolean ci = op.endsWith("ilike");
        return new Node.Fn(PgType.BOOL, l.rowIndependent() && r.rowIndependent(), ctx -> {
            Object x = l.eval(ctx);
            Object y = r.eval(ctx);
            if (x == null || y == null) {
                return null;
            }
            Pattern p = Operators.likePattern((String) y, ci);
            return p.matcher((String) x).matches() != negated;
        });
    }

    static PgException operatorDoesNotExist(String op, PgType l, PgType r, int position) {
        String sig = (l == null ? "" : l.sqlName + " ") + op + " " + r.sqlName;
        return new PgException(SqlState.UNDEFINED_FUNCTION, "operator does not exist: " + sig)
                .withHint("No operator matches the given name and argument types. You might need to add explicit "
                        + "type casts.");
    }

    private Node isNull(Ast.IsNull n) {
        Node o = analyze(n.operand());
        boolean negated = n.negated();
        return new Node.Fn(PgType.BOOL, o.rowIndependent(), ctx -> (o.eval(ctx) == null) != negated);
    }

    private Node between(Ast.Between b) {
        Ast.Expr ge = new Ast.Binary(">=", b.operand(), b.low(), b.position());
        Ast.Expr le = new Ast.Binary("<=", b.operand(), b.high(), b.position());
        Ast.Expr both = new Ast.Binary("and", ge, le, b.position());
        return analyze(b.negated() ? new Ast.Unary("not", both, b.position()) : both);
    }

    private Node inList(Ast.InList in) {
        Ast.Expr any = null;
        for (Ast.Expr v : in.values()) {
            Ast.Expr eq = new Ast.Binary("=", in.operand(), v, in.position());
            any = any == null ? eq : new Ast.Binary("or", any, eq, in.position());
        }
        return analyze(in.negated() ? new Ast.Unary("not", any, in.position()) : any);
    }

    private Node caseExpr(Ast.CaseExpr c) {
        Node operand = c.operand() == null ? null : analyze(c.operand());
        List<Node> whens = new ArrayList<>();
        List<Node> thens = new ArrayList<>();
        for (int i = 0; i < c.whens().size(); i++) {
            if (operand != null) {
                Node w = analyze(c.whens().get(i));
                Node o = operand;
                if (isUnknown(w)) {
                    w = resolveUnknown(w, o.type);
                } else if (isUnknown(o)) {
                    o = resolveUnknown(o, w.type);
                }
                whens.add(comparison("=", o, w, c.position()));
            } else {
                whens.add(condition(c.whens().get(i), "CASE/WHEN"));
            }
            thens.add(analyze(c.thens().get(i)));
        }
        Node elseNode = c.elseExpr() == null ? new Node.Const(PgType.UNKNOWN, null) : analyze(c.elseExpr());
        PgType type = PgType.UNKNOWN;
        for (Node t : thens) {
            if (!isUnknown(t)) {
                type = type == PgType.UNKNOWN || Objects.equals(type, t.type) ? t.type
                        : (type.isNumeric() && t.type.isNumeric() ? Operators.arithmeticType(type, t.type) : type);
            }
        }
        if (type == PgType.UNKNOWN) {
            type = isUnknown(elseNode) ? PgType.TEXT : elseNode.type;
        }
        List<Node> results = new ArrayList<>();
        for (Node t : thens) {
            results.add(t.type == type ? t : castTo(t, type, -1));
        }
        Node elseResult = elseNode.type == type ? elseNode : castTo(elseNode, type, -1);
        return new Node.Fn(type, false, ctx -> {
            for (int i = 0; i < whens.size(); i++) {
                if (Boolean.TRUE.equals(whens.get(i).eval(ctx))) {
                    return results.get(i).eval(ctx);
                }
            }
            return elseResult.eval(ctx);
        });
    }

    // ---------------------------------------------------------------- functions

    private Node function(Ast.FuncCall f) {
        if (f.schema() != null && !f.schema().equals("pg_catalog")) {
            throw new PgException(SqlState.INVALID_NAME, "schema \"" + f.schema() + "\" does not exist");
        }
        if (AGGREGATES.contains(f.name())) {
            return aggregate(f);
        }
        List<Node> args = new ArrayList<>();
        for (Ast.Expr a : f.args()) {
            args.add(analyze(a));
        }
        return Functions.resolve(this, f.name(), args, f.position());
    }

    private Node aggregate(Ast.FuncCall f) {
        if (aggregates == null) {
            throw new SyntaxError(SqlState.GROUPING_ERROR, "aggregate functions are not allowed in this context",
                    f.position());
        }
        if (insideAggregate) {
            throw new SyntaxError(SqlState.GROUPING_ERROR, "aggregate function calls cannot be nested", f.position());
        }
        Node arg = null;
        PgType argType = null;
        if (!f.star()) {
            if (f.args().size() != 1) {
                throw Functions.noSuchFunction(f.name(), List.of(), f.position());
            }
            insideAggregate = true;
            try {
                arg = analyze(f.args().get(0));
            } finally {
                insideAggregate = false;
            }
            if (isUnknown(arg)) {
                arg = resolveUnknown(arg, PgType.TEXT);
            }
            argType = arg.type;
        } else if (!f.name().equals("count")) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, f.name() + "(*) specified, but " + f.name()
                    + " is not an aggregate function", f.position());
        }
        PgType result = f.star() ? PgType.INT8 : AggSpec.resultType(f.name(), argType);
        if (result == null) {
            throw Functions.noSuchFunction(f.name(), List.of(arg), f.position());
        }
        aggregates.add(new AggSpec(f.name(), arg, f.distinct(), result));
        return new Node.AggRef(aggregates.size() - 1, result);
    }

    ZoneId zone() {
        return zone;
    }
}
