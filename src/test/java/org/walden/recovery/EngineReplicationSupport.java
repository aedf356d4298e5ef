package org.walden.recovery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.walden.wal.ControlFile;
import org.walden.wal.Lsn;
import org.walden.wal.WalReceiverWriter;

/**
 * Engine-level replication for tests, without the wire: base backups as BASE_BACKUP makes them,
 * and WAL copied from a primary into a standby's receiver writer as a walsender and walreceiver do.
 */
public final class EngineReplicationSupport {

    /** What happens while a backup runs (between its start and end). */
    public interface Step {
        void run() throws Exception;
    }

    public record Made(Engine.BackupStart start, Lsn endLsn) {
    }

    private EngineReplicationSupport() {
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

    /** Copies the primary's flushed WAL from {@code from} into {@code rw} and flushes; returns the end. */
    public static Lsn stream(Engine primary, WalReceiverWriter rw, Lsn from) {
        primary.wal().flushAll();
        return streamUpTo(primary, rw, from, primary.wal().flushedLsn());
    }

    /** Copies WAL bytes {@code [from, upTo)}, in small pieces, and flushes them; returns {@code upTo}. */
    public static Lsn streamUpTo(Engine primary, WalReceiverWriter rw, Lsn from, Lsn upTo) {
        primary.wal().flushAll();
        byte[] buf = new byte[8192];
        Lsn pos = from;
        while (pos.isBefore(upTo)) {
            int n = primary.wal().readRaw(pos, buf, 0, (int) Math.min(buf.length, upTo.minus(pos)));
            rw.write(pos, buf, 0, n);
            pos = pos.plus(n);
        }
        rw.flush();
        return pos;
    }
}
