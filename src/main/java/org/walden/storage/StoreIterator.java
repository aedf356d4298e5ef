package org.walden.storage;

import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.RocksIterator;

/**
 * A forward iterator over [from, to) of a snapshot; {@link #next()} moves to the first entry
 * first. Used by one thread; {@link Store#close()} may close it from another, after which
 * {@link #next()} raises 57P01.
 */
public final class StoreIterator implements AutoCloseable {

    private final Store store;
    private final RocksIterator it;
    private final byte[] toExclusive;
    private final AtomicBoolean closed = new AtomicBoolean();
    private boolean started;
    private byte[] key;
    private byte[] value;

    StoreIterator(Store store, RocksIterator it, byte[] toExclusive) {
        this.store = store;
        this.it = it;
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
            if (started) {
                it.next();
            }
            started = true;
            if (!it.isValid() || !Store.before(it.key(), toExclusive)) {
                key = null;
                value = null;
                return false;
            }
            key = it.key();
            value = it.value();
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
                it.close();
                store.forget(this);
            } finally {
                store.unlockOpen();
            }
        }
    }
}
