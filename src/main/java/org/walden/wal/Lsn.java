package org.walden.wal;

/**
 * A log sequence number: a byte position in the one endless WAL, printed {@code X/Y} as
 * PostgreSQL prints it (high and low 32 bits in upper-case hex, no leading zeros).
 */
public record Lsn(long value) implements Comparable<Lsn> {

    public static final Lsn INVALID = new Lsn(0);

    /** Parses {@code X/Y}; throws IllegalArgumentException on anything else. */
    public static Lsn parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
            throw new IllegalArgumentException("invalid LSN: " + text);
        }
        try {
            long hi = Long.parseLong(text.substring(0, slash), 16);
            long lo = Long.parseLong(text.substring(slash + 1), 16);
            return new Lsn((hi << 32) | lo);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid LSN: " + text, e);
        }
    }

    public boolean isValid() {
        return value != 0;
    }

    public Lsn plus(long bytes) {
        return new Lsn(value + bytes);
    }

    /** Bytes from {@code other} to this (PostgreSQL's pg_wal_lsn_diff(this, other)). */
    public long minus(Lsn other) {
        return value - other.value;
    }

    public boolean isBefore(Lsn other) {
        return Long.compareUnsigned(value, other.value) < 0;
    }

    public boolean isAfter(Lsn other) {
        return Long.compareUnsigned(value, other.value) > 0;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.isBefore(b) ? b : a;
    }

    public static Lsn min(Lsn a, Lsn b) {
        return a.isBefore(b) ? a : b;
    }

    /** The number of the segment holding this LSN. */
    public long segmentNo(long segmentSizeBytes) {
        return Long.divideUnsigned(value, segmentSizeBytes);
    }

    /** The offset of this LSN inside its segment. */
    public long segmentOffset(long segmentSizeBytes) {
        return Long.remainderUnsigned(value, segmentSizeBytes);
    }

    /**
     * Written out rather than left to the record's generated equals, which runs through a
     * method-handle bootstrap: on a JVM that just started (a standby catching up) that costs
     * more than the rest of reading a WAL record until the JIT has compiled it.
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof Lsn l && l.value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
