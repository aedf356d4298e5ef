package org.walden.sql.exec;

import java.util.Iterator;
import java.util.List;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.types.PgType;
import org.walden.sql.types.RowValue;
import org.walden.txn.KvCursor;

/** The leaf nodes that produce rows: table scans, catalogs, functions, VALUES, CTEs, and Result. */
public final class ScanNodes {

    private ScanNodes() {
    }

    /** Decodes a stored row: the table's columns (the first {@code decode} of them), then the key and raw value. */
    static Object[] tableRow(PgType[] types, int decode, byte[] key, byte[] value, boolean withKey, boolean withRaw) {
        Object[] cols = RowCodec.decodePrefix(types, value, decode);
        if (!withKey && !withRaw) {
            return cols;
        }
        Object[] out = java.util.Arrays.copyOf(cols, types.length + (withKey ? 1 : 0) + (withRaw ? 1 : 0));
        int i = types.length;
        if (withKey) {
            out[i++] = key;
        }
        if (withRaw) {
            out[i] = value;
        }
        return out;
    }

    static PgType[] columnTypes(Relation rel) {
        PgType[] t = new PgType[rel.columns().size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = rel.column(i).type();
        }
        return t;
    }

    // ---------------------------------------------------------------- Seq Scan

    /** Seq Scan: every row of a table in key order. */
    /** PostgreSQL's ExecOpenScanRelation check: a materialized view created or refreshed WITH NO DATA cannot be read. */
    static void checkScannable(Relation rel) {
        if (!rel.isPopulated()) {
            throw new org.walden.common.PgException(org.walden.common.SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "materialized view \"" + rel.name() + "\" has not been populated")
                    .withHint("Use the REFRESH MATERIALIZED VIEW command.");
        }
    }

    public static final class SeqScan extends PlanNode {
        final Relation rel;
        final String alias;
        final PgType[] types;
        final int decode;
        final boolean withKey;
        final boolean withRaw;

        public SeqScan(List<Expr> output, Query level, Relation rel, String alias, int decode, boolean withKey,
                       boolean withRaw) {
            super(output, level);
            this.rel = rel;
            this.alias = alias;
            this.types = columnTypes(rel);
            this.decode = decode;
            this.withKey = withKey;
            this.withRaw = withRaw;
        }

        @Override
        public String nodeName() {
            return "Seq Scan";
        }

        @Override
        public int scannedTableOid() {
            return rel.oid();
        }

        @Override
        public String nodeTarget() {
            return "on " + rel.name() + (alias.equals(rel.name()) ? "" : " " + alias);
        }

        @Override
        protected ExecNode start(ExecState st) {
            checkScannable(rel);
            return new Base(this, st) {
                private KvCursor cursor;
                private final ExecServices.TableCounts counts = st.counts(rel.oid());

                @Override
                Object[] produce() {
                    if (cursor == null) {
                        cursor = st.txn().scan(Keys.prefix(rel.relfilenode()), Keys.end(rel.relfilenode()));
                        counts.seqScans++;
                    }
                    if (!cursor.next()) {
                        return null;
                    }
                    st.tick();
                    counts.seqTuplesRead++;
                    st.noteScannedRow(rel.oid(), cursor.key());
                    return tableRow(types, decode, cursor.key(), cursor.value(), withKey, withRaw);
                }

                @Override
                public void rescan() {
                    close();
                }

                @Override
                public void close() {
                    if (cursor != null) {
                        cursor.close();
                        cursor = null;
                    }
                }
            };
        }
    }

    // ---------------------------------------------------------------- system catalogs

    /** The rows of a pg_catalog relation, built from the session's catalog when the scan starts. */
    public static final class CatalogScan extends PlanNode {
        final Relation rel;
        final String alias;
        final boolean viaView;

        public CatalogScan(List<Expr> output, Query level, Relation rel, String alias, boolean viaView) {
            super(output, level);
            this.rel = rel;
            this.alias = alias;
            this.viaView = viaView;
        }

        @Override
        public String nodeName() {
            return rel.kind() == Relation.VIEW ? "Function Scan" : "Seq Scan";
        }

        @Override
        public String nodeTarget() {
            return "on " + rel.name() + (alias.equals(rel.name()) ? "" : " " + alias);
        }

