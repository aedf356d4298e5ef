package org.walden.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * postmaster.pid in the data directory, and the {@code .s.PGSQL.PORT.lock} file beside each
 * Unix socket, laid out as PostgreSQL's miscinit.c (CreateLockFile, AddToDataDirLockFile)
 * writes them, so pg_ctl-style tools read them:
 * <pre>
 * line 1  process id
 * line 2  data directory
 * line 3  start time, seconds since the epoch
 * line 4  port
 * line 5  first Unix socket directory (empty if none)
 * line 6  first listen address (empty if none)
 * line 7  shared memory key and id: "%9d %9d" (Walden has none: 0 and 0)
 * line 8  status: "starting", "stopping", "ready   " or "standby " (padded to 8)
 * </pre>
 * A socket lock file holds lines 1-5. A file naming a live process other than this one
 * refuses the start; a stale one is overwritten. Removed at a clean exit.
 */
public final class PostmasterPidFile {

    public static final String FILE_NAME = "postmaster.pid";
    public static final String STATUS_STARTING = "starting";
    public static final String STATUS_STOPPING = "stopping";
    public static final String STATUS_READY = "ready   ";
    public static final String STATUS_STANDBY = "standby ";

    private PostmasterPidFile() {
    }

    /** The pid written in a lock file, if it exists and parses. */
    public static Optional<Long> readPid(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** True if {@code pid} is a running process other than this JVM. */
    public static boolean isOtherLiveProcess(long pid) {
        return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Creates postmaster.pid (status "starting"); FATAL if it names another live process:
     * {@code lock file "postmaster.pid" already exists} with the PID in the hint.
     */
    public static void create(Path dataDir, long startTimeEpochSeconds, int port, String socketDir,
                              String listenAddress) {
        Path file = dataDir.resolve(FILE_NAME);
        Optional<Long> other = readPid(file);
        if (other.isPresent() && isOtherLiveProcess(other.get())) {
            throw new PgException(PgException.Severity.FATAL, SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "lock file \"" + FILE_NAME + "\" already exists", null,
                    "Is another postmaster (PID " + other.get() + ") running in data directory \""
                            + dataDir.toAbsolutePath() + "\"?", null);
        }
        List<String> lines = new ArrayList<>(List.of(
                Long.toString(ProcessHandle.current().pid()),
                dataDir.toAbsolutePath().toString(),
                Long.toString(startTimeEpochSeconds),
                Integer.toString(port),
                socketDir == null ? "" : socketDir,
                listenAddress == null ? "" : listenAddress,
                String.format("%9d %9d", 0, 0),
                STATUS_STARTING));
        writeAtomically(file, lines);
    }

    /** Rewrites line 8 (PostgreSQL's AddToDataDirLockFile(LOCK_FILE_LINE_PM_STATUS, ...)). */
    public static void setStatus(Path dataDir, String status) {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
            while (lines.size() < 8) {
                lines.add("");
            }
            lines.set(7, status);
            writeAtomically(file, lines);
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not update lock file \"" + file + "\": " + e.getMessage(), e);
        }
    }

    /** Creates DIR/.s.PGSQL.PORT.lock; FATAL if another live process holds it. */
    public static void createSocketLock(Path lockFile, Path socketFile, Path dataDir, long startTimeEpochSeconds,
                                        int port) {
        Optional<Long> other = readPid(lockFile);
        if (other.isPresent() && isOtherLiveProcess(other.get())) {
            throw new PgException(PgException.Severity.FATAL, SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "lock file \"" + lockFile + "\" already exists", null,
                    "Is another postmaster (PID " + other.get() + ") using socket file \"" + socketFile + "\"?", null);
        }
        writeAtomically(lockFile, List.of(Long.toString(ProcessHandle.current().pid()),
                dataDir.toAbsolutePath().toString(), Long.toString(startTimeEpochSeconds), Integer.toString(port),
                lockFile.getParent().toString()));
    }

    public static void remove(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // best effort at exit
        }
    }

    private static void writeAtomically(Path file, List<String> lines) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new PgException(PgException.Severity.FATAL, SqlState.IO_ERROR,
                    "could not create lock file \"" + file + "\": " + e.getMessage(), null, null, e);
        }
    }
}
