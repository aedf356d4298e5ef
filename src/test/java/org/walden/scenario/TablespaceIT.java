package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * Tablespaces as PostgreSQL 15 lays them out and moves them (issue 10 part 7): CREATE TABLESPACE
 * makes LOCATION/PG_15_202209061 and the link pg_tblspc/OID; PostgreSQL's pg_basebackup copies
 * the tablespace to another directory with -Fp -T OLDDIR=NEWDIR (the copy's link points there)
 * and writes OID.tar beside base.tar with -Ft (base.tar's tablespace_map names the location,
 * which a restored server turns into the link); a standby made from the plain copy replays rows
 * of a table in the tablespace, replays CREATE and DROP TABLESPACE of an in-place tablespace
 * (allow_in_place_tablespaces, as PostgreSQL's own tests use), and keeps them all when promoted.
 * Observed through psql, pgjdbc and the file system, as a DBA would.
 */
class TablespaceIT {

    private static final String VERSION_DIRECTORY = "PG_15_202209061";
    private static final String ROWS = "SELECT count(*), sum(id) FROM t";
    /** Under the version directory: the tablespace's storage files. */
    private static final String STORAGE_DIRECTORY = "walden_kv";

    @Test
    void aTablespaceTravelsWithBaseBackupsToStandbysAndRestoredCopies() throws Exception {
        String pgBasebackup = PgPrograms.require("pg_basebackup");
        String pgVerifybackup = PgPrograms.require("pg_verifybackup");
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            Path location = Files.createDirectories(cluster.root().resolve("tablespaces/primary"));
            primary.psql("CREATE TABLESPACE ts LOCATION '" + location + "'");
            String oid = primary.psql("SELECT oid FROM pg_tablespace WHERE spcname = 'ts'");
            Path link = primary.dataDir().resolve("pg_tblspc").resolve(oid);
            assertThat(Files.isSymbolicLink(link)).isTrue();
            assertThat(Files.readSymbolicLink(link)).isEqualTo(location);
            assertThat(location.resolve(VERSION_DIRECTORY)).isDirectory();
            assertThat(primary.psql("SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'ts'"))
                    .isEqualTo(location.toString());

            primary.psql("CREATE TABLE t (id integer PRIMARY KEY, v text) TABLESPACE ts");
            primary.psql("CREATE INDEX t_v ON t (v) TABLESPACE ts");
            primary.psql("INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 500) g");
            assertThat(primary.psql("SELECT c.relname, t.spcname FROM pg_class c JOIN pg_tablespace t "
                    + "ON t.oid = c.reltablespace WHERE c.relname LIKE 't%' ORDER BY 1")).isEqualTo("t|ts\nt_v|ts");

            // -Fp -T: the copy's link points at the new directory, which holds the tablespace's files
            Path plain = cluster.root().resolve("backups/plain");
            Path remapped = cluster.root().resolve("tablespaces/standby");
            PgPrograms.run(List.of(pgBasebackup, "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U",
                    "postgres", "-D", plain.toString(), "-Fp", "-X", "stream", "-c", "fast", "-R", "-w",
                    "-T", location + "=" + remapped)).check("pg_basebackup -Fp -T");
            assertThat(Files.readSymbolicLink(plain.resolve("pg_tblspc").resolve(oid))).isEqualTo(remapped);
            assertThat(remapped.resolve(VERSION_DIRECTORY)).isDirectory();
            assertThat(PgPrograms.run(List.of(pgVerifybackup, "-n", plain.toString())).check("pg_verifybackup").out())
                    .contains("backup successfully verified");

            TestCluster.Node standby = cluster.initFromBackup(primary, "plain", "standby", false);
            assertThat(Files.readSymbolicLink(standby.dataDir().resolve("pg_tblspc").resolve(oid))).isEqualTo(remapped);
            standby.start();
            primary.waitForCatchup(standby);
            assertThat(standby.psql(ROWS)).isEqualTo("500|125250");
            assertThat(standby.psql("SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'ts'"))
                    .isEqualTo(remapped.toString());

            // rows of the table in the tablespace, and an in-place tablespace made and dropped, replay
            primary.psql("INSERT INTO t SELECT g, 'row ' || g FROM generate_series(501, 600) g");
            primary.psql("SET allow_in_place_tablespaces = on; CREATE TABLESPACE inplace LOCATION ''");
            String inPlaceOid = primary.psql("SELECT oid FROM pg_tablespace WHERE spcname = 'inplace'");
            primary.psql("CREATE TABLE u (id integer) TABLESPACE inplace; INSERT INTO u VALUES (7)");
            primary.waitForCatchup(standby);
            assertThat(standby.psql(ROWS)).isEqualTo("600|180300");
            assertThat(standby.psql("SELECT id FROM u")).isEqualTo("7");
            Path standbyInPlace = standby.dataDir().resolve("pg_tblspc").resolve(inPlaceOid);
            assertThat(standbyInPlace.resolve(VERSION_DIRECTORY)).isDirectory();
            assertThat(Files.isSymbolicLink(standbyInPlace)).isFalse();
            assertThat(standby.psql("SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'inplace'"))
                    .isEqualTo("pg_tblspc/" + inPlaceOid);
            primary.psql("DROP TABLE u");
            primary.psql("DROP TABLESPACE inplace");
            primary.waitForCatchup(standby);
            assertThat(standbyInPlace).doesNotExist();
            assertThat(primary.dataDir().resolve("pg_tblspc").resolve(inPlaceOid)).doesNotExist();

            // -Ft: OID.tar beside base.tar, and base.tar's tablespace_map names the location
            Path tar = cluster.root().resolve("backups/tar");
            PgPrograms.run(List.of(pgBasebackup, "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U",
                    "postgres", "-D", tar.toString(), "-Ft", "-X", "fetch", "-c", "fast", "-w")).check("pg_basebackup -Ft");
            assertThat(tar.resolve(oid + ".tar")).isRegularFile();
            assertThat(tar.resolve("base.tar")).isRegularFile();
            assertThat(PgPrograms.run(List.of("tar", "tf", tar.resolve(oid + ".tar").toString())).check("tar tf").out())
                    .contains(VERSION_DIRECTORY + "/");
            assertThat(PgPrograms.run(List.of("tar", "xOf", tar.resolve("base.tar").toString(), "tablespace_map"))
                    .check("tablespace_map").out()).isEqualTo(oid + " " + location + "\n");

            // restored by hand: base.tar into a data directory, OID.tar elsewhere, tablespace_map edited
            Path restored = Files.createDirectories(cluster.root().resolve("backups/restored"));
            Path restoredLocation = Files.createDirectories(cluster.root().resolve("tablespaces/restored"));
            PgPrograms.run(List.of("tar", "xf", tar.resolve("base.tar").toString(), "-C", restored.toString()))
                    .check("untar base.tar");
            PgPrograms.run(List.of("tar", "xf", tar.resolve(oid + ".tar").toString(), "-C",
                    restoredLocation.toString())).check("untar " + oid + ".tar");
            Files.writeString(restored.resolve("tablespace_map"), oid + " " + restoredLocation + "\n");
            TestCluster.Node copy = cluster.initFromBackup(primary, "restored", "restored", false);
            copy.start();
            assertThat(copy.psql(ROWS)).isEqualTo("600|180300");
            assertThat(Files.readSymbolicLink(copy.dataDir().resolve("pg_tblspc").resolve(oid))).isEqualTo(restoredLocation);
            assertThat(copy.dataDir().resolve("tablespace_map.old")).isRegularFile();
            copy.stop();

            // walden basebackup -T does what pg_basebackup -T does
            Path waldenCopy = cluster.root().resolve("backups/walden");
            Path waldenLocation = cluster.root().resolve("tablespaces/walden");
            TestCluster.walden("basebackup", "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U",
                    "postgres", "-D", waldenCopy.toString(), "-c", "fast", "-T", location + "=" + waldenLocation)
                    .check("walden basebackup -T");
            assertThat(Files.readSymbolicLink(waldenCopy.resolve("pg_tblspc").resolve(oid))).isEqualTo(waldenLocation);
            assertThat(waldenLocation.resolve(VERSION_DIRECTORY)).isDirectory();

            // promotion keeps the tablespace and its table, which take new rows
            standby.promote();
            assertThat(standby.pollQueryUntil("SELECT pg_is_in_recovery()", "f")).isTrue();
            standby.psql("INSERT INTO t VALUES (601, 'after promotion')");
            assertThat(standby.psql(ROWS)).isEqualTo("601|180901");
            assertThat(standby.psql("SELECT spcname FROM pg_tablespace t JOIN pg_class c ON c.reltablespace = t.oid "
                    + "WHERE c.relname = 't'")).isEqualTo("ts");

            // pg_dump puts the table back into its tablespace
            String pgDump = PgPrograms.require("pg_dump");
            assertThat(PgPrograms.run(List.of(pgDump, "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U",
                    "postgres", "-t", "t", "postgres")).check("pg_dump").out())
                    .contains("SET default_tablespace = ts;\n\nSET default_table_access_method = heap;\n\n"
                            + "--\n-- Name: t; Type: TABLE;");

            // DROP TABLESPACE: refused while the table is there; then the link and PG_15_... go, LOCATION stays
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.execute("DROP TABLESPACE ts")).isInstanceOfSatisfying(SQLException.class,
                        e -> assertThat(e.getSQLState()).isEqualTo("55000"))
                        .hasMessageContaining("tablespace \"ts\" is not empty");
                s.execute("DROP TABLE t");
                s.execute("DROP TABLESPACE ts");
            }
            assertThat(link).doesNotExist();
            assertThat(location.resolve(VERSION_DIRECTORY)).doesNotExist();
            assertThat(location).isDirectory();
        }
    }

    /**
     * The rows of a table and an index in a tablespace are stored in its directory (the
     * tablespace's column family, LOCATION/PG_15_.../walden_kv), not under base/: they survive a
     * restart and a crash there, travel in the tablespace's own archive of a base backup (-Fp -T
     * to a standby, -Ft as OID.tar), move with SET TABLESPACE both ways, and DROP TABLESPACE
     * succeeds once they have moved out, taking the storage with it.
     */
    @Test
    void theRowsOfATablespacesRelationsAreStoredInItsDirectory() throws Exception {
        String pgBasebackup = PgPrograms.require("pg_basebackup");
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            Path location = Files.createDirectories(cluster.root().resolve("tablespaces/big"));
            Path storage = location.resolve(VERSION_DIRECTORY).resolve(STORAGE_DIRECTORY);
            Path base = primary.dataDir().resolve("base");
            primary.psql("CREATE TABLESPACE big LOCATION '" + location + "'");
            String oid = primary.psql("SELECT oid FROM pg_tablespace WHERE spcname = 'big'");
            primary.psql("CHECKPOINT");
            long baseBefore = bytesUnder(base);

            primary.psql("CREATE TABLE big_t (id integer PRIMARY KEY, v text) TABLESPACE big");
            primary.psql("CREATE INDEX big_v ON big_t (v) TABLESPACE big");
            primary.psql("INSERT INTO big_t SELECT g, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) "
                    + "FROM generate_series(1, 20000) g");
            primary.psql("CHECKPOINT");
            long stored = bytesUnder(storage);
            assertThat(stored).as("bytes of the tablespace's storage").isGreaterThan(1_000_000L);
            assertThat(bytesUnder(base) - baseBefore).as("growth of base/").isLessThan(stored / 4);
            assertThat(Long.parseLong(primary.psql("SELECT pg_tablespace_size('big')"))).isGreaterThanOrEqualTo(stored);
            assertThat(Long.parseLong(primary.psql("SELECT pg_relation_size('big_t')"))).isGreaterThan(0L);
            String big = "SELECT count(*), sum(id), count(DISTINCT v) FROM big_t";
            String bigByIndex = "SELECT count(*) FROM big_t WHERE v >= md5('1')";
            String expected = primary.psql(big);
            assertThat(expected).isEqualTo("20000|200010000|20000");

            // a restart and a crash (rows since the checkpoint replayed into the tablespace)
            primary.restart();
            assertThat(primary.psql(big)).isEqualTo(expected);
            primary.psql("INSERT INTO big_t SELECT g, 'late ' || g FROM generate_series(20001, 20100) g");
            primary.psql("DELETE FROM big_t WHERE id <= 100");
            primary.kill9();
            primary.start();
            String afterCrash = "SELECT count(*), sum(id) FROM big_t";
            assertThat(primary.psql(afterCrash)).isEqualTo("20000|202010000");
            assertThat(primary.psql("SELECT count(*) FROM big_t WHERE v LIKE 'late %'")).isEqualTo("100");

            // a streaming standby from a -T copy: the rows are in the remapped directory
            Path plain = cluster.root().resolve("backups/plain");
            Path remapped = cluster.root().resolve("tablespaces/big-standby");
            PgPrograms.run(List.of(pgBasebackup, "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U",
                    "postgres", "-D", plain.toString(), "-Fp", "-X", "stream", "-c", "fast", "-R", "-w",
                    "-T", location + "=" + remapped)).check("pg_basebackup -Fp -T");
            assertThat(bytesUnder(remapped.resolve(VERSION_DIRECTORY).resolve(STORAGE_DIRECTORY)))
                    .isGreaterThan(1_000_000L);
            TestCluster.Node standby = cluster.initFromBackup(primary, "plain", "standby", false);
            standby.start();
            primary.psql("INSERT INTO big_t VALUES (30000, 'streamed')");
            primary.waitForCatchup(standby);
            assertThat(standby.psql(afterCrash)).isEqualTo("20001|202040000");
            assertThat(standby.psql("SELECT v FROM big_t WHERE id = 30000")).isEqualTo("streamed");

            // -Ft: OID.tar carries the tablespace's storage files
            Path tar = cluster.root().resolve("backups/tar");
            PgPrograms.run(List.of(pgBasebackup, "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U",
                    "postgres", "-D", tar.toString(), "-Ft", "-X", "fetch", "-c", "fast", "-w")).check("pg_basebackup -Ft");
            assertThat(PgPrograms.run(List.of("tar", "tvf", tar.resolve(oid + ".tar").toString())).check("tar tvf").out())
                    .containsPattern(VERSION_DIRECTORY + "/" + STORAGE_DIRECTORY + "/[0-9]+\\.sst");
            assertThat(PgPrograms.run(List.of("tar", "tf", tar.resolve("base.tar").toString())).check("tar tf").out())
                    .doesNotContain("tblspc_files/" + oid);

            // SET TABLESPACE moves the rows out; DROP TABLESPACE then takes the storage
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.execute("DROP TABLESPACE big")).isInstanceOfSatisfying(SQLException.class,
                        e -> assertThat(e.getSQLState()).isEqualTo("55000"))
                        .hasMessageContaining("tablespace \"big\" is not empty");
                s.execute("ALTER TABLE big_t SET TABLESPACE pg_default");
                s.execute("ALTER INDEX big_v SET TABLESPACE pg_default");
                s.execute("CHECKPOINT");
            }
            assertThat(primary.psql(afterCrash)).isEqualTo("20001|202040000");
            assertThat(primary.psql(bigByIndex + " AND id > 100")).isEqualTo(primary.psql(bigByIndex));
            assertThat(bytesUnder(base) - baseBefore).isGreaterThan(1_000_000L);
            primary.psql("DROP TABLESPACE big");
            assertThat(storage).doesNotExist();
            assertThat(location.resolve(VERSION_DIRECTORY)).doesNotExist();
            primary.waitForCatchup(standby);
            assertThat(standby.psql(afterCrash)).isEqualTo("20001|202040000");
            assertThat(remapped.resolve(VERSION_DIRECTORY)).doesNotExist();

            // and back into a tablespace
            Path again = Files.createDirectories(cluster.root().resolve("tablespaces/again"));
            primary.psql("CREATE TABLESPACE again LOCATION '" + again + "'");
            primary.psql("ALTER TABLE big_t SET TABLESPACE again");
            primary.psql("CHECKPOINT");
            assertThat(bytesUnder(again.resolve(VERSION_DIRECTORY).resolve(STORAGE_DIRECTORY))).isGreaterThan(1_000_000L);
            primary.restart();
            assertThat(primary.psql(afterCrash)).isEqualTo("20001|202040000");
        }
    }

    private static long bytesUnder(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** LOCATION checks a user meets only with real directories: missing, already used, not empty of ours. */
    @Test
    void createTablespaceChecksItsDirectoryAsPostgresDoes() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            Path missing = cluster.root().resolve("tablespaces/missing");
            Path used = Files.createDirectories(cluster.root().resolve("tablespaces/used"));
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.execute("CREATE TABLESPACE a LOCATION '" + missing + "'"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("58P01"))
                        .hasMessageContaining("directory \"" + missing + "\" does not exist");
                s.execute("CREATE TABLESPACE a LOCATION '" + used + "/'");
                assertThatThrownBy(() -> s.execute("CREATE TABLESPACE b LOCATION '" + used + "'"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("55006"))
                        .hasMessageContaining("directory \"" + used + "/" + VERSION_DIRECTORY
                                + "\" already in use as a tablespace");
                // the trailing slash is gone from the recorded location, as canonicalize_path leaves it
                assertThat(primary.psql("SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'a'"))
                        .isEqualTo(used.toString());
                s.execute("DROP TABLESPACE a");
                s.execute("CREATE TABLESPACE b LOCATION '" + used + "'");
                s.execute("DROP TABLESPACE b");
            }
            // a crash after CREATE TABLESPACE: recovery replays it over the directories it left
            primary.psql("CREATE TABLESPACE c LOCATION '" + used + "'");
            primary.psql("CREATE TABLE tc (id integer) TABLESPACE c; INSERT INTO tc VALUES (1), (2)");
            // a low-level backup's tablespace map names it
            assertThat(primary.psql("SELECT pg_backup_start('low-level', true) IS NOT NULL; "
                    + "SELECT spcmapfile FROM pg_backup_stop(false)")).startsWith("t\n"
                    + primary.psql("SELECT oid FROM pg_tablespace WHERE spcname = 'c'") + " " + used + "\n");
            primary.kill9();
            primary.start();
            assertThat(primary.psql("SELECT count(*) FROM tc")).isEqualTo("2");
            assertThat(used.resolve(VERSION_DIRECTORY)).isDirectory();
        }
    }
}
