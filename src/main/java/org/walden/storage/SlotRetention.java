package org.walden.storage;

import org.walden.wal.Lsn;

/**
 * What the checkpointer asks of replication slots (implemented above storage, by the
 * replication package's ReplicationSlots, wired in by the server): PostgreSQL's
 * CheckPointReplicationSlots, XLogGetReplicationSlotMinimumLSN, max_slot_wal_keep_size and
 * InvalidateObsoleteReplicationSlots.
 */
public interface SlotRetention {

    /**
     * The oldest restart_lsn of the slots alone ({@link Lsn#INVALID} when none): what
     * max_slot_wal_keep_size caps. Other holds (running base backups, the archiver) come through
     * the checkpointer's min-keep supplier and are never capped.
     */
    Lsn replicationSlotMinimumLsn();

    /** max_slot_wal_keep_size in bytes; -1 when slots may keep any amount of WAL. Read at each checkpoint. */
    long maxSlotWalKeepSizeBytes();

    /** wal_keep_size in bytes as now configured (SIGHUP); -1: the value the checkpointer started with. */
    default long walKeepSizeBytes() {
        return -1;
    }

    /** wal_keep_segments as now configured (SIGHUP); -1: the value the checkpointer started with. */
    default long walKeepSegments() {
        return -1;
    }

    /** Slots whose restart_lsn lies before {@code oldestLsnToKeep} lose it; true when any did. */
    boolean invalidateObsoleteReplicationSlots(Lsn oldestLsnToKeep);

    /** Writes the slots' state to disk (pg_replslot/NAME/state) as part of the checkpoint. */
    void checkPointReplicationSlots();
}
