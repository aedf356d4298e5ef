package org.walden.sql.types;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * The built-in types Walden knows, with PostgreSQL 15's pg_type data (OIDs, typlen, category,
 * preferred flag, array types, I/O function names). Values travel inside the executor as Java
 * objects: Boolean, Short (int2), Integer (int4), Long (int8 and every OID-like type: oid, xid,
 * cid, regclass, ...), Float, Double, BigDecimal (numeric), String (text-like types, json),
 * byte[] (bytea), LocalDate, LocalTime, OffsetTime (timetz), LocalDateTime (timestamp), Instant (timestamptz),
 * {@link Interval}, java.util.UUID, {@link org.walden.wal.Lsn}, {@link InetValue} (inet, cidr; or a
 * {@link java.net.InetAddress} from the statistics views) or
 * String (inet), List&lt;Object&gt; for one-dimensional arrays, int2vector and oidvector, and
 * {@link RowValue} for anonymous records.
 */
public enum PgType {
    BOOL(16, 1, "bool", "boolean", 'B', true, 1000, 0, "bool", 'c'),
    BYTEA(17, -1, "bytea", "bytea", 'U', false, 1001, 0, "bytea", 'i'),
    /** The one-byte "char" type of the catalogs (relkind, contype). */
    CHAR(18, 1, "char", "\"char\"", 'Z', false, 1002, 0, "char", 'c'),
    NAME(19, 64, "name", "name", 'S', false, 1003, 18, "name", 'c'),
    INT8(20, 8, "int8", "bigint", 'N', false, 1016, 0, "int8", 'd'),
    INT2(21, 2, "int2", "smallint", 'N', false, 1005, 0, "int2", 's'),
    INT2VECTOR(22, -1, "int2vector", "int2vector", 'A', false, 1006, 21, "int2vector", 'i'),
    INT4(23, 4, "int4", "integer", 'N', false, 1007, 0, "int4", 'i'),
    REGPROC(24, 4, "regproc", "regproc", 'N', false, 1008, 0, "regproc", 'i'),
    TEXT(25, -1, "text", "text", 'S', true, 1009, 0, "text", 'i'),
    OID(26, 4, "oid", "oid", 'N', true, 1028, 0, "oid", 'i'),
    TID(27, 6, "tid", "tid", 'U', false, 1010, 0, "tid", 's'),
    /** Transaction ids (pg_replication_slots.xmin); Long values. */
    XID(28, 4, "xid", "xid", 'U', false, 1011, 0, "xid", 'i'),
    CID(29, 4, "cid", "cid", 'U', false, 1012, 0, "cid", 'i'),
    OIDVECTOR(30, -1, "oidvector", "oidvector", 'A', false, 1013, 26, "oidvector", 'i'),
    JSON(114, -1, "json", "json", 'U', false, 199, 0, "json", 'i'),
    PG_NODE_TREE(194, -1, "pg_node_tree", "pg_node_tree", 'Z', false, 0, 0, "pg_node_tree", 'i'),
    FLOAT4(700, 4, "float4", "real", 'N', false, 1021, 0, "float4", 'i'),
    FLOAT8(701, 8, "float8", "double precision", 'N', true, 1022, 0, "float8", 'd'),
    UNKNOWN(705, -2, "unknown", "unknown", 'X', false, 0, 0, "unknown", 'c'),
    INET(869, -1, "inet", "inet", 'I', true, 1041, 0, "inet", 'i'),
    CIDR(650, -1, "cidr", "cidr", 'I', false, 651, 0, "cidr", 'i'),
    ACLITEM(1033, 12, "aclitem", "aclitem", 'U', false, 1034, 0, "aclitem", 'i'),
    BPCHAR(1042, -1, "bpchar", "character", 'S', false, 1014, 0, "bpchar", 'i'),
    VARCHAR(1043, -1, "varchar", "character varying", 'S', false, 1015, 0, "varchar", 'i'),
    DATE(1082, 4, "date", "date", 'D', false, 1182, 0, "date", 'i'),
    TIME(1083, 8, "time", "time without time zone", 'D', false, 1183, 0, "time", 'd'),
    TIMESTAMP(1114, 8, "timestamp", "timestamp without time zone", 'D', false, 1115, 0, "timestamp", 'd'),
    TIMESTAMPTZ(1184, 8, "timestamptz", "timestamp with time zone", 'D', true, 1185, 0, "timestamptz", 'd'),
    /** time with time zone: java.time.OffsetTime (PostgreSQL keeps the offset the value was written with). */
    TIMETZ(1266, 12, "timetz", "time with time zone", 'D', false, 1270, 0, "timetz", 'd'),
    INTERVAL(1186, 16, "interval", "interval", 'T', true, 1187, 0, "interval", 'd'),
    NUMERIC(1700, -1, "numeric", "numeric", 'N', false, 1231, 0, "numeric", 'i'),
    REGPROCEDURE(2202, 4, "regprocedure", "regprocedure", 'N', false, 2207, 0, "regprocedure", 'i'),
    REGOPER(2203, 4, "regoper", "regoper", 'N', false, 2208, 0, "regoper", 'i'),
    REGOPERATOR(2204, 4, "regoperator", "regoperator", 'N', false, 2209, 0, "regoperator", 'i'),
    REGCLASS(2205, 4, "regclass", "regclass", 'N', false, 2210, 0, "regclass", 'i'),
    REGTYPE(2206, 4, "regtype", "regtype", 'N', false, 2211, 0, "regtype", 'i'),
    RECORD(2249, -1, "record", "record", 'P', false, 2287, 0, "record", 'd'),
    CSTRING(2275, -2, "cstring", "cstring", 'P', false, 1263, 0, "cstring", 'c'),
    ANY(2276, 4, "any", "\"any\"", 'P', false, 0, 0, "any", 'i'),
    ANYARRAY(2277, -1, "anyarray", "anyarray", 'P', false, 0, 0, "anyarray", 'd'),
    VOID(2278, 4, "void", "void", 'P', false, 0, 0, "void", 'i'),
    TRIGGER(2279, 4, "trigger", "trigger", 'P', false, 0, 0, "trigger", 'i'),
    INTERNAL(2281, 8, "internal", "internal", 'P', false, 0, 0, "internal", 'd'),
    ANYELEMENT(2283, 4, "anyelement", "anyelement", 'P', false, 0, 0, "anyelement", 'i'),
    ANYNONARRAY(2776, 4, "anynonarray", "anynonarray", 'P', false, 0, 0, "anynonarray", 'i'),
    UUID(2950, 16, "uuid", "uuid", 'U', false, 2951, 0, "uuid", 'c'),
    PG_LSN(3220, 8, "pg_lsn", "pg_lsn", 'U', false, 3221, 0, "pg_lsn", 'd'),
    JSONB(3802, -1, "jsonb", "jsonb", 'U', false, 3807, 0, "jsonb", 'i'),
    REGNAMESPACE(4089, 4, "regnamespace", "regnamespace", 'N', false, 4090, 0, "regnamespace", 'i'),
    REGROLE(4096, 4, "regrole", "regrole", 'N', false, 4097, 0, "regrole", 'i'),
    ANYCOMPATIBLE(5077, 4, "anycompatible", "anycompatible", 'P', false, 0, 0, "anycompatible", 'i'),
    ANYCOMPATIBLEARRAY(5078, -1, "anycompatiblearray", "anycompatiblearray", 'P', false, 0, 0,
            "anycompatiblearray", 'd'),

