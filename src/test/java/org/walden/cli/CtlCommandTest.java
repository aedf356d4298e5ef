package org.walden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.server.config.PostmasterPidFile;

class CtlCommandTest {

    @TempDir
    Path tmp;

    private Path cluster() {
        Path data = tmp.resolve("data");
        assertThat(CliRun.of("initdb", "-D", data.toString()).code()).isZero();
        return data;
    }

    @Test
    void statusExitCodesAreThoseOfPgCtl() throws Exception {
        assertThat(CliRun.of("ctl", "-D", tmp.resolve("nothing").toString(), "status").code()).isEqualTo(4);
        Path data = cluster();
        CliRun none = CliRun.of("ctl", "-D", data.toString(), "status");
        assertThat(none.code()).isEqualTo(3);
        assertThat(none.out()).isEqualTo("pg_ctl: no server running\n");

        long me = ProcessHandle.current().pid();
        new PostmasterPidFile(me, data, 0, 5432, "/tmp", "localhost", PostmasterPidFile.READY).write();
        Files.writeString(data.resolve("postmaster.opts"), "walden postgres \"-D\" \"" + data + "\"\n");
        CliRun running = CliRun.of("ctl", "-D", data.toString(), "status");
        assertThat(running.code()).isZero();
        assertThat(running.out()).isEqualTo("pg_ctl: server is running (PID: " + me + ")\nwalden postgres \"-D\" \""
                + data + "\"\n");
    }

    @Test
    void stopAndReloadWithoutAServerSayWhy() {
        Path data = cluster();
        CliRun stop = CliRun.of("ctl", "-D", data.toString(), "stop");
        assertThat(stop.code()).isEqualTo(1);
        assertThat(stop.err()).isEqualTo("pg_ctl: PID file \"" + data.resolve("postmaster.pid")
                + "\" does not exist\nIs server running?\n");
        assertThat(CliRun.of("ctl", "-D", data.toString(), "reload").code()).isEqualTo(1);
        assertThat(CliRun.of("ctl", "-D", data.toString(), "promote").code()).isEqualTo(1);
        CliRun bad = CliRun.of("ctl", "-D", data.toString(), "dance");
        assertThat(bad.err()).startsWith("pg_ctl: unrecognized operation mode \"dance\"");
        assertThat(CliRun.of("ctl", "-D", data.toString(), "-m", "sloppy", "stop").err())
                .startsWith("pg_ctl: unrecognized shutdown mode \"sloppy\"");
    }

    @Test
    void aFailedStartShowsTheServersFatalLine() throws Exception {
        Path data = cluster();
        Files.writeString(data.resolve("postgresql.conf"), "port = 'abc'\n", java.nio.file.StandardOpenOption.APPEND);
        Path log = tmp.resolve("server.log");
        CliRun r = CliRun.of("ctl", "-D", data.toString(), "-l", log.toString(), "-t", "60", "start");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).startsWith("waiting for server to start...").endsWith(" stopped waiting\n");
        assertThat(r.err()).startsWith("pg_ctl: could not start server\nExamine the log output.\n")
                .contains("FATAL:  configuration file \"" + data.resolve("postgresql.conf") + "\" contains errors");
        assertThat(Files.readString(log)).contains("LOG:  invalid value for parameter \"port\": \"abc\"");
        assertThat(data.resolve("postmaster.pid")).doesNotExist();
    }

    @Test
    void aLiveServersPidFileRefusesASecondStart() throws Exception {
        Path data = cluster();
        long me = ProcessHandle.current().pid();
        new PostmasterPidFile(me, data, 0, 5432, "/tmp", "localhost", PostmasterPidFile.READY).write();
        Path log = tmp.resolve("second.log");
        CliRun r = CliRun.of("ctl", "-D", data.toString(), "-l", log.toString(), "start");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("pg_ctl: another server might be running; trying to start server anyway\n"
                + "pg_ctl: could not start server\nExamine the log output.\n")
                .contains("FATAL:  lock file \"postmaster.pid\" already exists");
        assertThat(Files.readString(log)).contains("HINT:  Is another postmaster (PID " + me
                + ") running in data directory \"" + data + "\"?");
        assertThat(PostmasterPidFile.read(data).orElseThrow().pid()).isEqualTo(me);
    }

    @Test
    void optionsSplitLikeAShell() {
        assertThat(CtlCommand.splitOptions("-p 5433 -c 'log_line_prefix=%m [%p] ' -c \"a=b c\""))
                .containsExactly("-p", "5433", "-c", "log_line_prefix=%m [%p] ", "-c", "a=b c");
    }

    @Test
    void postmasterPidFileRoundTrips() {
        PostmasterPidFile f = new PostmasterPidFile(42, tmp, 1700000000, 5438, "/tmp", "*", PostmasterPidFile.STARTING);
        f.write();
        assertThat(PostmasterPidFile.read(tmp)).contains(f);
        assertThat(f.acceptingConnections()).isFalse();
        assertThat(f.withStatus(PostmasterPidFile.STANDBY).acceptingConnections()).isTrue();
        assertThat(f.text().split("\n")).hasSize(8);
    }
}
