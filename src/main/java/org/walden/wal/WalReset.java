package org.walden.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * The WAL side of {@code walden resetwal} (pg_resetwal's FindEndOfXLOG, RewriteControlFile,
 * KillExistingXLOG, KillExistingArchiveStatus and WriteEmptyXLOG): where the new WAL starts, and
 * the reset itself, which leaves pg_wal holding one segment whose first record is a shutdown
 * checkpoint, and pg_control pointing at it in state "shut down".
 *
 * <p>Walden's WAL has no page headers, so the checkpoint record (and its redo point) sits at the
 * very start of the segment, where PostgreSQL's sits after the long page header.
 *
 * <p>Order, chosen so that an interrupted reset never leaves a cluster that cannot start: the new
 * segment (beyond every existing one) is written and fsynced first, then pg_control is replaced
 * atomically, then the old segments and their archive status files are removed. Before the
 * rename the old pg_control and the old WAL still agree (the new segment lies past a gap and is
 * deleted by crash recovery's truncation); after it the new pg_control finds its checkpoint.
 */
public final class WalReset {

    private static final Pattern PARTIAL = Pattern.compile("[0-9A-F]{24}\\.partial");
    private static final Pattern ARCHIVE_STATUS =
            Pattern.compile("[0-9A-F]{24}(\\.partial)?\\.(ready|done)");

    private WalReset() {
    }

    /**
     * FindEndOfXLOG: the first segment number, counted in {@code newSegmentSizeBytes} units, that
     * lies past the redo point and past every segment file (and .partial file) in {@code walDir},
     * of any timeline, numbered in {@code oldSegmentSizeBytes} units.
     */
    public static long firstSegmentAfterExistingWal(Path walDir, Lsn redo, long oldSegmentSizeBytes,
                                                    long newSegmentSizeBytes) {
        long last = redo.segmentNo(oldSegmentSizeBytes);
        for (Path p : walFiles(walDir)) {
            long segNo = WalSegments.segmentNo(p.getFileName().toString().substring(0, 24), oldSegmentSizeBytes);
            last = Math.max(last, segNo);
        }
        long endBytes = last * oldSegmentSizeBytes;
        return (endBytes + oldSegmentSizeBytes - 1) / newSegmentSizeBytes + 1;
    }

    /**
     * The reset: pg_control from {@code base} with its checkpoint (and redo point) at the start
     * of segment {@code newSegNo}, the checkpoint time now, state shut down, the minimum recovery
     * point and backup fields cleared; that segment written with the shutdown checkpoint record;
     * every other segment file and archive status file removed. Returns the new pg_control.
     */
    public static ControlFile.Data reset(Path dataDir, ControlFile.Data base, long newSegNo, Clock clock) {
        long segSize = base.walSegmentSizeBytes();
        Lsn start = WalSegments.segmentStart(newSegNo, segSize);
        long now = clock.instant().getEpochSecond();
        CheckPoint cp = new CheckPoint(start, base.timeline(), base.prevTimeline(), base.nextXid(), now);
        ControlFile.Data next = base.withCheckPoint(start, cp).withState(DbState.SHUTDOWNED).withTime(now)
                .withMinRecoveryPoint(Lsn.INVALID, TimelineId.FIRST).withBackup(Lsn.INVALID, Lsn.INVALID, false);
        Path walDir = dataDir.resolve("pg_wal");
        String keep = WalSegments.fileName(base.timeline(), newSegNo, segSize);
        deleteIfExists(walDir.resolve(keep));
        writeEmptyWal(walDir, segSize, cp, start);
        ControlFile.create(dataDir, next, clock);
        removeExistingWal(walDir, keep);
        removeArchiveStatus(walDir.resolve("archive_status"));
        return next;
    }

    /** WriteEmptyXLOG: a new segment whose first record is the shutdown checkpoint, flushed. */
    private static void writeEmptyWal(Path walDir, long segSize, CheckPoint cp, Lsn start) {
        Wal wal = new Wal(walDir, segSize, cp.timeline(), start, Lsn.INVALID, Wal.Options.defaults());
        Wal.Inserted ins = wal.insert(cp.toRecord(true));
        wal.close(true);
        if (!ins.firstLsn().equals(start)) {
            throw new IllegalStateException("the checkpoint record landed at " + ins.firstLsn() + ", not " + start);
        }
    }

    /** KillExistingXLOG: every segment and .partial file but {@code keep}. */
    private static void removeExistingWal(Path walDir, String keep) {
        for (Path p : walFiles(walDir)) {
            if (!p.getFileName().toString().equals(keep)) {
                delete(p);
            }
        }
    }

    /** KillExistingArchiveStatus: the .ready and .done files of segments and .partial files. */
    private static void removeArchiveStatus(Path archiveStatusDir) {
        for (Path p : list(archiveStatusDir)) {
            if (ARCHIVE_STATUS.matcher(p.getFileName().toString()).matches()) {
                delete(p);
            }
        }
    }

    private static List<Path> walFiles(Path walDir) {
        List<Path> out = new ArrayList<>();
        for (Path p : list(walDir)) {
            String name = p.getFileName().toString();
            if (WalSegments.isSegmentFileName(name) || PARTIAL.matcher(name).matches()) {
                out.add(p);
            }
        }
        return out;
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not open directory \"" + dir + "\": " + reason(e), e);
        }
    }

    private static void delete(Path p) {
        try {
            Files.delete(p);
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not delete file \"" + p + "\": " + reason(e), e);
        }
    }

    private static void deleteIfExists(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not delete file \"" + p + "\": " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "No such file or directory" : e.getMessage();
    }
}
