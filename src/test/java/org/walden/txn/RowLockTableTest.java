package org.walden.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;

class RowLockTableTest {

    static final ByteKey K = new ByteKey(new byte[] {1, 2});

    @Test
    void waitersQueuedOnAHotRowEachGetItInTurn() throws Exception {
        RowLockTable t = new RowLockTable();
        t.acquire(1, K, 1000);
        int n = 5;
        List<Long> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch started = new CountDownLatch(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (long txn = 2; txn < 2 + n; txn++) {
                long me = txn;
                fs.add(pool.submit(() -> {
                    started.countDown();
                    t.acquire(me, K, 30_000);
                    assertThat(t.isHeldBy(me, K)).isTrue();
                    order.add(me);
                    t.releaseAll(me, Set.of(K));
                    return null;
                }));
            }
            started.await(10, TimeUnit.SECONDS);
            Thread.sleep(100); // let them queue (the test holds either way)
            t.releaseAll(1, Set.of(K));
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(order).containsExactlyInAnyOrder(2L, 3L, 4L, 5L, 6L);
        assertThat(t.heldCount()).isZero();
        t.acquire(99, K, 0);
        assertThat(t.isHeldBy(99, K)).as("a fresh taker finds the row free").isTrue();
    }

    @Test
    void aCancelledWaiterDoesNotStrandTheOneBehindIt() throws Exception {
        RowLockTable t = new RowLockTable();
        t.acquire(1, K, 1000);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch firstWaiting = new CountDownLatch(1);
            Thread[] first = new Thread[1];
            Future<?> cancelled = pool.submit(() -> {
                first[0] = Thread.currentThread();
                firstWaiting.countDown();
                t.acquire(2, K, 30_000);
                return null;
            });
            Future<?> second = pool.submit(() -> {
                firstWaiting.await();
                t.acquire(3, K, 30_000);
                return null;
            });
            firstWaiting.await(10, TimeUnit.SECONDS);
            Thread.sleep(50); // let both queue (the test holds either way)
            first[0].interrupt(); // pg_cancel_backend of the first waiter
            assertThatThrownBy(() -> cancelled.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(PgException.class);
            t.releaseAll(1, Set.of(K));
            second.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(t.isHeldBy(3, K)).isTrue();
        t.releaseAll(3, Set.of(K));
        assertThat(t.heldCount()).isZero();
    }

    @Test
    void aWaiterThatGivesUpDoesNotStrandTheOthers() throws Exception {
        RowLockTable t = new RowLockTable();
        t.acquire(1, K, 1000);
        assertThatThrownBy(() -> t.acquire(2, K, 50))
                .isInstanceOfSatisfying(PgException.class,
                        e -> assertThat(e.sqlState()).isEqualTo(SqlState.LOCK_NOT_AVAILABLE));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> waiter = pool.submit(() -> {
                t.acquire(3, K, 30_000);
                return null;
            });
            Thread.sleep(50);
            t.releaseAll(1, Set.of(K));
            waiter.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(t.isHeldBy(3, K)).isTrue();
        t.releaseAll(3, Set.of(K));
        assertThat(t.heldCount()).isZero();
    }

    @Test
    void aReleaseWithNobodyWaitingForgetsTheRow() {
        RowLockTable t = new RowLockTable();
        t.acquire(1, K, 0);
        t.acquire(1, K, 0);
        assertThat(t.heldCount()).isEqualTo(1);
        t.releaseAll(2, Set.of(K));
        assertThat(t.isHeldBy(1, K)).as("only the owner releases").isTrue();
        t.releaseAll(1, Set.of(K));
        assertThat(t.heldCount()).isZero();
        assertThat(t.isHeldBy(1, K)).isFalse();
    }

    @Test
    void relationLocksShareAmongDmlAndExcludeDdlAndReportTheCommittedChange() throws Exception {
        RowLockTable t = new RowLockTable();
        assertThat(t.acquireRelation(1, 500, RelationLockMode.ROW_EXCLUSIVE, 100)).isZero();
        assertThat(t.acquireRelation(2, 500, RelationLockMode.ROW_EXCLUSIVE, 100)).isZero();
        assertThatThrownBy(() -> t.acquireRelation(3, 500, RelationLockMode.ACCESS_EXCLUSIVE, 50))
                .isInstanceOfSatisfying(PgException.class,
                        e -> assertThat(e.sqlState()).isEqualTo(SqlState.LOCK_NOT_AVAILABLE));
        t.releaseRelations(1, Set.of(500), 0);
        t.releaseRelations(2, Set.of(500), 0);
        // the DDL gets it once DML is done; DML waiting meanwhile learns the catalog version it committed
        assertThat(t.acquireRelation(3, 500, RelationLockMode.ACCESS_EXCLUSIVE, 100)).isZero();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Long> dml = pool.submit(() -> t.acquireRelation(4, 500, RelationLockMode.ROW_EXCLUSIVE, 10_000));
            Thread.sleep(100);
            assertThat(dml.isDone()).isFalse();
            t.releaseRelations(3, Set.of(500), 42);
            assertThat(dml.get(10, TimeUnit.SECONDS)).isEqualTo(42L);
        } finally {
            pool.shutdownNow();
        }
        // an exclusive holder may also share; a sole sharer may upgrade
        assertThat(t.acquireRelation(4, 500, RelationLockMode.ACCESS_EXCLUSIVE, 100)).isEqualTo(42L);
    }

    @Test
    void aWaitCycleThroughARowLockAndARelationLockIsADeadlock() throws Exception {
        RowLockTable t = new RowLockTable();
        t.acquireRelation(1, 500, RelationLockMode.ROW_EXCLUSIVE, 100); // DML holds the table
        t.acquire(2, K, 100);                  // DDL holds the catalog row
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> ddl = pool.submit(() -> t.acquireRelation(2, 500, RelationLockMode.ACCESS_EXCLUSIVE, 10_000));
            Thread.sleep(100);
            assertThatThrownBy(() -> t.acquire(1, K, 10_000))
                    .isInstanceOfSatisfying(PgException.class,
                            e -> assertThat(e.sqlState()).isEqualTo(SqlState.DEADLOCK_DETECTED));
            t.releaseRelations(1, Set.of(500), 0);
            ddl.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }
}
