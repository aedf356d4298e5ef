package org.walden.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The postmaster's signal handlers (PostgreSQL's pmdie and SIGHUP_handler), through
 * sun.misc.Signal: TERM → smart shutdown, INT → fast, HUP → reload, USR1 → promote handler.
 * The JVM reserves QUIT (thread dumps), so immediate shutdown is USR2 here where pg_ctl
 * would send SIGQUIT; {@code walden ctl stop -m immediate} sends USR2.
 */
final class SignalHandling {

    private static final Logger log = LoggerFactory.getLogger(SignalHandling.class);

    private SignalHandling() {
    }

    static void install(Postmaster pm) {
        handle("TERM", () -> pm.requestShutdown(Postmaster.ShutdownMode.SMART));
        handle("INT", () -> pm.requestShutdown(Postmaster.ShutdownMode.FAST));
        handle("USR2", () -> pm.requestShutdown(Postmaster.ShutdownMode.IMMEDIATE));
        handle("HUP", pm::reload);
        handle("USR1", pm::promoteSignal);
    }

    private static void handle(String name, Runnable action) {
        try {
            // The handler runs on the JVM's signal thread: hand the work to a thread of its own.
            Signal.handle(new Signal(name), s -> Thread.ofVirtual().name("signal-" + name).start(action));
        } catch (IllegalArgumentException e) {
            log.warn("cannot handle SIG{}: {}", name, e.getMessage());
        }
    }
}
