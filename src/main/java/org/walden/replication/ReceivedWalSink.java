package org.walden.replication;

import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * Where a walreceiver puts the WAL it receives, on a standby (the integrator adapts the
 * engine's {@code wal.WalReceiverWriter} and the startup process to it). Writes go to pg_wal
 * segment files at their LSN; flush makes them durable and wakes the startup process, which
 * replays from there. I/O failures are unchecked (UncheckedIOException); a failed flush is
 * the engine's PANIC.
 */
public interface ReceivedWalSink {

    /** The standby's own system identifier (from pg_control). */
    long systemIdentifier();

    /** The timeline to stream next (the standby's recovery target timeline as it stands now). */
    TimelineId timeline();

    /** Received WAL belongs to this timeline from now on (a timeline switch while streaming). */
    void setTimeline(TimelineId timeline);

    long walSegmentSizeBytes();

    /**
     * Where streaming should start: the end of the WAL this standby already has (received or
     * replayed, whichever is further). The walreceiver rounds it down to a segment start.
     */
    Lsn endOfWal();

    /** Writes received WAL at {@code at} (streaming may restart from an earlier segment start). */
    void write(Lsn at, byte[] data, int offset, int length);

    /** Makes everything written durable (fdatasync) and wakes the startup process. */
    void flush();

    /** The end of the WAL written (the reply's write position). */
    Lsn writtenLsn();

    /** The end of the WAL flushed (the reply's flush position). */
    Lsn flushedLsn();

    /** The startup process's replay position (pg_last_wal_replay_lsn), for the apply field of 'r'. */
    Lsn replayLsn();

    /** Stores a timeline history file fetched with TIMELINE_HISTORY. */
    void writeTimelineHistory(TimelineId timeline, String content);
}
