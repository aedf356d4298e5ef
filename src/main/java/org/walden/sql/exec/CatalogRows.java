package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Acl;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.Constraint;
import org.walden.txn.RelPersistence;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.Routine;
import org.walden.sql.catalog.SharedCatalog;
import org.walden.sql.catalog.SystemCatalogs;
import org.walden.sql.catalog.TableStats;
import org.walden.sql.func.Builtins;
import org.walden.sql.func.FnContext;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.types.Casts;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * The rows of the pg_catalog relations, built from the session's {@link DbCatalog} (this
 * database's schemas, relations, indexes, constraints, statistics and comments), the shared
 * catalog (roles, databases) and the built-in registry (types, functions, operators, casts) each
 * time a statement scans one. Columns are in the order {@code system-catalogs.txt} declares.
 * Catalogs of features Walden does not have (triggers, policies, publications, ...) have no rows.
 * The status views (pg_settings, pg_stat_*) are in {@link StatusRows}.
 */
final class CatalogRows {

    static final long PG_CLASS = 1259;
    static final long PG_TYPE = 1247;
    static final long PG_PROC = 1255;
    static final long PG_CONSTRAINT = 2606;
    static final long PG_ATTRDEF = 2604;
    static final long PG_REWRITE = 2618;
    static final long PG_NAMESPACE = 2615;
    static final long HEAP_AM = 2;
    static final long BTREE_AM = 403;
    static final long HASH_AM = 405;
    static final long DEFAULT_TABLESPACE = 1663;
    static final long GLOBAL_TABLESPACE = 1664;
    static final long INTERNAL_LANGUAGE = 12;
    static final long SQL_LANGUAGE = 14;
    /** OIDs of the btree operator classes Walden lists, one per sortable built-in type. */
    private static final long OWNER = CatalogStore.BOOTSTRAP_SUPERUSER_OID;

    private CatalogRows() {
    }

    /** The rows of {@code rel}; {@code viaView} when a system view reads it (pg_roles reads pg_authid). */
    static List<Object[]> rows(Relation rel, ExecState st, boolean viaView) {
        FnContext fn = st.fn();
        DbCatalog cat = fn.catalog();
        if (rel.kind() == Relation.SEQUENCE) {
            return List.<Object[]>of(fn.sequences().row(rel.oid()));
        }
        return switch (rel.name()) {
            case "pg_class" -> pgClass(cat);
            case "pg_attribute" -> pgAttribute(cat);
            case "pg_namespace" -> pgNamespace(fn.lookup());
            case "pg_type" -> pgType(cat);
            case "pg_proc" -> pgProc(cat);
            case "pg_index" -> pgIndex(cat);
            case "pg_constraint" -> pgConstraint(cat);
            case "pg_attrdef" -> pgAttrdef(cat);
            case "pg_database" -> pgDatabase(cat.shared());
            case "pg_authid" -> pgAuthid(fn, cat.shared(), viaView);
            case "pg_auth_members" -> pgAuthMembers(cat.shared());
            case "pg_am" -> pgAm();
            case "pg_operator" -> pgOperator();
            case "pg_description" -> pgDescription(cat, false);
            case "pg_shdescription" -> pgDescription(cat, true);
            case "pg_tablespace" -> pgTablespace(cat.shared());
            case "pg_depend" -> pgDepend(cat, fn);
            case "pg_rewrite" -> pgRewrite(cat);
            case "pg_init_privs" -> pgInitPrivs(cat);
            case "pg_statistic" -> pgStatistic(fn, cat);
            case "pg_stats" -> pgStats(fn, cat);
            case "pg_sequence" -> pgSequence(cat);
            case "pg_default_acl" -> pgDefaultAcl(cat);
            case "pg_collation" -> List.of(row(100L, "default", (long) Namespace.PG_CATALOG, OWNER, "d", true, -1,
                            null, null, null, null),
                    row(950L, "C", (long) Namespace.PG_CATALOG, OWNER, "c", true, -1, "C", "C", null, null),
                    row(951L, "POSIX", (long) Namespace.PG_CATALOG, OWNER, "c", true, -1, "POSIX", "POSIX", null,
                            null),
                    row(12340L, "ucs_basic", (long) Namespace.PG_CATALOG, OWNER, "c", true, 6, "C", "C", null, null));
            case "pg_language" -> List.of(
                    row(INTERNAL_LANGUAGE, "internal", OWNER, false, false, 0L, 0L, 2246L, null),
                    row(13L, "c", OWNER, false, false, 0L, 0L, 2247L, null),
                    row(14L, "sql", OWNER, false, true, 0L, 0L, 2248L, null));
            case "pg_cast" -> pgCast();
            case "pg_aggregate" -> pgAggregate();
            case "pg_opclass" -> pgOpclass();
            case "pg_opfamily" -> pgOpfamily();
            default -> StatusRows.rows(rel, fn);
        };
    }

    static Object[] row(Object... values) {
        return values;
    }

    private static long oid(int v) {
        return v & 0xFFFFFFFFL;
    }

    // ---------------------------------------------------------------- pg_class, pg_attribute

