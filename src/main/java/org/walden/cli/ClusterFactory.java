package org.walden.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.walden.common.auth.ScramSha256;
import org.walden.common.guc.GucServerSettings;
import org.walden.server.Supervisor;
import org.walden.server.config.RecoveryMode;
import org.walden.recovery.Engine;
import org.walden.recovery.EngineOptions;
import org.walden.replication.BaseBackupClient;
import org.walden.sql.WaldenSqlEngine;
import org.walden.wal.ControlFile;
import org.walden.wal.Lsn;

/**
 * THE INTEGRATION SEAM between the command-line tools and the engine, SQL, server and
 * replication layers, which are written in parallel on other branches. Every call the tools
 * make into those layers is in this class and nowhere else, so the integrator adjusts one file
 * when their APIs settle. Each method says what it calls today and what it is waiting for.
 */
public final class ClusterFactory {

    private ClusterFactory() {
    }

    /**
     * initdb's storage step (PostgreSQL's BootStrapXLOG): pg_control with a new system
     * identifier, pg_wal/ whose first segment holds a shutdown checkpoint, an empty RocksDB in
     * base/. Calls the engine branch's {@link Engine#initialize}.
     */
    public static ControlFile.Data initializeStorage(Path dataDir, long walSegmentSizeBytes, Clock clock) {
        try {
            Files.createDirectories(dataDir.resolve("pg_replslot"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Engine.initialize(dataDir, walSegmentSizeBytes, clock);
        return readControlFile(dataDir);
    }

    /** A SCRAM-SHA-256 verifier for the superuser's password, as pg_authid stores it. */
    public static String scramVerifier(String password) {
        return ScramSha256.newVerifierText(password);
    }

    /**
     * initdb's SQL step (PostgreSQL's bootstrap and post-bootstrap): opens the new cluster's
     * engine, lets the sql branch's {@link WaldenSqlEngine#bootstrap} create the catalogs, the
     * databases and the superuser role with its password verifier, and stops the engine with a
     * shutdown checkpoint.
     */
    public static void bootstrapSql(Path dataDir, String superuser, String passwordVerifier, PrintStream err) {
        Engine engine = Engine.open(dataDir, EngineOptions.defaults());
        try {
            WaldenSqlEngine.bootstrap(engine.transactionManager(), superuser, passwordVerifier);
        } finally {
            engine.shutdown();
        }
    }

    /**
     * Starts the server for {@code dataDir} with these settings and returns once it accepts
     * connections: the server layer's {@link Supervisor} wires the engine, the SQL engine, the
     * walsenders, the walreceiver (standby) and the {@code Postmaster}, which owns postmaster.pid
     * and the signal handlers.
     */
    public static Supervisor startPostmaster(Path dataDir, GucServerSettings settings, RecoveryMode mode,
                                                Clock clock) {
        return Supervisor.start(dataDir, settings, mode, clock);
    }

    /** pg_basebackup's options, as {@code walden basebackup} parsed them. */
    public record BaseBackupOptions(String host, int port, String user, String password, Path targetDir,
                                    String format, String walMethod, boolean writeRecoveryConf, boolean createSlot,
                                    String slot, boolean progress, boolean verbose, String checkpoint,
                                    String label, int maxRateKb, java.util.Map<String, String> tablespaceMapping) {
    }

    /**
     * pg_basebackup: connects with replication=true, runs BASE_BACKUP, writes the target
     * directory, streams WAL (-X stream), writes standby.signal and primary_conninfo (-R).
     * Calls the replication branch's {@link BaseBackupClient}.
     */
    public static int baseBackup(BaseBackupOptions o, PrintStream out, PrintStream err) {
        BaseBackupClient.WalMethod wal = switch (o.walMethod()) {
            case "none" -> BaseBackupClient.WalMethod.NONE;
            case "fetch" -> BaseBackupClient.WalMethod.FETCH;
            default -> BaseBackupClient.WalMethod.STREAM;
        };
        return new BaseBackupClient(err).run(new BaseBackupClient.Options(o.host(), o.port(), o.user(), o.password(),
                o.targetDir(), o.format().equals("tar"), wal, o.writeRecoveryConf(), o.createSlot(), o.slot(),
                o.progress(), o.verbose(), o.checkpoint().equals("fast"), o.label(), true, null, o.maxRateKb(),
                o.tablespaceMapping()));
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
