package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.testing.Client;
import org.walden.sql.testing.MemoryTransactionManager;

/** GROUP BY ROLLUP / CUBE / GROUPING SETS and GROUPING() through a session: rows, plan shape, views, errors. */
class GroupingSetsTest {

    private Client c;

    @BeforeEach
    void setUp() {
        WaldenSqlEngine engine = Client.engine(new MemoryTransactionManager(), null);
        c = Client.connect(engine, "postgres");
        c.q("create table s (a text, b int, v int)");
        c.q("insert into s values ('x', 1, 10), ('x', 2, 20), ('y', 1, 5), (null, null, 1)");
    }

    @AfterEach
    void tearDown() {
        c.close();
    }

    @Test
    void rollupAddsSubtotalRowsWithNullsAndGroupingBits() {
        assertThat(c.q("select a, b, sum(v), grouping(a, b) from s group by rollup (a, b) order by 4, 1, 2").rows())
                .containsExactly(List.of("x", "1", "10", "0"), List.of("x", "2", "20", "0"),
                        List.of("y", "1", "5", "0"), Arrays.asList(null, null, "1", "0"),
                        Arrays.asList("x", null, "30", "1"), Arrays.asList("y", null, "5", "1"),
                        Arrays.asList(null, null, "1", "1"), Arrays.asList(null, null, "36", "3"));
    }

    @Test
    void cubeAndDistinctSetsCountEachSetOnce() {
        assertThat(c.q("select count(*) from (select a, b from s group by cube (a, b)) t").value()).isEqualTo("11");
        // rollup(a) x rollup(a, b): sets (a,b) twice, (a) three times, () once; DISTINCT keeps each once
        assertThat(c.q("select count(*) from (select 1 from s group by rollup (a), rollup (a, b)) t").value())
                .isEqualTo("18");
        assertThat(c.q("select count(*) from (select 1 from s group by distinct rollup (a), rollup (a, b)) t")
                .value()).isEqualTo("8");
    }

    @Test
    void emptySetGivesOneRowEvenWithoutInput() {
        assertThat(c.q("select count(*), sum(v) from s where v > 100 group by ()").rows())
                .containsExactly(Arrays.asList("0", null));
        assertThat(c.q("select a, count(*) from s where v > 100 group by rollup (a)").rows())
                .containsExactly(Arrays.asList(null, "0"));
    }

    @Test
    void planAggregatesEachSetAndAppends() {
        String plan = String.join("\n", c.q("explain (costs off) select a, b, sum(v) from s group by rollup (a, b)")
                .rows().stream().map(r -> r.get(0)).toList());
        assertThat(plan).contains("Append").containsPattern("(?s)Aggregate.*Aggregate.*Aggregate");
    }

    @Test
    void viewKeepsItsGroupingSets() {
        c.q("create view w as select a, sum(v) as t, grouping(a) as g from s group by rollup (a)");
        assertThat(c.q("select a, t, g from w order by g, a").rows()).containsExactly(List.of("x", "30", "0"),
                List.of("y", "5", "0"), Arrays.asList(null, "1", "0"), Arrays.asList(null, "36", "1"));
    }

    @Test
    void groupingArgumentsMustBeGrouped() {
        assertThatThrownBy(() -> c.q("select grouping(v) from s group by rollup (a)"))
                .isInstanceOf(PgException.class)
                .hasMessage("arguments to GROUPING must be grouping expressions of the associated query level")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.GROUPING_ERROR));
        assertThatThrownBy(() -> c.q("select a from s where grouping(a) = 0 group by rollup (a)"))
                .hasMessage("grouping operations are not allowed in WHERE");
    }
}