    private static List<Object[]> pgClass(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (Relation r : SystemCatalogs.all()) {
            rows.add(classRow(r, cat, -1, 0));
        }
        for (Relation r : sorted(cat.relations(), Relation::oid)) {
            TableStats s = cat.stats(r.oid());
            if (r.kind() == Relation.SEQUENCE) {
                rows.add(classRow(r, cat, 1, 1)); // a sequence is one page holding one row
            } else {
                rows.add(classRow(r, cat, s == null ? -1 : (float) s.reltuples(), s == null ? 0 : (int) s.relpages()));
            }
        }
        for (IndexInfo i : sorted(cat.indexes(), IndexInfo::oid)) {
            TableStats s = cat.stats(i.tableOid());
            rows.add(row(oid(i.oid()), i.name(), oid(i.namespaceOid()), 0L, 0L, ownerOf(cat, i.tableOid()),
                    i.method().equals("hash") ? HASH_AM : BTREE_AM, oid(RelPersistence.fileNumber(i.relfilenode())),
                    oid(cat.relationTablespace(i.oid())),
                    // never analyzed: as PostgreSQL's index build on an empty table leaves it (one page, no tuples)
                    s == null ? 1 : (int) Math.max(1, s.relpages() / 2), s == null ? 0f : (float) s.reltuples(), 0,
                    0L, false, false, String.valueOf(CatalogLookup.persistence(cat, i.namespaceOid(),
                            i.hasStorage() || cat.relation(i.tableOid()) == null ? i.relfilenode()
                                    : cat.relation(i.tableOid()).relfilenode())),
                    "i", (short) i.keys().size(), (short) 0, false, false, false, false, false,
                    true, "n", false, 0L, 0L, 0L, null, null, null));
        }
        return rows;
    }

    /** pg_tablespace: pg_default, pg_global and the tablespaces created, by OID. */
    private static List<Object[]> pgTablespace(org.walden.sql.catalog.SharedCatalog shared) {
        List<Object[]> rows = new ArrayList<>();
        for (org.walden.sql.catalog.TablespaceDef t : shared.tablespacesInOrder()) {
            rows.add(row(oid(t.oid()), t.name(), oid(t.ownerOid()),
                    t.acl() == null ? null : Acl.formatAll(t.acl(), shared::roleName), null));
        }
        return rows;
    }

    private static Object[] classRow(Relation r, DbCatalog cat, float reltuples, int relpages) {
        int checks = 0;
        for (Constraint c : cat.constraintsOf(r.oid())) {
            checks += c.type() == Constraint.CHECK ? 1 : 0;
        }
        boolean system = r.virtual();
        char kind = r.kind() == Relation.VIEW || SystemCatalogs.isSystemView(r) ? 'v' : r.kind();
        boolean heap = kind == 'r' || kind == 'm';
        // PostgreSQL 15's sequences have no row type
        return row(oid(r.oid()), r.name(), oid(r.namespaceOid()), kind == 'S' ? 0L : oid(r.rowTypeOid()), 0L,
                oid(r.ownerOid()),
                heap ? HEAP_AM : 0L,
                kind == 'v' ? 0L : oid(system ? r.oid() : RelPersistence.fileNumber(r.relfilenode())),
                system && r.kind() == Relation.TABLE && isShared(r) ? GLOBAL_TABLESPACE : oid(cat.relationTablespace(r.oid())),
                relpages, reltuples, 0,
                0L, !cat.indexesOf(r.oid()).isEmpty(), isShared(r),
                system ? "p" : String.valueOf(CatalogLookup.persistence(cat, r.namespaceOid(), r.relfilenode())),
                String.valueOf(kind),
                (short) r.liveColumns().size(), (short) checks, kind == 'v' || kind == 'm', hasForeignKeys(cat, r.oid()),
                false, false, false, r.isPopulated(),
                heap && !system ? "d" : "n", false, 0L, heap ? 750L : 0L, heap ? 1L : 0L,
                system ? null : Acl.formatAll(cat.acl(DbCatalog.PG_CLASS, r.oid(), 0), cat.shared()::roleName),
                r.options().isEmpty()
                        ? null : new ArrayList<Object>(r.options()), null);
    }

    /** relhastriggers: PostgreSQL's foreign keys are triggers on both tables. */
    private static boolean hasForeignKeys(DbCatalog cat, int oid) {
        if (!cat.foreignKeysReferencing(oid).isEmpty()) {
            return true;
        }
        for (Constraint c : cat.constraintsOf(oid)) {
            if (c.type() == Constraint.FOREIGN) {
                return true;
            }
        }
        return false;
    }

    private static boolean isShared(Relation r) {
        return switch (r.name()) {
            case "pg_database", "pg_authid", "pg_auth_members", "pg_tablespace", "pg_shdescription",
                    "pg_shdepend", "pg_shseclabel" -> r.namespaceOid() == Namespace.PG_CATALOG;
            default -> false;
        };
    }

    private static long ownerOf(DbCatalog cat, int relOid) {
        Relation r = cat.relation(relOid);
        return r == null ? OWNER : oid(r.ownerOid());
    }