        @Override
        protected ExecNode start(ExecState st) {
            return new Base(this, st) {
                private Iterator<Object[]> rows;

                @Override
                Object[] produce() {
                    if (rows == null) {
                        rows = CatalogRows.rows(rel, st, viaView).iterator();
                    }
                    return rows.hasNext() ? rows.next() : null;
                }

                @Override
                public void rescan() {
                    rows = null;
                }
            };
        }
    }

    // ---------------------------------------------------------------- functions, VALUES

    /** Function Scan: a set-returning function's rows, or any other expression's value as one row. */
    public static final class FunctionScan extends PlanNode {
        final String name;
        final String alias;
        final FunctionDef srf;
        final Eval[] args;
        final PgType[] argTypes;
        final Eval value;
        final int columns;
        final boolean ordinality;

        /** {@code srf} non-null: its rows (args evaluated per scan); else {@code value} as one row. */
        public FunctionScan(List<Expr> output, Query level, String name, String alias, FunctionDef srf, Eval[] args,
                            PgType[] argTypes, Eval value, int columns, boolean ordinality) {
            super(output, level);
            this.name = name;
            this.alias = alias;
            this.srf = srf;
            this.args = args;
            this.argTypes = argTypes;
            this.value = value;
            this.columns = columns;
            this.ordinality = ordinality;
        }

        @Override
        public String nodeName() {
            return "Function Scan";
        }

        @Override
        public String nodeTarget() {
            return "on " + name + (alias.equals(name) ? "" : " " + alias);
        }

        @Override
        protected ExecNode start(ExecState st) {
            return new Base(this, st) {
                private Iterator<Object[]> rows;
                private long n;

                @Override
                Object[] produce() {
                    if (rows == null) {
                        rows = rows(st);
                        n = 0;
                    }
                    if (!rows.hasNext()) {
                        return null;
                    }
                    st.tick();
                    Object[] r = rows.next();
                    if (ordinality) {
                        Object[] out = java.util.Arrays.copyOf(r, r.length + 1);
                        out[r.length] = ++n;
                        return out;
                    }
                    return r;
                }

                @Override
                public void rescan() {
                    rows = null;
                }
            };
        }

        private Iterator<Object[]> rows(ExecState st) {
            if (srf == null) {
                Object v = value.eval(null, st);
                Object[] row;
                if (columns > 1 || v instanceof RowValue) {
                    row = v == null ? new Object[columns] : ((RowValue) v).values().clone();
                } else {
                    row = new Object[] {v};
                }
                return List.<Object[]>of(row).iterator();
            }
            Object[] values = new Object[args.length];
            for (int i = 0; i < args.length; i++) {
                values[i] = args[i].eval(null, st);
                if (values[i] == null && srf.strict) {
                    return java.util.Collections.emptyIterator();
                }
            }
            return srf.setImpl.call(st.fn(), values, argTypes);
        }
    }

    /** Values Scan: the rows of a VALUES list. */
    public static final class ValuesScan extends PlanNode {
        final Eval[][] rowsOut;

        public ValuesScan(List<Expr> output, Query level, Eval[][] rows) {
            super(output, level);
            this.rowsOut = rows;
        }

        @Override
        public String nodeName() {
            return "Values Scan";
        }

        @Override
        public String nodeTarget() {
            return "on \"*VALUES*\"";
        }

        @Override
        protected ExecNode start(ExecState st) {
            return new Base(this, st) {
                private int i;

                @Override
                Object[] produce() {
                    if (i >= rowsOut.length) {
                        return null;
                    }
                    Eval[] r = rowsOut[i++];
                    Object[] out = new Object[r.length];
                    for (int c = 0; c < r.length; c++) {
                        out[c] = r[c].eval(null, st);
                    }
                    return out;
                }

                @Override
                public void rescan() {
                    i = 0;
                }
            };
        }
    }

    // ---------------------------------------------------------------- CTEs and subqueries

    /** CTE Scan: a WITH query's result, run once and shared by every reference to it. */
    public static final class CteScan extends PlanNode {
        final int cteId;
        final PlanNode ctePlan;
        final String cteName;
        final String alias;

