package org.walden.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * PostgreSQL's md5 password scheme. The stored verifier is {@code "md5" + md5hex(password +
 * user)}; on the wire the client answers a 4-byte salt with
 * {@code "md5" + md5hex(md5hex(password + user) + salt)}.
 */
public final class Md5Password {

    private Md5Password() {
    }

    /** True if {@code text} is an md5 verifier: "md5" followed by 32 hex digits. */
    public static boolean isMd5Verifier(String text) {
        if (text == null || text.length() != 35 || !text.startsWith("md5")) {
            return false;
        }
        for (int i = 3; i < 35; i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The stored verifier for a password: "md5" + md5hex(password + user). */
    public static String verifier(String password, String user) {
        return "md5" + md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
    }

    /** What the client sends for a stored verifier and salt: "md5" + md5hex(verifier[3:] + salt). */
    public static String saltedResponse(String md5Verifier, byte[] salt) {
        byte[] hex = md5Verifier.substring(3).getBytes(StandardCharsets.US_ASCII);
        byte[] input = new byte[hex.length + salt.length];
        System.arraycopy(hex, 0, input, 0, hex.length);
        System.arraycopy(salt, 0, input, hex.length, salt.length);
        return "md5" + md5Hex(input);
    }

    /** The client's answer computed from the cleartext password. */
    public static String clientResponse(String password, String user, byte[] salt) {
        return saltedResponse(verifier(password, user), salt);
    }

    public static String md5Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 unavailable", e);
        }
    }
}
