package org.walden.sql.plan;

import java.util.ArrayList;
import java.util.List;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.Relation;
import org.walden.sql.exec.Eval;
import org.walden.sql.exec.ModifyTable;
import org.walden.sql.exec.PlanNode;
import org.walden.sql.exec.RowWriter;
import org.walden.sql.plan.Paths.Path;
import org.walden.sql.plan.Paths.Rel;
import org.walden.sql.plan.PlanBuilder.Built;
import org.walden.sql.types.PgType;

/**
 * INSERT, UPDATE and DELETE (PostgreSQL's ModifyTable planning): INSERT's rows come from its
 * VALUES or query, planned as a SELECT of the values for every column; UPDATE and DELETE scan
 * (or join, with FROM / USING) for the target rows, carrying each row's key and stored value
 * so ModifyTable can lock it and re-check it when another transaction changed it first.
 * RETURNING is computed over the written row followed by the input row.
 */
final class ModifyPlanner {

    private final QueryPlanner qp;
    private final Query q;
    private final RowWriters writers;

    ModifyPlanner(QueryPlanner qp, RowWriters writers) {
        this.qp = qp;
        this.q = qp.q;
        this.writers = writers;
    }

    /** The target table's columns as Vars of the result relation, then {@code rest}. */
    private List<Expr> tableThen(Relation t, List<Expr> rest) {
        List<Expr> cols = new ArrayList<>();
        for (int i = 0; i < t.columns().size(); i++) {
            cols.add(new Expr.Var(q.resultRelation, i + 1, t.column(i).type(), t.column(i).typmod(), 0));
        }
        cols.addAll(rest);
        return cols;
    }

    private List<Expr> returningExprs() {
        List<Expr> out = new ArrayList<>();
        if (q.returningList != null) {
            for (Query.TargetEntry t : q.returningList) {
                out.add(qp.folder.fold(t.expr()));
            }
        }
        return out;
    }

    QueryPlanner.Planned plan() {
        Relation table = q.resultRelation();
        RowWriter writer = writers.writer(table);
        return q.command == Query.Command.INSERT ? insert(table, writer) : updateOrDelete(table, writer);
    }

    private QueryPlanner.Planned insert(Relation table, RowWriter writer) {
        Query source = QueryTrees.copy(q);
        source.command = Query.Command.SELECT;
        source.returningList = null;
        source.onConflict = null;
        QueryPlanner child = new QueryPlanner(qp.g, qp.parent, source, qp.role);
        child.adoptCtes(qp); // one plan per WITH query: a data-modifying one must run once
        QueryPlanner.Planned in = child.plan(1.0);
        qp.outerParams.putAll(child.outerParams);
        int n = table.columns().size();
        int[] tableColumns = new int[n];
        for (int i = 0; i < n; i++) {
            tableColumns[i] = i;
        }
        List<Expr> returning = returningExprs();
        Layout retLayout = new Layout(tableThen(table, in.output()));
        PlanBuilder pb = new PlanBuilder(qp, null);
        int mark = qp.g.subplans.size();
        Eval[] ret = q.returningList == null ? null : pb.compileAll(returning, retLayout, null);
        List<Integer> arbiters = null;
        boolean doUpdate = false;
        int[] conflictColumns = null;
        Eval[] conflictValues = null;
        Eval conflictWhere = null;
        if (q.onConflict != null) {
            arbiters = q.onConflict.arbiterIndexes();
            doUpdate = q.onConflict.doUpdate();
            if (doUpdate) {
                List<Expr> both = tableThen(table, List.of());
                for (int i = 0; i < n; i++) {
                    both.add(new Expr.Var(q.onConflict.excludedRtIndex(), i + 1, table.column(i).type(),
                            table.column(i).typmod(), 0));
                }
                Layout bl = new Layout(both);
                conflictColumns = new int[q.onConflict.set().size()];
                conflictValues = new Eval[conflictColumns.length];
                for (int i = 0; i < conflictColumns.length; i++) {
                    Query.TargetEntry te = q.onConflict.set().get(i);
                    conflictColumns[i] = te.resno() - 1;
                    conflictValues[i] = pb.compile(qp.folder.fold(te.expr()), bl, null);
                }
                conflictWhere = pb.compile(qp.folder.fold(q.onConflict.where()), bl, null);
            }
        }
        ModifyTable node = new ModifyTable(returning, q, Query.Command.INSERT, writer, in.node(), tableColumns, -1, -1,
                null, null, null, ret, arbiters, doUpdate, conflictColumns, conflictValues, conflictWhere);
        pb.attachSubplans(node, mark);
        UpperPlanner.copyCost(node, in.node());
        node.totalCost += qp.g.costs.cpuTupleCost * in.node().rows;
        node.width = 0;
        return new QueryPlanner.Planned(node, returning);
    }

