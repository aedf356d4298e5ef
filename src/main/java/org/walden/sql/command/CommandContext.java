package org.walden.sql.command;

import java.util.List;
import org.walden.common.PgException;
import org.walden.sql.analyze.AnalyzerEnv;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.exec.ExecState;
import org.walden.sql.func.FnContext;
import org.walden.sql.plan.Planner;
import org.walden.txn.Transaction;

/**
 * What a utility command needs from the session running it: the transaction and catalog
 * writer, the catalog as this transaction sees it (reloaded after each change), the session's
 * role and settings, and a way to plan and run queries (CREATE TABLE AS, index builds, ANALYZE).
 */
public interface CommandContext {

    Transaction txn();

    CatalogWriter writer();

    /** The database's catalog with this transaction's own changes. */
    DbCatalog catalog();

    CatalogLookup lookup();

    FnContext fn();

    AnalyzerEnv analyzerEnv();

    /** Call after writing catalog records: {@link #catalog()} then reads them. */
    void catalogChanged();

    void notice(PgException notice);

    RoleDef currentRole();

    /** Takes a relation lock until the transaction ends (exclusive: ACCESS EXCLUSIVE). */
    void lockRelation(int oid, String name, boolean exclusive);

    /** Takes a relation lock in {@code mode} until the transaction ends (CREATE INDEX: SHARE). */
    void lockRelation(int oid, String name, org.walden.txn.RelationLockMode mode);

    /** Plans an analyzed query for this session. */
    Planner.PlannedStmt plan(Query q);

    /** A fresh execution state for running a plan in this transaction. */
    ExecState execState(Planner.PlannedStmt plan, Object[] params);

    /**
     * The approximate bytes committed data takes in storage under [from, to) (RocksDB's
     * approximate sizes: ANALYZE weighs parts of a table by them); -1 when storage cannot tell.
     */
    default long approximateBytes(byte[] fromInclusive, byte[] toExclusive) {
        return -1;
    }

    /** Raises 57014 when the client cancelled or statement_timeout passed. */
    void checkCancel();

    /** The N of this session's temporary schema pg_temp_N, taken at the first call. */
    int tempSlot();

    /** Registers a temporary table's ON COMMIT DELETE ROWS or DROP for this session's commits. */
    void onCommit(int tableOid, String action);

    /** True while a live session holds pg_temp_N. */
    boolean tempSlotHeld(int n);

    /** True once per session: the first time its temporary schema is used, what a crashed session left there goes. */
    boolean claimTempSchema();

    /** The names of the sessions connected to each database (for CREATE / DROP DATABASE's checks). */
    List<String> connectedDatabases();
}
