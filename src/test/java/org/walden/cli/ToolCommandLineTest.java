package org.walden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.guc.GucServerSettings;

/**
 * The command line as PostgreSQL's tools have it: every subcommand answers --help, -? and
 * -V/--version, {@code walden help}, initdb's -U default and its -k, -E, --locale / --lc-*, -X,
 * -g and --pwprompt, postgres's --name=value settings, ctl kill's arguments.
 */
class ToolCommandLineTest {

    @TempDir
    Path tmp;

    private static final List<String> TOOLS = List.of("initdb", "postgres", "ctl", "controldata", "waldump",
            "basebackup", "rewind", "switchover", "demo");

    @Test
    void everySubcommandAnswersHelpAndVersion() {
        for (String tool : TOOLS) {
            for (String flag : List.of("--help", "-?")) {
                CliRun r = CliRun.of(tool, flag);
                assertThat(r.code()).as(tool + " " + flag + ": " + r.err()).isZero();
                assertThat(r.out()).as(tool + " " + flag).startsWith("Usage: walden " + tool);
            }
            for (String flag : List.of("--version", "-V")) {
                CliRun r = CliRun.of(tool, flag);
                assertThat(r.code()).as(tool + " " + flag).isZero();
                assertThat(r.out()).as(tool + " " + flag).containsPattern("^\\S.* \\(Walden\\) [0-9.]+, PostgreSQL 15\\.\\d+ "
                        + "compatible\\n$");
            }
        }
        assertThat(CliRun.of("ctl", "--version").out()).startsWith("pg_ctl (Walden) ");
        assertThat(CliRun.of("basebackup", "-V").out()).startsWith("pg_basebackup (Walden) ");
        CliRun help = CliRun.of("help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("initdb", "ctl", "basebackup");
        assertThat(CliRun.of("help", "ctl").out()).startsWith("Usage: walden ctl");
    }

    @Test
    void initdbTakesPostgresqlsFlags() throws Exception {
        Path data = tmp.resolve("d");
        Path wal = tmp.resolve("wal-elsewhere");
        CliRun r = CliRun.of("initdb", "-D", data.toString(), "-k", "-E", "UTF8", "--locale", "C", "--lc-messages",
                "C.UTF-8", "-X", wal.toString(), "-g");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("The files belonging to this database system will be owned by user \""
                + System.getProperty("user.name") + "\".", "Data page checksums are enabled.",
                "The database cluster will be initialized with locale \"C\".");
        assertThat(Files.isSymbolicLink(data.resolve("pg_wal"))).isTrue();
        assertThat(Files.readSymbolicLink(data.resolve("pg_wal"))).isEqualTo(wal);
        assertThat(wal.resolve("archive_status")).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwxr-x---");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("pg_hba.conf"),
                LinkOption.NOFOLLOW_LINKS))).isEqualTo("rw-r-----");
        GucServerSettings settings = GucServerSettings.load(data, java.util.Map.of());
        assertThat(settings.getString("lc_messages")).isEqualTo("C.UTF-8");
        assertThat(settings.getString("lc_monetary")).isEqualTo("C");
        assertThat(CliRun.of("controldata", "-D", data.toString()).out())
                .contains("Data page checksum version:           1\n");

        assertThat(CliRun.of("initdb", "-D", tmp.resolve("e").toString(), "-E", "LATIN1").err())
                .isEqualTo("initdb: error: encoding \"LATIN1\" is not supported: Walden stores every database in UTF8\n");
        assertThat(CliRun.of("initdb", "-D", tmp.resolve("f").toString(), "--locale", "xx_NOWHERE.UTF-8").err())
                .isEqualTo("initdb: error: invalid locale name \"xx_NOWHERE.UTF-8\"\n");
        assertThat(CliRun.of("initdb", "-D", tmp.resolve("g").toString(), "-X", "relative/wal").err())
                .isEqualTo("initdb: error: WAL directory location must be an absolute path\n");
    }

    @Test
    void postgresTakesLongSettingsAndCtlKillChecksItsArguments() {
        PostgresCommand p = new PostgresCommand();
        p.options = List.of("work_mem=8MB");
        p.longSettings = List.of("--cluster-name=x", "--shared_buffers=64MB");
        assertThat(p.commandLineSettings(System.err)).containsEntry("cluster_name", "x")
                .containsEntry("shared_buffers", "64MB").containsEntry("work_mem", "8MB");
        p.longSettings = List.of("--no-value");
        assertThat(p.commandLineSettings(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))).isNull();

        assertThat(CliRun.of("ctl", "kill").err()).startsWith("pg_ctl: missing arguments for kill mode\n");
        assertThat(CliRun.of("ctl", "kill", "BOGUS", "1").err()).startsWith("pg_ctl: unrecognized signal name \"BOGUS\"");
        assertThat(CliRun.of("ctl", "kill", "HUP", "x").err()).startsWith("pg_ctl: invalid process ID \"x\"");
    }
}
