package org.walden.server.config;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * DATA/postmaster.pid in PostgreSQL's layout (pidfile.h), and the {@code .s.PGSQL.PORT.lock}
 * file beside each Unix socket, as miscinit.c (CreateLockFile, AddToDataDirLockFile) writes
 * them, so pg_ctl-style tools read them:
 * <pre>
 * 1  PID
 * 2  data directory
 * 3  start time (seconds since the epoch)
 * 4  port
 * 5  first Unix socket directory (empty if none)
 * 6  first listen address ("*" for all, empty if none)
 * 7  shared memory key and id: "%9d %9d" (Walden has none: 0 and 0)
 * 8  status: "starting", "stopping", "ready   " or "standby " (8 characters)
 * </pre>
 * The postmaster writes it at start ({@link #create}, status starting; FATAL if it names
 * another live process, a stale one is overwritten), rewrites line 8 ({@link #setStatus}) when
 * it is ready or a hot standby accepts connections, and removes it at the end of a clean
 * shutdown. A socket lock file holds lines 1-5 ({@link #createSocketLock}). Tools such as
 * {@code walden ctl} {@link #read} it.
 */
public record PostmasterPidFile(long pid, Path dataDir, long startTimeEpochSeconds, int port, String socketDir,
                                String listenAddress, String status) {

    public static final String FILE_NAME = "postmaster.pid";
    public static final String STARTING = "starting";
    public static final String STOPPING = "stopping";
    public static final String READY = "ready   ";
    public static final String STANDBY = "standby ";

    /** The file's text, one field a line. */
    public String text() {
        return String.join("\n", lines()) + "\n";
    }

    private List<String> lines() {
        return List.of(Long.toString(pid), dataDir.toString(), Long.toString(startTimeEpochSeconds),
                Integer.toString(port), socketDir == null ? "" : socketDir,
                listenAddress == null ? "" : listenAddress, String.format("%9d %9d", 0, 0), status);
    }

    public PostmasterPidFile withStatus(String newStatus) {
        return new PostmasterPidFile(pid, dataDir, startTimeEpochSeconds, port, socketDir, listenAddress, newStatus);
    }

    /** True once the server accepts connections (line 8 "ready" or "standby"). */
    public boolean acceptingConnections() {
        String s = status == null ? "" : status.trim();
        return s.equals(READY.trim()) || s.equals(STANDBY.trim());
    }

    /** Writes the file through a temporary one renamed over it; FATAL if that fails. */
    public void write() {
        writeAtomically(dataDir.resolve(FILE_NAME), lines());
    }

    /** Reads DATA/postmaster.pid; empty if there is none (or it is being written and still short). */
    public static Optional<PostmasterPidFile> read(Path dataDir) {
        List<String> lines;
        try {
            lines = Files.readAllLines(dataDir.resolve(FILE_NAME), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (lines.isEmpty() || lines.get(0).isBlank()) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(lines.get(0).trim());
            return Optional.of(new PostmasterPidFile(pid, Path.of(line(lines, 1)), parseLong(line(lines, 2)),
                    (int) parseLong(line(lines, 3)), line(lines, 4), line(lines, 5), line(lines, 7)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Removes DATA/postmaster.pid (clean shutdown, or a stale file pg_ctl clears). */
    public static void remove(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(FILE_NAME));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pid written in a lock file (postmaster.pid or a socket's), if it exists and parses. */
    public static Optional<Long> readPid(Path lockFile) {
        try {
            List<String> lines = Files.readAllLines(lockFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** True if {@code pid} is a running process other than this JVM. */
    public static boolean isOtherLiveProcess(long pid) {
        return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Creates postmaster.pid for this process (status "starting"); FATAL if it names another
     * live process: {@code lock file "postmaster.pid" already exists} with the PID in the hint.
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
        new PostmasterPidFile(ProcessHandle.current().pid(), dataDir.toAbsolutePath(), startTimeEpochSeconds, port,
                socketDir, listenAddress, STARTING).write();
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

    /** Removes a lock file, best effort (at exit). */
    public static void removeLockFile(Path lockFile) {
        try {
            Files.deleteIfExists(lockFile);
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

    private static String line(List<String> lines, int index) {
        return index < lines.size() ? lines.get(index) : "";
    }

    private static long parseLong(String s) {
        return s.isBlank() ? 0 : Long.parseLong(s.trim());
    }
}
