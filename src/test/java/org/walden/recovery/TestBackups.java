package org.walden.recovery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.walden.wal.ControlFile;
import org.walden.wal.Lsn;

/** Base backups for engine-level tests, as BASE_BACKUP makes them, without the wire. */
public final class TestBackups {

    /** What happens while a backup runs (between its start and end). */
    public interface Step {
        void run() throws Exception;
    }

    public record Made(Engine.BackupStart start, Lsn endLsn) {
    }

    private TestBackups() {
    }

    /**
     * A base backup of {@code source} (primary or standby) into {@code dir}: storage snapshot,
     * then {@code during}, then pg_control from the backup's end and the backup_label.
     */
    public static Made take(long walSegmentSizeBytes, Engine source, Path dir, Step during) throws Exception {
        Files.createDirectories(dir.resolve("global"));
        Files.createDirectories(dir.resolve("pg_wal"));
        Engine.BackupStart start = source.createBackupCheckpoint(dir.resolve(Engine.BASE_DIR));
        during.run();
        Engine.BackupEnd end = source.finishBackup(start);
        Files.write(dir.resolve(ControlFile.RELATIVE_PATH), end.controlFile());
        Files.writeString(dir.resolve(BackupLabel.FILE_NAME), new BackupLabel(start.startLsn(),
                start.checkPointLsn(), start.timeline(), Instant.now(), "test", start.fromStandby())
                .format(walSegmentSizeBytes));
        return new Made(start, end.endLsn());
    }

    /** {@link #take} with nothing happening during the backup. */
    public static Made take(long walSegmentSizeBytes, Engine source, Path dir) throws Exception {
        return take(walSegmentSizeBytes, source, dir, () -> { });
    }
}
