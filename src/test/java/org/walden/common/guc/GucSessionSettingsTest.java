package org.walden.common.guc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;

class GucSessionSettingsTest {

    private final GucServerSettings server = GucServerSettings.defaults(Map.of("TimeZone", "Etc/UTC"));
    private final SessionSettings session = server.newSession();

    private static void assertState(Runnable r, SqlState state, String message) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(PgException.class, e -> {
            assertThat(e.sqlState()).isEqualTo(state);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void setShowResetAndCaseInsensitiveNames() {
        session.set("WORK_MEM", "64MB", false);
        assertThat(session.show("work_mem")).isEqualTo("64MB");
        assertThat(server.show("work_mem")).isEqualTo("4MB");
        session.reset("work_mem");
        assertThat(session.show("work_mem")).isEqualTo("4MB");
    }

    @Test
    void setLocalEndsWithTheTransactionAndAbortUndoesSet() {
        session.set("statement_timeout", "5s", false);
        session.endTransaction(true);
        session.set("statement_timeout", "1min", true);
        assertThat(session.show("statement_timeout")).isEqualTo("1min");
        session.endTransaction(true);
        assertThat(session.show("statement_timeout")).isEqualTo("5s");

        session.set("statement_timeout", "7s", false);
        session.endTransaction(false);
        assertThat(session.show("statement_timeout")).isEqualTo("5s");
        session.set("application_name", "app", false);
        session.endTransaction(false);
        assertThat(session.show("application_name")).isEmpty();
    }

    @Test
    void contextsRefuseWithPostgresWords() {
        assertState(() -> session.set("port", "5", false), SqlState.CANT_CHANGE_RUNTIME_PARAM,
                "parameter \"port\" cannot be changed without restarting the server");
        assertState(() -> session.set("wal_keep_size", "5", false), SqlState.CANT_CHANGE_RUNTIME_PARAM,
                "parameter \"wal_keep_size\" cannot be changed now");
        assertState(() -> session.set("server_version", "x", false), SqlState.CANT_CHANGE_RUNTIME_PARAM,
                "parameter \"server_version\" cannot be changed");
        assertState(() -> session.set("foo", "1", false), SqlState.UNDEFINED_OBJECT,
                "unrecognized configuration parameter \"foo\"");
        assertState(() -> session.show("foo"), SqlState.UNDEFINED_OBJECT,
                "unrecognized configuration parameter \"foo\"");
        assertState(() -> session.set("work_mem", "abc", false), SqlState.INVALID_PARAMETER_VALUE,
                "invalid value for parameter \"work_mem\": \"abc\"");
        session.setSessionAuthorization("alice", false);
        assertState(() -> session.set("log_statement", "all", false), SqlState.INSUFFICIENT_PRIVILEGE,
                "permission denied to set parameter \"log_statement\"");
    }

    @Test
    void backendContextParametersMaySetAtConnectionStartOnly() {
        session.setAtConnectionStart("ignore_system_indexes", "on");
        assertThat(session.show("ignore_system_indexes")).isEqualTo("on");
        session.setAtConnectionStart("application_name", "pgbench");
        assertThat(session.show("application_name")).isEqualTo("pgbench");
        assertState(() -> session.set("ignore_system_indexes", "off", false), SqlState.CANT_CHANGE_RUNTIME_PARAM,
                "parameter \"ignore_system_indexes\" cannot be set after connection start");
        assertState(() -> session.setAtConnectionStart("max_connections", "5"), SqlState.CANT_CHANGE_RUNTIME_PARAM,
                "parameter \"max_connections\" cannot be changed without restarting the server");
    }

    @Test
    void customPlaceholdersMayBeSet() {
        session.set("myapp.tenant", "42", false);
        assertThat(session.show("myapp.tenant")).isEqualTo("42");
        assertThat(session.showAll()).anyMatch(r -> r[0].equals("myapp.tenant"));
    }

    @Test
    void reportedValuesAreTheGucReportSet() {
        session.setSessionAuthorization("postgres", true);
        session.set("application_name", "psql", false);
        Map<String, String> reported = session.reportedValues();
        assertThat(reported.keySet()).containsExactly("application_name", "client_encoding", "DateStyle",
                "default_transaction_read_only", "in_hot_standby", "integer_datetimes", "IntervalStyle",
                "is_superuser", "server_encoding", "server_version", "session_authorization",
                "standard_conforming_strings", "TimeZone");
        assertThat(reported).containsEntry("application_name", "psql").containsEntry("client_encoding", "UTF8")
                .containsEntry("DateStyle", "ISO, MDY").containsEntry("integer_datetimes", "on")
                .containsEntry("is_superuser", "on").containsEntry("session_authorization", "postgres")
                .containsEntry("standard_conforming_strings", "on").containsEntry("TimeZone", "Etc/UTC")
                .containsEntry("in_hot_standby", "off").containsEntry("server_encoding", "UTF8");
        server.setInternal("in_hot_standby", "on");
        assertThat(session.reportedValues()).containsEntry("in_hot_standby", "on");
    }

    @Test
    void reportedValuesFollowEveryChangeThoughTheyAreComputedOnce() {
        session.setSessionAuthorization("postgres", true);
        Map<String, String> first = session.reportedValues();
        assertThat(session.reportedValues()).isSameAs(first);
        session.endTransaction(true); // a transaction that changed nothing keeps them
        assertThat(session.reportedValues()).isSameAs(first);
        session.set("application_name", "in txn", true); // SET LOCAL
        assertThat(session.reportedValues()).containsEntry("application_name", "in txn");
        session.endTransaction(true);
        assertThat(session.reportedValues()).containsEntry("application_name", "");
        session.set("TimeZone", "Europe/Paris", false);
        assertThat(session.reportedValues()).containsEntry("TimeZone", "Europe/Paris");
        session.endTransaction(false); // rolled back
        assertThat(session.reportedValues()).containsEntry("TimeZone", "Etc/UTC");
        session.set("DateStyle", "German", false);
        session.endTransaction(true);
        session.reset("DateStyle");
        assertThat(session.reportedValues()).containsEntry("DateStyle", "ISO, MDY");
    }

    @Test
    void showAllListsVisibleParametersSortedWithDescriptions() {
        List<String[]> all = session.showAll();
        assertThat(all).hasSizeGreaterThan(340);
        assertThat(all).noneMatch(r -> r[0].equals("is_superuser"));
        assertThat(all.get(0)[0]).isEqualTo("allow_in_place_tablespaces");
        assertThat(all).anyMatch(r -> r[0].equals("shared_buffers") && r[1].equals("128MB")
                && r[2].equals("Sets the number of shared memory buffers used by the server."));
    }
}
