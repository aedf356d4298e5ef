package org.walden.sql.func;

import static org.walden.sql.types.PgType.*;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Acl;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.Privileges;
import org.walden.sql.catalog.Constraint;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.TablespaceDef;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.Routine;
import org.walden.sql.types.PgType;

/**
 * The catalog information functions clients call (format_type, pg_get_userbyid,
 * pg_table_is_visible, pg_get_expr, pg_get_indexdef, pg_get_constraintdef, pg_get_viewdef,
 * obj_description, the size functions, has_*_privilege, to_reg*, the pg_stat_get_* counters).
 */
final class CatalogFunctions {

    private CatalogFunctions() {
    }

    static void register(Builtins r) {
        r.f("format_type", TEXT, OID, INT4).stable().nonStrict().ctx((c, a) -> a[0] == null ? null
                : formatType(c, (Long) a[0], (Integer) a[1]));
        r.f("pg_get_userbyid", NAME, OID).stable().ctx((c, a) -> {
            RoleDef role = c.catalog().roleByOid((Long) a[0]);
            return role != null ? role.name() : "unknown (OID=" + a[0] + ")";
        });
        r.f("pg_table_is_visible", BOOL, OID).stable().ctx((c, a) -> {
            int oid = (int) (long) (Long) a[0];
            return c.lookup().relation(oid) == null && c.catalog().index(oid) == null ? null
                    : c.lookup().relationVisible(oid);
        });
        for (String f : List.of("pg_type_is_visible", "pg_function_is_visible", "pg_operator_is_visible",
                "pg_opclass_is_visible", "pg_opfamily_is_visible", "pg_collation_is_visible",
                "pg_conversion_is_visible", "pg_statistics_obj_is_visible", "pg_ts_parser_is_visible",
                "pg_ts_dict_is_visible", "pg_ts_template_is_visible", "pg_ts_config_is_visible")) {
            r.f(f, BOOL, OID).stable().impl(a -> true);
        }
        deparsing(r);
        partitions(r);
        descriptions(r);
        sizes(r);
        privileges(r);
        regLookups(r);
        statistics(r);
        r.f("pg_encoding_to_char", NAME, INT4).stable().impl(a -> encodingName((Integer) a[0]));
        r.f("pg_char_to_encoding", INT4, NAME).stable().impl(a -> "UTF8".equalsIgnoreCase((String) a[0]) ? 6 : -1);
        r.f("pg_tablespace_location", TEXT, OID).stable().ctx((c, a) -> {
            long oid = (Long) a[0];
            return oid == 0 || oid == TablespaceDef.DEFAULT_OID || oid == TablespaceDef.GLOBAL_OID ? ""
                    : c.serverStatus().tablespaceLocation((int) oid);
        });
        r.f("pg_relation_filenode", OID, REGCLASS).stable().ctx((c, a) -> {
            Relation rel = c.lookup().relation((int) (long) (Long) a[0]);
            return rel == null ? null : (long) rel.relfilenode();
        });
        r.f("pg_relation_is_publishable", BOOL, REGCLASS).stable().ctx((c, a) -> {
            Relation rel = c.catalog().relation((int) (long) (Long) a[0]);
            return rel != null && rel.isTable();
        });
        // information_schema._pg_expandarray (pgjdbc's getPrimaryKeys/getIndexInfo): each element with its 1-based position
        PgType[][] expandable = {{INT2VECTOR, INT2}, {INT2_ARRAY, INT2}, {INT4_ARRAY, INT4}, {OIDVECTOR, OID},
            {OID_ARRAY, OID}, {TEXT_ARRAY, TEXT}};
        for (PgType[] t : expandable) {
            r.f("_pg_expandarray", RECORD, t[0]).out("x", t[1], "n", INT4).srf((c, a, types) -> {
                List<Object[]> rows = new ArrayList<>();
                List<?> elements = (List<?>) a[0];
                for (int i = 0; i < elements.size(); i++) {
                    rows.add(new Object[] {elements.get(i), i + 1});
                }
                return rows.iterator();
            });
        }
        r.f("pg_options_to_table", RECORD, TEXT_ARRAY).out("option_name", TEXT, "option_value", TEXT)
                .srf((c, a, t) -> {
                    List<Object[]> rows = new ArrayList<>();
                    for (Object o : (List<?>) a[0]) {
                        String s = (String) o;
                        int eq = s.indexOf('=');
                        rows.add(eq < 0 ? new Object[] {s, null} : new Object[] {s.substring(0, eq), s.substring(eq + 1)});
                    }
                    return rows.iterator();
                });
        r.f("pg_index_column_has_property", BOOL, REGCLASS, INT4, TEXT).stable().ctx((c, a) ->
                indexColumnProperty(c, (int) (long) (Long) a[0], (Integer) a[1], (String) a[2]));
        r.f("pg_indexam_has_property", BOOL, OID, TEXT).stable().impl(a -> switch (((String) a[1])
                .toLowerCase(Locale.ROOT)) {
            case "can_order", "can_unique", "can_multi_col", "can_exclude", "can_include" -> (Long) a[0] == 403;
            default -> false;
        });
        r.f("pg_index_has_property", BOOL, REGCLASS, TEXT).stable().impl(a -> switch (((String) a[1])
                .toLowerCase(Locale.ROOT)) {
            case "clusterable", "index_scan", "bitmap_scan" -> true;
            default -> false;
        });
    }

    static String encodingName(int encoding) {
        return switch (encoding) {
            case 0 -> "SQL_ASCII";
            case 6 -> "UTF8";
            case 8 -> "LATIN1";
            default -> "";
        };
    }

