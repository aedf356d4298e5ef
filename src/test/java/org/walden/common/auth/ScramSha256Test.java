package org.walden.common.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScramSha256Test {

    @Test
    void verifierHasPostgresLayoutAndRfc7677Keys() {
        byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        String v = ScramSha256.buildVerifier("pencil", salt, 4096).encode();
        assertThat(v).startsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$");
        ScramSha256.Verifier parsed = ScramSha256.parseVerifier(v);
        // RFC 7677's example: the ServerSignature for this salt, password and auth message
        String authMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        assertThat(Base64.getEncoder().encodeToString(ScramSha256.hmac(parsed.serverKey(), authMessage)))
                .isEqualTo("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        assertThat(ScramSha256.parseVerifier("SCRAM-SHA-256$x")).isNull();
    }

    @Test
    void newVerifiersHaveARandomSaltAndCheckTheirPassword() {
        String text = ScramSha256.newVerifierText("secret");
        ScramSha256.Verifier v = ScramSha256.parseVerifier(text);
        assertThat(v.salt()).hasSize(ScramSha256.DEFAULT_SALT_BYTES);
        assertThat(v.iterations()).isEqualTo(ScramSha256.DEFAULT_ITERATIONS);
        assertThat(ScramSha256.verifyPlainPassword(v, "secret")).isTrue();
        assertThat(ScramSha256.parseVerifier(ScramSha256.newVerifierText("secret")).salt()).isNotEqualTo(v.salt());
        assertThat(ScramSha256.buildVerifier("x", new Random(1)).encode())
                .isEqualTo(ScramSha256.buildVerifier("x", new Random(1)).encode());
    }

    /**
     * A non-ASCII password is normalized (NFKC, as SASLprep would) the same way whether the
     * verifier comes from CREATE ROLE or the login checks it: the two once used separate code
     * and a password with a compatibility character ("ℌ", NFKC "H") failed to log in.
     */
    @Test
    void compatibilityCharactersAreNormalizedBeforeHashing() {
        ScramSha256.Verifier v = ScramSha256.parseVerifier(ScramSha256.newVerifierText("ℌello"));
        assertThat(ScramSha256.verifyPlainPassword(v, "ℌello")).isTrue();
        assertThat(ScramSha256.verifyPlainPassword(v, "Hello")).isTrue();
    }

    @Test
    void md5VerifierIsMd5OfPasswordAndUser() throws Exception {
        byte[] md5 = java.security.MessageDigest.getInstance("MD5")
                .digest("secretrepuser".getBytes(StandardCharsets.UTF_8));
        assertThat(Md5Password.verifier("secret", "repuser")).isEqualTo("md5" + HexFormat.of().formatHex(md5));
        assertThat(Md5Password.isMd5Verifier(Md5Password.verifier("a", "b"))).isTrue();
        assertThat(Md5Password.isMd5Verifier("md5xyz")).isFalse();
    }
}
