package org.walden.txn;

import java.util.Collection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.WaitEvent;

/**
 * Exclusive row locks keyed by row key, held until commit or rollback (PostgreSQL's tuple
 * locks plus the wait on the holder's transaction), and relation locks in PostgreSQL's eight
 * modes ({@link RelationLockMode}: ROW EXCLUSIVE taken by INSERT/UPDATE/DELETE/COPY, ACCESS
 * EXCLUSIVE by DROP TABLE, TRUNCATE and ALTER TABLE, which rewrite or drop the rows, any by
 * LOCK TABLE).
 *
 * <p>{@code lock} guards {@code locks} and {@code waitsFor}; each held row has a Condition on
 * which its waiters sleep (with the caller's timeout). A waiter records whom it waits for;
 * whenever a wait edge is added the chain is walked, and a cycle back to the waiter raises
 * 40P01 in that waiter (PostgreSQL's DeadLockCheck, run at once instead of after
 * deadlock_timeout). Owners are transactions' local ids. With log_lock_waits, a wait longer
 * than deadlock_timeout is logged ("process N still waiting for ... after X ms", with the holder
 * and the wait queue), and so is its end ("process N acquired ... after X ms"), as PostgreSQL's
 * ProcSleep logs them; the "process" numbers are transactions' local ids.
 *
 * <p>A row released at a transaction's end is handed to one waiter, not thrown open to all (as
 * PostgreSQL's tuple lock queues its waiters so that one proceeds at a time): while waiters
 * remain, its entry stays with no owner and one of them is signalled; the first to come (that
 * waiter, or a newcomer that barged in) takes it, and the rest keep sleeping on the same
 * condition until the next release. Waking every waiter at each release made {@code -c 100}
 * pgbench (ten clients per pgbench_branches row) wake nine threads per commit for nothing.
 */
final class RowLockTable {

    private static final class Entry {
        /** The holding transaction; 0 (none) between a release and the next taker while waiters remain. */
        long owner;
        /** How many transactions sleep on {@link #released} (or were signalled and have not looked yet). */
        int waiters;
        /** Made by the first waiter: most row locks are never waited for (a big INSERT takes millions). */
        private Condition released;

        Entry(long owner) {
            this.owner = owner;
        }

        Condition released(java.util.concurrent.locks.Lock guard) {
            if (released == null) {
                released = guard.newCondition();
            }
            return released;
        }

        void wakeWaiters() {
            if (released != null) {
                released.signalAll();
            }
        }

        /** The owner let go at its transaction's end: true when the entry can go (no one waits). */
        boolean handOff() {
            owner = 0;
            if (waiters == 0) {
                return true;
            }
            released.signal();
            return false;
        }
    }

    /** A relation's holders, each with the mask of the modes it holds ({@link RelationLockMode#bit()}). */
    private static final class RelationEntry {
        final Map<Long, Integer> holders = new HashMap<>(4);
        /** The catalog version after the last exclusive holder committed (0: never). */
        long changedAtCatalogVersion;
        /** Transactions sleeping on {@link #released}: the entry stays in the table while they do. */
        int waiters;
        final Condition released;

        RelationEntry(Condition released) {
            this.released = released;
        }

        /** A holder other than {@code txn} that {@code mode} conflicts with, or 0. */
        long conflicting(long txn, RelationLockMode mode) {
            int conflicts = mode.conflicts();
            for (Map.Entry<Long, Integer> h : holders.entrySet()) {
                if (h.getKey() != txn && (h.getValue() & conflicts) != 0) {
                    return h.getKey();
                }
            }
            return 0;
        }

        boolean unused() {
            return holders.isEmpty() && changedAtCatalogVersion == 0 && waiters == 0;
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RowLockTable.class);

    /** log_lock_waits and deadlock_timeout, read at each wait (the server's settings; off by default). */
    private volatile java.util.function.BooleanSupplier logLockWaits = () -> false;
    private volatile java.util.function.LongSupplier deadlockTimeoutMs = () -> 1000;

