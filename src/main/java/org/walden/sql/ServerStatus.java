package org.walden.sql;

import java.time.Instant;
import java.util.List;
import org.walden.replication.WalSenderStat;
import org.walden.wal.Lsn;

/**
 * What SQL functions and system views need to know of the running server, supplied by the
 * server layer (which owns the WAL, the walsenders and the startup process).
 */
public interface ServerStatus {

    /** pg_is_in_recovery(). */
    boolean inRecovery();

    /** pg_current_wal_lsn(): the WAL flush position on a primary (55000 in recovery). */
    Lsn currentWalLsn();

    /** pg_last_wal_receive_lsn(): null on a primary. */
    Lsn lastWalReceiveLsn();

    /** pg_last_wal_replay_lsn(): null on a primary. */
    Lsn lastWalReplayLsn();

    /** One row per walsender, for pg_stat_replication. */
    List<WalSenderStat> walSenders();

    Instant postmasterStartTime();

    /** The CHECKPOINT command: runs an immediate checkpoint and returns when it is done. */
    void requestCheckpoint();

    /** pg_reload_conf(): re-reads the configuration files. */
    boolean reloadConfiguration();

    // The methods below were added by the sql layer with defaults (no row, no backend), so that
    // the server can fill in pg_stat_wal_receiver, pg_replication_slots, pg_stat_activity and
    // pg_terminate_backend / pg_cancel_backend when it has the information.

    /** pg_stat_wal_receiver's one row on a standby with a running walreceiver; null otherwise. */
    default WalReceiverStatus walReceiver() {
        return null;
    }

    /** pg_replication_slots: one row per slot. */
    default List<ReplicationSlotStatus> replicationSlots() {
        return List.of();
    }

    /**
     * pg_create_physical_replication_slot(name, immediately_reserve, temporary): creates the
     * slot (a temporary one belongs to {@code backendPid} and goes with its session); returns
     * the restart_lsn reserved, or null when no WAL was reserved.
     */
    default Lsn createPhysicalReplicationSlot(String name, boolean immediatelyReserve, boolean temporary,
                                              int backendPid) {
        throw new org.walden.common.PgException(org.walden.common.SqlState.FEATURE_NOT_SUPPORTED,
                "replication slots are not available on this server");
    }

    /** pg_drop_replication_slot(name): 42704 when there is none, 55006 when a process uses it. */
    default void dropReplicationSlot(String name, int backendPid) {
        throw new org.walden.common.PgException(org.walden.common.SqlState.UNDEFINED_OBJECT,
                "replication slot \"" + name + "\" does not exist");
    }

    /** A session ends: its temporary replication slots are dropped (ReplicationSlotCleanup). */
    default void sessionEnded(int backendPid) {
    }

    /** pg_stat_activity: one row per backend (client backends and walsenders). */
    default List<BackendActivity> activity() {
        return List.of();
    }

    /**
     * pg_terminate_backend(pid) ({@code terminate}) or pg_cancel_backend(pid): signals the
     * backend; false when no backend has that pid.
     */
    default boolean signalBackend(int pid, boolean terminate) {
        return false;
    }

    /** A walreceiver as pg_stat_wal_receiver shows it (PostgreSQL 15's columns); null fields are NULL. */
    record WalReceiverStatus(int pid, String status, Lsn receiveStartLsn, int receiveStartTli, Lsn writtenLsn,
                             Lsn flushedLsn, int receivedTli, Instant lastMsgSendTime, Instant lastMsgReceiptTime,
                             Lsn latestEndLsn, Instant latestEndTime, String slotName, String senderHost,
                             int senderPort, String conninfo) {
    }

    /** A replication slot as pg_replication_slots shows it (physical slots: no plugin, no database). */
    record ReplicationSlotStatus(String slotName, String slotType, boolean temporary, boolean active,
                                 Integer activePid, Long xmin, Lsn restartLsn, String walStatus,
                                 Long safeWalSizeBytes) {
    }

    /** A backend as pg_stat_activity shows it; {@code backendType} "client backend", "walsender", ... */
    record BackendActivity(int pid, String databaseName, String userName, String applicationName,
                           java.net.InetAddress clientAddr, int clientPort, Instant backendStart, Instant xactStart,
                           Instant queryStart, Instant stateChange, String state, String query,
                           String backendType) {
    }
}
