package org.walden.sql.func;

import static org.walden.sql.types.PgType.BOOL;
import static org.walden.sql.types.PgType.INT4;
import static org.walden.sql.types.PgType.INT8;
import static org.walden.sql.types.PgType.PG_LSN;
import static org.walden.sql.types.PgType.TEXT;

import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.RoleDef;

/**
 * The functions that act on the server rather than on data, with PostgreSQL 15's permission
 * rules and messages: pg_promote, pg_create_restore_point, pg_terminate_backend,
 * pg_cancel_backend, and the transaction id functions txid_current / pg_current_xact_id (the id
 * recovery_target_xid names); and Walden's own for {@code walden switchover}: walden_pause_writes,
 * walden_resume_writes, walden_standby_address.
 */
final class ServerControlFunctions {

    private ServerControlFunctions() {
    }

    static void register(Builtins r) {
        r.f("pg_promote", BOOL, BOOL, INT4).defaultValues(true, 60).argNames("wait", "wait_seconds").volatile_()
                .ctx(ServerControlFunctions::promote);
        r.f("pg_create_restore_point", PG_LSN, TEXT).volatile_().ctx((c, a) -> createRestorePoint(c, (String) a[0]));
        r.f("pg_terminate_backend", BOOL, INT4, INT8).defaultValues(0L).argNames("pid", "timeout").volatile_()
                .ctx((c, a) -> signalBackend(c, (Integer) a[0], a.length > 1 ? (Long) a[1] : 0L, true));
        r.f("pg_cancel_backend", BOOL, INT4).volatile_().ctx((c, a) -> signalBackend(c, (Integer) a[0], 0L, false));
        r.f("txid_current", INT8).volatile_().ctx((c, a) -> currentXid(c, "txid_current"));
        r.f("pg_current_xact_id", INT8).volatile_().ctx((c, a) -> currentXid(c, "pg_current_xact_id"));
        r.f("walden_pause_writes", PG_LSN, INT4).defaultValues(10).argNames("wait_seconds").volatile_()
                .ctx((c, a) -> pauseWrites(c, a.length > 0 ? (Integer) a[0] : 10));
        r.f("walden_resume_writes", BOOL).volatile_().ctx((c, a) -> {
            requireExecute(c, "walden_resume_writes");
            return c.serverStatus().resumeWrites();
        });
        r.f("walden_standby_address", TEXT, INT4).volatile_()
                .ctx((c, a) -> c.serverStatus().standbyAddress((Integer) a[0]));
    }

    /**
     * walden_pause_writes(wait_seconds => 10): new writers get 25006 until this session calls
     * walden_resume_writes() or ends; the running ones get wait_seconds to finish before their
     * sessions are ended. Returns the WAL position after the last of them.
     */
    private static Object pauseWrites(FnContext c, int seconds) {
        requireExecute(c, "walden_pause_writes");
        if (seconds < 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "\"wait_seconds\" must not be negative");
        }
        return c.serverStatus().pauseWrites(c.backendPid(), seconds * 1000L);
    }

    /**
     * pg_promote(wait => true, wait_seconds => 60): promote.signal and SIGUSR1, then (with wait)
     * true once recovery has ended, or a WARNING and false after wait_seconds.
     */
    private static Object promote(FnContext c, Object[] given) {
        requireExecute(c, "pg_promote");
        Object[] a = {given.length > 0 ? given[0] : Boolean.TRUE, given.length > 1 ? given[1] : 60};
        if (!c.serverStatus().inRecovery()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is not in progress")
                    .withHint("Recovery control functions can only be executed during recovery.");
        }
        if (a[0] == null || a[1] == null) {
            return null;
        }
        int waitSeconds = (Integer) a[1];
        if (waitSeconds <= 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "\"wait_seconds\" must not be negative or zero");
        }
        c.serverStatus().requestPromote();
        if (!(Boolean) a[0]) {
            return true;
        }
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            c.checkCancel();
            if (!c.serverStatus().inRecovery()) {
                return true;
            }
            sleep(10);
        }
        c.notice(new PgException(PgException.Severity.WARNING, SqlState.WARNING, "server did not promote within "
                + waitSeconds + (waitSeconds == 1 ? " second" : " seconds"), null, null, null));
        return false;
    }

    /** pg_create_restore_point(name): a named point recovery_target_name can stop at; its end LSN. */
    private static Object createRestorePoint(FnContext c, String name) {
        requireExecute(c, "pg_create_restore_point");
        if (c.serverStatus().inRecovery()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is in progress")
                    .withHint("WAL control functions cannot be executed during recovery.");
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= 64) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "value too long for restore point (maximum 63 characters)");
        }
        return c.serverStatus().createRestorePoint(name);
    }

    /**
     * pg_terminate_backend(pid, timeout => 0) / pg_cancel_backend(pid): pg_signal_backend's rules
     * (a superuser's backend only by a superuser; another role's only by a superuser), a WARNING
     * and false for a pid that is no backend; with a timeout, waits for the backend to exit.
     */
    private static Object signalBackend(FnContext c, int target, long timeoutMs, boolean terminate) {
        if (timeoutMs < 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "\"timeout\" must not be negative");
        }
        String owner = c.serverStatus().backendUser(target);
        if (owner == null) {
            c.notice(new PgException(PgException.Severity.WARNING, SqlState.WARNING,
                    "PID " + target + " is not a PostgreSQL backend process", null, null, null));
            return false;
        }
        checkSignalPermission(c, owner, terminate);
        if (!c.serverStatus().signalBackend(target, terminate)) {
            return false;
        }
        if (terminate && timeoutMs > 0 && !c.serverStatus().awaitBackendExit(target, timeoutMs)) {
            c.notice(new PgException(PgException.Severity.WARNING, SqlState.WARNING, "backend with PID " + target
                    + " did not terminate within " + timeoutMs + " milliseconds", null, null, null));
            return false;
        }
        return true;
    }

    private static void checkSignalPermission(FnContext c, String owner, boolean terminate) {
        RoleDef me = c.catalog().role(c.currentUser());
        if (me != null && me.superuser()) {
            return;
        }
        RoleDef victim = c.catalog().role(owner);
        if (victim != null && victim.superuser()) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, terminate
                    ? "must be a superuser to terminate superuser process"
                    : "must be a superuser to cancel superuser query");
        }
        if (!owner.equals(c.currentUser())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, terminate
                    ? "must be a member of the role whose process is being terminated or member of pg_signal_backend"
                    : "must be a member of the role whose query is being canceled or member of pg_signal_backend");
        }
    }

    /** txid_current() / pg_current_xact_id(): the transaction's id, assigned now if it has none. */
    private static Object currentXid(FnContext c, String name) {
        if (c.serverStatus().inRecovery()) {
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION, "cannot execute " + name + "() during recovery");
        }
        return Integer.toUnsignedLong(c.assignTransactionXid());
    }

    /** A function whose EXECUTE PostgreSQL revokes from PUBLIC: superusers and the roles granted it. */
    private static void requireExecute(FnContext c, String function) {
        BuiltinExecute.require(c, function);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        }
    }
}
