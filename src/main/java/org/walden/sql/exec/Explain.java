package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.walden.sql.analyze.Deparser;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.analyze.RangeTblEntry;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.types.ValueContext;

/**
 * EXPLAIN's output (PostgreSQL's explain.c): the plan tree in the text layout ("->" per child,
 * properties indented under their node, costs, and with ANALYZE the actual rows, loops and
 * times), or as JSON. Conditions print as ruleutils prints them; subqueries as their SubPlan
 * or InitPlan number, each listed under the node that runs it.
 */
public final class Explain {

    /** EXPLAIN's options. */
    public record Options(boolean analyze, boolean verbose, boolean costs, boolean timing, boolean summary,
                          boolean json) {
    }

    private final Options opts;
    private final CatalogLookup lookup;
    private final ValueContext values;
    private final Map<Expr.SubLink, SubPlan> subplanOf;
    private final Map<PlanNode, PlanNode.Instrumented> stats;
    /** The relations of the whole statement, subqueries and CTEs included (explain.c's list_length(es->rtable)). */
    private int statementRelations;
    /** The plan being rendered: its top node lists the CTEs. */
    private PlanNode root;
    private ModifyingCtes modifyingCtes;
    /** Each range table entry's name, unique in the statement: the second "item" is "item_1" (ruleutils' set_rtable_names). */
    private final Map<RangeTblEntry, String> uniqueNames = new java.util.IdentityHashMap<>();
    private final java.util.Set<String> usedNames = new java.util.HashSet<>();

    public Explain(Options opts, CatalogLookup lookup, ValueContext values, Map<Expr.SubLink, SubPlan> subplanOf,
                   ExecState st) {
        this.opts = opts;
        this.lookup = lookup;
        this.values = values;
        this.subplanOf = subplanOf;
        this.stats = st == null ? Map.of() : st.instrumentation();
    }