    private QueryPlanner.Planned updateOrDelete(Relation table, RowWriter writer) {
        int rt = q.resultRelation;
        List<Expr.Var> extra = new ArrayList<>();
        for (int i = 0; i < table.columns().size(); i++) {
            extra.add(new Expr.Var(rt, i + 1, table.column(i).type(), table.column(i).typmod(), 0));
        }
        Expr.Var keyVar = new Expr.Var(rt, Expr.ROW_KEY, PgType.BYTEA, -1, 0);
        Expr.Var rawVar = new Expr.Var(rt, Expr.ROW_RAW, PgType.BYTEA, -1, 0);
        extra.add(keyVar);
        extra.add(rawVar);
        List<Expr> setExprs = new ArrayList<>();
        if (q.command == Query.Command.UPDATE) {
            for (Query.TargetEntry t : q.targetList) {
                setExprs.add(qp.folder.fold(t.expr()));
            }
        }
        List<Expr> returning = returningExprs();
        List<Expr> recheckQuals = new ArrayList<>();
        for (Expr c : Exprs.conjuncts(qp.folder.fold(q.jointree.quals()))) {
            if (!Exprs.any(c, x -> x instanceof Expr.SubLink)) {
                recheckQuals.add(c);
            }
        }
        List<Expr> upper = new ArrayList<>(setExprs);
        upper.addAll(returning);
        upper.addAll(recheckQuals);
        List<Clause.SpecialJoin> semi = new SubLinkPullUp(qp).pullUp();
        JoinPlanner jp = new JoinPlanner(qp, semi);
        Rel rel = jp.plan(upper, extra, List.of());
        PlanBuilder pb = new PlanBuilder(qp, jp);
        Path path = rel.cheapest;
        Built in = pb.build(path);
        in = UpperPlanner.gate(pb, q, qp.g, in, jp.gates);
        Layout l = in.layout();
        int[] tableColumns = new int[table.columns().size()];
        for (int i = 0; i < tableColumns.length; i++) {
            tableColumns[i] = l.indexOf(extra.get(i));
        }
        int mark = qp.g.subplans.size();
        int[] setColumns = null;
        Eval[] setValues = null;
        if (q.command == Query.Command.UPDATE) {
            setColumns = q.updateColumns.stream().mapToInt(Integer::intValue).toArray();
            setValues = pb.compileAll(setExprs, l, null);
        }
        Eval recheck = pb.compile(Exprs.and(recheckQuals), l, null);
        Eval[] ret = q.returningList == null ? null : pb.compileAll(returning, new Layout(tableThen(table,
                l.columns)), null);
        ModifyTable node = new ModifyTable(returning, q, q.command, writer, in.node(), tableColumns,
                l.indexOf(keyVar), l.indexOf(rawVar), setColumns, setValues, recheck, ret, null, false, null, null,
                null);
        pb.attachSubplans(node, mark);
        PlanNode child = in.node();
        UpperPlanner.copyCost(node, child);
        node.totalCost += qp.g.costs.cpuTupleCost * child.rows;
        node.width = 0;
        return new QueryPlanner.Planned(node, returning);
    }
}
