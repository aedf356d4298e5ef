package org.walden.recovery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.Invariants;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;
import org.walden.wal.RestoreCommand;
import org.walden.wal.SegmentTimelines;
import org.walden.wal.TimelineId;

/**
 * Timelines, in one place (PostgreSQL's timeline.c): the history files in pg_wal
 * ({@code 00000002.history}, one {@code parentTLI<TAB>switchpoint<TAB>reason} line per
 * ancestor, in PostgreSQL's format), what they say ({@link History}: which timeline holds an
 * LSN, where a timeline ended, which segment file to read, where two histories fork), and the
 * choices made from them: the next timeline ID at promotion ({@link #findNewest}, over pg_wal
 * and, in archive recovery, the archive), the file written then ({@link #createHistory}), the
 * ones fetched from a primary ({@link #saveFetched}).
 *
 * <p>Used by the startup process (recovery target timeline, following a new timeline,
 * promotion), the walsender (TIMELINE_HISTORY, START_REPLICATION on a historic timeline), the
 * walreceiver's sink and the reader of every WAL file. Files are written durably (temp file,
 * fsync, rename, directory fsync); the class holds no other state than the restore_command
 * used in archive recovery, so any thread may call it.
 */
public final class Timelines {

    /** WAL in {@code [begin, end)} belongs to {@code tli}; {@code end} is INVALID for the newest timeline. */
    public record Entry(TimelineId tli, Lsn begin, Lsn end) {

        /** True when {@code lsn} lies on this timeline's stretch of the history. */
        public boolean holds(Lsn lsn) {
            return !lsn.isBefore(begin) && (!end.isValid() || lsn.isBefore(end));
        }
    }

    /**
     * A timeline's history, oldest timeline first and the timeline itself last (PostgreSQL's
     * readTimeLineHistory, in reverse order). As a {@link SegmentTimelines} it tells readers which
     * timeline's file holds a segment: the newest timeline that had begun by the segment and had
     * not ended before the position read.
     */
    public record History(List<Entry> entries) implements SegmentTimelines {

        public History {
            entries = List.copyOf(entries);
            Invariants.check(!entries.isEmpty(), "a history holds at least its own timeline");
        }

        /** Timeline 1's history: no ancestors. */
        public static History root(TimelineId tli) {
            return new History(List.of(new Entry(tli, Lsn.INVALID, Lsn.INVALID)));
        }

        /**
         * Parses {@code target}'s history file content (null: no file, so no ancestors). Blank
         * lines and {@code #} comments are skipped, as PostgreSQL does; malformed lines are FATAL
         * in its words.
         */
        public static History parse(TimelineId target, String content) {
            List<Entry> entries = new ArrayList<>();
            Lsn prevEnd = Lsn.INVALID;
            int lastTli = 0;
            if (content != null) {
                for (String line : content.split("\n", -1)) {
                    String t = line.strip();
                    if (t.isEmpty() || t.startsWith("#")) {
                        continue;
                    }
                    String[] fields = t.split("\\s+");
                    int tli;
                    try {
                        tli = Integer.parseUnsignedInt(fields[0]);
                    } catch (NumberFormatException e) {
                        throw PgException.fatal(SqlState.DATA_CORRUPTED, "syntax error in history file: " + line)
                                .withHint("Expected a numeric timeline ID.");
                    }
                    Lsn end;
                    try {
                        end = fields.length >= 2 ? Lsn.parse(fields[1]) : null;
                    } catch (RuntimeException e) {
                        end = null;
                    }
                    if (end == null) {
                        throw PgException.fatal(SqlState.DATA_CORRUPTED, "syntax error in history file: " + line)
                                .withHint("Expected a write-ahead log switchpoint location.");
                    }
                    if (!entries.isEmpty() && Integer.compareUnsigned(tli, lastTli) <= 0) {
                        throw PgException.fatal(SqlState.DATA_CORRUPTED, "invalid data in history file: " + line)
                                .withHint("Timeline IDs must be in increasing sequence.");
                    }
                    lastTli = tli;
                    entries.add(new Entry(new TimelineId(tli), prevEnd, end));
                    prevEnd = end;
                }
            }
            if (!entries.isEmpty() && Integer.compareUnsigned(target.value(), lastTli) <= 0) {
                throw PgException.fatal(SqlState.DATA_CORRUPTED,
                                "invalid data in history file \"" + target.historyFileName() + "\"")
                        .withHint("Timeline IDs must be less than child timeline's ID.");
            }
            entries.add(new Entry(target, prevEnd, Lsn.INVALID));
            return new History(entries);
        }

        /** The timeline this is the history of. */
        public TimelineId target() {
            return entries.get(entries.size() - 1).tli();
        }

        /** The entry of {@code tli}, or null when it is not in this history. */
        public Entry entry(TimelineId tli) {
            for (Entry e : entries) {
                if (e.tli().equals(tli)) {
                    return e;
                }
            }
            return null;
        }

        public boolean contains(TimelineId tli) {
            return entry(tli) != null;
        }

        /**
         * tliSwitchPoint: where {@code tli} ended in this history (INVALID for the target
         * itself), or null when {@code tli} is not in it.
         */
        public Lsn switchPoint(TimelineId tli) {
            Entry e = entry(tli);
            return e == null ? null : e.end();
        }

