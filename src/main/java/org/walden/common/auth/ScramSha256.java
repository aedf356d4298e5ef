package org.walden.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.Normalizer;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SCRAM-SHA-256 primitives (RFC 5802, RFC 7677) and the stored verifier PostgreSQL keeps in
 * pg_authid.rolpassword:
 * <pre>
 * SCRAM-SHA-256$&lt;iterations&gt;:&lt;salt, base64&gt;$&lt;StoredKey, base64&gt;:&lt;ServerKey, base64&gt;
 *
 * SaltedPassword = Hi(Normalize(password), salt, i)       (PBKDF2-HMAC-SHA-256)
 * ClientKey      = HMAC(SaltedPassword, "Client Key")
 * StoredKey      = H(ClientKey)
 * ServerKey      = HMAC(SaltedPassword, "Server Key")
 * </pre>
 */
public final class ScramSha256 {

    /** PostgreSQL's scram_iterations default. */
    public static final int DEFAULT_ITERATIONS = 4096;
    /** PostgreSQL's SCRAM_DEFAULT_SALT_LEN. */
    public static final int DEFAULT_SALT_BYTES = 16;
    /** PostgreSQL's SCRAM_RAW_NONCE_LEN: nonces are base64 of this many random bytes. */
    public static final int RAW_NONCE_BYTES = 18;
    private static final String PREFIX = "SCRAM-SHA-256$";

    private ScramSha256() {
    }

    /** A parsed stored verifier. */
    public record Verifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {

        /** The text form stored in pg_authid. */
        public String encode() {
            Base64.Encoder b64 = Base64.getEncoder();
            return PREFIX + iterations + ":" + b64.encodeToString(salt) + "$" + b64.encodeToString(storedKey) + ":"
                    + b64.encodeToString(serverKey);
        }
    }

    /**
     * A new verifier with a random {@link #DEFAULT_SALT_BYTES}-byte salt and
     * {@link #DEFAULT_ITERATIONS} iterations (CREATE ROLE ... PASSWORD, initdb).
     */
    public static Verifier buildVerifier(String password, Random random) {
        byte[] salt = new byte[DEFAULT_SALT_BYTES];
        random.nextBytes(salt);
        return buildVerifier(password, salt, DEFAULT_ITERATIONS);
    }

    /** {@link #buildVerifier(String, Random)} with a SecureRandom salt, in pg_authid's text form. */
    public static String newVerifierText(String password) {
        return buildVerifier(password, new SecureRandom()).encode();
    }

    /** Builds the verifier for a password and salt (CREATE ROLE ... PASSWORD, tests). */
    public static Verifier buildVerifier(String password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(password, salt, iterations);
        return new Verifier(iterations, salt.clone(), sha256(hmac(salted, "Client Key")), hmac(salted, "Server Key"));
    }

    /** Parses a stored verifier; null if {@code text} is not one. */
    public static Verifier parseVerifier(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            return null;
        }
        String[] parts = text.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 2) {
            return null;
        }
        String[] iterSalt = parts[0].split(":", -1);
        String[] keys = parts[1].split(":", -1);
        if (iterSalt.length != 2 || keys.length != 2) {
            return null;
        }
        try {
            Base64.Decoder d = Base64.getDecoder();
            int iterations = Integer.parseInt(iterSalt[0]);
            byte[] storedKey = d.decode(keys[0]);
            byte[] serverKey = d.decode(keys[1]);
            if (iterations <= 0 || storedKey.length != 32 || serverKey.length != 32) {
                return null;
            }
            return new Verifier(iterations, d.decode(iterSalt[1]), storedKey, serverKey);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** True if a cleartext password matches a stored verifier. */
    public static boolean verifyPlainPassword(Verifier v, String password) {
        Verifier computed = buildVerifier(password, v.salt(), v.iterations());
        return MessageDigest.isEqual(computed.storedKey(), v.storedKey())
                && MessageDigest.isEqual(computed.serverKey(), v.serverKey());
    }

    /**
     * Hi(password, salt, i): PBKDF2-HMAC-SHA-256. The password is normalized as SASLprep
     * would for the common case (NFKC); PostgreSQL uses the raw bytes when SASLprep fails,
     * which for ASCII passwords is the same.
     */
    public static byte[] saltedPassword(String password, byte[] salt, int iterations) {
        String prepared = isAscii(password) ? password : Normalizer.normalize(password, Normalizer.Form.NFKC);
        byte[] key = prepared.getBytes(StandardCharsets.UTF_8);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // SecretKeySpec refuses an empty key; HMAC pads keys with zeros, so one zero byte is the same key.
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            mac.update(salt);
            byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
            byte[] result = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int j = 0; j < result.length; j++) {
                    result[j] ^= u[j];
                }
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public static byte[] hmac(byte[] key, String message) {
        return hmac(key, message.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    public static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 127) {
                return false;
            }
        }
        return true;
    }
}
