package org.walden.txn;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Committed write transactions and the time their commits took (from COMMIT to acknowledgement:
 * WAL flush, synchronous-replication wait, lease check, apply), for the failover agent's /metrics.
 */
public final class CommitStats {

    private final LongAdder commits = new LongAdder();
    private final LongAdder nanos = new LongAdder();
    private volatile LongConsumer observer = commitNanos -> { };

    void record(long commitNanos) {
        commits.increment();
        nanos.add(commitNanos);
        observer.accept(commitNanos);
    }

    /** Hands every later commit's time (nanoseconds) to {@code observer} too: /metrics' latency histogram. */
    public void observe(LongConsumer observer) {
        this.observer = observer;
    }

    public long commits() {
        return commits.sum();
    }

    public long totalNanos() {
        return nanos.sum();
    }
}
