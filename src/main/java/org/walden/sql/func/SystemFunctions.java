package org.walden.sql.func;

import org.walden.sql.parse.Keywords;

import static org.walden.sql.types.PgType.*;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.walden.common.PgException;
import org.walden.common.ServerVersion;
import org.walden.common.SqlState;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.types.InetValue;
import org.walden.sql.types.Interval;
import org.walden.sql.types.PgType;
import org.walden.sql.types.RowValue;
import org.walden.wal.Lsn;

/**
 * Session and server functions: identity, settings, WAL positions and replay control,
 * replication slots, backend signalling, sequences, generate_series, and the other system
 * information functions.
 */
final class SystemFunctions {

    /** pg_wal_replay_wait checks for a cancel at least this often. */
    private static final long REPLAY_WAIT_SLICE_MS = 100;

    private SystemFunctions() {
    }

    static void register(Builtins r) {
        identity(r);
        settings(r);
        wal(r);
        slotsAndBackends(r);
        sequences(r);
        series(r);
        r.f("gen_random_uuid", UUID).volatile_().impl(a -> java.util.UUID.randomUUID());
        r.f("pg_typeof", REGTYPE, ANY).nonStrict().typed((types, res) -> (c, a) -> (long) types[0].oid);
        r.f("pg_get_keywords", RECORD).out("word", TEXT, "catcode", CHAR, "catdesc", TEXT, "barelabel", BOOL,
                "baredesc", TEXT).srf((c, a, t) -> {
                    List<Object[]> rows = new ArrayList<>();
                    for (String w : Keywords.all()) {
                        char cat = Keywords.category(w);
                        rows.add(new Object[] {w, String.valueOf(cat), Keywords.description(cat), true,
                            "can be bare label"});
                    }
                    return rows.iterator();
                });
    }

    private static void identity(Builtins r) {
        r.f("version", TEXT).stable().impl(a -> ServerVersion.VERSION_STRING);
        r.f("current_user", NAME).stable().ctx((c, a) -> c.currentUser());
        r.f("current_role", NAME).stable().ctx((c, a) -> c.currentUser());
        r.f("user", NAME).stable().ctx((c, a) -> c.currentUser());
        r.f("session_user", NAME).stable().ctx((c, a) -> c.sessionUser());
        r.f("current_database", NAME).stable().ctx((c, a) -> c.databaseName());
        r.f("current_catalog", NAME).stable().ctx((c, a) -> c.databaseName());
        r.f("current_schema", NAME).stable().ctx((c, a) -> {
            List<String> path = c.searchPath(false);
            return path.isEmpty() ? null : path.get(0);
        });
        r.f("current_schemas", NAME_ARRAY, BOOL).stable().ctx((c, a) -> new ArrayList<Object>(
                c.searchPath((Boolean) a[0])));
        r.f("pg_backend_pid", INT4).stable().ctx((c, a) -> c.backendPid());
        r.f("pg_blocking_pids", INT4_ARRAY, INT4).volatile_().ctx((c, a) -> new ArrayList<Object>(
                c.blockingPids((Integer) a[0])));
        r.f("pg_postmaster_start_time", TIMESTAMPTZ).stable().ctx((c, a) -> c.serverStatus().postmasterStartTime());
        r.f("pg_conf_load_time", TIMESTAMPTZ).stable().ctx((c, a) -> c.serverStatus().postmasterStartTime());
        r.f("pg_is_in_recovery", BOOL).volatile_().ctx((c, a) -> c.serverStatus().inRecovery());
        for (boolean client : new boolean[] {true, false}) {
            String end = client ? "client" : "server";
            r.f("inet_" + end + "_addr", INET).stable().ctx((c, a) -> {
                java.net.InetSocketAddress e = c.connectionEnd(client);
                return e == null ? null : InetValue.host(e.getAddress());
            });
            r.f("inet_" + end + "_port", INT4).stable().ctx((c, a) -> {
                java.net.InetSocketAddress e = c.connectionEnd(client);
                return e == null ? null : e.getPort();
            });
        }
        r.f("pg_my_temp_schema", OID).stable().ctx((c, a) -> (long) c.lookup().tempNamespaceOid());
        r.f("pg_is_other_temp_schema", BOOL, OID).stable().ctx((c, a) -> {
            int oid = (int) ((Number) a[0]).longValue();
            org.walden.sql.catalog.Namespace n = c.lookup().namespace(oid);
            return n != null && org.walden.sql.catalog.CatalogLookup.isTemporary(n)
                    && oid != c.lookup().tempNamespaceOid();
        });
        r.f("pg_jit_available", BOOL).impl(a -> false);
        r.f("num_nulls", INT4, ANY).variadic(ANY).nonStrict().impl(a -> nulls(a));
        r.f("num_nonnulls", INT4, ANY).variadic(ANY).nonStrict().impl(a -> a.length - nulls(a));
        r.f("pg_trigger_depth", INT4).stable().impl(a -> 0);
    }

