/**
 * The startup process: crash recovery, the standby's redo loop, timelines, promotion, rewind.
 *
 * <p>The server layer uses {@link org.walden.recovery.Engine} only: {@code initialize} (initdb),
 * {@code open} (crash recovery or standby), the accessors for transactions, the WAL (walsenders),
 * the receiver writer (walreceiver), pg_control values, replay position and consistency, and
 * {@code requestCheckpoint}, {@code createBackupCheckpoint}/{@code finishBackup} (BASE_BACKUP),
 * {@code shutdown}. See README.md beside this file for the start-up sequences and invariants.
 */
package org.walden.recovery;