    private static List<Object[]> pgAttribute(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (Relation r : SystemCatalogs.all()) {
            boolean catalogTable = SystemCatalogs.isCatalogTable(r);
            if (catalogTable) {
                systemColumnRows(r.oid(), rows);
            }
            for (Attribute a : r.columns()) {
                // PostgreSQL's catalog tables keep their collatable columns in "C"
                int collation = a.type().collation();
                rows.add(attributeRow(r.oid(), a, catalogTable && collation == 100 ? 950 : collation));
            }
        }
        for (Relation r : sorted(cat.relations(), Relation::oid)) {
            if (r.kind() == Relation.TABLE || r.kind() == Relation.SEQUENCE) {
                systemColumnRows(r.oid(), rows);
            }
            for (Attribute a : r.columns()) {
                Object[] row = attributeRow(r.oid(), a, a.type().collation());
                row[22] = Acl.formatAll(cat.acl(DbCatalog.PG_CLASS, r.oid(), a.attnum()), cat.shared()::roleName);
                rows.add(row);
            }
        }
        for (IndexInfo i : sorted(cat.indexes(), IndexInfo::oid)) {
            Relation table = cat.relation(i.tableOid());
            int n = 0;
            for (IndexInfo.Key k : i.keys()) {
                n++;
                Attribute col = k.isExpression() || table == null ? null : table.column(table.indexOfAttnum(k.attnum()));
                String name = col != null ? col.name() : expressionColumnName(k.exprSql());
                PgType type = col != null ? col.type() : PgType.TEXT;
                rows.add(attributeRow(i.oid(), new Attribute(n, name, type, col != null ? col.typmod() : -1, false),
                        type.collation()));
            }
        }
        return rows;
    }

    /** An index expression column's name, as FigureColname gives it: the function's name, else "expr". */
    private static String expressionColumnName(String sql) {
        try {
            org.walden.sql.parse.Tree.Expr e = org.walden.sql.parse.SqlParser.parseExpression(sql);
            while (e instanceof org.walden.sql.parse.Tree.TypeCast c) {
                e = c.arg();
            }
            return e instanceof org.walden.sql.parse.Tree.FuncCall f ? f.functionName() : "expr";
        } catch (RuntimeException ex) {
            return "expr";
        }
    }

    /**
     * The system columns every table and sequence has in pg_attribute (tableoid, cmax, xmax, cmin,
     * xmin, ctid at attnum -6 to -1), as PostgreSQL lists them; clients reading a.* see them.
     */
    private static void systemColumnRows(int relOid, List<Object[]> rows) {
        Object[][] columns = {{"tableoid", 26L, (short) 4, true, "i"}, {"cmax", 29L, (short) 4, true, "i"},
            {"xmax", 28L, (short) 4, true, "i"}, {"cmin", 29L, (short) 4, true, "i"},
            {"xmin", 28L, (short) 4, true, "i"}, {"ctid", 27L, (short) 6, false, "s"}};
        for (int i = 0; i < columns.length; i++) {
            Object[] c = columns[i];
            rows.add(row(oid(relOid), c[0], c[1], 0, c[2], (short) (i - 6), 0, -1, -1, c[3], c[4], "p", "", true,
                    false, false, "", "", false, true, 0, 0L, null, null, null, null));
        }
    }

    private static Object[] attributeRow(int relOid, Attribute a, int collation) {
        PgType t = a.type();
        return row(oid(relOid), a.name(), a.dropped() ? 0L : (long) t.oid, -1, t.typlen, (short) a.attnum(),
                t.isArray() ? 1 : 0, -1, a.typmod(), t.byValue(), String.valueOf(t.align), String.valueOf(t.storage()),
                "", a.notNull(), hasStoredDefault(a), false, a.identity() == '\0' ? "" : String.valueOf(a.identity()),
                a.isGenerated() ? String.valueOf(a.generated()) : "",
                a.dropped(), true, 0, (long) collation, null, null, null, null);
    }

    // ---------------------------------------------------------------- pg_namespace, pg_type

    private static List<Object[]> pgNamespace(CatalogLookup lookup) {
        List<Object[]> rows = new ArrayList<>();
        for (Namespace n : sorted(lookup.namespaces(), Namespace::oid)) {
            List<Acl.Item> acl = lookup.catalog().acl(DbCatalog.PG_NAMESPACE, n.oid(), 0);
            rows.add(row(oid(n.oid()), n.name(), oid(n.ownerOid()), acl != null
                    ? Acl.formatAll(acl, lookup.catalog().shared()::roleName) : n.oid() == Namespace.PUBLIC
                    ? list("pg_database_owner=UC/pg_database_owner", "=U/pg_database_owner") : null));
        }
        return rows;
    }

    private static List<Object[]> pgType(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (PgType t : PgType.values()) {
            rows.add(typeRow(t));
        }
        for (Relation r : sorted(cat.relations(), Relation::oid)) {
            if (r.rowTypeOid() != 0 && r.kind() != Relation.SEQUENCE) {
                rows.add(row(oid(r.rowTypeOid()), r.name(), oid(r.namespaceOid()), oid(r.ownerOid()), (short) -1,
                        false, "c", "C", false, true, ",", oid(r.oid()), 0L, 0L, 0L, proc("record_in"),
                        proc("record_out"), proc("record_recv"), proc("record_send"), 0L, 0L, 0L, "d", "x", false, 0L,
                        -1, 0, 0L, null, null, null));
            }
        }
        return rows;
    }

