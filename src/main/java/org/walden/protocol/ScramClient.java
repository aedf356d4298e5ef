package org.walden.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Random;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.auth.ScramSha256;

/**
 * The client side of one SCRAM-SHA-256 exchange, as libpq runs it (fe-auth-scram.c), without
 * I/O: {@link #clientFirst()} "n,,n=,r=&lt;nonce&gt;", {@link #handleServerFirst} returns
 * "c=biws,r=&lt;nonce&gt;,p=&lt;proof&gt;", {@link #verifyServerFinal} checks "v=&lt;signature&gt;".
 * No channel binding (no TLS). States: NEW → FIRST_SENT → FINAL_SENT → VERIFIED.
 */
public final class ScramClient {

    private enum State { NEW, FIRST_SENT, FINAL_SENT, VERIFIED }

    private final String password;
    private final Random random;
    private final String gs2Header;
    /** gs2 header then the channel binding data: what c= carries, base64-encoded. */
    private final byte[] cbindInput;
    private final boolean plus;
    private State state = State.NEW;
    private String clientNonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    public ScramClient(String password, Random random) {
        this(password, random, null, false);
    }

    /**
     * {@code channelBindingData}: the server certificate's tls-server-end-point hash on a TLS
     * connection (null otherwise); {@code plus}: SCRAM-SHA-256-PLUS was chosen.
     */
    public ScramClient(String password, Random random, byte[] channelBindingData, boolean plus) {
        this.password = password;
        this.random = random;
        this.plus = plus;
        this.gs2Header = plus ? "p=" + ScramServer.TLS_SERVER_END_POINT + ",," : channelBindingData != null ? "y,," : "n,,";
        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        if (plus) {
            cbindInput = new byte[header.length + channelBindingData.length];
            System.arraycopy(header, 0, cbindInput, 0, header.length);
            System.arraycopy(channelBindingData, 0, cbindInput, header.length, channelBindingData.length);
        } else {
            cbindInput = header;
        }
    }

    /** True when this exchange bound itself to the TLS channel (SCRAM-SHA-256-PLUS). */
    public boolean usedChannelBinding() {
        return plus;
    }

    /** client-first-message: "n,,n=,r=" + base64(18 random bytes). */
    public byte[] clientFirst() {
        transition(State.NEW, State.FIRST_SENT);
        byte[] raw = new byte[ScramSha256.RAW_NONCE_BYTES];
        random.nextBytes(raw);
        clientNonce = Base64.getEncoder().encodeToString(raw);
        clientFirstBare = "n=,r=" + clientNonce;
        return (gs2Header + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /** Takes server-first-message "r=,s=,i=", returns client-final-message. */
    public byte[] handleServerFirst(byte[] message) {
        transition(State.FIRST_SENT, State.FINAL_SENT);
        String serverFirst = new String(message, StandardCharsets.UTF_8);
        String nonce = null;
        byte[] salt = null;
        int iterations = -1;
        for (String attr : serverFirst.split(",")) {
            if (attr.startsWith("r=")) {
                nonce = attr.substring(2);
            } else if (attr.startsWith("s=")) {
                salt = decode(attr.substring(2));
            } else if (attr.startsWith("i=")) {
                try {
                    iterations = Integer.parseInt(attr.substring(2));
                } catch (NumberFormatException e) {
                    throw invalid("malformed SCRAM message (invalid iteration count)");
                }
            }
        }
        if (nonce == null || salt == null || iterations <= 0) {
            throw invalid("malformed SCRAM message (attribute missing from server-first-message)");
        }
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw invalid("invalid SCRAM response (nonce mismatch)");
        }
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(cbindInput) + ",r=" + nonce;
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] salted = ScramSha256.saltedPassword(password, salt, iterations);
        byte[] clientKey = ScramSha256.hmac(salted, "Client Key");
        byte[] storedKey = ScramSha256.sha256(clientKey);
        byte[] proof = ScramSha256.xor(clientKey, ScramSha256.hmac(storedKey, authMessage));
        expectedServerSignature = ScramSha256.hmac(ScramSha256.hmac(salted, "Server Key"), authMessage);
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }

    /** Checks server-final-message; 28P01 if the server does not know the password. */
    public void verifyServerFinal(byte[] message) {
        transition(State.FINAL_SENT, State.VERIFIED);
        String text = new String(message, StandardCharsets.UTF_8);
        if (text.startsWith("e=")) {
            throw new PgException(SqlState.INVALID_PASSWORD, "error received from server in SCRAM exchange: "
                    + text.substring(2));
        }
        if (!text.startsWith("v=")) {
            throw invalid("malformed SCRAM message (attribute \"v\" expected)");
        }
        byte[] signature = decode(text.substring(2).split(",")[0]);
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw new PgException(SqlState.INVALID_PASSWORD, "incorrect server signature");
        }
    }

    private static byte[] decode(String b64) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw invalid("malformed SCRAM message (invalid base64)");
        }
    }

    private void transition(State from, State to) {
        if (state != from) {
            throw invalid("invalid SCRAM exchange state");
        }
        state = to;
    }

    private static PgException invalid(String message) {
        return new PgException(SqlState.PROTOCOL_VIOLATION, message);
    }
}
