package org.walden.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.walden.server.config.PostmasterPidFile;
import org.walden.wal.DbState;
import org.walden.server.config.RecoveryMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden ctl}: pg_ctl's start, stop, restart, reload, status and promote, with its
 * messages and exit codes (status: 0 running, 3 not running, 4 no data directory). Signals, as
 * the postmaster handles them: stop -m smart SIGTERM, fast SIGINT, immediate SIGUSR2 (where
 * pg_ctl sends SIGQUIT, which the JVM keeps for itself); reload SIGHUP; promote writes
 * promote.signal and sends SIGUSR1, as pg_ctl does; logrotate writes DATA/logrotate and sends
 * SIGUSR1; {@code kill SIGNALNAME PID} signals any process (QUIT is sent as USR2).
 */
@Command(versionProvider = ToolOptions.Version.class, name = "ctl", description = "initialize, start, stop, or control a Walden server", sortOptions = false)
final class CtlCommand implements Callable<Integer> {

    @Mixin
    ToolOptions toolOptions;

    /** pg_ctl's default -t. */
    static final int DEFAULT_WAIT_SECONDS = 60;
    static final long POLL_INTERVAL_MS = 100;
    /** pg_ctl promote polls pg_control this often (a promotion takes tens of milliseconds). */
    static final long PROMOTE_POLL_INTERVAL_MS = 5;

    @ParentCommand
    Main main;

    @Parameters(index = "0", description = "start, stop, restart, reload, status, promote, logrotate or kill")
    String action;

    /** kill's SIGNALNAME and PID. */
    @Parameters(index = "1..*", arity = "0..*", hidden = true)
    List<String> actionArgs = new ArrayList<>();

    @Option(names = {"-D", "--pgdata"}, description = "location of the database storage area")
    Path dataDir;

    @Option(names = {"-l", "--log"}, description = "write (or append) server log to FILENAME")
    Path logFile;

    @Option(names = {"-m", "--mode"}, defaultValue = "fast", description = "smart, fast or immediate")
    String mode;

    @Option(names = {"-w", "--wait"}, description = "wait until operation completes (default)")
    boolean waitFlag;

    @Option(names = {"-W", "--no-wait"}, description = "do not wait until operation completes")
    boolean noWait;

    @Option(names = {"-t", "--timeout"}, defaultValue = "60", description = "seconds to wait when using -w option")
    int timeoutSeconds;

    @Option(names = {"-o", "--options"}, description = "command line options to pass to postgres")
    List<String> serverOptions = new ArrayList<>();

    @Option(names = {"-s", "--silent"}, description = "only print errors, no informational messages")
    boolean silent;

    private PrintStream out;
    private PrintStream err;

    @Override
    public Integer call() throws Exception {
        out = silent ? new PrintStream(PrintStream.nullOutputStream()) : main.out;
        err = main.err;
        if (action.equals("kill")) {
            return kill();
        }
        if (dataDir == null) {
            String env = System.getenv("PGDATA");
            if (env == null) {
                err.println("pg_ctl: no database directory specified and environment variable PGDATA unset");
                err.println("Try \"walden ctl --help\" for more information.");
                return 1;
            }
            dataDir = Path.of(env);
        }
        dataDir = dataDir.toAbsolutePath().normalize();
        String m = mode.toLowerCase(java.util.Locale.ROOT);
        if (!m.equals("smart") && !m.equals("fast") && !m.equals("immediate") && !"smart".startsWith(m)
                && !"fast".startsWith(m) && !"immediate".startsWith(m)) {
            err.printf("pg_ctl: unrecognized shutdown mode \"%s\"%n", mode);
            return 1;
        }
        return switch (action) {
            case "start" -> start();
            case "stop" -> stop();
            case "restart" -> restart();
            case "reload" -> reload();
            case "status" -> status();
            case "promote" -> promote();
            case "logrotate" -> logrotate();
            default -> {
                err.printf("pg_ctl: unrecognized operation mode \"%s\"%n", action);
                err.println("Try \"walden ctl --help\" for more information.");
                yield 1;
            }
        };
    }