    /** format_type(oid, typmod): NULL typmod prints the type without modifiers ("character" for bpchar). */
    static String formatType(FnContext c, long oid, Integer typmod) {
        PgType t = PgType.byOid((int) oid);
        if (t == null) {
            for (Relation r : c.catalog().relations()) {
                if (r.rowTypeOid() == oid) {
                    return c.lookup().relationVisible(r.oid()) ? CatalogLookup.quoteIdentifier(r.name())
                            : c.lookup().namespace(r.namespaceOid()).name() + "." + CatalogLookup.quoteIdentifier(r.name());
                }
            }
            return "???";
        }
        if (typmod == null) {
            if (t == BPCHAR) {
                return "character";
            }
            if (t.isArray() && t.elementType() == BPCHAR) {
                return "character[]";
            }
            return t.formatType(-1);
        }
        return t.formatType(typmod);
    }

    // ---------------------------------------------------------------- deparsing

    /** Partitioning functions: Walden has no partitioned tables, so a relation is its own only ancestor and root. */
    private static void partitions(Builtins r) {
        r.f("pg_partition_ancestors", REGCLASS, REGCLASS).stable().values(a -> java.util.List.<Object>of(a[0])
                .iterator());
        r.f("pg_partition_root", REGCLASS, REGCLASS).stable().impl(a -> a[0]);
        r.f("pg_get_function_sqlbody", TEXT, OID).stable().impl(a -> null);
    }

    private static void deparsing(Builtins r) {
        r.f("pg_get_expr", TEXT, PG_NODE_TREE, OID).stable().ctx((c, a) -> c.deparse((String) a[0],
                (int) (long) (Long) a[1], false, false));
        r.f("pg_get_expr", TEXT, PG_NODE_TREE, OID, BOOL).stable().ctx((c, a) -> c.deparse((String) a[0],
                (int) (long) (Long) a[1], (Boolean) a[2], false));
        r.f("pg_get_indexdef", TEXT, OID).stable().ctx((c, a) -> indexDef(c, (Long) a[0], 0, false));
        r.f("pg_get_indexdef", TEXT, OID, INT4, BOOL).stable().ctx((c, a) -> indexDef(c, (Long) a[0],
                (Integer) a[1], (Boolean) a[2]));
        r.f("pg_get_constraintdef", TEXT, OID).stable().ctx((c, a) -> constraintDef(c, (Long) a[0], false));
        r.f("pg_get_constraintdef", TEXT, OID, BOOL).stable().ctx((c, a) -> constraintDef(c, (Long) a[0],
                (Boolean) a[1]));
        r.f("pg_get_viewdef", TEXT, OID).stable().ctx((c, a) -> viewDef(c, (Long) a[0], false));
        r.f("pg_get_viewdef", TEXT, OID, BOOL).stable().ctx((c, a) -> viewDef(c, (Long) a[0], (Boolean) a[1]));
        r.f("pg_get_viewdef", TEXT, OID, INT4).stable().ctx((c, a) -> viewDef(c, (Long) a[0], true));
        r.f("pg_get_viewdef", TEXT, TEXT).stable().ctx((c, a) -> viewDefByName(c, (String) a[0], false));
        r.f("pg_get_viewdef", TEXT, TEXT, BOOL).stable().ctx((c, a) -> viewDefByName(c, (String) a[0],
                (Boolean) a[1]));
        r.f("pg_get_ruledef", TEXT, OID).stable().impl(a -> null);
        r.f("pg_get_ruledef", TEXT, OID, BOOL).stable().impl(a -> null);
        r.f("pg_get_triggerdef", TEXT, OID).stable().impl(a -> null);
        r.f("pg_get_triggerdef", TEXT, OID, BOOL).stable().impl(a -> null);
        r.f("pg_get_partkeydef", TEXT, OID).stable().impl(a -> null);
        r.f("pg_get_partition_constraintdef", TEXT, OID).stable().impl(a -> null);
        r.f("pg_get_statisticsobjdef_columns", TEXT, OID).stable().impl(a -> null);
        r.f("pg_get_function_arguments", TEXT, OID).stable().ctx((c, a) -> functionArguments(c, (Long) a[0]));
        r.f("pg_get_function_identity_arguments", TEXT, OID).stable().ctx((c, a) -> functionArguments(c,
                (Long) a[0]));
        r.f("pg_get_function_result", TEXT, OID).stable().ctx((c, a) -> functionResult(c, (Long) a[0]));
        r.f("pg_get_functiondef", TEXT, OID).stable().ctx((c, a) -> {
            long oid = (Long) a[0];
            FunctionDef f = function(c, oid);
            if (f == null) {
                return null;
            }
            Routine user = c.catalog().routine((int) oid);
            String schema = user == null ? "pg_catalog" : c.catalog().namespace(user.namespaceOid()).name();
            return "CREATE OR REPLACE FUNCTION " + schema + "." + f.name + "(" + functionArguments(c, oid)
                    + ")\n RETURNS " + functionResult(c, oid) + "\n LANGUAGE " + (user == null ? "internal" : "sql")
                    + "\n" + (f.volatility == 'i' ? " IMMUTABLE" : f.volatility == 's' ? " STABLE" : "")
                    + (f.strict ? " STRICT" : "") + (f.volatility != 'v' || f.strict ? "\n" : "") + "AS $function$"
                    + (user == null ? f.name : user.body()) + "$function$\n";
        });
        r.f("pg_get_serial_sequence", TEXT, TEXT, TEXT).stable().ctx((c, a) -> serialSequence(c, (String) a[0],
                (String) a[1]));
        r.f("pg_sequence_last_value", INT8, REGCLASS).volatile_().ctx((c, a) ->
                c.sequences().lastValue((int) (long) (Long) a[0]));
    }

