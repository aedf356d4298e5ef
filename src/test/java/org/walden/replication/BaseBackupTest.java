package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.protocol.PgClient;
import org.walden.protocol.QueryResult;
import org.walden.wal.Lsn;

class BaseBackupTest {

    static final long SEG = 1024 * 1024;

    @Test
    void baseBackupAnswersAsPostgreSql15(@TempDir Path dir) throws Exception {
        MemoryWalSource wal = new MemoryWalSource(7710706162245624204L, SEG, Lsn.parse("0/1000000"));
        TestBackupSource backup = new TestBackupSource(dir.resolve("data"), wal);
        try (TestReplicationServer server = new TestReplicationServer(wal, backup, new TestSettings());
             PgClient c = StreamingLoopbackTest.connect(server.port())) {
            PgClient.CopyStart start = c.startCopy("BASE_BACKUP ( LABEL 'pg_basebackup base backup',  PROGRESS,  "
                    + "CHECKPOINT 'fast',  WAIT 0,  MANIFEST 'yes',  TARGET 'client')");
            assertThat(start.kind()).isEqualTo('H');
            List<QueryResult> before = start.resultsBefore();
            assertThat(before).hasSize(2);
            assertThat(before.get(0).columnNames()).containsExactly("recptr", "tli");
            assertThat(before.get(0).fields().get(1).typeOid()).isEqualTo(20);
            assertThat(before.get(0).fields().get(1).typeSize()).isEqualTo((short) -1);
            assertThat(before.get(0).rows().get(0)).containsExactly("0/1000028", "1");
            assertThat(before.get(0).commandTag()).isEqualTo("SELECT");
            assertThat(before.get(1).columnNames()).containsExactly("spcoid", "spclocation", "size");
            assertThat(before.get(1).fields().get(0).typeOid()).isEqualTo(26);
            String[] ts = before.get(1).rows().get(0);
            assertThat(ts[0]).isNull();
            assertThat(ts[1]).isNull();
            assertThat(Long.parseLong(ts[2])).isGreaterThan(60);
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            ByteArrayOutputStream manifest = new ByteArrayOutputStream();
            List<Character> kinds = new ArrayList<>();
            boolean inManifest = false;
            long lastProgress = -1;
            while (true) {
                PgClient.CopyEvent ev = c.readCopyData(10_000);
                if (ev instanceof PgClient.CopyEvent.Done) {
                    break;
                }
                byte[] p = ((PgClient.CopyEvent.Data) ev).payload();
                if (kinds.isEmpty() || kinds.get(kinds.size() - 1) != (char) p[0]) {
                    kinds.add((char) p[0]);
                }
                switch (p[0]) {
                    case 'n' -> assertThat(p).isEqualTo("nbase.tar\0\0".getBytes(StandardCharsets.US_ASCII));
                    case 'd' -> (inManifest ? manifest : tar).write(p, 1, p.length - 1);
                    case 'p' -> lastProgress = java.nio.ByteBuffer.wrap(p, 1, 8).getLong();
                    case 'm' -> inManifest = true;
                    default -> throw new AssertionError("unexpected " + (char) p[0]);
                }
            }
            assertThat(kinds.get(0)).isEqualTo('n');
            assertThat(kinds).contains('d', 'p', 'm');
            assertThat(kinds.get(kinds.size() - 1)).isEqualTo('d');
            assertThat(lastProgress).isEqualTo(tar.size());
            List<QueryResult> after = c.finishCopy();
            assertThat(after).extracting(QueryResult::commandTag).containsExactly("SELECT", "BASE_BACKUP");
            assertThat(after.get(0).rows().get(0)).containsExactly(wal.flushedLsn().toString(), "1");

            Map<String, String> members = new LinkedHashMap<>();
            ByteArrayOutputStream label = new ByteArrayOutputStream();
            Ustar.Reader reader = new Ustar.Reader(new Ustar.MemberHandler() {
                String name;

                @Override
                public void begin(Ustar.Entry e) {
                    name = e.name();
                    members.put(e.name(), e.isDirectory() ? "dir" : Long.toString(e.size()));
                }

                @Override
                public void data(byte[] b, int off, int len) {
                    if (name.equals("backup_label")) {
                        label.write(b, off, len);
                    }
                }

                @Override
                public void end() {
                }
            });
            reader.feed(tar.toByteArray(), 0, tar.size());
            assertThat(reader.ended()).isTrue();
            assertThat(members.keySet().iterator().next()).isEqualTo("backup_label");
            assertThat(List.copyOf(members.keySet())).as("pg_control once the backup has ended (no WAL asked for)")
                    .last().isEqualTo("global/pg_control");
            assertThat(members).containsKeys("PG_VERSION", "postgresql.conf", "postgresql.auto.conf",
                    "global/", "global/pg_control", "pg_wal/", "pg_wal/archive_status/", "pg_replslot/",
                    "pg_stat_tmp/", "base/", "base/000010.sst", "base/CURRENT", "base/sub/", "base/sub/OPTIONS");
            assertThat(members).doesNotContainKeys("postmaster.pid", "postmaster.opts", "standby.signal",
                    "pg_wal/000000010000000000000001", "pg_replslot/s1/", "pg_replslot/s1/state", "log/",
                    "log/server.log", "pg_stat_tmp/x.tmp", "base/LIVE-ONLY");
            assertThat(members.get("base/000010.sst")).isEqualTo("70000");
            assertThat(members.keySet()).noneMatch(k -> k.startsWith("pg_backup_snapshot"));
            assertThat(label.toString(StandardCharsets.UTF_8)).isEqualTo(
                    "START WAL LOCATION: 0/1000028 (file 000000010000000000000010)\n"
                            + "CHECKPOINT LOCATION: 0/1000060\n"
                            + "BACKUP METHOD: streamed\n"
                            + "BACKUP FROM: primary\n"
                            + "START TIME: 2026-11-21 19:58:14 UTC\n"
                            + "LABEL: pg_basebackup base backup\n"
                            + "START TIMELINE: 1\n");
            String m = manifest.toString(StandardCharsets.UTF_8);
            assertThat(m).startsWith("{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [\n{ \"Path\": \"backup_label\"");
            assertThat(m).contains("{ \"Path\": \"base/000010.sst\", \"Size\": 70000, ");
            assertThat(m).contains("\"WAL-Ranges\": [\n{ \"Timeline\": 1, \"Start-LSN\": \"0/1000028\", \"End-LSN\": \""
                    + wal.flushedLsn() + "\" }\n],\n\"Manifest-Checksum\": \"");
            assertThat(backup.stops).isEqualTo(1);
            assertThat(server.ctx.slots().minimumLsnToKeep()).isEqualTo(Lsn.INVALID);
        }
    }

