package org.walden.sql.command;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.ExprTransformer;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.Constraint;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.exec.Eval;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.ExprCompiler;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.Casts;
import org.walden.sql.types.PgType;

/**
 * ALTER TABLE (PostgreSQL's AlterTable): ADD / DROP COLUMN, ALTER COLUMN SET / DROP DEFAULT,
 * SET / DROP NOT NULL, TYPE [USING], ADD / DROP CONSTRAINT, OWNER TO, SET SCHEMA and identity
 * columns. The table is locked exclusively; a new column with a non-NULL default and a type
 * change rewrite the table ({@link TableRewriter}), others change only the catalog.
 */
final class AlterCommands extends DdlSupport {

    AlterCommands(CommandContext ctx) {
        super(ctx);
    }

    String alter(Tree.AlterTableStmt s) {
        if (s.type() == Tree.ObjectType.SCHEMA) {
            return schemaOwner(s);
        }
        if (s.type() == Tree.ObjectType.INDEX && s.commands().size() == 1
                && s.commands().get(0) instanceof Tree.SetTablespace t) {
            return indexTablespace(s, t.tablespace());
        }
        String tag = s.type() == Tree.ObjectType.VIEW ? "ALTER VIEW" : s.type() == Tree.ObjectType.SEQUENCE
                ? "ALTER SEQUENCE" : s.type() == Tree.ObjectType.INDEX ? "ALTER INDEX" : "ALTER TABLE";
        Relation r = findRelation(s.relation().schema(), s.relation().name());
        if (r == null) {
            if (s.ifExists()) {
                ctx.notice(notice(SqlState.UNDEFINED_TABLE, "relation \"" + s.relation().name()
                        + "\" does not exist, skipping"));
                return tag;
            }
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(s.relation())
                    + "\" does not exist");
        }
        checkNotSystem(r);
        checkOwner(r);
        r = lockExclusively(r);
        for (Tree.AlterCmd c : s.commands()) {
            Relation current = catalog().relation(r.oid());
            if (current == null) {
                throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + r.name() + "\" does not exist");
            }
            r = current;
            apply(r, c);
            ctx.catalogChanged();
        }
        return tag;
    }

    private void apply(Relation r, Tree.AlterCmd c) {
        switch (c) {
            case Tree.AddColumn a -> addColumn(r, a);
            case Tree.DropColumn d -> dropColumn(r, d);
            case Tree.AlterColumnDefault d -> setDefault(r, d);
            case Tree.AlterColumnNotNull n -> notNull(r, n);
            case Tree.AlterColumnType t -> changeType(r, t);
            case Tree.AddConstraint a -> {
                requireKind(r, Relation.TABLE);
                new ConstraintCommands(ctx).addConstraint(r, a.constraint(), null, false, new HashSet<>());
            }
            case Tree.DropConstraint d -> new ConstraintCommands(ctx).dropConstraint(r, d.name(), d.ifExists(),
                    d.cascade());
            case Tree.OwnerTo o -> ownerTo(r, o.role());
            case Tree.SetSchema s -> setSchema(r, s.schema());
            case Tree.AlterIdentity i -> identity(r, i);
            case Tree.SetLogged l -> setLogged(r, l.logged());
            case Tree.SetTablespace t -> setTablespace(r, t.tablespace());
            case Tree.ClusterOn o -> {
                requireKind(r, Relation.TABLE);
                ReindexCommands clustering = new ReindexCommands(ctx, null);
                clustering.markClustered(r, o.index() == null ? null : clustering.clusterableIndex(r, o.index()));
            }
            case Tree.DropExpression x -> dropExpression(r, x);
        }
    }

    /** ALTER COLUMN ... DROP EXPRESSION: the column keeps its stored values and is written like any other. */
    private void dropExpression(Relation r, Tree.DropExpression x) {
        int i = column(r, x.column());
        Attribute a = r.column(i);
        if (!a.isGenerated()) {
            String message = "column \"" + a.name() + "\" of relation \"" + r.name() + "\" is not a stored generated "
                    + "column";
            if (!x.ifExists()) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, message);
            }
            ctx.notice(notice(SqlState.SUCCESSFUL_COMPLETION, message + ", skipping"));
            return;
        }
        List<Attribute> cols = new ArrayList<>(r.columns());
        cols.set(i, a.withGeneration(null));
        ctx.writer().putRelation(r.withColumns(cols), r);
    }

    /** The stored generated columns of {@code r} whose expressions read column {@code attnum}, by attnum. */
    private List<Attribute> generatedColumnsReading(Relation r, int attnum) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute g : r.columns()) {
            if (!g.isGenerated() || g.dropped()) {
                continue;
            }
            Expr e = new Analyzer(ctx.analyzerEnv()).relationExpression(r,
                    org.walden.sql.parse.SqlParser.parseExpression(g.defaultSql()), "GENERATED");
            if (org.walden.sql.analyze.Exprs.any(e, y -> y instanceof Expr.Var v && v.levelsUp() == 0
                    && v.attno() > 0 && r.column(v.attno() - 1).attnum() == attnum)) {
                out.add(g);
            }
        }
        return out;
    }

    /** ALTER INDEX ... SET TABLESPACE: the index's pg_class.reltablespace; the table's owner may. */
    private String indexTablespace(Tree.AlterTableStmt s, String tablespace) {
        IndexInfo idx = findIndex(s.relation().schema(), s.relation().name());
        if (idx == null) {
            if (s.ifExists()) {
                ctx.notice(notice(SqlState.UNDEFINED_TABLE, "relation \"" + s.relation().name()
                        + "\" does not exist, skipping"));
                return "ALTER INDEX";
            }
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(s.relation())
                    + "\" does not exist");
        }
        Relation table = catalog().relation(idx.tableOid());
        checkNotSystem(table);
        var me = ctx.currentRole();
        if (me != null && !me.superuser() && !catalog().shared().isMemberOf(me.oid(), table.ownerOid())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be owner of index " + idx.name());
        }
        lockExclusively(table);
        int target = new TablespaceCommands(ctx).tablespaceForNewRelation(tablespace);
        ctx.writer().putRelationTablespace(idx.oid(), target);
        moveIndex(table, idx, target);
        ctx.catalogChanged();
        return "ALTER INDEX";
    }

    /**
     * SET TABLESPACE: the table's pg_class.reltablespace changes (its indexes stay where they
     * are, as in PostgreSQL) and its rows move: the table is rewritten into a new relfilenode
     * stored in the tablespace (its indexes rebuilt where they are), the old one emptied at
     * commit. Nothing moves when the rows are already there.
     */
    private void setTablespace(Relation r, String tablespace) {
        if (r.kind() != Relation.TABLE && r.kind() != Relation.INDEX) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "cannot set tablespace of " + kindName(r.kind())
                    + " \"" + r.name() + "\"");
        }
        int target = new TablespaceCommands(ctx).tablespaceForNewRelation(tablespace == null ? "pg_default" : tablespace);
        ctx.writer().putRelationTablespace(r.oid(), target);
        if (r.kind() == Relation.TABLE && r.relfilenode() != 0 && storedTablespace(r.relfilenode()) != target) {
            new TableRewriter(ctx).toTablespace(target).rewrite(r, r, null);
        } else if (r.kind() == Relation.INDEX) {
            IndexInfo idx = catalog().index(r.oid());
            if (idx != null) {
                moveIndex(catalog().relation(idx.tableOid()), idx, target);
            }
        }
    }

    /** An index's entries moved to tablespace {@code target}'s storage (rebuilt there) unless already in it. */
    private void moveIndex(Relation table, IndexInfo idx, int target) {
        if (idx.hasStorage() && storedTablespace(idx.relfilenode()) != target) {
            new TableRewriter(ctx).rebuildIndex(table, idx, target);
        }
    }

    /**
     * SET LOGGED / SET UNLOGGED (PostgreSQL's ATPrepChangePersistence): the table and its indexes
     * are rewritten into storage of the other persistence, so that SET LOGGED WAL-logs every row
     * (a standby has them from then on) and SET UNLOGGED leaves the WAL.
     */
    private void setLogged(Relation r, boolean logged) {
        requireKind(r, Relation.TABLE);
        char current = org.walden.sql.catalog.CatalogLookup.persistence(catalog(), r.namespaceOid(), r.relfilenode());
        if (current == org.walden.txn.RelPersistence.TEMPORARY) {
            throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "cannot change logged status of table \""
                    + r.name() + "\" because it is temporary");
        }
        char wanted = logged ? org.walden.txn.RelPersistence.PERMANENT : org.walden.txn.RelPersistence.UNLOGGED;
        if (current == wanted) {
            return;
        }
        // a logged table may not reference an unlogged one: SET LOGGED looks at the tables this one
        // references, SET UNLOGGED at those referencing it (as ATPrepChangePersistence scans)
        List<org.walden.sql.catalog.Constraint> keys = logged ? catalog().constraintsOf(r.oid())
                : catalog().foreignKeysReferencing(r.oid());
        for (org.walden.sql.catalog.Constraint k : keys) {
            if (k.type() != org.walden.sql.catalog.Constraint.FOREIGN) {
                continue;
            }
            int other = k.tableOid() == r.oid() ? k.refTableOid() : k.tableOid();
            Relation o = catalog().relation(other);
            if (other == r.oid() || o == null) {
                continue;
            }
            boolean otherPermanent = org.walden.sql.catalog.CatalogLookup.persistence(catalog(), o.namespaceOid(),
                    o.relfilenode()) == org.walden.txn.RelPersistence.PERMANENT;
            if (logged != otherPermanent) {
                throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "could not change table \"" + r.name()
                        + "\" to " + (logged ? "logged" : "unlogged") + " because it references "
                        + (logged ? "unlogged" : "logged") + " table \"" + o.name() + "\"");
            }
        }
        new TableRewriter(ctx).toPersistence(wanted).rewrite(r, r, null);
    }

    private static void requireKind(Relation r, char kind) {
        if (r.kind() != kind) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + r.name() + "\" is not " + withArticle(kindName(kind)));
        }
    }

    private int column(Relation r, String name) {
        int i = r.columnIndex(name);
        if (i < 0) {
            throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + name + "\" of relation \"" + r.name()
                    + "\" does not exist");
        }
        return i;
    }

    private void addColumn(Relation r, Tree.AddColumn a) {
        requireKind(r, Relation.TABLE);
        Tree.ColumnDef def = a.column();
        if (r.columnIndex(def.name()) >= 0) {
            if (a.ifNotExists()) {
                ctx.notice(notice(SqlState.DUPLICATE_COLUMN, "column \"" + def.name() + "\" of relation \"" + r.name()
                        + "\" already exists, skipping"));
                return;
            }
            throw new PgException(SqlState.DUPLICATE_COLUMN, "column \"" + def.name() + "\" of relation \"" + r.name()
                    + "\" already exists");
        }
        TableCommands tc = new TableCommands(ctx);
        TableCommands.TableDraft d = new TableCommands.TableDraft(ctx.lookup().namespace(r.namespaceOid()), r.name());
        d.columns.addAll(r.columns());
        tc.addColumnDef(d, def);
        try {
            tc.analyzeGenerations(d);
        } catch (org.walden.sql.parse.SyntaxError e) {
            throw e.withoutPosition();  // ALTER TABLE cooks the expression without the statement's text
        }
        Attribute added = d.columns.get(d.columns.size() - 1);
        int attnum = 1;
        for (Attribute x : r.columns()) {
            attnum = Math.max(attnum, x.attnum() + 1);
        }
        added = new Attribute(attnum, added.name(), added.type(), added.typmod(), added.notNull(), added.defaultSql(),
                added.defaultText(), added.identity(), false, added.generated());
        List<Attribute> cols = new ArrayList<>(r.columns());
        cols.add(added);
        Relation updated = r.withColumns(cols);
        int index = cols.size() - 1;
        for (var e : d.sequences.entrySet()) {
            updated = tc.addOwnedSequence(updated, index, e.getValue(), d.sequenceOptions.get(e.getKey()),
                    new HashSet<>());
        }
        Attribute col = updated.column(index);
        boolean hasRows = hasRows(r);
        if (col.isGenerated() && hasRows) {
            Eval generation = org.walden.sql.plan.RowWriters.forSession(ctx.fn()).generationEval(updated, col);
            ExecState st = ctx.execState(null, new Object[0]);
            try {
                updated = new TableRewriter(ctx).rewrite(r, updated, row -> {
                    Object[] out = java.util.Arrays.copyOf(row, row.length + 1);
                    out[row.length] = generation.eval(out, st);
                    if (out[row.length] == null && col.notNull()) {
                        throw new PgException(SqlState.NOT_NULL_VIOLATION, "column \"" + col.name()
                                + "\" of relation \"" + r.name() + "\" contains null values")
                                .withObject(columnObject(r, col.name()));
                    }
                    return out;
                });
            } finally {
                st.finish();
            }
        } else if (col.hasDefault() && hasRows) {
            Eval dflt = defaultEval(updated, col);
            ExecState st = ctx.execState(null, new Object[0]);
            try {
                updated = new TableRewriter(ctx).rewrite(r, updated, row -> {
                    Object[] out = java.util.Arrays.copyOf(row, row.length + 1);
                    out[row.length] = dflt.eval(null, st);
                    return out;
                });
            } finally {
                st.finish();
            }
        } else if (col.notNull() && hasRows) {
            throw new PgException(SqlState.NOT_NULL_VIOLATION, "column \"" + col.name() + "\" of relation \""
                    + r.name() + "\" contains null values").withObject(columnObject(r, col.name()));
        }
        ctx.writer().putRelation(updated, r);
        ctx.catalogChanged();
        for (int i = 0; i < d.constraints.size(); i++) {
            Relation current = catalog().relation(r.oid());
            new ConstraintCommands(ctx).addConstraint(current, d.constraints.get(i), col.name(), !hasRows,
                    new HashSet<>());
        }
    }

    private boolean hasRows(Relation r) {
        try (var c = ctx.txn().scan(org.walden.sql.catalog.Keys.prefix(r.relfilenode()),
                org.walden.sql.catalog.Keys.end(r.relfilenode()))) {
            return c.next();
        }
    }

    private Eval defaultEval(Relation t, Attribute a) {
        Expr e = new Analyzer(ctx.analyzerEnv()).relationExpression(null,
                org.walden.sql.parse.SqlParser.parseExpression(a.defaultSql()), "DEFAULT");
        return new ExprCompiler(x -> -1, null).compile(e);
    }

    /** 2BP01 for DROP COLUMN without CASCADE of a column others depend on, else CASCADE's NOTICE. */
    private static void refuseOrNoticeCascades(Tree.DropColumn d, Attribute a, Relation r, DropCommands drops,
                                               List<String> details, List<String> cascaded) {
        if (!d.cascade()) {
            throw new PgException(SqlState.DEPENDENT_OBJECTS_STILL_EXIST, "cannot drop column " + a.name()
                    + " of table " + drops.described(r) + " because other objects depend on it")
                    .withDetail(String.join("\n", details))
                    .withHint("Use DROP ... CASCADE to drop the dependent objects too.");
        }
        drops.noticeCascades(cascaded);
    }

    private void dropColumn(Relation r, Tree.DropColumn d) {
        int i = r.columnIndex(d.column());
        if (i < 0) {
            if (d.ifExists()) {
                ctx.notice(notice(SqlState.UNDEFINED_COLUMN, "column \"" + d.column() + "\" of relation \"" + r.name()
                        + "\" does not exist, skipping"));
                return;
            }
            throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + d.column() + "\" of relation \"" + r.name()
                    + "\" does not exist");
        }
        Attribute a = r.column(i);
        int attnum = a.attnum();
        List<Relation> views = viewsReadingColumn(r.oid(), attnum);
        List<Attribute> generated = generatedColumnsReading(r, attnum);
        if (!generated.isEmpty() && views.isEmpty()) {
            DropCommands drops = new DropCommands(ctx, null);
            List<String> details = new ArrayList<>();
            List<String> cascaded = new ArrayList<>();
            for (Attribute g : generated) {
                details.add("column " + g.name() + " of table " + drops.described(r) + " depends on column "
                        + a.name() + " of table " + drops.described(r));
                cascaded.add("column " + g.name() + " of table " + drops.described(r));
            }
            refuseOrNoticeCascades(d, a, r, drops, details, cascaded);
            for (Attribute g : generated) {
                Relation current = catalog().relation(r.oid());
                dropColumn(current, new Tree.DropColumn(g.name(), false, true));
            }
            r = catalog().relation(r.oid());
        } else if (!generated.isEmpty()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot drop column " + a.name() + " of table "
                    + r.name() + ": both views and generated columns depend on it");
        }
        if (!views.isEmpty()) {
            DropCommands drops = new DropCommands(ctx, null);
            List<String> details = new ArrayList<>();
            List<String> cascaded = new ArrayList<>();
            for (Relation v : views) {
                details.add("view " + drops.described(v) + " depends on column " + a.name() + " of table "
                        + drops.described(r));
                cascaded.add("view " + drops.described(v));
            }
            refuseOrNoticeCascades(d, a, r, drops, details, cascaded);
            for (Relation v : views) {
                Relation current = catalog().relation(v.oid());
                if (current != null) {
                    drops.dropRelation(current);
                }
            }
        }
        boolean inKey = false;
        for (int k : r.primaryKey()) {
            inKey |= k == i;
        }
        CatalogWriter w = ctx.writer();
        for (Constraint c : catalog().constraintsOf(r.oid())) {
            boolean uses = false;
            for (int x : c.columns() == null ? new int[0] : c.columns()) {
                uses |= x == attnum;
            }
            if (uses) {
                new ConstraintCommands(ctx).dropConstraint(catalog().relation(r.oid()), c, d.cascade());
            }
        }
        for (IndexInfo idx : catalog().indexesOf(r.oid())) {
            boolean uses = idx.keys().stream().anyMatch(k -> k.attnum() == attnum);
            if (uses && catalog().index(idx.oid()) != null) {
                w.deleteIndex(idx);
                dropStorage(idx.relfilenode());
            }
        }
        ctx.catalogChanged();
        Relation current = catalog().relation(r.oid());
        List<Attribute> cols = new ArrayList<>(current.columns());
        cols.set(i, a.asDropped());
        Relation updated = current.withColumns(cols);
        if (inKey && current.hasPrimaryKey()) {
            updated = updated.withPrimaryKey(new int[0], updated.relfilenode());
        }
        w.putRelation(updated, current);
        for (Relation seq : sorted(catalog().relations())) {
            if (seq.sequence() != null && seq.sequence().ownedByTable() == r.oid()
                    && seq.sequence().ownedByColumn() == attnum) {
                w.deleteRelation(seq);
                dropStorage(seq.relfilenode());
            }
        }
        ctx.writer().putComment(PG_CLASS, r.oid(), attnum, null);
    }

    private void setDefault(Relation r, Tree.AlterColumnDefault d) {
        int i = column(r, d.column());
        Attribute a = r.column(i);
        if (a.isGenerated()) {
            PgException e = new PgException(SqlState.SYNTAX_ERROR, "column \"" + a.name() + "\" of relation \""
                    + r.name() + "\" is a generated column");
            throw d.expr() == null ? e.withHint("Use ALTER TABLE ... ALTER COLUMN ... DROP EXPRESSION instead.") : e;
        }
        String sql = d.expr() == null ? null : new TableCommands(ctx).checkedDefault(a, d.expr());
        List<Attribute> cols = new ArrayList<>(r.columns());
        cols.set(i, a.withDefault(sql, null));
        ctx.writer().putRelation(r.withColumns(cols), r);
    }

    private void notNull(Relation r, Tree.AlterColumnNotNull n) {
        int i = column(r, n.column());
        Attribute a = r.column(i);
        if (n.notNull()) {
            new ConstraintCommands(ctx).addConstraint(r, Tree.Constraint.simple(Tree.ConstraintType.NOT_NULL, null, 0),
                    a.name(), false, new HashSet<>());
            return;
        }
        for (int k : r.primaryKey()) {
            if (k == i) {
                throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "column \"" + a.name()
                        + "\" is in a primary key");
            }
        }
        if (a.identity() != '\0') {
            throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "column \"" + a.name()
                    + "\" of relation \"" + r.name() + "\" is an identity column");
        }
        List<Attribute> cols = new ArrayList<>(r.columns());
        cols.set(i, a.withNotNull(false));
        ctx.writer().putRelation(r.withColumns(cols), r);
    }

    private void changeType(Relation r, Tree.AlterColumnType t) {
        requireKind(r, Relation.TABLE);
        int i = column(r, t.column());
        Attribute a = r.column(i);
        List<Relation> viewsUsing = viewsReadingColumn(r.oid(), a.attnum());
        if (!viewsUsing.isEmpty()) {
            Relation v = viewsUsing.get(0);
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot alter type of a column used by a view or rule")
                    .withDetail("rule _RETURN on view " + v.name() + " depends on column \"" + a.name() + "\"");
        }
        List<Attribute> generatedUsing = generatedColumnsReading(r, a.attnum());
        if (!generatedUsing.isEmpty()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot alter type of a column used by a generated "
                    + "column").withDetail("Column \"" + a.name() + "\" is used by generated column \""
                    + generatedUsing.get(0).name() + "\".");
        }
        Analyzer an = new Analyzer(ctx.analyzerEnv());
        ExprTransformer.TypeRef type = an.typeName(t.type());
        Eval using = null;
        if (t.using() != null) {
            Expr u = an.relationExpression(r, t.using(), "OTHER");
            Attribute target = new Attribute(a.attnum(), a.name(), type.type(), type.typmod(), a.notNull());
            Expr assigned = an.assignToColumn(u, r, target);
            List<Expr> cols = new ArrayList<>();
            for (int c = 0; c < r.columns().size(); c++) {
                cols.add(new Expr.Var(1, c + 1, r.column(c).type(), r.column(c).typmod(), 0));
            }
            java.util.Map<Expr, Integer> pos = new java.util.HashMap<>();
            for (int c = 0; c < cols.size(); c++) {
                pos.put(cols.get(c), c);
            }
            using = new ExprCompiler(e -> pos.getOrDefault(e, -1), null).compile(assigned);
        } else if (Casts.context(a.type(), type.type()) == 0 || Casts.context(a.type(), type.type()) == 'e'
                && a.type() != type.type()) {
            throw new PgException(SqlState.DATATYPE_MISMATCH, "column \"" + a.name() + "\" cannot be cast "
                    + "automatically to type " + type.type().formatType(type.typmod()))
                    .withHint("You might need to specify \"USING " + a.name() + "::" + type.type().formatType(
                            type.typmod()) + "\".");
        }
        List<Attribute> cols = new ArrayList<>(r.columns());
        cols.set(i, a.withType(type.type(), type.typmod()));
        Relation updated = r.withColumns(cols);
        if (a.hasDefault()) {
            cols.set(i, cols.get(i).withDefault(a.defaultSql(), a.defaultText()));
        }
        Eval conv = using;
        ExecState st = ctx.execState(null, new Object[0]);
        try {
            PgType from = a.type();
            new TableRewriter(ctx).rewrite(r, updated, row -> {
                Object[] out = row.clone();
                out[i] = conv != null ? conv.eval(row, st) : TableRewriter.convert(row[i], from, type.type(),
                        type.typmod(), ctx.fn().values());
                return out;
            });
        } finally {
            st.finish();
        }
    }

    private void ownerTo(Relation r, String role) {
        RoleDef owner = catalog().role(role);
        if (owner == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + role + "\" does not exist");
        }
        ctx.writer().putRelation(r.withOwner(owner.oid()), r);
        rewriteAcl(org.walden.sql.catalog.DbCatalog.PG_CLASS, r.oid(), 0, r.ownerOid(), owner.oid());
        for (Attribute a : r.columns()) {
            rewriteAcl(org.walden.sql.catalog.DbCatalog.PG_CLASS, r.oid(), a.attnum(), r.ownerOid(), owner.oid());
        }
    }

    /** ALTER ... OWNER TO: the old owner's ACL items become the new owner's (PostgreSQL's aclnewowner). */
    private void rewriteAcl(int classOid, int oid, int subId, int oldOwner, int newOwner) {
        var acl = catalog().acl(classOid, oid, subId);
        if (acl != null && oldOwner != newOwner) {
            ctx.writer().putAcl(classOid, oid, subId, org.walden.sql.catalog.Acl.newOwner(acl, oldOwner, newOwner));
        }
    }

    /** ALTER SCHEMA name OWNER TO role. */
    private String schemaOwner(Tree.AlterTableStmt s) {
        var n = ctx.lookup().requireNamespace(s.relation().name());
        var me = ctx.currentRole();
        if (me != null && !me.superuser() && !catalog().shared().hasPrivsOfRole(me.oid(), n.ownerOid())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be owner of schema " + n.name());
        }
        String role = ((Tree.OwnerTo) s.commands().get(0)).role();
        RoleDef owner = catalog().role(role);
        if (owner == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + role + "\" does not exist");
        }
        ctx.writer().putNamespace(new org.walden.sql.catalog.Namespace(n.oid(), n.name(), owner.oid()));
        rewriteAcl(org.walden.sql.catalog.DbCatalog.PG_NAMESPACE, n.oid(), 0, n.ownerOid(), owner.oid());
        ctx.catalogChanged();
        return "ALTER SCHEMA";
    }

    private void setSchema(Relation r, String schema) {
        Namespace n = creationNamespace(schema);
        if (n.oid() == r.namespaceOid()) {
            return;
        }
        if (ctx.writer().lockRelationName(n.oid(), r.name()) != 0) {
            throw new PgException(SqlState.DUPLICATE_TABLE, "relation \"" + r.name() + "\" already exists in schema \""
                    + schema + "\"");
        }
        var views = viewQueriesBefore(java.util.Set.of(r.oid()));
        ctx.writer().putRelation(r.withName(r.name(), n.oid()), r);
        ctx.catalogChanged();
        reprintViews(views);
        for (IndexInfo i : catalog().indexesOf(r.oid())) {
            IndexInfo moved = new IndexInfo(i.oid(), i.name(), n.oid(), i.tableOid(), i.relfilenode(), i.keys(),
                    i.unique(), i.primary(), i.nullsNotDistinct(), i.predicateSql(), i.predicateText(), i.ready(),
                    i.valid(), i.method(), i.clustered());
            ctx.writer().putIndex(moved, i);
        }
    }

    private void identity(Relation r, Tree.AlterIdentity i) {
        int col = column(r, i.column());
        Attribute a = r.column(col);
        List<Attribute> cols = new ArrayList<>(r.columns());
        if (i.drop()) {
            if (a.identity() == '\0') {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "column \"" + a.name()
                        + "\" of relation \"" + r.name() + "\" is not an identity column");
            }
            cols.set(col, new Attribute(a.attnum(), a.name(), a.type(), a.typmod(), a.notNull(), null, null, '\0',
                    false));
            ctx.writer().putRelation(r.withColumns(cols), r);
            for (Relation seq : sorted(catalog().relations())) {
                if (seq.sequence() != null && seq.sequence().ownedByTable() == r.oid()
                        && seq.sequence().ownedByColumn() == a.attnum()) {
                    ctx.writer().deleteRelation(seq);
                    dropStorage(seq.relfilenode());
                }
            }
            return;
        }
        if (a.identity() != '\0') {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "column \"" + a.name()
                    + "\" of relation \"" + r.name() + "\" is already an identity column");
        }
        if (a.hasDefault()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "column \"" + a.name()
                    + "\" of relation \"" + r.name() + "\" already has a default value");
        }
        cols.set(col, new Attribute(a.attnum(), a.name(), a.type(), a.typmod(), true, null, null, i.identity(),
                false));
        Relation updated = new TableCommands(ctx).addOwnedSequence(r.withColumns(cols), col, a.type(), List.of(),
                new HashSet<>());
        ctx.writer().putRelation(updated, r);
        ctx.catalogChanged();
    }
}
