package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.analyze.AnalyzerEnv;
import org.walden.sql.analyze.Deparser;
import org.walden.sql.analyze.ParamTypes;
import org.walden.sql.func.FnContext;
import org.walden.sql.analyze.Expr;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.Constraint;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Relation;
import org.walden.sql.exec.Eval;
import org.walden.sql.exec.ExprCompiler;
import org.walden.sql.exec.RowWriter;
import org.walden.sql.types.PgType;

/**
 * Builds the {@link RowWriter} of a table from the catalog: its secondary indexes (key
 * expressions and partial-index predicates compiled over the table's row), CHECK constraints,
 * its foreign keys (found through the referenced table's primary key or unique index) and the
 * foreign keys of other tables that reference it (with their ON DELETE / ON UPDATE actions,
 * whose cascades use those tables' writers). One per table per statement.
 */
public final class RowWriters {

    private final PlannerGlobal g;
    private final Map<Integer, RowWriter> writers = new HashMap<>();

    RowWriters(PlannerGlobal g) {
        this.g = g;
    }

    /** Writers for the session {@code fn}'s catalog (COPY, DDL rewrites and index builds). */
    public static RowWriters forSession(FnContext fn) {
        AnalyzerEnv env = new AnalyzerEnv(fn.lookup(), fn.values(), new ParamTypes(new int[0]));
        return new RowWriters(new PlannerGlobal(fn, env, new Costs(null), rfn -> 0L));
    }

    public RowWriter writer(Relation table) {
        RowWriter w = writers.get(table.oid());
        if (w == null) {
            w = build(table);
            writers.put(table.oid(), w);
        }
        return w;
    }

    private static Layout rowLayout(Relation t) {
        List<Expr> cols = new ArrayList<>();
        for (int i = 0; i < t.columns().size(); i++) {
            cols.add(new Expr.Var(1, i + 1, t.column(i).type(), t.column(i).typmod(), 0));
        }
        return new Layout(cols);
    }

    private Eval compile(Relation t, Expr e) {
        return new ExprCompiler(rowLayout(t), null).compile(new ConstFolder(g.constState).fold(e));
    }

    private RowWriter build(Relation table) {
        List<RowWriter.IndexSpec> indexes = new ArrayList<>();
        for (IndexInfo idx : g.catalog.indexesOf(table.oid())) {
            if (idx.hasStorage() && idx.ready()) {
                indexes.add(indexSpec(table, idx));
            }
        }
        List<RowWriter.CheckSpec> checks = new ArrayList<>();
        List<RowWriter.ForeignKeySpec> fks = new ArrayList<>();
        for (Constraint c : g.catalog.constraintsOf(table.oid())) {
            if (c.type() == Constraint.CHECK) {
                checks.add(new RowWriter.CheckSpec(c, compile(table, g.storedExpr(table, c.checkSql(), "CHECK", 1))));
            } else if (c.type() == Constraint.FOREIGN) {
                RowWriter.ForeignKeySpec fk = foreignKey(table, c);
                if (fk != null) {
                    fks.add(fk);
                }
            }
        }
        List<RowWriter.ReferencedSpec> refs = new ArrayList<>();
        for (Constraint c : g.catalog.foreignKeysReferencing(table.oid())) {
            Relation child = g.catalog.relation(c.tableOid());
            if (child != null) {
                refs.add(referenced(table, child, c));
            }
        }
        List<RowWriter.GeneratedSpec> generated = new ArrayList<>();
        for (int i = 0; i < table.columns().size(); i++) {
            Attribute a = table.column(i);
            if (a.isGenerated() && !a.dropped()) {
                generated.add(new RowWriter.GeneratedSpec(i, generationEval(table, a)));
            }
        }
        return new RowWriter(table, g.catalog.namespace(table.namespaceOid()).name(), indexes, checks, fks, refs,
                generated);
    }

    /** A stored generated column's expression compiled over the table's row, coerced to the column's type. */
    public Eval generationEval(Relation table, Attribute column) {
        Expr e = g.storedExpr(table, column.defaultSql(), "GENERATED", 1);
        Expr assigned = new org.walden.sql.analyze.Analyzer(g.analyzerEnv).assignToColumn(e, table,
                column.withGeneration(null));
        return compile(table, assigned);
    }

    /** A CHECK constraint's condition compiled over the table's row. */
    public Eval checkEval(Relation table, String checkSql) {
        return compile(table, g.storedExpr(table, checkSql, "CHECK", 1));
    }

