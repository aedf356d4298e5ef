package org.walden.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * restore_command (PostgreSQL's RestoreArchivedFile): fetches one WAL segment from the archive
 * into pg_wal. The command runs through {@code /bin/sh -c} in the data directory with {@code %f}
 * (the file wanted), {@code %p} (where to put it: {@code pg_wal/RECOVERYXLOG}, relative to the
 * data directory), {@code %r} (the file holding the last restartpoint's redo point) and
 * {@code %%} replaced. A zero exit status and a file of the segment size count as success; the
 * file is then renamed over {@code pg_wal/%f} (atomically, so a reader sees the old or the whole
 * new file). Anything else means "not in the archive" (logged at DEBUG, as PostgreSQL does).
 *
 * <p>Stateless and thread-safe; called by the startup process only.
 */
public final class RestoreCommand {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreCommand.class);
    /** PostgreSQL restores a segment into this name first ("RECOVERYXLOG"). */
    static final String TEMP_NAME = "RECOVERYXLOG";
    /** And a timeline history file into this one. */
    static final String HISTORY_TEMP_NAME = "RECOVERYHISTORY";

    private final Path dataDir;
    private final String command;
    private final long segmentSizeBytes;
    private final long commandTimeoutMs;

    public RestoreCommand(Path dataDir, String command, long segmentSizeBytes, long commandTimeoutMs) {
        this.dataDir = dataDir;
        this.command = command;
        this.segmentSizeBytes = segmentSizeBytes;
        this.commandTimeoutMs = commandTimeoutMs;
    }

    /**
     * Restores segment {@code fileName} into pg_wal; true when it is there now, complete.
     * {@code restartFileName} is what {@code %r} becomes.
     */
    public boolean restoreSegment(String fileName, String restartFileName) {
        return restore(fileName, restartFileName, TEMP_NAME, segmentSizeBytes);
    }

    /**
     * Restores a timeline history file ({@code 00000002.history}) into pg_wal, replacing any
     * copy there (the archive's is authoritative in archive recovery); true when it was found.
     */
    public boolean restoreFile(String fileName, String restartFileName) {
        return restore(fileName, restartFileName, HISTORY_TEMP_NAME, -1);
    }

    private boolean restore(String fileName, String restartFileName, String tempName, long expectedSizeBytes) {
        Path walDir = dataDir.resolve("pg_wal");
        Path temp = walDir.resolve(tempName);
        String cmd = Archiver.substitute(command, "pg_wal/" + tempName, fileName, restartFileName);
        try {
            Files.deleteIfExists(temp);
            int exit = run(cmd);
            if (exit != 0 || !Files.exists(temp)) {
                LOG.debug("could not restore file \"{}\" from archive: child process exited with exit code {}",
                        fileName, exit);
                Files.deleteIfExists(temp);
                return false;
            }
            long size = Files.size(temp);
            if (expectedSizeBytes >= 0 && size != expectedSizeBytes) {
                LOG.warn("archive file \"{}\" has wrong size: {} instead of {}", fileName, size, expectedSizeBytes);
                Files.deleteIfExists(temp);
                return false;
            }
            WalSegments.changed();
            Files.move(temp, walDir.resolve(fileName), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            WalSegments.changed();
            LOG.info("restored log file \"{}\" from archive", fileName);
            return true;
        } catch (IOException e) {
            LOG.warn("could not restore file \"{}\" from archive: {}", fileName, e.getMessage());
            return false;
        }
    }

    private int run(String cmd) throws IOException {
        Process p = new ProcessBuilder("/bin/sh", "-c", cmd).directory(dataDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!p.waitFor(commandTimeoutMs, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