    BOOL_ARRAY(1000, BOOL),
    BYTEA_ARRAY(1001, BYTEA),
    CHAR_ARRAY(1002, CHAR),
    /** name[] (psql's \\du memberof); values are List&lt;String&gt;. */
    NAME_ARRAY(1003, NAME),
    INT2_ARRAY(1005, INT2),
    INT2VECTOR_ARRAY(1006, INT2VECTOR),
    INT4_ARRAY(1007, INT4),
    REGPROC_ARRAY(1008, REGPROC),
    TEXT_ARRAY(1009, TEXT),
    TID_ARRAY(1010, TID),
    XID_ARRAY(1011, XID),
    CID_ARRAY(1012, CID),
    OIDVECTOR_ARRAY(1013, OIDVECTOR),
    BPCHAR_ARRAY(1014, BPCHAR),
    VARCHAR_ARRAY(1015, VARCHAR),
    INT8_ARRAY(1016, INT8),
    FLOAT4_ARRAY(1021, FLOAT4),
    FLOAT8_ARRAY(1022, FLOAT8),
    OID_ARRAY(1028, OID),
    ACLITEM_ARRAY(1034, ACLITEM),
    INET_ARRAY(1041, INET),
    CIDR_ARRAY(651, CIDR),
    TIMESTAMP_ARRAY(1115, TIMESTAMP),
    DATE_ARRAY(1182, DATE),
    TIME_ARRAY(1183, TIME),
    TIMESTAMPTZ_ARRAY(1185, TIMESTAMPTZ),
    INTERVAL_ARRAY(1187, INTERVAL),
    TIMETZ_ARRAY(1270, TIMETZ),
    NUMERIC_ARRAY(1231, NUMERIC),
    CSTRING_ARRAY(1263, CSTRING),
    JSON_ARRAY(199, JSON),
    REGPROCEDURE_ARRAY(2207, REGPROCEDURE),
    REGOPER_ARRAY(2208, REGOPER),
    REGOPERATOR_ARRAY(2209, REGOPERATOR),
    REGCLASS_ARRAY(2210, REGCLASS),
    REGTYPE_ARRAY(2211, REGTYPE),
    RECORD_ARRAY(2287, RECORD),
    UUID_ARRAY(2951, UUID),
    PG_LSN_ARRAY(3221, PG_LSN),
    JSONB_ARRAY(3807, JSONB),
    REGNAMESPACE_ARRAY(4090, REGNAMESPACE),
    REGROLE_ARRAY(4097, REGROLE);

