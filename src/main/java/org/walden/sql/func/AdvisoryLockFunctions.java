package org.walden.sql.func;

import static org.walden.sql.types.PgType.BOOL;
import static org.walden.sql.types.PgType.FLOAT8;
import static org.walden.sql.types.PgType.TEXT;
import static org.walden.sql.types.PgType.INT4;
import static org.walden.sql.types.PgType.INT8;
import static org.walden.sql.types.PgType.VOID;

import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.types.PgType;
import org.walden.txn.AdvisoryLockTable;

/**
 * pg_advisory_lock, pg_advisory_xact_lock, pg_try_advisory_lock, pg_try_advisory_xact_lock,
 * each also _shared, on a bigint or an (int, int) key; pg_advisory_unlock[_shared] and
 * pg_advisory_unlock_all: the session's locks in the server's {@link AdvisoryLockTable}. A wait
 * notices cancel requests, statement_timeout and lock_timeout (55P03), as PostgreSQL's does.
 * Also the session-coordination functions of LISTEN / NOTIFY: pg_notify, pg_listening_channels
 * and pg_notification_queue_usage (always 0: notifications wait in memory, not in a queue file).
 */
final class AdvisoryLockFunctions {

    /** How long one wait lasts before the cancel and timeout checks. */
    private static final long WAIT_SLICE_MS = 100;

    private AdvisoryLockFunctions() {
    }

    static void register(Builtins r) {
        for (boolean shared : new boolean[] {false, true}) {
            String suffix = shared ? "_shared" : "";
            for (boolean xact : new boolean[] {false, true}) {
                String level = xact ? "_xact" : "";
                r.f("pg_advisory" + level + "_lock" + suffix, VOID, INT8).volatile_()
                        .ctx((c, a) -> lock(c, key(c, a), !shared, xact));
                r.f("pg_advisory" + level + "_lock" + suffix, VOID, INT4, INT4).volatile_()
                        .ctx((c, a) -> lock(c, key(c, a), !shared, xact));
                r.f("pg_try_advisory" + level + "_lock" + suffix, BOOL, INT8).volatile_()
                        .ctx((c, a) -> tryLock(c, key(c, a), !shared, xact));
                r.f("pg_try_advisory" + level + "_lock" + suffix, BOOL, INT4, INT4).volatile_()
                        .ctx((c, a) -> tryLock(c, key(c, a), !shared, xact));
            }
            for (PgType[] args : new PgType[][] {{INT8}, {INT4, INT4}}) {
                r.f("pg_advisory_unlock" + suffix, BOOL, args).volatile_().ctx((c, a) -> unlock(c, key(c, a), !shared));
            }
        }
        r.f("pg_advisory_unlock_all", VOID).volatile_().ctx((c, a) -> {
            c.advisoryLocks().releaseSessionLocks(c.backendPid(), false);
            return null;
        });
        // LISTEN / NOTIFY's functions (PostgreSQL's async.c)
        r.f("pg_notify", VOID, TEXT, TEXT).volatile_().nonStrict().ctx((c, a) -> {
            c.notify((String) a[0], (String) a[1]);
            return null;
        });
        r.f("pg_listening_channels", TEXT).stable().srf((c, a, t) -> c.listeningChannels().stream().sorted()
                .map(ch -> new Object[] {ch}).iterator());
        r.f("pg_notification_queue_usage", FLOAT8).volatile_().impl(a -> 0.0);
    }

    private static AdvisoryLockTable.Key key(FnContext c, Object[] a) {
        int database = c.catalog().database().oid();
        return a.length == 1 ? AdvisoryLockTable.Key.of(database, (Long) a[0])
                : AdvisoryLockTable.Key.of(database, (Integer) a[0], (Integer) a[1]);
    }

    private static Object lock(FnContext c, AdvisoryLockTable.Key key, boolean exclusive, boolean xact) {
        long timeout = c.lockTimeoutMs();
        long deadline = timeout > 0 ? System.currentTimeMillis() + timeout : Long.MAX_VALUE;
        while (true) {
            c.checkCancel();
            long left = deadline - System.currentTimeMillis();
            if (c.advisoryLocks().acquire(c.backendPid(), key, exclusive, xact, Math.max(0, Math.min(WAIT_SLICE_MS, left)))) {
                return null;
            }
            if (System.currentTimeMillis() >= deadline) {
                throw new PgException(SqlState.LOCK_NOT_AVAILABLE, "canceling statement due to lock timeout");
            }
        }
    }

    private static Object tryLock(FnContext c, AdvisoryLockTable.Key key, boolean exclusive, boolean xact) {
        return c.advisoryLocks().acquire(c.backendPid(), key, exclusive, xact, 0);
    }

    private static Object unlock(FnContext c, AdvisoryLockTable.Key key, boolean exclusive) {
        if (c.advisoryLocks().release(c.backendPid(), key, exclusive)) {
            return true;
        }
        c.notice(new PgException(PgException.Severity.WARNING, SqlState.WARNING,
                "you don't own a lock of type " + (exclusive ? "ExclusiveLock" : "ShareLock"), null, null, null));
        return false;
    }
}
