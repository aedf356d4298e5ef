package org.walden.sql.func;

import static org.walden.sql.types.PgType.BOOL;
import static org.walden.sql.types.PgType.BYTEA;
import static org.walden.sql.types.PgType.CSTRING;
import static org.walden.sql.types.PgType.CSTRING_ARRAY;
import static org.walden.sql.types.PgType.INT4;
import static org.walden.sql.types.PgType.INTERNAL;
import static org.walden.sql.types.PgType.OID;

import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * The functions pg_type and pg_am name (typinput, typoutput, typreceive, typsend, typmodin,
 * typmodout, typsubscript, typanalyze, amhandler): int4in, int4out, array_in, varchartypmodin,
 * bthandler, ... Clients compare against them ({@code typinput = 'array_in'::regproc}); the
 * text input and output ones work, the others are internal and refuse to be called from SQL.
 */
final class TypeIoFunctions {

    private TypeIoFunctions() {
    }

    static void register(Builtins r) {
        for (PgType t : PgType.values()) {
            if (t.isArray() && t != PgType.INT2VECTOR && t != PgType.OIDVECTOR) {
                continue;
            }
            String[] io = t.ioFunctions();
            if (!Builtins.isRegistering(r, io[0])) {
                r.f(io[0], t, CSTRING).stable().ctx((c, a) -> Values.parseText(t, (String) a[0], c.values()));
                r.f(io[1], CSTRING, t).stable().ctx((c, a) -> Values.toText(t, a[0], c.values()));
                r.f(io[2], t, INTERNAL).impl(a -> internal(io[2]));
                r.f(io[3], BYTEA, t).impl(a -> Values.toBinary(t, a[0]));
            }
        }
        r.f("array_in", PgType.ANYARRAY, CSTRING, OID, INT4).stable().impl(a -> internal("array_in"));
        r.f("array_out", CSTRING, PgType.ANYARRAY).stable().impl(a -> internal("array_out"));
        r.f("array_recv", PgType.ANYARRAY, INTERNAL, OID, INT4).impl(a -> internal("array_recv"));
        r.f("array_send", BYTEA, PgType.ANYARRAY).impl(a -> internal("array_send"));
        for (String name : List.of("record_in", "record_recv")) {
            r.f(name, PgType.RECORD, name.endsWith("in") ? CSTRING : INTERNAL, OID, INT4).impl(a -> internal(name));
        }
        r.f("record_out", CSTRING, PgType.RECORD).impl(a -> internal("record_out"));
        r.f("record_send", BYTEA, PgType.RECORD).impl(a -> internal("record_send"));
        for (String base : List.of("varchar", "bpchar", "numeric", "timestamp", "timestamptz", "time", "interval")) {
            r.f(base + "typmodin", INT4, CSTRING_ARRAY).impl(a -> internal(base + "typmodin"));
            r.f(base + "typmodout", CSTRING, INT4).impl(a -> internal(base + "typmodout"));
        }
        for (String handler : List.of("array_subscript_handler", "raw_array_subscript_handler",
                "jsonb_subscript_handler", "bthandler", "hashhandler", "heap_tableam_handler")) {
            r.f(handler, INTERNAL, INTERNAL).impl(a -> internal(handler));
        }
        r.f("array_typanalyze", BOOL, INTERNAL).impl(a -> internal("array_typanalyze"));
    }

    private static Object internal(String name) {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "function " + name + " is internal and cannot be called "
                + "from SQL");
    }
}
