package org.walden.replication;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.walden.protocol.ConnInfo;
import org.walden.protocol.PgClient;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * pg_basebackup's background WAL receiver (-X stream; receivelog.c's ReceiveXlogStream for
 * one timeline): its own replication connection, a slot (temporary
 * {@code pg_basebackup_<pid>}, or -S, created with -C), START_REPLICATION from the segment
 * holding the backup's start, segment files in pg_wal/, and a stop once the backup's end LSN
 * is known and received. Status replies go out every 10 s and when asked. The main thread
 * calls {@link #connectAndStart()}, then runs it on a thread, then {@link #stopAt}.
 */
final class WalStreamer implements Runnable {

    private static final long STATUS_INTERVAL_MS = 10_000;

    private final ConnInfo connInfo;
    private final String slotName;
    private final boolean createSlot;
    private final Lsn startLsn;
    private final TimelineId timeline;
    private final long segmentSizeBytes;
    private final Path walDir;
    private final Consumer<String> verboseLog;
    private final boolean verbose;
    private PgClient conn;
    private WalSegmentFiles files;
    /** Set by the main thread when the backup ended; read by the streaming thread. */
    private volatile Lsn stopLsn;
    /** Written by the streaming thread when it fails; read by the main thread after join. */
    private volatile String failure;
    private Lsn received;

    WalStreamer(ConnInfo connInfo, String slotName, boolean createSlot, Lsn startLsn, TimelineId timeline,
                long segmentSizeBytes, Path walDir, Consumer<String> verboseLog, boolean verbose) {
        this.connInfo = connInfo;
        this.slotName = slotName;
        this.createSlot = createSlot;
        this.startLsn = startLsn;
        this.timeline = timeline;
        this.segmentSizeBytes = segmentSizeBytes;
        this.walDir = walDir;
        this.verboseLog = verboseLog;
        this.verbose = verbose;
    }

    Path walDir() {
        return walDir;
    }

    List<Path> files() {
        return files.files();
    }

    String failure() {
        return failure;
    }

    void stopAt(Lsn endLsn) {
        stopLsn = endLsn;
    }

    /** Connects, makes the slot, starts streaming (on the caller's thread, so errors surface there). */
    void connectAndStart() throws IOException {
        conn = PgClient.connect(connInfo);
        conn.simpleQuery("SHOW data_directory_mode");
        String slot = slotName;
        if (slot == null) {
            slot = "pg_basebackup_" + conn.backendPid();
            conn.simpleQuery("CREATE_REPLICATION_SLOT \"" + slot + "\" TEMPORARY PHYSICAL ( RESERVE_WAL)");
            if (verbose) {
                verboseLog.accept("created temporary replication slot \"" + slot + "\"");
            }
        } else if (createSlot) {
            conn.simpleQuery("CREATE_REPLICATION_SLOT \"" + slot + "\" PHYSICAL ( RESERVE_WAL)");
            if (verbose) {
                verboseLog.accept("created replication slot \"" + slot + "\"");
            }
        }
        conn.simpleQuery("IDENTIFY_SYSTEM");
        Lsn segStart = new Lsn(startLsn.value() - startLsn.segmentOffset(segmentSizeBytes));
        received = segStart;
        files = new WalSegmentFiles(walDir, segmentSizeBytes, timeline);
        conn.startCopy("START_REPLICATION SLOT \"" + slot + "\" " + segStart + " TIMELINE " + timeline.value());
    }

    @Override
    public void run() {
        try (PgClient c = conn; WalSegmentFiles f = files) {
            long lastStatusMs = 0;
            while (true) {
                Lsn stop = stopLsn;
                if (stop != null && !received.isBefore(stop)) {
                    break;
                }
                PgClient.CopyEvent ev = c.readCopyData(100);
                if (ev instanceof PgClient.CopyEvent.Done) {
                    break;
                }
                boolean replyNow = false;
                if (ev instanceof PgClient.CopyEvent.Data d) {
                    Object msg = StreamingMessages.decode(d.payload());
                    if (msg instanceof StreamingMessages.XLogData w) {
                        f.write(w.dataStart(), w.data(), w.offset(), w.length());
                        Lsn end = w.dataStart().plus(w.length());
                        if (end.isAfter(received)) {
                            received = end;
                        }
                    } else if (msg instanceof StreamingMessages.PrimaryKeepalive k) {
                        replyNow = k.replyRequested();
                    }
                }
                long now = System.currentTimeMillis();
                if (replyNow || now - lastStatusMs >= STATUS_INTERVAL_MS) {
                    f.sync();
                    sendStatus(c, received);
                    lastStatusMs = now;
                }
            }
            f.sync();
            sendStatus(c, received);
            c.finishCopy();
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage();
        }
    }

    private static void sendStatus(PgClient c, Lsn pos) throws IOException {
        long ts = StreamingMessages.toPgTimestampMicros(java.time.Instant.now());
        c.sendCopyData(new StreamingMessages.StandbyStatusUpdate(pos, pos, Lsn.INVALID, ts, false).encode());
        c.flush();
    }
}
