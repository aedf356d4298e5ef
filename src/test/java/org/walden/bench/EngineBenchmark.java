package org.walden.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.walden.sql.testing.Client;
import org.walden.sql.testing.MemoryTransactionManager;

/**
 * The query engine alone (an in-memory transaction manager, no network, no WAL), with JMH:
 * planning a three-table join with aggregation (EXPLAIN: parse, analyze and plan, nothing run),
 * a hash join of two 100,000-row tables, a primary-key point look-up and a window function over
 * 100,000 rows. Run with bench/jmh-engine.sh; the suite never runs it (it is not a test).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EngineBenchmark {

    private Client client;
    private int next;

    @Setup(Level.Trial)
    public void load() {
        client = Client.connect(Client.engine(new MemoryTransactionManager(), null), "postgres");
        client.q("create table a (id int primary key, k int, label text)");
        client.q("create table b (id int primary key, a_id int, amount int)");
        client.q("create table c (id int primary key, name text)");
        client.q("insert into a select g, g % 1000, 'a' || g from generate_series(1, 100000) g");
        client.q("insert into b select g, 1 + (g * 7) % 100000, g % 100 from generate_series(1, 100000) g");
        client.q("insert into c select g, 'c' || g from generate_series(1, 1000) g");
        client.q("analyze a");
        client.q("analyze b");
        client.q("analyze c");
    }

    @TearDown(Level.Trial)
    public void close() {
        client.close();
    }

    @Benchmark
    public Object planThreeTableJoin() {
        return client.q("explain select c.name, count(*), sum(b.amount) from a join b on b.a_id = a.id "
                + "join c on c.id = a.k where a.k < 500 group by c.name order by 2 desc limit 10").rows();
    }

    @Benchmark
    public Object hashJoinOf100kRowTables() {
        return client.q("select count(*), sum(b.amount) from a join b on b.a_id = a.id").value();
    }

    @Benchmark
    public Object pointLookup() {
        next = next % 100000 + 1;
        return client.q("select label from a where id = " + next).value();
    }

    @Benchmark
    public Object windowOver100kRows() {
        return client.q("select sum(r) from (select rank() over (partition by k order by id desc) as r from a) w")
                .value();
    }
}
