package org.walden.recovery;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;
import org.walden.common.PgException;
import org.walden.storage.Store;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.KvBulk;
import org.walden.wal.KvChange;
import org.walden.wal.Lsn;
import org.walden.wal.RestoreCommand;
import org.walden.wal.TimelineId;
import org.walden.wal.WalSegments;

/**
 * {@code walden rewind} (PostgreSQL's pg_rewind): brings a server whose history forked from a
 * source's — an old primary that kept writing after a standby was promoted — back to the fork
 * point, so that it can follow the source.
 *
 * <p>PostgreSQL copies every data block the target changed after the fork from the source and
 * needs the target's WAL back to the last common checkpoint to know which. Walden's WAL carries
 * the before-image of every row it changes, so the target undoes its own diverged transactions,
 * newest first, from its WAL alone ({@link RewindPlan}); only rows emptied by a DROP or TRUNCATE
 * after the fork, whose before-images are not in the WAL, are read from the source's storage
 * (READ_KEY_RANGE). When the target's WAL back to the last common checkpoint is not all there
 * (recycled, and not in the archive with {@code -c}), it copies the source's whole storage
 * instead — slower, never stuck — and says so.
 *
 * <p>Either way the target is left as a standby-to-be of the source: a backup_label ("BACKUP
 * METHOD: pg_rewind") and pg_control say redo starts at the fork point (or before it, at the
 * first record of a transaction still prepared at the fork, so that replay rebuilds it) and the target is
 * consistent only once it has replayed the source's WAL up to where the source was when the
 * rewind ended (minRecoveryPoint), so it never serves data that mixes two histories. With
 * {@code -R} it streams from the source.
 *
 * <p><b>Interruptions.</b> A marker file ({@value #MARKER_FILE}) is written durably before the
 * first change and says which phase the rewind is in; the server refuses to start while it
 * exists, and a second {@code walden rewind} completes the first: the undo is idempotent (the
 * target's WAL is kept until storage is rewound and flushed), the finishing steps are too, and a
 * copy is started over. The target's configuration files are kept, where pg_rewind copies the
 * source's over them. Tests crash a rewind at a named point with the environment variable
 * {@value #CRASH_AT_ENV} ({@code undo}: after the first batch of row changes undone;
 * {@code storage-done}: once storage is rewound; {@code finish}: after the diverged WAL is
 * removed), the way a kill -9 would, to prove each point resumable.
 */
public final class Rewind {

    /** The marker of a rewind under way, in the target's data directory. */
    public static final String MARKER_FILE = "rewind_in_progress";
    private static final String PROG = "pg_rewind: ";
    /** The fault-injection variable: the process halts at the point it names. */
    static final String CRASH_AT_ENV = "WALDEN_REWIND_CRASH_AT";

    /** What a rewind needs of its source: a running server, or a cleanly stopped data directory. */
    public interface Source extends AutoCloseable {
        long systemIdentifier();

        /** Its current timeline. */
        TimelineId timeline();

        /** Timeline {@code tli}'s history file, or null. */
        String historyFile(TimelineId tli);

        /** Where its WAL is now (a primary's flush position, a standby's received or replayed end). */
        Lsn currentLsn();

        /** Its rows with keys in [from, to) as it holds them now; returns the WAL position they reflect. */
        Lsn readKeyRange(byte[] from, byte[] to, BiConsumer<byte[], byte[]> sink) throws IOException;

        /**
         * A complete copy of its data directory (a base backup with its WAL) in {@code into}, for
         * a target that cannot undo; {@code progressKb} is told the kilobytes received.
         */
        void copyDataDirectory(Path into, LongConsumer progressKb) throws IOException;

        /**
         * Copies its WAL from the segment holding {@code from} to its end into {@code walDir} when
         * it can (a data directory); false when the target must stream it instead.
         */
        boolean copyWalFrom(Lsn from, Timelines.History history, Path walDir) throws IOException;

        /** The connection string a standby of it uses (-R), or null for a data directory. */
        String conninfo();

        @Override
        void close();
    }

    /** pg_rewind's options. */
    public record Options(Path target, boolean dryRun, boolean progress, boolean debug, boolean writeRecoveryConf,
                          boolean restoreTargetWal, boolean ensureShutdown, String restoreCommand) {
    }

    /** The phases the marker records. */
    enum Phase { UNDO, STORAGE_DONE, COPY }

