package org.walden.server;

import static org.walden.protocol.PgProtocol.*;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.WaitEvent;
import org.walden.protocol.BackendMessages;
import org.walden.protocol.ErrorFields;
import org.walden.protocol.FieldDescription;
import org.walden.protocol.FrontendMessages;
import org.walden.protocol.Message;
import org.walden.protocol.OversizedMessageException;
import org.walden.protocol.PgStream;
import org.walden.server.logging.PgLog;
import org.walden.server.logging.PgLogContext;
import org.walden.sql.ColumnDesc;
import org.walden.sql.CopyIn;
import org.walden.sql.CopyOut;
import org.walden.sql.Portal;
import org.walden.sql.Prepared;
import org.walden.sql.Session;

/**
 * A backend: serves one client connection after authentication (PostgreSQL's postgres.c,
 * PostgresMain).
 *
 * <p><b>Who starts it.</b> {@link BackendStartup}, on the connection's virtual thread, once the
 * client is authenticated, the role and database are checked, the {@link Session} is open and
 * ParameterStatus and BackendKeyData are sent. {@link #run()} sends the first ReadyForQuery.
 *
 * <p><b>Who it talks to.</b> The client, in the simple and the extended query protocol
 * (sequence diagrams in org/walden/protocol/README.md); the {@link Session}, which parses,
 * binds and runs statements; the postmaster, which may call {@link #terminate()} (fast
 * shutdown) and, through the Session, cancel the running statement (CancelRequest).
 *
 * <p><b>State it owns.</b> The prepared statements and portals of the extended protocol
 * (unnamed ones under ""), whether it is skipping messages until Sync after an error, and the
 * GUC_REPORT values last sent as ParameterStatus. Used by this backend's thread only, except
 * {@code terminateRequested}, the {@link Activity} pg_stat_activity reads and the wait slot its
 * wait_event comes from (the thread's, while {@link #run()} runs). Each state change gives the
 * Session the time spent in the state before it (pg_stat_database's session times).
 *
 * <p><b>How it ends.</b> Terminate or EOF from the client; a FATAL error (sent first); a
 * protocol violation (FATAL 08P01, e.g. "invalid frontend message type 120"). In every case
 * {@link #run()} tells the Session how it ended (normally, abandoned, FATAL, killed) and returns,
 * and {@link BackendStartup} closes the Session and the socket.
 *
 * <p><b>Shutdown handshake.</b> {@link #terminate()} (any thread) sets a flag, cancels the
 * running statement and wakes the idle wait; the backend then sends FATAL 57P01
 * "terminating connection due to administrator command" and returns.
 */
public final class Backend {

    private static final Logger log = LoggerFactory.getLogger(Backend.class);
    /** How often an idle backend looks at {@code terminateRequested} between wake-ups. */
    private static final long IDLE_POLL_MS = 1000;

