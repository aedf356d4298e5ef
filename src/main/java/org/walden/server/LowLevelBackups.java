package org.walden.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.recovery.BackupLabel;
import org.walden.recovery.BackupSnapshots;
import org.walden.recovery.Engine;
import org.walden.sql.ServerStatus;
import org.walden.wal.Archiver;
import org.walden.wal.Lsn;
import org.walden.wal.WalSegments;

/**
 * Non-exclusive low-level backups, PostgreSQL 15's pg_backup_start / pg_backup_stop: each
 * session may run one. Start runs the backup checkpoint (a restartpoint on a standby) and
 * leaves the storage snapshot a file-system copy needs in the data directory
 * ({@link BackupSnapshots}); stop writes the backup-end record (a primary), switches to a new
 * WAL segment, optionally waits for it to be archived, and returns the backup_label text the
 * copy must carry. A session that ends first aborts its backup, as PostgreSQL's does.
 *
 * <p>Concurrency: {@link #lock} guards {@link #active} and the snapshot directories (two
 * backups that start at the same checkpoint share one snapshot).
 */
final class LowLevelBackups {

    private static final Logger LOG = LoggerFactory.getLogger(LowLevelBackups.class);
    /** MAXPGPATH: the longest label do_pg_backup_start takes. */
    private static final int MAX_LABEL_BYTES = 1024;
    private static final long ARCHIVE_POLL_MS = 100;

    private record Active(Engine.BackupStart start, Path snapshot, String label) {
    }

    private final Engine engine;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by lock: the running backups by backend pid. */
    private final Map<Integer, Active> active = new HashMap<>();
    /** Guarded by lock. */
    private long tempCounter;

    LowLevelBackups(Engine engine) {
        this.engine = engine;
    }

    /** pg_backup_start: the backup's start (redo) LSN. */
    Lsn start(int backendPid, String label) {
        if (label.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LABEL_BYTES) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "backup label too long (max " + MAX_LABEL_BYTES + " bytes)");
        }
        lock.lock();
        try {
            if (active.containsKey(backendPid)) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "a backup is already in progress in this session");
            }
            Path root = engine.dataDir().resolve(BackupSnapshots.DIR);
            Files.createDirectories(root);
            Path temp = root.resolve("tmp-" + backendPid + "-" + (++tempCounter));
            Engine.BackupStart b = engine.createBackupCheckpoint(temp);
            Path snapshot = BackupSnapshots.snapshotDir(engine.dataDir(), b.checkPointLsn());
            if (Files.exists(snapshot)) {
                BackupSnapshots.deleteRecursively(temp); // another running backup started at this checkpoint
            } else {
                Files.move(temp, snapshot);
            }
            active.put(backendPid, new Active(b, snapshot, label));
            return b.startLsn();
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not create the backup's storage snapshot: "
                    + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** pg_backup_stop: null when the session runs no backup. */
    ServerStatus.BackupStopped stop(int backendPid, boolean waitForArchive, Archiver archiver, Runnable checkCancel,
                                    Consumer<String> notice) {
        Active a;
        Engine.BackupEnd end;
        lock.lock();
        try {
            a = active.remove(backendPid);
            if (a == null) {
                return null;
            }
            try {
                end = engine.finishBackup(a.start());
            } finally {
                dropSnapshotIfUnused(a.snapshot());
            }
        } finally {
            lock.unlock();
        }
        long segmentSize = engine.walSegmentSizeBytes();
        if (!a.start().fromStandby()) {
            engine.wal().switchSegment(); // the segment holding the end can be archived now
        }
        String labelFile = new BackupLabel(a.start().startLsn(), a.start().checkPointLsn(), a.start().timeline(),
                a.start().startTime(), a.label(), a.start().fromStandby()).format(segmentSize);
        if (waitForArchive && archiver != null && !a.start().fromStandby()) {
            long segNo = (end.endLsn().value() - 1) / segmentSize; // XLByteToPrevSeg
            String last = WalSegments.fileName(engine.timeline(), segNo, segmentSize);
            while (true) {
                String archived = archiver.stats().lastArchivedWal();
                if (archived != null && archived.length() == last.length() && archived.compareTo(last) >= 0) {
                    break;
                }
                checkCancel.run();
                sleep();
            }
            notice.accept("all required WAL segments have been archived");
        } else if (waitForArchive) {
            notice.accept("WAL archiving is not enabled; you must ensure that all required WAL segments are "
                    + "copied through other means to complete the backup");
        }
        return new ServerStatus.BackupStopped(end.endLsn(), labelFile);
    }

    /** The session ended during its backup: drop it (no backup-end record is written). */
    void abort(int backendPid) {
        lock.lock();
        try {
            Active a = active.remove(backendPid);
            if (a != null) {
                LOG.warn("aborting backup due to backend exiting before pg_backup_stop was called");
                dropSnapshotIfUnused(a.snapshot());
            }
        } finally {
            lock.unlock();
        }
    }

    private void dropSnapshotIfUnused(Path snapshot) {
        for (Active other : active.values()) {
            if (other.snapshot().equals(snapshot)) {
                return;
            }
        }
        try {
            BackupSnapshots.deleteRecursively(snapshot);
        } catch (IOException e) {
            LOG.warn("could not remove backup snapshot \"{}\": {}", snapshot, e.getMessage());
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(ARCHIVE_POLL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        }
    }
}
