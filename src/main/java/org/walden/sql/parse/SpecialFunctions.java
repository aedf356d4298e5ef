package org.walden.sql.parse;

import java.util.ArrayList;
import java.util.List;
import org.walden.sql.parse.Tree.Const;
import org.walden.sql.parse.Tree.ConstKind;
import org.walden.sql.parse.Tree.Expr;
import org.walden.sql.parse.Tree.FuncCall;

/**
 * The SQL-standard function syntaxes with keywords among their arguments, rewritten to plain
 * calls as gram.y does: EXTRACT(field FROM x) → extract('field', x), SUBSTRING(x FROM a FOR b)
 * → substring(x, a, b), POSITION(a IN b) → position(b, a), TRIM(LEADING c FROM x) → ltrim(x, c),
 * OVERLAY(x PLACING y FROM a FOR b) → overlay(x, y, a, b). Written with commas they are plain calls.
 */
final class SpecialFunctions {

    private SpecialFunctions() {
    }

    static Expr parse(ExprParser p, Token t) {
        int pos = t.position();
        int save = p.index;
        p.advance();
        p.expectOp("(");
        Expr result = switch (t.text()) {
            case "extract" -> extract(p, pos);
            case "substring" -> substring(p, pos);
            case "position" -> position(p, pos);
            case "trim" -> trim(p, pos);
            case "overlay" -> overlay(p, pos);
            default -> null;
        };
        if (result == null) {
            p.index = save;
            p.advance();
            return p.functionCall(List.of(t.text()), pos, null);
        }
        p.expectOp(")");
        return result;
    }

    private static FuncCall call(String name, List<Expr> args, String special, int pos) {
        return new FuncCall(List.of("pg_catalog", name), args, null, false, false, List.of(), null, null, false,
                special, pos);
    }

    private static Expr extract(ExprParser p, int pos) {
        Token field = p.advance();
        if (field.kind() != Token.Kind.IDENT && field.kind() != Token.Kind.STRING) {
            throw SyntaxError.atOrNear(field);
        }
        p.expectWord("from");
        Expr source = p.expr();
        return call("extract", List.of(new Const(ConstKind.STRING, field.text(), field.position()), source),
                "EXTRACT", pos);
    }

    private static Expr substring(ExprParser p, int pos) {
        Expr source = p.expr();
        if (p.peek().isOp(",")) {
            return null;
        }
        if (p.acceptWord("similar")) {
            Expr pattern = p.expr();
            p.expectWord("escape");
            return call("substring", List.of(source, pattern, p.expr()), "SUBSTRING", pos);
        }
        Expr from = null;
        Expr forCount = null;
        for (int i = 0; i < 2; i++) {
            if (p.acceptWord("from")) {
                from = p.expr();
            } else if (p.acceptWord("for")) {
                forCount = p.expr();
            }
        }
        List<Expr> args = new ArrayList<>();
        args.add(source);
        args.add(from != null ? from : new Const(ConstKind.INTEGER, "1", pos));
        if (forCount != null) {
            args.add(forCount);
        }
        return call("substring", args, "SUBSTRING", pos);
    }

    private static Expr position(ExprParser p, int pos) {
        Expr needle = p.opExprForPosition();
        if (p.peek().isOp(",")) {
            return null;
        }
        p.expectWord("in");
        Expr haystack = p.expr();
        return call("position", List.of(haystack, needle), "POSITION", pos);
    }

    private static Expr trim(ExprParser p, int pos) {
        String fn = "btrim";
        if (p.acceptWord("leading")) {
            fn = "ltrim";
        } else if (p.acceptWord("trailing")) {
            fn = "rtrim";
        } else {
            p.acceptWord("both");
        }
        if (p.acceptWord("from")) {
            List<Expr> args = new ArrayList<>();
            args.add(p.expr());
            while (p.acceptOp(",")) {
                args.add(p.expr());
            }
            return call(fn, args, "TRIM", pos);
        }
        Expr first = p.expr();
        if (p.acceptWord("from")) {
            Expr source = p.expr();
            return call(fn, List.of(source, first), "TRIM", pos);
        }
        List<Expr> args = new ArrayList<>();
        args.add(first);
        while (p.acceptOp(",")) {
            args.add(p.expr());
        }
        return call(fn, args, "TRIM", pos);
    }

    private static Expr overlay(ExprParser p, int pos) {
        Expr source = p.expr();
        if (p.peek().isOp(",")) {
            return null;
        }
        p.expectWord("placing");
        Expr replacement = p.expr();
        p.expectWord("from");
        Expr from = p.expr();
        List<Expr> args = new ArrayList<>(List.of(source, replacement, from));
        if (p.acceptWord("for")) {
            args.add(p.expr());
        }
        return call("overlay", args, "OVERLAY", pos);
    }
}
