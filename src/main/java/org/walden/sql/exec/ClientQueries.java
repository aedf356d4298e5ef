package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.walden.sql.ColumnDesc;
import org.walden.sql.catalog.Catalog;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.TableDef;
import org.walden.sql.parse.Ast;
import org.walden.sql.types.PgType;

/**
 * Catalog queries that known clients send word for word and that need SQL Walden's executor
 * does not have yet (joins, LATERAL, ARRAY subqueries, pg_class). Each is recognised by its
 * text (whitespace-insensitive) and answered from the catalog with the columns and rows
 * PostgreSQL 15 gives (PG_CLIENTS.md §2-4, pg15-captures): pgbench's partition check before a
 * run; psql's {@code \l}, {@code \du}, the {@code \dt} / {@code \d} lists and the nine
 * queries of {@code \d NAME}; pgjdbc's TypeInfoCache look-ups by OID. Everything else goes to
 * the parser. This is a bridge until pg_class and joins exist, not a general mechanism.
 */
public final class ClientQueries {

    private static final Pattern PGBENCH_PARTITIONS = Pattern.compile(
            "select o\\.n, p\\.partstrat, pg_catalog\\.count\\(i\\.inhparent\\) from pg_catalog\\.pg_class as c "
                    + "join pg_catalog\\.pg_namespace as n on \\(n\\.oid = c\\.relnamespace\\) cross join lateral .*"
                    + "where c\\.relname = '([^']*)' and o\\.n is not null group by 1, 2 order by 1 asc limit 1 ?;?");

    private static final String PSQL_LIST_DATABASES = normalize("""
            SELECT d.datname as "Name",
                   pg_catalog.pg_get_userbyid(d.datdba) as "Owner",
                   pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding",
                   d.datcollate as "Collate",
                   d.datctype as "Ctype",
                   d.daticulocale as "ICU Locale",
                   CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS "Locale Provider",
                   pg_catalog.array_to_string(d.datacl, E'\\n') AS "Access privileges"
            FROM pg_catalog.pg_database d
            ORDER BY 1;""");

    private static final String PSQL_LIST_ROLES = normalize("""
            SELECT r.rolname, r.rolsuper, r.rolinherit,
              r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
              r.rolconnlimit, r.rolvaliduntil,
              ARRAY(SELECT b.rolname
                    FROM pg_catalog.pg_auth_members m
                    JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid)
                    WHERE m.member = r.oid) as memberof
            , r.rolreplication
            , r.rolbypassrls
            FROM pg_catalog.pg_roles r
            WHERE r.rolname !~ '^pg_'
            ORDER BY 1;""");

    /** psql's \dt and \d without a pattern: the relation list of describeTableDetails' listTables. */
    private static final Pattern PSQL_LIST_TABLES = Pattern.compile(
            "SELECT n\\.nspname as \"Schema\", c\\.relname as \"Name\", CASE c\\.relkind WHEN 'r' THEN 'table' .*"
                    + "END as \"Type\", pg_catalog\\.pg_get_userbyid\\(c\\.relowner\\) as \"Owner\" "
                    + "FROM pg_catalog\\.pg_class c LEFT JOIN pg_catalog\\.pg_namespace n ON n\\.oid = c\\.relnamespace "
                    + "(LEFT JOIN pg_catalog\\.pg_am am ON am\\.oid = c\\.relam )?"
                    + "WHERE c\\.relkind IN \\(([^)]*)\\) AND n\\.nspname <> 'pg_catalog' "
                    + "AND n\\.nspname !~ '\\^pg_toast' AND n\\.nspname <> 'information_schema' "
                    + "AND pg_catalog\\.pg_table_is_visible\\(c\\.oid\\) ORDER BY 1,2 ?;?");

    /** pgjdbc's TypeInfoCache look-up of a type it does not know, by OID ($1 int4). */
    private static final String PGJDBC_TYPE_BY_OID = "SELECT n.nspname = ANY(current_schemas(true)), n.nspname, "
            + "t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid "
            + "WHERE t.oid = $1";

