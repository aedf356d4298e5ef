package org.walden.server;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.SessionSettings;
import org.walden.protocol.AuthMethod;
import org.walden.protocol.BackendMessages;
import org.walden.protocol.ErrorFields;
import org.walden.protocol.PgProtocol;
import org.walden.protocol.PgStream;
import org.walden.protocol.ServerAuthentication;
import org.walden.protocol.StartupPacket;
import org.walden.server.ReplicationHandler.ReplicationSession;
import org.walden.server.logging.PgLog;
import org.walden.server.logging.PgLogContext;
import org.walden.sql.Session;
import org.walden.sql.SqlEngine;

/**
 * Everything between accept() and the first ReadyForQuery, on the connection's own virtual
 * thread (PostgreSQL's BackendStartup → BackendInitialize → ProcessStartupPacket →
 * ClientAuthentication → InitPostgres): the startup packet (SSLRequest answered 'S' and the TLS
 * handshake when ssl is on, else 'N'; GSSENCRequest 'N'; CancelRequest passed to the
 * postmaster), the connection limit, pg_hba.conf, the client certificate and the method (cert,
 * peer, the password exchange), all within authentication_timeout, the role and database
 * checks, the session's settings, then
 * ParameterStatus and BackendKeyData, and the hand-over to a {@link Backend} or the
 * {@link ReplicationHandler}. Any FATAL is sent to the client before the socket closes.
 */
