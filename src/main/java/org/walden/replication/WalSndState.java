package org.walden.replication;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A walsender's state, as pg_stat_replication.state shows it (PostgreSQL's WalSndState).
 *
 * <pre>
 *   STARTUP ──BASE_BACKUP──▶ BACKUP ──done──▶ STARTUP
 *   STARTUP ──START_REPLICATION──▶ CATCHUP ──caught up with the flush position──▶ STREAMING
 *   STREAMING ──fell behind (more than one message of WAL to send)──▶ CATCHUP
 *   CATCHUP | STREAMING ──streaming ended (CopyDone, end of timeline)──▶ STARTUP
 *   any ──shutdown requested──▶ STOPPING
 * </pre>
 */
public enum WalSndState {
    /** Connected, running replication commands, not streaming. */
    STARTUP,
    /** Sending a base backup. */
    BACKUP,
    /** Streaming, but behind the flush position by more than one message. */
    CATCHUP,
    /** Streaming and caught up: sends WAL as it is flushed. */
    STREAMING,
    /** The server is shutting down: sending the rest of the WAL, then exiting. */
    STOPPING;

    private Set<WalSndState> successors() {
        return switch (this) {
            case STARTUP -> EnumSet.of(BACKUP, CATCHUP, STOPPING);
            case BACKUP -> EnumSet.of(STARTUP, STOPPING);
            case CATCHUP -> EnumSet.of(STREAMING, STARTUP, STOPPING);
            case STREAMING -> EnumSet.of(CATCHUP, STARTUP, STOPPING);
            case STOPPING -> EnumSet.noneOf(WalSndState.class);
        };
    }

    /** The state after a move to {@code next}; an illegal move is a bug (IllegalStateException). */
    public WalSndState moveTo(WalSndState next) {
        if (next != this && !successors().contains(next)) {
            throw new IllegalStateException("walsender state " + this + " cannot become " + next);
        }
        return next;
    }

    /** The name pg_stat_replication shows ("streaming"). */
    public String viewName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
