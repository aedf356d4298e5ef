package org.walden.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.walden.recovery.EngineReplicationSupport.stream;
import static org.walden.txn.FreshRangeTest.SEG;
import static org.walden.txn.FreshRangeTest.await;
import static org.walden.txn.FreshRangeTest.count;
import static org.walden.txn.FreshRangeTest.key;
import static org.walden.txn.FreshRangeTest.opts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.recovery.Engine;
import org.walden.recovery.EngineReplicationSupport;
import org.walden.storage.SpillStore;
import org.walden.wal.Lsn;
import org.walden.wal.WalReceiverWriter;

/**
 * Transactions whose write set to an existing range outgrows the bound and spills to
 * base/pgsql_tmp: they see their own spilled rows, ROLLBACK TO undoes spilled writes, a rollback
 * leaves nothing, the commit (streamed records, ingested files) survives a crash and a crash
 * before it leaves nothing, a standby that spills too replays them, and others still wait on
 * the rows' locks.
 */
class SpilledTransactionTest {

    /** Small enough that {@link #ROWS} rows spill many times. */
    static final long BOUND_BYTES = 64 * 1024;
    static final int ROWS = 20_000;

    @TempDir
    Path tmp;

    private static Engine start(Path data) {
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        ((KvTransactionManager) e.transactionManager()).setWriteSetBoundBytes(BOUND_BYTES);
        return e;
    }

    /** Rows 0..99 of "table" 1, committed the ordinary way. */
    private static void oldRows(TransactionManager tm) {
        FreshRangeTest.committedOldRows(tm);
    }

    private static void insert(Transaction t, int from, int to, String tag) {
        for (int i = from; i < to; i++) {
            t.put(key(1, i), (tag + i).getBytes());
        }
    }

    private static String read(TransactionManager tm, int row) {
        Transaction t = tm.begin();
        t.newStatementSnapshot();
        byte[] v = t.get(key(1, row));
        t.rollback();
        return v == null ? null : new String(v);
    }

