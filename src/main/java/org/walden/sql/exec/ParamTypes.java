package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.PgType;

/**
 * The statement's parameter types: those the client declared, and those inferred from
 * context for the ones it sent as 0 (PostgreSQL's variable_paramref_hook / check_variable_parameters).
 * Unresolved parameters default to text when analysis ends.
 */
public final class ParamTypes {

    private final List<PgType> types = new ArrayList<>();
    private final List<List<Node.ParamRef>> refs = new ArrayList<>();

    public ParamTypes(int[] declaredOids) {
        if (declaredOids != null) {
            for (int i = 0; i < declaredOids.length; i++) {
                PgType t = null;
                if (declaredOids[i] != 0) {
                    t = PgType.byOid(declaredOids[i]);
                    if (t == null) {
                        t = PgType.TEXT; // unsupported declared types are read as text
                    }
                }
                ensure(i + 1);
                types.set(i, t);
            }
        }
    }

    private void ensure(int count) {
        while (types.size() < count) {
            types.add(null);
            refs.add(new ArrayList<>());
        }
    }

    Node.ParamRef reference(int number) {
        if (number < 1 || number > 65535) {
            throw new PgException(SqlState.UNDEFINED_PARAMETER, "there is no parameter $" + number);
        }
        ensure(number);
        PgType t = types.get(number - 1);
        Node.ParamRef ref = new Node.ParamRef(number - 1, t == null ? PgType.UNKNOWN : t);
        refs.get(number - 1).add(ref);
        return ref;
    }

    boolean isUnresolved(Node n) {
        return n instanceof Node.ParamRef p && types.get(p.index) == null;
    }

    void resolve(Node.ParamRef p, PgType type) {
        PgType t = type == PgType.UNKNOWN ? PgType.TEXT : type;
        types.set(p.index, t);
        for (Node.ParamRef r : refs.get(p.index)) {
            r.type = t;
        }
    }

    /** Ends inference: unresolved parameters become text. Returns the OIDs (ParameterDescription). */
    public int[] finish() {
        int[] oids = new int[types.size()];
        for (int i = 0; i < types.size(); i++) {
            if (types.get(i) == null) {
                types.set(i, PgType.TEXT);
                for (Node.ParamRef r : refs.get(i)) {
                    r.type = PgType.TEXT;
                }
            }
            oids[i] = types.get(i).oid;
        }
        return oids;
    }

    public PgType type(int index) {
        return types.get(index);
    }

    public int count() {
        return types.size();
    }
}