final class BackendStartup implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(BackendStartup.class);
    /** PostgreSQL's authentication_timeout default, where the settings lack it. */
    static final long AUTHENTICATION_TIMEOUT_MS = 60_000;
    /** How much longer than authentication_timeout a stalled start-up read may wait (the timer acts first). */
    private static final long AUTHENTICATION_TIMER_MARGIN_MS = 5_000;
    /** Set once the startup packet is read: a timeout after it is logged (before it, silent). */
    private volatile boolean startupPacketRead;
    /** Set once the session is ready: the authentication timer then does nothing. */
    private volatile boolean startupDone;
    /**
     * A backend's limit for a stalled write (a client that stops reading a large result) or a
     * message cut off midway; idle time between messages is not limited.
     */
    static final long BACKEND_IO_TIMEOUT_MS = 600_000;
    /** SSLRequest then GSSENCRequest, at most: more is a protocol violation. */
    private static final int MAX_ENCRYPTION_REQUESTS = 2;

    private final Postmaster postmaster;
    private final PgStream stream;
    private ChildProcess child;
    /** The database asked for, once the startup packet is read (for the disconnection log line). */
    private String database;
    /** A DETAIL only the server log sees (errdetail_log), for the FATAL that ends the connection. */
    private String fatalLogDetail;

    BackendStartup(Postmaster postmaster, PgStream stream) {
        this.postmaster = postmaster;
        this.stream = stream;
    }

    @Override
    public void run() {
        long startNanos = System.nanoTime();
        try {
            serve();
        } catch (PgException e) {
            sendFatal(e);
        } catch (EOFException e) {
            log.debug("connection closed by client during startup");
        } catch (IOException e) {
            log.info("connection ended: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.error("unexpected error in connection", e);
            sendFatal(PgException.fatal(SqlState.INTERNAL_ERROR, e.toString()));
        } finally {
            if (child != null) {
                Session s = child.session;
                if (s != null) {
                    try {
                        s.close();
                    } catch (RuntimeException e) {
                        log.warn("closing session of backend {}", child.pid, e);
                    }
                }
                postmaster.unregister(child);
                if (child.userName != null && setting("log_disconnections")) {
                    logDisconnection(System.nanoTime() - startNanos);
                }
            }
            stream.close();
            PgLogContext.clear();
        }
    }

    /** "disconnection: session time: 0:00:01.234 user=u database=d host=[local]", as log_disconnections writes it. */
    private void logDisconnection(long elapsedNanos) {
        long ms = elapsedNanos / 1_000_000;
        log.info(String.format("disconnection: session time: %d:%02d:%02d.%03d user=%s database=%s %s",
                ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000, child.userName, database,
                hostAndPort()));
    }

    /**
     * EmitErrorReport's order: the server log first, then the client. A client that has seen
     * the FATAL may rely on the log line being written already.
     */
    private void sendFatal(PgException e) {
        PgLog.reportFatal(e, fatalLogDetail);
        try {
            stream.sendAndFlush(BackendMessages.errorResponse(
                    new ErrorFields("FATAL", e.sqlState().code(), e.getMessage(), e.detail(), e.hint(), 0)));
        } catch (IOException | RuntimeException ignored) {
            // the client is gone
        }
    }

    private void serve() throws IOException {
        if (stream.remoteAddress() instanceof InetSocketAddress peer) {
            PgLogContext.bindRemote(peer.getAddress().getHostAddress(), peer.getPort());
        } else {
            PgLogContext.bindRemote("[local]", -1);
        }
        if (setting("log_connections")) {
            log.info("connection received: {}", hostAndPort());
        }
        long timeoutMs = authenticationTimeoutMs();
        // the timer below ends a slow start-up; a stalled read must not end it first and silently
        stream.setIoTimeoutMs(timeoutMs + AUTHENTICATION_TIMER_MARGIN_MS);
        java.util.concurrent.Future<?> timer = postmaster.schedule(this::authenticationTimedOut, timeoutMs);
        try {
            if (!stream.awaitReadable(timeoutMs)) {
                return; // PostgreSQL: a connection that sends nothing is closed silently
            }
            StartupPacket.StartupMessage startup = readStartupMessage();
            if (startup == null) {
                return;
            }
            startupPacketRead = true;
            authenticateAndStart(startup, timer);
        } finally {
            timer.cancel(false);
        }
    }

    /** authentication_timeout from the settings (1 s to 600 s; 60 s by default). */
    private long authenticationTimeoutMs() {
        try {
            return postmaster.settings().getMillis("authentication_timeout");
        } catch (PgException e) {
            return AUTHENTICATION_TIMEOUT_MS;
        }
    }

    /**
     * authentication_timeout passed before the session was ready: PostgreSQL's
     * StartupPacketTimeoutHandler (before the startup packet: the connection just closes) and
     * "canceling authentication due to timeout" (after it: logged, not sent to the client).
     */
    private void authenticationTimedOut() {
        if (startupDone) {
            return;
        }
        if (startupPacketRead) {
            PgLog.at(org.walden.server.logging.PgLevel.FATAL).message("canceling authentication due to timeout")
                    .sqlState(SqlState.QUERY_CANCELED.code()).log();
        }
        stream.close();
    }

    private void authenticateAndStart(StartupPacket.StartupMessage startup,
                                      java.util.concurrent.Future<?> timer) throws IOException {
        Map<String, String> params = negotiateProtocol(startup);
        String user = params.get("user");
        if (user == null || user.isEmpty()) {
            throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "no PostgreSQL user name specified in startup packet");
        }
        HbaFile.Replication replication = replicationKind(params.get("replication"));
        database = params.getOrDefault("database", "");
        if (database.isEmpty()) {
            database = user;
        }
        postmaster.checkCanAcceptConnections(replication != HbaFile.Replication.NONE);
        child = postmaster.register(replication != HbaFile.Replication.NONE, stream);

        InetSocketAddress client = stream.remoteAddress() instanceof InetSocketAddress isa ? isa : null;
        bindLogContext(user, params.getOrDefault("application_name", ""), client, replication);
        HbaFile.Request request = new HbaFile.Request(client == null ? null : client.getAddress(), database, user,
                replication, stream.tlsSession() != null);
        child.ssl = SslStatus.of(stream.tlsSession());
        SqlEngine engine = postmaster.engine();
        Optional<SqlEngine.Role> role = engine.findRole(user);
        clientAuthentication(request, role);
        SqlEngine.Role r = checkRole(role, user, replication, database);
        child.databaseName = replication == HbaFile.Replication.PHYSICAL ? null : database;
        child.applicationName = params.getOrDefault("application_name", "");
        child.client = client;
        child.userName = user;
        if (setting("log_connections")) {
            log.info(replication == HbaFile.Replication.NONE
                    ? "connection authorized: user=" + user + " database=" + database + " application_name="
                            + params.getOrDefault("application_name", "")
                    : "replication connection authorized: user=" + user + " application_name="
                            + params.getOrDefault("application_name", ""));
        }
        postmaster.checkRoleConnectionLimit(r, child);

        SessionSettings settings = postmaster.settings().newSession();
        settings.setSessionAuthorization(user, r.superuser());
        applyStartupOptions(settings, params);
        startupDone = true;
        timer.cancel(false);
        if (replication == HbaFile.Replication.NONE) {
            stream.setIoTimeoutMs(BACKEND_IO_TIMEOUT_MS);
            startBackend(engine, user, database, settings);
        } else {
            stream.setIoTimeoutMs(PgStream.DEFAULT_IO_TIMEOUT_MS);
            startWalSender(params, client, replication, database, settings);
        }
    }

    /**
     * PostgreSQL's ClientAuthentication: the pg_hba.conf rule decides the method, the exchange
     * runs; a failed password is logged with the matching rule (only the log sees the DETAIL).
     * clientcert=verify-ca|verify-full and the cert method need the client's certificate (the
     * TLS handshake has verified it against ssl_ca_file); cert and verify-full compare its CN
     * with the user through the line's pg_ident.conf map; peer does so with the Unix socket
     * peer's operating-system user.
     */
    private void clientAuthentication(HbaFile.Request request, Optional<SqlEngine.Role> role) throws IOException {
        HbaFile.Line line = postmaster.hba().matchOrRefuse(request);
        String user = request.user();
        if (line.clientCert() != HbaFile.ClientCert.OFF) {
            ServerTls tls = postmaster.tls();
            if (tls == null || !tls.requestsClientCertificate()) {
                throw PgException.fatal(SqlState.CONFIG_FILE_ERROR,
                        "client certificates can only be checked if a root certificate store is available");
            }
            if (child.ssl == null || child.ssl.clientCn() == null) {
                throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                        "connection requires a valid client certificate");
            }
        }
        switch (line.method()) {
            case CERT -> {
                if (!certificateNamesUser(line, user)) {
                    throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                            "certificate authentication failed for user \"" + user + "\"");
                }
                stream.sendAndFlush(BackendMessages.authenticationOk());
                return;
            }
            case PEER -> {
                String peer = stream.peerUserName();
                if (peer == null) {
                    throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                            "could not get peer credentials: Operation not supported");
                }
                if (!postmaster.ident().permits(line.map(), user, peer)) {
                    throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                            "Peer authentication failed for user \"" + user + "\"");
                }
                stream.sendAndFlush(BackendMessages.authenticationOk());
                return;
            }
            default -> runPasswordMethod(line, request, role);
        }
    }

    /** The password methods, then clientcert=verify-full's CN check. */
    private void runPasswordMethod(HbaFile.Line line, HbaFile.Request request, Optional<SqlEngine.Role> role)
            throws IOException {
        try {
            ServerAuthentication auth = new ServerAuthentication(stream, postmaster.random(), postmaster.mockAuthNonce());
            auth.authenticate(line.method(), request.user(), role.map(SqlEngine.Role::passwordVerifier).orElse(null),
                    line.clientCert() == HbaFile.ClientCert.VERIFY_FULL
                            ? () -> checkVerifyFull(line, request.user()) : () -> { });
        } catch (PgException e) {
            if (e.sqlState() == SqlState.INVALID_PASSWORD) {
                fatalLogDetail = "Connection matched pg_hba.conf line " + line.lineNumber() + ": \""
                        + line.rawLine() + "\"";
            }
            throw e;
        }
    }

    private void checkVerifyFull(HbaFile.Line line, String user) {
        if (!certificateNamesUser(line, user)) {
            throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "certificate validation (clientcert=verify-full) failed for user \"" + user + "\": CN mismatch");
        }
    }

    /** CheckCertAuth: the client certificate's CN, mapped by the line's map, is the user. */
    private boolean certificateNamesUser(HbaFile.Line line, String user) {
        String cn = child.ssl == null ? null : child.ssl.clientCn();
        if (cn == null || cn.isEmpty()) {
            PgLog.log("certificate authentication failed for user \"%s\": client certificate contains no user name",
                    user);
            return false;
        }
        return postmaster.ident().permits(line.map(), user, cn);
    }

    /**
     * Fills log_line_prefix's %u %d %a %r %h %p %c %b for every line this connection's thread
     * writes from here on (the FATAL of a failed authentication included); run() clears them.
     */
    private void bindLogContext(String user, String applicationName, InetSocketAddress client,
                                HbaFile.Replication replication) {
        PgLogContext.bindSession(child.pid, user, database, applicationName,
                client == null ? "[local]" : client.getAddress().getHostAddress(),
                client == null ? -1 : client.getPort(), postmaster.clock().instant().getEpochSecond());
        if (replication != HbaFile.Replication.NONE) {
            PgLogContext.bindProcess(child.pid, "walsender");
        }
    }

    /** A boolean setting, false where the configuration does not define it. */
    private boolean setting(String name) {
        try {
            return postmaster.settings().getBool(name);
        } catch (PgException e) {
            return false;
        }
    }

    /** "host=127.0.0.1 port=53712" or "host=[local]", as PostgreSQL's log lines write the peer. */
    private String hostAndPort() {
        return stream.remoteAddress() instanceof InetSocketAddress isa
                ? "host=" + isa.getAddress().getHostAddress() + " port=" + isa.getPort()
                : "host=[local]";
    }

    /**
     * PostgreSQL's SendNegotiateProtocolVersion: a 3.x client (x &gt; 0) or "_pq_." options get
     * NegotiateProtocolVersion (3.0, the options not understood) and go on with 3.0.
     * Returns the parameters without the "_pq_." options.
     */
    private Map<String, String> negotiateProtocol(StartupPacket.StartupMessage startup) throws IOException {
        Map<String, String> params = new LinkedHashMap<>();
        List<String> unrecognized = new ArrayList<>();
        startup.parameters().forEach((k, v) -> {
            if (k.startsWith("_pq_.")) {
                unrecognized.add(k);
            } else {
                params.put(k, v);
            }
        });
        if (startup.minorVersion() > 0 || !unrecognized.isEmpty()) {
            stream.send(BackendMessages.negotiateProtocolVersion(0, unrecognized));
        }
        return params;
    }

    /** Reads packets until a StartupMessage; null after a CancelRequest (handled) or a failed TLS handshake. */
    private StartupPacket.StartupMessage readStartupMessage() throws IOException {
        for (int requests = 0; ; requests++) {
            StartupPacket p = stream.readStartupPacket();
            switch (p) {
                case StartupPacket.SslRequest s -> {
                    if (!negotiateTls(requests)) {
                        return null;
                    }
                }
                case StartupPacket.GssEncRequest g -> refuseEncryption(requests);
                case StartupPacket.CancelRequest c -> {
                    postmaster.processCancelRequest(c.backendPid(), c.secretKey());
                    return null;
                }
                case StartupPacket.StartupMessage m -> {
                    return m;
                }
            }
        }
    }

    /**
     * SSLRequest: 'N' when ssl is off, on a Unix socket or on a connection already encrypted;
     * else 'S' and the TLS handshake. A client that sent more bytes before reading the answer
     * is refused (PostgreSQL's CVE-2021-23214 check). False after a failed handshake, which is
     * logged as PostgreSQL logs it ("could not accept SSL connection: ...").
     */
    private boolean negotiateTls(int requestsSoFar) throws IOException {
        ServerTls tls = postmaster.tls();
        if (tls == null || stream.isUnixSocket() || stream.tlsSession() != null) {
            refuseEncryption(requestsSoFar);
            return true;
        }
        if (requestsSoFar >= MAX_ENCRYPTION_REQUESTS) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "incomplete startup packet");
        }
        stream.sendAndFlush(new byte[] {PgProtocol.ENCRYPTION_ACCEPTED});
        if (stream.hasBufferedInput()) {
            throw new PgException(PgException.Severity.FATAL, SqlState.PROTOCOL_VIOLATION,
                    "received unencrypted data after SSL request", "This could be either a client-software bug or"
                    + " evidence of an attempted man-in-the-middle attack.", null, null);
        }
        try {
            stream.startTls(tls.newEngine());
        } catch (javax.net.ssl.SSLException | EOFException e) {
            PgLog.log("could not accept SSL connection: %s", e instanceof EOFException ? "EOF detected"
                    : String.valueOf(e.getMessage()));
            return false;
        }
        return true;
    }

    private void refuseEncryption(int requestsSoFar) throws IOException {
        if (requestsSoFar >= MAX_ENCRYPTION_REQUESTS) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "incomplete startup packet");
        }
        stream.sendAndFlush(new byte[] {PgProtocol.ENCRYPTION_REFUSED});
    }

    /** The startup parameter "replication": true/on/yes/1 physical, database logical, false/off/no/0 none. */
    static HbaFile.Replication replicationKind(String value) {
        if (value == null) {
            return HbaFile.Replication.NONE;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes", "1":
                return HbaFile.Replication.PHYSICAL;
            case "false", "off", "no", "0":
                return HbaFile.Replication.NONE;
            case "database":
                return HbaFile.Replication.LOGICAL;
            default:
                throw new PgException(PgException.Severity.FATAL, SqlState.INVALID_PARAMETER_VALUE,
                        "invalid value for parameter \"replication\": \"" + value + "\"", null,
                        "Valid values are: \"false\", 0, \"true\", 1, \"database\".", null);
        }
    }

    /** InitPostgres's checks after AuthenticationOk, in PostgreSQL's order and words. */
    private SqlEngine.Role checkRole(Optional<SqlEngine.Role> role, String user, HbaFile.Replication replication,
                                     String database) {
        if (role.isEmpty()) {
            throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "role \"" + user + "\" does not exist");
        }
        SqlEngine.Role r = role.get();
        if (!r.canLogin()) {
            throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "role \"" + user + "\" is not permitted to log in");
        }
        if (replication != HbaFile.Replication.NONE && !r.superuser() && !r.replication()) {
            throw PgException.fatal(SqlState.INSUFFICIENT_PRIVILEGE,
                    "must be superuser or replication role to start walsender");
        }
        if (replication != HbaFile.Replication.PHYSICAL && !postmaster.engine().databaseExists(database)) {
            throw PgException.fatal(SqlState.INVALID_CATALOG_NAME, "database \"" + database + "\" does not exist");
        }
        return r;
    }

    /**
     * Startup-packet settings (client_encoding, DateStyle, TimeZone, application_name, and
     * "-c name=value" / "--name=value" in options), applied as PostgreSQL's
     * process_startup_options does. An unknown name is FATAL 42704, a bad value FATAL 22023.
     */
    static void applyStartupOptions(SessionSettings settings, Map<String, String> params) {
        Map<String, String> toApply = new LinkedHashMap<>();
        params.forEach((name, value) -> {
            switch (name) {
                case "user", "database", "replication" -> { }
                case "options" -> toApply.putAll(parseOptions(value));
                default -> toApply.put(name, value);
            }
        });
        toApply.forEach((name, value) -> {
            try {
                settings.setAtConnectionStart(name, value);
            } catch (PgException e) {
                if (e.sqlState() == SqlState.CANT_CHANGE_RUNTIME_PARAM) {
                    log.debug("startup option {} not applied: {}", name, e.getMessage());
                    return;
                }
                throw new PgException(PgException.Severity.FATAL, e.sqlState(), e.getMessage(), e.detail(),
                        e.hint(), e);
            }
        });
    }

    /** "-c a=b --c=d": the settings in a startup "options" value (backslash escapes a space). */
    static Map<String, String> parseOptions(String options) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> words = splitOptions(options);
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            String setting = null;
            if (w.equals("-c") && i + 1 < words.size()) {
                setting = words.get(++i);
            } else if (w.startsWith("-c")) {
                setting = w.substring(2);
            } else if (w.startsWith("--")) {
                setting = w.substring(2);
            }
            if (setting == null || !setting.contains("=")) {
                throw PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                        "invalid command-line argument for server process: " + w);
            }
            int eq = setting.indexOf('=');
            out.put(setting.substring(0, eq).replace('-', '_'), setting.substring(eq + 1));
        }
        return out;
    }

    private static List<String> splitOptions(String options) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == '\\' && i + 1 < options.length()) {
                w.append(options.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (!w.isEmpty()) {
                    words.add(w.toString());
                    w.setLength(0);
                }
            } else {
                w.append(c);
            }
        }
        if (!w.isEmpty()) {
            words.add(w.toString());
        }
        return words;
    }

    /** ParameterStatus for every GUC_REPORT value, in PostgreSQL's (case-insensitive name) order, then BackendKeyData. */
    private Map<String, String> sendSessionStart(SessionSettings settings) throws IOException {
        Map<String, String> reported = new TreeMap<>(Comparator.comparing((String s) -> s.toLowerCase(Locale.ROOT)));
        reported.putAll(settings.reportedValues());
        for (Map.Entry<String, String> e : reported.entrySet()) {
            stream.send(BackendMessages.parameterStatus(e.getKey(), e.getValue()));
        }
        stream.send(BackendMessages.backendKeyData(child.pid, child.secretKey));
        return reported;
    }

    private void startBackend(SqlEngine engine, String user, String database, SessionSettings settings)
            throws IOException {
        Session session = engine.newSession(user, database, child.pid, settings);
        session.setConnection(stream.remoteAddress() instanceof InetSocketAddress c ? c : null,
                stream.localAddress() instanceof InetSocketAddress s ? s : null);
        child.session = session;
        Map<String, String> reported = sendSessionStart(settings);
        Backend backend = new Backend(stream, session, child.pid, reported, postmaster.clock());
        backend.setMaxStatementBytes(postmaster.maxStatementBytes());
        child.backend = backend;
        // as PostgreSQL's process title "postgres: USER DATABASE HOST(PORT)", for ps -T and jcmd
        Thread.currentThread().setName("postgres " + user + " " + database + " " + hostAndPort(child.client));
        if (postmaster.isFastShutdownRequested()) {
            backend.terminate();
        }
        backend.run();
    }

    /** PostgreSQL's remote_host(remote_port) in process titles; "[local]" for a Unix socket. */
    static String hostAndPort(InetSocketAddress client) {
        return client == null ? "[local]" : client.getAddress().getHostAddress() + "(" + client.getPort() + ")";
    }

    private void startWalSender(Map<String, String> params, InetSocketAddress client,
                                HbaFile.Replication replication, String database, SessionSettings settings)
            throws IOException {
        ReplicationHandler handler = postmaster.replicationHandler();
        if (handler == null) {
            throw PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED, "replication connections are not supported");
        }
        sendSessionStart(settings);
        stream.flush();
        ReplicationSession walSender = handler.open(new ReplicationHandler.ReplicationConnection(
                stream.inputStream(), stream.outputStream(), child.userName, params.getOrDefault("application_name", ""),
                client, child.pid, replication == HbaFile.Replication.LOGICAL ? database : null, params));
        child.walSender = walSender;
        walSender.run();
    }
}
