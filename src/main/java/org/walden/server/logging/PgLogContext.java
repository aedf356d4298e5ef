package org.walden.server.logging;

import org.slf4j.MDC;

/**
 * The MDC keys log_line_prefix reads. A backend binds them when its session starts
 * ({@link #bindSession}) and clears them when it ends; every log line its thread writes then
 * carries its user, database, application, client address and PID, as PostgreSQL's do.
 */
public final class PgLogContext {

    /** %p: the backend's PID (BackendKeyData); absent means the postmaster's own PID. */
    public static final String PID = "pg.pid";
    /** %u */
    public static final String USER = "pg.user";
    /** %d */
    public static final String DATABASE = "pg.database";
    /** %a */
    public static final String APPLICATION = "pg.application_name";
    /** %h */
    public static final String REMOTE_HOST = "pg.remote_host";
    /** with %h, %r prints host(port) */
    public static final String REMOTE_PORT = "pg.remote_port";
    /** %x: the current transaction id, "0" outside one. */
    public static final String XID = "pg.xid";
    /** %v: virtual transaction id. */
    public static final String VXID = "pg.vxid";
    /** %i: the command tag being executed. */
    public static final String COMMAND_TAG = "pg.command_tag";
    /** %c: session id, PostgreSQL's hex(start time).hex(pid). */
    public static final String SESSION_ID = "pg.session_id";
    /** %s: session start time, already formatted. */
    public static final String SESSION_START = "pg.session_start";
    /** %b: backend type ("client backend", "walsender", "checkpointer"...). */
    public static final String BACKEND_TYPE = "pg.backend_type";
    /** %e: SQLSTATE of an error being logged. */
    public static final String SQLSTATE = "pg.sqlstate";

    private PgLogContext() {
    }

    /** Binds the session keys on this thread (a backend's, after authentication). */
    public static void bindSession(int pid, String user, String database, String applicationName,
                                   String remoteHost, int remotePort, long sessionStartEpochSeconds) {
        MDC.put(PID, Integer.toString(pid));
        MDC.put(USER, user);
        MDC.put(DATABASE, database);
        MDC.put(APPLICATION, applicationName == null ? "" : applicationName);
        bindRemote(remoteHost, remotePort);
        MDC.put(SESSION_ID, Long.toHexString(sessionStartEpochSeconds) + "." + Integer.toHexString(pid));
        MDC.put(BACKEND_TYPE, "client backend");
    }

    /**
     * %h and %r alone, as soon as a connection is accepted (before its startup packet names
     * the user); "[local]" and a negative port for a Unix socket.
     */
    public static void bindRemote(String remoteHost, int remotePort) {
        if (remoteHost != null) {
            MDC.put(REMOTE_HOST, remoteHost);
            MDC.put(REMOTE_PORT, remotePort < 0 ? "" : Integer.toString(remotePort));
        }
    }

    /** Binds a background role (walsender, checkpointer...): %b and %p. */
    public static void bindProcess(int pid, String backendType) {
        MDC.put(PID, Integer.toString(pid));
        MDC.put(BACKEND_TYPE, backendType);
    }

    /** %a after a SET application_name (the backend reports the change with ParameterStatus). */
    public static void setApplicationName(String applicationName) {
        MDC.put(APPLICATION, applicationName == null ? "" : applicationName);
    }

    public static void setTransactionId(long xid) {
        MDC.put(XID, Long.toString(xid));
    }

    public static void clear() {
        MDC.clear();
    }
}