    /** pgjdbc's TypeInfoCache look-up of a type's array-ness and kind, by OID ($1 int8). */
    private static final Pattern PGJDBC_TYPE_INFO_BY_OID = Pattern.compile(
            "SELECT typinput='pg_catalog\\.array_in'::regproc as is_array, typtype, typname, pg_type\\.oid "
                    + "FROM pg_catalog\\.pg_type LEFT JOIN .* WHERE pg_type\\.oid = \\$1 ORDER BY sp\\.r, "
                    + "pg_type\\.oid DESC");

    /** psql's \\d NAME (describeOneTableDetails): the queries, each with the OID or pattern it carries. */
    private static final List<Object[]> PSQL_DESCRIBE = List.of(
            new Object[] {"psql_d_lookup", Pattern.compile("SELECT c\\.oid, n\\.nspname, c\\.relname FROM "
                    + "pg_catalog\\.pg_class c LEFT JOIN pg_catalog\\.pg_namespace n ON n\\.oid = c\\.relnamespace "
                    + "WHERE c\\.relname OPERATOR\\(pg_catalog\\.~\\) '([^']*)' COLLATE pg_catalog\\.default "
                    + "AND pg_catalog\\.pg_table_is_visible\\(c\\.oid\\) ORDER BY 2, 3 ?;?")},
            new Object[] {"psql_d_relation", Pattern.compile("SELECT c\\.relchecks, c\\.relkind, c\\.relhasindex, .* "
                    + "FROM pg_catalog\\.pg_class c .*WHERE c\\.oid = '(\\d+)' ?;?")},
            new Object[] {"psql_d_columns", Pattern.compile("SELECT a\\.attname, pg_catalog\\.format_type\\(a\\.atttypid, "
                    + "a\\.atttypmod\\), .* FROM pg_catalog\\.pg_attribute a WHERE a\\.attrelid = '(\\d+)' AND "
                    + "a\\.attnum > 0 AND NOT a\\.attisdropped ORDER BY a\\.attnum ?;?")},
            new Object[] {"psql_d_indexes", Pattern.compile("SELECT c2\\.relname, i\\.indisprimary, .* WHERE c\\.oid = "
                    + "'(\\d+)' AND c\\.oid = i\\.indrelid AND i\\.indexrelid = c2\\.oid ORDER BY .*")},
            new Object[] {"psql_d_policies", Pattern.compile("SELECT pol\\.polname, pol\\.polpermissive, .*")},
            new Object[] {"psql_d_statistics", Pattern.compile("SELECT oid, stxrelid::pg_catalog\\.regclass, .*")},
            new Object[] {"psql_d_publications", Pattern.compile("SELECT pubname , NULL , NULL FROM "
                    + "pg_catalog\\.pg_publication p .*")},
            new Object[] {"psql_d_parents", Pattern.compile("SELECT c\\.oid::pg_catalog\\.regclass FROM "
                    + "pg_catalog\\.pg_class c, pg_catalog\\.pg_inherits i WHERE c\\.oid = i\\.inhparent .*")},
            new Object[] {"psql_d_children", Pattern.compile("SELECT c\\.oid::pg_catalog\\.regclass, c\\.relkind, "
                    + "inhdetachpending, .*")});

    private ClientQueries() {
    }

    private static String normalize(String sql) {
        return sql.strip().replaceAll("\\s+", " ");
    }

