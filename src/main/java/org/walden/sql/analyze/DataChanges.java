package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.Constraint;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Relation;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * INSERT, UPDATE and DELETE (transformInsertStmt and friends): the target table, the values or
 * query to insert (coerced to the columns' types for assignment, DEFAULTs and omitted columns
 * filled with the columns' defaults), SET assignments, the FROM / USING tables joined in, ON
 * CONFLICT arbiters, and RETURNING.
 */
final class DataChanges {

    private DataChanges() {
    }

    /** The target table of a data change: a stored table (views and catalogs are refused). */
    private static Relation target(Analyzer a, ParseState ps, Tree.RangeVar r, String verb) {
        Relation rel = a.relation(ps, r.schema(), r.name(), r.position());
        if (rel.virtual()) {
            throw new SyntaxError(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for table " + rel.name(),
                    r.position());
        }
        if (rel.isView()) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "cannot " + verb + " view \"" + rel.name() + "\"",
                    r.position()).withDetail("Views that are not automatically updatable are not supported here.")
                    .withHint("Change the table the view reads instead.");
        }
        if (rel.isMatview()) {
            throw new org.walden.common.PgException(SqlState.WRONG_OBJECT_TYPE, "cannot change materialized view \""
                    + rel.name() + "\"");
        }
        if (rel.kind() != Relation.TABLE) {
            throw new SyntaxError(SqlState.WRONG_OBJECT_TYPE, "cannot change sequence \"" + rel.name() + "\"",
                    r.position());
        }
        return rel;
    }

    private static int addTarget(ParseState ps, Relation rel, Tree.RangeVar r, boolean visible) {
        List<String> cols = new ArrayList<>();
        for (Attribute c : rel.columns()) {
            cols.add(c.dropped() ? "" : c.name());
        }
        String alias = r.alias() != null ? r.alias().name() : rel.name();
        int rt = ps.addRte(new RangeTblEntry.RelationRte(rel, alias, cols, false, true));
        if (visible) {
            ps.namespace.add(new ParseState.NamespaceItem(rt, alias, true, true));
        }
        return rt;
    }

    static int columnIndex(Relation rel, String name, int position) {
        int i = rel.columnIndex(name);
        if (i < 0) {
            throw new SyntaxError(SqlState.UNDEFINED_COLUMN, "column \"" + name + "\" of relation \"" + rel.name()
                    + "\" does not exist", position);
        }
        return i;
    }

    /** Coerces a value for assignment to a column: 42804 with PostgreSQL's message when no cast exists. */
    static Expr assign(Analyzer a, ParseState ps, Expr e, Relation rel, Attribute col, int position) {
        Expr c = Coercion.coerce(e, col.type(), col.typmod(), Coercion.Context.ASSIGNMENT, Expr.CastForm.IMPLICIT,
                ps.env.values(), a.exprs.positionOf(e, position));
        if (c == null) {
            throw new SyntaxError(SqlState.DATATYPE_MISMATCH, "column \"" + col.name() + "\" is of type "
                    + col.type().formatType(col.typmod() < 0 ? -1 : col.typmod()).replace("bpchar", "character")
                    + " but expression is of type " + e.type().formatType(-1).replace("bpchar", "character"), position)
                    .withHint("You will need to rewrite or cast the expression.");
        }
        return c;
    }

    // ---------------------------------------------------------------- INSERT

    static Query insert(Analyzer a, ParseState ps, Tree.InsertStmt s) {
        if (s.with() != null) {
            a.select(ps, emptyWith(s.with()));
            ps.query.targetList.clear();
            ps.query.rtable.clear();
            ps.query.jointree.items().clear();
        }
        Query q = ps.query;
        q.command = Query.Command.INSERT;
        Relation rel = target(a, ps, s.relation(), "insert into");
        q.resultRelation = addTarget(ps, rel, s.relation(), false);
        List<Integer> columns = new ArrayList<>();
        if (s.columns() != null) {
            Set<Integer> seen = new HashSet<>();
            Set<Integer> subscripted = new HashSet<>();
            for (int k = 0; k < s.columns().size(); k++) {
                String name = s.columns().get(k);
                int i = columnIndex(rel, name, s.relation().position());
                boolean throughSubscript = s.columnTargets() != null
                        && !s.columnTargets().get(k).indirection().isEmpty();
                // several assignments to one column are allowed when all go through subscripts (PostgreSQL)
                if (!seen.add(i) && !(throughSubscript && subscripted.contains(i))) {
                    throw new SyntaxError(SqlState.DUPLICATE_COLUMN, "column \"" + name + "\" specified more than once",
                            s.columnTargets() != null ? s.columnTargets().get(k).position() : s.relation().position());
                }
                if (throughSubscript) {
                    subscripted.add(i);
                    SubscriptTargets.subscriptOf(s.columnTargets().get(k), rel.column(i));
                }
                columns.add(i);
            }
        } else {
            for (int i = 0; i < rel.columns().size(); i++) {
                if (!rel.column(i).dropped()) {
                    columns.add(i);
                }
            }
        }
        q.insertNamedColumns.addAll(new java.util.LinkedHashSet<>(columns));
        Expr[] provided = new Expr[rel.columns().size()];
        if (s.select() != null) {
            insertSource(a, ps, s, rel, columns, provided);
        }
        boolean overridingSystem = "SYSTEM".equals(s.overriding());
        for (int i = 0; i < rel.columns().size(); i++) {
            Attribute col = rel.column(i);
            Expr e = provided[i];
            if (e != null && !(e instanceof Expr.SetToDefault) && col.isGenerated()) {
                throw generatedInsert(col);
            }
            if (e != null && !(e instanceof Expr.SetToDefault) && col.identity() == 'a' && !overridingSystem) {
                throw new PgException(SqlState.GENERATED_ALWAYS, "cannot insert a non-DEFAULT value into column \""
                        + col.name() + "\"").withDetail("Column \"" + col.name()
                        + "\" is an identity column defined as GENERATED ALWAYS.")
                        .withHint("Use OVERRIDING SYSTEM VALUE to override.");
            }
            if (e == null || e instanceof Expr.SetToDefault) {
                e = col.dropped() ? new Expr.Const(col.type(), null) : a.clauses.columnDefault(ps, rel, i);
            }
            q.targetList.add(new Query.TargetEntry(e, i + 1, col.name(), false, 0, rel.oid(), col.attnum()));
            q.insertColumns.add(i);
        }
        if (s.onConflict() != null) {
            onConflict(a, ps, s, rel);
        }
        if (s.returning() != null) {
            ps.namespace.clear();
            ps.namespace.add(new ParseState.NamespaceItem(q.resultRelation, q.rte(q.resultRelation).alias(), true,
                    true));
            q.returningList = returning(a, ps, s.returning());
        }
        return q;
    }

    /** 428C9: a value other than DEFAULT for a generated column. */
    private static PgException generatedInsert(Attribute col) {
        return new PgException(SqlState.GENERATED_ALWAYS, "cannot insert a non-DEFAULT value into column \""
                + col.name() + "\"").withDetail("Column \"" + col.name() + "\" is a generated column.");
    }

    /** A WITH clause alone, so its CTEs are defined in {@code ps} before the statement's own parts. */
    private static Tree.SelectStmt emptyWith(Tree.WithClause with) {
        return new Tree.SelectStmt(Tree.SetOp.NONE, false, null, null, null, List.of(), null, List.of(), null,
                List.of(), false, null, java.util.Map.of(), null, List.of(), null, null, false, List.of(), with, 0);
    }

    private static void insertSource(Analyzer a, ParseState ps, Tree.InsertStmt s, Relation rel,
                                     List<Integer> columns, Expr[] provided) {
        Tree.SelectStmt src = s.select();
        boolean plainValues = src.isValues() && src.sort().isEmpty() && src.limit() == null && src.offset() == null
                && src.with() == null;
        if (plainValues && s.columns() == null) {
            columns = leading(columns, src.values().get(0).size());
        }
        if (plainValues && src.values().size() == 1) {
            List<Tree.Expr> row = src.values().get(0);
            checkCount(row.size(), columns.size(), s.position());
            ps.clause = ParseState.Clause.INSERT_VALUES;
            for (int i = 0; i < row.size(); i++) {
                Tree.Expr e = row.get(i);
                int col = columns.get(i);
                if (e instanceof Tree.SetToDefault) {
                    checkNoSubscript(s, i);
                    provided[col] = new Expr.SetToDefault(rel.column(col).type(), rel.column(col).typmod());
                    continue;
                }
                Expr x = a.exprs.transform(ps, e);
                provide(a, ps, s, rel, i, col, provided, insertValue(a, ps, s, rel, i, col, x, e.position()));
            }
            return;
        }
        int rt;
        List<PgType> types = new ArrayList<>();
        if (plainValues) {
            ps.clause = ParseState.Clause.INSERT_VALUES;
            List<List<Expr>> rows = new ArrayList<>();
            for (List<Tree.Expr> row : src.values()) {
                checkCount(row.size(), columns.size(), s.position());
                List<Expr> out = new ArrayList<>();
                for (int i = 0; i < row.size(); i++) {
                    Tree.Expr e = row.get(i);
                    int col = columns.get(i);
                    if (e instanceof Tree.SetToDefault) {
                        checkNoSubscript(s, i);
                        out.add(a.clauses.columnDefault(ps, rel, col));
                    } else if (rel.column(col).isGenerated()) {
                        throw generatedInsert(rel.column(col));
                    } else {
                        out.add(insertValue(a, ps, s, rel, i, col, a.exprs.transform(ps, e), e.position()));
                    }
                }
                rows.add(out);
            }
            List<String> names = new ArrayList<>();
            List<Integer> typmods = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) {
                Attribute c = rel.column(columns.get(i));
                boolean plain = subscriptTarget(s, i) == null;
                types.add(plain ? c.type() : SubscriptTargets.valueType(subscriptTarget(s, i), c));
                typmods.add(plain ? c.typmod() : -1);
                names.add("column" + (i + 1));
            }
            rt = ps.addRte(new RangeTblEntry.ValuesRte(rows, "*VALUES*", names, types, typmods, false));
            // a generated column all of whose rows say DEFAULT (any other value was refused above) gets computed
            List<Integer> valuesColumns = new ArrayList<>(columns);
            columns = new ArrayList<>();
            List<Integer> positions = new ArrayList<>();
            for (int i = 0; i < valuesColumns.size(); i++) {
                Attribute c = rel.column(valuesColumns.get(i));
                if (c.isGenerated()) {
                    provided[valuesColumns.get(i)] = new Expr.SetToDefault(c.type(), c.typmod());
                } else {
                    columns.add(valuesColumns.get(i));
                    positions.add(i);
                }
            }
            ps.query.jointree.items().add(new JoinTree.RangeRef(rt));
            for (int k = 0; k < columns.size(); k++) {
                int i = positions.get(k);
                Attribute c = rel.column(columns.get(k));
                boolean plain = subscriptTarget(s, i) == null;
                Expr.Var v = new Expr.Var(rt, i + 1, plain ? c.type()
                        : SubscriptTargets.valueType(subscriptTarget(s, i), c), plain ? c.typmod() : -1, 0);
                provide(a, ps, s, rel, i, columns.get(k), provided, v);
            }
            return;
        } else {
            Query sub = a.select(ps.child(), src, false);
            List<Query.TargetEntry> outs = sub.visibleTargets();
            if (s.columns() == null) {
                columns = leading(columns, outs.size());
            }
            checkCount(outs.size(), columns.size(), s.position());
            for (int i = 0; i < outs.size(); i++) {
                Attribute c = rel.column(columns.get(i));
                Query.TargetEntry te = outs.get(i);
                Expr coerced = insertValue(a, ps, s, rel, i, columns.get(i), te.expr(), src.position());
                if (coerced != te.expr()) {
                    sub.targetList.set(te.resno() - 1, te.withExpr(coerced));
                }
                types.add(coerced.type());
            }
            List<String> names = new ArrayList<>();
            for (Query.TargetEntry te : sub.visibleTargets()) {
                names.add(te.name());
            }
            rt = ps.addRte(new RangeTblEntry.SubqueryRte(sub, "*SELECT*", names, false, null));
        }
        ps.query.jointree.items().add(new JoinTree.RangeRef(rt));
        for (int i = 0; i < columns.size(); i++) {
            Attribute c = rel.column(columns.get(i));
            boolean plain = subscriptTarget(s, i) == null;
            Expr.Var v = new Expr.Var(rt, i + 1, plain ? c.type() : SubscriptTargets.valueType(subscriptTarget(s, i), c),
                    plain ? c.typmod() : -1, 0);
            provide(a, ps, s, rel, i, columns.get(i), provided, v);
        }
    }

    /** The column list's {@code i}-th entry when it assigns through a subscript, else null. */
    private static Tree.SetClause subscriptTarget(Tree.InsertStmt s, int i) {
        if (s.columnTargets() == null || s.columnTargets().get(i).indirection().isEmpty()) {
            return null;
        }
        return s.columnTargets().get(i);
    }

    private static void checkNoSubscript(Tree.InsertStmt s, int i) {
        if (subscriptTarget(s, i) != null) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "DEFAULT cannot be assigned to an array element",
                    subscriptTarget(s, i).position());
        }
    }

    /** A value for the column list's {@code i}-th entry, coerced to the column's type or, through a subscript, its element's. */
    private static Expr insertValue(Analyzer a, ParseState ps, Tree.InsertStmt s, Relation rel, int i, int col, Expr x,
                                    int position) {
        Tree.SetClause target = subscriptTarget(s, i);
        return target == null ? assign(a, ps, x, rel, rel.column(col), position)
                : SubscriptTargets.coerceValue(ps, target, rel.column(col), x, a.exprs.positionOf(x, position));
    }

    /** Sets the column's inserted value; through a subscript, assigned into the value so far (at first NULL). */
    private static void provide(Analyzer a, ParseState ps, Tree.InsertStmt s, Relation rel, int i, int col,
                                Expr[] provided, Expr value) {
        Tree.SetClause target = subscriptTarget(s, i);
        if (target == null) {
            provided[col] = value;
            return;
        }
        Attribute attr = rel.column(col);
        Expr base = provided[col] != null ? provided[col] : new Expr.Const(attr.type(), attr.typmod(), null);
        provided[col] = SubscriptTargets.assignment(a, ps, target, attr, base, value);
    }

    /** Without a column list, fewer values than columns fill the leading columns (the rest get defaults). */
    private static List<Integer> leading(List<Integer> columns, int values) {
        return values < columns.size() ? List.copyOf(columns.subList(0, values)) : columns;
    }

    private static void checkCount(int values, int columns, int position) {
        if (values > columns) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "INSERT has more expressions than target columns", position);
        }
        if (values < columns) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "INSERT has more target columns than expressions", position);
        }
    }

    private static void onConflict(Analyzer a, ParseState ps, Tree.InsertStmt s, Relation rel) {
        Tree.OnConflict oc = s.onConflict();
        Query q = ps.query;
        List<Integer> arbiters = new ArrayList<>();
        var catalog = ps.env.lookup().catalog();
        if (oc.constraintName() != null) {
            Constraint found = null;
            for (Constraint c : catalog.constraintsOf(rel.oid())) {
                if (c.name().equals(oc.constraintName())) {
                    found = c;
                }
            }
            if (found == null) {
                throw new SyntaxError(SqlState.UNDEFINED_OBJECT, "constraint \"" + oc.constraintName()
                        + "\" for table \"" + rel.name() + "\" does not exist", s.position());
            }
            arbiters.add(found.indexOid());
        } else if (oc.targetColumns() != null) {
            Set<Integer> wanted = new HashSet<>();
            for (Tree.Expr e : oc.targetColumns()) {
                if (!(e instanceof Tree.ColumnRef c) || c.names().size() != 1) {
                    throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "ON CONFLICT with expressions is not "
                            + "supported", e.position());
                }
                wanted.add(rel.column(columnIndex(rel, c.names().get(0), e.position())).attnum());
            }
            for (IndexInfo idx : catalog.indexesOf(rel.oid())) {
                if (!idx.unique() || idx.isPartial() || !idx.valid()) {
                    continue;
                }
                Set<Integer> keys = new HashSet<>();
                boolean plain = true;
                for (IndexInfo.Key k : idx.keys()) {
                    plain &= !k.isExpression();
                    keys.add(k.attnum());
                }
                if (plain && keys.equals(wanted)) {
                    arbiters.add(idx.oid());
                }
            }
            if (arbiters.isEmpty()) {
                throw new SyntaxError(SqlState.INVALID_COLUMN_REFERENCE, "there is no unique or exclusion constraint "
                        + "matching the ON CONFLICT specification", s.position());
            }
        } else if (oc.doUpdate()) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "ON CONFLICT DO UPDATE requires inference specification or "
                    + "constraint name", s.position()).withHint("For example, ON CONFLICT (column_name).");
        }
        if (!oc.doUpdate()) {
            q.onConflict = new Query.OnConflict(arbiters, false, List.of(), null, 0);
            return;
        }
        ps.namespace.clear();
        ps.namespace.add(new ParseState.NamespaceItem(q.resultRelation, q.rte(q.resultRelation).alias(), true, true));
        List<String> cols = q.rte(q.resultRelation).columnNames();
        int excluded = ps.addRte(new RangeTblEntry.RelationRte(rel, "excluded", cols, false, false));
        ps.namespace.add(new ParseState.NamespaceItem(excluded, "excluded", true, false));
        ps.clause = ParseState.Clause.UPDATE_SET;
        List<Query.TargetEntry> set = setList(a, ps, oc.set(), rel);
        Expr where = oc.where() == null ? null : a.exprs.condition(ps, oc.where(), "WHERE");
        q.onConflict = new Query.OnConflict(arbiters, true, set, where, excluded);
    }

    /**
     * SET col = expr, ...: one target entry per column (resno = the column's 1-based index).
     * {@code SET arr[i] = v} assigns one element of a one-dimensional array; several such
     * assignments to one column apply in order, as in PostgreSQL.
     */
    private static List<Query.TargetEntry> setList(Analyzer a, ParseState ps, List<Tree.SetClause> set, Relation rel) {
        List<Query.TargetEntry> out = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        java.util.Map<Integer, Integer> elementAssigned = new java.util.HashMap<>(); // column -> index in out
        for (Tree.SetClause sc : set) {
            int col = columnIndex(rel, sc.column(), sc.position());
            Attribute attr = rel.column(col);
            if (!sc.indirection().isEmpty()) {
                Integer earlier = elementAssigned.get(col);
                if (earlier == null && !seen.add(col)) {
                    throw new PgException(SqlState.SYNTAX_ERROR, "multiple assignments to same column \""
                            + sc.column() + "\"");
                }
                Expr base = earlier != null ? out.get(earlier).expr()
                        : new Expr.Var(ps.query.resultRelation, col + 1, attr.type(), attr.typmod(), 0);
                Query.TargetEntry te = new Query.TargetEntry(elementAssignment(a, ps, sc, attr, base), col + 1,
                        attr.name(), false, 0, rel.oid(), attr.attnum());
                if (earlier != null) {
                    out.set(earlier, te);
                } else {
                    elementAssigned.put(col, out.size());
                    out.add(te);
                }
                continue;
            }
            if (!seen.add(col)) {
                throw new PgException(SqlState.SYNTAX_ERROR, "multiple assignments to same column \"" + sc.column()
                        + "\"");
            }
            Expr e;
            if (sc.value() instanceof Tree.SetToDefault) {
                e = a.clauses.columnDefault(ps, rel, col);
            } else {
                if (attr.isGenerated()) {
                    throw new PgException(SqlState.GENERATED_ALWAYS, "column \"" + attr.name()
                            + "\" can only be updated to DEFAULT").withDetail("Column \"" + attr.name()
                            + "\" is a generated column.");
                }
                if (attr.identity() == 'a') {
                    throw new SyntaxError(SqlState.GENERATED_ALWAYS, "column \"" + attr.name()
                            + "\" can only be updated to DEFAULT", sc.position()).withDetail("Column \"" + attr.name()
                            + "\" is an identity column defined as GENERATED ALWAYS.");
                }
                e = assign(a, ps, a.exprs.transform(ps, sc.value()), rel, attr, sc.value().position());
            }
            out.add(new Query.TargetEntry(e, col + 1, attr.name(), false, 0, rel.oid(), attr.attnum()));
        }
        return out;
    }

    /** {@code base} with {@code sc}'s value assigned through its subscript or slice. */
    private static Expr elementAssignment(Analyzer a, ParseState ps, Tree.SetClause sc, Attribute attr, Expr base) {
        SubscriptTargets.subscriptOf(sc, attr);
        if (sc.value() instanceof Tree.SetToDefault) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "DEFAULT cannot be assigned to an array element",
                    sc.position());
        }
        Expr value = SubscriptTargets.coerceValue(ps, sc, attr, a.exprs.transform(ps, sc.value()),
                sc.value().position());
        return SubscriptTargets.assignment(a, ps, sc, attr, base, value);
    }

    private static List<Query.TargetEntry> returning(Analyzer a, ParseState ps, List<Tree.ResTarget> targets) {
        Query q = ps.query;
        List<Query.TargetEntry> saved = new ArrayList<>(q.targetList);
        q.targetList.clear();
        a.clauses.targetList(ps, targets);
        ps.clause = ParseState.Clause.RETURNING;
        if (q.hasAggs) {
            throw new SyntaxError(SqlState.GROUPING_ERROR, "aggregate functions are not allowed in RETURNING", 0);
        }
        Analyzer.resolveUnknownTargets(q);
        List<Query.TargetEntry> out = new ArrayList<>(q.targetList);
        q.targetList.clear();
        q.targetList.addAll(saved);
        return out;
    }

    // ---------------------------------------------------------------- UPDATE / DELETE

    static Query update(Analyzer a, ParseState ps, Tree.UpdateStmt s) {
        if (s.with() != null) {
            a.select(ps, emptyWith(s.with()));
            resetQuery(ps);
        }
        Query q = ps.query;
        q.command = Query.Command.UPDATE;
        Relation rel = target(a, ps, s.relation(), "update");
        q.resultRelation = addTarget(ps, rel, s.relation(), true);
        q.jointree.items().add(new JoinTree.RangeRef(q.resultRelation));
        a.from.transform(ps, s.from());
        ps.clause = ParseState.Clause.UPDATE_SET;
        for (Query.TargetEntry te : setList(a, ps, s.set(), rel)) {
            q.targetList.add(new Query.TargetEntry(te.expr(), q.targetList.size() + 1, te.name(), false, 0,
                    te.originTable(), te.originColumn()));
            q.updateColumns.add(te.resno() - 1);
        }
        where(a, ps, s.where());
        currentOf(ps, rel, s.currentOf());
        if (s.returning() != null) {
            q.returningList = returning(a, ps, s.returning());
        }
        return q;
    }

    static Query delete(Analyzer a, ParseState ps, Tree.DeleteStmt s) {
        if (s.with() != null) {
            a.select(ps, emptyWith(s.with()));
            resetQuery(ps);
        }
        Query q = ps.query;
        q.command = Query.Command.DELETE;
        Relation rel = target(a, ps, s.relation(), "delete from");
        q.resultRelation = addTarget(ps, rel, s.relation(), true);
        q.jointree.items().add(new JoinTree.RangeRef(q.resultRelation));
        a.from.transform(ps, s.using());
        where(a, ps, s.where());
        currentOf(ps, rel, s.currentOf());
        if (s.returning() != null) {
            q.returningList = returning(a, ps, s.returning());
        }
        return q;
    }

    private static void resetQuery(ParseState ps) {
        ps.query.targetList.clear();
        ps.query.rtable.clear();
        ps.query.jointree.items().clear();
        ps.namespace.clear();
    }

    /** WHERE CURRENT OF {@code cursor}: the target's row whose key is the cursor's current row's. */
    private static void currentOf(ParseState ps, Relation rel, String cursor) {
        if (cursor == null) {
            return;
        }
        Query q = ps.query;
        Expr rowKey = new Expr.Var(q.resultRelation, Expr.ROW_KEY, PgType.BYTEA, -1, 0);
        Expr test = new Expr.FuncExpr(org.walden.sql.func.CurrentOf.function(cursor, rel.oid(), rel.name()),
                List.of(rowKey), PgType.BOOL, List.of(PgType.BYTEA), Expr.CallForm.NORMAL, null);
        q.jointree = new JoinTree.FromExpr(q.jointree.items(), test);
    }

    private static void where(Analyzer a, ParseState ps, Tree.Expr where) {
        if (where == null) {
            return;
        }
        ps.clause = ParseState.Clause.WHERE;
        Query q = ps.query;
        q.jointree = new JoinTree.FromExpr(q.jointree.items(), a.exprs.condition(ps, where, "WHERE"));
    }
}
