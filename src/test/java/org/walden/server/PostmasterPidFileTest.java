package org.walden.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;

class PostmasterPidFileTest {

    @TempDir
    Path dir;

    @Test
    void layoutAndStatusUpdates() throws Exception {
        PostmasterPidFile.create(dir, 1_700_000_000L, 5438, "/var/run/postgresql", "*");
        List<String> lines = Files.readAllLines(dir.resolve("postmaster.pid"));
        assertThat(lines).containsExactly(Long.toString(ProcessHandle.current().pid()), dir.toAbsolutePath().toString(),
                "1700000000", "5438", "/var/run/postgresql", "*", "        0         0", "starting");
        PostmasterPidFile.setStatus(dir, PostmasterPidFile.STATUS_STANDBY);
        assertThat(Files.readAllLines(dir.resolve("postmaster.pid")).get(7)).isEqualTo("standby ");
        assertThat(PostmasterPidFile.readPid(dir.resolve("postmaster.pid"))).contains(ProcessHandle.current().pid());
    }

    @Test
    void socketLockFileRefusesALiveOwner() throws Exception {
        Path lock = dir.resolve(".s.PGSQL.5999.lock");
        Path socket = dir.resolve(".s.PGSQL.5999");
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            Files.writeString(lock, sleeper.pid() + "\n");
            assertThatThrownBy(() -> PostmasterPidFile.createSocketLock(lock, socket, dir, 1L, 5999))
                    .isInstanceOf(PgException.class)
                    .hasMessage("lock file \"" + lock + "\" already exists")
                    .extracting(e -> ((PgException) e).hint())
                    .isEqualTo("Is another postmaster (PID " + sleeper.pid() + ") using socket file \"" + socket
                            + "\"?");
        } finally {
            sleeper.destroy();
            sleeper.waitFor();
        }
        PostmasterPidFile.createSocketLock(lock, socket, dir, 1L, 5999); // stale now: taken over
        assertThat(Files.readAllLines(lock)).hasSize(5).first().isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }
}
