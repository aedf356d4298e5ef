package org.walden.protocol;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.auth.Md5Password;
import org.walden.common.auth.ScramSha256;

/**
 * The server side of the authentication exchange (PostgreSQL's auth.c ClientAuthentication
 * after the pg_hba.conf match): asks for a password as the method says, checks it against
 * the role's stored verifier and sends AuthenticationOk. Failure is FATAL 28P01
 * {@code password authentication failed for user "x"} whether the password was wrong, the
 * role has none, or the role does not exist (the caller passes a null verifier then), so a
 * client learns nothing about which.
 *
 * <pre>
 * trust          S: R(0)
 * password       S: R(3)               C: p "pw\0"                                     S: R(0)
 * md5            S: R(5) salt          C: p "md5"+md5hex(md5hex(pw+user)+salt)          S: R(0)
 * scram-sha-256  S: R(10) mechanisms   C: p SASLInitialResponse  S: R(11) server-first
 *                C: p client-final     S: R(12) server-final     S: R(0)
 * </pre>
 * The stored verifier is "SCRAM-SHA-256$...", "md5" + 32 hex digits, or (older setups) a
 * plaintext password. As in PostgreSQL, md5 with a SCRAM verifier runs SCRAM.
 */
public final class ServerAuthentication {

    private final PgStream stream;
    private final Random random;
    private final byte[] mockAuthNonce;
    /** tls-server-end-point of this TLS connection (SCRAM-SHA-256-PLUS is offered), else null. */
    private final byte[] channelBindingData;

    /** {@code random} should be a SecureRandom outside tests. Mock SCRAM salts are random. */
    public ServerAuthentication(PgStream stream, Random random) {
        this(stream, random, null);
    }

    /**
     * {@code mockAuthNonce}: a per-server secret (PostgreSQL's mock_auth_nonce in pg_control)
     * from which a role without a SCRAM verifier gets a stable mock salt.
     */
    public ServerAuthentication(PgStream stream, Random random, byte[] mockAuthNonce) {
        this.stream = stream;
        this.random = random;
        this.mockAuthNonce = mockAuthNonce;
        this.channelBindingData = channelBindingData(stream);
    }

    /** The server certificate's tls-server-end-point hash on a TLS connection, else null. */
    private static byte[] channelBindingData(PgStream stream) {
        javax.net.ssl.SSLSession tls = stream.tlsSession();
        if (tls == null || tls.getLocalCertificates() == null || tls.getLocalCertificates().length == 0) {
            return null;
        }
        return TlsNames.serverEndPoint((java.security.cert.X509Certificate) tls.getLocalCertificates()[0]);
    }

    /**
     * Runs the exchange and sends AuthenticationOk. Raises FATAL 28P01 on a failed password,
     * FATAL 08P01 on a malformed exchange, EOFException if the client hangs up (psql does,
     * to prompt for a password, then reconnects).
     */
    public void authenticate(AuthMethod method, String userName, String storedVerifier) throws IOException {
        authenticate(method, userName, storedVerifier, () -> { });
    }

    /**
     * As {@link #authenticate(AuthMethod, String, String)}, running {@code beforeOk} (which may
     * throw, e.g. clientcert=verify-full's CN check) after the exchange succeeded and before
     * AuthenticationOk goes out, as PostgreSQL's ClientAuthentication orders them.
     */
    public void authenticate(AuthMethod method, String userName, String storedVerifier, Runnable beforeOk)
            throws IOException {
        boolean ok = switch (method) {
            case TRUST -> true;
            case REJECT, CERT, PEER -> throw new IllegalArgumentException(method + " is decided by the caller");
            case PASSWORD -> checkCleartext(userName, storedVerifier, readCleartext());
            case MD5 -> ScramSha256.parseVerifier(storedVerifier) != null
                    ? runScram(userName, storedVerifier)
                    : runMd5(userName, storedVerifier);
            case SCRAM_SHA_256 -> runScram(userName, storedVerifier);
        };
        if (!ok) {
            throw passwordFailed(userName);
        }
        beforeOk.run();
        stream.sendAndFlush(BackendMessages.authenticationOk());
    }

    public static PgException passwordFailed(String userName) {
        return PgException.fatal(SqlState.INVALID_PASSWORD,
                "password authentication failed for user \"" + userName + "\"");
    }

