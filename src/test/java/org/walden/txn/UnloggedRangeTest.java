package org.walden.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.walden.recovery.EngineReplicationSupport.stream;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.recovery.Engine;
import org.walden.recovery.EngineOptions;
import org.walden.recovery.EngineReplicationSupport;
import org.walden.wal.Lsn;
import org.walden.wal.WalReceiverWriter;

/**
 * Rows of unlogged and temporary relfilenodes ({@link RelPersistence}) reach storage at commit
 * without WAL records: the WAL does not grow by their size, a standby never has them, a clean
 * restart keeps the unlogged ones, a crash empties them, and every start empties the temporary
 * ones; a transaction that touched a temporary range cannot be prepared.
 */
class UnloggedRangeTest {

    static final long SEG = 1L << 20;
    static final int ROWS = 20_000;

    @TempDir
    Path tmp;

    static EngineOptions opts() {
        return EngineOptions.defaults().withFsync(false).withWalWriterDelayMs(20);
    }

    static byte[] prefix(int relfilenode) {
        return ByteBuffer.allocate(5).put(Transaction.DATA_KEYSPACE).putInt(relfilenode).array();
    }

    static byte[] key(int relfilenode, int row) {
        return ByteBuffer.allocate(9).put(Transaction.DATA_KEYSPACE).putInt(relfilenode).putInt(row).array();
    }

    static long count(TransactionManager tm, int relfilenode) {
        Transaction t = tm.begin();
        t.newStatementSnapshot();
        long c = 0;
        try (KvCursor cur = t.scan(prefix(relfilenode), prefix(relfilenode + 1))) {
            while (cur.next()) {
                c++;
            }
        }
        t.rollback();
        return c;
    }

    /** A fresh range of {@code relfilenode} filled with ROWS rows, then 10 more rows in a second transaction. */
    static void fill(TransactionManager tm, int relfilenode) {
        Transaction t = tm.begin();
        t.createRange(prefix(relfilenode), prefix(relfilenode + 1));
        for (int i = 0; i < ROWS; i++) {
            t.put(key(relfilenode, i), ("row " + i + " " + "x".repeat(80)).getBytes());
        }
        t.commit(SynchronousCommit.LOCAL);
        Transaction more = tm.begin();
        for (int i = ROWS; i < ROWS + 10; i++) {
            more.put(key(relfilenode, i), new byte[] {1});
        }
        more.commit(SynchronousCommit.LOCAL);
    }

    @Test
    void relfilenodesCarryTheirPersistence() {
        assertThat(RelPersistence.of(RelPersistence.relfilenode(16400, 'p'))).isEqualTo('p');
        assertThat(RelPersistence.of(RelPersistence.relfilenode(16400, 'u'))).isEqualTo('u');
        assertThat(RelPersistence.of(RelPersistence.relfilenode(16400, 't'))).isEqualTo('t');
        assertThat(RelPersistence.fileNumber(RelPersistence.relfilenode(16400, 't'))).isEqualTo(16400);
        PgException e = catchThrowableOfType(PgException.class, () -> RelPersistence.relfilenode(1 << 24, 'u'));
        assertThat(e.sqlState().code()).isEqualTo("54000");
    }

    @Test
    void unloggedRowsSkipTheWalSurviveACleanRestartAndGoInACrash() {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        int logged = RelPersistence.relfilenode(16400, 'p');
        int unlogged = RelPersistence.relfilenode(16401, 'u');
        int temp = RelPersistence.relfilenode(16402, 't');
        Lsn start = e.wal().insertPosition();
        fill(e.transactionManager(), unlogged);
        fill(e.transactionManager(), temp);
        long unloggedWal = e.wal().insertPosition().value() - start.value();
        fill(e.transactionManager(), logged);
        long loggedWal = e.wal().insertPosition().value() - start.value() - unloggedWal;
        assertThat(unloggedWal).isLessThan(loggedWal / 20); // commit records only, no rows
        e.shutdown();

        Engine clean = Engine.open(data, opts());
        assertThat(count(clean.transactionManager(), unlogged)).isEqualTo(ROWS + 10);
        assertThat(count(clean.transactionManager(), temp)).isZero();
        assertThat(count(clean.transactionManager(), logged)).isEqualTo(ROWS + 10);
        clean.wal().flushAll();
        clean.simulateCrash();

        Engine crashed = Engine.open(data, opts());
        assertThat(count(crashed.transactionManager(), unlogged)).isZero();
        assertThat(count(crashed.transactionManager(), logged)).isEqualTo(ROWS + 10);
        crashed.shutdown();
    }

    @Test
    void aStandbyNeverHasUnloggedRows() throws Exception {
        Path primaryDir = tmp.resolve("primary");
        Engine.initialize(primaryDir, SEG);
        Engine primary = Engine.open(primaryDir, opts());
        Path standbyDir = tmp.resolve("standby");
        EngineReplicationSupport.take(SEG, primary, standbyDir);
        Engine standby = Engine.open(standbyDir, opts().withStandbyMode(true));
        standby.startRecovery();
        WalReceiverWriter rw = standby.receiverWriter();
        int unlogged = RelPersistence.relfilenode(16401, 'u');
        int logged = RelPersistence.relfilenode(16400, 'p');
        fill(primary.transactionManager(), unlogged);
        fill(primary.transactionManager(), logged);
        Lsn sent = stream(primary, rw, rw.flushedLsn());
        long deadline = System.currentTimeMillis() + 30_000;
        while (count(standby.transactionManager(), logged) < ROWS + 10 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sent).isNotNull();
        assertThat(count(standby.transactionManager(), logged)).isEqualTo(ROWS + 10);
        assertThat(count(standby.transactionManager(), unlogged)).isZero();
        standby.shutdown();
        primary.shutdown();
    }

    @Test
    void aTransactionThatWroteATemporaryRangeCannotBePrepared() {
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Engine e = Engine.open(data, opts());
        Transaction t = e.transactionManager().begin();
        int temp = RelPersistence.relfilenode(16402, 't');
        t.createRange(prefix(temp), prefix(temp + 1));
        t.put(key(temp, 1), new byte[] {1});
        PgException refused = catchThrowableOfType(PgException.class,
                () -> t.prepare(new TwoPhase.Identity("g", 10, 1), 10, SynchronousCommit.LOCAL));
        assertThat(refused.sqlState().code()).isEqualTo("0A000");
        assertThat(refused.getMessage()).isEqualTo("cannot PREPARE a transaction that has operated on temporary objects");
        assertThat(count(e.transactionManager(), temp)).isZero();
        e.shutdown();
    }
}
