package org.walden.server.config;

import java.nio.file.Files;
import java.nio.file.Path;
import org.walden.common.guc.GucServerSettings;

/**
 * How a server starts, from the files in its data directory, as PostgreSQL 12+ decides it
 * (and PostgreSQL 10, for the seeds): standby.signal, or recovery.conf with standby_mode = on,
 * means a standby that streams and replays forever; recovery.signal, or a recovery.conf
 * without standby_mode, means archive recovery that ends and promotes; otherwise a primary
 * (after crash recovery if needed). standby.signal wins when both signals exist.
 */
public enum RecoveryMode {
    /** No signal file: a primary. */
    NONE,
    /** standby.signal (or recovery.conf standby_mode = on). */
    STANDBY,
    /** recovery.signal (or recovery.conf without standby_mode): targeted archive recovery. */
    ARCHIVE_RECOVERY;

    public static final String STANDBY_SIGNAL = "standby.signal";
    public static final String RECOVERY_SIGNAL = "recovery.signal";
    public static final String PROMOTE_SIGNAL = "promote.signal";

    /** The mode the files in {@code dataDir} ask for; {@code settings} supplies recovery.conf's standby_mode. */
    public static RecoveryMode of(Path dataDir, GucServerSettings settings) {
        if (Files.exists(dataDir.resolve(STANDBY_SIGNAL))) {
            return STANDBY;
        }
        if (settings.recoveryConfPresent()) {
            return settings.getBool("standby_mode") ? STANDBY : ARCHIVE_RECOVERY;
        }
        if (Files.exists(dataDir.resolve(RECOVERY_SIGNAL))) {
            return ARCHIVE_RECOVERY;
        }
        return NONE;
    }
}
