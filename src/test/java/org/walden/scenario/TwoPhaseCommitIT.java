package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.Test;
import org.postgresql.xa.PGXADataSource;
import org.walden.test.TestCluster;

/**
 * Two-phase commit with real server processes (issue 10 part 3; PostgreSQL's
 * src/test/recovery/t/009_twophase.pl is the model): a prepared transaction survives kill -9
 * and a clean restart with its writes invisible and its row locks held, across a checkpoint;
 * it is replayed on a standby (pg_prepared_xacts there), survives the standby's restart, and
 * is committed or rolled back on the standby once promoted; pgjdbc's XA runs its
 * prepare / commit / recover / rollback over it.
 */
class TwoPhaseCommitIT {

    private static final String PREPARED = "max_prepared_transactions = 10\n";

    @Test
    void preparedTransactionSurvivesKill9AndRestartWithItsLocksUntilCommitPrepared() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("twophase");
            node.appendConf(PREPARED);
            node.start();
            node.psql("""
                    CREATE TABLE t (id integer PRIMARY KEY, v text);
                    INSERT INTO t VALUES (1, 'a');
                    BEGIN;
                    INSERT INTO t VALUES (2, 'b');
                    UPDATE t SET v = 'x' WHERE id = 1;
                    PREPARE TRANSACTION 'p1';
                    """);
            node.psql("CHECKPOINT"); // the prepared transaction spans a checkpoint
            node.psql("BEGIN; INSERT INTO t VALUES (3, 'c'); PREPARE TRANSACTION 'p2';");
            node.psql("INSERT INTO t VALUES (4, 'd')"); // committed after both were prepared
            // a TRUNCATE (a fresh key range whose rows are in storage before the commit)
            node.psql("CREATE TABLE big AS SELECT g FROM generate_series(1, 1000) g");
            node.psql("BEGIN; TRUNCATE big; INSERT INTO big SELECT -g FROM generate_series(1, 10) g;"
                    + " PREPARE TRANSACTION 'p3';");
            node.kill9();
            node.start();
            assertThat(node.psql("SELECT gid, owner, database FROM pg_prepared_xacts ORDER BY gid"))
                    .isEqualTo("p1|postgres|postgres\np2|postgres|postgres\np3|postgres|postgres");
            // its TRUNCATE's ACCESS EXCLUSIVE lock is held again: a reader waits, as on PostgreSQL
            assertThatThrownBy(() -> node.psql("SET lock_timeout = '100ms'; SELECT count(*) FROM big"))
                    .hasMessageContaining("canceling statement due to lock timeout");
            node.psql("COMMIT PREPARED 'p3'");
            assertThat(node.psql("SELECT count(*), min(g) FROM big")).isEqualTo("10|-10");
            assertThat(node.psql("SELECT id, v FROM t ORDER BY id")).isEqualTo("1|a\n4|d");
            // the prepared transaction's row locks are held again after the crash
            assertThatThrownBy(() -> node.psql("SET lock_timeout = '100ms'; UPDATE t SET v = 'y' WHERE id = 1"))
                    .hasMessageContaining("canceling statement due to lock timeout");
            assertThatThrownBy(() -> node.psql("SET lock_timeout = '100ms'; INSERT INTO t VALUES (3, 'again')"))
                    .hasMessageContaining("canceling statement due to lock timeout");
            // an UPDATE of a row it holds waits for COMMIT PREPARED, then sees the new version
            CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() ->
                    node.psql("UPDATE t SET v = v || '!' WHERE id = 1 RETURNING v"));
            assertThat(node.pollQueryUntil("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'UPDATE t SET v = v ||%'"
                    + " AND state = 'active'", "1")).isTrue();
            node.psql("COMMIT PREPARED 'p1'");
            assertThat(waiter.get(60, TimeUnit.SECONDS)).isEqualTo("x!");
            assertThat(node.psql("SELECT id, v FROM t ORDER BY id")).isEqualTo("1|x!\n2|b\n4|d");

            node.restart(); // a clean shutdown keeps the other one
            assertThat(node.psql("SELECT gid FROM pg_prepared_xacts")).isEqualTo("p2");
            node.psql("CHECKPOINT");
            node.kill9();
            node.start();
            assertThat(node.psql("SELECT gid FROM pg_prepared_xacts")).isEqualTo("p2");
            node.psql("ROLLBACK PREPARED 'p2'");
            assertThat(node.psql("SELECT count(*) FROM pg_prepared_xacts")).isEqualTo("0");
            node.psql("INSERT INTO t VALUES (3, 'c3')"); // its row lock is gone with it
            node.kill9();
            node.start();
            assertThat(node.psql("SELECT count(*) FROM pg_prepared_xacts")).isEqualTo("0");
            assertThat(node.psql("SELECT id, v FROM t ORDER BY id")).isEqualTo("1|x!\n2|b\n3|c3\n4|d");
        }
    }

    @Test
    void preparedTransactionIsReplayedOnTheStandbyAndFinishedAfterPromotion() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("london");
            primary.appendConf(PREPARED);
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY, v text)");
            primary.backup("b");
            TestCluster.Node standby = cluster.startStandby(primary, "b", "paris");
            primary.psql("BEGIN; INSERT INTO t VALUES (1, 'one'); PREPARE TRANSACTION 'q1';");
            primary.psql("BEGIN; INSERT INTO t VALUES (2, 'two'); CREATE TABLE t2 AS SELECT 7 AS x;"
                    + " PREPARE TRANSACTION 'q2';");
            primary.psql("BEGIN; INSERT INTO t VALUES (3, 'three'); PREPARE TRANSACTION 'q3';");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT gid FROM pg_prepared_xacts ORDER BY gid")).isEqualTo("q1\nq2\nq3");
            assertThat(standby.psql("SELECT count(*) FROM t")).isEqualTo("0");
            assertThatThrownBy(() -> standby.psql("COMMIT PREPARED 'q1'"))
                    .hasMessageContaining("cannot execute COMMIT PREPARED during recovery");

            primary.psql("COMMIT PREPARED 'q2'");
            primary.psql("ROLLBACK PREPARED 'q3'");
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT gid FROM pg_prepared_xacts ORDER BY gid")).isEqualTo("q1");
            assertThat(standby.psql("SELECT id, v FROM t ORDER BY id")).isEqualTo("2|two");
            assertThat(standby.psql("SELECT x FROM t2")).isEqualTo("7");

            // a restartpoint on the standby, then its restart: the prepared transaction is replayed again
            primary.psql("CHECKPOINT");
            primary.waitForCatchup(standby);
            standby.psql("CHECKPOINT");
            standby.restart();
            primary.waitForCatchup(standby);
            assertThat(standby.psql("SELECT gid FROM pg_prepared_xacts")).isEqualTo("q1");

            primary.psql("BEGIN; UPDATE t SET v = 'TWO' WHERE id = 2; PREPARE TRANSACTION 'q4';");
            primary.waitForCatchup(standby);
            primary.kill9();
            standby.promote();
            assertThat(standby.pollQueryUntil("SELECT pg_is_in_recovery()", "f")).isTrue();
            assertThat(standby.psql("SELECT gid FROM pg_prepared_xacts ORDER BY gid")).isEqualTo("q1\nq4");
            // the promoted standby holds their row locks
            assertThatThrownBy(() -> standby.psql("SET lock_timeout = '100ms'; UPDATE t SET v = 'no' WHERE id = 2"))
                    .hasMessageContaining("canceling statement due to lock timeout");
            standby.psql("COMMIT PREPARED 'q1'");
            standby.psql("ROLLBACK PREPARED 'q4'");
            assertThat(standby.psql("SELECT id, v FROM t ORDER BY id")).isEqualTo("1|one\n2|two");
            standby.psql("UPDATE t SET v = 'deux' WHERE id = 2");
            assertThat(standby.psql("SELECT count(*) FROM pg_prepared_xacts")).isEqualTo("0");
            // and prepares anew on its timeline, across its own crash
            standby.psql("BEGIN; INSERT INTO t VALUES (5, 'five'); PREPARE TRANSACTION 'q5';");
            standby.kill9();
            standby.start();
            standby.psql("COMMIT PREPARED 'q5'");
            assertThat(standby.psql("SELECT id, v FROM t ORDER BY id")).isEqualTo("1|one\n2|deux\n5|five");
        }
    }

    @Test
    void prepareAndCommitPreparedWaitForTheSynchronousStandbyAsCommitDoes() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("sync_primary");
            primary.appendConf(PREPARED);
            primary.start();
            primary.psql("CREATE TABLE t (id integer PRIMARY KEY)");
            primary.backup("b");
            TestCluster.Node standby = cluster.startStandby(primary, "b", "sync_standby");
            primary.psql("ALTER SYSTEM SET synchronous_standby_names = 'sync_standby'");
            primary.psql("ALTER SYSTEM SET synchronous_commit = remote_apply");
            primary.reload();
            assertThat(primary.pollQueryUntil("SELECT sync_state FROM pg_stat_replication", "sync")).isTrue();
            // remote_apply: when each returns, the standby has replayed it (no waiting in the test)
            for (int i = 1; i <= 3; i++) {
                primary.psql("BEGIN; INSERT INTO t VALUES (" + i + "); PREPARE TRANSACTION 's" + i + "';");
                assertThat(standby.psql("SELECT gid FROM pg_prepared_xacts WHERE gid = 's" + i + "'")).isEqualTo("s" + i);
                primary.psql("COMMIT PREPARED 's" + i + "'");
                assertThat(standby.psql("SELECT count(*) FROM t WHERE id = " + i)).isEqualTo("1");
                assertThat(standby.psql("SELECT count(*) FROM pg_prepared_xacts")).isEqualTo("0");
            }
        }
    }

    @Test
    void rewindUndoesTheOldPrimarysCommitPreparedAndTheTransactionIsPreparedAgain() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node old = cluster.initPrimary("old_primary");
            old.appendConf(PREPARED);
            old.start();
            old.psql("CREATE TABLE t (id integer PRIMARY KEY, v text)");
            old.backup("b");
            TestCluster.Node promoted = cluster.startStandby(old, "b", "new_primary");
            old.psql("BEGIN; INSERT INTO t VALUES (1, 'prepared'); PREPARE TRANSACTION 'r1';");
            old.psql("BEGIN; INSERT INTO t VALUES (2, 'prepared too'); PREPARE TRANSACTION 'r2';");
            old.waitForCatchup(promoted);
            assertThat(promoted.psql("SELECT pg_promote()")).isEqualTo("t");
            // the old primary goes on: it finishes both, and commits a row of its own
            old.psql("COMMIT PREPARED 'r1'");
            old.psql("ROLLBACK PREPARED 'r2'");
            old.psql("INSERT INTO t VALUES (3, 'old only')");
            promoted.psql("INSERT INTO t VALUES (100, 'new primary')");
            old.stop();
            TestCluster.ToolResult r = TestCluster.walden("rewind", "--target-pgdata=" + old.dataDir(),
                    "--source-server=host=127.0.0.1 port=" + promoted.port() + " user=postgres dbname=postgres", "-R");
            assertThat(r.code()).as(r.err()).isZero();
            old.start();
            promoted.waitForCatchup(old);
            assertThat(old.psql("SELECT gid FROM pg_prepared_xacts ORDER BY gid")).isEqualTo("r1\nr2");
            assertThat(old.psql("SELECT id, v FROM t ORDER BY id")).isEqualTo("100|new primary");
            promoted.psql("COMMIT PREPARED 'r1'");
            promoted.psql("ROLLBACK PREPARED 'r2'");
            promoted.waitForCatchup(old);
            assertThat(old.psql("SELECT count(*) FROM pg_prepared_xacts")).isEqualTo("0");
            assertThat(old.psql("SELECT id, v FROM t ORDER BY id")).isEqualTo("1|prepared\n100|new primary");
        }
    }

    @Test
    void pgjdbcXaPreparesCommitsRecoversAndRollsBack() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("xa");
            node.appendConf(PREPARED);
            node.start();
            node.psql("CREATE TABLE accounts (id integer PRIMARY KEY, balance integer)");
            PGXADataSource ds = new PGXADataSource();
            ds.setServerNames(new String[] {"127.0.0.1"});
            ds.setPortNumbers(new int[] {node.port()});
            ds.setDatabaseName("postgres");
            ds.setUser("postgres");
            XAConnection xaConnection = ds.getXAConnection();
            try {
                XAResource xa = xaConnection.getXAResource();
                Connection c = xaConnection.getConnection();
                Xid first = new TestXid(1);
                xa.start(first, XAResource.TMNOFLAGS);
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO accounts VALUES (1, 100)");
                }
                xa.end(first, XAResource.TMSUCCESS);
                assertThat(xa.prepare(first)).isEqualTo(XAResource.XA_OK);
                assertThat(node.psql("SELECT count(*) FROM accounts")).isEqualTo("0");
                assertThat(xa.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)).hasSize(1);
                xa.commit(first, false);
                assertThat(node.psql("SELECT balance FROM accounts")).isEqualTo("100");

                Xid second = new TestXid(2);
                xa.start(second, XAResource.TMNOFLAGS);
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE accounts SET balance = 0 WHERE id = 1");
                }
                xa.end(second, XAResource.TMSUCCESS);
                xa.prepare(second);
                Xid[] recovered = xa.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
                assertThat(recovered).hasSize(1);
                assertThat(recovered[0].getGlobalTransactionId()).isEqualTo(second.getGlobalTransactionId());
                xa.rollback(recovered[0]);
                assertThat(xa.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)).isEmpty();
                assertThat(node.psql("SELECT balance FROM accounts")).isEqualTo("100");

                // one-phase commit through XA, and a committed xid is gone
                Xid third = new TestXid(3);
                xa.start(third, XAResource.TMNOFLAGS);
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE accounts SET balance = 50 WHERE id = 1");
                }
                xa.end(third, XAResource.TMSUCCESS);
                xa.commit(third, true);
                assertThat(node.psql("SELECT balance FROM accounts")).isEqualTo("50");
                assertThatThrownBy(() -> xa.commit(first, false)).isInstanceOf(javax.transaction.xa.XAException.class);
            } finally {
                xaConnection.close();
            }
        }
    }

    @Test
    void withMaxPreparedTransactionsZeroPrepareIsRefused() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("zero");
            node.start();
            try (Connection c = node.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (id integer)");
                s.execute("BEGIN");
                s.execute("INSERT INTO t VALUES (1)");
                assertThatThrownBy(() -> s.execute("PREPARE TRANSACTION 'z'")).isInstanceOfSatisfying(
                        SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("55000");
                            assertThat(e.getMessage()).contains("prepared transactions are disabled");
                        });
                assertThat(node.psql("SELECT count(*) FROM t")).isEqualTo("0");
                assertThat(node.psql("SHOW max_prepared_transactions")).isEqualTo("0");
            }
        }
    }

    /** An XA transaction id (format 1, a one-byte global id, no branch qualifier). */
    private record TestXid(int n) implements Xid {
        @Override
        public int getFormatId() {
            return 1;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return new byte[] {(byte) n};
        }

        @Override
        public byte[] getBranchQualifier() {
            return new byte[] {1};
        }
    }
}
