package org.walden.storage;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;

/**
 * A forward iterator over [from, to) of a snapshot; {@link #next()} moves to the first entry
 * first. Over a range of one relation it reads one column family; over a wider one (which may
 * span tablespaces) it merges the iterators of every family, each key being in exactly one.
 * Used by one thread; {@link Store#close()} may close it from another, after which
 * {@link #next()} raises 57P01. The value is read out of RocksDB only when {@link #value()} asks
 * for it: a scan that counts rows or samples some copies no other value.
 */
public final class StoreIterator implements AutoCloseable {

    private final Store store;
    private final RocksIterator[] its;
    private final byte[] toExclusive;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Read options of this iterator's own (a one-pass scan's), closed with it; else null. */
    private final ReadOptions ownOptions;
    /** The iterator the current entry came from; -1 before the first. */
    private int current = -1;
    private byte[] key;
    private byte[] value;
    /** Whether {@link #value} is the current entry's (read from RocksDB on first ask). */
    private boolean valueRead;

    StoreIterator(Store store, RocksIterator[] its, byte[] toExclusive, ReadOptions ownOptions) {
        this.store = store;
        this.its = its;
        this.toExclusive = toExclusive;
        this.ownOptions = ownOptions;
    }

    /** Moves to the next entry; false at the end of the range. */
    public boolean next() {
        store.lockOpen();
        try {
            if (closed.get()) {
                key = null;
                value = null;
                return false;
            }
            valueRead = false;
            value = null;
            if (current >= 0) {
                its[current].next();
            }
            current = -1;
            byte[] least = null;
            for (int i = 0; i < its.length; i++) {
                if (its[i].isValid()) {
                    byte[] k = its[i].key();
                    if (Store.before(k, toExclusive) && (least == null || Arrays.compareUnsigned(k, least) < 0)) {
                        least = k;
                        current = i;
                    }
                }
            }
            if (current < 0) { // the end of the range; a further next() stays there
                key = null;
                value = null;
                return false;
            }
            key = least;
            return true;
        } finally {
            store.unlockOpen();
        }
    }

    public byte[] key() {
        return key;
    }

    public byte[] value() {
        if (!valueRead && current >= 0) {
            store.lockOpen();
            try {
                if (!closed.get()) {
                    value = its[current].value();
                    valueRead = true;
                }
            } finally {
                store.unlockOpen();
            }
        }
        return value;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            store.lockForRelease();
            try {
                for (RocksIterator it : its) {
                    it.close();
                }
                if (ownOptions != null) {
                    ownOptions.close();
                }
                store.forget(this);
            } finally {
                store.unlockOpen();
            }
        }
    }
}
