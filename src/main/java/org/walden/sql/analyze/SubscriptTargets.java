package org.walden.sql.analyze;

import java.util.List;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.func.ArrayAssignment;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * Assignment through one subscript or one slice of an array column (transformAssignmentIndirection
 * for arrays): UPDATE's {@code SET arr[i] = v} / {@code SET arr[l:u] = a} and INSERT's
 * {@code INSERT INTO t (arr[i], arr[l:u]) ...}. The column's new value is array_assign /
 * array_assign_slice ({@link ArrayAssignment}) of its old value (UPDATE), of the earlier
 * assignments to the same column (several in one statement apply in order), or of NULL (INSERT).
 * Fields and several subscripts are refused (0A000).
 */
final class SubscriptTargets {

    private SubscriptTargets() {
    }

    /** The refusals and errors of an assignment target with subscripts, before its value is read. */
    static Tree.Subscript subscriptOf(Tree.SetClause target, Attribute attr) {
        List<Tree.IndirectionStep> steps = target.indirection();
        if (!attr.type().isArray() && steps.get(0) instanceof Tree.Subscript) {
            throw new SyntaxError(SqlState.DATATYPE_MISMATCH, "cannot subscript type " + attr.type().formatType(-1)
                    + " because it does not support subscripting", target.position());
        }
        if (steps.size() != 1 || !(steps.get(0) instanceof Tree.Subscript s) || !attr.type().isArray()) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "assignment to a field or several subscripts"
                    + " of column \"" + target.column() + "\" is not supported", target.position());
        }
        return s;
    }

    /** The type of the value assigned: the element type through a subscript, the array type through a slice. */
    static PgType valueType(Tree.SetClause target, Attribute attr) {
        return subscriptOf(target, attr).slice() ? attr.type() : attr.type().elementType();
    }

    /** {@code value} coerced for assignment through {@code target}'s subscript (42804 when it cannot be). */
    static Expr coerceValue(ParseState ps, Tree.SetClause target, Attribute attr, Expr value, int position) {
        PgType type = valueType(target, attr);
        Expr c = Coercion.coerce(value, type, -1, Coercion.Context.ASSIGNMENT, Expr.CastForm.IMPLICIT,
                ps.env.values(), position);
        if (c == null) {
            throw new SyntaxError(SqlState.DATATYPE_MISMATCH, "subscripted assignment to \"" + target.column()
                    + "\" requires type " + type.formatType(-1) + " but expression is of type "
                    + value.type().formatType(-1), target.position())
                    .withHint("You will need to rewrite or cast the expression.");
        }
        return c;
    }

    /** {@code base} (the column's current value) with {@code value} assigned through {@code target}'s subscript. */
    static Expr assignment(Analyzer a, ParseState ps, Tree.SetClause target, Attribute attr, Expr base, Expr value) {
        Tree.Subscript s = subscriptOf(target, attr);
        PgType type = attr.type();
        if (!s.slice()) {
            Expr index = subscript(a, ps, s.lower(), target.position());
            return new Expr.FuncExpr(ArrayAssignment.function(type), List.of(base, index, value), type,
                    List.of(type, PgType.INT4, type.elementType()), Expr.CallForm.NORMAL, null);
        }
        Expr lower = s.lower() == null ? new Expr.Const(PgType.INT4, null) : subscript(a, ps, s.lower(),
                target.position());
        Expr upper = s.upper() == null ? new Expr.Const(PgType.INT4, null) : subscript(a, ps, s.upper(),
                target.position());
        return new Expr.FuncExpr(ArrayAssignment.sliceFunction(type, s.lower() != null, s.upper() != null),
                List.of(base, lower, upper, value), type, List.of(type, PgType.INT4, PgType.INT4, type),
                Expr.CallForm.NORMAL, null);
    }

    private static Expr subscript(Analyzer a, ParseState ps, Tree.Expr e, int position) {
        return a.exprs.coerce(ps, a.exprs.transform(ps, e), PgType.INT4, -1, Coercion.Context.ASSIGNMENT, position);
    }
}
