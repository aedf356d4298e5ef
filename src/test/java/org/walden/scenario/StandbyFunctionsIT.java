package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.walden.test.TestCluster;
import org.walden.wal.Lsn;

/**
 * A standby's own functions and views (issue 3 part 5): pg_wal_replay_pause / resume /
 * pg_is_wal_replay_paused / pg_get_wal_replay_pause_state (the walreceiver keeps receiving
 * while replay is paused), pg_last_xact_replay_timestamp, Walden's pg_wal_replay_wait for
 * read-your-writes, pg_stat_wal_receiver with the password masked, the recovery control
 * functions refused on a primary (55000), hot_standby = off refusing normal connections
 * (57P03) while replication connections are served, and a long standby query that replay
 * never cancels.
 */
class StandbyFunctionsIT {

    @Test
    void replayPauseResumeWaitTimestampAndWalReceiverView() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE r (id integer PRIMARY KEY, v text)");
            primary.backup("b1");
            TestCluster.Node standby = cluster.initFromBackup(primary, "b1", "standby", true);
            standby.appendConf("primary_conninfo = 'host=127.0.0.1 port=" + primary.port()
                    + " user=postgres password=secret application_name=standby'\n"
                    + "hot_standby_feedback = on\nmax_standby_streaming_delay = 0\n");
            standby.start();
            primary.psql("INSERT INTO r VALUES (1, 'one')");
            primary.waitForCatchup(standby);

