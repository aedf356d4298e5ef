package org.walden.txn;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * Exclusive row locks keyed by row key, held until commit or rollback (PostgreSQL's tuple
 * locks plus the wait on the holder's transaction), and relation locks in two modes: shared
 * (PostgreSQL's ROW EXCLUSIVE, taken by INSERT/UPDATE/DELETE/COPY) and exclusive (ACCESS
 * EXCLUSIVE, taken by DROP TABLE, TRUNCATE and ALTER TABLE, which rewrite or drop the rows).
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

    /** A relation's holders: any number of shared ones, or one exclusive one (possibly also sharing). */
    private static final class RelationEntry {
        final java.util.Set<Long> sharers = new java.util.HashSet<>(4);
        long exclusiveOwner;
        /** The catalog version after the last exclusive holder committed (0: never). */
        long changedAtCatalogVersion;
        final Condition released;

        RelationEntry(Condition released) {
            this.released = released;
        }

        /** A holder other than {@code txn} that {@code exclusive} mode conflicts with, or 0. */
        long conflicting(long txn, boolean exclusive) {
            if (exclusiveOwner != 0 && exclusiveOwner != txn) {
                return exclusiveOwner;
            }
            if (exclusive) {
                for (long s : sharers) {
                    if (s != txn) {
                        return s;
                    }
                }
            }
            return 0;
        }

        boolean unused() {
            return exclusiveOwner == 0 && sharers.isEmpty() && changedAtCatalogVersion == 0;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Integer, RelationEntry> relations = new HashMap<>();
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
                long owner = e.owner;
                awaitRelease(txn, owner, e.released, deadline, () -> String.format(
                        "Process %d waits for ExclusiveLock on tuple; blocked by process %d.", txn, owner),
                        () -> new PgException(SqlState.LOCK_NOT_AVAILABLE, "could not obtain lock on row")
                                .withDetail("Row key " + key + " is locked by another transaction."));
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        } finally {
            lock.unlock();
        }
    }

    /**
     * One wait of {@code txn} for {@code blocker} (row and relation locks share the wait graph):
     * 40P01 when the wait closes a cycle, {@code timeout}'s error once {@code deadline} passed,
     * else waits on {@code released} until woken or the deadline. Called with {@link #lock} held.
     */
    private void awaitRelease(long txn, long blocker, Condition released, long deadline,
                              Supplier<String> deadlockDetail, Supplier<PgException> timeout)
            throws InterruptedException {
        waitsFor.put(txn, blocker);
        try {
            if (closesCycle(txn)) {
                throw new PgException(SqlState.DEADLOCK_DETECTED, "deadlock detected")
                        .withDetail(deadlockDetail.get())
                        .withHint("See server log for query details.");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw timeout.get();
            }
            released.awaitNanos(left);
        } finally {
            waitsFor.remove(txn);
        }
    }

    /**
     * Takes relation {@code relation} in shared or exclusive mode for {@code txn}, waiting up to
     * {@code timeoutMs} (then 55P03; a wait cycle, also through row locks, raises 40P01).
     * Returns the catalog version after the last exclusive holder of the relation committed
     * (0 when none did), so that the caller can tell whether its table definition is older.
     */
    long acquireRelation(long txn, int relation, boolean exclusive, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
        lock.lock();
        try {
            RelationEntry e = relations.computeIfAbsent(relation, r -> new RelationEntry(lock.newCondition()));
            while (true) {
                long blocker = e.conflicting(txn, exclusive);
                if (blocker == 0) {
                    if (exclusive) {
                        e.exclusiveOwner = txn;
                    } else {
                        e.sharers.add(txn);
                    }
                    return e.changedAtCatalogVersion;
                }
                awaitRelease(txn, blocker, e.released, deadline, () -> String.format(
                        "Process %d waits for %s on relation %d; blocked by process %d.", txn,
                        exclusive ? "AccessExclusiveLock" : "RowExclusiveLock", relation, blocker),
                        () -> new PgException(SqlState.LOCK_NOT_AVAILABLE, "could not obtain lock on relation "
                                + relation));
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases {@code txn}'s relation locks and wakes their waiters. {@code committedCatalogVersion}
     * is the catalog version after its commit (0 for a rollback): it is recorded on the relations
     * it held exclusively.
     */
    void releaseRelations(long txn, Collection<Integer> held, long committedCatalogVersion) {
        lock.lock();
        try {
            for (int relation : held) {
                RelationEntry e = relations.get(relation);
                if (e == null) {
                    continue;
                }
                e.sharers.remove(txn);
                if (e.exclusiveOwner == txn) {
                    e.exclusiveOwner = 0;
                    if (committedCatalogVersion != 0) {
                        e.changedAtCatalogVersion = committedCatalogVersion;
                    }
                }
                e.released.signalAll();
                if (e.unused()) {
                    relations.remove(relation);
                }
            }
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
