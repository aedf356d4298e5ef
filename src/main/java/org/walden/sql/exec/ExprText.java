package org.walden.sql.exec;

import java.util.stream.Collectors;
import org.walden.sql.parse.Ast;

/** Prints a parsed expression back as SQL (for stored column defaults), fully parenthesised. */
final class ExprText {

    private ExprText() {
    }

    static String of(Ast.Expr e) {
        return switch (e) {
            case Ast.Literal l -> switch (l.kind()) {
                case STRING -> "'" + l.text().replace("'", "''") + "'";
                case NULL -> "NULL";
                default -> l.text();
            };
            case Ast.ColumnRef c -> quote(c.column());
            case Ast.Param p -> "$" + p.number();
            case Ast.Unary u -> "(" + (u.op().equals("not") ? "NOT " : u.op()) + of(u.operand()) + ")";
            case Ast.Binary b -> b.op().equals("is distinct from")
                    ? "(" + of(b.left()) + " IS DISTINCT FROM " + of(b.right()) + ")"
                    : "(" + of(b.left()) + " " + b.op() + " " + of(b.right()) + ")";
            case Ast.IsNull n -> "(" + of(n.operand()) + (n.negated() ? " IS NOT NULL)" : " IS NULL)");
            case Ast.FuncCall f -> (f.schema() == null ? "" : f.schema() + ".") + f.name() + "("
                    + (f.star() ? "*" : (f.distinct() ? "DISTINCT " : "")
                    + f.args().stream().map(ExprText::of).collect(Collectors.joining(", "))) + ")";
            case Ast.Cast c -> "CAST(" + of(c.operand()) + " AS " + c.type().name()
                    + (c.type().modifiers().isEmpty() ? "" : c.type().modifiers().stream().map(String::valueOf)
                    .collect(Collectors.joining(",", "(", ")"))) + ")";
            case Ast.Between b -> "(" + of(b.operand()) + (b.negated() ? " NOT" : "") + " BETWEEN " + of(b.low())
                    + " AND " + of(b.high()) + ")";
            case Ast.InList in -> "(" + of(in.operand()) + (in.negated() ? " NOT" : "") + " IN ("
                    + in.values().stream().map(ExprText::of).collect(Collectors.joining(", ")) + "))";
            case Ast.CaseExpr c -> {
                StringBuilder sb = new StringBuilder("CASE");
                if (c.operand() != null) {
                    sb.append(' ').append(of(c.operand()));
                }
                for (int i = 0; i < c.whens().size(); i++) {
                    sb.append(" WHEN ").append(of(c.whens().get(i))).append(" THEN ").append(of(c.thens().get(i)));
                }
                if (c.elseExpr() != null) {
                    sb.append(" ELSE ").append(of(c.elseExpr()));
                }
                yield sb.append(" END").toString();
            }
            case Ast.Star s -> "*";
            case Ast.DefaultValue d -> "DEFAULT";
        };
    }

    private static String quote(String ident) {
        return ident.matches("[a-z_][a-z0-9_$]*") ? ident : "\"" + ident.replace("\"", "\"\"") + "\"";
    }
}