    private String readCleartext() throws IOException {
        stream.sendAndFlush(BackendMessages.authenticationCleartextPassword());
        return FrontendMessages.decodePassword(readPasswordMessage());
    }

    /** Verifies a cleartext password against any kind of stored verifier. */
    static boolean checkCleartext(String userName, String stored, String password) {
        if (stored == null || password.isEmpty()) {
            return false;
        }
        ScramSha256.Verifier scram = ScramSha256.parseVerifier(stored);
        if (scram != null) {
            return ScramSha256.verifyPlainPassword(scram, password);
        }
        if (Md5Password.isMd5Verifier(stored)) {
            return Md5Password.verifier(password, userName).equals(stored);
        }
        return stored.equals(password);
    }

    private boolean runMd5(String userName, String stored) throws IOException {
        byte[] salt = new byte[4];
        random.nextBytes(salt);
        stream.sendAndFlush(BackendMessages.authenticationMd5Password(salt));
        String answer = FrontendMessages.decodePassword(readPasswordMessage());
        if (stored == null || answer.isEmpty()) {
            return false;
        }
        String verifier = Md5Password.isMd5Verifier(stored) ? stored : Md5Password.verifier(stored, userName);
        return Md5Password.saltedResponse(verifier, salt).equals(answer);
    }

    private boolean runScram(String userName, String stored) throws IOException {
        ScramSha256.Verifier verifier = ScramSha256.parseVerifier(stored);
        if (verifier == null && stored != null && !Md5Password.isMd5Verifier(stored)) {
            // A plaintext password: derive a verifier for this exchange.
            byte[] salt = new byte[ScramSha256.DEFAULT_SALT_BYTES];
            random.nextBytes(salt);
            verifier = ScramSha256.buildVerifier(stored, salt, ScramSha256.DEFAULT_ITERATIONS);
        }
        ScramServer scram = new ScramServer(verifier, random, mockSalt(userName));
        stream.sendAndFlush(BackendMessages.authenticationSasl(channelBindingData != null
                ? List.of(PgProtocol.SCRAM_SHA_256_PLUS, PgProtocol.SCRAM_SHA_256) : List.of(PgProtocol.SCRAM_SHA_256)));

        // SASLInitialResponse: String(mechanism) Int32(length or -1) Byten(client-first-message)
        Message.Reader r = readPasswordMessage().reader();
        String mechanism = r.cstring();
        boolean plus = channelBindingData != null && PgProtocol.SCRAM_SHA_256_PLUS.equals(mechanism);
        if (!PgProtocol.SCRAM_SHA_256.equals(mechanism) && !plus) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                    "client selected an invalid SASL authentication mechanism");
        }
        scram.setChannelBinding(channelBindingData, plus);
        int length = r.int32();
        byte[] clientFirst = r.bytes(length);
        r.end();
        stream.sendAndFlush(BackendMessages.authenticationSaslContinue(scram.handleClientFirst(clientFirst)));

        byte[] clientFinal = readPasswordMessage().reader().rest();
        byte[] serverFinal = scram.handleClientFinal(clientFinal);
        if (serverFinal == null) {
            return false;
        }
        stream.send(BackendMessages.authenticationSaslFinal(serverFinal));
        return true;
    }

    /** sha256(user name || mock nonce), as PostgreSQL's scram_mock_salt; null without a nonce. */
    private byte[] mockSalt(String userName) {
        return mockSalt(mockAuthNonce, userName);
    }

    static byte[] mockSalt(byte[] mockAuthNonce, String userName) {
        if (mockAuthNonce == null) {
            return null;
        }
        byte[] name = userName.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] input = new byte[name.length + mockAuthNonce.length];
        System.arraycopy(name, 0, input, 0, name.length);
        System.arraycopy(mockAuthNonce, 0, input, name.length, mockAuthNonce.length);
        return ScramSha256.sha256(input);
    }

    private Message readPasswordMessage() throws IOException {
        Message m = stream.readMessage(PgProtocol.MAX_AUTH_MESSAGE_LENGTH);
        if (m.type() != PgProtocol.F_PASSWORD) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, String.format(
                    "expected password response, got message type %d", (int) m.type()));
        }
        return m;
    }
}
