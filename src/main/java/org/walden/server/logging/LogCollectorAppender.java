package org.walden.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.Layout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The logging collector's file: log_directory/log_filename (strftime, in log_timezone),
 * rotated when log_rotation_age has passed (aligned to multiples of it, as PostgreSQL's
 * syslogger does) or the file reached log_rotation_size. With log_truncate_on_rotation a
 * time-based rotation onto an existing name truncates it; otherwise files are appended to.
 * A csvlog file takes the same name with ".csv" in place of ".log".
 *
 * <p>Concurrency: {@link #lock} guards the open stream, its size and the next rotation time.
 */
final class LogCollectorAppender extends AppenderBase<ILoggingEvent> {

    private final Path directory;
    private final String filenamePattern;
    private final String extension;
    private final ZoneId zone;
    private final long rotationAgeMs;
    /** Guarded by lock: set by pg_ctl logrotate, cleared at the next message. */
    private boolean rotationRequested;
    private final long rotationSizeBytes;
    private final boolean truncateOnRotation;
    private final int fileMode;
    private final Layout<ILoggingEvent> layout;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private OutputStream out;
    private Path currentFile;
    private long writtenBytes;
    private Instant nextRotation;

    LogCollectorAppender(Path directory, String filenamePattern, String extension, ZoneId zone, long rotationAgeMs,
                         long rotationSizeBytes, boolean truncateOnRotation, int fileMode,
                         Layout<ILoggingEvent> layout, Clock clock) {
        this.directory = directory;
        this.filenamePattern = filenamePattern;
        this.extension = extension;
        this.zone = zone;
        this.rotationAgeMs = rotationAgeMs;
        this.rotationSizeBytes = rotationSizeBytes;
        this.truncateOnRotation = truncateOnRotation;
        this.fileMode = fileMode;
        this.layout = layout;
        this.clock = clock;
    }

    /** The file name log_filename gives at {@code t}, with this appender's extension. */
    static String fileName(String pattern, ZonedDateTime t, String extension) {
        String name = Strftime.format(pattern, t);
        if (extension.equals(".log")) {
            return name;
        }
        return (name.endsWith(".log") ? name.substring(0, name.length() - 4) : name) + extension;
    }

    Path currentFile() {
        lock.lock();
        try {
            return currentFile;
        } finally {
            lock.unlock();
        }
    }

    /** pg_ctl logrotate: the next message goes to the file log_filename names now (a new one if the name changed). */
    void requestRotation() {
        lock.lock();
        try {
            rotationRequested = true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected void append(ILoggingEvent event) {
        byte[] bytes = layout.doLayout(event).getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            Instant now = clock.instant();
            if (out == null) {
                open(now, false);
            } else if (rotationRequested) {
                rotationRequested = false;
                open(now, false);
            } else if ((nextRotation != null && !now.isBefore(nextRotation))) {
                open(now, truncateOnRotation);
            } else if (rotationSizeBytes > 0 && writtenBytes >= rotationSizeBytes) {
                open(now, false);
            }
            out.write(bytes);
            out.flush();
            writtenBytes += bytes.length;
        } catch (IOException e) {
            addError("could not write to log file \"" + currentFile + "\"", e);
        } finally {
            lock.unlock();
        }
    }

    private void open(Instant now, boolean truncate) throws IOException {
        closeStream();
        Files.createDirectories(directory);
        ZonedDateTime t = now.atZone(zone);
        Path file = directory.resolve(fileName(filenamePattern, t, extension));
        boolean created = !Files.exists(file);
        out = truncate && !file.equals(currentFile)
                ? Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)
                : Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (created) {
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(modeString(fileMode)));
            } catch (UnsupportedOperationException | IOException e) {
                addWarn("could not set permissions of log file " + file);
            }
        }
        currentFile = file;
        writtenBytes = Files.size(file);
        nextRotation = rotationAgeMs > 0 ? alignedNext(now, rotationAgeMs) : null;
    }

    /** The next multiple of the rotation age in log_timezone's local time, as syslogger.c computes it. */
    private Instant alignedNext(Instant now, long ageMs) {
        long offsetMs = zone.getRules().getOffset(now).getTotalSeconds() * 1000L;
        long local = now.toEpochMilli() + offsetMs;
        long next = (local / ageMs + 1) * ageMs;
        return Instant.ofEpochMilli(next - offsetMs).plus(Duration.ZERO);
    }

    static String modeString(int mode) {
        String rwx = "rwxrwxrwx";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            s.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return s.toString();
    }

    private void closeStream() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                addWarn("could not close log file " + currentFile);
            }
            out = null;
        }
    }

    @Override
    public void stop() {
        lock.lock();
        try {
            closeStream();
        } finally {
            lock.unlock();
        }
        super.stop();
    }
}
