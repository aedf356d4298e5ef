package org.walden.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.walden.common.PgException;
import org.walden.ha.HandOver;
import org.walden.protocol.ConnInfo;
import org.walden.protocol.PgClient;
import org.walden.protocol.QueryResult;
import org.walden.server.config.PostmasterPidFile;
import org.walden.server.config.RecoveryMode;
import org.walden.wal.ControlFile;
import org.walden.wal.Lsn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden switchover}: seed 002's switchover (section 四) as one command that either
 * completes or leaves the primary as it was.
 *
 * <p>Life story: it finds the primary running in {@code -D} and the candidate (the one given,
 * else the synchronous standby, else the one that has replayed most, found by the address its
 * walreceiver reported); pauses writes on the primary with walden_pause_writes(), so new
 * transactions get 25006 while running ones finish (or are ended after {@code --wait}; the pause
 * and the wait below are {@link HandOver}'s, the same as walden ha switchover's); waits
 * until the candidate has replayed the primary's last position; stops the primary (fast), whose
 * walsender hands the shutdown checkpoint to the candidate; checks that the candidate received
 * it; promotes the candidate; restarts the old primary as its standby (standby.signal and
 * primary_conninfo in postgresql.auto.conf), waits until it streams, and prints the new
 * primary's pg_stat_replication. Up to the promotion every failure rolls back: writes resume, or
 * the stopped primary is started again as it was. After the promotion request there is no way
 * back (a promotion cannot be cancelled), so a failure then leaves the old primary stopped and
 * says so: two primaries are never left running.
 */
@Command(versionProvider = ToolOptions.Version.class, name = "switchover", description = "hand the primary role to a standby, and make the old primary its standby",
        sortOptions = false)
final class SwitchoverCommand implements Callable<Integer> {

    private static final String PROG = "switchover: ";
    private static final long POLL_MS = 20;

    @ParentCommand
    Main main;

    @Option(names = {"-D", "--pgdata"}, paramLabel = "DATADIR", description = "the running primary's data directory")
    Path dataDir;

    @Option(names = "--candidate", paramLabel = "CONNSTR", description = "the standby to promote (default: the "
            + "synchronous standby, else the one with the highest replay position)")
    String candidateConninfo;

    @Mixin
    HandOverOptions limits;

    @Option(names = {"-U", "--username"}, paramLabel = "NAME", description = "superuser to connect as")
    String userName;

    @Option(names = {"-l", "--log"}, paramLabel = "FILENAME", description = "server log of the old primary once "
            + "restarted as a standby (default: DATADIR/log/switchover.log)")
    Path logFile;

    @Mixin
    ToolOptions toolOptions;

    private PrintStream out;

    /** A failure that is reported in one line; the caller has rolled back what it could. */
    private static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    private record Standby(String name, String conninfo, String syncState, Lsn replay) {
    }

    @Override
    public Integer call() throws Exception {
        out = main.out;
        if (dataDir == null) {
            String env = System.getenv("PGDATA");
            if (env == null) {
                main.err.println(PROG + "error: no data directory specified (-D) and environment variable PGDATA unset");
                return 1;
            }
            dataDir = Path.of(env);
        }
        dataDir = dataDir.toAbsolutePath().normalize();
        if (userName == null) {
            userName = System.getenv().getOrDefault("PGUSER", System.getProperty("user.name"));
        }
        if (logFile == null) {
            logFile = dataDir.resolve("log").resolve("switchover.log");
        }
        try {
            switchover();
            return 0;
        } catch (Failure | PgException | IOException e) {
            main.err.println(PROG + "error: " + e.getMessage());
            return 1;
        }
    }

