package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PasswordVerifiersTest {

    /** Hi() of RFC 5802 written out, to check the JCE PBKDF2 path against it. */
    private static byte[] hi(String password, byte[] salt, int iterations) {
        byte[] key = password.getBytes(StandardCharsets.UTF_8);
        byte[] first = new byte[salt.length + 4];
        System.arraycopy(salt, 0, first, 0, salt.length);
        first[first.length - 1] = 1;
        byte[] u = PasswordVerifiers.hmac(key, first);
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = PasswordVerifiers.hmac(key, u);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        return result;
    }

    @Test
    void scramVerifierHasPostgresLayoutAndKeys() {
        byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        String v = PasswordVerifiers.scramSha256Verifier("pencil", salt, 4096);
        assertThat(v).startsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$");
        PasswordVerifiers.ScramSecret s = PasswordVerifiers.parseScram(v);
        byte[] salted = hi("pencil", salt, 4096);
        assertThat(s.storedKey()).isEqualTo(PasswordVerifiers.sha256(PasswordVerifiers.hmac(salted, "Client Key")));
        assertThat(s.serverKey()).isEqualTo(PasswordVerifiers.hmac(salted, "Server Key"));
        // RFC 7677's example: ServerSignature for this salt/password/auth message is known
        String authMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        byte[] serverSignature = PasswordVerifiers.hmac(s.serverKey(), authMessage);
        assertThat(Base64.getEncoder().encodeToString(serverSignature))
                .isEqualTo("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        assertThat(PasswordVerifiers.isScramVerifier(v)).isTrue();
        assertThat(PasswordVerifiers.isScramVerifier("SCRAM-SHA-256$x")).isFalse();
        String random = PasswordVerifiers.scramSha256Verifier("secret");
        assertThat(PasswordVerifiers.parseScram(random).salt()).hasSize(16);
    }

    @Test
    void md5VerifierIsMd5OfPasswordAndUser() {
        // md5("secretrepuser")
        assertThat(PasswordVerifiers.md5Verifier("secret", "repuser")).isEqualTo("md5"
                + java.util.HexFormat.of().formatHex(md5("secretrepuser")));
        assertThat(PasswordVerifiers.isMd5Verifier(PasswordVerifiers.md5Verifier("a", "b"))).isTrue();
        assertThat(PasswordVerifiers.isMd5Verifier("md5xyz")).isFalse();
    }

    private static byte[] md5(String s) {
        try {
            return java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
