package org.walden.sql.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.walden.common.SqlState;
import org.walden.sql.parse.Tree.*;

/**
 * Expressions and type names, with PostgreSQL's precedence (gram.y), loosest first: OR, AND,
 * NOT, IS / ISNULL / NOTNULL, comparison, BETWEEN / IN / LIKE / ILIKE / SIMILAR, any other
 * operator, + -, * / %, ^, AT TIME ZONE, COLLATE, unary minus, subscripts, ::.
 */
abstract class ExprParser extends ParserBase {

    private static final Set<String> COMPARISONS = Set.of("=", "<>", "<", "<=", ">", ">=");
    /** Operators with their own precedence levels; any other operator is a generic "Op". */
    private static final Set<String> FIXED = Set.of("=", "<>", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "^",
            "::", "(", ")", ",", ";", "[", "]", ".", ":");

    ExprParser(String sql) {
        super(sql);
    }

    ExprParser(String sql, List<Token> tokens) {
        super(sql, tokens);
    }

    /** A full SELECT (for subqueries); the statement parser implements it. */
    abstract SelectStmt selectStatement();

    /** True when the tokens ahead start a query: SELECT, VALUES, WITH, TABLE, or ( of one. */
    boolean startsQuery(int ahead) {
        Token t = peekAt(ahead);
        if (t.isWord("select") || t.isWord("values") || t.isWord("with") || t.isWord("table")) {
            return true;
        }
        return t.isOp("(") && startsQuery(ahead + 1);
    }

    // ---------------------------------------------------------------- boolean levels

    Expr expr() {
        Expr left = andExpr();
        while (isWord("or")) {
            int pos = advance().position();
            left = new BoolExpr(BoolOp.OR, flatten(BoolOp.OR, left, andExpr()), pos);
        }
        return left;
    }

    private static List<Expr> flatten(BoolOp op, Expr left, Expr right) {
        List<Expr> args = new ArrayList<>();
        if (left instanceof BoolExpr b && b.op() == op) {
            args.addAll(b.args());
        } else {
            args.add(left);
        }
        args.add(right);
        return args;
    }

    private Expr andExpr() {
        Expr left = notExpr();
        while (isWord("and")) {
            int pos = advance().position();
            left = new BoolExpr(BoolOp.AND, flatten(BoolOp.AND, left, notExpr()), pos);
        }
        return left;
    }

    private Expr notExpr() {
        if (isWord("not")) {
            int pos = advance().position();
            return new BoolExpr(BoolOp.NOT, List.of(notExpr()), pos);
        }
        return isExpr();
    }

    private Expr isExpr() {
        Expr left = comparison();
        while (true) {
            if (isWord("is")) {
                int pos = advance().position();
                boolean not = acceptWord("not");
                if (acceptWord("null")) {
                    left = new NullTest(left, not, pos);
                } else if (acceptWord("true")) {
                    left = new BooleanTest(left, not ? BoolTestKind.IS_NOT_TRUE : BoolTestKind.IS_TRUE, pos);
                } else if (acceptWord("false")) {
                    left = new BooleanTest(left, not ? BoolTestKind.IS_NOT_FALSE : BoolTestKind.IS_FALSE, pos);
                } else if (acceptWord("unknown")) {
                    left = new BooleanTest(left, not ? BoolTestKind.IS_NOT_UNKNOWN : BoolTestKind.IS_UNKNOWN, pos);
                } else if (acceptWord("distinct")) {
                    expectWord("from");
                    left = new AExpr(not ? AExprKind.NOT_DISTINCT : AExprKind.DISTINCT, "=", left, comparison(), pos);
                } else if (acceptWord("document") || acceptWord("normalized")) {
                    throw unsupported("IS DOCUMENT / IS NORMALIZED");
                } else {
                    throw error();
                }
            } else if (isWord("isnull") || isWord("notnull")) {
                Token t = advance();
                left = new NullTest(left, t.text().equals("notnull"), t.position());
            } else {
                return left;
            }
        }
    }

    private Expr comparison() {
        Expr left = predicate();
        if (peek().kind() == Token.Kind.OP && COMPARISONS.contains(peek().text())) {
            Token op = advance();
            left = operatorRight(op.text(), left, this::predicate, op.position());
        }
        return left;
    }