    private static Object[] typeRow(PgType t) {
        String[] io = t.ioFunctions();
        boolean array = t.isArray() && t != PgType.INT2VECTOR && t != PgType.OIDVECTOR;
        PgType element = t.isListValued() ? t.elementType() : null;
        long subscript = array ? proc("array_subscript_handler")
                : t == PgType.INT2VECTOR || t == PgType.OIDVECTOR || t == PgType.NAME ? proc("raw_array_subscript_handler")
                : t == PgType.JSONB ? proc("jsonb_subscript_handler") : 0L;
        long modin = typmodFunction(t, "typmodin");
        long modout = typmodFunction(t, "typmodout");
        return row((long) t.oid, t.typname, (long) Namespace.PG_CATALOG, OWNER, t.typlen, t.byValue(),
                String.valueOf(t.typtype()), String.valueOf(t.category), t.preferred, true, ",", 0L, subscript,
                element == null ? (t == PgType.NAME ? (long) PgType.CHAR.oid : 0L) : (long) element.oid,
                (long) t.arrayOid, proc(io[0]), proc(io[1]), proc(io[2]), proc(io[3]), modin, modout,
                array ? proc("array_typanalyze") : 0L, String.valueOf(t.align), String.valueOf(t.storage()), false, 0L,
                -1, 0, (long) t.collation(), null, null, null);
    }

    private static long typmodFunction(PgType t, String suffix) {
        String base = switch (t) {
            case VARCHAR, VARCHAR_ARRAY -> "varchar";
            case BPCHAR, BPCHAR_ARRAY -> "bpchar";
            case NUMERIC, NUMERIC_ARRAY -> "numeric";
            case TIMESTAMP, TIMESTAMP_ARRAY -> "timestamp";
            case TIMESTAMPTZ, TIMESTAMPTZ_ARRAY -> "timestamptz";
            case TIME, TIME_ARRAY -> "time";
            case TIMETZ, TIMETZ_ARRAY -> "timetz";
            case INTERVAL, INTERVAL_ARRAY -> "interval";
            default -> null;
        };
        return base == null ? 0L : proc(base + suffix);
    }

    /** The OID of the built-in function of that name (the first overload), 0 when there is none. */
    static long proc(String name) {
        List<FunctionDef> fs = Builtins.functions(name);
        return fs.isEmpty() ? 0L : fs.get(0).oid;
    }

    // ---------------------------------------------------------------- pg_proc, pg_operator, pg_cast

    private static List<Object[]> pgProc(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (FunctionDef f : Builtins.allFunctions()) {
            Object[] row = procRow(f, Namespace.PG_CATALOG, OWNER, INTERNAL_LANGUAGE, f.name);
            List<Acl.Item> acl = org.walden.sql.func.BuiltinExecute.shownAcl(cat, f);
            if (acl != null) {
                row[row.length - 1] = Acl.formatAll(acl, cat.shared()::roleName);
            }
            rows.add(row);
        }
        for (Routine r : cat.routines()) {
            Object[] row = procRow(FunctionDef.sqlFunction(r), r.namespaceOid(), r.ownerOid(), SQL_LANGUAGE, r.body());
            row[row.length - 1] = Acl.formatAll(cat.acl(DbCatalog.PG_PROC, r.oid(), 0), cat.shared()::roleName);
            rows.add(row);
        }
        return rows;
    }

    /** One pg_proc row; {@code src} is prosrc (the body of a SQL function, the C name of a built-in). */
    private static Object[] procRow(FunctionDef f, long namespace, long owner, long language, String src) {
        List<Object> argTypes = new ArrayList<>();
        for (PgType a : f.args) {
            argTypes.add((long) a.oid);
        }
        List<Object> allArgs = null;
        List<Object> modes = null;
        List<Object> names = null;
        if (f.outNames != null) {
            allArgs = new ArrayList<>(argTypes);
            modes = new ArrayList<>(java.util.Collections.nCopies(argTypes.size(), "i"));
            names = new ArrayList<>();
            for (int i = 0; i < argTypes.size(); i++) {
                names.add(f.argNames != null && i < f.argNames.size() ? f.argNames.get(i) : "");
            }
            for (int i = 0; i < f.outNames.size(); i++) {
                allArgs.add((long) f.outTypes.get(i).oid);
                modes.add(f.retset ? "t" : "o");
                names.add(f.outNames.get(i));
            }
        } else if (f.argNames != null) {
            names = new ArrayList<>(f.argNames);
        }
        if (f.variadic != null && modes == null) {
            modes = new ArrayList<>(java.util.Collections.nCopies(argTypes.size(), "i"));
            modes.set(modes.size() - 1, "v");
        }
        PgType result = f.outNames != null && !f.retset ? PgType.RECORD : f.result;
        return row((long) f.oid, f.name, namespace, owner, language, language == SQL_LANGUAGE ? 100f : 1f,
                f.retset ? 1000f : 0f, f.variadic == null ? 0L : (long) f.variadic.oid, 0L,
                String.valueOf(f.kind), false, false, f.strict, f.retset, String.valueOf(f.volatility),
                language == SQL_LANGUAGE ? "u" : "s",
                (short) f.args.size(), (short) f.defaults, (long) result.oid, argTypes, allArgs, modes, names,
                null, null, src, null, null, null, null);
    }

