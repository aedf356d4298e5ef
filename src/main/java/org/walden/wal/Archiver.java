package org.walden.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAL archiver: PostgreSQL's pgarch process, one thread per server with archive_mode on
 * (or always).
 *
 * <p>Life story. The server assembly creates it after the engine opened the WAL, registers
 * {@link #notifySegmentFinished} as the WAL's segment-finished listener (called by the flush
 * leader once a segment is complete and durable) and starts {@link #run} on its own thread.
 * A finished segment is announced by an empty {@code pg_wal/archive_status/SEGMENT.ready}
 * file (PostgreSQL's XLogArchiveNotify), which survives a crash: on start the archiver simply
 * finds every {@code .ready} file left over. For each, oldest first and timeline history files
 * before segments (as pgarch_readyXlog prefers them), it runs archive_command through
 * {@code /bin/sh -c} in the data directory with {@code %p} (the file's path relative to the
 * data directory), {@code %f} (its name) and {@code %%} replaced. Exit status 0 renames
 * {@code .ready} to {@code .done}; anything else is logged as PostgreSQL logs it
 * ("archive command failed with exit code N" with DETAIL "The failed archive command was:
 * ...") and retried {@link #NUM_ARCHIVE_RETRIES} times, {@code retryDelayMs} apart, after which
 * the archiver waits {@code failedWaitMs} (PostgreSQL: 60 s) or until woken.
 *
 * <p>Other threads talk to it through {@link #notifySegmentFinished}, {@link #notifyReady}
 * (timeline history files), {@link #minKeepLsn} (the checkpointer: a segment whose
 * {@code .ready} is still there must not be removed), {@link #stats} (pg_stat_archiver) and
 * {@link #requestShutdown}. archive_timeout: when WAL was written and no segment was finished
 * for that long, the archiver asks the WAL to switch segments (pg_switch_wal).
 *
 * <p>State: the statistics and the shutdown flag, guarded by {@code lock}, which pairs with
 * {@code wakeup} (signalled on a new {@code .ready} and on shutdown). The archive_status
 * directory itself is the queue; it is bounded by the WAL on disk.
 *
 * <p>Shutdown handshake: the server stops it after the engine's shutdown checkpoint;
 * {@link #requestShutdown} sets the flag and signals; {@link #run} finishes the command it is
 * running (a command running longer than {@code commandTimeoutMs} is destroyed and counted as
 * failed), makes one last pass over the {@code .ready} files (one attempt each, as
 * PostgreSQL's last cycle), then returns; the caller joins the thread (bounded). What is still
 * {@code .ready} then is archived after the next start.
 */
public final class Archiver implements Runnable {

    /** PostgreSQL's NUM_ARCHIVE_RETRIES: attempts in a row before waiting {@code failedWaitMs}. */
    public static final int NUM_ARCHIVE_RETRIES = 3;
    /** PostgreSQL sleeps one second between the attempts of one round. */
    public static final long DEFAULT_RETRY_DELAY_MS = 1_000;
    /** PostgreSQL's PGARCH_AUTOWAKE_INTERVAL: the wait after a failed round, and the idle poll. */
    public static final long DEFAULT_FAILED_WAIT_MS = 60_000;
    /** An archive_command running longer than this is destroyed and counted as a failure. */
    public static final long DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;

    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);
    private static final String READY = ".ready";
    private static final String DONE = ".done";

    /**
     * @param archiveCommand  the shell command; empty means archiving is "on" but nothing is run
     *                        (PostgreSQL then leaves .ready files and warns)
     * @param archiveTimeoutMs archive_timeout; 0 disables forced switches
     */
    public record Config(String archiveCommand, long archiveTimeoutMs, long retryDelayMs, long failedWaitMs,
                         long commandTimeoutMs) {
        public static Config of(String archiveCommand, long archiveTimeoutMs) {
            return new Config(archiveCommand, archiveTimeoutMs, DEFAULT_RETRY_DELAY_MS, DEFAULT_FAILED_WAIT_MS,
                    DEFAULT_COMMAND_TIMEOUT_MS);
        }
    }

    /** pg_stat_archiver's row; null fields are NULL. */
    public record Stats(long archivedCount, String lastArchivedWal, Instant lastArchivedTime, long failedCount,
                        String lastFailedWal, Instant lastFailedTime, Instant statsReset) {
    }

    /** What archive_timeout needs of the WAL (the primary's {@link Wal}; absent on a standby). */
    public interface SegmentSwitcher {
        Lsn insertPosition();

        Lsn switchSegment();
    }

    private final Path dataDir;
    private final Path statusDir;
    private final long segmentSizeBytes;
    private final Clock clock;
    /** The primary's WAL for archive_timeout; null on a standby. Set once the WAL is open for writing. */
    private volatile SegmentSwitcher switcher;
    private volatile Config config;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeup = lock.newCondition();
    private boolean shutdownRequested;
    private boolean notified;
    private long archivedCount;
    private String lastArchivedWal;
    private Instant lastArchivedTime;
    private long failedCount;
    private String lastFailedWal;
    private Instant lastFailedTime;
    private Instant statsReset;
    /** When a segment was last finished (archive_timeout counts from here); guarded by lock. */
    private Instant lastSwitchTime;
    /** The insert position right after that switch; guarded by lock. */
    private Lsn lastSwitchLsn = Lsn.INVALID;

    /** A standby's archiver (archive_mode always), or a primary's before {@link #setSegmentSwitcher}. */
    public Archiver(Path dataDir, long segmentSizeBytes, Config config, Clock clock) {
        this(dataDir, segmentSizeBytes, config, clock, null);
    }

    /**
     * @param switcher the WAL to switch on archive_timeout, or null (a standby with archive_mode
     *                 always: it archives what it receives and never switches)
     */
    public Archiver(Path dataDir, long segmentSizeBytes, Config config, Clock clock, SegmentSwitcher switcher) {
        this.dataDir = dataDir;
        this.statusDir = dataDir.resolve("pg_wal").resolve("archive_status");
        this.segmentSizeBytes = segmentSizeBytes;
        this.config = config;
        this.clock = clock;
        this.switcher = switcher;
        this.statsReset = clock.instant();
        this.lastSwitchTime = clock.instant();
        try {
            Files.createDirectories(statusDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The WAL archive_timeout switches, once this server writes one (start as a primary, promotion). */
    public void setSegmentSwitcher(SegmentSwitcher s) {
        this.switcher = s;
    }

    /** archive_command or archive_timeout changed (SIGHUP). */
    public void setConfig(Config newConfig) {
        this.config = newConfig;
        wake();
    }

    /**
     * The WAL's segment-finished listener: writes {@code SEGMENT.ready} and wakes the archiver.
     * Runs on the flush leader under the WAL's flush lock: one small file create, no command.
     */
    public void notifySegmentFinished(TimelineId timeline, long segNo) {
        notifyReady(WalSegments.fileName(timeline, segNo, segmentSizeBytes));
        lock.lock();
        try {
            lastSwitchTime = clock.instant();
            lastSwitchLsn = WalSegments.segmentStart(segNo + 1, segmentSizeBytes);
        } finally {
            lock.unlock();
        }
    }

    /** Marks {@code pg_wal/fileName} (a segment or a timeline history file) for archiving. */
    public void notifyReady(String fileName) {
        markReady(statusDir.getParent(), fileName);
        wake();
    }

    /**
     * XLogArchiveNotify without a running archiver: {@code archive_status/NAME.ready} (unless it
     * was archived already); an archiver started later finds it.
     */
    public static void markReady(Path walDir, String fileName) {
        Path status = walDir.resolve("archive_status");
        Path ready = status.resolve(fileName + READY);
        try {
            Files.createDirectories(status);
            if (!Files.exists(status.resolve(fileName + DONE))) {
                Files.write(ready, new byte[0]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not create archive status file \"" + ready + "\"", e);
        }
    }

    /** XLogArchiveIsReadyOrDone: {@code fileName} is marked for archiving, or archived. */
    public static boolean isReadyOrDone(Path walDir, String fileName) {
        Path status = walDir.resolve("archive_status");
        return Files.exists(status.resolve(fileName + READY)) || Files.exists(status.resolve(fileName + DONE));
    }

    /** XLogArchiveCleanup: forgets {@code fileName}'s archive status files. */
    public static void cleanupStatus(Path walDir, String fileName) throws IOException {
        Path status = walDir.resolve("archive_status");
        Files.deleteIfExists(status.resolve(fileName + READY));
        Files.deleteIfExists(status.resolve(fileName + DONE));
    }

    /**
     * The start of the oldest segment still waiting to be archived, or {@link Lsn#INVALID} when
     * none is: the checkpointer must not remove it or anything after it (XLogArchiveCheckDone).
     */
    public Lsn minKeepLsn() {
        long min = Long.MAX_VALUE;
        for (String name : readyFiles()) {
            if (WalSegments.isSegmentFileName(name)) {
                min = Math.min(min, WalSegments.segmentNo(name, segmentSizeBytes));
            }
        }
        return min == Long.MAX_VALUE ? Lsn.INVALID : WalSegments.segmentStart(min, segmentSizeBytes);
    }

    /** pg_stat_reset_shared('archiver'): the counters start again from zero, stats_reset now. */
    public void resetStats() {
        lock.lock();
        try {
            archivedCount = 0;
            lastArchivedWal = null;
            lastArchivedTime = null;
            failedCount = 0;
            lastFailedWal = null;
            lastFailedTime = null;
            statsReset = clock.instant();
        } finally {
            lock.unlock();
        }
    }

    /** pg_stat_archiver. */
    public Stats stats() {
        lock.lock();
        try {
            return new Stats(archivedCount, lastArchivedWal, lastArchivedTime, failedCount, lastFailedWal,
                    lastFailedTime, statsReset);
        } finally {
            lock.unlock();
        }
    }

    public void requestShutdown() {
        lock.lock();
        try {
            shutdownRequested = true;
            wakeup.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void wake() {
        lock.lock();
        try {
            notified = true;
            wakeup.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private boolean shuttingDown() {
        lock.lock();
        try {
            return shutdownRequested;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void run() {
        LOG.debug("archiver started");
        while (!shuttingDown()) {
            boolean allArchived = archiveAllReady();
            checkArchiveTimeout();
            long waitMs = allArchived ? idleWaitMs() : config.failedWaitMs();
            sleep(waitMs, true);
        }
        finalPass();
        LOG.debug("archiver shut down");
    }

    private long idleWaitMs() {
        long timeoutMs = config.archiveTimeoutMs();
        return timeoutMs > 0 ? Math.min(config.failedWaitMs(), Math.max(10, timeoutMs / 4)) : config.failedWaitMs();
    }

    /**
     * As PostgreSQL's archiver does one last cycle when the postmaster stops it: each file
     * still .ready gets one attempt (no retry, no wait), stopping at the first failure; what
     * remains is archived after the next start.
     */
    void finalPass() {
        Config c = config;
        if (c.archiveCommand() == null || c.archiveCommand().isBlank()) {
            return;
        }
        for (String name : readyFiles()) {
            if (!archiveOne(c, name)) {
                return;
            }
        }
    }

    /**
     * Waits up to {@code ms}, or less when asked to shut down or, with {@code wakeOnNotify}, when
     * notified (a new .ready file or a reload); the retry pause between attempts leaves the
     * notification for the idle wait that follows, so a reload during a failing round is not lost.
     */
    private void sleep(long ms, boolean wakeOnNotify) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        lock.lock();
        try {
            while (!(wakeOnNotify && notified) && !shutdownRequested) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wakeup.awaitNanos(left);
            }
            if (wakeOnNotify) {
                notified = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdownRequested = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * One pass over the .ready files (pgarch_ArchiverCopyLoop); returns false when a file failed
     * {@link #NUM_ARCHIVE_RETRIES} times in a row (the caller then waits before the next round).
     */
    boolean archiveAllReady() {
        List<String> ready = readyFiles();
        if (config.archiveCommand() == null || config.archiveCommand().isBlank()) {
            if (ready.isEmpty()) {
                return true;
            }
            LOG.warn("archive_mode enabled, yet archiving is not configured");
            return false;
        }
        for (String name : ready) {
            boolean archived = false;
            for (int attempt = 1; attempt <= NUM_ARCHIVE_RETRIES && !archived; attempt++) {
                Config c = config; // each attempt runs the command as configured now (reloads)
                if (shuttingDown() || c.archiveCommand() == null || c.archiveCommand().isBlank()) {
                    return true;
                }
                archived = archiveOne(c, name);
                if (!archived && attempt < NUM_ARCHIVE_RETRIES) {
                    sleep(c.retryDelayMs(), false);
                }
            }
            if (!archived) {
                LOG.warn("archiving write-ahead log file \"{}\" failed too many times, will try again later", name);
                return false;
            }
        }
        return true;
    }

    private boolean archiveOne(Config c, String name) {
        String command = substitute(c.archiveCommand(), "pg_wal/" + name, name);
        int exit = runCommand(command, c.commandTimeoutMs());
        Instant now = clock.instant();
        lock.lock();
        try {
            if (exit == 0) {
                archivedCount++;
                lastArchivedWal = name;
                lastArchivedTime = now;
            } else {
                failedCount++;
                lastFailedWal = name;
                lastFailedTime = now;
            }
        } finally {
            lock.unlock();
        }
        if (exit != 0) {
            // PostgreSQL reports an exit status at LOG, a command killed by a signal at FATAL
            LOG.atInfo().setMessage(exit < 0 ? "archive command was terminated by a timeout"
                            : "archive command failed with exit code " + exit)
                    .addKeyValue("detail", "The failed archive command was: " + command).log();
            return false;
        }
        try {
            Files.move(statusDir.resolve(name + READY), statusDir.resolve(name + DONE),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("could not rename archive status file for \"{}\": {}", name, e.getMessage());
        }
        LOG.debug("archived write-ahead log file \"{}\"", name);
        return true;
    }

    /** Runs {@code command} through /bin/sh in the data directory; its exit status, -1 on a timeout. */
    private int runCommand(String command, long timeoutMs) {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).directory(dataDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        try {
            Process p = pb.start();
            if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            LOG.warn("could not execute archive command \"{}\": {}", command, e.getMessage());
            return 127;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * PostgreSQL's archive_command / restore_command substitution: {@code %p} → {@code path},
     * {@code %f} → {@code fileName}, {@code %r} → {@code restartFile} (when not null),
     * {@code %%} → {@code %}; any other {@code %x} is left as it is.
     */
    public static String substitute(String command, String path, String fileName, String restartFile) {
        StringBuilder out = new StringBuilder(command.length() + 64);
        for (int i = 0; i < command.length(); i++) {
            char ch = command.charAt(i);
            if (ch == '%' && i + 1 < command.length()) {
                char next = command.charAt(i + 1);
                String repl = switch (next) {
                    case 'p' -> path;
                    case 'f' -> fileName;
                    case 'r' -> restartFile;
                    case '%' -> "%";
                    default -> null;
                };
                if (repl != null) {
                    out.append(repl);
                    i++;
                    continue;
                }
            }
            out.append(ch);
        }
        return out.toString();
    }

    static String substitute(String command, String path, String fileName) {
        return substitute(command, path, fileName, null);
    }

    /** The names (without .ready) waiting, history files first, then segments in WAL order. */
    List<String> readyFiles() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(statusDir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(READY))
                    .map(n -> n.substring(0, n.length() - READY.length())).forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparing((String n) -> !n.endsWith(".history"))
                .thenComparing(n -> WalSegments.isSegmentFileName(n) ? n.substring(8) : n)
                .thenComparing(n -> n));
        return out;
    }

    /** archive_timeout: switch segments when WAL was written since the last switch and it has been that long. */
    void checkArchiveTimeout() {
        long timeoutMs = config.archiveTimeoutMs();
        SegmentSwitcher switcher = this.switcher;
        if (timeoutMs <= 0 || switcher == null) {
            return;
        }
        Instant since;
        Lsn switchedAt;
        lock.lock();
        try {
            since = lastSwitchTime;
            switchedAt = lastSwitchLsn;
        } finally {
            lock.unlock();
        }
        if (clock.millis() - since.toEpochMilli() < timeoutMs) {
            return;
        }
        Lsn insert = switcher.insertPosition();
        if (insert.segmentOffset(segmentSizeBytes) != 0 && insert.isAfter(switchedAt)) {
            switcher.switchSegment();
            LOG.debug("archive_timeout: switched WAL segment at {}", insert);
        }
        lock.lock();
        try {
            lastSwitchTime = clock.instant();
        } finally {
            lock.unlock();
        }
    }
}
