package org.walden.common.guc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;

class GucValuesTest {

    private static final GucCatalog CATALOG = GucCatalog.pg15();

    private static String roundTrip(String name, String text) {
        GucDefinition def = CATALOG.find(name);
        return GucValues.format(def, GucValues.parse(def, text));
    }

    @Test
    void memoryUnitsAreConvertedAndShownInTheLargestExactUnit() {
        assertThat(roundTrip("work_mem", "1024kB")).isEqualTo("1MB");
        assertThat(roundTrip("work_mem", "1536kB")).isEqualTo("1536kB");
        assertThat(roundTrip("work_mem", "1GB")).isEqualTo("1GB");
        assertThat(roundTrip("work_mem", "0.5MB")).isEqualTo("512kB");
        assertThat(roundTrip("work_mem", "10 MB")).isEqualTo("10MB");
        assertThat(roundTrip("shared_buffers", "16384")).isEqualTo("128MB");
        assertThat(roundTrip("shared_buffers", "128MB")).isEqualTo("128MB");
        assertThat(roundTrip("wal_segment_size", "16777216")).isEqualTo("16MB");
        assertThat(roundTrip("wal_keep_size", "0")).isEqualTo("0");
        assertThat(roundTrip("max_wal_size", "1GB")).isEqualTo("1GB");
        assertThat(roundTrip("wal_buffers", "-1")).isEqualTo("-1");
    }

    @Test
    void timeUnitsAreConvertedAndShownInTheLargestExactUnit() {
        assertThat(roundTrip("statement_timeout", "5")).isEqualTo("5ms");
        assertThat(roundTrip("statement_timeout", "90s")).isEqualTo("90s");
        assertThat(roundTrip("statement_timeout", "1.5min")).isEqualTo("90s");
        assertThat(roundTrip("statement_timeout", "120000")).isEqualTo("2min");
        assertThat(roundTrip("statement_timeout", "1d")).isEqualTo("1d");
        assertThat(roundTrip("statement_timeout", "1h")).isEqualTo("1h");
        assertThat(roundTrip("checkpoint_timeout", "300")).isEqualTo("5min");
        assertThat(roundTrip("wal_sender_timeout", "60s")).isEqualTo("1min");
        assertThat(roundTrip("log_rotation_age", "1440")).isEqualTo("1d");
        assertThat(roundTrip("vacuum_cost_delay", "2.5")).isEqualTo("2500us");
        assertThat(roundTrip("log_min_duration_statement", "-1")).isEqualTo("-1");
    }

    @Test
    void unitsAreCaseSensitiveAndMustSuitTheParameter() {
        assertThatThrownBy(() -> roundTrip("work_mem", "10mb"))
                .isInstanceOfSatisfying(PgException.class, e -> {
                    assertThat(e.sqlState()).isEqualTo(SqlState.INVALID_PARAMETER_VALUE);
                    assertThat(e.getMessage()).isEqualTo("invalid value for parameter \"work_mem\": \"10mb\"");
                    assertThat(e.hint()).isEqualTo(
                            "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\".");
                });
        assertThatThrownBy(() -> roundTrip("statement_timeout", "5MB"))
                .hasMessage("invalid value for parameter \"statement_timeout\": \"5MB\"");
        assertThatThrownBy(() -> roundTrip("port", "5432s"))
                .hasMessage("invalid value for parameter \"port\": \"5432s\"");
        assertThatThrownBy(() -> roundTrip("port", "abc")).hasMessage("invalid value for parameter \"port\": \"abc\"");
    }

    @Test
    void rangeErrorsUsePostgresWording() {
        assertThatThrownBy(() -> roundTrip("max_connections", "300000"))
                .hasMessage("300000 is outside the valid range for parameter \"max_connections\" (1 .. 262143)");
        assertThatThrownBy(() -> roundTrip("work_mem", "32"))
                .hasMessage("32 kB is outside the valid range for parameter \"work_mem\" (64 .. 2147483647)");
        assertThatThrownBy(() -> roundTrip("vacuum_cost_delay", "1s"))
                .hasMessage("1000 ms is outside the valid range for parameter \"vacuum_cost_delay\" (0 .. 100)");
        assertThatThrownBy(() -> roundTrip("cursor_tuple_fraction", "2"))
                .hasMessage("2 is outside the valid range for parameter \"cursor_tuple_fraction\" (0 .. 1)");
        assertThatThrownBy(() -> roundTrip("work_mem", "2147483648kB"))
                .isInstanceOfSatisfying(PgException.class, e -> assertThat(e.hint()).isEqualTo(
                        "Value exceeds integer range."));
    }

    @Test
    void integersMayBeOctalOrHexAndFileModesShowInOctal() {
        assertThat(roundTrip("unix_socket_permissions", "0600")).isEqualTo("0600");
        assertThat(roundTrip("unix_socket_permissions", "511")).isEqualTo("0777");
        assertThat(roundTrip("port", "0x1538")).isEqualTo("5432");
        assertThat(roundTrip("data_directory_mode", "448")).isEqualTo("0700");
    }

