package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * Cascading replication (issue 3 part 7), as PostgreSQL's 001_stream_rep sets it up: primary →
 * standby1 → standby2. standby2 streams from standby1's walsender, which sends what standby1's
 * walreceiver has flushed; rows written on the primary appear on standby2, and
 * pg_stat_replication on standby1 lists standby2; its pg_stat_activity and log show both of its
 * replication roles at work.
 */
class CascadingReplicationIT {

    @Test
    void aStandbyOfAStandbyStreamsThePrimarysRows() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE c (id integer PRIMARY KEY, v text)");
            primary.psql("INSERT INTO c VALUES (1, 'before the backup')");
            primary.backup("b1");
            TestCluster.Node standby1 = cluster.startStandby(primary, "b1", "standby1");

            // standby2 restores the same backup but streams from standby1 (a later line wins)
            TestCluster.Node standby2 = cluster.initFromBackup(primary, "b1", "standby2", true);
            standby2.appendConf("primary_conninfo = 'host=127.0.0.1 port=" + standby1.port()
                    + " user=postgres application_name=standby2'\n");
            standby2.start();

            StringBuilder insert = new StringBuilder("INSERT INTO c VALUES ");
            for (int i = 2; i <= 200; i++) {
                insert.append(i > 2 ? ", " : "").append("(").append(i).append(", 'row ").append(i).append("')");
            }
            primary.psql(insert.toString());
            primary.waitForCatchup(standby2);
            assertThat(standby2.psql("SELECT count(*), sum(id) FROM c")).isEqualTo("200|20100");
            assertThat(standby2.psql("SELECT v FROM c WHERE id = 1")).isEqualTo("before the backup");
            assertThat(standby2.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");

            assertThat(standby1.pollQueryUntil("SELECT application_name, state, sync_state FROM pg_stat_replication",
                    "standby2|streaming|async", Duration.ofSeconds(30))).isTrue();
            assertThat(primary.psql("SELECT application_name FROM pg_stat_replication")).isEqualTo("standby1");
            // the middle standby runs both roles
            assertThat(standby1.psql("SELECT backend_type FROM pg_stat_activity WHERE backend_type IN"
                    + " ('startup', 'walreceiver', 'walsender') ORDER BY backend_type"))
                    .isEqualTo("startup\nwalreceiver\nwalsender");
            assertThat(standby2.psql("SELECT status, sender_port = " + standby1.port() + " FROM pg_stat_wal_receiver"))
                    .isEqualTo("streaming|t");
            // what PostgreSQL's process titles show in ps: here in pg_stat_activity and the log
            assertThat(standby1.psql("SELECT state, query FROM pg_stat_activity WHERE backend_type = 'walsender'"))
                    .startsWith("active|START_REPLICATION ");
            assertThat(standby1.pollLogContains("application \"standby2\": catchup -> streaming at ")).isTrue();
            assertThat(standby1.logContains("walreceiver: starting -> streaming at ")).isTrue();

            // more writes keep flowing through the middle standby
            primary.psql("UPDATE c SET v = 'updated' WHERE id <= 10");
            primary.psql("DELETE FROM c WHERE id > 100");
            primary.waitForCatchup(standby2);
            String query = "SELECT id, v FROM c ORDER BY id";
            assertThat(standby2.psql(query)).isEqualTo(primary.psql(query));
            assertThat(standby1.psql(query)).isEqualTo(primary.psql(query));
        }
    }
}
