package org.walden.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/** SCRAM-SHA-256 against the exchange PostgreSQL 15 recorded in pg15-captures/auth/conn001.log (password "pw"). */
class ScramTest {

    private static final String SALT = "fEu0aPZsVXhx9JRGgrK90Q==";
    private static final String CLIENT_FIRST = "n,,n=,r=G9F7l8WViJ2G6Kr+kWZGPJ1H";
    private static final String SERVER_NONCE_PART = "gIj0glqvzggW/C+NvGAD+4BC";
    private static final String SERVER_FIRST =
            "r=G9F7l8WViJ2G6Kr+kWZGPJ1HgIj0glqvzggW/C+NvGAD+4BC,s=fEu0aPZsVXhx9JRGgrK90Q==,i=4096";
    private static final String CLIENT_FINAL = "c=biws,r=G9F7l8WViJ2G6Kr+kWZGPJ1HgIj0glqvzggW/C+NvGAD+4BC,"
            + "p=w0FOaUgHab4tgV3pckfTrFS+X++htduMIyHqEylpCHI=";
    private static final String SERVER_FINAL = "v=XOmPF8fKJbJGQkOgRBaj+F7UxMWIj6c3jD0YayRNbVc=";

    private static ScramSha256.Verifier capturedVerifier() {
        return ScramSha256.buildVerifier("pw", Base64.getDecoder().decode(SALT), 4096);
    }

    @Test
    void serverReproducesPostgresExchange() {
        ScramServer server = new ScramServer(capturedVerifier(), new FixedRandom().thenBase64(SERVER_NONCE_PART));
        assertThat(str(server.handleClientFirst(bytes(CLIENT_FIRST)))).isEqualTo(SERVER_FIRST);
        assertThat(str(server.handleClientFinal(bytes(CLIENT_FINAL)))).isEqualTo(SERVER_FINAL);
    }

    @Test
    void clientReproducesLibpqExchange() {
        ScramClient client = new ScramClient("pw", new FixedRandom().thenBase64("G9F7l8WViJ2G6Kr+kWZGPJ1H"));
        assertThat(str(client.clientFirst())).isEqualTo(CLIENT_FIRST);
        assertThat(str(client.handleServerFirst(bytes(SERVER_FIRST)))).isEqualTo(CLIENT_FINAL);
        client.verifyServerFinal(bytes(SERVER_FINAL));
    }

    @Test
    void serverAcceptsPgjdbcStarUserName() {
        // pgjdbc sends n=* (pg15-captures/auth/conn006.log); the name is ignored.
        ScramServer server = new ScramServer(capturedVerifier(), new FixedRandom());
        ScramClient client = new ScramClient("pw", new FixedRandom().thenBase64("AAAAAAAAAAAAAAAAAAAAAAAA"));
        String first = str(client.clientFirst()).replace("n=,", "n=*,");
        byte[] serverFirst = server.handleClientFirst(bytes(first));
        // The client's AuthMessage uses its own bare message, so run a client that sent n=* too.
        assertThat(str(serverFirst)).startsWith("r=AAAAAAAAAAAAAAAAAAAAAAAA");
    }

    @Test
    void wrongPasswordFailsAndClientRejectsForgedServerSignature() {
        ScramServer server = new ScramServer(capturedVerifier(), new FixedRandom());
        ScramClient client = new ScramClient("not-pw", new FixedRandom());
        byte[] serverFirst = server.handleClientFirst(client.clientFirst());
        assertThat(server.handleClientFinal(client.handleServerFirst(serverFirst))).isNull();

        ScramClient honest = new ScramClient("pw", new FixedRandom());
        ScramServer other = new ScramServer(capturedVerifier(), new FixedRandom());
        honest.handleServerFirst(other.handleClientFirst(honest.clientFirst()));
        assertThatThrownBy(() -> honest.verifyServerFinal(bytes("v=" + Base64.getEncoder().encodeToString(new byte[32]))))
                .isInstanceOf(PgException.class)
                .extracting(e -> ((PgException) e).sqlState()).isEqualTo(SqlState.INVALID_PASSWORD);
    }

