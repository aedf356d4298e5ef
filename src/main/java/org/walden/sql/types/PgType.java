package org.walden.sql.types;

import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * The built-in types Walden knows, with PostgreSQL's OIDs and typlen (pg_type.dat). Values
 * travel inside the executor as Java objects: Boolean, Short, Integer, Long, Float, Double,
 * BigDecimal, String, LocalDateTime (timestamp), Instant (timestamptz), {@link Interval},
 * {@link org.walden.wal.Lsn}.
 */
public enum PgType {
    BOOL(16, 1, "bool", "boolean"),
    /** The one-byte "char" type of the catalogs (relkind, partstrat). */
    CHAR(18, 1, "char", "\"char\""),
    NAME(19, 64, "name", "name"),
    INT8(20, 8, "int8", "bigint"),
    INT2(21, 2, "int2", "smallint"),
    INT4(23, 4, "int4", "integer"),
    TEXT(25, -1, "text", "text"),
    OID(26, 4, "oid", "oid"),
    /** Transaction ids (pg_replication_slots.xmin); Long values. */
    XID(28, 4, "xid", "xid"),
    FLOAT4(700, 4, "float4", "real"),
    FLOAT8(701, 8, "float8", "double precision"),
    UNKNOWN(705, -2, "unknown", "unknown"),
    INET(869, -1, "inet", "inet"),
    BPCHAR(1042, -1, "bpchar", "character"),
    VARCHAR(1043, -1, "varchar", "character varying"),
    TIMESTAMP(1114, 8, "timestamp", "timestamp without time zone"),
    TIMESTAMPTZ(1184, 8, "timestamptz", "timestamp with time zone"),
    INTERVAL(1186, 16, "interval", "interval"),
    NUMERIC(1700, -1, "numeric", "numeric"),
    PG_LSN(3220, 8, "pg_lsn", "pg_lsn"),
    /** name[] (psql's \\du memberof); values are List&lt;String&gt;. */
    NAME_ARRAY(1003, -1, "_name", "name[]");

    /** Only NULL literals and unresolved parameters have no better type than this. */
    public final int oid;
    public final short typlen;
    /** pg_type.typname. */
    public final String typname;
    /** format_type()'s SQL name, used in error messages ("integer", "character varying"). */
    public final String sqlName;

    PgType(int oid, int typlen, String typname, String sqlName) {
        this.oid = oid;
        this.typlen = (short) typlen;
        this.typname = typname;
        this.sqlName = sqlName;
    }

    public static PgType byOid(int oid) {
        for (PgType t : values()) {
            if (t.oid == oid) {
                return t;
            }
        }
        return null;
    }

    /** Resolves a parser type name (already normalised: int4, varchar, ...); 42704 if unknown. */
    public static PgType byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (PgType t : values()) {
            if (t.typname.equals(n)) {
                return t;
            }
        }
        if (n.equals("float")) {
            return FLOAT8;
        }
        throw new PgException(SqlState.UNDEFINED_OBJECT, "type \"" + name + "\" does not exist");
    }

    public boolean isInteger() {
        return this == INT2 || this == INT4 || this == INT8 || this == OID;
    }

    public boolean isNumeric() {
        return isInteger() || this == NUMERIC || this == FLOAT4 || this == FLOAT8;
    }

    public boolean isString() {
        return this == TEXT || this == VARCHAR || this == BPCHAR || this == NAME || this == UNKNOWN || this == CHAR;
    }

    /** format_type(oid, typmod): "character varying(5)", "numeric(10,2)", "integer". */
    public String formatType(int typmod) {
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
                default:
                    break;
            }
        }
        return sqlName;
    }

    /** The typmod of a declared type: varchar(n)/char(n) n+4, numeric(p,s) ((p<<16)|s)+4, timestamp(p) p. */
    public int typmodOf(java.util.List<Integer> modifiers) {
        if (modifiers.isEmpty()) {
            return -1;
        }
        switch (this) {
            case VARCHAR, BPCHAR: {
                int n = modifiers.get(0);
                if (n < 1) {
                    throw new PgException(SqlState.SYNTAX_ERROR, "length for type " + typname
                            + " must be at least 1");
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
            case TIMESTAMP, TIMESTAMPTZ:
                return Math.min(6, modifiers.get(0));
            default:
                throw new PgException(SqlState.SYNTAX_ERROR, "type modifier is not allowed for type \""
                        + typname + "\"");
        }
    }
}
