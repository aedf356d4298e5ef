package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.testing.Client;
import org.walden.sql.testing.MemoryTransactionManager;

/**
 * Simple queries sent again with other constants reuse one analysis and plan (StatementShape)
 * only when that gives what analyzing each statement gives: results, errors and their
 * positions, and the catalog and settings they see.
 */
class SimpleQueryShapeTest {

    private Client c;

    @BeforeEach
    void setUp() {
        c = Client.connect(Client.engine(new MemoryTransactionManager(), null), "postgres");
        c.q("create table acct (id int primary key, bal bigint not null, owner text, opened date)");
        c.q("insert into acct select g, g * 10, 'o' || g, date '2024-01-01' + g from generate_series(1, 50) g");
    }

    @AfterEach
    void tearDown() {
        c.close();
    }

    private long reuses() {
        return ((WaldenSession) c.session).shapeReuses;
    }

    @Test
    void pointReadsAndWritesOfOneShapeReuseThePlanWithEachStatementsConstants() {
        for (int i = 1; i <= 5; i++) {
            assertThat(c.q("SELECT bal, owner FROM acct WHERE id = " + i).rows())
                    .containsExactly(List.of(Long.toString(i * 10L), "o" + i));
            assertThat(c.q("UPDATE acct SET bal = bal + -" + i + " WHERE id = " + i).tag()).isEqualTo("UPDATE 1");
            assertThat(c.q("UPDATE acct SET bal = bal + " + i + " WHERE id = " + i).tag()).isEqualTo("UPDATE 1");
            c.q("INSERT INTO acct (id, bal, owner, opened) VALUES (" + (100 + i) + ", " + i + ", 'n" + i
                    + "', '2024-02-0" + i + "')");
        }
        // the first two of each shape are analyzed as sent, the rest reuse; "+ -1" and "+ 1" are one shape
        assertThat(reuses()).isEqualTo(3 + 8 + 3);
        assertThat(c.q("select id, bal, owner, opened from acct where id > 100 order by id").rows()).containsExactly(
                List.of("101", "1", "n1", "2024-02-01"), List.of("102", "2", "n2", "2024-02-02"),
                List.of("103", "3", "n3", "2024-02-03"), List.of("104", "4", "n4", "2024-02-04"),
                List.of("105", "5", "n5", "2024-02-05"));
        assertThat(c.q("select sum(bal) from acct where id <= 5").value()).isEqualTo("150");
        assertThat(c.q("SELECT bal FROM acct WHERE id = 999").rows()).isEmpty();
        assertThat(c.q("SELECT bal FROM acct WHERE id = 3000000000").rows()).isEmpty();
    }

    @Test
    void aConstantThatDoesNotConvertIsReportedAsPostgresReportsIt() {
        c.q("SELECT bal FROM acct WHERE id = 1");
        c.q("SELECT bal FROM acct WHERE id = 2");
        c.q("SELECT owner FROM acct WHERE opened = '2024-01-05'");
        c.q("SELECT owner FROM acct WHERE opened = '2024-01-06'");
        assertThat(c.q("SELECT owner FROM acct WHERE opened = '2024-01-07'").value()).isEqualTo("o6");
        long before = reuses();
        assertThatThrownBy(() -> c.q("SELECT owner FROM acct WHERE opened = 'soon'"))
                .isInstanceOf(PgException.class)
                .hasMessage("invalid input syntax for type date: \"soon\"")
                .satisfies(e -> {
                    assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.INVALID_DATETIME_FORMAT);
                    assertThat(((PgException) e).position()).isEqualTo(39);
                });
        assertThat(reuses()).isEqualTo(before);
        assertThatThrownBy(() -> c.q("UPDATE acct SET bal = bal + 1 WHERE id = 1; SELECT 1 / 0 FROM acct WHERE id = 1"))
                .hasMessage("division by zero");
    }

    @Test
    void valuesThatCouldPlanDifferentlyAreAnalyzedEachTime() {
        c.q("create index on acct (bal)");
        c.q("analyze acct");
        for (int i = 0; i < 4; i++) {
            assertThat(c.q("select count(*) from acct where bal > " + (i * 100)).value())
                    .isEqualTo(Integer.toString(50 - i * 10));
            c.q("select owner from acct where owner = 'o" + (i + 1) + "'");
        }
        assertThat(reuses()).isZero();
    }

    @Test
    void catalogAndSettingChangesAreSeen() {
        for (int i = 1; i <= 3; i++) {
            c.q("SELECT owner FROM acct WHERE id = " + i);
        }
        assertThat(reuses()).isEqualTo(1);
        c.q("alter table acct alter column owner type varchar(10)");
        assertThat(c.q("SELECT owner FROM acct WHERE id = 4").columns().get(0).typeOid()).isEqualTo(1043);
        c.q("create schema other");
        c.q("create table other.acct (id int primary key, owner int)");
        c.q("insert into other.acct values (5, 55)");
        c.q("set search_path = other, public");
        assertThat(c.q("SELECT owner FROM acct WHERE id = 5").value()).isEqualTo("55");
        c.q("reset search_path");
        assertThat(c.q("SELECT owner FROM acct WHERE id = 5").value()).isEqualTo("o5");
        c.q("drop table acct");
        assertThatThrownBy(() -> c.q("SELECT owner FROM acct WHERE id = 6"))
                .hasMessage("relation \"acct\" does not exist");
    }
}
