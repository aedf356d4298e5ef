package org.walden.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.walden.common.PgException;
import org.walden.common.ServerVersion;
import org.walden.sql.catalog.CatalogStore;
import org.walden.storage.Store;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.KvChange;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.WalReset;
import org.walden.wal.WalSegments;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden resetwal [OPTION]... DATADIR}: pg_resetwal 15, option for option and message for
 * message. It refuses a running server (postmaster.pid) and, without -f, one that was not shut
 * down cleanly; with -n it prints the current values and the values it would change; otherwise it
 * writes a new pg_control whose shutdown checkpoint starts the next WAL segment past everything
 * in pg_wal (or -l's file), and leaves that checkpoint record as the only WAL ({@link WalReset}).
 *
 * <p>The command line is parsed as glibc's getopt_long parses pg_resetwal's (options and operands
 * in any order, clustered short options, unambiguous prefixes of long options), and numbers as
 * strtoul parses them (decimal, 0x hex, 0 octal), truncated to 32 bits as pg_resetwal's variables
 * truncate them; picocli hands this class the arguments untouched.
 *
 * <p>What each counter does in Walden: -x sets the next transaction id (pg_control and the
 * checkpoint record; txid_current() continues from it); -o sets the OID counter of Walden's
 * catalog, which lives in storage, not pg_control; -e, -m, -O, -c and -u are validated and kept
 * in pg_control's {@link ControlFile.Counters}, where controldata shows them, and change nothing
 * else (Walden has no xid epoch, multixacts, commit timestamps or freezing: see README.md's
 * resetwal section).
 */
@Command(name = "resetwal", description = "reset the write-ahead log and other control information of a Walden "
        + "database cluster")
final class ResetwalCommand implements Callable<Integer> {

    static final String PROGNAME = "pg_resetwal";
    private static final String HINT = PROGNAME + ": hint: Try \"walden resetwal --help\" for more information.";
    private static final int FIRST_NORMAL_XID = 3;

    @ParentCommand
    Main main;

    @Parameters(arity = "0..*", description = "pg_resetwal's options and DATADIR")
    List<String> args = new ArrayList<>();

    /** Ends the command with an exit code once its messages are printed. */
    private static final class Exit extends RuntimeException {
        final int code;

        Exit(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    /** What the options asked for; 0 (or null, or -1 for the epoch) means "not given", as in pg_resetwal. */
    private static final class Settings {
        String dataDir;
        boolean force;
        boolean noUpdate;
        int xidEpoch = -1;
        int oldestXid;
        int nextXid;
        int oldestCommitTsXid;
        int newestCommitTsXid;
        int nextOid;
        int nextMulti;
        int oldestMulti;
        boolean multiGiven;
        int multiOffset;
        boolean multiOffsetGiven;
        String walFileName;
        long walSegSizeBytes;
    }

    private PrintStream out;
    private PrintStream err;

    @Override
    public Integer call() {
        out = main.out;
        err = main.err;
        try {
            return run(args);
        } catch (Exit e) {
            return e.code;
        }
    }

    private int run(List<String> argv) {
        if (!argv.isEmpty() && (argv.get(0).equals("--help") || argv.get(0).equals("-?"))) {
            usage();
            return 0;
        }
        if (!argv.isEmpty() && (argv.get(0).equals("--version") || argv.get(0).equals("-V"))) {
            out.println(PROGNAME + " (PostgreSQL) " + ServerVersion.PG_VERSION);
            return 0;
        }
        Settings s = new Settings();
        List<String> operands = new Getopt(argv, err).parse((option, arg) -> applyOption(s, option, arg));
        if (s.dataDir == null && !operands.isEmpty()) {
            s.dataDir = operands.remove(0);
        }
        if (!operands.isEmpty()) {
            usageError("too many command-line arguments (first is \"" + operands.get(0) + "\")");
        }
        if (s.dataDir == null) {
            usageError("no data directory specified");
        }
        return reset(s, Path.of(s.dataDir));
    }

    // ------------------------------------------------------------------ options

    private void applyOption(Settings s, char option, String arg) {
        switch (option) {
            case 'D' -> s.dataDir = arg;
            case 'f' -> s.force = true;
            case 'n' -> s.noUpdate = true;
            case 'e' -> {
                s.xidEpoch = (int) unsignedArgument(arg, 'e');
                if (s.xidEpoch == -1) {
                    fatal("transaction ID epoch (-e) must not be -1");
                }
            }
            case 'u' -> {
                s.oldestXid = (int) unsignedArgument(arg, 'u');
                if (!isNormalXid(s.oldestXid)) {
                    fatal("oldest transaction ID (-u) must be greater than or equal to " + FIRST_NORMAL_XID);
                }
            }
            case 'x' -> {
                s.nextXid = (int) unsignedArgument(arg, 'x');
                if (!isNormalXid(s.nextXid)) {
                    fatal("transaction ID (-x) must be greater than or equal to " + FIRST_NORMAL_XID);
                }
            }
            case 'c' -> applyCommitTsXids(s, arg);
            case 'o' -> {
                s.nextOid = (int) unsignedArgument(arg, 'o');
                if (s.nextOid == 0) {
                    fatal("OID (-o) must not be 0");
                }
            }
            case 'm' -> applyMultis(s, arg);
            case 'O' -> applyMultiOffset(s, arg);
            case 'l' -> {
                if (leadingHexDigits(arg) != 24) {
                    invalidArgument('l');
                }
                s.walFileName = arg;
            }
            case 'W' -> applyWalSegSize(s, arg);
            default -> throw new IllegalStateException("option " + option);
        }
    }

    private void applyCommitTsXids(Settings s, String arg) {
        long[] pair = unsignedPair(arg, 'c');
        s.oldestCommitTsXid = (int) pair[0];
        s.newestCommitTsXid = (int) pair[1];
        for (int xid : new int[] {s.oldestCommitTsXid, s.newestCommitTsXid}) {
            if (Integer.compareUnsigned(xid, 2) < 0 && xid != 0) {
                fatal("transaction ID (-c) must be either 0 or greater than or equal to 2");
            }
        }
    }

    private void applyMultis(Settings s, String arg) {
        long[] pair = unsignedPair(arg, 'm');
        s.nextMulti = (int) pair[0];
        s.oldestMulti = (int) pair[1];
        if (s.oldestMulti == 0) {
            fatal("oldest multitransaction ID (-m) must not be 0");
        }
        s.multiGiven = true;
    }

    private void applyMultiOffset(Settings s, String arg) {
        CNumber n = CNumber.parse(arg, 0, true);
        if (n.end() == 0 || n.end() != arg.length() || n.outOfRange()) {
            invalidArgument('O');
        }
        if (n.value() < 0 || n.value() > 0xFFFFFFFFL) {
            fatal("multitransaction offset (-O) must be between 0 and 4294967295");
        }
        s.multiOffset = (int) n.value();
        s.multiOffsetGiven = true;
    }

    private void applyWalSegSize(Settings s, String arg) {
        CNumber n = CNumber.parseDecimal(arg);
        if (n.end() == 0 || n.end() != arg.length() || n.outOfRange()) {
            fatal("argument of --wal-segsize must be a number");
        }
        int bytes = (int) (n.value() * 1024 * 1024); // pg_resetwal keeps it in an int
        if (!WalSegments.isValidSegmentSize(bytes)) {
            fatal("argument of --wal-segsize must be a power of 2 between 1 and 1024");
        }
        s.walSegSizeBytes = bytes;
    }

    /** strtoul(arg, &end, 0) with the whole argument consumed, as pg_resetwal checks it. */
    private long unsignedArgument(String arg, char option) {
        CNumber n = CNumber.parse(arg, 0, false);
        if (n.end() == 0 || n.end() != arg.length() || n.outOfRange()) {
            invalidArgument(option);
        }
        return n.value();
    }

    /** "A,B" as -c and -m take it. */
    private long[] unsignedPair(String arg, char option) {
        CNumber first = CNumber.parse(arg, 0, false);
        if (first.end() == 0 || first.end() >= arg.length() || arg.charAt(first.end()) != ',' || first.outOfRange()) {
            invalidArgument(option);
        }
        int from = first.end() + 1;
        CNumber second = CNumber.parse(arg, from, false);
        if (second.end() == from || second.end() != arg.length() || second.outOfRange()) {
            invalidArgument(option);
        }
        return new long[] {first.value(), second.value()};
    }

    private static int leadingHexDigits(String s) {
        int n = 0;
        while (n < s.length() && Character.digit(s.charAt(n), 16) >= 0 && s.charAt(n) < 128) {
            n++;
        }
        return n;
    }

    private static boolean isNormalXid(int xid) {
        return Integer.compareUnsigned(xid, FIRST_NORMAL_XID) >= 0;
    }

    // ------------------------------------------------------------------ the reset

    private int reset(Settings s, Path dir) {
        checkDataDirectory(dir);
        ReadControl read = readControlFile(dir);
        ControlFile.Data cf = read.data();
        boolean guessed = read.guessed();
        long walSegSize = s.walSegSizeBytes != 0 ? s.walSegSizeBytes : cf.walSegmentSizeBytes();
        TimelineId minTli = null;
        long minSegNo = 0;
        if (s.walFileName != null) {
            minTli = WalSegments.timeline(s.walFileName.substring(0, 24).toUpperCase());
            minSegNo = WalSegments.segmentNo(s.walFileName.substring(0, 24).toUpperCase(), walSegSize);
        }
        long newSegNo = findEndOfWal(dir, cf, walSegSize);
        CatalogOids oids = new CatalogOids(dir.resolve("base"));
        boolean print = (guessed && !s.force) || s.noUpdate;
        if (print) {
            printControlValues(cf, guessed, oids.current());
        }
        ControlFile.Data next = applySettings(s, cf, minTli, walSegSize);
        newSegNo = Math.max(newSegNo, minSegNo);
        if (print) {
            printNewControlValues(s, next, newSegNo, walSegSize);
            if (!s.noUpdate) {
                out.printf("%nIf these values seem acceptable, use -f to force reset.%n");
                return 1;
            }
            return 0;
        }
        if (cf.state() != DbState.SHUTDOWNED && !s.force) {
            out.println("The database server was not shut down cleanly.");
            out.println("Resetting the write-ahead log might cause data to be lost.");
            out.println("If you want to proceed anyway, use -f to force reset.");
            return 1;
        }
        if (s.nextOid != 0) {
            oids.set(s.nextOid);
        }
        WalReset.reset(dir, next, newSegNo, Clock.systemUTC());
        out.println("Write-ahead log reset");
        return 0;
    }

    /** Adjusts the fields the options set (pg_resetwal does this before printing the new values). */
    private static ControlFile.Data applySettings(Settings s, ControlFile.Data cf, TimelineId minTli, long walSegSize) {
        ControlFile.Counters c = cf.counters();
        if (s.xidEpoch != -1) {
            c = c.withNextXidEpoch(s.xidEpoch);
        }
        if (s.oldestXid != 0) {
            c = c.withOldestXid(s.oldestXid, 0);
        }
        if (s.oldestCommitTsXid != 0) {
            c = c.withCommitTsXids(s.oldestCommitTsXid, c.newestCommitTsXid());
        }
        if (s.newestCommitTsXid != 0) {
            c = c.withCommitTsXids(c.oldestCommitTsXid(), s.newestCommitTsXid);
        }
        if (s.multiGiven) {
            c = c.withMultis(s.nextMulti, s.oldestMulti, 0);
        }
        if (s.multiOffsetGiven) {
            c = c.withNextMultiOffset(s.multiOffset);
        }
        ControlFile.Data next = cf.withCounters(c);
        if (s.nextXid != 0) {
            next = next.withNextXid(s.nextXid);
        }
        if (minTli != null && minTli.compareTo(next.timeline()) > 0) {
            next = next.withTimeline(minTli, minTli);
        }
        return next.withWalSegmentSize(walSegSize);
    }

    /** GetDataDirectoryCreatePerm, chdir, CheckDataVersion and the postmaster.pid check. */
    private void checkDataDirectory(Path dir) {
        if (!Files.exists(dir)) {
            fatal("could not read permissions of directory \"" + dir + "\": No such file or directory");
        }
        if (!Files.isDirectory(dir)) {
            fatal("could not change directory to \"" + dir + "\": Not a directory");
        }
        Path version = dir.resolve("PG_VERSION");
        String line;
        try {
            List<String> lines = Files.readAllLines(version, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                fatal("unexpected empty file \"PG_VERSION\"");
            }
            line = lines.get(0).strip();
        } catch (NoSuchFileException e) {
            throw fatal("could not open file \"PG_VERSION\" for reading: No such file or directory");
        } catch (IOException e) {
            throw fatal("could not read file \"PG_VERSION\": " + e.getMessage());
        }
        String major = ServerVersion.PG_VERSION.substring(0, ServerVersion.PG_VERSION.indexOf('.'));
        if (!line.equals(major)) {
            err.println(PROGNAME + ": error: data directory is of wrong version");
            err.println(PROGNAME + ": detail: File \"PG_VERSION\" contains \"" + line
                    + "\", which is not compatible with this program's version \"" + major + "\".");
            throw new Exit(1);
        }
        if (Files.exists(dir.resolve("postmaster.pid"))) {
            err.println(PROGNAME + ": error: lock file \"postmaster.pid\" exists");
            err.println(PROGNAME + ": hint: Is a server running?  If not, delete the lock file and try again.");
            throw new Exit(1);
        }
    }

    /** pg_control as read (or guessed), and whether any of it is a guess. */
    private record ReadControl(ControlFile.Data data, boolean guessed) {
    }

    /** read_controlfile, and GuessControlValues when the file is broken. */
    private ReadControl readControlFile(Path dir) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dir.resolve(ControlFile.RELATIVE_PATH));
        } catch (NoSuchFileException e) {
            err.println(PROGNAME + ": error: could not open file \"" + ControlFile.RELATIVE_PATH
                    + "\" for reading: No such file or directory");
            err.println(PROGNAME + ": hint: If you are sure the data directory path is correct, execute");
            err.println("  touch " + ControlFile.RELATIVE_PATH);
            err.println("and try again.");
            throw new Exit(1);
        } catch (IOException e) {
            throw fatal("could not read file \"" + ControlFile.RELATIVE_PATH + "\": " + e.getMessage());
        }
        ControlFile.Decoded decoded = ControlFile.decode(bytes);
        if (decoded == null) {
            warning("pg_control exists but is broken or wrong version; ignoring it");
            return new ReadControl(guessControlValues(), true);
        }
        boolean guessed = false;
        if (!decoded.crcValid()) {
            warning("pg_control exists but has invalid CRC; proceed with caution");
            guessed = true;
        }
        long segSize = decoded.walSegmentSizeBytes();
        if (!WalSegments.isValidSegmentSize(segSize)) {
            warning(String.format("pg_control specifies invalid WAL segment size (%d byte%s); proceed with caution",
                    segSize, segSize == 1 ? "" : "s"));
            return new ReadControl(guessControlValues(), true);
        }
        if (decoded.data() == null) { // a state or timeline Walden cannot hold, where PostgreSQL would copy it
            warning("pg_control exists but is broken or wrong version; ignoring it");
            return new ReadControl(guessControlValues(), true);
        }
        return new ReadControl(decoded.data(), guessed);
    }

    /** GuessControlValues: a new system identifier, timeline 1, the first normal xid, 16 MB segments. */
    private static ControlFile.Data guessControlValues() {
        Clock clock = Clock.systemUTC();
        long now = clock.instant().getEpochSecond();
        Lsn start = Lsn.INVALID;
        return new ControlFile.Data(ControlFile.newSystemIdentifier(clock), DbState.SHUTDOWNED, now, start, start,
                TimelineId.FIRST, TimelineId.FIRST, FIRST_NORMAL_XID, now, Lsn.INVALID, TimelineId.FIRST, Lsn.INVALID,
                Lsn.INVALID, false, WalSegments.DEFAULT_SEGMENT_SIZE_BYTES);
    }

    private long findEndOfWal(Path dir, ControlFile.Data cf, long newSegSize) {
        Path walDir = dir.resolve("pg_wal");
        if (!Files.isDirectory(walDir)) {
            fatal("could not open directory \"pg_wal\": No such file or directory");
        }
        return WalReset.firstSegmentAfterExistingWal(walDir, cf.redo(), cf.walSegmentSizeBytes(), newSegSize);
    }

    // ------------------------------------------------------------------ the OID counter

    /**
     * The OID counter of Walden's catalog, in storage ({@link CatalogStore#nextOidKey}): what
     * PostgreSQL keeps in the checkpoint's nextOid. Read once (null when storage cannot be read:
     * the guess is the first normal OID, as the catalog starts there).
     */
    private final class CatalogOids {
        private final Path baseDir;
        private Integer current;
        private boolean read;

        CatalogOids(Path baseDir) {
            this.baseDir = baseDir;
        }

        /** The counter, or the first normal OID when storage cannot be read. */
        int current() {
            if (!read) {
                read = true;
                current = readCounter();
            }
            return current == null ? CatalogStore.FIRST_NORMAL_OID : current;
        }

        private Integer readCounter() {
            if (!Files.isDirectory(baseDir)) {
                return null;
            }
            try (Store store = Store.openReadOnly(baseDir)) {
                byte[] v = store.getLatest(CatalogStore.nextOidKey());
                return v == null || v.length != 4 ? null : ByteBuffer.wrap(v).getInt();
            } catch (RuntimeException e) {
                return null;
            }
        }

        /**
         * Sets the counter. Walden's catalog hands out OIDs from it without skipping those in use
         * (PostgreSQL's GetNewOidWithIndex does skip), so a value below the counter is refused.
         */
        void set(int oid) {
            current();
            if (current == null) {
                fatal("could not read the OID counter from storage in \"" + baseDir + "\"");
            }
            if (Integer.compareUnsigned(oid, current) < 0) {
                err.println(PROGNAME + ": error: OID (-o) must be greater than or equal to "
                        + Integer.toUnsignedString(current));
                err.println(PROGNAME + ": detail: Walden hands out OIDs from this counter without skipping OIDs "
                        + "in use; a lower value would reuse them.");
                throw new Exit(1);
            }
            try (Store store = Store.open(baseDir)) {
                store.apply(List.of(new KvChange(CatalogStore.nextOidKey(),
                        ByteBuffer.allocate(4).putInt(oid).array(), null)));
                store.flush();
            } catch (PgException e) {
                fatal("could not write the OID counter to storage: " + e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ printing

    /** PrintControlValues, with the lines of the fields Walden's pg_control has (as controldata shows them). */
    private void printControlValues(ControlFile.Data cf, boolean guessed, int nextOid) {
        out.println(guessed ? "Guessed pg_control values:" : "Current pg_control values:");
        out.println();
        ControlFile.Counters c = cf.counters();
        line("pg_control version number:", ControldataCommand.PG_CONTROL_VERSION);
        line("Catalog version number:", ControldataCommand.CATALOG_VERSION);
        line("Database system identifier:", Long.toUnsignedString(cf.systemIdentifier()));
        line("Latest checkpoint's TimeLineID:", Integer.toString(cf.timeline().value()));
        line("Latest checkpoint's full_page_writes:", "on");
        line("Latest checkpoint's NextXID:", u(c.nextXidEpoch()) + ":" + u(cf.nextXid()));
        line("Latest checkpoint's NextOID:", u(nextOid));
        line("Latest checkpoint's NextMultiXactId:", u(c.nextMulti()));
        line("Latest checkpoint's NextMultiOffset:", u(c.nextMultiOffset()));
        line("Latest checkpoint's oldestXID:", u(c.oldestXid()));
        line("Latest checkpoint's oldestXID's DB:", u(c.oldestXidDb()));
        line("Latest checkpoint's oldestActiveXID:", "0");
        line("Latest checkpoint's oldestMultiXid:", u(c.oldestMulti()));
        line("Latest checkpoint's oldestMulti's DB:", u(c.oldestMultiDb()));
        line("Latest checkpoint's oldestCommitTsXid:", u(c.oldestCommitTsXid()));
        line("Latest checkpoint's newestCommitTsXid:", u(c.newestCommitTsXid()));
        for (String constant : ControldataCommand.constantLines(cf.walSegmentSizeBytes())) {
            out.println(constant);
        }
    }

    /** PrintNewControlValues: the first segment after the reset, then each value an option changes. */
    private void printNewControlValues(Settings s, ControlFile.Data next, long newSegNo, long walSegSize) {
        out.printf("%n%nValues to be changed:%n%n");
        ControlFile.Counters c = next.counters();
        line("First log segment after reset:", WalSegments.fileName(next.timeline(), newSegNo, walSegSize));
        if (s.multiGiven) {
            line("NextMultiXactId:", u(c.nextMulti()));
            line("OldestMultiXid:", u(c.oldestMulti()));
            line("OldestMulti's DB:", u(c.oldestMultiDb()));
        }
        if (s.multiOffsetGiven) {
            line("NextMultiOffset:", u(c.nextMultiOffset()));
        }
        if (s.nextOid != 0) {
            line("NextOID:", u(s.nextOid));
        }
        if (s.nextXid != 0) {
            line("NextXID:", u(next.nextXid()));
        }
        if (s.oldestXid != 0) {
            line("OldestXID:", u(c.oldestXid()));
            line("OldestXID's DB:", u(c.oldestXidDb()));
        }
        if (s.xidEpoch != -1) {
            line("NextXID epoch:", u(c.nextXidEpoch()));
        }
        if (s.oldestCommitTsXid != 0) {
            line("oldestCommitTsXid:", u(c.oldestCommitTsXid()));
        }
        if (s.newestCommitTsXid != 0) {
            line("newestCommitTsXid:", u(c.newestCommitTsXid()));
        }
        if (s.walSegSizeBytes != 0) {
            line("Bytes per WAL segment:", Long.toString(next.walSegmentSizeBytes()));
        }
    }

    private void line(String label, String value) {
        out.println(ControldataCommand.line(label, value));
    }

    private static String u(int v) {
        return Integer.toUnsignedString(v);
    }

    private void usage() {
        out.print("""
                pg_resetwal resets the PostgreSQL write-ahead log.

                Usage:
                  walden resetwal [OPTION]... DATADIR

                Options:
                  -c, --commit-timestamp-ids=XID,XID
                                                   set oldest and newest transactions bearing
                                                   commit timestamp (zero means no change)
                 [-D, --pgdata=]DATADIR            data directory
                  -e, --epoch=XIDEPOCH             set next transaction ID epoch
                  -f, --force                      force update to be done
                  -l, --next-wal-file=WALFILE      set minimum starting location for new WAL
                  -m, --multixact-ids=MXID,MXID    set next and oldest multitransaction ID
                  -n, --dry-run                    no update, just show what would be done
                  -o, --next-oid=OID               set next OID
                  -O, --multixact-offset=OFFSET    set next multitransaction offset
                  -u, --oldest-transaction-id=XID  set oldest transaction ID
                  -V, --version                    output version information, then exit
                  -x, --next-transaction-id=XID    set next transaction ID
                      --wal-segsize=SIZE           size of WAL segments, in megabytes
                  -?, --help                       show this help, then exit
                """);
    }

    // ------------------------------------------------------------------ messages

    private void warning(String message) {
        err.println(PROGNAME + ": warning: " + message);
    }

    /** pg_fatal: the error, exit 1. Returns the exception for callers that must end in a throw. */
    private Exit fatal(String message) {
        err.println(PROGNAME + ": error: " + message);
        throw new Exit(1);
    }

    private void invalidArgument(char option) {
        usageError("invalid argument for option -" + option);
    }

    private void usageError(String message) {
        err.println(PROGNAME + ": error: " + message);
        err.println(HINT);
        throw new Exit(1);
    }

    // ------------------------------------------------------------------ C parsing

    /**
     * A number as C's strtoul/strtoll parse it: leading white space, a sign, then base 0's
     * digits (0x hex, 0 octal, else decimal). {@code end} is where parsing stopped (the start when
     * there were no digits); {@code outOfRange} is ERANGE. An unsigned parse of "-N" wraps, as
     * strtoul's does.
     */
    record CNumber(long value, int end, boolean outOfRange) {

        static CNumber parse(String s, int from, boolean signed) {
            return parse(s, from, signed, 0);
        }

        static CNumber parseDecimal(String s) {
            return parse(s, 0, true, 10);
        }

        private static CNumber parse(String s, int from, boolean signed, int fixedBase) {
            int i = from;
            while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            boolean negative = false;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                negative = s.charAt(i) == '-';
                i++;
            }
            int base = fixedBase;
            if (base == 0) {
                base = 10;
                if (i < s.length() && s.charAt(i) == '0') {
                    base = 8;
                    if (i + 2 < s.length() && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                            && Character.digit(s.charAt(i + 2), 16) >= 0) {
                        base = 16;
                        i += 2;
                    }
                }
            }
            int digitsFrom = i;
            java.math.BigInteger v = java.math.BigInteger.ZERO;
            while (i < s.length() && s.charAt(i) < 128 && Character.digit(s.charAt(i), base) >= 0) {
                v = v.multiply(java.math.BigInteger.valueOf(base)).add(java.math.BigInteger.valueOf(
                        Character.digit(s.charAt(i), base)));
                i++;
            }
            if (i == digitsFrom) {
                return new CNumber(0, from, false);
            }
            if (signed) {
                java.math.BigInteger r = negative ? v.negate() : v;
                boolean range = r.bitLength() > 63;
                return new CNumber(range ? (negative ? Long.MIN_VALUE : Long.MAX_VALUE) : r.longValue(), i, range);
            }
            boolean range = v.bitLength() > 64;
            long magnitude = range ? -1L : v.longValue();
            return new CNumber(range ? -1L : (negative ? -magnitude : magnitude), i, range);
        }
    }

    /**
     * glibc's getopt_long over pg_resetwal's options ("c:D:e:fl:m:no:O:u:x:" and the long names):
     * operands may come between options, "--" ends the options, short options cluster, a long
     * option may be abbreviated to an unambiguous prefix. Each option goes to the handler as it
     * is parsed (so the first bad one is the one reported, as in pg_resetwal); getopt's own
     * complaints are printed in glibc's words, then the hint.
     */
    static final class Getopt {

        /** A long option: its name, whether it takes an argument, the option character it stands for. */
        private record LongOption(String name, boolean hasArg, char option) {
        }

        private static final String SHORT_WITH_ARG = "cDelmoOux";
        private static final String SHORT_WITHOUT_ARG = "fn";
        private static final List<LongOption> LONG = List.of(
                new LongOption("commit-timestamp-ids", true, 'c'), new LongOption("pgdata", true, 'D'),
                new LongOption("epoch", true, 'e'), new LongOption("force", false, 'f'),
                new LongOption("next-wal-file", true, 'l'), new LongOption("multixact-ids", true, 'm'),
                new LongOption("dry-run", false, 'n'), new LongOption("next-oid", true, 'o'),
                new LongOption("multixact-offset", true, 'O'), new LongOption("oldest-transaction-id", true, 'u'),
                new LongOption("next-transaction-id", true, 'x'), new LongOption("wal-segsize", true, 'W'));

        /** Receives each option as parsed ('W' stands for --wal-segsize). */
        interface Handler {
            void option(char option, String argument);
        }

        private final List<String> argv;
        private final PrintStream err;
        private int index;

        Getopt(List<String> argv, PrintStream err) {
            this.argv = argv;
            this.err = err;
        }

        /** Parses every option; returns the operands in order. */
        List<String> parse(Handler handler) {
            List<String> operands = new ArrayList<>();
            while (index < argv.size()) {
                String a = argv.get(index++);
                if (a.equals("--")) {
                    operands.addAll(argv.subList(index, argv.size()));
                    break;
                } else if (a.startsWith("--")) {
                    longOption(a.substring(2), handler);
                } else if (a.startsWith("-") && a.length() > 1) {
                    shortOptions(a, handler);
                } else {
                    operands.add(a);
                }
            }
            return operands;
        }

        private void shortOptions(String cluster, Handler handler) {
            for (int i = 1; i < cluster.length(); i++) {
                char c = cluster.charAt(i);
                if (SHORT_WITHOUT_ARG.indexOf(c) >= 0) {
                    handler.option(c, null);
                } else if (SHORT_WITH_ARG.indexOf(c) >= 0) {
                    String arg = i + 1 < cluster.length() ? cluster.substring(i + 1) : nextArgument();
                    if (arg == null) {
                        complain("option requires an argument -- '" + c + "'");
                    }
                    handler.option(c, arg);
                    return;
                } else {
                    complain("invalid option -- '" + c + "'");
                }
            }
        }

        private void longOption(String text, Handler handler) {
            int eq = text.indexOf('=');
            String name = eq < 0 ? text : text.substring(0, eq);
            LongOption found = findLong(name, text);
            String arg = eq < 0 ? null : text.substring(eq + 1);
            if (!found.hasArg() && arg != null) {
                complain("option '--" + found.name() + "' doesn't allow an argument");
            }
            if (found.hasArg() && arg == null) {
                arg = nextArgument();
                if (arg == null) {
                    complain("option '--" + found.name() + "' requires an argument");
                }
            }
            handler.option(found.option(), arg);
        }

        private LongOption findLong(String name, String text) {
            List<LongOption> matches = new ArrayList<>();
            for (LongOption o : LONG) {
                if (o.name().equals(name)) {
                    return o;
                }
                if (!name.isEmpty() && o.name().startsWith(name)) {
                    matches.add(o);
                }
            }
            if (matches.isEmpty()) {
                complain("unrecognized option '--" + text + "'");
            }
            if (matches.size() > 1) {
                StringBuilder b = new StringBuilder("option '--" + name + "' is ambiguous; possibilities:");
                matches.forEach(o -> b.append(" '--").append(o.name()).append('\''));
                complain(b.toString());
            }
            return matches.get(0);
        }

        private String nextArgument() {
            return index < argv.size() ? argv.get(index++) : null;
        }

        private void complain(String message) {
            err.println(PROGNAME + ": " + message);
            err.println(HINT);
            throw new Exit(1);
        }
    }
}
