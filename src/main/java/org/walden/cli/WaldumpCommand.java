package org.walden.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.walden.common.PgException;
import org.walden.wal.Lsn;
import org.walden.wal.WalSegments;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden waldump -D DIR [-s START] [-e END]}: WAL records one a line, as pg_waldump.
 * Without -s it starts at the oldest segment in pg_wal; without -e it goes to the end of
 * valid WAL.
 */
@Command(versionProvider = ToolOptions.Version.class, name = "waldump", description = "decode and display Walden write-ahead logs for debugging")
final class WaldumpCommand implements Callable<Integer> {

    @Mixin
    ToolOptions toolOptions;

    @ParentCommand
    Main main;

    @Option(names = {"-D", "--pgdata"}, required = true, description = "data directory (its pg_wal is read)")
    Path dataDir;

    @Option(names = {"-s", "--start"}, description = "start reading at WAL location RECPTR")
    String start;

    @Option(names = {"-e", "--end"}, description = "stop reading at WAL location RECPTR")
    String end;

    @Override
    public Integer call() {
        Path walDir = dataDir.resolve("pg_wal");
        if (!Files.isDirectory(walDir)) {
            main.err.printf("pg_waldump: error: could not open directory \"%s\": No such file or directory%n", walDir);
            return 1;
        }
        long segmentSize;
        try {
            segmentSize = ClusterFactory.readControlFile(dataDir).walSegmentSizeBytes();
        } catch (PgException e) {
            main.err.println("pg_waldump: error: " + e.getMessage());
            return 1;
        }
        Lsn startLsn;
        Lsn endLsn;
        try {
            startLsn = start != null ? Lsn.parse(start) : oldestSegmentStart(walDir, segmentSize);
            endLsn = end != null ? Lsn.parse(end) : null;
        } catch (IllegalArgumentException e) {
            main.err.printf("pg_waldump: error: invalid WAL location: \"%s\"%n", start != null ? start : end);
            return 1;
        }
        if (startLsn == null) {
            main.err.println("pg_waldump: error: no WAL segments in " + walDir);
            return 1;
        }
        return ClusterFactory.walDump(walDir, segmentSize, startLsn, endLsn, main.out, main.err);
    }

    private static Lsn oldestSegmentStart(Path walDir, long segmentSize) {
        List<Path> segments = WalSegments.list(walDir);
        if (segments.isEmpty()) {
            return null;
        }
        return WalSegments.segmentStart(WalSegments.segmentNo(segments.get(0).getFileName().toString(), segmentSize),
                segmentSize);
    }

}