    private void switchover() throws Failure, IOException, InterruptedException {
        PostmasterPidFile pid = PostmasterPidFile.read(dataDir).filter(p -> ServerLauncher.isAlive(p.pid()))
                .orElseThrow(() -> new Failure("no server running in \"" + dataDir + "\""));
        ConnInfo primaryInfo = localConninfo(pid);
        try (PgClient primary = PgClient.connect(primaryInfo)) {
            if (value(primary, "SELECT pg_is_in_recovery()").equals("t")) {
                throw new Failure("the server in \"" + dataDir + "\" is a standby, not a primary");
            }
            Standby candidate = chooseCandidate(primary);
            out.println(PROG + "primary " + dataDir + " (PID " + pid.pid() + "), candidate " + candidate.name()
                    + " (" + candidate.conninfo() + ", " + candidate.syncState() + ")");
            try (PgClient standby = PgClient.connect(ConnInfo.parse(candidate.conninfo()))) {
                if (!"streaming".equals(value(standby, "SELECT status FROM pg_stat_wal_receiver"))) {
                    throw new Failure("the candidate " + candidate.conninfo() + " is not a streaming standby");
                }
                long pausedAt = System.nanoTime();
                pauseUntilReplayed(primary, standby);
                handOver(pid, standby, candidate);
                long outageMs = (System.nanoTime() - pausedAt) / 1_000_000;
                out.println(PROG + "candidate promoted; writes were paused for " + outageMs + " ms");
            }
            restartAsStandby(pid, candidate);
        }
    }

    /** The candidate: the one named, else the synchronous standby, else the one that replayed most. */
    private Standby chooseCandidate(PgClient primary) throws IOException, Failure {
        QueryResult standbys = primary.simpleQuery("SELECT application_name, client_addr, sync_state, replay_lsn, "
                + "walden_standby_address(pid) AS address FROM pg_stat_replication WHERE state = 'streaming'");
        if (candidateConninfo != null) {
            return new Standby("given", withUser(candidateConninfo), "named", Lsn.INVALID);
        }
        Standby best = null;
        for (int i = 0; i < standbys.rows().size(); i++) {
            String address = standbys.get(i, "address");
            if (address == null) {
                continue;
            }
            int colon = address.lastIndexOf(':');
            String host = colon == 0 ? standbys.get(i, "client_addr") : address.substring(0, colon);
            String conninfo = withUser("host=" + host.replace("[", "").replace("]", "") + " port="
                    + address.substring(colon + 1) + " dbname=postgres");
            String replay = standbys.get(i, "replay_lsn");
            Standby s = new Standby(standbys.get(i, "application_name"), conninfo, standbys.get(i, "sync_state"),
                    replay == null ? Lsn.INVALID : Lsn.parse(replay));
            if (best == null || better(s, best)) {
                best = s;
            }
        }
        if (best == null) {
            throw new Failure(standbys.rows().isEmpty() ? "the primary has no streaming standby"
                    : "no streaming standby reported its address; name one with --candidate");
        }
        return best;
    }

    private static boolean better(Standby s, Standby than) {
        boolean sync = s.syncState().equals("sync");
        boolean thanSync = than.syncState().equals("sync");
        if (sync != thanSync) {
            return sync;
        }
        return s.replay().isAfter(than.replay());
    }

    /**
     * Writes paused with walden_pause_writes() until the candidate replayed the last write
     * ({@link HandOver}, shared with walden ha switchover); a failure resumes writes.
     */
    private void pauseUntilReplayed(PgClient primary, PgClient standby) throws Failure, InterruptedException {
        out.println(PROG + "pausing writes (running transactions get " + limits.waitSeconds + " s)");
        HandOver.Primary sql = new HandOver.Primary() {
            @Override
            public Lsn pauseWrites(long waitMs) throws IOException {
                return Lsn.parse(value(primary, "SELECT walden_pause_writes(" + waitMs / 1000 + ")"));
            }

            @Override
            public void resumeWrites() throws IOException {
                primary.simpleQuery("SELECT walden_resume_writes()");
            }
        };
        try {
            Lsn last = HandOver.pauseUntilCaughtUp(sql, l -> "t".equals(value(standby,
                    "SELECT pg_last_wal_replay_lsn() >= '" + l + "'::pg_lsn")), "replay",
                    limits.waitSeconds * 1000L, limits.timeoutSeconds * 1000L, false);
            out.println(PROG + "candidate replayed " + last + "; stopping the primary");
        } catch (HandOver.Failure e) {
            throw e.writesResumed() ? rolledBack(e, "writes resumed on the primary") : new Failure(e.getMessage());
        }
    }

