package org.walden.cli;

import org.walden.server.logging.PgLog;
import sun.misc.Signal;

/**
 * The postmaster's signal handlers (postmaster.c's pmdie, SIGHUP_handler, sigusr1_handler):
 * SIGTERM smart shutdown, SIGINT fast shutdown, SIGHUP reload, SIGUSR2 promote. Each handler
 * only forwards to the server, which does the work on its own threads.
 */
final class Signals {

    private Signals() {
    }

    static void install(ClusterFactory.RunningServer server) {
        handle("TERM", () -> {
            PgLog.log("received smart shutdown request");
            server.requestShutdown(ClusterFactory.ShutdownMode.SMART);
        });
        handle("INT", () -> {
            PgLog.log("received fast shutdown request");
            server.requestShutdown(ClusterFactory.ShutdownMode.FAST);
        });
        handle("HUP", () -> {
            PgLog.log("received SIGHUP, reloading configuration files");
            server.reload();
        });
        handle("USR2", () -> {
            PgLog.log("received promote request");
            server.promote();
        });
    }

    private static void handle(String name, Runnable action) {
        try {
            Signal.handle(new Signal(name), s -> action.run());
        } catch (IllegalArgumentException e) {
            PgLog.warning("could not install a handler for SIG%s: %s", name, e.getMessage());
        }
    }
}
