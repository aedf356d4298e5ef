/** The write-ahead log: LSNs, records with CRC-32C, segment files, insertion and group-commit flushing, reading, pg_control. */
package org.walden.wal;
