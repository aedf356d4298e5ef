package org.walden.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.walden.common.guc.GucServerSettings;
import org.walden.recovery.Engine;
import org.walden.recovery.StreamRequests;
import org.walden.replication.BackupSource;
import org.walden.replication.ReceivedWalSink;
import org.walden.replication.ReplicationSlots;
import org.walden.replication.WalSource;
import org.walden.wal.Archiver;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.Wal;

/**
 * The glue between the engine and the replication layer's interfaces, which ask "the integrator"
 * for WAL, base backups, received-WAL storage and slot retention. Built by {@link Supervisor}.
 */
final class EngineAdapters {

    private EngineAdapters() {
    }

    /**
     * The engine's WAL as walsenders read it: the primary's flushed WAL, or on a standby
     * (cascading replication) the WAL its walreceiver has flushed, as PostgreSQL's walsender on a
     * cascading standby sends up to GetStandbyFlushRecPtr. IDENTIFY_SYSTEM's xlogpos is that
     * flushed position too.
     */
    record EngineWalSource(Engine engine) implements WalSource {
        @Override
        public long systemIdentifier() {
            return engine.systemIdentifier();
        }

        @Override
        public TimelineId timeline() {
            return engine.timeline();
        }

        @Override
        public long walSegmentSizeBytes() {
            return engine.walSegmentSizeBytes();
        }

        @Override
        public Lsn flushedLsn() {
            return engine.wal() != null ? engine.wal().flushedLsn() : engine.receiverWriter().flushedLsn();
        }

        @Override
        public Lsn redoLsn() {
            return engine.controlFile().redo();
        }

        @Override
        public Lsn awaitFlushBeyond(Lsn after, long timeoutMs) {
            return engine.wal() != null ? engine.wal().waitForFlushBeyond(after, timeoutMs)
                    : engine.receiverWriter().awaitFlushedBeyond(after, timeoutMs);
        }

        /**
         * Reads by this server's history, whatever {@code timeline} the caller streams: the
         * walsender has checked that the range lies on the history, and the file of the segment
         * holding a switch point is the new timeline's (the old one's may be {@code .partial}).
         */
        @Override
        public int readWal(TimelineId timeline, Lsn from, byte[] buffer, int offset, int length) {
            Wal w = engine.wal();
            if (w == null) {
                // cascading: a standby's walsender streams what its walreceiver has flushed
                return engine.receiverWriter().readRaw(null, from, buffer, offset, length);
            }
            return w.readRaw(null, from, buffer, offset, length);
        }

        /** Reads as {@link #readWal}, keeping the segment file read open between calls. */
        @Override
        public Reader openReader() {
            org.walden.wal.WalReadCursor cursor = new org.walden.wal.WalReadCursor();
            return new Reader() {
                @Override
                public int read(TimelineId timeline, Lsn from, byte[] buffer, int offset, int length) {
                    Wal w = engine.wal();
                    if (w == null) {
                        return engine.receiverWriter().readRaw(cursor, null, from, buffer, offset, length);
                    }
                    return w.readRaw(cursor, null, from, buffer, offset, length);
                }

                @Override
                public void close() {
                    cursor.close();
                }
            };
        }

        @Override
        public String timelineHistory(TimelineId timeline) {
            return engine.timelines().localFile(timeline);
        }
    }

    /** BASE_BACKUP over the engine's backup checkpoint and RocksDB checkpoint. */
    static final class EngineBackupSource implements BackupSource {
        private final Engine engine;
        private final AtomicInteger counter = new AtomicInteger();
        private final Map<Path, Engine.BackupStart> started = new ConcurrentHashMap<>();

        EngineBackupSource(Engine engine) {
            this.engine = engine;
        }

