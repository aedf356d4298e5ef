package org.walden.sql.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.AnalyzerEnv;
import org.walden.sql.analyze.Deparser;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.Constraint;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;
import org.walden.txn.RelPersistence;

/**
 * CREATE [OR REPLACE] VIEW, CREATE SCHEMA, COMMENT ON and ALTER ... RENAME (PostgreSQL's
 * DefineView, CreateSchemaCommand, CommentObject and RenameRelation): a view stores its query's
 * text and the columns it produces (OR REPLACE may only add columns at the end); comments go to
 * pg_description (pg_shdescription for databases and roles).
 */
final class ObjectCommands extends DdlSupport {

    static final int PG_NAMESPACE = 2615;
    static final int PG_CONSTRAINT = 2606;
    static final int PG_DATABASE = 1262;
    static final int PG_AUTHID = 1260;

    ObjectCommands(CommandContext ctx) {
        super(ctx);
    }

    // ---------------------------------------------------------------- views

    String createView(Tree.ViewStmt s) {
        Query q = new Analyzer(ctx.analyzerEnv()).analyze(s.query());
        if (q.cteList.stream().anyMatch(c -> c.query != null && c.query.command != Query.Command.SELECT)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "views must not contain data-modifying statements "
                    + "in WITH");
        }
        char persistence = new TableCommands(ctx).persistenceOf(s.name(),
                s.temporary() ? RelPersistence.TEMPORARY : RelPersistence.PERMANENT, null);
        if (persistence != RelPersistence.TEMPORARY && readsTemporary(q)) {
            // PostgreSQL's isQueryUsingTempRelation: such a view could not outlive the session
            if (s.name().schema() != null) {
                throw new org.walden.sql.parse.SyntaxError(SqlState.INVALID_TABLE_DEFINITION,
                        "cannot create temporary relation in non-temporary schema", s.name().position());
            }
            persistence = RelPersistence.TEMPORARY;
            ctx.notice(notice(SqlState.SUCCESSFUL_COMPLETION, "view \"" + s.name().name()
                    + "\" will be a temporary view"));
        }
        Namespace ns = persistence == RelPersistence.TEMPORARY ? new TempNamespaces(ctx, null).ensure()
                : creationNamespace(s.name().schema(), s.name().position());
        List<Query.TargetEntry> targets = q.visibleTargets();
        if (s.columnNames() != null && s.columnNames().size() > targets.size()) {
            throw new PgException(SqlState.SYNTAX_ERROR, "CREATE VIEW specifies more column names than columns");
        }
        List<Attribute> cols = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < targets.size(); i++) {
            Query.TargetEntry t = targets.get(i);
            String name = s.columnNames() != null && i < s.columnNames().size() ? s.columnNames().get(i) : t.name();
            if (!names.add(name)) {
                throw new PgException(SqlState.DUPLICATE_COLUMN, "column \"" + name + "\" specified more than once");
            }
            PgType type = t.expr().type() == PgType.UNKNOWN ? PgType.TEXT : t.expr().type();
            cols.add(new Attribute(i + 1, name, type, t.expr().typmod(), false));
        }
        Relation existing = catalog().relation(ns.oid(), s.name().name());
        CatalogWriter w = ctx.writer();
        if (existing != null || w.lockRelationName(ns.oid(), s.name().name()) != 0
                || catalog().relationNameTaken(ns.oid(), s.name().name())) {
            if (existing == null || !s.orReplace()) {
                throw new PgException(SqlState.DUPLICATE_TABLE, "relation \"" + s.name().name() + "\" already exists");
            }
            if (!existing.isView()) {
                throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + existing.name() + "\" is not a view");
            }
            checkOwner(existing);
            checkReplacement(existing, cols);
            w.putRelation(existing.withView(boundViewSql(q, s.sql()), null, cols), existing);
            ctx.catalogChanged();
            return "CREATE VIEW";
        }
        int oid = w.allocateOid();
        Relation view = new Relation(oid, s.name().name(), ns.oid(), Relation.VIEW, ctx.currentRole().oid(),
                List.copyOf(cols), new int[0], 0, w.allocateOid(), boundViewSql(q, s.sql()), null, null, List.of(), false);
        w.putRelation(view, null);
        applyDefaultAcl(org.walden.sql.catalog.Acl.ObjectType.TABLE, org.walden.sql.catalog.DbCatalog.PG_CLASS, view.oid(), view.ownerOid(),
                view.namespaceOid());
        ctx.catalogChanged();
        return "CREATE VIEW";
    }

    /** True when the query reads a relation of a temporary schema. */
    boolean readsTemporary(Query q) {
        for (int oid : q.relationsRead()) {
            Relation r = catalog().relation(oid);
            Namespace n = r == null ? null : ctx.lookup().namespace(r.namespaceOid());
            if (n != null && CatalogLookup.isTemporary(n)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The text a view keeps: its analyzed query printed with every relation schema-qualified, so
     * that it names the same tables under any later search_path (pg_dump reads views with an
     * empty one), as PostgreSQL's stored rule is bound to its relations. The source as written
     * when that text does not analyze back to the same query (it prints differently).
     */
    String boundViewSql(Query q, String source) {
        AnalyzerEnv env = ctx.analyzerEnv();
        try {
            String bound = new Deparser(env.lookup(), env.values(), false).qualifyingRelations().queryText(q);
            Query again = new Analyzer(env).analyze(SqlParser.parseQuery(bound));
            String reprinted = new Deparser(env.lookup(), env.values(), false).qualifyingRelations().queryText(again);
            return reprinted.equals(bound) ? bound : source;
        } catch (RuntimeException e) {
            return source;
        }
    }

    /** CREATE OR REPLACE VIEW keeps the old columns' names and types, adding only at the end. */
    private static void checkReplacement(Relation old, List<Attribute> cols) {
        List<Attribute> prev = old.liveColumns();
        if (cols.size() < prev.size()) {
            throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "cannot drop columns from view");
        }
        for (int i = 0; i < prev.size(); i++) {
            Attribute a = prev.get(i);
            Attribute b = cols.get(i);
            if (!a.name().equals(b.name())) {
                throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "cannot change name of view column \""
                        + a.name() + "\" to \"" + b.name() + "\"").withHint(
                        "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.");
            }
            if (a.type() != b.type() || a.typmod() != b.typmod()) {
                throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "cannot change data type of view column \""
                        + a.name() + "\" from " + a.type().formatType(a.typmod()) + " to "
                        + b.type().formatType(b.typmod()));
            }
        }
    }

    // ---------------------------------------------------------------- schemas

    String createSchema(Tree.CreateSchemaStmt s) {
        String name = s.name();
        if (name == null) {
            name = s.owner();
        }
        if (name.startsWith("pg_")) {
            throw new PgException(SqlState.RESERVED_NAME, "unacceptable schema name \"" + name + "\"")
                    .withDetail("The prefix \"pg_\" is reserved for system schemas.");
        }
        RoleDef owner = ctx.currentRole();
        if (s.owner() != null) {
            owner = catalog().role(s.owner());
            if (owner == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + s.owner() + "\" does not exist");
            }
        }
        CatalogWriter w = ctx.writer();
        if (w.lockNamespaceName(name) != 0 || ctx.lookup().namespace(name) != null) {
            if (s.ifNotExists()) {
                ctx.notice(notice(SqlState.DUPLICATE_SCHEMA, "schema \"" + name + "\" already exists, skipping"));
                return "CREATE SCHEMA";
            }
            throw new PgException(SqlState.DUPLICATE_SCHEMA, "schema \"" + name + "\" already exists");
        }
        Namespace created = new Namespace(w.allocateOid(), name, owner.oid());
        w.putNamespace(created);
        applyDefaultAcl(org.walden.sql.catalog.Acl.ObjectType.SCHEMA, org.walden.sql.catalog.DbCatalog.PG_NAMESPACE, created.oid(), created.ownerOid(), 0);
        ctx.catalogChanged();
        return "CREATE SCHEMA";
    }

    // ---------------------------------------------------------------- comments

    String comment(Tree.CommentStmt s) {
        List<String> o = s.object();
        CatalogWriter w = ctx.writer();
        switch (s.type()) {
            case TABLE, VIEW, SEQUENCE, MATERIALIZED_VIEW -> {
                Relation r = relationNamed(o, s.type());
                w.putComment(PG_CLASS, r.oid(), 0, s.text());
            }
            case INDEX -> {
                IndexInfo i = findIndex(o.size() > 1 ? o.get(o.size() - 2) : null, o.get(o.size() - 1));
                if (i == null) {
                    throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + String.join(".", o)
                            + "\" does not exist");
                }
                w.putComment(PG_CLASS, i.oid(), 0, s.text());
            }
            case COLUMN -> {
                if (o.size() < 2) {
                    throw new PgException(SqlState.SYNTAX_ERROR, "column name must be qualified");
                }
                Relation r = relationNamed(o.subList(0, o.size() - 1), null);
                int col = r.columnIndex(o.get(o.size() - 1));
                if (col < 0) {
                    throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + o.get(o.size() - 1)
                            + "\" of relation \"" + r.name() + "\" does not exist");
                }
                w.putComment(PG_CLASS, r.oid(), r.column(col).attnum(), s.text());
            }
            case SCHEMA -> w.putComment(PG_NAMESPACE, ctx.lookup().requireNamespace(o.get(0)).oid(), 0, s.text());
            case CONSTRAINT -> {
                Relation r = relationNamed(o.subList(0, o.size() - 1), null);
                Constraint found = null;
                for (Constraint c : catalog().constraintsOf(r.oid())) {
                    found = c.name().equals(o.get(o.size() - 1)) ? c : found;
                }
                if (found == null) {
                    throw new PgException(SqlState.UNDEFINED_OBJECT, "constraint \"" + o.get(o.size() - 1)
                            + "\" for table \"" + r.name() + "\" does not exist");
                }
                w.putComment(PG_CONSTRAINT, found.oid(), 0, s.text());
            }
            case DATABASE -> {
                DatabaseDef d = catalog().shared().database(o.get(0));
                if (d == null) {
                    throw new PgException(SqlState.INVALID_CATALOG_NAME, "database \"" + o.get(0)
                            + "\" does not exist");
                }
                w.putComment(PG_DATABASE, d.oid(), 0, s.text());
            }
            case ROLE -> {
                RoleDef r = catalog().role(o.get(0));
                if (r == null) {
                    throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + o.get(0) + "\" does not exist");
                }
                w.putComment(PG_AUTHID, r.oid(), 0, s.text());
            }
            default -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COMMENT ON "
                    + s.type().name().replace('_', ' ') + " is not supported");
        }
        ctx.catalogChanged();
        return "COMMENT";
    }

    private Relation relationNamed(List<String> name, Tree.ObjectType type) {
        String schema = name.size() > 1 ? name.get(name.size() - 2) : null;
        Relation r = findRelation(schema, name.get(name.size() - 1));
        if (r == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + String.join(".", name)
                    + "\" does not exist");
        }
        if (type == Tree.ObjectType.VIEW && !r.isView()) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + r.name() + "\" is not a view");
        }
        if (type == Tree.ObjectType.MATERIALIZED_VIEW && !r.isMatview()) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + r.name() + "\" is not a materialized view");
        }
        if (type == Tree.ObjectType.SEQUENCE && r.kind() != Relation.SEQUENCE) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + r.name() + "\" is not a sequence");
        }
        return r;
    }

    // ---------------------------------------------------------------- renames

    String rename(Tree.RenameStmt s) {
        String tag = "ALTER " + switch (s.type()) {
            case VIEW -> "VIEW";
            case MATERIALIZED_VIEW -> "MATERIALIZED VIEW";
            case INDEX -> "INDEX";
            case SEQUENCE -> "SEQUENCE";
            case SCHEMA -> "SCHEMA";
            default -> "TABLE";
        };
        if (s.type() == Tree.ObjectType.SCHEMA) {
            return renameSchema(s.relation().name(), s.newName(), tag);
        }
        if (s.type() == Tree.ObjectType.INDEX && s.subType() == null) {
            IndexInfo i = findIndex(s.relation().schema(), s.relation().name());
            if (i == null) {
                if (s.ifExists()) {
                    ctx.notice(notice(SqlState.UNDEFINED_TABLE, "relation \"" + s.relation().name()
                            + "\" does not exist, skipping"));
                    return tag;
                }
                throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(s.relation())
                        + "\" does not exist");
            }
            renameIndex(i, s.newName());
            return tag;
        }
        Relation r = findRelation(s.relation().schema(), s.relation().name());
        if (r == null) {
            IndexInfo i = findIndex(s.relation().schema(), s.relation().name());
            if (i != null && s.subType() == null) {
                renameIndex(i, s.newName());
                return tag;
            }
            if (s.ifExists()) {
                ctx.notice(notice(SqlState.UNDEFINED_TABLE, "relation \"" + s.relation().name()
                        + "\" does not exist, skipping"));
                return tag;
            }
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(s.relation())
                    + "\" does not exist");
        }
        checkNotSystem(r);
        if (s.type() == Tree.ObjectType.MATERIALIZED_VIEW && !r.isMatview()) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + r.name() + "\" is not a materialized view");
        }
        checkOwner(r);
        if (s.subType() == Tree.ObjectType.CONSTRAINT) {
            renameConstraint(r, s.subName(), s.newName());
            ctx.catalogChanged();
            return tag;
        }
        Relation current = lockExclusively(r); // readers (ACCESS SHARE) finish first, as PostgreSQL's
        var views = viewQueriesBefore(Set.of(current.oid()));
        if (s.subType() == Tree.ObjectType.COLUMN) {
            renameColumn(current, s.subName(), s.newName());
        } else {
            takeName(current.namespaceOid(), s.newName());
            ctx.writer().putRelation(current.withName(s.newName(), current.namespaceOid()), current);
        }
        ctx.catalogChanged();
        reprintViews(views);
        return tag;
    }

    private void takeName(int ns, String name) {
        if (ctx.writer().lockRelationName(ns, name) != 0 || catalog().relationNameTaken(ns, name)) {
            throw new PgException(SqlState.DUPLICATE_TABLE, "relation \"" + name + "\" already exists");
        }
    }

    private void renameIndex(IndexInfo i, String newName) {
        takeName(i.namespaceOid(), newName);
        ctx.writer().putIndex(i.withName(newName), i);
        for (Constraint c : catalog().constraintsOf(i.tableOid())) {
            if (c.indexOid() == i.oid() && c.name().equals(i.name())) {
                ctx.writer().putConstraint(c.withName(newName));
            }
        }
        ctx.catalogChanged();
    }

    private void renameColumn(Relation r, String from, String to) {
        int col = r.columnIndex(from);
        if (col < 0) {
            throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + from + "\" does not exist");
        }
        if (r.columnIndex(to) >= 0) {
            throw new PgException(SqlState.DUPLICATE_COLUMN, "column \"" + to + "\" of relation \"" + r.name()
                    + "\" already exists");
        }
        List<Attribute> cols = new ArrayList<>(r.columns());
        cols.set(col, cols.get(col).withName(to));
        Relation renamed = r.withColumns(cols);
        // generation expressions are kept as text: written again with the new name (analyzed with the old)
        for (int i = 0; i < cols.size(); i++) {
            Attribute g = cols.get(i);
            if (g.isGenerated() && !g.dropped()) {
                org.walden.sql.analyze.Expr e = new org.walden.sql.analyze.Analyzer(ctx.analyzerEnv())
                        .relationExpression(r, org.walden.sql.parse.SqlParser.parseExpression(g.defaultSql()),
                                "GENERATED");
                cols.set(i, g.withGeneration(storedText(renamed, e)));
            }
        }
        ctx.writer().putRelation(r.withColumns(cols), r);
        // so are CHECK constraints' conditions
        for (org.walden.sql.catalog.Constraint k : catalog().constraintsOf(r.oid())) {
            if (k.type() == org.walden.sql.catalog.Constraint.CHECK && k.checkSql() != null) {
                org.walden.sql.analyze.Expr e = new org.walden.sql.analyze.Analyzer(ctx.analyzerEnv())
                        .relationExpression(r, org.walden.sql.parse.SqlParser.parseExpression(k.checkSql()), "CHECK");
                ctx.writer().putConstraint(new org.walden.sql.catalog.Constraint(k.oid(), k.name(), k.namespaceOid(),
                        k.type(), k.tableOid(), k.columns(), k.indexOid(), storedText(renamed, e), k.refTableOid(),
                        k.refColumns(), k.onUpdate(), k.onDelete(), k.matchType(), k.deferrable(), k.deferred(),
                        k.validated(), k.definition()));
            }
        }
        ctx.catalogChanged();
    }

    private void renameConstraint(Relation r, String from, String to) {
        for (Constraint c : catalog().constraintsOf(r.oid())) {
            if (c.name().equals(from)) {
                ctx.writer().putConstraint(c.withName(to));
                IndexInfo i = c.indexOid() == 0 ? null : catalog().index(c.indexOid());
                if (i != null && i.name().equals(from)) {
                    takeName(i.namespaceOid(), to);
                    ctx.writer().putIndex(i.withName(to), i);
                }
                return;
            }
        }
        throw new PgException(SqlState.UNDEFINED_OBJECT, "constraint \"" + from + "\" for table \"" + r.name()
                + "\" does not exist");
    }

    private String renameSchema(String from, String to, String tag) {
        Namespace n = ctx.lookup().requireNamespace(from);
        if (n.isSystem()) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for schema " + from);
        }
        if (to.startsWith("pg_")) {
            throw new PgException(SqlState.RESERVED_NAME, "unacceptable schema name \"" + to + "\"")
                    .withDetail("The prefix \"pg_\" is reserved for system schemas.");
        }
        if (ctx.writer().lockNamespaceName(to) != 0 || ctx.lookup().namespace(to) != null) {
            throw new PgException(SqlState.DUPLICATE_SCHEMA, "schema \"" + to + "\" already exists");
        }
        Set<Integer> members = new java.util.HashSet<>();
        for (Relation r : catalog().relations()) {
            if (r.namespaceOid() == n.oid()) {
                members.add(r.oid());
            }
        }
        var views = viewQueriesBefore(members);
        ctx.writer().deleteNamespace(n);
        ctx.writer().putNamespace(new Namespace(n.oid(), to, n.ownerOid()));
        ctx.catalogChanged();
        reprintViews(views);
        return tag;
    }
}
