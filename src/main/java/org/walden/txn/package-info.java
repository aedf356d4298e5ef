/** Transactions: READ COMMITTED snapshots over storage, row locks, the commit path into the WAL. */
package org.walden.txn;
