package org.walden.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.storage.Store;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.Wal;

class KvTransactionManagerTest {

    static final long SEG = 1L << 20;

    @TempDir
    Path dir;
    Store store;
    Wal wal;
    KvTransactionManager tm;

    @BeforeEach
    void setUp() throws Exception {
        store = Store.open(dir.resolve("base"));
        java.nio.file.Files.createDirectories(dir.resolve("pg_wal"));
        wal = new Wal(dir.resolve("pg_wal"), SEG, TimelineId.FIRST, new Lsn(SEG), Lsn.INVALID,
                new Wal.Options(false, 1 << 20, 0, 0));
        tm = new KvTransactionManager(store, wal, Clock.systemUTC(), 3);
    }

    @AfterEach
    void tearDown() {
        wal.close(true);
        store.close();
    }

    static byte[] key(String s) {
        byte[] b = s.getBytes();
        byte[] k = new byte[b.length + 1];
        k[0] = Transaction.DATA_KEYSPACE;
        System.arraycopy(b, 0, k, 1, b.length);
        return k;
    }

    static byte[] v(long n) {
        return ByteBuffer.allocate(8).putLong(n).array();
    }

    static long n(byte[] b) {
        return ByteBuffer.wrap(b).getLong();
    }

    private List<String> scanKeys(Transaction t) {
        List<String> out = new ArrayList<>();
        try (KvCursor c = t.scan(key(""), key("~"))) {
            while (c.next()) {
                out.add(new String(c.key(), 1, c.key().length - 1) + "=" + n(c.value()));
            }
        }
        return out;
    }

    @Test
    void readsOwnWritesOverTheSnapshotAndOthersOnlyAfterCommit() {
        Transaction t1 = tm.begin();
        t1.lockForUpdate(key("b"), 1000);
        t1.put(key("b"), v(2));
        t1.put(key("d"), v(4));
        assertThat(t1.xid()).isGreaterThanOrEqualTo(3);
        Lsn end = t1.commit(SynchronousCommit.ON);
        assertThat(wal.flushedLsn().compareTo(end)).isGreaterThanOrEqualTo(0);

        Transaction t2 = tm.begin();
        t2.newStatementSnapshot();
        t2.put(key("a"), v(1));
        t2.put(key("c"), v(3));
        t2.delete(key("d"));
        t2.put(key("b"), v(20));
        assertThat(scanKeys(t2)).containsExactly("a=1", "b=20", "c=3");
        assertThat(t2.get(key("d"))).isNull();

        Transaction other = tm.begin();
        other.newStatementSnapshot();
        assertThat(scanKeys(other)).containsExactly("b=2", "d=4");
        t2.commit(SynchronousCommit.LOCAL);
        assertThat(scanKeys(other)).as("old statement snapshot").containsExactly("b=2", "d=4");
        other.newStatementSnapshot();
        assertThat(scanKeys(other)).containsExactly("a=1", "b=20", "c=3");
        other.rollback();
        other.rollback();
    }

    /** Every KV record of the transaction that ends at {@code end}, from the WAL on disk. */
    private List<org.walden.wal.KvChange> loggedChanges(Lsn start, Lsn end) {
        org.walden.wal.WalReader r = new org.walden.wal.WalReader(dir.resolve("pg_wal"), SEG, TimelineId.FIRST);
        r.beginRead(start, Lsn.INVALID);
        List<org.walden.wal.KvChange> out = new ArrayList<>();
        for (org.walden.wal.WalRecord rec = r.readNext(end); rec != null; rec = r.readNext(end)) {
            if (rec.rmgr() == org.walden.wal.RmgrId.KV) {
                out.add(org.walden.wal.KvChange.decode(rec));
            }
        }
        return out;
    }

