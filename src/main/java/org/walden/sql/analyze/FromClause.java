package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.Relation;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * FROM (parse_clause.c): each item becomes range table entries and a join tree node, and its
 * names become visible. Tables and system catalogs are relation entries; views are expanded to
 * subqueries (the rewriter's job in PostgreSQL); CTE names are looked up before the catalog;
 * functions may refer to the items on their left (they are implicitly LATERAL), as may LATERAL
 * subqueries (as correlated references). A join's own entry gives its output columns (USING and
 * NATURAL columns merged); after a join its inputs stay nameable but their columns are reached
 * through the join, as PostgreSQL's namespace rules have it.
 */
final class FromClause {

    private final Analyzer analyzer;
    private final ExprTransformer exprs;

    FromClause(Analyzer analyzer, ExprTransformer exprs) {
        this.analyzer = analyzer;
        this.exprs = exprs;
    }

    /** Adds the FROM list to the query: its items become the join tree's FROM list and its names visible. */
    void transform(ParseState ps, List<Tree.FromItem> items) {
        Set<String> names = new HashSet<>();
        for (Tree.FromItem item : items) {
            int before = ps.namespace.size();
            JoinTree.Node node = item(ps, item, ps.namespace);
            ps.query.jointree.items().add(node);
            for (int i = before; i < ps.namespace.size(); i++) {
                ParseState.NamespaceItem n = ps.namespace.get(i);
                if (n.relVisible && n.refname != null && !names.add(n.refname)) {
                    throw new SyntaxError(SqlState.DUPLICATE_ALIAS, "table name \"" + n.refname
                            + "\" specified more than once", position(item));
                }
            }
        }
    }

    private static int position(Tree.FromItem item) {
        return switch (item) {
            case Tree.RangeVar r -> r.position();
            case Tree.RangeSubselect s -> s.position();
            case Tree.RangeFunction f -> f.position();
            case Tree.JoinExpr j -> j.position();
        };
    }

    /** One FROM item; its namespace items are appended to {@code out}. */
    private JoinTree.Node item(ParseState ps, Tree.FromItem item, List<ParseState.NamespaceItem> out) {
        return switch (item) {
            case Tree.RangeVar r -> rangeVar(ps, r, out);
            case Tree.RangeSubselect s -> subselect(ps, s, out);
            case Tree.RangeFunction f -> function(ps, f, out);
            case Tree.JoinExpr j -> join(ps, j, out);
        };
    }

    private JoinTree.Node addItem(ParseState ps, RangeTblEntry rte, List<ParseState.NamespaceItem> out) {
        int rt = ps.addRte(rte);
        out.add(new ParseState.NamespaceItem(rt, rte.alias(), true, true));
        return new JoinTree.RangeRef(rt);
    }

    private static List<String> aliasColumns(List<String> base, Tree.Alias alias, String what, int position) {
        if (alias == null || alias.columnNames() == null) {
            return base;
        }
        if (alias.columnNames().size() > base.size()) {
            throw new SyntaxError(SqlState.INVALID_COLUMN_REFERENCE, what + " \"" + alias.name() + "\" has "
                    + base.size() + " columns available but " + alias.columnNames().size() + " columns specified",
                    position);
        }
        List<String> out = new ArrayList<>(alias.columnNames());
        out.addAll(base.subList(alias.columnNames().size(), base.size()));
        return out;
    }

    // ---------------------------------------------------------------- tables, views, CTEs