    /** A built-in function or a user-defined one by OID, null when neither. */
    private static FunctionDef function(FnContext c, long oid) {
        FunctionDef f = Builtins.function((int) oid);
        if (f == null) {
            Routine r = c.catalog().routine((int) oid);
            f = r == null ? null : FunctionDef.sqlFunction(r);
        }
        return f;
    }

    private static String functionArguments(FnContext c, Long oid) {
        FunctionDef f = function(c, oid);
        if (f == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < f.args.size(); i++) {
            sb.append(i > 0 ? ", " : "");
            if (f.variadic != null && i == f.args.size() - 1) {
                sb.append("VARIADIC ");
            }
            if (f.argNames != null && i < f.argNames.size()) {
                sb.append(f.argNames.get(i)).append(' ');
            }
            sb.append(f.args.get(i).formatType(-1));
        }
        return sb.toString();
    }

    private static String functionResult(FnContext c, Long oid) {
        FunctionDef f = function(c, oid);
        if (f == null) {
            return null;
        }
        if (f.outNames != null && f.retset) {
            StringBuilder sb = new StringBuilder("TABLE(");
            for (int i = 0; i < f.outNames.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(f.outNames.get(i)).append(' ')
                        .append(f.outTypes.get(i).formatType(-1));
            }
            return sb.append(')').toString();
        }
        return (f.retset ? "SETOF " : "") + f.result.formatType(-1);
    }

