package org.walden.storage;

import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.Snapshot;

/** A RocksDB snapshot and the read options that use it; close it when the statement ends. */
public final class StoreSnapshot implements AutoCloseable {

    private final RocksDB db;
    private final Snapshot snapshot;
    private final ReadOptions readOptions;
    private boolean closed;

    StoreSnapshot(RocksDB db, Snapshot snapshot, ReadOptions readOptions) {
        this.db = db;
        this.snapshot = snapshot;
        this.readOptions = readOptions;
    }

    ReadOptions readOptions() {
        return readOptions;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            readOptions.close();
            db.releaseSnapshot(snapshot);
        }
    }
}
