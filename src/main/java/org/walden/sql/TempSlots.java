package org.walden.sql;

import java.util.BitSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The numbers of the sessions' temporary schemas (pg_temp_N), one per session that made a
 * temporary object, as PostgreSQL numbers them by the backend's slot: the lowest free number is
 * taken at a session's first temporary object and given back when the session ends (after its
 * objects are dropped). A number is never held by two live sessions, so a schema pg_temp_N found
 * in the catalog when a session takes N is a leftover of a session that crashed, and is emptied.
 */
final class TempSlots {

    /** The first number handed out (PostgreSQL's first backend usually gets pg_temp_3). */
    static final int FIRST = 3;

    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by lock: bit N set while a session holds pg_temp_N. */
    private final BitSet taken = new BitSet();

    int take() {
        lock.lock();
        try {
            int n = taken.nextClearBit(FIRST);
            taken.set(n);
            return n;
        } finally {
            lock.unlock();
        }
    }

    boolean held(int n) {
        lock.lock();
        try {
            return taken.get(n);
        } finally {
            lock.unlock();
        }
    }

    void release(int n) {
        lock.lock();
        try {
            taken.clear(n);
        } finally {
            lock.unlock();
        }
    }
}