    private boolean waiting() {
        return !noWait;
    }

    private String signalForMode() {
        String m = mode.toLowerCase(java.util.Locale.ROOT);
        if ("smart".startsWith(m)) {
            return "TERM";
        }
        if ("immediate".startsWith(m)) {
            return "USR2";
        }
        return "INT";
    }

    private Optional<PostmasterPidFile> runningServer() {
        return PostmasterPidFile.read(dataDir).filter(p -> ServerLauncher.isAlive(p.pid()));
    }

    int start() throws IOException, InterruptedException {
        Optional<PostmasterPidFile> existing = PostmasterPidFile.read(dataDir);
        if (existing.isPresent() && ServerLauncher.isAlive(existing.get().pid())) {
            err.println("pg_ctl: another server might be running; trying to start server anyway");
        }
        if (!Files.isDirectory(dataDir)) {
            err.printf("pg_ctl: directory \"%s\" does not exist%n", dataDir);
            return 1;
        }
        if (logFile != null) {
            logFile = logFile.toAbsolutePath();
        }
        Process child = ServerLauncher.launch(dataDir, splitAll(serverOptions), logFile);
        if (!waiting()) {
            out.println("server starting");
            return 0;
        }
        out.print("waiting for server to start...");
        out.flush();
        return waitForStart(child) ? 0 : 1;
    }

