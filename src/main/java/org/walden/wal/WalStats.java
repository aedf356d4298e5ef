package org.walden.wal;

/**
 * pg_stat_wal's counters: the records and bytes a server inserted into its WAL (a full buffer
 * forcing a write counts in {@code buffersFull}), and the writes and fdatasyncs of WAL files —
 * a primary's, and a standby walreceiver's — with their milliseconds when track_wal_io_timing
 * is on. Walden writes no full-page images, so wal_fpi is always 0.
 */
public record WalStats(long records, long bytes, long buffersFull, long writes, long syncs, double writeTimeMs,
                       double syncTimeMs) {

    public static final WalStats ZERO = new WalStats(0, 0, 0, 0, 0, 0, 0);

    public WalStats plus(WalStats o) {
        return new WalStats(records + o.records, bytes + o.bytes, buffersFull + o.buffersFull, writes + o.writes,
                syncs + o.syncs, writeTimeMs + o.writeTimeMs, syncTimeMs + o.syncTimeMs);
    }

    public WalStats minus(WalStats o) {
        return new WalStats(records - o.records, bytes - o.bytes, buffersFull - o.buffersFull, writes - o.writes,
                syncs - o.syncs, writeTimeMs - o.writeTimeMs, syncTimeMs - o.syncTimeMs);
    }
}
