package org.walden.wal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.function.LongSupplier;

/**
 * The wait shared by the primary's {@link Wal} and the standby's {@link WalReceiverWriter}:
 * until a flushed position passes an LSN, signalled on a condition after each flush.
 */
final class FlushWait {

    private FlushWait() {
    }

    /**
     * Waits on {@code flushed} (of {@code lock}) until {@code position} passes {@code beyond}
     * or {@code timeoutMs} ends; returns the position then. An interrupt ends the wait early.
     */
    static Lsn awaitBeyond(Lock lock, Condition flushed, LongSupplier position, Lsn beyond, long timeoutMs) {
        long now = position.getAsLong();
        if (Long.compareUnsigned(now, beyond.value()) > 0) {
            return new Lsn(now); // passed already: no lock (a writer may hold it)
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        lock.lock();
        try {
            while (Long.compareUnsigned(position.getAsLong(), beyond.value()) <= 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                flushed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        return new Lsn(position.getAsLong());
    }
}