        /** The timeline that followed {@code tli} here (null for the target or a stranger). */
        public TimelineId successor(TimelineId tli) {
            for (int k = 0; k + 1 < entries.size(); k++) {
                if (entries.get(k).tli().equals(tli)) {
                    return entries.get(k + 1).tli();
                }
            }
            return null;
        }

        /** tliOfPointInHistory: the timeline whose stretch holds {@code lsn}. */
        public TimelineId timelineOf(Lsn lsn) {
            for (Entry e : entries) {
                if (e.end().isValid() && lsn.isBefore(e.end())) {
                    return e.tli();
                }
            }
            return target();
        }

        /**
         * True when WAL up to {@code lsn} on {@code tli} is part of this history: {@code tli} is
         * in it and had not ended before {@code lsn} (a point exactly at its end is on it).
         */
        public boolean includes(TimelineId tli, Lsn lsn) {
            Entry e = entry(tli);
            return e != null && (!e.end().isValid() || !lsn.isAfter(e.end()));
        }

        @Override
        public List<TimelineId> candidates(long segNo, long segmentSizeBytes, Lsn at) {
            List<TimelineId> out = new ArrayList<>(entries.size());
            for (int k = entries.size() - 1; k >= 0; k--) {
                Entry e = entries.get(k);
                boolean begun = e.begin().segmentNo(segmentSizeBytes) <= segNo;
                if (begun && (!e.end().isValid() || at.isBefore(e.end()))) {
                    out.add(e.tli());
                }
            }
            return out;
        }

        /**
         * Where the WAL of two histories stops being the same (pg_rewind's common ancestor):
         * the end of the newest timeline both share, or the earlier of their two ends there.
         * Null when they share no timeline.
         */
        public static Lsn divergence(History a, History b) {
            Lsn point = null;
            for (Entry ea : a.entries()) {
                Entry eb = b.entry(ea.tli());
                if (eb == null || !ea.begin().equals(eb.begin())) {
                    break;
                }
                point = !ea.end().isValid() ? eb.end() : !eb.end().isValid() ? ea.end() : Lsn.min(ea.end(), eb.end());
            }
            return point;
        }
    }

    private final Path walDir;
    /** restore_command in archive recovery (history files are looked for in the archive first); else null. */
    private volatile RestoreCommand archive;

    public Timelines(Path walDir) {
        this.walDir = walDir;
    }

    /** Archive recovery: history files are restored from the archive first (null: pg_wal only). */
    public void setArchive(RestoreCommand restoreCommand) {
        this.archive = restoreCommand;
    }

    /**
     * The content of {@code tli}'s history file, or null when there is none (timeline 1 never
     * has one). In archive recovery the archive's copy is restored into pg_wal first.
     */
    public String readFile(TimelineId tli) {
        if (tli.value() == 1) {
            return null;
        }
        RestoreCommand a = archive;
        if (a != null) {
            a.restoreFile(tli.historyFileName(), tli.historyFileName());
        }
        return localFile(tli);
    }

    /**
     * {@code tli}'s history file in pg_wal only (a walsender's TIMELINE_HISTORY, the
     * walreceiver's "is it here?"), or null.
     */
    public String localFile(TimelineId tli) {
        if (tli.value() == 1) {
            return null;
        }
        try {
            return Files.readString(walDir.resolve(tli.historyFileName()), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not open file \"" + walDir.resolve(tli.historyFileName())
                    + "\": " + e.getMessage());
        }
    }

    /** readTimeLineHistory: {@code tli}'s history (only itself when it has no file). */
    public History history(TimelineId tli) {
        return History.parse(tli, readFile(tli));
    }

    /** existsTimeLineHistory. */
    public boolean exists(TimelineId tli) {
        return readFile(tli) != null;
    }

    /** findNewestTimeLine: the highest timeline above {@code start} with a history file, in a row. */
    public TimelineId findNewest(TimelineId start) {
        TimelineId newest = start;
        for (TimelineId probe = start.next(); exists(probe); probe = probe.next()) {
            newest = probe;
        }
        return newest;
    }

    /**
     * writeTimeLineHistory: {@code newTli}'s history file, its parent's content followed by the
     * line "parent TAB switchpoint TAB reason", written durably. Returns the file name.
     */
    public String createHistory(TimelineId newTli, TimelineId parentTli, Lsn switchPoint, String reason) {
        Invariants.check(newTli.compareTo(parentTli) > 0, "a new timeline is above its parent");
        String parent = readFile(parentTli);
        String content = (parent == null ? "" : parent + "\n") + parentTli.value() + "\t" + switchPoint + "\t"
                + reason + "\n";
        writeDurably(newTli.historyFileName(), content);
        return newTli.historyFileName();
    }

    /** writeTimeLineHistoryFile: a history file fetched from a primary with TIMELINE_HISTORY. */
    public void saveFetched(TimelineId tli, String content) {
        writeDurably(tli.historyFileName(), content);
    }

    private void writeDurably(String name, String content) {
        Path target = walDir.resolve(name);
        Path tmp = walDir.resolve(name + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(walDir, StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            Invariants.panic("could not write file \"" + target + "\": " + e.getMessage(), e);
        }
    }
}
