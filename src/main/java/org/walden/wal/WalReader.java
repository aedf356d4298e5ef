package org.walden.wal;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads records one after another from segment files, as PostgreSQL's XLogReader: each record
 * is validated (length, resource manager, prev-link, then CRC-32C right after reading) before
 * it is returned. The end of WAL is the first record that fails a check; {@link #endReason()}
 * then says why in PostgreSQL's words.
 *
 * <p>A stale record left from an earlier use of the same bytes cannot pass: its prev-link does
 * not point at the record just read (or, for the first record read, lies not below it).
 *
 * <p>{@link #readNext} reads ahead: up to {@link #READ_AHEAD_BYTES} from the files at once, never
 * past the limit it was given (the flushed position: bytes below it do not change), kept only
 * while records read from them are valid; any other outcome, a new position or new timelines
 * drop it. A record then costs no system call.
 *
 * <p>The segment file being read stays open between reads ({@link WalReadCursor}) until the
 * reads move to another file or the file is removed; {@link #close} closes it.
 *
 * <p>Not thread-safe: one reader per consumer (startup process, waldump, a walsender).
 */
public final class WalReader {

    /** What the last {@link #readNext} found. */
    public enum Status {
        /** A valid record was returned. */
        OK,
        /** The next record reaches beyond the given limit: try again once more WAL is there. */
        NOT_YET_AVAILABLE,
        /** The next record is invalid: the end of valid WAL. */
        INVALID
    }

    private final SegmentFiles files;
    /** The segment file being read, kept open between reads. */
    private final WalReadCursor cursor = new WalReadCursor();
    private final long segmentSizeBytes;
    private Lsn nextLsn;
    private Lsn expectedPrev;
    private Status status = Status.OK;
    private String endReason;
    /** Read-ahead bytes of WAL from {@code aheadStart}; {@code aheadLength} 0 when there are none. */
    private final byte[] ahead = new byte[READ_AHEAD_BYTES];
    private long aheadStart;
    private int aheadLength;

    /** How much WAL {@link #readNext} reads from the files at once. */
    static final int READ_AHEAD_BYTES = 256 * 1024;

    public WalReader(Path walDir, long segmentSizeBytes, TimelineId timeline) {
        this.files = new SegmentFiles(walDir, segmentSizeBytes, timeline, false);
        this.segmentSizeBytes = segmentSizeBytes;
    }

    /**
     * Positions at {@code start}. {@code expectedPrev} is the LSN of the record before it when
     * known (then the prev-link must equal it), or INVALID (then it must lie below start).
     */
    public void beginRead(Lsn start, Lsn expectedPrev) {
        this.nextLsn = start;
        this.expectedPrev = expectedPrev;
        this.status = Status.OK;
        this.endReason = null;
        this.aheadLength = 0;
    }

    /**
     * Picks each segment's file by {@code history} from now on: the history of the timeline
     * recovery follows (a standby that moved to a new timeline reads the new one's files after
     * the switch point, and never an older timeline's WAL beyond its end).
     */
    public void setReadTimelines(SegmentTimelines history) {
        files.setReadTimelines(history);
        aheadLength = 0;
    }

    /**
     * The record that starts at {@code lsn}, checked as {@link #readNext} checks one (length,
     * resource manager, CRC) but for its prev-link, which it returns: walking back from a
     * record is following prev-links. Null when there is none (missing file, invalid bytes),
     * with {@link #endReason()} saying why. Does not move the forward position.
     */
    public WalRecord readAt(Lsn lsn) {
        byte[] header = new byte[WalRecord.HEADER_SIZE];
        if (!readFully(lsn, header)) {
            return null;
        }
        WalRecord.Header h = WalRecord.Header.parse(header, 0);
        if (h.totalLength() < WalRecord.HEADER_SIZE || h.totalLength() > WalRecord.MAX_RECORD_BYTES
                || RmgrId.fromId(h.rmgrId()) == null) {
            return invalid("invalid record at %s", lsn);
        }
        byte[] whole = new byte[h.totalLength()];
        if (!readFully(lsn, whole)) {
            return null;
        }
        if (WalRecord.crc(whole, 0, whole.length) != h.crc()) {
            return invalid("incorrect resource manager data checksum in record at %s", lsn);
        }
        return WalRecord.decode(lsn, whole, 0);
    }

    /** Keeps the last few segment files open between reads (for {@link #readAt} walks); {@link #close} them. */
    public void cacheReadChannels() {
        files.cacheReadChannels();
    }

    public void close() {
        cursor.close();
        files.closeAll();
    }

    /** Where the next record is expected (just past the last valid record read). */
    public Lsn nextLsn() {
        return nextLsn;
    }

    /** The LSN of the last record returned (or the expected prev given to beginRead). */
    public Lsn lastRecordLsn() {
        return expectedPrev;
    }

    public Status status() {
        return status;
    }

    /** Why reading stopped, e.g. "invalid record length at 0/3000060: wanted 24, got 0". */
    public String endReason() {
        return endReason;
    }

    /** Reads the next record with no limit but the files themselves; null at the end of WAL. */
    public WalRecord readNext() {
        return readNext(new Lsn(-1L));
    }

    /**
     * Reads the next record if it ends at or before {@code limit} (the flushed position);
     * null otherwise, with {@link #status()} telling whether to wait or give up.
     */
    public WalRecord readNext(Lsn limit) {
        Lsn at = nextLsn;
        if (Long.compareUnsigned(at.value() + WalRecord.HEADER_SIZE, limit.value()) > 0) {
            return notYet();
        }
        int headerAt = buffered(at, WalRecord.HEADER_SIZE, limit);
        if (headerAt < 0) {
            return null;
        }
        // the header's fields read in place (no Header, no Lsn until the record is valid): every
        // record of a standby's catch-up comes through here, much of it before the JIT has run
        int totalLength = WalRecord.intAt(ahead, headerAt);
        if (totalLength < WalRecord.HEADER_SIZE) {
            return invalid("invalid record length at %s: wanted %d, got %d", at, WalRecord.HEADER_SIZE,
                    totalLength);
        }
        if (totalLength > WalRecord.MAX_RECORD_BYTES) {
            return invalid("record length %d at %s too long", Integer.toUnsignedLong(totalLength), at);
        }
        int rmgrId = ahead[headerAt + WalRecord.RMGR_OFFSET] & 0xFF;
        RmgrId rmgr = RmgrId.fromId(rmgrId);
        if (rmgr == null) {
            return invalid("invalid resource manager ID %d at %s", rmgrId, at);
        }
        long prev = WalRecord.longAt(ahead, headerAt + WalRecord.PREV_OFFSET);
        boolean prevOk = expectedPrev.isValid() ? prev == expectedPrev.value()
                : Long.compareUnsigned(prev, at.value()) < 0;
        if (!prevOk) {
            return invalid("record with incorrect prev-link %s at %s", new Lsn(prev), at);
        }
        if (Long.compareUnsigned(at.value() + totalLength, limit.value()) > 0) {
            return notYet();
        }
        // decoded straight from the read-ahead bytes; only a record longer than they are gets its own array
        byte[] source = ahead;
        int recordAt;
        if (totalLength <= ahead.length) {
            recordAt = buffered(at, totalLength, limit);
            if (recordAt < 0) {
                return null;
            }
        } else {
            source = new byte[totalLength];
            recordAt = 0;
            aheadLength = 0;
            if (!readFully(at, source)) {
                return null;
            }
        }
        if (WalRecord.crc(source, recordAt, totalLength) != WalRecord.intAt(source, recordAt + WalRecord.CRC_OFFSET)) {
            return invalid("incorrect resource manager data checksum in record at %s", at);
        }
        WalRecord record = WalRecord.decode(at, prev, rmgr, source, recordAt, totalLength);
        long end = at.value() + totalLength;
        nextLsn = new Lsn(rmgr == RmgrId.XLOG && record.info() == RmgrId.XLOG_SWITCH
                ? (end + segmentSizeBytes - 1) / segmentSizeBytes * segmentSizeBytes
                : WalRecord.align(end));
        expectedPrev = at;
        status = Status.OK;
        return record;
    }

    /**
     * Makes sure the read-ahead bytes hold {@code [at, at + length)} ({@code length} at most
     * {@link #READ_AHEAD_BYTES}, within {@code limit}), reading up to {@link #READ_AHEAD_BYTES}
     * from {@code at} when they do not; returns where {@code at} is in {@link #ahead}, or -1
     * (then the reader is INVALID).
     */
    private int buffered(Lsn at, int length, Lsn limit) {
        long from = at.value();
        if (from < aheadStart || from + length > aheadStart + aheadLength) {
            long upToLimit = limit.value() - from; // unsigned: an unlimited read (-1) is huge
            int want = Long.compareUnsigned(upToLimit, ahead.length) < 0 ? (int) upToLimit : ahead.length;
            aheadStart = from;
            aheadLength = 0;
            try {
                aheadLength = files.read(cursor, null, from, ahead, 0, want);
            } catch (NoSuchFileException e) {
                invalid("could not open file \"pg_wal/%s\": No such file or directory", e.getFile());
                return -1;
            }
            if (aheadLength < length) {
                invalid("could not read WAL at %s: segment file %s is missing", at.plus(aheadLength),
                        WalSegments.fileName(files.timeline(), at.plus(aheadLength).segmentNo(segmentSize()),
                                segmentSize()));
                aheadLength = 0;
                return -1;
            }
        }
        return (int) (from - aheadStart);
    }

    private boolean readFully(Lsn at, byte[] dst) {
        try {
            int n = files.read(cursor, null, at.value(), dst, 0, dst.length);
            if (n < dst.length) {
                invalid("could not read WAL at %s: segment file %s is missing", at.plus(n),
                        WalSegments.fileName(files.timeline(), at.plus(n).segmentNo(segmentSize()), segmentSize()));
                return false;
            }
            return true;
        } catch (NoSuchFileException e) {
            invalid("could not open file \"pg_wal/%s\": No such file or directory", e.getFile());
            return false;
        }
    }

    private long segmentSize() {
        return segmentSizeBytes;
    }

    private WalRecord notYet() {
        aheadLength = 0;
        status = Status.NOT_YET_AVAILABLE;
        endReason = null;
        return null;
    }

    private WalRecord invalid(String format, Object... args) {
        aheadLength = 0;
        status = Status.INVALID;
        endReason = String.format(format, args);
        return null;
    }
}