    public RowWriter.IndexSpec indexSpec(Relation table, IndexInfo idx) {
        Eval[] keys = new Eval[idx.keys().size()];
        PgType[] types = new PgType[keys.length];
        String[] names = new String[keys.length];
        Deparser d = new Deparser(g.lookup, g.fn.values(), false).withRelation(table);
        for (int i = 0; i < keys.length; i++) {
            IndexInfo.Key k = idx.keys().get(i);
            Expr e;
            if (k.isExpression()) {
                e = g.storedExpr(table, k.exprSql(), "INDEX", 1);
                names[i] = IndexInfo.Key.expressionText(d.expr(e));
            } else {
                int col = table.indexOfAttnum(k.attnum());
                Attribute a = table.column(col);
                e = new Expr.Var(1, col + 1, a.type(), a.typmod(), 0);
                names[i] = a.name();
            }
            keys[i] = compile(table, e);
            types[i] = e.type();
        }
        Eval predicate = idx.isPartial() ? compile(table, g.storedExpr(table, idx.predicateSql(), "PREDICATE", 1))
                : null;
        return new RowWriter.IndexSpec(idx, keys, types, predicate, names);
    }

    private static int[] columnIndexes(Relation t, int[] attnums) {
        int[] out = new int[attnums.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.indexOfAttnum(attnums[i]);
        }
        return out;
    }

    private RowWriter.ForeignKeySpec foreignKey(Relation table, Constraint c) {
        Relation parent = g.catalog.relation(c.refTableOid());
        if (parent == null) {
            return null;
        }
        int[] childCols = columnIndexes(table, c.columns());
        int[] parentCols = columnIndexes(parent, c.refColumns());
        int[] order = keyOrder(parent.primaryKey(), parentCols);
        RowWriter.IndexSpec parentIndex = null;
        if (order == null) {
            for (IndexInfo idx : g.catalog.indexesOf(parent.oid())) {
                if (idx.unique() && idx.hasStorage() && !idx.isPartial() && idx.valid()) {
                    int[] keyCols = new int[idx.keys().size()];
                    boolean plain = true;
                    for (int i = 0; i < keyCols.length; i++) {
                        plain &= !idx.keys().get(i).isExpression();
                        keyCols[i] = plain ? parent.indexOfAttnum(idx.keys().get(i).attnum()) : -1;
                    }
                    int[] o = plain ? keyOrder(keyCols, parentCols) : null;
                    if (o != null) {
                        order = o;
                        parentIndex = indexSpec(parent, idx);
                        break;
                    }
                }
            }
        }
        if (order == null) {
            return null;
        }
        int[] columns = new int[order.length];
        String[] names = new String[order.length];
        for (int i = 0; i < order.length; i++) {
            columns[i] = childCols[order[i]];
            names[i] = table.column(columns[i]).name();
        }
        return new RowWriter.ForeignKeySpec(c, parent, parentIndex, columns, names);
    }

    /** For each key column (in key order), its position among {@code cols}; null unless they are the same set. */
    private static int[] keyOrder(int[] keyCols, int[] cols) {
        if (keyCols.length != cols.length || keyCols.length == 0) {
            return null;
        }
        int[] out = new int[keyCols.length];
        for (int i = 0; i < keyCols.length; i++) {
            out[i] = -1;
            for (int j = 0; j < cols.length; j++) {
                if (cols[j] == keyCols[i]) {
                    out[i] = j;
                }
            }
            if (out[i] < 0) {
                return null;
            }
        }
        return out;
    }

    private RowWriter.ReferencedSpec referenced(Relation parent, Relation child, Constraint c) {
        int[] childCols = columnIndexes(child, c.columns());
        int[] parentCols = columnIndexes(parent, c.refColumns());
        RowWriter.IndexSpec childIndex = null;
        for (IndexInfo idx : g.catalog.indexesOf(child.oid())) {
            if (!idx.hasStorage() || !idx.valid() || idx.isPartial() || idx.keys().size() < childCols.length) {
                continue;
            }
            boolean leading = true;
            for (int i = 0; i < childCols.length; i++) {
                IndexInfo.Key k = idx.keys().get(i);
                leading &= !k.isExpression() && child.indexOfAttnum(k.attnum()) == childCols[i];
            }
            if (leading) {
                childIndex = indexSpec(child, idx);
                break;
            }
        }
        Object[] defaults = new Object[childCols.length];
        for (int i = 0; i < childCols.length; i++) {
            Attribute a = child.column(childCols[i]);
            if (a.hasDefault() && !a.isGenerated()) {
                Expr e = new ConstFolder(g.constState).fold(g.storedExpr(child, a.defaultSql(), "DEFAULT", 1));
                defaults[i] = e instanceof Expr.Const k ? k.value() : null;
            }
        }
        String[] names = new String[parentCols.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = parent.column(parentCols[i]).name();
        }
        return new RowWriter.ReferencedSpec(c, child, childCols, parentCols, childIndex, () -> writer(child),
                defaults, names);
    }
}
