package org.walden.replication;

import java.time.Instant;
import org.walden.wal.Lsn;

/**
 * The walreceiver as pg_stat_wal_receiver shows it (PostgreSQL 15's columns). Null where
 * PostgreSQL shows NULL (nothing received yet, no slot, a Unix socket's host).
 */
public record WalReceiverStat(int pid, String status, Lsn receiveStartLsn, Integer receiveStartTli, Lsn writtenLsn,
                              Lsn flushedLsn, Integer receivedTli, Instant lastMsgSendTime,
                              Instant lastMsgReceiptTime, Lsn latestEndLsn, Instant latestEndTime, String slotName,
                              String senderHost, Integer senderPort, String conninfo) {
}
