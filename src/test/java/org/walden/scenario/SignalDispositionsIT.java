package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * A server started from a shell that ignores SIGINT and SIGHUP (a background job, nohup, an
 * init script) still stops in every mode and still reloads: bin/walden and {@code walden ctl
 * start} reset the dispositions before the JVM starts. Started without that reset, the server
 * says in a WARNING that it could not install the handler, instead of silently ignoring
 * {@code ctl stop}.
 */
class SignalDispositionsIT {

    private static final Path WALDEN = Path.of(System.getProperty("user.dir"), "bin", "walden").toAbsolutePath();

    @Test
    void ctlStartFromAShellIgnoringIntAndHupStopsInEveryModeAndReloads() {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("sig");
            for (String mode : List.of("smart", "fast", "immediate")) {
                shell("trap '' INT HUP; exec " + WALDEN + " ctl -D " + node.dataDir() + " -l " + node.logFile()
                        + " -t 120 start");
                assertThat(node.psql("SELECT 1")).isEqualTo("1");
                reloadChangesASetting(node, mode);
                TestCluster.ToolResult stop = node.ctl("-m", mode, "-t", "60", "stop");
                assertThat(stop.code()).as(stop.out() + stop.err()).isZero();
                assertThat(stop.out()).contains("server stopped");
                assertThat(node.pid()).isEmpty();
            }
            assertThat(node.logContains("could not install the handler")).isFalse();
        }
    }

    @Test
    void nohupAndABackgroundJobStartTheServerWithWorkingSignals() {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("nohup");
            shell("cd " + cluster.root() + " && nohup " + WALDEN + " ctl -D " + node.dataDir() + " -l "
                    + node.logFile() + " -t 120 start");
            reloadChangesASetting(node, "nohup");
            assertThat(node.ctl("-m", "fast", "-t", "60", "stop").code()).isZero();

            // the server itself in a background job of a shell that ignores INT and HUP
            shell("trap '' INT HUP; " + WALDEN + " postgres -D " + node.dataDir() + " >>" + node.logFile()
                    + " 2>&1 </dev/null &");
            assertThat(node.pollQueryUntil("SELECT 1", "1", Duration.ofSeconds(120))).isTrue();
            reloadChangesASetting(node, "background");
            TestCluster.ToolResult stop = node.ctl("-m", "fast", "-t", "60", "stop");
            assertThat(stop.code()).as(stop.out() + stop.err()).isZero();
            assertThat(node.logContains("could not install the handler")).isFalse();
        }
    }

    @Test
    void aServerStartedWithSigintIgnoredAndNoResetSaysSo() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("warn");
            String command = String.join(" ", TestCluster.waldenCommand(List.of("postgres", "-D",
                    node.dataDir().toString())).stream().map(a -> "'" + a + "'").toList());
            shell("trap '' INT; " + command + " >>" + node.logFile() + " 2>&1 </dev/null &");
            assertThat(node.pollQueryUntil("SELECT 1", "1", Duration.ofSeconds(120))).isTrue();
            assertThat(node.pollLogContains("WARNING:  could not install the handler for SIGINT: the signal was "
                    + "ignored when the server started")).isTrue();
            // SIGTERM still works: a smart shutdown
            assertThat(node.ctl("-m", "smart", "-t", "60", "stop").code()).isZero();
        }
    }

    private static int nextWorkMemMb = 5;

    /** Changes work_mem in postgresql.conf, ctl reload, and waits until a new session's SHOW sees it. */
    private static void reloadChangesASetting(TestCluster.Node node, String when) {
        String value = (nextWorkMemMb++) + "MB";
        node.appendConf("work_mem = '" + value + "'");
        assertThat(node.ctl("reload").code()).isZero();
        assertThat(node.pollQueryUntil("SHOW work_mem", value, Duration.ofSeconds(30)))
                .as("reload reached the server (" + when + ")").isTrue();
    }

    private static void shell(String script) {
        TestCluster.ToolResult r = TestCluster.runProcess(List.of("bash", "-c", script), Map.of("WALDEN_NO_BUILD", "1"),
                null, 180);
        assertThat(r.code()).as(script + "\n" + r.out() + r.err()).isZero();
    }
}
