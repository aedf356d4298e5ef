package org.walden.sql.exec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The row keys one data-changing statement has written, so that it never changes a row twice
 * (PostgreSQL tells by the tuple's cmax; Walden's rows carry no command id). An UPDATE or DELETE
 * of every row of a big table adds a key a row, so the set keeps no key: each is a 128-bit
 * fingerprint (two independent 64-bit hashes) in an open-addressing table of longs, 24 to 48
 * bytes a row where a set of wrapped byte arrays took about 140. Two different keys share a
 * fingerprint with a probability of about n²/2¹²⁸, which for any table that fits a disk is far
 * below that of a memory error. Created by the node that modifies the table; one thread.
 */
final class KeyFingerprintSet {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long SEED_A = 0x9E3779B97F4A7C15L;
    private static final long SEED_B = 0xC2B2AE3D27D4EB4FL;

    /** Pairs of longs; a pair of zeros is an empty slot (a fingerprint's second half is never 0). */
    private long[] slots = new long[2 * 64];
    private int size;

    /** Adds {@code key}; true if it was not in the set. */
    boolean add(byte[] key) {
        if ((size + 1) * 3L > (slots.length / 2) * 2L) { // load factor 2/3
            grow();
        }
        long a = hash(key, SEED_A);
        long b = hash(key, SEED_B) | 1;
        if (insert(slots, a, b)) {
            size++;
            return true;
        }
        return false;
    }

    boolean contains(byte[] key) {
        if (size == 0) {
            return false;
        }
        long a = hash(key, SEED_A);
        long b = hash(key, SEED_B) | 1;
        int mask = slots.length / 2 - 1;
        for (int i = (int) a & mask; ; i = (i + 1) & mask) {
            long sb = slots[2 * i + 1];
            if (sb == 0) {
                return false;
            }
            if (sb == b && slots[2 * i] == a) {
                return true;
            }
        }
    }

    int size() {
        return size;
    }

    private static boolean insert(long[] table, long a, long b) {
        int mask = table.length / 2 - 1;
        for (int i = (int) a & mask; ; i = (i + 1) & mask) {
            long sb = table[2 * i + 1];
            if (sb == 0) {
                table[2 * i] = a;
                table[2 * i + 1] = b;
                return true;
            }
            if (sb == b && table[2 * i] == a) {
                return false;
            }
        }
    }

    private void grow() {
        long[] bigger = new long[slots.length * 2];
        for (int i = 0; i < slots.length; i += 2) {
            if (slots[i + 1] != 0) {
                insert(bigger, slots[i], slots[i + 1]);
            }
        }
        slots = bigger;
    }

    /** A 64-bit hash of the whole key, eight bytes at a time (multiply and xor-shift mixing). */
    static long hash(byte[] key, long seed) {
        long h = seed ^ (key.length * 0xFF51AFD7ED558CCDL);
        int i = 0;
        for (; i + 8 <= key.length; i += 8) {
            h = mix(h ^ (long) LONGS.get(key, i));
        }
        long tail = 0;
        for (int shift = 0; i < key.length; i++, shift += 8) {
            tail |= (key[i] & 0xFFL) << shift;
        }
        return mix(mix(h ^ tail) ^ seed);
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xFF51AFD7ED558CCDL;
        x ^= x >>> 33;
        x *= 0xC4CEB9FE1A85EC53L;
        x ^= x >>> 33;
        return x;
    }
}
