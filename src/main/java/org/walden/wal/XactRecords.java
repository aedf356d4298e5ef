package org.walden.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * XACT and small XLOG payloads. COMMIT and ABORT carry their time (int64 microseconds since
 * the Unix epoch; an ABORT logged before times were added carries nothing), a COMMIT (and COMMIT
 * PREPARED) of a remote_apply transaction then an int32 of completion flags; BACKUP_END carries
 * the backup's start (redo) LSN; RESTORE_POINT its time and name (UTF-8); END_OF_RECOVERY its
 * time, the new timeline and the one before it. PREPARE carries what a prepared transaction
 * needs to be rebuilt after a restart or on a standby ({@link Prepare}); COMMIT PREPARED and
 * ABORT PREPARED carry their time, as COMMIT and ABORT do, under the prepared transaction's xid.
 */
public final class XactRecords {

    private XactRecords() {
    }

    public static WalRecord commit(int xid, long commitTimeMicros) {
        return commit(xid, commitTimeMicros, false);
    }

    /**
     * A COMMIT; {@code applyFeedback} (a synchronous_commit = remote_apply commit, as PostgreSQL's
     * XACT_COMPLETION_APPLY_FEEDBACK) asks a standby to tell its apply position as soon as it has
     * replayed the record: the payload then goes on with an int32 of completion flags.
     */
    public static WalRecord commit(int xid, long commitTimeMicros, boolean applyFeedback) {
        return WalRecord.of(xid, RmgrId.XACT, RmgrId.XACT_COMMIT, timeAndFlags(commitTimeMicros, applyFeedback));
    }

    /** A COMMIT's (or COMMIT PREPARED's) completion flag: the committer waits for the standbys' replay. */
    public static final int COMPLETION_APPLY_FEEDBACK = 1;

    /** Whether a COMMIT or COMMIT PREPARED asks standbys for their apply position once it is replayed. */
    public static boolean requestsApplyFeedback(WalRecord r) {
        return isCommit(r) && r.payload().length >= 12 && (intAt(r.payload(), 8) & COMPLETION_APPLY_FEEDBACK) != 0;
    }

    private static byte[] timeAndFlags(long micros, boolean applyFeedback) {
        ByteBuffer b = ByteBuffer.allocate(applyFeedback ? 12 : 8).order(ByteOrder.LITTLE_ENDIAN).putLong(micros);
        if (applyFeedback) {
            b.putInt(COMPLETION_APPLY_FEEDBACK);
        }
        return b.array();
    }

    public static WalRecord abort(int xid, long abortTimeMicros) {
        byte[] p = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(abortTimeMicros).array();
        return WalRecord.of(xid, RmgrId.XACT, RmgrId.XACT_ABORT, p);
    }

    public static long commitTimeMicros(WalRecord commit) {
        // plain shifts, not a ByteBuffer: redo reads every commit's time, often before the JIT has run
        byte[] p = commit.payload();
        return (intAt(p, 0) & 0xFFFFFFFFL) | (long) intAt(p, 4) << 32;
    }

    private static int intAt(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    /** A COMMIT's or ABORT's time in microseconds since the Unix epoch; 0 when the record carries none. */
    public static long xactTimeMicros(WalRecord r) {
        return r.payload().length >= 8 ? commitTimeMicros(r) : 0;
    }

    /** ABORT or ABORT PREPARED: the transaction's writes are dropped. */
    public static boolean isAbort(WalRecord r) {
        return r.rmgr() == RmgrId.XACT && (r.info() == RmgrId.XACT_ABORT || r.info() == RmgrId.XACT_ABORT_PREPARED);
    }

    /** COMMIT or COMMIT PREPARED: the transaction's writes take effect. */
    public static boolean isCommit(WalRecord r) {
        return r.rmgr() == RmgrId.XACT && (r.info() == RmgrId.XACT_COMMIT || r.info() == RmgrId.XACT_COMMIT_PREPARED);
    }

    public static boolean isPrepare(WalRecord r) {
        return r.rmgr() == RmgrId.XACT && r.info() == RmgrId.XACT_PREPARE;
    }

    public static WalRecord commitPrepared(int xid, long commitTimeMicros) {
        return commitPrepared(xid, commitTimeMicros, false);
    }

    /** As {@link #commit(int, long, boolean)}, for COMMIT PREPARED. */
    public static WalRecord commitPrepared(int xid, long commitTimeMicros, boolean applyFeedback) {
        return WalRecord.of(xid, RmgrId.XACT, RmgrId.XACT_COMMIT_PREPARED, timeAndFlags(commitTimeMicros, applyFeedback));
    }

    public static WalRecord abortPrepared(int xid, long abortTimeMicros) {
        byte[] p = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(abortTimeMicros).array();
        return WalRecord.of(xid, RmgrId.XACT, RmgrId.XACT_ABORT_PREPARED, p);
    }

    /**
     * A PREPARE record's payload (PostgreSQL's TwoPhaseFileHeader, without the changes, which are
     * the transaction's KV records before it): the global transaction id, when it was prepared,
     * its owner and database (OIDs), the relation locks it holds (OID and a mask of lock modes)
     * and the keys of the rows it holds locked.
     *
     * <pre>
     *  int64 preparedAtMicros, int32 ownerOid, int32 databaseOid,
     *  int32 gid length, gid (UTF-8),
     *  int32 relation lock count, (int32 oid, int32 mode mask) each,
     *  int32 row lock count, (int32 length, key bytes) each
     * </pre>
     */
    public record Prepare(String gid, long preparedAtMicros, int ownerOid, int databaseOid,
                          java.util.Map<Integer, Integer> relationLocks, java.util.List<byte[]> rowLocks) {

        public WalRecord toRecord(int xid) {
            byte[] g = gid.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int size = 8 + 4 + 4 + 4 + g.length + 4 + relationLocks.size() * 8 + 4;
            for (byte[] k : rowLocks) {
                size += 4 + k.length;
            }
            ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(preparedAtMicros).putInt(ownerOid).putInt(databaseOid).putInt(g.length).put(g);
            b.putInt(relationLocks.size());
            for (java.util.Map.Entry<Integer, Integer> e : relationLocks.entrySet()) {
                b.putInt(e.getKey()).putInt(e.getValue());
            }
            b.putInt(rowLocks.size());
            for (byte[] k : rowLocks) {
                b.putInt(k.length).put(k);
            }
            return WalRecord.of(xid, RmgrId.XACT, RmgrId.XACT_PREPARE, b.array());
        }

        public static Prepare decode(WalRecord r) {
            ByteBuffer b = ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN);
            long at = b.getLong();
            int owner = b.getInt();
            int database = b.getInt();
            byte[] g = new byte[b.getInt()];
            b.get(g);
            int relations = b.getInt();
            java.util.Map<Integer, Integer> locks = new java.util.LinkedHashMap<>();
            for (int i = 0; i < relations; i++) {
                locks.put(b.getInt(), b.getInt());
            }
            int rows = b.getInt();
            java.util.List<byte[]> keys = new java.util.ArrayList<>(rows);
            for (int i = 0; i < rows; i++) {
                byte[] k = new byte[b.getInt()];
                b.get(k);
                keys.add(k);
            }
            return new Prepare(new String(g, java.nio.charset.StandardCharsets.UTF_8), at, owner, database, locks, keys);
        }
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
