package org.walden.replication;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.LogFields;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.protocol.ConnInfo;
import org.walden.protocol.PgClient;
import org.walden.protocol.PgServerError;
import org.walden.protocol.QueryResult;
import org.walden.recovery.StreamRequests;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * The walreceiver: on a standby, fetches WAL from the primary (PostgreSQL's walreceiver.c,
 * with the retry loop of the startup process's WaitForWALToBecomeAvailable).
 *
 * <p><b>Who starts it.</b> The postmaster of a standby (standby.signal and primary_conninfo
 * set) starts {@link #run()} on its own thread once the startup process has replayed the
 * local WAL and needs more.
 *
 * <p><b>Who it talks to.</b> A walsender on the primary, as a libpq client
 * ({@link PgClient}) with {@code replication=true}, {@code dbname=replication} and an
 * application_name from primary_conninfo, else cluster_name, else "walreceiver":
 * {@code IDENTIFY_SYSTEM} (the system identifiers must match), {@code TIMELINE_HISTORY} for
 * timelines it lacks, then {@code START_REPLICATION [SLOT "s"] X/0 TIMELINE n} as the startup
 * process asks ({@link StreamRequests}: a segment start and a timeline). Received {@code w} messages are written and
 * flushed into the {@link ReceivedWalSink}, which wakes the startup process; {@code r} replies
 * carry the write, flush and apply (replay) positions — at once when the primary asks, after
 * each flush, and every wal_receiver_status_interval otherwise.
 *
 * <p><b>State it owns.</b> Its {@link WalRcvState}, the last received/flushed position
 * ({@link #lastReceiveLsn()}, pg_last_wal_receive_lsn), the timeline being received, the time
 * the last message arrived and the last reply was sent.
 *
 * <p><b>Errors and reconnection.</b> Any failure — unreachable primary, primary restart, an
 * ERROR from the walsender, wal_receiver_timeout of silence — ends the connection, logs a
 * line ("could not connect to the primary server: ...", "terminating walreceiver due to
 * timeout") and, after wal_retrieve_retry_interval in WAITING, connects again. A different
 * system identifier is logged as PostgreSQL's FATAL and retried likewise (the operator must
 * fix it). At the end of a timeline ("replication terminated by primary server") the walreceiver
 * fetches the next timeline's history, reports the end (state WAITING) and waits on the same
 * connection for the startup process's next request: the startup process alone decides whether
 * the new timeline may be followed (it forked off at or after the replay position), so a server
 * whose WAL diverged from the primary's history is never overwritten.
 *
 * <p><b>How it ends / shutdown handshake.</b> {@link #requestShutdown()} (the postmaster, or
 * promotion) moves it to STOPPING: the current wait ends within 100 ms, it sends CopyDone
 * when streaming, flushes what it has, closes the connection and becomes STOPPED.
 */
public final class WalReceiver implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(WalReceiver.class);

    /** The longest wait for one message, so shutdown and reply deadlines are noticed. */
    private static final long NAP_MS = 100;

    /** While messages keep coming, what was received is flushed (and replay may use it) once this much is unflushed. */
    static final long FLUSH_WHILE_RECEIVING_BYTES = 1 << 20;

    /**
     * The settings the walreceiver reads.
     *
     * @param primaryConninfo              primary_conninfo
     * @param primarySlotName              primary_slot_name ("" or null: none)
     * @param clusterName                  cluster_name (the default application_name when set)
     * @param walReceiverTimeoutMs         wal_receiver_timeout, 0 disables
     * @param walReceiverStatusIntervalMs  wal_receiver_status_interval, 0 disables periodic replies
     * @param walRetrieveRetryIntervalMs   wal_retrieve_retry_interval
     * @param standbyAddress               where this standby accepts connections ("host:port"), sent to
     *                                     the primary as walden.standby_address; null: not sent
     */
    public record Config(String primaryConninfo, String primarySlotName, String clusterName,
                         long walReceiverTimeoutMs, long walReceiverStatusIntervalMs,
                         long walRetrieveRetryIntervalMs, String standbyAddress) {
        public Config(String primaryConninfo, String primarySlotName, String clusterName, long walReceiverTimeoutMs,
                      long walReceiverStatusIntervalMs, long walRetrieveRetryIntervalMs) {
            this(primaryConninfo, primarySlotName, clusterName, walReceiverTimeoutMs, walReceiverStatusIntervalMs,
                    walRetrieveRetryIntervalMs, null);
        }
    }

    /** The custom setting (a placeholder to PostgreSQL) a walreceiver tells its primary its address in. */
    public static final String STANDBY_ADDRESS_SETTING = "walden.standby_address";

    private final Config config;
    private final ReceivedWalSink sink;
    private final Clock clock;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled by requestShutdown, to end a WAITING sleep early. */
    private final Condition wakeup = lock.newCondition();
    /** Set by {@link #forceReply()} (any thread); read and cleared by the streaming loop. */
    private volatile boolean forceReplyRequested;
    /**
     * The connection while streaming: {@link #forceReply()} sends its reply on it (under
     * {@code replyLock}); null outside streaming and before the walreceiver sends CopyDone.
     * May be stale after a failed connection (a send on it fails and falls back to the loop).
     */
    private volatile PgClient streamingConnection;
    /**
     * Guards sending an 'r' (and 'h') and what the last one said ({@code lastReported*},
     * {@code lastReplyMillis}, {@code lastFeedbackXmin}): the walreceiver thread and, for a
     * forced reply, the startup process's thread, so replies leave in position order.
     */
    private final ReentrantLock replyLock = new ReentrantLock();
    /** Guarded by lock for writes; read by anyone (pg_stat_wal_receiver). */
    private volatile WalRcvState state = WalRcvState.STOPPED;
    /** Written by requestShutdown (any thread), read by the walreceiver loop. */
    private volatile boolean shutdownRequested;
    /** The end of the WAL received and flushed (pg_last_wal_receive_lsn); read by anyone. */
    private volatile Lsn lastReceiveLsn = Lsn.INVALID;
    /** The timeline being received; read by anyone. */
    private volatile TimelineId receivingTimeline;
    /** The generation of the stream request last streamed; walreceiver thread only. */
    private long streamedGeneration = -1;
    /** Streaming began on this connection ("restarted" from then on); walreceiver thread only. */
    private boolean everStreamed;
    /** Last message time in ms (clock), for wal_receiver_timeout; walreceiver thread only. */
    private long lastMessageMillis;
    private long lastReplyMillis;
    private boolean pingSent;
    /** Written by the walreceiver thread; read by a forced reply on the startup thread. */
    private volatile Lsn writtenUpto = Lsn.INVALID;
    private Lsn lastReportedWrite = Lsn.INVALID;
    private Lsn lastReportedFlush = Lsn.INVALID;
    private Lsn lastReportedApply = Lsn.INVALID;
    private volatile Consumer<String> logListener = s -> { };
    /** hot_standby_feedback (sighup: read at each reply) and the xmin to report; set by the server. */
    private volatile java.util.function.BooleanSupplier hotStandbyFeedback = () -> false;
    private volatile java.util.function.IntSupplier feedbackXmin = () -> 0;
    /** The xmin of the last 'h' sent; -1 before any. Guarded by replyLock. */
    private long lastFeedbackXmin = -1;

    // pg_stat_wal_receiver: written by the walreceiver thread, read by anyone.
    private volatile int pid;
    private volatile Lsn receiveStartLsn;
    private volatile TimelineId receiveStartTli;
    private volatile Lsn writtenLsnShown = Lsn.INVALID;
    private volatile Instant lastMsgSendTime;
    private volatile Instant lastMsgReceiptTime;
    private volatile Lsn latestEndLsn = Lsn.INVALID;
    private volatile Instant latestEndTime;
    private volatile String senderHost;
    private volatile Integer senderPort;

    public WalReceiver(Config config, ReceivedWalSink sink, Clock clock) {
        this.config = config;
        this.sink = sink;
        this.clock = clock;
    }

    public WalRcvState state() {
        return state;
    }

    /** pg_last_wal_receive_lsn(): the end of the WAL received and flushed, INVALID before any. */
    public Lsn lastReceiveLsn() {
        return lastReceiveLsn;
    }

    /** The timeline being received, or null before the first connection. */
    public TimelineId receivingTimeline() {
        return receivingTimeline;
    }

    /** The pid pg_stat_wal_receiver shows (the postmaster assigns one to each role thread). */
    public void setPid(int pid) {
        this.pid = pid;
    }

    /** pg_stat_wal_receiver's row, or null when no walreceiver runs (STOPPED). */
    /** The end of WAL on the primary, as its last message said (INVALID before any). */
    public Lsn latestEndLsn() {
        return latestEndLsn;
    }

    public WalReceiverStat stat() {
        WalRcvState s = state;
        if (s == WalRcvState.STOPPED) {
            return null;
        }
        TimelineId tli = receivingTimeline;
        TimelineId startTli = receiveStartTli;
        String slot = config.primarySlotName();
        return new WalReceiverStat(pid, s.viewName(), receiveStartLsn, startTli == null ? null : startTli.value(),
                orNull(writtenLsnShown), orNull(lastReceiveLsn), tli == null ? null : tli.value(), lastMsgSendTime,
                lastMsgReceiptTime, orNull(latestEndLsn), latestEndTime, slot == null || slot.isEmpty() ? null : slot,
                senderHost, senderPort, connInfo().toDisplayString());
    }

    private static Lsn orNull(Lsn lsn) {
        return lsn == null || !lsn.isValid() ? null : lsn;
    }

    /**
     * hot_standby_feedback: when {@code enabled} says so, each status reply is followed by an
     * 'h' message carrying {@code xmin} whenever it changed; turning it off sends one with an
     * invalid xmin (0), as PostgreSQL's XLogWalRcvSendHSFeedback does.
     */
    public void setHotStandbyFeedback(java.util.function.BooleanSupplier enabled, java.util.function.IntSupplier xmin) {
        this.hotStandbyFeedback = enabled;
        this.feedbackXmin = xmin;
    }

    /** Also receives every line the walreceiver logs at LOG level or above (tests, the server log). */
    public void setLogListener(Consumer<String> listener) {
        this.logListener = listener;
    }

    /** Asks the walreceiver to stop (postmaster shutdown, promotion). */
    /**
     * PostgreSQL's WalRcvForceReply: the startup process replayed what was flushed, so the
     * primary should hear the new apply position now (remote_apply commits wait for it), not at
     * the next wal_receiver_status_interval. Any thread.
     */
    public void forceReply() {
        PgClient conn = streamingConnection;
        if (conn == null) {
            forceReplyRequested = true;
            return;
        }
        // the calling thread (the startup process) sends the reply itself: no wake-up of the
        // walreceiver thread in between (an eventfd write, its poll's return, a socket read)
        // on the way to a remote_apply commit's release. When the walreceiver is sending a
        // reply right now, or the send fails, the loop sends it instead.
        if (replyLock.tryLock()) {
            try {
                if (streamingConnection == conn) {
                    xlogWalRcvSendReply(conn, true, false);
                    return;
                }
            } catch (IOException | RuntimeException e) {
                log.debug("forced reply from the startup process not sent: {}", e.getMessage());
            } finally {
                replyLock.unlock();
            }
        }
        forceReplyRequested = true;
        conn.wakeup();
    }

    /** No more replies from other threads on {@code streamingConnection} (before CopyDone). */
    private void stopForcedReplies() {
        replyLock.lock();
        try {
            streamingConnection = null;
        } finally {
            replyLock.unlock();
        }
    }

    public void requestShutdown() {
        lock.lock();
        try {
            shutdownRequested = true;
            wakeup.signalAll();
        } finally {
            lock.unlock();
        }
        PgClient conn = streamingConnection;
        if (conn != null) {
            conn.wakeup(); // promotion waits for this: do not let it sleep out its nap
        }
    }

    /**
     * Moves to {@code next}; a change is logged as PostgreSQL's process title would show it
     * ("walreceiver streaming X/Y"), since this walreceiver is a thread, not a process.
     */
    private void setState(WalRcvState next) {
        WalRcvState was;
        lock.lock();
        try {
            was = state;
            state = state.moveTo(next);
        } finally {
            lock.unlock();
        }
        if (was != next) {
            log.info("walreceiver: {} -> {} at {}", was.viewName(), next.viewName(), sink.flushedLsn());
            // PostgreSQL's process title "walreceiver STATE LSN": the thread's name (ps -T, jcmd)
            Thread.currentThread().setName("walreceiver " + next.viewName() + " " + sink.flushedLsn());
        }
    }

    private void logLine(String line) {
        log.info(line);
        logListener.accept(line);
    }

    /** A FATAL of the walreceiver, with its DETAIL (the walreceiver then starts over, as PostgreSQL's is restarted). */
    private void logFatal(String message, String detail) {
        log.atError().addMarker(LogFields.FATAL).addKeyValue(LogFields.DETAIL, detail).log(message);
        logListener.accept("FATAL:  " + message + (detail == null ? "" : "  DETAIL:  " + detail));
    }

    @Override
    public void run() {
        setState(WalRcvState.STARTING);
        boolean first = true;
        while (!shutdownRequested) {
            if (!first) {
                setState(WalRcvState.RESTARTING);
            }
            first = false;
            long attemptStartedMs = clock.millis();
            walReceiverMain();
            if (shutdownRequested) {
                break;
            }
            setState(WalRcvState.WAITING);
            // as PostgreSQL's startup process, wait out wal_retrieve_retry_interval since the last
            // attempt began: a connection that streamed for long is retried at once
            sleepRetryInterval(config.walRetrieveRetryIntervalMs() - (clock.millis() - attemptStartedMs));
        }
        logFatal("terminating walreceiver process due to administrator command", null);
        setState(WalRcvState.STOPPING);
        setState(WalRcvState.STOPPED);
    }

    private void sleepRetryInterval(long ms) {
        lock.lock();
        try {
            long left = TimeUnit.MILLISECONDS.toNanos(Math.max(0, ms));
            while (!shutdownRequested && left > 0) {
                left = wakeup.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdownRequested = true;
        } finally {
            lock.unlock();
        }
    }

    /** The conninfo a walreceiver connects with (libpqrcv_connect). */
    ConnInfo connInfo() {
        ConnInfo info = ConnInfo.parse(config.primaryConninfo() == null ? "" : config.primaryConninfo());
        info = info.with("replication", "true").with("dbname", "replication");
        if (info.get("application_name") == null) {
            String cluster = config.clusterName();
            info = info.with("application_name", cluster != null && !cluster.isEmpty() ? cluster : "walreceiver");
        }
        if (config.standbyAddress() != null) {
            String options = info.get("options");
            info = info.with("options", (options == null || options.isBlank() ? "" : options + " ") + "-c "
                    + STANDBY_ADDRESS_SETTING + "=" + config.standbyAddress());
        }
        return info;
    }

    /**
     * One connection's life: connect, identify, then stream what the startup process asks; at
     * the end of a timeline, wait on the same connection for its next request (the walreceiver
     * never moves to another timeline on its own). Ends when streaming fails or at shutdown.
     */
    private void walReceiverMain() {
        PgClient conn;
        try {
            conn = PgClient.connect(connInfo());
        } catch (IOException | RuntimeException e) {
            logLine("could not connect to the primary server: " + e.getMessage());
            return;
        }
        try (conn) {
            if (config.walReceiverTimeoutMs() > 0) {
                // a primary that stops answering commands is given up on like a silent stream
                conn.setIoTimeoutMs(Math.max(config.walReceiverTimeoutMs(), 1000));
            }
            if (conn.remoteAddress() instanceof java.net.InetSocketAddress a) {
                senderHost = a.getHostString();
                senderPort = a.getPort();
            } else {
                senderHost = String.valueOf(conn.remoteAddress());
                senderPort = null;
            }
            everStreamed = false; // as a new walreceiver process in PostgreSQL: "started streaming" first
            TimelineId primaryTli = identifySystem(conn);
            StreamRequests.Request request = awaitRequest(-1);
            while (request != null && !shutdownRequested) {
                if (primaryTli.compareTo(request.timeline()) < 0) {
                    throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "highest timeline " + primaryTli
                            + " of the primary is behind recovery timeline " + request.timeline());
                }
                fetchTimelineHistoryFiles(conn, request.timeline(), primaryTli);
                Lsn start = startOf(request);
                StreamResult r;
                try {
                    r = streamTimeline(conn, request.timeline(), start);
                } finally {
                    stopForcedReplies(); // however streaming ended, no thread replies on it any more
                }
                streamedGeneration = request.generation();
                if (r == null) {
                    return;
                }
                if (r.nextTli().compareTo(primaryTli) > 0) {
                    primaryTli = r.nextTli();
                }
                fetchTimelineHistoryFiles(conn, request.timeline(), primaryTli);
                flushReceived();
                setState(WalRcvState.WAITING);
                sink.streamEnded(request.generation());
                request = awaitRequest(request.generation());
                if (request != null) {
                    setState(WalRcvState.RESTARTING);
                }
            }
        } catch (PgException e) {
            if (e.severity() == PgException.Severity.FATAL) {
                logFatal(e.getMessage(), e.detail());
            } else {
                logLine("could not receive data from WAL stream: "
                        + (e instanceof PgServerError ? e.severity() + ":  " : "") + e.getMessage());
            }
        } catch (IOException | RuntimeException e) {
            logLine("could not receive data from WAL stream: " + e.getMessage());
        } finally {
            flushReceived();
        }
    }

    /** Waits for the startup process's next request (above {@code after}); null at shutdown. */
    private StreamRequests.Request awaitRequest(long after) {
        try {
            while (!shutdownRequested) {
                StreamRequests.Request r = sink.awaitStreamRequest(after, NAP_MS);
                if (r != null) {
                    return r;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdownRequested = true;
        }
        return null;
    }

    /**
     * Where to start streaming for {@code request}: its start, or, when this request was
     * streamed before and the connection broke, the segment holding what was received and
     * replayed since (nothing already here is streamed again).
     */
    private Lsn startOf(StreamRequests.Request request) {
        if (request.generation() != streamedGeneration) {
            return request.start();
        }
        Lsn have = Lsn.max(sink.flushedLsn(), sink.replayLsn());
        return Lsn.max(request.start(), segmentStart(have));
    }

    private Lsn segmentStart(Lsn lsn) {
        return new Lsn(lsn.value() - lsn.segmentOffset(sink.walSegmentSizeBytes()));
    }

    /** IDENTIFY_SYSTEM and the system identifier check of WalReceiverMain; returns the primary's timeline. */
    private TimelineId identifySystem(PgClient conn) throws IOException {
        QueryResult id = conn.simpleQuery("IDENTIFY_SYSTEM");
        if (id.rows().size() != 1 || id.fields().size() < 3) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "invalid response from primary server")
                    .withDetail("Could not identify system: got " + id.rows().size() + " rows and "
                            + id.fields().size() + " fields, expected 1 rows and 3 or more fields.");
        }
        String[] row = id.rows().get(0);
        String standbyId = Long.toUnsignedString(sink.systemIdentifier());
        if (!row[0].equals(standbyId)) {
            throw new PgException(PgException.Severity.FATAL, SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "database system identifier differs between the primary and standby",
                    "The primary's identifier is " + row[0] + ", the standby's identifier is " + standbyId + ".",
                    null, null);
        }
        return new TimelineId(Integer.parseInt(row[1]));
    }

    /**
     * WalRcvFetchTimeLineHistoryFiles: every history file from {@code first} to {@code last}
     * that pg_wal lacks, so that a promotion here never picks a timeline ID already in use.
     */
    private void fetchTimelineHistoryFiles(PgClient conn, TimelineId first, TimelineId last) throws IOException {
        for (int t = Math.max(2, first.value()); t <= last.value(); t++) {
            TimelineId tli = new TimelineId(t);
            if (sink.hasTimelineHistory(tli)) {
                continue;
            }
            logLine("fetching timeline history file for timeline " + tli + " from primary server");
            QueryResult h = conn.simpleQuery("TIMELINE_HISTORY " + tli.value());
            if (h.rows().size() != 1 || h.fields().size() != 2) {
                throw new PgException(SqlState.PROTOCOL_VIOLATION, "invalid response from primary server")
                        .withDetail("Expected 1 tuple with 2 fields, got " + h.rows().size() + " tuples with "
                                + h.fields().size() + " fields.");
            }
            sink.writeTimelineHistory(tli, h.rows().get(0)[1]);
        }
    }

    private record StreamResult(TimelineId nextTli, Lsn nextStart) {
    }

    /**
     * START_REPLICATION and the receive loop. Returns the next timeline when the primary ended
     * this one (or had no more WAL on it), null when streaming ended otherwise (shutdown);
     * throws on failures.
     */
    private StreamResult streamTimeline(PgClient conn, TimelineId tli, Lsn start) throws IOException {
        String slot = config.primarySlotName();
        String cmd = "START_REPLICATION " + (slot != null && !slot.isEmpty() ? "SLOT \"" + slot + "\" " : "")
                + start + " TIMELINE " + tli.value();
        PgClient.CopyStart copy;
        try {
            copy = conn.startCopyOrResults(cmd);
        } catch (PgServerError e) {
            throw new PgException(PgException.Severity.FATAL, SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "could not start WAL streaming: " + e.severity() + ":  " + e.getMessage(), e.detail(), null,
                    null);
        }
        receivingTimeline = tli;
        receiveStartLsn = start;
        receiveStartTli = tli;
        if (copy.kind() != 'W') {
            logLine("primary server contains no more WAL on requested timeline " + tli);
            return nextTimeline(copy.resultsBefore());
        }
        writtenUpto = start;
        setState(WalRcvState.STREAMING);
        logLine((everStreamed ? "restarted WAL streaming at " : "started streaming WAL from primary at ") + start
                + " on timeline " + tli);
        everStreamed = true;
        lastMessageMillis = clock.millis();
        pingSent = false;
        replyLock.lock();
        try {
            lastReplyMillis = 0;
            lastFeedbackXmin = -1;
        } finally {
            replyLock.unlock();
        }
        xlogWalRcvSendReply(conn, true, false);
        streamingConnection = conn;
        while (true) {
            if (shutdownRequested) {
                // as libpqrcv_disconnect: say we are done, then hang up without waiting for the primary
                stopForcedReplies();
                conn.sendCopyDone();
                return null;
            }
            PgClient.CopyEvent ev = conn.readCopyData(NAP_MS);
            boolean received = false;
            while (ev instanceof PgClient.CopyEvent.Data d) {
                received = true;
                xlogWalRcvProcessMsg(conn, d.payload());
                if (sink.writtenLsn().minus(sink.flushedLsn()) >= FLUSH_WHILE_RECEIVING_BYTES) {
                    // a standby catching up receives faster than the primary's messages stop
                    // coming: flush on the way, so that replay starts (PostgreSQL flushes at each
                    // segment's end) instead of waiting for the whole backlog to be received
                    xlogWalRcvSendReply(conn, false, false);
                    xlogWalRcvFlush(conn);
                }
                ev = conn.readCopyData(0);
            }
            if (received) {
                // as PostgreSQL: tell the primary what was written (remote_write waits for that
                // alone), then fsync and tell it what was flushed
                xlogWalRcvSendReply(conn, false, false);
                xlogWalRcvFlush(conn);
            }
            if (ev instanceof PgClient.CopyEvent.Done) {
                return endOfTimeline(conn);
            }
            if (forceReplyRequested) {
                forceReplyRequested = false;
                xlogWalRcvSendReply(conn, true, false);
            }
            checkTimeoutAndReply(conn);
        }
    }

    /**
     * The primary sent CopyDone: it ended the timeline ("replication terminated by primary
     * server"); answer it and read next_tli / next_tli_startpos.
     */
    private StreamResult endOfTimeline(PgClient conn) throws IOException {
        stopForcedReplies();
        xlogWalRcvSendReply(conn, true, false);
        flushReceived();
        log.atInfo().addKeyValue(LogFields.DETAIL, "End of WAL reached on timeline " + receivingTimeline + " at "
                + writtenUpto + ".").log("replication terminated by primary server");
        logListener.accept("replication terminated by primary server");
        streamingConnection = null;
        return nextTimeline(conn.finishCopy());
    }

    /** The result set that follows a historic timeline: next_tli, next_tli_startpos. */
    private StreamResult nextTimeline(List<QueryResult> results) {
        for (QueryResult r : results) {
            if (r.fields().size() == 2 && r.rows().size() == 1) {
                String[] row = r.rows().get(0);
                return new StreamResult(new TimelineId(Integer.parseInt(row[0])), Lsn.parse(row[1]));
            }
        }
        throw new PgException(SqlState.PROTOCOL_VIOLATION, "replication terminated by primary server")
                .withDetail("End of WAL reached on timeline " + receivingTimeline + " at " + writtenUpto + ".");
    }

    /** XLogWalRcvProcessMsg: 'w' is written, 'k' may ask for a reply now. */
    private void xlogWalRcvProcessMsg(PgClient conn, byte[] payload) throws IOException {
        lastMessageMillis = clock.millis();
        pingSent = false;
        Object msg = StreamingMessages.decode(payload);
        if (msg instanceof StreamingMessages.XLogData w) {
            sink.write(w.dataStart(), w.data(), w.offset(), w.length());
            Lsn end = w.dataStart().plus(w.length());
            if (end.isAfter(writtenUpto)) {
                writtenUpto = end;
                writtenLsnShown = end;
            }
            processWalSndrMessage(w.walEnd(), w.sendTimeMicros());
        } else if (msg instanceof StreamingMessages.PrimaryKeepalive k) {
            processWalSndrMessage(k.walEnd(), k.sendTimeMicros());
            if (k.replyRequested()) {
                xlogWalRcvSendReply(conn, true, false);
            }
        } else {
            throw new PgException(SqlState.PROTOCOL_VIOLATION,
                    "invalid replication message type " + (char) payload[0]);
        }
    }

    /** ProcessWalSndrMessage: the primary's clock and WAL end, for pg_stat_wal_receiver. */
    private void processWalSndrMessage(Lsn walEnd, long sendTimeMicros) {
        Instant sent = StreamingMessages.fromPgTimestampMicros(sendTimeMicros);
        lastMsgSendTime = sent;
        lastMsgReceiptTime = clock.instant();
        if (walEnd.isAfter(latestEndLsn)) {
            latestEndTime = sent;
        }
        latestEndLsn = walEnd;
    }

    /** XLogWalRcvFlush: fsync what was written, publish it, report it. */
    private void xlogWalRcvFlush(PgClient conn) throws IOException {
        IOException[] replyFailed = new IOException[1];
        try {
            // the flush reply leaves before the startup process is woken (ReceivedWalSink.flush)
            sink.flush(() -> {
                lastReceiveLsn = sink.flushedLsn();
                try {
                    xlogWalRcvSendReply(conn, false, false);
                } catch (IOException e) {
                    replyFailed[0] = e;
                }
            });
            lastReceiveLsn = sink.flushedLsn();
        } catch (RuntimeException e) {
            log.warn("could not flush received WAL: {}", e.getMessage());
            throw e;
        }
        if (replyFailed[0] != null) {
            throw replyFailed[0];
        }
    }

    private void flushReceived() {
        try {
            sink.flush();
            lastReceiveLsn = sink.flushedLsn();
        } catch (RuntimeException e) {
            log.warn("could not flush received WAL: {}", e.getMessage());
            throw e;
        }
    }

    /** wal_receiver_timeout, the half-timeout ping, and the status interval. */
    private void checkTimeoutAndReply(PgClient conn) throws IOException {
        long now = clock.millis();
        long timeout = config.walReceiverTimeoutMs();
        if (timeout > 0) {
            if (now - lastMessageMillis > timeout) {
                throw new PgException(SqlState.CONNECTION_FAILURE, "terminating walreceiver due to timeout");
            }
            if (!pingSent && now - lastMessageMillis > timeout / 2) {
                xlogWalRcvSendReply(conn, true, true);
                pingSent = true;
                return;
            }
        }
        xlogWalRcvSendReply(conn, false, false);
    }

    /**
     * XLogWalRcvSendReply: sends 'r' when forced, when a position moved, or when
     * wal_receiver_status_interval has passed since the last one.
     */
    private void xlogWalRcvSendReply(PgClient conn, boolean force, boolean requestReply) throws IOException {
        replyLock.lock();
        try {
            sendReplyLocked(conn, force, requestReply);
        } finally {
            replyLock.unlock();
        }
    }

    private void sendReplyLocked(PgClient conn, boolean force, boolean requestReply) throws IOException {
        Lsn write = writtenUpto;
        Lsn flush = sink.flushedLsn();
        Lsn apply = sink.replayLsn();
        long now = clock.millis();
        long interval = config.walReceiverStatusIntervalMs();
        boolean changed = !write.equals(lastReportedWrite) || !flush.equals(lastReportedFlush)
                || !apply.equals(lastReportedApply);
        if (!force && !changed && (interval <= 0 || now - lastReplyMillis < interval)) {
            return;
        }
        lastReportedWrite = write;
        lastReportedFlush = flush;
        lastReportedApply = apply;
        lastReplyMillis = now;
        long ts = StreamingMessages.toPgTimestampMicros(clock.instant());
        conn.sendCopyData(new StreamingMessages.StandbyStatusUpdate(write, flush, apply, ts, requestReply).encode());
        xlogWalRcvSendHSFeedback(conn, ts, force);
        conn.flush();
    }

    /** XLogWalRcvSendHSFeedback: 'h' when hot_standby_feedback is on and xmin moved (or forced). */
    private void xlogWalRcvSendHSFeedback(PgClient conn, long nowMicros, boolean force) throws IOException {
        boolean on = hotStandbyFeedback.getAsBoolean();
        if (!on && lastFeedbackXmin <= 0) {
            return; // never sent, or the invalid xmin was sent when it was turned off
        }
        long xmin = on ? Integer.toUnsignedLong(feedbackXmin.getAsInt()) : 0;
        if (!force && xmin == lastFeedbackXmin) {
            return;
        }
        lastFeedbackXmin = xmin;
        conn.sendCopyData(new StreamingMessages.HotStandbyFeedback(nowMicros, (int) xmin, 0, 0, 0).encode());
    }
}
