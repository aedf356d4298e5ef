package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.analyze.RangeTblEntry;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.TableStats;
import org.walden.sql.plan.Paths.IndexClause;
import org.walden.sql.plan.Paths.PathKey;
import org.walden.sql.plan.Paths.Rel;
import org.walden.sql.plan.Paths.ScanKind;
import org.walden.sql.plan.Paths.ScanPath;
import org.walden.sql.types.PgType;

/**
 * The ways to read one base relation (PostgreSQL's set_base_rel_sizes, set_plain_rel_pathlist
 * and indxpath.c): its size from ANALYZE's statistics (or, never analyzed, from its stored
 * bytes), a Seq Scan, an Index Scan (or Index Only Scan) for each index whose leading columns
 * the conditions fix (equalities and IN lists on a prefix, then a range), a full index scan
 * when its order is what the query sorts by, and parameterized index scans whose keys come from
 * a join partner's row (the inner side of a nested loop).
 */
final class BasePaths implements Costs.StatsSource {

    private final PlannerGlobal g;
    private final Costs costs;
    private final RelSizes sizes;

    /** Where a Var's relation is described (its Rel, for statistics). */
    interface RelSizes {
        Rel baseRel(int rtIndex);
    }

    BasePaths(PlannerGlobal g, RelSizes sizes) {
        this.g = g;
        this.costs = g.costs;
        this.sizes = sizes;
    }

    // ---------------------------------------------------------------- statistics source

    private Relation table(Expr.Var v) {
        Rel r = sizes.baseRel(v.varno());
        return r != null && r.rte instanceof RangeTblEntry.RelationRte rr && !rr.relation().virtual()
                ? rr.relation() : null;
    }

    @Override
    public TableStats.ColumnStats columnStats(Expr.Var v) {
        Relation t = table(v);
        if (t == null || v.attno() < 1) {
            return null;
        }
        TableStats s = g.catalog.stats(t.oid());
        return s == null ? null : s.columns().get(t.column(v.attno() - 1).attnum());
    }

    @Override
    public double tuples(Expr.Var v) {
        Rel r = sizes.baseRel(v.varno());
        return r == null ? 1000 : Math.max(1, r.tuples);
    }

