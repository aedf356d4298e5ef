package org.walden.replication;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.WaitEvent;
import org.walden.common.guc.SyncStandbyNames;
import org.walden.txn.CommitWaiter;
import org.walden.txn.SynchronousCommit;
import org.walden.wal.Lsn;

/**
 * Synchronous replication on a primary (PostgreSQL's syncrep.c): the waiting policy between a
 * committing backend and the walsenders' standby replies.
 *
 * <p>Who calls it: a committing backend, through the transaction layer's {@link CommitWaiter}
 * hook, after its commit record is flushed locally and before its writes are applied to storage
 * ({@link #waitForCommit}); each walsender's reply reader after an 'r' message
 * ({@link #releaseWaiters}, via {@link WalSenderRegistry#standbyReplied}); the postmaster's
 * reload ({@link #reloadConfig}); pg_stat_replication ({@link #syncStates}); the postmaster's
 * shutdown ({@link #shutdown}).
 *
 * <p>Rules, as PostgreSQL 15: synchronous_standby_names names the candidates; a walsender's
 * priority is its application_name's 1-based position in the list (case-insensitive, "*"
 * matches all), 1 for every listed standby under ANY, 0 (async) when not listed, not yet
 * streaming or without a flush position. Only streaming (or stopping) walsenders with a
 * priority count. FIRST n: the n highest-priority
 * ones are 'sync' (ties by age), the commit waits for the oldest of their positions; ANY n:
 * all are 'quorum', the commit waits for the n-th largest position. Waiters sit in one
 * LSN-ordered queue per wait mode (remote_write → write, on → flush, remote_apply → apply).
 *
 * <p>Beyond PostgreSQL: a cancel (pg_cancel_backend, Statement.cancel, statement_timeout), a
 * terminated or dropped connection does not end the wait; the backend keeps waiting (and its
 * transaction keeps its row locks and stays invisible) until the synchronous standbys confirm,
 * synchronous_standby_names is emptied, or the server shuts down. A cancel only queues
 * PostgreSQL's WARNING for the client (see the package README).
 *
 * <p>Concurrency: {@link #lock} guards the queues, the released positions and the parsed
 * configuration; each waiter has its own {@link Condition}. Every wait is bounded by
 * {@link #POLL_MS} and re-checks shutdown and the backend's interrupts. The queues hold at most
 * one waiter per backend (bounded by max_connections).
 */
public final class SyncRep implements CommitWaiter {

    /** How long one wait slice lasts before interrupts and shutdown are re-checked. */
    static final long POLL_MS = 100;
    /** How long {@link #shutdown} lets the woken waiters leave before the engine stops. */
    static final long SHUTDOWN_DRAIN_MS = 5_000;

    static final String CANCEL_MESSAGE = "canceling wait for synchronous replication due to user request";
    static final String CANCEL_DETAIL =
            "The transaction has already committed locally, but might not have been replicated to the standby.";
    static final String CANCEL_HINT = "Walden keeps waiting: the transaction becomes visible to other sessions,"
            + " and COMMIT returns, once the synchronous standbys have confirmed it.";
    static final String SHUTDOWN_MESSAGE = "canceling the wait for synchronous replication and terminating"
            + " connection due to administrator command";

    /** SYNC_REP_WAIT_WRITE / FLUSH / APPLY. */
    public enum WaitMode { WRITE, FLUSH, APPLY }

    /**
     * What a waiting backend lets SyncRep see: whether a cancel or statement timeout arrived
     * (consumed by the call), and where a WARNING for the client goes.
     */
    public interface WaitInterrupts {
        /** True once per cancel request / statement timeout that arrived since the last call. */
        boolean consumeInterrupt();

        void warning(PgException warning);
    }

    private static final ThreadLocal<WaitInterrupts> INTERRUPTS = new ThreadLocal<>();

