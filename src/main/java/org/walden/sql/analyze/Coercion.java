package org.walden.sql.analyze;

import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.types.Casts;
import org.walden.sql.types.PgType;
import org.walden.sql.types.ValueContext;
import org.walden.sql.types.Values;

/**
 * Type coercion as PostgreSQL's parse_coerce.c does it: unknown literals take their context's
 * type (and are checked then, so 'abc'::int fails at analysis with its position), unresolved
 * parameters are typed by their first context, binary-coercible types are relabelled, and other
 * conversions become casts when one exists in the context (implicit, assignment, explicit).
 */
final class Coercion {

    enum Context { IMPLICIT, ASSIGNMENT, EXPLICIT }

    private Coercion() {
    }

    /** True when {@code from} can become {@code to} in {@code context} (unknown goes anywhere). */
    static boolean canCoerce(PgType from, PgType to, Context context) {
        if (from == to || from == PgType.UNKNOWN || to == PgType.ANY) {
            return true;
        }
        if (to.isPolymorphic()) {
            return polymorphicAccepts(to, from);
        }
        if (to == PgType.RECORD && from == PgType.RECORD) {
            return true;
        }
        char c = Casts.context(from, to);
        return switch (context) {
            case IMPLICIT -> c == 'i';
            case ASSIGNMENT -> c == 'i' || c == 'a';
            case EXPLICIT -> c != 0;
        };
    }

    static boolean polymorphicAccepts(PgType poly, PgType actual) {
        return switch (poly) {
            case ANYARRAY, ANYCOMPATIBLEARRAY -> actual.isArray() || actual == PgType.UNKNOWN;
            case ANYNONARRAY -> !actual.isArray();
            default -> true;
        };
    }

    /**
     * Coerces {@code e} to {@code target} (with {@code typmod}, -1 for none) in {@code context};
     * null when no such coercion exists.
     */
    static Expr coerce(Expr e, PgType target, int typmod, Context context, Expr.CastForm form, ValueContext values,
                       int position) {
        PgType from = e.type();
        if (target == PgType.ANY || target.isPolymorphic() || (target == PgType.RECORD && from == PgType.RECORD)) {
            return e;
        }
        if (from == PgType.UNKNOWN) {
            if (e instanceof Expr.Param p) {
                ParamTypes.resolve(p, target);
                if (p.type() == target) {
                    return typmod >= 0 ? new Expr.Cast(e, target, typmod, form, true) : e;
                }
                from = p.type();
            } else if (e instanceof Expr.Const c) {
                return literal(c, target, typmod, form != Expr.CastForm.IMPLICIT, values, position);
            } else {
                // an unknown-typed expression other than a literal (CASE of literals...): through text
                e = new Expr.Cast(e, PgType.TEXT, -1, Expr.CastForm.IMPLICIT, true);
                from = PgType.TEXT;
            }
        }
        if (from == target) {
            if (typmod >= 0 && typmod != e.typmod()) {
                return new Expr.Cast(e, target, typmod, form, true);
            }
            return e;
        }
        if (!canCoerce(from, target, context)) {
            return null;
        }
        return new Expr.Cast(e, target, typmod, form, Casts.binaryCoercible(from, target));
    }

    /** An unknown literal read as {@code target}: its input function runs now, so bad input fails at analysis. */
    static Expr literal(Expr.Const c, PgType target, int typmod, boolean explicit, ValueContext values,
                              int position) {
        if (c.isNull()) {
            return new Expr.Const(target, typmod, null);
        }
        Object v;
        try {
            v = Values.parseText(target, (String) c.value(), values);
        } catch (SyntaxError e) {
            throw e;
        } catch (PgException e) {
            if (position > 0) {
                throw new SyntaxError(e.sqlState(), e.getMessage(), position).withDetailOf(e);
            }
            throw e;
        }
        // the length coercion is not the input function's: its errors carry no position, as PostgreSQL's
        Object coerced = Values.coerceToTypmod(v, target, typmod, explicit);
        if (typmod >= 0 && (target == PgType.VARCHAR || target == PgType.BPCHAR || target == PgType.NUMERIC)) {
            // as parse_coerce.c: the literal is read without its length, then a length coercion applies
            return new Expr.Cast(new Expr.Const(target, -1, v), target, typmod, explicit
                    ? Expr.CastForm.EXPLICIT_COLONS : Expr.CastForm.IMPLICIT, true);
        }
        return new Expr.Const(target, typmod, coerced);
    }

    /**
     * select_common_type: the type a set of expressions resolves to (UNION, CASE, COALESCE, ARRAY,
     * VALUES): all unknown gives text; otherwise one category, preferring its preferred type or the
     * type the others implicitly convert to. 42804 when the categories differ.
     */
    static PgType commonType(List<? extends Expr> exprs, String context, int position) {
        PgType ptype = null;
        boolean preferred = false;
        for (Expr e : exprs) {
            PgType t = e.type();
            if (t == PgType.UNKNOWN) {
                continue;
            }
            if (ptype == null) {
                ptype = t;
                preferred = t.preferred;
                continue;
            }
            if (t == ptype) {
                continue;
            }
            if (t.category != ptype.category) {
                throw new SyntaxError(SqlState.DATATYPE_MISMATCH, context + " types " + ptype.formatType(-1)
                        .replace("bpchar", "character") + " and " + t.formatType(-1).replace("bpchar", "character")
                        + " cannot be matched", position);
            }
            if (!preferred && canCoerce(ptype, t, Context.IMPLICIT) && !canCoerce(t, ptype, Context.IMPLICIT)) {
                ptype = t;
                preferred = t.preferred;
            }
        }
        return ptype == null ? PgType.TEXT : ptype;
    }

    /** The typmod all the expressions share, or -1. */
    static int commonTypmod(List<? extends Expr> exprs, PgType type) {
        int typmod = -2;
        for (Expr e : exprs) {
            if (e.type() != type) {
                return -1;
            }
            if (typmod == -2) {
                typmod = e.typmod();
            } else if (typmod != e.typmod()) {
                return -1;
            }
        }
        return typmod < 0 ? -1 : typmod;
    }
}