    @Override
    public boolean unique(Expr.Var v) {
        Relation t = table(v);
        if (t == null || v.attno() < 1) {
            return false;
        }
        int attnum = t.column(v.attno() - 1).attnum();
        for (IndexInfo i : g.catalog.indexesOf(t.oid())) {
            if (i.unique() && i.valid() && !i.isPartial() && i.keys().size() == 1 && i.keys().get(0).attnum() == attnum) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- sizes

    /** Fills in a table's tuples, pages and width. */
    void estimateTable(Rel rel, Relation t) {
        TableStats s = g.catalog.stats(t.oid());
        int width = 0;
        for (Attribute a : t.liveColumns()) {
            TableStats.ColumnStats cs = s == null ? null : s.columns().get(a.attnum());
            width += cs != null ? cs.avgWidth() : typeWidth(a.type(), a.typmod());
        }
        rel.width = Math.max(1, width);
        // as PostgreSQL's estimate_rel_size: the current size in pages, at the density ANALYZE saw
        long bytes = g.relationBytes.applyAsLong(t.relfilenode());
        double reltuples = s == null ? -1 : s.reltuples();
        double relpages = s == null ? 0 : s.relpages();
        double curpages = bytes > 0 ? Math.ceil(bytes / (double) Costs.BLOCK_SIZE) : relpages;
        if (curpages < 10 && reltuples < 0) {
            curpages = 10; // never analyzed: maybe it has grown since
        }
        rel.pages = Math.max(1, curpages);
        if (curpages == 0) {
            rel.tuples = 0;
        } else if (reltuples >= 0 && relpages > 0) {
            rel.tuples = Math.rint(reltuples / relpages * curpages);
        } else {
            rel.tuples = Math.floor(curpages * (Costs.BLOCK_SIZE - 24) / (double) (rel.width + 28));
        }
    }

    static int typeWidth(PgType t, int typmod) {
        if (t.typlen > 0) {
            return t.typlen;
        }
        if ((t == PgType.VARCHAR || t == PgType.BPCHAR) && typmod > 4) {
            return Math.min(32, typmod - 4);
        }
        return 32;
    }

    // ---------------------------------------------------------------- table paths

    /**
     * The paths of a stored table: Seq Scan, index scans, and the parameterized index scans
     * {@code joinClauses} allow. {@code neededAttnos} are the columns read anywhere (for
     * index-only scans; 0 in it stands for the row key); {@code orderings} the orders the query
     * would like.
     */
    void tablePaths(Rel rel, Relation t, List<Clause> joinClauses, Set<Integer> neededAttnos, List<PathKey> orderings) {
        rel.rows = Math.max(1, Math.round(rel.tuples * costs.selectivity(rel.baseQuals, this)));
        boolean uniquePoint = false;
        for (IndexInfo idx : g.catalog.indexesOf(t.oid())) {
            if (!idx.valid() || !predicateImplied(rel, t, idx)) {
                continue;
            }
            List<Expr> keys = keyExprs(rel, t, idx);
            List<IndexClause> clauses = indexClauses(rel, keys, rel.baseQuals, List.of(), null);
            boolean ordered = !orderings.isEmpty() && orderings.get(0).expr().equals(keys.get(0));
            if (!clauses.isEmpty() || ordered) {
                ScanPath p = indexPath(rel, t, idx, keys, clauses, neededAttnos, new BitSet());
                uniquePoint |= p.uniquePoint;
                rel.addPath(p);
            }
            parameterizedPaths(rel, t, idx, keys, joinClauses, neededAttnos);
        }
        // Unlike a heap, the key-value store reads one row by key far more cheaply than it walks a
        // range (past the versions and tombstones of updated rows): a unique look-up beats a Seq
        // Scan even of a table of a few rows, where PostgreSQL's page costs would pick the scan.
        if (!uniquePoint || !costs.enableIndexScan) {
            ScanPath seq = new ScanPath(rel, ScanKind.SEQ, null, List.of(), rel.baseQuals, new BitSet());
            seq.rows = rel.rows;
            seq.startup = 0;
            seq.total = costs.seqScan(rel.pages, rel.tuples, rel.baseQuals.size());
            rel.addPath(seq);
        }
    }

    /** The analyzed key expressions of an index, as Vars / expressions of this relation's entry. */
    List<Expr> keyExprs(Rel rel, Relation t, IndexInfo idx) {
        List<Expr> out = new ArrayList<>();
        for (IndexInfo.Key k : idx.keys()) {
            if (k.isExpression()) {
                out.add(g.storedExpr(t, k.exprSql(), "INDEX", rel.rtIndex));
            } else {
                int i = t.indexOfAttnum(k.attnum());
                Attribute a = t.column(i);
                out.add(new Expr.Var(rel.rtIndex, i + 1, a.type(), a.typmod(), 0));
            }
        }
        return out;
    }

    /** A partial index is usable only when the query's conditions include its predicate's (each AND term). */
    private boolean predicateImplied(Rel rel, Relation t, IndexInfo idx) {
        if (!idx.isPartial()) {
            return true;
        }
        Expr pred = g.storedExpr(t, idx.predicateSql(), "PREDICATE", rel.rtIndex);
        for (Expr term : Exprs.conjuncts(pred)) {
            if (!implied(term, rel.baseQuals)) {
                return false;
            }
        }
        return true;
    }

    private static boolean implied(Expr term, List<Expr> quals) {
        for (Expr q : quals) {
            if (q.equals(term)) {
                return true;
            }
            if (term instanceof Expr.NullTest n && n.isNot() && q instanceof Expr.OpExpr o
                    && (n.arg().equals(o.left()) || n.arg().equals(o.right())) && o.operator().function().strict) {
                return true;
            }
            if (term instanceof Expr.OpExpr t && q instanceof Expr.OpExpr o && t.left() != null && o.left() != null
                    && t.left().equals(o.left()) && t.right() instanceof Expr.Const tc
                    && o.right() instanceof Expr.Const oc && rangeImplies(o.operator().name(), oc, t.operator().name(), tc)) {
                return true;
            }
        }
        return false;
    }

    /** {@code x qop qc} implies {@code x top tc} for the comparison operators. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static boolean rangeImplies(String qop, Expr.Const qc, String top, Expr.Const tc) {
        if (qc.isNull() || tc.isNull() || !(qc.value() instanceof Comparable a) || qc.value().getClass()
                != tc.value().getClass()) {
            return false;
        }
        int c = a.compareTo(tc.value());
        return switch (top) {
            case ">" -> (qop.equals(">") && c >= 0) || (qop.equals(">=") && c > 0) || (qop.equals("=") && c > 0);
            case ">=" -> (qop.equals(">") || qop.equals(">=") || qop.equals("=")) && c >= 0;
            case "<" -> (qop.equals("<") && c <= 0) || (qop.equals("<=") && c < 0) || (qop.equals("=") && c < 0);
            case "<=" -> (qop.equals("<") || qop.equals("<=") || qop.equals("=")) && c <= 0;
            default -> false;
        };
    }

    /**
     * The conditions an index can use, column by column: an equality or IN list on each leading
     * column, then a range (lower and upper bound) on the next. With {@code paramRelids} non-null,
     * equalities may also come from {@code joinClauses} whose other side reads those relations.
     */
    List<IndexClause> indexClauses(Rel rel, List<Expr> keys, List<Expr> quals, List<Clause> joinClauses,
                                   BitSet paramRelids) {
        List<IndexClause> out = new ArrayList<>();
        for (int col = 0; col < keys.size(); col++) {
            Expr key = keys.get(col);
            IndexClause eq = null;
            IndexClause in = null;
            IndexClause lower = null;
            IndexClause upper = null;
            for (Expr q : quals) {
                IndexClause c = match(rel, col, key, q, null);
                if (c == null) {
                    continue;
                }
                if (c.op().equals("=")) {
                    eq = eq == null ? c : eq;
                } else if (c.in()) {
                    in = in == null ? c : in;
                } else if (c.op().startsWith(">")) {
                    lower = lower == null ? c : lower;
                } else {
                    upper = upper == null ? c : upper;
                }
            }
            if (eq == null && paramRelids != null) {
                for (Clause jc : joinClauses) {
                    IndexClause c = match(rel, col, key, jc.expr, paramRelids);
                    if (c != null && c.op().equals("=")) {
                        eq = c;
                        break;
                    }
                }
            }
            if (eq != null) {
                out.add(eq);
                continue;
            }
            if (in != null) {
                out.add(in);
                continue;
            }
            if (lower != null) {
                out.add(lower);
            }
            if (upper != null) {
                out.add(upper);
            }
            break;
        }
        return out;
    }

    /**
     * {@code q} as a condition on index column {@code col} (key expression {@code key}): the
     * value side must not read this relation (nor, unless {@code otherRels} allows some, any
     * other relation of this query level); the operand types must share the key's encoding.
     */
    private IndexClause match(Rel rel, int col, Expr key, Expr q, BitSet otherRels) {
        if (q instanceof Expr.ScalarArrayOp s && s.useOr() && s.operator().isEquality() && otherRels == null
                && strip(s.left()).equals(key) && valueSide(s.array(), rel, null)
                && sameEncoding(key.type(), s.array().type().elementType())) {
            return new IndexClause(col, q, s.array(), "=", true);
        }
        if (!(q instanceof Expr.OpExpr o) || o.left() == null) {
            return null;
        }
        String op = o.operator().name();
        if (!op.equals("=") && !op.equals("<") && !op.equals("<=") && !op.equals(">") && !op.equals(">=")) {
            return null;
        }
        if (o.operator().btreeStrategy() == 0) {
            return null;
        }
        Expr value;
        if (strip(o.left()).equals(key) && valueSide(o.right(), rel, otherRels)) {
            value = o.right();
        } else if (strip(o.right()).equals(key) && valueSide(o.left(), rel, otherRels)) {
            value = o.left();
            op = switch (op) {
                case "<" -> ">";
                case ">" -> "<";
                case "<=" -> ">=";
                case ">=" -> "<=";
                default -> op;
            };
        } else {
            return null;
        }
        if (!sameEncoding(key.type(), value.type())) {
            return null;
        }
        return new IndexClause(col, q, value, op, false);
    }

    private static Expr strip(Expr e) {
        while (e instanceof Expr.Cast c && c.binary() && c.typmod() < 0) {
            e = c.arg();
        }
        return e;
    }

    /** True when {@code e} can be computed before the scan: no column of {@code rel}, no volatile function. */
    private static boolean valueSide(Expr e, Rel rel, BitSet otherRels) {
        if (Exprs.volatileFunctions(e) || Exprs.any(e, x -> x instanceof Expr.Aggref || x instanceof Expr.WindowFunc)) {
            return false;
        }
        BitSet refs = QueryTrees.relids(e);
        if (refs.intersects(rel.relids)) {
            return false;
        }
        if (otherRels == null) {
            return refs.isEmpty();
        }
        return !refs.isEmpty() && Clause.subset(refs, otherRels);
    }

    /** Whether values of type {@code b} encode as keys of type {@code a} (integers share one encoding). */
    static boolean sameEncoding(PgType a, PgType b) {
        if (a == b) {
            return true;
        }
        if ((a.isInteger() || a.isOidLike()) && (b.isInteger() || b.isOidLike())) {
            return !a.isRegType() && !b.isRegType() || a.isOidLike() && b.isOidLike();
        }
        return (a == PgType.TEXT || a == PgType.VARCHAR || a == PgType.NAME)
                && (b == PgType.TEXT || b == PgType.VARCHAR || b == PgType.NAME);
    }

    private ScanPath indexPath(Rel rel, Relation t, IndexInfo idx, List<Expr> keys, List<IndexClause> clauses,
                               Set<Integer> neededAttnos, BitSet paramRelids) {
        List<Expr> used = new ArrayList<>();
        for (IndexClause c : clauses) {
            used.add(c.clause());
        }
        List<Expr> filters = new ArrayList<>();
        for (Expr q : rel.baseQuals) {
            if (!used.contains(q)) {
                filters.add(q);
            }
        }
        boolean indexOnly = indexCovers(t, idx, neededAttnos);
        List<Expr> keyConds = new ArrayList<>(used);
        double sel = costs.selectivity(keyConds, this);
        boolean point = idx.unique() && clauses.size() == idx.keys().size();
        boolean anyIn = false;
        for (IndexClause c : clauses) {
            point &= c.op().equals("=") && !c.in();
            anyIn |= c.in();
        }
        if (point) {
            sel = Math.min(sel, 1.0 / Math.max(1, rel.tuples));
        }
        ScanPath p = new ScanPath(rel, indexOnly ? ScanKind.INDEX_ONLY : ScanKind.INDEX, idx, clauses, filters,
                paramRelids);
        p.uniquePoint = point;
        double correlation = 0;
        if (keys.get(0) instanceof Expr.Var kv) {
            TableStats.ColumnStats cs = columnStats(kv);
            correlation = cs == null ? 0 : cs.correlation();
        }
        double[] c = costs.indexScan(rel.pages, rel.tuples, sel, !idx.hasStorage(), indexOnly && idx.hasStorage(),
                filters.size(), correlation);
        p.startup = c[0];
        p.total = c[1];
        p.rows = Math.max(1, Math.round(rel.tuples * sel * costs.selectivity(filters, this)));
        if (!anyIn) {
            List<PathKey> keysOut = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                IndexInfo.Key k = idx.keys().get(i);
                keysOut.add(new PathKey(keys.get(i), k.descending(), k.nullsFirst()));
            }
            p.pathkeys = keysOut;
        }
        return p;
    }

    /** An index covers a scan when every column the query reads of the table is a plain key column. */
    private static boolean indexCovers(Relation t, IndexInfo idx, Set<Integer> neededAttnos) {
        if (neededAttnos.contains(0)) {
            return false;
        }
        for (int attno : neededAttnos) {
            int attnum = t.column(attno - 1).attnum();
            boolean found = false;
            for (IndexInfo.Key k : idx.keys()) {
                found |= !k.isExpression() && k.attnum() == attnum;
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private void parameterizedPaths(Rel rel, Relation t, IndexInfo idx, List<Expr> keys, List<Clause> joinClauses,
                                    Set<Integer> neededAttnos) {
        for (Clause jc : joinClauses) {
            if (!jc.relids.get(rel.rtIndex) || jc.ownerJoin != null && jc.ownerJoin.type
                    != org.walden.sql.exec.JoinNodes.JoinType.SEMI && jc.ownerJoin.type
                    != org.walden.sql.exec.JoinNodes.JoinType.ANTI && jc.ownerJoin.type
                    != org.walden.sql.exec.JoinNodes.JoinType.LEFT) {
                continue;
            }
            BitSet others = (BitSet) jc.relids.clone();
            others.clear(rel.rtIndex);
            if (others.isEmpty()) {
                continue;
            }
            List<IndexClause> clauses = indexClauses(rel, keys, rel.baseQuals, joinClauses, others);
            boolean usesParam = clauses.stream().anyMatch(c -> !QueryTrees.relids(c.value()).isEmpty());
            if (!usesParam) {
                continue;
            }
            BitSet paramRelids = new BitSet();
            for (IndexClause c : clauses) {
                paramRelids.or(QueryTrees.relids(c.value()));
            }
            boolean seen = false;
            for (ScanPath existing : rel.parameterized) {
                seen |= existing.index == idx && existing.paramRelids.equals(paramRelids);
            }
            if (!seen) {
                rel.parameterized.add(indexPath(rel, t, idx, keys, clauses, neededAttnos, paramRelids));
            }
        }
    }
}
