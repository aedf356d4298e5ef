package org.walden.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.walden.storage.RocksDbLibrary;

/**
 * Starting a server process detached from the caller, as pg_ctl start does: a new session
 * (setsid, so the terminal's signals do not reach it), stdin from /dev/null, stdout and stderr
 * appended to the log file (or /dev/null). The child runs this same JVM's java with this same
 * class path: {@code java -cp ... org.walden.cli.Main postgres -D DIR ...}, started through
 * {@code env --default-signal=...} so that signals the caller ignores (nohup, a shell's
 * background job) do not stay ignored in the server.
 */
final class ServerLauncher {

    /** coreutils' env, which resets signal dispositions before it execs (--default-signal, 8.31+). */
    static final String ENV = "/usr/bin/env";
    /** The signals the postmaster handles, reset to their defaults before the server's JVM starts. */
    static final String DEFAULT_SIGNALS = "--default-signal=HUP,INT,TERM,USR1,USR2";

    private ServerLauncher() {
    }

    /** The java executable running this JVM. */
    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The command line of {@code walden postgres -D dataDir extraArgs...} in a new JVM. */
    static List<String> postgresCommand(Path dataDir, List<String> extraArgs) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        } else if (Files.isExecutable(Path.of("/bin/setsid"))) {
            cmd.add("/bin/setsid");
        }
        if (Files.isExecutable(Path.of(ENV))) {
            // Signals the caller ignores (nohup, a background job) would stay ignored through exec,
            // and the JVM would not install the server's handlers for them: reset them first.
            cmd.add(ENV);
            cmd.add(DEFAULT_SIGNALS);
        }
        cmd.add(javaExecutable());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        String cacheDir = System.getenv("WALDEN_CACHE_DIR");
        if (cacheDir != null && !cacheDir.isBlank() && Files.isWritable(Path.of(cacheDir))) {
            // bin/walden's class data sharing, with an archive of the server's own classes
            cmd.addAll(List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + Path.of(cacheDir,
                    "walden-server.jsa"), "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        }
        String nativeDir = System.getProperty(RocksDbLibrary.DIR_PROPERTY);
        if (nativeDir != null && !nativeDir.isBlank()) {
            cmd.addAll(List.of("-D" + RocksDbLibrary.DIR_PROPERTY + "=" + nativeDir, "-Djava.library.path=" + nativeDir));
        }
        List<String> serverArgs = new ArrayList<>(List.of("-D", dataDir.toString()));
        serverArgs.addAll(extraArgs);
        cmd.addAll(ServerHeap.jvmOptions(serverArgs));
        String jvmOptions = System.getenv("WALDEN_SERVER_JVM_OPTS");
        if (jvmOptions != null && !jvmOptions.isBlank()) {
            cmd.addAll(CtlCommand.splitOptions(jvmOptions));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("postgres");
        cmd.add("-D");
        cmd.add(dataDir.toString());
        cmd.addAll(extraArgs);
        return cmd;
    }

    /** Starts the server detached; its output goes to {@code logFile} (appended) or nowhere. */
    static Process launch(Path dataDir, List<String> extraArgs, Path logFile) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(postgresCommand(dataDir, extraArgs));
        pb.environment().putIfAbsent("MALLOC_ARENA_MAX", ServerHeap.MALLOC_ARENAS);
        pb.redirectInput(new File("/dev/null"));
        if (logFile != null) {
            File f = logFile.toAbsolutePath().toFile();
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(f));
            pb.redirectError(ProcessBuilder.Redirect.appendTo(f));
        } else {
            pb.redirectOutput(new File("/dev/null"));
            pb.redirectError(new File("/dev/null"));
        }
        return pb.start();
    }

    /** Sends a signal by name ("TERM", "INT", "HUP", "USR2", "KILL") with kill(1); false if it failed. */
    static boolean signal(long pid, String name) {
        try {
            Process p = new ProcessBuilder("kill", "-s", name, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