    private static List<Object[]> pgOperator() {
        List<Object[]> rows = new ArrayList<>();
        for (OperatorDef o : Builtins.allOperators()) {
            rows.add(row((long) o.oid(), o.name(), (long) Namespace.PG_CATALOG, OWNER, o.isPrefix() ? "l" : "b",
                    o.isEquality(), o.hashable(), o.left() == null ? 0L : (long) o.left().oid, (long) o.right().oid,
                    (long) o.result().oid, partner(o, o.commutator(), true), partner(o, o.negator(), false),
                    o.function() == null ? 0L : (long) o.function().oid, 0L, 0L));
        }
        return rows;
    }

    private static long partner(OperatorDef o, String name, boolean commute) {
        if (name == null) {
            return 0L;
        }
        OperatorDef p = commute ? Builtins.operator(name, o.right(), o.left()) : Builtins.operator(name, o.left(),
                o.right());
        return p == null ? 0L : p.oid();
    }

    private static List<Object[]> pgCast() {
        List<Object[]> rows = new ArrayList<>();
        long oid = 10000;
        for (PgType from : PgType.values()) {
            for (PgType to : PgType.values()) {
                if (from == to || from.category == 'P' || to.category == 'P' || from == PgType.UNKNOWN
                        || from.isArray() || to.isArray()) {
                    continue;
                }
                char context = Casts.context(from, to);
                if (context != 0) {
                    rows.add(row(oid++, (long) from.oid, (long) to.oid, 0L, String.valueOf(context),
                            Casts.binaryCoercible(from, to) ? "b" : "i"));
                }
            }
        }
        return rows;
    }

    private static List<Object[]> pgAggregate() {
        List<Object[]> rows = new ArrayList<>();
        for (FunctionDef f : Builtins.allFunctions()) {
            if (f.isAggregate()) {
                rows.add(row((long) f.oid, "n", (short) 0, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, false, false, "r", "r", 0L,
                        (long) PgType.INTERNAL.oid, 0, 0L, 0, null, null));
            }
        }
        return rows;
    }

    /** The OID of the default btree operator class of {@code type}, 0 when it has none. */
    static long opclassOid(PgType type) {
        BtreeOpclasses.Opclass c = BtreeOpclasses.of(type);
        return c == null ? 0L : c.oid();
    }

    private static List<Object[]> pgOpclass() {
        List<Object[]> rows = new ArrayList<>();
        for (BtreeOpclasses.Opclass c : BtreeOpclasses.all()) {
            rows.add(row(c.oid(), BTREE_AM, c.name(), (long) Namespace.PG_CATALOG, OWNER, c.familyOid(),
                    (long) c.inputTypeOid(), true, 0L));
        }
        return rows;
    }

    private static List<Object[]> pgOpfamily() {
        List<Object[]> rows = new ArrayList<>();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (BtreeOpclasses.Opclass c : BtreeOpclasses.all()) {
            if (seen.add(c.familyOid())) {
                rows.add(row(c.familyOid(), BTREE_AM, c.familyName(), (long) Namespace.PG_CATALOG, OWNER));
            }
        }
        return rows;
    }

    private static List<Object[]> pgAm() {
        return List.of(row(HEAP_AM, "heap", proc("heap_tableam_handler"), "t"),
                row(BTREE_AM, "btree", proc("bthandler"), "i"),
                row(HASH_AM, "hash", proc("hashhandler"), "i"));
    }

    // ---------------------------------------------------------------- pg_index, pg_constraint, pg_attrdef

    private static List<Object[]> pgIndex(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (IndexInfo i : sorted(cat.indexes(), IndexInfo::oid)) {
            Relation table = cat.relation(i.tableOid());
            List<Object> key = new ArrayList<>();
            List<Object> collation = new ArrayList<>();
            List<Object> opclass = new ArrayList<>();
            List<Object> option = new ArrayList<>();
            List<String> exprs = new ArrayList<>();
            for (IndexInfo.Key k : i.keys()) {
                key.add((short) k.attnum());
                PgType t = PgType.TEXT;
                if (!k.isExpression() && table != null) {
                    t = table.column(table.indexOfAttnum(k.attnum())).type();
                } else {
                    exprs.add(k.exprSql());
                }
                collation.add((long) t.collation());
                opclass.add(opclassOid(t));
                option.add((short) ((k.descending() ? 1 : 0) | (k.nullsFirst() ? 2 : 0)));
            }
            rows.add(row(oid(i.oid()), oid(i.tableOid()), (short) i.keys().size(), (short) i.keys().size(), i.unique(),
                    i.nullsNotDistinct(), i.primary(), false, true, i.clustered(), i.valid(), false, i.ready(), true, false,
                    key, collation, opclass, option, exprs.isEmpty() ? null : String.join("\u0001", exprs),
                    i.predicateSql()));
        }
        return rows;
    }