    private final Options o;
    private final Source source;
    private final PrintStream err;

    public Rewind(Options options, Source source, PrintStream err) {
        this.o = options;
        this.source = source;
        this.err = err;
    }

    /** The whole rewind; 0 when done (or not needed), 1 after an error said why. */
    public int run() {
        try {
            return rewind();
        } catch (RewindError e) {
            err.println(PROG + "error: " + e.getMessage());
            if (e.detail != null) {
                err.println(PROG + "detail: " + e.detail);
            }
            return 1;
        } catch (PgException e) {
            err.println(PROG + "error: " + e.getMessage() + (e.detail() == null ? "" : "\n" + PROG + "detail: "
                    + e.detail()));
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println(PROG + "error: " + e.getMessage());
            return 1;
        }
    }

    /** A refusal in pg_rewind's words. */
    static final class RewindError extends RuntimeException {
        final String detail;

        RewindError(String message, String detail) {
            super(message);
            this.detail = detail;
        }
    }

    private int rewind() throws IOException {
        Path target = o.target();
        if (!Files.exists(target.resolve("PG_VERSION")) || !Files.exists(target.resolve(ControlFile.RELATIVE_PATH))) {
            throw new RewindError("\"" + target + "\" is not a valid data directory", null);
        }
        long runningPid = runningServerPid(target);
        if (runningPid > 0) {
            throw new RewindError("target server must be shut down cleanly",
                    "A server is running in \"" + target + "\" (PID " + runningPid + ").");
        }
        Phase interrupted = readMarker(target);
        if (interrupted != null) {
            info("a previous rewind of this data directory was interrupted (" + interrupted.name().toLowerCase()
                    + "); completing it");
        }
        ControlFile.Data cf = ControlFile.read(target.resolve(ControlFile.RELATIVE_PATH));
        if (interrupted == null && rewoundNotStarted(cf)) {
            return alreadyRewound(cf);
        }
        if (interrupted == null) {
            cf = ensureCleanShutdown(cf);
        }
        if (source.systemIdentifier() != cf.systemIdentifier()) {
            throw new RewindError("source and target clusters are from different systems", null);
        }
        if (source.conninfo() != null) {
            info("connected to server");
        }
        if (interrupted == Phase.COPY) {
            return copySourceStorage("the previous rewind was copying the source's storage");
        }
        Timelines targetTimelines = new Timelines(target.resolve(Engine.WAL_DIR));
        Timelines.History targetHistory = targetTimelines.history(cf.timeline());
        TimelineId sourceTli = source.timeline();
        Timelines.History sourceHistory = Timelines.History.parse(sourceTli, source.historyFile(sourceTli));
        debugHistory("Source", sourceHistory);
        debugHistory("Target", targetHistory);
        if (interrupted == Phase.STORAGE_DONE) {
            Lsn fork = Timelines.History.divergence(targetHistory, sourceHistory);
            Lsn[] marked = readMarkerLsns(target);
            return finish(cf, fork, targetHistory, sourceHistory, marked[0], marked[1], marked[2] != null ? marked[2] : fork);
        }
        if (sourceTli.equals(cf.timeline()) && sourceHistory.entries().size() == targetHistory.entries().size()) {
            info("source and target cluster are on the same timeline");
            info("no rewind required");
            return 0;
        }
        Lsn fork = Timelines.History.divergence(targetHistory, sourceHistory);
        if (fork == null || !fork.isValid()) {
            throw new RewindError("could not find common ancestor of the source and target cluster's timelines", null);
        }
        TimelineId forkTli = targetHistory.timelineOf(new Lsn(fork.value() - 1));
        info("servers diverged at WAL location " + fork + " on timeline " + forkTli);
        RestoreCommand restore = o.restoreTargetWal() && o.restoreCommand() != null && !o.restoreCommand().isBlank()
                ? new RestoreCommand(target, o.restoreCommand(), cf.walSegmentSizeBytes(),
                org.walden.wal.Archiver.DEFAULT_COMMAND_TIMEOUT_MS) : null;
        info("reading WAL in target");
        RewindPlan plan = RewindPlan.read(target.resolve(Engine.WAL_DIR), cf, targetHistory, fork, restore);
        if (plan.noRewindRequired()) {
            info("no rewind required");
            return 0;
        }
        if (plan.incompleteReason() != null) {
            return copySourceStorage(plan.incompleteReason());
        }
        info("rewinding from last common checkpoint at " + plan.lastCommonCheckpoint() + " on timeline "
                + targetHistory.timelineOf(plan.lastCommonCheckpoint()));
        info("undoing " + plan.transactionCount() + " transactions (" + plan.undoCount() + " row changes, "
                + plan.rangeCount() + " key ranges) with their before-images"
                + (plan.rangesToFetch().isEmpty() ? "" : "; " + plan.rangesToFetch().size()
                + " emptied key ranges read from the source"));
        if (o.dryRun()) {
            info("dry run: the target was not changed");
            return 0;
        }
        writeMarker(target, Phase.UNDO, Lsn.INVALID, Lsn.INVALID);
        Lsn fetched = undo(plan);
        Lsn consistentAt = Lsn.max(Lsn.max(fork, fetched), source.currentLsn());
        Lsn redoStart = plan.redoStart(fork);
        writeMarker(target, Phase.STORAGE_DONE, consistentAt, plan.recordBeforeRedoStart(), redoStart);
        crashPoint("storage-done");
        return finish(cf, fork, targetHistory, sourceHistory, consistentAt, plan.recordBeforeRedoStart(), redoStart);
    }

