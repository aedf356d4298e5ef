package org.walden.storage;

import org.rocksdb.ReadOptions;
import org.rocksdb.Snapshot;

/**
 * A RocksDB snapshot and the read options that use it; close it when the statement ends.
 * Closed by its owner, or by {@link Store#close()} if still open then; closing twice is harmless.
 */
public final class StoreSnapshot implements AutoCloseable {

    private final Store store;
    private final Snapshot snapshot;
    private final ReadOptions readOptions;
    /** RocksDB's sequence number of the snapshot, read once (each read is a native call). */
    private final long sequence;
    /** Guarded by the store's openLock (read side for the owner, write side at store close) plus this flag's own atomicity. */
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    StoreSnapshot(Store store, Snapshot snapshot, ReadOptions readOptions) {
        this.store = store;
        this.snapshot = snapshot;
        this.readOptions = readOptions;
        this.sequence = snapshot.getSequenceNumber();
    }

    /** RocksDB's sequence number of the last write this snapshot sees. */
    long sequence() {
        return sequence;
    }

    Snapshot rocksSnapshot() {
        return snapshot;
    }

    ReadOptions readOptions() {
        return readOptions;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            store.lockForRelease();
            try {
                readOptions.close();
                store.db().releaseSnapshot(snapshot);
                store.forget(this);
            } finally {
                store.unlockOpen();
            }
        }
    }
}