    @Test
    void postgresql15PgBasebackupTakesAStreamedBackup(@TempDir Path dir) throws Exception {
        Path bin = PgReceivewalTest.BIN.resolve("pg_basebackup");
        assumeTrue(Files.isExecutable(bin));
        MemoryWalSource wal = new MemoryWalSource(7710706162245624204L, 16 * SEG, Lsn.parse("0/2000000"));
        TestBackupSource backup = new TestBackupSource(dir.resolve("data"), wal);
        try (TestReplicationServer server = new TestReplicationServer(wal, backup, new TestSettings())) {
            Path target = dir.resolve("copy");
            Process p = new ProcessBuilder(bin.toString(), "-h", "127.0.0.1", "-p", Integer.toString(server.port()),
                    "-U", "postgres", "-D", target.toString(), "-X", "stream", "-c", "fast", "-P", "-v", "-R", "-w")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            String log = Files.readString(dir.resolve("log"));
            if (!done) {
                p.destroy();
            }
            assertThat(done).as(log).isTrue();
            assertThat(p.exitValue()).as(log).isZero();
            assertThat(log).contains("write-ahead log start point: 0/2000028 on timeline 1",
                    "base backup completed");
            assertThat(target.resolve("backup_label")).exists();
            assertThat(target.resolve("base/000010.sst")).hasSize(70_000);
            assertThat(target.resolve("standby.signal")).exists();
            assertThat(Files.readString(target.resolve("postgresql.auto.conf"))).contains("primary_conninfo");
            assertThat(target.resolve("backup_manifest")).exists();
            byte[] seg = Files.readAllBytes(target.resolve("pg_wal/000000010000000000000002"));
            int n = (int) wal.flushedLsn().minus(Lsn.parse("0/2000000"));
            assertThat(java.util.Arrays.copyOf(seg, n)).isEqualTo(wal.copy(Lsn.parse("0/2000000"), n));
            Path verify = PgReceivewalTest.BIN.resolve("pg_verifybackup");
            if (Files.isExecutable(verify)) {
                Process v = new ProcessBuilder(verify.toString(), "-n", target.toString()).redirectErrorStream(true)
                        .start();
                String vout = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(v.waitFor()).as(vout).isZero();
            }
            List<String> walFiles;
            try (Stream<Path> s = Files.list(target.resolve("pg_wal"))) {
                walFiles = s.map(f -> f.getFileName().toString()).sorted().toList();
            }
            assertThat(walFiles).contains("000000010000000000000002", "archive_status");
        }
    }

    @Test
    void postgresql15PgBasebackupTarFormatAndFetch(@TempDir Path dir) throws Exception {
        Path bin = PgReceivewalTest.BIN.resolve("pg_basebackup");
        assumeTrue(Files.isExecutable(bin));
        MemoryWalSource wal = new MemoryWalSource(7710706162245624204L, 16 * SEG, Lsn.parse("0/2000000"));
        TestBackupSource backup = new TestBackupSource(dir.resolve("data"), wal);
        try (TestReplicationServer server = new TestReplicationServer(wal, backup, new TestSettings())) {
            for (String[] mode : new String[][] {{"t", "stream"}, {"t", "fetch"}, {"p", "fetch"}, {"p", "none"}}) {
                Path target = dir.resolve("copy-" + mode[0] + "-" + mode[1]);
                Process p = new ProcessBuilder(bin.toString(), "-h", "127.0.0.1", "-p",
                        Integer.toString(server.port()), "-U", "postgres", "-D", target.toString(), "-F", mode[0],
                        "-X", mode[1], "-w").redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile())
                        .start();
                boolean done = p.waitFor(60, TimeUnit.SECONDS);
                String log = Files.readString(dir.resolve("log"));
                if (!done) {
                    p.destroy();
                }
                assertThat(done).as(mode[0] + mode[1] + log).isTrue();
                assertThat(p.exitValue()).as(mode[0] + mode[1] + log).isZero();
                if (mode[0].equals("t")) {
                    assertThat(target.resolve("base.tar")).exists();
                    Process t = new ProcessBuilder("tar", "-tf", target.resolve("base.tar").toString()).start();
                    String list = new String(t.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(t.waitFor()).isZero();
                    assertThat(list).contains("backup_label", "base/000010.sst");
                    if (mode[1].equals("fetch")) {
                        assertThat(list).contains("pg_wal/000000010000000000000002");
                    } else {
                        assertThat(target.resolve("pg_wal.tar")).exists();
                    }
                } else {
                    assertThat(target.resolve("base/000010.sst")).exists();
                    assertThat(target.resolve("pg_wal/000000010000000000000002").toFile().exists())
                            .isEqualTo(mode[1].equals("fetch"));
                }
            }
        }
    }
}
