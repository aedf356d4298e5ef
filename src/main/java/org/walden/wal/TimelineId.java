package org.walden.wal;

/** A timeline: 1 at initdb, one more at each promotion. */
public record TimelineId(int value) implements Comparable<TimelineId> {

    public static final TimelineId FIRST = new TimelineId(1);

    public TimelineId {
        if (value <= 0) {
            throw new IllegalArgumentException("invalid timeline " + value);
        }
    }

    public TimelineId next() {
        return new TimelineId(value + 1);
    }

    /** The history file's name, {@code 00000002.history}. */
    public String historyFileName() {
        return String.format("%08X.history", value);
    }

    @Override
    public int compareTo(TimelineId other) {
        return Integer.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return Integer.toString(value);
    }
}
