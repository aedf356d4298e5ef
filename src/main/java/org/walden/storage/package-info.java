/** RocksDB-backed rows and catalogs with RocksDB's own WAL off, and the checkpointer. */
package org.walden.storage;
