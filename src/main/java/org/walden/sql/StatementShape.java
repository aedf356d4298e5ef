package org.walden.sql;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.analyze.JoinTree;
import org.walden.sql.analyze.Query;
import org.walden.sql.parse.Lexer;
import org.walden.sql.parse.Token;
import org.walden.sql.types.PgType;

/**
 * The shape of a simple-protocol query: its tokens with every constant — a number (with its
 * minus sign) or a string — taken out as a parameter. A client that sends one shape again and
 * again with other constants (pgbench's statements, most applications' point reads and writes)
 * has the statement analyzed and planned once, as a parameterized statement, and then only bound
 * ({@link WaldenSession} keeps the shapes a session has seen).
 *
 * <p>That reuse must change nothing the client can see, so a shape is reused only when both
 * tests hold: {@link #sameAnalysis} — the parameterized analysis, with the constants put back,
 * is exactly the analysis of the statement as sent (same types, operators, coercions) — and the
 * parameterized plan does not depend on the values (every table is read by a unique index with
 * all its keys given, as {@code Planner.PlannedStmt#valueIndependent} tells), so it is the plan
 * planning the statement as sent would choose. A constant that does not convert to its
 * parameter's type sends the statement down the ordinary path, which reports the error as
 * PostgreSQL does.
 */
final class StatementShape {

    /** How a constant token is typed, as the analyzer types it. */
    enum LiteralKind { INT4, INT8, NUMERIC, STRING }

    record Literal(String text, LiteralKind kind, int position) {
    }

    private static final int MAX_TOKENS = 400;

    /** The tokens with constants marked by kind: equal keys, equal statements but for constants. */
    final String key;
    final List<Literal> literals;
    private final Lexer.Statement statement;

    private StatementShape(String key, List<Literal> literals, Lexer.Statement statement) {
        this.key = key;
        this.literals = literals;
        this.statement = statement;
    }

