package org.walden.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The payload of an XLOG checkpoint record (PostgreSQL's CheckPoint struct, the part Walden
 * needs): where redo starts, the timeline, the next xid, when.
 *
 * <pre>
 *  0  8  redo LSN
 *  8  4  timeline
 * 12  4  previous timeline
 * 16  4  next xid
 * 20  8  time (seconds since the Unix epoch)
 * </pre>
 */
public record CheckPoint(Lsn redo, TimelineId timeline, TimelineId prevTimeline, int nextXid, long timeEpochSeconds) {

    private static final int SIZE = 28;

    public WalRecord toRecord(boolean shutdown) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(redo.value()).putInt(timeline.value()).putInt(prevTimeline.value()).putInt(nextXid)
                .putLong(timeEpochSeconds);
        return WalRecord.of(0, RmgrId.XLOG,
                shutdown ? RmgrId.XLOG_CHECKPOINT_SHUTDOWN : RmgrId.XLOG_CHECKPOINT_ONLINE, b.array());
    }

    public static CheckPoint decode(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        return new CheckPoint(new Lsn(b.getLong()), new TimelineId(b.getInt()), new TimelineId(b.getInt()),
                b.getInt(), b.getLong());
    }

    public static boolean isCheckPoint(WalRecord r) {
        return r.rmgr() == RmgrId.XLOG
                && (r.info() == RmgrId.XLOG_CHECKPOINT_SHUTDOWN || r.info() == RmgrId.XLOG_CHECKPOINT_ONLINE);
    }
}