        @Override
        public Lsn readKeyRange(byte[] from, byte[] to, RowSink sink) throws IOException {
            try {
                return engine.scanKeyRange(from, to, (k, v) -> {
                    try {
                        sink.row(k, v);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        @Override
        public Path dataDirectory() {
            return engine.dataDir();
        }

        @Override
        public StartedBackup startBackup(String label, boolean fast) {
            // "pgsql_tmp" names are left out of base backups, as in PostgreSQL.
            Path target = engine.dataDir().resolve("pgsql_tmp_basebackup_" + ProcessHandle.current().pid() + "_"
                    + counter.incrementAndGet());
            Engine.BackupStart b = engine.createBackupCheckpoint(target);
            started.put(target, b);
            return new StartedBackup(b.startLsn(), b.checkPointLsn(), b.timeline(), b.startTime(), target,
                    Engine.BASE_DIR, b.fromStandby());
        }

        @Override
        public StoppedBackup stopBackup(StartedBackup backup) throws IOException {
            Engine.BackupStart b = started.remove(backup.storageSnapshotDir());
            try {
                Engine.BackupEnd end = engine.finishBackup(b);
                return new StoppedBackup(end.endLsn(), end.controlFile());
            } finally {
                deleteRecursively(backup.storageSnapshotDir());
            }
        }
    }

    /**
     * The standby's side: received WAL into the engine's receiver writer, the startup process's
     * stream requests and replay progress, history files into pg_wal (archived with archive_mode
     * always, else marked done, as PostgreSQL's walreceiver does).
     */
    record EngineWalSink(Engine engine, Archiver archiver) implements ReceivedWalSink {
        @Override
        public long systemIdentifier() {
            return engine.systemIdentifier();
        }

        @Override
        public long walSegmentSizeBytes() {
            return engine.walSegmentSizeBytes();
        }

        @Override
        public StreamRequests.Request awaitStreamRequest(long after, long timeoutMs) throws InterruptedException {
            return engine.streamRequests().awaitAfter(after, timeoutMs);
        }

        @Override
        public void streamEnded(long generation) {
            engine.streamRequests().streamEnded(generation);
        }

        @Override
        public void write(Lsn at, byte[] data, int offset, int length) {
            engine.receiverWriter().write(at, data, offset, length);
        }

        @Override
        public void flush() {
            engine.receiverWriter().flush();
        }

        @Override
        public void flush(Runnable beforeWakingReplay) {
            engine.receiverWriter().flush(beforeWakingReplay);
        }

        @Override
        public Lsn writtenLsn() {
            return engine.receiverWriter().writtenLsn();
        }

        @Override
        public Lsn flushedLsn() {
            return engine.receiverWriter().flushedLsn();
        }

        @Override
        public Lsn replayLsn() {
            return engine.lastReplayLsn();
        }

        @Override
        public boolean hasTimelineHistory(TimelineId timeline) {
            return engine.timelines().localFile(timeline) != null;
        }

        @Override
        public void writeTimelineHistory(TimelineId timeline, String content) {
            engine.timelines().saveFetched(timeline, content);
            if (archiver != null) {
                archiver.notifyReady(timeline.historyFileName()); // archive_mode = always
            }
        }
    }

    /** The checkpointer's view of the slots; max_slot_wal_keep_size is read at each checkpoint (SIGHUP). */
    record SlotsRetention(ReplicationSlots slots, GucServerSettings settings)
            implements org.walden.storage.SlotRetention {
        @Override
        public Lsn replicationSlotMinimumLsn() {
            return slots.replicationSlotMinimumLsn();
        }

        @Override
        public long maxSlotWalKeepSizeBytes() {
            return maxSlotWalKeepSizeBytes(settings);
        }

        @Override
        public long walKeepSizeBytes() {
            return settings.getBytes("wal_keep_size");
        }

        @Override
        public long walKeepSegments() {
            return settings.getInt("wal_keep_segments");
        }

        static long maxSlotWalKeepSizeBytes(GucServerSettings settings) {
            long mb = settings.getInt("max_slot_wal_keep_size");
            return mb < 0 ? -1 : mb * 1024 * 1024;
        }

        @Override
        public boolean invalidateObsoleteReplicationSlots(Lsn oldestLsnToKeep) {
            try {
                return slots.invalidateObsoleteReplicationSlots(oldestLsnToKeep);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void checkPointReplicationSlots() {
            try {
                slots.checkPointReplicationSlots();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
