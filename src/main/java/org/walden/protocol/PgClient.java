package org.walden.protocol;

import static org.walden.protocol.PgProtocol.*;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.auth.Md5Password;

/**
 * A client connection speaking the v3 protocol, as libpq does for a walreceiver and for
 * {@code walden basebackup}: connect over TCP or a Unix socket, StartupMessage, answer the
 * server's authentication request (trust, cleartext, md5, SCRAM-SHA-256), collect
 * ParameterStatus and BackendKeyData, then run simple queries and COPY streams.
 *
 * <pre>
 * connect:   C: StartupMessage          S: R(auth)... R(0) S* K Z
 * query:     C: Q                       S: (T D* C | I | E)* Z
 * streaming: C: Q "START_REPLICATION"   S: W   then d* both ways, c both ways,
 *                                       S: (T D* C)* C Z         ({@link #finishCopy})
 * backup:    C: Q "BASE_BACKUP ..."     S: (T D* C)* H d* c (T D* C)* C Z
 * </pre>
 *
 * <p>Not thread-safe except {@link #sendCopyData}/{@link #flush} (frame-atomic, so a
 * walreceiver may send status updates from another thread while one thread reads).
 * States: QUERY_IDLE → IN_COPY (after {@link #startCopy}) → QUERY_IDLE ({@link #finishCopy});
 * any → CLOSED.
 */
public final class PgClient implements AutoCloseable {

    /** Default for connect_timeout when the conninfo gives none. */
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
    /** Default limit for waiting on a query's answer; {@link #setIoTimeoutMs} changes it. */
    public static final long DEFAULT_IO_TIMEOUT_MS = 600_000;
    /** libpq's default socket directory on Debian. */
    public static final String DEFAULT_SOCKET_DIR = "/var/run/postgresql";
    /**
     * Every libpq connection keyword (PostgreSQL 15's PQconninfoOptions, plus the ones later
     * releases and older ones write into a primary_conninfo): these configure the client and are
     * never sent as StartupMessage parameters. user, dbname, replication, options,
     * application_name, fallback_application_name and client_encoding are listed too because
     * {@link #startupParameters} sends them under their own rules.
     */
    static final Set<String> LIBPQ_KEYWORDS = Set.of(
            // PostgreSQL 15
            "service", "user", "password", "passfile", "channel_binding", "connect_timeout", "dbname",
            "host", "hostaddr", "port", "client_encoding", "options", "application_name",
            "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
            "keepalives_count", "tcp_user_timeout", "sslmode", "sslcompression", "sslcert", "sslkey",
            "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer",
            "ssl_min_protocol_version", "ssl_max_protocol_version", "gssencmode", "krbsrvname", "gsslib",
            "replication", "target_session_attrs",
            // removed in 14, still found in old conninfo strings
            "authtype", "tty",
            // added in 16 and later
            "sslcertmode", "require_auth", "load_balance_hosts", "gssdelegation", "sslnegotiation",
            "sslkeylogfile", "min_protocol_version", "max_protocol_version", "scram_client_key",
            "scram_server_key", "oauth_issuer", "oauth_client_id", "oauth_client_secret", "oauth_scope");

    /** What {@link #readCopyData} returns. */
    public sealed interface CopyEvent {
        /** One CopyData message's payload. */
        record Data(byte[] payload) implements CopyEvent {
        }

        /** The server sent CopyDone: it sends no more CopyData. */
        record Done() implements CopyEvent {
        }

        /** Nothing arrived within the timeout. */
        record Timeout() implements CopyEvent {
        }
    }

    /** The server's answer that started COPY: 'W' CopyBoth, 'H' CopyOut or 'G' CopyIn, and the results before it. */
    public record CopyStart(char kind, int overallFormat, List<QueryResult> resultsBefore) {
    }

    private enum Mode { QUERY_IDLE, IN_COPY, CLOSED }

