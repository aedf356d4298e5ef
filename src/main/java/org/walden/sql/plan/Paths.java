package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.RangeTblEntry;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.exec.JoinNodes.JoinType;

/**
 * The planner's candidates (PostgreSQL's RelOptInfo and Path): a {@link Rel} is a set of range
 * table entries being joined, with its estimated size and the cheapest ways found to produce
 * it; a {@link Path} is one way, with its cost, rows and output order. Paths are cheap
 * descriptions; only the chosen one becomes executor nodes ({@link PlanBuilder}).
 */
final class Paths {

    private Paths() {
    }

    /** What a base relation is. */
    enum RelKind { TABLE, CATALOG, SUBQUERY, FUNCTION, VALUES, CTE, WORKTABLE, RESULT, JOIN }

    /** An ordering of a path's output: an expression, direction and NULLs placement. */
    record PathKey(Expr expr, boolean descending, boolean nullsFirst) {
    }

    /** One relation (base or join) being planned. */
    static final class Rel {
        final BitSet relids;
        final RelKind kind;
        /** The base relation's range table index (0 for joins). */
        final int rtIndex;
        final RangeTblEntry rte;
        /** Conditions on this relation alone (base relations). */
        final List<Expr> baseQuals = new ArrayList<>();
        /** Rows before the base conditions (base relations), and after them. */
        double tuples;
        double rows;
        double pages;
        int width;
        /** Range table entries a LATERAL item reads from (its values come from the outer side of a nested loop). */
        final BitSet lateralRelids = new BitSet();
        /** The outer columns a LATERAL item reads, each with the execution parameter carrying it. */
        final java.util.Map<Expr.Var, Integer> lateralParams = new java.util.LinkedHashMap<>();
        Path cheapest;
        /** Paths whose output order may save a sort (index scans, merge joins). */
        final List<Path> ordered = new ArrayList<>();
        /** Parameterized paths: index scans whose keys come from another relation's row (inner of a nested loop). */
        final List<ScanPath> parameterized = new ArrayList<>();
        /** A subquery's plan, for SUBQUERY, CTE references inlined as subqueries, and atomic join items. */
        SubqueryInfo subquery;

        Rel(BitSet relids, RelKind kind, int rtIndex, RangeTblEntry rte) {
            this.relids = relids;
            this.kind = kind;
            this.rtIndex = rtIndex;
            this.rte = rte;
        }

        void addPath(Path p) {
            if (cheapest == null || p.total < cheapest.total) {
                cheapest = p;
            }
            if (!p.pathkeys.isEmpty()) {
                ordered.add(p);
            }
        }
    }

    /** A planned subquery (FROM subquery or view) or a separately planned join item: its plan and output. */
    static final class SubqueryInfo {
        final org.walden.sql.exec.PlanNode plan;
        /** What the plan's output columns are, in this query's terms (Vars of the subquery's range table entry). */
        final List<Expr> output;

        SubqueryInfo(org.walden.sql.exec.PlanNode plan, List<Expr> output) {
            this.plan = plan;
            this.output = output;
        }
    }

    /** A way to produce a relation's rows. */
    abstract static class Path {
        final Rel rel;
        double rows;
        double startup;
        double total;
        List<PathKey> pathkeys = List.of();

        Path(Rel rel) {
            this.rel = rel;
        }

        /** Cost of reading the rows again (the inner side of a nested loop). */
        double rescanCost() {
            return total;
        }
    }

    enum ScanKind { SEQ, INDEX, INDEX_ONLY, OTHER }

    /** A condition on one index column: equality (or IN) on a prefix, then one range. */
    record IndexClause(int column, Expr clause, Expr value, String op, boolean in) {
    }

    /** A scan of a base relation. */
    static final class ScanPath extends Path {
        final ScanKind kind;
        final IndexInfo index;
        final List<IndexClause> indexClauses;
        /** Base conditions not enforced by the index keys (checked as the scan's filter). */
        final List<Expr> filters;
        /** The relations whose values the index keys take (a parameterized path), empty for none. */
        final BitSet paramRelids;
        /** An index scan with every key of a unique index equal to one value: at most one row. */
        boolean uniquePoint;

        ScanPath(Rel rel, ScanKind kind, IndexInfo index, List<IndexClause> indexClauses, List<Expr> filters,
                 BitSet paramRelids) {
            super(rel);
            this.kind = kind;
            this.index = index;
            this.indexClauses = indexClauses;
            this.filters = filters;
            this.paramRelids = paramRelids;
        }

        @Override
        double rescanCost() {
            return kind == ScanKind.OTHER && rel.kind != RelKind.FUNCTION ? total * 0.5 : total;
        }
    }

    enum JoinMethod { NESTLOOP, HASH, MERGE }

    /** A join of two paths. */
    static final class JoinPath extends Path {
        final JoinMethod method;
        final JoinType type;
        final Path outer;
        final Path inner;
        /** Equality clauses the hash or merge join matches on (left operand from the outer side). */
        final List<Expr> keyClauses;
        /** The join's other conditions (checked on each joined row; for outer joins, part of the match). */
        final List<Expr> joinQuals;
        /** Conditions applied after an outer join (WHERE conditions on the joined row). */
        final List<Expr> otherQuals;
        /** Nested loop: materialize the inner side (read once, replayed per outer row). */
        final boolean materializeInner;

        JoinPath(Rel rel, JoinMethod method, JoinType type, Path outer, Path inner, List<Expr> keyClauses,
                 List<Expr> joinQuals, List<Expr> otherQuals, boolean materializeInner) {
            super(rel);
            this.method = method;
            this.type = type;
            this.outer = outer;
            this.inner = inner;
            this.keyClauses = keyClauses;
            this.joinQuals = joinQuals;
            this.otherQuals = otherQuals;
            this.materializeInner = materializeInner;
        }
    }
}
