package org.walden.protocol;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory every connection's incoming messages may hold at once: a large message's buffer
 * grows as its bytes arrive, each step reserved here first, so a client that claims a 1 GB
 * message and sends 8 bytes of it holds kilobytes, not a gigabyte (Java zero-fills a whole
 * array at allocation, in the one heap all sessions share). A reservation that does not fit
 * ends that session alone with 53200 "out of memory". Thread-safe (one atomic counter).
 */
public final class MessageBudget {

    private final long limitBytes;
    /** Bytes reserved by all streams; read and written by any connection thread. */
    private final AtomicLong reservedBytes = new AtomicLong();

    public MessageBudget(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    /** A quarter of the heap: what incoming messages may hold at once in a server. */
    public static MessageBudget quarterOfHeap() {
        return new MessageBudget(Runtime.getRuntime().maxMemory() / 4);
    }

    public long limitBytes() {
        return limitBytes;
    }

    public long reservedBytes() {
        return reservedBytes.get();
    }

    /** Reserves {@code bytes}; false (nothing reserved) when that would pass the limit. */
    boolean tryReserve(long bytes) {
        while (true) {
            long now = reservedBytes.get();
            if (now + bytes > limitBytes) {
                return false;
            }
            if (reservedBytes.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        reservedBytes.addAndGet(-bytes);
    }
}