    private final PgStream stream;
    private final Map<String, String> parameterStatuses = new LinkedHashMap<>();
    private int backendPid;
    private int secretKey;
    private char transactionStatus = TX_IDLE;
    private Mode mode = Mode.QUERY_IDLE;
    private char copyKind;
    private int copyFormat;
    private boolean serverCopyDone;
    /** Set by {@link #wakeup()} (any thread), read and cleared by the reading thread. */
    private volatile boolean wakeupRequested;
    private boolean clientCopyDone;
    /** channel_binding of the conninfo: disable, prefer or require. */
    private String channelBinding = "prefer";
    private Consumer<PgServerError> noticeListener = n -> { };

    private PgClient(PgStream stream) {
        this.stream = stream;
    }

    // ------------------------------------------------------------------ connecting

    /**
     * Connects and authenticates as libpq would: missing keys come from the PG* environment
     * variables, a missing password from the password file (~/.pgpass). PgServerError for the
     * server's FATAL, IOException if unreachable.
     */
    public static PgClient connect(ConnInfo info) throws IOException {
        Map<String, String> env = System.getenv();
        ConnInfo full = PgPassFile.withEnvironment(info, env);
        if (full.get("password") == null) {
            Map<String, String> startup = startupParameters(full);
            String pw = PgPassFile.lookup(PgPassFile.fileFor(full, env), full.get("host"),
                    full.getOrDefault("port", "5432"), startup.get("database"), startup.get("user"));
            if (pw != null) {
                full = full.with("password", pw);
            }
        }
        return connect(full, new SecureRandom());
    }

    /**
     * Connects with exactly this conninfo (no environment, no password file), trying each
     * address in turn; TLS as the conninfo's sslmode says ({@link ClientTls}).
     */
    public static PgClient connect(ConnInfo info, Random random) throws IOException {
        long connectTimeoutMs = connectTimeoutMs(info);
        ClientTls tls = new ClientTls(info);
        IOException last = null;
        for (Target target : targets(info)) {
            try {
                try {
                    return connectTo(target, info, random, tls, tls.mode() != ClientTls.SslMode.ALLOW,
                            connectTimeoutMs);
                } catch (PgServerError e) {
                    if (tls.mode() != ClientTls.SslMode.ALLOW || target.address() instanceof UnixDomainSocketAddress) {
                        throw e;
                    }
                    // sslmode=allow: the server refused the plaintext connection; try again with TLS
                    return connectTo(target, info, random, tls, true, connectTimeoutMs);
                }
            } catch (ConnectFailed e) {
                last = e.cause;
            }
        }
        throw last != null ? last : new IOException("no host to connect to");
    }

    /** A failure to reach an address (the next one is tried), as opposed to the server's refusal. */
    private static final class ConnectFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final IOException cause;

