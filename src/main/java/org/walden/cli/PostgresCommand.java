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
import org.walden.common.PgException;
import org.walden.common.guc.GucServerSettings;
import org.walden.common.guc.GucValues;
import org.walden.server.config.PostmasterPidFile;
import org.walden.server.config.RecoveryMode;
import org.walden.server.logging.PgLog;
import org.walden.server.logging.PgLogging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden postgres -D DIR [-c name=value] [-p PORT]} (also {@code walden server}): the
 * server in the foreground, as PostgreSQL's postgres program. Reads the settings (refusing to
 * start on a broken file), sets up the log, takes postmaster.pid (refusing if a live server
 * holds it), writes postmaster.opts, starts the postmaster through {@link ClusterFactory}, and
 * turns signals into its requests: SIGTERM smart shutdown, SIGINT fast shutdown, SIGHUP reload,
 * SIGUSR2 promote. (SIGQUIT belongs to the JVM; ctl's immediate mode sends SIGKILL.)
 */
@Command(name = "postgres", aliases = "server", description = "run the Walden server in the foreground")
final class PostgresCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = {"-D"}, required = true, description = "database directory")
    Path dataDir;

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
        } catch (PgException e) {
            PgLog.report(e, null);
            return 1;
        }
        Clock clock = Clock.systemUTC();
        PgLogging.configure(settings, dir, clock);
        settings.addReloadListener(() -> PgLogging.configure(settings, dir, clock));
        if (!takeLockFile(dir, settings, clock)) {
            return 1;
        }
        writeOpts(dir);
        try {
            return runServer(dir, settings, clock);
        } finally {
            removeOwnLockFile(dir);
        }
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

    private int runServer(Path dir, GucServerSettings settings, Clock clock) throws InterruptedException {
        ClusterFactory.RunningServer server;
        try {
            server = ClusterFactory.startPostmaster(dir, settings, RecoveryMode.of(dir, settings), clock);
        } catch (PgException e) {
            PgLog.report(e, null);
            return 1;
        }
        Signals.install(server);
        return server.awaitTermination();
    }

    /**
     * PostgreSQL's CreateLockFile: a postmaster.pid naming a live process refuses the start;
     * a stale one is replaced. Writes status "starting"; the postmaster sets "ready" later.
     */
    private static boolean takeLockFile(Path dir, GucServerSettings settings, Clock clock) {
        Optional<PostmasterPidFile> existing = PostmasterPidFile.read(dir);
        long me = ProcessHandle.current().pid();
        if (existing.isPresent() && existing.get().pid() != me
                && ProcessHandle.of(existing.get().pid()).map(ProcessHandle::isAlive).orElse(false)) {
            PgLog.at(org.walden.server.logging.PgLevel.FATAL)
                    .message("lock file \"%s\" already exists", PostmasterPidFile.FILE_NAME)
                    .hint("Is another postmaster (PID " + existing.get().pid() + ") running in data directory \""
                            + dir + "\"?").log();
            return false;
        }
        List<String> sockets = GucValues.splitList(settings.getString("unix_socket_directories"));
        List<String> listen = GucValues.splitList(settings.getString("listen_addresses"));
        new PostmasterPidFile(me, dir, clock.instant().getEpochSecond(), settings.getInt("port"),
                sockets.isEmpty() ? "" : settings.getString("unix_socket_directories").split(",")[0].trim(),
                listen.isEmpty() ? "" : listen.get(0), PostmasterPidFile.STARTING).write();
        return true;
    }

    private static void removeOwnLockFile(Path dir) {
        Optional<PostmasterPidFile> pid = PostmasterPidFile.read(dir);
        if (pid.isPresent() && pid.get().pid() == ProcessHandle.current().pid()) {
            PostmasterPidFile.remove(dir);
        }
    }

    /** DATA/postmaster.opts: the command line, which {@code ctl status} prints and {@code ctl restart} reuses. */
    private void writeOpts(Path dir) throws IOException {
        StringBuilder line = new StringBuilder("walden postgres \"-D\" \"" + dir + "\"");
        for (String o : options) {
            line.append(" \"-c\" \"").append(o).append('"');
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