    private JoinTree.Node rangeVar(ParseState ps, Tree.RangeVar r, List<ParseState.NamespaceItem> out) {
        if (r.schema() == null) {
            ParseState.CteRef cte = ps.findCte(r.name());
            if (cte != null) {
                if (cte.cte().query != null && cte.cte().query.command != Query.Command.SELECT
                        && cte.cte().query.returningList == null) {
                    throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "WITH query \"" + r.name()
                            + "\" does not have a RETURNING clause", r.position());
                }
                return addItem(ps, cteEntry(ps, cte, r), out);
            }
        }
        Relation rel = analyzer.relation(ps, r.schema(), r.name(), r.position());
        String alias = r.alias() != null ? r.alias().name() : rel.name();
        if (rel.isView() && rel.viewSql() != null) {
            return addItem(ps, viewEntry(ps, rel, r, alias), out);
        }
        if (rel.kind() == Relation.SEQUENCE) {
            return addItem(ps, sequenceEntry(ps, rel, r, alias), out);
        }
        List<String> cols = new ArrayList<>();
        for (Attribute a : rel.columns()) {
            cols.add(a.dropped() ? "" : a.name());
        }
        cols = aliasColumns(cols, r.alias(), "table", r.position());
        return addItem(ps, new RangeTblEntry.RelationRte(rel, alias, List.copyOf(cols), ps.inView, false), out);
    }

    private RangeTblEntry cteEntry(ParseState ps, ParseState.CteRef ref, Tree.RangeVar r) {
        Query.CommonTableExpr cte = ref.cte();
        boolean self = ref.owner().recursiveCte == cte;
        if (cte.query == null && !self) {
            throw new SyntaxError(SqlState.INVALID_RECURSION, "recursive reference to query \"" + cte.name
                    + "\" must not appear within its non-recursive term", r.position());
        }
        cte.references++;
        String alias = r.alias() != null ? r.alias().name() : cte.name;
        List<String> cols = aliasColumns(cte.columnNames, r.alias(), "table", r.position());
        return new RangeTblEntry.CteRte(cte.name, ref.levelsUp(), self, alias, List.copyOf(cols), cte.columnTypes,
                cte.columnTypmods);
    }

    /** A view is replaced by its query (analyzed in a state that sees nothing of this one). */
    RangeTblEntry.SubqueryRte viewEntry(ParseState ps, Relation view, Tree.RangeVar r, String alias) {
        if (ps.expandingViews.contains(view.oid())) {
            throw new SyntaxError(SqlState.INVALID_RECURSION, "infinite recursion detected in rules for relation \""
                    + view.name() + "\"", r == null ? 0 : r.position());
        }
        ps.expandingViews.add(view.oid());
        try {
            Tree.SelectStmt stmt = SqlParser.parseQuery(view.viewSql());
            ParseState vs = new ParseState(null, ps.env, true);
            vs.expandingViews.addAll(ps.expandingViews);
            Query q;
            try {
                q = analyzer.select(vs, stmt);
            } catch (SyntaxError e) {
                throw e.withoutPosition(); // its position is in the view's text, not in the client's statement
            }
            List<Query.TargetEntry> targets = q.visibleTargets();
            List<String> cols = new ArrayList<>();
            List<Attribute> declared = view.columns();
            for (int i = 0; i < targets.size(); i++) {
                cols.add(i < declared.size() ? declared.get(i).name() : targets.get(i).name());
            }
            if (!view.virtual()) {
                conformToDeclared(q, declared);
            }
            cols = aliasColumns(cols, r == null ? null : r.alias(), "table", r == null ? 0 : r.position());
            return new RangeTblEntry.SubqueryRte(q, alias, List.copyOf(cols), false, view);
        } finally {
            ps.expandingViews.remove(Integer.valueOf(view.oid()));
        }
    }

    /** A stored view's columns keep the types they had at CREATE VIEW (as PostgreSQL's rule does). */
    private static void conformToDeclared(Query q, List<Attribute> declared) {
        int col = 0;
        for (int i = 0; i < q.targetList.size(); i++) {
            Query.TargetEntry t = q.targetList.get(i);
            if (t.junk() || col >= declared.size()) {
                continue;
            }
            Attribute a = declared.get(col++);
            if (t.expr().type() != a.type()) {
                q.targetList.set(i, t.withExpr(new Expr.Cast(t.expr(), a.type(), a.typmod(), Expr.CastForm.IMPLICIT,
                        org.walden.sql.types.Casts.binaryCoercible(t.expr().type(), a.type()))));
            }
        }
    }

    /** SELECT ... FROM a_sequence: its one row (last_value, log_cnt, is_called). */
    private RangeTblEntry sequenceEntry(ParseState ps, Relation seq, Tree.RangeVar r, String alias) {
        List<String> cols = aliasColumns(List.of("last_value", "log_cnt", "is_called"), r.alias(), "table",
                r.position());
        return new RangeTblEntry.RelationRte(seq, alias, List.copyOf(cols), ps.inView, false);
    }

    // ---------------------------------------------------------------- subqueries and functions

    private JoinTree.Node subselect(ParseState ps, Tree.RangeSubselect s, List<ParseState.NamespaceItem> out) {
        Query q;
        if (s.lateral()) {
            // the items on its left are in ps.namespace: references to them are correlated (one level up)
            q = analyzer.subquery(ps, s.subquery());
        } else {
            q = analyzer.subquery(withoutNamespace(ps), s.subquery());
        }
        List<String> names = new ArrayList<>();
        for (Query.TargetEntry t : q.visibleTargets()) {
            names.add(t.name());
        }
        names = aliasColumns(names, s.alias(), "table", s.position());
        return addItem(ps, new RangeTblEntry.SubqueryRte(q, s.alias().name(), List.copyOf(names), s.lateral(), null),
                out);
    }

    /**
     * A stand-in for this query level for a non-LATERAL subquery in FROM: it sees this level's
     * CTEs and the outer levels, but not this level's FROM items.
     */
    private static ParseState withoutNamespace(ParseState ps) {
        ParseState hidden = new ParseState(ps.parent, ps.env, ps.inView);
        hidden.ctes.addAll(ps.ctes);
        hidden.recursiveCte = ps.recursiveCte;
        return hidden;
    }

    /**
     * The built-in set-returning functions whose one OUT parameter has a name (pg_proc.proargnames),
     * which names their column in FROM ahead of an alias (PostgreSQL's chooseScalarFunctionAlias).
     */
    private static final java.util.Map<String, String> SINGLE_OUT_NAMES = java.util.Map.of(
            "jsonb_array_elements", "value", "jsonb_array_elements_text", "value",
            "json_array_elements", "value", "json_array_elements_text", "value");

    private JoinTree.Node function(ParseState ps, Tree.RangeFunction f, List<ParseState.NamespaceItem> out) {
        ParseState.Clause saved = ps.clause;
        List<ParseState.NamespaceItem> savedNs = new ArrayList<>(ps.namespace);
        ps.clause = ParseState.Clause.FROM_FUNCTION;
        if (out != ps.namespace) {
            ps.namespace.addAll(out);
        }
        Expr call;
        try {
            call = isMultipleUnnest(f.function()) ? zippedUnnest(ps, f.function()) : exprs.transform(ps, f.function());
        } finally {
            ps.namespace.clear();
            ps.namespace.addAll(savedNs);
            ps.clause = saved;
        }
        Expr.FuncExpr fe = call instanceof Expr.FuncExpr x ? x : null;
        String fname = f.function().functionName();
        if (fe != null && org.walden.sql.func.JsonRecords.isPopulateFunction(fe.function())) {
            fe = withColumnDefinitions(ps, f, fe);
            call = fe;
        }
        List<String> cols = new ArrayList<>();
        List<PgType> types = new ArrayList<>();
        if (fe != null && fe.function().outNames != null && f.columnDefs() == null) {
            cols.addAll(fe.function().outNames);
            types.addAll(fe.function().outTypes);
        } else if (f.columnDefs() != null) {
            for (Tree.ColumnTypeDef d : f.columnDefs()) {
                cols.add(d.name());
                types.add(exprs.typeRef(ps, d.type()).type());
            }
        } else {
            String outName = fe != null ? SINGLE_OUT_NAMES.get(fe.function().name) : null;
            cols.add(outName != null ? outName
                    : f.alias() != null && f.alias().columnNames() == null ? f.alias().name() : fname);
            types.add(call.type());
        }
        if (f.ordinality()) {
            cols.add("ordinality");
            types.add(PgType.INT8);
        }
        String alias = f.alias() != null ? f.alias().name() : fname;
        cols = aliasColumns(cols, f.alias(), "table", f.position());
        return addItem(ps, new RangeTblEntry.FunctionRte(call, alias, List.copyOf(cols), List.copyOf(types),
                f.ordinality(), true), out);
    }

    private static boolean isMultipleUnnest(Tree.FuncCall call) {
        return call.name().size() == 1 && call.name().get(0).equals("unnest") && call.args().size() > 1
                && call.argNames() == null && !call.star() && !call.distinct() && call.over() == null
                && call.filter() == null && !call.variadic();
    }

    /** unnest(a, b, ...) in FROM: each argument must be an array (PostgreSQL: ROWS FROM of one-argument unnests). */
    private Expr zippedUnnest(ParseState ps, Tree.FuncCall call) {
        List<Expr> args = new ArrayList<>();
        List<PgType> types = new ArrayList<>();
        for (Tree.Expr a : call.args()) {
            Expr e = exprs.transform(ps, a);
            if (!e.type().isArray()) {
                throw ExprTransformer.noSuchFunction(List.of("pg_catalog", "unnest"), List.of(e.type()), e.type() == PgType.UNKNOWN,
                        call.position());
            }
            args.add(e);
            types.add(e.type());
        }
        return new Expr.FuncExpr(org.walden.sql.func.ArrayFunctions.zippedUnnest(types), args, PgType.RECORD, types,
                Expr.CallForm.NORMAL, null);
    }

    /** json_to_record and its kin bound to the column definition list that must follow them (42601 without). */
    private Expr.FuncExpr withColumnDefinitions(ParseState ps, Tree.RangeFunction f, Expr.FuncExpr fe) {
        if (f.columnDefs() == null) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "a column definition list is required for functions "
                    + "returning \"record\"", f.position());
        }
        List<String> names = new ArrayList<>();
        List<PgType> types = new ArrayList<>();
        List<Integer> typmods = new ArrayList<>();
        for (Tree.ColumnTypeDef d : f.columnDefs()) {
            ExprTransformer.TypeRef t = exprs.typeRef(ps, d.type());
            names.add(d.name());
            types.add(t.type());
            typmods.add(t.typmod());
        }
        return new Expr.FuncExpr(org.walden.sql.func.JsonRecords.withColumns(fe.function(), names, types, typmods),
                fe.args(), fe.type(), fe.argTypes(), fe.form(), fe.syntax());
    }

    // ---------------------------------------------------------------- joins

    private JoinTree.Node join(ParseState ps, Tree.JoinExpr j, List<ParseState.NamespaceItem> out) {
        List<ParseState.NamespaceItem> leftNs = new ArrayList<>();
        JoinTree.Node left = item(ps, j.left(), leftNs);
        List<ParseState.NamespaceItem> rightNs = new ArrayList<>();
        // the right side of a join may refer to the left side's items laterally
        List<ParseState.NamespaceItem> lateralScope = new ArrayList<>(out);
        lateralScope.addAll(leftNs);
        JoinTree.Node right = itemWithLateral(ps, j.right(), rightNs, lateralScope);
        List<Integer> leftRts = rtIndexes(left);
        List<Integer> rightRts = rtIndexes(right);
        List<String> leftCols = columnsOf(ps, leftNs);
        List<String> rightCols = columnsOf(ps, rightNs);
        List<Expr> leftVars = varsOf(ps, leftNs);
        List<Expr> rightVars = varsOf(ps, rightNs);
        List<String> using = j.using();
        if (j.natural()) {
            using = new ArrayList<>();
            for (String c : leftCols) {
                if (!c.isEmpty() && rightCols.contains(c) && !using.contains(c)) {
                    using.add(c);
                }
            }
        }
        List<String> joinCols = new ArrayList<>();
        List<Expr> aliasVars = new ArrayList<>();
        Expr quals = null;
        Tree.JoinType type = j.type();
        if (using != null) {
            List<Expr> eqs = new ArrayList<>();
            Set<Integer> leftUsed = new HashSet<>();
            Set<Integer> rightUsed = new HashSet<>();
            for (String u : using) {
                int li = uniqueIndex(leftCols, u, "left", j.position());
                int ri = uniqueIndex(rightCols, u, "right", j.position());
                leftUsed.add(li);
                rightUsed.add(ri);
                Expr l = leftVars.get(li);
                Expr r = rightVars.get(ri);
                Expr eq = exprs.operator(ps, "=", l, r, j.position());
                eqs.add(eq);
                Expr.OpExpr op = (Expr.OpExpr) eq;
                joinCols.add(u);
                aliasVars.add(switch (type) {
                    case RIGHT -> op.right();
                    case FULL -> mergedColumn(ps, op.left(), op.right(), j.position());
                    default -> op.left();
                });
            }
            for (int i = 0; i < leftCols.size(); i++) {
                if (!leftUsed.contains(i)) {
                    joinCols.add(leftCols.get(i));
                    aliasVars.add(leftVars.get(i));
                }
            }
            for (int i = 0; i < rightCols.size(); i++) {
                if (!rightUsed.contains(i)) {
                    joinCols.add(rightCols.get(i));
                    aliasVars.add(rightVars.get(i));
                }
            }
            quals = Exprs.and(eqs);
        } else {
            joinCols.addAll(leftCols);
            joinCols.addAll(rightCols);
            aliasVars.addAll(leftVars);
            aliasVars.addAll(rightVars);
        }
        String alias = j.alias() != null ? j.alias().name() : null;
        if (j.alias() != null && j.alias().columnNames() != null) {
            joinCols = aliasColumns(joinCols, j.alias(), "join expression", j.position());
        }
        int rt = ps.addRte(new RangeTblEntry.JoinRte(type, alias, List.copyOf(joinCols), List.copyOf(aliasVars),
                using == null ? null : List.copyOf(using), j.natural()));
        if (j.quals() != null) {
            List<ParseState.NamespaceItem> saved = new ArrayList<>(ps.namespace);
            ParseState.Clause savedClause = ps.clause;
            ps.namespace.clear();
            ps.namespace.addAll(saved);
            ps.namespace.addAll(leftNs);
            ps.namespace.addAll(rightNs);
            ps.clause = ParseState.Clause.JOIN_ON;
            try {
                quals = exprs.condition(ps, j.quals(), "JOIN/ON");
            } finally {
                ps.namespace.clear();
                ps.namespace.addAll(saved);
                ps.clause = savedClause;
            }
        }
        if (alias != null) {
            // an aliased join hides its inputs entirely
        } else {
            for (ParseState.NamespaceItem n : leftNs) {
                n.colsVisible = false;
                out.add(n);
            }
            for (ParseState.NamespaceItem n : rightNs) {
                n.colsVisible = false;
                out.add(n);
            }
        }
        out.add(new ParseState.NamespaceItem(rt, alias, alias != null, true));
        if (type == Tree.JoinType.CROSS) {
            type = Tree.JoinType.INNER;
        }
        return new JoinTree.Join(type, left, right, quals, rt);
    }

    private JoinTree.Node itemWithLateral(ParseState ps, Tree.FromItem item, List<ParseState.NamespaceItem> out,
                                          List<ParseState.NamespaceItem> lateralScope) {
        boolean lateral = (item instanceof Tree.RangeSubselect s && s.lateral()) || item instanceof Tree.RangeFunction;
        if (!lateral) {
            return item(ps, item, out);
        }
        List<ParseState.NamespaceItem> saved = new ArrayList<>(ps.namespace);
        ps.namespace.addAll(lateralScope.stream().filter(n -> !saved.contains(n)).toList());
        try {
            List<ParseState.NamespaceItem> tmp = new ArrayList<>();
            JoinTree.Node node = item instanceof Tree.RangeSubselect s ? subselect(ps, s, tmp)
                    : function(ps, (Tree.RangeFunction) item, tmp);
            out.addAll(tmp);
            return node;
        } finally {
            ps.namespace.clear();
            ps.namespace.addAll(saved);
        }
    }

    /** A FULL JOIN's USING column: COALESCE of the two sides, in their common type. */
    private Expr mergedColumn(ParseState ps, Expr l, Expr r, int position) {
        if (l.type() == r.type()) {
            return new Expr.Coalesce(List.of(l, r), l.type());
        }
        PgType t = Coercion.commonType(List.of(l, r), "JOIN/USING", position);
        return new Expr.Coalesce(List.of(exprs.coerce(ps, l, t, -1, Coercion.Context.IMPLICIT, position),
                exprs.coerce(ps, r, t, -1, Coercion.Context.IMPLICIT, position)), t);
    }

    private static int uniqueIndex(List<String> cols, String name, String side, int position) {
        int found = -1;
        for (int i = 0; i < cols.size(); i++) {
            if (cols.get(i).equals(name)) {
                if (found >= 0) {
                    throw new SyntaxError(SqlState.AMBIGUOUS_COLUMN, "common column name \"" + name
                            + "\" appears more than once in " + side + " table", position);
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new SyntaxError(SqlState.UNDEFINED_COLUMN, "column \"" + name + "\" specified in USING clause does "
                    + "not exist in " + side + " table", position);
        }
        return found;
    }

    /** The columns an item contributes to a join: those of its column-visible namespace items (the last one for a join). */
    private static List<String> columnsOf(ParseState ps, List<ParseState.NamespaceItem> ns) {
        List<String> out = new ArrayList<>();
        for (ParseState.NamespaceItem n : ns) {
            if (n.colsVisible) {
                out.addAll(ps.query.rte(n.rtIndex).columnNames());
            }
        }
        return out;
    }

    private static List<Expr> varsOf(ParseState ps, List<ParseState.NamespaceItem> ns) {
        List<Expr> out = new ArrayList<>();
        for (ParseState.NamespaceItem n : ns) {
            if (!n.colsVisible) {
                continue;
            }
            RangeTblEntry rte = ps.query.rte(n.rtIndex);
            if (rte instanceof RangeTblEntry.JoinRte j) {
                out.addAll(j.aliasVars());
                continue;
            }
            for (int i = 1; i <= rte.columnNames().size(); i++) {
                out.add(new Expr.Var(n.rtIndex, i, rte.columnType(i), rte.columnTypmod(i), 0));
            }
        }
        return out;
    }

    private static List<Integer> rtIndexes(JoinTree.Node node) {
        List<Integer> out = new ArrayList<>();
        collect(node, out);
        return out;
    }

    private static void collect(JoinTree.Node node, List<Integer> out) {
        switch (node) {
            case JoinTree.RangeRef r -> out.add(r.rtIndex());
            case JoinTree.Join j -> {
                collect(j.left(), out);
                collect(j.right(), out);
            }
            case JoinTree.FromExpr f -> f.items().forEach(i -> collect(i, out));
        }
    }
}
