package org.walden.server.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * DATA/postmaster.pid in PostgreSQL's layout (pidfile.h), which pg_ctl-style tools read:
 * <pre>
 * 1  PID
 * 2  data directory
 * 3  start time (seconds since the epoch)
 * 4  port
 * 5  first Unix socket directory (empty if none)
 * 6  first listen address ("*" for all, empty if none)
 * 7  shared memory key (Walden has none: "0 0")
 * 8  status: "starting", "stopping", "ready   " or "standby " (8 characters)
 * </pre>
 * The postmaster writes it at start (status starting), rewrites line 8 when it is ready or a
 * hot standby accepts connections, and removes it at the end of a clean shutdown.
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
        return String.join("\n", Long.toString(pid), dataDir.toString(), Long.toString(startTimeEpochSeconds),
                Integer.toString(port), socketDir == null ? "" : socketDir,
                listenAddress == null ? "" : listenAddress, "     0         0", status) + "\n";
    }

    public PostmasterPidFile withStatus(String newStatus) {
        return new PostmasterPidFile(pid, dataDir, startTimeEpochSeconds, port, socketDir, listenAddress, newStatus);
    }

    /** True once the server accepts connections (line 8 "ready" or "standby"). */
    public boolean acceptingConnections() {
        String s = status == null ? "" : status.trim();
        return s.equals(READY.trim()) || s.equals(STANDBY.trim());
    }

    /** Writes the file through a temporary one renamed over it. */
    public void write() {
        Path file = dataDir.resolve(FILE_NAME);
        Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
        try {
            Files.writeString(tmp, text(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write lock file \"" + file + "\": " + e.getMessage(), e);
        }
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

    /** Removes the file (clean shutdown). */
    public static void remove(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(FILE_NAME));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String line(List<String> lines, int index) {
        return index < lines.size() ? lines.get(index) : "";
    }

    private static long parseLong(String s) {
        return s.isBlank() ? 0 : Long.parseLong(s.trim());
    }
}
