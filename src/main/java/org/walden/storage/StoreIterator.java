package org.walden.storage;

import org.rocksdb.RocksIterator;

/** A forward iterator over [from, to) of a snapshot; {@link #next()} moves to the first entry first. */
public final class StoreIterator implements AutoCloseable {

    private final RocksIterator it;
    private final byte[] toExclusive;
    private boolean started;
    private byte[] key;
    private byte[] value;

    StoreIterator(RocksIterator it, byte[] toExclusive) {
        this.it = it;
        this.toExclusive = toExclusive;
    }

    /** Moves to the next entry; false at the end of the range. */
    public boolean next() {
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
    }

    public byte[] key() {
        return key;
    }

    public byte[] value() {
        return value;
    }

    @Override
    public void close() {
        it.close();
    }
}
