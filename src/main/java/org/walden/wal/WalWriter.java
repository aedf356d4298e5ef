package org.walden.wal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The walwriter (PostgreSQL's walwriter.c): flushes the WAL every {@code wal_writer_delay} so
 * that commits made with synchronous_commit=off become durable soon after, without their
 * backends waiting.
 *
 * <p>Started by the engine when it opens as a primary (not during recovery). Talks only to the
 * {@link Wal}: one {@link Wal#flush} per round, which also serves as group-commit leader when
 * committers are waiting. Owns no state beyond its stop flag.
 *
 * <p>Ends when {@link #shutdown()} is called: the flag is set under its lock, the sleeping
 * loop is woken, does one last flush and exits; shutdown waits for the thread (bounded). A
 * failed flush never returns (the WAL PANICs).
 */
public final class WalWriter {

    private static final Logger LOG = LoggerFactory.getLogger(WalWriter.class);
    public static final long DEFAULT_WAL_WRITER_DELAY_MS = 200;

    private final Wal wal;
    private final long walWriterDelayMs;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeup = lock.newCondition();
    /** Guarded by lock. */
    private boolean stopping;
    private Thread thread;

    public WalWriter(Wal wal, long walWriterDelayMs) {
        this.wal = wal;
        this.walWriterDelayMs = walWriterDelayMs;
    }

    public void start() {
        // a platform thread, so that ps -T and top -H show "walwriter" (a virtual one runs on a carrier)
        thread = Thread.ofPlatform().name("walwriter").daemon(true).start(this::walWriterMain);
    }

    private void walWriterMain() {
        while (true) {
            wal.flushAll();
            lock.lock();
            try {
                if (stopping) {
                    break;
                }
                wakeup.await(walWriterDelayMs, TimeUnit.MILLISECONDS);
                if (stopping) {
                    break;
                }
            } catch (InterruptedException e) {
                break;
            } finally {
                lock.unlock();
            }
        }
        LOG.debug("walwriter exiting");
    }

    /** Stops the loop; with {@code finalFlush} the buffered WAL is flushed first. */
    public void shutdown(boolean finalFlush) {
        lock.lock();
        try {
            stopping = true;
            wakeup.signalAll();
        } finally {
            lock.unlock();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (finalFlush) {
            wal.flushAll();
        }
    }
}
