package org.walden.replication;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.recovery.Timelines;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * The walsender: serves one replication connection (PostgreSQL's walsender.c).
 *
 * <p><b>Who starts it.</b> The postmaster, for a connection whose startup packet said
 * {@code replication=true} (or {@code database}), after authentication: it has sent
 * AuthenticationOk, the ParameterStatus messages and BackendKeyData, and calls {@link #run()}
 * on the connection's thread. run() takes a walsender slot first (FATAL 53300 when
 * max_wal_senders are busy — PostgreSQL's InitWalSenderSlot), then sends ReadyForQuery itself.
 *
 * <p><b>Who it talks to.</b> The client (pg_receivewal, pg_basebackup, a standby's
 * walreceiver, pgjdbc) in the replication command language over simple Query messages
 * ({@link ReplicationCommandParser}); during START_REPLICATION, in CopyBoth mode with the
 * {@code w}/{@code k} messages out and {@code r}/{@code h} in ({@link StreamingMessages}).
 * It reads WAL through {@link WalSource}, slots through {@link ReplicationSlots}, base
 * backups through {@link BaseBackupSender}, and publishes its positions in the
 * {@link WalSenderRegistry} for pg_stat_replication.
 *
 * <p><b>State it owns.</b> {@code sentPtr} (the next byte to send), the timeline being sent
 * and where it ends when historic, the acquired slot, the time of the last reply and whether
 * a keepalive awaits its reply. Its {@link WalSndState} lives in its registry entry.
 *
 * <p><b>Streaming.</b> walSndLoop sends flushed WAL in messages of at most 128 KiB (never
 * across a segment boundary), waits for more WAL otherwise, sends a keepalive asking for a
 * reply after wal_sender_timeout/2 of silence from the client, and ends the connection after
 * wal_sender_timeout of it ("terminating walsender process due to replication timeout"). A
 * reader thread (processRepliesIfAny) reads the client's {@code r}, {@code h} and CopyDone while
 * the walsender thread writes; the output stream's lock keeps their messages whole.
 *
 * <p><b>How it ends.</b> Normally when the client sends Terminate or closes the socket.
 * Streaming ends when the client sends CopyDone (answered with CopyDone, CommandComplete
 * START_STREAMING and START_REPLICATION) or when a historic timeline is sent up to its switch
 * point (CopyDone first, then the next timeline's result set). An error while streaming ends
 * the connection after the ErrorResponse. On exit it drops its temporary slots, releases any
 * slot it used and leaves the registry.
 *
 * <p><b>Shutdown handshake.</b> {@link #requestShutdown()} (the postmaster, at a smart or fast
 * shutdown) moves it to STOPPING: it sends the WAL flushed so far, then CopyDone, and closes
 * — as PostgreSQL's walsenders do after the shutdown checkpoint.
 */
public final class WalSender implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(WalSender.class);

    /** The longest single wait in the loop, so CopyDone and shutdown are noticed quickly. */
    private static final long MAX_NAP_MS = 100;
    /** How long DROP_REPLICATION_SLOT ... WAIT waits for the slot's user to go. */
    private static final long DROP_SLOT_WAIT_MS = 60_000;
    /** The pause when the WAL source said "flushed" but gave no bytes (a race with its reader). */
    private static final long NO_PROGRESS_NAP_MS = 10;
    /** Messages sent between two flushes of the output while catching up. */
    private static final int MESSAGES_PER_FLUSH = 16;

    private static final List<PgWire.Column> IDENTIFY_SYSTEM_COLUMNS = List.of(
            new PgWire.Column("systemid", PgWire.TEXT), new PgWire.Column("timeline", PgWire.INT4),
            new PgWire.Column("xlogpos", PgWire.TEXT), new PgWire.Column("dbname", PgWire.TEXT));
    private static final List<PgWire.Column> CREATE_SLOT_COLUMNS = List.of(
            new PgWire.Column("slot_name", PgWire.TEXT), new PgWire.Column("consistent_point", PgWire.TEXT),
            new PgWire.Column("snapshot_name", PgWire.TEXT), new PgWire.Column("output_plugin", PgWire.TEXT));
    private static final List<PgWire.Column> READ_SLOT_COLUMNS = List.of(
            new PgWire.Column("slot_type", PgWire.TEXT), new PgWire.Column("restart_lsn", PgWire.TEXT),
            new PgWire.Column("restart_tli", PgWire.INT8));
    private static final List<PgWire.Column> TIMELINE_HISTORY_COLUMNS = List.of(
            new PgWire.Column("filename", PgWire.TEXT), new PgWire.Column("content", PgWire.TEXT));
    private static final List<PgWire.Column> NEXT_TLI_COLUMNS = List.of(
            new PgWire.Column("next_tli", PgWire.INT8), new PgWire.Column("next_tli_startpos", PgWire.TEXT));

    private final WalSenderContext ctx;
    private final DataInputStream in;
    private final PgWire.Writer out;
    private final String userName;
    private final String applicationName;
    private final InetSocketAddress client;
    private final int pid;
    private volatile String standbyAddress;

    private WalSenderRegistry.Entry entry;
    /** Written by the postmaster's thread, read by the walsender loop. */
    private volatile boolean shutdownRequested;

    // Streaming state: written by the walsender thread; the reply reader writes the volatile ones.
    private Lsn sentPtr = Lsn.INVALID;
    private ReplicationSlots.Slot streamingSlot;
    /** Where the timeline being sent ends when it is historic (null while it is the current one), and what follows it. */
    private Lsn sendTimeLineValidUpto;
    private TimelineId sendTimeLineNextTli;
    /** Written by the reply reader (any message from the client), read by the loop. */
    private volatile long lastReplyMillis;
    /** Written by the loop when it pings, cleared by the reply reader. */
    private volatile boolean waitingForPingResponse;
    /** Set by the reply reader on the client's CopyDone. */
    private volatile boolean clientCopyDone;
    /** Set by the reply reader on Terminate, EOF or a protocol error. */
    private volatile boolean clientGone;
    /** Set by the walsender thread when streaming failed with an ERROR already sent; read by the reader. */
    private volatile boolean streamFailed;
    /** The first non-COPY message the reader saw after a failed stream, for the command loop. */
    private volatile PgWire.Message pendingMessage;
    /** The command already ended with ErrorResponse + ReadyForQuery (a failed stream). */
    private boolean readyForQuerySent;
    /** The reply reader's stack: it only decodes small messages. */
    private static final long REPLY_READER_STACK_BYTES = 256 * 1024;
    /** Sent-time samples for pg_stat_replication's lags; one per streaming session. */
    private volatile LagTracker lagTracker = new LagTracker();
    /** Reply reader only: the previous reply said everything sent was applied. */
    private boolean fullyAppliedLastTime;
    private final ReentrantLock streamLock = new ReentrantLock();
    /** Signalled by the reply reader when clientCopyDone or clientGone becomes true. */
    private final Condition clientEnded = streamLock.newCondition();

    public WalSender(WalSenderContext ctx, InputStream in, OutputStream out, String userName, String applicationName,
                     InetSocketAddress client, int pid) {
        this.ctx = ctx;
        this.in = PgWire.input(in);
        this.out = new PgWire.Writer(out);
        this.userName = userName;
        this.applicationName = applicationName == null ? "" : applicationName;
        this.client = client;
        this.pid = pid;
    }

    /** What the standby's walreceiver reported as its own address (walden.standby_address), or null. */
    public void setStandbyAddress(String address) {
        this.standbyAddress = address;
    }

    /** Asks a running walsender to finish (the postmaster's shutdown; SIGUSR2 in PostgreSQL). */
    public void requestShutdown() {
        shutdownRequested = true;
    }

    /** This walsender's registry entry, once run() registered it (null before). */
    public WalSenderRegistry.Entry entry() {
        return entry;
    }

    @Override
    public void run() {
        try {
            try {
                entry = ctx.registry().register(ctx.maxWalSenders(), pid, userName, applicationName, client,
                        ctx.clock().instant());
                entry.standbyAddress = standbyAddress;
                Thread.currentThread().setName("walsender " + userName + " " + (client == null ? "[local]"
                        : client.getAddress().getHostAddress() + "(" + client.getPort() + ")") + " startup");
            } catch (PgException e) {
                out.errorResponse(e);
                out.flush();
                return;
            }
            try {
                commandLoop();
            } finally {
                ctx.slots().cleanupSession(pid);
                ctx.registry().unregister(entry);
            }
        } catch (EOFException | SocketException e) {
            log.debug("walsender {}: connection closed: {}", pid, e.getMessage());
        } catch (PgException e) {
            terminateOnProtocolError(e);
        } catch (IOException e) {
            log.info("walsender {}: could not send data to client: {}", pid, e.getMessage());
        }
    }

    /**
     * A message the client framed wrongly (a length over the limit, below 4): as PostgreSQL's
     * pq_getmessage, FATAL to the client and the connection ends; the server serves on.
     */
    private void terminateOnProtocolError(PgException e) {
        log.info("walsender {}: terminating connection: {}", pid, e.getMessage());
        try {
            out.errorResponse(PgException.fatal(e.sqlState(), e.getMessage()));
            out.flush();
        } catch (RuntimeException | IOException ignored) {
            // the client may be gone already
        }
    }

    private void commandLoop() throws IOException {
        out.readyForQuery();
        out.flush();
        while (!shutdownRequested) {
            PgWire.Message m = pendingMessage;
            pendingMessage = null;
            if (m == null) {
                m = PgWire.readMessage(in);
            }
            if (m == null || m.type() == 'X') {
                return;
            }
            switch (m.type()) {
                case 'Q' -> {
                    readyForQuerySent = false;
                    boolean goOn = execReplicationCommandReportingErrors(m.cstring());
                    if (!goOn) {
                        out.flush();
                        return;
                    }
                    if (!readyForQuerySent) {
                        out.readyForQuery();
                    }
                }
                case 'P', 'B', 'E', 'D', 'C', 'H' -> out.errorResponse(new PgException(SqlState.PROTOCOL_VIOLATION,
                        "extended query protocol not supported in a replication connection"));
                case 'S' -> out.readyForQuery();
                case 'd', 'c', 'f' -> {
                    // stray copy messages outside COPY are ignored, as PostgreSQL does
                }
                default -> {
                    out.errorResponse(PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                            "invalid frontend message type " + (m.type() & 0xff)));
                    out.flush();
                    return;
                }
            }
            out.flush();
        }
    }

    /** Runs one command; an ERROR goes to the client. Returns false when the session must end. */
    private boolean execReplicationCommandReportingErrors(String text) throws IOException {
        try {
            return execReplicationCommand(text);
        } catch (PgException e) {
            out.errorResponse(e);
            if (e.severity() == PgException.Severity.FATAL || entry.state == WalSndState.STOPPING) {
                out.flush();
                return false;
            }
            if (entry.state != WalSndState.STARTUP) {
                setState(WalSndState.STARTUP);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.io.UncheckedIOException e) {
            log.warn("walsender {}: I/O error: {}", pid, e.getMessage());
            out.errorResponse(new PgException(SqlState.IO_ERROR, e.getMessage()));
            return resetAfterError();
        } catch (RuntimeException e) {
            log.error("walsender " + pid + ": internal error", e);
            out.errorResponse(new PgException(SqlState.INTERNAL_ERROR, String.valueOf(e.getMessage())));
            return resetAfterError();
        }
    }

    private boolean resetAfterError() {
        if (entry.state == WalSndState.STOPPING) {
            return false;
        }
        if (entry.state != WalSndState.STARTUP) {
            setState(WalSndState.STARTUP);
        }
        return true;
    }

    /**
     * Moves to {@code next} and, when that is a change, says so in the log as PostgreSQL's
     * process title would show it ("walsender USER HOST(PORT) streaming X/Y"): this server's
     * walsenders share one process, so the log and pg_stat_activity are where a DBA sees them.
     */
    private void setState(WalSndState next) {
        WalSndState was = entry.state;
        entry.state = was.moveTo(next);
        if (was != next) {
            String host = entry.client == null ? "[local]"
                    : entry.client.getAddress().getHostAddress() + "(" + entry.client.getPort() + ")";
            Lsn at = sentPtr.isValid() ? sentPtr : ctx.walSource().flushedLsn();
            log.info("walsender {}: {} {} application \"{}\": {} -> {} at {}", pid, entry.userName, host,
                    entry.applicationName, was.viewName(), next.viewName(), at);
            // PostgreSQL's process title "walsender USER HOST(PORT) STATE LSN": the thread's name
            // (ps -T and top -H show its first 15 characters, jcmd Thread.print all of it)
            Thread.currentThread().setName("walsender " + entry.userName + " " + host + " " + next.viewName() + " " + at);
        }
    }

    /** log_replication_commands: each command at LOG instead of DEBUG1. */
    private boolean logReplicationCommands() {
        try {
            return "on".equals(ctx.show("log_replication_commands"));
        } catch (PgException e) {
            return false;
        }
    }

    /** exec_replication_command. Returns false when the session must end (client gone while streaming). */
    boolean execReplicationCommand(String text) throws IOException, InterruptedException {
        if (logReplicationCommands()) {
            log.info("received replication command: {}", text);
        } else {
            log.debug("walsender {}: received replication command: {}", pid, text);
        }
        entry.command = text;
        entry.commandStart = ctx.clock().instant();
        ReplicationCommand command = ReplicationCommandParser.parse(text);
        if (command == null) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "cannot execute SQL commands in WAL sender for physical replication");
        }
        switch (command) {
            case ReplicationCommand.IdentifySystem c -> identifySystem();
            case ReplicationCommand.Show c -> {
                String value = ctx.show(c.name());
                out.rowDescription(List.of(new PgWire.Column(c.name(), PgWire.TEXT)));
                out.dataRow(value);
                out.commandComplete("SHOW");
            }
            case ReplicationCommand.TimelineHistory c -> sendTimeLineHistory(c.timeline());
            case ReplicationCommand.CreateReplicationSlot c -> createReplicationSlot(c);
            case ReplicationCommand.ReadReplicationSlot c -> readReplicationSlot(c.slotName());
            case ReplicationCommand.DropReplicationSlot c -> {
                ctx.slots().drop(c.slotName(), pid, c.waitForRelease(), DROP_SLOT_WAIT_MS);
                out.commandComplete("DROP_REPLICATION_SLOT");
            }
            case ReplicationCommand.StartReplication c -> {
                return startReplication(c);
            }
            case ReplicationCommand.ReadKeyRange c -> readKeyRange(c);
            case ReplicationCommand.BaseBackup c -> {
                if (ctx.backupSource() == null) {
                    throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "base backups are not available here");
                }
                setState(WalSndState.BACKUP);
                new BaseBackupSender(ctx, out, pid).sendBaseBackup(BaseBackupOptions.parse(c.options()));
                setState(WalSndState.STARTUP);
                out.commandComplete("BASE_BACKUP");
            }
        }
        return true;
    }

    private static final List<PgWire.Column> KEY_RANGE_COLUMNS = List.of(
            new PgWire.Column("key", PgWire.TEXT), new PgWire.Column("value", PgWire.TEXT));
    private static final List<PgWire.Column> KEY_RANGE_END_COLUMNS = List.of(new PgWire.Column("lsn", PgWire.TEXT));

    /**
     * READ_KEY_RANGE: a result of (key, value) rows in hexadecimal, then one of the WAL position
     * the rows reflect. Superuser or REPLICATION role, as every replication command.
     */
    private void readKeyRange(ReplicationCommand.ReadKeyRange c) throws IOException {
        if (ctx.backupSource() == null) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "READ_KEY_RANGE is not available here");
        }
        java.util.HexFormat hex = java.util.HexFormat.of();
        out.rowDescription(KEY_RANGE_COLUMNS);
        long[] rows = {0};
        Lsn at = ctx.backupSource().readKeyRange(c.from(), c.to(), (k, v) -> {
            out.dataRow(hex.formatHex(k), hex.formatHex(v));
            rows[0]++;
        });
        out.commandComplete("SELECT " + rows[0]);
        out.rowDescription(KEY_RANGE_END_COLUMNS);
        out.dataRow(at.toString());
        out.commandComplete("SELECT 1");
    }

    /** IDENTIFY_SYSTEM: systemid, timeline, xlogpos (the flush position), dbname (NULL). */
    private void identifySystem() throws IOException {
        WalSource wal = ctx.walSource();
        out.rowDescription(IDENTIFY_SYSTEM_COLUMNS);
        out.dataRow(Long.toUnsignedString(wal.systemIdentifier()), Integer.toString(wal.timeline().value()),
                wal.flushedLsn().toString(), null);
        out.commandComplete("IDENTIFY_SYSTEM");
    }

    /** TIMELINE_HISTORY n: the history file's name and content. */
    private void sendTimeLineHistory(int timeline) throws IOException {
        TimelineId tli = new TimelineId(timeline);
        String content = ctx.walSource().timelineHistory(tli);
        if (content == null) {
            throw new PgException(SqlState.UNDEFINED_FILE, "could not open file \"pg_wal/" + tli.historyFileName()
                    + "\": No such file or directory");
        }
        out.rowDescription(TIMELINE_HISTORY_COLUMNS);
        out.dataRow(tli.historyFileName(), content);
        out.commandComplete("TIMELINE_HISTORY");
    }

    private void createReplicationSlot(ReplicationCommand.CreateReplicationSlot c) throws IOException {
        if (!c.physical()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "logical decoding requires a database connection");
        }
        for (ReplicationCommand.GenericOption o : c.options()) {
            if (!o.name().equals("reserve_wal")) {
                throw new PgException(SqlState.SYNTAX_ERROR, "unrecognized option: " + o.name());
            }
        }
        Lsn restart = c.reserveWal() ? ctx.walSource().redoLsn() : Lsn.INVALID;
        ctx.slots().create(c.slotName(), c.temporary(), restart, pid);
        out.rowDescription(CREATE_SLOT_COLUMNS);
        out.dataRow(c.slotName(), "0/0", null, null);
        out.commandComplete("CREATE_REPLICATION_SLOT");
    }

    private void readReplicationSlot(String name) throws IOException {
        ReplicationSlots.SlotInfo slot = ctx.slots().read(name);
        out.rowDescription(READ_SLOT_COLUMNS);
        if (slot == null) {
            out.dataRow(null, null, null);
        } else if (!slot.restartLsn().isValid()) {
            out.dataRow("physical", null, null);
        } else {
            out.dataRow("physical", slot.restartLsn().toString(),
                    Integer.toString(timelineOfPoint(slot.restartLsn()).value()));
        }
        out.commandComplete("READ_REPLICATION_SLOT");
    }

    /** tliOfPointInHistory: the timeline whose WAL holds {@code lsn}. */
    private TimelineId timelineOfPoint(Lsn lsn) {
        return currentHistory().timelineOf(lsn);
    }

    /** This server's history, from its current timeline's history file. */
    private Timelines.History currentHistory() {
        TimelineId current = ctx.walSource().timeline();
        return Timelines.History.parse(current, ctx.walSource().timelineHistory(current));
    }

    /**
     * The timeline being streamed as the current one is not current any more (this server was
     * promoted, or as a cascading standby it followed a new timeline): it is sent up to its switch
     * point, then streaming ends with the next timeline (XLogSendPhysical's becameHistoric).
     */
    private void becameHistoric(TimelineId tli) {
        Timelines.History history = currentHistory();
        Lsn switchPoint = history.switchPoint(tli);
        if (switchPoint == null || !switchPoint.isValid()) {
            return; // not known yet: the history file comes with the switch
        }
        sendTimeLineValidUpto = switchPoint;
        sendTimeLineNextTli = history.successor(tli);
        log.debug("walsender {}: timeline {} became historic at {}", pid, tli, switchPoint);
    }

    /**
     * WalSndDone: at shutdown, once everything flushed is sent, waits (at most
     * wal_sender_timeout, asking for a reply) until the client has written it too, so that a
     * standby has the primary's shutdown checkpoint before the primary exits; then ends COPY.
     */
    private StreamEnd walSndDone() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutOrDefaultMs());
        boolean asked = false;
        while (!clientGone && !clientCopyDone && System.nanoTime() < deadline) {
            Lsn replicated = entry.writeLsn != null && entry.writeLsn.isValid() ? entry.writeLsn : entry.flushLsn;
            if (replicated != null && !replicated.isBefore(sentPtr)) {
                break;
            }
            if (!asked) {
                walSndKeepalive(true);
                asked = true;
            }
            streamLock.lock();
            try {
                clientEnded.await(10, TimeUnit.MILLISECONDS);
            } finally {
                streamLock.unlock();
            }
        }
        return clientGone ? StreamEnd.CLIENT_GONE : StreamEnd.CLIENT_DONE;
    }

    // ---------------------------------------------------------------- streaming

    /** StartReplication. Returns false when the client went away during streaming. */
    private boolean startReplication(ReplicationCommand.StartReplication cmd) throws IOException, InterruptedException {
        if (!cmd.physical()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "logical decoding requires a database connection");
        }
        WalSource wal = ctx.walSource();
        TimelineId current = wal.timeline();
        TimelineId sendTli = cmd.timeline() == 0 ? current : new TimelineId(cmd.timeline());
        sendTimeLineValidUpto = null;
        sendTimeLineNextTli = null;
        if (!sendTli.equals(current)) {
            Timelines.History history = currentHistory();
            Lsn validUpto = history.switchPoint(sendTli);
            if (validUpto == null || !validUpto.isValid()) {
                throw new PgException(SqlState.INTERNAL_ERROR,
                        "requested timeline " + sendTli + " is not in this server's history");
            }
            sendTimeLineValidUpto = validUpto;
            sendTimeLineNextTli = history.successor(sendTli);
            if (validUpto.isBefore(cmd.startPoint())) {
                throw new PgException(SqlState.INTERNAL_ERROR, "requested starting point " + cmd.startPoint()
                        + " on timeline " + sendTli + " is not in this server's history")
                        .withDetail("This server's history forked from timeline " + sendTli + " at " + validUpto + ".");
            }
        } else {
            Lsn flushed = wal.flushedLsn();
            if (flushed.isBefore(cmd.startPoint())) {
                throw new PgException(SqlState.INTERNAL_ERROR, "requested starting point " + cmd.startPoint()
                        + " is ahead of the WAL flush position of this server " + flushed);
            }
        }
        if (cmd.slotName() != null) {
            streamingSlot = ctx.slots().acquire(cmd.slotName(), pid);
        }
        try {
            boolean timelineEnded = false;
            if (sendTimeLineValidUpto == null || cmd.startPoint().isBefore(sendTimeLineValidUpto)) {
                StreamEnd end = streamWal(sendTli, cmd.startPoint());
                if (end == StreamEnd.CLIENT_GONE) {
                    return false;
                }
                if (end == StreamEnd.FAILED) {
                    readyForQuerySent = true;
                    return true;
                }
                timelineEnded = end == StreamEnd.TIMELINE_END;
            }
            if (sendTimeLineValidUpto != null) {
                // the historic timeline was sent to its end: which timeline follows, and where
                out.rowDescription(NEXT_TLI_COLUMNS);
                out.dataRow(Integer.toString(sendTimeLineNextTli.value()), sendTimeLineValidUpto.toString());
                out.commandComplete("SELECT");
            }
            log.debug("walsender {}: streaming ended (timeline end: {})", pid, timelineEnded);
            out.commandComplete("START_STREAMING");
            out.commandComplete("START_REPLICATION");
            return !shutdownRequested;
        } finally {
            if (streamingSlot != null) {
                ctx.slots().release(streamingSlot);
                streamingSlot = null;
            }
        }
    }

    /** Why streaming ended: the client's CopyDone, a historic timeline's end, the client gone, an ERROR sent. */
    private enum StreamEnd { CLIENT_DONE, TIMELINE_END, CLIENT_GONE, FAILED }

    /** CopyBoth mode: WalSndLoop with its reply reader; returns why it ended. */
    private StreamEnd streamWal(TimelineId tli, Lsn start) throws IOException, InterruptedException {
        out.copyResponse('W');
        out.flush();
        sentPtr = start;
        entry.sentLsn = start;
        entry.streamingStarted = true;
        setState(WalSndState.CATCHUP);
        clientCopyDone = false;
        clientGone = false;
        streamFailed = false;
        pendingMessage = null;
        lagTracker = new LagTracker();
        fullyAppliedLastTime = false;
        waitingForPingResponse = false;
        lastReplyMillis = ctx.clock().millis();
        // a platform thread: a reply wakes it straight from its socket wait, where a virtual
        // thread is woken by the poller and then scheduled on a carrier (two hand-offs on every
        // reply, which sync and remote_apply commits wait for and the lags include)
        Thread reader = Thread.ofPlatform().name("walsender-" + pid + "-replies").daemon(true)
                .stackSize(REPLY_READER_STACK_BYTES).start(this::processRepliesLoop);
        try {
            StreamEnd end = walSndLoop(tli);
            if (end == StreamEnd.CLIENT_GONE) {
                return end;
            }
            out.copyDone();
            out.flush();
            if (!awaitClientCopyDone()) {
                return StreamEnd.CLIENT_GONE;
            }
            reader.join(java.time.Duration.ofMillis(timeoutOrDefaultMs()));
            return end;
        } catch (RuntimeException failure) {
            // As PostgreSQL: the ERROR ends COPY; ReadyForQuery follows, and the session goes on
            // once the reader has handed back the client's next command.
            PgException e = failure instanceof PgException p ? p
                    : new PgException(failure instanceof java.io.UncheckedIOException ? SqlState.IO_ERROR
                            : SqlState.INTERNAL_ERROR, String.valueOf(failure.getMessage()), failure);
            log.info("walsender {}: {}", pid, e.getMessage());
            streamFailed = true;
            out.errorResponse(e);
            out.readyForQuery();
            out.flush();
            reader.join(java.time.Duration.ofMillis(timeoutOrDefaultMs()));
            return reader.isAlive() || clientGone ? StreamEnd.CLIENT_GONE : StreamEnd.FAILED;
        } finally {
            if (entry.state != WalSndState.STOPPING) {
                setState(WalSndState.STARTUP);
            }
            if (reader.isAlive() && (clientGone || shutdownRequested)) {
                reader.interrupt();
            }
        }
    }

    private long timeoutOrDefaultMs() {
        long t = ctx.walSenderTimeoutMs();
        return t > 0 ? t : 60_000;
    }

    /** After our CopyDone, waits for the client's (the reader sees it); false if it never comes. */
    private boolean awaitClientCopyDone() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutOrDefaultMs());
        streamLock.lock();
        try {
            while (!clientCopyDone && !clientGone) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.info("walsender {}: terminating walsender process due to replication timeout", pid);
                    return false;
                }
                clientEnded.awaitNanos(left);
            }
            return clientCopyDone;
        } finally {
            streamLock.unlock();
        }
    }

    /** WalSndLoop: send, ping, time out, wait. */
    private StreamEnd walSndLoop(TimelineId tli) throws IOException, InterruptedException {
        WalSource wal = ctx.walSource();
        try (WalSource.Reader walReader = wal.openReader()) {
            return walSndLoop(tli, wal, walReader);
        }
    }

    private StreamEnd walSndLoop(TimelineId tli, WalSource wal, WalSource.Reader walReader)
            throws IOException, InterruptedException {
        byte[] buffer = new byte[StreamingMessages.MAX_SEND_SIZE_BYTES];
        int sinceFlush = 0;
        while (true) {
            if (clientGone) {
                return StreamEnd.CLIENT_GONE;
            }
            if (clientCopyDone) {
                return StreamEnd.CLIENT_DONE;
            }
            if (sendTimeLineValidUpto == null && !wal.timeline().equals(tli)) {
                becameHistoric(tli);
            }
            Lsn validUpto = sendTimeLineValidUpto;
            Lsn sendUpto = validUpto != null ? validUpto : wal.flushedLsn();
            if (sentPtr.isBefore(sendUpto)) {
                // as XLogSendPhysical: the time the end of the WAL was seen is the lag's start for
                // that LSN (a sample only when it moved), whichever message carries it later
                lagTracker.write(sendUpto, StreamingMessages.toPgTimestampMicros(ctx.clock().instant()));
                if (!xlogSendPhysical(walReader, tli, sendUpto, buffer)) {
                    wal.awaitFlushBeyond(sendUpto, NO_PROGRESS_NAP_MS); // flushed but not readable yet
                }
                if (++sinceFlush >= MESSAGES_PER_FLUSH || !sentPtr.isBefore(sendUpto)) {
                    out.flush();
                    sinceFlush = 0;
                    if (walSndCheckTimeOut()) {
                        return StreamEnd.CLIENT_GONE;
                    }
                    walSndKeepaliveIfNecessary();
                }
                if (entry.state == WalSndState.CATCHUP && !sentPtr.isBefore(sendUpto)) {
                    setState(WalSndState.STREAMING);
                }
                continue;
            }
            if (validUpto != null) {
                return StreamEnd.TIMELINE_END;
            }
            if (shutdownRequested) {
                setState(WalSndState.STOPPING);
                return walSndDone();
            }
            if (entry.state == WalSndState.CATCHUP) {
                setState(WalSndState.STREAMING);
            }
            if (walSndCheckTimeOut()) {
                return StreamEnd.CLIENT_GONE;
            }
            walSndKeepaliveIfNecessary();
            out.flush();
            wal.awaitFlushBeyond(sentPtr, napMs());
        }
    }

    /**
     * XLogSendPhysical: one XLogData of at most 128 KiB, not crossing a segment boundary.
     * Returns false when the WAL source had nothing to give yet.
     */
    private boolean xlogSendPhysical(WalSource.Reader walReader, TimelineId tli, Lsn sendUpto, byte[] buffer)
            throws IOException {
        long segmentSize = ctx.walSource().walSegmentSizeBytes();
        long toSegmentEnd = segmentSize - sentPtr.segmentOffset(segmentSize);
        int n = (int) Math.min(Math.min(StreamingMessages.MAX_SEND_SIZE_BYTES, sendUpto.minus(sentPtr)),
                toSegmentEnd);
        int read = walReader.read(tli, sentPtr, buffer, 0, n);
        if (read <= 0) {
            return false;
        }
        n = read;
        long now = StreamingMessages.toPgTimestampMicros(ctx.clock().instant());
        out.copyData(new StreamingMessages.XLogData(sentPtr, sendUpto, now, buffer, 0, n).encode());
        sentPtr = sentPtr.plus(n);
        entry.sentLsn = sentPtr;
        return true;
    }

    private long napMs() {
        long timeout = ctx.walSenderTimeoutMs();
        if (timeout <= 0) {
            return MAX_NAP_MS;
        }
        long untilPing = lastReplyMillis + timeout / 2 - ctx.clock().millis();
        return Math.max(1, Math.min(MAX_NAP_MS, untilPing > 0 ? untilPing : MAX_NAP_MS));
    }

    /** WalSndCheckTimeOut: true (and logged) when the client has been silent for wal_sender_timeout. */
    private boolean walSndCheckTimeOut() {
        long timeout = ctx.walSenderTimeoutMs();
        if (timeout <= 0) {
            return false;
        }
        if (ctx.clock().millis() >= lastReplyMillis + timeout) {
            log.info("walsender {}: terminating walsender process due to replication timeout", pid);
            return true;
        }
        return false;
    }

    /** WalSndKeepaliveIfNecessary: after timeout/2 of silence, one keepalive asking for a reply. */
    private void walSndKeepaliveIfNecessary() throws IOException {
        long timeout = ctx.walSenderTimeoutMs();
        if (timeout <= 0 || waitingForPingResponse) {
            return;
        }
        if (ctx.clock().millis() >= lastReplyMillis + timeout / 2) {
            walSndKeepalive(true);
            waitingForPingResponse = true;
        }
    }

    /** WalSndKeepalive; called by the loop and by the reply reader, so it reads the published sentLsn. */
    private void walSndKeepalive(boolean requestReply) throws IOException {
        long now = StreamingMessages.toPgTimestampMicros(ctx.clock().instant());
        out.copyData(new StreamingMessages.PrimaryKeepalive(entry.sentLsn, now, requestReply).encode());
        out.flush();
    }

    /** ProcessRepliesIfAny, on its own thread: reads until the client's CopyDone, Terminate or EOF. */
    private void processRepliesLoop() {
        try {
            while (true) {
                PgWire.Message m = PgWire.readMessage(in);
                if (m == null || m.type() == 'X') {
                    markClient(false);
                    return;
                }
                lastReplyMillis = ctx.clock().millis();
                waitingForPingResponse = false;
                if (streamFailed) {
                    if (m.type() != 'd' && m.type() != 'c') {
                        pendingMessage = m;
                        return;
                    }
                    continue; // COPY messages after the ERROR are ignored, as outside COPY
                }
                switch (m.type()) {
                    case 'd' -> processStandbyMessage(m.body());
                    case 'c' -> {
                        markClient(true);
                        return;
                    }
                    default -> {
                        log.info("walsender {}: unexpected message type \"{}\"", pid, (char) m.type());
                        markClient(false);
                        return;
                    }
                }
            }
        } catch (IOException | PgException e) {
            log.debug("walsender {}: reply reader ends: {}", pid, e.getMessage());
            markClient(false);
        }
    }

    private void markClient(boolean copyDone) {
        streamLock.lock();
        try {
            if (copyDone) {
                clientCopyDone = true;
            } else {
                clientGone = true;
            }
            clientEnded.signalAll();
        } finally {
            streamLock.unlock();
        }
    }

    private void processStandbyMessage(byte[] payload) {
        Object msg = StreamingMessages.decode(payload);
        if (msg instanceof StreamingMessages.StandbyStatusUpdate r) {
            processStandbyReplyMessage(r);
        } else if (msg instanceof StreamingMessages.HotStandbyFeedback h) {
            // Walden's reads use storage snapshots and redo never conflicts with them, so
            // there is no xmin to hold back; the feedback is only shown (backend_xmin).
            log.trace("walsender {}: hot standby feedback xmin {}", pid, h.xmin());
            entry.feedbackXmin = Integer.toUnsignedLong(h.xmin());
        } else {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "unexpected message type \"" + (char) payload[0] + "\"");
        }
    }

    /**
     * The lag part of ProcessStandbyReplyMessage: a lag is updated when the reply passed a sent
     * sample; two replies in a row with everything applied clear them (an idle standby shows NULL).
     */
    private void updateLags(StreamingMessages.StandbyStatusUpdate r) {
        long now = StreamingMessages.toPgTimestampMicros(ctx.clock().instant());
        LagTracker tracker = lagTracker;
        long writeLag = tracker.read(LagTracker.Head.WRITE, r.writeLsn(), now);
        long flushLag = tracker.read(LagTracker.Head.FLUSH, r.flushLsn(), now);
        long applyLag = tracker.read(LagTracker.Head.APPLY, r.applyLsn(), now);
        boolean clear = false;
        if (r.applyLsn().equals(entry.sentLsn)) {
            clear = fullyAppliedLastTime;
            fullyAppliedLastTime = true;
        } else {
            fullyAppliedLastTime = false;
        }
        if (writeLag != -1 || clear) {
            entry.writeLagMicros = writeLag;
        }
        if (flushLag != -1 || clear) {
            entry.flushLagMicros = flushLag;
        }
        if (applyLag != -1 || clear) {
            entry.replayLagMicros = applyLag;
        }
    }

    /** ProcessStandbyReplyMessage: publish write/flush/apply; a slot's restart_lsn follows the flush. */
    private void processStandbyReplyMessage(StreamingMessages.StandbyStatusUpdate r) {
        entry.writeLsn = r.writeLsn();
        entry.flushLsn = r.flushLsn();
        entry.replayLsn = r.applyLsn();
        entry.replyTime = StreamingMessages.fromPgTimestampMicros(r.clientTimeMicros());
        ctx.registry().standbyReplied(entry);
        updateLags(r);
        if (r.replyRequested()) {
            // answered at once from this thread, as ProcessStandbyReplyMessage does
            try {
                walSndKeepalive(false);
            } catch (IOException e) {
                markClient(false);
            }
        }
        ReplicationSlots.Slot slot = streamingSlot;
        if (slot != null && r.flushLsn().isValid()) {
            ctx.slots().confirmReceivedLocation(slot, r.flushLsn());
        }
    }
}
