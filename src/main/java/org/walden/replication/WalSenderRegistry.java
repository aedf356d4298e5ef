package org.walden.replication;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;

/**
 * The live walsenders (PostgreSQL's WalSndCtl array): at most max_wal_senders of them; each
 * publishes its positions for pg_stat_replication and for synchronous replication.
 *
 * <p>Concurrency: {@link #lock} guards {@link #senders}; each {@link Entry}'s volatile fields
 * are written by its own walsender (and its reply reader) and read by anyone.
 */
public final class WalSenderRegistry {

    /** One walsender's shared slot (WalSnd in C). */
    public static final class Entry {
        final int pid;
        final String userName;
        final String applicationName;
        final InetSocketAddress client;
        final Instant backendStart;
        /** Written by the walsender thread; read by pg_stat_replication. */
        volatile WalSndState state = WalSndState.STARTUP;
        /** Written by the walsender thread (sentPtr). */
        volatile Lsn sentLsn = Lsn.INVALID;
        /** Written by the reply reader from 'r' messages. */
        volatile Lsn writeLsn = Lsn.INVALID;
        volatile Lsn flushLsn = Lsn.INVALID;
        volatile Lsn replayLsn = Lsn.INVALID;
        volatile Instant replyTime;
        /** Lags in microseconds, -1 when unknown; written by the reply reader. */
        volatile long writeLagMicros = -1;
        volatile long flushLagMicros = -1;
        volatile long replayLagMicros = -1;
        /** The xmin of the last hot standby feedback, 0 (InvalidTransactionId) without; written by the reply reader. */
        volatile long feedbackXmin;
        /** True once streaming started (pg_stat_replication shows only streaming-capable senders' LSNs). */
        volatile boolean streamingStarted;
        /** The replication command running or last run, and when it started (pg_stat_activity's query, query_start). */
        volatile String command;
        volatile Instant commandStart;
        /** Where the standby accepts connections, as its walreceiver reported it (walden.standby_address); or null. */
        volatile String standbyAddress;

        Entry(int pid, String userName, String applicationName, InetSocketAddress client, Instant backendStart) {
            this.pid = pid;
            this.userName = userName;
            this.applicationName = applicationName;
            this.client = client;
            this.backendStart = backendStart;
        }

        public String standbyAddress() {
            return standbyAddress;
        }

        /** pg_stat_replication.backend_xmin: the last hot standby feedback's xmin, null without. */
        public Long backendXmin() {
            long x = feedbackXmin;
            return x == 0 ? null : x;
        }

        /** pg_stat_activity.query: the replication command running or last run (null before the first). */
        public String command() {
            return command;
        }

        public Instant commandStart() {
            return commandStart;
        }

        public int pid() {
            return pid;
        }

        public String applicationName() {
            return applicationName;
        }

        public WalSndState state() {
            return state;
        }

        public Lsn sentLsn() {
            return sentLsn;
        }

        public Lsn writeLsn() {
            return writeLsn;
        }

        public Lsn flushLsn() {
            return flushLsn;
        }

        public Lsn replayLsn() {
            return replayLsn;
        }

        WalSenderStat stat(SyncRep.SyncInfo sync) {
            boolean started = streamingStarted;
            return new WalSenderStat(pid, userName, applicationName,
                    client == null ? null : client.getAddress(), client == null ? -1 : client.getPort(),
                    backendStart, state.viewName(), started ? sentLsn : null, orNull(writeLsn), orNull(flushLsn),
                    orNull(replayLsn), lag(writeLagMicros), lag(flushLagMicros), lag(replayLagMicros), sync.priority(), sync.state(),
                    replyTime);
        }

        private static Long lag(long micros) {
            return micros < 0 ? null : micros;
        }

        private static Lsn orNull(Lsn lsn) {
            return lsn.isValid() ? lsn : null;
        }
    }

    private static final SyncRep.SyncInfo ASYNC = new SyncRep.SyncInfo(0, "async");

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Entry> senders = new ArrayList<>();
    /** Synchronous replication on a primary (null on a standby: its walsenders cascade, all async). */
    private volatile SyncRep syncRep;

    /** Called by {@link SyncRep}'s constructor: replies now release its waiters. */
    void attachSyncRep(SyncRep rep) {
        this.syncRep = rep;
    }

    /**
     * A walsender processed a standby's 'r' reply (its positions are in its entry): wakes the
     * commits the synchronous standbys now guarantee (SyncRepReleaseWaiters).
     */
    void standbyReplied(Entry entry) {
        SyncRep rep = syncRep;
        if (rep != null) {
            rep.releaseWaiters();
        }
    }

    /**
     * InitWalSenderSlot: takes a free slot, or FATAL 53300 when max_wal_senders are running.
     */
    public Entry register(int maxWalSenders, int pid, String userName, String applicationName,
                          InetSocketAddress client, Instant backendStart) {
        lock.lock();
        try {
            if (senders.size() >= maxWalSenders) {
                throw PgException.fatal(SqlState.TOO_MANY_CONNECTIONS,
                        "number of requested standby connections exceeds max_wal_senders (currently "
                                + maxWalSenders + ")");
            }
            Entry e = new Entry(pid, userName, applicationName, client, backendStart);
            senders.add(e);
            return e;
        } finally {
            lock.unlock();
        }
    }

    public void unregister(Entry entry) {
        lock.lock();
        try {
            senders.remove(entry);
        } finally {
            lock.unlock();
        }
    }

    /** The live walsenders, oldest first. */
    public List<Entry> entries() {
        lock.lock();
        try {
            return List.copyOf(senders);
        } finally {
            lock.unlock();
        }
    }

    /** pg_stat_replication's rows. */
    public List<WalSenderStat> stats() {
        List<WalSenderStat> out = new ArrayList<>();
        List<Entry> all = entries();
        SyncRep rep = syncRep;
        java.util.Map<Entry, SyncRep.SyncInfo> sync = rep == null ? java.util.Map.of() : rep.syncStates(all);
        for (Entry e : all) {
            out.add(e.stat(sync.getOrDefault(e, ASYNC)));
        }
        return out;
    }
}
