package org.walden.txn;

/** A forward cursor over keys in order; {@link #next()} moves to the first entry first. */
public interface KvCursor extends AutoCloseable {

    /** Moves to the next entry; false at the end. */
    boolean next();

    byte[] key();

    byte[] value();

    @Override
    void close();
}