    /** The right side of a binary operator: plain, or ANY/SOME/ALL (array or subquery). */
    private Expr operatorRight(String op, Expr left, java.util.function.Supplier<Expr> next, int pos) {
        if ((isWord("any") || isWord("some") || isWord("all")) && peekAt(1).isOp("(")) {
            boolean all = advance().text().equals("all");
            expectOp("(");
            Expr result;
            if (startsQuery(0)) {
                SelectStmt sub = selectStatement();
                result = new SubLink(all ? SubLinkKind.ALL : SubLinkKind.ANY, left, op, sub, pos);
            } else {
                result = new AExpr(all ? AExprKind.OP_ALL : AExprKind.OP_ANY, op, left, expr(), pos);
            }
            expectOp(")");
            return result;
        }
        return new AExpr(AExprKind.OP, op, left, next.get(), pos);
    }

    private Expr predicate() {
        Expr left = opExpr();
        while (true) {
            int save = index;
            boolean not = acceptWord("not");
            Token t = peek();
            if (acceptWord("between")) {
                boolean symmetric = acceptWord("symmetric");
                if (!symmetric) {
                    acceptWord("asymmetric");
                }
                Expr low = opExpr();
                expectWord("and");
                Expr high = opExpr();
                String name = (not ? "NOT BETWEEN" : "BETWEEN") + (symmetric ? " SYMMETRIC" : "");
                left = new AExpr(AExprKind.BETWEEN, name, left, new RowExpr(List.of(low, high), false, t.position()),
                        t.position());
            } else if (acceptWord("in")) {
                left = inPredicate(left, not, t.position());
            } else if (acceptWord("like") || acceptWord("ilike")) {
                boolean ilike = t.text().equals("ilike");
                String op = ilike ? (not ? "!~~*" : "~~*") : (not ? "!~~" : "~~");
                if ((isWord("any") || isWord("all") || isWord("some")) && peekAt(1).isOp("(")) {
                    left = operatorRight(op, left, this::opExpr, t.position());
                } else {
                    Expr pattern = opExpr();
                    Expr escape = acceptWord("escape") ? opExpr() : null;
                    left = new AExpr(ilike ? AExprKind.ILIKE : AExprKind.LIKE, op, left, pattern, escape,
                            t.position());
                }
            } else if (isWord("similar") && (not || isWordAt(1, "to"))) {
                advance();
                expectWord("to");
                Expr pattern = opExpr();
                Expr escape = acceptWord("escape") ? opExpr() : null;
                left = new AExpr(AExprKind.SIMILAR, not ? "!~" : "~", left, pattern, escape, t.position());
            } else {
                index = save;
                return left;
            }
        }
    }

    private Expr inPredicate(Expr left, boolean not, int pos) {
        expectOp("(");
        if (startsQuery(0)) {
            SelectStmt sub = selectStatement();
            expectOp(")");
            SubLink link = new SubLink(SubLinkKind.ANY, left, "=", sub, pos);
            return not ? new BoolExpr(BoolOp.NOT, List.of(link), pos) : link;
        }
        List<Expr> values = new ArrayList<>();
        do {
            values.add(expr());
        } while (acceptOp(","));
        expectOp(")");
        return new AExpr(AExprKind.IN, not ? "<>" : "=", left, new RowExpr(values, false, pos), pos);
    }

    /** POSITION(a IN b)'s first operand: an expression above IN's precedence. */
    Expr opExprForPosition() {
        return opExpr();
    }

    /** The generic operator level: {@code a || b}, {@code a ~ b}, {@code a OPERATOR(pg_catalog.~) b}. */
    private Expr opExpr() {
        Expr left = additive();
        while (true) {
            String op = genericOperator(0);
            if (op == null) {
                return left;
            }
            int pos = peek().position();
            consumeOperator();
            if (peek().kind() == Token.Kind.EOF || peek().isOp(")") || peek().isOp(",")) {
                throw unsupported("postfix operator " + op);
            }
            left = operatorRight(op, left, this::additive, pos);
        }
    }

