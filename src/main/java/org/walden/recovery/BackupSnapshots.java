package org.walden.recovery;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;

/**
 * The storage snapshots of low-level backups (pg_backup_start / pg_backup_stop). PostgreSQL's
 * heap files can be copied while they change, because replay from the backup's redo point
 * repairs torn pages; Walden's storage engine (RocksDB) cannot: a copy of its live directory
 * may miss files it deleted or renamed during the copy. So pg_backup_start also takes a
 * storage checkpoint (hard links) into {@code pg_backup_snapshots/<CHECKPOINT LOCATION>} inside
 * the data directory, where a file-system copy picks it up; a server starting from that copy
 * with its backup_label swaps the snapshot in as its storage before opening it, and replays WAL
 * from the label's START WAL LOCATION as for any base backup. pg_backup_stop (or the session's
 * end) deletes the snapshot, and every start deletes whatever is left of the directory.
 */
public final class BackupSnapshots {

    private static final Logger LOG = LoggerFactory.getLogger(BackupSnapshots.class);

    /** The directory of the snapshots, under the data directory. */
    public static final String DIR = "pg_backup_snapshots";

    private BackupSnapshots() {
    }

    /** Where the snapshot of the backup whose checkpoint record is at {@code checkPointLsn} goes. */
    public static Path snapshotDir(Path dataDir, Lsn checkPointLsn) {
        return dataDir.resolve(DIR).resolve(String.format("%016X", checkPointLsn.value()));
    }

    /**
     * At start-up, before storage opens: with a backup_label whose snapshot came along in the
     * copy, that snapshot becomes the storage; then the snapshot directory goes.
     */
    static void restoreAtStart(Path dataDir, String storageDir) {
        Path dir = dataDir.resolve(DIR);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try {
            BackupLabel label = BackupLabel.read(dataDir);
            if (label != null) {
                Path snapshot = snapshotDir(dataDir, label.checkPointLsn());
                if (Files.isDirectory(snapshot)) {
                    LOG.info("using the storage snapshot taken by pg_backup_start at checkpoint {}",
                            label.checkPointLsn());
                    deleteRecursively(dataDir.resolve(storageDir));
                    Files.move(snapshot, dataDir.resolve(storageDir));
                }
            }
            deleteRecursively(dir);
        } catch (IOException e) {
            throw PgException.fatal(SqlState.IO_ERROR, "could not restore the backup's storage snapshot from \""
                    + dir + "\": " + e.getMessage());
        }
    }

    /** Deletes a directory tree; no error when it is missing. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
