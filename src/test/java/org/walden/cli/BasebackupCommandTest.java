package org.walden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walden basebackup}'s argument checks, in pg_basebackup's words, before any connection. */
class BasebackupCommandTest {

    @TempDir
    Path tmp;

    @Test
    void maxRateIsKilobytesPerSecondWithAnOptionalKOrMSuffix() {
        assertThat(BasebackupCommand.parseMaxRate("32")).isEqualTo(32);
        assertThat(BasebackupCommand.parseMaxRate("100k")).isEqualTo(100);
        assertThat(BasebackupCommand.parseMaxRate(" 2 M ")).isEqualTo(2048);
        assertThat(BasebackupCommand.parseMaxRate("1.5M")).isEqualTo(1536);
        assertThat(BasebackupCommand.parseMaxRate("1024M")).isEqualTo(1024 * 1024);
        assertThatThrownBy(() -> BasebackupCommand.parseMaxRate("fast"))
                .hasMessage("transfer rate \"fast\" is not a valid value");
        assertThatThrownBy(() -> BasebackupCommand.parseMaxRate("0")).hasMessage("transfer rate must be greater than zero");
        assertThatThrownBy(() -> BasebackupCommand.parseMaxRate("10G")).hasMessage("invalid --max-rate unit: \"G\"");
        assertThatThrownBy(() -> BasebackupCommand.parseMaxRate("31")).hasMessage("transfer rate \"31\" is out of range");
        assertThatThrownBy(() -> BasebackupCommand.parseMaxRate("1025M"))
                .hasMessage("transfer rate \"1025M\" is out of range");
        assertThatThrownBy(() -> BasebackupCommand.parseMaxRate("9999999999"))
                .hasMessage("transfer rate \"9999999999\" exceeds integer range");
    }

    @Test
    void tablespaceMappingIsOldDirEqualsNewDirBothAbsolute() {
        java.util.Map<String, String> mapping = new java.util.LinkedHashMap<>();
        assertThat(BasebackupCommand.addTablespaceMapping(mapping, "/srv/ts//a/=/copy/a")).isNull();
        assertThat(BasebackupCommand.addTablespaceMapping(mapping, "/with\\=sign=/b")).isNull();
        assertThat(mapping).containsExactly(java.util.Map.entry("/srv/ts/a", "/copy/a"),
                java.util.Map.entry("/with=sign", "/b"));
        for (String[] bad : new String[][] {
                {"foo", "invalid tablespace mapping format \"foo\", must be \"OLDDIR=NEWDIR\""},
                {"/a=", "invalid tablespace mapping format \"/a=\", must be \"OLDDIR=NEWDIR\""},
                {"a=/b", "old directory is not an absolute path in tablespace mapping: a"},
                {"/a=b", "new directory is not an absolute path in tablespace mapping: b"},
                {"/a=/b=/c", "multiple \"=\" signs in tablespace mapping"}}) {
            assertThat(BasebackupCommand.addTablespaceMapping(mapping, bad[0])).isEqualTo(bad[1]);
        }
        CliRun run = CliRun.of("basebackup", "-D", tmp.resolve("b").toString(), "-p", "1", "-T", "x=/y");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("pg_basebackup: error: old directory is not an absolute path in tablespace "
                + "mapping: x\n");
    }

    @Test
    void badArgumentsAreRefusedBeforeConnecting() {
        String dir = tmp.resolve("b").toString();
        CliRun rate = CliRun.of("basebackup", "-D", dir, "-p", "1", "--max-rate", "10x");
        assertThat(rate.code()).isEqualTo(1);
        assertThat(rate.err()).isEqualTo("pg_basebackup: error: invalid --max-rate unit: \"x\"\n");
        CliRun wal = CliRun.of("basebackup", "-D", dir, "-p", "1", "-X", "sideways");
        assertThat(wal.err()).contains("invalid wal-method option \"sideways\"");
        CliRun checkpoint = CliRun.of("basebackup", "-D", dir, "-p", "1", "-c", "slow");
        assertThat(checkpoint.err()).contains("invalid checkpoint argument \"slow\", must be \"fast\" or \"spread\"");
    }
}
