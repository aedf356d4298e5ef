package org.walden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerLauncherTest {

    @Test
    void theServerRunsInANewSessionWithThisJvmAndClassPath() {
        List<String> cmd = ServerLauncher.postgresCommand(Path.of("/data"), List.of("-p", "5433"));
        assertThat(cmd.get(0)).endsWith("setsid");
        assertThat(cmd).contains(ServerLauncher.javaExecutable(), "-cp", System.getProperty("java.class.path"));
        assertThat(cmd.subList(cmd.indexOf("org.walden.cli.Main"), cmd.size()))
                .containsExactly("org.walden.cli.Main", "postgres", "-D", "/data", "-p", "5433");
    }

    @Test
    void theServersHeapIsSizedFromSharedBuffers(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("postgresql.conf"), "shared_buffers = 256MB\n");
        Files.writeString(dir.resolve("PG_VERSION"), "15\n");
        assertThat(ServerLauncher.postgresCommand(dir, List.of())).contains("-Xmx2560m");
        assertThat(ServerLauncher.postgresCommand(dir, List.of("-c", "shared_buffers=1GB"))).contains("-Xmx4096m");
        assertThat(ServerLauncher.postgresCommand(dir, List.of("--shared-buffers=16384"))).contains("-Xmx2304m");
        // what bin/walden asks before it runs a server in the foreground
        CliRun r = CliRun.of("server-heap", "--", "-D", dir.toString(), "-c", "shared_buffers=64MB");
        assertThat(r.out().strip()).isEqualTo("-Xmx2176m -Xms32m -XX:G1PeriodicGCInterval=5000 -XX:TrimNativeHeapInterval=5000");
        // a broken setting: no heap option, and the server itself reports the error
        assertThat(ServerLauncher.postgresCommand(dir, List.of("-c", "shared_buffers=lots")))
                .noneMatch(o -> o.startsWith("-Xmx"));
    }

    @Test
    void signalsGoToLiveProcessesOnly() {
        assertThat(ServerLauncher.isAlive(ProcessHandle.current().pid())).isTrue();
        assertThat(ServerLauncher.isAlive(Integer.MAX_VALUE - 1)).isFalse();
        assertThat(ServerLauncher.signal(Integer.MAX_VALUE - 1, "HUP")).isFalse();
    }

    @Test
    void helpListsTheTools() {
        CliRun r = CliRun.of("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("initdb", "postgres, server", "ctl", "controldata", "waldump", "basebackup",
                "demo");
        assertThat(CliRun.of().code()).isEqualTo(1);
        assertThat(CliRun.of("basebackup", "-D", "/tmp/x", "-X", "bogus").err())
                .contains("invalid wal-method option \"bogus\", must be \"fetch\", \"stream\", or \"none\"");
        assertThat(CliRun.of("basebackup", "-D", "/tmp/x", "-C").err())
                .contains("--create-slot needs a slot to be specified using --slot");
    }
}
