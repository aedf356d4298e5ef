package org.walden.server;

import org.walden.protocol.PgStream;
import org.walden.server.ReplicationHandler.ReplicationSession;
import org.walden.sql.Session;

/**
 * The postmaster's record of one connection (PostgreSQL's Backend entry in postmaster.c's
 * BackendList): its pid and cancel key, its kind, and, once started, the Backend / Session or
 * walsender that serves it. Fields other than the finals are written by the connection's
 * thread and read by the postmaster (cancel, shutdown): volatile.
 */
final class ChildProcess {

    final int pid;
    final int secretKey;
    final boolean replication;
    final PgStream stream;
    /** When the postmaster registered it (pg_stat_activity.backend_start). */
    final java.time.Instant backendStart;
    /** Set after authentication. */
    volatile String userName;
    /** Set after authentication, for pg_stat_activity (null database on a physical walsender). */
    volatile String databaseName;
    volatile String applicationName;
    volatile java.net.InetSocketAddress client;
    /** The connection's TLS (pg_stat_ssl), null in plaintext; set before authentication. */
    volatile SslStatus ssl;
    volatile Session session;
    volatile Backend backend;
    volatile ReplicationSession walSender;

    ChildProcess(int pid, int secretKey, boolean replication, PgStream stream, java.time.Instant backendStart) {
        this.backendStart = backendStart;
        this.pid = pid;
        this.secretKey = secretKey;
        this.replication = replication;
        this.stream = stream;
    }

    /** CancelRequest: cancel the running statement, if any. */
    void cancel() {
        Session s = session;
        if (s != null) {
            s.cancel();
        }
    }

    /** Fast shutdown of a normal backend: FATAL 57P01 via the Backend, or just close if still starting. */
    void terminate() {
        Backend b = backend;
        if (b != null) {
            b.terminate();
        } else {
            stream.close();
        }
    }
}
