package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.walden.test.RealPostgres;
import org.walden.test.TestCluster;

/**
 * pgjdbc's DatabaseMetaData and the catalog queries of pgAdmin 4 and DBeaver, judged by a real
 * PostgreSQL 15 holding the same schema: every call or query gives the same columns and the same
 * rows on both servers (OIDs of user objects, which differ between the servers, compared by the
 * object they name). The admin tools' queries are written here in the shapes those tools send
 * when they connect, list a schema's tables and open a table (their templates and Java sources
 * read in pgAdmin's and DBeaver's public repositories), with the parameters filled in.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PgjdbcBesidePostgresIT {

    private static final String SCHEMA = """
            create schema shop;
            create table shop.customer (id serial primary key, name text not null, email varchar(80) unique,
              joined date default current_date);
            create table shop.orders (id bigint primary key, customer_id int not null references shop.customer(id)
              on delete cascade, total numeric(10,2) check (total >= 0), note text);
            create index orders_customer on shop.orders (customer_id, total desc);
            create table shop.line (order_id bigint references shop.orders(id), n int, qty int default 1,
              primary key (order_id, n));
            create view shop.big_orders as select o.id, c.name, o.total from shop.orders o join shop.customer c
              on c.id = o.customer_id where o.total > 100;
            comment on table shop.orders is 'orders placed';
            comment on column shop.orders.total is 'sum of lines';
            insert into shop.customer (name, email) values ('ann', 'ann@x'), ('bob', null);
            insert into shop.orders values (1, 1, 150, null), (2, 2, 20, 'small');
            """;

    private RealPostgres postgres;
    private TestCluster cluster;
    private TestCluster.Node walden;
    private Connection pg;
    private Connection wd;

    @BeforeAll
    void startServers() throws SQLException {
        postgres = RealPostgres.start();
        cluster = new TestCluster();
        walden = cluster.initPrimary("jdbc-judged");
        walden.start();
        pg = postgres.connect("postgres");
        wd = walden.connect();
        for (Connection c : List.of(pg, wd)) {
            try (Statement s = c.createStatement()) {
                s.execute(SCHEMA);
            }
        }
    }

    @AfterAll
    void stopServers() throws SQLException {
        for (Connection c : new Connection[] {pg, wd}) {
            if (c != null) {
                c.close();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private interface MetaCall {
        ResultSet call(DatabaseMetaData md) throws SQLException;
    }

    private void sameMetaData(String what, MetaCall call) throws SQLException {
        sameMetaData(what, call, 1);
    }

    /** The call's rows (after the header) on Walden are PostgreSQL's, who gives at least {@code minRows}. */
    private void sameMetaData(String what, MetaCall call, int minRows) throws SQLException {
        List<String> expected = rows(call.call(pg.getMetaData()), pg);
        List<String> actual = rows(call.call(wd.getMetaData()), wd);
        assertThat(expected).as("PostgreSQL answers %s", what).hasSizeGreaterThan(minRows);
        assertThat(actual).as(what).containsExactlyElementsOf(expected);
    }

    @Test
    void databaseMetaDataAnswersAsPostgres() throws SQLException {
        sameMetaData("getTables", md -> md.getTables(null, "shop", "%", null));
        sameMetaData("getTables TABLE only", md -> md.getTables(null, "shop", "%", new String[] {"TABLE"}));
        sameMetaData("getTables VIEW", md -> md.getTables(null, null, "big%", new String[] {"VIEW"}));
        sameMetaData("getColumns", md -> md.getColumns(null, "shop", "%", "%"));
        sameMetaData("getColumns pattern", md -> md.getColumns(null, "shop", "orders", "t%"));
        sameMetaData("getPrimaryKeys", md -> md.getPrimaryKeys(null, "shop", "line"));
        sameMetaData("getIndexInfo", md -> md.getIndexInfo(null, "shop", "orders", false, false));
        sameMetaData("getIndexInfo unique", md -> md.getIndexInfo(null, "shop", "customer", true, false));
        sameMetaData("getImportedKeys", md -> md.getImportedKeys(null, "shop", "orders"));
        sameMetaData("getExportedKeys", md -> md.getExportedKeys(null, "shop", "customer"));
        sameMetaData("getCrossReference", md -> md.getCrossReference(null, "shop", "orders", null, "shop", "line"));
        sameMetaData("getSchemas", md -> md.getSchemas(null, "%"));
        sameMetaData("getSchemas()", DatabaseMetaData::getSchemas);
        sameMetaData("getCatalogs", DatabaseMetaData::getCatalogs);
        sameMetaData("getTableTypes", DatabaseMetaData::getTableTypes);
        // functions are not procedures (prokind 'f'): no rows from either
        sameMetaData("getProcedures", md -> md.getProcedures(null, "pg_catalog", "pg_backend_pid"), 0);
        assertThat(typeInfo(wd)).containsExactlyElementsOf(typeInfo(pg));
    }

    /** getTypeInfo, for the types both servers have (PostgreSQL has geometric, range, text search... types besides). */
    private List<String> typeInfo(Connection c) throws SQLException {
        Set<String> common = Set.of("int2", "int4", "int8", "numeric", "float4", "float8", "bool", "text", "varchar",
                "bpchar", "date", "timestamp", "timestamptz", "bytea", "uuid", "json", "jsonb", "oid", "name",
                "_int4", "_text", "interval", "time");
        List<String> out = new ArrayList<>();
        for (String row : rows(c.getMetaData().getTypeInfo(), c)) {
            if (common.contains(row.substring(0, row.indexOf('|')))) {
                out.add(row);
            }
        }
        assertThat(out).hasSize(common.size());
        return out;
    }

    @Test
    void resultSetMetaDataOfAJoin() throws SQLException {
        String sql = "select o.id, c.name, o.total, c.joined, o.total * 2 as twice from shop.orders o "
                + "join shop.customer c on c.id = o.customer_id order by o.id";
        assertThat(columnsOf(wd, sql)).containsExactlyElementsOf(columnsOf(pg, sql));
    }

    private static List<String> columnsOf(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            org.postgresql.PGResultSetMetaData pgmd = md.unwrap(org.postgresql.PGResultSetMetaData.class);
            for (int i = 1; i <= md.getColumnCount(); i++) {
                out.add(String.join("|", md.getColumnLabel(i), md.getColumnName(i), md.getColumnTypeName(i),
                        Integer.toString(md.getColumnType(i)), Integer.toString(md.getPrecision(i)),
                        Integer.toString(md.getScale(i)), Integer.toString(md.isNullable(i)),
                        Boolean.toString(md.isAutoIncrement(i)), md.getSchemaName(i), pgmd.getBaseTableName(i),
                        pgmd.getBaseColumnName(i), pgmd.getBaseSchemaName(i), md.getColumnClassName(i)));
            }
        }
        return out;
    }

    @Test
    void pgAdminAndDbeaverCatalogQueries() throws SQLException {
        for (String query : ADMIN_QUERIES) {
            List<String> expected = query(pg, query);
            List<String> actual = query(wd, query);
            assertThat(expected).as("PostgreSQL answers %s", query).isNotEmpty();
            assertThat(actual).as(query).containsExactlyElementsOf(expected);
        }
    }

    /** Queries in the shapes pgAdmin 4 and DBeaver send; "?" is the OID of schema shop, "??" of table shop.orders. */
    private static final List<String> ADMIN_QUERIES = List.of(
            // on connecting: the database, the server's settings and version, the roles
            "SELECT db.oid AS did, db.datname, db.datallowconn, pg_catalog.pg_encoding_to_char(db.encoding) AS "
                    + "serverencoding, pg_catalog.has_database_privilege(db.oid, 'CREATE') AS cancreate, "
                    + "datistemplate FROM pg_catalog.pg_database db WHERE db.datname = pg_catalog.current_database()",
            "SELECT CASE WHEN usesuper THEN pg_catalog.pg_is_in_recovery() ELSE NULL END AS inrecovery, "
                    + "CASE WHEN usesuper AND pg_catalog.pg_is_in_recovery() THEN "
                    + "pg_catalog.pg_is_wal_replay_paused() ELSE NULL END AS isreplaypaused "
                    + "FROM pg_catalog.pg_user WHERE usename = current_user",
            "SELECT roles.oid AS id, roles.rolname AS name, roles.rolsuper AS is_superuser, "
                    + "CASE WHEN roles.rolsuper THEN true ELSE roles.rolcreaterole END AS can_create_role, "
                    + "CASE WHEN roles.rolsuper THEN true ELSE roles.rolcreatedb END AS can_create_db, "
                    + "CASE WHEN 'pg_signal_backend' = ANY(ARRAY(WITH RECURSIVE cte AS (SELECT pg_catalog.pg_roles.oid, "
                    + "pg_catalog.pg_roles.rolname FROM pg_catalog.pg_roles WHERE pg_catalog.pg_roles.oid = roles.oid "
                    + "UNION ALL SELECT m.roleid, pgr.rolname FROM cte cte_1 JOIN pg_catalog.pg_auth_members m "
                    + "ON m.member = cte_1.oid JOIN pg_catalog.pg_roles pgr ON pgr.oid = m.roleid) "
                    + "SELECT rolname FROM cte)) THEN True ELSE False END AS can_signal_backend "
                    + "FROM pg_catalog.pg_roles AS roles WHERE rolname = current_user",
            "SELECT db.oid, db.datname AS name, ta.spcname AS spcname, db.datallowconn, db.datistemplate AS "
                    + "is_template, pg_catalog.has_database_privilege(db.oid, 'CREATE') AS cancreate, datdba AS owner "
                    + "FROM pg_catalog.pg_database db LEFT OUTER JOIN pg_catalog.pg_tablespace ta ON db.dattablespace = ta.oid "
                    + "WHERE db.oid > 16383::OID OR db.datname IN ('postgres', 'edb') ORDER BY datname",
            // the schema list, then the tables of a schema, with triggers, inheritance and descriptions
            "SELECT nsp.oid, nsp.nspname AS name, pg_catalog.has_schema_privilege(nsp.oid, 'CREATE') AS can_create, "
                    + "pg_catalog.has_schema_privilege(nsp.oid, 'USAGE') AS has_usage, des.description "
                    + "FROM pg_catalog.pg_namespace nsp LEFT OUTER JOIN pg_catalog.pg_description des ON "
                    + "(des.objoid = nsp.oid AND des.classoid = 'pg_namespace'::regclass) WHERE nspname NOT LIKE E'pg\\\\_%' "
                    + "AND nspname NOT IN ('information_schema') ORDER BY nspname",
            "SELECT rel.oid, rel.relname AS name, (SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = rel.oid "
                    + "AND tgisinternal = FALSE) AS triggercount, (SELECT count(*) FROM pg_catalog.pg_trigger WHERE "
                    + "tgrelid = rel.oid AND tgisinternal = FALSE AND tgenabled = 'O') AS has_enable_triggers, "
                    + "(CASE WHEN rel.relkind = 'p' THEN true ELSE false END) AS is_partitioned, (SELECT count(1) "
                    + "FROM pg_catalog.pg_inherits WHERE inhrelid = rel.oid LIMIT 1) AS is_inherits, (SELECT count(1) "
                    + "FROM pg_catalog.pg_inherits WHERE inhparent = rel.oid LIMIT 1) AS is_inherited, des.description "
                    + "FROM pg_catalog.pg_class rel LEFT OUTER JOIN pg_catalog.pg_description des ON (des.objoid = rel.oid "
                    + "AND des.objsubid = 0 AND des.classoid = 'pg_class'::regclass) WHERE rel.relkind IN ('r','s','t','p') "
                    + "AND rel.relnamespace = ?::oid AND NOT rel.relispartition ORDER BY rel.relname",
            // opening a table: its properties, columns, constraints, indexes
            "SELECT rel.oid, rel.relname AS name, rel.reltablespace AS spcoid, rel.relacl AS relacl_str, "
                    + "(CASE WHEN length(spc.spcname::text) > 0 THEN spc.spcname ELSE 'pg_default' END) AS spcname, "
                    + "(SELECT nspname FROM pg_catalog.pg_namespace WHERE oid = ?::oid) AS schema, "
                    + "pg_catalog.pg_get_userbyid(rel.relowner) AS relowner, rel.relhassubclass, rel.reltuples, "
                    + "des.description, con.conname, con.conkey, (SELECT ARRAY(SELECT CASE WHEN (nspname NOT LIKE "
                    + "E'pg\\\\_%') THEN pg_catalog.quote_ident(nspname) || '.' || pg_catalog.quote_ident(c.relname) "
                    + "ELSE pg_catalog.quote_ident(c.relname) END FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c "
                    + "ON c.oid = i.inhparent JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE i.inhrelid = "
                    + "rel.oid ORDER BY inhseqno)) AS coll_inherits, (CASE WHEN rel.relpersistence = 'u' THEN true ELSE "
                    + "false END) AS relpersistence, substring(pg_catalog.array_to_string(rel.reloptions, ',') FROM "
                    + "'fillfactor=([0-9]*)') AS fillfactor, (CASE WHEN (substring(pg_catalog.array_to_string("
                    + "rel.reloptions, ',') FROM 'autovacuum_enabled=([a-z|0-9]*)') = 'true') THEN true ELSE false END) "
                    + "AS autovacuum_enabled, rel.reloptions AS reloptions, typ.typname AS typname, "
                    + "pg_catalog.pg_get_expr(rel.relpartbound, rel.oid) AS partition_value "
                    + "FROM pg_catalog.pg_class rel LEFT OUTER JOIN pg_catalog.pg_tablespace spc ON spc.oid = rel.reltablespace "
                    + "LEFT OUTER JOIN pg_catalog.pg_description des ON (des.objoid = rel.oid AND des.objsubid = 0 AND "
                    + "des.classoid = 'pg_class'::regclass) LEFT OUTER JOIN pg_catalog.pg_constraint con ON "
                    + "con.conrelid = rel.oid AND con.contype = 'p' LEFT JOIN pg_catalog.pg_type typ ON rel.reloftype = typ.oid "
                    + "WHERE rel.relkind IN ('r','s','t','p') AND rel.relnamespace = ?::oid AND rel.oid = ??::oid",
            "SELECT DISTINCT att.attname AS name, att.attnum AS attnum, att.attnotnull, att.atthasdef, "
                    + "pg_catalog.format_type(ty.oid, att.atttypmod) AS displaytypname, ty.typname, "
                    + "pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS defval, des.description, "
                    + "CASE WHEN att.attnum = ANY(con.conkey) THEN true ELSE false END AS is_primary_key, "
                    + "att.attidentity, att.attgenerated, att.attstattarget, att.attstorage, "
                    + "(SELECT count(1) FROM pg_catalog.pg_type t2 WHERE t2.typname = ty.typname) > 1 AS isdup, "
                    + "CASE WHEN length(coll.collname::text) > 0 AND length(nspc.nspname::text) > 0 THEN "
                    + "pg_catalog.concat(pg_catalog.quote_ident(nspc.nspname), '.', pg_catalog.quote_ident(coll.collname)) "
                    + "ELSE '' END AS collspcname FROM pg_catalog.pg_attribute att JOIN pg_catalog.pg_type ty ON "
                    + "ty.oid = atttypid LEFT OUTER JOIN pg_catalog.pg_attrdef def ON adrelid = att.attrelid AND "
                    + "adnum = att.attnum LEFT OUTER JOIN pg_catalog.pg_description des ON (des.objoid = att.attrelid AND "
                    + "des.objsubid = att.attnum AND des.classoid = 'pg_class'::regclass) LEFT OUTER JOIN "
                    + "pg_catalog.pg_collation coll ON att.attcollation = coll.oid LEFT OUTER JOIN pg_catalog.pg_namespace "
                    + "nspc ON coll.collnamespace = nspc.oid LEFT OUTER JOIN pg_catalog.pg_constraint con ON "
                    + "con.conrelid = att.attrelid AND con.contype = 'p' WHERE att.attrelid = ??::oid AND att.attnum > 0 "
                    + "AND att.attisdropped IS FALSE ORDER BY att.attnum",
            "SELECT ct.oid, conname AS name, condeferrable, condeferred, confupdtype, confdeltype, "
                    + "CASE confmatchtype WHEN 's' THEN FALSE WHEN 'f' THEN TRUE END AS confmatchtype, conkey, confkey, "
                    + "confrelid, nl.nspname AS fknsp, cl.relname AS fktab, nr.nspname AS refnsp, cr.relname AS reftab, "
                    + "description, convalidated FROM pg_catalog.pg_constraint ct JOIN pg_catalog.pg_class cl ON "
                    + "cl.oid = conrelid JOIN pg_catalog.pg_namespace nl ON nl.oid = cl.relnamespace JOIN "
                    + "pg_catalog.pg_class cr ON cr.oid = confrelid JOIN pg_catalog.pg_namespace nr ON "
                    + "nr.oid = cr.relnamespace LEFT OUTER JOIN pg_catalog.pg_description des ON (des.objoid = ct.oid "
                    + "AND des.classoid = 'pg_constraint'::regclass) WHERE contype = 'f' AND conrelid = ??::oid "
                    + "ORDER BY conname",
            "SELECT DISTINCT ON (cls.relname) cls.oid, cls.relname AS name, indrelid, indkey, indisclustered, "
                    + "indisvalid, indisunique, indisprimary, n.nspname, indnatts, cls.reltablespace AS spcoid, "
                    + "CASE WHEN length(spcname::text) > 0 THEN spcname ELSE (SELECT sp.spcname FROM pg_catalog.pg_database "
                    + "dtb JOIN pg_catalog.pg_tablespace sp ON dtb.dattablespace = sp.oid WHERE dtb.oid = "
                    + "(SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())) END AS spcname, "
                    + "tab.relname AS tabname, indclass, con.oid AS conoid, CASE WHEN contype IN ('p', 'u', 'x') THEN "
                    + "desp.description ELSE des.description END AS description, pg_catalog.pg_get_expr(indpred, "
                    + "indrelid, true) AS indconstraint, contype, condeferrable, condeferred, amname "
                    + "FROM pg_catalog.pg_index idx JOIN pg_catalog.pg_class cls ON cls.oid = indexrelid JOIN "
                    + "pg_catalog.pg_class tab ON tab.oid = indrelid LEFT OUTER JOIN pg_catalog.pg_tablespace ta ON "
                    + "ta.oid = cls.reltablespace JOIN pg_catalog.pg_namespace n ON n.oid = tab.relnamespace JOIN "
                    + "pg_catalog.pg_am am ON am.oid = cls.relam LEFT JOIN pg_catalog.pg_depend dep ON (dep.classid = "
                    + "cls.tableoid AND dep.objid = cls.oid AND dep.refobjsubid = '0' AND dep.refclassid = (SELECT oid "
                    + "FROM pg_catalog.pg_class WHERE relname = 'pg_constraint') AND dep.deptype = 'i') LEFT OUTER JOIN "
                    + "pg_catalog.pg_constraint con ON (con.tableoid = dep.refclassid AND con.oid = dep.refobjid) "
                    + "LEFT OUTER JOIN pg_catalog.pg_description des ON (des.objoid = cls.oid AND des.classoid = "
                    + "'pg_class'::regclass) LEFT OUTER JOIN pg_catalog.pg_description desp ON (desp.objoid = con.oid "
                    + "AND desp.objsubid = 0 AND desp.classoid = 'pg_constraint'::regclass) WHERE indrelid = ??::oid "
                    + "ORDER BY cls.relname",
            // DBeaver: schemas, tables, columns with a.*, indexes, on connecting and opening a table
            "SELECT n.oid, n.*, d.description FROM pg_catalog.pg_namespace n LEFT OUTER JOIN pg_catalog.pg_description d "
                    + "ON d.objoid = n.oid AND d.objsubid = 0 AND d.classoid = 'pg_namespace'::regclass "
                    + "WHERE nspname = 'shop' ORDER BY nspname",
            "SELECT c.oid, c.*, d.description, pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS partition_expr, "
                    + "pg_catalog.pg_get_partkeydef(c.oid) AS partition_key FROM pg_catalog.pg_class c LEFT OUTER JOIN "
                    + "pg_catalog.pg_description d ON d.objoid = c.oid AND d.objsubid = 0 AND d.classoid = "
                    + "'pg_class'::regclass WHERE c.relnamespace = ? AND c.relkind NOT IN ('i', 'I', 'c') "
                    + "ORDER BY c.relname",
            "SELECT c.relname, a.*, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) AS def_value, dsc.description, "
                    + "dep.objid FROM pg_catalog.pg_attribute a INNER JOIN pg_catalog.pg_class c ON (a.attrelid = c.oid) "
                    + "LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid = ad.adrelid AND a.attnum = ad.adnum) "
                    + "LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid = dsc.objoid AND a.attnum = dsc.objsubid) "
                    + "LEFT OUTER JOIN pg_depend dep ON dep.refobjid = a.attrelid AND dep.deptype = 'i' AND "
                    + "dep.refobjsubid = a.attnum AND dep.classid = dep.refclassid WHERE NOT a.attisdropped AND "
                    + "c.relkind NOT IN ('i', 'I', 'c') AND c.relnamespace = ? ORDER BY c.relname, a.attnum",
            "SELECT i.*, i.indkey AS keys, c.relname, c.relnamespace, c.relam, c.reltablespace, tc.relname AS tabrelname, "
                    + "dsc.description, pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS pred_expr, "
                    + "pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) AS expr FROM pg_catalog.pg_index i "
                    + "INNER JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid INNER JOIN pg_catalog.pg_class tc ON "
                    + "tc.oid = i.indrelid LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid = dsc.objoid "
                    + "WHERE c.relnamespace = ? ORDER BY tabrelname, c.relname",
            "SELECT c.oid, c.*, t.relname AS tabrelname, rt.relnamespace AS refnamespace, d.description, "
                    + "CASE WHEN c.contype = 'c' THEN pg_catalog.pg_get_constraintdef(c.oid) ELSE NULL END AS consrc_copy "
                    + "FROM pg_catalog.pg_constraint c INNER JOIN pg_catalog.pg_class t ON t.oid = c.conrelid "
                    + "LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid = c.confrelid LEFT OUTER JOIN "
                    + "pg_catalog.pg_description d ON d.objoid = c.oid AND d.objsubid = 0 AND d.classoid = "
                    + "'pg_constraint'::regclass WHERE t.relnamespace = ? ORDER BY t.relname, c.conname",
            "SELECT pg_catalog.pg_get_viewdef(c.oid, true) AS definition FROM pg_catalog.pg_class c "
                    + "WHERE c.relnamespace = ? AND c.relkind = 'v'",
            "SELECT * FROM shop.orders ORDER BY id LIMIT 200");

    private List<String> query(Connection c, String template) throws SQLException {
        long schema;
        long table;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select 'shop'::regnamespace::oid, 'shop.orders'::regclass::oid")) {
            rs.next();
            schema = rs.getLong(1);
            table = rs.getLong(2);
        }
        String sql = template.replace("??", Long.toString(table)).replace("?", Long.toString(schema));
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            return rows(ps.executeQuery(), c);
        }
    }

    /**
     * Columns whose values are the server's own: where a table's rows are stored (Walden keys them
     * by a storage number, not by relfilenode = oid), its TOAST table (Walden has none),
     * transaction-id horizons, which follow each server's history, the stored form of a CHECK
     * expression (pg_node_tree, read through pg_get_expr, which is compared) and the OIDs of
     * built-in operators (Walden numbers its own; README lists it among the differences).
     */
    private static final Set<String> SERVER_SPECIFIC = Set.of("relfilenode", "reltoastrelid", "relfrozenxid",
            "relminmxid", "conbin", "conpfeqop", "conppeqop", "conffeqop");

    /** Each row as "a|b|c" after a header of column names; user OIDs replaced by the names they stand for. */
    private List<String> rows(ResultSet rs, Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            ResultSetMetaData md = rs.getMetaData();
            List<String> header = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                header.add(md.getColumnLabel(i) + ":" + md.getColumnTypeName(i));
            }
            out.add(String.join("|", header));
            while (rs.next()) {
                List<String> cells = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    cells.add(SERVER_SPECIFIC.contains(md.getColumnLabel(i)) ? "*" : userOidsNamed(rs.getString(i), c));
                }
                out.add(String.join("|", cells));
            }
        }
        return out;
    }

    /** A value that is the OID of a user object (16384 and up) becomes that object's name. */
    private String userOidsNamed(String value, Connection c) throws SQLException {
        if (value == null || !value.matches("(1[6-9][0-9]{3}|[2-9][0-9]{4}|[0-9]{6,9})")) {
            return value;
        }
        try (PreparedStatement ps = c.prepareStatement("select coalesce((select 'class ' || relname from pg_class "
                + "where oid = o.v), (select 'schema ' || nspname from pg_namespace where oid = o.v), (select 'type ' "
                + "|| typname from pg_type where oid = o.v), (select 'constraint ' || conname from pg_constraint where "
                + "oid = o.v), (select 'database ' || datname from pg_database where oid = o.v), (select 'attrdef ' || "
                + "adrelid::regclass || '.' || adnum from pg_attrdef where oid = o.v), o.v::text) "
                + "from (select ?::bigint::oid as v) o")) {
            ps.setLong(1, Long.parseLong(value));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