    /** A rewind finished here and the server has not been started since (it would have removed the label). */
    private boolean rewoundNotStarted(ControlFile.Data cf) throws IOException {
        Path label = o.target().resolve(BackupLabel.FILE_NAME);
        return cf.state() == DbState.IN_ARCHIVE_RECOVERY && Files.exists(label)
                && Files.readString(label).contains("BACKUP METHOD: pg_rewind");
    }

    /**
     * A second rewind of a rewound target: nothing to undo when the source's history holds the
     * timeline the target must replay to; with -R its settings are written.
     */
    private int alreadyRewound(ControlFile.Data cf) throws IOException {
        if (source.systemIdentifier() != cf.systemIdentifier()) {
            throw new RewindError("source and target clusters are from different systems", null);
        }
        TimelineId sourceTli = source.timeline();
        Timelines.History sourceHistory = Timelines.History.parse(sourceTli, source.historyFile(sourceTli));
        if (!sourceHistory.contains(cf.minRecoveryPointTimeline())) {
            throw new RewindError("target was rewound to follow timeline " + cf.minRecoveryPointTimeline()
                    + ", which is not in the source's history", "Start it once to follow the server it was rewound "
                    + "from, then rewind it again.");
        }
        info("target was rewound and has not been started since");
        info("no rewind required");
        if (!o.dryRun() && o.writeRecoveryConf() && !Files.exists(o.target().resolve("standby.signal"))) {
            finishCommon();
        }
        return 0;
    }

    /** PostgreSQL 13+'s ensureCleanShutdown: crash recovery of a target that was not stopped cleanly. */
    private ControlFile.Data ensureCleanShutdown(ControlFile.Data cf) {
        if (cf.state() == DbState.SHUTDOWNED || cf.state() == DbState.SHUTDOWNED_IN_RECOVERY) {
            return cf;
        }
        if (!o.ensureShutdown() || o.dryRun()) {
            throw new RewindError("target server must be shut down cleanly", null);
        }
        info("executing \"walden postgres --single\" for target server to complete crash recovery");
        Engine.open(o.target(), EngineOptions.defaults()).shutdown();
        return ControlFile.read(o.target().resolve(ControlFile.RELATIVE_PATH));
    }

    /** Applies the plan to the target's storage; returns the highest WAL position a fetched range reflects. */
    private Lsn undo(RewindPlan plan) throws IOException {
        Lsn fetched = Lsn.INVALID;
        long total = plan.undoCount();
        long[] done = {0};
        try (Store store = Store.open(o.target().resolve(Engine.BASE_DIR))) {
            plan.apply(store, n -> {
                done[0] += n;
                if (done[0] < total) {
                    crashPoint("undo");
                }
                progress(done[0] + "/" + total + " row changes undone (" + (total == 0 ? 100 : done[0] * 100 / total)
                        + "%)", done[0] == total);
            });
            for (KvBulk.Range r : plan.rangesToFetch()) {
                List<KvChange> rows = new ArrayList<>();
                Lsn at = source.readKeyRange(r.from(), r.to(), (k, v) -> rows.add(new KvChange(k, v, null)));
                store.deleteRange(r.from(), r.to());
                store.apply(rows);
                fetched = Lsn.max(fetched, at);
            }
            store.flush();
        }
        return fetched;
    }

