package org.walden.txn;

import org.walden.wal.Lsn;

/**
 * What a commit waits for after its local flush and before it becomes visible: synchronous
 * replication plugs in here (PostgreSQL's SyncRepWaitForLSN). Called only for
 * {@link SynchronousCommit#REMOTE_WRITE}, {@link SynchronousCommit#ON} and
 * {@link SynchronousCommit#REMOTE_APPLY}; returns at once when no synchronous standby is
 * configured. If it throws (a canceled wait), the commit is still applied locally, as in
 * PostgreSQL, and the exception reaches the caller afterwards.
 */
@FunctionalInterface
public interface CommitWaiter {

    CommitWaiter NONE = (commitEndLsn, level) -> { };

    void waitForCommit(Lsn commitEndLsn, SynchronousCommit level);
}
