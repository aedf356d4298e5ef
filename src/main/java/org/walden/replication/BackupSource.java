package org.walden.replication;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * What BASE_BACKUP needs from the engine (the integrator adapts the checkpointer and the
 * storage engine to it).
 */
public interface BackupSource {

    /**
     * A started backup: its checkpoint wrote {@code checkpointLsn} (redo at {@code startLsn})
     * and the storage engine's files as of that checkpoint sit in {@code storageSnapshotDir}
     * (hard links); they go into the archive under {@code storageRelativePath} (e.g. "base").
     */
    record StartedBackup(Lsn startLsn, Lsn checkpointLsn, TimelineId timeline, Instant startTime,
                         Path storageSnapshotDir, String storageRelativePath) {
    }

    /** The data directory whose configuration, control and other files go into the archive. */
    Path dataDirectory();

    /** Runs the backup checkpoint (immediately when {@code fast}, else spread) and snapshots storage. */
    StartedBackup startBackup(String label, boolean fast) throws IOException;

    /**
     * Ends the backup: returns the end LSN (the flush position after any backup-end record);
     * the copy is consistent once redo reaches it. Deletes the storage snapshot.
     */
    Lsn stopBackup(StartedBackup backup) throws IOException;
}
