package org.walden.cli;

import java.util.Map;
import org.walden.common.ServerVersion;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every PostgreSQL program answers, mixed into each subcommand: {@code -?} /
 * {@code --help} (the usage text) and {@code -V} / {@code --version} ("pg_ctl (Walden) ...",
 * named as the PostgreSQL program the subcommand stands for). {@code -h} stays free for the
 * host, as in PostgreSQL's tools.
 */
final class ToolOptions {

    @Option(names = {"-?", "--help"}, usageHelp = true, description = "show this help, then exit")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "output version information, then exit")
    boolean version;

    /** The PostgreSQL program each subcommand stands for. */
    private static final Map<String, String> PROGRAMS = Map.of("initdb", "initdb", "postgres", "postgres",
            "ctl", "pg_ctl", "controldata", "pg_controldata", "waldump", "pg_waldump",
            "basebackup", "pg_basebackup", "rewind", "pg_rewind", "resetwal", "pg_resetwal", "demo", "walden demo");

    /** "--version" of a subcommand: "pg_ctl (Walden) 0.1.0, PostgreSQL 15.18 compatible". */
    static final class Version implements CommandLine.IVersionProvider {
        @Spec
        CommandSpec spec;

        @Override
        public String[] getVersion() {
            String program = PROGRAMS.getOrDefault(spec.name(), "walden " + spec.name());
            return new String[] {program + " (Walden) " + ServerVersion.WALDEN_VERSION + ", PostgreSQL "
                    + ServerVersion.PG_VERSION + " compatible"};
        }
    }
}
