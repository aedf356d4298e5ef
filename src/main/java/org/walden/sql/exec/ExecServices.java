package org.walden.sql.exec;

import java.nio.file.Path;
import org.walden.sql.catalog.Relation;
import org.walden.txn.Transaction;

/**
 * What the executor needs from the engine beyond the session's functions: hidden row ids for
 * tables without a primary key, the activity counters behind pg_stat_user_tables, the directory
 * for spill files, and the limits (work_mem, lock_timeout).
 */
public interface ExecServices {

    /** The next unused row id of {@code table} (its counter is engine-wide). */
    long nextRowId(Relation table, Transaction txn);

    /** Adds a statement's counts to the table's activity counters. */
    void countActivity(int tableOid, TableCounts counts);

    /** Where sorts and hash tables spill (PostgreSQL's base/pgsql_tmp). */
    Path tempDirectory();

    /** work_mem in bytes. */
    long workMemBytes();

    /** hash_mem_multiplier. */
    double hashMemMultiplier();

    /** lock_timeout in milliseconds, 0 for none. */
    long lockTimeoutMs();

    /** The clock lock waits and EXPLAIN ANALYZE read. */
    java.time.Clock clock();

    /** A statement's counts for one table (or index): scans, rows read and fetched, rows changed. */
    final class TableCounts {
        public long seqScans;
        public long seqTuplesRead;
        public long indexScans;
        public long indexTuplesFetched;
        public long inserted;
        public long updated;
        public long deleted;
        public long hotUpdated;
    }
}
