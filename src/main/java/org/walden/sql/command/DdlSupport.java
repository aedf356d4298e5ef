package org.walden.sql.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.catalog.CatalogStorage;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Keys;
import org.walden.txn.RelPersistence;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.SystemCatalogs;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.parse.Tree;

/**
 * What the DDL commands share: name resolution for the object a command names (with
 * PostgreSQL's messages for a missing object or one of the wrong kind), PostgreSQL's rules for
 * generated names (ChooseRelationName: "t_a_key", "t_a_seq", a number appended on conflict),
 * the views that read a relation (for DROP's dependency check), and storage ranges.
 */
abstract class DdlSupport {

    protected final CommandContext ctx;

    DdlSupport(CommandContext ctx) {
        this.ctx = ctx;
    }

    static PgException notice(SqlState state, String message) {
        return new PgException(PgException.Severity.NOTICE, state, message, null, null, null);
    }

    DbCatalog catalog() {
        return ctx.catalog();
    }

    /** The schema a new object goes to: the one named, or the first of search_path that exists. */
    Namespace creationNamespace(String schema) {
        return creationNamespace(schema, -1);
    }

    /** The same, with the name's position in the statement for a privilege error's cursor (-1 none). */
    Namespace creationNamespace(String schema, int position) {
        Namespace n = schema == null ? ctx.lookup().creationNamespace() : ctx.lookup().requireNamespace(schema);
        if (n.oid() == Namespace.PG_CATALOG || n.oid() == Namespace.INFORMATION_SCHEMA
                || n.oid() == Namespace.PG_TOAST) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to create \""
                    + n.name() + "." + "\"").withDetail("System catalog modifications are currently disallowed.");
        }
        try {
            ctx.lookup().requireSchemaPrivilege(n, org.walden.sql.catalog.Acl.CREATE);
        } catch (PgException e) {
            throw position < 0 ? e : new org.walden.sql.parse.SyntaxError(e.sqlState(), e.getMessage(), position);
        }
        return n;
    }

    /**
     * Gives a new object the privileges ALTER DEFAULT PRIVILEGES set for its owner (and its schema),
     * as PostgreSQL's get_user_default_acl; nothing when none apply.
     */
    void applyDefaultAcl(org.walden.sql.catalog.Acl.ObjectType type, int classOid, int oid, int owner,
                         int namespaceOid) {
        var acl = PrivilegeCommands.initialAcl(catalog(), type, owner, namespaceOid);
        if (acl != null) {
            ctx.writer().putAcl(classOid, oid, 0, acl);
        }
    }

    /** The relation a name denotes (null if none), searching the path when unqualified. */
    /** The error fields naming {@code r} and its column {@code column}. */
    PgException.ErrorObject columnObject(Relation r, String column) {
        return PgException.ErrorObject.tableColumn(catalog().namespace(r.namespaceOid()).name(), r.name(), column);
    }

    /** The error fields naming {@code r} and its constraint {@code constraint}. */
    PgException.ErrorObject constraintObject(Relation r, String constraint) {
        return PgException.ErrorObject.tableConstraint(catalog().namespace(r.namespaceOid()).name(), r.name(),
                constraint);
    }

    Relation findRelation(String schema, String name) {
        return ctx.lookup().relation(schema, name);
    }

    IndexInfo findIndex(String schema, String name) {
        return ctx.lookup().index(schema, name);
    }

    /** "a table", "an index". */
    static String withArticle(String noun) {
        return (noun.startsWith("i") ? "an " : "a ") + noun;
    }

    static String kindName(char kind) {
        return switch (kind) {
            case Relation.VIEW -> "view";
            case Relation.SEQUENCE -> "sequence";
            case Relation.INDEX -> "index";
            case Relation.MATVIEW -> "materialized view";
            default -> "table";
        };
    }

    /** 42809 "\"v\" is not a table" with DROP's hint for the kind it is. */
    static PgException wrongKind(String name, char wanted, char actual) {
        return new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + name + "\" is not " + withArticle(kindName(wanted)))
                .withHint("Use DROP " + kindName(actual).toUpperCase(java.util.Locale.ROOT) + " to remove a "
                        + kindName(actual) + ".");
    }

    /**
     * The stored table a command changes: 42P01 when missing, 42809 for another kind, 42501 for a
     * system catalog.
     */
    Relation requireTable(Tree.RangeVar rv) {
        Relation r = findRelation(rv.schema(), rv.name());
        if (r == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(rv) + "\" does not exist");
        }
        checkNotSystem(r);
        if (r.kind() != Relation.TABLE) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + r.name() + "\" is not a table");
        }
        return r;
    }

    /**
     * Takes {@code r}'s ACCESS EXCLUSIVE lock and returns its definition as it stands once the
     * lock is held: another transaction may have dropped or changed it while this one waited
     * (PostgreSQL looks the name up again after locking); a dropped one is 42P01.
     */
    Relation lockExclusively(Relation r) {
        return lockFor(r, org.walden.txn.RelationLockMode.ACCESS_EXCLUSIVE);
    }

    /** As {@link #lockExclusively}, in {@code mode} (CREATE INDEX: SHARE, which lets readers on). */
    Relation lockFor(Relation r, org.walden.txn.RelationLockMode mode) {
        ctx.lockRelation(r.oid(), r.name(), mode);
        Relation current = catalog().relation(r.oid());
        if (current == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + r.name() + "\" does not exist");
        }
        return current;
    }

    /**
     * Locks the relation {@code rv} named, found as {@code found} before the lock, and returns it as
     * it stands once locked, as PostgreSQL's RangeVarGetRelidExtended: the name is looked up again
     * after the wait, so a table dropped meanwhile is 42P01 and one dropped and created anew is
     * locked in its turn.
     */
    static Relation lockNamed(CommandContext ctx, Tree.RangeVar rv, Relation found,
            org.walden.txn.RelationLockMode mode) {
        Relation r = found;
        while (true) {
            ctx.lockRelation(r.oid(), r.name(), mode);
            Relation now = ctx.lookup().relation(rv.schema(), rv.name());
            if (now == null) {
                throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(rv) + "\" does not exist");
            }
            if (now.oid() == r.oid()) {
                return now;
            }
            r = now;
        }
    }

    static String qualified(Tree.RangeVar rv) {
        return rv.schema() == null ? rv.name() : rv.schema() + "." + rv.name();
    }

    static void checkNotSystem(Relation r) {
        if (r.virtual()) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied: \"" + r.name()
                    + "\" is a system catalog");
        }
    }

    /** The owner check of ALTER / DROP: 42501 "must be owner of table t" unless superuser or owner. */
    void checkOwner(Relation r) {
        var me = ctx.currentRole();
        if (me != null && !me.superuser() && me.oid() != r.ownerOid()
                && !catalog().shared().isMemberOf(me.oid(), r.ownerOid())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be owner of " + kindName(r.kind()) + " "
                    + r.name());
        }
    }

    // ---------------------------------------------------------------- names

    /**
     * PostgreSQL's ChooseRelationName: {@code name1_name2_label} truncated to fit 63 bytes, with
     * a number added until no relation of the schema has it (nor a name taken earlier in this
     * command, {@code taken}).
     */
    String chooseRelationName(String name1, String name2, String label, int namespaceOid, Set<String> taken) {
        String base = makeObjectName(name1, name2, label);
        String candidate = base;
        int n = 0;
        while (catalog().relationNameTaken(namespaceOid, candidate) || taken.contains(candidate)
                || SystemCatalogs.relation(namespaceOid, candidate) != null) {
            n++;
            candidate = makeObjectName(name1, name2, label + n);
        }
        taken.add(candidate);
        return candidate;
    }

    /** Names a constraint of a table: unique among the table's constraints and the schema's relations. */
    String chooseConstraintName(String table, String column, String label, int namespaceOid, Set<String> taken) {
        String base = makeObjectName(table, column, label);
        String candidate = base;
        int n = 0;
        while (constraintNameTaken(namespaceOid, candidate) || taken.contains(candidate)) {
            n++;
            candidate = makeObjectName(table, column, label + n);
        }
        taken.add(candidate);
        return candidate;
    }

    private boolean constraintNameTaken(int namespaceOid, String name) {
        for (var c : catalog().constraints()) {
            if (c.namespaceOid() == namespaceOid && c.name().equals(name)) {
                return true;
            }
        }
        return catalog().relationNameTaken(namespaceOid, name);
    }

    /** makeObjectName: the parts joined by "_", the longer one truncated so the whole fits 63 bytes. */
    static String makeObjectName(String name1, String name2, String label) {
        int overhead = (name2 == null ? 0 : 1) + (label == null ? 0 : label.length() + 1);
        String a = name1;
        String b = name2 == null ? "" : name2;
        int avail = 63 - overhead;
        while (bytes(a) + bytes(b) > avail) {
            if (bytes(a) > bytes(b)) {
                a = a.substring(0, a.length() - 1);
            } else {
                b = b.substring(0, b.length() - 1);
            }
        }
        StringBuilder sb = new StringBuilder(a);
        if (name2 != null) {
            sb.append('_').append(b);
        }
        if (label != null) {
            sb.append('_').append(label);
        }
        return sb.toString();
    }

    private static int bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /**
     * The text an analyzed expression over {@code rel}'s columns is stored as (a default, a
     * CHECK, an index key or predicate): ruleutils' output, which analyzes back to the same tree.
     */
    String storedText(Relation rel, org.walden.sql.analyze.Expr e) {
        return new org.walden.sql.analyze.Deparser(ctx.lookup(), ctx.fn().values(), false).withRelation(rel).expr(e);
    }

    // ---------------------------------------------------------------- dependencies

    /** The views (by OID, ordered) whose queries read relation {@code oid}. */
    List<Relation> viewsReading(int oid) {
        List<Relation> out = new ArrayList<>();
        for (Relation v : sorted(catalog().relations())) {
            if ((v.kind() == Relation.VIEW || v.kind() == Relation.MATVIEW) && v.oid() != oid
                    && relationsRead(v).contains(oid)) {
                out.add(v);
            }
        }
        return out;
    }

    /** The views (by OID, ordered) whose queries read column {@code attnum} of relation {@code oid}. */
    List<Relation> viewsReadingColumn(int oid, int attnum) {
        return viewsWhose(d -> d.columns().getOrDefault(oid, new java.util.TreeSet<>()).contains(attnum), oid);
    }

    /** The views (by OID, ordered) whose queries call function {@code oid}. */
    List<Relation> viewsCalling(int functionOid) {
        return viewsWhose(d -> d.functions().contains(functionOid), 0);
    }

    private List<Relation> viewsWhose(java.util.function.Predicate<org.walden.sql.analyze.PermissionCheck.Dependencies> test,
                                      int except) {
        List<Relation> out = new ArrayList<>();
        for (Relation v : sorted(catalog().relations())) {
            if ((v.kind() != Relation.VIEW && v.kind() != Relation.MATVIEW) || v.oid() == except || v.viewSql() == null) {
                continue;
            }
            try {
                var q = new Analyzer(ctx.analyzerEnv()).analyze(SqlParser.parseQuery(v.viewSql()));
                if (test.test(org.walden.sql.analyze.PermissionCheck.dependencies(q))) {
                    out.add(v);
                }
            } catch (PgException e) {
                // a view that no longer analyzes depends on nothing we can name
            }
        }
        return out;
    }

    /** The relations a view's query reads (tables and views), from its analyzed query. */
    Set<Integer> relationsRead(Relation view) {
        try {
            return org.walden.sql.analyze.PermissionCheck.relationsNamed(
                    new Analyzer(ctx.analyzerEnv()).analyze(SqlParser.parseQuery(view.viewSql())));
        } catch (PgException e) {
            return Set.of(); // a view that no longer analyzes depends on nothing we can name
        }
    }

    /**
     * Before a rename of relations {@code oids} (a table, view or sequence, a column of one, the
     * relations of a renamed schema): the views whose text names them, each with its query
     * analyzed under the names in force now. {@link #reprintViews} stores their text again once
     * the rename is written, so they go on reading the same relations and columns, as a
     * PostgreSQL rule, bound to OIDs, does. A view among {@code oids} is itself included (its
     * columns' names are in its own text).
     */
    java.util.Map<Integer, org.walden.sql.analyze.Query> viewQueriesBefore(java.util.Collection<Integer> oids) {
        java.util.Map<Integer, org.walden.sql.analyze.Query> out = new java.util.LinkedHashMap<>();
        for (Relation v : sorted(catalog().relations())) {
            if ((v.kind() != Relation.VIEW && v.kind() != Relation.MATVIEW) || v.viewSql() == null) {
                continue;
            }
            org.walden.sql.analyze.Query q;
            try {
                q = new Analyzer(ctx.analyzerEnv()).analyze(SqlParser.parseQuery(v.viewSql()));
            } catch (PgException e) {
                continue; // a view that no longer analyzes names nothing we can follow
            }
            if (oids.contains(v.oid())
                    || org.walden.sql.analyze.PermissionCheck.relationsNamed(q).stream().anyMatch(oids::contains)) {
                out.put(v.oid(), q);
            }
        }
        return out;
    }

    /** After a rename: each view of {@link #viewQueriesBefore} gets its query printed with the new names. */
    void reprintViews(java.util.Map<Integer, org.walden.sql.analyze.Query> before) {
        if (before.isEmpty()) {
            return;
        }
        ctx.catalogChanged();
        for (var e : before.entrySet()) {
            Relation v = catalog().relation(e.getKey());
            if (v == null) {
                continue;
            }
            List<String> names = new ArrayList<>();
            for (var a : v.liveColumns()) {
                names.add(a.name());
            }
            String text = new org.walden.sql.analyze.Deparser(ctx.lookup(), ctx.fn().values(), false)
                    .qualifyingRelations().followingRenames(names).queryText(e.getValue());
            ctx.writer().putRelation(v.withView(text, v.viewText(), v.columns()), v);
        }
        ctx.catalogChanged();
    }

    static List<Relation> sorted(java.util.Collection<Relation> rels) {
        List<Relation> out = new ArrayList<>(rels);
        out.sort(java.util.Comparator.comparingInt(Relation::oid));
        return out;
    }

    // ---------------------------------------------------------------- storage

    /** Empties a relfilenode's rows when this transaction commits (DROP, TRUNCATE, rewrites). */
    void dropStorage(int relfilenode) {
        if (relfilenode != 0) {
            ctx.txn().deleteRange(Keys.prefix(relfilenode), Keys.end(relfilenode));
        }
    }

    /** A new relfilenode's key range, written by this transaction only until it commits. */
    int newStorage() {
        return newStorage(RelPersistence.PERMANENT);
    }

    /** A new key range for a relation of that persistence ({@link RelPersistence}: unlogged ones are not WAL-logged). */
    int newStorage(char persistence) {
        return newStorage(persistence, 0);
    }

    /**
     * A new key range for a relation of that persistence whose rows are stored in tablespace
     * {@code tablespaceOid} (0: pg_default): the storage routes it there before its first row.
     */
    int newStorage(char persistence, int tablespaceOid) {
        int rfn = RelPersistence.relfilenode(ctx.writer().allocateOid(), persistence);
        if (tablespaceOid != 0) {
            ctx.fn().serverStatus().placeRelation(rfn, tablespaceOid);
        }
        ctx.txn().createRange(Keys.prefix(rfn), Keys.end(rfn));
        return rfn;
    }

    /**
     * A new key range that keeps the persistence of {@code relfilenode} and the tablespace its
     * rows are stored in (TRUNCATE, REINDEX, the copy of a template database).
     */
    int newStorageLike(int relfilenode) {
        return newStorage(RelPersistence.of(relfilenode), storedTablespace(relfilenode));
    }

    /** The tablespace where the rows of {@code relfilenode} are stored; 0 for pg_default. */
    int storedTablespace(int relfilenode) {
        return ctx.fn().serverStatus().relationTablespace(relfilenode);
    }

    /** pg_class's OID, for comments on relations. */
    static final int PG_CLASS = 1259;

    void dropComments(int classOid, int objOid, int columns) {
        for (int sub = 0; sub <= columns; sub++) {
            if (catalog().comment(classOid, objOid, sub) != null) {
                ctx.writer().putComment(classOid, objOid, sub, null);
            }
        }
    }

    static byte[] relationNameKey(int db, int ns, String name) {
        return CatalogStorage.relationNameKey(db, ns, name);
    }
}
