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
}