        public CteScan(List<Expr> output, Query level, int cteId, PlanNode ctePlan, String cteName, String alias) {
            super(output, level);
            this.cteId = cteId;
            this.ctePlan = ctePlan;
            this.cteName = cteName;
            this.alias = alias;
        }

        @Override
        public String nodeName() {
            return "CTE Scan";
        }

        @Override
        public String nodeTarget() {
            return "on " + cteName + (alias.equals(cteName) ? "" : " " + alias);
        }

        @Override
        protected ExecNode start(ExecState st) {
            return new Base(this, st) {
                private int i;

                @Override
                Object[] produce() {
                    SharedRows rows = st.cte(cteId);
                    if (rows == null) {
                        rows = new SharedRows(ctePlan.open(st), st.workMemBytes() * 16);
                        st.putCte(cteId, rows);
                    }
                    return rows.get(i++);
                }

                @Override
                public void rescan() {
                    i = 0;
                }
            };
        }
    }

    /** WorkTable Scan: the rows the previous round of a recursive CTE produced. */
    public static final class WorkTableScan extends PlanNode {
        final int workTableId;
        final String alias;

        public WorkTableScan(List<Expr> output, Query level, int workTableId, String alias) {
            super(output, level);
            this.workTableId = workTableId;
            this.alias = alias;
        }

        @Override
        public String nodeName() {
            return "WorkTable Scan";
        }

        @Override
        public String nodeTarget() {
            return "on " + alias;
        }

        @Override
        protected ExecNode start(ExecState st) {
            return new Base(this, st) {
                private int i;

                @Override
                Object[] produce() {
                    List<Object[]> rows = st.workTable(workTableId);
                    return i < rows.size() ? rows.get(i++) : null;
                }

                @Override
                public void rescan() {
                    i = 0;
                }
            };
        }
    }

    /** Subquery Scan: a subquery in FROM (or a view) whose plan could not be merged into the outer query. */
    public static final class SubqueryScan extends PlanNode {
        final PlanNode child;
        final String alias;

        public SubqueryScan(List<Expr> output, Query level, PlanNode child, String alias) {
            super(output, level);
            this.child = child;
            this.alias = alias;
        }

        @Override
        public List<PlanNode> children() {
            return List.of(child);
        }

        @Override
        public String nodeName() {
            return "Subquery Scan";
        }

        @Override
        public String nodeTarget() {
            return "on " + alias;
        }

        @Override
        protected ExecNode start(ExecState st) {
            ExecNode c = child.open(st);
            return new Base(this, st) {
                @Override
                Object[] produce() {
                    return c.next();
                }

                @Override
                public void rescan() {
                    c.rescan();
                }

                @Override
                public void close() {
                    c.close();
                }
            };
        }
    }

    /**
     * Result: one row computed from nothing (SELECT without FROM), or its input's rows projected;
     * a {@code gate} (One-Time Filter) evaluated once can make it return nothing.
     */
    public static final class Result extends PlanNode {
        final PlanNode child;
        Eval gate;
        Expr gateExpr;

        public Result(List<Expr> output, Query level, PlanNode child) {
            super(output, level);
            this.child = child;
        }

        public void setGate(Expr e, Eval eval) {
            this.gateExpr = e;
            this.gate = eval;
        }

        @Override
        public List<PlanNode> children() {
            return child == null ? List.of() : List.of(child);
        }

        @Override
        public String nodeName() {
            return "Result";
        }

        @Override
        public void explain(ExplainSink out) {
            if (gateExpr != null) {
                out.expr("One-Time Filter", gateExpr);
            }
            super.explain(out);
        }

        @Override
        protected ExecNode start(ExecState st) {
            ExecNode c = child == null ? null : child.open(st);
            return new Base(this, st) {
                private boolean done;
                private Boolean passed;

                @Override
                Object[] produce() {
                    if (passed == null) {
                        passed = gate == null || gate.test(null, st);
                    }
                    if (!passed) {
                        return null;
                    }
                    if (c != null) {
                        return c.next();
                    }
                    if (done) {
                        return null;
                    }
                    done = true;
                    return new Object[0];
                }

                @Override
                public void rescan() {
                    done = false;
                    passed = null;
                    if (c != null) {
                        c.rescan();
                    }
                }

                @Override
                public void close() {
                    if (c != null) {
                        c.close();
                    }
                }
            };
        }
    }
}
