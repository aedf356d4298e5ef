package org.walden.sql.func;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.SessionSettings;
import org.walden.sql.ServerStatus;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.types.ValueContext;

/** What a function may ask of the session that runs it. */
public interface FnContext {

    /** The time zone and the reg* look-ups, for text input and output. */
    ValueContext values();

    default ZoneId zone() {
        return values().zone();
    }

    /** now() / CURRENT_TIMESTAMP: the transaction's start time. */
    Instant transactionStart();

    Instant statementStart();

    String currentUser();

    String sessionUser();

    String databaseName();

    int backendPid();

    /** Never null: the engine substitutes a stand-alone status when the server gave none. */
    ServerStatus serverStatus();

    SessionSettings settings();

    /** The catalog the statement runs against (the session's database). */
    DbCatalog catalog();

    /** Name look-ups through the session's search_path. */
    CatalogLookup lookup();

    /**
     * Prints stored SQL as pg_get_expr and pg_get_viewdef do: an expression over the columns of
     * relation {@code relationOid} (a default, check constraint, index expression or predicate),
     * or, with {@code query}, a view's query.
     */
    String deparse(String sql, int relationOid, boolean pretty, boolean query);

    /** The relations (tables and views, by OID) a view's query reads; empty when it no longer analyzes. */
    default java.util.Set<Integer> relationsReadByView(org.walden.sql.catalog.Relation view) {
        return java.util.Set.of();
    }

    /** The schemas of search_path that exist, in order, pg_catalog first when implicit (current_schemas(true)). */
    List<String> searchPath(boolean includeImplicit);

    /**
     * WHERE CURRENT OF {@code cursor}: the key of the row of table {@code tableOid} the session's
     * SQL cursor is positioned on (34000, 24000, 55000 as PostgreSQL's execCurrentOf).
     */
    default byte[] currentOfKey(String cursor, int tableOid, String tableName) {
        throw new PgException(SqlState.INVALID_CURSOR_NAME, "cursor \"" + cursor + "\" does not exist");
    }

    /** Sends a NOTICE or WARNING to the client. */
    void notice(PgException notice);

    /** txid_current(): the transaction's id, assigned now if it has none. */
    default int assignTransactionXid() {
        return 0;
    }

    /** Raises 57014 if the client asked to cancel the running statement (or statement_timeout passed). */
    void checkCancel();

    /** The connection's {@code client} or server end over TCP, else null (inet_client_addr and friends). */
    default java.net.InetSocketAddress connectionEnd(boolean client) {
        return null;
    }

    /** pg_notify: NOTIFY {@code channel}, {@code payload} at this transaction's commit. */
    default void notify(String channel, String payload) {
        throw new PgException(org.walden.common.SqlState.FEATURE_NOT_SUPPORTED, "notifications are not available here");
    }

    /** pg_listening_channels: the channels this session listens on. */
    default java.util.Set<String> listeningChannels() {
        return java.util.Set.of();
    }

    /** The server's advisory locks (pg_advisory_lock and friends); owners are backend pids. */
    /** pg_locks' relation rows (none outside a server). */
    default java.util.List<org.walden.txn.RelationLockRow> relationLocks() {
        return java.util.List.of();
    }

    /**
     * pg_blocking_pids: the backends holding a lock the backend {@code pid} waits for (a relation,
     * a row, an advisory lock), 0 for a prepared transaction; none outside a server.
     */
    default java.util.List<Integer> blockingPids(int pid) {
        return java.util.List.of();
    }

    default org.walden.txn.AdvisoryLockTable advisoryLocks() {
        throw new PgException(org.walden.common.SqlState.FEATURE_NOT_SUPPORTED, "advisory locks are not available here");
    }

    /** pg_cursors: the session's SQL cursors (name, statement, is_holdable, is_binary, is_scrollable, creation_time). */
    default java.util.List<Object[]> sqlCursorRows() {
        return java.util.List.of();
    }

    /** pg_prepared_xacts: the server's prepared transactions. */
    default java.util.List<org.walden.txn.TwoPhase.PreparedXact> preparedTransactions() {
        return java.util.List.of();
    }

    /** lock_timeout in milliseconds, 0 for none. */
    default long lockTimeoutMs() {
        return 0;
    }

    /** nextval / currval / setval / lastval. */
    Sequences sequences();

    /** Sizes of relations' stored data, in bytes (pg_relation_size and friends). */
    long relationSizeBytes(int relfilenode);

    /** The activity counters of a table (pg_stat_user_tables), or null. */
    default TableActivity tableActivity(int tableOid) {
        return null;
    }

    /** pg_stat_reset (null: every table of the database) / pg_stat_reset_single_table_counters. */
    default void resetTableActivity(Integer tableOid) {
    }

    /** Calls of user-defined LANGUAGE sql functions (their bodies run as queries of this session). */
    default SqlFunctions sqlFunctions() {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "SQL functions cannot run here");
    }

    /** Runs a LANGUAGE sql function's body with its arguments as parameters $1, $2, ... */
    interface SqlFunctions {
        /** A scalar function: the first column of the body's first row, null when none. */
        Object call(int functionOid, Object[] args);

        /** A set-returning function: every row of the body. */
        Iterator<Object[]> rows(int functionOid, Object[] args);
    }

    /** The sequence functions, which work outside the transaction as PostgreSQL's do. */
    interface Sequences {
        long nextval(int sequenceOid);

        long currval(int sequenceOid);

        long lastval();

        long setval(int sequenceOid, long value, boolean isCalled);

        /** The sequence's last value (pg_sequences.last_value), null before its first nextval. */
        Long lastValue(int sequenceOid);

        /** SELECT * FROM a sequence: last_value, log_cnt, is_called. */
        Object[] row(int sequenceOid);
    }

    /** pg_stat_database's counters of a database (null where none are kept). */
    default DatabaseActivity databaseActivity(int databaseOid) {
        return null;
    }

    /** pg_stat_database's counters: times in milliseconds. */
    record DatabaseActivity(long commits, long rollbacks, long tupReturned, long tupFetched, long tupInserted,
                            long tupUpdated, long tupDeleted, long deadlocks, double sessionTime, double activeTime,
                            double idleInTransactionTime, long sessions, long sessionsAbandoned,
                            long sessionsFatal, long sessionsKilled, Instant statsReset) {
    }

    /** pg_stat_user_tables' counters of one table. */
    record TableActivity(long seqScan, long seqTupRead, long idxScan, long idxTupFetch, long inserted, long updated,
                         long deleted, long hotUpdated, long live, long dead, long modifiedSinceAnalyze,
                         long insertedSinceVacuum, Instant lastVacuum, Instant lastAutovacuum, Instant lastAnalyze,
                         Instant lastAutoanalyze, long vacuumCount, long autovacuumCount, long analyzeCount,
                         long autoanalyzeCount) {
    }
}
