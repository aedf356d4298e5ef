package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.func.FnContext;
import org.walden.txn.RelationLockMode;
import org.walden.txn.Transaction;

/**
 * One execution of a statement (PostgreSQL's EState): the transaction, the bound parameters,
 * the values set for correlated subqueries and parameterized scans ({@code execParams}), the
 * states of subplans and the results of init plans, shared CTE results, spill files, and the
 * activity counts reported when the statement ends. Used by the session's thread only.
 */
public final class ExecState {

    /** Rows between checks for a cancel request or statement_timeout. */
    private static final int CANCEL_CHECK_ROWS = 1024;

    private final FnContext fn;
    private final Transaction txn;
    private final ExecServices services;
    final Object[] params;
    final Object[] execParams;
    // created when first needed: most statements use none of them
    private Map<Integer, ExecNode> subplanStates;
    private Map<Integer, Object> initPlanValues;
    private Map<Integer, SharedRows> ctes;
    private Map<Integer, List<Object[]>> workTables;
    /**
     * Activity counts of the statement: two relations' in slots (an index scan counts its table
     * and its index: a point read by primary key allocates no map), more in a map.
     */
    private int countsTable;
    private ExecServices.TableCounts countsOne;
    private int countsTableTwo;
    private ExecServices.TableCounts countsTwo;
    private Map<Integer, ExecServices.TableCounts> counts;
    private List<AutoCloseable> resources;
    private final boolean instrument;
    private TempFiles tempFiles;
    private Map<PlanNode, PlanNode.Instrumented> instrumentation;
    private int cancelCountdown = CANCEL_CHECK_ROWS;
    /**
     * A SQL cursor's plan notes the key of the table row its scan returned last, for UPDATE /
     * DELETE ... WHERE CURRENT OF (PostgreSQL's execCurrentOf reads the scan's current tuple).
     */
    private boolean tracksCurrentRow;
    private int currentRowRelation;
    private byte[] currentRowKey;

    public ExecState(FnContext fn, Transaction txn, ExecServices services, Object[] params, int execParamCount,
                     boolean instrument) {
        this.fn = fn;
        this.txn = txn;
        this.services = services;
        this.params = params;
        this.execParams = new Object[execParamCount];
        this.instrument = instrument;
    }

    /** Starts noting the row each table scan of this plan returns (a SQL cursor's plan). */
    public void trackCurrentRow() {
        tracksCurrentRow = true;
    }

    /** A table scan returns the row stored under {@code key}; kept when {@link #trackCurrentRow} asked. */
    void noteScannedRow(int relationOid, byte[] key) {
        if (tracksCurrentRow) {
            currentRowRelation = relationOid;
            currentRowKey = key;
        }
    }

    /** The key of the row a scan of {@code relationOid} returned last, or null. */
    public byte[] currentRowKey(int relationOid) {
        return currentRowRelation == relationOid ? currentRowKey : null;
    }

    public FnContext fn() {
        return fn;
    }

    public Transaction txn() {
        return txn;
    }

    public ExecServices services() {
        return services;
    }

    public boolean instrumented() {
        return instrument;
    }

    Map<PlanNode, PlanNode.Instrumented> instrumentation() {
        if (instrumentation == null) {
            instrumentation = PlanNode.newStats();
        }
        return instrumentation;
    }

    /** Checks for a cancel request every so many rows (cheap to call per row). */
    public void tick() {
        if (--cancelCountdown <= 0) {
            cancelCountdown = CANCEL_CHECK_ROWS;
            fn.checkCancel();
        }
    }

    public void checkCancel() {
        fn.checkCancel();
    }

    ExecNode subplanState(int id, java.util.function.Supplier<ExecNode> start) {
        if (subplanStates == null) {
            subplanStates = new HashMap<>();
        }
        ExecNode n = subplanStates.get(id);
        if (n == null) {
            n = start.get();
            subplanStates.put(id, n);
        }
        return n;
    }

    boolean hasInitValue(int id) {
        return initPlanValues != null && initPlanValues.containsKey(id);
    }

