package org.walden.server;

import org.walden.server.logging.PgLog;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The postmaster's signal handlers (PostgreSQL's pmdie and SIGHUP_handler), through
 * sun.misc.Signal: TERM → smart shutdown, INT → fast, HUP → reload, USR1 → promote handler.
 * The JVM reserves QUIT (thread dumps), so immediate shutdown is USR2 here where pg_ctl
 * would send SIGQUIT; {@code walden ctl stop -m immediate} sends USR2.
 *
 * <p>A JVM started with SIGHUP, SIGINT or SIGTERM ignored (nohup, a shell's background job)
 * keeps them ignored and declines the handler without an error: {@code Signal.handle} then
 * answers with {@link SignalHandler#SIG_IGN} as the previous handler. The launchers
 * ({@code bin/walden}, {@code walden ctl start}) reset the dispositions before the JVM starts;
 * if one is still ignored here, the server says so in a WARNING instead of silently losing
 * {@code ctl stop} or {@code ctl reload}.
 *
 * <p>A stop signal is remembered for the life of the process: a server that the failover agent
 * restarts in the same process (a demotion, walden ha reinit) must not undo an operator's
 * {@code ctl stop} that arrived while the old server was stopping or between the two. The
 * launcher does not restart after one ({@link #stopSignalled}), and a postmaster that installs
 * its handlers after one shuts down at once.
 */
final class SignalHandling {

    /** The strongest shutdown a signal asked for in this process; null before any. */
    private static volatile Postmaster.ShutdownMode signalled;

    private SignalHandling() {
    }

    static void install(Postmaster pm) {
        handle("TERM", () -> stop(pm, Postmaster.ShutdownMode.SMART));
        handle("INT", () -> stop(pm, Postmaster.ShutdownMode.FAST));
        handle("USR2", () -> stop(pm, Postmaster.ShutdownMode.IMMEDIATE));
        handle("HUP", pm::reload);
        handle("USR1", pm::promoteSignal);
        Postmaster.ShutdownMode earlier = signalled;
        if (earlier != null) {
            pm.requestShutdown(earlier);
        }
    }

    private static synchronized void stop(Postmaster pm, Postmaster.ShutdownMode mode) {
        if (signalled == null || mode.compareTo(signalled) > 0) {
            signalled = mode;
        }
        pm.requestShutdown(mode);
    }

    /** True once a stop signal (ctl stop) reached this process. */
    static boolean stopSignalled() {
        return signalled != null;
    }

    /** Installs one handler; false (after a WARNING) when it could not be installed. */
    static boolean handle(String name, Runnable action) {
        SignalHandler previous;
        try {
            // The handler runs on the JVM's signal thread: hand the work to a thread of its own.
            previous = Signal.handle(new Signal(name), s -> Thread.ofVirtual().name("signal-" + name).start(action));
        } catch (IllegalArgumentException e) {
            PgLog.at(org.walden.server.logging.PgLevel.WARNING)
                    .message("could not install the handler for SIG%s: %s", name, e.getMessage()).log();
            return false;
        }
        if (previous == SignalHandler.SIG_IGN) {
            PgLog.at(org.walden.server.logging.PgLevel.WARNING)
                    .message("could not install the handler for SIG%s: the signal was ignored when the server "
                            + "started", name)
                    .hint("Start the server with bin/walden or walden ctl, or reset the signal first "
                            + "(env --default-signal=" + name + ").").log();
            return false;
        }
        return true;
    }
}
