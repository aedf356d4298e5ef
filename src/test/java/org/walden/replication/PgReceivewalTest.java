package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.wal.Lsn;

/** PostgreSQL 15's own pg_receivewal against a WalSender. */
class PgReceivewalTest {

    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    static final long SEGMENT_BYTES = 1024 * 1024;

    @Test
    void pgReceivewalWritesSegmentsAndAPartial(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(BIN.resolve("pg_receivewal")));
        MemoryWalSource wal = new MemoryWalSource(7710706162245624204L, SEGMENT_BYTES, Lsn.parse("0/1000000"));
        wal.appendPattern((int) (SEGMENT_BYTES + SEGMENT_BYTES / 3));
        TestSettings settings = new TestSettings();
        try (TestReplicationServer server = new TestReplicationServer(wal, null, settings)) {
            server.ctx.slots().create("rs1", false, Lsn.parse("0/1000000"), 0);
            Lsn endpos = Lsn.parse("0/1280000");
            Path out = dir.resolve("wal");
            Files.createDirectories(out);
            Process p = new ProcessBuilder(BIN.resolve("pg_receivewal").toString(), "-h", "127.0.0.1", "-p",
                    Integer.toString(server.port()), "-U", "postgres", "-D", out.toString(), "-S", "rs1",
                    "--endpos=" + endpos, "-n", "-w", "-v", "-s", "1")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
            Thread.sleep(2500); // long enough for a status report (-s 1) after segment 0x10 was fsynced
            wal.appendPattern((int) (endpos.value() - wal.flushedLsn().value()) + 100);
            boolean done = p.waitFor(30, TimeUnit.SECONDS);
            String log = Files.readString(dir.resolve("log"), StandardCharsets.UTF_8);
            if (!done) {
                p.destroy();
            }
            assertThat(done).as(log).isTrue();
            assertThat(p.exitValue()).as(log).isZero();
            List<String> names;
            try (Stream<Path> s = Files.list(out)) {
                names = s.map(f -> f.getFileName().toString()).sorted().toList();
            }
            assertThat(names).as(log).containsExactly("000000010000000000000010", "000000010000000000000011",
                    "000000010000000000000012.partial");
            byte[] seg = Files.readAllBytes(out.resolve("000000010000000000000011"));
            assertThat(seg).hasSize((int) SEGMENT_BYTES);
            assertThat(seg).isEqualTo(wal.copy(Lsn.parse("0/1100000"), (int) SEGMENT_BYTES));
            byte[] partial = Files.readAllBytes(out.resolve("000000010000000000000012.partial"));
            assertThat(partial).hasSize((int) SEGMENT_BYTES);
            int got = (int) (endpos.value() - 0x1200000);
            assertThat(java.util.Arrays.copyOf(partial, got)).isEqualTo(wal.copy(Lsn.parse("0/1200000"), got));
            assertThat(log).contains("starting log streaming at 0/1000000 (timeline 1)");
            // with a slot, pg_receivewal reports what it fsynced, and the slot follows
            StreamingLoopbackTest.waitUntil("slot released", () -> !server.ctx.slots().read("rs1").active());
            assertThat(server.ctx.slots().read("rs1").restartLsn()).isGreaterThanOrEqualTo(Lsn.parse("0/1100000"));
        }
    }
}