    @Test
    void theBeforeImageLoggedAtCommitIsTheRowReadUnderTheLock() {
        Transaction t0 = tm.begin();
        t0.put(key("r"), v(1));
        t0.put(key("gone"), v(9));
        Lsn start = t0.commit(SynchronousCommit.ON);

        Transaction t1 = tm.begin();
        assertThat(n(t1.lockForUpdate(key("r"), 1000))).isEqualTo(1);
        assertThat(t1.lockForUpdate(key("absent"), 1000)).isNull();
        assertThat(n(t1.lockForUpdate(key("gone"), 1000))).isEqualTo(9);
        t1.put(key("r"), v(2));
        assertThat(n(t1.lockForUpdate(key("r"), 1000))).as("own write after the lock").isEqualTo(2);
        t1.put(key("r"), v(3));
        t1.put(key("absent"), v(4));
        t1.delete(key("gone"));
        t1.put(key("unlocked"), v(5));
        Lsn end = t1.commit(SynchronousCommit.ON);

        List<String> logged = new ArrayList<>();
        for (org.walden.wal.KvChange c : loggedChanges(start, end)) {
            logged.add(new String(c.key(), 1, c.key().length - 1)
                    + ":" + (c.before() == null ? "-" : n(c.before()))
                    + ">" + (c.after() == null ? "-" : n(c.after())));
        }
        assertThat(logged).containsExactly("absent:->4", "gone:9>-", "r:1>3", "unlocked:->5");

        Transaction t2 = tm.begin();
        assertThat(n(t2.lockForUpdate(key("r"), 1000))).as("the cache ends with the transaction").isEqualTo(3);
        t2.rollback();
    }

    @Test
    void aRowReadThenLockedIsItsLatestVersionEvenWhenAnotherCommitCameBetween() {
        Transaction t0 = tm.begin();
        t0.put(key("r"), v(1));
        t0.put(key("s"), v(10));
        t0.commit(SynchronousCommit.ON);

        Transaction t1 = tm.begin();
        t1.newStatementSnapshot();
        assertThat(n(t1.get(key("s")))).isEqualTo(10);
        assertThat(n(t1.lockForUpdate(key("s"), 1000))).as("storage unchanged since the read").isEqualTo(10);
        assertThat(n(t1.get(key("r")))).isEqualTo(1);
        Transaction t2 = tm.begin();
        t2.put(key("r"), v(2));
        t2.commit(SynchronousCommit.ON);
        assertThat(n(t1.get(key("r")))).as("the statement's snapshot").isEqualTo(1);
        assertThat(n(t1.lockForUpdate(key("r"), 1000))).as("committed after the read").isEqualTo(2);
        t1.rollback();
    }

    @Test
    void aNewKeyIsLoggedWithoutBeforeImage() {
        Transaction t0 = tm.begin();
        t0.put(key("seed"), v(0));
        Lsn start = t0.commit(SynchronousCommit.ON);
        Transaction t1 = tm.begin();
        t1.putNew(key("id1"), v(1));
        t1.putNew(key("id1"), v(2));
        Lsn end = t1.commit(SynchronousCommit.ON);
        List<String> logged = new ArrayList<>();
        for (org.walden.wal.KvChange c : loggedChanges(start, end)) {
            logged.add(new String(c.key(), 1, c.key().length - 1)
                    + ":" + (c.before() == null ? "-" : n(c.before())) + ">" + n(c.after()));
        }
        assertThat(logged).containsExactly("id1:->2");
        Transaction t2 = tm.begin();
        assertThat(n(t2.get(key("id1")))).isEqualTo(2);
        t2.rollback();
    }

