package org.walden.cli;

import picocli.CommandLine.Option;

/** {@code --wait} and {@code --timeout} of a hand-over: walden switchover, walden ha switchover and failover. */
final class HandOverOptions {

    @Option(names = "--wait", paramLabel = "SECS", defaultValue = "10", description = "switchover: how long running "
            + "write transactions get to finish before their sessions are ended (default: 10)")
    int waitSeconds;

    @Option(names = {"-t", "--timeout"}, paramLabel = "SECS", defaultValue = "60", description = "how long the "
            + "candidate may take to catch up, and each later step, up to the new primary (default: 60)")
    int timeoutSeconds;
}
