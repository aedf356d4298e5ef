package org.walden.storage;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.rocksdb.ReadOptions;
import org.rocksdb.Snapshot;

/**
 * One statement's (or one REPEATABLE READ transaction's) hold on a consistent view of storage;
 * close it when the statement ends. Closed by its owner, or made harmless by {@link Store#close()}
 * (which releases every view still open); closing twice is harmless.
 *
 * <p>Several holds may share one {@link View}, a RocksDB snapshot: {@link Store#snapshot()} hands
 * out its shared view again while nothing has been written to storage since it was taken
 * (RocksDB's last sequence number is still the view's), which is exactly the view a new RocksDB
 * snapshot would give. A view lives while some hold on it is open, the store's own included (it
 * holds its shared view until the next write or a snapshot call that finds it stale): the last
 * hold's drop releases the RocksDB snapshot.
 */
public final class StoreSnapshot implements AutoCloseable {

    private final View view;
    private final AtomicBoolean closed = new AtomicBoolean();

    StoreSnapshot(View view) {
        this.view = view;
    }

    /** RocksDB's sequence number of the last write this snapshot sees. */
    long sequence() {
        return view.sequence;
    }

    Snapshot rocksSnapshot() {
        return view.snapshot;
    }

    ReadOptions readOptions() {
        return view.readOptions;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            view.drop();
        }
    }

    /**
     * A RocksDB snapshot and the read options that use it (read-only once made, so shared by
     * threads), counted by the holds open on it. Made by {@link Store#snapshot()} with one hold,
     * given further holds by {@link #hold()} (the store's own, then one per statement while it is
     * the store's shared view and storage unchanged), released when its last hold is dropped or at
     * {@link Store#close()} (registered among the store's open resources meanwhile).
     */
    static final class View implements AutoCloseable {

        private final Store store;
        private final Snapshot snapshot;
        private final ReadOptions readOptions;
        /** RocksDB's sequence number of the snapshot, read once (each read is a native call). */
        final long sequence;
        /** Holds open; once 0 it never rises again (the view is released or being released). */
        private final AtomicInteger holds = new AtomicInteger(1);
        /** Guarded by the store's openLock (read side for a hold's release, write side at store close) plus its own atomicity. */
        private final AtomicBoolean released = new AtomicBoolean();

        View(Store store, Snapshot snapshot) {
            this.store = store;
            this.snapshot = snapshot;
            this.readOptions = new ReadOptions().setSnapshot(snapshot);
            this.sequence = snapshot.getSequenceNumber();
        }

        /** One more hold, unless the last was dropped already (then false: take a new view). */
        boolean hold() {
            for (int n = holds.get(); n > 0; n = holds.get()) {
                if (holds.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
            return false;
        }

        void drop() {
            if (holds.decrementAndGet() == 0) {
                close();
            }
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
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
}