    private final PgStream stream;
    private final Session session;
    private final int backendPid;
    private final Map<String, Prepared> statements = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();
    /** The Prepared each portal came from (EmptyQueryResponse for an empty statement). */
    private final Map<String, Prepared> portalStatements = new HashMap<>();
    /** The statement name each portal was bound from (for log_statement and the duration lines). */
    private final Map<String, String> portalStatementNames = new HashMap<>();
    private final StatementLogging statementLogging;
    private final Map<String, String> reportedSent = new LinkedHashMap<>();
    private boolean ignoreTillSync;
    /** See {@link #setMaxStatementBytes}. */
    private int maxStatementBytes = MAX_MESSAGE_LENGTH;
    /** The text of the statement the extended-protocol messages are working on, for the log's STATEMENT line. */
    private String currentStatementText;
    /** Set by the postmaster's thread (fast shutdown), read by this backend's loop. */
    private volatile boolean terminateRequested;
    /** ReadyForQuery was the last message sent: the idle timeouts run until the next message arrives. */
    private boolean readyForQuerySent;
    /** What pg_stat_activity shows of this backend; replaced whole, read by any thread. */
    private volatile Activity activity = new Activity("idle", null, null, null, null);
    /** What this backend's thread is waiting for (pg_stat_activity's wait_event), read by any thread. */
    private final WaitEvent.Slot waitSlot = new WaitEvent.Slot();
    private final java.time.Clock clock;
    /** How the session ended, for pg_stat_database: the client went away unless found otherwise. */
    private Session.EndCause endCause = Session.EndCause.ABANDONED;
    /** When this backend began serving its session (its first state's start). */
    private final java.time.Instant sessionStart;
    /** The idle timeouts as of the settings' {@code valuesVersion} {@link #idleTimeoutsVersion} (read at every wait). */
    private long idleSessionTimeoutMs;
    private long idleInTransactionTimeoutMs;
    private Object idleTimeoutsVersion;
    /** The column list last described and its RowDescription ({@link #rowDescription}); the list is never changed. */
    private List<ColumnDesc> describedColumns;
    private byte[] describedRowDescription;
    /** The GUC_REPORT map last compared with {@link #reportedSent}: the same (cached, unmodifiable) map has nothing new. */
    private Map<String, String> reportedCompared;

    /**
     * pg_stat_activity's state ('active', 'idle', 'idle in transaction', 'idle in transaction
     * (aborted)'), query (the running statement, else the last one), query_start, xact_start
     * and state_change.
     */
    public record Activity(String state, String query, java.time.Instant queryStart,
                           java.time.Instant xactStart, java.time.Instant stateChange) {
    }

    public Backend(PgStream stream, Session session, int backendPid, Map<String, String> reportedAlreadySent,
                   java.time.Clock clock) {
        this.stream = stream;
        this.clock = clock;
        this.sessionStart = clock.instant();
        this.session = session;
        this.backendPid = backendPid;
        this.reportedSent.putAll(reportedAlreadySent);
        this.statementLogging = new StatementLogging(session.settings());
    }

    public int backendPid() {
        return backendPid;
    }

    public Activity activity() {
        return activity;
    }

    /** The wait going on in a statement (a lock, the WAL flush, a synchronous standby), or null. */
    public WaitEvent waitEvent() {
        return waitSlot.current();
    }

    /** pgstat_report_activity(STATE_RUNNING): a statement starts; an idle session starts a transaction too. */
    private void reportActive(String query) {
        java.time.Instant now = clock.instant();
        Activity a = activity;
        java.time.Instant xactStart = a.xactStart() != null ? a.xactStart() : now;
        accountStateTime(a, now);
        activity = new Activity("active", query, now, xactStart, now);
    }

    /** ReadyForQuery with the session's transaction status, and pg_stat_activity's idle state for it. */
    private void sendReadyForQuery() throws IOException {
        char status = session.transactionStatus();
        Activity a = activity;
        String state = switch (status) {
            case 'T' -> "idle in transaction";
            case 'E' -> "idle in transaction (aborted)";
            default -> "idle";
        };
        if (!state.equals(a.state())) {
            java.time.Instant now = clock.instant();
            accountStateTime(a, now);
            activity = new Activity(state, a.query(), a.queryStart(), status == TX_IDLE ? null : a.xactStart(), now);
        }
        if (status == TX_IDLE) {
            sendNotifications();
        }
        stream.send(BackendMessages.readyForQuery(status));
        readyForQuerySent = true;
    }

    /**
     * The notifications committed for this session's LISTENs, as NotificationResponse messages.
     * Called only when idle outside a transaction block, where PostgreSQL delivers them.
     */
    private void sendNotifications() throws IOException {
        for (var n = session.pollNotification(); n != null; n = session.pollNotification()) {
            stream.send(BackendMessages.notificationResponse(n.senderPid(), n.channel(), n.payload()));
        }
    }

    /** Fast shutdown: end the connection with FATAL 57P01 at the next chance. Any thread. */
    public void terminate() {
        terminateRequested = true;
        session.cancel();
        stream.wakeup();
    }

