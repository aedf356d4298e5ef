package org.walden.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Random;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.auth.ScramSha256;

/**
 * The server side of one SCRAM-SHA-256 exchange (PostgreSQL's auth-scram.c), without I/O:
 * <pre>
 * client-first  "n,,n=&lt;ignored&gt;,r=&lt;client nonce&gt;"      (gs2 header "n", "y", or
 *               "p=tls-server-end-point" with SCRAM-SHA-256-PLUS over TLS)
 * server-first  "r=&lt;client nonce + server nonce&gt;,s=&lt;salt&gt;,i=&lt;iterations&gt;"
 * client-final  "c=base64(gs2 header [+ channel binding data]),r=&lt;nonce&gt;,p=&lt;ClientProof&gt;"
 * server-final  "v=&lt;ServerSignature&gt;"
 * AuthMessage   = client-first-bare + "," + server-first + "," + client-final-without-proof
 * ClientProof   = ClientKey XOR HMAC(StoredKey, AuthMessage);  check H(ClientKey) == StoredKey
 * </pre>
 * The user name in the client's message is ignored (the startup packet's counts), as in
 * PostgreSQL. Without a usable verifier the exchange runs against a mock one and fails at
 * the end, so a client cannot learn whether a role has a password.
 *
 * <p>States: AWAIT_CLIENT_FIRST → AWAIT_CLIENT_FINAL → DONE. Malformed input raises 08P01;
 * a wrong proof makes {@link #handleClientFinal} return null.
 */
public final class ScramServer {

    private enum State { AWAIT_CLIENT_FIRST, AWAIT_CLIENT_FINAL, DONE }

    /** The channel binding type PostgreSQL supports. */
    public static final String TLS_SERVER_END_POINT = "tls-server-end-point";

    private final ScramSha256.Verifier verifier;
    private final boolean mock;
    /** tls-server-end-point data when the connection is TLS, else null. */
    private byte[] channelBindingData;
    /** True when the client chose SCRAM-SHA-256-PLUS. */
    private boolean plusSelected;
    private byte[] expectedCbind;
    private final Random random;
    private State state = State.AWAIT_CLIENT_FIRST;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;

    /** {@code verifier} null: a mock exchange (random salt) that always fails. */
    public ScramServer(ScramSha256.Verifier verifier, Random random) {
        this(verifier, random, null);
    }

    /**
     * {@code verifier} null: a mock exchange that always fails, with {@code mockSalt} (PostgreSQL's
     * scram_mock_salt: the same salt for the same user name every time, so probing does not
     * reveal which roles exist), or a random salt when that is null.
     */
    public ScramServer(ScramSha256.Verifier verifier, Random random, byte[] mockSalt) {
        this.random = random;
        this.mock = verifier == null;
        if (verifier == null) {
            byte[] salt = new byte[ScramSha256.DEFAULT_SALT_BYTES];
            if (mockSalt != null) {
                System.arraycopy(mockSalt, 0, salt, 0, Math.min(salt.length, mockSalt.length));
            } else {
                random.nextBytes(salt);
            }
            byte[] key = new byte[32];
            random.nextBytes(key);
            this.verifier = new ScramSha256.Verifier(ScramSha256.DEFAULT_ITERATIONS, salt, key, key);
        } else {
            this.verifier = verifier;
        }
    }

    /**
     * The connection's channel binding (TLS: the server certificate's tls-server-end-point hash;
     * null without TLS) and whether the client chose SCRAM-SHA-256-PLUS. Call before the
     * client-first message.
     */
    public void setChannelBinding(byte[] tlsServerEndPoint, boolean plus) {
        this.channelBindingData = tlsServerEndPoint;
        this.plusSelected = plus;
    }

