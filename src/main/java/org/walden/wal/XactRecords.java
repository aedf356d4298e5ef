package org.walden.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * XACT and small XLOG payloads. COMMIT carries the commit time (int64 microseconds since the
 * Unix epoch); ABORT carries nothing; BACKUP_END carries the backup's start (redo) LSN.
 */
public final class XactRecords {

    private XactRecords() {
    }

    public static WalRecord commit(int xid, long commitTimeMicros) {
        byte[] p = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(commitTimeMicros).array();
        return WalRecord.of(xid, RmgrId.XACT, RmgrId.XACT_COMMIT, p);
    }

    public static WalRecord abort(int xid) {
        return WalRecord.of(xid, RmgrId.XACT, RmgrId.XACT_ABORT, new byte[0]);
    }

    public static long commitTimeMicros(WalRecord commit) {
        return ByteBuffer.wrap(commit.payload()).order(ByteOrder.LITTLE_ENDIAN).getLong();
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

    public static WalRecord noop() {
        return WalRecord.of(0, RmgrId.XLOG, RmgrId.XLOG_NOOP, new byte[0]);
    }
}