    @Test
    void mockExchangeAlwaysFails() {
        ScramServer server = new ScramServer(null, new FixedRandom());
        ScramClient client = new ScramClient("pw", new FixedRandom());
        byte[] serverFirst = server.handleClientFirst(client.clientFirst());
        assertThat(server.handleClientFinal(client.handleServerFirst(serverFirst))).isNull();
    }

    @Test
    void mockSaltIsStablePerUserName() {
        byte[] nonce = new byte[32];
        nonce[0] = 7;
        byte[] a1 = ServerAuthentication.mockSalt(nonce, "ghost");
        assertThat(ServerAuthentication.mockSalt(nonce, "ghost")).isEqualTo(a1);
        assertThat(ServerAuthentication.mockSalt(nonce, "other")).isNotEqualTo(a1);
        ScramServer s1 = new ScramServer(null, new FixedRandom(), a1);
        ScramServer s2 = new ScramServer(null, new FixedRandom(), a1);
        String f1 = str(s1.handleClientFirst(bytes("n,,n=,r=abc")));
        String f2 = str(s2.handleClientFirst(bytes("n,,n=,r=abc")));
        assertThat(f1.substring(f1.indexOf(",s="))).isEqualTo(f2.substring(f2.indexOf(",s=")))
                .contains(",s=" + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(a1, 16)) + ",");
    }

    @Test
    void malformedMessagesAreProtocolViolations() {
        ScramServer server = new ScramServer(capturedVerifier(), new FixedRandom());
        assertThatThrownBy(() -> server.handleClientFirst(bytes("x,,n=,r=abc")))
                .isInstanceOf(PgException.class).hasMessage("malformed SCRAM message");
        ScramServer s2 = new ScramServer(capturedVerifier(), new FixedRandom());
        s2.handleClientFirst(bytes("n,,n=,r=abc"));
        assertThatThrownBy(() -> s2.handleClientFinal(bytes("c=biws,r=wrongnonce,p=AAAA")))
                .isInstanceOf(PgException.class);
    }

    @Test
    void verifierTextRoundTrips() {
        ScramSha256.Verifier v = capturedVerifier();
        String text = v.encode();
        assertThat(text).startsWith("SCRAM-SHA-256$4096:" + SALT + "$");
        ScramSha256.Verifier parsed = ScramSha256.parseVerifier(text);
        assertThat(parsed.storedKey()).isEqualTo(v.storedKey());
        assertThat(ScramSha256.verifyPlainPassword(parsed, "pw")).isTrue();
        assertThat(ScramSha256.verifyPlainPassword(parsed, "pW")).isFalse();
        assertThat(ScramSha256.parseVerifier("md5abc")).isNull();
        assertThat(ScramSha256.parseVerifier("SCRAM-SHA-256$x:y$z")).isNull();
    }

    @Test
    void md5MatchesCapturedResponses() {
        // pg15-captures/auth/conn002.log (psql) and conn007.log (pgjdbc), password "pw".
        assertThat(Md5Password.clientResponse("pw", "u_md5", new byte[] {'W', 'p', (byte) 0x81, (byte) 0xe9}))
                .isEqualTo("md5f589c4e722f6ac457a781b5ef99a88d4");
        assertThat(Md5Password.clientResponse("pw", "u_md5", new byte[] {'w', 'i', (byte) 0xdf, (byte) 0xcf}))
                .isEqualTo("md516a1f5ea6953df6d30bf7eb99e9e310a");
        assertThat(Md5Password.isMd5Verifier(Md5Password.verifier("pw", "u_md5"))).isTrue();
        assertThat(Md5Password.isMd5Verifier("md5xyz")).isFalse();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