    /** One waiter's wait, across its wake-ups: when it began and whether it was reported. */
    private static final class Wait {
        final long startNanos = System.nanoTime();
        final String what;
        boolean reported;
        /** For a relation lock wait: the relation and the mode wanted (pg_locks' ungranted row). */
        int relation;
        RelationLockMode mode;

        Wait(String what) {
            this.what = what;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Guarded by lock: each waiting transaction's current wait, kept across the slices callers
     * wait in (the executor waits 100 ms at a time to notice cancels), until it gets the lock
     * or ends.
     */
    private final Map<Long, Wait> pendingWaits = new HashMap<>();
    private final Map<Integer, RelationEntry> relations = new HashMap<>();
    private final Map<ByteKey, Entry> locks = new HashMap<>();
    private final Map<Long, Long> waitsFor = new HashMap<>();
    /**
     * Guarded by lock: transactions whose write sets spilled ({@link WriteSet}), each with the
     * test "is this row in my spilled write set" — the locks of those rows, held without an
     * entry in {@code locks} each (a transaction writing ten million rows would otherwise keep
     * ten million entries in the heap). Consulted only when {@code locks} has no entry for a
     * row, and only while some transaction has spilled: costs nothing otherwise.
     */
    private final Map<Long, SpilledHolder> spilledHolders = new HashMap<>(2);

    /** A transaction holding the locks of the rows of its spilled write set. */
    private record SpilledHolder(java.util.function.Predicate<ByteKey> holds, Condition released) {
    }
    /** Guarded by lock: the backend pid and database OID a transaction's relation locks show under in pg_locks. */
    private final Map<Long, int[]> owners = new HashMap<>();

    /** log_lock_waits: waits longer than deadlock_timeout are logged as PostgreSQL logs them. */
    void setLockWaitLogging(java.util.function.BooleanSupplier logLockWaits,
                            java.util.function.LongSupplier deadlockTimeoutMs) {
        this.logLockWaits = logLockWaits;
        this.deadlockTimeoutMs = deadlockTimeoutMs;
    }

    /** Takes the row lock for {@code txn}, waiting up to {@code timeoutMs}. */
    void acquire(long txn, ByteKey key, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
        Wait wait = null;
        lock.lock();
        try {
            while (true) {
                Entry e = locks.get(key);
                long owner;
                Condition released;
                if (e == null) {
                    owner = spilledHolderOf(txn, key);
                    if (owner == 0) {
                        locks.put(key, new Entry(txn));
                        acquired(txn);
                        return;
                    }
                    released = spilledHolders.get(owner).released();
                } else if (e.owner == txn) {
                    return;
                } else if (e.owner == 0) {
                    e.owner = txn; // released and handed on: the first to come takes it
                    acquired(txn);
                    return;
                } else {
                    owner = e.owner;
                    released = e.released(lock);
                }
                long blocker = owner;
                wait = waitOf(txn, "ShareLock on transaction " + owner);
                if (e != null) {
                    e.waiters++;
                }
                try {
                    awaitRelease(txn, owner, released, deadline, wait, () -> String.format(
                            "Process %d waits for ExclusiveLock on tuple; blocked by process %d.", txn, blocker),
                            () -> new PgException(SqlState.LOCK_NOT_AVAILABLE, "could not obtain lock on row")
                                    .withDetail("Row key " + key + " is locked by another transaction."));
                } finally {
                    if (e != null) {
                        e.waiters--;
                        if (e.owner == 0 && e.waiters == 0 && locks.get(key) == e) {
                            locks.remove(key); // the last waiter left (timeout, cancel) without taking it
                        }
                    }
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        } finally {
            lock.unlock();
        }
    }

    /** The transaction other than {@code txn} that holds {@code key} as a spilled write, or 0. Caller holds lock. */
    private long spilledHolderOf(long txn, ByteKey key) {
        if (spilledHolders.isEmpty()) {
            return 0;
        }
        for (Map.Entry<Long, SpilledHolder> h : spilledHolders.entrySet()) {
            if (h.getKey() != txn && h.getValue().holds().test(key)) {
                return h.getKey();
            }
        }
        return 0;
    }

    /**
     * From now on {@code txn} also holds the lock of every row {@code holds} accepts (its
     * spilled write set); those rows' entries are dropped by {@link #moveToSpilled}.
     */
    void holdAsSpilled(long txn, java.util.function.Predicate<ByteKey> holds) {
        lock.lock();
        try {
            spilledHolders.putIfAbsent(txn, new SpilledHolder(holds, lock.newCondition()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Rows just written to {@code txn}'s spilled write set: their locks are now held through it,
     * so their entries go (waiters wake and find the spilled holder).
     */
    void moveToSpilled(long txn, Collection<ByteKey> keys) {
        lock.lock();
        try {
            removeOwnEntries(txn, keys);
        } finally {
            lock.unlock();
        }
    }

    /** Drops the entries of {@code keys} that {@code txn} holds and wakes their waiters; under {@code lock}. */
    private void removeOwnEntries(long txn, Collection<ByteKey> keys) {
        for (ByteKey k : keys) {
            Entry e = locks.get(k);
            if (e != null && e.owner == txn) {
                locks.remove(k);
                e.wakeWaiters();
            }
        }
    }

    /** {@code txn} ended: the rows of its spilled write set are no longer locked; their waiters wake. */
    void releaseSpilled(long txn) {
        lock.lock();
        try {
            SpilledHolder spilled = spilledHolders.remove(txn);
            if (spilled != null) {
                spilled.released().signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives {@code txn} an entry for a row it holds already (through its spilled write set),
     * before that row leaves the set while its lock must stay (ROLLBACK TO, PREPARE).
     */
    void holdOwn(long txn, ByteKey key) {
        lock.lock();
        try {
            Entry e = locks.get(key);
            if (e == null) {
                locks.put(key, new Entry(txn));
            } else if (e.owner == 0) {
                e.owner = txn;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * One wait of {@code txn} for {@code blocker} (row and relation locks share the wait graph):
     * 40P01 when the wait closes a cycle, {@code timeout}'s error once {@code deadline} passed,
     * else waits on {@code released} until woken or the deadline. Called with {@link #lock} held.
     */
    private void awaitRelease(long txn, long blocker, Condition released, long deadline, Wait wait,
                              Supplier<String> deadlockDetail, Supplier<PgException> timeout)
            throws InterruptedException {
        waitsFor.put(txn, blocker);
        try {
            if (closesCycle(txn)) {
                throw new PgException(SqlState.DEADLOCK_DETECTED, "deadlock detected")
                        .withDetail(deadlockDetail.get())
                        .withHint("See server log for query details.");
            }
            long now = System.nanoTime();
            long left = deadline - now;
            if (left <= 0) {
                throw timeout.get();
            }
            if (!wait.reported && logLockWaits.getAsBoolean()) {
                long reportAt = wait.startNanos + TimeUnit.MILLISECONDS.toNanos(deadlockTimeoutMs.getAsLong());
                if (now - reportAt >= 0) {
                    wait.reported = true;
                    LOG.atInfo().setMessage("process {} still waiting for {} after {} ms").addArgument(txn)
                            .addArgument(wait.what).addArgument(millis(now - wait.startNanos))
                            .addKeyValue("detail", "Process holding the lock: " + blocker + ". Wait queue: "
                                    + waitQueue(blocker) + ".").log();
                } else {
                    left = Math.min(left, reportAt - now);
                }
            }
            WaitEvent before = WaitEvent.begin(wait.mode != null ? WaitEvent.LOCK_RELATION
                    : WaitEvent.LOCK_TRANSACTION_ID);
            try {
                released.awaitNanos(left);
            } finally {
                WaitEvent.end(before);
            }
        } finally {
            waitsFor.remove(txn);
        }
    }

    /** The transaction's wait for {@code what}: the one going on, or a new one. Caller holds lock. */
    private Wait waitOf(long txn, String what) {
        Wait w = pendingWaits.get(txn);
        if (w == null || !w.what.equals(what)) {
            w = new Wait(what);
            pendingWaits.put(txn, w);
        }
        return w;
    }

    /** A reported wait that ended in the lock: "process N acquired ... after X ms". Caller holds lock. */
    private void acquired(long txn) {
        Wait wait = pendingWaits.remove(txn);
        if (wait != null && wait.reported) {
            LOG.info("process {} acquired {} after {} ms", txn, wait.what, millis(System.nanoTime() - wait.startNanos));
        }
    }

    /** The transactions waiting for {@code blocker}, as PostgreSQL's "Wait queue: 1234, 1235". Caller holds lock. */
    private String waitQueue(long blocker) {
        return waitsFor.entrySet().stream().filter(w -> w.getValue() == blocker).map(w -> Long.toString(w.getKey()))
                .sorted().collect(java.util.stream.Collectors.joining(", "));
    }

    /** "1000.123": milliseconds with microseconds, as PostgreSQL prints lock wait times. */
    private static String millis(long nanos) {
        long micros = nanos / 1000;
        return String.format("%d.%03d", micros / 1000, micros % 1000);
    }

    /**
     * Takes relation {@code relation} in {@code mode} for {@code txn}, waiting up to
     * {@code timeoutMs} (then 55P03; a wait cycle, also through row locks, raises 40P01).
     * Returns the catalog version after the last ACCESS EXCLUSIVE holder of the relation
     * committed (0 when none did), so that the caller can tell whether its table definition is older.
     */
    long acquireRelation(long txn, int relation, RelationLockMode mode, long timeoutMs) {
        return acquireRelation(txn, null, relation, mode, timeoutMs);
    }

    /** As above, for the backend {@code owner} (pid, database OID) pg_locks shows the lock under. */
    long acquireRelation(long txn, int[] owner, int relation, RelationLockMode mode, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
        Wait wait = null;
        lock.lock();
        try {
            RelationEntry e = relations.computeIfAbsent(relation, r -> new RelationEntry(lock.newCondition()));
            if (owner != null) {
                owners.putIfAbsent(txn, owner);
            }
            while (true) {
                long blocker = e.conflicting(txn, mode);
                if (blocker == 0) {
                    e.holders.merge(txn, mode.bit(), (a, b) -> a | b);
                    acquired(txn);
                    return e.changedAtCatalogVersion;
                }
                wait = waitOf(txn, mode.pgName + " on relation " + relation);
                wait.relation = relation;
                wait.mode = mode;
                // counted so that a release emptying the entry leaves it in the table: a waiter
                // woken on an entry taken out would be granted on it unseen by later lockers
                e.waiters++;
                try {
                    awaitRelease(txn, blocker, e.released, deadline, wait, () -> String.format(
                            "Process %d waits for %s on relation %d; blocked by process %d.", txn,
                            mode.pgName, relation, blocker),
                            () -> new PgException(SqlState.LOCK_NOT_AVAILABLE, "could not obtain lock on relation "
                                    + relation));
                } finally {
                    e.waiters--;
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        } finally {
            RelationEntry left = relations.get(relation);
            if (left != null && left.unused()) { // a waiter that gave up (timeout, deadlock, cancel)
                relations.remove(relation);
            }
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
                Integer modes = e.holders.remove(txn);
                if (modes != null && (modes & DEFINITION_MODES) != 0 && committedCatalogVersion != 0) {
                    e.changedAtCatalogVersion = committedCatalogVersion;
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

    /**
     * pg_locks' relation rows: one per holder and mode held, and one per transaction blocked on
     * a relation lock (granted false), as PostgreSQL lists them.
     */
    public List<RelationLockRow> relationRows() {
        lock.lock();
        try {
            List<RelationLockRow> rows = new ArrayList<>();
            for (Map.Entry<Integer, RelationEntry> r : relations.entrySet()) {
                for (Map.Entry<Long, Integer> h : r.getValue().holders.entrySet()) {
                    int[] owner = owners.getOrDefault(h.getKey(), NO_OWNER);
                    for (RelationLockMode m : RelationLockMode.values()) {
                        if ((h.getValue() & m.bit()) != 0) {
                            rows.add(new RelationLockRow(r.getKey(), owner[1], owner[0], m, true));
                        }
                    }
                }
            }
            for (Long txn : waitsFor.keySet()) {
                Wait w = pendingWaits.get(txn);
                if (w != null && w.mode != null) {
                    int[] owner = owners.getOrDefault(txn, NO_OWNER);
                    rows.add(new RelationLockRow(w.relation, owner[1], owner[0], w.mode, false));
                }
            }
            return rows;
        } finally {
            lock.unlock();
        }
    }

    private static final int[] NO_OWNER = {0, 0};

    /**
     * pg_blocking_pids' row and relation part: the backends (0 for a prepared transaction) holding
     * what the backend {@code pid} waits for — every holder of a conflicting mode of the relation
     * it waits to lock, or the transaction holding the row it waits to lock. Empty when it does
     * not wait.
     */
    public List<Integer> blockingPids(int pid) {
        lock.lock();
        try {
            List<Integer> out = new ArrayList<>();
            for (Map.Entry<Long, Long> e : waitsFor.entrySet()) {
                long txn = e.getKey();
                if (owners.getOrDefault(txn, NO_OWNER)[0] != pid) {
                    continue;
                }
                Wait w = pendingWaits.get(txn);
                RelationEntry r = w == null || w.mode == null ? null : relations.get(w.relation);
                if (r == null) {
                    out.add(owners.getOrDefault(e.getValue(), NO_OWNER)[0]);
                    continue;
                }
                int conflicts = w.mode.conflicts();
                for (Map.Entry<Long, Integer> h : r.holders.entrySet()) {
                    if (h.getKey() != txn && (h.getValue() & conflicts) != 0) {
                        out.add(owners.getOrDefault(h.getKey(), NO_OWNER)[0]);
                    }
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The modes DDL changes a relation's definition under (SHARE: CREATE INDEX, up to ACCESS
     * EXCLUSIVE): a holder's commit is recorded so that statements planned before it plan again.
     */
    private static final int DEFINITION_MODES = RelationLockMode.SHARE.bit() | RelationLockMode.SHARE_ROW_EXCLUSIVE.bit()
            | RelationLockMode.EXCLUSIVE.bit() | RelationLockMode.ACCESS_EXCLUSIVE.bit();

    /** Back to {@code modes} of {@code txn}'s lock on {@code relation} (0: none), waking its waiters (ROLLBACK TO). */
    void reduceRelation(long txn, int relation, int modes) {
        lock.lock();
        try {
            RelationEntry e = relations.get(relation);
            if (e == null) {
                return;
            }
            if (modes == 0) {
                e.holders.remove(txn);
            } else {
                e.holders.put(txn, modes);
            }
            e.released.signalAll();
            if (e.unused()) {
                relations.remove(relation);
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
            if (e == null) {
                SpilledHolder h = spilledHolders.get(txn);
                return h != null && h.holds().test(key);
            }
            return e.owner == txn;
        } finally {
            lock.unlock();
        }
    }

    /** Releases the given rows' locks held by {@code txn} and wakes their waiters. */
    void releaseAll(long txn, Collection<ByteKey> keys) {
        lock.lock();
        try {
            pendingWaits.remove(txn); // a transaction that ends waits no more
            owners.remove(txn);
            for (ByteKey k : keys) {
                Entry e = locks.get(k);
                if (e != null && e.owner == txn && e.handOff()) {
                    locks.remove(k);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * A transaction's end: its row locks and its relation locks released under one acquisition
     * of the table's lock (every transaction that read a table holds one), as the two calls
     * above would.
     */
    void releaseAtEnd(long txn, Collection<ByteKey> keys, Collection<Integer> relationsHeld,
                      long committedCatalogVersion) {
        lock.lock();
        try {
            releaseAll(txn, keys);
            if (!relationsHeld.isEmpty()) {
                releaseRelations(txn, relationsHeld, committedCatalogVersion);
            }
        } finally {
            lock.unlock();
        }
    }

    int heldCount() {
        lock.lock();
        try {
            return (int) locks.values().stream().filter(e -> e.owner != 0).count();
        } finally {
            lock.unlock();
        }
    }
}
