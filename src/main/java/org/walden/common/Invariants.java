package org.walden.common;

/**
 * Always-on assertions. A broken invariant is a bug: the process stops (exit code 3) and crash
 * recovery repairs, which turns a correctness bug into a liveness bug. A failed WAL write or
 * fsync goes through {@link #panic} too: an fsync is never retried.
 */
public final class Invariants {

    private Invariants() {
    }

    public static void check(boolean condition, String what) {
        if (!condition) {
            panic("invariant broken: " + what, null);
        }
    }

    /** Logs and halts the JVM at once; shutdown hooks do not run, as after kill -9. */
    public static void panic(String message, Throwable cause) {
        System.err.println("PANIC:  " + message);
        if (cause != null) {
            cause.printStackTrace(System.err);
        }
        System.err.flush();
        Runtime.getRuntime().halt(3);
    }
}
