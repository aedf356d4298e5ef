package org.walden.sql;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.SessionSettings;
import org.walden.replication.SyncRep;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.AnalyzerEnv;
import org.walden.sql.analyze.ParamTypes;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.CatalogStorage;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.SharedCatalog;
import org.walden.sql.command.AnalyzeCommand;
import org.walden.sql.command.Commands;
import org.walden.sql.exec.ExecNode;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.ModifyTable;
import org.walden.sql.parse.Lexer;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.parse.Tree;
import org.walden.sql.plan.Planner;
import org.walden.sql.types.PgType;
import org.walden.sql.types.ValueContext;
import org.walden.sql.types.Values;
import org.walden.txn.SynchronousCommit;
import org.walden.txn.Transaction;
import org.walden.txn.TwoPhase;

/**
 * One client's SQL session: the transaction-block state machine, and the path of each
 * statement from text to rows — parsed ({@link SqlParser}), analyzed, planned ({@link Planner})
 * and executed, or run as a utility command ({@link Utility}).
 *
 * <p>Transaction states (PostgreSQL's TBLOCK_* reduced to four):
 * <pre>
 *   IDLE     no transaction            ─ a statement ─▶ IMPLICIT      ─ BEGIN ─▶ BLOCK
 *   IMPLICIT statements until Sync    ─ sync() commits ─▶ IDLE;  error: rolled back ─▶ IDLE
 *                                      ─ BEGIN ─▶ BLOCK (the implicit work joins the block)
 *   BLOCK    BEGIN ... COMMIT          ─ COMMIT/ROLLBACK ─▶ IDLE;  error ─▶ FAILED
 *   FAILED   rolled back, awaiting end ─ COMMIT (answers ROLLBACK) / ROLLBACK ─▶ IDLE
 *                                      ─ ROLLBACK TO a savepoint ─▶ BLOCK
 * </pre>
 * Savepoints are subtransactions of the transaction ({@link Transaction#beginSubtransaction}):
 * an error in a block with savepoints undoes the innermost one's work at once (PostgreSQL's
 * AbortSubTransaction) and keeps the transaction, FAILED until ROLLBACK TO. The transaction's
 * isolation level and access mode come from default_transaction_isolation and
 * default_transaction_read_only, may change (BEGIN's modes, SET TRANSACTION) until its first
 * statement takes a snapshot, and are fixed from then on; REPEATABLE READ keeps that first
 * snapshot, SERIALIZABLE is refused (0A000) rather than run as something weaker.
 * The catalog a statement sees is the engine's committed one, or, once this transaction has
 * changed the catalog, the one read through the transaction (its own changes included). Used by
 * its backend thread only, except {@link #cancel()} (volatile flag).
 */
