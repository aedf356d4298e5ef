package org.walden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;

/**
 * {@code walden resetwal} in-process on a fresh initdb (no server): pg_resetwal 15's argument
 * checks and messages, its refusals, -n changing nothing, each option reaching pg_control (as
 * controldata shows it), and the WAL left behind. Starting servers after a reset is ResetwalIT's.
 */
class ResetwalCommandTest {

    private static final String HINT = "pg_resetwal: hint: Try \"walden resetwal --help\" for more information.\n";

    @TempDir
    Path tmp;

    private Path data;

    @BeforeEach
    void initdb() {
        data = tmp.resolve("data");
        CliRun r = CliRun.of("initdb", "-D", data.toString(), "--wal-segsize", "1");
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void helpAndVersion() {
        CliRun help = CliRun.of("resetwal", "-?");
        assertThat(help.code()).isZero();
        assertThat(help.out()).startsWith("pg_resetwal resets the PostgreSQL write-ahead log.\n")
                .contains("  -x, --next-transaction-id=XID    set next transaction ID\n")
                .contains("      --wal-segsize=SIZE           size of WAL segments, in megabytes\n");
        assertThat(CliRun.of("resetwal", "--help").out()).isEqualTo(help.out());
        assertThat(CliRun.of("resetwal", "-V").out()).isEqualTo("pg_resetwal (PostgreSQL) 15.18\n");
        assertThat(CliRun.of("resetwal", "--version").out()).isEqualTo("pg_resetwal (PostgreSQL) 15.18\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            -x 0         | pg_resetwal: error: transaction ID (-x) must be greater than or equal to 3
            -x 2         | pg_resetwal: error: transaction ID (-x) must be greater than or equal to 3
            -x 4294967296| pg_resetwal: error: transaction ID (-x) must be greater than or equal to 3
            -u 2         | pg_resetwal: error: oldest transaction ID (-u) must be greater than or equal to 3
            -e -1        | pg_resetwal: error: transaction ID epoch (-e) must not be -1
            -e 4294967295| pg_resetwal: error: transaction ID epoch (-e) must not be -1
            -o 0         | pg_resetwal: error: OID (-o) must not be 0
            -m 5,0       | pg_resetwal: error: oldest multitransaction ID (-m) must not be 0
            -O 4294967296| pg_resetwal: error: multitransaction offset (-O) must be between 0 and 4294967295
            -O -1        | pg_resetwal: error: multitransaction offset (-O) must be between 0 and 4294967295
            -c 1,5       | pg_resetwal: error: transaction ID (-c) must be either 0 or greater than or equal to 2
            -c 5,1       | pg_resetwal: error: transaction ID (-c) must be either 0 or greater than or equal to 2
            --wal-segsize 3     | pg_resetwal: error: argument of --wal-segsize must be a power of 2 between 1 and 1024
            --wal-segsize 2048  | pg_resetwal: error: argument of --wal-segsize must be a power of 2 between 1 and 1024
            --wal-segsize=0x10  | pg_resetwal: error: argument of --wal-segsize must be a number
            """)
    void rangeChecksInPgResetwalsWords(String option, String message) {
        CliRun r = CliRun.of(args(option + " " + data));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo(message + "\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            -x abc       | x
            -x 12q       | x
            -x ''        | x
            -x 99999999999999999999 | x
            -e 0x        | e
            -u 1.5       | u
            -o 16384x    | o
            -m 5         | m
            -m 5,        | m
            -m ,5        | m
            -c 5;6       | c
            -O 7z        | O
            -l 0001      | l
            -l 00000001000000000000000G | l
            """)
    void invalidArguments(String option, String letter) {
        CliRun r = CliRun.of(args(option + " " + data));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("pg_resetwal: error: invalid argument for option -" + letter + "\n" + HINT);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            -z           | invalid option -- 'z'
            -fz          | invalid option -- 'z'
            -x           | option requires an argument -- 'x'
            --foo        | unrecognized option '--foo'
            --foo=1      | unrecognized option '--foo=1'
            --n=5        | option '--n' is ambiguous; possibilities: '--next-wal-file' '--next-oid' '--next-transaction-id'
            --force=yes  | option '--force' doesn't allow an argument
            --next-oid   | option '--next-oid' requires an argument
            """)
    void getoptComplaints(String argv, String message) {
        CliRun r = CliRun.of(args(argv));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("pg_resetwal: " + message + "\n" + HINT);
    }

    @Test
    void operandsAndDataDirectory() {
        assertThat(CliRun.of("resetwal").err()).isEqualTo("pg_resetwal: error: no data directory specified\n" + HINT);
        assertThat(CliRun.of("resetwal", "a", "b").err())
                .isEqualTo("pg_resetwal: error: too many command-line arguments (first is \"b\")\n" + HINT);
        assertThat(CliRun.of("resetwal", "-D", "a", "b").err())
                .isEqualTo("pg_resetwal: error: too many command-line arguments (first is \"b\")\n" + HINT);
        Path missing = tmp.resolve("missing");
        assertThat(CliRun.of("resetwal", missing.toString()).err()).isEqualTo(
                "pg_resetwal: error: could not read permissions of directory \"" + missing
                        + "\": No such file or directory\n");
        assertThat(CliRun.of("resetwal", tmp.toString()).err()).isEqualTo(
                "pg_resetwal: error: could not open file \"PG_VERSION\" for reading: No such file or directory\n");
        // options after the operand, long options abbreviated, as getopt_long permits
        CliRun r = CliRun.of("resetwal", data.toString(), "--dry", "--next-t=0x10");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("NextXID:                              16\n");
    }

    @Test
    void refusesAnotherMajorVersion() throws Exception {
        Files.writeString(data.resolve("PG_VERSION"), "14\n");
        CliRun r = CliRun.of("resetwal", "-D", data.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("pg_resetwal: error: data directory is of wrong version\n"
                + "pg_resetwal: detail: File \"PG_VERSION\" contains \"14\", which is not compatible with this "
                + "program's version \"15\".\n");
    }

    @Test
    void refusesWhilePostmasterPidExists() throws Exception {
        Files.writeString(data.resolve("postmaster.pid"), "12345\n");
        byte[] before = control();
        CliRun r = CliRun.of("resetwal", "-f", data.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("pg_resetwal: error: lock file \"postmaster.pid\" exists\n"
                + "pg_resetwal: hint: Is a server running?  If not, delete the lock file and try again.\n");
        assertThat(control()).isEqualTo(before);
    }

    @Test
    void refusesAServerNotShutDownCleanlyWithoutForce() throws Exception {
        ControlFile.open(data, true, Clock.systemUTC()).update(d -> d.withState(DbState.IN_PRODUCTION));
        byte[] before = control();
        List<String> walBefore = walFiles();
        CliRun r = CliRun.of("resetwal", data.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("The database server was not shut down cleanly.\n"
                + "Resetting the write-ahead log might cause data to be lost.\n"
                + "If you want to proceed anyway, use -f to force reset.\n");
        assertThat(control()).isEqualTo(before);
        assertThat(walFiles()).isEqualTo(walBefore);

        CliRun forced = CliRun.of("resetwal", "-f", data.toString());
        assertThat(forced.code()).as(forced.err()).isZero();
        assertThat(forced.out()).isEqualTo("Write-ahead log reset\n");
        assertThat(controldata("Database cluster state")).isEqualTo("shut down");
    }

    @Test
    void dryRunPrintsTheValuesAndChangesNothing() throws Exception {
        Files.writeString(data.resolve("pg_wal/archive_status/000000010000000000000001.done"), "");
        byte[] before = control();
        List<String> walBefore = walFiles();
        CliRun r = CliRun.of("resetwal", "-n", "-x", "1000", "-e", "7", "-o", "20000", "-m", "9,8", "-O", "77",
                "-c", "50,60", "-u", "40", "--wal-segsize", "4", data.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String sysid = controldata("Database system identifier");
        assertThat(r.out()).startsWith("Current pg_control values:\n\n"
                + "pg_control version number:            1300\n"
                + "Catalog version number:               202209061\n"
                + "Database system identifier:           " + sysid + "\n"
                + "Latest checkpoint's TimeLineID:       1\n"
                + "Latest checkpoint's full_page_writes: on\n"
                + "Latest checkpoint's NextXID:          0:" + controldata("Latest checkpoint's NextXID")
                        .substring(2) + "\n"
                + "Latest checkpoint's NextOID:          16384\n"
                + "Latest checkpoint's NextMultiXactId:  1\n"
                + "Latest checkpoint's NextMultiOffset:  0\n"
                + "Latest checkpoint's oldestXID:        3\n"
                + "Latest checkpoint's oldestXID's DB:   1\n"
                + "Latest checkpoint's oldestActiveXID:  0\n"
                + "Latest checkpoint's oldestMultiXid:   1\n"
                + "Latest checkpoint's oldestMulti's DB: 1\n"
                + "Latest checkpoint's oldestCommitTsXid:0\n"
                + "Latest checkpoint's newestCommitTsXid:0\n"
                + "Maximum data alignment:               8\n"
                + "Database block size:                  8192\n"
                + "WAL block size:                       8192\n"
                + "Bytes per WAL segment:                1048576\n"
                + "Date/time type storage:               64-bit integers\n"
                + "Data page checksum version:           1\n");
        assertThat(r.out()).endsWith("\n\nValues to be changed:\n\n"
                + "First log segment after reset:        000000010000000000000001\n"
                + "NextMultiXactId:                      9\n"
                + "OldestMultiXid:                       8\n"
                + "OldestMulti's DB:                     0\n"
                + "NextMultiOffset:                      77\n"
                + "NextOID:                              20000\n"
                + "NextXID:                              1000\n"
                + "OldestXID:                            40\n"
                + "OldestXID's DB:                       0\n"
                + "NextXID epoch:                        7\n"
                + "oldestCommitTsXid:                    50\n"
                + "newestCommitTsXid:                    60\n"
                + "Bytes per WAL segment:                4194304\n");
        assertThat(control()).isEqualTo(before);
        assertThat(walFiles()).isEqualTo(walBefore);
        assertThat(data.resolve("pg_wal/archive_status/000000010000000000000001.done")).exists();
    }

    @Test
    void resetMovesTheCheckpointPastAllWalAndRemovesTheOldSegments() throws Exception {
        Files.write(data.resolve("pg_wal/000000010000000000000007"), new byte[16]);
        Files.write(data.resolve("pg_wal/000000020000000000000003.partial"), new byte[16]);
        Files.writeString(data.resolve("pg_wal/00000002.history"), "1\t0/3000000\tno recovery target specified\n");
        Files.writeString(data.resolve("pg_wal/archive_status/000000010000000000000007.ready"), "");
        Files.writeString(data.resolve("pg_wal/archive_status/000000020000000000000003.partial.done"), "");
        String sysid = controldata("Database system identifier");
        CliRun r = CliRun.of("resetwal", data.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Write-ahead log reset\n");
        assertThat(walFiles()).containsExactly("000000010000000000000008", "00000002.history", "archive_status");
        assertThat(Files.list(data.resolve("pg_wal/archive_status")).count()).isZero();
        assertThat(controldata("Latest checkpoint location")).isEqualTo("0/800000");
        assertThat(controldata("Latest checkpoint's REDO location")).isEqualTo("0/800000");
        assertThat(controldata("Database cluster state")).isEqualTo("shut down");
        assertThat(controldata("Database system identifier")).isEqualTo(sysid);
        // pg_waldump finds the shutdown checkpoint as the one record there
        CliRun dump = CliRun.of("waldump", "-D", data.toString(), "-s", "0/800000");
        assertThat(dump.out()).contains("CHECKPOINT_SHUTDOWN");
    }

    @Test
    void eachOptionReachesPgControl() {
        CliRun r = CliRun.of("resetwal", "-x", "5000", "-e", "3", "-m", "12,11", "-O", "99", "-c", "20,30", "-u",
                "0x400", "-l", "00000004000000000000000C", data.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(controldata("Latest checkpoint's NextXID")).isEqualTo("3:5000");
        assertThat(controldata("Latest checkpoint's NextMultiXactId")).isEqualTo("12");
        assertThat(controldata("Latest checkpoint's oldestMultiXid")).isEqualTo("11");
        assertThat(controldata("Latest checkpoint's oldestMulti's DB")).isEqualTo("0");
        assertThat(controldata("Latest checkpoint's NextMultiOffset")).isEqualTo("99");
        assertThat(controldata("Latest checkpoint's oldestCommitTsXid")).isEqualTo("20");
        assertThat(controldata("Latest checkpoint's newestCommitTsXid")).isEqualTo("30");
        assertThat(controldata("Latest checkpoint's oldestXID")).isEqualTo("1024");
        assertThat(controldata("Latest checkpoint's oldestXID's DB")).isEqualTo("0");
        assertThat(controldata("Latest checkpoint's TimeLineID")).isEqualTo("4");
        assertThat(controldata("Latest checkpoint's PrevTimeLineID")).isEqualTo("4");
        assertThat(controldata("Latest checkpoint's REDO WAL file")).isEqualTo("00000004000000000000000C");

        // a second reset keeps what the first one set and was not asked to change
        CliRun again = CliRun.of("resetwal", "--wal-segsize", "2", "-c", "0,40", data.toString());
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(controldata("Latest checkpoint's NextXID")).isEqualTo("3:5000");
        assertThat(controldata("Latest checkpoint's oldestCommitTsXid")).isEqualTo("20");
        assertThat(controldata("Latest checkpoint's newestCommitTsXid")).isEqualTo("40");
        assertThat(controldata("Bytes per WAL segment")).isEqualTo("2097152");
        // 0/C00000 ended the old 1 MB segment 12; in 2 MB segments the next one starts at 0/E00000
        assertThat(controldata("Latest checkpoint's REDO WAL file")).isEqualTo("000000040000000000000007");
        assertThat(controldata("Latest checkpoint location")).isEqualTo("0/E00000");
    }

    @Test
    void brokenPgControlIsGuessedAndNeedsForce() throws Exception {
        Files.write(data.resolve(ControlFile.RELATIVE_PATH), new byte[0]);
        CliRun r = CliRun.of("resetwal", data.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("pg_resetwal: warning: pg_control exists but is broken or wrong version; "
                + "ignoring it\n");
        assertThat(r.out()).startsWith("Guessed pg_control values:\n\n")
                .contains("Latest checkpoint's NextXID:          0:3\n")
                .contains("Bytes per WAL segment:                16777216\n")
                .endsWith("\nIf these values seem acceptable, use -f to force reset.\n");
        assertThat(Files.size(data.resolve(ControlFile.RELATIVE_PATH))).isZero();

        CliRun forced = CliRun.of("resetwal", "-f", data.toString());
        assertThat(forced.code()).as(forced.err()).isZero();
        assertThat(controldata("Database cluster state")).isEqualTo("shut down");
        assertThat(controldata("Bytes per WAL segment")).isEqualTo("16777216");
    }

    @Test
    void pgControlWithABadCrcIsUsedAsAGuess() throws Exception {
        String nextXid = controldata("Latest checkpoint's NextXID");
        byte[] bytes = control();
        bytes[60] ^= 0x40; // inside the fields, so the CRC no longer matches
        Files.write(data.resolve(ControlFile.RELATIVE_PATH), bytes);
        CliRun r = CliRun.of("resetwal", "-n", data.toString());
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEqualTo("pg_resetwal: warning: pg_control exists but has invalid CRC; proceed with "
                + "caution\n");
        assertThat(r.out()).startsWith("Guessed pg_control values:\n\n");
        assertThat(CliRun.of("resetwal", data.toString()).code()).isEqualTo(1);
        assertThat(CliRun.of("resetwal", "-f", data.toString()).code()).isZero();
        assertThat(controldata("Latest checkpoint's NextXID")).isEqualTo(nextXid);
    }

    /** PostgreSQL's src/bin/pg_resetwal/t/002_corrupted.pl, on Walden's pg_control. */
    @Test
    void corruptedPgControlAsPostgresTestsIt() throws Exception {
        Path pgControl = data.resolve(ControlFile.RELATIVE_PATH);
        byte[] original = control();
        Files.write(pgControl, new byte[original.length]);
        CliRun zeros = CliRun.of("resetwal", "-n", data.toString());
        assertThat(zeros.code()).isZero();
        assertThat(zeros.out()).contains("pg_control version number");
        assertThat(zeros.err()).isEqualTo("pg_resetwal: warning: pg_control exists but is broken or wrong version; "
                + "ignoring it\n");

        byte[] headerThenZeros = new byte[original.length];
        System.arraycopy(original, 0, headerThenZeros, 0, 16);
        Files.write(pgControl, headerThenZeros);
        CliRun header = CliRun.of("resetwal", "-n", data.toString());
        assertThat(header.code()).isZero();
        assertThat(header.out()).contains("pg_control version number");
        assertThat(header.err()).isEqualTo("pg_resetwal: warning: pg_control exists but has invalid CRC; proceed "
                + "with caution\n"
                + "pg_resetwal: warning: pg_control specifies invalid WAL segment size (0 bytes); proceed with "
                + "caution\n");
    }

    /** PostgreSQL's src/bin/pg_resetwal/t/001_basic.pl: help, version, a bad option, -n's output. */
    @Test
    void basicAsPostgresTestsIt() {
        CliRun bad = CliRun.of("resetwal", "--not-a-valid-option");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--help");
        assertThat(CliRun.of("resetwal", "-n", data.toString()).out()).contains("checkpoint");
    }

    @Test
    void missingPgControlIsRefusedWithPgResetwalsHint() throws Exception {
        Files.delete(data.resolve(ControlFile.RELATIVE_PATH));
        CliRun r = CliRun.of("resetwal", "-f", data.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo(
                "pg_resetwal: error: could not open file \"global/pg_control\" for reading: No such file or directory\n"
                        + "pg_resetwal: hint: If you are sure the data directory path is correct, execute\n"
                        + "  touch global/pg_control\n"
                        + "and try again.\n");
    }

    @Test
    void nextOidSetsTheCatalogsCounterAndRefusesToGoBack() {
        CliRun r = CliRun.of("resetwal", "-o", "30000", data.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(CliRun.of("resetwal", "-n", data.toString()).out())
                .contains("Latest checkpoint's NextOID:          30000\n");
        CliRun back = CliRun.of("resetwal", "-o", "29999", data.toString());
        assertThat(back.code()).isEqualTo(1);
        assertThat(back.err()).startsWith("pg_resetwal: error: OID (-o) must be greater than or equal to 30000\n");
    }

    @Test
    void cNumbersParseAsStrtoul() {
        assertThat(ResetwalCommand.CNumber.parse("0x1F", 0, false).value()).isEqualTo(31);
        assertThat(ResetwalCommand.CNumber.parse("010", 0, false).value()).isEqualTo(8);
        assertThat(ResetwalCommand.CNumber.parse(" +42", 0, false).value()).isEqualTo(42);
        assertThat(ResetwalCommand.CNumber.parse("-1", 0, false).value()).isEqualTo(-1L);
        assertThat(ResetwalCommand.CNumber.parse("0x", 0, false).end()).isEqualTo(1);
        assertThat(ResetwalCommand.CNumber.parse("18446744073709551616", 0, false).outOfRange()).isTrue();
        assertThat(ResetwalCommand.CNumber.parse("abc", 0, false).end()).isZero();
    }

    private static String[] args(String line) {
        return Stream.concat(Stream.of("resetwal"), Stream.of(line.trim().split("\\s+"))
                .map(a -> a.equals("''") ? "" : a)).toArray(String[]::new);
    }

    private byte[] control() throws Exception {
        return Files.readAllBytes(data.resolve(ControlFile.RELATIVE_PATH));
    }

    private List<String> walFiles() throws Exception {
        try (Stream<Path> s = Files.list(data.resolve("pg_wal"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private String controldata(String field) {
        for (String line : CliRun.of("controldata", "-D", data.toString()).out().split("\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).strip();
            }
        }
        throw new IllegalStateException("no " + field);
    }
}
