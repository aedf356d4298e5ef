package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.testing.Client;
import org.walden.sql.testing.MemoryTransactionManager;
import org.walden.txn.SynchronousCommit;

/** The extended protocol, parameter inference, formats, transaction blocks, concurrency and cancel. */
class SessionProtocolTest {

    private MemoryTransactionManager tm;
    private WaldenSqlEngine engine;
    private Client c;

    @BeforeEach
    void setUp() {
        tm = new MemoryTransactionManager();
        engine = Client.engine(tm, null);
        c = Client.connect(engine, "postgres");
        c.q("create table pgbench_accounts(aid int not null primary key, bid int, abalance int, filler char(84))");
        c.q("create table pgbench_tellers(tid int not null primary key, bid int, tbalance int, filler char(84))");
        c.q("create table pgbench_branches(bid int not null primary key, bbalance int, filler char(88))");
        c.q("create table pgbench_history(tid int,bid int,aid int,delta int,mtime timestamp,filler char(22))");
        c.q("insert into pgbench_accounts values (1, 1, 0), (2, 1, 0)");
        c.q("insert into pgbench_tellers values (1, 1, 0)");
        c.q("insert into pgbench_branches values (1, 0)");
    }

    @AfterEach
    void tearDown() {
        c.close();
    }

    private static final int[] ZEROS = new int[0];

    @Test
    void infersParameterTypesOfPgbenchTpcbStatements() {
        Prepared u = c.session.prepare("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", new int[] {0, 0});
        assertThat(u.paramTypeOids()).containsExactly(23, 23);
        assertThat(u.columns()).isNull();
        Prepared s = c.session.prepare("SELECT abalance FROM pgbench_accounts WHERE aid = $1", new int[] {0});
        assertThat(s.paramTypeOids()).containsExactly(23);
        assertThat(s.columns()).extracting(ColumnDesc::name).containsExactly("abalance");
        Prepared i = c.session.prepare("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
                + "VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)", ZEROS);
        assertThat(i.paramTypeOids()).containsExactly(23, 23, 23, 23);
        Prepared text = c.session.prepare("SELECT $1", new int[0]);
        assertThat(text.paramTypeOids()).containsExactly(25);
        Prepared declared = c.session.prepare("SELECT $1::int8, $2", new int[] {0, 1043});
        assertThat(declared.paramTypeOids()).containsExactly(20, 1043);
        c.session.sync();
    }

    @Test
    void extendedTpcbTransactionRuns() {
        c.q("BEGIN");
        assertThat(c.extended("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", ZEROS,
                new String[] {"-42", "2"}, new short[0]).tag()).isEqualTo("UPDATE 1");
        Client.Result r = c.extended("SELECT abalance FROM pgbench_accounts WHERE aid = $1", ZEROS,
                new String[] {"2"}, new short[0]);
        assertThat(r.value()).isEqualTo("-42");
        c.extended("UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2", ZEROS,
                new String[] {"-42", "1"}, new short[0]);
        c.extended("UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2", ZEROS,
                new String[] {"-42", "1"}, new short[0]);
        assertThat(c.extended("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, "
                + "CURRENT_TIMESTAMP)", ZEROS, new String[] {"1", "1", "2", "-42"}, new short[0]).tag())
                .isEqualTo("INSERT 0 1");
        assertThat(c.session.transactionStatus()).isEqualTo('T');
        assertThat(c.q("END").tag()).isEqualTo("COMMIT");
        assertThat(c.session.transactionStatus()).isEqualTo('I');
        assertThat(c.q("select bbalance from pgbench_branches").value()).isEqualTo("-42");
        assertThat(c.q("select count(*) from pgbench_history").value()).isEqualTo("1");
    }

    @Test
    void namedPreparedStatementRunsManyTimes() {
        Prepared p = c.session.prepare("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", ZEROS);
        c.session.sync();
        for (int i = 0; i < 5; i++) {
            c.execute(p, new String[] {"1", "1"}, new short[0]);
            c.session.sync();
        }
        assertThat(c.q("select abalance from pgbench_accounts where aid = 1").value()).isEqualTo("5");
    }