    /** The statement for a recognised query text, or null. */
    public static Ast.Stmt recognise(String sql) {
        String text = normalize(sql);
        Matcher m = PGBENCH_PARTITIONS.matcher(text);
        if (m.matches()) {
            return new Ast.KnownClientQuery("pgbench_partitions", m.group(1));
        }
        if (text.equals(PSQL_LIST_DATABASES) || text.equals(PSQL_LIST_DATABASES.replaceAll(";$", ""))) {
            return new Ast.KnownClientQuery("psql_list_databases", null);
        }
        if (text.equals(PSQL_LIST_ROLES) || text.equals(PSQL_LIST_ROLES.replaceAll(";$", ""))) {
            return new Ast.KnownClientQuery("psql_list_roles", null);
        }
        if (PGJDBC_TYPE_INFO_BY_OID.matcher(text).matches()) {
            return new Ast.KnownClientQuery("pgjdbc_type_info_by_oid", null);
        }
        if (text.equals(PGJDBC_TYPE_BY_OID)) {
            return new Ast.KnownClientQuery("pgjdbc_type_by_oid", null);
        }
        for (Object[] d : PSQL_DESCRIBE) {
            Matcher dm = ((Pattern) d[1]).matcher(text);
            if (dm.matches()) {
                return new Ast.KnownClientQuery((String) d[0], dm.groupCount() > 0 ? dm.group(1) : null);
            }
        }
        m = PSQL_LIST_TABLES.matcher(text);
        if (m.matches() && m.group(2).contains("'r'")) {
            return new Ast.KnownClientQuery("psql_list_tables", null);
        }
        return null;
    }

    private static ColumnDesc col(String name, PgType type) {
        return new ColumnDesc(name, 0, (short) 0, type.oid, type.typlen, -1, (short) 0);
    }

    static List<ColumnDesc> columns(Ast.KnownClientQuery q) {
        return switch (q.kind()) {
            case "pgbench_partitions" -> List.of(col("n", PgType.INT4), col("partstrat", PgType.CHAR),
                    col("count", PgType.INT8));
            case "psql_list_databases" -> List.of(col("Name", PgType.NAME), col("Owner", PgType.NAME),
                    col("Encoding", PgType.NAME), col("Collate", PgType.TEXT), col("Ctype", PgType.TEXT),
                    col("ICU Locale", PgType.TEXT), col("Locale Provider", PgType.TEXT),
                    col("Access privileges", PgType.TEXT));
            case "psql_list_roles" -> List.of(col("rolname", PgType.NAME), col("rolsuper", PgType.BOOL),
                    col("rolinherit", PgType.BOOL), col("rolcreaterole", PgType.BOOL), col("rolcreatedb", PgType.BOOL),
                    col("rolcanlogin", PgType.BOOL), col("rolconnlimit", PgType.INT4),
                    col("rolvaliduntil", PgType.TIMESTAMPTZ), col("memberof", PgType.NAME_ARRAY),
                    col("rolreplication", PgType.BOOL), col("rolbypassrls", PgType.BOOL));
            case "psql_list_tables" -> List.of(col("Schema", PgType.NAME), col("Name", PgType.NAME),
                    col("Type", PgType.TEXT), col("Owner", PgType.NAME));
            case "pgjdbc_type_by_oid" -> List.of(col("?column?", PgType.BOOL), col("nspname", PgType.NAME),
                    col("typname", PgType.NAME));
            case "pgjdbc_type_info_by_oid" -> List.of(col("is_array", PgType.BOOL), col("typtype", PgType.CHAR),
                    col("typname", PgType.NAME), col("oid", PgType.OID));
            default -> describeColumns(q.kind());
        };
    }