final class WaldenSession implements Session {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WaldenSession.class);

    private enum TxState { IDLE, IMPLICIT, BLOCK, FAILED }

    final WaldenSqlEngine engine;
    final String sessionUser;
    final String databaseName;
    final int backendPid;
    final SessionSettings settings;
    private Consumer<PgException> noticeSink = n -> { };
    final SessionEnv env;
    private final Utility utility;

    /** Set by cancel() from any thread; read and cleared by the backend thread. */
    private volatile boolean cancelRequested;
    /** statement_timeout's deadline for the running statement (epoch ms), or Long.MAX_VALUE. */
    private long statementDeadlineMs = Long.MAX_VALUE;

    private TxState state = TxState.IDLE;
    Transaction txn;
    /** The open savepoints, outermost first: index i is the transaction's subtransaction i + 1. */
    private final List<Savepoint> savepoints = new ArrayList<>();

    /**
     * A savepoint's name and what ROLLBACK TO it restores besides the rows: the settings as they
     * were (PostgreSQL's GUC nest level) and how many transaction-level advisory locks were held.
     */
    private record Savepoint(String name, Object settings, int advisoryLocks, long notifyMark) {
    }
    /** This transaction's LISTEN / UNLISTEN / NOTIFY, applied at commit. */
    private final Notifications.Pending pendingNotify = new Notifications.Pending();
    /** This session's place among the server's listeners, from its first LISTEN; else null. */
    private Notifications.Listener listener;
    /** What wakes the backend when a notification for this session arrives. */
    private Runnable notificationWakeup;
    /** The connection's ends over TCP (null over a Unix-domain socket, and for sessions without one). */
    java.net.InetSocketAddress clientEnd;
    java.net.InetSocketAddress serverEnd;
    /** The transaction's isolation level as SHOW transaction_isolation prints it. */
    private String txnIsolation = "read committed";
    /** The transaction is read-only (transaction_read_only; always on a standby). */
    private boolean txnReadOnly;
    /** The transaction's first statement took its snapshot (PostgreSQL's FirstSnapshotSet): its modes are fixed. */
    private boolean txnSnapshotTaken;
    private boolean txnChangedCatalog;
    private DbCatalog txnCatalog;
    Instant txnStart;
    Instant stmtStart;
    ZoneId zone = ZoneOffset.UTC;
    private final List<PortalImpl> openPortals = new ArrayList<>();
    /** PREPARE'd statements (SQL level). */
    final Map<String, PreparedImpl> sqlPrepared = new HashMap<>();
    /** DECLARE'd cursors. */
    final SqlCursors cursors = new SqlCursors(this);
    /** The statements being run came in one simple Query message of several (PostgreSQL's implicit transaction block). */
    private boolean multiStatementMessage;

    /** The N of this session's temporary schema pg_temp_N, taken at its first temporary object (0: none). */
    private int tempSlot;
    /** ON COMMIT DELETE ROWS / DROP temporary tables, acted on before each commit. */
    final OnCommitActions onCommitActions = new OnCommitActions();
    /** Set once this session emptied what a crashed session left in pg_temp_N (see {@link TempSlots}). */
    private boolean tempSchemaClaimed;
    private CatalogLookup cachedLookup;
    private DbCatalog cachedLookupCatalog;
    private String cachedLookupPath;
    private DbCatalog committedCatalog;
    private long committedCatalogVersion = -1;
    /** This client session's database's pg_stat_database counters (found at the session's start). */
    private final DatabaseActivityStats.Counters dbStats;

    /** What the session derives from its settings, recomputed when {@link SessionSettings#valuesVersion()} moves. */
    static final class SettingsCache {
        Object version;
        String searchPath;
        long statementTimeoutMs;
        long lockTimeoutMs;
        String defaultIsolation;
        boolean defaultReadOnly;
        SynchronousCommit synchronousCommit;
        ZoneId zone;
        boolean byteaOutputEscape;
        int extraFloatDigits;
        long workMemBytes;
        double hashMemMultiplier;
        Planner.CostModel costModel;
        /** role and session_authorization (null when the settings do not know them): the current and session user. */
        String role;
        String sessionAuthorization;
    }

    private SettingsCache settingsCache;

    SettingsCache cachedSettings() {
        Object v = settings.valuesVersion();
        SettingsCache c = settingsCache;
        if (c != null && v != null && c.version == v) {
            return c;
        }
        c = new SettingsCache();
        c.version = v;
        c.searchPath = settingOr("search_path", "\"$user\", public");
        c.statementTimeoutMs = parseMillis(settingOr("statement_timeout", "0"));
        c.lockTimeoutMs = parseMillis(settingOr("lock_timeout", "0"));
        c.defaultIsolation = settingOr("default_transaction_isolation", "read committed");
        c.defaultReadOnly = settingOr("default_transaction_read_only", "off").equals("on");
        c.synchronousCommit = SynchronousCommit.parse(settingOr("synchronous_commit", "on"));
        try {
            c.zone = org.walden.common.guc.TimeZoneSetting.zone(settings.show("TimeZone"));
        } catch (RuntimeException e) {
            c.zone = ZoneOffset.UTC;
        }
        c.byteaOutputEscape = settingOr("bytea_output", "hex").equals("escape");
        try {
            c.extraFloatDigits = Integer.parseInt(settingOr("extra_float_digits", "1"));
        } catch (NumberFormatException e) {
            c.extraFloatDigits = 1;
        }
        c.workMemBytes = SessionEnv.memory(settingOr("work_mem", "4MB"));
        try {
            c.hashMemMultiplier = Double.parseDouble(settingOr("hash_mem_multiplier", "2"));
        } catch (NumberFormatException e) {
            c.hashMemMultiplier = 2.0;
        }
        c.costModel = Planner.costModel(settings);
        c.role = settingOr("role", null);
        c.sessionAuthorization = settingOr("session_authorization", null);
        settingsCache = c;
        return c;
    }

    WaldenSession(WaldenSqlEngine engine, String userName, String databaseName, int backendPid,
                  SessionSettings settings) {
        this.engine = engine;
        this.sessionUser = userName;
        this.databaseName = databaseName;
        this.backendPid = backendPid;
        this.settings = settings;
        this.env = new SessionEnv(this);
        this.utility = new Utility(this);
        refreshZone();
        // the server's own sessions (backend pid 0: warm-up, auto-analyze) count nowhere
        DatabaseDef db = backendPid == 0 ? null : engine.shared().database(databaseName);
        this.dbStats = db == null ? new DatabaseActivityStats.Counters() : engine.databaseActivity().of(db.oid());
        dbStats.sessions.increment();
    }

    @Override
    public void stateTime(String state, long micros) {
        dbStats.sessionTime(state, micros);
    }

    @Override
    public void ended(EndCause cause) {
        dbStats.sessionEnded(cause);
    }

    // ---------------------------------------------------------------- Session API

    @Override
    public List<Prepared> parseSimple(String sql) {
        return guard(() -> {
            List<Lexer.Statement> statements = Lexer.statements(sql);
            List<Prepared> out = new ArrayList<>();
            if (statements.isEmpty()) {
                out.add(new PreparedImpl(sql, null, null));
                return out;
            }
            multiStatementMessage = statements.size() > 1;
            for (Lexer.Statement st : statements) {
                StatementShape shape = StatementShape.of(st);
                // token positions count from the message's start, as error positions do. A lone
                // statement whose shape is kept is parsed only if it cannot be bound to it (its
                // syntax is the kept statement's, so parsing cannot fail before anything ran)
                PreparedImpl p = shape != null && statements.size() == 1 && hasKeptShape(shape)
                        ? PreparedImpl.unparsed(sql, st)
                        : new PreparedImpl(sql.substring(st.begin(), st.end()), SqlParser.parse(sql, st), null);
                p.shape = shape;
                p.sourceText = sql;
                out.add(p);
            }
            return out;
        });
    }

    @Override
    public Prepared prepare(String sql, int[] paramTypeOids) {
        return guard(() -> {
            List<String> pieces = Lexer.splitStatements(sql);
            if (pieces.isEmpty()) {
                return new PreparedImpl(sql, null, paramTypeOids);
            }
            if (pieces.size() > 1) {
                throw new PgException(SqlState.SYNTAX_ERROR, "cannot insert multiple commands into a prepared statement");
            }
            multiStatementMessage = false;
            PreparedImpl p = new PreparedImpl(sql, SqlParser.parse(pieces.get(0)), paramTypeOids);
            checkNotFailed(p);
            describe(p);
            return p;
        });
    }

    /**
     * The unnamed statement of the extended protocol, kept by its text between Parse messages: a
     * client that sends Parse / Bind / Execute for every statement (pgbench -M extended, pgjdbc's
     * first executions) gets the analysis and plan of the last Parse of the same text, where
     * PostgreSQL parses, analyzes and plans again. Only queries and transaction control are kept;
     * a query's entry is used only while the catalog, search path, role (the lookup) and every
     * setting are the ones it was analyzed with, so DDL, GRANT, SET search_path, SET ROLE or any
     * other SET make the next Parse analyze afresh, with PostgreSQL's errors at Parse. Its plan
     * is remade after {@link #UNNAMED_PLAN_REUSE_NANOS}, so it follows the tables' growth as the
     * planner's size estimates do.
     */
    private static final class UnnamedEntry {
        final PreparedImpl prepared;
        final SettingsCache settings;

        UnnamedEntry(PreparedImpl prepared, SettingsCache settings) {
            this.prepared = prepared;
            this.settings = settings;
        }
    }

    private static final int UNNAMED_KEPT = 64;
    static final long UNNAMED_PLAN_REUSE_NANOS = 1_000_000_000L;
    /** How many Parse messages of the unnamed statement were answered from {@link #unnamed} (for tests). */
    long unnamedReuses;

    /** The texts of this session's recent unnamed statements, least recently used dropped first. */
    private final Map<String, UnnamedEntry> unnamed = new LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, UnnamedEntry> eldest) {
            return size() > UNNAMED_KEPT;
        }
    };

    @Override
    public Prepared prepareUnnamed(String sql, int[] paramTypeOids) {
        UnnamedEntry e = unnamed.get(sql);
        if (e != null) {
            PreparedImpl kept = guard(() -> {
                PreparedImpl p = e.prepared;
                if (!java.util.Arrays.equals(p.declaredParamOids, paramTypeOids) || (!p.isTransactionControl()
                        && !analyzedAsNow(p, e.settings))) {
                    return null;
                }
                checkNotFailed(p);
                multiStatementMessage = false;
                unnamedReuses++;
                return p;
            });
            if (kept != null) {
                return kept;
            }
            unnamed.remove(sql);
        }
        PreparedImpl p = (PreparedImpl) prepare(sql, paramTypeOids);
        if (p.isTransactionControl() || (p.isQuery() && p.analyzedWith == analysisKey())) {
            p.planReuseLimited = true;
            unnamed.put(sql, new UnnamedEntry(p, cachedSettings()));
        }
        return p;
    }

    /**
     * Whether a kept statement (an unnamed one, a simple-query shape's) may be used as it was
     * analyzed: the same catalog, search path and role, and the same settings.
     */
    private boolean analyzedAsNow(PreparedImpl kept, SettingsCache analyzedWith) {
        return kept.analyzedWith == analysisKey() && analyzedWith == cachedSettings();
    }

    /** DISCARD PLANS / ALL: the kept unnamed statements and simple-query shapes go. */
    void forgetKeptPlans() {
        unnamed.clear();
        shapes.clear();
    }

    /** Analyzes a query (parameter types, result columns) or works out a utility's result columns. */
    void describe(PreparedImpl p) {
        if (p.stmt() == null) {
            return;
        }
        if (p.isQuery()) {
            analyze(p);
        } else if (p.stmt() instanceof Tree.DeclareCursorStmt) {
            PreparedImpl query = p.cursorQuery();
            analyze(query);
            p.paramOids = query.paramOids;
        } else {
            p.columns = utility.columns(p.stmt());
        }
    }

    /** DECLARE CURSOR is allowed here without HOLD: a transaction block, or a Query message of several statements. */
    boolean inMultiStatementMessage() {
        return multiStatementMessage && state == TxState.IMPLICIT;
    }

    /** The subtransaction statements run in now: 0 for the transaction itself, n inside the n-th open savepoint. */
    int subtransactionDepth() {
        return savepoints.size();
    }

    @Override
    public Portal cursorPortal(String name) {
        SqlCursor c = cursors.find(name);
        return c == null ? null : new CursorPortal(this, c);
    }

    @Override
    public void closeCursorPortal(String name) {
        if (cursors.find(name) != null) {
            guard(() -> cursors.close(name));
        }
    }

    @Override
    public Portal bind(Prepared statement, byte[][] params, short[] paramFormats, short[] resultFormats) {
        return guard(() -> {
            PreparedImpl p = (PreparedImpl) statement;
            checkNotFailed(p);
            if (p.shape != null) {
                PortalImpl reused = bindShape(p, resultFormats);
                if (reused != null) {
                    return reused;
                }
            }
            if (p.isQuery() && p.analyzedWith != analysisKey()) {
                analyze(p);
                if (p.shape != null) {
                    learnShape(p);
                }
            } else if (p.stmt() != null && !p.isQuery() && (p.columns == null || p.stmt() instanceof Tree.FetchStmt)) {
                p.columns = utility.columns(p.stmt());
            }
            int[] types = p.paramTypeOids();
            byte[][] values = params == null ? new byte[0][] : params;
            if (values.length != types.length) {
                throw new PgException(SqlState.PROTOCOL_VIOLATION, "bind message supplies " + values.length
                        + " parameters, but prepared statement \"\" requires " + types.length);
            }
            Object[] bound = new Object[values.length];
            for (int i = 0; i < values.length; i++) {
                short f = paramFormats == null || paramFormats.length == 0 ? 0
                        : paramFormats.length == 1 ? paramFormats[0] : paramFormats[i];
                bound[i] = bindParam(values[i], PgType.byOid(types[i]), f);
            }
            PortalImpl portal = new PortalImpl(this, p, bound, resultFormats == null ? new short[0] : resultFormats);
            return portal;
        });
    }

    // ---------------------------------------------------------------- simple queries of one shape

    /** A shape's analysis and plan, once the shape has been sent twice and passed StatementShape's tests. */
    private static final class ShapeEntry {
        /** Null until the second time, or when the shape cannot be reused. */
        PreparedImpl generic;
        boolean rejected;
        SettingsCache settings;
    }

    private static final int SHAPES_KEPT = 256;
    /** How many simple queries ran as a kept shape (for tests). */
    long shapeReuses;

    /** The shapes of this session's recent simple queries, least recently used dropped first. */
    private final Map<String, ShapeEntry> shapes = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ShapeEntry> eldest) {
            return size() > SHAPES_KEPT;
        }
    };

    private boolean hasKeptShape(StatementShape shape) {
        ShapeEntry e = shapes.get(shape.key);
        return e != null && e.generic != null;
    }

    /**
     * Binds a simple query's constants to its shape's parameterized statement, when there is one
     * still valid (same catalog, search path and settings); null to take the ordinary path.
     */
    private PortalImpl bindShape(PreparedImpl p, short[] resultFormats) {
        ShapeEntry e = shapes.get(p.shape.key);
        if (e == null || e.generic == null) {
            return null;
        }
        PreparedImpl g = e.generic;
        if (!analyzedAsNow(g, e.settings)) {
            shapes.remove(p.shape.key);
            return null;
        }
        byte[][] texts = p.shape.values();
        int[] types = g.paramOids;
        Object[] bound = new Object[texts.length];
        try {
            for (int i = 0; i < texts.length; i++) {
                bound[i] = bindParam(texts[i], PgType.byOid(types[i]), (short) 0);
            }
        } catch (PgException ex) {
            return null; // the ordinary path reports it, with the constant's position
        }
        shapeReuses++;
        return new PortalImpl(this, g, bound, resultFormats == null ? new short[0] : resultFormats);
    }

    /**
     * After a simple query's ordinary analysis: the first time its shape is seen, remembers it;
     * the second, analyzes and plans the parameterized statement and keeps it if reusing it is
     * provably the same as analyzing and planning each statement.
     */
    private void learnShape(PreparedImpl p) {
        ShapeEntry e = shapes.get(p.shape.key);
        if (e == null) {
            shapes.put(p.shape.key, new ShapeEntry());
            return;
        }
        if (e.generic != null || e.rejected) {
            return;
        }
        e.rejected = true;
        Lexer.Statement st = p.shape.parameterized();
        PreparedImpl g;
        Object[] values;
        try {
            g = new PreparedImpl(p.sql(), SqlParser.parse(" ".repeat(st.begin()) + p.sql(), st), p.shape.paramOids());
            analyze(g);
            byte[][] texts = p.shape.values();
            values = new Object[texts.length];
            for (int i = 0; i < texts.length; i++) {
                values[i] = bindParam(texts[i], PgType.byOid(g.paramOids[i]), (short) 0);
            }
        } catch (PgException ex) {
            return;
        }
        if (!StatementShape.sameAnalysis(p.query, g.query, values) || !planFor(g).valueIndependent()) {
            return;
        }
        e.generic = g;
        e.rejected = false;
        e.settings = cachedSettings();
    }

    private Object bindParam(byte[] value, PgType type, short format) {
        if (value == null) {
            return null;
        }
        if (type == null) {
            type = PgType.TEXT;
        }
        if (format == 1) {
            return Values.fromBinary(type, value);
        }
        return Values.parseText(type, new String(value, StandardCharsets.UTF_8), values());
    }

    @Override
    public char transactionStatus() {
        return switch (state) {
            case IDLE, IMPLICIT -> 'I';
            case BLOCK -> 'T';
            case FAILED -> 'E';
        };
    }

    @Override
    public void sync() {
        if (state == TxState.IMPLICIT) {
            commitTransaction();
        }
    }

    @Override
    public void cancel() {
        cancelRequested = true;
    }

    @Override
    public SessionSettings settings() {
        return settings;
    }

    @Override
    public void setNoticeSink(Consumer<PgException> sink) {
        this.noticeSink = sink == null ? n -> { } : sink;
    }

    @Override
    public void close() {
        closePortals();
        try {
            cursors.closeAll();
        } catch (RuntimeException e) {
            // the session ends anyway; its cursors' files are gone with their stores
        }
        if (txn != null) {
            txn.rollback();
            txn = null;
        }
        state = TxState.IDLE;
        dropTemporaryObjects();
        engine.advisoryLocks().releaseSessionLocks(backendPid, true);
        if (listener != null) {
            engine.notifications().unregister(listener);
        }
        engine.serverStatus().sessionEnded(backendPid);
    }

    // ---------------------------------------------------------------- LISTEN / NOTIFY

    /** LISTEN, UNLISTEN and NOTIFY are refused on a standby (PostgreSQL's PreventCommandDuringRecovery). */
    private void preventNotifyDuringRecovery(String command) {
        if (engine.transactionManager().inRecovery()) {
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION, "cannot execute " + command
                    + " during recovery");
        }
    }

    /** LISTEN channel, from this transaction's commit on. */
    void listen(String channel) {
        preventNotifyDuringRecovery("LISTEN");
        pendingNotify.listen(channel);
    }

    /** UNLISTEN channel, or UNLISTEN * for a null channel, from this transaction's commit on. */
    void unlisten(String channel) {
        preventNotifyDuringRecovery("UNLISTEN");
        pendingNotify.unlisten(channel);
    }

    /** DISCARD ALL's UNLISTEN *, which PostgreSQL allows on a standby too. */
    void unlistenAll() {
        pendingNotify.unlisten(null);
    }

    /** NOTIFY / pg_notify: sent to the channel's listeners when this transaction commits. */
    void notify(String channel, String payload) {
        preventNotifyDuringRecovery("NOTIFY");
        Notifications.checkNotification(channel, payload);
        pendingNotify.notify(new Notifications.Notification(backendPid, channel, payload == null ? "" : payload));
    }

    /** pg_listening_channels(): the channels in effect. */
    java.util.Set<String> listeningChannels() {
        return listener == null ? java.util.Set.of() : listener.channels();
    }

    /** At commit: the LISTEN / UNLISTEN changes take effect, then the notifications go out. */
    private void commitNotifications() {
        if (pendingNotify.isEmpty()) {
            return;
        }
        if (pendingNotify.hasActions()) {
            if (listener == null) {
                listener = engine.notifications().register(catalog().database().oid());
                Notifications.setWakeup(listener, notificationWakeup);
            }
            pendingNotify.applyActions(listener.channels());
        }
        engine.notifications().deliver(catalog().database().oid(), List.copyOf(pendingNotify.notifications()));
        pendingNotify.clear();
    }

    @Override
    public Notifications.Notification pollNotification() {
        return listener == null ? null : listener.poll();
    }

    @Override
    public void setConnection(java.net.InetSocketAddress client, java.net.InetSocketAddress server) {
        this.clientEnd = client;
        this.serverEnd = server;
    }

    @Override
    public void setNotificationWakeup(Runnable wakeup) {
        this.notificationWakeup = wakeup;
        if (listener != null) {
            Notifications.setWakeup(listener, wakeup);
        }
    }

    // ---------------------------------------------------------------- errors and states

    interface Action<T> {
        T run();
    }

    /** Runs a protocol step; any error aborts the transaction as PostgreSQL's AbortCurrentTransaction does. */
    <T> T guard(Action<T> action) {
        try {
            return action.run();
        } catch (RuntimeException e) {
            if (e instanceof PgException pe && pe.sqlState() == SqlState.DEADLOCK_DETECTED) {
                dbStats.deadlocks.increment();
            }
            abortOnError();
            throw e;
        }
    }

    private void abortOnError() {
        switch (state) {
            case IMPLICIT -> {
                rollbackTransaction();
                state = TxState.IDLE;
            }
            case BLOCK -> {
                if (!savepoints.isEmpty() && txn != null && abortSubtransaction()) {
                    state = TxState.FAILED;
                    return;
                }
                rollbackTransaction();
                state = TxState.FAILED;
            }
            default -> {
            }
        }
    }

    /** An error inside a savepoint: undoes the innermost savepoint's work now; false when that failed too. */
    private boolean abortSubtransaction() {
        try {
            txn.rollbackToSubtransaction(savepoints.size());
            undoSinceSavepoint(savepoints.getLast());
            txnCatalog = null;
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void checkNotFailed(PreparedImpl p) {
        if (state == TxState.FAILED && !p.isTransactionControl()) {
            throw new PgException(SqlState.IN_FAILED_SQL_TRANSACTION,
                    "current transaction is aborted, commands ignored until end of transaction block");
        }
    }

    boolean inTransactionBlock() {
        return state == TxState.BLOCK;
    }

    void ensureTransaction() {
        if (txn == null) {
            txn = engine.transactionManager().begin();
            txnStart = engine.clock().instant();
            txnChangedCatalog = false;
            txnCatalog = null;
            txn.setLockOwner(backendPid, catalog().database().oid());
            savepoints.clear();
            txnSnapshotTaken = false;
            SettingsCache defaults = cachedSettings();
            txnIsolation = defaults.defaultIsolation;
            txnReadOnly = defaults.defaultReadOnly || engine.transactionManager().inRecovery();
            if (state == TxState.IDLE) {
                state = TxState.IMPLICIT;
            }
        }
    }

    private void closePortals() {
        for (PortalImpl p : openPortals) {
            p.close();
        }
        openPortals.clear();
    }

    void commitTransaction() {
        try {
            cursors.atCommit();
        } catch (RuntimeException e) {
            // a WITH HOLD cursor's rows could not be read: the commit fails, as PostgreSQL's does
            rollbackTransaction();
            state = TxState.IDLE;
            throw e;
        }
        closePortals();
        if (txn != null && !onCommitActions.isEmpty()) {
            try {
                onCommitActions.preCommit(this, utility);
            } catch (RuntimeException e) {
                rollbackTransaction();
                throw e;
            }
        }
        Transaction t = txn;
        txn = null;
        savepoints.clear();
        state = TxState.IDLE;
        if (t == null) {
            engine.advisoryLocks().releaseTransactionLocks(backendPid);
            commitNotifications();
            dbStats.commits.increment();
            return;
        }
        boolean committed = false;
        try {
            SynchronousCommit level = cachedSettings().synchronousCommit;
            SyncRep.withInterrupts(syncRepInterrupts, () -> t.commit(level));
            committed = true;
        } finally {
            if (committed) {
                commitNotifications();
                dbStats.commits.increment();
            } else {
                t.rollback();
                pendingNotify.clear();
                dbStats.rollbacks.increment();
            }
            engine.advisoryLocks().releaseTransactionLocks(backendPid);
            settings.endTransaction(committed);
            refreshZone();
            if (txnChangedCatalog) {
                engine.invalidateCatalog();
            }
            txnChangedCatalog = false;
            txnCatalog = null;
        }
    }

    void rollbackTransaction() {
        if (state == TxState.IMPLICIT || state == TxState.BLOCK) {
            dbStats.rollbacks.increment(); // a failed block was counted when it failed
        }
        closePortals();
        cursors.atAbort();
        Transaction t = txn;
        txn = null;
        savepoints.clear();
        if (t != null) {
            t.rollback();
        }
        pendingNotify.clear();
        engine.advisoryLocks().releaseTransactionLocks(backendPid);
        settings.endTransaction(false);
        refreshZone();
        txnChangedCatalog = false;
        txnCatalog = null;
    }

    /**
     * A synchronous-replication wait sees this session's cancel request and statement timeout
     * (they do not end the wait: see org.walden.replication's README) and sends its WARNING here.
     */
    private final SyncRep.WaitInterrupts syncRepInterrupts = new SyncRep.WaitInterrupts() {
        @Override
        public boolean consumeInterrupt() {
            try {
                checkCancel();
                return false;
            } catch (PgException e) {
                return true;
            }
        }

        @Override
        public void warning(PgException warning) {
            noticeSink.accept(warning);
        }
    };

    String settingOr(String name, String fallback) {
        try {
            return settings.show(name);
        } catch (PgException e) {
            return fallback;
        }
    }

    void refreshZone() {
        zone = cachedSettings().zone;
    }

    void notice(PgException n) {
        noticeSink.accept(n);
    }

    void warn(SqlState state, String message) {
        noticeSink.accept(new PgException(PgException.Severity.WARNING, state, message, null, null, null));
    }

    void checkCancel() {
        if (cancelRequested) {
            cancelRequested = false;
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        }
        if (statementDeadlineMs != Long.MAX_VALUE && engine.clock().millis() >= statementDeadlineMs) {
            statementDeadlineMs = Long.MAX_VALUE;
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to statement timeout");
        }
    }

    // ---------------------------------------------------------------- catalog

    /** The catalog this session sees: its transaction's when it changed the catalog, else the committed one. */
    DbCatalog catalog() {
        if (txnChangedCatalog && txn != null) {
            if (txnCatalog == null) {
                SharedCatalog shared = CatalogStore.loadShared(txn);
                DatabaseDef db = shared.database(databaseName);
                if (db == null) {
                    throw new PgException(SqlState.INVALID_CATALOG_NAME, "database \"" + databaseName
                            + "\" does not exist");
                }
                txnCatalog = CatalogStorage.load(txn, -1, db, shared);
            }
            return txnCatalog;
        }
        long version = engine.transactionManager().catalogVersion();
        if (committedCatalog != null && committedCatalogVersion == version) {
            return committedCatalog;
        }
        DbCatalog c = engine.catalog(databaseName);
        if (c == null) {
            throw new PgException(SqlState.INVALID_CATALOG_NAME, "database \"" + databaseName + "\" does not exist");
        }
        committedCatalog = c;
        committedCatalogVersion = version;
        return c;
    }

    /** Called by DDL after writing catalog records. */
    void catalogChanged() {
        txnChangedCatalog = true;
        txnCatalog = null;
    }

    /**
     * A command waited for a relation's lock while another transaction committed DDL on it: in READ
     * COMMITTED the rest of the statement reads with a snapshot taken now, so that the definition
     * and the rows it reads again are the ones the lock holder left (PostgreSQL's catalog lookups
     * after locking see the latest committed catalog).
     */
    void catalogMovedOn() {
        if (txn != null) {
            txn.newStatementSnapshot(); // REPEATABLE READ keeps its snapshot
        }
        txnCatalog = null;
    }

    /** True once this session has taken a pg_temp_N. */
    boolean hasTempSlot() {
        return tempSlot != 0;
    }

    /** pg_temp_N's N for this session, taken now if it has none. */
    int tempSlot() {
        if (tempSlot == 0) {
            tempSlot = engine.tempSlots.take();
        }
        return tempSlot;
    }

    /** True the first time it is called after the slot was taken: pg_temp_N's leftovers are to be emptied. */
    boolean claimTempSchema() {
        boolean first = !tempSchemaClaimed;
        tempSchemaClaimed = true;
        return first;
    }

    /**
     * At the end of the session, its temporary objects go as DISCARD TEMP drops them, in a
     * transaction of their own (PostgreSQL's RemoveTempRelationsCallback); the schema's number is
     * given back. A failure leaves them to the next session that takes the number (or, for their
     * rows, to the next start).
     */
    private void dropTemporaryObjects() {
        if (tempSlot == 0) {
            return;
        }
        try {
            if (!engine.transactionManager().inRecovery()) {
                noticeSink = n -> { };
                for (Prepared p : parseSimple("DISCARD TEMP")) {
                    bind(p, null, null, null).execute(0, values -> { });
                }
                sync();
                if (txn != null) {
                    txn.rollback();
                    txn = null;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("could not drop the temporary objects of pg_temp_{}: {}", tempSlot, e.getMessage());
        } finally {
            engine.tempSlots.release(tempSlot);
            tempSlot = 0;
        }
    }

    /** search_path as a list of schema names ("$user" replaced by the user's name). */
    private List<String> searchPathNames() {
        String path = cachedSettings().searchPath;
        List<String> out = new ArrayList<>();
        for (String part : path.split(",")) {
            String t = part.trim();
            if (t.isEmpty()) {
                continue;
            }
            String name = t.startsWith("\"") && t.endsWith("\"") && t.length() >= 2
                    ? t.substring(1, t.length() - 1).replace("\"\"", "\"") : t.toLowerCase(Locale.ROOT);
            out.add(name.equals("$user") ? sessionUser : name);
        }
        return out;
    }

    CatalogLookup lookup() {
        DbCatalog c = catalog();
        String path = cachedSettings().searchPath;
        String user = env.currentUser();
        if (cachedLookup == null || cachedLookupCatalog != c || !path.equals(cachedLookupPath)
                || !user.equals(cachedLookup.user())) {
            org.walden.sql.catalog.Namespace temp = tempSlot == 0 ? null
                    : c.namespace(CatalogLookup.TEMP_SCHEMA_PREFIX + tempSlot);
            cachedLookup = new CatalogLookup(c, searchPathNames(), user, temp == null ? 0 : temp.oid());
            cachedLookupCatalog = c;
            cachedLookupPath = path;
        }
        return cachedLookup;
    }

    ValueContext values() {
        SettingsCache s = cachedSettings();
        return new RegValues(zone, lookup(), s.byteaOutputEscape, s.extraFloatDigits);
    }

    /** What an analysis or plan depends on: the catalog object and the search path (the lookup caches both). */
    Object analysisKey() {
        return lookup();
    }

    AnalyzerEnv analyzerEnv(ParamTypes params) {
        return new AnalyzerEnv(lookup(), values(), params);
    }

    // ---------------------------------------------------------------- queries

    /** Analyzes a query: parameter types (declared or inferred), result columns. */
    void analyze(PreparedImpl p) {
        ParamTypes params = new ParamTypes(p.declaredParamOids);
        Query q = new Analyzer(analyzerEnv(params)).analyze(p.stmt());
        p.query = q;
        p.paramOids = params.finish();
        p.columns = columnsOf(q);
        p.analyzedWith = analysisKey();
        p.plan = null;
    }

    static List<ColumnDesc> columnsOf(Query q) {
        List<Query.TargetEntry> targets = q.command == Query.Command.SELECT ? q.visibleTargets()
                : q.returningList == null ? null : q.returningList;
        if (targets == null) {
            return null;
        }
        List<ColumnDesc> out = new ArrayList<>();
        for (Query.TargetEntry t : targets) {
            if (t.junk()) {
                continue;
            }
            PgType type = t.expr().type() == PgType.UNKNOWN ? PgType.TEXT : t.expr().type();
            out.add(new ColumnDesc(t.name(), t.originTable(), (short) t.originColumn(), type.oid, type.typlen,
                    t.expr().typmod(), (short) 0));
        }
        return out;
    }

    Planner.PlannedStmt planFor(PreparedImpl p) {
        if (p.plan == null || p.plannedWith != p.analyzedWith
                || (p.planReuseLimited && System.nanoTime() - p.plannedAtNanos > UNNAMED_PLAN_REUSE_NANOS)) {
            p.plan = Planner.plan(p.query, env, cachedSettings().costModel, engine::plannerRelationBytes);
            p.plannedWith = p.analyzedWith;
            p.plannedAtNanos = System.nanoTime();
        }
        return p.plan;
    }

    /** Runs a portal's statement (its first Execute). */
    PortalImpl.Execution start(PortalImpl portal) {
        return guard(() -> {
            PreparedImpl p = portal.prepared;
            cancelRequested = false;
            if (p.stmt() == null) {
                return Utility.rows(null, List.of(), "");
            }
            if (p.stmt() instanceof Tree.TransactionStmt t) {
                return Utility.rows(null, List.of(), transactionControl(t));
            }
            checkNotFailed(p);
            ensureTransaction();
            if (p.stmt() instanceof Tree.VariableSetStmt || p.stmt() instanceof Tree.VariableShowStmt) {
                txn.newStatementSnapshot(); // takes no snapshot in PostgreSQL: the modes may still change
            } else {
                statementSnapshot();
            }
            startStatementClock();
            PortalImpl.Execution exec;
            if (p.isQuery()) {
                if (p.analyzedWith != analysisKey()) {
                    analyze(p);
                }
                exec = runQuery(p, portal.params);
            } else {
                exec = utility.run(p, portal.params);
            }
            openPortals.add(portal);
            return exec;
        });
    }

    /** The next row of a started statement; an error aborts the transaction. */
    Object[] fetch(PortalImpl.Execution exec) {
        return guard(exec::next);
    }

    PortalImpl.Execution runQuery(PreparedImpl p, Object[] params) {
        while (true) {
            try {
                return runQueryOnce(p, params);
            } catch (ExecState.RelationChanged e) {
                // DDL on a relation committed between this plan and its lock (an INSERT that waited for
                // CREATE INDEX, a SELECT that waited for DROP and CREATE of its table): nothing has run
                // yet, so plan again with the catalog the lock holder left, as PostgreSQL, which takes
                // a statement's locks before planning it; each round waited for another commit
                txn.newStatementSnapshot();
                analyze(p);
            }
        }
    }

    private PortalImpl.Execution runQueryOnce(PreparedImpl p, Object[] params) {
        Planner.PlannedStmt plan = planFor(p);
        if (!plan.isSelect() || plan.query().rowMark != null) {
            checkWritable(plan.query().command == Query.Command.SELECT ? "SELECT FOR " + plan.query().rowMark.strength()
                    : plan.query().command.name());
        }
        ExecState st = env.execState(plan, params);
        List<ColumnDesc> cols = p.columns;
        if (plan.isSelect()) {
            ExecNode node;
            try {
                node = plan.root().open(st);
            } catch (ExecState.RelationChanged e) {
                st.finish();
                throw e;
            }
            return new Cursor(node, st, cols);
        }
        return runModify(plan, st, cols);
    }

    /** A data change runs to completion at once; its RETURNING rows are kept for Execute to send. */
    private PortalImpl.Execution runModify(Planner.PlannedStmt plan, ExecState st, List<ColumnDesc> cols) {
        List<Object[]> rows = new ArrayList<>();
        long processed;
        try {
            ExecNode node = plan.root().open(st);
            Object[] r;
            while ((r = node.next()) != null) {
                rows.add(r);
            }
            processed = node instanceof ModifyTable.Exec m ? m.processed : rows.size();
            node.close();
        } finally {
            st.finish();
        }
        String tag = switch (plan.query().command) {
            case INSERT -> "INSERT 0 " + processed;
            case UPDATE -> "UPDATE " + processed;
            case DELETE -> "DELETE " + processed;
            default -> "SELECT " + processed;
        };
        return Utility.rows(cols, rows, tag);
    }

    /** A running SELECT: rows pulled from its plan as Execute asks. */
    private final class Cursor implements PortalImpl.Execution {
        private final ExecNode node;
        private final ExecState st;
        private final List<ColumnDesc> columns;
        private boolean closed;

        Cursor(ExecNode node, ExecState st, List<ColumnDesc> columns) {
            this.node = node;
            this.st = st;
            this.columns = columns;
        }

        @Override
        public ExecState execState() {
            return st;
        }

        @Override
        public Object[] next() {
            if (closed) {
                return null;
            }
            Object[] r = node.next();
            if (r == null) {
                close();
            }
            return r;
        }

        @Override
        public String tag(long sent) {
            return "SELECT " + sent;
        }

        @Override
        public List<ColumnDesc> columns() {
            return columns;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                try {
                    node.close();
                } finally {
                    st.finish();
                }
            }
        }
    }

    void startStatementClock() {
        stmtStart = engine.clock().instant();
        long timeoutMs = cachedSettings().statementTimeoutMs;
        statementDeadlineMs = timeoutMs > 0 ? stmtStart.toEpochMilli() + timeoutMs : Long.MAX_VALUE;
    }

    long lockTimeoutMs() {
        return cachedSettings().lockTimeoutMs;
    }

    static long parseMillis(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.' || t.charAt(i) == '-')) {
            i++;
        }
        try {
            double n = Double.parseDouble(t.substring(0, i));
            double factor = switch (t.substring(i).trim()) {
                case "", "ms" -> 1;
                case "us" -> 0.001;
                case "s" -> 1000;
                case "min" -> 60_000;
                case "h" -> 3_600_000;
                case "d" -> 86_400_000;
                default -> 1;
            };
            return (long) (n * factor);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The background analyze pass's work in this internal session: ANALYZE of each of
     * {@code tableOids} still a table, its statistics marked automatic, in one transaction.
     */
    void autoAnalyze(List<Integer> tableOids) {
        guard(() -> {
            ensureTransaction();
            statementSnapshot();
            AnalyzeCommand command = new AnalyzeCommand(env);
            Commands.AnalyzeListener listener = engine.analyzeListener(catalog().database().oid());
            for (int oid : tableOids) {
                Relation t = catalog().relation(oid);
                if (t != null && t.isTable()) {
                    listener.analyzed(command.analyzeTable(t, true));
                }
            }
            commitTransaction();
            return null;
        });
    }

    /**
     * A statement's snapshot. The transaction's first fixes its isolation level: REPEATABLE READ
     * keeps this snapshot to the end; SERIALIZABLE is refused here too, should the configuration
     * file have made it the default.
     */
    void statementSnapshot() {
        if (!txnSnapshotTaken) {
            refuseSerializable(txnIsolation);
            if (txnIsolation.equals("repeatable read")) {
                txn.useTransactionSnapshot();
            }
            txnSnapshotTaken = true;
        }
        txn.newStatementSnapshot();
    }

    /** A statement that writes, on a standby or in a read-only transaction: 25006 as PostgreSQL says it. */
    void checkWritable(String command) {
        if (engine.transactionManager().inRecovery() || (txnReadOnly && txn != null)) {
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION, "cannot execute " + command
                    + " in a read-only transaction");
        }
    }

    // ---------------------------------------------------------------- transaction control

    private String transactionControl(Tree.TransactionStmt t) {
        return switch (t.kind()) {
            case BEGIN -> t.name() != null ? setTransaction(t) : begin(t);
            case COMMIT -> commitBlock();
            case ROLLBACK -> {
                if (state == TxState.IDLE || state == TxState.IMPLICIT) {
                    warn(SqlState.NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress");
                }
                rollbackTransaction();
                state = TxState.IDLE;
                yield "ROLLBACK";
            }
            case SAVEPOINT, RELEASE, ROLLBACK_TO -> savepointControl(t);
            case PREPARE -> prepareTransaction(t.name());
            case COMMIT_PREPARED, ROLLBACK_PREPARED -> finishPrepared(t.name(), t.kind() == Tree.TxKind.COMMIT_PREPARED);
        };
    }

    private String begin(Tree.TransactionStmt t) {
        checkNotFailedBlock();
        if (state == TxState.BLOCK) {
            warn(SqlState.ACTIVE_SQL_TRANSACTION, "there is already a transaction in progress");
            return "BEGIN";
        }
        ensureTransaction();
        state = TxState.BLOCK;
        applyTransactionModes(t.modes());
        return "BEGIN";
    }

    /** COMMIT / END: a failed block answers ROLLBACK; outside a block it warns. */
    private String commitBlock() {
        switch (state) {
            case FAILED -> {
                rollbackTransaction();
                state = TxState.IDLE;
                return "ROLLBACK";
            }
            case BLOCK -> {
                commitTransaction();
                return "COMMIT";
            }
            default -> {
                warn(SqlState.NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress");
                commitTransaction();
                return "COMMIT";
            }
        }
    }

    /** SAVEPOINT, RELEASE [SAVEPOINT] and ROLLBACK TO [SAVEPOINT], in a transaction block only. */
    private String savepointControl(Tree.TransactionStmt t) {
        switch (t.kind()) {
            case SAVEPOINT -> {
                requireTransactionBlock("SAVEPOINT");
                checkNotFailedBlock();
                txn.beginSubtransaction();
                savepoints.add(new Savepoint(t.name(), settings.subtransactionStart(),
                        engine.advisoryLocks().transactionLockCount(backendPid), pendingNotify.mark()));
                return "SAVEPOINT";
            }
            case RELEASE -> {
                requireTransactionBlock("RELEASE SAVEPOINT");
                checkNotFailedBlock();
                int depth = savepointDepth(t.name());
                txn.releaseSubtransaction(depth);
                cursors.atSubtransactionRelease(depth);
                savepoints.subList(depth - 1, savepoints.size()).clear();
                return "RELEASE";
            }
            default -> {
                requireTransactionBlock("ROLLBACK TO SAVEPOINT");
                int depth = savepointDepth(t.name());
                txn.rollbackToSubtransaction(depth); // portals stay open: pgjdbc's autosave keeps its cursors
                cursors.atSubtransactionRollback(depth); // SQL cursors declared since go, as PostgreSQL's
                undoSinceSavepoint(savepoints.get(depth - 1));
                savepoints.subList(depth, savepoints.size()).clear();
                txnCatalog = null;
                state = TxState.BLOCK;
                return "ROLLBACK";
            }
        }
    }

    /**
     * PREPARE TRANSACTION (PostgreSQL's PrepareTransactionBlock): outside a block it warns and
     * answers ROLLBACK, in a failed one it answers ROLLBACK; with max_prepared_transactions = 0
     * (its default) the transaction is rolled back and the statement fails (55000). Otherwise the
     * transaction becomes a prepared one (see org.walden.txn's README) and the session is free.
     */
    private String prepareTransaction(String gid) {
        if (state != TxState.BLOCK) {
            if (state != TxState.FAILED) {
                warn(SqlState.NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress");
            }
            rollbackTransaction();
            state = TxState.IDLE;
            return "ROLLBACK";
        }
        PgException refusal = null;
        int maxPrepared = (int) parseMillis(settingOr("max_prepared_transactions", "0"));
        if (cursors.declaredWithHoldHere()) {
            refusal = new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "cannot PREPARE a transaction that has created a cursor WITH HOLD");
        } else if (gid.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= 200) {
            refusal = new PgException(SqlState.INVALID_PARAMETER_VALUE, "transaction identifier \"" + gid
                    + "\" is too long");
        } else if (maxPrepared == 0) {
            refusal = new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "prepared transactions are disabled")
                    .withHint("Set max_prepared_transactions to a nonzero value.");
        } else if (engine.advisoryLocks().transactionLockCount(backendPid) > 0) {
            refusal = new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "cannot PREPARE a transaction that holds transaction-level advisory locks");
        } else if (!pendingNotify.isEmpty()) {
            refusal = new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "cannot PREPARE a transaction that has executed LISTEN, UNLISTEN, or NOTIFY");
        }
        if (refusal != null) {
            rollbackTransaction();
            state = TxState.IDLE;
            throw refusal;
        }
        closePortals();
        cursors.atAbort(); // the transaction's cursors end with it here too
        Transaction t = txn;
        txn = null;
        savepoints.clear();
        state = TxState.IDLE;
        boolean prepared = false;
        try {
            org.walden.sql.catalog.RoleDef me = catalog().role(env.currentUser()); // GetUserId()
            TwoPhase.Identity id = new TwoPhase.Identity(gid, me == null ? 0 : me.oid(), catalog().database().oid());
            SynchronousCommit level = cachedSettings().synchronousCommit;
            SyncRep.withInterrupts(syncRepInterrupts, () -> t.prepare(id, maxPrepared, level));
            prepared = true;
        } finally {
            if (!prepared) {
                t.rollback();
            }
            engine.advisoryLocks().releaseTransactionLocks(backendPid);
            settings.endTransaction(prepared);
            refreshZone();
            txnChangedCatalog = false;
            txnCatalog = null;
        }
        return "PREPARE TRANSACTION";
    }

    /**
     * COMMIT PREPARED / ROLLBACK PREPARED (PostgreSQL's FinishPreparedTransaction): not in a
     * transaction block (25001); the owner or a superuser, in the transaction's database.
     */
    private String finishPrepared(String gid, boolean commit) {
        checkNotFailedBlock();
        String command = commit ? "COMMIT PREPARED" : "ROLLBACK PREPARED";
        if (state == TxState.BLOCK) {
            throw new PgException(SqlState.ACTIVE_SQL_TRANSACTION, command + " cannot run inside a transaction block");
        }
        org.walden.sql.catalog.RoleDef me = catalog().role(env.currentUser()); // GetUserId()
        TwoPhase.Finisher who = new TwoPhase.Finisher(me == null ? 0 : me.oid(), me != null && me.superuser(),
                catalog().database().oid());
        SynchronousCommit level = cachedSettings().synchronousCommit;
        boolean catalogChanged = SyncRep.withInterrupts(syncRepInterrupts,
                () -> engine.transactionManager().finishPrepared(gid, commit, who, level));
        if (catalogChanged) {
            txnCatalog = null;
            engine.invalidateCatalog();
        }
        return command;
    }

    /** PostgreSQL's RequireTransactionBlock: 25P01 outside BEGIN ... COMMIT. */
    private void requireTransactionBlock(String command) {
        if (state != TxState.BLOCK && state != TxState.FAILED) {
            throw new PgException(SqlState.NO_ACTIVE_SQL_TRANSACTION, command + " can only be used in transaction blocks");
        }
    }

    void checkNotFailedBlock() {
        if (state == TxState.FAILED) {
            throw new PgException(SqlState.IN_FAILED_SQL_TRANSACTION,
                    "current transaction is aborted, commands ignored until end of transaction block");
        }
    }

    /** The depth of the innermost open savepoint named {@code name}; 3B001 when there is none. */
    private int savepointDepth(String name) {
        for (int i = savepoints.size() - 1; i >= 0; i--) {
            if (savepoints.get(i).name().equals(name)) {
                return i + 1;
            }
        }
        throw new PgException(SqlState.INVALID_SAVEPOINT_SPECIFICATION, "savepoint \"" + name + "\" does not exist");
    }

    /** ROLLBACK TO {@code s} (or an error inside it) undoes the SETs and transaction-level advisory locks since. */
    private void undoSinceSavepoint(Savepoint s) {
        settings.rollbackToSubtransaction(s.settings());
        refreshZone();
        engine.advisoryLocks().releaseTransactionLocksAfter(backendPid, s.advisoryLocks());
        pendingNotify.rollbackTo(s.notifyMark());
    }

    /** SET TRANSACTION modes (this transaction) or SET SESSION CHARACTERISTICS AS TRANSACTION modes (the defaults). */
    private String setTransaction(Tree.TransactionStmt t) {
        checkNotFailedBlock();
        if (t.name().equals("SET SESSION CHARACTERISTICS")) {
            for (String mode : t.modes()) {
                switch (mode) {
                    case "read only", "read write" -> settings.set("default_transaction_read_only",
                            mode.equals("read only") ? "on" : "off", false);
                    case "deferrable", "not deferrable" -> {
                    }
                    default -> setDefaultIsolation(mode);
                }
            }
            return "SET";
        }
        if (state != TxState.BLOCK) {
            warn(SqlState.NO_ACTIVE_SQL_TRANSACTION, "SET TRANSACTION can only be used in transaction blocks");
            return "SET";
        }
        applyTransactionModes(t.modes());
        return "SET";
    }

    private void applyTransactionModes(List<String> modes) {
        for (String mode : modes) {
            switch (mode) {
                case "read only" -> setTransactionReadOnly(true);
                case "read write" -> setTransactionReadOnly(false);
                case "deferrable", "not deferrable" -> {
                }
                default -> setTransactionIsolation(mode);
            }
        }
    }

    /** SET TRANSACTION ISOLATION LEVEL / SET transaction_isolation, checked as PostgreSQL's check_XactIsoLevel. */
    void setTransactionIsolation(String level) {
        if (!level.equals(txnIsolation) && txn != null) {
            if (txnSnapshotTaken) {
                throw new PgException(SqlState.ACTIVE_SQL_TRANSACTION,
                        "SET TRANSACTION ISOLATION LEVEL must be called before any query");
            }
            if (!savepoints.isEmpty()) {
                throw new PgException(SqlState.ACTIVE_SQL_TRANSACTION,
                        "SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction");
            }
        }
        refuseSerializable(level);
        txnIsolation = level;
    }

    /** SET TRANSACTION READ ONLY / READ WRITE / SET transaction_read_only, checked as PostgreSQL's check_transaction_read_only. */
    void setTransactionReadOnly(boolean readOnly) {
        if (!readOnly && txnReadOnly && txn != null) {
            if (!savepoints.isEmpty()) {
                throw new PgException(SqlState.ACTIVE_SQL_TRANSACTION,
                        "cannot set transaction read-write mode inside a read-only transaction");
            }
            if (txnSnapshotTaken) {
                throw new PgException(SqlState.ACTIVE_SQL_TRANSACTION,
                        "transaction read-write mode must be set before any query");
            }
            if (engine.transactionManager().inRecovery()) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot set transaction read-write mode during recovery");
            }
        }
        txnReadOnly = readOnly;
    }

    /** SET default_transaction_isolation / SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL. */
    void setDefaultIsolation(String level) {
        refuseSerializable(level);
        settings.set("default_transaction_isolation", level, false);
    }

    /** SHOW transaction_isolation / transaction_read_only: the current transaction's. */
    String transactionIsolation() {
        return txn != null ? txnIsolation : cachedSettings().defaultIsolation;
    }

    boolean transactionReadOnly() {
        return txn != null ? txnReadOnly : cachedSettings().defaultReadOnly || engine.transactionManager().inRecovery();
    }

    /**
     * Walden does not implement serializable snapshot isolation: SERIALIZABLE is refused rather
     * than silently run as a weaker level (an application would believe it had guarantees it has not).
     */
    static void refuseSerializable(String level) {
        if (level.equals("serializable")) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "SERIALIZABLE isolation level is not supported")
                    .withDetail("Walden does not implement serializable snapshot isolation and does not run "
                            + "SERIALIZABLE transactions at a weaker level.")
                    .withHint("Use REPEATABLE READ, and retry transactions that fail with SQLSTATE 40001.");
        }
    }

    // ---------------------------------------------------------------- COPY

    boolean isCopyFrom(PreparedImpl p) {
        return p.stmt() instanceof Tree.CopyStmt c && c.from() && c.file() == null;
    }

    boolean isCopyToClient(PreparedImpl p) {
        return p.stmt() instanceof Tree.CopyStmt c && !c.from() && c.file() == null;
    }

    CopyOut startCopyOut(PortalImpl portal) {
        return guard(() -> {
            startCopyStatement(portal.prepared);
            return new CopyCommand(this).toClient((Tree.CopyStmt) portal.prepared.stmt());
        });
    }

    CopyIn startCopy(PortalImpl portal) {
        return guard(() -> {
            startCopyStatement(portal.prepared);
            checkWritable("COPY FROM");
            return utility.copyFrom((Tree.CopyStmt) portal.prepared.stmt());
        });
    }

    /** What every statement's start does, for a COPY that the backend runs outside {@link #start}. */
    private void startCopyStatement(PreparedImpl p) {
        cancelRequested = false;
        checkNotFailed(p);
        ensureTransaction();
        statementSnapshot();
        startStatementClock();
    }
}