    @Test
    void concurrentIncrementsLoseNoUpdate() throws Exception {
        Transaction init = tm.begin();
        init.put(key("counter"), v(0));
        init.commit(SynchronousCommit.OFF);
        int threads = 4;
        int perThread = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            fs.add(pool.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    Transaction tx = tm.begin();
                    tx.newStatementSnapshot();
                    byte[] cur = tx.lockForUpdate(key("counter"), 10_000);
                    tx.put(key("counter"), v(n(cur) + 1));
                    tx.commit(SynchronousCommit.LOCAL);
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        Transaction check = tm.begin();
        assertThat(n(check.get(key("counter")))).isEqualTo((long) threads * perThread);
        assertThat(tm.lockTable().heldCount()).isZero();
    }

    @Test
    void lockWaitTimesOutWith55P03AndWakesOnRelease() throws Exception {
        Transaction holder = tm.begin();
        holder.lockForUpdate(key("x"), 100);
        Transaction waiter = tm.begin();
        assertThatThrownBy(() -> waiter.lockForUpdate(key("x"), 50))
                .isInstanceOf(PgException.class)
                .hasMessageStartingWith("could not obtain lock on row")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.LOCK_NOT_AVAILABLE));
        CountDownLatch waiting = new CountDownLatch(1);
        Future<byte[]> f = Executors.newSingleThreadExecutor().submit(() -> {
            waiting.countDown();
            return waiter.lockForUpdate(key("x"), 10_000);
        });
        waiting.await();
        Thread.sleep(50);
        holder.put(key("x"), v(7));
        holder.commit(SynchronousCommit.LOCAL);
        assertThat(n(f.get(10, TimeUnit.SECONDS))).as("the latest committed value, not the snapshot's").isEqualTo(7);
        waiter.rollback();
    }

    @Test
    void waitCycleRaisesDeadlockDetected() throws Exception {
        Transaction a = tm.begin();
        Transaction b = tm.begin();
        a.lockForUpdate(key("1"), 100);
        b.lockForUpdate(key("2"), 100);
        Future<?> aWaits = Executors.newSingleThreadExecutor().submit(() -> a.lockForUpdate(key("2"), 10_000));
        Thread.sleep(100);
        assertThatThrownBy(() -> b.lockForUpdate(key("1"), 10_000))
                .isInstanceOf(PgException.class).hasMessage("deadlock detected")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.DEADLOCK_DETECTED));
        b.rollback();
        aWaits.get(10, TimeUnit.SECONDS);
        a.rollback();
    }

    @Test
    void catalogWritesBumpTheCatalogVersionAndRedoPointTracksUnapplied() {
        long before = tm.catalogVersion();
        Transaction t = tm.begin();
        t.put(new byte[] {Transaction.CATALOG_KEYSPACE, 1}, v(1));
        t.commit(SynchronousCommit.LOCAL);
        assertThat(tm.catalogVersion()).isGreaterThan(before);
        assertThat(tm.redoPoint()).isEqualTo(wal.insertPosition());
    }

    @Test
    void aStandbysTransactionsRefuseWrites() {
        KvTransactionManager standby = new KvTransactionManager(store, null, Clock.systemUTC(), 3);
        assertThat(standby.inRecovery()).isTrue();
        Transaction t = standby.begin();
        assertThatThrownBy(() -> t.put(key("a"), v(1)))
                .isInstanceOf(PgException.class)
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.READ_ONLY_SQL_TRANSACTION));
        assertThat(t.get(key("a"))).isNull();
        t.rollback();
    }

    @Test
    void groupCommitOneFsyncServesManyTransactions() throws Exception {
        // A controlled interleaving, not timing: something holds the WAL's flush lock (here
        // pg_switch_wal, whose segment-finished callback runs under it and is made to wait) while
        // every committer inserts its records and queues in Wal.flush. Once it lets go, one
        // committer leads a single write + fdatasync that covers all of them; the others find
        // their commit already flushed. Real fdatasyncs.
        java.nio.file.Files.createDirectories(dir.resolve("pg_wal_sync"));
        Wal wal = new Wal(dir.resolve("pg_wal_sync"), SEG, TimelineId.FIRST, new Lsn(SEG), Lsn.INVALID,
                new Wal.Options(true, 1 << 20, 0, 0));
        KvTransactionManager tm = new KvTransactionManager(store, wal, Clock.systemUTC(), 3);
        Transaction first = tm.begin();
        first.put(key("first"), v(0));
        first.commit(SynchronousCommit.LOCAL); // mid-segment now, so pg_switch_wal has work to do

        CountDownLatch flushLockHeld = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        wal.setSegmentFinishedListener(segNo -> {
            if (once.compareAndSet(false, true)) {
                flushLockHeld.countDown();
                try {
                    letGo.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Thread holder = Thread.ofPlatform().name("flush-lock-holder").start(wal::switchSegment);
        assertThat(flushLockHeld.await(60, TimeUnit.SECONDS)).isTrue();
        long fsyncsBefore = wal.fsyncCount();

        int committers = 8;
        List<Thread> threads = new ArrayList<>();
        Lsn[] ends = new Lsn[committers];
        Throwable[] failures = new Throwable[committers];
        for (int t = 0; t < committers; t++) {
            int tt = t;
            threads.add(Thread.ofPlatform().name("committer-" + t).start(() -> {
                try {
                    Transaction tx = tm.begin();
                    tx.put(key("t" + tt), v(tt));
                    ends[tt] = tx.commit(SynchronousCommit.LOCAL);
                } catch (Throwable e) {
                    failures[tt] = e;
                }
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!threads.stream().allMatch(KvTransactionManagerTest::parkedInWalFlush)) {
            assertThat(System.nanoTime()).as("all committers queue in Wal.flush").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(wal.fsyncCount()).as("no committer synced while the flush lock was held").isEqualTo(fsyncsBefore);

        letGo.countDown();
        holder.join(60_000);
        for (Thread t : threads) {
            t.join(60_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(failures).containsOnlyNulls();
        assertThat(wal.fsyncCount() - fsyncsBefore).as("one fdatasync for all the queued commits").isEqualTo(1);
        for (Lsn end : ends) {
            assertThat(wal.flushedLsn().compareTo(end)).isGreaterThanOrEqualTo(0);
        }
        Transaction reader = tm.begin();
        for (int t = 0; t < committers; t++) {
            assertThat(n(reader.get(key("t" + t)))).isEqualTo(t);
        }
        reader.rollback();
        wal.close(true);
    }

    /** True once {@code t} waits for the WAL's flush lock inside Wal.flush. */
    private static boolean parkedInWalFlush(Thread t) {
        // followers wait for the flush leader in slices (TIMED_WAITING), a thread behind a lock WAITING
        Thread.State state = t.getState();
        return (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
                && java.util.Arrays.stream(t.getStackTrace())
                .anyMatch(f -> f.getClassName().equals(Wal.class.getName()) && f.getMethodName().equals("flush"));
    }

    @Test
    void commitWaiterRunsForRemoteLevelsBeforeTheCommitIsVisible() {
        List<String> seen = new ArrayList<>();
        tm.setCommitWaiter((end, level) -> {
            Transaction reader = tm.begin();
            seen.add(level + ":" + (reader.get(key("w")) == null ? "invisible" : "visible"));
            reader.rollback();
        });
        Transaction t = tm.begin();
        t.put(key("w"), v(1));
        t.commit(SynchronousCommit.REMOTE_APPLY);
        Transaction t2 = tm.begin();
        t2.put(key("w2"), v(1));
        t2.commit(SynchronousCommit.LOCAL);
        assertThat(seen).containsExactly("REMOTE_APPLY:invisible");
    }

    @Test
    void aScanDoesNotSeeRowsWrittenWhileItRuns() {
        Transaction t = tm.begin();
        t.put(key("a"), v(1));
        t.put(key("b"), v(2));
        t.commit(SynchronousCommit.LOCAL);
        Transaction u = tm.begin();
        u.newStatementSnapshot();
        u.put(key("a"), v(10));
        u.put(key("c"), v(30));
        List<String> seen = new ArrayList<>();
        try (KvCursor c = u.scan(key(""), key("~"))) {
            while (c.next()) {
                seen.add(new String(c.key(), 1, c.key().length - 1) + "=" + n(c.value()));
                u.put(c.key(), v(n(c.value()) + 100)); // UPDATE ... SET v = v + 100
                u.put(key("z"), v(0)); // a row inserted ahead of the cursor
                u.put(key("c"), v(999)); // an own row ahead of the cursor, changed again
            }
        }
        assertThat(seen).containsExactly("a=10", "b=2", "c=30");
        assertThat(n(u.get(key("a")))).isEqualTo(110);
        u.rollback();
    }

    private static void failsWith(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String sqlState,
                                  String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(PgException.class, e -> {
            assertThat(e.sqlState().code()).isEqualTo(sqlState);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void aPreparedTransactionKeepsItsWritesLocksAndTheRedoPointUntilItIsFinished() {
        Transaction setup = tm.begin();
        setup.put(key("a"), v(1));
        setup.commit(SynchronousCommit.ON);
        Transaction t = tm.begin();
        t.newStatementSnapshot();
        t.lockForUpdate(key("a"), 1000);
        t.put(key("a"), v(2));
        t.put(key("b"), v(3));
        Lsn prepareStart = wal.insertPosition();
        t.prepare(new TwoPhase.Identity("g", 10, 5), 2, SynchronousCommit.ON);
        assertThat(tm.preparedTransactions()).extracting(TwoPhase.PreparedXact::gid).containsExactly("g");
        assertThat(tm.preparedTransactions().get(0).xid()).isEqualTo(t.xid());
        Transaction later = tm.begin();
        later.put(key("z"), v(9));
        later.commit(SynchronousCommit.ON);
        assertThat(tm.redoPoint()).isEqualTo(prepareStart); // held back by the prepared transaction

        Transaction other = tm.begin();
        other.newStatementSnapshot();
        assertThat(n(other.get(key("a")))).isEqualTo(1);
        assertThat(other.get(key("b"))).isNull();
        assertThatThrownBy(() -> other.lockForUpdate(key("a"), 50)).isInstanceOf(PgException.class);
        other.rollback();

        Transaction dup = tm.begin();
        dup.put(key("c"), v(1));
        failsWith(() -> dup.prepare(new TwoPhase.Identity("g", 10, 5), 2, SynchronousCommit.ON), "42710",
                "transaction identifier \"g\" is already in use");
        Transaction second = tm.begin();
        second.put(key("d"), v(1));
        second.prepare(new TwoPhase.Identity("h", 10, 5), 2, SynchronousCommit.ON);
        Transaction third = tm.begin();
        third.put(key("e"), v(1));
        assertThatThrownBy(() -> third.prepare(new TwoPhase.Identity("i", 10, 5), 2, SynchronousCommit.ON))
                .isInstanceOfSatisfying(PgException.class, e -> {
                    assertThat(e.sqlState().code()).isEqualTo("53200");
                    assertThat(e.hint()).isEqualTo("Increase max_prepared_transactions (currently 2).");
                });

        failsWith(() -> tm.finishPrepared("g", true, new TwoPhase.Finisher(11, false, 5), SynchronousCommit.ON),
                "42501", "permission denied to finish prepared transaction");
        failsWith(() -> tm.finishPrepared("g", true, new TwoPhase.Finisher(10, false, 6), SynchronousCommit.ON),
                "55000", "prepared transaction belongs to another database");
        tm.finishPrepared("g", true, new TwoPhase.Finisher(99, true, 5), SynchronousCommit.ON);
        tm.finishPrepared("h", false, new TwoPhase.Finisher(10, false, 5), SynchronousCommit.ON);
        failsWith(() -> tm.finishPrepared("g", true, new TwoPhase.Finisher(10, false, 5), SynchronousCommit.ON),
                "42704", "prepared transaction with identifier \"g\" does not exist");

        Transaction after = tm.begin();
        after.newStatementSnapshot();
        assertThat(n(after.lockForUpdate(key("a"), 1000))).isEqualTo(2);
        assertThat(n(after.get(key("b")))).isEqualTo(3);
        assertThat(after.get(key("d"))).isNull();
        after.rollback();
        assertThat(tm.preparedTransactions()).isEmpty();
        assertThat(tm.redoPoint()).isEqualTo(wal.insertPosition());
    }
}