    @Test
    void binaryResultsAndParameters() {
        Prepared p = c.session.prepare("SELECT aid, abalance::int8, 1.5::numeric, true, 'x'::text, "
                + "'2026-11-21 19:55:01.5'::timestamp FROM pgbench_accounts WHERE aid = $1", new int[] {23});
        byte[] param = ByteBuffer.allocate(4).putInt(2).array();
        Portal portal = c.session.bind(p, new byte[][] {param}, new short[] {1}, new short[] {1});
        List<byte[][]> rows = new ArrayList<>();
        portal.execute(0, rows::add);
        c.session.sync();
        assertThat(portal.columns()).allMatch(col -> col.format() == 1);
        byte[][] row = rows.get(0);
        assertThat(ByteBuffer.wrap(row[0]).getInt()).isEqualTo(2);
        assertThat(ByteBuffer.wrap(row[1]).getLong()).isEqualTo(0L);
        // numeric 1.5: ndigits 2, weight 0, sign +, dscale 1, digits 1, 5000
        assertThat(row[2]).containsExactly(0, 2, 0, 0, 0, 0, 0, 1, 0, 1, 0x13, (byte) 0x88);
        assertThat(row[3]).containsExactly(1);
        assertThat(new String(row[4])).isEqualTo("x");
        long micros = ByteBuffer.wrap(row[5]).getLong();
        assertThat(micros).isEqualTo(848_606_101_500_000L);
    }

    @Test
    void portalSuspendsAtMaxRows() {
        Prepared p = c.session.prepare("select aid from pgbench_accounts order by aid", new int[0]);
        Portal portal = c.session.bind(p, new byte[0][], new short[0], new short[0]);
        List<byte[][]> rows = new ArrayList<>();
        assertThat(portal.execute(1, rows::add)).isEqualTo(new Portal.Completion(null, true));
        assertThat(portal.execute(1, rows::add)).isEqualTo(new Portal.Completion(null, true));
        assertThat(portal.execute(1, rows::add)).isEqualTo(new Portal.Completion("SELECT 0", false));
        assertThat(rows).hasSize(2);
        c.session.sync();
    }

