package org.walden.sql.exec;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;
import org.walden.wal.Lsn;

/** The built-in scalar functions: server and replication status, time, session identity, a few string helpers. */
final class Functions {

    /** version()'s text; starts with "PostgreSQL 15." as tools that parse it expect. */
    static final String VERSION = org.walden.common.ServerVersion.VERSION_STRING;

    /** pg_wal_replay_wait checks for a cancel at least this often. */
    private static final long REPLAY_WAIT_SLICE_MS = 100;

    private Functions() {
    }

    static PgException noSuchFunction(String name, List<Node> args, int position) {
        StringBuilder sig = new StringBuilder(name).append('(');
        for (int i = 0; i < args.size(); i++) {
            sig.append(i > 0 ? ", " : "").append(args.get(i).type.sqlName);
        }
        sig.append(')');
        return new SyntaxError(SqlState.UNDEFINED_FUNCTION, "function " + sig + " does not exist", position)
                .withHint("No function matches the given name and argument types. You might need to add explicit "
                        + "type casts.");
    }

    static BigDecimal lsnDiff(Object a, Object b) {
        BigInteger x = new BigInteger(Long.toUnsignedString(((Lsn) a).value()));
        BigInteger y = new BigInteger(Long.toUnsignedString(((Lsn) b).value()));
        return new BigDecimal(x.subtract(y));
    }

    private static Node fn(PgType type, Function<EvalContext, Object> f) {
        return new Node.Fn(type, true, f);
    }

    /** Resolves {@code name(args)}; 42883 when no such function (or argument types) exists. */
    static Node resolve(ExprAnalyzer a, String name, List<Node> args, int position) {
        int n = args.size();
        Node found = n == 0 ? noArgs(name) : withArgs(a, name, args);
        if (found == null) {
            throw noSuchFunction(name, args, position);
        }
        return found;
    }

