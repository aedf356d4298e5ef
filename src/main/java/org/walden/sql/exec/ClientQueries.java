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
 * PostgreSQL 15 gives (PG_CLIENTS.md §2-3, pg15-captures): pgbench's partition check before a
 * run, and psql's {@code \l}, {@code \du}, {@code \dt} and {@code \d} (the list, without a
 * pattern). Everything else goes to the parser.
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
            default -> throw new IllegalStateException(q.kind());
        };
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
            default -> throw new IllegalStateException(q.kind());
        }
        return new Executor.Result(rows, "SELECT " + rows.size());
    }
}
