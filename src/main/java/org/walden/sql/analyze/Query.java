package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.List;
import org.walden.sql.catalog.Relation;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * An analyzed statement (PostgreSQL's Query): its range table, join tree, target list and the
 * clauses over them. SELECT, VALUES and set operations are SELECT queries (a set operation keeps
 * its operands as subquery range table entries and its tree in {@code setOperations}); INSERT,
 * UPDATE and DELETE name their {@code resultRelation}. Built by the analyzer, read by the
 * planner; immutable once analysis has ended.
 */
public final class Query {

    public enum Command { SELECT, INSERT, UPDATE, DELETE }

    /** An output column; junk columns (ORDER BY / GROUP BY helpers, row keys) are not sent. */
    public record TargetEntry(Expr expr, int resno, String name, boolean junk, int sortGroupRef, int originTable,
                              int originColumn) {
        public TargetEntry withExpr(Expr e) {
            return new TargetEntry(e, resno, name, junk, sortGroupRef, originTable, originColumn);
        }

        public TargetEntry withSortGroupRef(int ref) {
            return new TargetEntry(expr, resno, name, junk, ref, originTable, originColumn);
        }
    }

    /**
     * A sort or group item: the target entry with {@code sortGroupRef}, its ordering operator
     * ({@code lessThan}, or greater-than for DESC), equality, and NULLS FIRST.
     */
    public record SortGroupClause(int sortGroupRef, OperatorDef equality, OperatorDef ordering, boolean descending,
                                  boolean nullsFirst, boolean hashable) {
    }

    /** A window: PARTITION BY and ORDER BY items (by sortGroupRef) and frame. */
    public record WindowClause(String name, List<SortGroupClause> partitionBy, List<SortGroupClause> orderBy,
                               Tree.Frame frame, Expr startOffset, Expr endOffset) {
    }

    /** A CTE of this query: its analyzed query, column names and types, and whether it refers to itself. */
    public static final class CommonTableExpr {
        public final String name;
        public final List<String> columnNames;
        public final List<PgType> columnTypes;
        public final List<Integer> columnTypmods;
        public Query query;
        public final boolean recursive;
        public final Boolean materialized;
        /** How many range table entries refer to it (a CTE used once may be inlined). */
        public int references;

        public CommonTableExpr(String name, List<String> columnNames, List<PgType> columnTypes,
                               List<Integer> columnTypmods, Query query, boolean recursive, Boolean materialized) {
            this.name = name;
            this.columnNames = columnNames;
            this.columnTypes = columnTypes;
            this.columnTypmods = columnTypmods;
            this.query = query;
            this.recursive = recursive;
            this.materialized = materialized;
        }
    }

    /** A set operation tree: leaves are subquery range table entries (by index), nodes UNION / INTERSECT / EXCEPT. */
    public sealed interface SetOpNode permits SetOpLeaf, SetOperation {
    }

    public record SetOpLeaf(int rtIndex) implements SetOpNode {
    }

    public record SetOperation(Tree.SetOp op, boolean all, SetOpNode left, SetOpNode right, List<PgType> columnTypes,
                               List<Integer> columnTypmods) implements SetOpNode {
    }

    /** FOR UPDATE / FOR SHARE on the range table entries {@code rtIndexes}. */
    public record RowMark(List<Integer> rtIndexes, String strength, boolean noWait, boolean skipLocked) {
    }

    /** INSERT ... ON CONFLICT: the unique index arbiters, DO NOTHING or DO UPDATE SET ... WHERE. */
    public record OnConflict(List<Integer> arbiterIndexes, boolean doUpdate, List<TargetEntry> set, Expr where,
                             int excludedRtIndex) {
    }

    /** The relations (tables and views, by OID) this query reads, views not expanded: what a view over it depends on. */
    public java.util.Set<Integer> relationsRead() {
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        collectRelations(this, out);
        return out;
    }

    private static void collectRelations(Query q, java.util.Set<Integer> out) {
        for (RangeTblEntry rte : q.rtable) {
            switch (rte) {
                case RangeTblEntry.RelationRte r -> out.add(r.relation().oid());
                case RangeTblEntry.SubqueryRte s -> {
                    if (s.view() != null) {
                        out.add(s.view().oid());
                    } else {
                        collectRelations(s.subquery(), out);
                    }
                }
                default -> {
                }
            }
        }
        for (CommonTableExpr c : q.cteList) {
            collectRelations(c.query, out);
        }
    }

    public Command command = Command.SELECT;
    public final List<RangeTblEntry> rtable = new ArrayList<>();
    public JoinTree.FromExpr jointree = new JoinTree.FromExpr(new ArrayList<>(), null);
    public final List<TargetEntry> targetList = new ArrayList<>();
    public boolean hasAggs;
    public boolean hasWindowFuncs;
    public boolean hasSubLinks;
    public boolean hasTargetSRFs;
    public final List<SortGroupClause> groupClause = new ArrayList<>();
    public Expr havingQual;
    public final List<WindowClause> windowClause = new ArrayList<>();
    public final List<SortGroupClause> distinctClause = new ArrayList<>();
    public boolean hasDistinctOn;
    public final List<SortGroupClause> sortClause = new ArrayList<>();
    public Expr limitOffset;
    public Expr limitCount;
    public boolean limitWithTies;
    public SetOpNode setOperations;
    public final List<CommonTableExpr> cteList = new ArrayList<>();
    public RowMark rowMark;
    /** A top-level query: the relations it takes ACCESS SHARE on when it runs (see Analyzer#readLocks). */
    public List<Relation> relationsReadLocked = List.of();
    /** INSERT/UPDATE/DELETE: the range table index of the target relation. */
    public int resultRelation;
    /** INSERT: the target relation's columns (0-based) that the target list fills, in target list order. */
    public final List<Integer> insertColumns = new ArrayList<>();
    /** UPDATE: the target relation's columns (0-based) the SET target entries assign, in order. */
    public final List<Integer> updateColumns = new ArrayList<>();
    /** INSERT: the columns the statement names (0-based; all when it names none), for the privilege check. */
    public final List<Integer> insertNamedColumns = new ArrayList<>();
    public OnConflict onConflict;
    public List<TargetEntry> returningList;
    /** Grouping sets (ROLLUP, CUBE, GROUPING SETS): each a list of sortGroupRefs, or null for plain GROUP BY. */
    public List<List<Integer>> groupingSets;

    public RangeTblEntry rte(int rtIndex) {
        return rtable.get(rtIndex - 1);
    }

    public Relation resultRelation() {
        return ((RangeTblEntry.RelationRte) rte(resultRelation)).relation();
    }

    /** The non-junk target entries, the statement's result columns. */
    public List<TargetEntry> visibleTargets() {
        List<TargetEntry> out = new ArrayList<>();
        for (TargetEntry t : targetList) {
            if (!t.junk()) {
                out.add(t);
            }
        }
        return out;
    }

    public TargetEntry targetBySortGroupRef(int ref) {
        for (TargetEntry t : targetList) {
            if (t.sortGroupRef() == ref) {
                return t;
            }
        }
        throw new IllegalStateException("no target entry for sort/group ref " + ref);
    }
}