        ConnectFailed(IOException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    private static PgClient connectTo(Target target, ConnInfo info, Random random, ClientTls tls, boolean tryTls,
                                      long connectTimeoutMs) throws IOException, ConnectFailed {
        PgStream stream;
        try {
            stream = PgStream.connect(target.address(), connectTimeoutMs);
        } catch (IOException e) {
            throw new ConnectFailed(new IOException("connection to server at " + target.address() + " failed: "
                    + e.getMessage(), e));
        }
        PgClient client = new PgClient(stream);
        try {
            stream.setIoTimeoutMs(connectTimeoutMs);
            // libpq: TLS is never tried over a Unix socket (sslmode is ignored there)
            if (tryTls && tls.mode() != ClientTls.SslMode.DISABLE && !stream.isUnixSocket()) {
                client.negotiateTls(tls, target);
            }
            client.startup(info, random);
            stream.setIoTimeoutMs(DEFAULT_IO_TIMEOUT_MS);
            return client;
        } catch (IOException | RuntimeException e) {
            stream.close();
            throw e;
        }
    }

    /**
     * SSLRequest, then the handshake on 'S' (verify-full then checks the host name), or on to
     * plaintext on 'N' unless sslmode requires TLS. Bytes after the server's 'S' that arrived
     * before the handshake are refused (libpq's CVE-2021-23222 check).
     */
    private void negotiateTls(ClientTls tls, Target target) throws IOException {
        stream.sendAndFlush(FrontendMessages.sslRequest());
        int answer = stream.readByte();
        if (answer == 'N') {
            if (tls.mode().requiresTls()) {
                throw new PgException(SqlState.CONNECTION_FAILURE, "server does not support SSL, but SSL was required");
            }
            return;
        }
        if (answer != ENCRYPTION_ACCEPTED) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION,
                    "received invalid response to SSL negotiation: " + (char) answer);
        }
        if (stream.hasBufferedInput()) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "received unencrypted data after SSL response");
        }
        try {
            stream.startTls(tls.newEngine(target.host(), target.port()));
            tls.checkHostName((java.security.cert.X509Certificate) stream.tlsSession().getPeerCertificates()[0],
                    target.host());
        } catch (javax.net.ssl.SSLException e) {
            throw new PgException(SqlState.CONNECTION_FAILURE, "SSL error: " + sslReason(e));
        }
    }

    /** libpq's words for the usual handshake failures. */
    private static String sslReason(javax.net.ssl.SSLException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("PKIX") || m.contains("certificate_unknown") || m.contains("unable to find valid")
                || m.contains("revoked")) {
            return "certificate verify failed";
        }
        return m;
    }

    /** Whether this connection is encrypted. */
    public boolean isTls() {
        return stream.tlsSession() != null;
    }

    /** One address to try, with the host name and port as the conninfo spelled them. */
    record Target(SocketAddress address, String host, int port) {
    }

    /** The socket addresses for the conninfo's host(s) and port(s), as libpq resolves them. */
    public static List<SocketAddress> addresses(ConnInfo info) {
        return targets(info).stream().map(Target::address).toList();
    }

    static List<Target> targets(ConnInfo info) {
        String hosts = info.getOrDefault("hostaddr", info.getOrDefault("host", DEFAULT_SOCKET_DIR));
        String[] hostList = hosts.split(",", -1);
        String[] names = info.getOrDefault("host", hosts).split(",", -1);
        String[] portList = info.getOrDefault("port", "5432").split(",", -1);
        List<Target> out = new ArrayList<>();
        for (int i = 0; i < hostList.length; i++) {
            String host = hostList[i].isEmpty() ? DEFAULT_SOCKET_DIR : hostList[i];
            String name = i < names.length && !names[i].isEmpty() ? names[i] : host;
            String portText = portList.length == 1 ? portList[0] : (i < portList.length ? portList[i] : "5432");
            int port;
            try {
                port = Integer.parseInt(portText.strip());
            } catch (NumberFormatException e) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid integer value \"" + portText
                        + "\" for connection option \"port\"");
            }
            if (host.startsWith("/")) {
                out.add(new Target(UnixDomainSocketAddress.of(host + "/.s.PGSQL." + port), name, port));
                continue;
            }
            // As libpq: every address of a host name is tried in turn (localhost: ::1 and 127.0.0.1).
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) {
                    out.add(new Target(new InetSocketAddress(a, port), name, port));
                }
            } catch (UnknownHostException e) {
                out.add(new Target(InetSocketAddress.createUnresolved(host, port), name, port));
            }
        }
        return out;
    }

    private static long connectTimeoutMs(ConnInfo info) {
        String t = info.get("connect_timeout");
        if (t == null || t.isBlank()) {
            return DEFAULT_CONNECT_TIMEOUT_MS;
        }
        long seconds = Long.parseLong(t.strip());
        // libpq: 0 or negative means wait forever; 1 is raised to 2.
        return seconds <= 0 ? DEFAULT_CONNECT_TIMEOUT_MS : Math.max(2, seconds) * 1000;
    }

    /** The StartupMessage parameters libpq would send for this conninfo. */
    public static Map<String, String> startupParameters(ConnInfo info) {
        Map<String, String> p = new LinkedHashMap<>();
        String user = info.getOrDefault("user", System.getProperty("user.name"));
        p.put("user", user);
        String replication = info.get("replication");
        boolean physical = replication != null && isTrue(replication);
        p.put("database", info.getOrDefault("dbname", physical ? "replication" : user));
        if (replication != null) {
            p.put("replication", replication);
        }
        String options = info.get("options");
        if (options != null && !options.isEmpty()) {
            p.put("options", options);
        }
        String app = info.get("application_name");
        if (app == null || app.isEmpty()) {
            app = info.get("fallback_application_name");
        }
        if (app != null && !app.isEmpty()) {
            p.put("application_name", app);
        }
        String encoding = info.get("client_encoding");
        if (encoding != null && !encoding.isEmpty() && !encoding.equalsIgnoreCase("auto")) {
            p.put("client_encoding", encoding);
        }
        info.values().forEach((k, v) -> {
            if (!LIBPQ_KEYWORDS.contains(k)) {
                p.put(k, v);
            }
        });
        return p;
    }

    private static boolean isTrue(String v) {
        String s = v.toLowerCase();
        return s.equals("true") || s.equals("on") || s.equals("yes") || s.equals("1");
    }

    private void startup(ConnInfo info, Random random) throws IOException {
        Map<String, String> params = startupParameters(info);
        stream.sendAndFlush(FrontendMessages.startupMessage(params));
        String user = params.get("user");
        String password = info.get("password");
        channelBinding = info.getOrDefault("channel_binding", "prefer");
        ScramClient scram = null;
        while (true) {
            Message m = stream.readMessage(MAX_MESSAGE_LENGTH);
            switch (m.type()) {
                case B_AUTHENTICATION -> scram = answerAuthentication(m, user, password, scram, random);
                case B_PARAMETER_STATUS -> recordParameterStatus(m);
                case B_BACKEND_KEY_DATA -> {
                    Message.Reader r = m.reader();
                    backendPid = r.int32();
                    secretKey = r.int32();
                }
                case B_NOTICE_RESPONSE -> noticeListener.accept(BackendMessages.decodeError(m));
                case B_ERROR_RESPONSE -> throw BackendMessages.decodeError(m);
                case B_READY_FOR_QUERY -> {
                    transactionStatus = (char) m.reader().int8();
                    return;
                }
                case B_NEGOTIATE_PROTOCOL_VERSION -> { /* we asked for 3.0: nothing to adjust */ }
                default -> throw unexpected(m, "during startup");
            }
        }
    }

    private ScramClient answerAuthentication(Message m, String user, String password, ScramClient scram,
                                             Random random) throws IOException {
        Message.Reader r = m.reader();
        int code = r.int32();
        switch (code) {
            case AUTH_REQ_OK:
                if (channelBinding.equals("require") && (scram == null || !scram.usedChannelBinding())) {
                    throw new PgException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                            "channel binding required, but server authenticated client without channel binding");
                }
                return scram;
            case AUTH_REQ_PASSWORD:
                stream.sendAndFlush(FrontendMessages.passwordMessage(requirePassword(password)));
                return scram;
            case AUTH_REQ_MD5:
                stream.sendAndFlush(FrontendMessages.passwordMessage(
                        Md5Password.clientResponse(requirePassword(password), user, r.bytes(4))));
                return scram;
            case AUTH_REQ_SASL: {
                List<String> mechanisms = new ArrayList<>();
                for (String mech = r.cstring(); !mech.isEmpty(); mech = r.cstring()) {
                    mechanisms.add(mech);
                }
                byte[] cbind = channelBinding.equals("disable") ? null : serverEndPoint();
                boolean plus = cbind != null && mechanisms.contains(SCRAM_SHA_256_PLUS);
                if (channelBinding.equals("require") && !plus) {
                    throw new PgException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, cbind == null
                            ? "channel binding is required, but SSL not in use"
                            : "channel binding is required, but server did not offer an authentication method that"
                                    + " supports channel binding");
                }
                if (!plus && !mechanisms.contains(SCRAM_SHA_256)) {
                    throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                            "none of the server's SASL authentication mechanisms are supported");
                }
                ScramClient client = new ScramClient(requirePassword(password), random, cbind, plus);
                stream.sendAndFlush(FrontendMessages.saslInitialResponse(plus ? SCRAM_SHA_256_PLUS : SCRAM_SHA_256,
                        client.clientFirst()));
                return client;
            }
            case AUTH_REQ_SASL_CONTINUE:
                requireScram(scram);
                stream.sendAndFlush(FrontendMessages.saslResponse(scram.handleServerFirst(r.rest())));
                return scram;
            case AUTH_REQ_SASL_FINAL:
                requireScram(scram);
                scram.verifyServerFinal(r.rest());
                return scram;
            default:
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                        "authentication method " + code + " not supported");
        }
    }

    /** The server certificate's tls-server-end-point hash on a TLS connection, else null. */
    private byte[] serverEndPoint() throws IOException {
        javax.net.ssl.SSLSession session = stream.tlsSession();
        if (session == null) {
            return null;
        }
        return TlsNames.serverEndPoint((java.security.cert.X509Certificate) session.getPeerCertificates()[0]);
    }

    /**
     * What a command-line tool asks when the server wants a password and the conninfo, the
     * environment and ~/.pgpass gave none (pg_basebackup's prompt); null: no prompt (a server's
     * walreceiver, or -w). Process-wide; set once by the tool before it connects.
     */
    private static volatile java.util.function.Supplier<String> passwordPrompt;

    public static void setPasswordPrompt(java.util.function.Supplier<String> prompt) {
        passwordPrompt = prompt;
    }

    private static String requirePassword(String password) {
        java.util.function.Supplier<String> prompt = passwordPrompt;
        if ((password == null || password.isEmpty()) && prompt != null) {
            password = prompt.get();
        }
        if (password == null || password.isEmpty()) {
            throw new PgException(SqlState.INVALID_PASSWORD, "fe_sendauth: no password supplied");
        }
        return password;
    }

    private static void requireScram(ScramClient scram) {
        if (scram == null) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "out of order SASL message");
        }
    }

    private void recordParameterStatus(Message m) {
        Message.Reader r = m.reader();
        String name = r.cstring();
        parameterStatuses.put(name, r.cstring());
    }

    // ------------------------------------------------------------------ session facts

    /** The ParameterStatus value last reported for {@code name}, or null. */
    public String parameterStatus(String name) {
        return parameterStatuses.get(name);
    }

    public Map<String, String> parameterStatuses() {
        return Collections.unmodifiableMap(parameterStatuses);
    }

    public int backendPid() {
        return backendPid;
    }

    public int secretKey() {
        return secretKey;
    }

    /** The status of the last ReadyForQuery: 'I', 'T' or 'E'. */
    public char transactionStatus() {
        return transactionStatus;
    }

    public void setNoticeListener(Consumer<PgServerError> listener) {
        this.noticeListener = listener;
    }

    /** Limits how long a query's answer (or a stalled message) may take. */
    public void setIoTimeoutMs(long timeoutMs) {
        stream.setIoTimeoutMs(timeoutMs);
    }

    public SocketAddress remoteAddress() {
        return stream.remoteAddress();
    }

    // ------------------------------------------------------------------ simple query

    /** Runs a Query message and returns the last statement's result; PgServerError on an ErrorResponse. */
    public QueryResult simpleQuery(String sql) throws IOException {
        List<QueryResult> all = simpleQueryAll(sql);
        return all.isEmpty() ? new QueryResult(List.of(), List.of(), "") : all.get(all.size() - 1);
    }

    /** Runs a Query message; one result per statement that completed. */
    public List<QueryResult> simpleQueryAll(String sql) throws IOException {
        requireMode(Mode.QUERY_IDLE);
        stream.sendAndFlush(FrontendMessages.query(sql));
        return collectResults(new ArrayList<>(), false);
    }

    /**
     * Reads results until ReadyForQuery (or, when {@code stopAtCopy}, until a COPY response,
     * left in {@link #copyKind}). An ErrorResponse is thrown after ReadyForQuery.
     */
    private List<QueryResult> collectResults(List<QueryResult> results, boolean stopAtCopy) throws IOException {
        List<FieldDescription> fields = List.of();
        List<String[]> rows = new ArrayList<>();
        PgServerError error = null;
        while (true) {
            Message m = readMessage();
            switch (m.type()) {
                case B_ROW_DESCRIPTION -> {
                    fields = BackendMessages.decodeRowDescription(m);
                    rows = new ArrayList<>();
                }
                case B_DATA_ROW -> rows.add(textValues(BackendMessages.decodeDataRow(m)));
                case B_COMMAND_COMPLETE -> {
                    results.add(new QueryResult(fields, rows, BackendMessages.decodeCommandComplete(m)));
                    fields = List.of();
                    rows = new ArrayList<>();
                }
                case B_EMPTY_QUERY_RESPONSE -> results.add(new QueryResult(List.of(), List.of(), ""));
                case B_ERROR_RESPONSE -> {
                    error = BackendMessages.decodeError(m);
                    if (isFatal(error)) {
                        stream.close();
                        mode = Mode.CLOSED;
                        throw error;
                    }
                }
                case B_COPY_BOTH_RESPONSE, B_COPY_OUT_RESPONSE, B_COPY_IN_RESPONSE -> {
                    if (stopAtCopy) {
                        copyKind = m.type();
                        copyFormat = m.reader().int8();
                        return results;
                    }
                    refuseCopy(m.type());
                }
                case B_READY_FOR_QUERY -> {
                    transactionStatus = (char) m.reader().int8();
                    if (error != null) {
                        throw error;
                    }
                    return results;
                }
                default -> throw unexpected(m, "in a query result");
            }
        }
    }

    /** simpleQuery does not do COPY: refuse CopyIn, drain CopyOut, abandon CopyBoth. */
    private void refuseCopy(char kind) throws IOException {
        if (kind == B_COPY_IN_RESPONSE) {
            stream.sendAndFlush(FrontendMessages.copyFail("COPY is not supported by simpleQuery"));
        } else if (kind == B_COPY_OUT_RESPONSE) {
            Message m;
            do {
                m = readMessage();
            } while (m.type() == B_COPY_DATA);
        } else {
            close();
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "unexpected CopyBothResponse; use startCopy");
        }
    }

    /** Reads the next message, consuming NoticeResponse and ParameterStatus on the way. */
    private Message readMessage() throws IOException {
        while (true) {
            Message m = stream.readMessage(MAX_MESSAGE_LENGTH);
            if (m.type() == B_NOTICE_RESPONSE) {
                noticeListener.accept(BackendMessages.decodeError(m));
            } else if (m.type() == B_PARAMETER_STATUS) {
                recordParameterStatus(m);
            } else if (m.type() == 'A') {
                continue; // NotificationResponse: no LISTEN support here
            } else {
                return m;
            }
        }
    }

    /** A FATAL (or PANIC) ErrorResponse: the server closes the connection after it. */
    private static boolean isFatal(PgServerError e) {
        return e.severity() == PgException.Severity.FATAL || e.severity() == PgException.Severity.PANIC;
    }

    private static String[] textValues(byte[][] raw) {
        String[] out = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            out[i] = raw[i] == null ? null : new String(raw[i], StandardCharsets.UTF_8);
        }
        return out;
    }

    // ------------------------------------------------------------------ COPY

    /**
     * Sends a Query that starts COPY (START_REPLICATION, BASE_BACKUP, COPY ... TO STDOUT) and
     * returns once the CopyBoth/CopyOut/CopyIn response arrives, with any result sets that
     * preceded it. PgServerError if the server answers with an error instead.
     */
    public CopyStart startCopy(String sql) throws IOException {
        CopyStart start = startCopyOrResults(sql);
        if (start.kind() == 0) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "server did not start COPY for: " + sql);
        }
        return start;
    }

    /**
     * As {@link #startCopy}, but a command the server completes without COPY (START_REPLICATION
     * at the very end of a historic timeline answers with the next timeline at once) gives a
     * CopyStart of kind {@code 0} holding its results, the connection idle again.
     */
    public CopyStart startCopyOrResults(String sql) throws IOException {
        requireMode(Mode.QUERY_IDLE);
        stream.sendAndFlush(FrontendMessages.query(sql));
        copyKind = 0;
        List<QueryResult> before = collectResults(new ArrayList<>(), true);
        if (copyKind == 0) {
            return new CopyStart((char) 0, 0, before);
        }
        mode = Mode.IN_COPY;
        serverCopyDone = copyKind == B_COPY_IN_RESPONSE;
        clientCopyDone = copyKind == B_COPY_OUT_RESPONSE;
        return new CopyStart(copyKind, copyFormat, before);
    }

    /**
     * Waits up to {@code timeoutMs} for the server's next CopyData ({@code 0}: only what has
     * already arrived, without waiting). Returns {@link CopyEvent.Timeout}
     * when nothing came, {@link CopyEvent.Done} when the server ended its side of the copy.
     * An ErrorResponse (the server ended the copy with an error) is thrown after ReadyForQuery.
     */
    public CopyEvent readCopyData(long timeoutMs) throws IOException {
        requireMode(Mode.IN_COPY);
        if (serverCopyDone) {
            return new CopyEvent.Done();
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (true) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
            boolean ready = leftMs <= 0 ? stream.pollReadable() : stream.awaitReadable(leftMs);
            if (!ready) {
                if (leftMs <= 0 || System.nanoTime() - deadline >= 0 || wakeupRequested) {
                    wakeupRequested = false;
                    return new CopyEvent.Timeout();
                }
                continue;
            }
            Message m = stream.readMessage(MAX_MESSAGE_LENGTH);
            switch (m.type()) {
                case B_COPY_DATA:
                    return new CopyEvent.Data(m.body());
                case B_COPY_DONE:
                    serverCopyDone = true;
                    return new CopyEvent.Done();
                case B_NOTICE_RESPONSE:
                    noticeListener.accept(BackendMessages.decodeError(m));
                    break;
                case B_PARAMETER_STATUS:
                    recordParameterStatus(m);
                    break;
                case B_ERROR_RESPONSE:
                    mode = Mode.QUERY_IDLE;
                    PgServerError error = BackendMessages.decodeError(m);
                    if (isFatal(error)) {
                        close();
                    } else {
                        collectResults(new ArrayList<>(), false);
                    }
                    throw error;
                default:
                    throw unexpected(m, "during COPY");
            }
        }
    }

    /**
     * Ends a {@link #readCopyData} wait early with {@link CopyEvent.Timeout}, so the thread
     * reading can do something else now (a walreceiver's forced reply). Any thread.
     */
    public void wakeup() {
        wakeupRequested = true;
        stream.wakeup();
    }

    /** Queues one CopyData (call {@link #flush} to send). Any thread. */
    public void sendCopyData(byte[] payload) throws IOException {
        stream.send(BackendMessages.copyData(payload));
    }

    public void sendCopyData(byte[] payload, int offset, int length) throws IOException {
        stream.send(BackendMessages.copyData(payload, offset, length));
    }

    /** Sends CopyDone: this side sends no more CopyData. */
    public void sendCopyDone() throws IOException {
        requireMode(Mode.IN_COPY);
        if (!clientCopyDone) {
            clientCopyDone = true;
            stream.sendAndFlush(FrontendMessages.copyDone());
        }
    }

    public void flush() throws IOException {
        stream.flush();
    }

    /**
     * Ends the copy: sends CopyDone if not yet sent, discards the server's remaining CopyData
     * up to its CopyDone, and returns the result sets that follow (e.g. START_REPLICATION's
     * next_tli / next_tli_startpos) up to ReadyForQuery.
     */
    public List<QueryResult> finishCopy() throws IOException {
        requireMode(Mode.IN_COPY);
        sendCopyDone();
        while (!serverCopyDone) {
            Message m = stream.readMessage(MAX_MESSAGE_LENGTH);
            if (m.type() == B_COPY_DONE) {
                serverCopyDone = true;
            } else if (m.type() == B_ERROR_RESPONSE || m.type() == B_COMMAND_COMPLETE
                    || m.type() == B_ROW_DESCRIPTION) {
                // The server ended COPY without CopyDone (CopyIn, or an error): results follow.
                mode = Mode.QUERY_IDLE;
                List<QueryResult> results = new ArrayList<>();
                if (m.type() == B_ERROR_RESPONSE) {
                    PgServerError error = BackendMessages.decodeError(m);
                    if (!isFatal(error)) {
                        collectResults(results, false);
                    }
                    throw error;
                }
                if (m.type() == B_COMMAND_COMPLETE) {
                    results.add(new QueryResult(List.of(), List.of(), BackendMessages.decodeCommandComplete(m)));
                    return collectResults(results, false);
                }
                return collectAfterRowDescription(m, results);
            } else if (m.type() != B_COPY_DATA && m.type() != B_NOTICE_RESPONSE && m.type() != B_PARAMETER_STATUS) {
                throw unexpected(m, "finishing COPY");
            }
        }
        mode = Mode.QUERY_IDLE;
        return collectResults(new ArrayList<>(), false);
    }

    private List<QueryResult> collectAfterRowDescription(Message rowDescription, List<QueryResult> results)
            throws IOException {
        List<FieldDescription> fields = BackendMessages.decodeRowDescription(rowDescription);
        List<String[]> rows = new ArrayList<>();
        Message m = readMessage();
        while (m.type() == B_DATA_ROW) {
            rows.add(textValues(BackendMessages.decodeDataRow(m)));
            m = readMessage();
        }
        if (m.type() != B_COMMAND_COMPLETE) {
            throw unexpected(m, "after COPY");
        }
        results.add(new QueryResult(fields, rows, BackendMessages.decodeCommandComplete(m)));
        return collectResults(results, false);
    }

    // ------------------------------------------------------------------ cancel and close

    /** Sends a CancelRequest for a backend over a new connection (as PQcancel does). */
    public static void cancelRequest(ConnInfo info, int pid, int secretKey) throws IOException {
        SocketAddress address = addresses(info).get(0);
        try (PgStream s = PgStream.connect(address, connectTimeoutMs(info))) {
            s.sendAndFlush(FrontendMessages.cancelRequest(pid, secretKey));
            // The server closes the connection without answering; wait briefly for that.
            s.awaitReadable(1000);
        }
    }

    /** Sends Terminate (best effort) and closes the socket. */
    @Override
    public void close() {
        if (mode == Mode.CLOSED) {
            return;
        }
        mode = Mode.CLOSED;
        try {
            stream.sendAndFlush(FrontendMessages.terminate());
        } catch (IOException | RuntimeException ignored) {
            // the server may be gone already
        }
        stream.close();
    }

    public boolean isClosed() {
        return mode == Mode.CLOSED;
    }

    private void requireMode(Mode expected) throws IOException {
        if (mode == Mode.CLOSED) {
            throw new EOFException("connection is closed");
        }
        if (mode != expected) {
            throw new IllegalStateException("PgClient is " + mode + ", not " + expected);
        }
    }

    private PgException unexpected(Message m, String where) {
        close();
        return new PgException(SqlState.PROTOCOL_VIOLATION,
                "unexpected message type " + typeName(m.type()) + " " + where);
    }
}