    /**
     * The finishing steps, each idempotent: the source's history files, the target's WAL after
     * the fork removed, (from a data directory) the source's WAL copied in, backup_label and
     * pg_control, -R, the marker removed.
     */
    private int finish(ControlFile.Data cf, Lsn fork, Timelines.History targetHistory,
                       Timelines.History sourceHistory, Lsn consistentAt, Lsn recordBeforeRedo, Lsn redoStart)
            throws IOException {
        Path walDir = o.target().resolve(Engine.WAL_DIR);
        info("creating backup label and updating control file");
        installSourceHistory(walDir, sourceHistory, targetHistory);
        removeDivergedWal(walDir, cf.walSegmentSizeBytes(), targetHistory, fork);
        crashPoint("finish");
        if (source.copyWalFrom(fork, sourceHistory, walDir)) {
            debug("copied the source's WAL from " + fork);
        }
        // redo starts at the fork, or before it at the first record of a transaction prepared there
        TimelineId forkTli = targetHistory.timelineOf(new Lsn(redoStart.value() - 1));
        writeBackupLabel(redoStart, recordBeforeRedo, forkTli, cf.walSegmentSizeBytes());
        TimelineId endTli = sourceHistory.timelineOf(consistentAt);
        ControlFile control = ControlFile.open(o.target(), true, java.time.Clock.systemUTC());
        control.update(d -> d.withState(DbState.IN_ARCHIVE_RECOVERY)
                .withCheckPoint(recordBeforeRedo, new org.walden.wal.CheckPoint(redoStart, forkTli, forkTli, d.nextXid(),
                        d.checkPointTimeEpochSeconds()))
                .withMinRecoveryPoint(consistentAt, endTli).withBackup(Lsn.INVALID, Lsn.INVALID, false));
        finishCommon();
        return 0;
    }

