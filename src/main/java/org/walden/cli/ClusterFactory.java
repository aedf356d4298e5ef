package org.walden.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.GucServerSettings;
import org.walden.protocol.ScramSha256;
import org.walden.server.config.RecoveryMode;
import org.walden.wal.CheckPoint;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.Wal;
import org.walden.wal.WalRecord;

/**
 * THE INTEGRATION SEAM between the command-line tools and the engine, SQL, server and
 * replication layers, which are written in parallel on other branches. Every call the tools
 * make into those layers is in this class and nowhere else, so the integrator adjusts one file
 * when their APIs settle. Each method says what it calls today and what it is waiting for.
 */
public final class ClusterFactory {

    private ClusterFactory() {
    }

    /** How a running server is stopped: pg_ctl's -m. */
    public enum ShutdownMode { SMART, FAST, IMMEDIATE }

    /** A postmaster running in this JVM, as the {@code postgres} command drives it from signals. */
    public interface RunningServer {
        /** SIGTERM (smart), SIGINT (fast); immediate is SIGKILL from ctl and never reaches here. */
        void requestShutdown(ShutdownMode mode);

        /** SIGHUP: re-read the configuration files (and pg_hba.conf). */
        void reload();

        /** SIGUSR2 after promote.signal was written: leave recovery. */
        void promote();

        /** Blocks until the server has stopped; returns the process exit code. */
        int awaitTermination() throws InterruptedException;
    }

    /**
     * initdb's storage step (PostgreSQL's BootStrapXLOG): pg_wal/ with its first segment holding
     * a shutdown checkpoint record at the start of segment 1, global/pg_control pointing at it
     * (state "shut down", timeline 1, a new system identifier), base/ for the storage engine.
     *
     * <p>Calls today: the engine branch's {@link Wal}, {@link CheckPoint} and {@link ControlFile}
     * (merged). TODO(integrator): if the engine branch adds its own initializer
     * (org.walden.recovery.Engine.initialize or similar, e.g. to create the RocksDB store
     * eagerly), call it here instead.
     */
    public static ControlFile.Data initializeStorage(Path dataDir, long walSegmentSizeBytes, Clock clock) {
        try {
            Files.createDirectories(dataDir.resolve("pg_wal/archive_status"));
            Files.createDirectories(dataDir.resolve("base"));
            Files.createDirectories(dataDir.resolve("global"));
            Files.createDirectories(dataDir.resolve("pg_replslot"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TimelineId tli = new TimelineId(1);
        Lsn start = new Lsn(walSegmentSizeBytes);
        Wal wal = new Wal(dataDir.resolve("pg_wal"), walSegmentSizeBytes, tli, start, Lsn.INVALID,
                Wal.Options.defaults());
        long now = clock.instant().getEpochSecond();
        CheckPoint checkPoint = new CheckPoint(start, tli, tli, 3, now);
        WalRecord record = checkPoint.toRecord(true);
        Wal.Inserted at = wal.insert(record);
        wal.flushAll();
        wal.close(true);
        ControlFile.Data data = new ControlFile.Data(ControlFile.newSystemIdentifier(clock), DbState.SHUTDOWNED,
                now, at.firstLsn(), start, tli, tli, 3, now, Lsn.INVALID, tli, Lsn.INVALID, Lsn.INVALID, false,
                walSegmentSizeBytes);
        return ControlFile.create(dataDir, data, clock).get();
    }

    /** A SCRAM-SHA-256 verifier for the superuser's password, as pg_authid stores it. */
    public static String scramVerifier(String password) {
        byte[] salt = new byte[ScramSha256.DEFAULT_SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        return ScramSha256.buildVerifier(password, salt, ScramSha256.DEFAULT_ITERATIONS).encode();
    }

    /**
     * initdb's SQL step (PostgreSQL's bootstrap and post-bootstrap): the catalogs, the
     * databases postgres/template0/template1 and the superuser role with the password verifier.
     *
     * <p>NOT WIRED YET: the sql branch has no bootstrap entry point as of this commit.
     * TODO(integrator): call the SqlEngine bootstrap here (e.g.
     * {@code SqlBootstrap.bootstrap(dataDir, superuser, passwordVerifier)}). Until then this
     * says so loudly and the cluster has no SQL catalog.
     */
    public static void bootstrapSql(Path dataDir, String superuser, String passwordVerifier, PrintStream err) {
        err.println("initdb: warning: the SQL bootstrap is not wired in yet (ClusterFactory.bootstrapSql); "
                + "role \"" + superuser + "\" was not created");
    }

    /**
     * Starts the postmaster for {@code dataDir} with these settings and returns once it runs
     * (it writes postmaster.pid's "ready"/"standby" status itself when it accepts connections;
     * see {@link org.walden.server.config.PostmasterPidFile}).
     *
     * <p>NOT WIRED YET: org.walden.server.Postmaster does not exist on the protocol branch as of
     * this commit. TODO(integrator): {@code new Postmaster(dataDir, settings, mode, clock).start()}
     * adapted to {@link RunningServer}.
     */
    public static RunningServer startPostmaster(Path dataDir, GucServerSettings settings, RecoveryMode mode,
                                                Clock clock) {
        throw PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED,
                "the postmaster is not wired in yet (ClusterFactory.startPostmaster)");
    }

    /** pg_basebackup's options, as {@code walden basebackup} parsed them. */
    public record BaseBackupOptions(String host, int port, String user, String password, Path targetDir,
                                    String format, String walMethod, boolean writeRecoveryConf, boolean createSlot,
                                    String slot, boolean progress, boolean verbose, String checkpoint,
                                    String label) {
    }

    /**
     * pg_basebackup: connects with replication=true, runs BASE_BACKUP, writes the target
     * directory, streams WAL (-X stream), writes standby.signal and primary_conninfo (-R).
     *
     * <p>NOT WIRED YET: the replication branch has no base-backup client as of this commit.
     * TODO(integrator): call it here, e.g. {@code BaseBackupClient.run(options, out, err)}.
     * The real pg_basebackup 15 also works against a Walden primary once BASE_BACKUP is served.
     */
    public static int baseBackup(BaseBackupOptions options, PrintStream out, PrintStream err) {
        err.println("pg_basebackup: error: walden basebackup is not wired in yet (ClusterFactory.baseBackup)");
        return 1;
    }

    /** Reads pg_control (for controldata, ctl and demo). */
    public static ControlFile.Data readControlFile(Path dataDir) {
        return ControlFile.read(dataDir.resolve(ControlFile.RELATIVE_PATH));
    }

    /** Prints WAL records between {@code start} and {@code end} (null: end of valid WAL) as pg_waldump does. */
    public static int walDump(Path walDir, long segmentSizeBytes, Lsn start, Lsn end, PrintStream out,
                              PrintStream err) {
        org.walden.wal.WalDump.Result r = org.walden.wal.WalDump.dump(walDir, segmentSizeBytes, start, end, out);
        if (r.endReason() != null) {
            err.println("pg_waldump: error: " + r.endReason());
            return 1;
        }
        return 0;
    }

    /** Names initdb's data directory layout for tests. */
    static List<String> expectedInitdbEntries() {
        return List.of("PG_VERSION", "postgresql.conf", "postgresql.auto.conf", "pg_hba.conf", "global/pg_control",
                "pg_wal", "base");
    }
}
