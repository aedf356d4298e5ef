package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * Files and sockets as PostgreSQL 15 makes them: the data directory 0700 and its files 0600
 * (0750 / 0640 after initdb -g), ALTER SYSTEM's postgresql.auto.conf 0600, the Unix socket
 * with unix_socket_permissions and unix_socket_group, a data directory open to others
 * refused with PostgreSQL's message, and the socket a crashed server left behind cleaned up.
 */
class FilePermissionsIT {

    @Test
    void filesAndTheSocketGetPostgresqlsModes() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("perm");
            Path data = node.dataDir();
            assertThat(mode(data)).isEqualTo("rwx------");
            for (String f : List.of("postgresql.conf", "postgresql.auto.conf", "pg_hba.conf", "pg_ident.conf",
                    "PG_VERSION", "global/pg_control")) {
                assertThat(mode(data.resolve(f))).as(f).isEqualTo("rw-------");
            }
            node.appendConf("unix_socket_permissions = 0600\nunix_socket_group = 'daemon'\n");
            node.start();
            Path socket = cluster.root().resolve(".s.PGSQL." + node.port());
            assertThat(mode(socket)).isEqualTo("rw-------");
            assertThat(Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .group().getName()).isEqualTo("daemon");
            assertThat(node.psql("SHOW unix_socket_permissions")).isEqualTo("0600");
            assertThat(mode(data.resolve("postmaster.pid"))).isEqualTo("rw-------");
            assertThat(mode(cluster.root().resolve(".s.PGSQL." + node.port() + ".lock"))).isEqualTo("rw-------");

            node.psql("ALTER SYSTEM SET work_mem = '8MB'");
            assertThat(Files.readString(data.resolve("postgresql.auto.conf"))).contains("work_mem = '8MB'");
            assertThat(mode(data.resolve("postgresql.auto.conf"))).isEqualTo("rw-------");
            node.psql("CREATE TABLE t (a int); INSERT INTO t VALUES (1); CHECKPOINT");
            try (var files = Files.walk(data.resolve("base"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------");
                }
            }

            // a crashed server leaves its socket and lock file behind: the next start cleans them up
            node.kill9();
            assertThat(socket).exists();
            node.start();
            assertThat(node.psql("SELECT count(*) FROM t")).isEqualTo("1");
            node.stop();
            assertThat(socket).doesNotExist();

            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
            TestCluster.ToolResult start = node.ctl("-t", "60", "start");
            assertThat(start.code()).isEqualTo(1);
            assertThat(Files.readString(node.logFile())).contains(
                    "FATAL:  data directory \"" + data + "\" has invalid permissions",
                    "DETAIL:  Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).");
        }
    }

    @Test
    void initdbWithGroupAccessMakesGroupReadableFilesAndAMissingSocketGroupIsRefused() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("group", List.of("--auth", "trust", "-g"));
            Path data = node.dataDir();
            assertThat(mode(data)).isEqualTo("rwxr-x---");
            assertThat(mode(data.resolve("global/pg_control"))).isEqualTo("rw-r-----");
            node.start();
            node.psql("ALTER SYSTEM SET work_mem = '9MB'");
            assertThat(mode(data.resolve("postgresql.auto.conf"))).isEqualTo("rw-r-----");
            assertThat(mode(data.resolve("postmaster.pid"))).isEqualTo("rw-r-----");
            node.stop();

            node.appendConf("unix_socket_group = 'no_such_group_here'\n");
            node.start(); // TCP still listens; the socket is not created
            assertThat(node.logContains("LOG:  group \"no_such_group_here\" does not exist")).isTrue();
            assertThat(cluster.root().resolve(".s.PGSQL." + node.port())).doesNotExist();
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
