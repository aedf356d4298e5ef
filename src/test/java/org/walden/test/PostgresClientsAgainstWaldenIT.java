package org.walden.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL 15's own pg_receivewal and pg_basebackup against a running Walden primary (real
 * engine WAL, real checkpoints): the files they write must be complete and, for the backup,
 * verify with pg_verifybackup.
 */
class PostgresClientsAgainstWaldenIT {

    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    static String run(Path log, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (!done) {
            p.destroy();
        }
        assertThat(done).as(out).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
        return out;
    }

    @Test
    void pgBasebackupAndPgReceivewalWorkAgainstWalden() throws Exception {
        assumeTrue(Files.isExecutable(BIN.resolve("pg_basebackup")));
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.psql("CREATE TABLE r (id integer PRIMARY KEY, v text)");
            primary.psql("INSERT INTO r VALUES (1, 'x')");
            Path root = cluster.root();
            String port = Integer.toString(primary.port());
            Path copy = root.resolve("pgbb");
            String log = run(root.resolve("pgbb.log"), BIN.resolve("pg_basebackup").toString(), "-h", "127.0.0.1",
                    "-p", port, "-U", "postgres", "-D", copy.toString(), "-X", "stream", "-c", "fast", "-P", "-v",
                    "-R", "-w");
            assertThat(log).contains("base backup completed");
            assertThat(copy.resolve("backup_label")).exists();
            assertThat(copy.resolve("global/pg_control")).exists();
            String verify = run(root.resolve("verify.log"), BIN.resolve("pg_verifybackup").toString(), "-n",
                    copy.toString());
            assertThat(verify).contains("backup successfully verified");

            Path wal = root.resolve("recv");
            Files.createDirectories(wal);
            primary.psql("INSERT INTO r VALUES (2, 'y')");
            String end = primary.psql("SELECT pg_current_wal_lsn()");
            // pg_receivewal stops once it has received WAL beyond --endpos
            primary.psql("INSERT INTO r VALUES (3, 'z')");
            run(root.resolve("recv.log"), BIN.resolve("pg_receivewal").toString(), "-h", "127.0.0.1", "-p", port,
                    "-U", "postgres", "-D", wal.toString(), "--endpos=" + end, "-n", "-w");
            List<String> files;
            try (Stream<Path> s = Files.list(wal)) {
                files = s.map(f -> f.getFileName().toString()).toList();
            }
            assertThat(files).isNotEmpty();
            assertThat(files).allMatch(f -> f.matches("[0-9A-F]{24}(\\.partial)?"));
        }
    }
}
