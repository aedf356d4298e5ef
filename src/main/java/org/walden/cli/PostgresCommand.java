package org.walden.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import org.walden.common.DataDirectoryMode;
import org.walden.common.PgException;
import org.walden.common.guc.GucServerSettings;
import org.walden.ha.HaAgent;
import org.walden.ha.Rejoin;
import org.walden.server.Supervisor;
import org.walden.server.config.PostmasterPidFile;
import org.walden.server.config.RecoveryMode;
import org.walden.server.logging.PgLevel;
import org.walden.server.logging.PgLog;
import org.walden.server.logging.PgLogging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Unmatched;

/**
 * {@code walden postgres -D DIR [-c name=value] [--name=value] [-p PORT]} (also {@code walden server}): the
 * server in the foreground, as PostgreSQL's postgres program. Reads the settings (refusing to
 * start on a broken file), sets up the log, checks postmaster.pid (refusing if a live server
 * holds it), writes postmaster.opts, and starts the server through {@link ClusterFactory}. The
 * postmaster owns postmaster.pid and the signals: SIGTERM smart shutdown, SIGINT fast, SIGUSR2
 * immediate (the JVM keeps SIGQUIT), SIGHUP reload, SIGUSR1 promote.
 */
@Command(versionProvider = ToolOptions.Version.class, name = "postgres", aliases = "server", description = "run the Walden server in the foreground")
final class PostgresCommand implements Callable<Integer> {

    @Mixin
    ToolOptions toolOptions;

    @ParentCommand
    Main main;

    @Option(names = {"-D"}, description = "database directory (default: $PGDATA)")
    Path dataDir;

    /** PostgreSQL's "--name=value" form of -c (pg_ctl -o "--cluster-name=x"). */
    @Unmatched
    List<String> longSettings = new java.util.ArrayList<>();

    @Option(names = {"-c"}, description = "set run-time parameter NAME=VALUE")
    List<String> options = List.of();

    @Option(names = {"-p"}, description = "port number to listen on")
    Integer port;

    @Option(names = {"-k"}, description = "Unix-domain socket location")
    String socketDir;

    @Option(names = {"-h"}, description = "host name or IP address to listen on")
    String listenAddresses;

