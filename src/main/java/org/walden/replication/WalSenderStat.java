package org.walden.replication;

import java.net.InetAddress;
import java.time.Instant;
import org.walden.wal.Lsn;

/**
 * One walsender as pg_stat_replication shows it. Positions are null when unknown; lags are
 * null when not measured (microseconds otherwise); backendXmin is the xmin of the standby's
 * last hot standby feedback ('h'), null without one.
 */
public record WalSenderStat(int pid, String userName, String applicationName, InetAddress clientAddr,
                            int clientPort, Instant backendStart, String state, Lsn sentLsn, Lsn writeLsn,
                            Lsn flushLsn, Lsn replayLsn, Long writeLagMicros, Long flushLagMicros,
                            Long replayLagMicros, int syncPriority, String syncState, Instant replyTime,
                            Long backendXmin) {

    /** This row with {@code xmin} as backend_xmin. */
    public WalSenderStat withBackendXmin(Long xmin) {
        return new WalSenderStat(pid, userName, applicationName, clientAddr, clientPort, backendStart, state, sentLsn,
                writeLsn, flushLsn, replayLsn, writeLagMicros, flushLagMicros, replayLagMicros, syncPriority, syncState,
                replyTime, xmin);
    }

    /** The original shape, without hot standby feedback (backendXmin null). */
    public WalSenderStat(int pid, String userName, String applicationName, InetAddress clientAddr, int clientPort,
                         Instant backendStart, String state, Lsn sentLsn, Lsn writeLsn, Lsn flushLsn, Lsn replayLsn,
                         Long writeLagMicros, Long flushLagMicros, Long replayLagMicros, int syncPriority,
                         String syncState, Instant replyTime) {
        this(pid, userName, applicationName, clientAddr, clientPort, backendStart, state, sentLsn, writeLsn, flushLsn,
                replayLsn, writeLagMicros, flushLagMicros, replayLagMicros, syncPriority, syncState, replyTime, null);
    }
}