    private static List<ColumnDesc> describeColumns(String kind) {
        return switch (kind) {
            case "psql_d_lookup" -> List.of(col("oid", PgType.OID), col("nspname", PgType.NAME),
                    col("relname", PgType.NAME));
            case "psql_d_relation" -> List.of(col("relchecks", PgType.INT2), col("relkind", PgType.CHAR),
                    col("relhasindex", PgType.BOOL), col("relhasrules", PgType.BOOL), col("relhastriggers", PgType.BOOL),
                    col("relrowsecurity", PgType.BOOL), col("relforcerowsecurity", PgType.BOOL),
                    col("relhasoids", PgType.BOOL), col("relispartition", PgType.BOOL), col("?column?", PgType.TEXT),
                    col("reltablespace", PgType.OID), col("reloftype", PgType.TEXT), col("relpersistence", PgType.CHAR),
                    col("relreplident", PgType.CHAR), col("amname", PgType.NAME));
            case "psql_d_columns" -> List.of(col("attname", PgType.NAME), col("format_type", PgType.TEXT),
                    col("pg_get_expr", PgType.TEXT), col("attnotnull", PgType.BOOL), col("attcollation", PgType.NAME),
                    col("attidentity", PgType.CHAR), col("attgenerated", PgType.CHAR));
            case "psql_d_indexes" -> List.of(col("relname", PgType.NAME), col("indisprimary", PgType.BOOL),
                    col("indisunique", PgType.BOOL), col("indisclustered", PgType.BOOL), col("indisvalid", PgType.BOOL),
                    col("pg_get_indexdef", PgType.TEXT), col("pg_get_constraintdef", PgType.TEXT),
                    col("contype", PgType.CHAR), col("condeferrable", PgType.BOOL), col("condeferred", PgType.BOOL),
                    col("indisreplident", PgType.BOOL), col("reltablespace", PgType.OID));
            case "psql_d_policies" -> List.of(col("polname", PgType.NAME), col("polpermissive", PgType.BOOL),
                    col("array_to_string", PgType.TEXT), col("pg_get_expr", PgType.TEXT),
                    col("pg_get_expr", PgType.TEXT), col("cmd", PgType.TEXT));
            case "psql_d_statistics" -> List.of(col("oid", PgType.OID), col("stxrelid", PgType.OID),
                    col("nsp", PgType.TEXT), col("stxname", PgType.NAME), col("columns", PgType.TEXT),
                    col("ndist_enabled", PgType.BOOL), col("deps_enabled", PgType.BOOL),
                    col("mcv_enabled", PgType.BOOL), col("stxstattarget", PgType.INT4));
            case "psql_d_publications" -> List.of(col("pubname", PgType.NAME), col("?column?", PgType.TEXT),
                    col("?column?", PgType.TEXT));
            case "psql_d_parents" -> List.of(col("oid", PgType.OID));
            case "psql_d_children" -> List.of(col("oid", PgType.OID), col("relkind", PgType.CHAR),
                    col("inhdetachpending", PgType.BOOL), col("pg_get_expr", PgType.TEXT));
            default -> throw new IllegalStateException(kind);
        };
    }

    private static TableDef tableByOid(Catalog catalog, String oid) {
        for (TableDef t : catalog.tables().values()) {
            if (Integer.toString(t.oid()).equals(oid)) {
                return t;
            }
        }
        return null;
    }

    /** Rows for psql's \\d NAME queries; relations other than stored tables give no rows. */
    private static void describeRows(Ast.KnownClientQuery q, Catalog catalog, List<Object[]> rows) {
        if (q.kind().equals("psql_d_lookup")) {
            Pattern p;
            try {
                p = Pattern.compile(q.argument());
            } catch (java.util.regex.PatternSyntaxException e) {
                return;
            }
            List<TableDef> tables = new ArrayList<>(catalog.tables().values());
            tables.sort(Comparator.comparing(TableDef::name));
            for (TableDef t : tables) {
                if (p.matcher(t.name()).find()) {
                    rows.add(new Object[] {(long) t.oid(), "public", t.name()});
                }
            }
            return;
        }
        TableDef t = q.argument() == null ? null : tableByOid(catalog, q.argument());
        if (t == null) {
            return;
        }
        switch (q.kind()) {
            case "psql_d_relation" -> rows.add(new Object[] {(short) 0, "r", t.hasPrimaryKey(), false, false, false,
                    false, false, false, "", 0L, "", "p", "d", "heap"});
            case "psql_d_columns" -> {
                for (org.walden.sql.catalog.Column c : t.columns()) {
                    rows.add(new Object[] {c.name(), c.type().formatType(c.typmod()), c.defaultSql(), c.notNull(), null,
                            "", ""});
                }
            }
            case "psql_d_indexes" -> {
                if (t.hasPrimaryKey()) {
                    StringBuilder cols = new StringBuilder();
                    for (int i : t.primaryKey()) {
                        cols.append(cols.isEmpty() ? "" : ", ").append(t.columns().get(i).name());
                    }
                    rows.add(new Object[] {t.primaryKeyName(), true, true, false, true, "CREATE UNIQUE INDEX "
                            + t.primaryKeyName() + " ON " + t.name() + " USING btree (" + cols + ")",
                            "PRIMARY KEY (" + cols + ")", "p", false, false, false, 0L});
                }
            }
            default -> {
                // policies, statistics objects, publications, inheritance: Walden has none
            }
        }
    }

