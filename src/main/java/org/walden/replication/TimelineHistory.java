package org.walden.replication;

import java.util.ArrayList;
import java.util.List;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * A timeline history file's entries (PostgreSQL's timeline.c format): one line per ancestor,
 * {@code parentTLI<TAB>switchpoint<TAB>reason}; blank lines and {@code #} comments ignored.
 */
public record TimelineHistory(List<Entry> entries) {

    /** Timeline {@code timeline} ended at {@code switchPoint} (exclusive). */
    public record Entry(TimelineId timeline, Lsn switchPoint) {
    }

    public static TimelineHistory parse(String content) {
        List<Entry> entries = new ArrayList<>();
        if (content != null) {
            for (String line : content.split("\n")) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] parts = t.split("\\s+");
                if (parts.length < 2) {
                    continue;
                }
                entries.add(new Entry(new TimelineId(Integer.parseInt(parts[0])), Lsn.parse(parts[1])));
            }
        }
        return new TimelineHistory(List.copyOf(entries));
    }

    /** Where {@code timeline} ended (its switch point), or null when it is not an ancestor here. */
    public Lsn switchPointOf(TimelineId timeline) {
        for (Entry e : entries) {
            if (e.timeline().equals(timeline)) {
                return e.switchPoint();
            }
        }
        return null;
    }

    /** The timeline after {@code timeline} in this history (the next one, or {@code current}). */
    public TimelineId successorOf(TimelineId timeline, TimelineId current) {
        for (int k = 0; k < entries.size(); k++) {
            if (entries.get(k).timeline().equals(timeline)) {
                return k + 1 < entries.size() ? entries.get(k + 1).timeline() : current;
            }
        }
        return current;
    }
}
