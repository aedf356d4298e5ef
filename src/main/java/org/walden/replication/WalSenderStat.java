package org.walden.replication;

import java.net.InetAddress;
import java.time.Instant;
import org.walden.wal.Lsn;

/**
 * One walsender as pg_stat_replication shows it. Positions are null when unknown; lags are
 * null when not measured (microseconds otherwise).
 */
public record WalSenderStat(int pid, String userName, String applicationName, InetAddress clientAddr,
                            int clientPort, Instant backendStart, String state, Lsn sentLsn, Lsn writeLsn,
                            Lsn flushLsn, Lsn replayLsn, Long writeLagMicros, Long flushLagMicros,
                            Long replayLagMicros, int syncPriority, String syncState, Instant replyTime) {
}
