/**
 * Physical streaming replication, as PostgreSQL 15 does it: the walsender (replication
 * commands, CopyBoth streaming of WAL, BASE_BACKUP), the walreceiver (a standby's WAL fetcher),
 * physical replication slots, and the client side of pg_basebackup. See README.md here for
 * the flows and the interfaces the engine is adapted to ({@link org.walden.replication.WalSource},
 * {@link org.walden.replication.ReceivedWalSink}, {@link org.walden.replication.BackupSource}).
 */
package org.walden.replication;