    Object initValue(int id) {
        return initPlanValues == null ? null : initPlanValues.get(id);
    }

    void setInitValue(int id, Object value) {
        if (initPlanValues == null) {
            initPlanValues = new HashMap<>();
        }
        initPlanValues.put(id, value);
    }

    SharedRows cte(int id) {
        return ctes == null ? null : ctes.get(id);
    }

    void putCte(int id, SharedRows rows) {
        if (ctes == null) {
            ctes = new HashMap<>();
        }
        ctes.put(id, rows);
    }

    List<Object[]> workTable(int id) {
        if (workTables == null) {
            workTables = new HashMap<>();
        }
        return workTables.computeIfAbsent(id, k -> new ArrayList<>());
    }

    void setWorkTable(int id, List<Object[]> rows) {
        if (workTables == null) {
            workTables = new HashMap<>();
        }
        workTables.put(id, rows);
    }

    ExecServices.TableCounts counts(int tableOid) {
        if (countsOne == null) {
            countsOne = new ExecServices.TableCounts();
            countsTable = tableOid;
            return countsOne;
        }
        if (countsTable == tableOid) {
            return countsOne;
        }
        if (countsTwo == null) {
            countsTwo = new ExecServices.TableCounts();
            countsTableTwo = tableOid;
            return countsTwo;
        }
        if (countsTableTwo == tableOid) {
            return countsTwo;
        }
        if (counts == null) {
            counts = new HashMap<>();
        }
        return counts.computeIfAbsent(tableOid, k -> new ExecServices.TableCounts());
    }

    TempFiles tempFiles() {
        if (tempFiles == null) {
            tempFiles = new TempFiles(services.tempDirectory());
            register(tempFiles);
        }
        return tempFiles;
    }

    long workMemBytes() {
        return services.workMemBytes();
    }

    long hashMemBytes() {
        return (long) (services.workMemBytes() * services.hashMemMultiplier());
    }

    void register(AutoCloseable resource) {
        if (resources == null) {
            resources = new ArrayList<>();
        }
        resources.add(resource);
    }