    /** The message loop; returns when the connection is to be closed. */
    public void run() throws IOException {
        WaitEvent.bindSlot(waitSlot);
        try {
            serveMessages();
        } finally {
            WaitEvent.unbindSlot();
            accountStateTime(activity, clock.instant());
            session.ended(endCause);
        }
    }

    /** The time since {@code a}'s state began goes to pg_stat_database's session times. */
    private void accountStateTime(Activity a, java.time.Instant now) {
        java.time.Instant since = a.stateChange() != null ? a.stateChange() : sessionStart;
        session.stateTime(a.state(), since.until(now, java.time.temporal.ChronoUnit.MICROS));
    }

    private void serveMessages() throws IOException {
        session.setNoticeSink(this::sendNotice);
        session.setNotificationWakeup(stream::wakeup);
        sendReadyForQuery();
        stream.flush();
        while (true) {
            if (!awaitCommand()) {
                return;
            }
            Message m;
            try {
                m = stream.readMessage(Backend::maxLengthFor, this::acceptedLengthFor);
            } catch (OversizedMessageException e) {
                if (!handleError(e, e.type())) {
                    return;
                }
                continue;
            } catch (PgException e) {
                sendFatal(e);
                return;
            }
            try {
                if (!processMessage(m)) {
                    return;
                }
            } catch (PgException e) {
                if (!handleError(e, m.type())) {
                    return;
                }
            } catch (StackOverflowError e) {
                if (!handleError(stackDepthExceeded(), m.type())) {
                    return;
                }
            } catch (OutOfMemoryError e) {
                // this session gives its memory back by ending; the others go on
                sendFatal(new PgException(PgException.Severity.FATAL, SqlState.OUT_OF_MEMORY, "out of memory",
                        "Failed while processing a message of type " + typeName(m.type()) + ".", null, null));
                return;
            }
        }
    }

    /**
     * The largest statement (Query, Parse) this backend takes: a longer one is read, dropped and
     * refused with ERROR 54000 "program limit exceeded", so its text never fills the heap.
     */
    public void setMaxStatementBytes(long bytes) {
        this.maxStatementBytes = (int) Math.min(MAX_MESSAGE_LENGTH, bytes);
    }

    private int acceptedLengthFor(int type) {
        return type == F_QUERY || type == F_PARSE ? maxStatementBytes : maxLengthFor(type);
    }

    /**
     * 54001, as check_stack_depth reports it: a statement nested deeper than the backend's stack
     * (a 100,000-term expression) fails alone; the session goes on.
     */
    private PgException stackDepthExceeded() {
        String current;
        try {
            current = session.settings().show("max_stack_depth");
        } catch (RuntimeException e) {
            current = "2MB";
        }
        return new PgException(PgException.Severity.ERROR, SqlState.STATEMENT_TOO_COMPLEX, "stack depth limit exceeded",
                null, "Increase the configuration parameter \"max_stack_depth\" (currently " + current + "), after "
                        + "ensuring the platform's stack depth limit is adequate.", null);
    }

    /** PostgreSQL's SocketBackend limits: big messages only where statements and data travel. */
    static int maxLengthFor(int type) {
        return switch (type) {
            case F_QUERY, F_PARSE, F_BIND, F_COPY_DATA, F_FUNCTION_CALL, F_PASSWORD -> MAX_MESSAGE_LENGTH;
            default -> MAX_SMALL_MESSAGE_LENGTH;
        };
    }

