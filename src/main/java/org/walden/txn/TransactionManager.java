package org.walden.txn;

import org.walden.wal.Lsn;

/**
 * Starts transactions and owns what they share: the row-lock table, the xid counter, the
 * commit path into the WAL. On a standby (in recovery) every transaction is read-only.
 */
public interface TransactionManager {

    /** log_lock_waits and deadlock_timeout (a manager without lock waits ignores them). */
    default void setLockWaitLogging(java.util.function.BooleanSupplier logLockWaits,
                                    java.util.function.LongSupplier deadlockTimeoutMs) {
    }


    Transaction begin();

    /** True while the server is in recovery (a standby): writes raise 25006. */
    boolean inRecovery();

    /** Bumped each time committed or replayed changes touch the catalog keyspace. */
    long catalogVersion();

    /** The WAL insert position (pg_current_wal_lsn() on a primary). */
    Lsn currentWalLsn();

    /** The approximate bytes stored under [from, to) (relation sizes); -1 when unknown. */
    default long approximateBytes(byte[] fromInclusive, byte[] toExclusive) {
        return -1;
    }

    /**
     * A number that grows with every write applied to storage (RocksDB's sequence number), so a
     * caller can tell how much was written since it last looked; -1 when unknown.
     */
    default long storageSequence() {
        return -1;
    }

    /** pg_locks' relation rows: the relation locks held and waited for. */
    default java.util.List<RelationLockRow> relationLockRows() {
        return java.util.List.of();
    }

    /** pg_blocking_pids' relation and row part: the backends holding what the backend {@code pid} waits for. */
    default java.util.List<Integer> blockingPids(int pid) {
        return java.util.List.of();
    }

    /** pg_prepared_xacts: the prepared transactions (on a standby, those replayed). */
    default java.util.List<TwoPhase.PreparedXact> preparedTransactions() {
        return java.util.List.of();
    }

    /**
     * COMMIT PREPARED ({@code commit}) or ROLLBACK PREPARED {@code gid}, after PostgreSQL's checks
     * of {@code who} (42704, 55000, 42501); logs the record, waits as {@code level} asks, applies
     * or drops the writes and releases the locks. Returns true when a committed transaction
     * changed the catalog.
     */
    default boolean finishPrepared(String gid, boolean commit, TwoPhase.Finisher who, SynchronousCommit level) {
        throw new org.walden.common.PgException(org.walden.common.SqlState.UNDEFINED_OBJECT,
                "prepared transaction with identifier \"" + gid + "\" does not exist");
    }
}
