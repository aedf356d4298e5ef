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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.walden.common.DataDirectoryMode;
import org.walden.common.guc.AutoConfFile;
import org.walden.server.config.ConfTemplates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden initdb}: creates a cluster as PostgreSQL's initdb does: the directory (0700,
 * 0750 with -g; an existing non-empty one is refused), PG_VERSION, postgresql.conf,
 * postgresql.auto.conf, pg_hba.conf (files 0600, 0640 with -g), then the engine's files
 * (pg_control, pg_wal, base; pg_wal a symbolic link with -X) and the SQL catalog with the
 * superuser (-U, default the operating system user), through {@link ClusterFactory}. Walden
 * keeps text in UTF8 only (-E refuses any other encoding) and its storage engine checksums
 * every block, so -k changes nothing: pg_controldata says "Data page checksum version: 1".
 */
@Command(versionProvider = ToolOptions.Version.class, name = "initdb", description = "create a new Walden database cluster", sortOptions = false)
final class InitdbCommand implements Callable<Integer> {

    @Mixin
    ToolOptions toolOptions;

    static final String PG_VERSION = "15";

    @ParentCommand
    Main main;

    @Option(names = {"-D", "--pgdata"}, description = "location for this database cluster (default: $PGDATA)")
    Path dataDir;

    @Option(names = {"-U", "--username"}, description = "database superuser name (default: the operating system user)")
    String superuser;

    @Option(names = {"-E", "--encoding"}, description = "set default encoding for new databases (UTF8 only)")
    String encoding;

    @Option(names = "--locale", description = "set default locale for new databases")
    String locale;

    @Option(names = "--lc-collate", description = "set the default collation for new databases")
    String lcCollate;

    @Option(names = "--lc-ctype", description = "set the default character classification for new databases")
    String lcCtype;

    @Option(names = "--lc-messages", description = "set the default language of messages")
    String lcMessages;

    @Option(names = "--lc-monetary", description = "set the default monetary format")
    String lcMonetary;

    @Option(names = "--lc-numeric", description = "set the default number format")
    String lcNumeric;

    @Option(names = "--lc-time", description = "set the default date and time format")
    String lcTime;

    @Option(names = "--no-locale", description = "equivalent to --locale=C")
    boolean noLocale;

    @Option(names = {"-k", "--data-checksums"},
            description = "use data page checksums (always on: the storage engine checksums every block)")
    boolean dataChecksums;

    @Option(names = {"-X", "--waldir"}, description = "location for the write-ahead log directory")
    Path walDir;

    @Option(names = {"-g", "--allow-group-access"}, description = "allow group read/execute on data directory")
    boolean allowGroupAccess;