    /** Runs {@code body} (a commit) with {@code interrupts} visible to a sync-rep wait on this thread. */
    public static <T> T withInterrupts(WaitInterrupts interrupts, Supplier<T> body) {
        WaitInterrupts previous = INTERRUPTS.get();
        INTERRUPTS.set(interrupts);
        try {
            return body.get();
        } finally {
            if (previous == null) {
                INTERRUPTS.remove();
            } else {
                INTERRUPTS.set(previous);
            }
        }
    }

    private static final class Waiter {
        final Lsn lsn;
        final long seq;
        final Condition released;
        boolean done;

        Waiter(Lsn lsn, long seq, Condition released) {
            this.lsn = lsn;
            this.seq = seq;
            this.released = released;
        }
    }

    private static final Comparator<Waiter> LSN_ORDER =
            Comparator.comparing((Waiter w) -> w.lsn).thenComparingLong(w -> w.seq);

    private final WalSenderRegistry registry;
    private final Supplier<String> standbyNamesSetting;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final Map<WaitMode, TreeSet<Waiter>> queues = new EnumMap<>(WaitMode.class);
    /** WalSndCtl->lsn[mode]: the highest position released per mode. */
    private final Map<WaitMode, Lsn> releasedLsn = new EnumMap<>(WaitMode.class);
    private volatile SyncStandbyNames config;
    /** Automatic failover: the synchronous set must be published in the coordinator before it releases a commit. */
    private volatile SyncSetGuard guard;
    private long nextSeq;
    private boolean shuttingDown;

    /**
     * @param registry            the walsenders whose replies release waiters
     * @param standbyNamesSetting the current synchronous_standby_names (already syntax-checked)
     */
    public SyncRep(WalSenderRegistry registry, Supplier<String> standbyNamesSetting, Clock clock) {
        this.registry = Objects.requireNonNull(registry);
        this.standbyNamesSetting = Objects.requireNonNull(standbyNamesSetting);
        this.clock = Objects.requireNonNull(clock);
        for (WaitMode m : WaitMode.values()) {
            queues.put(m, new TreeSet<>(LSN_ORDER));
            releasedLsn.put(m, Lsn.INVALID);
        }
        this.config = parseSetting();
        registry.attachSyncRep(this);
    }

    private SyncStandbyNames parseSetting() {
        String value = standbyNamesSetting.get();
        try {
            return SyncStandbyNames.parse(value == null ? "" : value);
        } catch (PgException e) {
            return null; // the GUC check rejects bad values before they are set; be safe anyway
        }
    }

    /**
     * Where automatic failover keeps the synchronous set (Patroni's /sync key). A commit is
     * released only once every standby of the published set has confirmed it (besides what
     * synchronous_standby_names asks), so every member of the published set holds every
     * acknowledged commit, and a failover to any live member of it loses none. The agent adds a
     * standby to the set only once it has confirmed everything released so far, and removes one
     * before it stops counting (it left the synchronous standbys, or died).
     */
    public interface SyncSetGuard {
        /** The application names of the published set; empty: nothing may be released. */
        Set<String> published();
    }

    public void setSyncSetGuard(SyncSetGuard guard) {
        this.guard = guard;
        releaseWaiters();
    }

    /** The application names of the standbys that are synchronous now (FIRST) or count for the quorum (ANY). */
    public List<String> synchronousNames() {
        SyncStandbyNames cfg = config;
        return cfg == null ? List.of() : syncStandbys(cfg, registry.entries()).stream()
                .map(WalSenderRegistry.Entry::applicationName).toList();
    }

    /** The parsed synchronous_standby_names; null when empty (no synchronous replication). */
    public SyncStandbyNames config() {
        return config;
    }

    /**
     * After a reload (SyncRepUpdateSyncStandbysDefined): re-reads the setting; when it became
     * empty every waiter is released, otherwise the waiters are re-checked against the new rules.
     */
    public void reloadConfig() {
        config = parseSetting();
        releaseWaiters();
    }

    static WaitMode modeOf(SynchronousCommit level) {
        return switch (level) {
            case REMOTE_WRITE -> WaitMode.WRITE;
            case ON -> WaitMode.FLUSH;
            case REMOTE_APPLY -> WaitMode.APPLY;
            default -> null;
        };
    }

