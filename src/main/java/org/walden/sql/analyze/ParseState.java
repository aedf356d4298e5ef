package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.List;
import org.walden.common.SqlState;
import org.walden.sql.parse.SyntaxError;

/**
 * The analysis state of one query level (PostgreSQL's ParseState): the query being built, the
 * FROM items visible to names, the CTEs in scope, what kind of clause is being analyzed (which
 * decides whether aggregates, window functions and set-returning functions are allowed), and
 * the state of the enclosing level for correlated references.
 */
final class ParseState {

    /** Where an expression stands, for the errors PostgreSQL gives when something is not allowed there. */
    enum Clause {
        SELECT("SELECT"), WHERE("WHERE"), JOIN_ON("JOIN conditions"), GROUP_BY("GROUP BY"), HAVING("HAVING"),
        ORDER_BY("ORDER BY"), DISTINCT_ON("DISTINCT ON"), LIMIT("LIMIT"), OFFSET("OFFSET"), VALUES("VALUES"),
        FROM_FUNCTION("functions in FROM"), RETURNING("RETURNING"), UPDATE_SET("UPDATE"), INSERT_VALUES("VALUES"),
        WINDOW_PARTITION("window PARTITION BY"), WINDOW_ORDER("window ORDER BY"), WINDOW_FRAME("window frame"),
        CHECK("check constraints"), DEFAULT("DEFAULT expressions"), INDEX_EXPRESSION("index expressions"),
        INDEX_PREDICATE("index predicates"),
        GENERATED("column generation expressions"), ON_CONFLICT("ON CONFLICT"), CALL("CALL"), OTHER("this context");

        final String text;

        Clause(String text) {
            this.text = text;
        }
    }

    /**
     * A FROM item as names see it: {@code refname} its alias (null for an unaliased join), whether
     * it can be named ({@code relVisible}), whether its columns are found unqualified
     * ({@code colsVisible}).
     */
    static final class NamespaceItem {
        final int rtIndex;
        final String refname;
        boolean relVisible;
        boolean colsVisible;

        NamespaceItem(int rtIndex, String refname, boolean relVisible, boolean colsVisible) {
            this.rtIndex = rtIndex;
            this.refname = refname;
            this.relVisible = relVisible;
            this.colsVisible = colsVisible;
        }
    }

    final ParseState parent;
    final Query query;
    final AnalyzerEnv env;
    final List<NamespaceItem> namespace = new ArrayList<>();
    /** CTEs defined at this level (visible here and below). */
    final List<Query.CommonTableExpr> ctes = new ArrayList<>();
    /** The CTE whose recursive term is being analyzed (its self-reference is allowed then). */
    Query.CommonTableExpr recursiveCte;
    Clause clause = Clause.OTHER;
    /** Set while analyzing an aggregate's arguments (nested aggregates are an error). */
    boolean insideAggregate;
    /** The GROUPING(...) calls of this level with their arguments' positions, checked once GROUP BY is known. */
    final java.util.List<Clauses.GroupingCall> groupingCalls = new java.util.ArrayList<>();
    /** Set while analyzing a window function's arguments. */
    boolean insideWindowFunction;
    /** The WINDOW clause's named windows of the SELECT being analyzed. */
    java.util.Map<String, org.walden.sql.parse.Tree.WindowDef> namedWindows = java.util.Map.of();
    /** The windows OVER clauses referred to, in the order of their winref. */
    final List<org.walden.sql.parse.Tree.WindowDef> windowDefs = new ArrayList<>();
    /** Relations of views being expanded (a view referring to itself is an error). */
    final List<Integer> expandingViews;
    /** True inside a view's query: its tables' privileges are the view owner's. */
    final boolean inView;

    ParseState(ParseState parent, AnalyzerEnv env, boolean inView) {
        this.parent = parent;
        this.query = new Query();
        this.env = env;
        this.expandingViews = parent == null ? new ArrayList<>() : parent.expandingViews;
        this.inView = inView || (parent != null && parent.inView);
    }

    ParseState child() {
        return new ParseState(this, env, false);
    }

    /** The CTE of that name visible here, with how many levels up it was defined; null when none. */
    record CteRef(Query.CommonTableExpr cte, int levelsUp, ParseState owner) {
    }

    CteRef findCte(String name) {
        int levels = 0;
        for (ParseState s = this; s != null; s = s.parent, levels++) {
            for (Query.CommonTableExpr c : s.ctes) {
                if (c.name.equals(name)) {
                    return new CteRef(c, levels, s);
                }
            }
        }
        return null;
    }

    /** The name of the recursive CTE being defined at this level (for errors). */
    String recursiveCteName() {
        return recursiveCte == null ? "" : recursiveCte.name;
    }

    int addRte(RangeTblEntry rte) {
        query.rtable.add(rte);
        return query.rtable.size();
    }

    SyntaxError error(SqlState state, String message, int position) {
        return new SyntaxError(state, message, position);
    }
}