    /**
     * From paused writes (the candidate has replayed the last write) to a promoted candidate: the
     * primary stops, the candidate has its shutdown checkpoint, the candidate is promoted. Up to
     * the promotion request a failure rolls back.
     */
    private void handOver(PostmasterPidFile pid, PgClient standby, Standby candidate)
            throws Failure, IOException, InterruptedException {
        stopPrimary(pid);
        try {
            Lsn checkpoint = ControlFile.read(dataDir.resolve(ControlFile.RELATIVE_PATH)).checkPoint();
            if (!pollUntilTrue(standby, "SELECT pg_last_wal_receive_lsn() > '" + checkpoint + "'::pg_lsn")) {
                throw new Failure("the candidate did not receive the primary's shutdown checkpoint " + checkpoint);
            }
        } catch (Failure | IOException | RuntimeException e) {
            startServer(pid.port());
            throw rolledBack(e, "the old primary was started again");
        }
        out.println(PROG + "promoting " + candidate.name());
        if (!value(standby, "SELECT pg_promote(true, " + limits.timeoutSeconds + ")").equals("t")) {
            throw new Failure("the candidate did not finish its promotion within " + limits.timeoutSeconds
                    + " s; the old primary stays stopped");
        }
    }

    private static Failure rolledBack(Exception cause, String what) {
        return new Failure(cause.getMessage() + "; switchover rolled back: " + what);
    }

    /**
     * pg_ctl stop -m fast: done when postmaster.pid is gone, the last thing a server does before
     * its JVM exits (which may take seconds more while the JIT compiler finishes).
     */
    private void stopPrimary(PostmasterPidFile pid) throws Failure, InterruptedException {
        if (!ServerLauncher.signal(pid.pid(), "INT")) {
            throw new Failure("could not send stop signal (PID: " + pid.pid() + ")");
        }
        long deadline = System.nanoTime() + limits.timeoutSeconds * 1_000_000_000L;
        while (ServerLauncher.isAlive(pid.pid())
                && PostmasterPidFile.read(dataDir).filter(p -> p.pid() == pid.pid()).isPresent()) {
            if (System.nanoTime() > deadline) {
                throw new Failure("the primary did not shut down within " + limits.timeoutSeconds
                        + " s; it is still stopping and the candidate was not promoted");
            }
            Thread.sleep(POLL_MS);
        }
    }

    /** The old primary as the candidate's standby: standby.signal, primary_conninfo, started, streaming. */
    private void restartAsStandby(PostmasterPidFile pid, Standby candidate)
            throws Failure, IOException, InterruptedException {
        out.println(PROG + "restarting the old primary as a standby of " + candidate.name());
        ConnInfo upstream = ConnInfo.parse(candidate.conninfo());
        String primaryConninfo = "host=" + upstream.get("host") + " port=" + upstream.get("port") + " user="
                + userName;
        setAutoConf("primary_conninfo", primaryConninfo);
        Files.writeString(dataDir.resolve(RecoveryMode.STANDBY_SIGNAL), "");
        startServer(pid.port());
        try (PgClient old = PgClient.connect(localConninfo(PostmasterPidFile.read(dataDir).orElseThrow()))) {
            if (!pollUntilTrue(old, "SELECT count(*) = 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'")) {
                throw new Failure("the old primary does not stream from the new one; see " + logFile);
            }
        }
        try (PgClient newPrimary = PgClient.connect(upstream)) {
            // The walreceiver says streaming as soon as it has asked; its walsender catches up first.
            if (!pollUntilTrue(newPrimary, "SELECT count(*) = 0 FROM pg_stat_replication WHERE state <> 'streaming'")) {
                out.println(PROG + "not every standby of " + candidate.name() + " has caught up yet");
            }
            printTable(newPrimary.simpleQuery("SELECT application_name, client_addr, state, sync_state, sent_lsn, "
                    + "replay_lsn FROM pg_stat_replication ORDER BY application_name"));
        }
    }

