package org.walden.sql.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Constraint;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.SystemCatalogs;
import org.walden.sql.parse.Tree;

/**
 * DROP TABLE / VIEW / INDEX / SEQUENCE / SCHEMA and TRUNCATE (PostgreSQL's RemoveRelations,
 * performDeletion and ExecuteTruncate): the objects that depend on what goes (indexes,
 * constraints, owned sequences, views reading it, foreign keys of other tables) go with it
 * under CASCADE and otherwise stop the command (2BP01, with PostgreSQL's detail and hint); the
 * data goes when the transaction commits. TRUNCATE gives each table (and its indexes) a new,
 * empty relfilenode.
 */
final class DropCommands extends DdlSupport {

    private final SequenceStore sequences;

    DropCommands(CommandContext ctx, SequenceStore sequences) {
        super(ctx);
        this.sequences = sequences;
    }

    private static String tagOf(Tree.ObjectType t) {
        return "DROP " + t.name().replace('_', ' ');
    }

    private static char kindOf(Tree.ObjectType t) {
        return switch (t) {
            case VIEW -> Relation.VIEW;
            case MATERIALIZED_VIEW -> Relation.MATVIEW;
            case SEQUENCE -> Relation.SEQUENCE;
            case INDEX -> Relation.INDEX;
            default -> Relation.TABLE;
        };
    }

