package org.walden.replication;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * What BASE_BACKUP needs from the engine (the integrator adapts the checkpointer and the
 * storage engine to it). A primary and a standby both serve backups; a standby's backup starts
 * at a restartpoint and ends at its replay position, as PostgreSQL's do_pg_backup_start/stop do
 * in recovery.
 */
public interface BackupSource {

    /** pg_control, sent as the archive's last file (the end of a standby's backup is written in it). */
    String CONTROL_FILE = "global/pg_control";

    /**
     * A started backup: its checkpoint (or restartpoint, {@code fromStandby}) recorded
     * {@code checkpointLsn} with redo at {@code startLsn}, and the storage engine's files as of
     * then sit in {@code storageSnapshotDir} (hard links); they go into the archive under
     * {@code storageRelativePath} (e.g. "base").
     */
    record StartedBackup(Lsn startLsn, Lsn checkpointLsn, TimelineId timeline, Instant startTime,
                         Path storageSnapshotDir, String storageRelativePath, boolean fromStandby) {
    }

    /** An ended backup: its end LSN and the pg_control image that goes into the archive last. */
    record StoppedBackup(Lsn endLsn, byte[] controlFile) {
    }

    /** Where READ_KEY_RANGE's rows go, key and value each. */
    @FunctionalInterface
    interface RowSink {
        void row(byte[] key, byte[] value) throws IOException;
    }

    /**
     * READ_KEY_RANGE: every row with a key in [from, to), from one storage snapshot; returns
     * the WAL position that snapshot reflects (a server replaying up to it has all of it).
     */
    default Lsn readKeyRange(byte[] from, byte[] to, RowSink sink) throws IOException {
        throw new org.walden.common.PgException(org.walden.common.SqlState.FEATURE_NOT_SUPPORTED,
                "READ_KEY_RANGE is not available here");
    }

    /** The data directory whose configuration, control and other files go into the archive. */
    Path dataDirectory();

    /** Runs the backup checkpoint (immediately when {@code fast}, else spread) and snapshots storage. */
    StartedBackup startBackup(String label, boolean fast) throws IOException;

    /**
     * Ends the backup: the end LSN (a primary's flush position after its backup-end record, a
     * standby's replay position) — the copy is consistent once redo reaches it — and pg_control
     * as the copy must hold it. Deletes the storage snapshot. Fails (55000) when the standby
     * was promoted while the backup ran.
     */
    StoppedBackup stopBackup(StartedBackup backup) throws IOException;
}
