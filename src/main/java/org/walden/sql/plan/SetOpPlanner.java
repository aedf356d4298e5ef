package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.List;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.exec.AggNode;
import org.walden.sql.exec.Eval;
import org.walden.sql.exec.PlanNode;
import org.walden.sql.exec.SortNode;
import org.walden.sql.exec.UpperNodes;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * UNION / INTERSECT / EXCEPT [ALL] (PostgreSQL's prepunion.c): UNION ALL appends its operands
 * (nested UNION ALLs flattened into one Append), UNION removes duplicates from the Append with
 * a HashAggregate, INTERSECT and EXCEPT count each distinct row on both sides (HashSetOp). The
 * result's ORDER BY and LIMIT apply on top.
 */
final class SetOpPlanner {

    private final QueryPlanner qp;
    private final Query q;

    SetOpPlanner(QueryPlanner qp) {
        this.qp = qp;
        this.q = qp.q;
    }

    QueryPlanner.Planned plan(double tupleFraction) {
        List<Expr> out = new ArrayList<>();
        for (Query.TargetEntry t : q.targetList) {
            out.add(t.expr());
        }
        PlanNode node = node(q.setOperations, out);
        PlanBuilder.Built cur = new PlanBuilder.Built(node, new Layout(out));
        if (!q.sortClause.isEmpty()) {
            List<Expr> keys = new ArrayList<>();
            boolean[] desc = new boolean[q.sortClause.size()];
            boolean[] nullsFirst = new boolean[desc.length];
            for (int i = 0; i < desc.length; i++) {
                Query.SortGroupClause s = q.sortClause.get(i);
                keys.add(q.targetBySortGroupRef(s.sortGroupRef()).expr());
                desc[i] = s.descending();
                nullsFirst[i] = s.nullsFirst();
            }
            SortNode sort = builder().sort(cur, keys, desc, nullsFirst);
            cur = new PlanBuilder.Built(sort, cur.layout());
        }
        if (q.limitCount != null || q.limitOffset != null) {
            Layout none = new Layout(List.of());
            Eval count = builder().compile(q.limitCount, none, null);
            Eval offset = builder().compile(q.limitOffset, none, null);
            UpperNodes.Limit limit = new UpperNodes.Limit(out, q, cur.node(), offset, count, null, null);
            UpperPlanner.copyCost(limit, cur.node());
            cur = new PlanBuilder.Built(limit, cur.layout());
        }
        return new QueryPlanner.Planned(cur.node(), out);
    }

    private PlanBuilder builder;

    private PlanBuilder builder() {
        if (builder == null) {
            builder = new PlanBuilder(qp, null);
        }
        return builder;
    }

    private PlanNode node(Query.SetOpNode n, List<Expr> out) {
        if (n instanceof Query.SetOpLeaf leaf) {
            return qp.leaf(leaf.rtIndex()).node();
        }
        Query.SetOperation op = (Query.SetOperation) n;
        if (op.op() == Tree.SetOp.UNION) {
            List<PlanNode> parts = new ArrayList<>();
            appendParts(op, op.all(), parts, out);
            UpperNodes.Append append = new UpperNodes.Append(out, q, parts);
            for (PlanNode p : parts) {
                append.rows += p.rows;
                append.totalCost += p.totalCost;
                append.width = Math.max(append.width, p.width);
            }
            if (op.all()) {
                return append;
            }
            return distinctOf(append, out);
        }
        PlanNode left = node(op.left(), out);
        PlanNode right = node(op.right(), out);
        UpperNodes.SetOp setOp = new UpperNodes.SetOp(out, q, left, right, op.op(), op.all());
        setOp.rows = op.op() == Tree.SetOp.INTERSECT ? Math.min(left.rows, right.rows) : left.rows;
        setOp.startupCost = left.totalCost + right.totalCost;
        setOp.totalCost = setOp.startupCost + qp.g.costs.cpuOperatorCost * (left.rows + right.rows);
        setOp.width = left.width;
        return setOp;
    }

    /** The operands of a UNION (ALL) tree, nested operations of the same kind flattened. */
    private void appendParts(Query.SetOpNode n, boolean all, List<PlanNode> parts, List<Expr> out) {
        if (n instanceof Query.SetOperation op && op.op() == Tree.SetOp.UNION && op.all() == all) {
            appendParts(op.left(), all, parts, out);
            appendParts(op.right(), all, parts, out);
            return;
        }
        parts.add(node(n, out));
    }

    private PlanNode distinctOf(PlanNode in, List<Expr> out) {
        PgType[] types = new PgType[out.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = out.get(i).type();
        }
        Layout l = new Layout(out);
        Eval[] keys = builder().compileAll(out, l, null);
        AggNode agg = new AggNode(out, q, in, AggNode.Strategy.HASHED, keys, types, out, List.of());
        UpperPlanner.copyCost(agg, in);
        agg.rows = Math.max(1, in.rows / 2);
        agg.totalCost += qp.g.costs.cpuOperatorCost * in.rows * out.size();
        return agg;
    }
}
