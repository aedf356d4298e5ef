package org.walden.common.guc;

/**
 * The server-wide configuration: postgresql.conf, then postgresql.auto.conf (which wins),
 * then command-line options, over the built-in defaults. Thread-safe; {@link #reload()}
 * applies changed SIGHUP-context settings, as pg_ctl reload does.
 */
public interface ServerSettings {

    /** The value as SHOW prints it; 42704 for an unknown name. */
    String show(String name);

    boolean getBool(String name);

    int getInt(String name);

    /** A memory or size setting in bytes ("16MB" → 16777216). */
    long getBytes(String name);

    /** A time setting in milliseconds ("60s" → 60000); -1 stays -1. */
    long getMillis(String name);

    String getString(String name);

    /** A new session's view over these settings. */
    SessionSettings newSession();

    /** Re-reads the files; returns false (and logs why) when they no longer parse. */
    boolean reload();

    /**
     * ALTER SYSTEM SET name = value, or ALTER SYSTEM RESET name when {@code value} is null:
     * checks name and value (42704, 22023, 55P02 for an internal parameter) and rewrites
     * postgresql.auto.conf; the change takes effect at the next reload. (Added by ops.)
     */
    default void alterSystem(String name, String value) {
        throw new UnsupportedOperationException("ALTER SYSTEM");
    }
}
