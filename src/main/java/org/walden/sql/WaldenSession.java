package org.walden.sql;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.SessionSettings;
import org.walden.replication.SyncRep;
import org.walden.sql.catalog.Catalog;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.exec.Analyzed;
import org.walden.sql.exec.ClientQueries;
import org.walden.sql.exec.CopyFromText;
import org.walden.sql.exec.Ddl;
import org.walden.sql.exec.ExecEnv;
import org.walden.sql.exec.Executor;
import org.walden.sql.exec.Plan;
import org.walden.sql.exec.Planner;
import org.walden.sql.parse.Ast;
import org.walden.sql.parse.Lexer;
import org.walden.sql.parse.Parser;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;
import org.walden.txn.SynchronousCommit;
import org.walden.txn.Transaction;
import org.walden.txn.TransactionManager;

/**
 * One client's SQL session: the transaction-block state machine, SET/SHOW, and the glue
 * from parsed statements to the planner and executor.
 *
 * <p>Transaction states (PostgreSQL's TBLOCK_* reduced to four):
 * <pre>
 *   IDLE     no transaction            ─ a statement ─▶ IMPLICIT      ─ BEGIN ─▶ BLOCK
 *   IMPLICIT statements until Sync    ─ sync() commits ─▶ IDLE;  error: rolled back ─▶ IDLE
 *                                      ─ BEGIN ─▶ BLOCK (the implicit work joins the block)
 *   BLOCK    BEGIN ... COMMIT          ─ COMMIT/ROLLBACK ─▶ IDLE;  error ─▶ FAILED
 *   FAILED   rolled back, awaiting end ─ COMMIT (answers ROLLBACK) / ROLLBACK ─▶ IDLE
 * </pre>
 * Used by its backend thread only, except {@link #cancel()} (volatile flag).
 */
final class WaldenSession implements Session, ExecEnv {

    private enum TxState { IDLE, IMPLICIT, BLOCK, FAILED }

    private final WaldenSqlEngine engine;
    private final String sessionUser;
    private final String databaseName;
    private final int backendPid;
    private final SessionSettings settings;
    private Consumer<PgException> noticeSink = n -> { };

    /** Set by cancel() from any thread; read and cleared by the backend thread. */
    private volatile boolean cancelRequested;
    /** statement_timeout's deadline for the running statement (epoch ms), or Long.MAX_VALUE. */
    private long statementDeadlineMs = Long.MAX_VALUE;

    private TxState state = TxState.IDLE;
    private Transaction txn;
    private boolean txnChangedCatalog;
    private Catalog txnCatalog;
    private Instant txnStart;
    private Instant stmtStart;
    private ZoneId zone = ZoneOffset.UTC;

    WaldenSession(WaldenSqlEngine engine, String userName, String databaseName, int backendPid,
                  SessionSettings settings) {
        this.engine = engine;
        this.sessionUser = userName;
        this.databaseName = databaseName;
        this.backendPid = backendPid;
        this.settings = settings;
        refreshZone();
    }

    // ---------------------------------------------------------------- Session API

