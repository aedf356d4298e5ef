package org.walden.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.walden.common.guc.AutoConfFile;
import org.walden.server.config.ConfTemplates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden initdb}: creates a cluster as PostgreSQL's initdb does: the directory (0700;
 * an existing non-empty one is refused), PG_VERSION, postgresql.conf, postgresql.auto.conf,
 * pg_hba.conf, then the engine's files (pg_control, pg_wal, base) and the SQL catalog with
 * the superuser, through {@link ClusterFactory}.
 */
@Command(name = "initdb", description = "create a new Walden database cluster", sortOptions = false)
final class InitdbCommand implements Callable<Integer> {

    static final String PG_VERSION = "15";

    @ParentCommand
    Main main;

    @Option(names = {"-D", "--pgdata"}, required = true, description = "location for this database cluster")
    Path dataDir;

    @Option(names = {"-U", "--username"}, defaultValue = "postgres", description = "database superuser name")
    String superuser;

    @Option(names = {"-A", "--auth"}, description = "default authentication method for local connections")
    String auth;

    @Option(names = "--auth-local", description = "default authentication method for local-socket connections")
    String authLocal;

    @Option(names = "--auth-host", description = "default authentication method for local TCP/IP connections")
    String authHost;

    @Option(names = "--pwfile", description = "read password for the new superuser from file")
    Path pwfile;

    @Option(names = "--wal-segsize", defaultValue = "16", description = "size of WAL segments, in megabytes")
    int walSegsizeMb;

    @Option(names = {"-N", "--no-sync"}, description = "do not wait for changes to be written safely to disk")
    boolean noSync;

    @Override
    public Integer call() throws IOException {
        PrintStream out = main.out;
        PrintStream err = main.err;
        String local = authLocal != null ? authLocal : auth != null ? auth : "trust";
        String host = authHost != null ? authHost : auth != null ? auth : "trust";
        for (String m : List.of(local, host)) {
            if (!ConfTemplates.AUTH_METHODS.contains(m)) {
                err.printf("initdb: error: invalid authentication method \"%s\" for \"%s\" connections%n", m,
                        m.equals(local) ? "local" : "host");
                return 1;
            }
        }
        if ((ConfTemplates.isPasswordMethod(local) || ConfTemplates.isPasswordMethod(host)) && pwfile == null) {
            err.println("initdb: error: must specify a password for the superuser to enable password authentication");
            return 1;
        }
        if (walSegsizeMb < 1 || walSegsizeMb > 1024 || Integer.bitCount(walSegsizeMb) != 1) {
            err.println("initdb: error: argument of --wal-segsize must be a power of 2 between 1 and 1024");
            return 1;
        }
        String password = null;
        if (pwfile != null) {
            password = readPassword(pwfile, err);
            if (password == null) {
                return 1;
            }
        }
        Path dir = dataDir.toAbsolutePath().normalize();
        if (!createDataDirectory(dir, out, err)) {
            return 1;
        }
        String timezone = ZoneId.systemDefault().getId();
        if (timezone.equals("GMT") || timezone.equals("Z") || timezone.equals("UTC")) {
            timezone = "Etc/UTC";
        }
        out.println("selecting default max_connections ... 100");
        out.println("selecting default shared_buffers ... 128MB");
        out.println("selecting default time zone ... " + timezone);
        out.print("creating configuration files ... ");
        writeConfigFiles(dir, local, host, timezone);
        out.println("ok");
        out.print("running bootstrap script ... ");
        ClusterFactory.initializeStorage(dir, walSegsizeMb * 1024L * 1024L, Clock.systemUTC());
        out.println("ok");
        out.print("performing post-bootstrap initialization ... ");
        ClusterFactory.bootstrapSql(dir, superuser, password == null ? null : ClusterFactory.scramVerifier(password),
                err);
        out.println("ok");
        out.println("syncing data to disk ... ok");
        if (local.equals("trust") || host.equals("trust")) {
            out.println();
            out.println("initdb: warning: enabling \"trust\" authentication for local connections");
            out.println("initdb: hint: You can change this by editing pg_hba.conf or using the option -A, or "
                    + "--auth-local and --auth-host, the next time you run initdb.");
        }
        out.println();
        out.println("Success. You can now start the database server using:");
        out.println();
        out.println("    walden ctl -D " + dir + " -l logfile start");
        out.println();
        return 0;
    }

    private static String readPassword(Path file, PrintStream err) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isEmpty()) {
                err.printf("initdb: error: password file \"%s\" is empty%n", file);
                return null;
            }
            return lines.get(0);
        } catch (IOException e) {
            err.printf("initdb: error: could not open file \"%s\" for reading: No such file or directory%n", file);
            return null;
        }
    }

    /** Creates {@code dir} (0700) or takes an existing empty one; refuses a non-empty one as initdb does. */
    static boolean createDataDirectory(Path dir, PrintStream out, PrintStream err) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                err.printf("initdb: error: could not create directory \"%s\": File exists%n", dir);
                return false;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    err.printf("initdb: error: directory \"%s\" exists but is not empty%n", dir);
                    err.printf("initdb: hint: If you want to create a new database system, either remove or empty "
                            + "the directory \"%s\" or run initdb with an argument other than \"%s\".%n", dir, dir);
                    return false;
                }
            }
            out.print("fixing permissions on existing directory " + dir + " ... ");
        } else {
            out.print("creating directory " + dir + " ... ");
            Files.createDirectories(dir);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        out.println("ok");
        out.print("creating subdirectories ... ");
        for (String sub : List.of("global", "base", "pg_wal", "pg_wal/archive_status", "pg_replslot", "pg_tblspc",
                "pg_stat", "pg_stat_tmp", "pg_logical", "pg_snapshots", "pg_twophase", "pg_notify", "pg_serial",
                "pg_subtrans", "pg_commit_ts", "pg_multixact", "pg_xact", "pg_dynshmem", "log")) {
            Files.createDirectories(dir.resolve(sub));
        }
        out.println("ok");
        return true;
    }

    static void writeConfigFiles(Path dir, String localAuth, String hostAuth, String timezone) throws IOException {
        Files.writeString(dir.resolve("PG_VERSION"), PG_VERSION + "\n");
        Files.writeString(dir.resolve("postgresql.conf"), ConfTemplates.postgresqlConf(5432, 100, timezone));
        Files.writeString(dir.resolve(AutoConfFile.FILE_NAME), AutoConfFile.HEADER);
        Files.writeString(dir.resolve("pg_hba.conf"), ConfTemplates.pgHbaConf(localAuth, hostAuth));
        Files.writeString(dir.resolve("pg_ident.conf"), "# Walden User Name Maps\n# MAPNAME       SYSTEM-USERNAME"
                + "         PG-USERNAME\n");
        for (String f : List.of("postgresql.conf", AutoConfFile.FILE_NAME, "pg_hba.conf", "pg_ident.conf",
                "PG_VERSION")) {
            Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-------"));
        }
    }
}