    /**
     * Waits for the next message; false if the backend must exit (termination sent). Replies are
     * flushed only before waiting: while the client's next messages are already here (a pipeline
     * of Bind / Execute / Sync in one packet), they are answered into one buffer and go out in
     * one write at the end, as PostgreSQL's replies go out at ReadyForQuery, so the client reads
     * each batch's answer once. After ReadyForQuery, idle_in_transaction_session_timeout (in a
     * transaction block) or idle_session_timeout (outside one) ends the connection with
     * PostgreSQL's FATAL.
     */
    private boolean awaitCommand() throws IOException {
        long idleStart = System.nanoTime();
        PgException idleEnd = readyForQuerySent ? idleTimeoutError() : null;
        long idleLimitMs = idleEnd == null ? 0 : idleTimeoutMs(session.transactionStatus());
        while (true) {
            if (terminateRequested) {
                sendFatal(adminShutdown());
                return false;
            }
            if (stream.hasBufferedInput()) {
                readyForQuerySent = false;
                return true;
            }
            if (readyForQuerySent && session.transactionStatus() == TX_IDLE) {
                sendNotifications(); // committed by other sessions while this one waited
            }
            stream.flush();
            long waitMs = IDLE_POLL_MS;
            if (idleEnd != null) {
                long leftMs = idleLimitMs - (System.nanoTime() - idleStart) / 1_000_000;
                if (leftMs <= 0) {
                    sendFatal(idleEnd);
                    return false;
                }
                waitMs = Math.min(waitMs, leftMs);
            }
            if (stream.awaitReadable(waitMs)) {
                readyForQuerySent = false;
                return true;
            }
        }
    }

    /** The FATAL an idle timeout ends this connection with, or null when the applicable timeout is off. */
    private PgException idleTimeoutError() {
        char status = session.transactionStatus();
        if (idleTimeoutMs(status) <= 0) {
            return null;
        }
        return status == TX_IDLE
                ? PgException.fatal(SqlState.IDLE_SESSION_TIMEOUT, "terminating connection due to idle-session timeout")
                : PgException.fatal(SqlState.IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
                        "terminating connection due to idle-in-transaction timeout");
    }

    private long idleTimeoutMs(char status) {
        Object version = session.settings().valuesVersion();
        if (version == null || version != idleTimeoutsVersion) {
            idleSessionTimeoutMs = idleTimeoutSetting("idle_session_timeout");
            idleInTransactionTimeoutMs = idleTimeoutSetting("idle_in_transaction_session_timeout");
            idleTimeoutsVersion = version;
        }
        return status == TX_IDLE ? idleSessionTimeoutMs : idleInTransactionTimeoutMs;
    }

    private long idleTimeoutSetting(String name) {
        try {
            return session.settings().getInt(name);
        } catch (RuntimeException e) {
            return 0; // a session without these settings (tests' fakes)
        }
    }

    private static PgException adminShutdown() {
        return PgException.fatal(SqlState.ADMIN_SHUTDOWN, "terminating connection due to administrator command");
    }