    private static List<Object[]> pgConstraint(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (Constraint c : sorted(cat.constraints(), Constraint::oid)) {
            boolean fk = c.type() == Constraint.FOREIGN;
            List<Object> eqops = null;
            if (fk) {
                eqops = new ArrayList<>();
                Relation t = cat.relation(c.tableOid());
                for (int attnum : c.columns()) {
                    PgType type = t == null ? PgType.INT4 : t.column(t.indexOfAttnum(attnum)).type();
                    OperatorDef eq = Builtins.operator("=", type, type);
                    eqops.add(eq == null ? 0L : (long) eq.oid());
                }
            }
            rows.add(row(oid(c.oid()), c.name(), oid(c.namespaceOid()), String.valueOf(c.type()), c.deferrable(),
                    c.deferred(), c.validated(), oid(c.tableOid()), 0L, oid(c.indexOid()), 0L, oid(c.refTableOid()),
                    fk ? String.valueOf(c.onUpdate()) : " ", fk ? String.valueOf(c.onDelete()) : " ",
                    fk ? String.valueOf(c.matchType()) : " ", true, 0, c.type() != Constraint.CHECK, shorts(c.columns()),
                    fk ? shorts(c.refColumns()) : null, eqops, eqops, eqops, null, null, c.checkSql()));
        }
        return rows;
    }

    private static List<Object> shorts(int[] values) {
        if (values == null || values.length == 0) {
            return null;
        }
        List<Object> out = new ArrayList<>(values.length);
        for (int v : values) {
            out.add((short) v);
        }
        return out;
    }

    /** A default PostgreSQL keeps in pg_attrdef: an identity column's sequence is not one (atthasdef false). */
    private static boolean hasStoredDefault(Attribute a) {
        return a.hasDefault() && a.identity() == '\0';
    }

    /** pg_attrdef.oid of a column default: derived from the table and column, stable while both exist. */
    static long attrdefOid(int relOid, int attnum) {
        return ((long) relOid << 10 | attnum) & 0xFFFFFFFFL;
    }

    private static List<Object[]> pgAttrdef(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (Relation r : sorted(cat.relations(), Relation::oid)) {
            for (Attribute a : r.columns()) {
                if (hasStoredDefault(a)) {
                    rows.add(row(attrdefOid(r.oid(), a.attnum()), oid(r.oid()), (short) a.attnum(), a.defaultSql()));
                }
            }
        }
        return rows;
    }

    private static List<Object[]> pgSequence(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (Relation r : sorted(cat.relations(), Relation::oid)) {
            Relation.SequenceOptions s = r.sequence();
            if (r.kind() == Relation.SEQUENCE && s != null) {
                rows.add(row(oid(r.oid()), (long) s.type().oid, s.start(), s.increment(), s.max(), s.min(), s.cache(),
                        s.cycle()));
            }
        }
        return rows;
    }

    /**
     * pg_init_privs: the privileges initdb set that differ from the defaults — the built-in
     * administration functions' EXECUTE revoked from PUBLIC — so that pg_dump, which dumps what
     * changed since, writes nothing for them.
     */
    private static List<Object[]> pgInitPrivs(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (var e : org.walden.sql.func.BuiltinExecute.initialPrivileges().entrySet()) {
            rows.add(row(oid(e.getKey().oid), PG_PROC, 0, "i", Acl.formatAll(e.getValue(), cat.shared()::roleName)));
        }
        return rows;
    }

    /** A view's _RETURN rule (pg_rewrite), whose OID is derived from the view's. */
    static long rewriteOid(int viewOid) {
        return ((long) viewOid << 10 | 0x3FF) & 0xFFFFFFFFL;
    }

    /** pg_rewrite: each view's _RETURN rule (its action is not shown). */
    private static List<Object[]> pgRewrite(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (Relation r : sorted(cat.relations(), Relation::oid)) {
            if (r.kind() == Relation.VIEW) {
                rows.add(row(rewriteOid(r.oid()), "_RETURN", oid(r.oid()), "1", "O", true, null, null));
            }
        }
        return rows;
    }

    private static final java.util.regex.Pattern NEXTVAL =
            java.util.regex.Pattern.compile("nextval\\('((?:[^']|'')+)'::regclass\\)");

    /** The sequences a column default calls nextval() on, by OID: a name qualified or found in the table's schema. */
    private static List<Integer> sequencesUsed(DbCatalog cat, Relation table, String defaultSql) {
        List<Integer> out = new ArrayList<>();
        java.util.regex.Matcher m = NEXTVAL.matcher(defaultSql);
        while (m.find()) {
            String name = m.group(1).replace("''", "'").replace("\"", "");
            int dot = name.lastIndexOf('.');
            Namespace ns = dot < 0 ? null : cat.namespace(name.substring(0, dot));
            Relation seq = cat.relation(ns != null ? ns.oid() : table.namespaceOid(), name.substring(dot + 1));
            if (seq != null && seq.kind() == Relation.SEQUENCE) {
                out.add(seq.oid());
            }
        }
        return out;
    }

