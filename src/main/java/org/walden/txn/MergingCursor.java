package org.walden.txn;

import java.util.Map;
import org.walden.storage.StoreIterator;

/**
 * A snapshot's range merged with the transaction's own writes in key order: an own write
 * replaces the stored row with the same key, an own delete hides it.
 */
final class MergingCursor implements KvCursor {

    private final StoreIterator stored;
    private final WriteSet.OwnEntries own;
    private final byte[] deleted;
    private Map.Entry<ByteKey, byte[]> ownHead;
    private boolean storedValid;
    private boolean started;
    private byte[] key;
    private byte[] value;
    /**
     * Whether the current entry is the stored one, which stays current until the next
     * {@link #next()}: its value is read from storage only if {@link #value()} asks.
     */
    private boolean atStored;

    MergingCursor(StoreIterator stored, WriteSet.OwnEntries own, byte[] deleted) {
        this.stored = stored;
        this.own = own;
        this.deleted = deleted;
    }

    @Override
    public boolean next() {
        if (!started) {
            started = true;
            storedValid = stored.next();
            ownHead = own.hasNext() ? own.next() : null;
        } else if (atStored) {
            storedValid = stored.next();
        }
        atStored = false;
        while (true) {
            boolean ownValid = ownHead != null;
            if (!storedValid && !ownValid) {
                key = null;
                value = null;
                return false;
            }
            int cmp;
            if (!ownValid) {
                cmp = -1;
            } else if (!storedValid) {
                cmp = 1;
            } else {
                cmp = java.util.Arrays.compareUnsigned(stored.key(), ownHead.getKey().bytes());
            }
            if (cmp < 0) {
                key = stored.key();
                value = null;
                atStored = true;
                return true;
            }
            Map.Entry<ByteKey, byte[]> w = ownHead;
            ownHead = own.hasNext() ? own.next() : null;
            if (cmp == 0) {
                storedValid = stored.next();
            }
            if (w.getValue() != deleted) {
                key = w.getKey().bytes();
                value = w.getValue();
                return true;
            }
        }
    }

    @Override
    public byte[] key() {
        return key;
    }

    @Override
    public byte[] value() {
        return atStored ? stored.value() : value;
    }

    @Override
    public void close() {
        stored.close();
        own.close();
    }
}
