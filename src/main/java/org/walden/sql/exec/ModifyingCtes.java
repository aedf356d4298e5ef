package org.walden.sql.exec;

import java.util.List;
import org.walden.sql.analyze.Query;

/**
 * The statement's data-modifying WITH queries (INSERT / UPDATE / DELETE in WITH), each run once
 * and to completion when the statement starts, whether or not the rest of it reads them (as
 * PostgreSQL finishes them at ExecPostprocessPlan); their RETURNING rows wait in the CTE's
 * shared rows for the CTE Scans. Then the statement's own plan runs.
 *
 * <p>They run first, so the rest of the statement would see their changes, where PostgreSQL's
 * sub-statements share one snapshot and do not: the planner refuses a statement whose other
 * parts read a table such a WITH query changes (0A000), so no result depends on the order.
 */
public final class ModifyingCtes extends PlanNode {

    final PlanNode main;
    final int[] cteIds;
    final List<PlanNode> ctePlans;
    final List<String> cteNames;

    public ModifyingCtes(PlanNode main, Query level, int[] cteIds, List<PlanNode> ctePlans, List<String> cteNames) {
        super(main.output, level);
        this.main = main;
        this.cteIds = cteIds;
        this.ctePlans = List.copyOf(ctePlans);
        this.cteNames = List.copyOf(cteNames);
        this.rows = main.rows;
        this.startupCost = main.startupCost;
        this.totalCost = main.totalCost;
        this.width = main.width;
    }

    @Override
    public List<PlanNode> children() {
        return List.of(main);
    }

    @Override
    public String nodeName() {
        return main.nodeName();
    }

    @Override
    public String nodeTarget() {
        return main.nodeTarget();
    }

    @Override
    protected ExecNode start(ExecState st) {
        for (int i = 0; i < cteIds.length; i++) {
            SharedRows rows = st.cte(cteIds[i]);
            if (rows == null) {
                rows = new SharedRows(ctePlans.get(i).open(st), st.workMemBytes() * 16);
                st.putCte(cteIds[i], rows);
            }
            rows.get(Integer.MAX_VALUE); // to the end
        }
        return main.open(st);
    }

}
