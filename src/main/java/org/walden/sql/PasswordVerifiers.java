package org.walden.sql;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Password verifiers as pg_authid.rolpassword stores them (PostgreSQL's scram-common.c and
 * md5_crypt): {@code SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>}
 * or {@code md5<32 hex>}. Also the SCRAM primitives (SaltedPassword, ClientKey, StoredKey,
 * ServerKey) the server's SCRAM-SHA-256 exchange needs.
 *
 * <pre>
 *   SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations)   (Hi() in RFC 5802)
 *   ClientKey      = HMAC(SaltedPassword, "Client Key")
 *   StoredKey      = SHA-256(ClientKey)
 *   ServerKey      = HMAC(SaltedPassword, "Server Key")
 * </pre>
 * Passwords are used as UTF-8 without SASLprep normalisation (equal for ASCII passwords).
 */
public final class PasswordVerifiers {

    public static final int SCRAM_ITERATIONS = 4096;
    public static final int SCRAM_SALT_BYTES = 16;
    private static final String SCRAM_PREFIX = "SCRAM-SHA-256$";

    private PasswordVerifiers() {
    }

    /** A parsed SCRAM-SHA-256 verifier. */
    public record ScramSecret(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    }

    public static boolean isScramVerifier(String s) {
        return s != null && parseScram(s) != null;
    }

    public static boolean isMd5Verifier(String s) {
        return s != null && s.length() == 35 && s.startsWith("md5") && s.substring(3).matches("[0-9a-f]{32}");
    }

    /** Parses "SCRAM-SHA-256$iter:salt$stored:server"; null if it is not one. */
    public static ScramSecret parseScram(String s) {
        if (s == null || !s.startsWith(SCRAM_PREFIX)) {
            return null;
        }
        String[] parts = s.substring(SCRAM_PREFIX.length()).split("\\$");
        if (parts.length != 2) {
            return null;
        }
        String[] iterSalt = parts[0].split(":");
        String[] keys = parts[1].split(":");
        if (iterSalt.length != 2 || keys.length != 2) {
            return null;
        }
        try {
            int iterations = Integer.parseInt(iterSalt[0]);
            Base64.Decoder d = Base64.getDecoder();
            byte[] stored = d.decode(keys[0]);
            byte[] server = d.decode(keys[1]);
            if (iterations < 1 || stored.length != 32 || server.length != 32) {
                return null;
            }
            return new ScramSecret(iterations, d.decode(iterSalt[1]), stored, server);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A new SCRAM-SHA-256 verifier with a random 16-byte salt and 4096 iterations. */
    public static String scramSha256Verifier(String password, Random random) {
        byte[] salt = new byte[SCRAM_SALT_BYTES];
        random.nextBytes(salt);
        return scramSha256Verifier(password, salt, SCRAM_ITERATIONS);
    }

    public static String scramSha256Verifier(String password) {
        return scramSha256Verifier(password, new SecureRandom());
    }

    public static String scramSha256Verifier(String password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(password, salt, iterations);
        byte[] storedKey = sha256(hmac(salted, "Client Key"));
        byte[] serverKey = hmac(salted, "Server Key");
        Base64.Encoder e = Base64.getEncoder();
        return SCRAM_PREFIX + iterations + ":" + e.encodeToString(salt) + "$" + e.encodeToString(storedKey) + ":"
                + e.encodeToString(serverKey);
    }

    /** "md5" + md5hex(password + user), as CREATE ROLE stores it with password_encryption = md5. */
    public static String md5Verifier(String password, String user) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            byte[] digest = md.digest((password + user).getBytes(StandardCharsets.UTF_8));
            return "md5" + HexFormat.of().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hi(password, salt, i) of RFC 5802: PBKDF2 with HMAC-SHA-256, 32 bytes. */
    public static byte[] saltedPassword(String password, byte[] salt, int iterations) {
        try {
            SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
            return f.generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] hmac(byte[] key, String message) {
        return hmac(key, message.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
