package org.walden.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.walden.recovery.EngineReplicationSupport.stream;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.recovery.EngineReplicationSupport;
import org.walden.recovery.Engine;
import org.walden.recovery.EngineOptions;
import org.walden.wal.Lsn;
import org.walden.wal.WalReceiverWriter;

/**
 * Fresh key ranges ({@link Transaction#createRange}) and range deletes: rows that reach storage
 * before the commit vanish on rollback and on a crash before the
 * commit (also across a checkpoint taken meanwhile), survive a crash after it, and a standby
 * replays all of it the same way.
 */
class FreshRangeTest {

    static final long SEG = 1L << 20;
    /** Enough rows for several ROWS records (each about {@link KvTransaction#BULK_BATCH_BYTES}). */
    static final int MANY = 200_000;

    @TempDir
    Path tmp;

    static EngineOptions opts() {
        return EngineOptions.defaults().withFsync(false).withWalWriterDelayMs(20);
    }

    /** The range of "table" n: DATA_KEYSPACE, n (4 bytes). */
    static byte[] prefix(int n) {
        return ByteBuffer.allocate(5).put(Transaction.DATA_KEYSPACE).putInt(n).array();
    }

    static byte[] key(int n, int row) {
        return ByteBuffer.allocate(9).put(Transaction.DATA_KEYSPACE).putInt(n).putInt(row).array();
    }

    static byte[] value(int row) {
        return ("row-" + row + "-" + "x".repeat(60)).getBytes();
    }

    static long count(TransactionManager tm, int n) {
        Transaction t = tm.begin();
        t.newStatementSnapshot();
        long c = 0;
        try (KvCursor cur = t.scan(prefix(n), prefix(n + 1))) {
            while (cur.next()) {
                c++;
            }
        }
        t.rollback();
        return c;
    }