    /** Only NULL literals and unresolved parameters have no better type than {@link #UNKNOWN}. */
    public final int oid;
    public final short typlen;
    /** pg_type.typname. */
    public final String typname;
    /** format_type()'s SQL name, used in error messages ("integer", "character varying"). */
    public final String sqlName;
    /** pg_type.typcategory: B boolean, N numeric, S string, D date/time, T timespan, A array, U user, P pseudo. */
    public final char category;
    /** pg_type.typispreferred within its category. */
    public final boolean preferred;
    /** pg_type.typarray (0 for none). */
    public final int arrayOid;
    /** pg_type.typalign: c, s, i or d. */
    public final char align;
    private final int elementOid;
    /** The prefix of the I/O functions' names (int4 → int4in, int4out, int4recv, int4send). */
    private final String ioPrefix;

    PgType(int oid, int typlen, String typname, String sqlName, char category, boolean preferred, int arrayOid,
           int elementOid, String ioPrefix, char align) {
        this.oid = oid;
        this.typlen = (short) typlen;
        this.typname = typname;
        this.sqlName = sqlName;
        this.category = category;
        this.preferred = preferred;
        this.arrayOid = arrayOid;
        this.elementOid = elementOid;
        this.ioPrefix = ioPrefix;
        this.align = align;
    }

    /** An array type over {@code element}: category A, typlen -1, array_in/array_out. */
    PgType(int oid, PgType element) {
        this(oid, -1, "_" + element.typname, element.sqlName + "[]", 'A', false, 0, element.oid, "array",
                element.align == 'd' ? 'd' : 'i');
    }

    private static final Map<Integer, PgType> BY_OID = new HashMap<>();
    private static final Map<String, PgType> BY_NAME = new HashMap<>();

    static {
        for (PgType t : values()) {
            BY_OID.put(t.oid, t);
            BY_NAME.putIfAbsent(t.typname, t);
        }
    }

