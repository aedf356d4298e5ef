package org.walden.storage;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.RocksIterator;

/**
 * A forward iterator over [from, to) of a snapshot; {@link #next()} moves to the first entry
 * first. Over a range of one relation it reads one column family; over a wider one (which may
 * span tablespaces) it merges the iterators of every family, each key being in exactly one.
 * Used by one thread; {@link Store#close()} may close it from another, after which
 * {@link #next()} raises 57P01.
 */
public final class StoreIterator implements AutoCloseable {

    private final Store store;
    private final RocksIterator[] its;
    private final byte[] toExclusive;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The iterator the current entry came from; -1 before the first. */
    private int current = -1;
    private byte[] key;
    private byte[] value;

    StoreIterator(Store store, RocksIterator[] its, byte[] toExclusive) {
        this.store = store;
        this.its = its;
        this.toExclusive = toExclusive;
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
            value = its[current].value();
            return true;
        } finally {
            store.unlockOpen();
        }
    }

    public byte[] key() {
        return key;
    }

    public byte[] value() {
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
                store.forget(this);
            } finally {
                store.unlockOpen();
            }
        }
    }
}
