package org.walden.sql.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.Constraint;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.RowWriter;
import org.walden.sql.func.Builtins;
import org.walden.sql.parse.Tree;
import org.walden.sql.plan.RowWriters;
import org.walden.sql.types.PgType;
import org.walden.txn.RelPersistence;
import org.walden.sql.types.Values;
import org.walden.txn.KvCursor;

/**
 * Table constraints (PostgreSQL's AddRelationNewConstraints and index_create for keys): PRIMARY
 * KEY (the table's rows keyed by it; added later, the table is re-keyed and its indexes
 * rebuilt), UNIQUE (a unique index, built from the rows), CHECK and FOREIGN KEY (checked against
 * the existing rows when added to a populated table), and dropping them.
 */
final class ConstraintCommands extends DdlSupport {

    ConstraintCommands(CommandContext ctx) {
        super(ctx);
    }

    private int[] attnums(Relation t, List<String> names) {
        int[] out = new int[names.size()];
        for (int i = 0; i < out.length; i++) {
            int idx = t.columnIndex(names.get(i));
            if (idx < 0) {
                throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + names.get(i)
                        + "\" named in key does not exist");
            }
            out[i] = t.column(idx).attnum();
        }
        return out;
    }

    /**
     * Adds constraint {@code c} to {@code table} ({@code column}: the column of a column
     * constraint); {@code newTable} when the table has no rows yet. Returns the table as updated.
     */
    Relation addConstraint(Relation table, Tree.Constraint c, String column, boolean newTable, Set<String> taken) {
        return switch (c.type()) {
            case PRIMARY -> primaryKey(table, c, newTable, taken);
            case UNIQUE -> unique(table, c, newTable, taken);
            case CHECK -> check(table, c, column, newTable, taken);
            case FOREIGN -> foreignKey(table, c, newTable, taken);
            case NOT_NULL -> setNotNull(table, column, newTable);
            default -> table;
        };
    }

    private Relation primaryKey(Relation table, Tree.Constraint c, boolean newTable, Set<String> taken) {
        if (table.hasPrimaryKey()) {
            throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "multiple primary keys for table \""
                    + table.name() + "\" are not allowed");
        }
        int[] attnums = attnums(table, c.keys());
        String name = c.name() != null ? c.name() : chooseRelationName(table.name(), null, "pkey",
                table.namespaceOid(), taken);
        checkIndexName(table, name);
        List<Attribute> cols = new ArrayList<>(table.columns());
        int[] pk = new int[attnums.length];
        for (int i = 0; i < attnums.length; i++) {
            pk[i] = table.indexOfAttnum(attnums[i]);
            cols.set(pk[i], cols.get(pk[i]).withNotNull(true));
        }
        Relation keyed = table.withColumns(cols).withPrimaryKey(pk, table.relfilenode());
        CatalogWriter w = ctx.writer();
        if (!newTable) {
            keyed = new TableRewriter(ctx).rekey(table, keyed, name);
        }
        int indexOid = w.allocateOid();
        IndexInfo idx = TableCommands.keyIndex(indexOid, name, keyed, attnums, true, false, 0);
        w.putRelation(keyed, table);
        w.putIndex(idx, null);
        w.putConstraint(TableCommands.keyConstraint(w.allocateOid(), name, keyed, Constraint.PRIMARY, attnums,
                indexOid));
        ctx.catalogChanged();
        return keyed;
    }

    private void checkIndexName(Relation table, String name) {
        if (catalog().relationNameTaken(table.namespaceOid(), name)) {
            throw new PgException(SqlState.DUPLICATE_TABLE, "relation \"" + name + "\" already exists");
        }
    }

    private Relation unique(Relation table, Tree.Constraint c, boolean newTable, Set<String> taken) {
        int[] attnums = attnums(table, c.keys());
        String name = c.name() != null ? c.name() : chooseRelationName(table.name(), String.join("_", c.keys()),
                "key", table.namespaceOid(), taken);
        checkIndexName(table, name);
        CatalogWriter w = ctx.writer();
        int indexOid = w.allocateOid();
        IndexInfo idx = TableCommands.keyIndex(indexOid, name, table, attnums, false, c.nullsNotDistinct(),
                newStorage(org.walden.txn.RelPersistence.of(table.relfilenode())));
        w.putIndex(idx, null);
        w.putConstraint(TableCommands.keyConstraint(w.allocateOid(), name, table, Constraint.UNIQUE, attnums,
                indexOid));
        ctx.catalogChanged();
        if (!newTable) {
            ExecState st = ctx.execState(null, new Object[0]);
            try {
                RowWriter.IndexSpec spec = RowWriters.forSession(ctx.fn()).indexSpec(table, idx);
                IndexBuilder.build(ctx.txn(), table, spec, st, ctx::checkCancel);
            } finally {
                st.finish();
            }
        }
        return table;
    }

    private Relation check(Relation table, Tree.Constraint c, String column, boolean newTable, Set<String> taken) {
        Expr e = new Analyzer(ctx.analyzerEnv()).relationExpression(table, c.expr(), "CHECK");
        if (Exprs.any(e, x -> x instanceof Expr.SubLink)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot use subquery in check constraint");
        }
        String firstColumn = column;
        if (firstColumn == null) {
            for (Expr.Var v : Exprs.collect(e, Expr.Var.class)) {
                firstColumn = table.column(v.attno() - 1).name();
                break;
            }
        }
        String name = c.name() != null ? c.name() : chooseConstraintName(table.name(), firstColumn, "check",
                table.namespaceOid(), taken);
        for (Constraint existing : catalog().constraintsOf(table.oid())) {
            if (existing.name().equals(name)) {
                throw new PgException(SqlState.DUPLICATE_OBJECT, "constraint \"" + name + "\" for relation \""
                        + table.name() + "\" already exists");
            }
        }
        String text = storedText(table, e);
        CatalogWriter w = ctx.writer();
        Constraint k = new Constraint(w.allocateOid(), name, table.namespaceOid(), Constraint.CHECK, table.oid(),
                columnsOf(e), 0, text, 0, null, ' ', ' ', ' ', false, false, !c.notValid(), null);
        if (!newTable && !c.notValid()) {
            validateCheck(table, k);
        }
        w.putConstraint(k);
        ctx.catalogChanged();
        return table;
    }

    private static int[] columnsOf(Expr e) {
        return Exprs.collect(e, Expr.Var.class).stream().mapToInt(Expr.Var::attno).distinct().sorted().toArray();
    }

    private void validateCheck(Relation table, Constraint k) {
        ExecState st = ctx.execState(null, new Object[0]);
        try {
            RowWriter.CheckSpec spec = new RowWriter.CheckSpec(k, RowWriters.forSession(ctx.fn())
                    .checkEval(table, k.checkSql()));
            forEachRow(table, (key, row) -> {
                if (Boolean.FALSE.equals(spec.check().eval(row, st))) {
                    throw new PgException(SqlState.CHECK_VIOLATION, "check constraint \"" + k.name()
                            + "\" of relation \"" + table.name() + "\" is violated by some row")
                            .withObject(constraintObject(table, k.name()));
                }
            });
        } finally {
            st.finish();
        }
    }

    interface RowVisitor {
        void row(byte[] key, Object[] row);
    }

    void forEachRow(Relation table, RowVisitor v) {
        PgType[] types = IndexBuilder.columnTypes(table);
        long n = 0;
        try (KvCursor c = ctx.txn().scan(Keys.prefix(table.relfilenode()), Keys.end(table.relfilenode()))) {
            while (c.next()) {
                if ((++n & 1023) == 0) {
                    ctx.checkCancel();
                }
                v.row(c.key(), RowCodec.decode(types, c.value()));
            }
        }
    }

    /** ATAddForeignKeyConstraint's rule: a table references tables that live at least as long as its rows. */
    private void checkReferencePersistence(Relation table, Relation parent) {
        char mine = CatalogLookup.persistence(catalog(), table.namespaceOid(), table.relfilenode());
        char theirs = CatalogLookup.persistence(catalog(), parent.namespaceOid(), parent.relfilenode());
        String refused = switch (mine) {
            case RelPersistence.PERMANENT -> theirs != RelPersistence.PERMANENT
                    ? "constraints on permanent tables may reference only permanent tables" : null;
            case RelPersistence.UNLOGGED -> theirs == RelPersistence.TEMPORARY
                    ? "constraints on unlogged tables may reference only permanent or unlogged tables" : null;
            default -> theirs != RelPersistence.TEMPORARY
                    ? "constraints on temporary tables may reference only temporary tables"
                    : parent.namespaceOid() != table.namespaceOid()
                    ? "constraints on temporary tables must involve temporary tables of this session" : null;
        };
        if (refused != null) {
            throw new PgException(SqlState.INVALID_TABLE_DEFINITION, refused);
        }
    }

    private Relation foreignKey(Relation table, Tree.Constraint c, boolean newTable, Set<String> taken) {
        Relation parent = c.refTable().name().equals(table.name()) && c.refTable().schema() == null ? table
                : requireTable(c.refTable());
        checkReferencePersistence(table, parent);
        int[] cols = attnums(table, c.keys());
        int[] refCols;
        if (c.refColumns().isEmpty()) {
            if (!parent.hasPrimaryKey()) {
                throw new PgException(SqlState.INVALID_FOREIGN_KEY, "there is no primary key for referenced table \""
                        + parent.name() + "\"");
            }
            refCols = new int[parent.primaryKey().length];
            for (int i = 0; i < refCols.length; i++) {
                refCols[i] = parent.column(parent.primaryKey()[i]).attnum();
            }
        } else {
            refCols = attnums(parent, c.refColumns());
        }
        if (refCols.length != cols.length) {
            throw new PgException(SqlState.INVALID_FOREIGN_KEY,
                    "number of referencing and referenced columns for foreign key disagree");
        }
        String name = c.name() != null ? c.name() : chooseConstraintName(table.name(), String.join("_", c.keys()),
                "fkey", table.namespaceOid(), taken);
        if (!uniqueKey(parent, refCols)) {
            throw new PgException(SqlState.INVALID_FOREIGN_KEY, "there is no unique constraint matching given keys "
                    + "for referenced table \"" + parent.name() + "\"");
        }
        // checkFkeyPermissions: REFERENCES on the referenced columns (and the referencing ones)
        int[] refIndexes = new int[refCols.length];
        int[] keyIndexes = new int[cols.length];
        for (int i = 0; i < refCols.length; i++) {
            refIndexes[i] = parent.indexOfAttnum(refCols[i]);
            keyIndexes[i] = table.indexOfAttnum(cols[i]);
        }
        org.walden.sql.catalog.Privileges.requireRelation(catalog(), parent, ctx.currentRole(),
                org.walden.sql.catalog.Acl.REFERENCES, refIndexes);
        if (!newTable) {
            org.walden.sql.catalog.Privileges.requireRelation(catalog(), table, ctx.currentRole(),
                    org.walden.sql.catalog.Acl.REFERENCES, keyIndexes);
        }
        for (int i = 0; i < cols.length; i++) {
            Attribute a = table.column(table.indexOfAttnum(cols[i]));
            Attribute b = parent.column(parent.indexOfAttnum(refCols[i]));
            if (Builtins.operator("=", a.type(), b.type()) == null) {
                throw new PgException(SqlState.DATATYPE_MISMATCH, "foreign key constraint \"" + name
                        + "\" cannot be implemented").withDetail("Key columns \"" + a.name() + "\" and \"" + b.name()
                        + "\" are of incompatible types: " + a.type().formatType(-1) + " and "
                        + b.type().formatType(-1) + ".");
            }
        }
        CatalogWriter w = ctx.writer();
        Constraint k = new Constraint(w.allocateOid(), name, table.namespaceOid(), Constraint.FOREIGN, table.oid(),
                cols, uniqueIndexOid(parent, refCols), null, parent.oid(), refCols, action(c.onUpdate()),
                action(c.onDelete()), c.matchFull() ? 'f' : 's', c.deferrable(), c.initiallyDeferred(),
                !c.notValid(), null);
        w.putConstraint(k);
        ctx.catalogChanged();
        if (!newTable && !c.notValid()) {
            validateForeignKey(table, parent, k);
        }
        return table;
    }

    private static char action(char a) {
        return a == 0 ? 'a' : a;
    }

    private boolean uniqueKey(Relation parent, int[] refCols) {
        return uniqueIndexOid(parent, refCols) != 0;
    }

    private int uniqueIndexOid(Relation parent, int[] refCols) {
        java.util.Set<Integer> want = new java.util.HashSet<>();
        for (int r : refCols) {
            want.add(r);
        }
        for (IndexInfo i : catalog().indexesOf(parent.oid())) {
            if (!i.unique() || i.isPartial() || !i.valid() || i.keys().size() != refCols.length) {
                continue;
            }
            java.util.Set<Integer> have = new java.util.HashSet<>();
            for (IndexInfo.Key k : i.keys()) {
                have.add(k.attnum());
            }
            if (have.equals(want)) {
                return i.oid();
            }
        }
        return 0;
    }

    private void validateForeignKey(Relation table, Relation parent, Constraint k) {
        ExecState st = ctx.execState(null, new Object[0]);
        try {
            RowWriter parentWriter = RowWriters.forSession(ctx.fn()).writer(table);
            forEachRow(table, (key, row) -> parentWriter.checkForeignKeys(st, row, k.oid()));
        } finally {
            st.finish();
        }
    }

    private Relation setNotNull(Relation table, String column, boolean newTable) {
        int i = table.columnIndex(column);
        if (!newTable) {
            forEachRow(table, (key, row) -> {
                if (row[i] == null) {
                    throw new PgException(SqlState.NOT_NULL_VIOLATION, "column \"" + column + "\" of relation \""
                            + table.name() + "\" contains null values").withObject(columnObject(table, column));
                }
            });
        }
        List<Attribute> cols = new ArrayList<>(table.columns());
        cols.set(i, cols.get(i).withNotNull(true));
        Relation updated = table.withColumns(cols);
        ctx.writer().putRelation(updated, table);
        ctx.catalogChanged();
        return updated;
    }

    // ---------------------------------------------------------------- DROP CONSTRAINT

    Relation dropConstraint(Relation table, String name, boolean ifExists, boolean cascade) {
        Constraint found = null;
        for (Constraint c : catalog().constraintsOf(table.oid())) {
            if (c.name().equals(name)) {
                found = c;
            }
        }
        if (found == null) {
            if (ifExists) {
                ctx.notice(notice(SqlState.UNDEFINED_OBJECT, "constraint \"" + name + "\" of relation \""
                        + table.name() + "\" does not exist, skipping"));
                return table;
            }
            throw new PgException(SqlState.UNDEFINED_OBJECT, "constraint \"" + name + "\" of relation \""
                    + table.name() + "\" does not exist");
        }
        return dropConstraint(table, found, cascade);
    }

    Relation dropConstraint(Relation table, Constraint c, boolean cascade) {
        CatalogWriter w = ctx.writer();
        if (c.type() == Constraint.PRIMARY || c.type() == Constraint.UNIQUE) {
            for (Constraint fk : catalog().foreignKeysReferencing(table.oid())) {
                if (fk.indexOid() == c.indexOid()) {
                    if (!cascade) {
                        Relation child = catalog().relation(fk.tableOid());
                        throw new PgException(SqlState.DEPENDENT_OBJECTS_STILL_EXIST, "cannot drop constraint "
                                + c.name() + " on table " + table.name() + " because other objects depend on it")
                                .withDetail("constraint " + fk.name() + " on table " + child.name()
                                        + " depends on index " + c.name())
                                .withHint("Use DROP ... CASCADE to drop the dependent objects too.");
                    }
                    ctx.notice(notice(SqlState.SUCCESSFUL_COMPLETION, "drop cascades to constraint " + fk.name()
                            + " on table " + catalog().relation(fk.tableOid()).name()));
                    w.deleteConstraint(fk);
                }
            }
            IndexInfo idx = catalog().index(c.indexOid());
            w.deleteConstraint(c);
            if (idx != null) {
                w.deleteIndex(idx);
                dropStorage(idx.relfilenode());
            }
            ctx.catalogChanged();
            if (c.type() == Constraint.PRIMARY) {
                Relation unkeyed = table.withPrimaryKey(new int[0], table.relfilenode());
                unkeyed = new TableRewriter(ctx).rewrite(table, unkeyed, null);
                ctx.writer().putRelation(unkeyed, table);
                ctx.catalogChanged();
                return unkeyed;
            }
            return table;
        }
        w.deleteConstraint(c);
        ctx.catalogChanged();
        return table;
    }

    /** PostgreSQL prints a key's values like this in violation details. */
    static String valueText(Object v, PgType t, ExecState st) {
        return v == null ? "null" : Values.toText(t, v, st.fn().values());
    }
}
