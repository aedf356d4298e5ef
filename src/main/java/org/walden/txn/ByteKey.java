package org.walden.txn;

import java.util.Arrays;
import java.util.HexFormat;

/** A row key usable in hash maps and sorted maps (unsigned byte order). */
record ByteKey(byte[] bytes) implements Comparable<ByteKey> {

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteKey other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(ByteKey o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
