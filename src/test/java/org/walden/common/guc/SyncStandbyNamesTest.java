package org.walden.common.guc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/** synchronous_standby_names as PostgreSQL 15 parses it; error texts taken from a real PostgreSQL 15. */
class SyncStandbyNamesTest {

    @Test
    void theFourFormsParse() {
        assertThat(SyncStandbyNames.parse("s1")).isEqualTo(
                new SyncStandbyNames(SyncStandbyNames.Method.PRIORITY, 1, List.of("s1")));
        assertThat(SyncStandbyNames.parse("*")).isEqualTo(
                new SyncStandbyNames(SyncStandbyNames.Method.PRIORITY, 1, List.of("*")));
        assertThat(SyncStandbyNames.parse("a, b")).isEqualTo(
                new SyncStandbyNames(SyncStandbyNames.Method.PRIORITY, 1, List.of("a", "b")));
        assertThat(SyncStandbyNames.parse("2(a,b,c)")).isEqualTo(
                new SyncStandbyNames(SyncStandbyNames.Method.PRIORITY, 2, List.of("a", "b", "c")));
        assertThat(SyncStandbyNames.parse("first 2 (a, b, c)")).isEqualTo(
                new SyncStandbyNames(SyncStandbyNames.Method.PRIORITY, 2, List.of("a", "b", "c")));
        assertThat(SyncStandbyNames.parse(" ANY 2 ( a , \"B c\" , * ) ")).isEqualTo(
                new SyncStandbyNames(SyncStandbyNames.Method.QUORUM, 2, List.of("a", "B c", "*")));
        assertThat(SyncStandbyNames.parse("\"x\"\"y\", 12, s$1")).isEqualTo(
                new SyncStandbyNames(SyncStandbyNames.Method.PRIORITY, 1, List.of("x\"y", "12", "s$1")));
        assertThat(SyncStandbyNames.parse("")).isNull();
    }

    @Test
    void namesMatchCaseInsensitivelyAndStarMatchesAll() {
        assertThat(SyncStandbyNames.matches("Standby_1", "standby_1")).isTrue();
        assertThat(SyncStandbyNames.matches("*", "whatever")).isTrue();
        assertThat(SyncStandbyNames.matches("a", "b")).isFalse();
    }

    @Test
    void badSyntaxIsRejectedInPostgresWords() {
        Map<String, String> details = Map.of(
                "FIRST 2 (", "syntax error at end of input",
                "a b", "syntax error at or near \"b\"",
                "\"abc", "unterminated quoted identifier at end of input",
                "any", "syntax error at end of input",
                "a,,b", "syntax error at or near \",\"",
                "FIRST x (a)", "syntax error at or near \"x\"",
                "a)", "syntax error at or near \")\"");
        details.forEach((value, detail) -> {
            PgException e = catchThrowableOfType(PgException.class, () -> SyncStandbyNames.parse(value));
            assertThat(e.sqlState()).as(value).isEqualTo(SqlState.SYNTAX_ERROR);
            assertThat(e.getMessage()).as(value)
                    .isEqualTo("invalid value for parameter \"synchronous_standby_names\": \"" + value + "\"");
            assertThat(e.detail()).as(value).isEqualTo(detail);
        });
    }

    @Test
    void aZeroCountIsRejected() {
        for (String value : List.of("ANY 0 (a)", "0 (a)")) {
            PgException e = catchThrowableOfType(PgException.class, () -> SyncStandbyNames.parse(value));
            assertThat(e.sqlState()).isEqualTo(SqlState.INVALID_PARAMETER_VALUE);
            assertThat(e.getMessage()).isEqualTo("number of synchronous standbys (0) must be greater than zero");
        }
    }

    @Test
    void theSettingsCheckHookRejectsBadValues() {
        GucServerSettings s = GucServerSettings.defaults(Map.of());
        PgException e = catchThrowableOfType(PgException.class,
                () -> s.setInternal("synchronous_standby_names", "FIRST 2 ("));
        assertThat(e.sqlState()).isEqualTo(SqlState.SYNTAX_ERROR);
        s.setInternal("synchronous_standby_names", "ANY 1 (a, b)");
        assertThat(s.getString("synchronous_standby_names")).isEqualTo("ANY 1 (a, b)");
    }

    @Test
    void aReloadWithBadSyntaxKeepsTheOldValue(@TempDir Path dataDir) throws Exception {
        Path conf = dataDir.resolve(GucServerSettings.CONFIG_FILE_NAME);
        Files.writeString(conf, "synchronous_standby_names = 'FIRST 1 (s1, s2)'\n");
        GucServerSettings s = GucServerSettings.load(dataDir, Map.of());
        assertThat(s.getString("synchronous_standby_names")).isEqualTo("FIRST 1 (s1, s2)");
        Files.writeString(conf, "synchronous_standby_names = 'FIRST 1 (s1,'\n");
        s.reload();
        assertThat(s.getString("synchronous_standby_names")).isEqualTo("FIRST 1 (s1, s2)");
        Files.writeString(conf, "synchronous_standby_names = 'ANY 2 (s1, s2)'\n");
        s.reload();
        assertThat(s.getString("synchronous_standby_names")).isEqualTo("ANY 2 (s1, s2)");
    }
}
