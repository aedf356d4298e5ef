package org.walden.txn;

import org.walden.wal.Lsn;

/**
 * One READ COMMITTED transaction over the ordered key-value space of {@code storage}.
 *
 * <p>Keys and values are byte arrays ordered bytewise unsigned. The first byte of a key
 * names its keyspace: {@link #CATALOG_KEYSPACE} for catalog rows (tables, columns, roles),
 * {@link #DATA_KEYSPACE} for table rows; a commit that changes catalog keys bumps
 * {@link TransactionManager#catalogVersion()} (on a standby, redo does).
 *
 * <p>Reads see the latest statement snapshot (taken by {@link #newStatementSnapshot()})
 * with this transaction's own writes laid over it. Writes are buffered privately and
 * become visible to others only at commit, after the commit record is durable as
 * synchronous_commit asks. A row is written only under its row lock
 * ({@link #lockForUpdate}, or taken by the write itself); row locks are held until commit or rollback.
 *
 * <p>A Transaction is used by one thread (its backend).
 */
public interface Transaction {

    byte CATALOG_KEYSPACE = 0x01;
    byte DATA_KEYSPACE = 0x02;

    /** The transaction id, assigned at the first write (0 before: PostgreSQL's virtual xid). */
    int xid();

    /**
     * txid_current(): this transaction's id, assigned now if it has none; its commit is then
     * logged even without writes (recovery_target_xid can stop at it). The caller checks that
     * the server is not in recovery.
     */
    int assignXid();

    /** READ COMMITTED: each statement starts by taking a fresh snapshot. */
    void newStatementSnapshot();

    /** The value under {@code key} in the snapshot plus own writes, or null. */
    byte[] get(byte[] key);

    /** Keys in [from, to) in key order, snapshot plus own writes. The cursor must be closed. */
    KvCursor scan(byte[] fromInclusive, byte[] toExclusive);

    /**
     * As {@link #scan}, for a scan that reads a whole range once (ANALYZE): storage reads ahead
     * and keeps the blocks read out of its cache.
     */
    default KvCursor scanOnePass(byte[] fromInclusive, byte[] toExclusive) {
        return scan(fromInclusive, toExclusive);
    }

    /**
     * Takes the row lock on {@code key}, waiting while another transaction holds it (up to
     * {@code timeoutMs}, then 55P03; a wait cycle raises 40P01), and returns the row's latest
     * committed value with own writes laid over it (null when absent or deleted): the value a
     * READ COMMITTED UPDATE re-checks its WHERE clause against, as PostgreSQL's EvalPlanQual
     * does. Also used before INSERT, so that two inserts of one primary key serialise.
     */
    byte[] lockForUpdate(byte[] key, long timeoutMs);

    /**
     * Writes a row under its row lock, taking it first if this transaction does not hold it yet
     * (callers lock first wherever the row's current value matters: UPDATE, DELETE, the INSERT of a
     * primary key; a generated row id is new by construction). Raises 25006 in a read-only transaction.
     */
    void put(byte[] key, byte[] value);

    /**
     * {@link #put} of a key no committed row can have (a generated row id): its before-image is
     * known to be none, so the commit does not look it up in storage. Unlike {@link #put}, the
     * transaction keeps {@code key} and {@code value} themselves, not copies: the caller hands
     * them over and must not change them afterwards (a COPY's millions of rows are not copied again).
     */
    default void putNew(byte[] key, byte[] value) {
        put(key, value);
    }

    /**
     * {@link #put} of arrays the caller hands over and never touches again (a table rewrite's
     * fresh key and the value its cursor copied out): they are kept as they are, not copied.
     */
    default void putHandedOver(byte[] key, byte[] value) {
        put(key, value);
    }

    /** Deletes a row; the caller holds its row lock. */
    void delete(byte[] key);

    /**
     * Declares [from, to) a fresh key range of this transaction (PostgreSQL's new relfilenode:
     * a table created, truncated or rewritten here). It is emptied now; no other transaction
     * may read or write it until this one commits (the caller guarantees that, e.g. because only
     * an uncommitted catalog row names it). Its rows take no row locks and skip the private
     * write set: they are logged in batches (ROWS records) and reach storage before the commit;
     * a rollback, or a crash before the commit, empties the range again.
     */
    void createRange(byte[] fromInclusive, byte[] toExclusive);

