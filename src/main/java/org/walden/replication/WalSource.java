package org.walden.replication;

import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * What a walsender needs from the WAL on this server (the integrator adapts the engine's WAL
 * to it). Only flushed WAL is ever sent.
 */
public interface WalSource {

    /** pg_control's system identifier. */
    long systemIdentifier();

    /** The timeline this server is writing (or, on a standby, replaying). */
    TimelineId timeline();

    /** wal_segment_size in bytes (a power of two, 1MB..1GB). */
    long walSegmentSizeBytes();

    /** The WAL flush position: every byte before it is durable and may be sent. */
    Lsn flushedLsn();

    /** The redo LSN of the last checkpoint: where RESERVE_WAL starts a new slot's restart_lsn. */
    Lsn redoLsn();

    /**
     * Waits until the flush position passes {@code after} or {@code timeoutMs} elapses;
     * returns the flush position then. Interruptible.
     */
    Lsn awaitFlushBeyond(Lsn after, long timeoutMs);

    /**
     * Copies up to {@code length} bytes of flushed WAL of timeline {@code timeline} from
     * {@code from} into {@code buffer} at {@code offset}; returns how many (0 when nothing past
     * {@code from} is flushed). Walden's walsender never asks across a segment boundary. A
     * removed segment raises PgException 58P01 "requested WAL segment %s has already been
     * removed" (the engine's Wal.readRaw).
     */
    int readWal(TimelineId timeline, Lsn from, byte[] buffer, int offset, int length);

    /**
     * A reader for one walsender's stream: reads as {@link #readWal} but may keep the segment
     * file it reads open until the reads move on (PostgreSQL's walsender keeps its current
     * segment open). Closed when the stream ends.
     */
    default Reader openReader() {
        return new Reader() {
            @Override
            public int read(TimelineId timeline, Lsn from, byte[] buffer, int offset, int length) {
                return readWal(timeline, from, buffer, offset, length);
            }

            @Override
            public void close() {
            }
        };
    }

    /** What {@link #openReader} returns. Not thread-safe: one per stream. */
    interface Reader extends AutoCloseable {
        /** As {@link WalSource#readWal}. */
        int read(TimelineId timeline, Lsn from, byte[] buffer, int offset, int length);

        @Override
        void close();
    }

    /**
     * The content of timeline {@code timeline}'s history file ({@code 00000002.history}),
     * or null when there is none (timeline 1 has none).
     */
    String timelineHistory(TimelineId timeline);
}