    /**
     * SyncRepWaitForLSN: returns once the synchronous standbys have {@code commitEndLsn} as
     * {@code level} asks, at once when none are configured. Never ends early on a cancel (see
     * the class comment); raises FATAL 57P01 when the server shuts down during the wait.
     */
    @Override
    public void waitForCommit(Lsn commitEndLsn, SynchronousCommit level) {
        WaitMode mode = modeOf(level);
        if (mode == null || config == null) {
            return;
        }
        Waiter w;
        lock.lock();
        try {
            if (config == null || !commitEndLsn.isAfter(releasedLsn.get(mode))) {
                return;
            }
            checkShutdown();
            w = new Waiter(commitEndLsn, nextSeq++, lock.newCondition());
            queues.get(mode).add(w);
        } finally {
            lock.unlock();
        }
        releaseWaiters(); // a standby may already be past it
        awaitRelease(w, mode);
    }

    private void awaitRelease(Waiter w, WaitMode mode) {
        WaitEvent waitBefore = WaitEvent.begin(WaitEvent.SYNC_REP);
        try {
            awaitReleaseReported(w, mode);
        } finally {
            WaitEvent.end(waitBefore);
        }
    }

    /** awaitRelease's wait, while pg_stat_activity shows SyncRep. */
    private void awaitReleaseReported(Waiter w, WaitMode mode) {
        WaitInterrupts interrupts = INTERRUPTS.get();
        boolean warned = false;
        boolean threadInterrupted = false;
        try {
            while (true) {
                lock.lock();
                try {
                    if (w.done) {
                        return;
                    }
                    if (shuttingDown) {
                        queues.get(mode).remove(w);
                        drained.signalAll();
                        throw new PgException(PgException.Severity.FATAL, SqlState.ADMIN_SHUTDOWN, SHUTDOWN_MESSAGE,
                                CANCEL_DETAIL, null, null);
                    }
                    try {
                        w.released.await(POLL_MS, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        threadInterrupted = true; // like a cancel: noted, the wait goes on
                    }
                } finally {
                    lock.unlock();
                }
                if (!warned && interrupts != null && interrupts.consumeInterrupt()) {
                    warned = true;
                    interrupts.warning(new PgException(PgException.Severity.WARNING, SqlState.WARNING,
                            CANCEL_MESSAGE, CANCEL_DETAIL, CANCEL_HINT, null));
                }
            }
        } finally {
            if (threadInterrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void checkShutdown() {
        if (shuttingDown) {
            throw new PgException(PgException.Severity.FATAL, SqlState.ADMIN_SHUTDOWN, SHUTDOWN_MESSAGE,
                    CANCEL_DETAIL, null, null);
        }
    }

    /**
     * SyncRepReleaseWaiters: computes the positions the synchronous standbys guarantee and
     * wakes every waiter at or below them; with no synchronous_standby_names, wakes them all.
     */
    public void releaseWaiters() {
        SyncStandbyNames cfg = config;
        lock.lock();
        try {
            if (cfg == null) {
                for (TreeSet<Waiter> q : queues.values()) {
                    q.forEach(this::wake);
                    q.clear();
                }
                return;
            }
            List<WalSenderRegistry.Entry> entries = registry.entries();
            Lsn[] positions = syncRecPtr(cfg, entries);
            SyncSetGuard g = guard;
            if (positions != null && g != null) {
                positions = confirmedByAll(positions, g.published(), entries);
            }
            if (positions == null) {
                return;
            }
            for (WaitMode m : WaitMode.values()) {
                Lsn pos = positions[m.ordinal()];
                if (pos.isAfter(releasedLsn.get(m))) {
                    releasedLsn.put(m, pos);
                }
                TreeSet<Waiter> q = queues.get(m);
                while (!q.isEmpty() && !q.first().lsn.isAfter(releasedLsn.get(m))) {
                    wake(q.pollFirst());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code positions} lowered to what every standby of {@code published} has confirmed; null
     * when the set is empty or one of them is not streaming (the agent removes it first).
     */
    static Lsn[] confirmedByAll(Lsn[] positions, Set<String> published, List<WalSenderRegistry.Entry> entries) {
        if (published.isEmpty()) {
            return null;
        }
        Lsn[] out = positions.clone();
        for (String name : published) {
            WalSenderRegistry.Entry e = entries.stream().filter(x -> name.equals(x.applicationName())
                    && (x.state() == WalSndState.STREAMING || x.state() == WalSndState.STOPPING)
                    && x.flushLsn().isValid()).findFirst().orElse(null);
            if (e == null) {
                return null;
            }
            out[0] = Lsn.min(out[0], e.writeLsn());
            out[1] = Lsn.min(out[1], e.flushLsn());
            out[2] = Lsn.min(out[2], e.replayLsn());
        }
        return out;
    }

    /** The highest position released to a waiting commit (any mode): what a newly published standby must have. */
    public Lsn releasedUpTo() {
        lock.lock();
        try {
            return releasedLsn.values().stream().max(Comparator.naturalOrder()).orElse(Lsn.INVALID);
        } finally {
            lock.unlock();
        }
    }

    /** The flushed position each streaming synchronous standby confirmed, by application name. */
    public Map<String, Lsn> synchronousFlushed() {
        SyncStandbyNames cfg = config;
        Map<String, Lsn> out = new java.util.LinkedHashMap<>();
        if (cfg != null) {
            for (WalSenderRegistry.Entry e : syncStandbys(cfg, registry.entries())) {
                out.put(e.applicationName(), e.flushLsn());
            }
        }
        return out;
    }

    private void wake(Waiter w) {
        w.done = true;
        w.released.signal();
    }

    /**
     * SyncRepGetSyncRecPtr: write/flush/apply positions the synchronous standbys all have
     * (FIRST: the oldest of the sync ones; ANY: the numSync-th largest), null when fewer than
     * numSync synchronous standbys are streaming.
     */
    static Lsn[] syncRecPtr(SyncStandbyNames cfg, List<WalSenderRegistry.Entry> entries) {
        List<WalSenderRegistry.Entry> sync = syncStandbys(cfg, entries);
        if (sync.size() < cfg.numSync()) {
            return null;
        }
        Lsn[] out = new Lsn[WaitMode.values().length];
        if (cfg.method() == SyncStandbyNames.Method.PRIORITY) {
            out[0] = sync.stream().map(WalSenderRegistry.Entry::writeLsn).min(Comparator.naturalOrder()).orElseThrow();
            out[1] = sync.stream().map(WalSenderRegistry.Entry::flushLsn).min(Comparator.naturalOrder()).orElseThrow();
            out[2] = sync.stream().map(WalSenderRegistry.Entry::replayLsn).min(Comparator.naturalOrder()).orElseThrow();
        } else {
            out[0] = nthLatest(sync, WalSenderRegistry.Entry::writeLsn, cfg.numSync());
            out[1] = nthLatest(sync, WalSenderRegistry.Entry::flushLsn, cfg.numSync());
            out[2] = nthLatest(sync, WalSenderRegistry.Entry::replayLsn, cfg.numSync());
        }
        return out;
    }

    private static Lsn nthLatest(List<WalSenderRegistry.Entry> sync,
                                 java.util.function.Function<WalSenderRegistry.Entry, Lsn> field, int n) {
        List<Lsn> lsns = new ArrayList<>(sync.stream().map(field).toList());
        lsns.sort(Comparator.reverseOrder());
        return lsns.get(n - 1);
    }

    /** SyncRepGetStandbyPriority for one application_name: 0 = async. */
    static int standbyPriority(SyncStandbyNames cfg, String applicationName) {
        if (cfg == null) {
            return 0;
        }
        List<String> names = cfg.names();
        for (int i = 0; i < names.size(); i++) {
            if (SyncStandbyNames.matches(names.get(i), applicationName == null ? "" : applicationName)) {
                return cfg.method() == SyncStandbyNames.Method.PRIORITY ? i + 1 : 1;
            }
        }
        return 0;
    }

    /**
     * SyncRepGetCandidateStandbys: streaming, listed walsenders with a valid flush position;
     * under FIRST only the numSync highest-priority ones (ties: the older walsender first).
     */
    static List<WalSenderRegistry.Entry> syncStandbys(SyncStandbyNames cfg, List<WalSenderRegistry.Entry> entries) {
        List<WalSenderRegistry.Entry> candidates = new ArrayList<>();
        for (WalSenderRegistry.Entry e : entries) {
            boolean streaming = e.state() == WalSndState.STREAMING || e.state() == WalSndState.STOPPING;
            if (streaming && shownPriority(cfg, e) > 0) {
                candidates.add(e);
            }
        }
        if (cfg.method() == SyncStandbyNames.Method.QUORUM || candidates.size() <= cfg.numSync()) {
            return candidates;
        }
        List<WalSenderRegistry.Entry> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingInt(e -> shownPriority(cfg, e))); // stable: older walsender first
        return sorted.subList(0, cfg.numSync());
    }

    /**
     * A walsender's priority as pg_stat_replication shows it: 0 before START_REPLICATION (the
     * walsender computes its priority when streaming starts) and while the standby reports no
     * flush position (pg_basebackup's WAL stream is async).
     */
    static int shownPriority(SyncStandbyNames cfg, WalSenderRegistry.Entry e) {
        if (!e.streamingStarted || !e.flushLsn().isValid()) {
            return 0;
        }
        return standbyPriority(cfg, e.applicationName());
    }

    /** pg_stat_replication's sync_priority and sync_state for a walsender. */
    public record SyncInfo(int priority, String state) {
    }

    /** sync_priority / sync_state of each live walsender, as pg_stat_get_wal_senders computes them. */
    Map<WalSenderRegistry.Entry, SyncInfo> syncStates(List<WalSenderRegistry.Entry> entries) {
        SyncStandbyNames cfg = config;
        Map<WalSenderRegistry.Entry, SyncInfo> out = new IdentityHashMap<>();
        List<WalSenderRegistry.Entry> sync = cfg == null ? List.of() : syncStandbys(cfg, entries);
        for (WalSenderRegistry.Entry e : entries) {
            int priority = shownPriority(cfg, e);
            String state;
            if (priority == 0) {
                state = "async";
            } else if (sync.contains(e)) {
                state = cfg.method() == SyncStandbyNames.Method.PRIORITY ? "sync" : "quorum";
            } else {
                state = "potential";
            }
            out.put(e, new SyncInfo(priority, state));
        }
        return out;
    }

    /** How many backends wait in the queues now. */
    public int waiterCount() {
        lock.lock();
        try {
            return queues.values().stream().mapToInt(TreeSet::size).sum();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A fast shutdown terminates the backends: the waiters, which outlast a terminate while the
     * server runs, leave now with FATAL 57P01 instead of holding the shutdown up. Returns at once.
     */
    public void beginShutdown() {
        lock.lock();
        try {
            shuttingDown = true;
            for (TreeSet<Waiter> q : queues.values()) {
                q.forEach(w -> w.released.signal());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The postmaster's shutdown: every waiter leaves with FATAL 57P01 (its commit is applied
     * locally by the transaction layer, as PostgreSQL's is already in its WAL); waits up to
     * {@link #SHUTDOWN_DRAIN_MS} for them to leave, so storage is not closed under them.
     */
    public void shutdown() {
        beginShutdown();
        lock.lock();
        try {
            long deadline = clock.millis() + SHUTDOWN_DRAIN_MS;
            while (queues.values().stream().anyMatch(q -> !q.isEmpty())) {
                long left = deadline - clock.millis();
                if (left <= 0) {
                    break;
                }
                drained.await(Math.min(left, POLL_MS), TimeUnit.MILLISECONDS);
            }
            // the woken backends apply their commits right after leaving the queue: let them
            drained.await(POLL_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}
