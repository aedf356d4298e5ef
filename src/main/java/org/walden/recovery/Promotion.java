package org.walden.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.wal.Archiver;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.Lsn;
import org.walden.wal.SwitchSegment;
import org.walden.wal.TimelineId;
import org.walden.wal.Wal;
import org.walden.wal.WalSegments;
import org.walden.wal.XactRecords;

/**
 * The end of archive recovery, done while the server runs (PostgreSQL's StartupXLOG after
 * PerformWalRecovery, in promotion mode): a new timeline for the WAL to come.
 *
 * <ol>
 *   <li>choose the next timeline ID, one above every timeline found in pg_wal and the archive
 *       ("selected new timeline ID: N");</li>
 *   <li>make the segment holding the end of the log exist on the new timeline with exactly the
 *       WAL before that end (XLogInitNewTimeline, see {@link SwitchSegment});</li>
 *   <li>remove standby.signal and recovery.signal (a PostgreSQL 10 style recovery.conf becomes
 *       recovery.done), so a restart does not enter recovery again;</li>
 *   <li>write the new timeline's history file (parent, switch point, reason) and have it
 *       archived ("archive recovery complete");</li>
 *   <li>open the WAL for insertion on the new timeline and write the end-of-recovery record;</li>
 *   <li>pg_control: "in production" on the new timeline;</li>
 *   <li>drop the old timeline's segments past the switch (CleanupAfterArchiveRecovery).</li>
 * </ol>
 * The engine then enables writes, starts the walwriter and asks for a checkpoint; after that,
 * off the critical path, {@link Promoted#archivePartial} archives the old timeline's last segment
 * as {@code .partial}. Runs on the startup thread; stateless.
 */
final class Promotion {

    private static final Logger LOG = LoggerFactory.getLogger(Promotion.class);
    static final String STANDBY_SIGNAL = "standby.signal";
    static final String RECOVERY_SIGNAL = "recovery.signal";
    static final String RECOVERY_CONF = "recovery.conf";
    static final String RECOVERY_DONE = "recovery.done";

    private Promotion() {
    }

    /** Everything promotion reads and writes. */
    record Context(Path dataDir, ControlFile controlFile, Timelines timelines, EngineOptions options) {
        Path walDir() {
            return dataDir.resolve(Engine.WAL_DIR);
        }

        long segmentSizeBytes() {
            return controlFile.get().walSegmentSizeBytes();
        }
    }

    /**
     * What promotion leaves for the engine: the WAL open on the new timeline, its history, and
     * the switch segment, whose old name goes before the first write ({@link SwitchSegment#releaseOldName}).
     */
    record Promoted(Wal wal, Timelines.History history, SwitchSegment switchSegment, Path walDir, long segmentSizeBytes,
                    TimelineId endOfLogTli, Lsn endOfLog, boolean archiving) {

        /**
         * With archiving, once the new primary runs: the old timeline's last segment, which ends
         * at the switch point, is archived as {@code NAME.partial} — unless it was already marked
         * for archiving or archived (then it is complete and goes as it is).
         */
        void archivePartial() {
            if (switchSegment == null || !archiving) {
                return;
            }
            long endSegNo = endOfLog.segmentNo(segmentSizeBytes);
            String original = WalSegments.fileName(endOfLogTli, endSegNo, segmentSizeBytes);
            if (Archiver.isReadyOrDone(walDir, original)) {
                return;
            }
            String partial = original + ".partial";
            try {
                Archiver.cleanupStatus(walDir, partial);
                switchSegment.writePartial(walDir.resolve(partial));
            } catch (IOException e) {
                LOG.warn("could not write file \"{}\": {}", partial, e.getMessage());
                return;
            }
            Archiver.markReady(walDir, partial);
        }
    }

    /** Performs the steps above; returns the WAL open for insertion on the new timeline. */
    static Promoted promote(Startup.EndOfRecovery end, Context ctx) {
        Timelines.History oldHistory = end.history();
        Lsn endOfLog = end.endOfLog();
        TimelineId endOfLogTli = oldHistory.timelineOf(endOfLog.isValid() ? new Lsn(endOfLog.value() - 1) : endOfLog);
        TimelineId newTli = ctx.timelines().findNewest(end.recoveryTargetTli()).next();
        LOG.info("selected new timeline ID: {}", newTli);
        long seg = ctx.segmentSizeBytes();
        boolean fsync = ctx.options().fsync();
        SwitchSegment switchSegment = SwitchSegment.create(ctx.walDir(), seg, oldHistory, newTli, endOfLog, fsync);
        removeSignalFiles(ctx.dataDir());
        // its durable rename in pg_wal makes the switch segment's new name durable too
        String historyFile = ctx.timelines().createHistory(newTli, end.recoveryTargetTli(), endOfLog, end.reason());
        boolean archiving = ctx.options().recovery().archivingActive();
        if (archiving) {
            Archiver.markReady(ctx.walDir(), historyFile);
        }
        LOG.info("archive recovery complete");
        Timelines.History newHistory = ctx.timelines().history(newTli);
        EngineOptions o = ctx.options();
        Wal wal = new Wal(ctx.walDir(), seg, newTli, endOfLog, end.lastRecordLsn(),
                new Wal.Options(fsync, o.walBuffersBytes(), o.walKeepSizeBytes(), o.walKeepSegments()));
        wal.setReadTimelines(newHistory);
        Clock clock = o.clock();
        long nowMicros = TimeUnit.MILLISECONDS.toMicros(clock.millis());
        Wal.Inserted ins = wal.insert(new XactRecords.EndOfRecovery(nowMicros, newTli, endOfLogTli).toRecord());
        wal.flush(ins.endLsn());
        ctx.controlFile().update(d -> d.withState(DbState.IN_PRODUCTION).withTimeline(newTli, endOfLogTli)
                .withMinRecoveryPoint(Lsn.INVALID, newTli).withBackup(Lsn.INVALID, Lsn.INVALID, false));
        removeNonParentSegments(ctx.walDir(), seg, endOfLog, newTli);
        return new Promoted(wal, newHistory, switchSegment, ctx.walDir(), seg, endOfLogTli, endOfLog, archiving);
    }

    /** Signal files go before the history file is written (a crash from here on starts as a primary). */
    private static void removeSignalFiles(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(STANDBY_SIGNAL));
            Files.deleteIfExists(dataDir.resolve(RECOVERY_SIGNAL));
            if (Files.exists(dataDir.resolve(RECOVERY_CONF))) {
                Files.move(dataDir.resolve(RECOVERY_CONF), dataDir.resolve(RECOVERY_DONE),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not remove the recovery signal files", e);
        }
    }

    /**
     * RemoveNonParentXlogFiles: older timelines' segments after the one holding the switch point
     * are not part of the new history and go.
     */
    private static void removeNonParentSegments(Path walDir, long seg, Lsn endOfLog, TimelineId newTli) {
        long endSegNo = endOfLog.value() == 0 ? 0 : (endOfLog.value() - 1) / seg; // XLByteToPrevSeg
        for (Path p : WalSegments.list(walDir)) {
            String name = p.getFileName().toString();
            if (WalSegments.timeline(name).compareTo(newTli) < 0 && WalSegments.segmentNo(name, seg) > endSegNo) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("could not remove file \"{}\": {}", p, e.getMessage());
                }
            }
        }
    }
}
