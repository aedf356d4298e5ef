package org.walden.txn;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * Exclusive row locks keyed by row key, held until commit or rollback (PostgreSQL's tuple
 * locks plus the wait on the holder's transaction).
 *
 * <p>{@code lock} guards {@code locks} and {@code waitsFor}; each held row has a Condition on
 * which its waiters sleep (with the caller's timeout). A waiter records whom it waits for;
 * whenever a wait edge is added the chain is walked, and a cycle back to the waiter raises
 * 40P01 in that waiter (PostgreSQL's DeadLockCheck, run at once instead of after
 * deadlock_timeout). Owners are transactions' local ids.
 */
final class RowLockTable {

    private static final class Entry {
        long owner;
        final Condition released;

        Entry(long owner, Condition released) {
            this.owner = owner;
            this.released = released;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<ByteKey, Entry> locks = new HashMap<>();
    private final Map<Long, Long> waitsFor = new HashMap<>();

    /** Takes the row lock for {@code txn}, waiting up to {@code timeoutMs}. */
    void acquire(long txn, ByteKey key, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
        lock.lock();
        try {
            while (true) {
                Entry e = locks.get(key);
                if (e == null) {
                    locks.put(key, new Entry(txn, lock.newCondition()));
                    return;
                }
                if (e.owner == txn) {
                    return;
                }
                waitsFor.put(txn, e.owner);
                try {
                    if (closesCycle(txn)) {
                        throw new PgException(SqlState.DEADLOCK_DETECTED, "deadlock detected")
                                .withDetail(String.format("Process %d waits for ExclusiveLock on tuple; blocked by process %d.",
                                        txn, e.owner))
                                .withHint("See server log for query details.");
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new PgException(SqlState.LOCK_NOT_AVAILABLE, "could not obtain lock on row")
                                .withDetail("Row key " + key + " is locked by another transaction.");
                    }
                    e.released.awaitNanos(left);
                } finally {
                    waitsFor.remove(txn);
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        } finally {
            lock.unlock();
        }
    }

    private boolean closesCycle(long start) {
        Long next = waitsFor.get(start);
        int steps = 0;
        while (next != null && steps++ <= waitsFor.size()) {
            if (next == start) {
                return true;
            }
            next = waitsFor.get(next);
        }
        return false;
    }

    boolean isHeldBy(long txn, ByteKey key) {
        lock.lock();
        try {
            Entry e = locks.get(key);
            return e != null && e.owner == txn;
        } finally {
            lock.unlock();
        }
    }

    /** Releases the given rows' locks held by {@code txn} and wakes their waiters. */
    void releaseAll(long txn, Collection<ByteKey> keys) {
        lock.lock();
        try {
            for (ByteKey k : keys) {
                Entry e = locks.get(k);
                if (e != null && e.owner == txn) {
                    locks.remove(k);
                    e.released.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    int heldCount() {
        lock.lock();
        try {
            return locks.size();
        } finally {
            lock.unlock();
        }
    }
}