    private static String serialSequence(FnContext c, String table, String column) {
        List<String> parts = CatalogLookup.parseQualifiedName(table);
        Relation rel = c.lookup().relation(parts.size() > 1 ? parts.get(0) : null, parts.get(parts.size() - 1));
        if (rel == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + table + "\" does not exist");
        }
        int col = rel.columnIndex(column);
        if (col < 0) {
            throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + column + "\" of relation \"" + rel.name()
                    + "\" does not exist");
        }
        int attnum = rel.column(col).attnum();
        for (Relation s : c.catalog().relations()) {
            if (s.sequence() != null && s.sequence().ownedByTable() == rel.oid()
                    && s.sequence().ownedByColumn() == attnum) {
                return CatalogLookup.quoteIdentifier(c.lookup().namespace(s.namespaceOid()).name()) + "."
                        + CatalogLookup.quoteIdentifier(s.name());
            }
        }
        return null;
    }

    /** pg_get_indexdef(index, column, pretty): the CREATE INDEX statement, or one key column's text. */
    static String indexDef(FnContext c, long oid, int column, boolean pretty) {
        DbCatalog cat = c.catalog();
        IndexInfo idx = cat.index((int) oid);
        if (idx == null) {
            return null;
        }
        Relation table = cat.relation(idx.tableOid());
        if (column > 0) {
            return column <= idx.keys().size() ? keyText(c, table, idx.keys().get(column - 1), pretty, false) : "";
        }
        StringBuilder sb = new StringBuilder("CREATE ");
        if (idx.unique()) {
            sb.append("UNIQUE ");
        }
        // pretty: the table qualified only when search_path does not find it (ruleutils' generate_relation_name)
        sb.append("INDEX ").append(CatalogLookup.quoteIdentifier(idx.name())).append(" ON ")
                .append(pretty ? c.lookup().regclassOut(table.oid())
                        : CatalogLookup.quoteIdentifier(c.lookup().namespace(table.namespaceOid()).name()) + "."
                        + CatalogLookup.quoteIdentifier(table.name()))
                .append(" USING ").append(idx.method()).append(" (");
        for (int i = 0; i < idx.keys().size(); i++) {
            sb.append(i > 0 ? ", " : "").append(keyText(c, table, idx.keys().get(i), pretty, true));
        }
        sb.append(')');
        if (idx.nullsNotDistinct()) {
            sb.append(" NULLS NOT DISTINCT");
        }
        if (idx.predicateSql() != null) {
            sb.append(" WHERE ").append(c.deparse(idx.predicateSql(), table.oid(), pretty, false));
        }
        return sb.toString();
    }

    private static String keyText(FnContext c, Relation table, IndexInfo.Key k, boolean pretty, boolean withOrder) {
        String text;
        if (k.isExpression()) {
            text = IndexInfo.Key.expressionText(c.deparse(k.exprSql(), table.oid(), pretty, false));
        } else {
            text = CatalogLookup.quoteIdentifier(table.column(table.indexOfAttnum(k.attnum())).name());
        }
        if (withOrder) {
            if (k.descending()) {
                text += " DESC";
                if (!k.nullsFirst()) {
                    text += " NULLS LAST";
                }
            } else if (k.nullsFirst()) {
                text += " NULLS FIRST";
            }
        }
        return text;
    }

    /** pg_get_constraintdef: PRIMARY KEY (a), UNIQUE (a, b), CHECK ((a > 0)), FOREIGN KEY (a) REFERENCES t(b). */
    static String constraintDef(FnContext c, long oid, boolean pretty) {
        DbCatalog cat = c.catalog();
        Constraint con = cat.constraint((int) oid);
        if (con == null) {
            return null;
        }
        Relation table = cat.relation(con.tableOid());
        return switch (con.type()) {
            case Constraint.PRIMARY -> "PRIMARY KEY (" + columnList(table, con.columns()) + ")" + indexSuffix(c, con);
            case Constraint.UNIQUE -> "UNIQUE " + (cat.index(con.indexOid()) != null
                    && cat.index(con.indexOid()).nullsNotDistinct() ? "NULLS NOT DISTINCT " : "") + "("
                    + columnList(table, con.columns()) + ")" + indexSuffix(c, con);
            case Constraint.CHECK -> {
                String e = c.deparse(con.checkSql(), table.oid(), pretty, false);
                yield "CHECK (" + (pretty && !e.startsWith("(") ? e : pretty ? e : "(" + stripOuter(e) + ")") + ")";
            }
            case Constraint.FOREIGN -> foreignKeyDef(c, con, table);
            default -> null;
        };
    }

    private static String stripOuter(String e) {
        return e.startsWith("(") && e.endsWith(")") ? e.substring(1, e.length() - 1) : e;
    }

    private static String indexSuffix(FnContext c, Constraint con) {
        return "";
    }

    private static String foreignKeyDef(FnContext c, Constraint con, Relation table) {
        Relation ref = c.catalog().relation(con.refTableOid());
        StringBuilder sb = new StringBuilder("FOREIGN KEY (").append(columnList(table, con.columns()))
                .append(") REFERENCES ");
        if (ref != null) {
            sb.append(c.lookup().regclassOut(ref.oid())).append('(').append(columnList(ref, con.refColumns()))
                    .append(')');
        }
        if (con.matchType() == 'f') {
            sb.append(" MATCH FULL");
        }
        sb.append(action(" ON UPDATE ", con.onUpdate())).append(action(" ON DELETE ", con.onDelete()));
        if (con.deferrable()) {
            sb.append(" DEFERRABLE");
            if (con.deferred()) {
                sb.append(" INITIALLY DEFERRED");
            }
        }
        if (!con.validated()) {
            sb.append(" NOT VALID");
        }
        return sb.toString();
    }

    private static String action(String prefix, char a) {
        return switch (a) {
            case 'r' -> prefix + "RESTRICT";
            case 'c' -> prefix + "CASCADE";
            case 'n' -> prefix + "SET NULL";
            case 'd' -> prefix + "SET DEFAULT";
            default -> "";
        };
    }

    private static String columnList(Relation table, int[] attnums) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < attnums.length; i++) {
            int idx = table == null ? -1 : table.indexOfAttnum(attnums[i]);
            sb.append(i > 0 ? ", " : "").append(idx < 0 ? "?" : CatalogLookup.quoteIdentifier(table.column(idx).name()));
        }
        return sb.toString();
    }

    private static String viewDef(FnContext c, long oid, boolean pretty) {
        Relation r = c.lookup().relation((int) oid);
        if (r == null || r.viewSql() == null) {
            return null;
        }
        return c.deparse(r.viewSql(), r.oid(), pretty, true);
    }

    private static String viewDefByName(FnContext c, String name, boolean pretty) {
        Long oid = c.lookup().regclassIn(name);
        if (oid == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + name + "\" does not exist");
        }
        return viewDef(c, oid, pretty);
    }

    // ---------------------------------------------------------------- descriptions

    private static void descriptions(Builtins r) {
        r.f("obj_description", TEXT, OID, NAME).stable().ctx((c, a) -> {
            Relation cls = c.lookup().relationIn(Namespace.PG_CATALOG, (String) a[1]);
            return cls == null ? null : c.catalog().comment(cls.oid(), (int) (long) (Long) a[0], 0);
        });
        r.f("obj_description", TEXT, OID).stable().ctx((c, a) -> c.catalog().comment(1259, (int) (long) (Long) a[0],
                0));
        r.f("col_description", TEXT, OID, INT4).stable().ctx((c, a) -> c.catalog().comment(1259,
                (int) (long) (Long) a[0], (Integer) a[1]));
        r.f("shobj_description", TEXT, OID, NAME).stable().ctx((c, a) -> {
            Relation cls = c.lookup().relationIn(Namespace.PG_CATALOG, (String) a[1]);
            return cls == null ? null : c.catalog().comment(cls.oid(), (int) (long) (Long) a[0], 0);
        });
    }

    // ---------------------------------------------------------------- sizes

    private static void sizes(Builtins r) {
        r.f("pg_relation_size", INT8, REGCLASS).volatile_().ctx((c, a) -> relationSize(c, (Long) a[0], false));
        r.f("pg_relation_size", INT8, REGCLASS, TEXT).volatile_().ctx((c, a) -> "main".equals(a[1])
                ? relationSize(c, (Long) a[0], false) : Long.valueOf(0));
        r.f("pg_table_size", INT8, REGCLASS).volatile_().ctx((c, a) -> relationSize(c, (Long) a[0], false));
        r.f("pg_indexes_size", INT8, REGCLASS).volatile_().ctx((c, a) -> {
            long total = 0;
            for (IndexInfo i : c.catalog().indexesOf((int) (long) (Long) a[0])) {
                total += i.hasStorage() ? c.relationSizeBytes(i.relfilenode()) : 0;
            }
            return total;
        });
        r.f("pg_total_relation_size", INT8, REGCLASS).volatile_().ctx((c, a) -> relationSize(c, (Long) a[0], true));
        r.f("pg_database_size", INT8, NAME).volatile_().ctx((c, a) -> {
            if (c.catalog().databases().get((String) a[0]) == null) {
                throw new PgException(SqlState.INVALID_CATALOG_NAME, "database \"" + a[0] + "\" does not exist");
            }
            return c.serverStatus().databaseSizeBytes();
        });
        r.f("pg_database_size", INT8, OID).volatile_().ctx((c, a) -> {
            for (DatabaseDef d : c.catalog().databases().values()) {
                if (d.oid() == (Long) a[0]) {
                    return c.serverStatus().databaseSizeBytes();
                }
            }
            return null;
        });
        r.f("pg_tablespace_size", INT8, NAME).volatile_().ctx((c, a) -> {
            TablespaceDef t = c.catalog().shared().tablespace((String) a[0]);
            if (t == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "tablespace \"" + a[0] + "\" does not exist");
            }
            return tablespaceSize(c, t);
        });
        r.f("pg_tablespace_size", INT8, OID).volatile_().ctx((c, a) -> {
            TablespaceDef t = c.catalog().shared().tablespaceByOid((Long) a[0]);
            return t == null ? null : tablespaceSize(c, t);
        });
        r.f("pg_size_pretty", TEXT, INT8).impl(a -> sizePretty((Long) a[0]));
        r.f("pg_size_pretty", TEXT, NUMERIC).impl(a -> a[0] instanceof org.walden.sql.types.NumericSpecial s
                ? s + " PB" : sizePretty(((BigDecimal) a[0]).longValue()));
        r.f("pg_size_bytes", INT8, TEXT).impl(a -> sizeBytes((String) a[0]));
        r.f("pg_column_size", INT4, ANY).nonStrict().typed((types, res) -> (c, a) -> a[0] == null ? null
                : types[0].typlen > 0 ? (int) types[0].typlen
                : org.walden.sql.types.Values.toText(types[0], a[0], c.values()).length() + 1);
    }

    /**
     * pg_tablespace_size: pg_default holds the database's storage; another tablespace the files
     * in its directory (its storage's files included), or, when more, the sizes of the relations
     * and indexes of this database stored in it (rows not yet written out by a checkpoint).
     */
    private static Long tablespaceSize(FnContext c, TablespaceDef t) {
        if (t.oid() == TablespaceDef.DEFAULT_OID) {
            return c.serverStatus().databaseSizeBytes();
        }
        if (t.oid() == TablespaceDef.GLOBAL_OID) {
            return 0L;
        }
        DbCatalog cat = c.catalog();
        long files = c.serverStatus().tablespaceFileBytes(t.oid());
        long total = 0;
        for (Relation rel : cat.relations()) {
            if (cat.relationTablespace(rel.oid()) == t.oid() && rel.relfilenode() != 0) {
                total += c.relationSizeBytes(rel.relfilenode());
            }
        }
        for (IndexInfo i : cat.indexes()) {
            if (cat.relationTablespace(i.oid()) == t.oid() && i.hasStorage()) {
                total += c.relationSizeBytes(i.relfilenode());
            }
        }
        return Math.max(files, total);
    }

    /**
     * pg_relation_size and friends: the stored bytes rounded up to 8 kB pages, as PostgreSQL counts
     * a relation's files; an index or sequence has at least its first page (a btree's metapage),
     * the primary key — the table's own key order in Walden — too.
     */
    private static Object relationSize(FnContext c, long oid, boolean withIndexes) {
        Relation rel = c.lookup().relation((int) oid);
        if (rel == null) {
            IndexInfo idx = c.catalog().index((int) oid);
            return idx == null ? null : indexPages(c, idx);
        }
        if (rel.virtual() || rel.isView()) {
            return 0L;
        }
        long total = pages(c.relationSizeBytes(rel.relfilenode()), rel.kind() == Relation.SEQUENCE);
        if (withIndexes) {
            for (IndexInfo i : c.catalog().indexesOf(rel.oid())) {
                total += indexPages(c, i);
            }
        }
        return total;
    }

    private static long indexPages(FnContext c, IndexInfo idx) {
        return pages(idx.hasStorage() ? c.relationSizeBytes(idx.relfilenode()) : 0, true);
    }

    private static long pages(long bytes, boolean atLeastOne) {
        long p = (bytes + 8191) / 8192;
        return Math.max(atLeastOne ? 1 : 0, p) * 8192;
    }

    /** One unit of pg_size_pretty: below {@code limit} this unit is used; {@code round}: half-rounded. */
    private record SizeUnit(String name, long limit, boolean round, int unitBits) {
    }

    private static final List<SizeUnit> SIZE_UNITS = List.of(new SizeUnit("bytes", 10 * 1024, false, 0),
            new SizeUnit("kB", 20 * 1024 - 1, true, 10), new SizeUnit("MB", 20 * 1024 - 1, true, 20),
            new SizeUnit("GB", 20 * 1024 - 1, true, 30), new SizeUnit("TB", 20 * 1024 - 1, true, 40),
            new SizeUnit("PB", 20 * 1024 - 1, true, 50));

    /** pg_size_pretty(bigint), with PostgreSQL 15's units, limits and half rounding. */
    static String sizePretty(long size) {
        for (int i = 0; i < SIZE_UNITS.size(); i++) {
            SizeUnit u = SIZE_UNITS.get(i);
            boolean last = i == SIZE_UNITS.size() - 1;
            if (last || Math.abs(size) < u.limit()) {
                long shown = u.round() ? (size + (size < 0 ? -1 : 1)) / 2 : size;
                return shown + " " + u.name();
            }
            SizeUnit next = SIZE_UNITS.get(i + 1);
            int bits = next.unitBits() - u.unitBits() - (next.round() ? 1 : 0) + (u.round() ? 1 : 0);
            size /= 1L << bits;
        }
        throw new IllegalStateException("unreachable");
    }

    private static long sizeBytes(String text) {
        String t = text.trim();
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || ".+-".indexOf(t.charAt(i)) >= 0)) {
            i++;
        }
        BigDecimal n;
        try {
            n = new BigDecimal(t.substring(0, i));
        } catch (NumberFormatException e) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid size: \"" + text + "\"");
        }
        String unit = t.substring(i).trim().toLowerCase(Locale.ROOT);
        long factor = switch (unit) {
            case "", "b", "bytes" -> 1;
            case "kb" -> 1L << 10;
            case "mb" -> 1L << 20;
            case "gb" -> 1L << 30;
            case "tb" -> 1L << 40;
            case "pb" -> 1L << 50;
            default -> throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid size: \"" + text + "\"")
                    .withDetail("Invalid size unit: \"" + t.substring(i).trim() + "\".");
        };
        return n.multiply(BigDecimal.valueOf(factor)).longValue();
    }

    // ---------------------------------------------------------------- privileges

    private static void privileges(Builtins r) {
        for (String kind : List.of("table", "sequence", "schema", "database", "function", "language", "tablespace",
                "type", "foreign_data_wrapper", "server", "any_column")) {
            String name = "has_" + kind + "_privilege";
            r.f(name, BOOL, TEXT, TEXT).stable().ctx((c, a) -> privilege(c, kind, null, a[0], null, a[1]));
            r.f(name, BOOL, OID, TEXT).stable().ctx((c, a) -> privilege(c, kind, null, a[0], null, a[1]));
            for (PgType user : List.of(NAME, OID)) {
                for (PgType object : List.of(TEXT, OID)) {
                    r.f(name, BOOL, user, object, TEXT).stable().ctx((c, a) -> privilege(c, kind, a[0], a[1], null,
                            a[2]));
                }
            }
        }
        for (PgType table : List.of(TEXT, OID)) {
            for (PgType column : List.of(TEXT, INT2)) {
                r.f("has_column_privilege", BOOL, table, column, TEXT).stable().ctx((c, a) -> privilege(c, "column",
                        null, a[0], a[1], a[2]));
                for (PgType user : List.of(NAME, OID)) {
                    r.f("has_column_privilege", BOOL, user, table, column, TEXT).stable().ctx((c, a) -> privilege(c,
                            "column", a[0], a[1], a[2], a[3]));
                }
            }
        }
        r.f("pg_has_role", BOOL, NAME, TEXT).stable().ctx((c, a) -> hasRole(c, c.currentUser(), a[0]));
        r.f("pg_has_role", BOOL, OID, TEXT).stable().ctx((c, a) -> hasRole(c, c.currentUser(), a[0]));
        r.f("pg_has_role", BOOL, NAME, NAME, TEXT).stable().ctx((c, a) -> hasRole(c, (String) a[0], a[1]));
        r.f("pg_has_role", BOOL, NAME, OID, TEXT).stable().ctx((c, a) -> hasRole(c, (String) a[0], a[1]));
        r.f("pg_has_role", BOOL, OID, OID, TEXT).stable().ctx((c, a) -> {
            RoleDef u = c.catalog().roleByOid((Long) a[0]);
            return u != null && hasRole(c, u.name(), a[1]);
        });
        r.f("acldefault", ACLITEM_ARRAY, CHAR, OID).stable().ctx((c, a) -> aclDefault(c, (String) a[0],
                (Long) a[1]));
        r.f("makeaclitem", ACLITEM, OID, OID, TEXT, BOOL).stable().ctx((c, a) -> makeAclItem(c, a));
        r.f("aclexplode", RECORD, ACLITEM_ARRAY).out("grantor", OID, "grantee", OID, "privilege_type", TEXT,
                "is_grantable", BOOL).srf((c, a, t) -> {
                    List<Object[]> rows = new ArrayList<>();
                    for (Object o : (List<?>) a[0]) {
                        Acl.Item i = Acl.parse((String) o, n -> {
                            RoleDef role = c.catalog().role(n);
                            return role == null ? -1 : role.oid();
                        });
                        for (int bit = 1; bit != 0 && bit <= Acl.CONNECT; bit <<= 1) {
                            if ((i.privileges() & bit) != 0) {
                                rows.add(new Object[] {(long) i.grantor(), (long) i.grantee(), Acl.privilegeName(bit),
                                    (i.grantOptions() & bit) != 0});
                            }
                        }
                    }
                    return rows.iterator();
                });
    }

    private static Object aclDefault(FnContext c, String type, long owner) {
        Acl.ObjectType t = java.util.Arrays.stream(Acl.ObjectType.values())
                .filter(k -> type.length() == 1 && k.letter == type.charAt(0)).findFirst()
                .orElseThrow(() -> new PgException(SqlState.INTERNAL_ERROR, "unrecognized object type abbreviation: "
                        + type));
        return Acl.formatAll(Acl.defaultAcl(t, (int) owner), c.catalog().shared()::roleName);
    }

    private static Object makeAclItem(FnContext c, Object[] a) {
        // PostgreSQL 15's makeaclitem takes one privilege
        int bits = Acl.privilegeOf(((String) a[2]).trim());
        if (bits == 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unrecognized privilege type: \"" + a[2] + "\"");
        }
        long grantee = (Long) a[0];
        return Acl.format(new Acl.Item((int) grantee, (int) (long) (Long) a[1], bits,
                Boolean.TRUE.equals(a[3]) ? bits : 0), c.catalog().shared()::roleName);
    }

    /** The privileges has_KIND_privilege accepts (the letters' names), each also WITH GRANT OPTION. */
    private static List<String> privilegeNames(String kind) {
        return switch (kind) {
            case "table" -> List.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER");
            case "column", "any_column" -> List.of("SELECT", "INSERT", "UPDATE", "REFERENCES");
            case "sequence" -> List.of("USAGE", "SELECT", "UPDATE");
            case "schema" -> List.of("CREATE", "USAGE");
            case "database" -> List.of("CREATE", "CONNECT", "TEMPORARY", "TEMP");
            case "function" -> List.of("EXECUTE");
            default -> List.of("USAGE", "CREATE");
        };
    }

    /**
     * has_*_privilege (PostgreSQL's acl.c): true when the user (the current one when {@code user}
     * is null; a name or an OID; "public" for PUBLIC) holds any of the comma-separated privileges;
     * an unknown object named by text is an error, one named by OID gives NULL.
     */
    private static Boolean privilege(FnContext c, String kind, Object user, Object target, Object column,
                                     Object privilegeText) {
        int wanted = 0;
        int options = 0;
        for (String p : ((String) privilegeText).split(",")) {
            String priv = p.trim().toUpperCase(Locale.ROOT);
            boolean grantOption = priv.endsWith(" WITH GRANT OPTION");
            if (grantOption) {
                priv = priv.substring(0, priv.length() - " WITH GRANT OPTION".length()).trim();
            }
            if (!privilegeNames(kind).contains(priv)) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unrecognized privilege type: \"" + p.trim()
                        + "\"");
            }
            int bit = Acl.privilegeOf(priv);
            if (grantOption) {
                options |= bit;
            } else {
                wanted |= bit;
            }
        }
        DbCatalog cat = c.catalog();
        int role;
        if (user == null) {
            role = requireRole(c, c.currentUser());
        } else if (user instanceof String name) {
            role = name.equals("public") ? Acl.PUBLIC : requireRole(c, name);
        } else {
            role = (int) (long) (Long) user;
        }
        RoleDef r = cat.roleByOid(role);
        boolean superuser = r != null && r.superuser();
        return switch (kind) {
            case "table", "sequence", "any_column", "column" -> {
                Relation rel = relationArgument(c, target);
                if (rel == null) {
                    yield null;
                }
                if (kind.equals("sequence") && rel.kind() != Relation.SEQUENCE) {
                    throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + rel.name() + "\" is not a sequence");
                }
                if (superuser) {
                    yield true;
                }
                if (kind.equals("column")) {
                    int index = columnArgument(rel, column);
                    if (index < 0) {
                        yield null;
                    }
                    int attnum = rel.column(index).attnum();
                    yield Privileges.column(cat, rel, attnum, role, wanted) != 0 || holdsColumnOption(cat, rel, attnum,
                            role, options);
                }
                if (kind.equals("any_column")) {
                    yield wanted != 0 && Privileges.anyColumn(cat, rel, role, wanted) || options != 0
                            && Privileges.anyColumn(cat, rel, role, options);
                }
                yield Privileges.relation(cat, rel, role, wanted) != 0 || options != 0
                        && Privileges.grantOptions(cat.shared(), cat.acl(DbCatalog.PG_CLASS, rel.oid(), 0),
                        Privileges.typeOf(rel), rel.ownerOid(), role, options) != 0;
            }
            case "schema" -> {
                Namespace n = target instanceof String name ? c.lookup().namespace(name)
                        : c.lookup().namespace((int) (long) (Long) target);
                if (n == null) {
                    if (target instanceof String name) {
                        throw new PgException(SqlState.INVALID_SCHEMA_NAME, "schema \"" + name + "\" does not exist");
                    }
                    yield null;
                }
                yield superuser || Privileges.namespace(cat, n, role, wanted | options) != 0;
            }
            case "database" -> {
                DatabaseDef d = target instanceof String name ? cat.databases().get(name)
                        : cat.shared().databaseByOid((Long) target);
                if (d == null) {
                    if (target instanceof String name) {
                        throw new PgException(SqlState.INVALID_CATALOG_NAME, "database \"" + name
                                + "\" does not exist");
                    }
                    yield null;
                }
                yield superuser || Privileges.database(cat.shared(), d, role, wanted | options) != 0;
            }
            case "function" -> {
                long oid = target instanceof String text ? c.values().regIn(PgType.REGPROCEDURE, text)
                        : (Long) target;
                Routine f = cat.routine((int) oid);
                if (f == null) {
                    yield Builtins.allFunctions().stream().anyMatch(b -> b.oid == oid) ? Boolean.TRUE : null;
                }
                yield superuser || Privileges.function(cat, f, role, wanted | options) != 0;
            }
            default -> true;
        };
    }

    private static boolean holdsColumnOption(DbCatalog cat, Relation rel, int attnum, int role, int options) {
        if (options == 0) {
            return false;
        }
        List<Acl.Item> acl = cat.acl(DbCatalog.PG_CLASS, rel.oid(), attnum);
        return Privileges.grantOptions(cat.shared(), cat.acl(DbCatalog.PG_CLASS, rel.oid(), 0), Privileges.typeOf(rel),
                rel.ownerOid(), role, options) != 0 || acl != null && Acl.mask(acl, role, options, cat.shared(),
                true) != 0;
    }

    private static int requireRole(FnContext c, String name) {
        RoleDef r = c.catalog().role(name);
        if (r == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + name + "\" does not exist");
        }
        return r.oid();
    }

    private static Relation relationArgument(FnContext c, Object target) {
        if (target instanceof String name) {
            Long oid = c.lookup().regclassIn(name);
            if (oid == null) {
                throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + name + "\" does not exist");
            }
            return c.lookup().relation((int) (long) oid);
        }
        return c.lookup().relation((int) (long) (Long) target);
    }

    /** The 0-based index of the column named or numbered; -1 for a number that is none (NULL result). */
    private static int columnArgument(Relation rel, Object column) {
        if (column instanceof String name) {
            int i = rel.columnIndex(name);
            if (i < 0) {
                throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + name + "\" of relation \""
                        + rel.name() + "\" does not exist");
            }
            return i;
        }
        int attnum = ((Number) column).intValue();
        int i = rel.indexOfAttnum(attnum);
        return i < 0 || rel.column(i).dropped() ? -1 : i;
    }

    private static boolean hasRole(FnContext c, String user, Object role) {
        RoleDef u = c.catalog().role(user);
        RoleDef r = role instanceof String name ? c.catalog().role(name) : c.catalog().roleByOid((Long) role);
        if (r == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + role + "\" does not exist");
        }
        return u != null && (u.superuser() || c.catalog().shared().isMemberOf(u.oid(), r.oid()));
    }

    // ---------------------------------------------------------------- to_reg*

    private static void regLookups(Builtins r) {
        r.f("to_regclass", REGCLASS, TEXT).stable().ctx((c, a) -> {
            try {
                return c.lookup().regclassIn((String) a[0]);
            } catch (PgException e) {
                return null;
            }
        });
        for (String name : List.of("to_regtype", "to_regproc", "to_regprocedure", "to_regoper", "to_regoperator",
                "to_regnamespace", "to_regrole", "to_regcollation")) {
            PgType type = switch (name) {
                case "to_regtype" -> REGTYPE;
                case "to_regproc" -> REGPROC;
                case "to_regprocedure" -> REGPROCEDURE;
                case "to_regoper" -> REGOPER;
                case "to_regoperator" -> REGOPERATOR;
                case "to_regnamespace" -> REGNAMESPACE;
                case "to_regrole" -> REGROLE;
                default -> OID;
            };
            r.f(name, type, TEXT).stable().ctx((c, a) -> {
                try {
                    return type == OID ? null : c.values().regIn(type, (String) a[0]);
                } catch (PgException e) {
                    if (e.sqlState() == SqlState.INVALID_TEXT_REPRESENTATION) {
                        throw e; // PostgreSQL 15's to_reg* answer NULL for a missing object, not for bad syntax
                    }
                    return null;
                }
            });
        }
    }

    private static Object indexColumnProperty(FnContext c, int indexOid, int column, String property) {
        IndexInfo idx = c.catalog().index(indexOid);
        if (idx == null || column < 1 || column > idx.keys().size()) {
            return null;
        }
        IndexInfo.Key k = idx.keys().get(column - 1);
        return switch (property.toLowerCase(Locale.ROOT)) {
            case "asc" -> !k.descending();
            case "desc" -> k.descending();
            case "nulls_first" -> k.nullsFirst();
            case "nulls_last" -> !k.nullsFirst();
            case "orderable", "returnable", "search_array", "search_nulls" -> true;
            case "distance_orderable" -> false;
            default -> null;
        };
    }

    // ---------------------------------------------------------------- statistics counters

    private static void statistics(Builtins r) {
        counter(r, "pg_stat_get_numscans", t -> t.seqScan() + t.idxScan());
        counter(r, "pg_stat_get_tuples_returned", FnContext.TableActivity::seqTupRead);
        counter(r, "pg_stat_get_tuples_fetched", FnContext.TableActivity::idxTupFetch);
        counter(r, "pg_stat_get_tuples_inserted", FnContext.TableActivity::inserted);
        counter(r, "pg_stat_get_tuples_updated", FnContext.TableActivity::updated);
        counter(r, "pg_stat_get_tuples_deleted", FnContext.TableActivity::deleted);
        counter(r, "pg_stat_get_tuples_hot_updated", FnContext.TableActivity::hotUpdated);
        counter(r, "pg_stat_get_live_tuples", FnContext.TableActivity::live);
        counter(r, "pg_stat_get_dead_tuples", FnContext.TableActivity::dead);
        counter(r, "pg_stat_get_mod_since_analyze", FnContext.TableActivity::modifiedSinceAnalyze);
        counter(r, "pg_stat_get_ins_since_vacuum", FnContext.TableActivity::insertedSinceVacuum);
        counter(r, "pg_stat_get_vacuum_count", FnContext.TableActivity::vacuumCount);
        counter(r, "pg_stat_get_autovacuum_count", FnContext.TableActivity::autovacuumCount);
        counter(r, "pg_stat_get_analyze_count", FnContext.TableActivity::analyzeCount);
        counter(r, "pg_stat_get_autoanalyze_count", FnContext.TableActivity::autoanalyzeCount);
        time(r, "pg_stat_get_last_vacuum_time", FnContext.TableActivity::lastVacuum);
        time(r, "pg_stat_get_last_autovacuum_time", FnContext.TableActivity::lastAutovacuum);
        time(r, "pg_stat_get_last_analyze_time", FnContext.TableActivity::lastAnalyze);
        time(r, "pg_stat_get_last_autoanalyze_time", FnContext.TableActivity::lastAutoanalyze);
    }

    private static void counter(Builtins r, String name, java.util.function.ToLongFunction<FnContext.TableActivity> f) {
        r.f(name, INT8, OID).stable().ctx((c, a) -> {
            FnContext.TableActivity t = c.tableActivity((int) (long) (Long) a[0]);
            return t == null ? 0L : f.applyAsLong(t);
        });
    }

    private static void time(Builtins r, String name,
                             java.util.function.Function<FnContext.TableActivity, java.time.Instant> f) {
        r.f(name, TIMESTAMPTZ, OID).stable().ctx((c, a) -> {
            FnContext.TableActivity t = c.tableActivity((int) (long) (Long) a[0]);
            return t == null ? null : f.apply(t);
        });
    }
}