    /** Starts the server in {@code dataDir} with its last options (postmaster.opts); waits until it accepts connections. */
    private void startServer(int port) throws IOException, InterruptedException, Failure {
        Files.createDirectories(logFile.getParent());
        List<String> options = CtlCommand.splitOptions(String.join(" ", CtlCommand.previousOptions(dataDir)));
        Process child = ServerLauncher.launch(dataDir, options, logFile);
        long deadline = System.nanoTime() + limits.timeoutSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<PostmasterPidFile> p = PostmasterPidFile.read(dataDir);
            if (p.isPresent() && p.get().pid() == child.pid() && p.get().acceptingConnections()) {
                return;
            }
            if (!child.isAlive()) {
                throw new Failure("the server in \"" + dataDir + "\" could not start; see " + logFile);
            }
            Thread.sleep(POLL_MS);
        }
        throw new Failure("the server in \"" + dataDir + "\" did not start within " + limits.timeoutSeconds + " s");
    }

    /** Sets {@code name} in postgresql.auto.conf as ALTER SYSTEM would (replacing an earlier line). */
    private void setAutoConf(String name, String value) throws IOException {
        Path auto = dataDir.resolve("postgresql.auto.conf");
        List<String> lines = new ArrayList<>(Files.exists(auto) ? Files.readAllLines(auto) : List.of());
        lines.removeIf(l -> l.strip().startsWith(name + " ") || l.strip().startsWith(name + "="));
        lines.add(name + " = '" + value.replace("'", "''") + "'");
        Path tmp = dataDir.resolve("postgresql.auto.conf.tmp");
        Files.write(tmp, lines);
        Files.move(tmp, auto, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A conninfo reaching the server of {@code pid}: its socket directory, else its listen address. */
    private ConnInfo localConninfo(PostmasterPidFile pid) {
        String host = pid.socketDir() != null && !pid.socketDir().isBlank() ? pid.socketDir().split(",")[0].strip()
                : pid.listenAddress() == null || pid.listenAddress().isBlank() || pid.listenAddress().equals("*")
                ? "127.0.0.1" : pid.listenAddress().split(",")[0].strip();
        return ConnInfo.parse(withUser("host=" + host + " port=" + pid.port() + " dbname=postgres"));
    }

    private String withUser(String conninfo) {
        ConnInfo info = ConnInfo.parse(conninfo);
        return info.get("user") != null ? conninfo : conninfo + " user=" + userName;
    }

    private boolean pollUntilTrue(PgClient client, String sql) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limits.timeoutSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if ("t".equals(value(client, sql))) {
                return true;
            }
            Thread.sleep(POLL_MS);
        }
        return false;
    }

    private static String value(PgClient client, String sql) throws IOException {
        QueryResult r = client.simpleQuery(sql);
        return r.rows().isEmpty() ? null : r.rows().get(0)[0];
    }

    /** psql's aligned format. */
    private void printTable(QueryResult r) {
        List<String> names = r.columnNames();
        int[] widths = new int[names.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = names.get(c).length();
            for (String[] row : r.rows()) {
                widths[c] = Math.max(widths[c], row[c] == null ? 0 : row[c].length());
            }
        }
        StringBuilder header = new StringBuilder();
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < widths.length; c++) {
            int pad = widths[c] - names.get(c).length();
            header.append(c == 0 ? " " : " | ").append(" ".repeat(pad / 2)).append(names.get(c))
                    .append(" ".repeat(pad - pad / 2));
            rule.append(c == 0 ? "" : "+").append("-".repeat(widths[c] + 2));
        }
        out.println(header.toString().stripTrailing());
        out.println(rule);
        for (String[] row : r.rows()) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < widths.length; c++) {
                String v = row[c] == null ? "" : row[c];
                line.append(c == 0 ? " " : " | ").append(v).append(" ".repeat(widths[c] - v.length()));
            }
            out.println(line.toString().stripTrailing());
        }
        out.println("(" + r.rows().size() + (r.rows().size() == 1 ? " row)" : " rows)"));
    }
}
