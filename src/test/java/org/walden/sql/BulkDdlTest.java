package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.recovery.Engine;
import org.walden.recovery.EngineOptions;
import org.walden.sql.testing.Client;
import org.walden.sql.testing.MemorySettings;

/**
 * pgbench -i's statements over the real engine: TRUNCATE and ALTER TABLE ADD PRIMARY KEY write
 * the table into a new relfilenode, DROP TABLE and TRUNCATE drop the old one at commit; all of
 * it transactional and surviving a crash.
 */
class BulkDdlTest {

    @TempDir
    Path tmp;
    private Path data;
    private Engine engine;
    private WaldenSqlEngine sql;

    private static EngineOptions opts() {
        return EngineOptions.defaults().withFsync(false).withWalWriterDelayMs(20);
    }

    @BeforeEach
    void start() {
        data = tmp.resolve("data");
        Engine.initialize(data, 1L << 20);
        engine = Engine.open(data, opts());
        WaldenSqlEngine.bootstrap(engine.transactionManager(), "postgres", null);
        sql = new WaldenSqlEngine(engine.transactionManager(), null, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        engine.shutdown();
    }

    private Client connect() {
        return new Client(sql.newSession("postgres", "postgres", 1, new MemorySettings()));
    }

    /** COPY text rows "aid \t bid \t abalance \t filler" for aids from..to. */
    private static String accounts(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int aid = from; aid <= to; aid++) {
            b.append(aid).append('\t').append(1 + (aid - 1) / 1000).append("\t0\t\n");
        }
        return b.toString();
    }

    private static void createAccounts(Client c) {
        c.q("create table pgbench_accounts (aid int not null, bid int, abalance int, filler char(84))");
    }

    @Test
    void pgbenchInitSequenceThenPointLookupsByTheNewKey() {
        try (Client c = connect()) {
            createAccounts(c);
            c.q("begin");
            c.q("truncate table pgbench_accounts");
            c.copy("copy pgbench_accounts from stdin", accounts(1, 20_000));
            c.q("commit");
            c.q("vacuum analyze pgbench_accounts");
            c.q("alter table pgbench_accounts add primary key (aid)");
            assertThat(c.q("select count(*), sum(aid) from pgbench_accounts").rows())
                    .containsExactly(List.of("20000", Long.toString(20_000L * 20_001 / 2)));
            assertThat(c.q("select bid from pgbench_accounts where aid = 12345").value()).isEqualTo("13");
            c.q("update pgbench_accounts set abalance = abalance + 5 where aid = 7");
            assertThat(c.q("select abalance from pgbench_accounts where aid = 7").value()).isEqualTo("5");
            assertThatThrownBy(() -> c.q("insert into pgbench_accounts values (7, 1, 0, '')"))
                    .hasMessage("duplicate key value violates unique constraint \"pgbench_accounts_pkey\"");
            // pgbench -i again: drop, create, load, key
            c.q("drop table if exists pgbench_accounts");
            createAccounts(c);
            c.copy("copy pgbench_accounts from stdin", accounts(1, 10));
            assertThat(c.q("select count(*) from pgbench_accounts").value()).isEqualTo("10");
        }
    }

    @Test
    void addPrimaryKeyOnDuplicatesFailsLikePostgresAndChangesNothing() {
        try (Client c = connect()) {
            createAccounts(c);
            // rows 1, 2, 3, 1, 2: out of key order, and aid 1 twice
            c.copy("copy pgbench_accounts from stdin", accounts(1, 3) + accounts(1, 2));
            assertThatThrownBy(() -> c.q("alter table pgbench_accounts add primary key (aid)"))
                    .isInstanceOfSatisfying(PgException.class, e -> {
                        assertThat(e.sqlState()).isEqualTo(SqlState.UNIQUE_VIOLATION);
                        assertThat(e.getMessage()).isEqualTo("could not create unique index \"pgbench_accounts_pkey\"");
                        assertThat(e.detail()).isEqualTo("Key (aid)=(1) is duplicated.");
                    });
            assertThat(c.q("select count(*) from pgbench_accounts").value()).isEqualTo("5");
            c.q("delete from pgbench_accounts where aid <= 2");
            // rows 3, 3, 4: in order, but not strictly
            c.copy("copy pgbench_accounts from stdin", accounts(3, 4));
            assertThatThrownBy(() -> c.q("alter table pgbench_accounts add primary key (aid)"))
                    .isInstanceOfSatisfying(PgException.class, e ->
                            assertThat(e.detail()).isEqualTo("Key (aid)=(3) is duplicated."));
            c.q("delete from pgbench_accounts where aid = 3");
            c.copy("copy pgbench_accounts from stdin", accounts(1, 3));
            c.q("alter table pgbench_accounts add primary key (aid)");
            assertThat(c.q("select aid from pgbench_accounts order by aid").rows())
                    .containsExactly(List.of("1"), List.of("2"), List.of("3"), List.of("4"));
        }
    }

