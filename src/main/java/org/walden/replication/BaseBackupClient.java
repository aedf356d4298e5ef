package org.walden.replication;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.walden.protocol.ConnInfo;
import org.walden.protocol.PgClient;
import org.walden.protocol.QueryResult;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * {@code walden basebackup}: PostgreSQL 15's pg_basebackup, client side (pg_basebackup.c).
 *
 * <pre>
 * main connection:  SHOW data_directory_mode, SHOW wal_segment_size, IDENTIFY_SYSTEM,
 *                   BASE_BACKUP ( LABEL ..., PROGRESS, [CHECKPOINT 'fast',] [WAL,] WAIT 0, MANIFEST 'yes', TARGET 'client')
 *                   → start LSN, tablespaces, CopyOut of the tar archive (+ manifest), end LSN
 * -X stream:        a second connection (see {@link WalStreamer}) streams WAL from the start
 *                   segment into pg_wal/ until the end LSN arrives
 * </pre>
 * Plain format extracts the archive into the target directory; tar format writes
 * {@code base.tar} (and {@code pg_wal.tar} for streamed WAL). {@code -R} adds standby.signal
 * and appends primary_conninfo (and primary_slot_name) to postgresql.auto.conf.
 */
public final class BaseBackupClient {

    /** -X: how the backup gets the WAL it needs. */
    public enum WalMethod { STREAM, FETCH, NONE }

    /**
     * What the command line asked for.
     *
     * @param host            -h (null: the default socket directory)
     * @param port            -p
     * @param user            -U (null: the OS user)
     * @param password        from PGPASSWORD or a prompt (null: none)
     * @param pgdata          -D
     * @param tarFormat       -F t (else plain)
     * @param walMethod       -X
     * @param writeRecoveryConf -R
     * @param createSlot      -C
     * @param slot            -S (null: a temporary slot with -X stream)
     * @param progress        -P
     * @param verbose         -v
     * @param fastCheckpoint  -c fast
     * @param label           -l
     * @param manifest        false with --no-manifest
     * @param applicationName put into primary_conninfo when not null
     * @param maxRateKb       -r/--max-rate in kB/s (0: unlimited); the server throttles
     * @param tablespaceMapping -T OLDDIR=NEWDIR: where a tablespace's directory is written (plain format)
     */
    public record Options(String host, int port, String user, String password, Path pgdata, boolean tarFormat,
                          WalMethod walMethod, boolean writeRecoveryConf, boolean createSlot, String slot,
                          boolean progress, boolean verbose, boolean fastCheckpoint, String label, boolean manifest,
                          String applicationName, int maxRateKb, java.util.Map<String, String> tablespaceMapping) {
        public Options(String host, int port, String user, String password, Path pgdata, boolean tarFormat,
                       WalMethod walMethod, boolean writeRecoveryConf, boolean createSlot, String slot,
                       boolean progress, boolean verbose, boolean fastCheckpoint, String label, boolean manifest,
                       String applicationName, int maxRateKb) {
            this(host, port, user, password, pgdata, tarFormat, walMethod, writeRecoveryConf, createSlot, slot,
                    progress, verbose, fastCheckpoint, label, manifest, applicationName, maxRateKb, java.util.Map.of());
        }

        public Options(String host, int port, String user, String password, Path pgdata, boolean tarFormat,
                       WalMethod walMethod, boolean writeRecoveryConf, boolean createSlot, String slot,
                       boolean progress, boolean verbose, boolean fastCheckpoint, String label, boolean manifest,
                       String applicationName) {
            this(host, port, user, password, pgdata, tarFormat, walMethod, writeRecoveryConf, createSlot, slot,
                    progress, verbose, fastCheckpoint, label, manifest, applicationName, 0);
        }

        /** pg_basebackup's defaults for a target directory. */
        public static Options defaults(Path pgdata) {
            return new Options(null, 5432, null, null, pgdata, false, WalMethod.STREAM, false, false, null, false,
                    false, false, "pg_basebackup base backup", true, null);
        }
    }

    private final PrintStream err;
    private final String progname;
    private long totalSizeKb;
    /** The archives BASE_BACKUP announced (the tablespaces and the data directory), and those received so far. */
    private int tablespaceCount = 1;
    private BackupArchiveReceiver receiver;
    private long totalDoneBytes;
    private long lastProgressPrintNanos;

    public BaseBackupClient(PrintStream err) {
        this(err, "pg_basebackup");
    }

    public BaseBackupClient(PrintStream err, String progname) {
        this.err = err;
        this.progname = progname;
    }

    /** Takes the backup; returns the exit status (0 done, 1 failed; the reason went to err). */
    public int run(Options o) {
        try {
            baseBackup(o);
            return 0;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            err.println(progname + ": error: " + errorText(e));
            return 1;
        }
    }