    /**
     * pg_depend's entries that clients (psql, pg_dump) read: a sequence owned by its column ('a', or
     * 'i' for an identity column's), an index belonging to its table ('a') or to its constraint
     * ('i'), a constraint on its table's columns ('a'), a foreign key on the referenced table
     * ('n'), a column default on its column ('a') and on the sequences it calls nextval() on
     * ('n'), and a view's rule on the view ('i') and on the relations its query reads ('n') —
     * which is what orders pg_dump's output.
     */
    private static List<Object[]> pgDepend(DbCatalog cat, FnContext fn) {
        List<Object[]> rows = new ArrayList<>();
        for (Relation r : sorted(cat.relations(), Relation::oid)) {
            Relation.SequenceOptions s = r.sequence();
            if (s != null && s.ownedByTable() != 0) {
                Relation owner = cat.relation(s.ownedByTable());
                boolean identity = owner != null && s.ownedByColumn() > 0 && s.ownedByColumn() <= owner.columns().size()
                        && owner.columns().get(s.ownedByColumn() - 1).identity() != '\0';
                rows.add(row(PG_CLASS, oid(r.oid()), 0, PG_CLASS, oid(s.ownedByTable()), s.ownedByColumn(),
                        identity ? "i" : "a"));
            }
            for (Attribute a : r.columns()) {
                if (hasStoredDefault(a)) {
                    long attrdef = attrdefOid(r.oid(), a.attnum());
                    rows.add(row(PG_ATTRDEF, attrdef, 0, PG_CLASS, oid(r.oid()), a.attnum(), "a"));
                    for (int seq : sequencesUsed(cat, r, a.defaultSql())) {
                        rows.add(row(PG_ATTRDEF, attrdef, 0, PG_CLASS, oid(seq), 0, "n"));
                    }
                }
            }
            if (r.kind() == Relation.VIEW) {
                long rule = rewriteOid(r.oid());
                rows.add(row(PG_REWRITE, rule, 0, PG_CLASS, oid(r.oid()), 0, "i"));
                for (int read : fn.relationsReadByView(r)) {
                    rows.add(row(PG_REWRITE, rule, 0, PG_CLASS, oid(read), 0, "n"));
                }
            }
        }
        for (IndexInfo i : sorted(cat.indexes(), IndexInfo::oid)) {
            Constraint owner = null;
            for (Constraint c : cat.constraintsOf(i.tableOid())) {
                if (c.indexOid() == i.oid() && (c.type() == Constraint.PRIMARY || c.type() == Constraint.UNIQUE)) {
                    owner = c;
                }
            }
            if (owner != null) {
                rows.add(row(PG_CLASS, oid(i.oid()), 0, PG_CONSTRAINT, oid(owner.oid()), 0, "i"));
            } else {
                for (IndexInfo.Key k : i.keys()) {
                    if (!k.isExpression()) {
                        rows.add(row(PG_CLASS, oid(i.oid()), 0, PG_CLASS, oid(i.tableOid()), k.attnum(), "a"));
                    }
                }
            }
        }
        for (Constraint c : sorted(cat.constraints(), Constraint::oid)) {
            for (int attnum : c.columns() == null ? new int[0] : c.columns()) {
                rows.add(row(PG_CONSTRAINT, oid(c.oid()), 0, PG_CLASS, oid(c.tableOid()), attnum, "a"));
            }
            if (c.type() == Constraint.FOREIGN) {
                rows.add(row(PG_CONSTRAINT, oid(c.oid()), 0, PG_CLASS, oid(c.indexOid()), 0, "n"));
            }
        }
        return rows;
    }

    // ---------------------------------------------------------------- shared catalogs

    private static List<Object[]> pgDatabase(SharedCatalog shared) {
        List<Object[]> rows = new ArrayList<>();
        for (org.walden.sql.catalog.DatabaseDef d : shared.databasesInOrder()) {
            rows.add(row(oid(d.oid()), d.name(), oid(d.ownerOid()), 6, "c", d.template(), d.allowConnections(),
                    d.connectionLimit(), 716L, 1L, DEFAULT_TABLESPACE, StatusRows.LOCALE, StatusRows.LOCALE, null,
                    null, Acl.formatAll(shared.effectiveDatabaseAcl(d), shared::roleName)));
        }
        return rows;
    }

    private static List<Object[]> pgDefaultAcl(DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (DbCatalog.DefaultAcl d : cat.defaultAcls()) {
            // no OID is kept for the row: one made of its key, stable while it exists
            long oid = (Math.abs((long) (d.role() * 31 + d.namespaceOid()) * 7 + d.objectType()) % 1000000) + 100000;
            rows.add(row(oid, oid(d.role()), oid(d.namespaceOid()), String.valueOf(d.objectType()),
                    Acl.formatAll(d.acl(), cat.shared()::roleName)));
        }
        return rows;
    }

    private static List<Object[]> pgAuthid(FnContext fn, SharedCatalog shared, boolean viaView) {
        if (!viaView) {
            org.walden.sql.catalog.RoleDef me = shared.role(fn.currentUser());
            if (me == null || !me.superuser()) {
                throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for table pg_authid");
            }
        }
        List<Object[]> rows = new ArrayList<>();
        for (org.walden.sql.catalog.RoleDef r : shared.rolesInOrder()) {
            rows.add(row(oid(r.oid()), r.name(), r.superuser(), r.inherit(), r.createRole(), r.createDb(),
                    r.canLogin(), r.replication(), r.bypassRls(), r.connectionLimit(), r.passwordVerifier(),
                    r.validUntil()));
        }
        return rows;
    }

