package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.common.guc.GucServerSettings;
import org.walden.recovery.Engine;
import org.walden.recovery.EngineOptions;
import org.walden.sql.testing.Client;

/**
 * The ACCESS SHARE lock every read takes (a table, a view and the tables under it, a subquery),
 * held to the end of the transaction, against the other lock modes, over the real
 * engine: two sessions stand for two clients, with PostgreSQL 15's messages and SQLSTATEs.
 */
class RelationReadLocksTest {

    @TempDir
    Path tmp;
    private Engine engine;
    private WaldenSqlEngine sql;
    private int backendPids;

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
        return new Client(sql.newSession("postgres", "postgres", ++backendPids,
                GucServerSettings.defaults(Map.of()).newSession()));
    }

    private static void fails(Client c, String statement, String sqlState, String message) {
        assertThatThrownBy(() -> c.q(statement)).isInstanceOfSatisfying(PgException.class, e -> {
            assertThat(e.sqlState().code()).isEqualTo(sqlState);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    private static final String MY_RELATION_LOCKS = "select relation::regclass::text, mode, granted from pg_locks"
            + " where locktype = 'relation' and pid = pg_backend_pid() order by 1, 2";

    @Test
    void aReadLocksEveryRelationItReadsUntilTheTransactionEnds() {
        try (Client a = connect(); Client b = connect()) {
            a.q("create table t (a int)");
            a.q("create table u (b int)");
            a.q("create view v as select a from t");
            a.q("insert into t values (1)");
            a.q("begin");
            assertThat(a.q("select a, (select count(*) from u) from v").rows()).containsExactly(List.of("1", "0"));
            assertThat(a.q(MY_RELATION_LOCKS).rows()).containsExactly(List.of("t", "AccessShareLock", "t"),
                    List.of("u", "AccessShareLock", "t"), List.of("v", "AccessShareLock", "t"));
            // DDL waits for the reader: lock_timeout ends the wait
            b.q("set lock_timeout = 300");
            fails(b, "alter table u add column c int", "55P03", "canceling statement due to lock timeout");
            fails(b, "drop view v", "55P03", "canceling statement due to lock timeout");
            // other readers and writers share it
            assertThat(b.q("insert into u values (1)").tag()).isEqualTo("INSERT 0 1");
            a.q("commit");
            assertThat(a.q(MY_RELATION_LOCKS).rows()).isEmpty();
            assertThat(b.q("alter table u add column c int").tag()).isEqualTo("ALTER TABLE");
        }
    }

    @Test
    void aReaderGrantedWhenTheLockItWaitedForIsRolledBackStillBlocksDdl() throws Exception {
        try (Client a = connect(); Client b = connect(); Client c = connect()) {
            String bPid = b.q("select pg_backend_pid()").value();
            a.q("create table t (n int)");
            a.q("begin");
            a.q("lock table t in access exclusive mode");
            b.q("begin");
            var read = CompletableFuture.supplyAsync(() -> b.q("select count(*) from t").value());
            awaitBlocked(c, bPid);
            a.q("rollback"); // the last holder goes: b is granted on the same entry
            assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("0");
            c.q("begin");
            fails(c, "lock table t in access exclusive mode nowait", "55P03", "could not obtain lock on relation \"t\"");
            c.q("rollback");
            b.q("commit");
            c.q("begin");
            assertThat(c.q("lock table t in access exclusive mode nowait").tag()).isEqualTo("LOCK TABLE");
            c.q("commit");
        }
    }

    @Test
    void accessExclusiveBlocksASelectUntilCommitThenItReadsTheNewDefinition() throws Exception {
        try (Client a = connect(); Client b = connect(); Client c = connect()) {
            a.q("create table t (a int)");
            a.q("insert into t values (1)");
            a.q("begin");
            a.q("lock table t in access exclusive mode");
            var reader = CompletableFuture.supplyAsync(() -> b.q("select * from t").rows());
            Thread.sleep(300);
            assertThat(reader).isNotDone();
            assertThat(c.q("select mode, granted from pg_locks where relation = 't'::regclass order by 2, 1").rows())
                    .containsExactly(List.of("AccessShareLock", "f"), List.of("AccessExclusiveLock", "t"));
            a.q("alter table t add column b text default 'new'");
            a.q("commit");
            assertThat(reader.get(10, TimeUnit.SECONDS)).containsExactly(List.of("1", "new"));
        }
    }

    @Test
    void readersWaitingOnEachOthersExclusiveLocksDeadlock() throws Exception {
        try (Client a = connect(); Client b = connect()) {
            a.q("create table t (a int)");
            a.q("create table u (a int)");
            a.q("begin");
            a.q("select * from t");
            b.q("begin");
            b.q("select * from u");
            var first = CompletableFuture.supplyAsync(() -> a.q("lock table u in access exclusive mode").tag());
            Thread.sleep(300);
            assertThat(first).isNotDone();
            fails(b, "lock table t in access exclusive mode", "40P01", "deadlock detected");
            b.q("rollback");
            assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("LOCK TABLE");
            a.q("commit");
        }
    }

    @Test
    void createIndexLetsReadersOnAndAnalyzeTakesShareUpdateExclusive() {
        try (Client a = connect(); Client b = connect()) {
            a.q("create table t (a int)");
            a.q("insert into t values (1)");
            a.q("begin");
            a.q("create index t_a on t (a)");
            assertThat(a.q(MY_RELATION_LOCKS).rows()).contains(List.of("t", "ShareLock", "t"));
            // SHARE lets readers on and keeps writers out
            assertThat(b.q("select count(*) from t").value()).isEqualTo("1");
            b.q("set lock_timeout = 300");
            fails(b, "insert into t values (2)", "55P03", "canceling statement due to lock timeout");
            a.q("commit");
            assertThat(b.q("insert into t values (2)").tag()).isEqualTo("INSERT 0 1");
            b.q("begin");
            b.q("analyze t");
            assertThat(b.q(MY_RELATION_LOCKS).rows()).containsExactly(List.of("t", "ShareUpdateExclusiveLock", "t"));
            a.q("set lock_timeout = 300");
            assertThat(a.q("select count(*) from t").value()).isEqualTo("2");
            fails(a, "alter table t add column b int", "55P03", "canceling statement due to lock timeout");
            b.q("commit");
            assertThat(a.q("alter table t add column b int").tag()).isEqualTo("ALTER TABLE");
        }
    }

    @Test
    void reindexLetsReadersOnWithTheOldEntriesAndKeepsWritersOut() {
        try (Client a = connect(); Client b = connect()) {
            a.q("create table r (id int primary key, n int)");
            a.q("create index r_n on r (n)");
            a.q("insert into r select g, g % 5 from generate_series(1, 100) g");
            a.q("begin");
            a.q("reindex table r");
            assertThat(a.q(MY_RELATION_LOCKS).rows()).contains(List.of("r", "ShareLock", "t"));
            b.q("set enable_seqscan = off");
            assertThat(b.q("select count(*) from r where n = 2").value()).isEqualTo("20");
            b.q("set lock_timeout = 300");
            fails(b, "insert into r values (101, 2)", "55P03", "canceling statement due to lock timeout");
            a.q("commit");
            assertThat(b.q("insert into r values (101, 2)").tag()).isEqualTo("INSERT 0 1");
            assertThat(b.q("select count(*) from r where n = 2").value()).isEqualTo("21");
        }
    }
    @Test
    void statementsThatWaitedForDdlGoOnWithWhatItLeft() throws Exception {
        try (Client a = connect(); Client b = connect(); Client c = connect()) {
            a.q("create table t (a int)");
            a.q("insert into t values (1)");
            // ANALYZE that waited for ADD COLUMN analyzes the new column: no 40001 "changed concurrently"
            a.q("begin");
            a.q("alter table t add column b int default 7");
            var analyze = CompletableFuture.supplyAsync(() -> b.q("analyze t").tag());
            Thread.sleep(300);
            assertThat(analyze).isNotDone();
            a.q("commit");
            assertThat(analyze.get(10, TimeUnit.SECONDS)).isEqualTo("ANALYZE");
            assertThat(c.q("select attname from pg_stats where tablename = 't' order by 1").rows())
                    .containsExactly(List.of("a"), List.of("b"));
            // a reader and ANALYZE that waited for DROP and CREATE read and analyze the new table
            a.q("begin");
            a.q("drop table t");
            a.q("create table t (x text)");
            a.q("insert into t values ('new')");
            var reader = CompletableFuture.supplyAsync(() -> b.q("select * from t").rows());
            var analyzeNew = CompletableFuture.supplyAsync(() -> c.q("analyze t").tag());
            Thread.sleep(300);
            assertThat(reader).isNotDone();
            assertThat(analyzeNew).isNotDone();
            a.q("commit");
            assertThat(reader.get(10, TimeUnit.SECONDS)).containsExactly(List.of("new"));
            assertThat(analyzeNew.get(10, TimeUnit.SECONDS)).isEqualTo("ANALYZE");
            // one that waited for a DROP finds no table, as PostgreSQL's lookup after locking
            a.q("begin");
            a.q("drop table t");
            var gone = CompletableFuture.supplyAsync(() -> {
                fails(b, "analyze t", "42P01", "relation \"t\" does not exist");
                return true;
            });
            Thread.sleep(300);
            a.q("commit");
            assertThat(gone.get(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void readersBesideATableDroppedAndCreatedInALoopSeeATableOrNone() throws Exception {
        try (Client a = connect(); Client b = connect(); Client c = connect(); Client d = connect()) {
            a.q("create table t (a int)");
            var writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 60; i++) {
                    a.q("begin");
                    a.q("drop table t");
                    a.q("create table t (a int)");
                    a.q("insert into t values (" + i + ")");
                    a.q("commit");
                }
            });
            List<String> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.function.BiConsumer<Client, List<String>> loop = (client, statements) -> {
                while (!writer.isDone()) {
                    for (String statement : statements) {
                        try {
                            client.q(statement);
                        } catch (PgException e) {
                            if (!e.sqlState().code().equals("42P01")) {
                                unexpected.add(statement + ": " + e.sqlState().code() + " " + e.getMessage());
                            }
                        }
                    }
                }
            };
            var readers = CompletableFuture.allOf(
                    CompletableFuture.runAsync(() -> loop.accept(b, List.of("select count(*) from t",
                            "insert into t values (-1)"))),
                    CompletableFuture.runAsync(() -> loop.accept(c, List.of("analyze t"))),
                    CompletableFuture.runAsync(() -> loop.accept(d, List.of(
                            "alter table t alter column a set default 1, alter column a drop default"))));
            writer.get(60, TimeUnit.SECONDS);
            readers.get(60, TimeUnit.SECONDS);
            assertThat(unexpected).isEmpty();
        }
    }
    @Test
    void pgBlockingPidsNamesTheHoldersOfTheRelationRowOrAdvisoryLockWaitedFor() throws Exception {
        try (Client a = connect(); Client b = connect(); Client c = connect()) {
            String aPid = a.q("select pg_backend_pid()").value();
            String bPid = b.q("select pg_backend_pid()").value();
            a.q("create table t (id int primary key, n int)");
            a.q("insert into t values (1, 0)");
            String blockers = "select pg_blocking_pids(" + bPid + ")";
            assertThat(c.q(blockers).value()).isEqualTo("{}");
            // a row: b's UPDATE waits for a's
            a.q("begin");
            a.q("update t set n = 1 where id = 1");
            var update = CompletableFuture.supplyAsync(() -> b.q("update t set n = 2 where id = 1").tag());
            awaitBlocked(c, bPid);
            assertThat(c.q(blockers).value()).isEqualTo("{" + aPid + "}");
            a.q("commit");
            assertThat(update.get(10, TimeUnit.SECONDS)).isEqualTo("UPDATE 1");
            assertThat(c.q(blockers).value()).isEqualTo("{}");
            // a relation: b's SELECT waits for a's ACCESS EXCLUSIVE, and c's SHARE too
            a.q("begin");
            a.q("lock table t in access exclusive mode");
            var read = CompletableFuture.supplyAsync(() -> b.q("select n from t").value());
            awaitBlocked(c, bPid);
            assertThat(c.q(blockers).value()).isEqualTo("{" + aPid + "}");
            a.q("commit");
            assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("2");
            // an advisory lock
            a.q("select pg_advisory_lock(7)");
            var advisory = CompletableFuture.supplyAsync(() -> b.q("select pg_advisory_lock_shared(7)").tag());
            awaitBlocked(c, bPid);
            assertThat(c.q(blockers).value()).isEqualTo("{" + aPid + "}");
            a.q("select pg_advisory_unlock(7)");
            assertThat(advisory.get(10, TimeUnit.SECONDS)).isEqualTo("SELECT 1");
        }
    }

    private static void awaitBlocked(Client observer, String pid) throws InterruptedException {
        for (int i = 0; i < 200 && observer.q("select cardinality(pg_blocking_pids(" + pid + "))").value().equals("0"); i++) {
            Thread.sleep(25);
        }
    }
}
