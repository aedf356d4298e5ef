package org.walden.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.walden.common.PgException;
import org.walden.wal.ControlFile;
import org.walden.wal.WalSegments;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code walden controldata -D DIR}: pg_control's contents, in pg_controldata's words and alignment. */
@Command(versionProvider = ToolOptions.Version.class, name = "controldata", description = "display control information of a Walden database cluster")
final class ControldataCommand implements Callable<Integer> {

    @Mixin
    ToolOptions toolOptions;

    /** pg_controldata pads labels to this width. */
    static final int LABEL_WIDTH = 38;
    /** PostgreSQL 15's PG_CONTROL_VERSION and CATALOG_VERSION_NO, which Walden's files stand in for. */
    static final String PG_CONTROL_VERSION = "1300";
    static final String CATALOG_VERSION = "202209061";
    private static final DateTimeFormatter C_TIME =
            DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT);

    @ParentCommand
    Main main;

    @Option(names = {"-D", "--pgdata"}, description = "data directory")
    Path dataDirOption;

    @Parameters(arity = "0..1", description = "data directory")
    Path dataDirArg;

    @Override
    public Integer call() {
        PrintStream out = main.out;
        Path dir = dataDirOption != null ? dataDirOption : dataDirArg;
        if (dir == null) {
            String env = System.getenv("PGDATA");
            if (env == null) {
                main.err.println("pg_controldata: error: no data directory specified");
                main.err.println("pg_controldata: hint: Try \"walden controldata --help\" for more information.");
                return 1;
            }
            dir = Path.of(env);
        }
        if (!Files.isDirectory(dir)) {
            main.err.printf("pg_controldata: error: could not open file \"%s\" for reading: No such file or "
                    + "directory%n", dir.resolve(ControlFile.RELATIVE_PATH));
            return 1;
        }
        ControlFile.Data d;
        try {
            d = ClusterFactory.readControlFile(dir);
        } catch (PgException e) {
            main.err.println("pg_controldata: error: " + e.getMessage());
            return 1;
        }
        lines(d, ZoneId.systemDefault()).forEach(out::println);
        return 0;
    }

    /** The output lines for {@code d}, times in {@code zone}. */
    static List<String> lines(ControlFile.Data d, ZoneId zone) {
        List<String> out = new ArrayList<>();
        add(out, "pg_control version number:", PG_CONTROL_VERSION);
        add(out, "Catalog version number:", CATALOG_VERSION);
        add(out, "Database system identifier:", Long.toUnsignedString(d.systemIdentifier()));
        add(out, "Database cluster state:", d.state().text());
        add(out, "pg_control last modified:", time(d.timeEpochSeconds(), zone));
        add(out, "Latest checkpoint location:", d.checkPoint().toString());
        add(out, "Latest checkpoint's REDO location:", d.redo().toString());
        add(out, "Latest checkpoint's REDO WAL file:", WalSegments.fileName(d.timeline(),
                d.redo().segmentNo(d.walSegmentSizeBytes()), d.walSegmentSizeBytes()));
        add(out, "Latest checkpoint's TimeLineID:", Integer.toString(d.timeline().value()));
        add(out, "Latest checkpoint's PrevTimeLineID:", Integer.toString(d.prevTimeline().value()));
        add(out, "Latest checkpoint's full_page_writes:", "on");
        ControlFile.Counters c = d.counters();
        add(out, "Latest checkpoint's NextXID:", u(c.nextXidEpoch()) + ":" + u(d.nextXid()));
        add(out, "Latest checkpoint's NextMultiXactId:", u(c.nextMulti()));
        add(out, "Latest checkpoint's NextMultiOffset:", u(c.nextMultiOffset()));
        add(out, "Latest checkpoint's oldestXID:", u(c.oldestXid()));
        add(out, "Latest checkpoint's oldestXID's DB:", u(c.oldestXidDb()));
        add(out, "Latest checkpoint's oldestActiveXID:", "0");
        add(out, "Latest checkpoint's oldestMultiXid:", u(c.oldestMulti()));
        add(out, "Latest checkpoint's oldestMulti's DB:", u(c.oldestMultiDb()));
        add(out, "Latest checkpoint's oldestCommitTsXid:", u(c.oldestCommitTsXid()));
        add(out, "Latest checkpoint's newestCommitTsXid:", u(c.newestCommitTsXid()));
        add(out, "Time of latest checkpoint:", time(d.checkPointTimeEpochSeconds(), zone));
        add(out, "Minimum recovery ending location:", d.minRecoveryPoint().toString());
        add(out, "Min recovery ending loc's timeline:",
                d.minRecoveryPoint().isValid() ? Integer.toString(d.minRecoveryPointTimeline().value()) : "0");
        add(out, "Backup start location:", d.backupStartPoint().toString());
        add(out, "Backup end location:", d.backupEndPoint().toString());
        add(out, "End-of-backup record required:", d.backupEndRequired() ? "yes" : "no");
        out.addAll(constantLines(d.walSegmentSizeBytes()));
        return out;
    }

    /** The closing lines of pg_controldata (and pg_resetwal -n) that Walden shows: build constants. */
    static List<String> constantLines(long walSegmentSizeBytes) {
        List<String> out = new ArrayList<>();
        add(out, "Maximum data alignment:", "8");
        add(out, "Database block size:", "8192");
        add(out, "WAL block size:", "8192");
        add(out, "Bytes per WAL segment:", Long.toString(walSegmentSizeBytes));
        add(out, "Date/time type storage:", "64-bit integers");
        add(out, "Data page checksum version:", "1"); // RocksDB checksums every block
        return out;
    }

    /** One line, its label padded as pg_controldata pads it. */
    static String line(String label, String value) {
        return String.format("%-" + LABEL_WIDTH + "s%s", label, value);
    }

    private static void add(List<String> out, String label, String value) {
        out.add(line(label, value));
    }

    private static String u(int v) {
        return Integer.toUnsignedString(v);
    }

    private static String time(long epochSeconds, ZoneId zone) {
        return C_TIME.format(Instant.ofEpochSecond(epochSeconds).atZone(zone));
    }
}
