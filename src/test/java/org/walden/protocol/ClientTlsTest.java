package org.walden.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.test.TestCertificates;

/**
 * libpq's rules on Walden's client side: sslmode values, verify-full's host name check
 * (subjectAltName first, the CN only without one, "*." for one label), a missing root
 * certificate, and the names TLS shows in PostgreSQL's terms.
 */
class ClientTlsTest {

    @TempDir
    Path tmp;

    @Test
    void sslmodesParseAsLibpqs() {
        assertThat(new ClientTls(ConnInfo.parse("host=x")).mode()).isEqualTo(ClientTls.SslMode.PREFER);
        assertThat(new ClientTls(ConnInfo.parse("sslmode=verify-ca")).mode().requiresTls()).isTrue();
        assertThat(new ClientTls(ConnInfo.parse("sslmode=allow")).mode().requiresTls()).isFalse();
        assertThatThrownBy(() -> new ClientTls(ConnInfo.parse("sslmode=sometimes")))
                .hasMessage("invalid sslmode value: \"sometimes\"");
        assertThatThrownBy(() -> new ClientTls(ConnInfo.parse("channel_binding=maybe")))
                .hasMessage("invalid channel_binding value: \"maybe\"");
    }

    @Test
    void verifyFullChecksTheHostNameAsLibpqDoes() {
        TestCertificates ca = new TestCertificates(tmp, "ca");
        ClientTls full = new ClientTls(ConnInfo.parse("sslmode=verify-full"));
        var san = ca.server("san", List.of("db.example.com", "*.replicas.example.com"), List.of("10.1.2.3"))
                .certificate();
        full.checkHostName(san, "db.example.com");
        full.checkHostName(san, "DB.Example.COM");
        full.checkHostName(san, "r1.replicas.example.com");
        full.checkHostName(san, "10.1.2.3");
        assertThatThrownBy(() -> full.checkHostName(san, "a.b.replicas.example.com")).isInstanceOf(PgException.class)
                .hasMessage("server certificate for \"db.example.com\" (and 2 other names) does not match host name "
                        + "\"a.b.replicas.example.com\"");
        assertThatThrownBy(() -> full.checkHostName(san, "10.9.9.9"))
                .hasMessage("server certificate for \"db.example.com\" (and 3 other names) does not match host name "
                        + "\"10.9.9.9\"");
        var cnOnly = ca.client("cn-only", "legacy.example.com").certificate();
        full.checkHostName(cnOnly, "legacy.example.com");
        assertThatThrownBy(() -> full.checkHostName(cnOnly, "other.example.com"))
                .hasMessage("server certificate for \"legacy.example.com\" does not match host name "
                        + "\"other.example.com\"");
        new ClientTls(ConnInfo.parse("sslmode=verify-ca")).checkHostName(cnOnly, "other.example.com"); // no check
    }

    @Test
    void verifyingWithoutARootCertificateIsRefused() {
        ClientTls tls = new ClientTls(ConnInfo.parse("sslmode=verify-ca sslrootcert=" + tmp.resolve("missing.crt")));
        assertThatThrownBy(() -> tls.newEngine("localhost", 5432))
                .hasMessageStartingWith("root certificate file \"" + tmp.resolve("missing.crt") + "\" does not exist");
    }

    @Test
    void tlsNamesInPostgresqlsTerms() {
        assertThat(TlsNames.openSslName("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"))
                .isEqualTo("ECDHE-RSA-AES256-GCM-SHA384");
        assertThat(TlsNames.openSslName("TLS_RSA_WITH_AES_128_CBC_SHA")).isEqualTo("AES128-SHA");
        assertThat(TlsNames.openSslName("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"))
                .isEqualTo("ECDHE-ECDSA-CHACHA20-POLY1305");
        assertThat(TlsNames.openSslName("TLS_AES_256_GCM_SHA384")).isEqualTo("TLS_AES_256_GCM_SHA384");
        assertThat(TlsNames.jsseSuiteName("ECDHE-RSA-AES256-GCM-SHA384"))
                .isEqualTo("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        assertThat(TlsNames.bits("TLS_AES_128_GCM_SHA256")).isEqualTo(128);
    }
}