    /** The shape of a SELECT, INSERT, UPDATE or DELETE; null for anything else. */
    static StatementShape of(Lexer.Statement st) {
        List<Token> tokens = st.tokens();
        if (tokens.size() > MAX_TOKENS || tokens.isEmpty()) {
            return null;
        }
        Token first = tokens.get(0);
        if (!(first.isWord("select") || first.isWord("insert") || first.isWord("update") || first.isWord("delete"))) {
            return null;
        }
        StringBuilder key = new StringBuilder(tokens.size() * 6);
        List<Literal> literals = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            switch (t.kind()) {
                case PARAM -> {
                    return null;
                }
                case INTEGER, DECIMAL, STRING -> {
                    literals.add(literal(t.text(), t.kind(), t.position()));
                    key.append('\u0001').append(literals.getLast().kind().ordinal());
                }
                case OP -> {
                    Token next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
                    if (t.text().equals("-") && next != null && (next.kind() == Token.Kind.INTEGER
                            || next.kind() == Token.Kind.DECIMAL) && prefixPosition(tokens, i)) {
                        // the parser makes "- 5" after an operator the constant -5
                        literals.add(literal("-" + next.text(), next.kind(), t.position()));
                        key.append('\u0001').append(literals.getLast().kind().ordinal());
                        i++;
                    } else {
                        key.append('\u0002').append(t.text());
                    }
                }
                case IDENT -> key.append(t.quoted() ? '\u0004' : '\u0003').append(t.text());
                case EOF -> key.append('\u0005');
            }
        }
        return new StatementShape(key.toString(), List.copyOf(literals), st);
    }

    /** A minus sign that can only be a prefix operator: first, or after an operator other than a closing bracket. */
    private static boolean prefixPosition(List<Token> tokens, int i) {
        if (i == 0) {
            return true;
        }
        Token prev = tokens.get(i - 1);
        return prev.kind() == Token.Kind.OP && !prev.text().equals(")") && !prev.text().equals("]");
    }

    private static Literal literal(String text, Token.Kind kind, int position) {
        LiteralKind k;
        if (kind == Token.Kind.STRING) {
            k = LiteralKind.STRING;
        } else if (kind == Token.Kind.DECIMAL) {
            k = LiteralKind.NUMERIC;
        } else {
            k = integerKind(text);
        }
        return new Literal(text, k, position);
    }

    private static LiteralKind integerKind(String text) {
        try {
            long v = Long.parseLong(text);
            return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? LiteralKind.INT4 : LiteralKind.INT8;
        } catch (NumberFormatException e) {
            return LiteralKind.NUMERIC;
        }
    }

    /** The statement with each constant replaced by a parameter $1, $2, ... in order. */
    Lexer.Statement parameterized() {
        List<Token> out = new ArrayList<>(statement.tokens().size());
        List<Token> tokens = statement.tokens();
        int n = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (n < literals.size() && t.position() == literals.get(n).position()) {
                if (t.kind() == Token.Kind.OP) {
                    i++; // the minus sign and its number
                }
                n++;
                out.add(new Token(Token.Kind.PARAM, Integer.toString(n), false, t.position()));
            } else {
                out.add(t);
            }
        }
        return new Lexer.Statement(statement.begin(), statement.end(), out);
    }

    /** The parameter types the constants declare (0, to be inferred, for a string). */
    int[] paramOids() {
        int[] oids = new int[literals.size()];
        for (int i = 0; i < oids.length; i++) {
            oids[i] = switch (literals.get(i).kind()) {
                case INT4 -> PgType.INT4.oid;
                case INT8 -> PgType.INT8.oid;
                case NUMERIC -> PgType.NUMERIC.oid;
                case STRING -> 0;
            };
        }
        return oids;
    }

    /** The constants as text-format parameter values. */
    byte[][] values() {
        byte[][] out = new byte[literals.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = literals.get(i).text().getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    // ---------------------------------------------------------------- the analyses compared

    /**
     * True when {@code generic} (the parameterized statement's analysis) with parameter {@code i}
     * replaced by the constant {@code values[i]} is the analysis {@code sent} of the statement as
     * sent. Anything this comparison does not look into (WITH, set operations, ON CONFLICT,
     * grouping sets, subqueries) makes it false.
     */
    static boolean sameAnalysis(Query sent, Query generic, Object[] values) {
        if (sent.command != generic.command || sent.hasAggs != generic.hasAggs
                || sent.hasWindowFuncs != generic.hasWindowFuncs || sent.hasSubLinks || generic.hasSubLinks
                || sent.hasTargetSRFs != generic.hasTargetSRFs || sent.hasDistinctOn != generic.hasDistinctOn
                || !sent.cteList.isEmpty() || !generic.cteList.isEmpty()
                || sent.setOperations != null || generic.setOperations != null
                || sent.onConflict != null || generic.onConflict != null
                || sent.groupingSets != null || generic.groupingSets != null
                || !sent.windowClause.isEmpty() || !generic.windowClause.isEmpty()
                || sent.resultRelation != generic.resultRelation || sent.limitWithTies != generic.limitWithTies
                || !Objects.equals(sent.rowMark, generic.rowMark)
                || !sent.groupClause.equals(generic.groupClause) || !sent.sortClause.equals(generic.sortClause)
                || !sent.distinctClause.equals(generic.distinctClause)
                || !sent.insertColumns.equals(generic.insertColumns) || !sent.updateColumns.equals(generic.updateColumns)
                || !sent.rtable.equals(generic.rtable)) {
            return false;
        }
        UnaryOperator<Expr> bound = e -> e == null ? null : Exprs.rewrite(e, x -> x instanceof Expr.Param p
                ? new Expr.Const(p.type(), -1, values[p.index()]) : null);
        return sameTargets(sent.targetList, generic.targetList, bound)
                && sameTargets(sent.returningList, generic.returningList, bound)
                && Objects.equals(sent.havingQual, bound.apply(generic.havingQual))
                && Objects.equals(sent.limitOffset, bound.apply(generic.limitOffset))
                && Objects.equals(sent.limitCount, bound.apply(generic.limitCount))
                && sameJoinTree(sent.jointree, generic.jointree, bound);
    }

    private static boolean sameTargets(List<Query.TargetEntry> a, List<Query.TargetEntry> b, UnaryOperator<Expr> bound) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            Query.TargetEntry g = b.get(i);
            if (!a.get(i).equals(g.withExpr(bound.apply(g.expr())))) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameJoinTree(JoinTree.Node a, JoinTree.Node b, UnaryOperator<Expr> bound) {
        return switch (a) {
            case JoinTree.RangeRef r -> r.equals(b);
            case JoinTree.Join j -> b instanceof JoinTree.Join k && j.type() == k.type() && j.rtIndex() == k.rtIndex()
                    && Objects.equals(j.quals(), bound.apply(k.quals())) && sameJoinTree(j.left(), k.left(), bound)
                    && sameJoinTree(j.right(), k.right(), bound);
            case JoinTree.FromExpr f -> {
                if (!(b instanceof JoinTree.FromExpr g) || f.items().size() != g.items().size()
                        || !Objects.equals(f.quals(), bound.apply(g.quals()))) {
                    yield false;
                }
                for (int i = 0; i < f.items().size(); i++) {
                    if (!sameJoinTree(f.items().get(i), g.items().get(i), bound)) {
                        yield false;
                    }
                }
                yield true;
            }
        };
    }
}