    /** The parameters a recognised query takes (declared ones win): pgjdbc's type look-up takes an int4. */
    static void declareParams(Ast.KnownClientQuery q, ParamTypes params) {
        if (q.kind().startsWith("pgjdbc_type")) {
            Node.ParamRef p = params.reference(1);
            if (params.isUnresolved(p)) {
                params.resolve(p, q.kind().equals("pgjdbc_type_by_oid") ? PgType.INT4 : PgType.INT8);
            }
        }
    }

    /** Answers a recognised query from the catalog (and its bound parameters). */
    public static Executor.Result run(Ast.KnownClientQuery q, Catalog catalog, Object[] params) {
        List<Object[]> rows = new ArrayList<>();
        RoleDef bootstrap = catalog.roleByOid(CatalogStore.BOOTSTRAP_SUPERUSER_OID);
        String owner = bootstrap == null ? null : bootstrap.name();
        switch (q.kind()) {
            case "pgbench_partitions" -> {
                // a table in public is at position 2 of current_schemas(true), unpartitioned, no children
                if (catalog.table(q.argument()) != null) {
                    rows.add(new Object[] {2, null, 0L});
                }
            }
            case "psql_list_databases" -> {
                List<DatabaseDef> dbs = new ArrayList<>(catalog.databases().values());
                dbs.sort(Comparator.comparing(DatabaseDef::name));
                for (DatabaseDef d : dbs) {
                    RoleDef o = catalog.roleByOid(d.ownerOid());
                    String name = o == null ? "unknown (OID=" + d.ownerOid() + ")" : o.name();
                    String acl = d.name().startsWith("template") ? "=c/" + name + "\n" + name + "=CTc/" + name : null;
                    rows.add(new Object[] {d.name(), name, "UTF8", "C.UTF-8", "C.UTF-8", null, "libc", acl});
                }
            }
            case "psql_list_roles" -> {
                List<RoleDef> roles = new ArrayList<>(catalog.allRoles());
                roles.sort(Comparator.comparing(RoleDef::name));
                for (RoleDef r : roles) {
                    if (!r.name().startsWith("pg_")) {
                        rows.add(new Object[] {r.name(), r.superuser(), r.inherit(), r.createRole(), r.createDb(),
                                r.canLogin(), r.connectionLimit(), r.validUntil(), List.of(), r.replication(),
                                r.bypassRls()});
                    }
                }
            }
            case "pgjdbc_type_by_oid" -> {
                Object oid = params.length > 0 ? params[0] : null;
                PgType t = oid == null ? null : PgType.byOid(((Number) oid).intValue());
                if (t != null) {
                    rows.add(new Object[] {true, "pg_catalog", t.typname});
                }
            }
            case "pgjdbc_type_info_by_oid" -> {
                Object oid = params.length > 0 ? params[0] : null;
                PgType t = oid == null ? null : PgType.byOid(((Number) oid).intValue());
                if (t != null) {
                    rows.add(new Object[] {t == PgType.NAME_ARRAY, t == PgType.UNKNOWN ? "p" : "b", t.typname,
                            (long) t.oid});
                }
            }
            case "psql_list_tables" -> {
                List<TableDef> tables = new ArrayList<>(catalog.tables().values());
                tables.sort(Comparator.comparing(TableDef::name));
                for (TableDef t : tables) {
                    rows.add(new Object[] {"public", t.name(), "table", owner});
                }
            }
            default -> describeRows(q, catalog, rows);
        }
        return new Executor.Result(rows, "SELECT " + rows.size());
    }
}