    /** The message, with the OS reason added where Java's file exception carries only the path. */
    static String errorText(Exception e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() == null) {
            return f.getMessage() + ": " + BackupArchiveReceiver.osReason(f);
        }
        return e.getMessage();
    }

    ConnInfo connInfo(Options o) {
        Map<String, String> m = new LinkedHashMap<>();
        if (o.host() != null) {
            m.put("host", o.host());
        }
        m.put("port", Integer.toString(o.port()));
        if (o.user() != null) {
            m.put("user", o.user());
        }
        if (o.password() != null) {
            m.put("password", o.password());
        }
        m.put("replication", "true");
        m.put("dbname", "replication");
        m.put("application_name", "pg_basebackup");
        return ConnInfo.of(m);
    }

    private void verbose(Options o, String message) {
        if (o.verbose()) {
            err.println(progname + ": " + message);
        }
    }

    /** pg_basebackup's option checks that depend on each other. */
    static void checkOptions(Options o) {
        if (o.createSlot() && o.slot() == null) {
            throw new IllegalArgumentException("--create-slot needs a slot to be specified using --slot");
        }
        if (o.slot() != null && o.walMethod() != WalMethod.STREAM) {
            throw new IllegalArgumentException("replication slots can only be used with WAL streaming");
        }
        if (o.pgdata() == null) {
            throw new IllegalArgumentException("no target directory specified");
        }
    }

    private void baseBackup(Options o) throws IOException, InterruptedException {
        checkOptions(o);
        prepareTargetDirectory(o.pgdata());
        try (PgClient conn = PgClient.connect(connInfo(o))) {
            // as pg_basebackup: the copy gets the source's modes (0700 / 0600, or 0750 / 0640)
            String mode = conn.simpleQuery("SHOW data_directory_mode").rows().get(0)[0];
            org.walden.common.DataDirectoryMode.setUmask(mode.equals("0750")
                    ? org.walden.common.DataDirectoryMode.MASK_GROUP : org.walden.common.DataDirectoryMode.MASK_OWNER);
            long segmentSizeBytes = parseSegmentSize(conn.simpleQuery("SHOW wal_segment_size").rows().get(0)[0]);
            QueryResult id = conn.simpleQuery("IDENTIFY_SYSTEM");
            TimelineId tli = new TimelineId(Integer.parseInt(id.rows().get(0)[1]));
            verbose(o, "initiating base backup, waiting for checkpoint to complete");
            PgClient.CopyStart copy = conn.startCopy(baseBackupCommand(o));
            verbose(o, "checkpoint completed");
            List<QueryResult> before = copy.resultsBefore();
            Lsn startLsn = Lsn.parse(before.get(0).rows().get(0)[0]);
            TimelineId startTli = new TimelineId(Integer.parseInt(before.get(0).rows().get(0)[1]));
            verbose(o, "write-ahead log start point: " + startLsn + " on timeline " + startTli);
            totalSizeKb = 0;
            tablespaceCount = Math.max(1, before.get(1).rows().size());
            for (String[] row : before.get(1).rows()) {
                totalSizeKb += row[2] == null ? 0 : Long.parseLong(row[2]);
            }
            WalStreamer streamer = null;
            Thread streamerThread = null;
            if (o.walMethod() == WalMethod.STREAM) {
                verbose(o, "starting background WAL receiver");
                Path walDir = o.tarFormat() ? Files.createTempDirectory(o.pgdata(), "pg_wal_stream")
                        : o.pgdata().resolve("pg_wal");
                Files.createDirectories(walDir);
                streamer = new WalStreamer(connInfo(o), o.slot(), o.createSlot(), startLsn, startTli,
                        segmentSizeBytes, walDir, this::verboseLine, o.verbose());
                streamer.connectAndStart();
                streamerThread = Thread.ofVirtual().name("pg_basebackup-wal").start(streamer);
            }
            BackupArchiveReceiver receiver = new BackupArchiveReceiver(o.pgdata(), o.tarFormat(), this::progress,
                    o.progress(), o.tablespaceMapping());
            this.receiver = receiver;
            receiver.receive(conn);
            List<QueryResult> after = conn.finishCopy();
            Lsn endLsn = Lsn.parse(after.get(0).rows().get(0)[0]);
            if (o.progress()) {
                progressReport(true);
            }
            verbose(o, "write-ahead log end point: " + endLsn);
            if (streamer != null) {
                verbose(o, "waiting for background process to finish streaming ...");
                streamer.stopAt(endLsn);
                streamerThread.join(java.time.Duration.ofMinutes(10));
                if (streamer.failure() != null) {
                    throw new IOException("could not receive data from WAL stream: " + streamer.failure());
                }
                if (o.tarFormat()) {
                    receiver.writeWalTar(streamer.files(), "pg_wal.tar");
                    deleteTree(streamer.walDir());
                }
            }
            if (o.writeRecoveryConf()) {
                receiver.writeRecoveryConf(recoveryConfContents(o), o.tarFormat());
            }
            receiver.finish();
            verbose(o, "syncing data to disk ...");
            if (o.manifest() && receiver.hasManifest()) {
                verbose(o, "renaming backup_manifest.tmp to backup_manifest");
                receiver.renameManifest();
            }
            verbose(o, "base backup completed");
        }
    }

    private void verboseLine(String line) {
        err.println(progname + ": " + line);
    }

    /** The command as pg_basebackup 15 words it. */
    static String baseBackupCommand(Options o) {
        StringBuilder b = new StringBuilder("BASE_BACKUP ( LABEL '").append(o.label().replace("'", "''")).append("'");
        if (o.progress()) {
            b.append(",  PROGRESS");
        }
        if (o.walMethod() == WalMethod.FETCH) {
            b.append(",  WAL");
        }
        if (o.fastCheckpoint()) {
            b.append(",  CHECKPOINT 'fast'");
        }
        b.append(",  WAIT 0");
        if (o.maxRateKb() > 0) {
            b.append(",  MAX_RATE ").append(o.maxRateKb());
        }
        if (o.tarFormat()) {
            b.append(",  TABLESPACE_MAP"); // tar format: the restore makes the links (pg_basebackup's format == 't')
        }
        b.append(o.manifest() ? ",  MANIFEST 'yes'" : "");
        b.append(",  TARGET 'client')");
        return b.toString();
    }

    /** "16MB" → bytes, as pg_basebackup parses SHOW wal_segment_size; must be a power of two, 1MB..1GB. */
    static long parseSegmentSize(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*(kB|MB|GB)").matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("WAL segment size could not be parsed: \"" + text + "\"");
        }
        long v = Long.parseLong(m.group(1));
        long bytes = switch (m.group(2)) {
            case "kB" -> v * 1024;
            case "MB" -> v * 1024 * 1024;
            default -> v * 1024 * 1024 * 1024;
        };
        if (Long.bitCount(bytes) != 1 || bytes < 1024 * 1024 || bytes > 1024L * 1024 * 1024) {
            throw new IllegalArgumentException("WAL segment size must be a power of two between 1 MB and 1 GB, but "
                    + "the remote server reported a value of " + bytes + " bytes");
        }
        return bytes;
    }

    /** pg_basebackup's GenerateRecoveryConfig: the lines -R appends to postgresql.auto.conf. */
    String recoveryConfContents(Options o) {
        StringBuilder conninfo = new StringBuilder();
        appendConnOption(conninfo, "user", o.user() != null ? o.user() : System.getProperty("user.name"));
        appendConnOption(conninfo, "password", o.password());
        appendConnOption(conninfo, "host", o.host());
        appendConnOption(conninfo, "port", Integer.toString(o.port()));
        appendConnOption(conninfo, "application_name", o.applicationName());
        // the TLS settings this backup connected with (PGSSLMODE, PGSSLROOTCERT, ...), so the
        // standby's walreceiver connects as securely as the backup did
        ConnInfo tls = org.walden.protocol.PgPassFile.withEnvironment(ConnInfo.of(Map.of()), System.getenv());
        for (String key : List.of("sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "channel_binding",
                "ssl_min_protocol_version", "ssl_max_protocol_version")) {
            appendConnOption(conninfo, key, tls.get(key));
        }
        StringBuilder out = new StringBuilder();
        out.append("primary_conninfo = '").append(escapeQuotes(conninfo.toString())).append("'\n");
        if (o.slot() != null) {
            out.append("primary_slot_name = '").append(escapeQuotes(o.slot())).append("'\n");
        }
        return out.toString();
    }

    private static void appendConnOption(StringBuilder b, String key, String value) {
        if (value == null) {
            return;
        }
        if (!b.isEmpty()) {
            b.append(' ');
        }
        b.append(key).append('=').append(ConnInfo.quote(value));
    }

    /** escape_quotes: doubles single quotes and backslashes (a GUC string literal). */
    static String escapeQuotes(String s) {
        return s.replace("\\", "\\\\").replace("'", "''");
    }

    private void prepareTargetDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IOException("directory \"" + dir + "\" exists but is not empty");
                }
            }
        } else {
            Files.createDirectories(dir);
        }
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    private void progress(long bytesDone) {
        totalDoneBytes = bytesDone;
        long now = System.nanoTime();
        if (now - lastProgressPrintNanos > 1_000_000_000L) {
            lastProgressPrintNanos = now;
            progressReport(false);
        }
    }

    /** progress_report: "NNNN/NNNN kB (100%), 1/1 tablespace" ("0/2 tablespaces" while the first of two comes). */
    private void progressReport(boolean finished) {
        long doneKb = totalDoneBytes / 1024;
        long total = Math.max(totalSizeKb, doneKb);
        int percent = total == 0 ? 100 : (int) Math.min(100, doneKb * 100 / total);
        String totalText = Long.toString(total);
        String doneText = String.format("%" + totalText.length() + "d", doneKb);
        int done = finished ? tablespaceCount : receiver == null ? 0 : Math.max(0, receiver.archivesStarted() - 1);
        err.print(doneText + "/" + totalText + " kB (" + percent + "%), " + done + "/" + tablespaceCount
                + (tablespaceCount == 1 ? " tablespace" : " tablespaces")
                + (finished ? "\n" : "\r"));
        err.flush();
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Writes a small file durably. */
    static void writeFile(Path p, byte[] content, boolean append) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING))) {
            out.write(content);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