    /** Ends the execution: reports the activity counts and removes spill files. */
    public void finish() {
        if (countsOne != null && services != null) {
            services.countActivity(countsTable, countsOne);
            countsOne = null;
        }
        if (countsTwo != null && services != null) {
            services.countActivity(countsTableTwo, countsTwo);
            countsTwo = null;
        }
        if (counts != null && services != null) {
            for (Map.Entry<Integer, ExecServices.TableCounts> e : counts.entrySet()) {
                services.countActivity(e.getKey(), e.getValue());
            }
            counts = null;
        }
        if (resources != null) {
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    // spill files that cannot be removed are left for the next start's cleanup
                }
            }
            resources = null;
        }
    }

    /**
     * Takes a row lock in slices so that a cancel request and lock_timeout are noticed; returns the
     * row's latest version (null when absent).
     */
    public byte[] lockRow(byte[] key) {
        long timeout = services.lockTimeoutMs();
        long deadline = timeout > 0 ? services.clock().millis() + timeout : Long.MAX_VALUE;
        while (true) {
            fn.checkCancel();
            long remaining = deadline - services.clock().millis();
            try {
                return txn.lockForUpdate(key, Math.max(1, Math.min(LOCK_WAIT_SLICE_MS, remaining)));
            } catch (PgException e) {
                if (e.sqlState() != SqlState.LOCK_NOT_AVAILABLE) {
                    throw e;
                }
                if (services.clock().millis() >= deadline) {
                    throw new PgException(SqlState.LOCK_NOT_AVAILABLE, "canceling statement due to lock timeout");
                }
            }
        }
    }

    /**
     * REPEATABLE READ: the row the statement read from the transaction's snapshot ({@code read})
     * is no longer its latest committed version ({@code latest}, null when deleted): another
     * transaction committed a change after the snapshot, and this one may not act on a row it
     * cannot see, so 40001 as PostgreSQL's heap_update/heap_lock_tuple callers raise it
     * ({@code lockOnly}: SELECT FOR UPDATE words a delete as an update too). READ COMMITTED
     * goes on with the latest version instead (EvalPlanQual).
     */
    public void checkSnapshotRow(byte[] latest, byte[] read, boolean lockOnly) {
        if (txn.usesTransactionSnapshot() && !java.util.Arrays.equals(latest, read)) {
            throw new PgException(SqlState.SERIALIZATION_FAILURE, "could not serialize access due to concurrent "
                    + (latest == null && !lockOnly ? "delete" : "update"));
        }
    }

    /**
     * A relation's definition changed (DDL committed) after the statement was planned and before
     * it held the relation's lock. The session plans the statement again, as PostgreSQL plans only
     * after taking its locks; reaching a client, it is a serialization failure.
     */
    public static final class RelationChanged extends PgException {
        RelationChanged(String name) {
            super(SqlState.SERIALIZATION_FAILURE, "table \"" + name + "\" was changed concurrently; retry");
        }
    }

    /**
     * ACCESS SHARE on each relation a statement reads ({@link org.walden.sql.analyze.Query#relationsReadLocked}:
     * tables, views and the tables under them, subqueries'), held to the end of the transaction as
     * PostgreSQL holds it: DROP, TRUNCATE and most ALTER TABLE wait for the reader, and LOCK TABLE
     * ... ACCESS EXCLUSIVE blocks it. A relation locked earlier in the transaction costs one map
     * lookup (the transaction's own held modes), so a transaction pays the lock table once per
     * relation. DDL committed on a relation since this statement's plan raises
     * {@link RelationChanged}: the session plans again.
     */
    public void lockRelationsRead(org.walden.sql.analyze.Query q) {
        for (org.walden.sql.catalog.Relation r : q.relationsReadLocked) {
            if (!txn.holdsRelation(r.oid(), RelationLockMode.ACCESS_SHARE)) {
                lockPlannedRelation(r.oid(), r.name(), RelationLockMode.ACCESS_SHARE);
            }
        }
    }

    /** A lock wait lasts at most this long between checks for a cancel request. */
    static final long LOCK_WAIT_SLICE_MS = 200;

    /**
     * Takes the lock of a relation the running plan was made for (ROW EXCLUSIVE for DML, ROW SHARE
     * for FOR UPDATE, ACCESS SHARE for reads): DDL committed on it since the plan was made raises
     * {@link RelationChanged}, and the session plans the statement again.
     */
    public void lockPlannedRelation(int oid, String name, RelationLockMode mode) {
        if (lockRelation(oid, name, mode, false)) {
            throw new RelationChanged(name);
        }
    }

    /**
     * Takes a relation lock in slices, so that a cancel request and lock_timeout are noticed; with
     * {@code noWait}, a conflicting lock raises 55P03 at once. Returns whether DDL on the relation
     * committed after this statement's snapshot (so while this one waited): a command reads the
     * relation's definition again once it holds the lock, as PostgreSQL looks a name up again
     * after locking.
     */
    public boolean lockRelation(int oid, String name, RelationLockMode mode, boolean noWait) {
        if (noWait) {
            try {
                return txn.lockRelation(oid, mode, 0);
            } catch (PgException e) {
                if (e.sqlState() != SqlState.LOCK_NOT_AVAILABLE) {
                    throw e;
                }
                throw new PgException(SqlState.LOCK_NOT_AVAILABLE, "could not obtain lock on relation \"" + name + "\"");
            }
        }
        long timeout = services.lockTimeoutMs();
        long deadline = timeout > 0 ? services.clock().millis() + timeout : Long.MAX_VALUE;
        while (true) {
            fn.checkCancel();
            long remaining = deadline - services.clock().millis();
            try {
                return txn.lockRelation(oid, mode, Math.max(1, Math.min(LOCK_WAIT_SLICE_MS, remaining)));
            } catch (PgException e) {
                if (e.sqlState() != SqlState.LOCK_NOT_AVAILABLE) {
                    throw e;
                }
                if (services.clock().millis() >= deadline) {
                    throw new PgException(SqlState.LOCK_NOT_AVAILABLE, "canceling statement due to lock timeout");
                }
            }
        }
    }
}
