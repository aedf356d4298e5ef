package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.sql.testing.Client;
import org.walden.storage.Store;
import org.walden.txn.KvTransactionManager;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.Wal;

/**
 * ANALYZE over the key-value store, seen through pg_class and pg_stats: a table of more rows
 * than ANALYZE reads whole is sampled by seeks, its row count estimated from storage's sizes
 * (close to the true count, not equal to it) and its columns' statistics still PostgreSQL's
 * (a unique column's n_distinct -1, a column of 50 values 50, histogram ends near the value
 * range's); a smaller table is still read whole, its counts exact.
 */
class AnalyzeSampleTest {

    @TempDir
    Path dir;
    Store store;
    Wal wal;
    Client c;

    @BeforeEach
    void setUp() throws Exception {
        store = Store.open(dir.resolve("base"));
        Files.createDirectories(dir.resolve("pg_wal"));
        long segment = 16L << 20;
        wal = new Wal(dir.resolve("pg_wal"), segment, TimelineId.FIRST, new Lsn(segment), Lsn.INVALID,
                new Wal.Options(false, 1 << 20, 0, 0));
        KvTransactionManager tm = new KvTransactionManager(store, wal, Clock.systemUTC(), 3);
        WaldenSqlEngine.bootstrap(tm, "postgres", null);
        c = Client.connect(new WaldenSqlEngine(tm, null, Clock.systemUTC()), "postgres");
    }

    @AfterEach
    void tearDown() {
        c.close();
        wal.close(true);
        store.close();
    }

    @Test
    void aTableLargerThanWhatIsReadWholeIsSampledAndItsRowCountEstimated() {
        // written as a bulk load writes (a table created in the loading transaction: its rows go
        // to storage's files at once, as pgbench -i's COPY does), where stored sizes are precise
        c.q("create table big as select g as id, g % 50 as grp, 'note number ' || g as note, "
                + "case when g % 4 = 0 then null else g end as maybe from generate_series(1, 200000) g");
        c.q("analyze big");

        double reltuples = Double.parseDouble(c.q("select reltuples from pg_class where relname = 'big'").value());
        assertThat(reltuples).isBetween(196_000.0, 204_000.0).isNotEqualTo(200_000.0); // an estimate
        // fractions from a sample: a quarter of maybe is NULL, the rest distinct
        assertThat(c.q("select attname, round(n_distinct::numeric, 2), round(null_frac::numeric, 2) from pg_stats "
                + "where tablename = 'big' order by attname").rows()).containsExactly(
                List.of("grp", "50.00", "0.00"),
                List.of("id", "-1.00", "0.00"),
                List.of("maybe", "-0.75", "0.25"),
                List.of("note", "-1.00", "0.00"));
        // the sample spans the table: the histogram of id starts near 1 and ends near 200000
        List<String> idBounds = List.of(c.q("select histogram_bounds from pg_stats "
                + "where tablename = 'big' and attname = 'id'").value().replaceAll("[{}]", "").split(","));
        assertThat(idBounds).hasSize(101);
        assertThat(Integer.parseInt(idBounds.get(0))).isLessThan(2_000);
        assertThat(Integer.parseInt(idBounds.get(100))).isGreaterThan(198_000);
        assertThat(Integer.parseInt(idBounds.get(50))).isBetween(90_000, 110_000);
        assertThat(c.q("select correlation from pg_stats where tablename = 'big' and attname = 'id'").value())
                .isEqualTo("1");
        // the planner's estimates follow: the whole table, and a 50th of it for one grp
        assertThat(planRows("explain select * from big")).isBetween(194_000L, 206_000L);
        assertThat(planRows("explain select * from big where grp = 7")).isBetween(3_800L, 4_200L);
    }

    @Test
    void rowsStillInMemoryAreCountedToo() {
        // inserted into an existing table: the rows are in storage's memtables, whose sizes are
        // coarser estimates (a skip list's), and the count follows them less closely
        c.q("create table recent (id int, note text)");
        c.q("insert into recent select g, 'recent row ' || g from generate_series(1, 125000) g");
        c.q("analyze recent");
        double reltuples = Double.parseDouble(c.q("select reltuples from pg_class where relname = 'recent'").value());
        assertThat(reltuples).isBetween(112_500.0, 137_500.0);
        assertThat(c.q("select attname, n_distinct from pg_stats where tablename = 'recent' order by attname").rows())
                .containsExactly(List.of("id", "-1"), List.of("note", "-1"));
        // deleted rows are not counted, though their versions still take space
        c.q("delete from recent where id % 10 = 0");
        c.q("analyze recent");
        reltuples = Double.parseDouble(c.q("select reltuples from pg_class where relname = 'recent'").value());
        assertThat(reltuples).isBetween(101_250.0, 123_750.0).isNotEqualTo(112_500.0);
    }

    @Test
    void aTableOfNoMoreRowsThanAreReadWholeKeepsExactCounts() {
        c.q("create table mid (id int, tens int)");
        c.q("insert into mid select g, (g - 1) / 10000 from generate_series(1, 90000) g");
        c.q("analyze mid");
        assertThat(c.q("select reltuples from pg_class where relname = 'mid'").value()).isEqualTo("90000");
        assertThat(planRows("explain select * from mid")).isEqualTo(90_000L);
        assertThat(c.q("select attname, n_distinct from pg_stats where tablename = 'mid' order by attname").rows())
                .containsExactly(List.of("id", "-1"), List.of("tens", "9"));

        c.q("create table small (id int)");
        c.q("insert into small select g from generate_series(1, 20) g");
        c.q("analyze small");
        assertThat(c.q("select reltuples, relpages from pg_class where relname = 'small'").rows())
                .containsExactly(List.of("20", "1"));
        assertThat(c.q("select n_distinct, histogram_bounds from pg_stats where tablename = 'small'").rows())
                .containsExactly(List.of("-1", "{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20}"));
    }

    private long planRows(String explain) {
        Matcher m = Pattern.compile("rows=(\\d+)").matcher(c.q(explain).rows().get(0).get(0));
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }
}