    /** Dispatches one message; false when the connection ends (Terminate). */
    private boolean processMessage(Message m) throws IOException {
        char type = m.type();
        if (ignoreTillSync && type != F_SYNC && type != F_TERMINATE) {
            return true;
        }
        switch (type) {
            case F_QUERY -> execSimpleQuery(FrontendMessages.decodeQuery(m));
            case F_PARSE -> execParse(FrontendMessages.decodeParse(m));
            case F_BIND -> execBind(FrontendMessages.decodeBind(m));
            case F_DESCRIBE -> execDescribe(FrontendMessages.decodeTarget(m));
            case F_EXECUTE -> execExecute(FrontendMessages.decodeExecute(m));
            case F_CLOSE -> execClose(FrontendMessages.decodeTarget(m));
            case F_FLUSH -> stream.flush();
            case F_SYNC -> execSync();
            case F_TERMINATE -> {
                endCause = Session.EndCause.NORMAL;
                return false;
            }
            case F_COPY_DATA, F_COPY_DONE, F_COPY_FAIL -> {
                // Not in COPY: accepted and ignored, as the protocol says.
            }
            case F_FUNCTION_CALL -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "fastpath function calls are not supported");
            default -> throw PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                    "invalid frontend message type " + (int) type);
        }
        return true;
    }

    private static boolean isExtended(char type) {
        return type == F_PARSE || type == F_BIND || type == F_DESCRIBE || type == F_EXECUTE || type == F_CLOSE
                || type == F_FLUSH;
    }

    /**
     * Sends the ErrorResponse. ERROR: in the extended protocol, skip to Sync; FATAL (or a
     * pending termination): the connection ends. Returns false when the backend must exit.
     */
    private boolean handleError(PgException e, char type) throws IOException {
        if (terminateRequested) {
            sendFatal(adminShutdown());
            return false;
        }
        if (e.severity() == PgException.Severity.FATAL || e.severity() == PgException.Severity.PANIC) {
            sendFatal(e);
            return false;
        }
        PgLog.report(e, isExtended(type) ? currentStatementText : null);
        stream.send(BackendMessages.errorResponse(e));
        if (isExtended(type)) {
            ignoreTillSync = true;
        } else {
            sendReadyForQuery();
        }
        return true;
    }

    private void sendFatal(PgException e) throws IOException {
        endCause = terminateRequested ? Session.EndCause.KILLED : Session.EndCause.FATAL;
        PgLog.reportFatal(e, null);
        stream.sendAndFlush(BackendMessages.errorResponse(
                new ErrorFields("FATAL", e.sqlState().code(), e.getMessage(), e.detail(), e.hint(), 0)));
    }

    private void sendNotice(PgException notice) {
        try {
            stream.send(BackendMessages.noticeResponse(ErrorFields.of(notice)));
        } catch (IOException e) {
            log.debug("backend {}: notice not sent: {}", backendPid, e.toString());
        }
    }

    // ------------------------------------------------------------------ simple query

    /** PostgreSQL's exec_simple_query: every statement in turn; an error stops the rest. */
    private void execSimpleQuery(String sql) throws IOException {
        long startNanos = System.nanoTime();
        reportActive(sql);
        boolean wasLogged = statementLogging.active() && statementLogging.logStatement("statement: " + sql);
        ignoreTillSync = false;
        statements.remove("");
        portals.remove("");
        try {
            // As PostgreSQL's raw parser: empty statements between semicolons vanish; only a
            // string with no statement at all gets EmptyQueryResponse.
            List<Prepared> parsed = session.parseSimple(sql).stream().filter(p -> !p.isEmpty()).toList();
            if (parsed.isEmpty()) {
                stream.send(BackendMessages.emptyQueryResponse());
            }
            for (Prepared p : parsed) {
                runSimpleStatement(p);
            }
        } catch (PgException e) {
            if (terminateRequested || e.severity() == PgException.Severity.FATAL) {
                throw e;
            }
            PgLog.report(e, sql); // log_min_error_statement = error: the ERROR and its STATEMENT
            stream.send(BackendMessages.errorResponse(e));
        } catch (StackOverflowError e) {
            PgException deep = stackDepthExceeded();
            PgLog.report(deep, sql);
            stream.send(BackendMessages.errorResponse(deep));
        } catch (RuntimeException e) {
            log.error("backend {}: internal error in query", backendPid, e);
            stream.send(BackendMessages.errorResponse(new PgException(SqlState.INTERNAL_ERROR, e.toString())));
        }
        syncSession();
        if (statementLogging.active()) {
            statementLogging.logDuration(startNanos, wasLogged, "statement: " + sql);
        }
        reportParameterChanges();
        sendReadyForQuery();
        ignoreTillSync = false;
    }

    private void runSimpleStatement(Prepared p) throws IOException {
        Portal portal = session.bind(p, new byte[0][], new short[0], new short[0]);
        CopyIn copy = portal.copyIn();
        if (copy != null) {
            stream.send(BackendMessages.commandComplete(runCopyIn(copy)));
            return;
        }
        CopyOut copyOut = portal.copyOut();
        if (copyOut != null) {
            stream.send(BackendMessages.commandComplete(runCopyOut(copyOut)));
            return;
        }
        List<ColumnDesc> columns = portal.columns();
        if (columns != null) {
            stream.send(rowDescription(columns));
        }
        Portal.Completion done = portal.execute(0, this::sendDataRow);
        stream.send(BackendMessages.commandComplete(done.commandTag()));
    }

    private void sendDataRow(byte[][] values) {
        try {
            stream.send(BackendMessages.dataRow(values));
        } catch (IOException e) {
            throw new PgException(SqlState.CONNECTION_FAILURE, "could not send data to client: " + e.getMessage(), e);
        }
    }

    /** Session.sync() ends the implicit transaction; its failure is reported like a statement's. */
    private void syncSession() throws IOException {
        try {
            session.sync();
        } catch (PgException e) {
            if (terminateRequested || e.severity() == PgException.Severity.FATAL) {
                throw e;
            }
            stream.send(BackendMessages.errorResponse(e));
        }
    }

    /**
     * ParameterStatus for every GUC_REPORT value that changed since last sent. As PostgreSQL
     * 14+ (ReportChangedGUCOptions), this runs just before ReadyForQuery, so a SET's
     * ParameterStatus follows its CommandComplete.
     */
    private void reportParameterChanges() throws IOException {
        Map<String, String> reported = session.settings().reportedValues();
        if (reported == reportedCompared) {
            return;
        }
        reportedCompared = reported;
        for (Map.Entry<String, String> e : reported.entrySet()) {
            String before = reportedSent.get(e.getKey());
            if (!e.getValue().equals(before)) {
                reportedSent.put(e.getKey(), e.getValue());
                stream.send(BackendMessages.parameterStatus(e.getKey(), e.getValue()));
                if (e.getKey().equals("application_name")) {
                    PgLogContext.setApplicationName(e.getValue()); // %a follows SET application_name
                }
            }
        }
    }

    static List<FieldDescription> fields(List<ColumnDesc> columns) {
        List<FieldDescription> out = new ArrayList<>(columns.size());
        for (ColumnDesc c : columns) {
            out.add(new FieldDescription(c.name(), c.tableOid(), c.columnNumber(), c.typeOid(), c.typeSize(),
                    c.typeModifier(), c.format()));
        }
        return out;
    }

    // ------------------------------------------------------------------ COPY FROM STDIN

    /**
     * COPY ... FROM STDIN (PostgreSQL's CopyGetData loop): CopyInResponse, then CopyData into
     * the {@link CopyIn} until CopyDone (returns the tag) or CopyFail (57014). Flush and Sync
     * are ignored meanwhile, as the protocol says; any other message is an error. An error
     * ends the copy at once: the ErrorResponse goes out, and the CopyData still arriving is
     * dropped by the main loop, as PostgreSQL drops it.
     */
    private String runCopyIn(CopyIn copy) throws IOException {
        short format = (short) (copy.binary() ? 1 : 0);
        short[] formats = new short[copy.columnCount()];
        Arrays.fill(formats, format);
        stream.sendAndFlush(BackendMessages.copyInResponse(format, formats));
        while (true) {
            awaitCopyMessage();
            Message m = stream.readMessage(Backend::maxLengthFor);
            switch (m.type()) {
                case F_COPY_DATA -> copy.data(m.body());
                case F_COPY_DONE -> {
                    return copy.done();
                }
                case F_COPY_FAIL -> {
                    copy.fail(FrontendMessages.decodeQuery(m));
                    throw new PgException(SqlState.QUERY_CANCELED, "COPY from stdin failed: "
                            + FrontendMessages.decodeQuery(m));
                }
                case F_FLUSH, F_SYNC -> { }
                default -> throw new PgException(SqlState.PROTOCOL_VIOLATION, String.format(
                        "unexpected message type 0x%02X during COPY from stdin", (int) m.type()));
            }
        }
    }

    /**
     * COPY ... TO STDOUT (PostgreSQL's CopyTo with COPY_FRONTEND): CopyOutResponse, one CopyData
     * per row as the query produces it (the stream flushes when its buffer fills, so a long copy
     * holds one buffer), CopyDone; returns the tag. After an error the client gets ErrorResponse
     * without CopyDone, as from PostgreSQL.
     */
    private String runCopyOut(CopyOut copy) throws IOException {
        short format = (short) (copy.binary() ? 1 : 0);
        short[] formats = new short[copy.columnCount()];
        Arrays.fill(formats, format);
        stream.send(BackendMessages.copyOutResponse(format, formats));
        String tag = copy.run(data -> {
            try {
                stream.send(BackendMessages.copyData(data));
            } catch (IOException e) {
                throw new PgException(SqlState.CONNECTION_FAILURE, "could not send data to client: " + e.getMessage(),
                        e);
            }
        });
        stream.send(BackendMessages.copyDone());
        return tag;
    }

    private void awaitCopyMessage() throws IOException {
        while (!stream.awaitReadable(IDLE_POLL_MS)) {
            if (terminateRequested) {
                throw adminShutdown();
            }
        }
    }

    // ------------------------------------------------------------------ extended query

    private void execParse(FrontendMessages.Parse p) throws IOException {
        long startNanos = System.nanoTime();
        currentStatementText = p.query();
        String name = p.statementName();
        if (!name.isEmpty() && statements.containsKey(name)) {
            throw new PgException(SqlState.DUPLICATE_PREPARED_STATEMENT,
                    "prepared statement \"" + name + "\" already exists");
        }
        if (name.isEmpty()) {
            statements.remove("");
        }
        statements.put(name, name.isEmpty() ? session.prepareUnnamed(p.query(), p.paramTypeOids())
                : session.prepare(p.query(), p.paramTypeOids()));
        stream.send(BackendMessages.parseComplete());
        if (statementLogging.active()) {
            statementLogging.logDuration(startNanos, false, "parse " + (name.isEmpty() ? "<unnamed>" : name) + ": "
                    + p.query());
        }
    }

    private Prepared statement(String name) {
        Prepared p = statements.get(name);
        if (p == null) {
            throw new PgException(SqlState.INVALID_SQL_STATEMENT_NAME, name.isEmpty()
                    ? "unnamed prepared statement does not exist"
                    : "prepared statement \"" + name + "\" does not exist");
        }
        return p;
    }

    private void execBind(FrontendMessages.Bind b) throws IOException {
        long startNanos = System.nanoTime();
        Prepared p = statement(b.statementName());
        currentStatementText = p.sql();
        int formats = b.paramFormats().length;
        int params = b.params().length;
        if (formats > 1 && formats != params) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION,
                    "bind message has " + formats + " parameter formats but " + params + " parameters");
        }
        int required = p.paramTypeOids().length;
        if (params != required) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "bind message supplies " + params
                    + " parameters, but prepared statement \"" + b.statementName() + "\" requires " + required);
        }
        String portalName = b.portalName();
        if (!portalName.isEmpty() && (portals.containsKey(portalName) || session.cursorPortal(portalName) != null)) {
            throw new PgException(SqlState.DUPLICATE_CURSOR, "cursor \"" + portalName + "\" already exists");
        }
        Portal portal = session.bind(p, b.params(), b.paramFormats(), b.resultFormats());
        portals.put(portalName, portal);
        portalStatements.put(portalName, p);
        portalStatementNames.put(portalName, b.statementName());
        stream.send(BackendMessages.bindComplete());
        if (statementLogging.active()) {
            statementLogging.logDuration(startNanos, false, "bind "
                    + StatementLogging.statementAndPortal(b.statementName(), portalName) + ": " + p.sql());
        }
    }

    private Portal portal(String name) {
        Portal portal = portals.get(name);
        if (portal == null) {
            portal = session.cursorPortal(name); // a DECLARE'd cursor is a named portal too
        }
        if (portal == null) {
            throw new PgException(SqlState.INVALID_CURSOR_NAME, "portal \"" + name + "\" does not exist");
        }
        return portal;
    }

    private void execDescribe(FrontendMessages.Target t) throws IOException {
        List<ColumnDesc> columns;
        if (t.kind() == TARGET_STATEMENT) {
            Prepared p = statement(t.name());
            stream.send(BackendMessages.parameterDescription(p.paramTypeOids()));
            columns = p.columns();
        } else if (t.kind() == TARGET_PORTAL) {
            columns = portal(t.name()).columns();
        } else {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "invalid DESCRIBE message subtype " + (int) t.kind());
        }
        stream.send(columns == null ? BackendMessages.noData() : rowDescription(columns));
    }

    /**
     * The RowDescription of {@code columns}: encoded again only for another list. A portal whose
     * result formats are the statement's own shares the statement's list, so a prepared statement
     * described at every execution (pgbench -M prepared sends Bind, Describe portal, Execute,
     * Sync) is encoded once, not at every transaction.
     */
    private byte[] rowDescription(List<ColumnDesc> columns) {
        if (columns != describedColumns) {
            describedRowDescription = BackendMessages.rowDescription(fields(columns));
            describedColumns = columns;
        }
        return describedRowDescription;
    }

    private void execExecute(FrontendMessages.Execute e) throws IOException {
        long startNanos = System.nanoTime();
        Portal portal = portal(e.portalName());
        Prepared p = portalStatements.get(e.portalName());
        String described = p == null || !statementLogging.active() ? null : executeDescription(e.portalName(), p);
        boolean wasLogged = false;
        if (p != null) {
            reportActive(p.sql());
            wasLogged = described != null && statementLogging.logStatement(described);
        }
        if (p != null && p.isEmpty()) {
            stream.send(BackendMessages.emptyQueryResponse());
            return;
        }
        CopyIn copy = portal.copyIn();
        CopyOut copyOut = copy == null ? portal.copyOut() : null;
        if (copy != null) {
            stream.send(BackendMessages.commandComplete(runCopyIn(copy)));
        } else if (copyOut != null) {
            stream.send(BackendMessages.commandComplete(runCopyOut(copyOut)));
        } else {
            Portal.Completion done = portal.execute(Math.max(0, e.maxRows()), this::sendDataRow);
            stream.send(done.suspended() ? BackendMessages.portalSuspended()
                    : BackendMessages.commandComplete(done.commandTag()));
        }
        if (p != null && statementLogging.active()) { // the statement may have SET the logging on
            statementLogging.logDuration(startNanos, wasLogged,
                    described != null ? described : executeDescription(e.portalName(), p));
        }
    }

    /** "execute NAME/PORTAL: SQL", as log_statement and the duration lines show an Execute. */
    private String executeDescription(String portalName, Prepared p) {
        return "execute " + StatementLogging.statementAndPortal(portalStatementNames.getOrDefault(portalName, ""),
                portalName) + ": " + p.sql();
    }

    private void execClose(FrontendMessages.Target t) throws IOException {
        if (t.kind() == TARGET_STATEMENT) {
            statements.remove(t.name());
        } else if (t.kind() == TARGET_PORTAL) {
            if (portals.remove(t.name()) == null) {
                session.closeCursorPortal(t.name());
            }
            portalStatements.remove(t.name());
            portalStatementNames.remove(t.name());
        } else {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "invalid CLOSE message subtype " + (int) t.kind());
        }
        stream.send(BackendMessages.closeComplete());
    }

    /** Sync: end the implicit transaction, drop portals outside a block, ReadyForQuery. */
    private void execSync() throws IOException {
        ignoreTillSync = false;
        syncSession();
        if (session.transactionStatus() == TX_IDLE) {
            portals.clear();
            portalStatements.clear();
            portalStatementNames.clear();
        }
        reportParameterChanges();
        sendReadyForQuery();
    }
}
