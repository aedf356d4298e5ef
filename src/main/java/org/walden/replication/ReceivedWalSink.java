package org.walden.replication;

import org.walden.recovery.StreamRequests;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * Where a walreceiver puts the WAL it receives, on a standby, and where it learns what to
 * stream (the integrator adapts the engine's {@code wal.WalReceiverWriter} and the startup
 * process to it). Writes go to pg_wal segment files of the requested timeline at their LSN;
 * flush makes them durable and wakes the startup process, which replays from there. I/O
 * failures are unchecked (UncheckedIOException); a failed flush is the engine's PANIC.
 */
public interface ReceivedWalSink {

    /** The standby's own system identifier (from pg_control). */
    long systemIdentifier();

    long walSegmentSizeBytes();

    /**
     * What the startup process asks to stream: a request newer than generation {@code after}
     * (-1: the current one), waiting up to {@code timeoutMs}; null when none came.
     */
    StreamRequests.Request awaitStreamRequest(long after, long timeoutMs) throws InterruptedException;

    /** The primary ended the timeline of request {@code generation}: the startup process decides what follows. */
    void streamEnded(long generation);

    /** Writes received WAL at {@code at} (streaming may restart from an earlier segment start). */
    void write(Lsn at, byte[] data, int offset, int length);

    /** Makes everything written durable (fdatasync) and wakes the startup process. */
    void flush();

    /**
     * As {@link #flush()}, running {@code beforeWakingReplay} once the WAL is durable (and
     * {@link #flushedLsn()} says so) but before the startup process is woken: the walreceiver
     * sends its flush reply first, which a synchronous commit on the primary waits for, instead
     * of after a wake-up that may take its CPU on a busy machine.
     */
    default void flush(Runnable beforeWakingReplay) {
        flush();
        beforeWakingReplay.run();
    }

    /** The end of the WAL written (the reply's write position). */
    Lsn writtenLsn();

    /** The end of the WAL flushed (the reply's flush position). */
    Lsn flushedLsn();

    /** The startup process's replay position (pg_last_wal_replay_lsn), for the apply field of 'r'. */
    Lsn replayLsn();

    /** True when pg_wal holds {@code timeline}'s history file (it is fetched otherwise). */
    boolean hasTimelineHistory(TimelineId timeline);

    /** Stores a timeline history file fetched with TIMELINE_HISTORY. */
    void writeTimelineHistory(TimelineId timeline, String content);
}