    @Test
    void booleansTakeEveryPostgresSpelling() {
        for (String t : new String[] {"on", "ON", "true", "t", "tr", "yes", "y", "1"}) {
            assertThat(roundTrip("hot_standby", t)).as(t).isEqualTo("on");
        }
        for (String f : new String[] {"off", "of", "false", "f", "no", "n", "0"}) {
            assertThat(roundTrip("hot_standby", f)).as(f).isEqualTo("off");
        }
        for (String bad : new String[] {"o", "maybe", "2", ""}) {
            assertThatThrownBy(() -> roundTrip("hot_standby", bad)).as(bad)
                    .hasMessage("parameter \"hot_standby\" requires a Boolean value");
        }
    }

    @Test
    void enumsAcceptHiddenAliasesAndListValuesOnError() {
        assertThat(roundTrip("wal_level", "hot_standby")).isEqualTo("replica");
        assertThat(roundTrip("wal_level", "REPLICA")).isEqualTo("replica");
        assertThat(roundTrip("synchronous_commit", "true")).isEqualTo("on");
        assertThat(roundTrip("synchronous_commit", "remote_apply")).isEqualTo("remote_apply");
        assertThatThrownBy(() -> roundTrip("IntervalStyle", "bogus"))
                .isInstanceOfSatisfying(PgException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("invalid value for parameter \"IntervalStyle\": \"bogus\"");
                    assertThat(e.hint()).isEqualTo("Available values: postgres, postgres_verbose, sql_standard, iso_8601.");
                });
    }

    @Test
    void stringsWithCheckHooksAreNormalized() {
        assertThat(roundTrip("DateStyle", "german")).isEqualTo("German, DMY");
        assertThat(roundTrip("DateStyle", "sql, dmy")).isEqualTo("SQL, DMY");
        assertThat(roundTrip("DateStyle", "ISO")).isEqualTo("ISO, MDY");
        assertThat(roundTrip("client_encoding", "utf-8")).isEqualTo("UTF8");
        assertThat(roundTrip("client_encoding", "latin1")).isEqualTo("LATIN1");
        assertThat(roundTrip("log_timezone", "PRC")).isEqualTo("PRC");
        assertThat(roundTrip("TimeZone", "Etc/UTC")).isEqualTo("Etc/UTC");
        assertThatThrownBy(() -> roundTrip("TimeZone", "bogus"))
                .hasMessage("invalid value for parameter \"TimeZone\": \"bogus\"");
        assertThat(roundTrip("log_destination", "stderr,csvlog")).isEqualTo("stderr,csvlog");
        assertThatThrownBy(() -> roundTrip("log_destination", "paper"))
                .isInstanceOfSatisfying(PgException.class,
                        e -> assertThat(e.detail()).isEqualTo("Unrecognized key word: \"paper\"."));
    }

    @Test
    void realsPrintLikePrintfG() {
        assertThat(GucValues.formatReal(0.1)).isEqualTo("0.1");
        assertThat(GucValues.formatReal(4)).isEqualTo("4");
        assertThat(GucValues.formatReal(1e10)).isEqualTo("1e+10");
        assertThat(GucValues.formatReal(0.00001)).isEqualTo("1e-05");
        assertThat(GucValues.formatReal(123456.7)).isEqualTo("123457");
        assertThat(GucValues.formatReal(1234567)).isEqualTo("1.23457e+06");
        assertThat(roundTrip("random_page_cost", "1.1")).isEqualTo("1.1");
        assertThat(roundTrip("checkpoint_completion_target", "0.9")).isEqualTo("0.9");
    }

    @Test
    void catalogKnowsEveryParameterOfTheSampleAndTheHiddenOnes() throws Exception {
        java.nio.file.Path sample = java.nio.file.Path.of("/usr/share/postgresql/15/postgresql.conf.sample");
        java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of("server_version",
                "integer_datetimes", "wal_segment_size", "data_directory_mode", "in_hot_standby", "is_superuser",
                "session_authorization", "standard_conforming_strings", "application_name", "client_encoding",
                "DateStyle", "IntervalStyle", "TimeZone", "default_transaction_read_only", "transaction_read_only",
                "wal_keep_segments", "standby_mode", "trigger_file", "server_version_num", "server_encoding"));
        if (java.nio.file.Files.exists(sample)) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^#?([a-z_]+) = ")
                    .matcher(java.nio.file.Files.readString(sample));
            while (m.find()) {
                if (!m.group(1).startsWith("include")) {
                    names.add(m.group(1));
                }
            }
        }
        for (String name : names) {
            assertThat(CATALOG.find(name)).as(name).isNotNull();
        }
        assertThat(CATALOG.all()).hasSizeGreaterThan(350);
        assertThat(CATALOG.find("datestyle").name()).isEqualTo("DateStyle");
        assertThat(CATALOG.find("max_connections").context()).isEqualTo(GucContext.POSTMASTER);
        assertThat(CATALOG.find("TimeZone").report()).isTrue();
        assertThat(CATALOG.find("work_mem").report()).isFalse();
    }
}