    private static List<Object[]> pgAuthMembers(SharedCatalog shared) {
        List<Object[]> rows = new ArrayList<>();
        for (SharedCatalog.Membership m : shared.memberships()) {
            rows.add(row(oid(m.role()), oid(m.member()), oid(m.grantor()), m.adminOption()));
        }
        return rows;
    }

    private static List<Object[]> pgDescription(DbCatalog cat, boolean sharedObjects) {
        List<Object[]> rows = new ArrayList<>();
        for (var e : cat.comments().entrySet()) {
            int classOid = e.getKey().classOid();
            boolean shared = classOid == 1262 || classOid == 1260 || classOid == 1213;
            if (shared == sharedObjects) {
                rows.add(sharedObjects ? row(oid(e.getKey().objectOid()), oid(classOid), e.getValue())
                        : row(oid(e.getKey().objectOid()), oid(classOid), e.getKey().subId(), e.getValue()));
            }
        }
        return rows;
    }

    // ---------------------------------------------------------------- statistics

    private static List<Object[]> pgStatistic(FnContext fn, DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (TableStats s : sorted(cat.allStats(), TableStats::tableOid)) {
            Relation r = cat.relation(s.tableOid());
            if (r == null) {
                continue;
            }
            for (TableStats.ColumnStats c : sorted(s.columns().values(), TableStats.ColumnStats::attnum)) {
                int idx = r.indexOfAttnum(c.attnum());
                if (idx < 0) {
                    continue;
                }
                PgType type = r.column(idx).type();
                OperatorDef eq = Builtins.operator("=", type, type);
                OperatorDef lt = Builtins.operator("<", type, type);
                boolean mcv = c.mcvValues() != null && !c.mcvValues().isEmpty();
                boolean hist = c.histogram() != null && !c.histogram().isEmpty();
                rows.add(row(oid(r.oid()), (short) c.attnum(), false, (float) c.nullFrac(), c.avgWidth(),
                        (float) c.nDistinct(), (short) (mcv ? 1 : 0), (short) (hist ? 2 : 0), (short) (lt != null ? 3 : 0),
                        (short) 0, (short) 0, mcv && eq != null ? (long) eq.oid() : 0L,
                        hist && lt != null ? (long) lt.oid() : 0L, lt != null ? (long) lt.oid() : 0L, 0L, 0L,
                        (long) type.collation(), (long) type.collation(), (long) type.collation(), 0L, 0L,
                        mcv ? floats(c.mcvFreqs()) : null, null, lt != null ? List.<Object>of((float) c.correlation()) : null,
                        null, null, mcv ? arrayText(fn, type, c.mcvValues()) : null,
                        hist ? arrayText(fn, type, c.histogram()) : null, null, null, null));
            }
        }
        return rows;
    }

    private static List<Object[]> pgStats(FnContext fn, DbCatalog cat) {
        List<Object[]> rows = new ArrayList<>();
        for (TableStats s : sorted(cat.allStats(), TableStats::tableOid)) {
            Relation r = cat.relation(s.tableOid());
            if (r == null) {
                continue;
            }
            String schema = fn.lookup().namespace(r.namespaceOid()).name();
            for (TableStats.ColumnStats c : sorted(s.columns().values(), TableStats.ColumnStats::attnum)) {
                int idx = r.indexOfAttnum(c.attnum());
                if (idx < 0) {
                    continue;
                }
                Attribute a = r.column(idx);
                boolean mcv = c.mcvValues() != null && !c.mcvValues().isEmpty();
                boolean hist = c.histogram() != null && !c.histogram().isEmpty();
                boolean sortable = Builtins.operator("<", a.type(), a.type()) != null;
                rows.add(row(schema, r.name(), a.name(), false, (float) c.nullFrac(), c.avgWidth(),
                        (float) c.nDistinct(), mcv ? arrayText(fn, a.type(), c.mcvValues()) : null,
                        mcv ? floats(c.mcvFreqs()) : null, hist ? arrayText(fn, a.type(), c.histogram()) : null,
                        sortable ? (float) c.correlation() : null, null, null, null));
            }
        }
        return rows;
    }

    private static List<Object> floats(double[] values) {
        List<Object> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add((float) v);
        }
        return out;
    }

    /** An anyarray column's value: the array's text, as PostgreSQL prints pg_stats' value lists. */
    private static String arrayText(FnContext fn, PgType element, List<Object> values) {
        PgType arrayType = element.arrayType();
        return arrayType == null ? null : Values.toText(arrayType, values, fn.values());
    }

    static <T> List<T> sorted(Collection<T> items, java.util.function.ToIntFunction<T> key) {
        List<T> out = new ArrayList<>(items);
        out.sort(Comparator.comparingInt(key));
        return out;
    }

    static List<Object> list(Object... values) {
        return Arrays.asList(values);
    }
}