    /** Empties [from, to) atomically with this transaction's commit (DROP TABLE, TRUNCATE). */
    void deleteRange(byte[] fromInclusive, byte[] toExclusive);

    /**
     * Takes a relation lock until commit or rollback, in one of PostgreSQL's modes: ROW
     * EXCLUSIVE for INSERT/UPDATE/DELETE/COPY, ROW SHARE for SELECT FOR UPDATE, ACCESS EXCLUSIVE
     * for DROP TABLE, TRUNCATE, ALTER TABLE (which replace or drop the table's key range), any
     * for LOCK TABLE. Waits up to {@code timeoutMs} (then 55P03; a wait cycle raises 40P01).
     * Returns true when this call took the transaction's first lock on the relation and an
     * ACCESS EXCLUSIVE holder had released it after committing since the current statement's
     * snapshot: the caller's table definition may then name a dropped key range.
     */
    boolean lockRelation(int relationOid, RelationLockMode mode, long timeoutMs);

    /** True when this transaction already holds {@code mode} (or ACCESS EXCLUSIVE) on the relation: no lock call needed. */
    default boolean holdsRelation(int relationOid, RelationLockMode mode) {
        return false;
    }

    /** The backend (pid) and database its relation locks show under in pg_locks. */
    default void setLockOwner(int pid, int databaseOid) {
    }

    /**
     * REPEATABLE READ (and SERIALIZABLE's snapshot): from now on the snapshot the next statement
     * takes serves the whole transaction; {@link #newStatementSnapshot()} keeps it. Called before
     * the first statement.
     */
    void useTransactionSnapshot();

    /** True when one snapshot serves the whole transaction ({@link #useTransactionSnapshot()}). */
    boolean usesTransactionSnapshot();

    /**
     * SAVEPOINT: starts a subtransaction nested in the current one and returns its depth (1 for
     * the outermost). From here on writes remember what they replaced, so that
     * {@link #rollbackToSubtransaction} can restore it.
     */
    int beginSubtransaction();

    /**
     * ROLLBACK TO SAVEPOINT: undoes the writes made since subtransaction {@code depth} began and
     * releases the row locks taken since; the subtransaction at {@code depth} stays open, the
     * deeper ones end. Rows of fresh key ranges already in storage are written back (logged as
     * ROWS records, so that a standby ends with what the primary has).
     */
    void rollbackToSubtransaction(int depth);

    /** RELEASE SAVEPOINT: ends the subtransactions at {@code depth} and deeper, keeping their work. */
    void releaseSubtransaction(int depth);

    /** True once this transaction has written something. */
    boolean hasWrites();

    /**
     * Logs the buffered writes and a commit record, waits as {@code level} asks, applies the
     * writes to storage and releases the row locks. Returns the end LSN of the commit record
     * (INVALID for a transaction that wrote nothing).
     */
    Lsn commit(SynchronousCommit level);

    /**
     * PREPARE TRANSACTION {@code id.gid()}: logs the writes and a PREPARE record and flushes them,
     * waits for standbys as {@code level} asks (as a commit does), and hands the writes and locks
     * to a prepared transaction that outlives this one (and a crash) until COMMIT PREPARED or
     * ROLLBACK PREPARED ({@link TransactionManager#finishPrepared}). This transaction ends. 42710
     * when the gid is in use, 53200 when {@code maxPrepared} are prepared; the transaction is then
     * rolled back. Returns the end LSN of the PREPARE record.
     */
    default Lsn prepare(TwoPhase.Identity id, int maxPrepared, SynchronousCommit level) {
        rollback();
        throw new org.walden.common.PgException(org.walden.common.SqlState.FEATURE_NOT_SUPPORTED,
                "prepared transactions are not supported");
    }

    /** Drops the buffered writes and releases the row locks. Safe to call twice. */
    void rollback();
}
