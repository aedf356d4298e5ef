package org.walden.recovery;

import java.time.Clock;
import org.walden.storage.StoreMemory;
import org.walden.wal.Wal;
import org.walden.wal.WalWriter;

/**
 * How the engine runs: the server layer fills these from its GUCs (wal_keep_size,
 * wal_keep_segments, checkpoint_timeout, max_wal_size, wal_writer_delay, fsync, wal_buffers,
 * shared_buffers)
 * and from the signal files and recovery settings ({@link RecoveryConfig}).
 */
public record EngineOptions(RecoveryConfig recovery, long walKeepSizeBytes, long walKeepSegments,
                            long checkpointTimeoutMs, long maxWalSizeBytes, long walWriterDelayMs, boolean fsync,
                            int walBuffersBytes, Clock clock, StoreMemory storeMemory) {

    /** PostgreSQL's defaults: checkpoint_timeout 5min, max_wal_size 1GB, wal_writer_delay 200ms. */
    public static EngineOptions defaults() {
        return new EngineOptions(RecoveryConfig.crash(), 0, 0, 5 * 60 * 1000L, 1L << 30,
                WalWriter.DEFAULT_WAL_WRITER_DELAY_MS, true, Wal.DEFAULT_WAL_BUFFERS_BYTES, Clock.systemUTC(),
                StoreMemory.DEFAULT);
    }

    /** True for a standby (standby.signal): replay until promoted. */
    public boolean standbyMode() {
        return recovery.mode() == RecoveryConfig.Mode.STANDBY;
    }

    public EngineOptions withRecovery(RecoveryConfig r) {
        return new EngineOptions(r, walKeepSizeBytes, walKeepSegments, checkpointTimeoutMs, maxWalSizeBytes,
                walWriterDelayMs, fsync, walBuffersBytes, clock, storeMemory);
    }

    public EngineOptions withStandbyMode(boolean standby) {
        return withRecovery(standby ? RecoveryConfig.standby() : RecoveryConfig.crash());
    }

    public EngineOptions withWalKeep(long sizeBytes, long segments) {
        return new EngineOptions(recovery, sizeBytes, segments, checkpointTimeoutMs, maxWalSizeBytes,
                walWriterDelayMs, fsync, walBuffersBytes, clock, storeMemory);
    }

    public EngineOptions withCheckpoints(long timeoutMs, long maxWalBytes) {
        return new EngineOptions(recovery, walKeepSizeBytes, walKeepSegments, timeoutMs, maxWalBytes,
                walWriterDelayMs, fsync, walBuffersBytes, clock, storeMemory);
    }

    public EngineOptions withFsync(boolean on) {
        return new EngineOptions(recovery, walKeepSizeBytes, walKeepSegments, checkpointTimeoutMs, maxWalSizeBytes,
                walWriterDelayMs, on, walBuffersBytes, clock, storeMemory);
    }

    public EngineOptions withWalWriterDelayMs(long delayMs) {
        return new EngineOptions(recovery, walKeepSizeBytes, walKeepSegments, checkpointTimeoutMs, maxWalSizeBytes,
                delayMs, fsync, walBuffersBytes, clock, storeMemory);
    }

    public EngineOptions withClock(Clock c) {
        return new EngineOptions(recovery, walKeepSizeBytes, walKeepSegments, checkpointTimeoutMs, maxWalSizeBytes,
                walWriterDelayMs, fsync, walBuffersBytes, c, storeMemory);
    }
}
