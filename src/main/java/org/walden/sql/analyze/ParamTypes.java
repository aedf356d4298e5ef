package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.PgType;

/**
 * The statement's parameter types: those the client declared, and those inferred from context
 * for the ones it sent as 0 (PostgreSQL's variable_paramref_hook / check_variable_parameters).
 * Every {@link Expr.Param} of one number shares a {@link Slot}, so inferring its type types them
 * all. Unresolved parameters become text when analysis ends.
 */
public final class ParamTypes {

    /** The type of one parameter, shared by its references; UNKNOWN until declared or inferred. */
    public static final class Slot {
        private PgType type;
        private final boolean declared;

        Slot(PgType type, boolean declared) {
            this.type = type;
            this.declared = declared;
        }

        public PgType type() {
            return type;
        }

        boolean unresolved() {
            return type == PgType.UNKNOWN;
        }

        void resolve(PgType t) {
            if (!declared && type == PgType.UNKNOWN) {
                type = t == PgType.UNKNOWN ? PgType.TEXT : t;
            }
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    /** A SQL function's parameter names (null where unnamed), for its body's references by name. */
    private List<String> names = List.of();

    public ParamTypes(int[] declaredOids) {
        if (declaredOids != null) {
            for (int oid : declaredOids) {
                if (oid == 0) {
                    slots.add(new Slot(PgType.UNKNOWN, false));
                } else {
                    PgType t = PgType.byOid(oid);
                    slots.add(new Slot(t == null ? PgType.TEXT : t, true)); // unsupported declared types read as text
                }
            }
        }
    }

    /** The parameters of a LANGUAGE sql function's body, which may be named. */
    public static ParamTypes ofFunction(int[] typeOids, List<String> names) {
        ParamTypes p = new ParamTypes(typeOids);
        p.names = names;
        return p;
    }

    /** A reference to the parameter of that name, null when there is none. */
    Expr.Param named(String name) {
        int i = names.indexOf(name);
        return i < 0 ? null : reference(i + 1);
    }

    /** A reference to $number. */
    Expr.Param reference(int number) {
        if (number < 1 || number > 65535) {
            throw new PgException(SqlState.UNDEFINED_PARAMETER, "there is no parameter $" + number);
        }
        while (slots.size() < number) {
            slots.add(new Slot(PgType.UNKNOWN, false));
        }
        return new Expr.Param(number - 1, slots.get(number - 1));
    }

    /** True for a parameter whose type is still to be inferred. */
    static boolean isUnresolved(Expr e) {
        return e instanceof Expr.Param p && p.slot().unresolved();
    }

    /** Gives an unresolved parameter a type (the first context that needs one decides it). */
    static void resolve(Expr.Param p, PgType type) {
        p.slot().resolve(type);
    }

    /** Ends inference: unresolved parameters become text. Returns the OIDs (ParameterDescription). */
    public int[] finish() {
        int[] oids = new int[slots.size()];
        for (int i = 0; i < slots.size(); i++) {
            slots.get(i).resolve(PgType.TEXT);
            oids[i] = slots.get(i).type().oid;
        }
        return oids;
    }

    public PgType type(int index) {
        return slots.get(index).type();
    }

    public int count() {
        return slots.size();
    }
}
