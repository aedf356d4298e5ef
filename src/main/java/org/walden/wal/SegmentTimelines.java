package org.walden.wal;

import java.util.ArrayList;
import java.util.List;

/**
 * Which timelines' segment files may hold the WAL at a position, best first (PostgreSQL's
 * XLogFileReadAnyTLI over expectedTLEs). A server's history decides it: the segment in which a
 * timeline began exists on that timeline as a copy of its parent's WAL up to the switch point,
 * so the newest timeline that had begun by the segment wins; a timeline that ended before the
 * position is never asked, so WAL that diverged from this history after a switch point is never
 * read. Built by the recovery layer's timeline history; {@link #newestFirst} serves tools and
 * servers without a history file.
 */
@FunctionalInterface
public interface SegmentTimelines {

    /**
     * The timelines to look for segment {@code segNo}'s file on ({@code segmentSizeBytes} each),
     * best first, to read at {@code at} (a position within that segment).
     */
    List<TimelineId> candidates(long segNo, long segmentSizeBytes, Lsn at);

    /** {@code tli}, then every older timeline, newest first: no history known. */
    static SegmentTimelines newestFirst(TimelineId tli) {
        List<TimelineId> all = new ArrayList<>();
        for (int t = tli.value(); t >= 1; t--) {
            all.add(new TimelineId(t));
        }
        List<TimelineId> fixed = List.copyOf(all);
        return (segNo, segmentSizeBytes, at) -> fixed;
    }
}