    /** pg_ctl's wait_for_postmaster_start: until postmaster.pid of our child says ready or standby. */
    private boolean waitForStart(Process child) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        long nextDot = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<PostmasterPidFile> pid = PostmasterPidFile.read(dataDir);
            if (pid.isPresent() && pid.get().pid() == child.pid() && pid.get().acceptingConnections()) {
                out.println(" done");
                out.println("server started");
                return true;
            }
            if (!child.isAlive()) {
                out.println(" stopped waiting");
                err.println("pg_ctl: could not start server");
                err.println("Examine the log output.");
                lastFatalLine().ifPresent(err::println);
                return false;
            }
            Thread.sleep(POLL_INTERVAL_MS);
            if (System.nanoTime() >= nextDot) {
                out.print(".");
                out.flush();
                nextDot += 1_000_000_000L;
            }
        }
        out.println(" stopped waiting");
        err.println("pg_ctl: server did not start in time");
        return false;
    }

    /** The last FATAL (or PANIC) line of the -l log file, if any. */
    private Optional<String> lastFatalLine() throws IOException {
        if (logFile == null || !Files.exists(logFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).contains("FATAL:  ") || lines.get(i).contains("PANIC:  ")) {
                return Optional.of(lines.get(i));
            }
        }
        return Optional.empty();
    }

    int stop() throws InterruptedException {
        Optional<PostmasterPidFile> pid = PostmasterPidFile.read(dataDir);
        if (pid.isEmpty()) {
            err.printf("pg_ctl: PID file \"%s\" does not exist%n", dataDir.resolve(PostmasterPidFile.FILE_NAME));
            err.println("Is server running?");
            return 1;
        }
        long p = pid.get().pid();
        if (!ServerLauncher.isAlive(p)) {
            err.printf("pg_ctl: could not send stop signal (PID: %d): No such process%n", p);
            return 1;
        }
        String sig = signalForMode();
        if (!ServerLauncher.signal(p, sig)) {
            err.printf("pg_ctl: could not send stop signal (PID: %d)%n", p);
            return 1;
        }
        if (!waiting()) {
            out.println("server shutting down");
            return 0;
        }
        out.print("waiting for server to shut down...");
        out.flush();
        if (!waitForStop(p)) {
            out.println(" failed");
            err.println("pg_ctl: server does not shut down");
            return 1;
        }
        out.println(" done");
        out.println("server stopped");
        return 0;
    }

    /** Until postmaster.pid is gone (or the process is: then the stale file is removed). */
    private boolean waitForStop(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        long nextDot = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<PostmasterPidFile> current = PostmasterPidFile.read(dataDir);
            boolean alive = ServerLauncher.isAlive(pid);
            if (current.isEmpty() || current.get().pid() != pid) {
                return true;
            }
            if (!alive) {
                PostmasterPidFile.remove(dataDir);
                return true;
            }
            Thread.sleep(POLL_INTERVAL_MS);
            if (System.nanoTime() >= nextDot) {
                out.print(".");
                out.flush();
                nextDot += 1_000_000_000L;
            }
        }
        return false;
    }

    int restart() throws IOException, InterruptedException {
        Optional<PostmasterPidFile> pid = runningServer();
        if (serverOptions.isEmpty()) {
            serverOptions = previousOptions();
        }
        if (pid.isPresent()) {
            int stopped = stop();
            if (stopped != 0) {
                return stopped;
            }
        } else {
            err.printf("pg_ctl: PID file \"%s\" does not exist%n", dataDir.resolve(PostmasterPidFile.FILE_NAME));
            err.println("Is server running?");
            err.println("trying to start server anyway");
        }
        return start();
    }

    private List<String> previousOptions() throws IOException {
        return previousOptions(dataDir);
    }

    /** The options of the last start, from postmaster.opts (everything after -D DIR). */
    static List<String> previousOptions(Path dataDir) throws IOException {
        Path opts = dataDir.resolve("postmaster.opts");
        if (!Files.exists(opts)) {
            return new ArrayList<>();
        }
        List<String> words = splitOptions(Files.readString(opts).trim());
        int d = words.indexOf("-D");
        List<String> rest = d >= 0 && d + 2 <= words.size() ? words.subList(d + 2, words.size()) : List.of();
        return new ArrayList<>(List.of(String.join(" ", rest.stream().map(CtlCommand::quote).toList())));
    }

    int reload() {
        Optional<PostmasterPidFile> pid = runningServer();
        if (pid.isEmpty()) {
            err.printf("pg_ctl: PID file \"%s\" does not exist%n", dataDir.resolve(PostmasterPidFile.FILE_NAME));
            err.println("Is server running?");
            return 1;
        }
        if (!ServerLauncher.signal(pid.get().pid(), "HUP")) {
            err.printf("pg_ctl: could not send reload signal (PID: %d)%n", pid.get().pid());
            return 1;
        }
        out.println("server signaled");
        return 0;
    }

    int status() throws IOException {
        if (!Files.isDirectory(dataDir) || !Files.exists(dataDir.resolve("PG_VERSION"))) {
            err.printf("pg_ctl: directory \"%s\" is not a database cluster directory%n", dataDir);
            return 4;
        }
        Optional<PostmasterPidFile> pid = runningServer();
        if (pid.isEmpty()) {
            main.out.println("pg_ctl: no server running");
            return 3;
        }
        main.out.printf("pg_ctl: server is running (PID: %d)%n", pid.get().pid());
        Path opts = dataDir.resolve("postmaster.opts");
        if (Files.exists(opts)) {
            main.out.println(Files.readString(opts).trim());
        }
        return 0;
    }

    /** The cluster state pg_control holds now (null when it cannot be read). */
    private DbState controlState() {
        try {
            return ClusterFactory.readControlFile(dataDir).state();
        } catch (RuntimeException e) {
            return null;
        }
    }

    int promote() throws IOException, InterruptedException {
        Optional<PostmasterPidFile> pid = runningServer();
        if (pid.isEmpty()) {
            err.printf("pg_ctl: PID file \"%s\" does not exist%n", dataDir.resolve(PostmasterPidFile.FILE_NAME));
            err.println("Is server running?");
            return 1;
        }
        if (controlState() != DbState.IN_ARCHIVE_RECOVERY) {
            err.println("pg_ctl: cannot promote server; server is not in standby mode");
            return 1;
        }
        Files.writeString(dataDir.resolve(RecoveryMode.PROMOTE_SIGNAL), "");
        if (!ServerLauncher.signal(pid.get().pid(), "USR1")) {
            err.printf("pg_ctl: could not send promote signal (PID: %d)%n", pid.get().pid());
            Files.deleteIfExists(dataDir.resolve(RecoveryMode.PROMOTE_SIGNAL));
            return 1;
        }
        if (!waiting()) {
            out.println("server promoting");
            return 0;
        }
        out.print("waiting for server to promote...");
        out.flush();
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        long nextDot = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            // pg_control says "in production" and postmaster.pid "ready" once writes are accepted
            Optional<PostmasterPidFile> now = PostmasterPidFile.read(dataDir);
            if (controlState() == DbState.IN_PRODUCTION && now.isPresent()
                    && now.get().status().trim().equals(PostmasterPidFile.READY.trim())) {
                out.println(" done");
                out.println("server promoted");
                return 0;
            }
            if (System.nanoTime() - nextDot >= 0) {
                out.print(".");
                out.flush();
                nextDot += 1_000_000_000L;
            }
            Thread.sleep(PROMOTE_POLL_INTERVAL_MS);
        }
        out.println(" stopped waiting");
        err.println("pg_ctl: server did not promote in time");
        return 1;
    }

    /** pg_ctl's signal names; QUIT is sent as USR2 (the JVM keeps SIGQUIT; the server's immediate shutdown). */
    private static final List<String> KILL_SIGNALS = List.of("ABRT", "HUP", "INT", "KILL", "QUIT", "TERM", "USR1",
            "USR2");

    /** pg_ctl kill SIGNALNAME PID: sends the signal to any process, no data directory needed. */
    int kill() {
        if (actionArgs.size() != 2) {
            err.println(actionArgs.isEmpty() ? "pg_ctl: missing arguments for kill mode"
                    : "pg_ctl: too many command-line arguments (first is \"" + actionArgs.get(0) + "\")");
            err.println("Try \"walden ctl --help\" for more information.");
            return 1;
        }
        String name = actionArgs.get(0).toUpperCase(java.util.Locale.ROOT).replaceFirst("^SIG", "");
        if (!KILL_SIGNALS.contains(name)) {
            err.printf("pg_ctl: unrecognized signal name \"%s\"%n", actionArgs.get(0));
            err.println("Try \"walden ctl --help\" for more information.");
            return 1;
        }
        long pid;
        try {
            pid = Long.parseLong(actionArgs.get(1));
        } catch (NumberFormatException e) {
            err.printf("pg_ctl: invalid process ID \"%s\"%n", actionArgs.get(1));
            return 1;
        }
        if (!ServerLauncher.signal(pid, name.equals("QUIT") ? "USR2" : name)) {
            err.printf("pg_ctl: could not send signal %s (PID: %d): No such process%n", actionArgs.get(0), pid);
            return 1;
        }
        return 0;
    }

    /** pg_ctl logrotate: DATA/logrotate, then SIGUSR1; the server's logging collector starts a new file. */
    int logrotate() throws IOException {
        Optional<PostmasterPidFile> pid = runningServer();
        if (pid.isEmpty()) {
            err.printf("pg_ctl: PID file \"%s\" does not exist%n", dataDir.resolve(PostmasterPidFile.FILE_NAME));
            err.println("Is server running?");
            return 1;
        }
        Path signalFile = dataDir.resolve(LOGROTATE_SIGNAL);
        Files.writeString(signalFile, "");
        if (!ServerLauncher.signal(pid.get().pid(), "USR1")) {
            err.printf("pg_ctl: could not send log rotation signal (PID: %d)%n", pid.get().pid());
            Files.deleteIfExists(signalFile);
            return 1;
        }
        out.println("server signaled to rotate log file");
        return 0;
    }

    /** The file pg_ctl logrotate leaves for the postmaster (PostgreSQL's LOGROTATE_SIGNAL_FILE). */
    static final String LOGROTATE_SIGNAL = "logrotate";

    private static List<String> splitAll(List<String> optionStrings) {
        List<String> all = new ArrayList<>();
        for (String s : optionStrings) {
            all.addAll(splitOptions(s));
        }
        return all;
    }

    /** Splits -o's string as a shell would: spaces separate, quotes (single or double) group. */
    static List<String> splitOptions(String s) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < s.length()) {
                    cur.append(s.charAt(++i));
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else if (c == '\\' && i + 1 < s.length()) {
                cur.append(s.charAt(++i));
                inWord = true;
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(cur.toString());
        }
        return words;
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