    /** The generic operator starting {@code ahead} tokens on (an Op or OPERATOR(...)), or null. */
    String genericOperator(int ahead) {
        Token t = peekAt(ahead);
        if (t.kind() == Token.Kind.OP && !FIXED.contains(t.text())) {
            return t.text();
        }
        if (t.isWord("operator") && peekAt(ahead + 1).isOp("(")) {
            StringBuilder name = new StringBuilder();
            int i = ahead + 2;
            while (!peekAt(i).isOp(")") && peekAt(i).kind() != Token.Kind.EOF) {
                name.append(peekAt(i).text());
                i++;
            }
            return name.toString();
        }
        return null;
    }

    private void consumeOperator() {
        if (isWord("operator")) {
            while (!peek().isOp(")")) {
                advance();
            }
        }
        advance();
    }

    private Expr additive() {
        Expr left = multiplicative();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = advance();
            left = operatorRight(op.text(), left, this::multiplicative, op.position());
        }
        return left;
    }

    private Expr multiplicative() {
        Expr left = exponent();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("%")) {
            Token op = advance();
            left = operatorRight(op.text(), left, this::exponent, op.position());
        }
        return left;
    }

    private Expr exponent() {
        Expr left = atTimeZone();
        while (peek().isOp("^")) {
            Token op = advance();
            left = new AExpr(AExprKind.OP, "^", left, atTimeZone(), op.position());
        }
        return left;
    }

    private Expr atTimeZone() {
        Expr left = collate();
        while (isWord("at") && (isWordAt(1, "time") || isWordAt(1, "local"))) {
            int pos = advance().position();
            if (acceptWord("local")) {
                left = new FuncCall(List.of("pg_catalog", "timezone"), List.of(
                        new FuncCall(List.of("current_setting"), List.of(new Const(ConstKind.STRING, "TimeZone", pos)),
                                pos), left), pos);
                continue;
            }
            expectWord("time");
            expectWord("zone");
            Expr zone = collate();
            left = new FuncCall(List.of("pg_catalog", "timezone"), List.of(zone, left), null, false, false,
                    List.of(), null, null, false, "AT TIME ZONE", pos);
        }
        return left;
    }

    private Expr collate() {
        Expr e = unary();
        while (isWord("collate")) {
            int pos = advance().position();
            e = new CollateExpr(e, qualifiedCollation(), pos);
        }
        return e;
    }

    private List<String> qualifiedCollation() {
        List<String> names = new ArrayList<>();
        names.add(colLabel());
        while (acceptOp(".")) {
            names.add(colLabel());
        }
        return names;
    }

    private Expr unary() {
        if (peek().isOp("-") || peek().isOp("+")) {
            Token op = advance();
            Expr operand = unary();
            if (op.text().equals("-") && operand instanceof Const c
                    && (c.kind() == ConstKind.INTEGER || c.kind() == ConstKind.DECIMAL) && !c.text().startsWith("-")) {
                return new Const(c.kind(), "-" + c.text(), op.position());
            }
            return new AExpr(AExprKind.OP, op.text(), null, operand, op.position());
        }
        String prefix = genericOperator(0);
        if (prefix != null) {
            int pos = peek().position();
            consumeOperator();
            return new AExpr(AExprKind.OP, prefix, null, unary(), pos);
        }
        return postfix(primary());
    }

    /** Subscripts, field selection and :: casts after a primary. */
    private Expr postfix(Expr e) {
        while (true) {
            if (peek().isOp("::")) {
                int pos = advance().position();
                e = new TypeCast(e, typeName(), pos);
            } else if (peek().isOp("[")) {
                List<IndirectionStep> steps = new ArrayList<>();
                int pos = peek().position();
                while (peek().isOp("[") || (peek().isOp(".") && !steps.isEmpty())) {
                    steps.add(indirectionStep());
                }
                e = new Indirection(e, steps, pos);
            } else if (peek().isOp(".") && (e instanceof Indirection || isParenthesised(e))) {
                int pos = peek().position();
                List<IndirectionStep> steps = new ArrayList<>();
                while (peek().isOp("[") || peek().isOp(".")) {
                    steps.add(indirectionStep());
                }
                e = new Indirection(e, steps, pos);
            } else {
                return e;
            }
        }
    }

    private boolean isParenthesised(Expr e) {
        return e instanceof RowExpr || e instanceof SubLink || lastWasParen;
    }

    /** True right after a parenthesised expression was read (so (x).field selects a field). */
    private boolean lastWasParen;

    private IndirectionStep indirectionStep() {
        if (acceptOp(".")) {
            if (acceptOp("*")) {
                return new FieldStar();
            }
            return new FieldSelect(colLabel());
        }
        expectOp("[");
        Expr lower = null;
        Expr upper = null;
        boolean slice = false;
        if (!peek().isOp(":")) {
            lower = expr();
        }
        if (acceptOp(":")) {
            slice = true;
            if (!peek().isOp("]")) {
                upper = expr();
            }
        }
        expectOp("]");
        return new Subscript(lower, upper, slice);
    }

    // ---------------------------------------------------------------- primaries

    private Expr primary() {
        lastWasParen = false;
        Token t = peek();
        switch (t.kind()) {
            case INTEGER:
                advance();
                return new Const(ConstKind.INTEGER, t.text(), t.position());
            case DECIMAL:
                advance();
                return new Const(ConstKind.DECIMAL, t.text(), t.position());
            case STRING:
                advance();
                return new Const(ConstKind.STRING, t.text(), t.position());
            case PARAM:
                advance();
                return new ParamRef(Integer.parseInt(t.text()), t.position());
            case OP:
                if (t.isOp("(")) {
                    return parenthesised();
                }
                throw SyntaxError.atOrNear(t);
            case IDENT:
                return identPrimary(t);
            default:
                throw SyntaxError.atOrNear(t);
        }
    }

    private Expr parenthesised() {
        int pos = peek().position();
        if (startsQuery(1)) {
            int save = index;
            advance();
            try {
                SelectStmt sub = selectStatement();
                expectOp(")");
                lastWasParen = true;
                return new SubLink(SubLinkKind.EXPR, null, null, sub, pos);
            } catch (SyntaxError e) {
                if (!peekAt(0).isOp(")") && !tokens.get(save + 1).isOp("(")) {
                    throw e;
                }
                index = save;
            }
        }
        advance();
        Expr first = expr();
        if (acceptOp(",")) {
            List<Expr> items = new ArrayList<>();
            items.add(first);
            do {
                items.add(expr());
            } while (acceptOp(","));
            expectOp(")");
            return new RowExpr(items, false, pos);
        }
        expectOp(")");
        lastWasParen = true;
        return first;
    }

    private Expr identPrimary(Token t) {
        if (!t.quoted()) {
            Expr special = keywordPrimary(t);
            if (special != null) {
                return special;
            }
        }
        // a typed literal: typename 'text' (int4 '1', date '2020-01-01', pg_catalog.int8 '5')
        if (!t.quoted() && peekAt(1).kind() == Token.Kind.STRING && isFuncName(t)) {
            TypeName type = typeName();
            Token lit = advance();
            return new TypeCast(new Const(ConstKind.STRING, lit.text(), lit.position()), type, t.position());
        }
        if (!isColId(t) && !(isFuncName(t) && peekAt(1).isOp("("))) {
            throw SyntaxError.atOrNear(t);
        }
        List<String> names = new ArrayList<>();
        names.add(advance().text());
        while (peek().isOp(".")) {
            if (peekAt(1).isOp("*")) {
                index += 2;
                return new ColumnRef(names, true, t.position());
            }
            if (peekAt(1).kind() != Token.Kind.IDENT) {
                break;
            }
            index++;
            names.add(advance().text());
        }
        if (peek().isOp("(")) {
            return functionCall(names, t.position(), null);
        }
        if (names.size() == 2 && peek().kind() == Token.Kind.STRING) {
            TypeName type = new TypeName(names, List.of(), 0, t.position());
            Token lit = advance();
            return new TypeCast(new Const(ConstKind.STRING, lit.text(), lit.position()), type, t.position());
        }
        return new ColumnRef(names, false, t.position());
    }

    private static final Set<String> TYPE_LITERAL_WORDS = Set.of("date", "time", "timestamp", "interval", "boolean",
            "int", "integer", "smallint", "bigint", "real", "float", "double", "decimal", "numeric", "char", "character",
            "varchar", "national", "bit", "text", "json", "jsonb", "uuid", "bytea");

    private Expr keywordPrimary(Token t) {
        int pos = t.position();
        switch (t.text()) {
            case "null":
                advance();
                return new Const(ConstKind.NULL, "null", pos);
            case "true":
            case "false":
                advance();
                return new Const(ConstKind.BOOLEAN, t.text(), pos);
            case "default":
                advance();
                return new SetToDefault(pos);
            case "cast": {
                if (!peekAt(1).isOp("(")) {
                    return null;
                }
                advance();
                expectOp("(");
                Expr e = expr();
                expectWord("as");
                TypeName type = typeName();
                expectOp(")");
                return new TypeCast(e, type, pos);
            }
            case "case":
                return caseExpr();
            case "exists": {
                if (!peekAt(1).isOp("(")) {
                    return null;
                }
                advance();
                expectOp("(");
                SelectStmt sub = selectStatement();
                expectOp(")");
                return new SubLink(SubLinkKind.EXISTS, null, null, sub, pos);
            }
            case "array":
                return arrayPrimary();
            case "row":
                if (peekAt(1).isOp("(")) {
                    advance();
                    expectOp("(");
                    List<Expr> args = new ArrayList<>();
                    if (!peek().isOp(")")) {
                        do {
                            args.add(expr());
                        } while (acceptOp(","));
                    }
                    expectOp(")");
                    return new RowExpr(args, true, pos);
                }
                return null;
            case "coalesce":
            case "greatest":
            case "least":
                if (!peekAt(1).isOp("(")) {
                    return null;
                }
                advance();
                List<Expr> args = parenExprList();
                return t.text().equals("coalesce") ? new CoalesceExpr(args, pos)
                        : new MinMaxExpr(t.text().equals("greatest"), args, pos);
            case "nullif": {
                if (!peekAt(1).isOp("(")) {
                    return null;
                }
                advance();
                List<Expr> a = parenExprList();
                if (a.size() != 2) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "syntax error at or near \")\"", pos);
                }
                return new AExpr(AExprKind.NULLIF, "=", a.get(0), a.get(1), pos);
            }
            case "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp",
                    "current_user", "current_role", "user", "session_user", "current_catalog", "current_schema":
                if (t.text().equals("current_schema") && peekAt(1).isOp("(")) {
                    return null; // current_schema() is also an ordinary function call
                }
                return sqlValueFunction(t);
            case "extract", "substring", "position", "trim", "overlay":
                if (peekAt(1).isOp("(")) {
                    return SpecialFunctions.parse(this, t);
                }
                return null;
            case "interval":
                if (peekAt(1).kind() == Token.Kind.STRING) {
                    advance();
                    Token lit = advance();
                    IntervalTypmod fields = intervalFields();
                    return new TypeCast(new Const(ConstKind.STRING, lit.text(), lit.position()),
                            new TypeName(List.of("interval"), fields.modifiers(), 0, pos), pos);
                }
                return null;
            case "grouping":
                if (peekAt(1).isOp("(")) {
                    advance();
                    return new FuncCall(List.of("grouping"), parenExprList(), pos);
                }
                return null;
            default:
                if (TYPE_LITERAL_WORDS.contains(t.text()) && !peekAt(1).isOp("(") && !peekAt(1).isOp(".")
                        && typedLiteralAhead()) {
                    TypeName type = typeName();
                    Token lit = advance();
                    return new TypeCast(new Const(ConstKind.STRING, lit.text(), lit.position()), type, pos);
                }
                return null;
        }
    }

    /** True when a multi-word type name (double precision, timestamp with time zone...) is followed by a string. */
    private boolean typedLiteralAhead() {
        int save = index;
        try {
            typeName();
            return peek().kind() == Token.Kind.STRING;
        } catch (SyntaxError e) {
            return false;
        } finally {
            index = save;
        }
    }

    List<Expr> parenExprList() {
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        if (!peek().isOp(")")) {
            do {
                args.add(expr());
            } while (acceptOp(","));
        }
        expectOp(")");
        return args;
    }

    private Expr sqlValueFunction(Token t) {
        advance();
        int pos = t.position();
        String name = switch (t.text()) {
            case "user", "current_role" -> "current_user";
            case "current_catalog" -> "current_database";
            default -> t.text();
        };
        List<Expr> args = List.of();
        if ((t.text().endsWith("timestamp") || t.text().endsWith("time")) && peek().isOp("(")) {
            advance();
            if (peek().kind() != Token.Kind.INTEGER) {
                throw error(); // the grammar takes an integer constant only
            }
            Token precision = advance();
            expectOp(")");
            args = List.of(new Const(ConstKind.INTEGER, precision.text(), precision.position()));
        }
        String display = t.text().toUpperCase(java.util.Locale.ROOT);
        return new FuncCall(List.of(name), args, null, false, false, List.of(), null, null, false, display, pos);
    }

    private Expr arrayPrimary() {
        int pos = advance().position();
        if (peek().isOp("(")) {
            advance();
            SelectStmt sub = selectStatement();
            expectOp(")");
            return new SubLink(SubLinkKind.ARRAY, null, null, sub, pos);
        }
        if (!peek().isOp("[")) {
            throw error();
        }
        return arrayElements(pos);
    }

    private ArrayExpr arrayElements(int pos) {
        expectOp("[");
        List<Expr> elements = new ArrayList<>();
        if (!peek().isOp("]")) {
            do {
                if (peek().isOp("[")) {
                    elements.add(arrayElements(peek().position()));
                } else {
                    elements.add(expr());
                }
            } while (acceptOp(","));
        }
        expectOp("]");
        return new ArrayExpr(elements, pos);
    }

    private Expr caseExpr() {
        int pos = advance().position();
        Expr arg = isWord("when") ? null : expr();
        List<CaseWhen> whens = new ArrayList<>();
        while (acceptWord("when")) {
            Expr cond = expr();
            expectWord("then");
            whens.add(new CaseWhen(cond, expr()));
        }
        if (whens.isEmpty()) {
            throw error();
        }
        Expr otherwise = acceptWord("else") ? expr() : null;
        expectWord("end");
        return new CaseExpr(arg, whens, otherwise, pos);
    }

    /** A function call after its name: arguments, then WITHIN GROUP, FILTER and OVER. */
    FuncCall functionCall(List<String> name, int pos, String special) {
        expectOp("(");
        boolean star = false;
        boolean distinct = false;
        boolean variadic = false;
        List<Expr> args = new ArrayList<>();
        List<String> argNames = null;
        List<SortBy> order = List.of();
        if (acceptOp("*")) {
            star = true;
        } else if (!peek().isOp(")")) {
            if (acceptWord("distinct")) {
                distinct = true;
            } else {
                acceptWord("all");
            }
            do {
                if (acceptWord("variadic")) {
                    variadic = true;
                }
                String argName = null;
                if (peek().kind() == Token.Kind.IDENT && (peekAt(1).isOp("=>") || peekAt(1).isOp(":="))) {
                    argName = advance().text();
                    advance();
                }
                if (argName != null && argNames == null) {
                    argNames = new ArrayList<>();
                    for (int i = 0; i < args.size(); i++) {
                        argNames.add(null);
                    }
                }
                if (argNames != null) {
                    argNames.add(argName);
                }
                args.add(expr());
            } while (acceptOp(","));
            if (isWord("order")) {
                order = orderByClause();
            }
        }
        expectOp(")");
        boolean withinGroup = false;
        if (isWord("within") && isWordAt(1, "group")) {
            Token within = advance();
            advance();
            if (!order.isEmpty()) {
                throw new SyntaxError(SqlState.SYNTAX_ERROR, "cannot use multiple ORDER BY clauses with WITHIN GROUP",
                        within.position());
            }
            if (distinct) {
                throw new SyntaxError(SqlState.SYNTAX_ERROR, "cannot use DISTINCT with WITHIN GROUP",
                        within.position());
            }
            if (variadic) {
                throw new SyntaxError(SqlState.SYNTAX_ERROR, "cannot use VARIADIC with WITHIN GROUP",
                        within.position());
            }
            expectOp("(");
            order = orderByClause();
            expectOp(")");
            withinGroup = true;
        }
        Expr filter = null;
        if (isWord("filter") && peekAt(1).isOp("(")) {
            advance();
            expectOp("(");
            expectWord("where");
            filter = expr();
            expectOp(")");
        }
        WindowDef over = null;
        if (acceptWord("over")) {
            over = isColId(peek()) && !peek().isOp("(") ? new WindowDef(colId(), null, List.of(), List.of(), null,
                    peek().position()) : windowSpecification(null);
        }
        return new FuncCall(name, args, argNames, star, distinct, order, filter, over, variadic, special, pos,
                withinGroup);
    }

    /** ( [existing window] [PARTITION BY ...] [ORDER BY ...] [frame] ). */
    WindowDef windowSpecification(String name) {
        int pos = peek().position();
        expectOp("(");
        String ref = null;
        if (isColId(peek()) && !isWord("partition") && !isWord("order") && !isWord("range") && !isWord("rows")
                && !isWord("groups")) {
            ref = colId();
        }
        List<Expr> partition = new ArrayList<>();
        if (acceptWord("partition")) {
            expectWord("by");
            do {
                partition.add(expr());
            } while (acceptOp(","));
        }
        List<SortBy> order = isWord("order") ? orderByClause() : List.of();
        Frame frame = null;
        if (isWord("range") || isWord("rows") || isWord("groups")) {
            frame = frame();
        }
        expectOp(")");
        return new WindowDef(name, ref, partition, order, frame, pos);
    }

    private Frame frame() {
        FrameMode mode = FrameMode.valueOf(advance().text().toUpperCase(java.util.Locale.ROOT));
        FrameBound start;
        FrameBound end;
        if (acceptWord("between")) {
            start = frameBound();
            expectWord("and");
            end = frameBound();
        } else {
            start = frameBound();
            end = new FrameBound(BoundKind.CURRENT_ROW, null);
        }
        String exclude = null;
        if (acceptWord("exclude")) {
            if (acceptWords("current", "row")) {
                exclude = "CURRENT ROW";
            } else if (acceptWord("group")) {
                exclude = "GROUP";
            } else if (acceptWord("ties")) {
                exclude = "TIES";
            } else {
                expectWord("no");
                expectWord("others");
                exclude = "NO OTHERS";
            }
        }
        return new Frame(mode, start, end, exclude);
    }

    private FrameBound frameBound() {
        if (acceptWord("unbounded")) {
            if (acceptWord("preceding")) {
                return new FrameBound(BoundKind.UNBOUNDED_PRECEDING, null);
            }
            expectWord("following");
            return new FrameBound(BoundKind.UNBOUNDED_FOLLOWING, null);
        }
        if (acceptWords("current", "row")) {
            return new FrameBound(BoundKind.CURRENT_ROW, null);
        }
        Expr offset = opExpr();
        if (acceptWord("preceding")) {
            return new FrameBound(BoundKind.PRECEDING, offset);
        }
        expectWord("following");
        return new FrameBound(BoundKind.FOLLOWING, offset);
    }

    List<SortBy> orderByClause() {
        expectWord("order");
        expectWord("by");
        List<SortBy> items = new ArrayList<>();
        do {
            Expr e = expr();
            boolean desc = false;
            String using = null;
            if (acceptWord("desc")) {
                desc = true;
            } else if (acceptWord("using")) {
                using = advance().text();
                desc = using.equals(">") || using.equals(">=");
            } else {
                acceptWord("asc");
            }
            Boolean nullsFirst = null;
            if (acceptWord("nulls")) {
                if (acceptWord("first")) {
                    nullsFirst = true;
                } else {
                    expectWord("last");
                    nullsFirst = false;
                }
            }
            items.add(new SortBy(e, desc, nullsFirst, using));
        } while (acceptOp(","));
        return items;
    }

    // ---------------------------------------------------------------- type names

    private record IntervalTypmod(List<Expr> modifiers) {
    }

    /** INTERVAL's optional fields (YEAR TO MONTH, HOUR ...) and precision: accepted, precision kept. */
    private IntervalTypmod intervalFields() {
        List<String> units = List.of("year", "month", "day", "hour", "minute", "second");
        while (peek().kind() == Token.Kind.IDENT && (units.contains(peek().text()) || isWord("to"))) {
            advance();
            if (peek().isOp("(") && tokens.get(index - 1).text().equals("second")) {
                advance();
                Expr p = expr();
                expectOp(")");
                return new IntervalTypmod(List.of(p));
            }
        }
        return new IntervalTypmod(List.of());
    }

    /** A type name, normalised to PostgreSQL's internal name (int4, varchar, bpchar, timestamptz, ...). */
    TypeName typeName() {
        Token t = peek();
        if (acceptWord("setof")) {
            throw unsupported("SETOF");
        }
        if (t.kind() != Token.Kind.IDENT) {
            throw SyntaxError.atOrNear(t);
        }
        int pos = t.position();
        List<String> names;
        List<Expr> mods = List.of();
        if (t.quoted()) {
            names = qualifiedTypeName();
            if (names.size() == 1 && names.get(0).equals("char")) {
                names = List.of("char");
            }
            mods = typeModifiers();
        } else {
            TypeName builtin = sqlStandardType();
            if (builtin != null) {
                names = builtin.names();
                mods = builtin.modifiers();
            } else {
                if (!isFuncName(t) && category(t) != 'C') {
                    throw SyntaxError.atOrNear(t);
                }
                names = qualifiedTypeName();
                mods = typeModifiers();
            }
        }
        int bounds = 0;
        if (acceptWord("array")) {
            bounds = 1;
            if (acceptOp("[")) {
                if (peek().kind() == Token.Kind.INTEGER) {
                    advance();
                }
                expectOp("]");
            }
        }
        while (peek().isOp("[")) {
            advance();
            if (peek().kind() == Token.Kind.INTEGER) {
                advance();
            }
            expectOp("]");
            bounds++;
        }
        return new TypeName(names, mods, bounds, pos);
    }

    private List<String> qualifiedTypeName() {
        List<String> names = new ArrayList<>();
        names.add(advance().text());
        while (peek().isOp(".") && peekAt(1).kind() == Token.Kind.IDENT) {
            index++;
            names.add(advance().text());
        }
        return names;
    }

    private List<Expr> typeModifiers() {
        if (!peek().isOp("(")) {
            return List.of();
        }
        return parenExprList();
    }

    /** The SQL standard's type names, several words long or with special modifiers; null for others. */
    private TypeName sqlStandardType() {
        Token t = peek();
        int pos = t.position();
        String name;
        List<Expr> mods = List.of();
        switch (t.text()) {
            case "int", "integer", "int4" -> {
                advance();
                name = "int4";
            }
            case "smallint", "int2" -> {
                advance();
                name = "int2";
            }
            case "bigint", "int8" -> {
                advance();
                name = "int8";
            }
            case "real", "float4" -> {
                advance();
                name = "float4";
            }
            case "float" -> {
                advance();
                name = "float8";
                if (peek().isOp("(")) {
                    advance();
                    long p = integerConst();
                    expectOp(")");
                    if (p < 1 || p > 53) {
                        throw new SyntaxError(SqlState.INVALID_PARAMETER_VALUE, "precision for type float must be "
                                + (p < 1 ? "at least 1 bit" : "less than 54 bits"), pos);
                    }
                    name = p <= 24 ? "float4" : "float8";
                }
            }
            case "double" -> {
                if (!isWordAt(1, "precision")) {
                    return null;
                }
                index += 2;
                name = "float8";
            }
            case "decimal", "dec", "numeric" -> {
                advance();
                name = "numeric";
                mods = typeModifiers();
            }
            case "boolean", "bool" -> {
                advance();
                name = "bool";
            }
            case "character", "char", "nchar", "national" -> {
                advance();
                if (t.text().equals("national")) {
                    if (!acceptWord("character")) {
                        expectWord("char");
                    }
                }
                boolean varying = acceptWord("varying");
                name = varying ? "varchar" : "bpchar";
                mods = typeModifiers();
                if (!varying && mods.isEmpty()) {
                    mods = List.of(new Const(ConstKind.INTEGER, "1", pos));
                }
            }
            case "varchar" -> {
                advance();
                name = "varchar";
                mods = typeModifiers();
            }
            case "timestamp", "time" -> {
                advance();
                mods = typeModifiers();
                boolean tz = false;
                if (acceptWord("with")) {
                    expectWord("time");
                    expectWord("zone");
                    tz = true;
                } else if (acceptWord("without")) {
                    expectWord("time");
                    expectWord("zone");
                }
                name = t.text().equals("time") ? (tz ? "timetz" : "time") : tz ? "timestamptz" : "timestamp";
            }
            case "interval" -> {
                advance();
                name = "interval";
                mods = typeModifiers();
                if (mods.isEmpty()) {
                    mods = intervalFields().modifiers();
                }
            }
            case "bit" -> throw unsupported("type bit");
            default -> {
                return null;
            }
        }
        return new TypeName(List.of(name), mods, 0, pos);
    }
}
