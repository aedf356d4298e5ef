package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.types.PgType;

/**
 * A node of a plan tree (PostgreSQL's Plan): what it computes, its estimated cost and rows, and
 * how to start it. Immutable once planned; a cached plan's nodes are started afresh by each
 * execution. {@code output} says what each column of the rows it returns holds (expressions
 * over the query's range table entries), which is how parents find their inputs. A node may
 * filter ({@code qual}) the rows it produces before projecting them ({@code projection}).
 */
public abstract class PlanNode {

    /** What each output column holds (set again when the planner adds a projection). */
    public List<Expr> output;
    /** The query level whose range table names this node's Vars (for EXPLAIN). */
    public final Query level;
    public double startupCost;
    public double totalCost;
    public double rows;
    public int width;
    /** A filter on the rows the node produces, before its projection; null for none. */
    Eval qual;
    Expr qualExpr;
    /** The output columns computed from the produced row; null when the produced row is the output. */
    Eval[] projection;
    /** The subqueries this node's expressions run (EXPLAIN lists them under it). */
    public final List<SubPlan> subPlans = new ArrayList<>();

    protected PlanNode(List<Expr> output, Query level) {
        this.output = List.copyOf(output);
        this.level = level;
    }

    public List<PlanNode> children() {
        return List.of();
    }

    /** The OID of the stored table whose rows this node scans by key (Seq Scan, Index Scan), else 0. */
    public int scannedTableOid() {
        return 0;
    }

    /** The node's name as EXPLAIN prints it: Seq Scan, Hash Join, Sort, ... */
    public abstract String nodeName();

    /** What EXPLAIN prints after the name on the same line ("on t", "using t_pkey on t"). */
    public String nodeTarget() {
        return "";
    }

    /** The properties EXPLAIN prints under the node (conditions, keys). */
    public void explain(ExplainSink out) {
        if (qualExpr != null) {
            out.expr("Filter", qualExpr);
        }
    }

    /** Starts one execution of this node. */
    protected abstract ExecNode start(ExecState st);

    /** Starts the node, with instrumentation when the execution is EXPLAIN ANALYZE'd. */
    public final ExecNode open(ExecState st) {
        ExecNode n = start(st);
        if (st.instrumented()) {
            Instrumented i = new Instrumented(n, st.services().clock());
            stats(st).put(this, i);
            return i;
        }
        return n;
    }

    public void setQual(Expr expr, Eval eval) {
        this.qualExpr = expr;
        this.qual = eval;
    }

    public void setProjection(Eval[] projection) {
        this.projection = projection;
    }

    /** Makes the node compute {@code newOutput} from the rows it produces. */
    public void setProjection(Eval[] projection, List<Expr> newOutput) {
        this.projection = projection;
        this.output = List.copyOf(newOutput);
    }

    /** True when the node computes its output from the rows it produces (so a new projection would not compose). */
    public boolean hasProjection() {
        return projection != null;
    }

    public PgType[] outputTypes() {
        PgType[] t = new PgType[output.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = output.get(i).type();
        }
        return t;
    }

    /** Where EXPLAIN gathers a node's properties. */
    public interface ExplainSink {
        void expr(String label, Expr e);

        void exprs(String label, List<Expr> exprs);

        void text(String label, String value);

        /** Sort keys with their directions: "x DESC", "y NULLS FIRST". */
        void sortKeys(String label, List<Expr> keys, boolean[] descending, boolean[] nullsFirst);
    }

    // ---------------------------------------------------------------- runtime helpers

    /** The base of most running nodes: applies the plan node's qual and projection to produced rows. */
    abstract static class Base extends ExecNode {
        final ExecState st;
        private final Eval qual;
        private final Eval[] projection;
        long removedByFilter;

        Base(PlanNode plan, ExecState st) {
            this.st = st;
            this.qual = plan.qual;
            this.projection = plan.projection;
        }

        /** The next produced row before qual and projection, or null. */
        abstract Object[] produce();

        @Override
        public final Object[] next() {
            while (true) {
                Object[] r = produce();
                if (r == null) {
                    return null;
                }
                if (qual != null && !qual.test(r, st)) {
                    removedByFilter++;
                    continue;
                }
                return project(r);
            }
        }

        Object[] project(Object[] r) {
            if (projection == null) {
                return r;
            }
            Object[] out = new Object[projection.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = projection[i].eval(r, st);
            }
            return out;
        }
    }

    /**
     * How an execution of a node went, beyond rows and times, as EXPLAIN ANALYZE shows it under
     * the node (a sort's method and space, a hash table's buckets, batches and memory): the text
     * format's line and the structured formats' fields.
     */
    public record RunDetail(String text, Map<String, Object> fields) {
    }

    /** Records a node's run detail when the execution is EXPLAIN ANALYZE'd; otherwise nothing. */
    static void reportRun(ExecState st, PlanNode node, RunDetail detail) {
        if (st.instrumented()) {
            Instrumented i = stats(st).get(node);
            if (i != null) {
                i.detail = detail;
            }
        }
    }

    /** A run detail's fields in the order given: name, value, name, value... */
    static Map<String, Object> fields(Object... namesAndValues) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return m;
    }

    /** Kilobytes as EXPLAIN prints memory and disk use: rounded up. */
    static long kilobytes(long bytes) {
        return (bytes + 1023) / 1024;
    }

    /** EXPLAIN ANALYZE's counters of one node: loops, rows, time to first and last row. */
    static final class Instrumented extends ExecNode {
        final ExecNode inner;
        private final java.time.Clock clock;
        /** The last run's detail (Sort Method, Buckets, Batches), null for none. */
        RunDetail detail;
        long loops;
        long rowsOut;
        long firstNanos = -1;
        long totalNanos;
        private long loopStart = -1;
        private boolean started;

        Instrumented(ExecNode inner, java.time.Clock clock) {
            this.inner = inner;
            this.clock = clock;
        }

        @Override
        public Object[] next() {
            long t0 = System.nanoTime();
            if (!started) {
                started = true;
                loops++;
                loopStart = t0;
            }
            Object[] r = inner.next();
            long t1 = System.nanoTime();
            totalNanos += t1 - t0;
            if (r != null) {
                rowsOut++;
                if (firstNanos < 0) {
                    firstNanos = t1 - loopStart;
                }
            }
            return r;
        }

        @Override
        public void rescan() {
            started = false;
            inner.rescan();
        }

        @Override
        public void close() {
            inner.close();
        }

        long removedByFilter() {
            return inner instanceof Base b ? b.removedByFilter : 0;
        }
    }

    /** The instrumentation of every node of an execution (EXPLAIN ANALYZE reads it afterwards). */
    @SuppressWarnings("unchecked")
    static Map<PlanNode, Instrumented> stats(ExecState st) {
        return st.instrumentation();
    }

    /** Collects a list. */
    static <T> List<T> listOf(Iterable<T> it) {
        List<T> out = new ArrayList<>();
        it.forEach(out::add);
        return out;
    }

    static Map<PlanNode, Instrumented> newStats() {
        return new IdentityHashMap<>();
    }
}
