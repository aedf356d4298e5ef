package org.walden.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.walden.common.PgException;
import org.walden.common.guc.GucServerSettings;
import org.walden.recovery.Rewind;
import org.walden.recovery.RewindSourceDirectory;
import org.walden.replication.RewindSourceServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden rewind}: pg_rewind's flags and messages; the work is the recovery layer's
 * {@link Rewind}, with a running source reached over the replication protocol
 * ({@link RewindSourceServer}) or a stopped one read from its files ({@link RewindSourceDirectory}).
 */
@Command(versionProvider = ToolOptions.Version.class, name = "rewind", description = "synchronize a Walden data directory with another data directory that was "
        + "forked from it", sortOptions = false)
final class RewindCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = {"-D", "--target-pgdata"}, paramLabel = "DIRECTORY", description = "existing data directory to modify")
    Path target;

    @Option(names = "--source-pgdata", paramLabel = "DIRECTORY", description = "source data directory to synchronize with")
    Path sourcePgdata;

    @Option(names = "--source-server", paramLabel = "CONNSTR", description = "source server to synchronize with")
    String sourceServer;

    @Option(names = {"-n", "--dry-run"}, description = "stop before modifying anything")
    boolean dryRun;

    @Option(names = {"-P", "--progress"}, description = "write progress messages")
    boolean progress;

    @Option(names = {"-R", "--write-recovery-conf"}, description = "write configuration for replication "
            + "(requires --source-server)")
    boolean writeRecoveryConf;

    @Option(names = {"-c", "--restore-target-wal"}, description = "use restore_command in target configuration to "
            + "retrieve WAL files from archives")
    boolean restoreTargetWal;

    @Option(names = "--config-file", paramLabel = "FILENAME", description = "use specified main server configuration "
            + "file when running target cluster")
    Path configFile;

    @Option(names = "--debug", description = "write a lot of debug messages")
    boolean debug;

    @Option(names = "--no-ensure-shutdown", description = "do not automatically fix unclean shutdown")
    boolean noEnsureShutdown;

    @Mixin
    ToolOptions toolOptions;

    @Override
    public Integer call() {
        if (target == null) {
            return usageError("no target data directory specified (--target-pgdata)");
        }
        if (sourcePgdata == null && sourceServer == null) {
            return usageError("no source specified (--source-pgdata or --source-server)");
        }
        if (sourcePgdata != null && sourceServer != null) {
            return usageError("only one of --source-pgdata or --source-server can be specified");
        }
        if (writeRecoveryConf && sourceServer == null) {
            return usageError("no source server information (--source-server) specified for --write-recovery-conf");
        }
        Path dir = target.toAbsolutePath().normalize();
        // asked only when the source wants a password that PGPASSWORD and ~/.pgpass did not give
        org.walden.protocol.PgClient.setPasswordPrompt(PasswordPrompt.once(main.err));
        try (Rewind.Source source = sourceServer != null ? new RewindSourceServer(sourceServer, main.err)
                : new RewindSourceDirectory(sourcePgdata.toAbsolutePath().normalize())) {
            Rewind.Options options = new Rewind.Options(dir, dryRun, progress, debug, writeRecoveryConf,
                    restoreTargetWal, !noEnsureShutdown, restoreTargetWal ? restoreCommand(dir) : null);
            return new Rewind(options, source, main.err).run();
        } catch (PgException e) {
            main.err.println("pg_rewind: error: " + e.getMessage());
            if (e.detail() != null) {
                main.err.println("pg_rewind: detail: " + e.detail());
            }
            return 1;
        } catch (IOException | RuntimeException e) {
            main.err.println("pg_rewind: error: " + e.getMessage());
            return 1;
        }
    }

    /** restore_command as the target's configuration (or --config-file) sets it; -c needs one. */
    private String restoreCommand(Path dir) {
        GucServerSettings settings = configFile != null
                ? GucServerSettings.load(dir, Map.of("config_file", configFile.toAbsolutePath().toString()))
                : GucServerSettings.load(dir, Map.of());
        String command = settings.getString("restore_command");
        if (command == null || command.isBlank()) {
            throw new PgException(org.walden.common.SqlState.CONFIG_FILE_ERROR,
                    "restore_command is not set in the target cluster");
        }
        return command;
    }

    private int usageError(String message) {
        main.err.println("pg_rewind: error: " + message);
        main.err.println("Try \"walden rewind --help\" for more information.");
        return 1;
    }
}