    String drop(Tree.DropStmt s) {
        switch (s.type()) {
            case TABLE, VIEW, SEQUENCE, MATERIALIZED_VIEW -> {
                for (List<String> name : s.names()) {
                    dropRelationNamed(name, s.type(), s.ifExists(), s.cascade());
                }
            }
            case INDEX -> {
                for (List<String> name : s.names()) {
                    dropIndexNamed(name, s.ifExists(), s.cascade());
                }
            }
            case SCHEMA -> {
                for (List<String> name : s.names()) {
                    dropSchema(name.get(name.size() - 1), s.ifExists(), s.cascade());
                }
            }
            default -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, tagOf(s.type()) + " is not supported");
        }
        return tagOf(s.type());
    }

    private void dropRelationNamed(List<String> name, Tree.ObjectType type, boolean ifExists, boolean cascade) {
        String schema = name.size() > 1 ? name.get(name.size() - 2) : null;
        String rel = name.get(name.size() - 1);
        char kind = kindOf(type);
        if (schema != null && ctx.lookup().namespace(schema) == null) {
            if (ifExists) {
                ctx.notice(notice(SqlState.INVALID_SCHEMA_NAME, "schema \"" + schema + "\" does not exist, skipping"));
                return;
            }
        }
        Relation r = findRelation(schema, rel);
        if (r == null) {
            if (ifExists) {
                ctx.notice(notice(SqlState.UNDEFINED_TABLE, kindName(kind) + " \"" + rel
                        + "\" does not exist, skipping"));
                return;
            }
            throw new PgException(SqlState.UNDEFINED_TABLE, kindName(kind) + " \"" + String.join(".", name)
                    + "\" does not exist");
        }
        checkNotSystem(r);
        if (r.kind() != kind) {
            throw wrongKind(r.name(), kind, r.kind());
        }
        checkOwner(r);
        Map<Integer, String> plan = new LinkedHashMap<>();
        List<String> details = new ArrayList<>();
        collectDependents(r, plan, details);
        if (!details.isEmpty() && !cascade) {
            throw new PgException(SqlState.DEPENDENT_OBJECTS_STILL_EXIST, "cannot drop " + kindName(kind) + " "
                    + described(r) + " because other objects depend on it").withDetail(String.join("\n", details))
                    .withHint("Use DROP ... CASCADE to drop the dependent objects too.");
        }
        List<String> cascaded = new ArrayList<>(plan.values());
        for (Constraint fk : catalog().foreignKeysReferencing(r.oid())) {
            if (fk.tableOid() != r.oid()) {
                cascaded.add("constraint " + fk.name() + " on table " + described(catalog().relation(fk.tableOid())));
                ctx.writer().deleteConstraint(fk);
            }
        }
        noticeCascades(cascaded);
        if (!cascaded.isEmpty()) {
            ctx.catalogChanged();
        }
        for (Integer oid : plan.keySet()) {
            Relation dep = catalog().relation(oid);
            if (dep != null) {
                dropRelation(dep);
            }
        }
        dropRelation(catalog().relation(r.oid()));
    }

    /** A relation as PostgreSQL's object descriptions name it: schema-qualified unless the search path finds it. */
    String described(Relation r) {
        if (ctx.lookup().relationVisible(r.oid())) {
            return r.name();
        }
        Namespace n = ctx.lookup().namespace(r.namespaceOid());
        return n == null ? r.name() : n.name() + "." + r.name();
    }

    /** "drop cascades to view v", or for several "drop cascades to N other objects" listing them. */
    void noticeCascades(List<String> objects) {
        if (objects.size() == 1) {
            ctx.notice(notice(SqlState.SUCCESSFUL_COMPLETION, "drop cascades to " + objects.get(0)));
        } else if (objects.size() > 1) {
            List<String> lines = new ArrayList<>();
            for (String o : objects) {
                lines.add("drop cascades to " + o);
            }
            ctx.notice(new PgException(PgException.Severity.NOTICE, SqlState.SUCCESSFUL_COMPLETION,
                    "drop cascades to " + objects.size() + " other objects", String.join("\n", lines), null, null));
        }
    }

    /**
     * The objects that would be left dangling by dropping {@code r}, in PostgreSQL's order: each
     * view reading it (then the views reading that view), and (for tables) other tables' foreign
     * keys to it. {@code out} gets the views to drop, {@code details} the DETAIL lines.
     */
    void collectDependents(Relation r, Map<Integer, String> out, List<String> details) {
        for (Relation v : viewsReading(r.oid())) {
            if (!out.containsKey(v.oid())) {
                details.add(kindName(v.kind()) + " " + described(v) + " depends on " + kindName(r.kind()) + " "
                        + described(r));
                out.put(v.oid(), kindName(v.kind()) + " " + described(v));
                collectDependents(v, out, details);
            }
        }
        for (Constraint fk : catalog().foreignKeysReferencing(r.oid())) {
            if (fk.tableOid() != r.oid()) {
                Relation child = catalog().relation(fk.tableOid());
                details.add("constraint " + fk.name() + " on table " + described(child) + " depends on table "
                        + described(r));
            }
        }
    }

    /**
     * Drops {@code r} with the views reading it and the other tables' foreign keys to it, silently
     * (DISCARD TEMP, the end of a session: PostgreSQL's PERFORM_DELETION_QUIETLY).
     */
    void dropWithDependents(Relation r) {
        for (Relation v : viewsReading(r.oid())) {
            if (catalog().relation(v.oid()) != null) {
                dropWithDependents(v);
            }
        }
        for (Constraint fk : catalog().foreignKeysReferencing(r.oid())) {
            if (fk.tableOid() != r.oid()) {
                ctx.writer().deleteConstraint(fk);
                ctx.catalogChanged();
            }
        }
        dropRelation(catalog().relation(r.oid()));
    }

    /** Removes a relation's records, its indexes, constraints, owned sequences, comments and data. */
    void dropRelation(Relation r) {
        if (r == null) {
            return;
        }
        r = lockExclusively(r);
        CatalogWriter w = ctx.writer();
        for (IndexInfo i : catalog().indexesOf(r.oid())) {
            w.deleteIndex(i);
            dropStorage(i.relfilenode());
            dropComments(PG_CLASS, i.oid(), 0);
        }
        for (Constraint c : catalog().constraintsOf(r.oid())) {
            w.deleteConstraint(c);
        }
        for (Relation seq : sorted(catalog().relations())) {
            if (seq.sequence() != null && seq.sequence().ownedByTable() == r.oid() && seq.oid() != r.oid()) {
                w.deleteRelation(seq);
                dropStorage(seq.relfilenode());
                forgetSequence(seq);
            }
        }
        w.deleteRelation(r);
        dropStorage(r.relfilenode());
        forgetSequence(r);
        dropComments(PG_CLASS, r.oid(), r.columns().size());
        ctx.catalogChanged();
    }

    private void forgetSequence(Relation r) {
        if (r.kind() == Relation.SEQUENCE && sequences != null) {
            sequences.forget(r.relfilenode());
        }
    }

    private void dropIndexNamed(List<String> name, boolean ifExists, boolean cascade) {
        String schema = name.size() > 1 ? name.get(name.size() - 2) : null;
        IndexInfo i = findIndex(schema, name.get(name.size() - 1));
        if (i == null) {
            Relation r = findRelation(schema, name.get(name.size() - 1));
            if (r != null) {
                throw wrongKind(r.name(), Relation.INDEX, r.kind());
            }
            if (ifExists) {
                ctx.notice(notice(SqlState.UNDEFINED_OBJECT, "index \"" + name.get(name.size() - 1)
                        + "\" does not exist, skipping"));
                return;
            }
            throw new PgException(SqlState.UNDEFINED_OBJECT, "index \"" + String.join(".", name)
                    + "\" does not exist");
        }
        Relation table = catalog().relation(i.tableOid());
        for (Constraint c : catalog().constraintsOf(i.tableOid())) {
            if (c.indexOid() == i.oid() && (c.type() == Constraint.PRIMARY || c.type() == Constraint.UNIQUE)) {
                throw new PgException(SqlState.DEPENDENT_OBJECTS_STILL_EXIST, "cannot drop index " + i.name()
                        + " because constraint " + c.name() + " on table " + table.name() + " requires it")
                        .withHint("You can drop constraint " + c.name() + " on table " + table.name() + " instead.");
            }
        }
        checkOwner(table);
        lockExclusively(table);
        i = catalog().index(i.oid());
        if (i == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "index \"" + String.join(".", name) + "\" does not exist");
        }
        ctx.writer().deleteIndex(i);
        dropStorage(i.relfilenode());
        dropComments(PG_CLASS, i.oid(), 0);
        ctx.catalogChanged();
    }

    private void dropSchema(String name, boolean ifExists, boolean cascade) {
        Namespace n = ctx.lookup().namespace(name);
        if (n == null) {
            if (ifExists) {
                ctx.notice(notice(SqlState.INVALID_SCHEMA_NAME, "schema \"" + name + "\" does not exist, skipping"));
                return;
            }
            throw new PgException(SqlState.INVALID_SCHEMA_NAME, "schema \"" + name + "\" does not exist");
        }
        if (n.isSystem()) {
            throw new PgException(SqlState.DEPENDENT_OBJECTS_STILL_EXIST, "cannot drop schema " + name
                    + " because it is required by the database system");
        }
        var me = ctx.currentRole();
        if (me != null && !me.superuser() && me.oid() != n.ownerOid()) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be owner of schema " + name);
        }
        List<Relation> members = new ArrayList<>();
        for (Relation r : sorted(catalog().relations())) {
            if (r.namespaceOid() == n.oid() && !(r.sequence() != null && r.sequence().ownedByTable() != 0)) {
                members.add(r);
            }
        }
        if (!members.isEmpty()) {
            List<String> details = new ArrayList<>();
            List<String> cascaded = new ArrayList<>();
            Map<Integer, String> dependents = new LinkedHashMap<>();
            for (Relation r : members) {
                dependents.put(r.oid(), kindName(r.kind()) + " " + name + "." + r.name());
            }
            for (Relation r : members) {
                details.add(kindName(r.kind()) + " " + name + "." + r.name() + " depends on schema " + name);
                cascaded.add(dependents.get(r.oid()));
                int before = dependents.size();
                collectDependents(r, dependents, details); // views outside the schema reading it
                cascaded.addAll(new ArrayList<>(dependents.values()).subList(before, dependents.size()));
            }
            if (!cascade) {
                throw new PgException(SqlState.DEPENDENT_OBJECTS_STILL_EXIST, "cannot drop schema " + name
                        + " because other objects depend on it").withDetail(String.join("\n", details))
                        .withHint("Use DROP ... CASCADE to drop the dependent objects too.");
            }
            noticeCascades(cascaded);
            for (Integer oid : dependents.keySet()) {
                Relation current = catalog().relation(oid);
                if (current != null) {
                    for (Constraint fk : catalog().foreignKeysReferencing(oid)) {
                        ctx.writer().deleteConstraint(fk);
                    }
                    dropRelation(current);
                }
            }
        }
        ctx.writer().deleteNamespace(n);
        ctx.writer().putComment(ObjectCommands.PG_NAMESPACE, n.oid(), 0, null);
        ctx.catalogChanged();
    }

    // ---------------------------------------------------------------- TRUNCATE

    String truncate(Tree.TruncateStmt s) {
        List<Relation> tables = new ArrayList<>();
        for (Tree.RangeVar rv : s.relations()) {
            Relation r = findRelation(rv.schema(), rv.name());
            if (r == null) {
                throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(rv) + "\" does not exist");
            }
            checkNotSystem(r);
            if (r.kind() != Relation.TABLE) {
                throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + r.name() + "\" is not a table");
            }
            tables.add(r);
        }
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Relation r : List.copyOf(tables)) {
                for (Constraint fk : catalog().foreignKeysReferencing(r.oid())) {
                    Relation child = catalog().relation(fk.tableOid());
                    if (tables.stream().noneMatch(t -> t.oid() == child.oid())) {
                        if (!s.cascade()) {
                            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot truncate a table "
                                    + "referenced in a foreign key constraint").withDetail("Table \"" + child.name()
                                    + "\" references \"" + r.name() + "\".").withHint("Truncate table \""
                                    + child.name() + "\" at the same time, or use TRUNCATE ... CASCADE.");
                        }
                        ctx.notice(notice(SqlState.SUCCESSFUL_COMPLETION, "truncate cascades to table \""
                                + child.name() + "\""));
                        tables.add(child);
                        grew = true;
                    }
                }
            }
        }
        for (Relation r : tables) {
            org.walden.sql.catalog.Privileges.requireRelation(catalog(), r, ctx.currentRole(),
                    org.walden.sql.catalog.Acl.TRUNCATE, null);
            lockExclusively(r);
        }
        for (Relation r : tables) {
            Relation current = lockExclusively(r);
            Relation fresh = current.withRelfilenode(newStorageLike(current.relfilenode()));
            dropStorage(current.relfilenode());
            ctx.writer().putRelation(fresh, current);
            for (IndexInfo i : catalog().indexesOf(r.oid())) {
                if (i.hasStorage()) {
                    ctx.writer().putIndex(i.withRelfilenode(newStorageLike(i.relfilenode())), i);
                    dropStorage(i.relfilenode());
                }
            }
            if (s.restartIdentity()) {
                for (Relation seq : sorted(catalog().relations())) {
                    if (seq.sequence() != null && seq.sequence().ownedByTable() == r.oid()) {
                        ctx.txn().lockForUpdate(SequenceStore.key(seq), 10_000);
                        SequenceStore.initialize(ctx.txn(), seq, seq.sequence().start());
                        if (sequences != null) {
                            sequences.forget(seq.relfilenode());
                        }
                    }
                }
            }
            ctx.writer().deleteStats(r.oid());
            ctx.catalogChanged();
        }
        return "TRUNCATE TABLE";
    }

    /** True when {@code name} is a system relation of pg_catalog (DROP refuses it with 42501). */
    static boolean isSystem(String name) {
        return SystemCatalogs.relation(Namespace.PG_CATALOG, name) != null;
    }
}
