package org.walden.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden basebackup}: pg_basebackup's flags; the work is done by the replication
 * layer, called through {@link ClusterFactory#baseBackup}.
 */
@Command(versionProvider = ToolOptions.Version.class, name = "basebackup", description = "take a base backup of a running Walden server",
        mixinStandardHelpOptions = false, sortOptions = false)
final class BasebackupCommand implements Callable<Integer> {

    @Mixin
    ToolOptions toolOptions;

    @ParentCommand
    Main main;

    @Option(names = {"-D", "--pgdata"}, required = true, description = "receive base backup into directory")
    Path targetDir;

    @Option(names = {"-F", "--format"}, defaultValue = "p", description = "output format (plain (default), tar)")
    String format;

    @Option(names = {"-X", "--wal-method"}, defaultValue = "stream",
            description = "include required WAL files with specified method (none, fetch, stream)")
    String walMethod;

    @Option(names = {"-R", "--write-recovery-conf"}, description = "write configuration for replication")
    boolean writeRecoveryConf;

    @Option(names = {"-C", "--create-slot"}, description = "create replication slot")
    boolean createSlot;

    @Option(names = {"-S", "--slot"}, description = "replication slot to use")
    String slot;

    @Option(names = {"-P", "--progress"}, description = "show progress information")
    boolean progress;

    @Option(names = {"-v", "--verbose"}, description = "output verbose messages")
    boolean verbose;

    @Option(names = {"-c", "--checkpoint"}, defaultValue = "fast", description = "set fast or spread checkpointing")
    String checkpoint;

    @Option(names = {"-r", "--max-rate"}, paramLabel = "RATE",
            description = "maximum transfer rate to transfer data directory (in kB/s, or use suffix \"k\" or \"M\")")
    String maxRate;

    @Option(names = {"-l", "--label"}, defaultValue = "pg_basebackup base backup", description = "set backup label")
    String label;

    @Option(names = {"-h", "--host"}, description = "database server host or socket directory")
    String host;

    @Option(names = {"-p", "--port"}, description = "database server port number")
    Integer port;

    @Option(names = {"-U", "--username"}, description = "connect as specified database user")
    String user;

    @Option(names = {"-W", "--password"}, description = "force password prompt (should happen automatically)")
    boolean askPassword;

    @Option(names = {"-w", "--no-password"}, description = "never prompt for password")
    boolean noPassword;

    @Option(names = {"-T", "--tablespace-mapping"}, paramLabel = "OLDDIR=NEWDIR",
            description = "relocate tablespace in OLDDIR to NEWDIR")
    java.util.List<String> tablespaceMappings = new java.util.ArrayList<>();


    @Override
    public Integer call() {
        String fmt = normalize(format, "plain", "tar");
        if (fmt == null) {
            main.err.printf("pg_basebackup: error: invalid output format \"%s\", must be \"plain\" or \"tar\"%n", format);
            return 1;
        }
        String wal = switch (walMethod) {
            case "n", "none" -> "none";
            case "f", "fetch" -> "fetch";
            case "s", "stream" -> "stream";
            default -> null;
        };
        if (wal == null) {
            main.err.printf("pg_basebackup: error: invalid wal-method option \"%s\", must be \"fetch\", "
                    + "\"stream\", or \"none\"%n", walMethod);
            return 1;
        }
        if (!checkpoint.equals("fast") && !checkpoint.equals("spread")) {
            main.err.printf("pg_basebackup: error: invalid checkpoint argument \"%s\", must be \"fast\" or "
                    + "\"spread\"%n", checkpoint);
            return 1;
        }
        if (createSlot && slot == null) {
            main.err.println("pg_basebackup: error: --create-slot needs a slot to be specified using --slot");
            return 1;
        }
        int maxRateKb = 0;
        if (maxRate != null) {
            try {
                maxRateKb = parseMaxRate(maxRate);
            } catch (IllegalArgumentException e) {
                main.err.println("pg_basebackup: error: " + e.getMessage());
                return 1;
            }
        }
        java.util.Map<String, String> mapping = new java.util.LinkedHashMap<>();
        for (String m : tablespaceMappings) {
            String error = addTablespaceMapping(mapping, m);
            if (error != null) {
                main.err.println("pg_basebackup: error: " + error);
                return 1;
            }
        }
        if (askPassword && noPassword) {
            main.err.println("pg_basebackup: error: -w and -W cannot be used together");
            return 1;
        }
        java.util.function.Supplier<String> prompt = PasswordPrompt.once(main.err);
        String password = askPassword ? prompt.get() : System.getenv("PGPASSWORD");
        if (!noPassword) {
            // as pg_basebackup: asked only when the server wants a password that nothing else supplied
            org.walden.protocol.PgClient.setPasswordPrompt(prompt);
        }
        String h = host != null ? host : env("PGHOST", "localhost");
        int p = port != null ? port : Integer.parseInt(env("PGPORT", "5432"));
        String u = user != null ? user : env("PGUSER", System.getProperty("user.name"));
        return ClusterFactory.baseBackup(new ClusterFactory.BaseBackupOptions(h, p, u, password,
                targetDir.toAbsolutePath().normalize(), fmt, wal, writeRecoveryConf, createSlot, slot, progress,
                verbose, checkpoint, label, maxRateKb, mapping), main.out, main.err);
    }

    /**
     * -T OLDDIR=NEWDIR as pg_basebackup's tablespace_list_append reads it ("\\=" is a literal
     * '='); both must be absolute. Returns pg_basebackup's error text, or null when added.
     */
    static String addTablespaceMapping(java.util.Map<String, String> mapping, String arg) {
        StringBuilder oldDir = new StringBuilder();
        StringBuilder newDir = null;
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            StringBuilder into = newDir == null ? oldDir : newDir;
            if (c == '\\' && i + 1 < arg.length() && arg.charAt(i + 1) == '=') {
                into.append('=');
                i++;
            } else if (c == '=' && newDir == null) {
                newDir = new StringBuilder();
            } else if (c == '=') {
                return "multiple \"=\" signs in tablespace mapping";
            } else {
                into.append(c);
            }
        }
        if (newDir == null || oldDir.isEmpty() || newDir.isEmpty()) {
            return "invalid tablespace mapping format \"" + arg + "\", must be \"OLDDIR=NEWDIR\"";
        }
        if (!oldDir.toString().startsWith("/")) {
            return "old directory is not an absolute path in tablespace mapping: " + oldDir;
        }
        if (!newDir.toString().startsWith("/")) {
            return "new directory is not an absolute path in tablespace mapping: " + newDir;
        }
        mapping.put(org.walden.wal.TablespaceRecords.canonicalLocation(oldDir.toString()),
                org.walden.wal.TablespaceRecords.canonicalLocation(newDir.toString()));
        return null;
    }

    /** The server's MAX_RATE bounds, in kB/s (basebackup_throttle's MAX_RATE_LOWER/UPPER). */
    static final int MAX_RATE_LOWER_KB = 32;
    static final int MAX_RATE_UPPER_KB = 1024 * 1024;

    /**
     * --max-rate as pg_basebackup reads it: a number of kB/s, optionally followed by "k" (the
     * default unit) or "M"; IllegalArgumentException with pg_basebackup's message otherwise.
     */
    static int parseMaxRate(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("\\s*([+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)\\s*(.*?)\\s*").matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("transfer rate \"" + text + "\" is not a valid value");
        }
        double kb = Double.parseDouble(m.group(1));
        if (kb <= 0) {
            throw new IllegalArgumentException("transfer rate must be greater than zero");
        }
        String suffix = m.group(2);
        if (suffix.equals("M")) {
            kb *= 1024;
        } else if (!suffix.isEmpty() && !suffix.equals("k")) {
            throw new IllegalArgumentException("invalid --max-rate unit: \"" + suffix + "\"");
        }
        if (kb >= 0x1_0000_0000L) {
            throw new IllegalArgumentException("transfer rate \"" + text + "\" exceeds integer range");
        }
        if (kb < MAX_RATE_LOWER_KB || kb > MAX_RATE_UPPER_KB) {
            throw new IllegalArgumentException("transfer rate \"" + text + "\" is out of range");
        }
        return (int) kb;
    }

    private static String normalize(String value, String... allowed) {
        for (String a : allowed) {
            if (a.equals(value) || a.substring(0, 1).equals(value)) {
                return a;
            }
        }
        return null;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }
}