    /** num_nulls: how many of the arguments are NULL. */
    private static int nulls(Object[] args) {
        int n = 0;
        for (Object x : args) {
            n += x == null ? 1 : 0;
        }
        return n;
    }

    private static void settings(Builtins r) {
        r.f("current_setting", TEXT, TEXT).stable().ctx((c, a) -> c.settings().show((String) a[0]));
        r.f("current_setting", TEXT, TEXT, BOOL).stable().ctx((c, a) -> {
            try {
                return c.settings().show((String) a[0]);
            } catch (PgException e) {
                if (Boolean.TRUE.equals(a[1])) {
                    return null;
                }
                throw e;
            }
        });
        // set_config(name, value, is_local): SET [LOCAL] name = value (NULL resets) and the new value as SHOW prints it
        r.f("set_config", TEXT, TEXT, TEXT, BOOL).volatile_().nonStrict().ctx((c, a) -> {
            if (a[0] == null) {
                throw new PgException(SqlState.INTERNAL_ERROR, "SET requires parameter name");
            }
            if (a[1] == null) {
                c.settings().reset((String) a[0]);
            } else {
                c.settings().set((String) a[0], (String) a[1], Boolean.TRUE.equals(a[2]));
            }
            return c.settings().show((String) a[0]);
        });
        r.f("pg_reload_conf", BOOL).volatile_().ctx((c, a) -> c.serverStatus().reloadConfiguration());
    }

    private static void wal(Builtins r) {
        for (String name : List.of("pg_current_wal_lsn", "pg_current_wal_insert_lsn", "pg_current_wal_flush_lsn")) {
            r.f(name, PG_LSN).volatile_().ctx((c, a) -> {
                requireNotRecovery(c, "WAL control functions cannot be executed during recovery.");
                return c.serverStatus().currentWalLsn();
            });
        }
        r.f("pg_switch_wal", PG_LSN).volatile_().ctx((c, a) -> {
            requireNotRecovery(c, "WAL control functions cannot be executed during recovery.");
            return c.serverStatus().switchWal();
        });
        r.f("pg_last_wal_receive_lsn", PG_LSN).volatile_().ctx((c, a) -> c.serverStatus().lastWalReceiveLsn());
        r.f("pg_last_wal_replay_lsn", PG_LSN).volatile_().ctx((c, a) -> c.serverStatus().lastWalReplayLsn());
        r.f("pg_last_xact_replay_timestamp", TIMESTAMPTZ).volatile_().ctx((c, a) ->
                c.serverStatus().lastXactReplayTimestamp());
        r.f("pg_wal_replay_pause", VOID).volatile_().ctx((c, a) -> {
            requireRecovery(c);
            c.serverStatus().setWalReplayPaused(true);
            return null;
        });
        r.f("pg_wal_replay_resume", VOID).volatile_().ctx((c, a) -> {
            requireRecovery(c);
            c.serverStatus().setWalReplayPaused(false);
            return null;
        });
        r.f("pg_is_wal_replay_paused", BOOL).volatile_().ctx((c, a) -> {
            requireRecovery(c);
            return !c.serverStatus().walReplayPauseState().equals("not paused");
        });
        r.f("pg_get_wal_replay_pause_state", TEXT).volatile_().ctx((c, a) -> {
            requireRecovery(c);
            return c.serverStatus().walReplayPauseState();
        });
        r.f("pg_wal_replay_wait", BOOL, PG_LSN, INT8).volatile_().ctx((c, a) -> walReplayWait(c, (Lsn) a[0],
                (Long) a[1]));
        r.f("pg_wal_lsn_diff", NUMERIC, PG_LSN, PG_LSN).impl(a -> lsnDiff(a[0], a[1]));
        Operators.binary(r, "-", PG_LSN, PG_LSN, NUMERIC, SystemFunctions::lsnDiff);
        Operators.binary(r, "+", PG_LSN, NUMERIC, PG_LSN, (x, n) -> lsnPlus(x, (BigDecimal) n));
        Operators.binary(r, "+", NUMERIC, PG_LSN, PG_LSN, (n, x) -> lsnPlus(x, (BigDecimal) n));
        Operators.binary(r, "-", PG_LSN, NUMERIC, PG_LSN, (x, n) -> lsnPlus(x, ((BigDecimal) n).negate()));
        r.f("pg_walfile_name", TEXT, PG_LSN).volatile_().ctx((c, a) -> {
            requireNotRecovery(c, "pg_walfile_name() cannot be executed during recovery.");
            return c.serverStatus().walFileName((Lsn) a[0]);
        });
    }

