package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.guc.GucServerSettings;
import org.walden.sql.testing.Client;
import org.walden.sql.testing.MemoryTransactionManager;

/**
 * The background analyze pass: a table changed past autovacuum_analyze_threshold +
 * autovacuum_analyze_scale_factor * reltuples gets statistics without anyone running ANALYZE,
 * shown as last_autoanalyze / autoanalyze_count in pg_stat_user_tables and used by the planner;
 * a table below the threshold, or with autovacuum_enabled = false, is left alone.
 */
class AutoAnalyzeTest {

    @Test
    void changedTablesAreAnalyzedInTheBackground() throws Exception {
        MemoryTransactionManager tm = new MemoryTransactionManager();
        WaldenSqlEngine.bootstrap(tm, "postgres", null);
        WaldenSqlEngine engine = new WaldenSqlEngine(tm, null, Clock.systemUTC());
        GucServerSettings server = GucServerSettings.defaults(Map.of("autovacuum_naptime", "1",
                "autovacuum_analyze_threshold", "100"));
        try (Client c = new Client(engine.newSession("postgres", "postgres", 1, server.newSession()))) {
            c.q("create table busy (id int primary key, kind int)");
            c.q("create table quiet (id int)");
            c.q("create table opted_out (id int) with (autovacuum_enabled = false)");
            c.q("insert into busy select g, g % 3 from generate_series(1, 500) g");
            c.q("insert into quiet select g from generate_series(1, 20) g");
            c.q("insert into opted_out select g from generate_series(1, 500) g");
            engine.startAutoAnalyze(server::newSession);
            try {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && c.q("select autoanalyze_count from pg_stat_user_tables "
                        + "where relname = 'busy'").value().equals("0")) {
                    Thread.sleep(100);
                }
            } finally {
                engine.stopAutoAnalyze();
            }
            assertThat(c.q("select relname, autoanalyze_count, last_autoanalyze is not null, analyze_count, "
                    + "n_mod_since_analyze from pg_stat_user_tables order by relname").rows()).containsExactly(
                    java.util.List.of("busy", "1", "t", "0", "0"),
                    java.util.List.of("opted_out", "0", "f", "0", "500"),
                    java.util.List.of("quiet", "0", "f", "0", "20"));
            assertThat(c.q("select reltuples from pg_class where relname = 'busy'").value()).isEqualTo("500");
            assertThat(c.q("select reloptions from pg_class where relname = 'opted_out'").value())
                    .isEqualTo("{autovacuum_enabled=false}");
            assertThat(c.q("select n_distinct from pg_stats where tablename = 'busy' and attname = 'kind'").value())
                    .isEqualTo("3");
        }
    }

    @Test
    void storageParametersAreCheckedAsPostgresChecksThem() {
        try (Client c = Client.connect(Client.engine(new MemoryTransactionManager(), null), "postgres")) {
            assertThatThrownBy(() -> c.q("create table t (id int) with (no_such_thing = 1)"))
                    .isInstanceOfSatisfying(PgException.class, e -> {
                        assertThat(e.sqlState().code()).isEqualTo("22023");
                        assertThat(e.getMessage()).isEqualTo("unrecognized parameter \"no_such_thing\"");
                    });
            assertThatThrownBy(() -> c.q("create table t (id int) with (autovacuum_enabled = maybe)"))
                    .hasMessage("invalid value for boolean option \"autovacuum_enabled\": maybe");
            c.q("create table t (id int) with (fillfactor = 70, autovacuum_enabled = off)");
            assertThat(c.q("select reloptions from pg_class where relname = 't'").value())
                    .isEqualTo("{fillfactor=70,autovacuum_enabled=off}");
        }
    }
}
