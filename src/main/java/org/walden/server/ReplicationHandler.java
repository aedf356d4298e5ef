package org.walden.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * Where the postmaster hands an authenticated replication connection (startup parameter
 * replication=true/on/yes/1, or database): the walsender plugs in here. The postmaster has
 * sent AuthenticationOk, the ParameterStatus messages and BackendKeyData, but not
 * ReadyForQuery: the walsender sends that itself once it has its slot (PostgreSQL's
 * InitWalSenderSlot can still refuse with FATAL 53300).
 */
@FunctionalInterface
public interface ReplicationHandler {

    /** Creates the walsender for a connection; the postmaster then runs it on the connection's thread. */
    ReplicationSession open(ReplicationConnection connection);

    /**
     * One replication connection as the postmaster hands it over. {@code in}/{@code out} are
     * the socket's streams (out is buffered: flush it); {@code clientAddress} is null for a
     * Unix socket; {@code database} is null for physical replication; {@code backendPid} is the
     * pid sent in BackendKeyData (pg_basebackup names its temporary slot after it).
     */
    record ReplicationConnection(InputStream in, OutputStream out, String userName, String applicationName,
                                 InetSocketAddress clientAddress, int backendPid, String database,
                                 Map<String, String> startupParameters) {
    }

    /** A running walsender, as the postmaster sees it. */
    interface ReplicationSession {

        /** Serves the connection until the client leaves or the walsender stops; closes nothing. */
        void run() throws IOException;

        /**
         * Smart or fast shutdown, after the shutdown checkpoint: send what is flushed, CopyDone,
         * and return from run(). Called from another thread.
         */
        void requestShutdown();
    }
}
