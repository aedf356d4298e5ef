package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.recovery.Engine;
import org.walden.recovery.EngineOptions;
import org.walden.sql.testing.Client;
import org.walden.common.guc.GucServerSettings;

/**
 * Savepoints, isolation levels and read-only transactions over the real engine, with
 * PostgreSQL 15's messages and SQLSTATEs and the protocol's transaction status. Two sessions
 * stand for two clients.
 */
class TransactionControlTest {

    @TempDir
    Path tmp;
    private Engine engine;
    private WaldenSqlEngine sql;
    private final java.util.concurrent.atomic.AtomicInteger backendPids = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void start() {
        Path data = tmp.resolve("data");
        Engine.initialize(data, 1L << 20);
        engine = Engine.open(data, EngineOptions.defaults().withFsync(false).withWalWriterDelayMs(20));
        WaldenSqlEngine.bootstrap(engine.transactionManager(), "postgres", null);
        sql = new WaldenSqlEngine(engine.transactionManager(), null, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        engine.shutdown();
    }

    private Client connect() {
        return new Client(sql.newSession("postgres", "postgres", backendPids.incrementAndGet(),
                GucServerSettings.defaults(Map.of()).newSession()));
    }

    private static void fails(Client c, String statement, String sqlState, String message) {
        assertThatThrownBy(() -> c.q(statement)).isInstanceOfSatisfying(PgException.class, e -> {
            assertThat(e.sqlState().code()).isEqualTo(sqlState);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    private static List<List<String>> rows(Client c, String query) {
        return c.q(query).rows();
    }

    @Test
    void nestedSavepointsUndoTheirWritesAndKeepTheRest() {
        try (Client c = connect()) {
            c.q("create table t (id int primary key, v text)");
            c.q("begin");
            c.q("insert into t values (1, 'before')");
            assertThat(c.q("savepoint a").tag()).isEqualTo("SAVEPOINT");
            c.q("insert into t values (2, 'in a')");
            c.q("update t set v = 'changed in a' where id = 1");
            c.q("savepoint b");
            c.q("delete from t where id = 1");
            c.q("insert into t values (3, 'in b')");
            assertThat(c.q("rollback to savepoint b").tag()).isEqualTo("ROLLBACK");
            assertThat(rows(c, "select id, v from t order by id"))
                    .containsExactly(List.of("1", "changed in a"), List.of("2", "in a"));
            c.q("insert into t values (3, 'again in b')");
            assertThat(c.q("release b").tag()).isEqualTo("RELEASE");
            c.q("rollback to a");
            assertThat(rows(c, "select id, v from t order by id")).containsExactly(List.of("1", "before"));
            // a released savepoint is gone; the one rolled back to stays
            fails(c, "rollback to b", "3B001", "savepoint \"b\" does not exist");
            assertThat(c.session.transactionStatus()).isEqualTo('E');
            c.q("rollback to a");
            assertThat(c.session.transactionStatus()).isEqualTo('T');
            c.q("insert into t values (4, 'after')");
            c.q("commit");
            assertThat(rows(c, "select id, v from t order by id"))
                    .containsExactly(List.of("1", "before"), List.of("4", "after"));
        }
    }

    @Test
    void anErrorInASavepointLeavesTheTransactionFailedUntilRollbackTo() {
        try (Client c = connect()) {
            c.q("create table t (id int primary key)");
            c.q("begin");
            c.q("insert into t values (1)");
            c.q("savepoint s");
            c.q("insert into t values (2)");
            fails(c, "insert into t values (1)", "23505", "duplicate key value violates unique constraint \"t_pkey\"");
            assertThat(c.session.transactionStatus()).isEqualTo('E');
            fails(c, "select 1", "25P02",
                    "current transaction is aborted, commands ignored until end of transaction block");
            fails(c, "savepoint other", "25P02",
                    "current transaction is aborted, commands ignored until end of transaction block");
            fails(c, "release s", "25P02",
                    "current transaction is aborted, commands ignored until end of transaction block");
            fails(c, "rollback to nosuch", "3B001", "savepoint \"nosuch\" does not exist");
            c.q("rollback to savepoint s");
            assertThat(c.session.transactionStatus()).isEqualTo('T');
            c.q("insert into t values (3)");
            c.q("commit");
            assertThat(rows(c, "select id from t order by id")).containsExactly(List.of("1"), List.of("3"));
        }
    }

    @Test
    void savepointsOutsideATransactionBlockAreRefused() {
        try (Client c = connect()) {
            fails(c, "savepoint s", "25P01", "SAVEPOINT can only be used in transaction blocks");
            fails(c, "release s", "25P01", "RELEASE SAVEPOINT can only be used in transaction blocks");
            fails(c, "rollback to s", "25P01", "ROLLBACK TO SAVEPOINT can only be used in transaction blocks");
            c.q("begin");
            fails(c, "release nosuch", "3B001", "savepoint \"nosuch\" does not exist");
            // an error with no savepoint open fails the whole transaction
            fails(c, "select 1", "25P02",
                    "current transaction is aborted, commands ignored until end of transaction block");
            fails(c, "rollback to nosuch", "3B001", "savepoint \"nosuch\" does not exist");
            assertThat(c.q("commit").tag()).isEqualTo("ROLLBACK");
        }
    }

    @Test
    void aRolledBackSavepointReleasesItsRowLocks() {
        try (Client a = connect(); Client b = connect()) {
            a.q("create table t (id int primary key, v int)");
            a.q("insert into t values (1, 0), (2, 0)");
            a.q("begin");
            a.q("update t set v = 1 where id = 1");
            a.q("savepoint s");
            a.q("update t set v = 1 where id = 2");
            a.q("rollback to s");
            b.q("set lock_timeout = '2s'");
            // row 2's lock went with the savepoint; row 1's is still held
            assertThat(b.q("update t set v = 2 where id = 2").tag()).isEqualTo("UPDATE 1");
            fails(b, "update t set v = 2 where id = 1", "55P03", "canceling statement due to lock timeout");
            a.q("commit");
            assertThat(rows(b, "select id, v from t order by id")).containsExactly(List.of("1", "1"), List.of("2", "2"));
        }
    }

    @Test
    void aRolledBackSavepointReleasesTheRelationLocksTakenInIt() {
        try (Client a = connect(); Client b = connect()) {
            a.q("create table t (id int primary key, v int)");
            a.q("create table u (id int primary key)");
            a.q("begin");
            a.q("lock table t in share mode");
            a.q("savepoint s");
            a.q("lock table t in access exclusive mode");
            a.q("lock table u in exclusive mode");
            a.q("rollback to s");
            b.q("begin");
            // what the savepoint took is gone, as PostgreSQL's; the SHARE lock taken before it stays
            assertThat(b.q("lock table u in exclusive mode nowait").tag()).isEqualTo("LOCK TABLE");
            assertThat(b.q("lock table t in share mode nowait").tag()).isEqualTo("LOCK TABLE");
            fails(b, "lock table t in row exclusive mode nowait", "55P03", "could not obtain lock on relation \"t\"");
            b.q("rollback");
            a.q("commit");
            assertThat(b.q("insert into t values (1, 1)").tag()).isEqualTo("INSERT 0 1");
        }
    }

    @Test
    void savepointsUndoTablesCreatedTruncatedAndLoadedInTheTransaction() {
        try (Client c = connect()) {
            c.q("create table kept (id int)");
            c.q("insert into kept values (1), (2)");
            c.q("begin");
            c.q("create table fresh (id int primary key)");
            c.q("insert into fresh select generate_series(1, 100)");
            c.q("savepoint s");
            c.q("insert into fresh select generate_series(101, 5000)");
            c.copy("copy fresh from stdin", "5001\n5002\n");
            c.q("delete from fresh where id <= 10");
            c.q("truncate kept");
            c.q("create table gone (id int)");
            c.q("insert into gone values (1)");
            c.q("rollback to s");
            assertThat(c.q("select count(*), min(id), max(id) from fresh").rows())
                    .containsExactly(List.of("100", "1", "100"));
            assertThat(c.q("select count(*) from kept").value()).isEqualTo("2");
            fails(c, "select * from gone", "42P01", "relation \"gone\" does not exist");
            c.q("rollback to s");
            c.q("commit");
            assertThat(c.q("select count(*), sum(id) from fresh").rows()).containsExactly(List.of("100", "5050"));
            assertThat(c.q("select count(*) from kept").value()).isEqualTo("2");
        }
    }

    @Test
    void repeatableReadKeepsTheFirstSnapshotAndRefusesToUpdateRowsChangedSince() {
        try (Client a = connect(); Client b = connect()) {
            a.q("create table acct (id int primary key, balance int)");
            a.q("insert into acct values (1, 100), (2, 100), (3, 100)");
            a.q("begin isolation level repeatable read");
            assertThat(a.q("show transaction_isolation").value()).isEqualTo("repeatable read");
            assertThat(a.q("select sum(balance) from acct").value()).isEqualTo("300");
            b.q("update acct set balance = 50 where id = 1");
            b.q("delete from acct where id = 2");
            b.q("insert into acct values (4, 100)");
            // the snapshot of the first statement, for the whole transaction
            assertThat(rows(a, "select id, balance from acct order by id"))
                    .containsExactly(List.of("1", "100"), List.of("2", "100"), List.of("3", "100"));
            assertThat(a.q("update acct set balance = 0 where id = 3").tag()).isEqualTo("UPDATE 1");
            fails(a, "update acct set balance = 0 where id = 1", "40001",
                    "could not serialize access due to concurrent update");
            a.q("rollback");

            a.q("start transaction isolation level repeatable read");
            a.q("select count(*) from acct");
            b.q("delete from acct where id = 4");
            fails(a, "delete from acct where id = 4", "40001", "could not serialize access due to concurrent delete");
            a.q("rollback");

            a.q("begin");
            a.q("set transaction isolation level repeatable read");
            a.q("select 1 from acct where id = 3 for update");
            b.q("update acct set balance = 7 where id = 1");
            fails(a, "select * from acct where id = 1 for share", "40001",
                    "could not serialize access due to concurrent update");
            a.q("rollback");

            // ON CONFLICT DO UPDATE on a row inserted or changed since the snapshot
            a.q("begin isolation level repeatable read");
            a.q("select 1");
            b.q("insert into acct values (5, 5)");
            fails(a, "insert into acct values (5, 0) on conflict (id) do update set balance = 0", "40001",
                    "could not serialize access due to concurrent update");
            a.q("rollback");
            // ... and DO NOTHING on such a row (one the snapshot shows is left alone)
            a.q("begin isolation level repeatable read");
            a.q("select 1");
            b.q("insert into acct values (6, 6)");
            assertThat(a.q("insert into acct values (3, 0) on conflict do nothing").tag()).isEqualTo("INSERT 0 0");
            fails(a, "insert into acct values (6, 0) on conflict (id) do nothing", "40001",
                    "could not serialize access due to concurrent update");
            a.q("rollback");
            a.q("begin isolation level repeatable read");
            assertThat(a.q("insert into acct values (5, 0) on conflict (id) do update set balance = 6 returning balance")
                    .value()).isEqualTo("6");
            a.q("commit");

            // READ COMMITTED sees each statement's new snapshot
            a.q("begin");
            assertThat(a.q("select balance from acct where id = 1").value()).isEqualTo("7");
            b.q("update acct set balance = 8 where id = 1");
            assertThat(a.q("select balance from acct where id = 1").value()).isEqualTo("8");
            assertThat(a.q("update acct set balance = balance + 1 where id = 1").tag()).isEqualTo("UPDATE 1");
            a.q("commit");
            assertThat(a.q("select balance from acct where id = 1").value()).isEqualTo("9");
        }
    }

    @Test
    void aStatementSeesEveryCommitBeforeItWhileOlderSnapshotsAreStillHeld() {
        try (Client a = connect(); Client b = connect(); Client c = connect(); Client r = connect()) {
            a.q("create table acct (id int primary key, balance int)");
            a.q("insert into acct values (1, 1)");
            a.q("begin isolation level repeatable read");
            assertThat(a.q("select balance from acct where id = 1").value()).isEqualTo("1");
            c.q("begin"); // read committed
            assertThat(c.q("select balance from acct where id = 1").value()).isEqualTo("1");
            r.q("begin isolation level repeatable read");
            assertThat(r.q("select balance from acct where id = 1").value()).isEqualTo("1");
            b.q("update acct set balance = 2 where id = 1");
            // c's next statement sees b's commit though a and r still hold the view before it
            assertThat(c.q("select balance from acct where id = 1").value()).isEqualTo("2");
            assertThat(a.q("select balance from acct where id = 1").value()).isEqualTo("1");
            a.q("commit");
            // r's snapshot outlives a's, taken at the same point
            assertThat(r.q("select balance from acct where id = 1").value()).isEqualTo("1");
            b.q("begin isolation level repeatable read");
            assertThat(b.q("select balance from acct where id = 1").value()).isEqualTo("2");
            c.q("update acct set balance = 3 where id = 1");
            c.q("commit");
            assertThat(b.q("select balance from acct where id = 1").value()).isEqualTo("2");
            assertThat(r.q("select balance from acct where id = 1").value()).isEqualTo("1");
            assertThat(a.q("select balance from acct where id = 1").value()).isEqualTo("3");
            r.q("commit");
            b.q("commit");
            assertThat(r.q("select balance from acct where id = 1").value()).isEqualTo("3");
        }
    }

    @Test
    void concurrentReadersSeeEveryCommitAcknowledgedBeforeTheirStatement() throws Exception {
        try (Client w = connect()) {
            w.q("create table counter (id int primary key, n int)");
            w.q("insert into counter values (1, 0)");
            java.util.concurrent.atomic.AtomicInteger acknowledged = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Integer>> readers = new java.util.ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    boolean inBlock = i % 2 == 1; // read committed statements in a transaction block, too
                    readers.add(pool.submit(() -> {
                        int reads = 0;
                        try (Client reader = connect()) {
                            if (inBlock) {
                                reader.q("begin");
                            }
                            while (writing.get() || reads < 50) {
                                int before = acknowledged.get();
                                int seen = Integer.parseInt(reader.q("select n from counter where id = 1").value());
                                assertThat(seen).isGreaterThanOrEqualTo(before);
                                reads++;
                            }
                            if (inBlock) {
                                reader.q("commit");
                            }
                        }
                        return reads;
                    }));
                }
                for (int i = 1; i <= 300; i++) {
                    w.q("update counter set n = " + i + " where id = 1");
                    acknowledged.set(i);
                }
                writing.set(false);
                for (java.util.concurrent.Future<Integer> f : readers) {
                    assertThat(f.get()).isGreaterThanOrEqualTo(50);
                }
            } finally {
                writing.set(false);
                pool.shutdownNow();
            }
            assertThat(w.q("select n from counter where id = 1").value()).isEqualTo("300");
        }
    }

    @Test
    void isolationLevelsAreSetAsPostgresAllowsAndSerializableIsRefused() {
        try (Client c = connect()) {
            assertThat(c.q("show transaction_isolation").value()).isEqualTo("read committed");
            fails(c, "begin isolation level serializable", "0A000", "SERIALIZABLE isolation level is not supported");
            c.q("rollback");
            fails(c, "set default_transaction_isolation = 'serializable'", "0A000",
                    "SERIALIZABLE isolation level is not supported");
            fails(c, "set session characteristics as transaction isolation level serializable", "0A000",
                    "SERIALIZABLE isolation level is not supported");
            c.q("set default_transaction_isolation = 'repeatable read'");
            assertThat(c.q("show transaction_isolation").value()).isEqualTo("repeatable read");
            c.q("begin");
            c.q("set transaction isolation level read committed");
            assertThat(c.q("show transaction_isolation").value()).isEqualTo("read committed");
            c.q("select 1");
            fails(c, "set transaction isolation level repeatable read", "25001",
                    "SET TRANSACTION ISOLATION LEVEL must be called before any query");
            c.q("rollback");
            c.q("begin");
            c.q("savepoint s");
            fails(c, "set transaction_isolation = 'read committed'", "25001",
                    "SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction");
            c.q("rollback");
            c.q("set session characteristics as transaction isolation level read committed");
            assertThat(c.q("show default_transaction_isolation").value()).isEqualTo("read committed");
            c.q("set transaction isolation level repeatable read");
            assertThat(c.notices).extracting(PgException::getMessage)
                    .contains("SET TRANSACTION can only be used in transaction blocks");
        }
    }

    @Test
    void readOnlyTransactionsRefuseWritesInPostgresWords() {
        try (Client c = connect()) {
            c.q("create table t (id int)");
            c.q("create sequence s");
            c.q("begin read only");
            assertThat(c.q("show transaction_read_only").value()).isEqualTo("on");
            assertThat(c.q("select count(*) from t").value()).isEqualTo("0");
            fails(c, "insert into t values (1)", "25006", "cannot execute INSERT in a read-only transaction");
            c.q("rollback");
            c.q("begin transaction read only");
            fails(c, "update t set id = 2", "25006", "cannot execute UPDATE in a read-only transaction");
            c.q("rollback");
            c.q("begin");
            c.q("set transaction read only");
            fails(c, "delete from t", "25006", "cannot execute DELETE in a read-only transaction");
            c.q("rollback");
            c.q("set default_transaction_read_only = on");
            assertThat(c.q("show transaction_read_only").value()).isEqualTo("on");
            fails(c, "create table u (id int)", "25006", "cannot execute CREATE TABLE in a read-only transaction");
            fails(c, "select nextval('s')", "25006", "cannot execute nextval() in a read-only transaction");
            fails(c, "select * from t for update", "25006",
                    "cannot execute SELECT FOR UPDATE in a read-only transaction");
            c.q("begin read write");
            c.q("insert into t values (1)");
            c.q("commit");
            c.q("begin");
            c.q("select 1");
            fails(c, "set transaction read write", "25001", "transaction read-write mode must be set before any query");
            c.q("rollback");
            c.q("begin");
            c.q("savepoint s");
            fails(c, "set transaction_read_only = off", "25001",
                    "cannot set transaction read-write mode inside a read-only transaction");
            c.q("rollback");
            c.q("set default_transaction_read_only = off");
            assertThat(c.q("select count(*) from t").value()).isEqualTo("1");
        }
    }

    @Test
    void advisoryLocksBlockOtherSessionsUntilUnlockTransactionEndOrSessionEnd() throws Exception {
        try (Client a = connect(); Client b = connect()) {
            a.q("select pg_advisory_lock(7)");
            assertThat(b.q("select pg_try_advisory_lock(7)").value()).isEqualTo("f");
            assertThat(b.q("select pg_try_advisory_lock_shared(7)").value()).isEqualTo("f");
            b.q("set lock_timeout = 300");
            fails(b, "select pg_advisory_lock(7)", "55P03", "canceling statement due to lock timeout");
            b.q("set lock_timeout = 0");
            var waiter = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> b.q("select pg_advisory_lock(7), 'got it'").rows());
            Thread.sleep(300);
            assertThat(waiter).isNotDone();
            assertThat(a.q("select count(*) from pg_locks where locktype = 'advisory' and not granted").value())
                    .isEqualTo("1");
            a.q("select pg_advisory_unlock(7)");
            assertThat(waiter.get(10, java.util.concurrent.TimeUnit.SECONDS).get(0).get(1)).isEqualTo("got it");
            // shared locks share; transaction-level locks end with the transaction
            b.q("select pg_advisory_unlock(7)");
            a.q("select pg_advisory_lock_shared(8)");
            assertThat(b.q("select pg_try_advisory_lock_shared(8)").value()).isEqualTo("t");
            assertThat(b.q("select pg_try_advisory_lock(8)").value()).isEqualTo("f");
            a.q("begin");
            a.q("select pg_advisory_xact_lock(1, 2)");
            assertThat(b.q("select pg_try_advisory_xact_lock(1, 2)").value()).isEqualTo("f");
            a.q("rollback");
            assertThat(b.q("select pg_try_advisory_xact_lock(1, 2)").value()).isEqualTo("t");
            // two sessions each waiting for the other's lock: one gets 40P01
            a.q("select pg_advisory_lock(100)");
            b.q("select pg_advisory_lock(200)");
            var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> a.q("select pg_advisory_lock(200)"));
            Thread.sleep(300);
            fails(b, "select pg_advisory_lock(100)", "40P01", "deadlock detected");
            b.q("select pg_advisory_unlock_all()");
            first.get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        try (Client c = connect()) {
            // the sessions ended: their locks went with them
            assertThat(c.q("select pg_try_advisory_lock(200), pg_try_advisory_lock(100)").rows())
                    .containsExactly(List.of("t", "t"));
            assertThat(c.q("select count(*) from pg_locks where locktype = 'advisory'").value()).isEqualTo("2");
        }
    }

    @Test
    void lockTableTakesPostgresModesAndNowaitFailsAtOnce() throws Exception {
        try (Client a = connect(); Client b = connect()) {
            a.q("create table t (id int primary key, v int)");
            a.q("insert into t values (1, 0), (2, 0), (3, 0)");
            fails(a, "lock table t", "25P01", "LOCK TABLE can only be used in transaction blocks");
            a.q("begin");
            a.q("lock table t in share mode");
            b.q("begin");
            // SHARE and SHARE shares; ROW EXCLUSIVE (an UPDATE) conflicts with SHARE
            assertThat(b.q("lock t in share mode nowait").tag()).isEqualTo("LOCK TABLE");
            fails(b, "lock table t in row exclusive mode nowait", "55P03", "could not obtain lock on relation \"t\"");
            b.q("rollback");
            b.q("set lock_timeout = 300");
            fails(b, "update t set v = 1 where id = 1", "55P03", "canceling statement due to lock timeout");
            a.q("commit");
            assertThat(b.q("update t set v = 1 where id = 1").tag()).isEqualTo("UPDATE 1");
            a.q("begin");
            a.q("lock table t");
            fails(b, "insert into t values (4, 0)", "55P03", "canceling statement due to lock timeout");
            b.q("begin");
            // a reader's ACCESS SHARE waits for ACCESS EXCLUSIVE, as PostgreSQL's
            fails(b, "select count(*) from t", "55P03", "canceling statement due to lock timeout");
            b.q("rollback");
            b.q("begin");
            fails(b, "lock table t in access share mode nowait", "55P03", "could not obtain lock on relation \"t\"");
            b.q("rollback");
            a.q("rollback");
            a.q("create sequence s");
            a.q("begin");
            fails(a, "lock table s", "42809", "cannot lock relation \"s\"");
            a.q("rollback");
            a.q("begin");
            fails(a, "lock table nosuch in exclusive mode", "42P01", "relation \"nosuch\" does not exist");
            a.q("rollback");
        }
    }

    @Test
    void selectForUpdateSkipLockedAndNowait() {
        try (Client a = connect(); Client b = connect()) {
            a.q("create table jobs (id int primary key, done boolean)");
            a.q("insert into jobs select g, false from generate_series(1, 5) g");
            a.q("begin");
            assertThat(a.q("select id from jobs order by id limit 2 for update skip locked").rows())
                    .containsExactly(List.of("1"), List.of("2"));
            b.q("begin");
            assertThat(b.q("select id from jobs order by id limit 2 for update skip locked").rows())
                    .containsExactly(List.of("3"), List.of("4"));
            fails(b, "select id from jobs where id = 1 for share nowait", "55P03",
                    "could not obtain lock on row in relation \"jobs\"");
            b.q("rollback");
            assertThat(b.q("select id from jobs for no key update skip locked").rows())
                    .containsExactly(List.of("3"), List.of("4"), List.of("5"));
            a.q("commit");
            assertThat(b.q("select count(*) from (select id from jobs for key share skip locked) s").value()).isEqualTo("5");
        }
    }

    @Test
    void prepareTransactionIsRefusedAsPostgresRefusesItWithMaxPreparedTransactionsZero() {
        try (Client c = connect()) {
            c.q("create table t (id int)");
            c.q("begin");
            c.q("insert into t values (1)");
            assertThatThrownBy(() -> c.q("prepare transaction 'x'")).isInstanceOfSatisfying(PgException.class, e -> {
                assertThat(e.sqlState().code()).isEqualTo("55000");
                assertThat(e.getMessage()).isEqualTo("prepared transactions are disabled");
                assertThat(e.hint()).isEqualTo("Set max_prepared_transactions to a nonzero value.");
            });
            // the transaction is gone, rolled back
            assertThat(c.session.transactionStatus()).isEqualTo('I');
            assertThat(c.q("select count(*) from t").value()).isEqualTo("0");
            assertThat(c.q("prepare transaction 'y'").tag()).isEqualTo("ROLLBACK");
            assertThat(c.notices).extracting(PgException::getMessage).contains("there is no transaction in progress");
            fails(c, "commit prepared 'x'", "42704", "prepared transaction with identifier \"x\" does not exist");
            fails(c, "rollback prepared 'x'", "42704", "prepared transaction with identifier \"x\" does not exist");
            c.q("begin");
            fails(c, "commit prepared 'x'", "25001", "COMMIT PREPARED cannot run inside a transaction block");
            c.q("rollback");
            assertThat(c.q("select count(*) from pg_prepared_xacts").value()).isEqualTo("0");
        }
    }
}
