package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.Relation;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * Parse analysis of queries and data changes (PostgreSQL's analyze.c): SELECT, VALUES, set
 * operations, WITH [RECURSIVE], INSERT (VALUES, SELECT, DEFAULT VALUES, ON CONFLICT), UPDATE
 * (with FROM) and DELETE (with USING), each with RETURNING. Expressions are {@link
 * ExprTransformer}'s, FROM is {@link FromClause}'s, the SELECT clauses {@link Clauses}'. One
 * instance analyzes one statement.
 */
public final class Analyzer {

    final ExprTransformer exprs = new ExprTransformer(this);
    final FromClause from = new FromClause(this, exprs);
    final Clauses clauses = new Clauses(exprs);
    private final AnalyzerEnv env;
    /** Every relation a name was resolved to, once per mention (views' queries included): what the statement locks. */
    private final List<Relation> opened = new ArrayList<>();

    public Analyzer(AnalyzerEnv env) {
        this.env = env;
    }

    public AnalyzerEnv env() {
        return env;
    }

    /** Analyzes a top-level SELECT, INSERT, UPDATE or DELETE. */
    public Query analyze(Tree.Stmt stmt) {
        ParseState ps = new ParseState(null, env, false);
        Query q = switch (stmt) {
            case Tree.SelectStmt s -> select(ps, s);
            case Tree.InsertStmt s -> DataChanges.insert(this, ps, s);
            case Tree.UpdateStmt s -> DataChanges.update(this, ps, s);
            case Tree.DeleteStmt s -> DataChanges.delete(this, ps, s);
            default -> throw new IllegalArgumentException("not a query: " + stmt.getClass().getSimpleName());
        };
        q.relationsReadLocked = readLocks(q);
        return q;
    }

    /**
     * The relations {@code q} takes ACCESS SHARE on when it runs (PostgreSQL's parser opens each
     * with that lock): every one it names, less the mention that is the target of INSERT /
     * UPDATE / DELETE (ROW EXCLUSIVE) or a FOR UPDATE / SHARE table (ROW SHARE). System catalogs
     * are left out: no DDL changes them, and they are read by every client's start-up queries.
     */
    private List<Relation> readLocks(Query q) {
        List<Relation> mentions = new ArrayList<>(opened);
        List<Integer> ownMode = new ArrayList<>();
        if (q.resultRelation > 0) {
            ownMode.add(q.resultRelation);
        }
        if (q.rowMark != null) {
            ownMode.addAll(q.rowMark.rtIndexes());
        }
        for (int rt : ownMode) {
            if (q.rte(rt) instanceof RangeTblEntry.RelationRte r) {
                for (int i = 0; i < mentions.size(); i++) {
                    if (mentions.get(i).oid() == r.relation().oid()) {
                        mentions.remove(i);
                        break;
                    }
                }
            }
        }
        java.util.Map<Integer, Relation> out = new java.util.LinkedHashMap<>();
        for (Relation r : mentions) {
            if (!r.virtual() && r.oid() >= org.walden.sql.catalog.CatalogStore.FIRST_NORMAL_OID) {
                out.putIfAbsent(r.oid(), r);
            }
        }
        return List.copyOf(out.values());
    }

    Query subquery(ParseState parent, Tree.SelectStmt s) {
        return select(parent.child(), s);
    }

    // ---------------------------------------------------------------- SELECT

    Query select(ParseState ps, Tree.SelectStmt s) {
        return select(ps, s, true);
    }

    /** {@code resolveUnknowns} is false for a set operation's operand (its unknown columns take the common type). */
    Query select(ParseState ps, Tree.SelectStmt s, boolean resolveUnknowns) {
        if (s.with() != null) {
            ctes(ps, s.with());
        }
        Query q;
        if (s.isSetOperation()) {
            q = SetOperations.analyze(this, ps, s);
        } else if (s.isValues()) {
            q = values(ps, s, resolveUnknowns);
        } else {
            q = simpleSelect(ps, s, resolveUnknowns);
        }
        q.cteList.addAll(ps.ctes);
        return q;
    }

    private Query simpleSelect(ParseState ps, Tree.SelectStmt s, boolean resolveUnknowns) {
        Query q = ps.query;
        ps.namedWindows = s.windows();
        from.transform(ps, s.from());
        clauses.targetList(ps, s.targets());
        if (s.where() != null) {
            ps.clause = ParseState.Clause.WHERE;
            q.jointree = new JoinTree.FromExpr(q.jointree.items(), exprs.condition(ps, s.where(), "WHERE"));
        }
        if (s.having() != null) {
            ps.clause = ParseState.Clause.HAVING;
            q.havingQual = exprs.condition(ps, s.having(), "HAVING");
        }
        clauses.orderBy(ps, s.sort(), s.distinct() != null && s.distinct().isEmpty());
        clauses.groupBy(ps, s.groupBy(), s.groupDistinct());
        if (s.distinct() != null) {
            clauses.distinct(ps, s.distinct());
        }
        limits(ps, s);
        windowClauses(ps);
        clauses.checkGrouping(ps);
        if (!s.locking().isEmpty()) {
            rowMark(ps, s);
        }
        if (resolveUnknowns) {
            resolveUnknownTargets(q);
        }
        return q;
    }

    private void limits(ParseState ps, Tree.SelectStmt s) {
        ps.query.limitCount = clauses.limit(ps, s.limit(), ParseState.Clause.LIMIT);
        ps.query.limitOffset = clauses.limit(ps, s.offset(), ParseState.Clause.OFFSET);
        ps.query.limitWithTies = s.withTies();
        if (s.withTies() && s.sort().isEmpty()) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "WITH TIES cannot be specified without ORDER BY clause",
                    s.position());
        }
    }

    static void resolveUnknownTargets(Query q) {
        for (int i = 0; i < q.targetList.size(); i++) {
            Query.TargetEntry t = q.targetList.get(i);
            if (t.expr().type() == PgType.UNKNOWN) {
                q.targetList.set(i, t.withExpr(ExprTransformer.resolveUnknownToText(t.expr())));
            }
        }
    }

    private void rowMark(ParseState ps, Tree.SelectStmt s) {
        Query q = ps.query;
        // PostgreSQL's CheckSelectLocking order, reported without a position
        String what = !q.distinctClause.isEmpty() ? "DISTINCT clause"
                : !q.groupClause.isEmpty() || q.groupingSets != null ? "GROUP BY clause"
                : q.havingQual != null ? "HAVING clause" : q.hasAggs ? "aggregate functions"
                : q.hasWindowFuncs ? "window functions" : null;
        Tree.LockingClause lc = s.locking().get(0);
        if (what != null) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "FOR " + lc.strength() + " is not allowed with "
                    + what, 0);
        }
        List<Integer> rts = new ArrayList<>();
        for (int i = 1; i <= q.rtable.size(); i++) {
            if (q.rte(i) instanceof RangeTblEntry.RelationRte r) {
                if (r.relation().virtual()) {
                    throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "cannot lock rows in relation \""
                            + r.relation().name() + "\"", s.position());
                }
                rts.add(i);
            }
        }
        q.rowMark = new Query.RowMark(rts, lc.strength(), lc.noWait(), lc.skipLocked());
    }

    // ---------------------------------------------------------------- VALUES

    private Query values(ParseState ps, Tree.SelectStmt s, boolean resolveUnknowns) {
        Query q = ps.query;
        ps.clause = ParseState.Clause.VALUES;
        List<List<Expr>> rows = new ArrayList<>();
        int width = -1;
        for (List<Tree.Expr> row : s.values()) {
            if (width >= 0 && row.size() != width) {
                throw new SyntaxError(SqlState.SYNTAX_ERROR, "VALUES lists must all be the same length",
                        row.get(0).position());
            }
            width = row.size();
            List<Expr> out = new ArrayList<>();
            for (Tree.Expr e : row) {
                out.add(exprs.transform(ps, e));
            }
            rows.add(out);
        }
        List<PgType> types = new ArrayList<>();
        List<Integer> typmods = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < width; c++) {
            List<Expr> column = new ArrayList<>();
            for (List<Expr> row : rows) {
                column.add(row.get(c));
            }
            PgType t = rows.size() == 1 && !resolveUnknowns ? column.get(0).type()
                    : Coercion.commonType(column, "VALUES", s.position());
            for (List<Expr> row : rows) {
                if (t != PgType.UNKNOWN) {
                    row.set(c, exprs.coerce(ps, row.get(c), t, -1, Coercion.Context.IMPLICIT, s.position()));
                }
            }
            types.add(t);
            typmods.add(Coercion.commonTypmod(column, t));
            names.add("column" + (c + 1));
        }
        int rt = ps.addRte(new RangeTblEntry.ValuesRte(rows, "*VALUES*", names, types, typmods, false));
        q.jointree.items().add(new JoinTree.RangeRef(rt));
        ps.namespace.add(new ParseState.NamespaceItem(rt, "*VALUES*", true, true));
        for (int c = 0; c < width; c++) {
            Clauses.addTarget(q, new Expr.Var(rt, c + 1, types.get(c), typmods.get(c), 0), names.get(c), false, null);
        }
        clauses.orderBy(ps, s.sort(), false);
        limits(ps, s);
        if (resolveUnknowns) {
            resolveUnknownTargets(q);
        }
        return q;
    }

    // ---------------------------------------------------------------- WITH

    private void ctes(ParseState ps, Tree.WithClause with) {
        Set<String> names = new HashSet<>();
        for (Tree.CommonTableExpr c : with.ctes()) {
            if (!names.add(c.name())) {
                throw new SyntaxError(SqlState.DUPLICATE_ALIAS, "WITH query name \"" + c.name()
                        + "\" specified more than once", c.position());
            }
            if (!(c.query() instanceof Tree.SelectStmt sel)) {
                modifyingCte(ps, c);
                continue;
            }
            boolean selfReferencing = with.recursive() && RawTrees.refersTo(sel, c.name());
            if (selfReferencing) {
                recursiveCte(ps, c, sel);
            } else {
                Query q = subquery(ps, sel);
                List<String> cols = cteColumnNames(c, q);
                List<PgType> types = new ArrayList<>();
                List<Integer> typmods = new ArrayList<>();
                for (Query.TargetEntry t : q.visibleTargets()) {
                    types.add(t.expr().type());
                    typmods.add(t.expr().typmod());
                }
                ps.ctes.add(new Query.CommonTableExpr(c.name(), cols, types, typmods, q, false, c.materialized()));
            }
        }
    }

    /**
     * INSERT / UPDATE / DELETE in WITH: allowed only in the statement's own (top-level) WITH, as
     * PostgreSQL; its columns are its RETURNING list's. The planner runs it once, to completion,
     * before the rest of the statement ({@code exec.ModifyingCtes}).
     */
    private void modifyingCte(ParseState ps, Tree.CommonTableExpr c) {
        if (ps.parent != null) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "WITH clause containing a data-modifying statement "
                    + "must be at the top level", c.position());
        }
        ParseState child = ps.child();
        Query q = switch (c.query()) {
            case Tree.InsertStmt s -> DataChanges.insert(this, child, s);
            case Tree.UpdateStmt s -> DataChanges.update(this, child, s);
            case Tree.DeleteStmt s -> DataChanges.delete(this, child, s);
            default -> throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "this statement in WITH is not "
                    + "supported", c.position());
        };
        List<String> names = new ArrayList<>();
        List<PgType> types = new ArrayList<>();
        List<Integer> typmods = new ArrayList<>();
        if (q.returningList != null) {
            for (Query.TargetEntry t : q.returningList) {
                names.add(t.name());
                types.add(t.expr().type());
                typmods.add(t.expr().typmod());
            }
        }
        renameCteColumns(c, names);
        ps.ctes.add(new Query.CommonTableExpr(c.name(), List.copyOf(names), types, typmods, q, false,
                c.materialized()));
    }

    /** WITH name (columns): renames the query's leading columns; 42P10 when it names more than there are. */
    private static void renameCteColumns(Tree.CommonTableExpr c, List<String> names) {
        if (c.columnNames() != null) {
            if (c.columnNames().size() > names.size()) {
                throw new SyntaxError(SqlState.INVALID_COLUMN_REFERENCE, "WITH query \"" + c.name() + "\" has "
                        + names.size() + " columns available but " + c.columnNames().size() + " columns specified",
                        c.position());
            }
            for (int i = 0; i < c.columnNames().size(); i++) {
                names.set(i, c.columnNames().get(i));
            }
        }
    }

    private static List<String> cteColumnNames(Tree.CommonTableExpr c, Query q) {
        List<String> names = new ArrayList<>();
        for (Query.TargetEntry t : q.visibleTargets()) {
            names.add(t.name());
        }
        renameCteColumns(c, names);
        return List.copyOf(names);
    }

    /**
     * WITH RECURSIVE name AS (non-recursive term UNION [ALL] recursive term): the first term
     * gives the columns' types; the second may then refer to the CTE (the working table).
     */
    private void recursiveCte(ParseState ps, Tree.CommonTableExpr c, Tree.SelectStmt sel) {
        if (!sel.isSetOperation() || sel.op() != Tree.SetOp.UNION) {
            throw new SyntaxError(SqlState.INVALID_RECURSION, "recursive query \"" + c.name()
                    + "\" does not have the form non-recursive-term UNION [ALL] recursive-term", c.position());
        }
        if (RawTrees.refersTo(sel.left(), c.name())) {
            throw new SyntaxError(SqlState.INVALID_RECURSION, "recursive reference to query \"" + c.name()
                    + "\" must not appear within its non-recursive term", c.position());
        }
        Query first = subquery(ps, sel.left());
        List<String> cols = cteColumnNames(c, first);
        List<PgType> types = new ArrayList<>();
        List<Integer> typmods = new ArrayList<>();
        for (Query.TargetEntry t : first.visibleTargets()) {
            types.add(t.expr().type());
            typmods.add(t.expr().typmod());
        }
        Query.CommonTableExpr cte = new Query.CommonTableExpr(c.name(), cols, types, typmods, null, true,
                c.materialized());
        ps.ctes.add(cte);
        ps.recursiveCte = cte;
        try {
            ParseState child = ps.child();
            Query whole = SetOperations.recursive(this, child, sel, types);
            cte.query = whole;
        } finally {
            ps.recursiveCte = null;
        }
    }

    // ---------------------------------------------------------------- windows

    /** Records the window an OVER clause names or defines; returns its index (winref). */
    int windowReference(ParseState ps, Tree.WindowDef over, int position) {
        Tree.WindowDef def = over;
        boolean onlyName = over.name() != null && over.partitionBy().isEmpty() && over.orderBy().isEmpty()
                && over.frame() == null && over.refName() == null;
        if (onlyName) {
            def = ps.namedWindows.get(over.name());
            if (def == null) {
                throw new SyntaxError(SqlState.UNDEFINED_OBJECT, "window \"" + over.name() + "\" does not exist",
                        position);
            }
        } else if (over.refName() != null) {
            Tree.WindowDef base = ps.namedWindows.get(over.refName());
            if (base == null) {
                throw new SyntaxError(SqlState.UNDEFINED_OBJECT, "window \"" + over.refName() + "\" does not exist",
                        position);
            }
            def = new Tree.WindowDef(null, null, base.partitionBy(), over.orderBy().isEmpty() ? base.orderBy()
                    : over.orderBy(), over.frame(), over.position());
        }
        for (int i = 0; i < ps.windowDefs.size(); i++) {
            if (ps.windowDefs.get(i) == def) {
                return i;
            }
        }
        ps.windowDefs.add(def);
        return ps.windowDefs.size() - 1;
    }

    private void windowClauses(ParseState ps) {
        for (Tree.WindowDef def : ps.windowDefs) {
            ps.clause = ParseState.Clause.WINDOW_PARTITION;
            List<Query.SortGroupClause> partition = new ArrayList<>();
            for (Tree.Expr e : def.partitionBy()) {
                Query.TargetEntry te = clauses.findTarget(ps, e, false, null, "PARTITION BY");
                partition.add(clauses.addSortClause(ps, new ArrayList<>(), te, false, null, null, true,
                        e.position()));
            }
            ps.clause = ParseState.Clause.WINDOW_ORDER;
            List<Query.SortGroupClause> order = new ArrayList<>();
            for (Tree.SortBy s : def.orderBy()) {
                Query.TargetEntry te = clauses.findTarget(ps, s.expr(), false, null, "ORDER BY");
                order.add(clauses.addSortClause(ps, new ArrayList<>(), te, s.descending(), s.nullsFirst(),
                        s.usingOperator(), false, s.expr().position()));
            }
            Expr start = null;
            Expr end = null;
            if (def.frame() != null) {
                ps.clause = ParseState.Clause.WINDOW_FRAME;
                start = frameOffset(ps, def, def.frame().start(), order);
                end = frameOffset(ps, def, def.frame().end(), order);
            }
            ps.query.windowClause.add(new Query.WindowClause(def.name(), partition, order, def.frame(), start, end));
        }
    }

    private Expr frameOffset(ParseState ps, Tree.WindowDef def, Tree.FrameBound bound,
                             List<Query.SortGroupClause> order) {
        if (bound.offset() == null) {
            return null;
        }
        Expr e = exprs.transform(ps, bound.offset());
        if (def.frame().mode() == Tree.FrameMode.RANGE) {
            if (order.size() != 1) {
                throw new SyntaxError(SqlState.WINDOWING_ERROR, "RANGE with offset PRECEDING/FOLLOWING requires "
                        + "exactly one ORDER BY column", def.position());
            }
            PgType t = ps.query.targetBySortGroupRef(order.get(0).sortGroupRef()).expr().type();
            PgType offsetType = t.category == 'D' ? PgType.INTERVAL : t;
            return exprs.coerce(ps, e, offsetType, -1, Coercion.Context.IMPLICIT, bound.offset().position());
        }
        return exprs.coerce(ps, e, PgType.INT8, -1, Coercion.Context.IMPLICIT, bound.offset().position());
    }

    // ---------------------------------------------------------------- names

    /** The relation a FROM name refers to; 42P01 when there is none. */
    Relation relation(ParseState ps, String schema, String name, int position) {
        Relation r;
        try {
            r = env.lookup().relation(schema, name);
        } catch (PgException e) {
            r = null;
        }
        if (schema != null && !ps.inView) {
            org.walden.sql.catalog.Namespace n = env.lookup().namespace(schema);
            if (n != null) {
                try {
                    env.lookup().requireSchemaPrivilege(n, org.walden.sql.catalog.Acl.USAGE);
                } catch (PgException e) {
                    throw new SyntaxError(e.sqlState(), e.getMessage(), position);
                }
            }
        }
        if (r == null) {
            String shown = schema == null ? name : schema + "." + name;
            throw new SyntaxError(SqlState.UNDEFINED_TABLE, "relation \"" + shown + "\" does not exist", position);
        }
        opened.add(r);
        return r;
    }

    /** A column's DEFAULT as an expression of the column's type (the stored SQL analyzed again). */
    Expr defaultExpression(AnalyzerEnv e, Relation rel, Attribute a) {
        ParseState ps = new ParseState(null, e, true);
        ps.clause = ParseState.Clause.DEFAULT;
        Expr x = exprs.transform(ps, SqlParser.parseExpression(a.defaultSql()));
        return DataChanges.assign(this, ps, x, rel, a, 0);
    }

    /**
     * An expression over one relation's columns (a CHECK constraint, an index expression or
     * predicate, a default at CREATE time): Vars of range table entry 1.
     */
    public Expr relationExpression(Relation rel, Tree.Expr e, String clause) {
        ParseState ps = new ParseState(null, env, true);
        ps.clause = switch (clause) {
            case "CHECK" -> ParseState.Clause.CHECK;
            case "INDEX" -> ParseState.Clause.INDEX_EXPRESSION;
            case "PREDICATE" -> ParseState.Clause.INDEX_PREDICATE;
            case "DEFAULT" -> ParseState.Clause.DEFAULT;
            case "GENERATED" -> ParseState.Clause.GENERATED;
            default -> ParseState.Clause.OTHER;
        };
        if (rel != null) {
            List<String> cols = new ArrayList<>();
            for (Attribute a : rel.columns()) {
                cols.add(a.dropped() ? "" : a.name());
            }
            int rt = ps.addRte(new RangeTblEntry.RelationRte(rel, rel.name(), cols, true, false));
            ps.namespace.add(new ParseState.NamespaceItem(rt, rel.name(), true, true));
        }
        Expr x = exprs.transform(ps, e);
        if (clause.equals("CHECK") || clause.equals("PREDICATE")) {
            if (x.type() != PgType.BOOL) {
                x = exprs.condition(ps, e, clause.equals("CHECK") ? "CHECK" : "WHERE");
            }
        }
        if (Exprs.any(x, y -> y instanceof Expr.Aggref)) {
            throw new SyntaxError(SqlState.GROUPING_ERROR, "aggregate functions are not allowed in "
                    + ps.clause.text, e.position());
        }
        return x;
    }

    /** The type a type name denotes, with its typmod (for DDL). */
    public ExprTransformer.TypeRef typeName(Tree.TypeName t) {
        return exprs.typeRef(new ParseState(null, env, false), t);
    }

    /** Coerces an analyzed expression for assignment to a column (DDL defaults). */
    public Expr assignToColumn(Expr e, Relation rel, Attribute column) {
        return DataChanges.assign(this, new ParseState(null, env, false), e, rel, column, 0);
    }

    /** Analyzes a standalone expression with no FROM items (SET values, EXECUTE parameters). */
    public Expr expression(Tree.Expr e) {
        ParseState ps = new ParseState(null, env, false);
        return exprs.transform(ps, e);
    }

    /** Casts an analyzed expression explicitly (EXECUTE parameters, COPY values). */
    public Expr castTo(Expr e, PgType type, int typmod) {
        return exprs.cast(new ParseState(null, env, false), e, type, typmod, Expr.CastForm.IMPLICIT, 0);
    }
}