    @Option(names = {"-W", "--pwprompt"}, description = "prompt for a password for the new superuser")
    boolean pwprompt;

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
        if (dataDir == null) {
            String pgdata = System.getenv("PGDATA");
            if (pgdata == null || pgdata.isEmpty()) {
                err.println("initdb: error: no data directory specified");
                err.println("initdb: hint: You must identify the directory where the data for this database system "
                        + "will reside.  Do this with either the invocation option -D or the environment variable "
                        + "PGDATA.");
                return 1;
            }
            dataDir = Path.of(pgdata);
        }
        String local = authLocal != null ? authLocal : auth != null ? auth : "trust";
        String host = authHost != null ? authHost : auth != null ? auth : "trust";
        for (String m : List.of(local, host)) {
            if (!ConfTemplates.AUTH_METHODS.contains(m)) {
                err.printf("initdb: error: invalid authentication method \"%s\" for \"%s\" connections%n", m,
                        m.equals(local) ? "local" : "host");
                return 1;
            }
        }
        if (pwprompt && pwfile != null) {
            err.println("initdb: error: password prompt and password file cannot be specified together");
            return 1;
        }
        if ((ConfTemplates.isPasswordMethod(local) || ConfTemplates.isPasswordMethod(host)) && pwfile == null
                && !pwprompt) {
            err.println("initdb: error: must specify a password for the superuser to enable password authentication");
            return 1;
        }
        if (walSegsizeMb < 1 || walSegsizeMb > 1024 || Integer.bitCount(walSegsizeMb) != 1) {
            err.println("initdb: error: argument of --wal-segsize must be a power of 2 between 1 and 1024");
            return 1;
        }
        if (encoding != null && !isUtf8(encoding)) {
            err.printf("initdb: error: encoding \"%s\" is not supported: Walden stores every database in UTF8%n",
                    encoding);
            return 1;
        }
        if (walDir != null && !walDir.isAbsolute()) {
            err.println("initdb: error: WAL directory location must be an absolute path");
            return 1;
        }
        Map<String, String> locales = locales(err);
        if (locales == null) {
            return 1;
        }
        String user = superuser != null ? superuser : System.getProperty("user.name");
        if (user.startsWith("pg_")) {
            err.printf("initdb: error: superuser name \"%s\" is disallowed; role names cannot begin with \"pg_\"%n",
                    user);
            return 1;
        }
        String password = null;
        if (pwfile != null || pwprompt) {
            password = pwprompt ? promptPassword(out, err) : readPassword(pwfile, err);
            if (password == null) {
                return 1;
            }
        }
        Path dir = dataDir.toAbsolutePath().normalize();
        out.printf("The files belonging to this database system will be owned by user \"%s\".%n",
                System.getProperty("user.name"));
        out.println("This user must also own the server process.");
        out.println();
        out.printf("The database cluster will be initialized with locale \"%s\".%n", locales.get("lc_ctype"));
        out.println("The default database encoding has accordingly been set to \"UTF8\".");
        out.println("The default text search configuration will be set to \"english\".");
        out.println();
        out.println("Data page checksums are enabled.");
        out.println();
        DataDirectoryMode.setUmask(allowGroupAccess ? DataDirectoryMode.MASK_GROUP : DataDirectoryMode.MASK_OWNER);
        if (!createDataDirectory(dir, allowGroupAccess, out, err) || !createWalDirectory(dir, out, err)) {
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
        writeConfigFiles(dir, local, host, timezone, locales);
        out.println("ok");
        out.print("running bootstrap script ... ");
        ClusterFactory.initializeStorage(dir, walSegsizeMb * 1024L * 1024L, Clock.systemUTC());
        out.println("ok");
        out.print("performing post-bootstrap initialization ... ");
        ClusterFactory.bootstrapSql(dir, user, password == null ? null : ClusterFactory.scramVerifier(password), err);
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

    private static boolean isUtf8(String name) {
        String n = name.toUpperCase(java.util.Locale.ROOT).replace("-", "").replace("_", "");
        return n.equals("UTF8") || n.equals("UNICODE");
    }

    /**
     * The lc_* settings, each from its --lc-* option, else --locale, else the environment (LC_ALL,
     * the variable of the category, LANG), else C; null after "invalid locale name" when the
     * system does not know one (as initdb checks them with setlocale).
     */
    Map<String, String> locales(PrintStream err) {
        String base = noLocale ? "C" : locale;
        Map<String, String> given = new java.util.LinkedHashMap<>();
        given.put("lc_collate", lcCollate);
        given.put("lc_ctype", lcCtype);
        given.put("lc_messages", lcMessages);
        given.put("lc_monetary", lcMonetary);
        given.put("lc_numeric", lcNumeric);
        given.put("lc_time", lcTime);
        Map<String, String> env = System.getenv();
        Set<String> known = installedLocales();
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, String> e : given.entrySet()) {
            String v = e.getValue() != null ? e.getValue() : base;
            if (v == null) {
                v = firstNonEmpty(env.get("LC_ALL"), env.get(e.getKey().toUpperCase(java.util.Locale.ROOT)),
                        env.get("LANG"), "C");
            }
            if (!known.isEmpty() && !known.contains(normalizeLocale(v))) {
                err.printf("initdb: error: invalid locale name \"%s\"%n", v);
                return null;
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    private static String firstNonEmpty(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return "C";
    }

    /** locale -a's spelling: "en_US.UTF-8" is listed as "en_US.utf8". */
    static String normalizeLocale(String name) {
        int dot = name.indexOf('.');
        if (dot < 0) {
            return name;
        }
        String codeset = name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT).replace("-", "");
        return name.substring(0, dot) + "." + codeset;
    }

    /** The locales the system has ({@code locale -a}), normalized; empty when that cannot be run. */
    private static Set<String> installedLocales() {
        try {
            Process p = new ProcessBuilder("locale", "-a").redirectErrorStream(false).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            Set<String> out = new java.util.HashSet<>(List.of("C", "POSIX"));
            text.lines().map(String::strip).map(InitdbCommand::normalizeLocale).forEach(out::add);
            return out;
        } catch (IOException e) {
            return Set.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Set.of();
        }
    }

    /** --pwprompt: "Enter new superuser password:" twice, from the terminal (or standard input without one). */
    private static String promptPassword(PrintStream out, PrintStream err) throws IOException {
        String first = PasswordPrompt.read("Enter new superuser password: ", out);
        String second = PasswordPrompt.read("Enter it again: ", out);
        if (first == null || !first.equals(second)) {
            err.println("initdb: error: passwords didn't match");
            return null;
        }
        if (first.isEmpty()) {
            err.println("initdb: error: password must not be empty");
            return null;
        }
        return first;
    }

    /**
     * -X: creates the WAL directory (an existing one must be empty) and makes DATA/pg_wal a
     * symbolic link to it, as initdb does.
     */
    private boolean createWalDirectory(Path dir, PrintStream out, PrintStream err) throws IOException {
        if (walDir == null) {
            Files.createDirectories(dir.resolve("pg_wal/archive_status"));
            return true;
        }
        Path target = walDir.normalize();
        if (Files.exists(target)) {
            try (Stream<Path> entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    err.printf("initdb: error: directory \"%s\" exists but is not empty%n", target);
                    err.println("initdb: hint: If you want to store the WAL there, either remove or empty the "
                            + "directory \"" + target + "\".");
                    return false;
                }
            }
            out.print("fixing permissions on existing directory " + target + " ... ");
        } else {
            out.print("creating directory " + target + " ... ");
            Files.createDirectories(target);
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
                allowGroupAccess ? "rwxr-x---" : "rwx------"));
        out.println("ok");
        Files.createSymbolicLink(dir.resolve("pg_wal"), target);
        Files.createDirectories(target.resolve("archive_status"));
        return true;
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

    /**
     * Creates {@code dir} (0700, or 0750 with group access) or takes an existing empty one;
     * refuses a non-empty one as initdb does. pg_wal is left to {@link #createWalDirectory}.
     */
    static boolean createDataDirectory(Path dir, boolean groupAccess, PrintStream out, PrintStream err)
            throws IOException {
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
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(groupAccess ? "rwxr-x---" : "rwx------"));
        out.println("ok");
        out.print("creating subdirectories ... ");
        for (String sub : List.of("global", "base", "pg_replslot", "pg_tblspc",
                "pg_stat", "pg_stat_tmp", "pg_logical", "pg_snapshots", "pg_twophase", "pg_notify", "pg_serial",
                "pg_subtrans", "pg_commit_ts", "pg_multixact", "pg_xact", "pg_dynshmem", "log")) {
            Files.createDirectories(dir.resolve(sub));
        }
        out.println("ok");
        return true;
    }

