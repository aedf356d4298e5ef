package org.walden.wal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * Formats WAL records one per line as pg_waldump does, for {@code walden waldump}:
 * <pre>
 * rmgr: KV          len (rec/tot):     54/    54, tx:        735, lsn: 0/0155B8D0, prev 0/0155B898, desc: PUT key 02...
 * </pre>
 */
public final class WalDump {

    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS 'UTC'").withZone(ZoneOffset.UTC);
    private static final int MAX_KEY_HEX_BYTES = 32;
    private static final int FIRST_RECORD_SEARCH_BYTES = 1 << 20;

    /** How a dump ended. {@code endReason} is null when {@code end} was reached. */
    public record Result(int records, Lsn nextLsn, String endReason) {
    }

    private WalDump() {
    }

    /**
     * Prints the records from {@code start} (the first valid record at or after it; null for the
     * start of the oldest segment in the directory) up to {@code end} (exclusive; null for the
     * end of valid WAL).
     */
    public static Result dump(Path walDir, long segmentSizeBytes, Lsn start, Lsn end, PrintStream out) {
        if (start == null) {
            java.util.List<Path> segs = WalSegments.list(walDir);
            if (segs.isEmpty()) {
                return new Result(0, Lsn.INVALID, "no WAL segment files found in \"" + walDir + "\"");
            }
            start = WalSegments.segmentStart(WalSegments.segmentNo(segs.get(0).getFileName().toString(),
                    segmentSizeBytes), segmentSizeBytes);
        }
        TimelineId tli = newestTimelineFor(walDir, start.segmentNo(segmentSizeBytes), segmentSizeBytes);
        WalReader reader = new WalReader(walDir, segmentSizeBytes, tli);
        Lsn first = findFirstRecord(reader, start);
        if (first == null) {
            return new Result(0, start, "could not find a valid record after " + start);
        }
        if (!first.equals(start)) {
            long skipped = first.minus(start);
            out.printf("first record is after %s, at %s, skipping over %d bytes%n", start, first, skipped);
        }
        reader.beginRead(first, Lsn.INVALID);
        int n = 0;
        while (end == null || reader.nextLsn().isBefore(end)) {
            WalRecord r = reader.readNext();
            if (r == null) {
                return new Result(n, reader.nextLsn(),
                        "error in WAL record at " + reader.lastRecordLsn() + ": " + reader.endReason());
            }
            out.println(format(r));
            n++;
        }
        return new Result(n, reader.nextLsn(), null);
    }

    private static Lsn findFirstRecord(WalReader reader, Lsn start) {
        long from = WalRecord.align(start.value());
        for (long at = from; at < from + FIRST_RECORD_SEARCH_BYTES; at += WalRecord.ALIGNMENT) {
            reader.beginRead(new Lsn(at), Lsn.INVALID);
            if (reader.readNext() != null) {
                return new Lsn(at);
            }
        }
        return null;
    }

    private static TimelineId newestTimelineFor(Path walDir, long segNo, long segmentSizeBytes) {
        TimelineId best = TimelineId.FIRST;
        for (Path p : WalSegments.list(walDir)) {
            String name = p.getFileName().toString();
            if (WalSegments.segmentNo(name, segmentSizeBytes) == segNo) {
                TimelineId t = WalSegments.timeline(name);
                if (t.compareTo(best) > 0) {
                    best = t;
                }
            }
        }
        return best;
    }

    /** One pg_waldump-style line. */
    public static String format(WalRecord r) {
        return String.format("rmgr: %-11s len (rec/tot): %6d/%6d, tx: %10d, lsn: %s, prev %s, desc: %s",
                r.rmgr().displayName(), r.totalLength(), r.totalLength(), Integer.toUnsignedLong(r.xid()),
                padded(r.lsn()), padded(r.prevLsn()), describe(r));
    }

    private static String padded(Lsn lsn) {
        return String.format("%X/%08X", lsn.value() >>> 32, lsn.value() & 0xFFFFFFFFL);
    }

    /** The desc column: record type and its main fields. */
    public static String describe(WalRecord r) {
        return switch (r.rmgr()) {
            case XLOG -> describeXlog(r);
            case XACT -> switch (r.info()) {
                case RmgrId.XACT_COMMIT -> "COMMIT " + TS.format(micros(XactRecords.commitTimeMicros(r)));
                case RmgrId.XACT_PREPARE -> "PREPARE gid " + XactRecords.Prepare.decode(r).gid() + ": "
                        + TS.format(micros(XactRecords.Prepare.decode(r).preparedAtMicros()));
                case RmgrId.XACT_COMMIT_PREPARED -> "COMMIT_PREPARED " + Integer.toUnsignedLong(r.xid()) + ": "
                        + TS.format(micros(XactRecords.commitTimeMicros(r)));
                case RmgrId.XACT_ABORT_PREPARED -> "ABORT_PREPARED " + Integer.toUnsignedLong(r.xid()) + ": "
                        + TS.format(micros(XactRecords.commitTimeMicros(r)));
                default -> XactRecords.xactTimeMicros(r) == 0 ? "ABORT"
                        : "ABORT " + TS.format(micros(XactRecords.xactTimeMicros(r)));
            };
            case TBLSPC -> TablespaceRecords.describe(r);
            case KV -> {
                if (KvBulk.isBulk(r)) {
                    yield KvBulk.describe(r);
                }
                KvChange c = KvChange.decode(r);
                String key = hex(c.key());
                yield c.isDelete()
                        ? String.format("DELETE key %s before %s", key, c.before() == null ? "none" : c.before().length + " bytes")
                        : String.format("PUT key %s after %d bytes before %s", key, c.after().length,
                        c.before() == null ? "none" : c.before().length + " bytes");
            }
        };
    }

    private static String describeXlog(WalRecord r) {
        if (CheckPoint.isCheckPoint(r)) {
            CheckPoint cp = CheckPoint.decode(r.payload());
            return String.format("%s redo %s; tli %s; prev tli %s; next xid %d; time %s",
                    r.info() == RmgrId.XLOG_CHECKPOINT_SHUTDOWN ? "CHECKPOINT_SHUTDOWN" : "CHECKPOINT_ONLINE",
                    cp.redo(), cp.timeline(), cp.prevTimeline(), cp.nextXid(),
                    TS.format(Instant.ofEpochSecond(cp.timeEpochSeconds())));
        }
        return switch (r.info()) {
            case RmgrId.XLOG_SWITCH -> "SWITCH";
            case RmgrId.XLOG_NOOP -> "NOOP";
            case RmgrId.XLOG_BACKUP_END -> "BACKUP_END " + XactRecords.backupEndStart(r);
            case RmgrId.XLOG_RESTORE_POINT -> "RESTORE_POINT " + XactRecords.restorePointName(r);
            case RmgrId.XLOG_END_OF_RECOVERY -> {
                XactRecords.EndOfRecovery e = XactRecords.EndOfRecovery.decode(r);
                yield String.format("END_OF_RECOVERY tli %s; prev tli %s; time %s", e.timeline(), e.prevTimeline(),
                        TS.format(micros(e.timeMicros())));
            }
            default -> String.format("UNKNOWN (%02X)", r.info());
        };
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    private static String hex(byte[] key) {
        if (key.length <= MAX_KEY_HEX_BYTES) {
            return HexFormat.of().formatHex(key);
        }
        return HexFormat.of().formatHex(key, 0, MAX_KEY_HEX_BYTES) + "...";
    }
}
