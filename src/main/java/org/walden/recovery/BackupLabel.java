package org.walden.recovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.WalSegments;

/**
 * The {@code backup_label} file a base backup carries, in PostgreSQL's format:
 * <pre>
 * START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
 * CHECKPOINT LOCATION: 0/2000060
 * BACKUP METHOD: streamed
 * BACKUP FROM: primary
 * START TIME: 2026-11-21 20:00:00 UTC
 * LABEL: pg_basebackup base backup
 * START TIMELINE: 1
 * </pre>
 * A server starting with it replays from START WAL LOCATION and is consistent only after
 * replaying the backup's end record — or, for a backup taken from a standby ("BACKUP FROM:
 * standby"), after replaying up to the minRecoveryPoint of the pg_control it came with.
 */
public record BackupLabel(Lsn startLsn, Lsn checkPointLsn, TimelineId timeline, Instant startTime, String label,
                          boolean fromStandby) {

    public static final String FILE_NAME = "backup_label";
    static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final Pattern START = Pattern.compile("^START WAL LOCATION: ([0-9A-Fa-f]+/[0-9A-Fa-f]+)", Pattern.MULTILINE);
    private static final Pattern CHECKPOINT = Pattern.compile("^CHECKPOINT LOCATION: ([0-9A-Fa-f]+/[0-9A-Fa-f]+)", Pattern.MULTILINE);
    private static final Pattern TLI = Pattern.compile("^START TIMELINE: (\\d+)", Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("^LABEL: (.*)$", Pattern.MULTILINE);
    private static final Pattern FROM = Pattern.compile("^BACKUP FROM: (\\w+)", Pattern.MULTILINE);

    public String format(long walSegmentSizeBytes) {
        return "START WAL LOCATION: " + startLsn + " (file "
                + WalSegments.fileName(timeline, startLsn.segmentNo(walSegmentSizeBytes), walSegmentSizeBytes) + ")\n"
                + "CHECKPOINT LOCATION: " + checkPointLsn + "\n"
                + "BACKUP METHOD: streamed\n"
                + "BACKUP FROM: " + (fromStandby ? "standby" : "primary") + "\n"
                + "START TIME: " + TIME.format(startTime) + "\n"
                + "LABEL: " + label + "\n"
                + "START TIMELINE: " + timeline + "\n";
    }

    public static BackupLabel parse(String text) {
        Matcher s = START.matcher(text);
        Matcher c = CHECKPOINT.matcher(text);
        if (!s.find() || !c.find()) {
            throw new PgException(SqlState.DATA_CORRUPTED, "invalid data in file \"" + FILE_NAME + "\"");
        }
        Matcher t = TLI.matcher(text);
        Matcher l = LABEL.matcher(text);
        Matcher f = FROM.matcher(text);
        return new BackupLabel(Lsn.parse(s.group(1)), Lsn.parse(c.group(1)),
                t.find() ? new TimelineId(Integer.parseInt(t.group(1))) : TimelineId.FIRST, Instant.EPOCH,
                l.find() ? l.group(1) : "", f.find() && f.group(1).equals("standby"));
    }

    /** Reads {@code DATA/backup_label}, or null when there is none. */
    public static BackupLabel read(Path dataDir) {
        Path p = dataDir.resolve(FILE_NAME);
        if (!Files.exists(p)) {
            return null;
        }
        try {
            return parse(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read file \"" + FILE_NAME + "\": " + e.getMessage(), e);
        }
    }
}
