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
 * The unnamed statement of the extended protocol, parsed again with the same text, reuses the
 * last Parse's analysis and plan (WaldenSession.prepareUnnamed) only while that gives what
 * parsing again gives: results, columns, errors at Parse, and the catalog, search path, role
 * and settings of the moment.
 */
class UnnamedStatementReuseTest {

    private static final int INT4 = 23;
    private static final String[] NONE = new String[0];
    private static final short[] TEXT = new short[0];

    private WaldenSqlEngine engine;
    private Client c;

    @BeforeEach
    void setUp() {
        engine = Client.engine(new MemoryTransactionManager(), null);
        c = Client.connect(engine, "postgres");
        c.q("create table acct (id int primary key, bal bigint not null, owner text)");
        c.q("insert into acct select g, g * 10, 'o' || g from generate_series(1, 20) g");
    }

    @AfterEach
    void tearDown() {
        c.close();
    }

    private long reuses() {
        return ((WaldenSession) c.session).unnamedReuses;
    }

    private Client.Result read(String sql, String param) {
        return c.extended(sql, new int[0], new String[] {param}, TEXT);
    }

    @Test
    void theSameTextIsAnalyzedOnceAndRunWithEachBindsParameters() {
        String sql = "SELECT bal, owner FROM acct WHERE id = $1";
        for (int i = 1; i <= 5; i++) {
            assertThat(read(sql, Integer.toString(i)).rows()).containsExactly(List.of(Long.toString(i * 10L), "o" + i));
            assertThat(c.extended("UPDATE acct SET bal = bal + $1 WHERE id = $2", new int[0],
                    new String[] {"1", Integer.toString(i)}, TEXT).tag()).isEqualTo("UPDATE 1");
        }
        c.extended("BEGIN", new int[0], NONE, TEXT);
        c.extended("BEGIN", new int[0], NONE, TEXT); // a second BEGIN warns, as parsed afresh
        assertThat(c.notices).extracting(Throwable::getMessage).contains("there is already a transaction in progress");
        c.extended("END", new int[0], NONE, TEXT);
        assertThat(reuses()).isEqualTo(4 + 4 + 1);
        assertThat(c.q("select sum(bal) from acct where id <= 5").value()).isEqualTo("155");
        // other declared parameter types are another statement
        assertThat(c.extended(sql, new int[] {INT4}, new String[] {"2"}, TEXT).rows())
                .containsExactly(List.of("21", "o2"));
        assertThat(reuses()).isEqualTo(9);
    }

    @Test
    void catalogSearchPathRoleAndSettingChangesAreSeenAtTheNextParse() {
        String sql = "SELECT owner FROM acct WHERE id = $1";
        read(sql, "1");
        read(sql, "2");
        assertThat(reuses()).isEqualTo(1);
        c.q("alter table acct alter column owner type varchar(10)");
        assertThat(read(sql, "3").columns().get(0).typeOid()).isEqualTo(1043);
        c.q("create schema other");
        c.q("create table other.acct (id int primary key, owner int)");
        c.q("insert into other.acct values (5, 55)");
        c.q("set search_path = other, public");
        assertThat(read(sql, "5").value()).isEqualTo("55");
        c.q("reset search_path");
        assertThat(read(sql, "5").value()).isEqualTo("o5");
        c.q("create role plain login");
        Client plain = Client.connect(engine, "plain");
        try {
            assertThatThrownBy(() -> plain.extended(sql, new int[0], new String[] {"5"}, TEXT))
                    .isInstanceOf(PgException.class).hasMessage("permission denied for table acct");
            c.q("grant select on acct to plain");
            assertThat(plain.extended(sql, new int[0], new String[] {"6"}, TEXT).value()).isEqualTo("o6");
            assertThat(plain.extended(sql, new int[0], new String[] {"7"}, TEXT).value()).isEqualTo("o7");
            assertThat(((WaldenSession) plain.session).unnamedReuses).isEqualTo(1);
            c.q("revoke select on acct from plain");
            assertThatThrownBy(() -> plain.extended(sql, new int[0], new String[] {"7"}, TEXT))
                    .hasMessage("permission denied for table acct");
        } finally {
            plain.close();
        }
        c.q("drop table acct");
        assertThatThrownBy(() -> read(sql, "8")).isInstanceOf(PgException.class)
                .hasMessage("relation \"acct\" does not exist")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.UNDEFINED_TABLE));
    }

    @Test
    void aSettingReadAtAnalysisIsTheCurrentOne() {
        String sql = "SELECT '2024-01-01 00:00'::timestamptz::text WHERE $1::int > 0";
        c.q("set timezone = 'UTC'");
        assertThat(read(sql, "1").value()).isEqualTo("2024-01-01 00:00:00+00");
        assertThat(read(sql, "1").value()).isEqualTo("2024-01-01 00:00:00+00");
        c.q("set timezone = 'Asia/Tokyo'");
        assertThat(read(sql, "1").value()).isEqualTo("2024-01-01 00:00:00+09");
    }

    @Test
    void aFailedTransactionBlockRefusesTheKeptStatementAsAnyOther() {
        String sql = "SELECT owner FROM acct WHERE id = $1";
        read(sql, "1");
        c.q("begin");
        assertThatThrownBy(() -> c.q("select 1 / 0")).hasMessage("division by zero");
        assertThatThrownBy(() -> read(sql, "1"))
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.IN_FAILED_SQL_TRANSACTION));
        c.extended("ROLLBACK", new int[0], NONE, TEXT);
        assertThat(read(sql, "2").value()).isEqualTo("o2");
    }

    @Test
    void discardPlansForgetsKeptStatements() {
        String sql = "SELECT owner FROM acct WHERE id = $1";
        read(sql, "1");
        read(sql, "2");
        assertThat(reuses()).isEqualTo(1);
        c.q("discard plans");
        read(sql, "3");
        assertThat(reuses()).isEqualTo(1);
        read(sql, "4");
        assertThat(reuses()).isEqualTo(2);
    }
}
