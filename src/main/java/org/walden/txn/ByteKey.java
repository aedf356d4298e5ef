package org.walden.txn;

import java.util.Arrays;
import java.util.HexFormat;

/** A row key usable in hash maps and sorted maps (unsigned byte order). */
record ByteKey(byte[] bytes) implements Comparable<ByteKey> {

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteKey other && Arrays.equals(bytes, other.bytes);
    }

    /**
     * FNV-1a. Not Arrays.hashCode: its base-31 sum makes keys that differ in their last two bytes
     * collide ((a, b) and (a + 1, b - 31)), so 300,000 consecutive row keys had 12,005 hash values
     * and a large transaction's lock and write maps degraded into trees of 25 keys per bin.
     */
    @Override
    public int hashCode() {
        int h = 0x811C9DC5;
        for (byte b : bytes) {
            h = (h ^ (b & 0xff)) * 0x01000193;
        }
        return h;
    }

    @Override
    public int compareTo(ByteKey o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    /**
     * Arrays.compareUnsigned of two short keys, byte by byte: the per-row comparisons of a bulk
     * load (a 13-byte row id key against its range's bounds and the last key) are cheaper so
     * than through the vectorized mismatch, whose set-up showed in COPY's profile.
     */
    static int compareShort(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        if (n > 32) {
            return Arrays.compareUnsigned(a, b);
        }
        for (int i = 0; i < n; i++) {
            int d = (a[i] & 0xff) - (b[i] & 0xff);
            if (d != 0) {
                return d;
            }
        }
        return a.length - b.length;
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