    static void writeConfigFiles(Path dir, String localAuth, String hostAuth, String timezone,
                                 Map<String, String> locales) throws IOException {
        Files.writeString(dir.resolve("PG_VERSION"), PG_VERSION + "\n");
        String conf = ConfTemplates.postgresqlConf(5432, 100, timezone);
        for (String lc : List.of("lc_messages", "lc_monetary", "lc_numeric", "lc_time")) {
            conf = conf.replace(lc + " = 'C'", lc + " = '" + locales.get(lc) + "'");
        }
        Files.writeString(dir.resolve("postgresql.conf"), conf);
        Files.writeString(dir.resolve(AutoConfFile.FILE_NAME), AutoConfFile.HEADER);
        Files.writeString(dir.resolve("pg_hba.conf"), ConfTemplates.pgHbaConf(localAuth, hostAuth));
        Files.writeString(dir.resolve("pg_ident.conf"), "# Walden User Name Maps\n# MAPNAME       SYSTEM-USERNAME"
                + "         PG-USERNAME\n");
        for (String f : List.of("postgresql.conf", AutoConfFile.FILE_NAME, "pg_hba.conf", "pg_ident.conf",
                "PG_VERSION")) {
            DataDirectoryMode.restrict(dir.resolve(f), dir);
        }
    }
}
