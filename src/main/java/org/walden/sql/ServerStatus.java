package org.walden.sql;

import java.time.Instant;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.WaitEvent;
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

    /**
     * pg_database_size(): the bytes of the storage engine's files. Walden's databases share one
     * table space, so every database reports the same size.
     */
    default long databaseSizeBytes() {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "database sizes are not available here");
    }

    /** The CHECKPOINT command: runs an immediate checkpoint and returns when it is done. */
    void requestCheckpoint();

    /** pg_reload_conf(): re-reads the configuration files. */
    boolean reloadConfiguration();

    /**
     * pg_switch_wal(): finishes the current WAL segment (for archiving); returns the end of the
     * switch record, or the insert position when the segment had nothing written yet. Called on a
     * primary only (the function refuses in recovery first).
     */
    default Lsn switchWal() {
        throw new org.walden.common.PgException(org.walden.common.SqlState.FEATURE_NOT_SUPPORTED,
                "pg_switch_wal() is not supported by this server");
    }

    /**
     * pg_walfile_name(lsn): the name of the WAL segment file on the current timeline holding the
     * byte before {@code lsn} (PostgreSQL's XLByteToPrevSeg).
     */
    default String walFileName(Lsn lsn) {
        throw new org.walden.common.PgException(org.walden.common.SqlState.FEATURE_NOT_SUPPORTED,
                "pg_walfile_name() is not supported by this server");
    }

    /** pg_stat_wal's one row: the counters since they were last reset, and when that was. */
    default WalStatsRow walStats() {
        return new WalStatsRow(org.walden.wal.WalStats.ZERO, null);
    }

    record WalStatsRow(org.walden.wal.WalStats stats, Instant statsReset) {
    }

    /** pg_stat_bgwriter's one row: the checkpointer's counters since they were last reset, and when that was. */
    default BgWriterRow bgWriterStats() {
        return new BgWriterRow(0, 0, 0, 0, 0, null);
    }

    /** pg_stat_bgwriter's checkpointer columns (times in milliseconds) and stats_reset. */
    record BgWriterRow(long timed, long requested, double writeMs, double syncMs, long buffers, Instant statsReset) {
    }

    /** pg_stat_reset_shared(target) for 'archiver', 'bgwriter' and 'wal' (the caller checked the target's name). */
    default void resetSharedStats(String target) {
    }

    /** pg_stat_archiver's one row; all zero / NULL when archive_mode is off. */
    default org.walden.wal.Archiver.Stats archiverStats() {
        return new org.walden.wal.Archiver.Stats(0, null, null, 0, null, null, postmasterStartTime());
    }

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

    /** The role a client backend or walsender runs as (pg_signal_backend's check), or null for no such backend. */
    default String backendUser(int pid) {
        return null;
    }

    /**
     * pg_terminate_backend(pid) ({@code terminate}: FATAL 57P01 for its client) or
     * pg_cancel_backend(pid) (57014 for its running statement); false when it is gone.
     */
    default boolean signalBackend(int pid, boolean terminate) {
        return false;
    }

    /** pg_terminate_backend's timeout: waits until the backend has exited; false when it has not. */
    default boolean awaitBackendExit(int pid, long timeoutMs) {
        return false;
    }

    /** pg_promote(): writes promote.signal and signals the server (the caller checks recovery first). */
    default void requestPromote() {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "pg_promote() is not supported by this server");
    }

    /** pg_create_restore_point(name): logs the named point; returns the end of its record. */
    default Lsn createRestorePoint(String name) {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                "pg_create_restore_point() is not supported by this server");
    }

    /**
     * CREATE TABLESPACE's directories: {@code location}/PG_15_... and the link pg_tblspc/OID
     * (an in-place directory for ""), WAL-logged; PostgreSQL's errors for a missing directory.
     */
    default void createTablespace(int oid, String location) {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "tablespaces are not supported by this server");
    }

    /**
     * Stores the rows of a new relfilenode in tablespace {@code tablespaceOid} (0: pg_default),
     * before any is written. A server without tablespaces has nothing to do.
     */
    default void placeRelation(int relfilenode, int tablespaceOid) {
    }

    /** The tablespace whose storage holds {@code relfilenode}'s rows; 0 for pg_default. */
    default int relationTablespace(int relfilenode) {
        return 0;
    }

    /** DROP TABLESPACE's directories: false (nothing removed) when they still hold files. */
    default boolean dropTablespace(int oid) {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "tablespaces are not supported by this server");
    }

    /** pg_tablespace_location(oid): the link's target, "pg_tblspc/OID" when in place, "" for none. */
    default String tablespaceLocation(int oid) {
        return "";
    }

    /** pg_backup_stop's spcmapfile: a "OID LOCATION" line per tablespace linked from pg_tblspc. */
    default String tablespaceMap() {
        return "";
    }

    /** The bytes of the files in a tablespace's directory. */
    default long tablespaceFileBytes(int oid) {
        return 0;
    }

    /** pg_last_xact_replay_timestamp(): the commit time of the last replayed transaction; null if none. */
    default Instant lastXactReplayTimestamp() {
        return null;
    }

    /** pg_wal_replay_pause() ({@code true}) / pg_wal_replay_resume(); callers check inRecovery() first. */
    default void setWalReplayPaused(boolean paused) {
        throw new UnsupportedOperationException("replay control is not available");
    }

    /** pg_get_wal_replay_pause_state(): "not paused", "pause requested" or "paused". */
    default String walReplayPauseState() {
        return "not paused";
    }

    /**
     * pg_wal_replay_wait(): waits until replay has passed {@code lsn} or {@code timeoutMs}
     * passes (at most; callers wait in slices to check for cancels); true when replayed.
     */
    default boolean awaitWalReplay(Lsn lsn, long timeoutMs) {
        return false;
    }

    /**
     * walden_pause_writes(wait_seconds): new writers get 25006 from now on (until the session of
     * {@code backendPid} resumes them or ends); waits up to {@code waitMs} for the running
     * writers, then ends the sessions still in a transaction; returns the WAL insert position
     * after the last writer. 55006 when writes are paused already.
     */
    default Lsn pauseWrites(int backendPid, long waitMs) {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "walden_pause_writes() is not supported by this server");
    }

    /** walden_resume_writes(): lets writers in again; false when writes were not paused. */
    default boolean resumeWrites() {
        return false;
    }

    /**
     * walden_standby_address(pid): where the standby served by walsender {@code pid} accepts
     * connections ("host:port", or ":port" when it listens on every address), as its
     * walreceiver reported it; null when it did not.
     */
    default String standbyAddress(int walSenderPid) {
        return null;
    }

    /** The data directory: the file functions' relative paths start there. Null when there is none. */
    default java.nio.file.Path dataDirectory() {
        return null;
    }

    /** log_directory (absolute) while the logging collector runs, else null (the file functions may read it). */
    default java.nio.file.Path logDirectory() {
        return null;
    }

    /** pg_control as it stands (the pg_control_* functions). */
    default org.walden.wal.ControlFile.Data controlFile() {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "pg_control is not available here");
    }

    /**
     * pg_current_logfile(format): the logging collector's current file for "stderr", "csvlog" or
     * "jsonlog" (null format: the first of them in use), as log_directory/file; null when none.
     */
    default String currentLogfile(String format) {
        return null;
    }

    /**
     * pg_backup_start(label, fast) for session {@code backendPid}: the backup checkpoint, and
     * pg_stop's state kept for that session; returns the start (redo) LSN.
     */
    default Lsn backupStart(int backendPid, String label, boolean fast) {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "pg_backup_start() is not supported here");
    }

    /** pg_backup_stop: ends the session's backup; null when it has none. */
    default BackupStopped backupStop(int backendPid, boolean waitForArchive, Runnable checkCancel,
                                     java.util.function.Consumer<String> notice) {
        return null;
    }

    /** pg_backup_stop's row: the end LSN and the backup_label text (the tablespace map comes from {@link #tablespaceMap}). */
    record BackupStopped(Lsn lsn, String labelFile) {
    }

    /** pg_hba_file_rules: pg_hba.conf as the server parses it now, one row per line (errors included). */
    default List<HbaRule> hbaFileRules() {
        return List.of();
    }

    /** A pg_hba.conf line as pg_hba_file_rules shows it (PostgreSQL 15's columns). */
    record HbaRule(Integer lineNumber, String type, List<String> database, List<String> userName, String address,
                   String netmask, String authMethod, List<String> options, String error) {
    }

    /**
     * pg_shmem_allocations: the server's memory areas sized from shared_buffers (RocksDB's block
     * cache, the memtables charged to it, the index and filter blocks beside it, the Java heap),
     * each with its bound and what it holds now.
     */
    default List<MemoryArea> memoryAreas() {
        return List.of();
    }

    /** A memory area as pg_shmem_allocations shows it: its bound ({@code size}) and its use. */
    record MemoryArea(String name, long size, long allocatedSize) {
    }

    /** pg_stat_ssl: one row per client backend and walsender (ssl false and NULLs in plaintext). */
    default List<SslConnection> sslConnections() {
        return List.of();
    }

    /** A connection as pg_stat_ssl shows it (PostgreSQL 15's columns); {@code clientSerial} numeric. */
    record SslConnection(int pid, boolean ssl, String version, String cipher, Integer bits, String clientDn,
                         java.math.BigDecimal clientSerial, String issuerDn) {
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
                           Instant queryStart, Instant stateChange, WaitEvent waitEvent, String state,
                           String query, String backendType) {
    }
}