    @Test
    void addPrimaryKeyOnANullKeyFails() {
        try (Client c = connect()) {
            c.q("create table t (a int, b int)");
            c.q("insert into t values (1, 1), (null, 2)");
            assertThatThrownBy(() -> c.q("alter table t add primary key (a)"))
                    .isInstanceOfSatisfying(PgException.class, e -> {
                        assertThat(e.sqlState()).isEqualTo(SqlState.NOT_NULL_VIOLATION);
                        assertThat(e.getMessage()).isEqualTo("column \"a\" of relation \"t\" contains null values");
                    });
            assertThat(c.q("select count(*) from t").value()).isEqualTo("2");
        }
    }

    @Test
    void truncateAndDropRollBack() {
        try (Client c = connect()) {
            c.q("create table t (a int primary key, b text)");
            c.q("insert into t values (1, 'one'), (2, 'two')");
            c.q("begin");
            c.q("truncate t");
            assertThat(c.q("select count(*) from t").value()).isEqualTo("0");
            c.q("insert into t values (3, 'three')");
            assertThat(c.q("select b from t where a = 3").value()).isEqualTo("three");
            c.q("rollback");
            assertThat(c.q("select a from t order by a").rows()).containsExactly(List.of("1"), List.of("2"));
            c.q("begin");
            c.q("drop table t");
            c.q("rollback");
            assertThat(c.q("select count(*) from t").value()).isEqualTo("2");
            c.q("begin");
            c.q("truncate t");
            c.q("insert into t values (3, 'three')");
            c.q("commit");
            assertThat(c.q("select a from t").rows()).containsExactly(List.of("3"));
        }
    }

    @Test
    void truncateWaitsForRunningDmlAndDmlThatWaitedForTruncateRetries() throws Exception {
        try (Client a = connect(); Client b = connect()) {
            a.q("create table t (a int primary key, b int)");
            a.q("insert into t values (1, 1), (2, 2)");
            // DML holds the relation lock: TRUNCATE waits for its commit, then sees its row
            a.q("begin");
            a.q("insert into t values (3, 3)");
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread truncate = new Thread(() -> {
                try {
                    b.q("truncate t");
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            truncate.start();
            truncate.join(300);
            assertThat(truncate.isAlive()).as("TRUNCATE waits for the inserting transaction").isTrue();
            a.q("commit");
            truncate.join(10_000);
            assertThat(failure.get()).isNull();
            assertThat(a.q("select count(*) from t").value()).isEqualTo("0");

            // an UPDATE that waited for a TRUNCATE which then committed is planned again and runs on
            // what the TRUNCATE left (PostgreSQL: UPDATE 0, no error)
            a.q("insert into t values (1, 1)");
            b.q("begin");
            b.q("truncate t");
            Thread update = new Thread(() -> {
                try {
                    a.q("update t set b = 5 where a = 1");
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            update.start();
            update.join(300);
            assertThat(update.isAlive()).as("UPDATE waits for the truncating transaction").isTrue();
            b.q("insert into t values (7, 7)");
            b.q("commit");
            update.join(10_000);
            assertThat(update.isAlive()).isFalse();
            assertThat(failure.get()).isNull();
            assertThat(a.q("select a, b from t").rows()).containsExactly(List.of("7", "7"));
            a.q("update t set b = 8 where a = 7");
            assertThat(b.q("select b from t where a = 7").value()).isEqualTo("8");
        }
    }

    @Test
    void ddlThatWaitedForADropThatCommittedSaysTheTableIsGone() throws Exception {
        String[] waiting = {"alter table t add primary key (a)", "truncate t", "alter table t rename to u",
            "create index t_b on t (b)", "drop table t"};
        try (Client a = connect(); Client b = connect()) {
            for (String statement : waiting) {
                a.q("create table t (a int, b int)");
                a.q("create index t_a on t (a)");
                a.q("begin");
                a.q("drop table t");
                java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
                Thread ddl = new Thread(() -> {
                    try {
                        b.q(statement);
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                ddl.start();
                ddl.join(300);
                assertThat(ddl.isAlive()).as("%s waits for the dropping transaction", statement).isTrue();
                a.q("commit");
                ddl.join(10_000);
                assertThat(failure.get()).as(statement).isInstanceOfSatisfying(PgException.class, e -> {
                    assertThat(e.sqlState()).isEqualTo(SqlState.UNDEFINED_TABLE);
                    assertThat(e.getMessage()).isEqualTo("relation \"t\" does not exist");
                });
                assertThat(b.q("select count(*) from pg_class where relname in ('t', 'u', 't_a', 't_b')").value())
                        .isEqualTo("0");
            }
        }
    }

    @Test
    void crashAfterTheLoadKeepsTheKeyedTableAndOnlyIt() {
        try (Client c = connect()) {
            createAccounts(c);
            c.copy("copy pgbench_accounts from stdin", accounts(1, 5_000));
            c.q("alter table pgbench_accounts add primary key (aid)");
            c.q("begin");
            c.q("truncate pgbench_accounts");
            c.copy("copy pgbench_accounts from stdin", accounts(1, 30_000));
        }
        engine.wal().flushAll();
        engine.simulateCrash(); // the second load never committed
        engine = Engine.open(data, opts());
        sql = new WaldenSqlEngine(engine.transactionManager(), null, Clock.systemUTC());
        try (Client c = connect()) {
            assertThat(c.q("select count(*) from pgbench_accounts").value()).isEqualTo("5000");
            assertThat(c.q("select bid from pgbench_accounts where aid = 4321").value()).isEqualTo("5");
        }
    }
}
