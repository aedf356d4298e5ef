package org.walden.recovery;

import java.nio.file.Path;

/**
 * How the startup process recovers, from the data directory's signal files and the recovery
 * settings (the server layer fills it): crash recovery only, archive recovery that ends
 * (recovery.signal), or a standby that replays until promoted (standby.signal); which timeline to
 * follow (recovery_target_timeline), where to stop ({@link RecoveryTarget}), the promotion
 * trigger file (promote_trigger_file, recovery.conf's trigger_file), and what the end of
 * recovery needs to know (archive_mode for the last segment and the history file, hot_standby
 * for a pause at the target).
 *
 * @param mode                  the kind of recovery the signal files ask for
 * @param targetTimeline        "latest", "current" or a timeline number
 * @param target                where archive recovery stops
 * @param promoteTriggerFile    a file whose appearance promotes a standby, or null
 * @param archivingActive       archive_mode is on or always: the new timeline's history file and
 *                              the old timeline's last, partial segment are archived
 * @param hotStandby            hot_standby: a pause at the recovery target needs it (else shutdown)
 * @param retrieveRetryIntervalMs wal_retrieve_retry_interval
 * @param restoreCommand        restore_command ("" for none): WAL and history files from the archive,
 *                              from the very start (the recovery target timeline is looked for there)
 */
public record RecoveryConfig(Mode mode, String targetTimeline, RecoveryTarget target, Path promoteTriggerFile,
                             boolean archivingActive, boolean hotStandby, long retrieveRetryIntervalMs,
                             String restoreCommand) {

    /** PostgreSQL 12+'s choice from the signal files. */
    public enum Mode {
        /** No signal file: crash recovery, then a primary on the same timeline. */
        CRASH,
        /** recovery.signal: archive recovery to the target (or the end of the archive), then promotion. */
        ARCHIVE,
        /** standby.signal: replay what the primary and the archive give, until promoted. */
        STANDBY
    }

    public static final long DEFAULT_RETRY_INTERVAL_MS = 5_000;

    public static RecoveryConfig crash() {
        return new RecoveryConfig(Mode.CRASH, "latest", RecoveryTarget.none(), null, false, true,
                DEFAULT_RETRY_INTERVAL_MS, "");
    }

    public static RecoveryConfig standby() {
        return new RecoveryConfig(Mode.STANDBY, "latest", RecoveryTarget.none(), null, false, true,
                DEFAULT_RETRY_INTERVAL_MS, "");
    }

    /** Archive recovery was requested (a standby or recovery.signal): a new timeline at its end. */
    public boolean archiveRecoveryRequested() {
        return mode != Mode.CRASH;
    }
}
