package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.types.PgType;

/**
 * PostgreSQL 15's default btree operator classes and families, with their OIDs (what
 * pg_index.indclass, pg_opclass and pg_opfamily show and clients join on), for the types Walden
 * has. A type without its own class uses the one its values are binary-coercible to (varchar:
 * text_ops; the reg* types: oid_ops), as PostgreSQL does.
 */
final class BtreeOpclasses {

    /** One default operator class: its OID and name, its family's OID and name, and its input type. */
    record Opclass(long oid, String name, long familyOid, String familyName, int inputTypeOid) {
    }

    private static final Map<Integer, Opclass> BY_TYPE = new LinkedHashMap<>();

    static {
        add(16, 10003, "bool_ops", 424, "bool_ops");
        add(17, 10006, "bytea_ops", 428, "bytea_ops");
        add(18, 10007, "char_ops", 429, "char_ops");
        add(19, 10028, "name_ops", 1994, "text_ops");
        add(20, 3124, "int8_ops", 1976, "integer_ops");
        add(21, 1979, "int2_ops", 1976, "integer_ops");
        add(23, 1978, "int4_ops", 1976, "integer_ops");
        add(25, 3126, "text_ops", 1994, "text_ops");
        add(26, 1981, "oid_ops", 1989, "oid_ops");
        add(27, 10050, "tid_ops", 2789, "tid_ops");
        add(30, 10032, "oidvector_ops", 1991, "oidvector_ops");
        add(700, 10012, "float4_ops", 1970, "float_ops");
        add(701, 3123, "float8_ops", 1970, "float_ops");
        add(790, 10047, "money_ops", 2099, "money_ops");
        add(869, 10015, "inet_ops", 1974, "network_ops");
        add(1042, 10004, "bpchar_ops", 426, "bpchar_ops");
        add(1082, 3122, "date_ops", 434, "datetime_ops");
        add(1083, 10038, "time_ops", 1996, "time_ops");
        add(1114, 3128, "timestamp_ops", 434, "datetime_ops");
        add(1184, 3127, "timestamptz_ops", 434, "datetime_ops");
        add(1186, 10022, "interval_ops", 1982, "interval_ops");
        add(1266, 10041, "timetz_ops", 2000, "timetz_ops");
        add(1560, 10002, "bit_ops", 423, "bit_ops");
        add(1562, 10043, "varbit_ops", 2002, "varbit_ops");
        add(1700, 3125, "numeric_ops", 1988, "numeric_ops");
        add(2249, 10034, "record_ops", 2994, "record_ops");
        add(2277, 10000, "array_ops", 397, "array_ops");
        add(2950, 10065, "uuid_ops", 2968, "uuid_ops");
        add(3220, 10067, "pg_lsn_ops", 3253, "pg_lsn_ops");
        add(3802, 10088, "jsonb_ops", 4033, "jsonb_ops");
        add(5069, 10053, "xid8_ops", 5067, "xid8_ops");
    }

    private BtreeOpclasses() {
    }

    private static void add(int typeOid, long oid, String name, long familyOid, String familyName) {
        BY_TYPE.put(typeOid, new Opclass(oid, name, familyOid, familyName, typeOid));
    }

    /** The default btree class for values of {@code type}, or null when there is none. */
    static Opclass of(PgType type) {
        Opclass own = BY_TYPE.get(type.oid);
        if (own != null) {
            return own;
        }
        if (type.isArray()) {
            return BY_TYPE.get(2277);
        }
        if (type == PgType.VARCHAR) {
            return BY_TYPE.get(25);
        }
        if (type.typname.startsWith("reg")) {
            return BY_TYPE.get(26);
        }
        return null;
    }

    /** Every class, in OID order of their input types. */
    static List<Opclass> all() {
        return new ArrayList<>(BY_TYPE.values());
    }
}
