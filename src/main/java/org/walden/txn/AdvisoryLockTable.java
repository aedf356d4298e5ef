package org.walden.txn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.WaitEvent;

/**
 * PostgreSQL's advisory locks (pg_advisory_lock and friends): application-defined locks on a
 * 64-bit key, or a pair of 32-bit keys, within a database, exclusive or shared, held by a session
 * until it unlocks them or ends (session level, counted: locked twice, unlocked twice) or until
 * its transaction ends (transaction level). A session's own locks never conflict with each
 * other; an exclusive lock conflicts with every other session's lock on the key, a shared one
 * with other sessions' exclusive ones.
 *
 * <p>Sessions are the owners, named by their backend pid. A waiter records the key it waits for;
 * before each wait the holders are followed through the keys they wait for, and a cycle back to
 * the waiter raises 40P01 in it, as PostgreSQL's deadlock check does. One lock guards the table;
 * waiters sleep on one condition, signalled at every release. Waits are short slices, so that the
 * caller notices cancel requests, statement_timeout and lock_timeout between them.
 */
public final class AdvisoryLockTable {

    /** A lock's key: (database, key1, key2) for the (int, int) form, (database, high, low) for bigint. */
    public record Key(int database, int classId, int objId, boolean pairForm) {
        public static Key of(int database, long key) {
            return new Key(database, (int) (key >>> 32), (int) key, false);
        }

        public static Key of(int database, int key1, int key2) {
            return new Key(database, key1, key2, true);
        }
    }

    /** What one session holds on one key: counts per level and mode. */
    private static final class Held {
        int sessionExclusive;
        int sessionShared;
        int xactExclusive;
        int xactShared;

        boolean exclusive() {
            return sessionExclusive + xactExclusive > 0;
        }

        boolean shared() {
            return sessionShared + xactShared > 0;
        }

        boolean empty() {
            return !exclusive() && !shared();
        }
    }

    /** One row of pg_locks: a lock held (granted) or waited for. */
    public record LockRow(Key key, int pid, boolean exclusive, boolean granted) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    /** Guarded by lock: per key, per owner pid, what it holds. */
    private final Map<Key, Map<Integer, Held>> holders = new HashMap<>();
    /** The number of (key, owner) entries in {@code holders}: written under lock, read without (a session sees its own). */
    private volatile int heldEntries;
    /** Guarded by lock: each waiting owner's wanted key and mode. */
    private final Map<Integer, LockRow> waiting = new HashMap<>();
    /** Guarded by lock: each owner's transaction-level acquisitions in order, for ROLLBACK TO a savepoint. */
    private final Map<Integer, List<LockRow>> transactionAcquisitions = new HashMap<>();