    @Override
    public List<Prepared> parseSimple(String sql) {
        return guard(() -> {
            List<int[]> ranges = Lexer.statementRanges(sql);
            List<Prepared> out = new ArrayList<>();
            if (ranges.isEmpty()) {
                out.add(new PreparedImpl(sql, null, null));
                return out;
            }
            for (int[] r : ranges) {
                // parsed with its offset as blanks, so error positions count from the message's start
                String piece = sql.substring(r[0], r[1]);
                out.add(new PreparedImpl(piece, parse(" ".repeat(r[0]) + piece), null));
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
            PreparedImpl p = new PreparedImpl(sql, parse(pieces.get(0)), paramTypeOids);
            checkNotFailed(p);
            analyze(p);
            return p;
        });
    }

    private static Ast.Stmt parse(String statement) {
        Ast.Stmt known = ClientQueries.recognise(statement);
        return known != null ? known : Parser.parse(statement);
    }

    @Override
    public Portal bind(Prepared statement, byte[][] params, short[] paramFormats, short[] resultFormats) {
        return guard(() -> {
            PreparedImpl p = (PreparedImpl) statement;
            checkNotFailed(p);
            if (p.stmt != null && (p.analyzed == null || p.analyzed.catalog() != currentCatalog())) {
                analyze(p);
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
            return new PortalImpl(this, p, bound, resultFormats == null ? new short[0] : resultFormats);
        });
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
        return Values.parseText(type, new String(value, StandardCharsets.UTF_8), zone);
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
        if (txn != null) {
            txn.rollback();
            txn = null;
        }
        state = TxState.IDLE;
        engine.serverStatus().sessionEnded(backendPid);
    }

    // ---------------------------------------------------------------- errors and states

    private interface Action<T> {
        T run();
    }

    /** Runs a protocol step; any error aborts the transaction as PostgreSQL's AbortCurrentTransaction does. */
    private <T> T guard(Action<T> action) {
        try {
            return action.run();
        } catch (RuntimeException e) {
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
                rollbackTransaction();
                state = TxState.FAILED;
            }
            default -> {
            }
        }
    }

    private void checkNotFailed(PreparedImpl p) {
        if (state == TxState.FAILED && !p.isTransactionControl()) {
            throw new PgException(SqlState.IN_FAILED_SQL_TRANSACTION,
                    "current transaction is aborted, commands ignored until end of transaction block");
        }
    }

    private void ensureTransaction() {
        if (txn == null) {
            txn = engine.transactionManager().begin();
            txnStart = engine.clock().instant();
            txnChangedCatalog = false;
            txnCatalog = null;
            if (state == TxState.IDLE) {
                state = TxState.IMPLICIT;
            }
        }
    }

    private void commitTransaction() {
        Transaction t = txn;
        txn = null;
        state = TxState.IDLE;
        if (t == null) {
            return;
        }
        boolean committed = false;
        try {
            SynchronousCommit level = SynchronousCommit.parse(settingOr("synchronous_commit", "on"));
            SyncRep.withInterrupts(syncRepInterrupts, () -> t.commit(level));
            committed = true;
        } finally {
            if (!committed) {
                t.rollback();
            }
            settings.endTransaction(committed);
            refreshZone();
            if (txnChangedCatalog) {
                engine.invalidateCatalog();
            }
            txnChangedCatalog = false;
            txnCatalog = null;
        }
    }

    private void rollbackTransaction() {
        Transaction t = txn;
        txn = null;
        if (t != null) {
            t.rollback();
        }
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

    private String settingOr(String name, String fallback) {
        try {
            return settings.show(name);
        } catch (PgException e) {
            return fallback;
        }
    }

    private void refreshZone() {
        try {
            zone = ZoneId.of(settings.show("TimeZone"));
        } catch (RuntimeException e) {
            zone = ZoneOffset.UTC;
        }
    }

    private void notice(PgException.Severity severity, SqlState state, String message) {
        noticeSink.accept(new PgException(severity, state, message, null, null, null));
    }

    // ---------------------------------------------------------------- analysis

    /** The catalog this session sees: its own transaction's when it changed the catalog, else the shared one. */
    private Catalog currentCatalog() {
        if (txnChangedCatalog && txn != null) {
            if (txnCatalog == null) {
                txnCatalog = CatalogStore.load(txn, -1);
            }
            return txnCatalog;
        }
        return engine.catalog();
    }

    private void analyze(PreparedImpl p) {
        if (p.stmt == null) {
            return;
        }
        p.analyzed = new Planner(currentCatalog(), zone).analyze(p.stmt, p.declaredParamOids);
    }

    // ---------------------------------------------------------------- execution

    /** Runs a portal's statement (its first Execute). */
    Executor.Result run(PortalImpl portal) {
        return guard(() -> {
            PreparedImpl p = portal.prepared;
            cancelRequested = false;
            if (p.stmt == null) {
                return new Executor.Result(List.of(), "");
            }
            if (p.stmt instanceof Ast.TransactionStmt t) {
                return new Executor.Result(List.of(), transactionControl(t.kind()));
            }
            checkNotFailed(p);
            ensureTransaction();
            txn.newStatementSnapshot();
            startStatementClock();
            if (p.analyzed == null || p.analyzed.catalog() != currentCatalog()) {
                analyze(p);
            }
            checkWritable(p.stmt);
            Plan plan = p.analyzed.plan();
            if (plan instanceof Plan.Utility u) {
                return utility(u.stmt(), portal.params);
            }
            return executor().run(plan, portal.params);
        });
    }

    /** Starts COPY ... FROM STDIN for a portal (see {@link CopyIn}). */
    CopyIn startCopy(PortalImpl portal) {
        return guard(() -> {
            PreparedImpl p = portal.prepared;
            Ast.Copy copy = (Ast.Copy) p.stmt;
            cancelRequested = false;
            checkNotFailed(p);
            ensureTransaction();
            txn.newStatementSnapshot();
            startStatementClock();
            checkWritable(copy);
            String format = copy.options().getOrDefault("format", "text");
            if (!format.equals("text")) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COPY format \"" + format
                        + "\" is not supported");
            }
            String delimiter = copy.options().getOrDefault("delimiter", "\t");
            if (delimiter.length() != 1) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COPY delimiter must be a single one-byte character");
            }
            Planner planner = new Planner(currentCatalog(), zone);
            org.walden.sql.catalog.TableDef table = planner.relation(
                    new Ast.TableRef(null, copy.table(), null, copy.position()));
            if (table.virtual()) {
                throw new PgException(SqlState.WRONG_OBJECT_TYPE, "cannot copy to view \"" + table.name() + "\"");
            }
            int[] columns;
            if (copy.columns() == null) {
                columns = java.util.stream.IntStream.range(0, table.columns().size()).toArray();
            } else {
                columns = new int[copy.columns().size()];
                for (int i = 0; i < columns.length; i++) {
                    columns[i] = table.columnIndex(copy.columns().get(i));
                    if (columns[i] < 0) {
                        throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + copy.columns().get(i)
                                + "\" of relation \"" + table.name() + "\" does not exist");
                    }
                }
            }
            CopyFromText parser = new CopyFromText(table, columns, planner.columnDefaults(table), delimiter.charAt(0),
                    copy.options().getOrDefault("null", "\\N"), zone, executor(), this);
            return new SessionCopyIn(parser, columns.length);
        });
    }

    /** The CopyIn of one COPY FROM STDIN; every step runs under {@link #guard}. */
    private final class SessionCopyIn implements CopyIn {
        private final CopyFromText parser;
        private final int columnCount;

        SessionCopyIn(CopyFromText parser, int columnCount) {
            this.parser = parser;
            this.columnCount = columnCount;
        }

        @Override
        public int columnCount() {
            return columnCount;
        }

        @Override
        public void data(byte[] chunk) {
            guard(() -> {
                parser.feed(chunk);
                return null;
            });
        }

        @Override
        public String done() {
            return guard(() -> "COPY " + parser.finish());
        }

        @Override
        public void fail(String message) {
            guard(() -> {
                throw new PgException(SqlState.QUERY_CANCELED, "COPY from stdin failed: " + message);
            });
        }
    }

    private void startStatementClock() {
        stmtStart = engine.clock().instant();
        long timeoutMs = parseMillis(settingOr("statement_timeout", "0"));
        statementDeadlineMs = timeoutMs > 0 ? stmtStart.toEpochMilli() + timeoutMs : Long.MAX_VALUE;
    }

    private long lockTimeoutMs() {
        return parseMillis(settingOr("lock_timeout", "0"));
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

    private Executor executor() {
        return new Executor(txn, this, lockTimeoutMs(), engine, () -> engine.clock().millis());
    }

    private void checkWritable(Ast.Stmt stmt) {
        String command = switch (stmt) {
            case Ast.Select s when s.forUpdate() -> "SELECT FOR UPDATE";
            case Ast.Insert i -> "INSERT";
            case Ast.Update u -> "UPDATE";
            case Ast.Delete d -> "DELETE";
            case Ast.CreateTable c -> "CREATE TABLE";
            case Ast.DropTable d -> "DROP TABLE";
            case Ast.Truncate t -> "TRUNCATE TABLE";
            case Ast.AlterTableAddPk a -> "ALTER TABLE";
            case Ast.RoleStmt r -> r.create() ? "CREATE ROLE" : "ALTER ROLE";
            case Ast.DropRole d -> "DROP ROLE";
            case Ast.Copy c -> "COPY";
            case Ast.CreateDatabase c -> "CREATE DATABASE";
            case Ast.DropDatabase d -> "DROP DATABASE";
            default -> null;
        };
        if (command != null && engine.transactionManager().inRecovery()) {
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION, "cannot execute " + command
                    + " in a read-only transaction");
        }
    }

    private String transactionControl(Ast.TxKind kind) {
        switch (kind) {
            case BEGIN -> {
                if (state == TxState.FAILED) {
                    throw new PgException(SqlState.IN_FAILED_SQL_TRANSACTION,
                            "current transaction is aborted, commands ignored until end of transaction block");
                }
                if (state == TxState.BLOCK) {
                    notice(PgException.Severity.WARNING, SqlState.ACTIVE_SQL_TRANSACTION,
                            "there is already a transaction in progress");
                    return "BEGIN";
                }
                ensureTransaction();
                state = TxState.BLOCK;
                return "BEGIN";
            }
            case COMMIT -> {
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
                        notice(PgException.Severity.WARNING, SqlState.NO_ACTIVE_SQL_TRANSACTION,
                                "there is no transaction in progress");
                        commitTransaction();
                        return "COMMIT";
                    }
                }
            }
            case ROLLBACK -> {
                if (state == TxState.IDLE || state == TxState.IMPLICIT) {
                    notice(PgException.Severity.WARNING, SqlState.NO_ACTIVE_SQL_TRANSACTION,
                            "there is no transaction in progress");
                }
                rollbackTransaction();
                state = TxState.IDLE;
                return "ROLLBACK";
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private Executor.Result utility(Ast.Stmt stmt, Object[] params) {
        Ddl ddl = new Ddl(txn, currentCatalog(), executor(), lockTimeoutMs(), noticeSink, this);
        String tag;
        switch (stmt) {
            case Ast.Show s -> {
                return show(s.name());
            }
            case Ast.SetStmt s -> {
                if (s.local() && state != TxState.BLOCK) {
                    notice(PgException.Severity.WARNING, SqlState.NO_ACTIVE_SQL_TRANSACTION,
                            "SET LOCAL can only be used in transaction blocks");
                }
                if (s.value() == null) {
                    settings.reset(s.name());
                } else {
                    settings.set(s.name(), s.value(), s.local());
                }
                refreshZone();
                tag = "SET";
            }
            case Ast.Reset r -> {
                if (r.name().equals("all")) {
                    for (String[] row : settings.showAll()) {
                        try {
                            settings.reset(row[0]);
                        } catch (PgException e) {
                            // settings that cannot be reset in a session keep their value
                        }
                    }
                } else {
                    settings.reset(r.name());
                }
                refreshZone();
                tag = "RESET";
            }
            case Ast.Checkpoint c -> {
                RoleDef me = currentCatalog().role(sessionUser);
                if (me == null || !me.superuser()) {
                    throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be superuser to do CHECKPOINT");
                }
                engine.serverStatus().requestCheckpoint();
                tag = "CHECKPOINT";
            }
            case Ast.NoOp n -> tag = n.tag();
            case Ast.AlterSystem a -> {
                preventInTransactionBlock("ALTER SYSTEM");
                try {
                    settings.alterSystem(a.name(), a.value());
                } catch (UnsupportedOperationException e) {
                    throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "ALTER SYSTEM is not supported by this server");
                }
                tag = "ALTER SYSTEM";
            }
            case Ast.CreateDatabase c -> {
                preventInTransactionBlock("CREATE DATABASE");
                tag = ddlDone(ddl.createDatabase(c));
            }
            case Ast.DropDatabase d -> {
                preventInTransactionBlock("DROP DATABASE");
                if (d.name().equals(databaseName)) {
                    throw new PgException(SqlState.OBJECT_IN_USE, "cannot drop the currently open database");
                }
                tag = ddlDone(ddl.dropDatabase(d));
            }
            case Ast.KnownClientQuery k -> {
                return ClientQueries.run(k, currentCatalog(), params);
            }
            case Ast.CreateTable c -> tag = ddlDone(ddl.createTable(c));
            case Ast.DropTable d -> tag = ddlDone(ddl.dropTable(d));
            case Ast.Truncate t -> tag = ddlDone(ddl.truncate(t));
            case Ast.AlterTableAddPk a -> tag = ddlDone(ddl.addPrimaryKey(a));
            case Ast.RoleStmt r -> tag = ddlDone(ddl.roleStmt(r));
            case Ast.DropRole d -> tag = ddlDone(ddl.dropRole(d));
            default -> throw new IllegalStateException(stmt.toString());
        }
        return new Executor.Result(List.of(), tag);
    }

    /** PostgreSQL's PreventInTransactionBlock, for statements that cannot be rolled back. */
    private void preventInTransactionBlock(String command) {
        if (state == TxState.BLOCK) {
            throw new PgException(SqlState.ACTIVE_SQL_TRANSACTION, command + " cannot run inside a transaction block");
        }
    }

    private String ddlDone(String tag) {
        txnChangedCatalog = true;
        txnCatalog = null;
        return tag;
    }

    private Executor.Result show(String name) {
        List<Object[]> rows = new ArrayList<>();
        if (name.equals("all")) {
            for (String[] s : settings.showAll()) {
                rows.add(new Object[] {s[0], s[1], s.length > 2 ? s[2] : null});
            }
        } else {
            rows.add(new Object[] {showSetting(name)});
        }
        return new Executor.Result(rows, "SHOW");
    }

    /** SHOW name; the transaction characteristics are the sql layer's own when the settings lack them. */
    private String showSetting(String name) {
        try {
            return settings.show(name);
        } catch (PgException e) {
            String fixed = switch (name.toLowerCase(Locale.ROOT)) {
                case "transaction_isolation", "default_transaction_isolation" -> "read committed";
                case "transaction_read_only" -> engine.transactionManager().inRecovery() ? "on" : "off";
                case "transaction_deferrable", "default_transaction_deferrable" -> "off";
                case "is_superuser" -> {
                    RoleDef me = currentCatalog().role(sessionUser);
                    yield me != null && me.superuser() ? "on" : "off";
                }
                default -> null;
            };
            if (fixed == null) {
                throw e;
            }
            return fixed;
        }
    }

    // ---------------------------------------------------------------- ExecEnv

    @Override
    public ZoneId zone() {
        return zone;
    }

    @Override
    public Instant transactionStart() {
        return txnStart != null ? txnStart : engine.clock().instant();
    }

    @Override
    public Instant statementStart() {
        return stmtStart != null ? stmtStart : engine.clock().instant();
    }

    @Override
    public String currentUser() {
        return sessionUser;
    }

    @Override
    public String sessionUser() {
        return sessionUser;
    }

    @Override
    public String databaseName() {
        return databaseName;
    }

    @Override
    public int backendPid() {
        return backendPid;
    }

    @Override
    public ServerStatus serverStatus() {
        return engine.serverStatus();
    }

    @Override
    public TransactionManager transactionManager() {
        return engine.transactionManager();
    }

    @Override
    public Catalog catalog() {
        return currentCatalog();
    }

    @Override
    public void notice(PgException n) {
        noticeSink.accept(n);
    }

    @Override
    public void checkCancel() {
        if (cancelRequested) {
            cancelRequested = false;
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        }
        if (statementDeadlineMs != Long.MAX_VALUE && engine.clock().millis() >= statementDeadlineMs) {
            statementDeadlineMs = Long.MAX_VALUE;
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to statement timeout");
        }
    }
}
