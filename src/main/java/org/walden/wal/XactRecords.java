package org.walden.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * XACT and small XLOG payloads. COMMIT and ABORT carry their time (int64 microseconds since
 * the Unix epoch; an ABORT logged before times were added carries nothing); BACKUP_END carries
 * the backup's start (redo) LSN; RESTORE_POINT its time and name (UTF-8); END_OF_RECOVERY its
 * time, the new timeline and the one before it.
 */
public final class XactRecords {

    private XactRecords() {
    }

    public static WalRecord commit(int xid, long commitTimeMicros) {
        byte[] p = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(commitTimeMicros).array();
        return WalRecord.of(xid, RmgrId.XACT, RmgrId.XACT_COMMIT, p);
    }

    public static WalRecord abort(int xid, long abortTimeMicros) {
        byte[] p = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(abortTimeMicros).array();
        return WalRecord.of(xid, RmgrId.XACT, RmgrId.XACT_ABORT, p);
    }

    public static long commitTimeMicros(WalRecord commit) {
        return ByteBuffer.wrap(commit.payload()).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** A COMMIT's or ABORT's time in microseconds since the Unix epoch; 0 when the record carries none. */
    public static long xactTimeMicros(WalRecord r) {
        return r.payload().length >= 8 ? commitTimeMicros(r) : 0;
    }

    public static boolean isAbort(WalRecord r) {
        return r.rmgr() == RmgrId.XACT && r.info() == RmgrId.XACT_ABORT;
    }

    public static boolean isCommit(WalRecord r) {
        return r.rmgr() == RmgrId.XACT && r.info() == RmgrId.XACT_COMMIT;
    }

    public static WalRecord backupEnd(Lsn backupStart) {
        byte[] p = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(backupStart.value()).array();
        return WalRecord.of(0, RmgrId.XLOG, RmgrId.XLOG_BACKUP_END, p);
    }

    public static Lsn backupEndStart(WalRecord r) {
        return new Lsn(ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN).getLong());
    }

    /** XLOG SWITCH: the rest of its segment is unused; the next record starts the next segment. */
    public static WalRecord switchRecord() {
        return WalRecord.of(0, RmgrId.XLOG, RmgrId.XLOG_SWITCH, new byte[0]);
    }

    public static boolean isSwitch(WalRecord r) {
        return r.rmgr() == RmgrId.XLOG && r.info() == RmgrId.XLOG_SWITCH;
    }

    /** pg_create_restore_point(name): a named point, with its time. */
    public static WalRecord restorePoint(String name, long timeMicros) {
        byte[] n = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] p = ByteBuffer.allocate(8 + n.length).order(ByteOrder.LITTLE_ENDIAN).putLong(timeMicros).put(n).array();
        return WalRecord.of(0, RmgrId.XLOG, RmgrId.XLOG_RESTORE_POINT, p);
    }

    public static boolean isRestorePoint(WalRecord r) {
        return r.rmgr() == RmgrId.XLOG && r.info() == RmgrId.XLOG_RESTORE_POINT;
    }

    public static String restorePointName(WalRecord r) {
        return new String(r.payload(), 8, r.payload().length - 8, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The time of a RESTORE_POINT record (its first 8 bytes, as COMMIT's). */
    public static long restorePointTimeMicros(WalRecord r) {
        return commitTimeMicros(r);
    }

    /** PostgreSQL's xl_end_of_recovery: when, the timeline that begins here, the one that ended. */
    public record EndOfRecovery(long timeMicros, TimelineId timeline, TimelineId prevTimeline) {
        public WalRecord toRecord() {
            byte[] p = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(timeMicros)
                    .putInt(timeline.value()).putInt(prevTimeline.value()).array();
            return WalRecord.of(0, RmgrId.XLOG, RmgrId.XLOG_END_OF_RECOVERY, p);
        }

        public static EndOfRecovery decode(WalRecord r) {
            ByteBuffer b = ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN);
            return new EndOfRecovery(b.getLong(), new TimelineId(b.getInt()), new TimelineId(b.getInt()));
        }

        public static boolean is(WalRecord r) {
            return r.rmgr() == RmgrId.XLOG && r.info() == RmgrId.XLOG_END_OF_RECOVERY;
        }
    }

    public static WalRecord noop() {
        return WalRecord.of(0, RmgrId.XLOG, RmgrId.XLOG_NOOP, new byte[0]);
    }
}
