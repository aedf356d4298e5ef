package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.recovery.Engine;
import org.walden.recovery.EngineOptions;
import org.walden.sql.testing.Client;
import org.walden.sql.testing.MemorySettings;

/** The SQL layer over the real storage engine (RocksDB + WAL): DML, DDL, concurrency, restart. */
class RealEngineSessionTest {

    @TempDir
    Path tmp;

    private static EngineOptions opts() {
        return EngineOptions.defaults().withFsync(false).withWalWriterDelayMs(20);
    }

    /** A new data directory's engine, open, with its bootstrap superuser postgres. */
    private static Engine freshEngine(Path data) {
        Engine.initialize(data, 1L << 20);
        Engine engine = Engine.open(data, opts());
        WaldenSqlEngine.bootstrap(engine.transactionManager(), "postgres", null);
        return engine;
    }

    private static WaldenSqlEngine sqlOver(Engine engine) {
        return new WaldenSqlEngine(engine.transactionManager(), null, Clock.systemUTC());
    }

    private static Client connect(WaldenSqlEngine sql) {
        return new Client(sql.newSession("postgres", "postgres", 1, new MemorySettings()));
    }

    @Test
    void sqlOverTheRealEngineSurvivesRestart() throws Exception {
        Path data = tmp.resolve("data");
        Engine engine = freshEngine(data);
        try {
            WaldenSqlEngine sql = sqlOver(engine);
            try (Client c = connect(sql)) {
                c.q("create table acct (id int primary key, bal bigint not null, note text)");
                c.q("insert into acct values (1, 0, 'a'), (2, 0, null)");
                c.q("create table log (v int)");
                c.q("insert into log values (1), (2), (3)");
                c.q("begin; create table gone (a int); insert into acct values (3, 0, 'x'); rollback");
                assertThatThrownBy(() -> c.q("select * from gone")).hasMessage("relation \"gone\" does not exist");
                assertThat(c.q("select count(*) from acct").value()).isEqualTo("2");
                List<Thread> threads = new ArrayList<>();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                for (int t = 0; t < 2; t++) {
                    Thread th = new Thread(() -> {
                        try (Client me = connect(sql)) {
                            for (int i = 0; i < 50; i++) {
                                me.extended("UPDATE acct SET bal = bal + $1 WHERE id = $2", new int[0],
                                        new String[] {"1", "1"}, new short[0]);
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
                assertThat(c.q("select bal from acct where id = 1").value()).isEqualTo("100");
                assertThatThrownBy(() -> c.q("insert into acct values (1, 0, 'dup')"))
                        .hasMessage("duplicate key value violates unique constraint \"acct_pkey\"");
            }
        } finally {
            engine.shutdown();
        }
        Engine reopened = Engine.open(data, opts());
        try {
            WaldenSqlEngine sql = sqlOver(reopened);
            assertThat(sql.findRole("postgres")).isPresent();
            try (Client c = connect(sql)) {
                assertThat(c.q("select id, bal, note from acct order by id").rows())
                        .containsExactly(List.of("1", "100", "a"), java.util.Arrays.asList("2", "0", null));
                c.q("insert into log values (4)");
                assertThat(c.q("select count(*), max(v) from log").rows()).containsExactly(List.of("4", "4"));
                c.q("drop table log");
                assertThatThrownBy(() -> c.q("select * from log")).hasMessage("relation \"log\" does not exist");
            }
        } finally {
            reopened.shutdown();
        }
    }

    @Test
    void sequencesResumeAtTheNextValueAfterACleanShutdownAndSkipTheLoggedAheadOnesAfterACrash() {
        Path data = tmp.resolve("data");
        Engine engine = freshEngine(data);
        try {
            WaldenSqlEngine sql = sqlOver(engine);
            try (Client c = connect(sql)) {
                c.q("create sequence s");
                c.q("select nextval('s'), nextval('s'), nextval('s')");
            }
            sql.writeExactSequenceValues(); // the server's last shutdown task before the checkpoint
        } finally {
            engine.shutdown();
        }
        Engine reopened = Engine.open(data, opts());
        WaldenSqlEngine sql = sqlOver(reopened);
        try (Client c = connect(sql)) {
            assertThat(c.q("select last_value from s").value()).isEqualTo("3");
            assertThat(c.q("select nextval('s')").value()).isEqualTo("4");
        }
        reopened.simulateCrash();
        Engine crashed = Engine.open(data, opts());
        try {
            sql = sqlOver(crashed);
            try (Client c = connect(sql)) {
                // 4 reserved 4..35 in the WAL: after a crash numbering resumes beyond them, as in PostgreSQL
                assertThat(c.q("select nextval('s')").value()).isEqualTo("36");
            }
        } finally {
            crashed.shutdown();
        }
    }
}
