package org.walden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresCommandTest {

    @TempDir
    Path tmp;

    @Test
    void aMissingDataDirectoryIsReportedAsPostgresDoes() {
        CliRun r = CliRun.of("postgres", "-D", tmp.resolve("none").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("postgres: could not access directory \"" + tmp.resolve("none")
                + "\": No such file or directory\nRun initdb or pg_basebackup to initialize a PostgreSQL data "
                + "directory.\n");
        CliRun notCluster = CliRun.of("postgres", "-D", tmp.toString());
        assertThat(notCluster.err()).startsWith("postgres: \"" + tmp + "\" is not a valid data directory");
    }

    @Test
    void malformedDashCIsRefused() {
        Path data = tmp.resolve("d");
        assertThat(CliRun.of("initdb", "-D", data.toString()).code()).isZero();
        CliRun r = CliRun.of("server", "-D", data.toString(), "-c", "port");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("postgres: -c port requires a value\n");
    }

    @Test
    void dashOptionsBecomeSettings() {
        PostgresCommand c = new PostgresCommand();
        c.options = java.util.List.of("log-min-messages=debug1", "work_mem=8MB");
        c.port = 5999;
        c.socketDir = "/tmp/x";
        assertThat(c.commandLineSettings(System.err)).containsEntry("log_min_messages", "debug1")
                .containsEntry("work_mem", "8MB").containsEntry("port", "5999")
                .containsEntry("unix_socket_directories", "/tmp/x");
    }
}