    /**
     * The lines of the text format (or the one JSON document), for the plan of {@code statement}
     * planned and run in {@code planningMs} / {@code executionMs}.
     */
    public List<String> render(PlanNode plan, Query statement, double planningMs, double executionMs) {
        // data-modifying WITH queries: shown as the statement's "CTE name" items, as PostgreSQL shows them
        PlanNode root = plan instanceof ModifyingCtes m ? m.main : plan;
        this.modifyingCtes = plan instanceof ModifyingCtes m ? m : null;
        this.root = root;
        // the planner's query (sublinks pulled up into it) or the statement's (a subquery's plan at the top)
        statementRelations = Math.max(relationCount(root.level), relationCount(statement));
        nameRelations(root.level);
        subplanOf.entrySet().stream().sorted(java.util.Comparator.comparingInt(e -> e.getValue().id))
                .forEach(e -> nameRelations(e.getKey().subquery()));
        if (opts.json) {
            StringBuilder sb = new StringBuilder("[\n  {\n    \"Plan\": ");
            json(sb, root, 2, null, null, new ArrayList<>());
            if (opts.summary) {
                sb.append(",\n    \"Planning Time\": ").append(ms(planningMs));
            }
            if (opts.analyze) {
                sb.append(",\n    \"Triggers\": [\n    ]");
                if (opts.summary) {
                    sb.append(",\n    \"Execution Time\": ").append(ms(executionMs));
                }
            }
            sb.append("\n  }\n]");
            return List.of(sb.toString());
        }
        List<String> out = new ArrayList<>();
        text(out, root, 0, false, new ArrayList<>());
        if (opts.summary) {
            out.add("Planning Time: " + ms(planningMs) + " ms");
        }
        if (opts.analyze && opts.summary) {
            out.add("Execution Time: " + ms(executionMs) + " ms");
        }
        return out;
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    // ---------------------------------------------------------------- deparsing

    /** Prints the expressions of a node: its level's entries, outer levels for correlated references. */
    private final class NodeDeparser extends Deparser {
        /** A scan node's own range table entry: its columns go unqualified unless VERBOSE (explain.c's show_scan_qual). */
        private final int scanRt;

        NodeDeparser(List<Query> levels, int scanRt) {
            super(lookup, values, false);
            this.scanRt = scanRt;
            boolean qualify = opts.verbose || scanRt == 0 && (statementRelations > 1 || levels.size() > 1);
            withQuery(levels.get(levels.size() - 1), qualify);
            for (int i = levels.size() - 2; i >= 0; i--) {
                pushLevel(levels.get(i));
            }
        }

        @Override
        protected String rteName(RangeTblEntry rte) {
            return rte.alias() == null ? super.rteName(rte) : nameOf(rte);
        }

        @Override
        protected String varText(Expr.Var v) {
            Query q = levelQuery(v.levelsUp());
            if (q == null || v.varno() < 1 || v.varno() > q.rtable.size()) {
                return super.varText(v);
            }
            RangeTblEntry rte = q.rte(v.varno());
            if (rte instanceof RangeTblEntry.SubqueryRte s && v.attno() >= 1 && v.levelsUp() == 0
                    && transparent(s)) {
                // a set operation's or a pulled-up subquery's column is printed as what it stands for
                Expr inner = s.subquery().targetList.get(v.attno() - 1).expr();
                pushLevel(s.subquery());
                try {
                    return expr(inner);
                } finally {
                    popLevel();
                }
            }
            if (!qualify && (scanRt != 0 && v.varno() != scanRt || v.levelsUp() > 0)) {
                return CatalogLookup.quoteIdentifier(rteName(rte)) + "."
                        + CatalogLookup.quoteIdentifier(columnNameOf(rte, v.attno()));
            }
            return super.varText(v);
        }

        @Override
        protected String subLinkText(Expr.SubLink s) {
            SubPlan sp = subplanOf.get(s);
            if (sp == null) {
                return "(SubPlan ?)";
            }
            if (sp.initPlan && !sp.hashed && s.kind() != Expr.SubLinkKind.ANY && s.kind() != Expr.SubLinkKind.ALL) {
                return "$" + (sp.id - 1);
            }
            return "(" + (sp.hashed ? "hashed " : "") + "SubPlan " + sp.id + ")";
        }

        @Override
        protected String execParamText(Expr.ExecParam p) {
            return "$" + p.slot();
        }
    }

    /** Names the entries of a query level, then of its subqueries and CTEs, in the order PostgreSQL's flat range table has them. */
    private void nameRelations(Query q) {
        if (q == null) {
            return;
        }
        for (RangeTblEntry rte : q.rtable) {
            if (rte instanceof RangeTblEntry.JoinRte || rte.alias() == null || uniqueNames.containsKey(rte)) {
                continue;
            }
            String name = rte.alias();
            for (int i = 1; !usedNames.add(name); i++) {
                name = rte.alias() + "_" + i;
            }
            uniqueNames.put(rte, name);
        }
        for (RangeTblEntry rte : q.rtable) {
            if (rte instanceof RangeTblEntry.SubqueryRte sub) {
                nameRelations(sub.subquery());
            }
        }
        for (Query.CommonTableExpr cte : q.cteList) {
            nameRelations(cte.query);
        }
    }

    /** The name EXPLAIN gives a range table entry. */
    private String nameOf(RangeTblEntry rte) {
        return uniqueNames.getOrDefault(rte, rte.alias());
    }

    /** A scan node's alias as EXPLAIN prints it (unique in the statement), or {@code alias} for other nodes. */
    private String scanAlias(PlanNode node, String alias) {
        int rt = scanRt(node);
        return rt == 0 || node.level == null || rt > node.level.rtable.size() ? alias : nameOf(node.level.rte(rt));
    }

    /** A subquery entry EXPLAIN looks through: a set operation's operand or a pulled-up EXISTS / IN. */
    private static boolean transparent(RangeTblEntry.SubqueryRte s) {
        return s.alias().startsWith("*SELECT*") || s.alias().endsWith("_subquery");
    }

    /** The range table entry a scan node reads, 0 for other nodes. */
    private static int scanRt(PlanNode node) {
        boolean scan = node instanceof ScanNodes.SeqScan || node instanceof IndexScan
                || node instanceof ScanNodes.CatalogScan || node instanceof ScanNodes.FunctionScan
                || node instanceof ScanNodes.ValuesScan || node instanceof ScanNodes.CteScan
                || node instanceof ScanNodes.WorkTableScan;
        if (!scan) {
            return 0;
        }
        for (Expr e : node.output) {
            if (e instanceof Expr.Var v && v.levelsUp() == 0) {
                return v.varno();
            }
        }
        return 0;
    }

    private static int relationCount(Query q) {
        if (q == null) {
            return 0;
        }
        int n = 0;
        for (RangeTblEntry r : q.rtable) {
            n += r instanceof RangeTblEntry.JoinRte ? 0 : 1;
            if (r instanceof RangeTblEntry.SubqueryRte sub) {
                n += relationCount(sub.subquery());
            }
        }
        for (Query.CommonTableExpr cte : q.cteList) {
            n += relationCount(cte.query);
        }
        return n;
    }

    /** Collects a node's properties in order. */
    private final class Props implements PlanNode.ExplainSink {
        final Map<String, Object> items = new LinkedHashMap<>();
        final Deparser d;
        /** What the run showed beyond rows and times (ANALYZE), printed after the properties. */
        PlanNode.RunDetail detail;

        Props(Deparser d) {
            this.d = d;
        }

        @Override
        public void expr(String label, Expr e) {
            items.put(label, wrap(d.expr(e)));
        }

        @Override
        public void exprs(String label, List<Expr> exprs) {
            if (exprs.size() == 1) {
                expr(label, exprs.get(0));
                return;
            }
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < exprs.size(); i++) {
                sb.append(i > 0 ? " AND " : "").append(wrap(d.expr(exprs.get(i))));
            }
            items.put(label, sb.append(')').toString());
        }

        @Override
        public void text(String label, String value) {
            items.put(label, value);
        }

        @Override
        public void sortKeys(String label, List<Expr> keys, boolean[] descending, boolean[] nullsFirst) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                // a key that is not a plain column refers to an expression computed below: PostgreSQL
                // prints it in parentheses (ruleutils' get_variable for an OUTER_VAR)
                String k = keys.get(i) instanceof Expr.Var ? d.expr(keys.get(i)) : "(" + d.expr(keys.get(i)) + ")";
                if (descending[i]) {
                    k += " DESC";
                }
                if (nullsFirst[i] != descending[i]) {
                    k += nullsFirst[i] ? " NULLS FIRST" : " NULLS LAST";
                }
                parts.add(k);
            }
            items.put(label, parts);
        }

        /** Group Key / Sort Key lists print without outer parentheses; conditions with. */
        private String wrap(String s) {
            return s.startsWith("(") && balanced(s) ? s : "(" + s + ")";
        }
    }

    /** True when the string's first parenthesis closes at its end. */
    private static boolean balanced(String s) {
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
                if (depth == 0 && i < s.length() - 1) {
                    return false;
                }
            }
        }
        return depth == 0;
    }

    private Props props(PlanNode node, List<Query> levels) {
        List<Query> all = new ArrayList<>();
        all.add(node.level);
        all.addAll(levels);
        Props p = new Props(new NodeDeparser(all, scanRt(node)));
        if (opts.verbose && !node.output.isEmpty()) {
            List<String> outs = new ArrayList<>();
            for (Expr e : node.output) {
                outs.add(p.d.expr(e));
            }
            p.items.put("Output", outs);
        }
        node.explain(p);
        if (p.items.containsKey("Group Key") && p.items.get("Group Key") instanceof String s) {
            p.items.put("Group Key", splitList(s));
        }
        PlanNode.Instrumented in = stats.get(node);
        if (in != null && node.qualExpr != null) {
            p.items.put("Rows Removed by Filter", String.valueOf(in.removedByFilter()));
        }
        if (in != null && in.detail != null) {
            p.detail = in.detail;
        }
        return p;
    }

    private static List<String> splitList(String s) {
        String t = s.startsWith("(") && s.endsWith(")") ? s.substring(1, s.length() - 1) : s;
        return List.of(t.split(" AND "));
    }

    // ---------------------------------------------------------------- text

    private String costs(PlanNode node) {
        StringBuilder sb = new StringBuilder();
        if (opts.costs) {
            sb.append(String.format(Locale.ROOT, "  (cost=%.2f..%.2f rows=%d width=%d)", node.startupCost,
                    node.totalCost, Math.max(1, Math.round(node.rows)), node.width));
        }
        if (opts.analyze) {
            PlanNode.Instrumented in = stats.get(node);
            if (in == null || in.loops == 0) {
                sb.append(" (never executed)");
            } else {
                double loops = in.loops;
                long rows = Math.round(in.rowsOut / loops);
                if (opts.timing) {
                    sb.append(String.format(Locale.ROOT, " (actual time=%.3f..%.3f rows=%d loops=%d)",
                            Math.max(0, in.firstNanos) / 1e6 / loops, in.totalNanos / 1e6 / loops, rows, in.loops));
                } else {
                    sb.append(String.format(Locale.ROOT, " (actual rows=%d loops=%d)", rows, in.loops));
                }
            }
        }
        return sb.toString();
    }

    private String target(PlanNode node) {
        String t = node.nodeTarget();
        if (opts.verbose && t.contains("on ") && node.level != null) {
            return qualifiedTarget(node, t);
        }
        int rt = scanRt(node);
        if (rt == 0 || node.level == null || rt > node.level.rtable.size()) {
            return t;
        }
        String raw = node.level.rte(rt).alias();
        String alias = CatalogLookup.quoteIdentifier(raw);
        String unique = CatalogLookup.quoteIdentifier(scanAlias(node, raw));
        if (unique.equals(alias) || !t.endsWith(" " + alias)) {
            return t;
        }
        // "on item" (the alias is the name) gains the unique alias; "on item a" has its alias replaced
        return t.endsWith("on " + alias) ? t + " " + unique : t.substring(0, t.length() - alias.length()) + unique;
    }

    /** VERBOSE names a relation with its schema: "on public.t t". */
    private String qualifiedTarget(PlanNode node, String t) {
        org.walden.sql.catalog.Relation rel = switch (node) {
            case ScanNodes.SeqScan s -> s.rel;
            case IndexScan i -> i.rel;
            default -> null;
        };
        if (rel == null) {
            return t;
        }
        String schema = lookup.namespace(rel.namespaceOid()).name();
        String alias = scanAlias(node, node instanceof ScanNodes.SeqScan s ? s.alias : ((IndexScan) node).alias);
        String prefix = t.substring(0, t.indexOf(" on ") >= 0 ? t.indexOf(" on ") + 4 : 3);
        return prefix + CatalogLookup.quoteIdentifier(schema) + "." + CatalogLookup.quoteIdentifier(rel.name())
                + (alias.equals(rel.name()) ? "" : " " + CatalogLookup.quoteIdentifier(alias));
    }

    private void text(List<String> out, PlanNode node, int indent, boolean child, List<Query> outer) {
        String name = node.nodeName();
        String tgt = target(node);
        String line = (child ? " ".repeat(indent) + "->  " : " ".repeat(indent)) + name
                + (tgt.isEmpty() ? "" : " " + tgt) + costs(node);
        out.add(line);
        int propIndent = child ? indent + 6 : indent + 2;
        String pad = " ".repeat(propIndent);
        Props p = props(node, outer);
        for (Map.Entry<String, Object> e : p.items.entrySet()) {
            Object v = e.getValue();
            String text = v instanceof List<?> l ? String.join(", ", l.stream().map(String::valueOf).toList())
                    : String.valueOf(v);
            out.add(pad + e.getKey() + ": " + text);
        }
        if (p.detail != null) {
            out.add(pad + p.detail.text());
        }
        List<Query> childOuter = outer;
        if (node == root) {
            java.util.Set<Integer> shown = new java.util.HashSet<>();
            for (ScanNodes.CteScan cte : ctes(node)) {
                shown.add(cte.cteId);
                out.add(pad + "CTE " + cte.cteName);
                text(out, cte.ctePlan, propIndent + 2, true, new ArrayList<>());
            }
            for (int i = 0; modifyingCtes != null && i < modifyingCtes.cteIds.length; i++) {
                if (shown.add(modifyingCtes.cteIds[i])) { // one the statement does not read
                    out.add(pad + "CTE " + modifyingCtes.cteNames.get(i));
                    text(out, modifyingCtes.ctePlans.get(i), propIndent + 2, true, new ArrayList<>());
                }
            }
        }
        for (SubPlan sp : node.subPlans) {
            List<Query> subOuter = new ArrayList<>();
            subOuter.add(node.level);
            subOuter.addAll(outer);
            out.add(pad + subPlanName(sp));
            text(out, sp.plan, propIndent + 2, true, subOuter);
        }
        for (PlanNode c : node.children()) {
            text(out, c, propIndent, true, childOuter);
        }
    }

    private static String subPlanName(SubPlan sp) {
        return sp.initPlan && !sp.hashed && sp.kind != Expr.SubLinkKind.ANY && sp.kind != Expr.SubLinkKind.ALL
                ? "InitPlan " + sp.id + " (returns $" + (sp.id - 1) + ")" : "SubPlan " + sp.id;
    }

    /**
     * The CTEs the plan scans (each once, in the order they were planned), including those that
     * other CTEs scan: PostgreSQL runs each as an InitPlan of the top node and EXPLAIN lists it
     * there as "CTE name".
     */
    private static List<ScanNodes.CteScan> ctes(PlanNode top) {
        Map<Integer, ScanNodes.CteScan> found = new java.util.TreeMap<>();
        java.util.ArrayDeque<PlanNode> pending = new java.util.ArrayDeque<>(List.of(top));
        while (!pending.isEmpty()) {
            PlanNode n = pending.pop();
            if (n instanceof ScanNodes.CteScan c && found.putIfAbsent(c.cteId, c) == null) {
                pending.push(c.ctePlan);
            }
            n.children().forEach(pending::push);
            n.subPlans.forEach(sp -> pending.push(sp.plan));
        }
        return List.copyOf(found.values());
    }

    // ---------------------------------------------------------------- JSON

    private void json(StringBuilder sb, PlanNode node, int indentLevel, String relationship, String subplanName,
                      List<Query> outer) {
        String ind = "  ".repeat(indentLevel);
        sb.append("{\n");
        List<String> fields = new ArrayList<>();
        String[] type = jsonType(node);
        fields.add(kv(ind, "Node Type", type[0]));
        if (type[1] != null) {
            fields.add(kv(ind, type[1], type[2]));
        }
        if (node instanceof AggNode) {
            fields.add(kv(ind, "Partial Mode", "Simple"));
        }
        if (relationship != null) {
            fields.add(kv(ind, "Parent Relationship", relationship));
        }
        if (subplanName != null) {
            fields.add(kv(ind, "Subplan Name", subplanName));
        }
        fields.add(ind + "  \"Parallel Aware\": false");
        fields.add(ind + "  \"Async Capable\": false");
        String tgt = node.nodeTarget();
        if (node instanceof IndexScan i) {
            fields.add(kv(ind, "Scan Direction", "Forward"));
            fields.add(kv(ind, "Index Name", i.index.name()));
        }
        if (node instanceof ScanNodes.SeqScan s) {
            fields.add(kv(ind, "Relation Name", s.rel.name()));
            fields.add(kv(ind, "Alias", scanAlias(node, s.alias)));
        } else if (node instanceof IndexScan i) {
            fields.add(kv(ind, "Relation Name", i.rel.name()));
            fields.add(kv(ind, "Alias", scanAlias(node, i.alias)));
        } else if (node instanceof ScanNodes.CteScan c) {
            fields.add(kv(ind, "CTE Name", c.cteName));
            fields.add(kv(ind, "Alias", scanAlias(node, c.alias)));
        } else if (!tgt.isEmpty() && tgt.startsWith("on ")) {
            fields.add(kv(ind, "Alias", tgt.substring(3)));
        }
        if (opts.costs) {
            fields.add(ind + "  \"Startup Cost\": " + String.format(Locale.ROOT, "%.2f", node.startupCost));
            fields.add(ind + "  \"Total Cost\": " + String.format(Locale.ROOT, "%.2f", node.totalCost));
            fields.add(ind + "  \"Plan Rows\": " + Math.max(1, Math.round(node.rows)));
            fields.add(ind + "  \"Plan Width\": " + node.width);
        }
        PlanNode.Instrumented in = stats.get(node);
        if (opts.analyze) {
            long loops = in == null ? 0 : in.loops;
            if (opts.timing) {
                fields.add(ind + "  \"Actual Startup Time\": " + ms(in == null || loops == 0 ? 0
                        : Math.max(0, in.firstNanos) / 1e6 / loops));
                fields.add(ind + "  \"Actual Total Time\": " + ms(in == null || loops == 0 ? 0
                        : in.totalNanos / 1e6 / loops));
            }
            fields.add(ind + "  \"Actual Rows\": " + (in == null || loops == 0 ? 0 : Math.round(in.rowsOut
                    / (double) loops)));
            fields.add(ind + "  \"Actual Loops\": " + loops);
        }
        Props p = props(node, outer);
        for (Map.Entry<String, Object> e : p.items.entrySet()) {
            if (e.getValue() instanceof List<?> l) {
                StringBuilder arr = new StringBuilder(ind + "  " + quote(e.getKey()) + ": [");
                for (int i = 0; i < l.size(); i++) {
                    arr.append(i > 0 ? ", " : "").append(quote(String.valueOf(l.get(i))));
                }
                fields.add(arr.append(']').toString());
            } else if (e.getKey().startsWith("Rows Removed")) {
                fields.add(ind + "  " + quote(e.getKey()) + ": " + e.getValue());
            } else {
                fields.add(kv(ind, e.getKey(), String.valueOf(e.getValue())));
            }
        }
        if (p.detail != null) {
            for (Map.Entry<String, Object> e : p.detail.fields().entrySet()) {
                fields.add(e.getValue() instanceof Number n ? ind + "  " + quote(e.getKey()) + ": " + n
                        : kv(ind, e.getKey(), String.valueOf(e.getValue())));
            }
        }
        List<PlanNode> kids = new ArrayList<>();
        List<String> rel = new ArrayList<>();
        List<List<Query>> levels = new ArrayList<>();
        List<Query> subOuter = new ArrayList<>();
        subOuter.add(node.level);
        subOuter.addAll(outer);
        List<String> names = new ArrayList<>();
        if (node == root) {
            for (ScanNodes.CteScan cte : ctes(node)) {
                kids.add(cte.ctePlan);
                rel.add("InitPlan");
                names.add("CTE " + cte.cteName);
                levels.add(new ArrayList<>());
            }
        }
        for (SubPlan sp : node.subPlans) {
            kids.add(sp.plan);
            rel.add(sp.initPlan ? "InitPlan" : "SubPlan");
            names.add(subPlanName(sp));
            levels.add(subOuter);
        }
        List<PlanNode> children = node.children();
        for (int i = 0; i < children.size(); i++) {
            kids.add(children.get(i));
            rel.add(children.size() == 1 ? "Outer" : i == 0 ? "Outer" : node instanceof UpperNodes.Append
                    ? "Member" : "Inner");
            levels.add(outer);
        }
        if (!kids.isEmpty()) {
            StringBuilder plans = new StringBuilder(ind + "  \"Plans\": [\n");
            for (int i = 0; i < kids.size(); i++) {
                plans.append(ind).append("    ");
                json(plans, kids.get(i), indentLevel + 2, rel.get(i), i < names.size() ? names.get(i) : null,
                        levels.get(i));
                plans.append(i < kids.size() - 1 ? ",\n" : "\n");
            }
            plans.append(ind).append("  ]");
            fields.add(plans.toString());
        }
        sb.append(String.join(",\n", fields)).append('\n').append(ind).append('}');
    }

    /** The JSON Node Type and its refinement (Join Type, Strategy, Command). */
    private static String[] jsonType(PlanNode node) {
        String name = node.nodeName();
        if (node instanceof JoinNodes.NestLoop || node instanceof JoinNodes.HashJoin
                || node instanceof JoinNodes.MergeJoin) {
            String base = name.startsWith("Nested Loop") ? "Nested Loop" : name.startsWith("Hash") ? "Hash Join"
                    : "Merge Join";
            String rest = name.substring(name.startsWith("Nested Loop") ? 11 : name.startsWith("Hash") ? 4 : 5).trim();
            String type = rest.isEmpty() ? "Inner" : rest.replace(" Join", "");
            return new String[] {base, "Join Type", type};
        }
        if (node instanceof AggNode a) {
            return new String[] {"Aggregate", "Strategy", switch (a.strategy) {
                case PLAIN -> "Plain";
                case SORTED -> "Sorted";
                case HASHED -> "Hashed";
            }};
        }
        if (node instanceof UpperNodes.SetOp) {
            return new String[] {"SetOp", "Strategy", "Hashed"};
        }
        return new String[] {name, null, null};
    }

    private static String kv(String ind, String key, String value) {
        return ind + "  " + quote(key) + ": " + quote(value);
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
