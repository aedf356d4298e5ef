package org.walden.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.walden.recovery.EngineReplicationSupport.stream;
import static org.walden.recovery.EngineReplicationSupport.streamUpTo;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.txn.SynchronousCommit;
import org.walden.txn.Transaction;
import org.walden.txn.TransactionManager;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.KvChange;
import org.walden.wal.Lsn;
import org.walden.wal.WalReceiverWriter;
import org.walden.wal.WalSegments;
import org.walden.wal.XactRecords;

class EngineTest {

    static final long SEG = 1L << 20;

    @TempDir
    Path tmp;

    static EngineOptions opts() {
        return EngineOptions.defaults().withFsync(false).withWalWriterDelayMs(20);
    }

    static byte[] key(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[b.length + 1];
        k[0] = Transaction.DATA_KEYSPACE;
        System.arraycopy(b, 0, k, 1, b.length);
        return k;
    }

    static void put(TransactionManager tm, String k, String v, SynchronousCommit level) {
        Transaction t = tm.begin();
        t.lockForUpdate(key(k), 1000);
        t.put(key(k), v.getBytes(StandardCharsets.UTF_8));
        t.commit(level);
    }

    static String get(TransactionManager tm, String k) {
        Transaction t = tm.begin();
        t.newStatementSnapshot();
        byte[] v = t.get(key(k));
        t.rollback();
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    static void await(BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!cond.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void initdbThenCleanShutdownAndRestart() {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        assertThat(data.resolve("pg_wal/000000010000000000000001")).exists();
        ControlFile.Data init = ControlFile.read(data.resolve(ControlFile.RELATIVE_PATH));
        assertThat(init.state()).isEqualTo(DbState.SHUTDOWNED);
        assertThat(init.walSegmentSizeBytes()).isEqualTo(SEG);

        Engine e = Engine.open(data, opts());
        assertThat(e.controlFile().state()).isEqualTo(DbState.IN_PRODUCTION);
        assertThat(e.systemIdentifier()).isEqualTo(init.systemIdentifier());
        put(e.transactionManager(), "a", "1", SynchronousCommit.ON);
        e.shutdown();
        assertThat(ControlFile.read(data.resolve(ControlFile.RELATIVE_PATH)).state()).isEqualTo(DbState.SHUTDOWNED);

        Engine again = Engine.open(data, opts());
        assertThat(get(again.transactionManager(), "a")).isEqualTo("1");
        again.shutdown();
        assertThatThrownBy(() -> Engine.initialize(tmp.resolve("bad"), 3L << 20)).isInstanceOf(PgException.class);
    }

    @Test
    void crashRecoveryKeepsCommittedAndDropsUncommitted() {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        TransactionManager tm = e.transactionManager();
        for (int i = 0; i < 200; i++) {
            put(tm, "k" + i, "v" + i, SynchronousCommit.LOCAL);
        }
        put(tm, "k5", "updated", SynchronousCommit.LOCAL);
        Transaction del = tm.begin();
        del.delete(key("k6"));
        del.commit(SynchronousCommit.LOCAL);
        // a transaction whose changes reached the WAL but whose commit never did
        e.wal().insert(new KvChange(key("ghost"), "boo".getBytes(StandardCharsets.UTF_8), null).toRecord(99_999));
        e.wal().flushAll();
        int xidBefore = tm.begin().xid();
        assertThat(xidBefore).isZero();
        e.simulateCrash();

        assertThat(ControlFile.read(data.resolve(ControlFile.RELATIVE_PATH)).state()).isEqualTo(DbState.IN_PRODUCTION);
        Engine r = Engine.open(data, opts());
        TransactionManager rtm = r.transactionManager();
        assertThat(get(rtm, "k0")).isEqualTo("v0");
        assertThat(get(rtm, "k199")).isEqualTo("v199");
        assertThat(get(rtm, "k5")).isEqualTo("updated");
        assertThat(get(rtm, "k6")).isNull();
        assertThat(get(rtm, "ghost")).isNull();
        assertThat(r.controlFile().state()).isEqualTo(DbState.IN_PRODUCTION);
        // new WAL continues after the last valid record; xids continue past those replayed
        Transaction t = rtm.begin();
        t.put(key("after"), new byte[] {1});
        assertThat(t.xid()).isGreaterThan(99_999);
        t.commit(SynchronousCommit.LOCAL);
        r.simulateCrash();
        Engine r2 = Engine.open(data, opts());
        assertThat(get(r2.transactionManager(), "after")).isNotNull();
        assertThat(get(r2.transactionManager(), "k199")).isEqualTo("v199");
        r2.shutdown();
    }

    @Test
    void checkpointRemovesOldSegmentsButKeepsWalKeepSize() {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts().withWalKeep(2 * SEG, 0));
        TransactionManager tm = e.transactionManager();
        String big = "x".repeat(2000);
        for (int i = 0; i < 3000; i++) { // ~6MB of WAL
            put(tm, "k" + (i % 50), big, SynchronousCommit.OFF);
        }
        e.wal().flushAll();
        long current = e.wal().insertPosition().segmentNo(SEG);
        assertThat(current).isGreaterThanOrEqualTo(6);
        assertThat(WalSegments.list(data.resolve("pg_wal"))).hasSizeGreaterThan(5);
        e.requestCheckpoint();
        List<Long> segs = WalSegments.list(data.resolve("pg_wal")).stream()
                .map(p -> WalSegments.segmentNo(p.getFileName().toString(), SEG)).toList();
        assertThat(segs).containsExactly(current - 2, current - 1, current);
        assertThat(e.controlFile().redo().segmentNo(SEG)).isEqualTo(current);
        e.simulateCrash();
        Engine r = Engine.open(data, opts());
        assertThat(get(r.transactionManager(), "k49")).isEqualTo(big);
        r.shutdown();
    }

    @Test
    void standbyReplaysWalCopiedThroughTheReceiverWriter() throws Exception {
        Path primaryDir = tmp.resolve("primary");
        Engine.initialize(primaryDir, SEG);
        Engine primary = Engine.open(primaryDir, opts());
        put(primary.transactionManager(), "before-backup", "1", SynchronousCommit.LOCAL);

        // a base backup, as BASE_BACKUP will make it
        Path standbyDir = tmp.resolve("standby");
        EngineReplicationSupport.Made backup = EngineReplicationSupport.take(SEG, primary, standbyDir,
                () -> put(primary.transactionManager(), "during-backup", "2", SynchronousCommit.LOCAL));
        Engine.BackupStart start = backup.start();
        Lsn backupEnd = backup.endLsn();

        Engine standby = Engine.open(standbyDir, opts().withStandbyMode(true));
        standby.startRecovery();
        assertThat(standby.inRecovery()).isTrue();
        assertThat(standby.isConsistent()).isFalse();
        WalReceiverWriter rw = standby.receiverWriter();
        assertThat(rw.flushedLsn()).isEqualTo(start.startLsn());

        Lsn sent = stream(primary, rw, rw.flushedLsn());
        await(() -> standby.lastReplayLsn().compareTo(backupEnd) >= 0);
        await(standby::isConsistent);
        TransactionManager stm = standby.transactionManager();
        assertThat(get(stm, "before-backup")).isEqualTo("1");
        assertThat(get(stm, "during-backup")).isEqualTo("2");
        assertThatThrownBy(() -> put(stm, "x", "y", SynchronousCommit.LOCAL))
                .isInstanceOf(PgException.class)
                .satisfies(ex -> assertThat(((PgException) ex).sqlState()).isEqualTo(SqlState.READ_ONLY_SQL_TRANSACTION));

        put(primary.transactionManager(), "streamed", "3", SynchronousCommit.LOCAL);
        Lsn streamedEnd = stream(primary, rw, sent);
        await(() -> "3".equals(get(stm, "streamed")));
        // a row is visible once its commit is applied, the replay position moves right after that
        await(() -> !standby.lastReplayLsn().isBefore(streamedEnd));
        assertThat(standby.lastReplayLsn()).isEqualTo(streamedEnd);
        assertThat(standby.lastReplayedCommitTime()).isNotNull();

        // a restartpoint, then a clean stop in recovery, then a restart that goes on streaming
        standby.requestCheckpoint();
        standby.shutdown();
        assertThat(ControlFile.read(standbyDir.resolve(ControlFile.RELATIVE_PATH)).state())
                .isEqualTo(DbState.SHUTDOWNED_IN_RECOVERY);
        Engine again = Engine.open(standbyDir, opts().withStandbyMode(true));
        again.startRecovery();
        await(again::isConsistent);
        assertThat(get(again.transactionManager(), "streamed")).isEqualTo("3");
        put(primary.transactionManager(), "after-restart", "4", SynchronousCommit.LOCAL);
        stream(primary, again.receiverWriter(), again.receiverWriter().flushedLsn());
        await(() -> "4".equals(get(again.transactionManager(), "after-restart")));
        again.shutdown();
        primary.shutdown();
    }

    @Test
    void actionsWaitingForCatchUpRunOnceReplayReachesTheSourcesEnd() throws Exception {
        Path primaryDir = tmp.resolve("primary");
        Engine.initialize(primaryDir, SEG);
        Engine primary = Engine.open(primaryDir, opts());
        put(primary.transactionManager(), "a", "1", SynchronousCommit.LOCAL);
        Path standbyDir = tmp.resolve("standby");
        EngineReplicationSupport.take(SEG, primary, standbyDir);
        Engine standby = Engine.open(standbyDir, opts().withStandbyMode(true));
        Lsn backupDone = primary.wal().flushedLsn();
        put(primary.transactionManager(), "b", "2", SynchronousCommit.LOCAL);
        // the primary's end of WAL as its walreceiver would have heard of it
        Lsn primaryEnd = primary.wal().flushedLsn();
        standby.setReplaySourceReachedTest(at -> !primaryEnd.isAfter(at));
        java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
        standby.whenReplayCaughtUp(ran::incrementAndGet);
        standby.startRecovery();
        WalReceiverWriter rw = standby.receiverWriter();
        Lsn sent = streamUpTo(primary, rw, rw.flushedLsn(), backupDone);
        await(() -> !standby.lastReplayLsn().isBefore(sent));
        Thread.sleep(300); // the redo loop idles: everything it has is replayed, the primary's end is not
        assertThat(ran).hasValue(0);
        stream(primary, rw, sent);
        await(() -> ran.get() == 1);
        assertThat(get(standby.transactionManager(), "b")).isEqualTo("2");
        standby.whenReplayCaughtUp(ran::incrementAndGet); // caught up already: at once
        assertThat(ran).hasValue(2);
        standby.shutdown();
        primary.shutdown();
    }

    @Test
    void backupTakenFromAStandbyEndsAtItsReplayPositionAndKeepsTransactionsPendingAtItsStart() throws Exception {
        Path primaryDir = tmp.resolve("primary");
        Engine.initialize(primaryDir, SEG);
        Engine primary = Engine.open(primaryDir, opts());
        put(primary.transactionManager(), "before", "1", SynchronousCommit.LOCAL);
        Engine standby = openStandbyCopy(primary, tmp.resolve("standby"));
        put(primary.transactionManager(), "committed", "2", SynchronousCommit.LOCAL);
        Lsn bigStart = primary.wal().insertPosition();
        Transaction big = primary.transactionManager().begin();
        for (int i = 0; i < 10; i++) {
            big.put(key("big" + i), ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        Lsn commit = big.commit(SynchronousCommit.LOCAL);
        // the standby has the big transaction's first records, not its commit: pending at the backup's start
        Lsn middle = bigStart.plus(commit.minus(bigStart) / 2);
        streamUpTo(primary, standby.receiverWriter(), standby.receiverWriter().flushedLsn(), middle);
        await(() -> "2".equals(get(standby.transactionManager(), "committed")));
        await(() -> standby.lastReplayLsn().isAfter(bigStart));

        Path copyDir = tmp.resolve("copy");
        EngineReplicationSupport.Made backup = EngineReplicationSupport.take(SEG, standby, copyDir, () -> {
            put(primary.transactionManager(), "during", "3", SynchronousCommit.LOCAL);
            Lsn streamed = stream(primary, standby.receiverWriter(), middle);
            await(() -> "3".equals(get(standby.transactionManager(), "during")));
            // visible is not yet replayed to the end: the backup's end is the replay position at its stop
            await(() -> !standby.lastReplayLsn().isBefore(streamed));
        });
        assertThat(backup.start().fromStandby()).isTrue();
        assertThat(backup.start().startLsn()).as("redo point at or before the pending transaction's first record")
                .isLessThanOrEqualTo(bigStart);
        assertThat(backup.endLsn()).isEqualTo(standby.lastReplayLsn()).isGreaterThan(commit);
        put(primary.transactionManager(), "after", "4", SynchronousCommit.LOCAL);

        Engine copy = Engine.open(copyDir, opts().withStandbyMode(true));
        copy.startRecovery();
        assertThat(copy.isConsistent()).as("not before replay reaches the backup's end").isFalse();
        WalReceiverWriter rw = copy.receiverWriter();
        // the copy streams from the primary: up to just before the backup's end, then on
        Lsn shortOfEnd = new Lsn(backup.endLsn().value() - 1);
        streamUpTo(primary, rw, rw.flushedLsn(), shortOfEnd);
        Thread.sleep(200);
        assertThat(copy.isConsistent()).isFalse();
        stream(primary, rw, shortOfEnd);
        await(copy::isConsistent);
        await(() -> "4".equals(get(copy.transactionManager(), "after")));
        for (String k : List.of("before", "committed", "during")) {
            assertThat(get(copy.transactionManager(), k)).isNotNull();
        }
        assertThat(get(copy.transactionManager(), "big9")).isEqualTo("v9");
        assertThat(copy.controlFile().backupEndRequired()).isFalse();
        copy.shutdown();
        standby.shutdown();
        primary.shutdown();
    }

    /** A standby cloned from {@code primary} by a base backup, streamed up to date. */
    private static Engine openStandbyCopy(Engine primary, Path standbyDir) throws Exception {
        EngineReplicationSupport.take(SEG, primary, standbyDir);
        Engine standby = Engine.open(standbyDir, opts().withStandbyMode(true));
        standby.startRecovery();
        stream(primary, standby.receiverWriter(), standby.receiverWriter().flushedLsn());
        await(standby::isConsistent);
        return standby;
    }

    @Test
    void recoveryStopsAtTheFirstInvalidRecord() throws Exception {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        put(e.transactionManager(), "good", "1", SynchronousCommit.LOCAL);
        Lsn badStart = e.wal().insertPosition();
        put(e.transactionManager(), "bad", "2", SynchronousCommit.LOCAL);
        put(e.transactionManager(), "later", "3", SynchronousCommit.LOCAL);
        e.wal().insert(XactRecords.noop());
        e.simulateCrash();
        // flip a bit in the first record of the "bad" transaction
        Path seg = data.resolve("pg_wal").resolve(WalSegments.fileName(e.timeline(), badStart.segmentNo(SEG), SEG));
        byte[] bytes = Files.readAllBytes(seg);
        bytes[(int) badStart.segmentOffset(SEG) + 30] ^= 1;
        Files.write(seg, bytes);
        Engine r = Engine.open(data, opts());
        assertThat(get(r.transactionManager(), "good")).isEqualTo("1");
        assertThat(get(r.transactionManager(), "bad")).isNull();
        assertThat(get(r.transactionManager(), "later")).as("after the end of valid WAL").isNull();
        // new WAL went in where the bad record was
        assertThat(r.wal().insertPosition().compareTo(badStart)).isGreaterThanOrEqualTo(0);
        put(r.transactionManager(), "new", "4", SynchronousCommit.LOCAL);
        r.simulateCrash();
        Engine r2 = Engine.open(data, opts());
        assertThat(get(r2.transactionManager(), "new")).isEqualTo("4");
        assertThat(get(r2.transactionManager(), "later")).isNull();
        r2.shutdown();
    }

    @Test
    void standbyWaitsForRecordsThatArriveInPiecesAndKeepsPendingTransactionsAcrossRestartpoints() throws Exception {
        Path primaryDir = tmp.resolve("primary");
        Engine.initialize(primaryDir, SEG);
        Engine primary = Engine.open(primaryDir, opts());
        Path standbyDir = tmp.resolve("standby");
        EngineReplicationSupport.Made backup = EngineReplicationSupport.take(SEG, primary, standbyDir);
        Engine.BackupStart start = backup.start();
        Lsn backupEnd = backup.endLsn();
        Engine standby = Engine.open(standbyDir, opts().withStandbyMode(true));
        standby.startRecovery();
        WalReceiverWriter rw = standby.receiverWriter();

        Transaction big = primary.transactionManager().begin();
        for (int i = 0; i < 20; i++) {
            big.put(key("big" + i), ("value" + i).getBytes(StandardCharsets.UTF_8));
        }
        Lsn commitEnd = big.commit(SynchronousCommit.LOCAL);
        assertThat(commitEnd.isAfter(backupEnd)).isTrue();

        // stream up to the middle of the big transaction: its first records replay, nothing is visible
        Lsn middle = backupEnd.plus(commitEnd.minus(backupEnd) / 2 + 3);
        Lsn pos = start.startLsn();
        byte[] buf = new byte[7];
        while (pos.isBefore(middle)) {
            int n = primary.wal().readRaw(pos, buf, 0, (int) Math.min(buf.length, middle.minus(pos)));
            rw.write(pos, buf, 0, n);
            rw.flush();
            pos = pos.plus(n);
        }
        await(standby::isConsistent);
        Thread.sleep(100);
        assertThat(get(standby.transactionManager(), "big0")).isNull();
        standby.requestCheckpoint(); // a restartpoint must not skip the pending transaction's records
        assertThat(standby.controlFile().redo().compareTo(backupEnd)).isLessThanOrEqualTo(0);
        standby.shutdown();

        Engine again = Engine.open(standbyDir, opts().withStandbyMode(true));
        again.startRecovery();
        assertThat(again.receiverWriter().flushedLsn().compareTo(middle)).isLessThanOrEqualTo(0);
        stream(primary, again.receiverWriter(), again.receiverWriter().flushedLsn());
        await(() -> "value19".equals(get(again.transactionManager(), "big19")));
        assertThat(get(again.transactionManager(), "big0")).isEqualTo("value0");
        assertThat(again.lastReplayLsn()).isEqualTo(commitEnd);
        again.shutdown();
        primary.shutdown();
    }

    @Test
    void maxWalSizeTriggersACheckpoint() throws Exception {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts().withCheckpoints(3_600_000L, SEG));
        long before = e.checkpointsDone();
        Lsn startRedo = e.controlFile().redo();
        String big = "y".repeat(4000);
        for (int i = 0; i < 400; i++) { // ~1.6MB of WAL
            put(e.transactionManager(), "k" + (i % 10), big, SynchronousCommit.OFF);
        }
        await(() -> e.checkpointsDone() > before);
        // the redo point is the first record not yet applied to storage, which with asynchronous
        // commits can still lie in segment 1: only require that it moved past start-up's checkpoint
        assertThat(e.controlFile().redo()).isGreaterThan(startRedo);
        e.shutdown();
    }

    @Test
    void restartpointRemovesReplayedSegmentsOnTheStandby() throws Exception {
        Path primaryDir = tmp.resolve("primary");
        Engine.initialize(primaryDir, SEG);
        Engine primary = Engine.open(primaryDir, opts());
        Path standbyDir = tmp.resolve("standby");
        EngineReplicationSupport.take(SEG, primary, standbyDir);
        Engine standby = Engine.open(standbyDir, opts().withStandbyMode(true).withWalKeep(SEG, 0));
        standby.startRecovery();
        String big = "z".repeat(3000);
        for (int i = 0; i < 1500; i++) { // ~4.5MB
            put(primary.transactionManager(), "k" + (i % 20), big, SynchronousCommit.OFF);
        }
        stream(primary, standby.receiverWriter(), standby.receiverWriter().flushedLsn());
        await(() -> standby.lastReplayLsn().equals(primary.wal().flushedLsn()));
        Path standbyWal = standbyDir.resolve("pg_wal");
        assertThat(WalSegments.list(standbyWal)).hasSizeGreaterThanOrEqualTo(4);
        standby.requestCheckpoint();
        long current = standby.lastReplayLsn().segmentNo(SEG);
        assertThat(WalSegments.list(standbyWal)).extracting(p -> WalSegments.segmentNo(p.getFileName().toString(), SEG))
                .containsExactly(current - 1, current);
        assertThat(standby.controlFile().minRecoveryPoint()).isEqualTo(standby.lastReplayLsn());
        standby.shutdown();
        primary.shutdown();
    }
}
