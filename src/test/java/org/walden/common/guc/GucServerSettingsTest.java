package org.walden.common.guc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.walden.common.PgException;
import org.walden.common.SqlState;

class GucServerSettingsTest {

    /** Seed 000's postgresql.conf lines, as written there. */
    static final String SEED_000 = """
            listen_addresses = '*' # what IP address(es) to listen on;
            port = 5438 # (change requires restart)
            wal_level = replica # minimal, replica, or logical
            synchronous_commit = on # synchronization level;
            max_wal_senders = 10 # max number of walsender processes
            wal_keep_segments = 1000 # in logfile segments, 16MB each; 0 disables
            hot_standby = on # "off" disallows queries during recovery
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
            """;

    /** Seed 002's postgresql.conf and recovery.conf lines. */
    static final String SEED_002 = """
            logging_collector = on
            log_min_messages = notice
            log_min_duration_statement = 1000
            log_checkpoints = on
            log_connections = on
            log_disconnections = on
            log_duration = on
            log_error_verbosity = verbose
            log_line_prefix = '%t [%p]: [%l-1] <%d %u %h>'
            unix_socket_permissions = 0600
            listen_addresses = '*'
            max_wal_senders = 3
            wal_level = replica
            archive_mode = on
            archive_command = 'cd ./'
            hot_standby = on
            port = 5434
            """;

    static final String SEED_002_RECOVERY = """
            recovery_target_timeline = 'latest'
            standby_mode = on
            primary_conninfo = 'host=10.111.50.227 port=5433 user=repuser'
            """;

    @TempDir
    Path data;

    private ListAppender<ILoggingEvent> logged;

    @BeforeEach
    void captureLog() {
        logged = new ListAppender<>();
        logged.start();
        ((Logger) LoggerFactory.getLogger(GucServerSettings.class)).addAppender(logged);
    }

    @AfterEach
    void stopCapture() {
        ((Logger) LoggerFactory.getLogger(GucServerSettings.class)).detachAppender(logged);
    }