    @Override
    public Integer call() throws Exception {
        PrintStream err = main.err;
        if (dataDir == null) {
            String pgdata = System.getenv("PGDATA");
            if (pgdata == null || pgdata.isEmpty()) {
                err.println("postgres does not know where to find the server configuration file.");
                err.println("You must specify the --config-file or -D invocation option or set the PGDATA environment "
                        + "variable.");
                return 2;
            }
            dataDir = Path.of(pgdata);
        }
        Path dir = dataDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            err.printf("postgres: could not access directory \"%s\": No such file or directory%n", dir);
            err.println("Run initdb or pg_basebackup to initialize a PostgreSQL data directory.");
            return 1;
        }
        if (!Files.exists(dir.resolve("PG_VERSION"))) {
            err.printf("postgres: \"%s\" is not a valid data directory%n", dir);
            err.printf("File \"%s\" is missing.%n", dir.resolve("PG_VERSION"));
            return 1;
        }
        Map<String, String> commandLine = commandLineSettings(err);
        if (commandLine == null) {
            return 1;
        }
        PgLogging.configureBootstrap();
        GucServerSettings settings;
        try {
            settings = GucServerSettings.load(dir, commandLine);
            DataDirectoryMode.checkDataDir(dir);
        } catch (PgException e) {
            PgLog.report(e, null);
            return 1;
        }
        if (!DataDirectoryMode.applyUmask(dir)) {
            PgLog.warning("could not set the process umask: new files get the mode the caller's umask gives them");
        }
        if (!checkLockFile(dir)) {
            return 1;
        }
        Clock clock = Clock.systemUTC();
        PgLogging.configure(settings, dir, clock);
        writeOpts(dir);
        return runServer(dir, settings, clock, commandLine);
    }

    /** -c name=value, -p, -k, -h as settings; null (after a message) for a malformed -c. */
    Map<String, String> commandLineSettings(PrintStream err) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String option : options) {
            int eq = option.indexOf('=');
            if (eq <= 0) {
                err.printf("postgres: -c %s requires a value%n", option);
                return null;
            }
            settings.put(option.substring(0, eq).trim().replace('-', '_'), option.substring(eq + 1));
        }
        for (String arg : longSettings) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 3) {
                err.printf("postgres: invalid argument: \"%s\"%n", arg);
                err.println("Try \"walden postgres --help\" for more information.");
                return null;
            }
            settings.put(arg.substring(2, eq).replace('-', '_'), arg.substring(eq + 1));
        }
        if (port != null) {
            settings.put("port", port.toString());
        }
        if (socketDir != null) {
            settings.put("unix_socket_directories", socketDir);
        }
        if (listenAddresses != null) {
            settings.put("listen_addresses", listenAddresses);
        }
        return settings;
    }

    /**
     * Starts the server and waits for its end. With automatic failover (walden.ha_coordinator)
     * the node first rejoins the lease holder if another node leads ({@link Rejoin}), its agent
     * runs beside it, and a server that demoted itself is rejoined and started again as a
     * standby, in this process — unless ctl stop reached it meanwhile. Each server's settings get
     * the logging reload listener (a reload after the restart reconfigures the log too).
     */
    private int runServer(Path dir, GucServerSettings settings, Clock clock, Map<String, String> commandLine)
            throws InterruptedException {
        boolean ha = !settings.getString(Supervisor.HA_COORDINATOR).isBlank();
        GucServerSettings current = settings;
        boolean rewind = false;
        while (true) {
            Supervisor server;
            try {
                if (ha) {
                    Rejoin.prepare(dir, current, rewind, main.err);
                    if (Supervisor.stopSignalled()) {
                        return 0; // ctl stop while this node rejoined: it stays stopped
                    }
                    current = GucServerSettings.load(dir, commandLine); // primary_conninfo may have changed
                    PgLogging.configure(current, dir, clock);
                }
                GucServerSettings reloaded = current;
                reloaded.addReloadListener(() -> PgLogging.configure(reloaded, dir, clock));
                server = ClusterFactory.startPostmaster(dir, current, RecoveryMode.of(dir, current), clock);
            } catch (PgException e) {
                PgLog.report(e, null);
                return 1;
            } catch (IOException | RuntimeException e) {
                PgLog.at(PgLevel.FATAL).message("could not start the server: %s", String.valueOf(e.getMessage())).log();
                LoggerFactory.getLogger(PostgresCommand.class).error("start-up failure", e);
                return 1;
            }
            try (HaAgent agent = HaAgent.startIfConfigured(server)) {
                int code = server.awaitTermination();
                if (agent == null || !(agent.demoted() || agent.reinitWanted() || agent.rewindWanted())
                        || Supervisor.stopSignalled()) {
                    return code; // an operator's stop during the demotion keeps the server stopped
                }
                rewind = agent.rewindWanted();
            }
            PgLog.log("automatic failover: restarting as a standby");
        }
    }

    /**
     * PostgreSQL's CreateLockFile check, before anything touches the data directory: a
     * postmaster.pid naming another live process refuses the start (the postmaster itself
     * writes the file).
     */
    private static boolean checkLockFile(Path dir) {
        Optional<PostmasterPidFile> existing = PostmasterPidFile.read(dir);
        long me = ProcessHandle.current().pid();
        if (existing.isPresent() && existing.get().pid() != me
                && ProcessHandle.of(existing.get().pid()).map(ProcessHandle::isAlive).orElse(false)) {
            PgLog.at(PgLevel.FATAL)
                    .message("lock file \"%s\" already exists", PostmasterPidFile.FILE_NAME)
                    .hint("Is another postmaster (PID " + existing.get().pid() + ") running in data directory \""
                            + dir + "\"?").log();
            return false;
        }
        return true;
    }

    /** DATA/postmaster.opts: the command line, which {@code ctl status} prints and {@code ctl restart} reuses. */
    private void writeOpts(Path dir) throws IOException {
        StringBuilder line = new StringBuilder("walden postgres \"-D\" \"" + dir + "\"");
        for (String o : options) {
            line.append(" \"-c\" \"").append(o).append('"');
        }
        for (String o : longSettings) {
            line.append(" \"").append(o).append('"');
        }
        if (port != null) {
            line.append(" \"-p\" \"").append(port).append('"');
        }
        if (socketDir != null) {
            line.append(" \"-k\" \"").append(socketDir).append('"');
        }
        if (listenAddresses != null) {
            line.append(" \"-h\" \"").append(listenAddresses).append('"');
        }
        Files.writeString(dir.resolve("postmaster.opts"), line + "\n");
    }
}
