package org.walden.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.walden.common.ServerVersion;
import org.walden.server.logging.PgLogging;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code walden <tool>}: PostgreSQL's programs as subcommands, with their flags and messages
 * (initdb, postgres, pg_ctl, pg_controldata, pg_waldump, pg_basebackup, pg_rewind, pg_resetwal) plus {@code demo}.
 */
@Command(name = "walden", mixinStandardHelpOptions = true,
        version = "walden " + ServerVersion.WALDEN_VERSION + " (PostgreSQL " + ServerVersion.PG_VERSION + " compatible)",
        description = "A replicated PostgreSQL-compatible database server.",
        subcommands = {InitdbCommand.class, PostgresCommand.class, CtlCommand.class, ControldataCommand.class,
            WaldumpCommand.class, BasebackupCommand.class, RewindCommand.class, ResetwalCommand.class,
            SwitchoverCommand.class, CoordinatorCommand.class, HaCommand.class, DemoCommand.class, ServerHeap.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    final PrintStream out;
    final PrintStream err;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        err.println("walden: missing command; try \"walden --help\"");
        return 1;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line; returns its exit code (for tests and for {@link #main}). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean server = args.length > 0 && (args[0].equals("postgres") || args[0].equals("server"));
        if (!server) {
            PgLogging.configureForTool();
        }
        CommandLine cl = new CommandLine(new Main(out, err));
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // pg_resetwal's options are parsed by the command itself, as getopt_long parses them
        cl.getSubcommands().get("resetwal").setUnmatchedOptionsArePositionalParams(true).setExpandAtFiles(false);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.println("walden " + cmd.getCommandName() + ": error: " + ex.getMessage());
            return 1;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }
}
