package org.walden.txn;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * Counts the transactions that write (those with an xid) and, during a switchover, keeps new
 * ones out: {@code walden switchover} pauses writes, waits until the running writers are done,
 * and only then takes the primary's last WAL position, so that the candidate it promotes has
 * every commit the primary acknowledged.
 *
 * <p>A transaction enters when it is given its xid and leaves when it ends. While writes are
 * paused, a transaction without an xid that tries to write gets 25006, as in a read-only
 * transaction; transactions that already write go on and may commit. One lock guards the
 * flag and the count, so a pause never misses a writer that entered as it began.
 *
 * <p>Automatic failover fences the server here too ({@link #fence}): a primary that cannot be
 * sure it still holds the cluster's leader lease refuses new writers (25006) and lets no commit
 * be acknowledged — committing transactions wait in {@link #awaitLease}, before their writes
 * become visible, until the lease is confirmed ({@link #unfence}) or the server demotes itself
 * ({@link #demote}: they end with FATAL 57P01, and the server shuts down).
 */
public final class WriteGate {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final Condition leaseChanged = lock.newCondition();
    private boolean paused;
    private int writers;
    /** Why this server may not acknowledge writes now (automatic failover's fence), or null. */
    private volatile String fencedReason;
    private volatile boolean demoted;
    /** With automatic failover: System.nanoTime() until which the leader lease is known to be held. */
    private volatile long leaseValidUntilNanos;
    private volatile boolean leaseEnforced;

    /** A transaction is given its xid: 25006 while writes are paused. */
    void enter() {
        lock.lock();
        try {
            refuseIfPaused();
            writers++;
        } finally {
            lock.unlock();
        }
    }

    /** A transaction that entered has ended (committed, acknowledged, or rolled back). */
    void leave() {
        lock.lock();
        try {
            if (--writers == 0) {
                drained.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The early check of a transaction about to write for the first time. */
    void refuseIfPaused() {
        String fenced = whyNotAcknowledgeable();
        if (fenced != null) {
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION,
                    "cannot execute write operation in a read-only transaction").withDetail(fenced);
        }
        if (paused) {
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION,
                    "cannot execute write operation in a read-only transaction")
                    .withDetail("Writes are paused for a switchover.");
        }
    }

    /** Keeps new writers out from now on; false when writes were paused already. */
    public boolean pause() {
        lock.lock();
        try {
            if (paused) {
                return false;
            }
            paused = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Lets writers in again. */
    public void resume() {
        lock.lock();
        try {
            paused = false;
        } finally {
            lock.unlock();
        }
    }

    public boolean paused() {
        return paused;
    }

    /** Waits until no transaction writes; false when some still do after {@code timeoutMs}. */
    public boolean awaitNoWriters(long timeoutMs) throws InterruptedException {
        long left = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        lock.lock();
        try {
            while (writers > 0) {
                if (left <= 0) {
                    return false;
                }
                left = drained.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Automatic failover: no new writer, and no commit acknowledged, until {@link #unfence}. */
    public void fence(String reason) {
        lock.lock();
        try {
            fencedReason = reason;
        } finally {
            lock.unlock();
        }
    }

    /** The leader lease is held (again): commits waiting in {@link #awaitLease} are acknowledged. */
    public void unfence() {
        lock.lock();
        try {
            if (!demoted) {
                fencedReason = null;
                leaseChanged.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The lease is lost for good: commits waiting for it end with FATAL 57P01; the fence stays. */
    public void demote(String reason) {
        lock.lock();
        try {
            demoted = true;
            fencedReason = reason;
            leaseChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The leader lease is known to be held until {@code validUntilNanos} (System.nanoTime()):
     * from the first call on, no commit is acknowledged and no writer admitted after that instant
     * unless the lease is renewed.
     */
    public void renewLease(long validUntilNanos) {
        lock.lock();
        try {
            leaseValidUntilNanos = validUntilNanos;
            leaseEnforced = true;
            leaseChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Why this server may not acknowledge writes now (fenced, or its lease ran out), or null. */
    public String whyNotAcknowledgeable() {
        String fenced = fencedReason;
        if (fenced != null) {
            return fenced;
        }
        if (leaseEnforced && System.nanoTime() - leaseValidUntilNanos >= 0) {
            return "This server's leader lease was not renewed in time: it may no longer be the primary.";
        }
        return null;
    }

    /**
     * A commit, durable locally (and on the synchronous standbys), about to become visible and
     * be acknowledged: waits while the server is fenced. Interrupts are noted and the wait goes
     * on (as a synchronous-replication wait does): a commit that might be lost is never
     * acknowledged.
     */
    void awaitLease() {
        if (whyNotAcknowledgeable() == null) {
            return;
        }
        boolean interrupted = false;
        lock.lock();
        try {
            while (whyNotAcknowledgeable() != null) {
                if (demoted) {
                    throw new PgException(PgException.Severity.FATAL, SqlState.ADMIN_SHUTDOWN,
                            "terminating connection because this server lost the leader lease",
                            "The transaction has already committed locally, but might not have been replicated to "
                                    + "the new primary.", null, null);
                }
                try {
                    leaseChanged.await(20, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
