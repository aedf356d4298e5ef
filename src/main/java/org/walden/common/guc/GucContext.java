package org.walden.common.guc;

/**
 * When a parameter may change (PostgreSQL's GucContext, pg_settings.context). Ordered from the
 * most restrictive to the least.
 */
public enum GucContext {
    /** Fixed at build or initdb time (server_version, wal_segment_size); never set. */
    INTERNAL("internal"),
    /** Read at server start only (port, max_connections); a change needs a restart. */
    POSTMASTER("postmaster"),
    /** Changed by the configuration files at reload (SIGHUP); not by SET. */
    SIGHUP("sighup"),
    /** Fixed at connection start by a superuser (log_connections). */
    SUPERUSER_BACKEND("superuser-backend"),
    /** Fixed at connection start (ignore_system_indexes). */
    BACKEND("backend"),
    /** SET by superusers only (log_statement). */
    SUPERUSER("superuser"),
    /** SET by anyone (work_mem, application_name). */
    USER("user");

    private final String pgName;

    GucContext(String pgName) {
        this.pgName = pgName;
    }

    /** pg_settings.context. */
    public String pgName() {
        return pgName;
    }

    static GucContext fromPgName(String name) {
        for (GucContext c : values()) {
            if (c.pgName.equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown GUC context " + name);
    }
}
