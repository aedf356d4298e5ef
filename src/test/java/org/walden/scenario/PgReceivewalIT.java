package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.WalSegments;

/**
 * PostgreSQL 15's pg_receivewal archives a running Walden primary's WAL: started against a
 * primary with 1 MB segments, it streams while pgjdbc writes about 4 MB; it names its files as
 * PostgreSQL does (the current one ending in .partial), its write position reported in
 * pg_stat_replication catches up with pg_current_wal_lsn(), and every finished segment it wrote
 * is byte for byte the primary's pg_wal segment of the same name.
 */
class PgReceivewalIT {

    private static final long SEGMENT_SIZE_BYTES = 1024 * 1024;

    @Test
    void pgReceivewalStreamsSegmentsIdenticalToThePrimarys() throws Exception {
        String receivewal = PgPrograms.require("pg_receivewal");
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("recv", List.of("--auth", "trust", "--wal-segsize", "1"));
            node.start();
            assertThat(node.psql("SHOW wal_segment_size")).isEqualTo("1MB");
            node.psql("CREATE TABLE big (id integer PRIMARY KEY, pad text)");
            Path archive = cluster.root().resolve("archive");
            Files.createDirectories(archive);
            Path log = cluster.root().resolve("pg_receivewal.log");
            Process p = new ProcessBuilder(receivewal, "-h", "127.0.0.1", "-p", Integer.toString(node.port()), "-U",
                    "postgres", "-D", archive.toString(), "-s", "1", "-n", "-v")
                    .redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            try {
                assertThat(node.pollQueryUntil("SELECT application_name, state FROM pg_stat_replication",
                        "pg_receivewal|streaming", Duration.ofSeconds(60))).as(() -> read(log)).isTrue();
                String pad = "x".repeat(1000);
                try (Connection c = node.connect();
                     PreparedStatement insert = c.prepareStatement("INSERT INTO big VALUES (?, ?)")) {
                    for (int i = 1; i <= 4000; i++) {
                        insert.setInt(1, i);
                        insert.setString(2, pad + i);
                        insert.addBatch();
                        if (i % 200 == 0) {
                            insert.executeBatch();
                        }
                    }
                }
                Lsn target = Lsn.parse(node.psql("SELECT pg_current_wal_lsn()"));
                System.out.println("PgReceivewalIT: primary at " + target);
                assertThat(node.pollQueryUntil("SELECT pg_wal_lsn_diff(write_lsn, '" + target + "') >= 0"
                                + " FROM pg_stat_replication WHERE application_name = 'pg_receivewal'", "t",
                        Duration.ofSeconds(60)))
                        .as("pg_receivewal's write position reaches " + target + "\n" + read(log)).isTrue();

                String current = WalSegments.fileName(new TimelineId(1), target.segmentNo(SEGMENT_SIZE_BYTES),
                        SEGMENT_SIZE_BYTES);
                List<String> names;
                try (Stream<Path> files = Files.list(archive)) {
                    names = files.map(f -> f.getFileName().toString()).sorted().toList();
                }
                System.out.println("PgReceivewalIT: received " + names);
                assertThat(names).allMatch(n -> n.matches("[0-9A-F]{24}(\\.partial)?"));
                assertThat(names).contains(current + ".partial");
                List<String> finished = new ArrayList<>(names.stream().filter(n -> !n.endsWith(".partial")).toList());
                assertThat(finished).as("about 4 MB of WAL makes finished 1 MB segments").hasSizeGreaterThanOrEqualTo(3);
                for (String name : finished) {
                    Path mine = archive.resolve(name);
                    Path theirs = node.dataDir().resolve("pg_wal").resolve(name);
                    assertThat(Files.size(mine)).isEqualTo(SEGMENT_SIZE_BYTES);
                    assertThat(Files.mismatch(mine, theirs)).as("first differing byte of " + name).isEqualTo(-1L);
                }
                long received = target.segmentOffset(SEGMENT_SIZE_BYTES);
                byte[] partial = Files.readAllBytes(archive.resolve(current + ".partial"));
                byte[] primarys = Files.readAllBytes(node.dataDir().resolve("pg_wal").resolve(current));
                assertThat(java.util.Arrays.copyOf(partial, (int) received))
                        .as("the .partial segment holds the primary's WAL up to " + target)
                        .isEqualTo(java.util.Arrays.copyOf(primarys, (int) received));
                assertThat(read(log)).contains("pg_receivewal: starting log streaming at")
                        .contains("pg_receivewal: finished segment at");
            } finally {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