    /** Every key and value of "table" n, hashed in key order: equal tables, equal digests. */
    static String digest(TransactionManager tm, int n) {
        Transaction t = tm.begin();
        t.newStatementSnapshot();
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        try (KvCursor cur = t.scan(prefix(n), prefix(n + 1))) {
            while (cur.next()) {
                md.update(cur.key());
                md.update(cur.value());
            }
        }
        t.rollback();
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    /** Rows 0..rows-1 of "table" n with values no compressor shrinks. */
    static void fillRandom(Transaction t, int n, int rows) {
        java.util.Random random = new java.util.Random(n);
        for (int i = 0; i < rows; i++) {
            byte[] v = new byte[64];
            random.nextBytes(v);
            t.put(key(n, i), v);
        }
    }

    /** The KV info codes of the records from {@code start} on, as the WAL on disk has them. */
    static java.util.List<Byte> loggedKvInfos(Path data, Lsn start) {
        org.walden.wal.WalReader r = new org.walden.wal.WalReader(data.resolve("pg_wal"), SEG,
                org.walden.wal.TimelineId.FIRST);
        r.beginRead(start, Lsn.INVALID);
        java.util.List<Byte> out = new java.util.ArrayList<>();
        for (org.walden.wal.WalRecord rec = r.readNext(); rec != null; rec = r.readNext()) {
            if (rec.rmgr() == org.walden.wal.RmgrId.KV) {
                out.add(rec.info());
            }
        }
        r.close();
        return out;
    }

    static void fill(Transaction t, int n, int rows) {
        for (int i = 0; i < rows; i++) {
            t.put(key(n, i), value(i));
        }
    }

    /** "Table" 1 with rows 0..99 committed the ordinary way (row locks, write set). */
    static void committedOldRows(TransactionManager tm) {
        Transaction t = tm.begin();
        for (int i = 0; i < 100; i++) {
            t.lockForUpdate(key(1, i), 1000);
            t.put(key(1, i), value(i));
        }
        t.commit(SynchronousCommit.LOCAL);
    }

    @Test
    void freshRangeRowsAreInvisibleUntilCommitAndTheOldRangeGoesAtCommit() {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        TransactionManager tm = e.transactionManager();
        committedOldRows(tm);

        Transaction t = tm.begin();
        t.createRange(prefix(2), prefix(3));
        fill(t, 2, MANY);
        t.deleteRange(prefix(1), prefix(2));
        // the new rows are in storage already (only an uncommitted catalog row would name the
        // range, so no one else looks there); the old range is still whole for others
        assertThat(count(tm, 1)).isEqualTo(100);
        // the transaction itself reads its new rows, pending or applied
        assertThat(t.get(key(2, 0))).isEqualTo(value(0));
        assertThat(t.get(key(2, MANY - 1))).isEqualTo(value(MANY - 1));
        assertThat(t.lockForUpdate(key(2, MANY), 1000)).isNull();
        t.delete(key(2, 7));
        assertThat(t.get(key(2, 7))).isNull();
        assertThat(t.hasWrites()).isTrue();
        t.commit(SynchronousCommit.LOCAL);

        assertThat(count(tm, 2)).isEqualTo(MANY - 1);
        assertThat(count(tm, 1)).isZero();
        e.shutdown();
    }

    @Test
    void rollbackEmptiesTheFreshRangeAndKeepsTheOldOne() {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        TransactionManager tm = e.transactionManager();
        committedOldRows(tm);
        Transaction t = tm.begin();
        t.createRange(prefix(2), prefix(3));
        fill(t, 2, MANY);
        t.deleteRange(prefix(1), prefix(2));
        t.rollback();
        assertThat(count(tm, 2)).isZero();
        assertThat(count(tm, 1)).isEqualTo(100);
        e.shutdown();
    }

    @Test
    void crashBeforeCommitEmptiesTheFreshRangeEvenAfterACheckpointMeanwhile() throws Exception {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        TransactionManager tm = e.transactionManager();
        committedOldRows(tm);
        Transaction t = tm.begin();
        t.createRange(prefix(2), prefix(3));
        fill(t, 2, MANY / 2);
        // a checkpoint flushes storage (with the new rows) but must keep its redo point at or
        // before the NEW_RANGE record, so that recovery still sees the range and empties it
        long before = e.checkpointsDone();
        e.requestCheckpoint();
        await(() -> e.checkpointsDone() > before);
        fill(t, 2, MANY);
        t.deleteRange(prefix(1), prefix(2));
        e.wal().flushAll();
        e.simulateCrash();

        Engine r = Engine.open(data, opts());
        assertThat(count(r.transactionManager(), 2)).isZero();
        assertThat(count(r.transactionManager(), 1)).isEqualTo(100);
        // the same range created again (an OID handed out again after the crash) starts empty
        Transaction again = r.transactionManager().begin();
        again.createRange(prefix(2), prefix(3));
        again.put(key(2, 5), value(5));
        again.commit(SynchronousCommit.LOCAL);
        assertThat(count(r.transactionManager(), 2)).isEqualTo(1);
        r.shutdown();
    }

    @Test
    void freshRangeReloadedAfterACrashHoldsOnlyTheNewRowsInAnyKeyOrder() throws Exception {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        Transaction t = e.transactionManager().begin();
        t.createRange(prefix(2), prefix(3));
        fill(t, 2, MANY); // full batches in key order: stored as files, which survive the crash
        e.wal().flushAll();
        e.simulateCrash();

        Engine r = Engine.open(data, opts());
        TransactionManager tm = r.transactionManager();
        assertThat(count(tm, 2)).isZero();
        // the range again (its OID handed out again): half the rows, the even ones, in descending order
        Transaction again = tm.begin();
        again.createRange(prefix(2), prefix(3));
        for (int i = MANY - 2; i >= 0; i -= 2) {
            again.put(key(2, i), value(i));
        }
        again.commit(SynchronousCommit.LOCAL);
        assertThat(count(tm, 2)).isEqualTo(MANY / 2);
        Transaction read = tm.begin();
        read.newStatementSnapshot();
        assertThat(read.get(key(2, 1))).isNull();
        assertThat(read.get(key(2, MANY - 2))).isEqualTo(value(MANY - 2));
        read.rollback();
        r.shutdown();
    }

    @Test
    void bulkBatchesAreLoggedCompressedAndCrashRecoveryGivesBackTheSameRows() {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        TransactionManager tm = e.transactionManager();
        Lsn start = e.wal().insertPosition();
        Transaction t = tm.begin();
        t.createRange(prefix(2), prefix(3));
        fill(t, 2, MANY); // compressible: logged as ROWS_SNAPPY
        t.createRange(prefix(3), prefix(4));
        fillRandom(t, 3, MANY); // incompressible: logged as plain ROWS
        t.commit(SynchronousCommit.LOCAL);
        String compressible = digest(tm, 2);
        String random = digest(tm, 3);
        java.util.List<Byte> infos = loggedKvInfos(data, start);
        assertThat(infos).contains(org.walden.wal.RmgrId.KV_ROWS_SNAPPY, org.walden.wal.RmgrId.KV_ROWS);
        // a crash before any checkpoint: recovery replays both kinds of ROWS records
        e.simulateCrash();

        Engine r = Engine.open(data, opts());
        assertThat(count(r.transactionManager(), 2)).isEqualTo(MANY);
        assertThat(digest(r.transactionManager(), 2)).isEqualTo(compressible);
        assertThat(count(r.transactionManager(), 3)).isEqualTo(MANY);
        assertThat(digest(r.transactionManager(), 3)).isEqualTo(random);
        r.shutdown();
    }

    @Test
    void crashAfterCommitKeepsTheFreshRowsAndTheRangeDelete() {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        TransactionManager tm = e.transactionManager();
        committedOldRows(tm);
        Transaction t = tm.begin();
        t.createRange(prefix(2), prefix(3));
        fill(t, 2, MANY);
        t.deleteRange(prefix(1), prefix(2));
        t.commit(SynchronousCommit.LOCAL);
        e.simulateCrash();

        Engine r = Engine.open(data, opts());
        assertThat(count(r.transactionManager(), 2)).isEqualTo(MANY);
        assertThat(count(r.transactionManager(), 1)).isZero();
        r.shutdown();
    }

    @Test
    void standbyReplaysFreshRangesRangeDeletesAndAborts() throws Exception {
        Path primaryDir = tmp.resolve("primary");
        Engine.initialize(primaryDir, SEG);
        Engine primary = Engine.open(primaryDir, opts());
        TransactionManager tm = primary.transactionManager();
        committedOldRows(tm);

        Path standbyDir = tmp.resolve("standby");
        EngineReplicationSupport.take(SEG, primary, standbyDir);
        Engine standby = Engine.open(standbyDir, opts().withStandbyMode(true));
        standby.startRecovery();
        WalReceiverWriter rw = standby.receiverWriter();
        Lsn sent = stream(primary, rw, rw.flushedLsn());
        await(standby::isConsistent);
        TransactionManager stm = standby.transactionManager();
        assertThat(count(stm, 1)).isEqualTo(100);

        // aborted: the standby applied the rows as they came and empties the range at ABORT
        Transaction aborted = tm.begin();
        aborted.createRange(prefix(3), prefix(4));
        fill(aborted, 3, MANY);
        aborted.rollback();
        // committed: rows in a fresh range, the old range emptied at COMMIT
        Transaction t = tm.begin();
        t.createRange(prefix(2), prefix(3));
        fill(t, 2, MANY); // logged as compressed ROWS records
        t.deleteRange(prefix(1), prefix(2));
        Lsn commitEnd = t.commit(SynchronousCommit.LOCAL);
        sent = stream(primary, rw, sent);
        await(() -> standby.lastReplayLsn().compareTo(commitEnd) >= 0);
        assertThat(count(stm, 2)).isEqualTo(MANY);
        assertThat(digest(stm, 2)).isEqualTo(digest(tm, 2));
        assertThat(count(stm, 1)).isZero();
        assertThat(count(stm, 3)).isZero();
        standby.shutdown();
        primary.shutdown();
    }

    static void await(BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!cond.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