    public static PgType byOid(int oid) {
        return BY_OID.get(oid);
    }

    /** A type by pg_type.typname, or null. */
    public static PgType byTypname(String typname) {
        return BY_NAME.get(typname);
    }

    /**
     * Resolves a type name as written in SQL (already normalised by the parser: int4, varchar,
     * ...; or any alias PostgreSQL accepts); 42704 if unknown. A trailing "[]" means the array.
     */
    public static PgType byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith("[]")) {
            PgType element = byName(n.substring(0, n.length() - 2));
            PgType array = element.arrayType();
            if (array == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "type \"" + name + "\" does not exist");
            }
            return array;
        }
        PgType t = BY_NAME.get(n);
        if (t != null) {
            return t;
        }
        PgType alias = switch (n) {
            case "float", "double precision" -> FLOAT8;
            case "real" -> FLOAT4;
            case "int", "integer" -> INT4;
            case "smallint" -> INT2;
            case "bigint" -> INT8;
            case "boolean" -> BOOL;
            case "decimal" -> NUMERIC;
            case "character varying" -> VARCHAR;
            case "character", "char" -> BPCHAR;
            case "\"char\"" -> CHAR;
            case "timestamp without time zone" -> TIMESTAMP;
            case "timestamp with time zone" -> TIMESTAMPTZ;
            case "time without time zone" -> TIME;
            case "time with time zone" -> TIMETZ;
            case "serial", "serial4" -> INT4;
            case "bigserial", "serial8" -> INT8;
            case "smallserial", "serial2" -> INT2;
            default -> null;
        };
        if (alias == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "type \"" + name + "\" does not exist");
        }
        return alias;
    }

    /** The element type of an array type (or of int2vector / oidvector, or name's char); null otherwise. */
    public PgType elementType() {
        return elementOid == 0 ? null : byOid(elementOid);
    }

    /** True for the array types (not int2vector / oidvector). */
    public boolean isArray() {
        return category == 'A' && this != INT2VECTOR && this != OIDVECTOR;
    }

    /** True for values held as a List: arrays, int2vector, oidvector. */
    public boolean isListValued() {
        return category == 'A';
    }

    /** The array type whose elements are of this type, or null. */
    public PgType arrayType() {
        return arrayOid == 0 ? null : byOid(arrayOid);
    }

    public boolean isInteger() {
        return this == INT2 || this == INT4 || this == INT8 || this == OID;
    }

    public boolean isNumeric() {
        return isInteger() || this == NUMERIC || this == FLOAT4 || this == FLOAT8;
    }

    /** The OID-like types (oid and the reg* aliases), held as Long. */
    public boolean isOidLike() {
        return this == OID || this == REGPROC || this == REGPROCEDURE || this == REGOPER || this == REGOPERATOR
                || this == REGCLASS || this == REGTYPE || this == REGROLE || this == REGNAMESPACE;
    }

    /** The reg* aliases of oid. */
    public boolean isRegType() {
        return isOidLike() && this != OID;
    }

    public boolean isString() {
        return this == TEXT || this == VARCHAR || this == BPCHAR || this == NAME || this == UNKNOWN || this == CHAR;
    }

    /** The pseudo-types that stand for "any type" in function signatures. */
    public boolean isPolymorphic() {
        return this == ANYELEMENT || this == ANYARRAY || this == ANYNONARRAY || this == ANYCOMPATIBLE
                || this == ANYCOMPATIBLEARRAY;
    }

    /** pg_type.typbyval. */
    public boolean byValue() {
        return typlen > 0 && typlen <= 8 && this != NAME && this != TID && this != UUID && this != ACLITEM
                && this != INTERVAL;
    }

    /** pg_type.typtype: b base, p pseudo. */
    public char typtype() {
        return category == 'P' ? 'p' : 'b';
    }

    /** pg_type.typstorage. */
    public char storage() {
        return switch (this) {
            case TEXT, BYTEA, VARCHAR, BPCHAR, JSON, JSONB, PG_NODE_TREE, RECORD -> 'x';
            case NUMERIC, INET, CIDR -> 'm';
            default -> isArray() ? 'x' : 'p';
        };
    }

    /** The names of pg_type's I/O functions: input, output, receive, send. */
    public String[] ioFunctions() {
        return switch (ioPrefix) {
            case "date", "time", "timetz", "timestamp", "timestamptz", "interval", "numeric", "json", "jsonb", "uuid",
                    "pg_lsn", "pg_node_tree", "inet" -> new String[] {ioPrefix + "_in", ioPrefix + "_out",
                    ioPrefix + "_recv", ioPrefix + "_send"};
            default -> new String[] {ioPrefix + "in", ioPrefix + "out", ioPrefix + "recv", ioPrefix + "send"};
        };
    }

    /** pg_type.typcollation: 100 (default) for the collatable string types and their arrays, 950 (C) for name. */
    public int collation() {
        if (isArray()) {
            return elementType().collation();
        }
        return this == TEXT || this == VARCHAR || this == BPCHAR || this == PG_NODE_TREE ? 100 : this == NAME ? 950 : 0;
    }

    /** format_type(oid, typmod): "character varying(5)", "numeric(10,2)", "integer", "integer[]". */
    public String formatType(int typmod) {
        if (isArray()) {
            return elementType().formatType(typmod) + "[]";
        }
        if (typmod >= 0) {
            switch (this) {
                case VARCHAR, BPCHAR:
                    return sqlName + "(" + (typmod - 4) + ")";
                case NUMERIC:
                    return "numeric(" + (((typmod - 4) >> 16) & 0xffff) + "," + ((typmod - 4) & 0xffff) + ")";
                case TIMESTAMP:
                    return "timestamp(" + typmod + ") without time zone";
                case TIMESTAMPTZ:
                    return "timestamp(" + typmod + ") with time zone";
                case TIME:
                    return "time(" + typmod + ") without time zone";
                case TIMETZ:
                    return "time(" + typmod + ") with time zone";
                case INTERVAL:
                    return "interval(" + (typmod & 0xffff) + ")";
                default:
                    break;
            }
        }
        if (this == BPCHAR && typmod < 0) {
            return "bpchar";
        }
        return sqlName;
    }

    /** The typmod of a declared type: varchar(n)/char(n) n+4, numeric(p,s) ((p<<16)|s)+4, timestamp(p) p. */
    public int typmodOf(List<Integer> modifiers) {
        if (modifiers.isEmpty()) {
            return -1;
        }
        PgType base = isArray() ? elementType() : this;
        switch (base) {
            case VARCHAR, BPCHAR: {
                int n = modifiers.get(0);
                if (n < 1) {
                    throw new PgException(SqlState.SYNTAX_ERROR, "length for type " + base.typname
                            + " must be at least 1");
                }
                if (n > 10485760) {
                    throw new PgException(SqlState.SYNTAX_ERROR, "length for type " + base.typname
                            + " cannot exceed 10485760");
                }
                return n + 4;
            }
            case NUMERIC: {
                int p = modifiers.get(0);
                int s = modifiers.size() > 1 ? modifiers.get(1) : 0;
                if (p < 1 || p > 1000) {
                    throw new PgException(SqlState.SYNTAX_ERROR,
                            "NUMERIC precision " + p + " must be between 1 and 1000");
                }
                if (s < 0 || s > p) {
                    throw new PgException(SqlState.SYNTAX_ERROR,
                            "NUMERIC scale " + s + " must be between 0 and precision " + p);
                }
                return ((p << 16) | s) + 4;
            }
            case TIMESTAMP, TIMESTAMPTZ, TIME, TIMETZ:
                return Math.min(6, modifiers.get(0));
            default:
                throw new PgException(SqlState.SYNTAX_ERROR, "type modifier is not allowed for type \""
                        + base.typname + "\"");
        }
    }
}