    private static long sstFiles(Path data) throws Exception {
        Path dir = data.resolve(Engine.BASE_DIR).resolve(SpillStore.DIRECTORY);
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".sst")).count();
        }
    }

    @Test
    void ownReadsSavepointsAndCommitOfASpilledWriteSet() throws Exception {
        Path data = tmp.resolve("data");
        Engine e = start(data);
        TransactionManager tm = e.transactionManager();
        oldRows(tm);
        Transaction t = tm.begin();
        t.newStatementSnapshot();
        insert(t, 1000, 1000 + ROWS, "a");
        t.delete(key(1, 5));
        t.put(key(1, 6), "six".getBytes());
        t.newStatementSnapshot();
        // its own spilled rows: a point read, a scan, an update of one
        assertThat(new String(t.get(key(1, 1010)))).isEqualTo("a1010");
        assertThat(t.get(key(1, 5))).isNull();
        assertThat(count(tm, 1)).isEqualTo(100); // others see nothing yet
        assertThat(scanCount(t)).isEqualTo(100 - 1 + ROWS);
        assertThat(new String(t.lockForUpdate(key(1, 1010), 1000))).isEqualTo("a1010");
        t.put(key(1, 1010), "updated".getBytes());

        // ROLLBACK TO across the spill boundary: rewrites of spilled rows and new rows undone
        int depth = t.beginSubtransaction();
        insert(t, 1000, 1000 + ROWS / 2, "b");
        insert(t, 50_000, 50_000 + ROWS, "c");
        t.delete(key(1, 7));
        t.rollbackToSubtransaction(depth);
        t.releaseSubtransaction(depth);
        t.newStatementSnapshot();
        assertThat(scanCount(t)).isEqualTo(100 - 1 + ROWS);
        assertThat(new String(t.get(key(1, 1010)))).isEqualTo("updated");
        assertThat(new String(t.get(key(1, 1011)))).isEqualTo("a1011");
        assertThat(t.get(key(1, 50_000))).isNull();
        assertThat(t.get(key(1, 7))).isNotNull();

        t.commit(SynchronousCommit.LOCAL);
        assertThat(count(tm, 1)).isEqualTo(100 - 1 + ROWS);
        assertThat(read(tm, 1010)).isEqualTo("updated");
        assertThat(read(tm, 1000 + ROWS - 1)).isEqualTo("a" + (1000 + ROWS - 1));
        assertThat(read(tm, 6)).isEqualTo("six");
        assertThat(read(tm, 5)).isNull();
        assertThat(sstFiles(data)).isZero();

        // the commit is in the WAL: a crash now replays it (and redo spills it with the default bound too)
        e.simulateCrash();
        Engine r = Engine.open(data, opts());
        assertThat(count(r.transactionManager(), 1)).isEqualTo(100 - 1 + ROWS);
        assertThat(read(r.transactionManager(), 1010)).isEqualTo("updated");
        r.shutdown();
    }

    private static long scanCount(Transaction t) {
        long c = 0;
        try (KvCursor cur = t.scan(FreshRangeTest.prefix(1), FreshRangeTest.prefix(2))) {
            while (cur.next()) {
                c++;
            }
        }
        return c;
    }

    @Test
    void rollbackAndCrashBeforeCommitLeaveNothing() throws Exception {
        Path data = tmp.resolve("data");
        Engine e = start(data);
        TransactionManager tm = e.transactionManager();
        oldRows(tm);
        Transaction t = tm.begin();
        insert(t, 1000, 1000 + ROWS, "a");
        t.delete(key(1, 3));
        t.rollback();
        assertThat(count(tm, 1)).isEqualTo(100);

        Transaction crashed = tm.begin();
        insert(crashed, 1000, 1000 + ROWS, "a");
        e.wal().flushAll();
        e.simulateCrash();
        assertThat(Files.exists(data.resolve(Engine.BASE_DIR).resolve(SpillStore.DIRECTORY))).isTrue();
        Engine r = Engine.open(data, opts());
        // the temporary directory of the crashed run is gone at startup
        assertThat(Files.exists(data.resolve(Engine.BASE_DIR).resolve(SpillStore.DIRECTORY))).isFalse();
        assertThat(count(r.transactionManager(), 1)).isEqualTo(100);
        r.shutdown();
    }

    @Test
    void othersWaitForASpilledRowsLock() {
        Path data = tmp.resolve("data");
        Engine e = start(data);
        TransactionManager tm = e.transactionManager();
        oldRows(tm);
        Transaction t = tm.begin();
        insert(t, 1000, 1000 + ROWS, "a");
        // a ROLLBACK TO releases only the locks taken since its savepoint
        int depth = t.beginSubtransaction();
        insert(t, 100_000, 100_000 + ROWS, "b");
        t.rollbackToSubtransaction(depth);
        Transaction other = tm.begin();
        assertThatThrownBy(() -> other.lockForUpdate(key(1, 1001), 50)).isInstanceOf(PgException.class);
        assertThat(other.lockForUpdate(key(1, 100_001), 50)).isNull();
        t.commit(SynchronousCommit.LOCAL);
        other.newStatementSnapshot();
        assertThat(new String(other.lockForUpdate(key(1, 1001), 1000))).isEqualTo("a1001");
        other.rollback();
        e.shutdown();
    }

    @Test
    void standbyThatSpillsReplaysTheLargeCommitAndDropsTheRolledBackOne() throws Exception {
        Path primaryDir = tmp.resolve("primary");
        Engine primary = start(primaryDir);
        TransactionManager tm = primary.transactionManager();
        oldRows(tm);
        Path standbyDir = tmp.resolve("standby");
        EngineReplicationSupport.take(SEG, primary, standbyDir);
        Engine standby = Engine.open(standbyDir, opts().withStandbyMode(true));
        ((KvTransactionManager) standby.transactionManager()).setWriteSetBoundBytes(BOUND_BYTES);
        standby.startRecovery();
        WalReceiverWriter rw = standby.receiverWriter();
        Lsn sent = stream(primary, rw, rw.flushedLsn());
        await(standby::isConsistent);

        Transaction rolledBack = tm.begin();
        insert(rolledBack, 100_000, 100_000 + ROWS, "r");
        rolledBack.rollback();
        Transaction t = tm.begin();
        insert(t, 1000, 1000 + ROWS, "a");
        Lsn commitEnd = t.commit(SynchronousCommit.LOCAL);
        sent = stream(primary, rw, sent);
        await(() -> standby.lastReplayLsn().compareTo(commitEnd) >= 0);
        TransactionManager stm = standby.transactionManager();
        assertThat(count(stm, 1)).isEqualTo(100 + ROWS);
        assertThat(read(stm, 1000 + ROWS / 2)).isEqualTo("a" + (1000 + ROWS / 2));
        assertThat(sstFiles(standbyDir)).isZero();
        standby.shutdown();
        primary.shutdown();
    }
}