            // on a primary the recovery control functions are refused, in PostgreSQL's words
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                for (String f : List.of("pg_wal_replay_pause()", "pg_wal_replay_resume()", "pg_is_wal_replay_paused()",
                        "pg_get_wal_replay_pause_state()", "pg_wal_replay_wait('0/1', 10)")) {
                    PSQLException e = catchThrowableOfType(PSQLException.class, () -> s.executeQuery("SELECT " + f));
                    assertThat(e.getSQLState()).as(f).isEqualTo("55000");
                    assertThat(e.getServerErrorMessage().getMessage()).isEqualTo("recovery is not in progress");
                }
                PSQLException e = catchThrowableOfType(PSQLException.class,
                        () -> s.executeQuery("SELECT pg_wal_replay_pause()"));
                assertThat(e.getServerErrorMessage().getHint())
                        .isEqualTo("Recovery control functions can only be executed during recovery.");
            }
            assertThat(primary.psql("SELECT pg_last_xact_replay_timestamp() IS NULL")).isEqualTo("t");

            // the commit time of the last replayed transaction, as the primary stamped it
            Instant replayed = timestamp(standby, "SELECT pg_last_xact_replay_timestamp()");
            assertThat(Duration.between(replayed, Instant.now()).abs()).isLessThan(Duration.ofMinutes(2));

            // pause: replay stops, the walreceiver keeps receiving
            assertThat(standby.psql("SELECT pg_get_wal_replay_pause_state()")).isEqualTo("not paused");
            standby.psql("SELECT pg_wal_replay_pause()");
            assertThat(standby.psql("SELECT pg_is_wal_replay_paused()")).isEqualTo("t");
            assertThat(standby.pollQueryUntil("SELECT pg_get_wal_replay_pause_state()", "paused")).isTrue();
            Lsn target = commitAndLsn(primary, "INSERT INTO r VALUES (2, 'two')");
            assertThat(standby.pollQueryUntil("SELECT pg_last_wal_receive_lsn() >= '" + target + "'", "t")).isTrue();
            assertThat(standby.psql("SELECT count(*) FROM r")).isEqualTo("1");
            assertThat(standby.psql("SELECT pg_wal_replay_wait('" + target + "', 300)")).isEqualTo("f");
            assertThat(Lsn.parse(standby.psql("SELECT pg_last_wal_replay_lsn()"))).isLessThan(target);

            standby.psql("SELECT pg_wal_replay_resume()");
            assertThat(standby.psql("SELECT pg_wal_replay_wait('" + target + "', 10000)")).isEqualTo("t");
            assertThat(standby.psql("SELECT v FROM r WHERE id = 2")).isEqualTo("two");
            assertThat(standby.psql("SELECT pg_is_wal_replay_paused(), pg_get_wal_replay_pause_state()"))
                    .isEqualTo("f|not paused");

            // read-your-writes: commit on the primary, take its LSN, wait on the standby, read
            try (Connection p = primary.connect(); Connection s = standby.connect();
                 PreparedStatement insert = p.prepareStatement("INSERT INTO r VALUES (?, ?)");
                 Statement ps = p.createStatement(); Statement ss = s.createStatement()) {
                for (int id = 100; id < 110; id++) {
                    insert.setInt(1, id);
                    insert.setString(2, "ryw " + id);
                    insert.executeUpdate();
                    String lsn = single(ps, "SELECT pg_current_wal_lsn()");
                    assertThat(single(ss, "SELECT pg_wal_replay_wait('" + lsn + "', 10000)")).isEqualTo("t");
                    assertThat(single(ss, "SELECT v FROM r WHERE id = " + id)).isEqualTo("ryw " + id);
                }
                PSQLException e = catchThrowableOfType(PSQLException.class,
                        () -> ss.executeQuery("SELECT pg_wal_replay_wait('0/1', -1)"));
                assertThat(e.getSQLState()).isEqualTo("22023");
                // statement_timeout ends a wait for a position that never comes
                ss.execute("SET statement_timeout = 300");
                e = catchThrowableOfType(PSQLException.class,
                        () -> ss.executeQuery("SELECT pg_wal_replay_wait('FF/0', 60000)"));
                assertThat(e.getSQLState()).isEqualTo("57014");
                ss.execute("RESET statement_timeout");
                assertThat(single(ss, "SELECT pg_wal_replay_wait('FF/0', 0)")).isEqualTo("f");
            }

            // pg_stat_wal_receiver: one row on the standby, none on the primary; password masked
            String row = standby.psql("SELECT pid > 0, status, receive_start_lsn IS NOT NULL, receive_start_tli,"
                    + " flushed_lsn >= '" + target + "', received_tli, last_msg_send_time IS NOT NULL,"
                    + " last_msg_receipt_time IS NOT NULL, latest_end_lsn IS NOT NULL, sender_host, sender_port,"
                    + " conninfo FROM pg_stat_wal_receiver");
            assertThat(row).startsWith("t|streaming|t|1|t|1|t|t|t|127.0.0.1|" + primary.port() + "|");
            assertThat(row).contains("password=********").doesNotContain("secret");
            assertThat(primary.psql("SELECT count(*) FROM pg_stat_wal_receiver")).isEqualTo("0");

            // hot_standby_feedback = on: the primary shows the standby's xmin
            assertThat(primary.pollQueryUntil("SELECT backend_xmin IS NOT NULL FROM pg_stat_replication", "t"))
                    .isTrue();

            // pg_stat_activity names the roles, as ps does
            String standbyTypes = standby.psql("SELECT backend_type FROM pg_stat_activity ORDER BY backend_type");
            assertThat(standbyTypes.lines()).contains("startup", "walreceiver", "checkpointer", "client backend")
                    .doesNotContain("walwriter");
            assertThat(standby.psql("SELECT pid = pg_backend_pid(), datname, usename FROM pg_stat_activity"
                    + " WHERE backend_type = 'client backend'")).isEqualTo("t|postgres|postgres");
            assertThat(standby.psql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'walreceiver'"))
                    .isEqualTo(standby.psql("SELECT pid FROM pg_stat_wal_receiver"));
            assertThat(primary.psql("SELECT backend_type, usename, application_name FROM pg_stat_activity"
                    + " WHERE backend_type IN ('walsender', 'walwriter', 'checkpointer') ORDER BY backend_type"))
                    .isEqualTo("checkpointer||\nwalsender|postgres|standby\nwalwriter||");
            assertThat(primary.psql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'walsender'"))
                    .isEqualTo(primary.psql("SELECT pid FROM pg_stat_replication"));
        }
    }

    @Test
    void hotStandbyOffRefusesQueriesButServesReplicationAndLongQueriesAreNotCancelled() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE big (id integer PRIMARY KEY, v text)");
            StringBuilder insert = new StringBuilder("INSERT INTO big VALUES ");
            for (int i = 1; i <= 3000; i++) {
                insert.append(i > 1 ? ", " : "").append("(").append(i).append(", 'row ").append(i).append("')");
            }
            primary.psql(insert.toString());
            primary.backup("b1");

            TestCluster.Node cold = cluster.initFromBackup(primary, "b1", "cold", true);
            cold.appendConf("hot_standby = off\n");
            cold.start();
            PSQLException refused = catchThrowableOfType(PSQLException.class, cold::connect);
            assertThat(refused.getSQLState()).isEqualTo("57P03");
            assertThat(refused.getServerErrorMessage().getMessage())
                    .isEqualTo("the database system is not accepting connections");
            assertThat(refused.getServerErrorMessage().getDetail()).isEqualTo("Hot standby mode is disabled.");
            // a replication connection is still served; IDENTIFY_SYSTEM reports the flushed position
            String identify = replicationCommand(cold, "IDENTIFY_SYSTEM");
            assertThat(identify).matches("\\d+\\|1\\|[0-9A-F]+/[0-9A-F]+\\|");

            TestCluster.Node hot = cluster.initFromBackup(primary, "b1", "hot", true);
            hot.appendConf("max_standby_streaming_delay = 0\n");
            hot.start();
            primary.waitForCatchup(hot);
            try (Connection c = hot.connect()) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.setFetchSize(100);
                    try (ResultSet rs = s.executeQuery("SELECT id, v FROM big ORDER BY id")) {
                        List<Integer> seen = new ArrayList<>();
                        for (int i = 0; i < 150 && rs.next(); i++) {
                            seen.add(rs.getInt(1));
                        }
                        // replay deletes every row under the open cursor
                        primary.psql("DELETE FROM big");
                        primary.waitForCatchup(hot);
                        assertThat(hot.psql("SELECT count(*) FROM big")).isEqualTo("0");
                        TimeUnit.MILLISECONDS.sleep(200);
                        while (rs.next()) {
                            seen.add(rs.getInt(1));
                        }
                        assertThat(seen).hasSize(3000);
                        assertThat(seen.get(2999)).isEqualTo(3000);
                    }
                }
                c.commit();
            }
        }
    }

    private static Lsn commitAndLsn(TestCluster.Node primary, String sql) throws Exception {
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.executeUpdate(sql);
            return Lsn.parse(single(s, "SELECT pg_current_wal_lsn()"));
        }
    }

    private static String single(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static Instant timestamp(TestCluster.Node node, String sql) throws Exception {
        try (Connection c = node.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
            assertThat(t).isNotNull();
            return t.toInstant();
        }
    }

    /** Runs a replication command with PostgreSQL 15's psql (replication=true), unaligned. */
    private static String replicationCommand(TestCluster.Node node, String command) throws Exception {
        Process p = new ProcessBuilder(TestCluster.PSQL.toString(), "-X", "-A", "-t", "-c", command,
                "host=127.0.0.1 port=" + node.port() + " user=postgres replication=true")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.exitValue()).as(out).isEqualTo(0);
        return out;
    }
}
