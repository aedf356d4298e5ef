package org.walden.sql;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.walden.sql.func.FnContext;

/**
 * The per-database counters of pg_stat_database that are not sums over tables: transactions
 * committed and rolled back, deadlocks, sessions, and the sessions' time in all, active and idle
 * in a transaction, and how sessions ended. Each session holds its database's {@link Counters} and adds to them as it
 * goes (commit, rollback, an error, a state change, its end); pg_stat_database reads them, with the
 * tables' row counts ({@link TableActivityStats}) summed beside them; pg_stat_reset() zeroes
 * them and sets stats_reset. Kept in memory: a restart starts them again, as a crash does in
 * PostgreSQL. Thread-safe (adders).
 */
final class DatabaseActivityStats {

    /** One database's counters. */
    static final class Counters {
        final LongAdder commits = new LongAdder();
        final LongAdder rollbacks = new LongAdder();
        final LongAdder deadlocks = new LongAdder();
        final LongAdder sessions = new LongAdder();
        final LongAdder sessionMicros = new LongAdder();
        final LongAdder activeMicros = new LongAdder();
        final LongAdder idleInTransactionMicros = new LongAdder();
        final LongAdder abandoned = new LongAdder();
        final LongAdder fatal = new LongAdder();
        final LongAdder killed = new LongAdder();
        volatile Instant statsReset;

        void sessionEnded(Session.EndCause cause) {
            switch (cause) {
                case ABANDONED -> abandoned.increment();
                case FATAL -> fatal.increment();
                case KILLED -> killed.increment();
                case NORMAL -> {
                }
            }
        }

        /** A session spent {@code micros} in {@code state} (pg_stat_activity's names). */
        void sessionTime(String state, long micros) {
            sessionMicros.add(micros);
            if (state.equals("active")) {
                activeMicros.add(micros);
            } else if (state.startsWith("idle in transaction")) {
                idleInTransactionMicros.add(micros);
            }
        }
    }

    private final Map<Integer, Counters> counters = new ConcurrentHashMap<>();

    Counters of(int db) {
        return counters.computeIfAbsent(db, k -> new Counters());
    }

    /** pg_stat_reset(): the database's counters start again from zero, stats_reset now. */
    void reset(int db, Instant when) {
        Counters c = of(db);
        for (LongAdder a : new LongAdder[] {c.commits, c.rollbacks, c.deadlocks, c.sessions, c.sessionMicros,
                c.activeMicros, c.idleInTransactionMicros, c.abandoned, c.fatal, c.killed}) {
            a.reset();
        }
        c.statsReset = when;
    }

    /** pg_stat_database's counters of {@code db}, its tables' row counts summed from {@code tables}. */
    FnContext.DatabaseActivity activity(int db, TableActivityStats tables) {
        Counters c = of(db);
        long[] rows = tables.rowTotals(db);
        return new FnContext.DatabaseActivity(c.commits.sum(), c.rollbacks.sum(), rows[0], rows[1], rows[2], rows[3],
                rows[4], c.deadlocks.sum(), c.sessionMicros.sum() / 1000.0, c.activeMicros.sum() / 1000.0,
                c.idleInTransactionMicros.sum() / 1000.0, c.sessions.sum(), c.abandoned.sum(), c.fatal.sum(),
                c.killed.sum(), c.statsReset);
    }
}