    private static Node noArgs(String name) {
        return switch (name) {
            case "version" -> fn(PgType.TEXT, ctx -> VERSION);
            case "pg_is_in_recovery" -> fn(PgType.BOOL, ctx -> ctx.env.serverStatus().inRecovery());
            case "pg_current_wal_lsn", "pg_current_wal_insert_lsn", "pg_current_wal_flush_lsn" ->
                    fn(PgType.PG_LSN, ctx -> {
                        if (ctx.env.serverStatus().inRecovery()) {
                            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                                    "recovery is in progress")
                                    .withHint("WAL control functions cannot be executed during recovery.");
                        }
                        return ctx.env.serverStatus().currentWalLsn();
                    });
            case "pg_switch_wal" -> fn(PgType.PG_LSN, ctx -> {
                if (ctx.env.serverStatus().inRecovery()) {
                    throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is in progress")
                            .withHint("WAL control functions cannot be executed during recovery.");
                }
                return ctx.env.serverStatus().switchWal();
            });
            case "pg_last_wal_receive_lsn" -> fn(PgType.PG_LSN, ctx -> ctx.env.serverStatus().lastWalReceiveLsn());
            case "pg_last_wal_replay_lsn" -> fn(PgType.PG_LSN, ctx -> ctx.env.serverStatus().lastWalReplayLsn());
            case "pg_last_xact_replay_timestamp" ->
                    new Node.Fn(PgType.TIMESTAMPTZ, false, ctx -> ctx.env.serverStatus().lastXactReplayTimestamp());
            case "pg_wal_replay_pause", "pg_wal_replay_resume" -> new Node.Fn(PgType.TEXT, false, ctx -> {
                requireRecovery(ctx);
                ctx.env.serverStatus().setWalReplayPaused(name.equals("pg_wal_replay_pause"));
                return "";
            });
            case "pg_is_wal_replay_paused" -> new Node.Fn(PgType.BOOL, false, ctx -> {
                requireRecovery(ctx);
                return !ctx.env.serverStatus().walReplayPauseState().equals("not paused");
            });
            case "pg_get_wal_replay_pause_state" -> new Node.Fn(PgType.TEXT, false, ctx -> {
                requireRecovery(ctx);
                return ctx.env.serverStatus().walReplayPauseState();
            });
            case "pg_backend_pid" -> fn(PgType.INT4, ctx -> ctx.env.backendPid());
            case "now", "current_timestamp", "transaction_timestamp" ->
                    fn(PgType.TIMESTAMPTZ, ctx -> ctx.env.transactionStart());
            case "statement_timestamp" -> fn(PgType.TIMESTAMPTZ, ctx -> ctx.env.statementStart());
            case "clock_timestamp" -> fn(PgType.TIMESTAMPTZ, ctx -> Instant.now());
            case "localtimestamp" -> fn(PgType.TIMESTAMP,
                    ctx -> LocalDateTime.ofInstant(ctx.env.transactionStart(), ctx.env.zone()));
            case "current_user" -> fn(PgType.NAME, ctx -> ctx.env.currentUser());
            case "session_user" -> fn(PgType.NAME, ctx -> ctx.env.sessionUser());
            case "current_database" -> fn(PgType.NAME, ctx -> ctx.env.databaseName());
            case "current_schema" -> fn(PgType.NAME, ctx -> "public");
            case "pg_reload_conf" -> fn(PgType.BOOL, ctx -> ctx.env.serverStatus().reloadConfiguration());
            case "pg_postmaster_start_time" -> fn(PgType.TIMESTAMPTZ, ctx -> ctx.env.serverStatus().postmasterStartTime());
            case "random" -> new Node.Fn(PgType.FLOAT8, false, ctx -> Math.random());
            default -> null;
        };
    }

    private static Node withArgs(ExprAnalyzer a, String name, List<Node> args) {
        int n = args.size();
        switch (name) {
            case "pg_wal_replay_wait":
                if (n == 2) {
                    Node lsn = a.castTo(args.get(0), PgType.PG_LSN, -1);
                    Node timeout = a.castTo(args.get(1), PgType.INT8, -1);
                    return new Node.Fn(PgType.BOOL, false, ctx -> walReplayWait(ctx, lsn.eval(ctx), timeout.eval(ctx)));
                }
                return null;
            case "pg_database_size":
                if (n == 1) {
                    Node db = args.get(0).type.isInteger() ? a.castTo(args.get(0), PgType.OID, -1)
                            : a.castTo(args.get(0), PgType.NAME, -1);
                    return new Node.Fn(PgType.INT8, false, ctx -> databaseSize(ctx, db.eval(ctx)));
                }
                return null;
            case "pg_size_pretty":
                if (n == 1) {
                    Node size = a.castTo(args.get(0), PgType.INT8, -1);
                    return new Node.Fn(PgType.TEXT, false, ctx -> {
                        Object v = size.eval(ctx);
                        return v == null ? null : sizePretty((Long) v);
                    });
                }
                return null;
            case "pg_wal_lsn_diff":
                if (n == 2) {
                    Node x = a.castTo(args.get(0), PgType.PG_LSN, -1);
                    Node y = a.castTo(args.get(1), PgType.PG_LSN, -1);
                    return strict(PgType.NUMERIC, List.of(x, y), v -> lsnDiff(v[0], v[1]));
                }
                return null;
            case "pg_walfile_name":
                if (n == 1) {
                    Node lsn = a.castTo(args.get(0), PgType.PG_LSN, -1);
                    return new Node.Fn(PgType.TEXT, false, ctx -> {
                        if (ctx.env.serverStatus().inRecovery()) {
                            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is in progress")
                                    .withHint("pg_walfile_name() cannot be executed during recovery.");
                        }
                        Object v = lsn.eval(ctx);
                        return v == null ? null : ctx.env.serverStatus().walFileName((org.walden.wal.Lsn) v);
                    });
                }
                return null;
            case "pg_terminate_backend", "pg_cancel_backend":
                if (n == 1 || (n == 2 && name.equals("pg_terminate_backend"))) {
                    Node pid = a.castTo(args.get(0), PgType.INT4, -1);
                    boolean terminate = name.equals("pg_terminate_backend");
                    return new Node.Fn(PgType.BOOL, false, ctx -> {
                        Object p = pid.eval(ctx);
                        if (p == null) {
                            return null;
                        }
                        boolean done = ctx.env.serverStatus().signalBackend((Integer) p, terminate);
                        if (!done) {
                            ctx.env.notice(new PgException(PgException.Severity.WARNING, SqlState.WARNING,
                                    "PID " + p + " is not a PostgreSQL backend process", null, null, null));
                        }
                        return done;
                    });
                }
                return null;
            case "pg_create_physical_replication_slot":
                return n <= 3 ? createPhysicalReplicationSlot(a, args) : null;
            case "pg_drop_replication_slot":
                if (n == 1) {
                    Node slot = a.castTo(args.get(0), PgType.NAME, -1);
                    // returns void: no void type here, so an empty text as void's output reads
                    return new Node.Fn(PgType.TEXT, false, ctx -> {
                        Object v = slot.eval(ctx);
                        if (v == null) {
                            return null;
                        }
                        checkSlotPermissions(ctx);
                        ctx.env.serverStatus().dropReplicationSlot((String) v, ctx.env.backendPid());
                        return "";
                    });
                }
                return null;
            case "current_setting":
                if (n == 1 || n == 2) {
                    Node setting = a.castTo(args.get(0), PgType.TEXT, -1);
                    Node missingOk = n == 2 ? a.castTo(args.get(1), PgType.BOOL, -1) : null;
                    return new Node.Fn(PgType.TEXT, false, ctx -> {
                        Object s = setting.eval(ctx);
                        if (s == null) {
                            return null;
                        }
                        try {
                            return ctx.env.settings().show((String) s);
                        } catch (PgException e) {
                            if (missingOk != null && Boolean.TRUE.equals(missingOk.eval(ctx))) {
                                return null;
                            }
                            throw e;
                        }
                    });
                }
                return null;
            case "set_config":
                return n == 3 ? setConfig(a, args) : null;
            case "coalesce":
                return coalesce(a, args);
            case "nullif":
                if (n == 2) {
                    Node l = args.get(0);
                    Node r = a.resolveUnknown(args.get(1), l.type);
                    Node cmp = a.comparison("=", a.resolveUnknown(l, r.type), r, 0);
                    Node left = a.resolveUnknown(l, r.type);
                    return new Node.Fn(left.type, false, ctx -> Boolean.TRUE.equals(cmp.eval(ctx)) ? null : left.eval(ctx));
                }
                return null;
            case "lower", "upper", "length", "char_length", "btrim", "trim":
                return n == 1 ? stringFunction(a, name, args.get(0)) : null;
            case "abs":
                if (n == 1) {
                    Node x = a.resolveUnknown(args.get(0), PgType.NUMERIC);
                    if (!x.type.isNumeric()) {
                        return null;
                    }
                    PgType t = x.type;
                    return strict(t, List.of(x), v -> Values.compare(v[0], 0) < 0 ? Operators.negate(t, v[0]) : v[0]);
                }
                return null;
            default:
                return null;
        }
    }

    /**
     * pg_create_physical_replication_slot(slot_name name, immediately_reserve boolean DEFAULT
     * false, temporary boolean DEFAULT false) RETURNS record (slot_name, lsn). In a target list
     * the record comes back as its text form, as psql prints it ({@code (s,0/1000028)}, the lsn
     * empty when not reserved); in FROM ({@link TableFunctions}) as its two columns.
     */
    private static Node createPhysicalReplicationSlot(ExprAnalyzer a, List<Node> args) {
        Function<EvalContext, Object[]> create = createPhysicalReplicationSlotRow(a, args);
        return new Node.Fn(PgType.TEXT, false, ctx -> {
            Object[] row = create.apply(ctx);
            return row == null ? null : "(" + row[0] + "," + (row[1] == null ? "" : row[1].toString()) + ")";
        });
    }

    /** Creates the slot and returns its (slot_name, lsn); null when an argument is NULL (the function is strict). */
    static Function<EvalContext, Object[]> createPhysicalReplicationSlotRow(ExprAnalyzer a, List<Node> args) {
        Node name = a.castTo(args.get(0), PgType.NAME, -1);
        Node reserve = args.size() > 1 ? a.castTo(args.get(1), PgType.BOOL, -1) : null;
        Node temporary = args.size() > 2 ? a.castTo(args.get(2), PgType.BOOL, -1) : null;
        return ctx -> {
            Object slot = name.eval(ctx);
            Object r = reserve == null ? Boolean.FALSE : reserve.eval(ctx);
            Object t = temporary == null ? Boolean.FALSE : temporary.eval(ctx);
            if (slot == null || r == null || t == null) {
                return null;
            }
            checkSlotPermissions(ctx);
            Lsn lsn = ctx.env.serverStatus().createPhysicalReplicationSlot((String) slot, (Boolean) r, (Boolean) t,
                    ctx.env.backendPid());
            return new Object[] {slot, lsn};
        };
    }

    /** pg_database_size(name | oid): 3D000 for an unknown name; NULL for an unknown oid, as PostgreSQL. */
    private static Object databaseSize(EvalContext ctx, Object db) {
        if (db == null) {
            return null;
        }
        boolean exists = db instanceof String name ? ctx.env.catalog().databases().containsKey(name)
                : ctx.env.catalog().databases().values().stream()
                        .anyMatch(d -> d.oid() == ((Number) db).longValue());
        if (!exists) {
            if (db instanceof String name) {
                throw new PgException(SqlState.INVALID_CATALOG_NAME, "database \"" + name + "\" does not exist");
            }
            return null;
        }
        return ctx.env.serverStatus().databaseSizeBytes();
    }

    /** One unit of pg_size_pretty: below {@code limit} this unit is used; {@code round}: half-rounded. */
    private record SizeUnit(String name, long limit, boolean round, int unitBits) {
    }

    private static final List<SizeUnit> SIZE_UNITS = List.of(new SizeUnit("bytes", 10 * 1024, false, 0),
            new SizeUnit("kB", 20 * 1024 - 1, true, 10), new SizeUnit("MB", 20 * 1024 - 1, true, 20),
            new SizeUnit("GB", 20 * 1024 - 1, true, 30), new SizeUnit("TB", 20 * 1024 - 1, true, 40),
            new SizeUnit("PB", 20 * 1024 - 1, true, 50));

    /** pg_size_pretty(bigint), with PostgreSQL 15's units, limits and half rounding. */
    static String sizePretty(long size) {
        for (int i = 0; i < SIZE_UNITS.size(); i++) {
            SizeUnit u = SIZE_UNITS.get(i);
            boolean last = i == SIZE_UNITS.size() - 1;
            if (last || Math.abs(size) < u.limit()) {
                long shown = u.round() ? (size + (size < 0 ? -1 : 1)) / 2 : size;
                return shown + " " + u.name();
            }
            SizeUnit next = SIZE_UNITS.get(i + 1);
            int bits = next.unitBits() - u.unitBits() - (next.round() ? 1 : 0) + (u.round() ? 1 : 0);
            size /= 1L << bits;
        }
        throw new IllegalStateException("unreachable");
    }

    /** CheckSlotPermissions: the slot functions need superuser or REPLICATION (42501). */
    private static void checkSlotPermissions(EvalContext ctx) {
        org.walden.sql.catalog.RoleDef role = ctx.env.catalog().role(ctx.env.currentUser());
        if (role == null || !(role.superuser() || role.replication())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE,
                    "must be superuser or replication role to use replication slots");
        }
    }

    /**
     * set_config(name, value, is_local): SET [LOCAL] name = value (a null value resets it) and
     * returns the new value as SHOW prints it. libpq programs (createuser, pg_dump...) send
     * {@code SELECT pg_catalog.set_config('search_path', '', false)} right after connecting.
     */
    private static Node setConfig(ExprAnalyzer a, List<Node> args) {
        Node name = a.castTo(args.get(0), PgType.TEXT, -1);
        Node value = a.castTo(args.get(1), PgType.TEXT, -1);
        Node local = a.castTo(args.get(2), PgType.BOOL, -1);
        return new Node.Fn(PgType.TEXT, false, ctx -> {
            Object setting = name.eval(ctx);
            if (setting == null) {
                throw new PgException(SqlState.INTERNAL_ERROR, "SET requires parameter name");
            }
            Object v = value.eval(ctx);
            if (v == null) {
                ctx.env.settings().reset((String) setting);
            } else {
                ctx.env.settings().set((String) setting, (String) v, Boolean.TRUE.equals(local.eval(ctx)));
            }
            return ctx.env.settings().show((String) setting);
        });
    }

    private static Node stringFunction(ExprAnalyzer a, String name, Node arg) {
        Node s = a.resolveUnknown(arg, PgType.TEXT);
        if (!s.type.isString()) {
            return null;
        }
        boolean bp = s.type == PgType.BPCHAR;
        return switch (name) {
            case "lower" -> strict(PgType.TEXT, List.of(s), v -> ((String) v[0]).toLowerCase(Locale.ROOT));
            case "upper" -> strict(PgType.TEXT, List.of(s), v -> ((String) v[0]).toUpperCase(Locale.ROOT));
            case "btrim", "trim" -> strict(PgType.TEXT, List.of(s), v -> ((String) v[0]).strip());
            default -> strict(PgType.INT4, List.of(s), v -> {
                String str = bp ? Values.stripTrailingSpaces((String) v[0]) : (String) v[0];
                return str.codePointCount(0, str.length());
            });
        };
    }

    private static Node coalesce(ExprAnalyzer a, List<Node> args) {
        PgType type = PgType.UNKNOWN;
        for (Node x : args) {
            if (x.type != PgType.UNKNOWN) {
                type = type == PgType.UNKNOWN ? x.type
                        : (type.isNumeric() && x.type.isNumeric() ? Operators.arithmeticType(type, x.type) : type);
            }
        }
        if (type == PgType.UNKNOWN) {
            type = PgType.TEXT;
        }
        PgType t = type;
        List<Node> cast = args.stream().map(x -> x.type == t ? x : a.castTo(x, t, -1)).toList();
        return new Node.Fn(t, false, ctx -> {
            for (Node x : cast) {
                Object v = x.eval(ctx);
                if (v != null) {
                    return v;
                }
            }
            return null;
        });
    }

    /** PostgreSQL's recovery control functions refuse to run on a primary. */
    private static void requireRecovery(EvalContext ctx) {
        if (!ctx.env.serverStatus().inRecovery()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is not in progress")
                    .withHint("Recovery control functions can only be executed during recovery.");
        }
    }

    /**
     * pg_wal_replay_wait(lsn, timeout_ms), beyond PostgreSQL: true once replay on this standby
     * has passed {@code lsn} (a new snapshot sees every transaction committed before it), false
     * when {@code timeout_ms} passes first (0: just check). Waits in slices so that a cancel or
     * statement_timeout ends it. On a primary: 55000, as the recovery control functions.
     */
    private static Object walReplayWait(EvalContext ctx, Object lsn, Object timeoutMs) {
        if (lsn == null || timeoutMs == null) {
            return null;
        }
        long timeout = (Long) timeoutMs;
        if (timeout < 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "\"timeout_ms\" must not be negative");
        }
        if (!ctx.env.serverStatus().inRecovery()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is not in progress")
                    .withHint("Waiting for a replay position can only be executed during recovery.");
        }
        long deadline = System.nanoTime() + timeout * 1_000_000L;
        while (true) {
            long leftMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
            if (ctx.env.serverStatus().awaitWalReplay((Lsn) lsn, Math.min(leftMs, REPLAY_WAIT_SLICE_MS))) {
                return true;
            }
            if (leftMs == 0) {
                return false;
            }
            ctx.env.checkCancel();
        }
    }

    /** A function that returns NULL on any NULL argument. */
    private static Node strict(PgType type, List<Node> args, Function<Object[], Object> f) {
        boolean independent = args.stream().allMatch(Node::rowIndependent);
        return new Node.Fn(type, independent, ctx -> {
            Object[] v = new Object[args.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = args.get(i).eval(ctx);
                if (v[i] == null) {
                    return null;
                }
            }
            return f.apply(v);
        });
    }
}