    static BigDecimal lsnDiff(Object a, Object b) {
        BigInteger x = new BigInteger(Long.toUnsignedString(((Lsn) a).value()));
        BigInteger y = new BigInteger(Long.toUnsignedString(((Lsn) b).value()));
        return new BigDecimal(x.subtract(y));
    }

    /** pg_lsn + numeric, as PostgreSQL 14's: the sum rounded to a whole byte, within 0 .. 2^64 - 1 (22003). */
    static Lsn lsnPlus(Object lsn, BigDecimal bytes) {
        BigInteger sum = new BigDecimal(new BigInteger(Long.toUnsignedString(((Lsn) lsn).value()))).add(bytes)
                .setScale(0, java.math.RoundingMode.HALF_UP).toBigIntegerExact();
        if (sum.signum() < 0 || sum.bitLength() > 64) {
            throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "pg_lsn out of range");
        }
        return new Lsn(sum.longValue());
    }

    private static void requireNotRecovery(FnContext c, String hint) {
        if (c.serverStatus().inRecovery()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is in progress").withHint(hint);
        }
    }

    /** PostgreSQL's recovery control functions refuse to run on a primary. */
    private static void requireRecovery(FnContext c) {
        if (!c.serverStatus().inRecovery()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is not in progress")
                    .withHint("Recovery control functions can only be executed during recovery.");
        }
    }

    /**
     * pg_wal_replay_wait(lsn, timeout_ms), beyond PostgreSQL: true once replay on this standby
     * has passed {@code lsn}, false when {@code timeout_ms} passes first (0: just check). Waits in
     * slices so that a cancel or statement_timeout ends it. On a primary: 55000.
     */
    private static Object walReplayWait(FnContext c, Lsn lsn, long timeout) {
        if (timeout < 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "\"timeout_ms\" must not be negative");
        }
        if (!c.serverStatus().inRecovery()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is not in progress")
                    .withHint("Waiting for a replay position can only be executed during recovery.");
        }
        long deadline = System.nanoTime() + timeout * 1_000_000L;
        while (true) {
            long leftMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
            if (c.serverStatus().awaitWalReplay(lsn, Math.min(leftMs, REPLAY_WAIT_SLICE_MS))) {
                return true;
            }
            if (leftMs == 0) {
                return false;
            }
            c.checkCancel();
        }
    }

    private static void slotsAndBackends(Builtins r) {
        // pg_create_physical_replication_slot(slot_name, immediately_reserve, temporary) RETURNS record (slot_name, lsn)
        r.f("pg_create_physical_replication_slot", RECORD, NAME, BOOL, BOOL).defaultValues(false, false).volatile_()
                .argNames("slot_name", "immediately_reserve", "temporary")
                .out("slot_name", NAME, "lsn", PG_LSN).ctx((c, a) -> {
                    checkSlotPermissions(c);
                    boolean reserve = a.length > 1 && Boolean.TRUE.equals(a[1]);
                    boolean temporary = a.length > 2 && Boolean.TRUE.equals(a[2]);
                    Lsn lsn = c.serverStatus().createPhysicalReplicationSlot((String) a[0], reserve, temporary,
                            c.backendPid());
                    return record(new Object[] {a[0], lsn}, List.of(NAME, PG_LSN));
                });
        r.f("pg_drop_replication_slot", VOID, NAME).volatile_().ctx((c, a) -> {
            checkSlotPermissions(c);
            c.serverStatus().dropReplicationSlot((String) a[0], c.backendPid());
            return null;
        });
    }

    /** A record value for a record-returning function called in a target list. */
    static RowValue record(Object[] values, List<PgType> types) {
        return new RowValue(values, types);
    }


    /** CheckSlotPermissions: the slot functions need superuser or REPLICATION (42501). */
    private static void checkSlotPermissions(FnContext c) {
        RoleDef role = c.catalog().role(c.currentUser());
        if (role == null || !(role.superuser() || role.replication())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE,
                    "must be superuser or replication role to use replication slots");
        }
    }

    private static void sequences(Builtins r) {
        r.f("nextval", INT8, REGCLASS).volatile_().ctx((c, a) -> c.sequences().nextval((int) (long) (Long) a[0]));
        r.f("currval", INT8, REGCLASS).volatile_().ctx((c, a) -> c.sequences().currval((int) (long) (Long) a[0]));
        r.f("lastval", INT8).volatile_().ctx((c, a) -> c.sequences().lastval());
        r.f("setval", INT8, REGCLASS, INT8).volatile_().ctx((c, a) -> c.sequences().setval((int) (long) (Long) a[0],
                (Long) a[1], true));
        r.f("setval", INT8, REGCLASS, INT8, BOOL).volatile_().ctx((c, a) -> c.sequences().setval(
                (int) (long) (Long) a[0], (Long) a[1], (Boolean) a[2]));
    }

    private static void series(Builtins r) {
        r.f("generate_series", INT4, INT4, INT4).values(a -> longSeries((Integer) a[0], (Integer) a[1], 1, true));
        r.f("generate_series", INT4, INT4, INT4, INT4).values(a -> longSeries((Integer) a[0], (Integer) a[1],
                (Integer) a[2], true));
        r.f("generate_series", INT8, INT8, INT8).values(a -> longSeries((Long) a[0], (Long) a[1], 1, false));
        r.f("generate_series", INT8, INT8, INT8, INT8).values(a -> longSeries((Long) a[0], (Long) a[1], (Long) a[2],
                false));
        r.f("generate_series", NUMERIC, NUMERIC, NUMERIC).values(a -> numericSeries((BigDecimal) a[0],
                (BigDecimal) a[1], BigDecimal.ONE));
        r.f("generate_series", NUMERIC, NUMERIC, NUMERIC, NUMERIC).values(a -> numericSeries((BigDecimal) a[0],
                (BigDecimal) a[1], (BigDecimal) a[2]));
        r.f("generate_series", TIMESTAMP, TIMESTAMP, TIMESTAMP, INTERVAL).values(a -> timeSeries(a[0], a[1],
                (Interval) a[2], null));
        r.f("generate_series", TIMESTAMPTZ, TIMESTAMPTZ, TIMESTAMPTZ, INTERVAL).stable().srf((c, a, t) -> {
            Iterator<Object> it = timeSeries(a[0], a[1], (Interval) a[2], c);
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public Object[] next() {
                    return new Object[] {it.next()};
                }
            };
        });
    }

    private static Iterator<Object> longSeries(long from, long to, long step, boolean int4) {
        if (step == 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "step size cannot equal zero");
        }
        return new Iterator<>() {
            long next = from;
            boolean done = step > 0 ? from > to : from < to;

            @Override
            public boolean hasNext() {
                return !done;
            }

            @Override
            public Object next() {
                if (done) {
                    throw new NoSuchElementException();
                }
                long v = next;
                if (step > 0 ? v > to - step || v > Long.MAX_VALUE - step : v < to - step || v < Long.MIN_VALUE - step) {
                    done = true;
                } else {
                    next = v + step;
                }
                return int4 ? (Object) (int) v : (Object) v;
            }
        };
    }

    private static Iterator<Object> numericSeries(BigDecimal from, BigDecimal to, BigDecimal step) {
        if (step.signum() == 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "step size cannot equal zero");
        }
        return new Iterator<>() {
            BigDecimal next = from;

            @Override
            public boolean hasNext() {
                return step.signum() > 0 ? next.compareTo(to) <= 0 : next.compareTo(to) >= 0;
            }

            @Override
            public Object next() {
                BigDecimal v = next;
                next = next.add(step);
                return v;
            }
        };
    }

    private static Iterator<Object> timeSeries(Object from, Object to, Interval step, FnContext c) {
        if (step.approxMicros() == 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "step size cannot equal zero");
        }
        boolean up = step.approxMicros() > 0;
        return new Iterator<>() {
            Object next = from;

            @Override
            public boolean hasNext() {
                int cmp = org.walden.sql.types.Values.compare(next, to);
                return up ? cmp <= 0 : cmp >= 0;
            }

            @Override
            public Object next() {
                Object v = next;
                next = next instanceof LocalDateTime t ? Arith.timestampPlus(t, step, 1)
                        : Arith.timestamptzPlus((Instant) next, step, 1, c.zone());
                return v;
            }
        };
    }

    static Instant truncate(Instant i) {
        return i.truncatedTo(ChronoUnit.MICROS);
    }
}
