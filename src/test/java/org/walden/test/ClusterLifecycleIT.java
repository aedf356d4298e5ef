package org.walden.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * A cluster's life through the tools, as a DBA lives it: initdb, ctl start / status / reload /
 * restart / stop, controldata, SQL over psql and pgjdbc, a refused start on a broken
 * configuration file, crash recovery after kill -9.
 */
class ClusterLifecycleIT {

    @Test
    void initdbStartStatusReloadRestartStop() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("node1");
            assertThat(TestCluster.walden("controldata", "-D", node.dataDir().toString()).out())
                    .contains("Database cluster state:               shut down");

            node.start();
            assertThat(node.logContains("database system is ready to accept connections")).isTrue();
            assertThat(node.logContains("redo")).as("no redo after a clean shutdown").isFalse();
            TestCluster.ToolResult status = node.ctl("status");
            assertThat(status.code()).isZero();
            assertThat(status.out()).startsWith("pg_ctl: server is running (PID: " + node.pid().orElseThrow() + ")");
            assertThat(TestCluster.walden("controldata", "-D", node.dataDir().toString()).out())
                    .contains("Database cluster state:               in production");

            node.psql("CREATE TABLE t (id integer PRIMARY KEY, v text)");
            node.psql("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
            assertThat(node.psql("SELECT count(*) FROM t")).isEqualTo("2");
            assertThat(node.psql("SHOW port")).isEqualTo(Integer.toString(node.port()));
            try (Connection c = node.connect(); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.executeQuery("SELECT * FROM no_such_table"))
                        .hasMessageContaining("relation \"no_such_table\" does not exist")
                        .satisfies(e -> assertThat(((org.postgresql.util.PSQLException) e).getServerErrorMessage()
                                .getPosition()).isEqualTo(15));
            }
            assertThat(node.pollLogContains("ERROR:  relation \"no_such_table\" does not exist at character 15"))
                    .isTrue();
            assertThat(node.logContains("STATEMENT:  SELECT * FROM no_such_table")).isTrue();
            try (Connection c = node.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW server_version")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).startsWith("15.");
            }

            node.appendConf("work_mem = '8MB'\n");
            node.reload();
            assertThat(node.pollQueryUntil("SHOW work_mem", "8MB")).isTrue();
            assertThat(node.logContains("parameter \"work_mem\" changed to \"8MB\"")).isTrue();

            long before = node.pid().orElseThrow();
            node.restart();
            assertThat(node.pid().orElseThrow()).isNotEqualTo(before);
            assertThat(node.psql("SELECT v FROM t WHERE id = 2")).isEqualTo("two");

            node.stop();
            assertThat(node.pid()).isEmpty();
            assertThat(node.dataDir().resolve("postmaster.pid")).doesNotExist();
            TestCluster.ToolResult stopped = node.ctl("status");
            assertThat(stopped.code()).isEqualTo(3);
            assertThat(stopped.out()).isEqualTo("pg_ctl: no server running\n");
            assertThat(TestCluster.walden("controldata", "-D", node.dataDir().toString()).out())
                    .contains("Database cluster state:               shut down");
        }
    }

    @Test
    void aBrokenConfigurationFileRefusesTheStart() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("broken");
            node.appendConf("max_connections = 300000\n");
            TestCluster.ToolResult r = node.ctl("-t", "60", "start");
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("pg_ctl: could not start server\nExamine the log output.\n")
                    .contains("FATAL:  configuration file \"" + node.dataDir().resolve("postgresql.conf")
                            + "\" contains errors");
            assertThat(node.logContains(
                    "LOG:  300000 is outside the valid range for parameter \"max_connections\" (1 .. 262143)"))
                    .isTrue();
            assertThat(Files.exists(node.dataDir().resolve("postmaster.pid"))).isFalse();
        }
    }

    @Test
    void committedRowsSurviveKill9() {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("crash");
            node.start();
            node.psql("CREATE TABLE c (id integer PRIMARY KEY)");
            node.psql("INSERT INTO c VALUES (1), (2), (3)");
            node.kill9();
            assertThat(node.ctl("status").code()).isEqualTo(3);
            node.start();
            assertThat(node.psql("SELECT count(*) FROM c")).isEqualTo("3");
            assertThat(node.logContains("database system was not properly shut down; automatic recovery in progress"))
                    .isTrue();
            assertThat(node.logContains("LOG:  redo starts at")).isTrue();
            assertThat(node.logContains("LOG:  redo done at")).isTrue();
        }
    }

    @Test
    void theSeedsLoggingSettingsWriteACsvLogInLogDirectory() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("csv");
            node.appendConf("""
                    wal_keep_segments = 1000 # in logfile segments, 16MB each; 0 disables
                    log_destination = 'csvlog' # Valid values are combinations of
                    logging_collector = on # Enable capturing of stderr and csvlog
                    log_directory = 'log' # directory where log files are written,
                    log_min_duration_statement = 1000 # -1 is disabled, 0 logs all statements
                    log_checkpoints = on
                    log_connections = on
                    log_disconnections = on
                    log_duration = on
                    log_line_prefix = '%m %a %r %d %u %p %x' # special values:
                    log_statement = 'all' # none, ddl, mod, all
                    log_timezone = 'PRC'
                    """);
            node.start();
            assertThat(node.logContains("LOG:  redirecting log output to logging collector process")).isTrue();
            assertThat(node.psql("SHOW log_destination")).isEqualTo("csvlog");
            node.stop();
            java.util.List<java.nio.file.Path> csv;
            try (var files = Files.list(node.dataDir().resolve("log"))) {
                csv = files.filter(f -> f.toString().endsWith(".csv")).toList();
            }
            assertThat(csv).hasSize(1);
            String text = Files.readString(csv.get(0));
            assertThat(text).contains(" CST,").contains(",LOG,00000,\"database system is ready to accept connections");
        }
    }
}