    /** Takes client-first-message, returns server-first-message. */
    public byte[] handleClientFirst(byte[] message) {
        transition(State.AWAIT_CLIENT_FIRST, State.AWAIT_CLIENT_FINAL);
        String text = new String(message, StandardCharsets.UTF_8);
        // gs2-header: cbind-flag "," [authzid] ","
        int flagEnd = text.indexOf(',');
        if (flagEnd < 0) {
            throw malformed("Comma expected, but found end of string.");
        }
        checkChannelBindingFlag(text.substring(0, flagEnd));
        int second = text.indexOf(',', flagEnd + 1);
        if (second < 0) {
            throw malformed("Comma expected, but found end of string.");
        }
        if (second != flagEnd + 1) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "client uses authorization identity, but it is"
                    + " not supported");
        }
        gs2Header = text.substring(0, second + 1);
        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        if (plusSelected) {
            expectedCbind = new byte[header.length + channelBindingData.length];
            System.arraycopy(header, 0, expectedCbind, 0, header.length);
            System.arraycopy(channelBindingData, 0, expectedCbind, header.length, channelBindingData.length);
        } else {
            expectedCbind = header;
        }
        clientFirstBare = text.substring(second + 1);
        String[] attrs = clientFirstBare.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("n=") || !attrs[1].startsWith("r=")) {
            if (attrs.length > 0 && attrs[0].startsWith("m=")) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                        "client requires an unsupported SCRAM extension");
            }
            throw malformed("Attribute expected, but found invalid character.");
        }
        String clientNonce = attrs[1].substring(2);
        if (clientNonce.isEmpty()) {
            throw malformed("Attribute expected, but found invalid character.");
        }
        byte[] raw = new byte[ScramSha256.RAW_NONCE_BYTES];
        random.nextBytes(raw);
        nonce = clientNonce + Base64.getEncoder().encodeToString(raw);
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(verifier.salt()) + ",i="
                + verifier.iterations();
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Takes client-final-message; returns server-final-message when the proof is right, or
     * null when it is wrong (or the exchange is a mock): the caller reports 28P01.
     */
    public byte[] handleClientFinal(byte[] message) {
        transition(State.AWAIT_CLIENT_FINAL, State.DONE);
        String text = new String(message, StandardCharsets.UTF_8);
        int proofAt = text.lastIndexOf(",p=");
        if (!text.startsWith("c=") || proofAt < 0) {
            throw malformed("Malformed SCRAM message (attribute \"p\" expected).");
        }
        String withoutProof = text.substring(0, proofAt);
        String[] attrs = withoutProof.split(",", -1);
        if (attrs.length < 2 || !attrs[1].startsWith("r=")) {
            throw malformed("Attribute \"r\" expected.");
        }
        byte[] cbind;
        byte[] proof;
        try {
            cbind = Base64.getDecoder().decode(attrs[0].substring(2));
            proof = Base64.getDecoder().decode(text.substring(proofAt + 3));
        } catch (IllegalArgumentException e) {
            throw malformed("Malformed proof in client-final-message.");
        }
        if (!MessageDigest.isEqual(expectedCbind, cbind)) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION,
                    "SCRAM channel binding check failed");
        }
        if (!attrs[1].substring(2).equals(nonce)) {
            throw malformed("Final nonce does not match.");
        }
        if (proof.length != 32) {
            throw malformed("Malformed proof in client-final-message.");
        }
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] clientSignature = ScramSha256.hmac(verifier.storedKey(), authMessage);
        byte[] clientKey = ScramSha256.xor(proof, clientSignature);
        if (mock || !MessageDigest.isEqual(ScramSha256.sha256(clientKey), verifier.storedKey())) {
            return null;
        }
        byte[] serverSignature = ScramSha256.hmac(verifier.serverKey(), authMessage);
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
    }

    /** read_client_first_message's checks of the cbind-flag against the mechanism chosen, in PostgreSQL's words. */
    private void checkChannelBindingFlag(String flag) {
        if (flag.equals("n")) {
            if (plusSelected) {
                throw malformed("The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include"
                        + " channel binding data.");
            }
        } else if (flag.equals("y")) {
            if (channelBindingData != null) {
                throw new PgException(PgException.Severity.FATAL, SqlState.PROTOCOL_VIOLATION,
                        "SCRAM channel binding negotiation error", "The client supports SCRAM channel binding but"
                        + " thinks the server does not.  However, this server does support channel binding.",
                        null, null);
            }
            if (plusSelected) {
                throw malformed("The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include"
                        + " channel binding data.");
            }
        } else if (flag.startsWith("p=")) {
            if (!plusSelected) {
                throw malformed("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message"
                        + " includes channel binding data.");
            }
            if (!flag.substring(2).equals(TLS_SERVER_END_POINT)) {
                throw new PgException(PgException.Severity.FATAL, SqlState.PROTOCOL_VIOLATION,
                        "unsupported SCRAM channel-binding type \"" + flag.substring(2) + "\"", null, null, null);
            }
        } else {
            throw malformed("Unexpected channel-binding flag \"" + (flag.isEmpty() ? "" : flag.substring(0, 1)) + "\".");
        }
    }

    private void transition(State from, State to) {
        if (state != from) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "invalid SCRAM exchange state");
        }
        state = to;
    }

    private static PgException malformed(String detail) {
        return new PgException(PgException.Severity.FATAL, SqlState.PROTOCOL_VIOLATION, "malformed SCRAM message",
                detail, null, null);
    }
}
