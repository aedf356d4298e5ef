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
    private final long segmentSizeBytes;
    private Lsn nextLsn;
    private Lsn expectedPrev;
    private Status status = Status.OK;
    private String endReason;

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
    }

    /**
     * Reads segment files of {@code tli} from now on, falling back to older timelines' files
     * for segments that have none on it (a standby following a new timeline).
     */
    public void setTimeline(TimelineId tli) {
        files.setTimeline(tli);
    }

    public TimelineId timeline() {
        return files.timeline();
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
        byte[] header = new byte[WalRecord.HEADER_SIZE];
        if (!readFully(at, header)) {
            return null;
        }
        WalRecord.Header h = WalRecord.Header.parse(header, 0);
        if (h.totalLength() < WalRecord.HEADER_SIZE) {
            return invalid("invalid record length at %s: wanted %d, got %d", at, WalRecord.HEADER_SIZE,
                    h.totalLength());
        }
        if (h.totalLength() > WalRecord.MAX_RECORD_BYTES) {
            return invalid("record length %d at %s too long", Integer.toUnsignedLong(h.totalLength()), at);
        }
        if (RmgrId.fromId(h.rmgrId()) == null) {
            return invalid("invalid resource manager ID %d at %s", h.rmgrId(), at);
        }
        boolean prevOk = expectedPrev.isValid() ? h.prevLsn().equals(expectedPrev) : h.prevLsn().isBefore(at);
        if (!prevOk) {
            return invalid("record with incorrect prev-link %s at %s", h.prevLsn(), at);
        }
        if (Long.compareUnsigned(at.value() + h.totalLength(), limit.value()) > 0) {
            return notYet();
        }
        byte[] whole = new byte[h.totalLength()];
        if (!readFully(at, whole)) {
            return null;
        }
        if (WalRecord.crc(whole, 0, whole.length) != h.crc()) {
            return invalid("incorrect resource manager data checksum in record at %s", at);
        }
        WalRecord record = WalRecord.decode(at, whole, 0);
        nextLsn = XactRecords.isSwitch(record)
                ? new Lsn((record.endLsn().value() + segmentSizeBytes - 1) / segmentSizeBytes * segmentSizeBytes)
                : record.nextLsn();
        expectedPrev = at;
        status = Status.OK;
        return record;
    }

    private boolean readFully(Lsn at, byte[] dst) {
        try {
            int n = files.read(at.value(), dst, 0, dst.length);
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
        status = Status.NOT_YET_AVAILABLE;
        endReason = null;
        return null;
    }

    private WalRecord invalid(String format, Object... args) {
        status = Status.INVALID;
        endReason = String.format(format, args);
        return null;
    }
}
