package org.walden.replication;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A walreceiver's state (PostgreSQL's WalRcvState), as pg_stat_wal_receiver shows it.
 *
 * <pre>
 *   STOPPED ──run()──▶ STARTING ──START_REPLICATION accepted──▶ STREAMING
 *   STARTING | RESTARTING ──connect or command failed──▶ WAITING
 *   STREAMING ──stream ended (error, timeout, end of timeline)──▶ WAITING
 *   STREAMING ──end of timeline, next one known──▶ RESTARTING (same connection)
 *   WAITING ──wal_retrieve_retry_interval passed──▶ RESTARTING ──streaming again──▶ STREAMING
 *   any but STOPPED ──shutdown──▶ STOPPING ──▶ STOPPED
 * </pre>
 */
public enum WalRcvState {
    /** Not running. */
    STOPPED,
    /** Connecting to the primary for the first time. */
    STARTING,
    /** Receiving WAL. */
    STREAMING,
    /** Not connected; waiting before the next attempt. */
    WAITING,
    /** Connecting again after WAITING, or starting the next timeline. */
    RESTARTING,
    /** Shutting down. */
    STOPPING;

    private Set<WalRcvState> successors() {
        return switch (this) {
            case STOPPED -> EnumSet.of(STARTING);
            case STARTING -> EnumSet.of(STREAMING, WAITING, STOPPING);
            case STREAMING -> EnumSet.of(WAITING, RESTARTING, STOPPING);
            case WAITING -> EnumSet.of(RESTARTING, STOPPING);
            case RESTARTING -> EnumSet.of(STREAMING, WAITING, STOPPING);
            case STOPPING -> EnumSet.of(STOPPED);
        };
    }

    /** The state after a move to {@code next}; an illegal move is a bug (IllegalStateException). */
    public WalRcvState moveTo(WalRcvState next) {
        if (next != this && !successors().contains(next)) {
            throw new IllegalStateException("walreceiver state " + this + " cannot become " + next);
        }
        return next;
    }

    public String viewName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