    private List<String> messages() {
        return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private void write(String file, String text) throws Exception {
        Files.writeString(data.resolve(file), text);
    }

    @Test
    void theSeedsConfigurationsParse() throws Exception {
        write("postgresql.conf", SEED_000);
        GucServerSettings s = GucServerSettings.load(data, Map.of());
        assertThat(s.getInt("port")).isEqualTo(5438);
        assertThat(s.getInt("wal_keep_segments")).isEqualTo(1000);
        assertThat(s.getString("log_destination")).isEqualTo("csvlog");
        assertThat(s.getBool("logging_collector")).isTrue();
        assertThat(s.show("log_min_duration_statement")).isEqualTo("1s");
        assertThat(s.getMillis("log_min_duration_statement")).isEqualTo(1000);
        assertThat(s.show("log_timezone")).isEqualTo("PRC");
        assertThat(s.show("log_statement")).isEqualTo("all");

        write("postgresql.conf", SEED_002);
        write("recovery.conf", SEED_002_RECOVERY);
        s = GucServerSettings.load(data, Map.of());
        assertThat(s.show("unix_socket_permissions")).isEqualTo("0600");
        assertThat(s.getBool("standby_mode")).isTrue();
        assertThat(s.recoveryConfPresent()).isTrue();
        assertThat(s.getString("primary_conninfo")).isEqualTo("host=10.111.50.227 port=5433 user=repuser");
        assertThat(s.getString("recovery_target_timeline")).isEqualTo("latest");
        assertThat(s.show("log_min_messages")).isEqualTo("notice");
    }

    @Test
    void theInstalledSampleParses() throws Exception {
        Path sample = Path.of("/usr/share/postgresql/15/postgresql.conf.sample");
        if (Files.exists(sample)) {
            write("postgresql.conf", Files.readString(sample));
            GucServerSettings s = GucServerSettings.load(data, Map.of());
            assertThat(s.show("shared_buffers")).isEqualTo("128MB");
        }
    }

    @Test
    void autoConfWinsOverTheMainFileAndTheCommandLineWinsOverBoth() throws Exception {
        write("postgresql.conf", "port = 5000\nwork_mem = 1MB\nmax_connections = 10\nwork_mem = 2MB\n");
        write("postgresql.auto.conf", AutoConfFile.HEADER + "port = '6000'\n");
        GucServerSettings s = GucServerSettings.load(data, Map.of("max_connections", "20"));
        assertThat(s.getInt("port")).isEqualTo(6000);
        assertThat(s.show("work_mem")).isEqualTo("2MB");
        assertThat(s.getBytes("work_mem")).isEqualTo(2 * 1024 * 1024);
        assertThat(s.getInt("max_connections")).isEqualTo(20);
        assertThat(s.setting("port").source()).isEqualTo(GucServerSettings.Source.CONFIGURATION_FILE);
        assertThat(s.setting("port").sourceFile()).isEqualTo(data.resolve("postgresql.auto.conf").toAbsolutePath());
        assertThat(s.setting("max_connections").source()).isEqualTo(GucServerSettings.Source.COMMAND_LINE);
        assertThat(s.getString("data_directory")).isEqualTo(data.toAbsolutePath().normalize().toString());
    }

    @Test
    void errorsAtStartAreLoggedAndRefuseTheStart() throws Exception {
        write("postgresql.conf", "port = 'abc'\nmax_connections = 300000\nenable_seqscan = maybe\n"
                + "server_version = 3\nport = 5433\nwork_mem='3x'\n");
        assertThatThrownBy(() -> GucServerSettings.load(data, Map.of()))
                .isInstanceOfSatisfying(PgException.class, e -> {
                    assertThat(e.severity()).isEqualTo(PgException.Severity.FATAL);
                    assertThat(e.sqlState()).isEqualTo(SqlState.CONFIG_FILE_ERROR);
                    assertThat(e.getMessage()).isEqualTo("configuration file \""
                            + data.toAbsolutePath().resolve("postgresql.conf") + "\" contains errors");
                });
        assertThat(messages()).containsExactlyInAnyOrder(
                "300000 is outside the valid range for parameter \"max_connections\" (1 .. 262143)",
                "parameter \"enable_seqscan\" requires a Boolean value",
                "parameter \"server_version\" cannot be changed",
                "invalid value for parameter \"work_mem\": \"3x\"");
    }

    @Test
    void unknownNamesAreReportedWithFileAndLine() throws Exception {
        write("postgresql.conf", "port = 5432\nfoo = 1\nmyext.setting = 'x'\n");
        assertThatThrownBy(() -> GucServerSettings.load(data, Map.of())).isInstanceOf(PgException.class);
        assertThat(messages()).containsExactly("unrecognized configuration parameter \"foo\" in file \""
                + data.toAbsolutePath().resolve("postgresql.conf") + "\" line 2");
    }

    @Test
    void badCommandLineOptionsAreFatal() throws Exception {
        write("postgresql.conf", "");
        assertThatThrownBy(() -> GucServerSettings.load(data, Map.of("foo", "1")))
                .hasMessage("unrecognized configuration parameter \"foo\"");
        assertThatThrownBy(() -> GucServerSettings.load(data, Map.of("port", "x")))
                .hasMessage("invalid value for parameter \"port\": \"x\"");
    }

    @Test
    void reloadAppliesSighupChangesAndLogsPostmasterOnes() throws Exception {
        write("postgresql.conf", "port = 5432\nwal_sender_timeout = 60s\narchive_timeout = 5min\n");
        GucServerSettings s = GucServerSettings.load(data, Map.of());
        SessionSettings session = s.newSession();
        write("postgresql.conf", "port = 5999\nwal_sender_timeout = 10s\n");
        assertThat(s.reload()).isTrue();
        assertThat(s.getInt("port")).isEqualTo(5432);
        assertThat(s.setting("port").pendingRestart()).isTrue();
        assertThat(s.getMillis("wal_sender_timeout")).isEqualTo(10_000);
        assertThat(session.show("wal_sender_timeout")).isEqualTo("10s");
        assertThat(s.show("archive_timeout")).isEqualTo("0");
        assertThat(messages()).containsExactlyInAnyOrder(
                "parameter \"port\" cannot be changed without restarting the server",
                "parameter \"wal_sender_timeout\" changed to \"10s\"",
                "parameter \"archive_timeout\" removed from configuration file, reset to default");
    }

    @Test
    void reloadOfABrokenFileChangesNothing() throws Exception {
        write("postgresql.conf", "work_mem = 4MB\n");
        GucServerSettings s = GucServerSettings.load(data, Map.of());
        write("postgresql.conf", "work_mem = 8MB\nbogus line here\n");
        assertThat(s.reload()).isFalse();
        assertThat(s.show("work_mem")).isEqualTo("4MB");
        assertThat(messages()).last().asString().endsWith("contains errors; no changes were applied");

        write("postgresql.conf", "work_mem = 8MB\nport = x\n");
        assertThat(s.reload()).isFalse();
        assertThat(s.show("work_mem")).isEqualTo("8MB");
        assertThat(messages()).last().asString().endsWith("contains errors; unaffected changes were applied");
    }

    @Test
    void alterSystemRewritesTheAutoFile() throws Exception {
        write("postgresql.conf", "");
        GucServerSettings s = GucServerSettings.load(data, Map.of());
        s.alterSystem("listen_addresses", "*");
        s.alterSystem("work_mem", "16MB");
        s.alterSystem("primary_conninfo", "host=x password='it''s'");
        s.alterSystem("work_mem", null);
        assertThat(Files.readString(data.resolve("postgresql.auto.conf"))).isEqualTo(
                "# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n"
                        + "listen_addresses = '*'\nprimary_conninfo = 'host=x password=''it''''s'''\n");
        assertThatThrownBy(() -> s.alterSystem("nope", "1")).hasMessage("unrecognized configuration parameter \"nope\"");
        assertThatThrownBy(() -> s.alterSystem("port", "x")).hasMessage("invalid value for parameter \"port\": \"x\"");
        assertThatThrownBy(() -> s.alterSystem("server_version", "1"))
                .hasMessage("parameter \"server_version\" cannot be changed");
        assertThat(s.reload()).isTrue();
        assertThat(s.getString("listen_addresses")).isEqualTo("localhost");
        assertThat(s.setting("listen_addresses").pendingRestart()).isTrue();
        assertThat(s.getString("primary_conninfo")).isEqualTo("host=x password='it''s'");
    }

    @Test
    void internalValuesOverrideFilesAndSurviveReload() throws Exception {
        write("postgresql.conf", "");
        GucServerSettings s = GucServerSettings.load(data, Map.of());
        s.setInternal("in_hot_standby", "on");
        s.setInternal("wal_segment_size", "1048576");
        assertThat(s.reload()).isTrue();
        assertThat(s.show("in_hot_standby")).isEqualTo("on");
        assertThat(s.show("wal_segment_size")).isEqualTo("1MB");
        assertThat(s.getBytes("wal_segment_size")).isEqualTo(1_048_576);
    }

    @Test
    void showOfAnUnknownNameIs42704() {
        GucServerSettings s = GucServerSettings.defaults(Map.of());
        assertThatThrownBy(() -> s.show("nope")).isInstanceOfSatisfying(PgException.class,
                e -> assertThat(e.sqlState()).isEqualTo(SqlState.UNDEFINED_OBJECT));
        assertThat(s.show("server_version")).startsWith("15.");
        assertThat(s.show("integer_datetimes")).isEqualTo("on");
    }
}
