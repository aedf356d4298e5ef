/**
 * The write-ahead log: LSNs, records with CRC-32C, segment files, insertion and group-commit
 * flushing, reading, pg_control.
 *
 * <p>{@link org.walden.wal.Wal} (insert, flush, readRaw, segment removal) and
 * {@link org.walden.wal.WalWriter} on a primary; {@link org.walden.wal.WalReceiverWriter} on a
 * standby; {@link org.walden.wal.WalReader} for redo and tools; {@link org.walden.wal.WalDump}
 * for waldump; {@link org.walden.wal.ControlFile} for global/pg_control. Rules that cross files
 * are in README.md beside this file.
 */
package org.walden.wal;
