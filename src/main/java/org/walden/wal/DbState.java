package org.walden.wal;

/**
 * The cluster state kept in pg_control, with PostgreSQL's names (pg_controldata prints them).
 *
 * <p>Transitions: initdb → SHUTDOWNED; start → STARTUP → IN_CRASH_RECOVERY or
 * IN_ARCHIVE_RECOVERY → IN_PRODUCTION (primary) or stays IN_ARCHIVE_RECOVERY (standby);
 * clean stop: IN_PRODUCTION → SHUTDOWNING → SHUTDOWNED, or IN_ARCHIVE_RECOVERY →
 * SHUTDOWNED_IN_RECOVERY. Anything else found at start means the server did not stop cleanly.
 */
public enum DbState {
    /** Starting, before recovery decided anything. */
    STARTUP("starting up"),
    /** Stopped cleanly by a shutdown checkpoint. */
    SHUTDOWNED("shut down"),
    /** A standby stopped cleanly by a restartpoint. */
    SHUTDOWNED_IN_RECOVERY("shut down in recovery"),
    /** Writing the shutdown checkpoint. */
    SHUTDOWNING("shutting down"),
    /** Replaying WAL after a crash. */
    IN_CRASH_RECOVERY("in crash recovery"),
    /** A standby (or a restored backup) replaying WAL. */
    IN_ARCHIVE_RECOVERY("in archive recovery"),
    /** A primary accepting writes. */
    IN_PRODUCTION("in production");

    private final String text;

    DbState(String text) {
        this.text = text;
    }

    /** PostgreSQL's wording, e.g. "in production". */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