    /**
     * Takes the lock for {@code pid}, waiting up to {@code waitMs} (0: only try). Returns false
     * when it is still held by others then; 40P01 when waiting would close a cycle of waiters.
     */
    public boolean acquire(int pid, Key key, boolean exclusive, boolean transactionLevel, long waitMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        lock.lock();
        try {
            while (conflicts(pid, key, exclusive)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                waiting.put(pid, new LockRow(key, pid, exclusive, false));
                try {
                    if (waitCycle(pid, key, exclusive)) {
                        throw new PgException(SqlState.DEADLOCK_DETECTED, "deadlock detected")
                                .withDetail("Process " + pid + " waits for " + mode(exclusive) + " on advisory lock ["
                                        + key.database() + "," + key.classId() + "," + key.objId() + ","
                                        + (key.pairForm() ? 2 : 1) + "].")
                                .withHint("See server log for query details.");
                    }
                    WaitEvent before = WaitEvent.begin(WaitEvent.LOCK_ADVISORY);
                    try {
                        released.awaitNanos(left);
                    } finally {
                        WaitEvent.end(before);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
                } finally {
                    waiting.remove(pid);
                }
            }
            Map<Integer, Held> byOwner = holders.computeIfAbsent(key, k -> new HashMap<>(2));
            Held h = byOwner.get(pid);
            if (h == null) {
                h = new Held();
                byOwner.put(pid, h);
                heldEntries++;
            }
            if (transactionLevel) {
                h.xactExclusive += exclusive ? 1 : 0;
                h.xactShared += exclusive ? 0 : 1;
                transactionAcquisitions.computeIfAbsent(pid, p -> new ArrayList<>()).add(new LockRow(key, pid, exclusive, true));
            } else {
                h.sessionExclusive += exclusive ? 1 : 0;
                h.sessionShared += exclusive ? 0 : 1;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private static String mode(boolean exclusive) {
        return exclusive ? "ExclusiveLock" : "ShareLock";
    }

    /** True when another owner holds {@code key} in a mode that {@code exclusive} conflicts with. Caller holds lock. */
    private boolean conflicts(int pid, Key key, boolean exclusive) {
        Map<Integer, Held> byOwner = holders.get(key);
        if (byOwner == null) {
            return false;
        }
        for (Map.Entry<Integer, Held> e : byOwner.entrySet()) {
            if (e.getKey() != pid && (e.getValue().exclusive() || exclusive)) {
                return true;
            }
        }
        return false;
    }

    /** pg_blocking_pids' advisory part: the owners holding, in a conflicting mode, the key {@code pid} waits for. */
    public List<Integer> blockingPids(int pid) {
        lock.lock();
        try {
            LockRow want = waiting.get(pid);
            List<Integer> out = new ArrayList<>();
            if (want != null) {
                for (Map.Entry<Integer, Held> e : holders.getOrDefault(want.key(), Map.of()).entrySet()) {
                    if (e.getKey() != pid && (e.getValue().exclusive() || want.exclusive())) {
                        out.add(e.getKey());
                    }
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** True when a holder that blocks {@code pid}, followed through the keys holders wait for, leads back to it. */
    private boolean waitCycle(int pid, Key key, boolean exclusive) {
        List<LockRow> frontier = new ArrayList<>(List.of(new LockRow(key, pid, exclusive, false)));
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        while (!frontier.isEmpty()) {
            LockRow want = frontier.remove(frontier.size() - 1);
            Map<Integer, Held> byOwner = holders.getOrDefault(want.key(), Map.of());
            for (Map.Entry<Integer, Held> e : byOwner.entrySet()) {
                int holder = e.getKey();
                if (holder == want.pid() || !(e.getValue().exclusive() || want.exclusive())) {
                    continue;
                }
                if (holder == pid) {
                    return true;
                }
                LockRow next = waiting.get(holder);
                if (next != null && seen.add(holder)) {
                    frontier.add(next);
                }
            }
        }
        return false;
    }

    /**
     * pg_advisory_unlock / _shared: releases one session-level hold; false when {@code pid} held
     * none in that mode (PostgreSQL then warns "you don't own a lock of type ...").
     */
    public boolean release(int pid, Key key, boolean exclusive) {
        lock.lock();
        try {
            Map<Integer, Held> byOwner = holders.get(key);
            Held h = byOwner == null ? null : byOwner.get(pid);
            if (h == null || (exclusive ? h.sessionExclusive : h.sessionShared) == 0) {
                return false;
            }
            if (exclusive) {
                h.sessionExclusive--;
            } else {
                h.sessionShared--;
            }
            forgetIfEmpty(key, byOwner, pid, h);
            released.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** How many transaction-level acquisitions {@code pid} holds now (a savepoint's mark). */
    public int transactionLockCount(int pid) {
        if (heldEntries == 0) {
            return 0;
        }
        lock.lock();
        try {
            List<LockRow> taken = transactionAcquisitions.get(pid);
            return taken == null ? 0 : taken.size();
        } finally {
            lock.unlock();
        }
    }

    /** ROLLBACK TO a savepoint: the transaction-level locks {@code pid} took after its first {@code count} go. */
    public void releaseTransactionLocksAfter(int pid, int count) {
        if (heldEntries == 0) {
            return;
        }
        lock.lock();
        try {
            List<LockRow> taken = transactionAcquisitions.get(pid);
            if (taken == null || taken.size() <= count) {
                return;
            }
            while (taken.size() > count) {
                LockRow r = taken.removeLast();
                Map<Integer, Held> byOwner = holders.get(r.key());
                Held h = byOwner.get(pid);
                if (r.exclusive()) {
                    h.xactExclusive--;
                } else {
                    h.xactShared--;
                }
                forgetIfEmpty(r.key(), byOwner, pid, h);
            }
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The end of {@code pid}'s transaction: its transaction-level locks go. */
    public void releaseTransactionLocks(int pid) {
        releaseAll(pid, false);
    }

    /** pg_advisory_unlock_all, and the session's end ({@code alsoTransactionLevel}): its locks go. */
    public void releaseSessionLocks(int pid, boolean alsoTransactionLevel) {
        releaseAll(pid, true);
        if (alsoTransactionLevel) {
            releaseAll(pid, false);
        }
    }

    private void releaseAll(int pid, boolean sessionLevel) {
        if (heldEntries == 0) {
            return; // the common case: no session holds an advisory lock
        }
        lock.lock();
        try {
            if (!sessionLevel) {
                transactionAcquisitions.remove(pid);
            }
            boolean any = false;
            for (Iterator<Map.Entry<Key, Map<Integer, Held>>> it = holders.entrySet().iterator(); it.hasNext(); ) {
                Map<Integer, Held> byOwner = it.next().getValue();
                Held h = byOwner.get(pid);
                if (h == null) {
                    continue;
                }
                if (sessionLevel) {
                    any |= h.sessionExclusive + h.sessionShared > 0;
                    h.sessionExclusive = 0;
                    h.sessionShared = 0;
                } else {
                    any |= h.xactExclusive + h.xactShared > 0;
                    h.xactExclusive = 0;
                    h.xactShared = 0;
                }
                if (h.empty()) {
                    byOwner.remove(pid);
                    heldEntries--;
                    if (byOwner.isEmpty()) {
                        it.remove();
                    }
                }
            }
            if (any) {
                released.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void forgetIfEmpty(Key key, Map<Integer, Held> byOwner, int pid, Held h) {
        if (h.empty()) {
            byOwner.remove(pid);
            heldEntries--;
            if (byOwner.isEmpty()) {
                holders.remove(key);
            }
        }
    }

    /** pg_locks' advisory rows: every lock held (one row per owner and mode) and every wait. */
    public List<LockRow> rows() {
        lock.lock();
        try {
            List<LockRow> rows = new ArrayList<>();
            for (Map.Entry<Key, Map<Integer, Held>> k : holders.entrySet()) {
                for (Map.Entry<Integer, Held> o : k.getValue().entrySet()) {
                    if (o.getValue().exclusive()) {
                        rows.add(new LockRow(k.getKey(), o.getKey(), true, true));
                    }
                    if (o.getValue().shared()) {
                        rows.add(new LockRow(k.getKey(), o.getKey(), false, true));
                    }
                }
            }
            rows.addAll(waiting.values());
            return rows;
        } finally {
            lock.unlock();
        }
    }
}