    @Test
    void failedBlockIgnoresCommandsUntilRollback() {
        c.q("BEGIN");
        c.q("insert into pgbench_branches values (2, 0)");
        assertThatThrownBy(() -> c.q("select 1/0")).hasMessage("division by zero");
        assertThat(c.session.transactionStatus()).isEqualTo('E');
        assertThatThrownBy(() -> c.q("select 1"))
                .isInstanceOf(PgException.class)
                .hasMessage("current transaction is aborted, commands ignored until end of transaction block")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.IN_FAILED_SQL_TRANSACTION));
        assertThat(c.q("COMMIT").tag()).isEqualTo("ROLLBACK");
        assertThat(c.session.transactionStatus()).isEqualTo('I');
        assertThat(c.q("select count(*) from pgbench_branches").value()).isEqualTo("1");
    }

    @Test
    void warningsForCommitOutsideAndBeginInside() {
        assertThat(c.q("COMMIT").tag()).isEqualTo("COMMIT");
        assertThat(c.notices).hasSize(1);
        assertThat(c.notices.get(0).sqlState()).isEqualTo(SqlState.NO_ACTIVE_SQL_TRANSACTION);
        assertThat(c.notices.get(0).severity()).isEqualTo(PgException.Severity.WARNING);
        assertThat(c.notices.get(0).getMessage()).isEqualTo("there is no transaction in progress");
        c.q("BEGIN");
        assertThat(c.q("BEGIN").tag()).isEqualTo("BEGIN");
        assertThat(c.notices.get(1).sqlState()).isEqualTo(SqlState.ACTIVE_SQL_TRANSACTION);
        assertThat(c.notices.get(1).getMessage()).isEqualTo("there is already a transaction in progress");
        assertThat(c.q("ROLLBACK").tag()).isEqualTo("ROLLBACK");
        assertThat(c.q("ROLLBACK").tag()).isEqualTo("ROLLBACK");
        assertThat(c.notices).hasSize(3);
    }

    @Test
    void implicitTransactionOfOneQueryMessageIsAtomic() {
        assertThatThrownBy(() -> c.query("insert into pgbench_branches values (5, 0); select 1/0"))
                .hasMessage("division by zero");
        assertThat(c.q("select count(*) from pgbench_branches").value()).isEqualTo("1");
        c.query("insert into pgbench_branches values (5, 0); insert into pgbench_branches values (6, 0)");
        assertThat(c.q("select count(*) from pgbench_branches").value()).isEqualTo("3");
    }

    @Test
    void rolledBackDdlIsInvisibleAndCommittedDdlIsSeenByOthers() {
        try (Client other = Client.connect(engine, "postgres")) {
            c.q("begin");
            c.q("create table x (a int primary key)");
            c.q("insert into x values (1)");
            assertThat(c.q("select count(*) from x").value()).isEqualTo("1");
            assertThatThrownBy(() -> other.q("select * from x")).hasMessage("relation \"x\" does not exist");
            c.q("rollback");
            assertThatThrownBy(() -> c.q("select * from x")).hasMessage("relation \"x\" does not exist");
            c.q("create table x (a int primary key)");
            assertThat(other.q("select count(*) from x").value()).isEqualTo("0");
        }
    }

    @Test
    void synchronousCommitComesFromTheSession() {
        c.q("set synchronous_commit = off");
        c.q("insert into pgbench_branches values (9, 0)");
        assertThat(tm.commitLevels.get(tm.commitLevels.size() - 1)).isEqualTo(SynchronousCommit.OFF);
        c.q("begin; set local synchronous_commit to remote_apply; insert into pgbench_branches values (10, 0); commit");
        assertThat(tm.commitLevels.get(tm.commitLevels.size() - 1)).isEqualTo(SynchronousCommit.REMOTE_APPLY);
        assertThat(c.q("show synchronous_commit").value()).isEqualTo("off");
        assertThat(c.q("show synchronous_commit").tag()).isEqualTo("SHOW");
        assertThat(c.q("reset synchronous_commit").tag()).isEqualTo("RESET");
        assertThat(c.q("show synchronous_commit").value()).isEqualTo("on");
    }

    @Test
    void concurrentIncrementsOfOneRowLoseNothing() throws Exception {
        int perThread = 100;
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < 2; t++) {
            Thread th = new Thread(() -> {
                try (Client me = Client.connect(engine, "postgres")) {
                    for (int i = 0; i < perThread; i++) {
                        me.query("BEGIN; UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 1; "
                                + "UPDATE pgbench_branches SET bbalance = bbalance + 1; COMMIT");
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join(60_000);
        }
        assertThat(failure.get()).isNull();
        assertThat(c.q("select abalance from pgbench_accounts where aid = 1").value()).isEqualTo("200");
        assertThat(c.q("select bbalance from pgbench_branches").value()).isEqualTo("200");
    }

    @Test
    void updateRechecksWhereAgainstTheLatestVersion() throws Exception {
        try (Client other = Client.connect(engine, "postgres")) {
            c.q("begin");
            c.q("update pgbench_accounts set abalance = 10 where aid = 1");
            CountDownLatch done = new CountDownLatch(1);
            AtomicReference<String> tag = new AtomicReference<>();
            Thread th = new Thread(() -> {
                tag.set(other.q("update pgbench_accounts set abalance = abalance + 1 where abalance = 0").tag());
                done.countDown();
            });
            th.start();
            assertThat(done.await(300, TimeUnit.MILLISECONDS)).isFalse(); // waiting for aid 1's lock
            c.q("commit");
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            // aid 1 no longer matches abalance = 0 once re-checked; only aid 2 is updated
            assertThat(tag.get()).isEqualTo("UPDATE 1");
            assertThat(c.q("select aid, abalance from pgbench_accounts order by aid").rows())
                    .containsExactly(List.of("1", "10"), List.of("2", "1"));
        }
    }

    @Test
    void cancelStopsALockWait() throws Exception {
        try (Client other = Client.connect(engine, "postgres")) {
            c.q("begin");
            c.q("update pgbench_accounts set abalance = 10 where aid = 1");
            AtomicReference<Throwable> error = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            Thread th = new Thread(() -> {
                try {
                    other.q("update pgbench_accounts set abalance = 11 where aid = 1");
                } catch (Throwable e) {
                    error.set(e);
                }
                done.countDown();
            });
            th.start();
            Thread.sleep(100);
            other.session.cancel();
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(error.get()).isInstanceOf(PgException.class)
                    .hasMessage("canceling statement due to user request");
            assertThat(((PgException) error.get()).sqlState()).isEqualTo(SqlState.QUERY_CANCELED);
            c.q("commit");
            assertThat(other.q("select abalance from pgbench_accounts where aid = 1").value()).isEqualTo("10");
        }
    }

    @Test
    void readOnlyInRecovery() {
        tm.setInRecovery(true);
        assertThatThrownBy(() -> c.q("insert into pgbench_branches values (3, 0)"))
                .hasMessage("cannot execute INSERT in a read-only transaction")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.READ_ONLY_SQL_TRANSACTION));
        assertThatThrownBy(() -> c.q("update pgbench_branches set bbalance = 1"))
                .hasMessage("cannot execute UPDATE in a read-only transaction");
        assertThatThrownBy(() -> c.q("create table z (a int)"))
                .hasMessage("cannot execute CREATE TABLE in a read-only transaction");
        assertThat(c.q("select count(*) from pgbench_branches").value()).isEqualTo("1");
        assertThat(c.q("select pg_is_in_recovery()").value()).isEqualTo("t");
        assertThatThrownBy(() -> c.q("select pg_current_wal_lsn()"))
                .hasMessage("recovery is in progress")
                .satisfies(e -> assertThat(((PgException) e).hint())
                        .isEqualTo("WAL control functions cannot be executed during recovery."));
    }

    @Test
    void emptyQuery() {
        List<Prepared> ps = c.session.parseSimple("  ");
        assertThat(ps).hasSize(1);
        assertThat(ps.get(0).isEmpty()).isTrue();
        assertThat(c.session.prepare("", new int[0]).isEmpty()).isTrue();
        c.session.sync();
    }

    @Test
    void selectForUpdateLocksAndRechecks() throws Exception {
        try (Client other = Client.connect(engine, "postgres")) {
            c.q("begin");
            assertThat(c.q("select aid from pgbench_accounts where abalance = 0 order by aid for update").rows())
                    .containsExactly(List.of("1"), List.of("2"));
            CountDownLatch done = new CountDownLatch(1);
            AtomicReference<String> tag = new AtomicReference<>();
            Thread th = new Thread(() -> {
                tag.set(other.q("update pgbench_accounts set abalance = 5 where aid = 2").tag());
                done.countDown();
            });
            th.start();
            assertThat(done.await(300, TimeUnit.MILLISECONDS)).isFalse();
            c.q("commit");
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(tag.get()).isEqualTo("UPDATE 1");
            assertThat(c.q("select aid from pgbench_accounts where abalance = 0 for no key update").rows())
                    .containsExactly(List.of("1"));
            assertThatThrownBy(() -> c.q("select count(*) from pgbench_accounts for update"))
                    .hasMessage("FOR UPDATE is not allowed with aggregate functions");
        }
    }

    @Test
    void transactionCharacteristicsShow() {
        assertThat(c.q("show transaction isolation level").value()).isEqualTo("read committed");
        assertThat(c.q("show transaction_read_only").value()).isEqualTo("off");
        assertThat(c.q("set transaction isolation level read committed").tag()).isEqualTo("SET");
    }

    @Test
    void statementAndLockTimeoutsEndLockWaits() {
        try (Client other = Client.connect(engine, "postgres")) {
            c.q("begin");
            c.q("update pgbench_accounts set abalance = 10 where aid = 1");
            other.q("set statement_timeout = '300ms'");
            assertThatThrownBy(() -> other.q("update pgbench_accounts set abalance = 11 where aid = 1"))
                    .hasMessage("canceling statement due to statement timeout")
                    .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.QUERY_CANCELED));
            other.q("set statement_timeout = 0");
            other.q("set lock_timeout = '250ms'");
            assertThatThrownBy(() -> other.q("delete from pgbench_accounts where aid = 1"))
                    .hasMessage("canceling statement due to lock timeout")
                    .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.LOCK_NOT_AVAILABLE));
            c.q("commit");
            assertThat(other.q("delete from pgbench_accounts where aid = 1").tag()).isEqualTo("DELETE 1");
        }
    }
}