    /** What both paths end with: -R, the marker gone, "Done!". */
    private void finishCommon() throws IOException {
        if (o.writeRecoveryConf() && source.conninfo() != null) {
            Files.writeString(o.target().resolve("standby.signal"), "");
            Files.writeString(o.target().resolve("postgresql.auto.conf"),
                    "primary_conninfo = '" + source.conninfo().replace("'", "''") + "'\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        info("syncing target data directory");
        Files.deleteIfExists(o.target().resolve(MARKER_FILE));
        info("Done!");
    }

    /**
     * The fallback: the source's whole data directory, as a base backup, replaces the target's
     * storage, WAL and pg_control; the target keeps its configuration files.
     */
    private int copySourceStorage(String why) throws IOException {
        info("copying the source's storage instead of undoing: " + why);
        if (o.dryRun()) {
            info("dry run: the target was not changed");
            return 0;
        }
        writeMarker(o.target(), Phase.COPY, Lsn.INVALID, Lsn.INVALID);
        Path copy = o.target().resolveSibling(o.target().getFileName() + ".rewind-copy");
        deleteTree(copy);
        source.copyDataDirectory(copy, kb -> progress(kb + " kB copied", false));
        progress("copy complete", true);
        for (String part : List.of(Engine.BASE_DIR, Engine.WAL_DIR, ControlFile.RELATIVE_PATH, BackupLabel.FILE_NAME)) {
            Path from = copy.resolve(part);
            Path to = o.target().resolve(part);
            deleteTree(to);
            if (Files.exists(from)) {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Files.deleteIfExists(o.target().resolve("standby.signal"));
        Files.deleteIfExists(o.target().resolve("recovery.signal"));
        deleteTree(copy);
        finishCommon();
        return 0;
    }

    private void installSourceHistory(Path walDir, Timelines.History source, Timelines.History target)
            throws IOException {
        Timelines timelines = new Timelines(walDir);
        for (Timelines.Entry e : source.entries()) {
            if (e.tli().value() > 1) {
                String content = this.source.historyFile(e.tli());
                if (content != null) {
                    timelines.saveFetched(e.tli(), content);
                }
            }
        }
        for (Timelines.Entry e : target.entries()) {
            if (!source.contains(e.tli())) {
                Files.deleteIfExists(walDir.resolve(e.tli().historyFileName()));
            }
        }
    }

    /**
     * The target's own WAL past the fork goes: its segments after the one holding the fork point,
     * and that one's bytes past it (the new history never reads them; a restart must not either).
     */
    private static void removeDivergedWal(Path walDir, long seg, Timelines.History target, Lsn fork)
            throws IOException {
        long forkSeg = fork.segmentNo(seg);
        for (Path p : WalSegments.list(walDir)) {
            String name = p.getFileName().toString();
            TimelineId tli = WalSegments.timeline(name);
            long segNo = WalSegments.segmentNo(name, seg);
            Timelines.Entry e = target.entry(tli);
            boolean diverged = e != null && (!e.end().isValid() || e.end().isAfter(fork));
            if (diverged && segNo > forkSeg) {
                Files.delete(p);
            } else if (diverged && segNo == forkSeg && fork.segmentOffset(seg) > 0) {
                zeroFrom(p, (int) fork.segmentOffset(seg), seg);
            } else if (diverged && segNo == forkSeg) {
                Files.delete(p);
            }
        }
    }

    private static void zeroFrom(Path file, int offset, long size) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(1 << 20);
            for (long at = offset; at < size; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
                at += ch.write(zeros, at);
            }
            ch.force(true);
        }
    }

    private void writeBackupLabel(Lsn fork, Lsn recordBefore, TimelineId tli, long seg) throws IOException {
        String label = "START WAL LOCATION: " + fork + " (file " + WalSegments.fileName(tli, fork.segmentNo(seg), seg)
                + ")\nCHECKPOINT LOCATION: " + recordBefore + "\nBACKUP METHOD: pg_rewind\nBACKUP FROM: standby\n"
                + "START TIME: " + BackupLabel.TIME.format(Instant.now()) + "\nLABEL: pg_rewind\nSTART TIMELINE: "
                + tli + "\n";
        Path tmp = o.target().resolve(BackupLabel.FILE_NAME + ".tmp");
        Files.writeString(tmp, label, StandardCharsets.UTF_8);
        Files.move(tmp, o.target().resolve(BackupLabel.FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    // ------------------------------------------------------------------ marker

    /**
     * Writes the marker durably: the phase, and for STORAGE_DONE the consistency point and the
     * record before the fork (the target's WAL past the fork may be gone on a second run).
     */
    static void writeMarker(Path target, Phase phase, Lsn lsn, Lsn recordBefore) throws IOException {
        writeMarker(target, phase, lsn, recordBefore, null);
    }

    /** As above, with where redo starts when that is before the fork (a prepared transaction's first record). */
    static void writeMarker(Path target, Phase phase, Lsn lsn, Lsn recordBefore, Lsn redoStart) throws IOException {
        Path tmp = target.resolve(MARKER_FILE + ".tmp");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap((phase.name() + " " + lsn + " " + recordBefore
                    + (redoStart == null ? "" : " " + redoStart) + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, target.resolve(MARKER_FILE), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        try (java.nio.channels.FileChannel dir = java.nio.channels.FileChannel.open(target, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static Phase readMarker(Path target) throws IOException {
        Path p = target.resolve(MARKER_FILE);
        if (!Files.exists(p)) {
            return null;
        }
        return Phase.valueOf(Files.readString(p).strip().split(" ")[0]);
    }

    private static Lsn[] readMarkerLsns(Path target) throws IOException {
        String[] parts = Files.readString(target.resolve(MARKER_FILE)).strip().split(" ");
        return new Lsn[] {Lsn.parse(parts[1]), Lsn.parse(parts[2]), parts.length > 3 ? Lsn.parse(parts[3]) : null};
    }

    /** The pid in postmaster.pid when that process is alive, else 0. */
    static long runningServerPid(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return 0;
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? pid : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ output

    private void info(String line) {
        err.println(PROG + line);
    }

    private void debug(String line) {
        if (o.debug()) {
            err.println(PROG + line);
        }
    }

    private void debugHistory(String which, Timelines.History h) {
        if (!o.debug()) {
            return;
        }
        info(which + " timeline history:");
        for (Timelines.Entry e : h.entries()) {
            info(e.tli() + ": " + e.begin() + " - " + e.end());
        }
    }

    /** Halts here, as a kill -9 would, when {@value #CRASH_AT_ENV} names this point. */
    private static void crashPoint(String name) {
        if (name.equals(System.getenv(CRASH_AT_ENV))) {
            Runtime.getRuntime().halt(137);
        }
    }

    private void progress(String line, boolean last) {
        if (o.progress()) {
            err.print("\r" + line + (last ? "\n" : ""));
            err.flush();
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
