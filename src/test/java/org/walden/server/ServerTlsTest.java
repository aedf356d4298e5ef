package org.walden.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** ssl_ciphers in OpenSSL's syntax over JSSE's suites; TLS 1.3's suites always stay. */
class ServerTlsTest {

    @Test
    void sslCiphersSelectAndRemoveSuitesByOpenSslName() throws Exception {
        String[] enabled = SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites();
        List<String> all = List.of(ServerTls.cipherSuites("HIGH:MEDIUM:+3DES:!aNULL", enabled));
        assertThat(all).contains("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        List<String> one = List.of(ServerTls.cipherSuites("ECDHE-RSA-AES256-GCM-SHA384", enabled));
        assertThat(one).contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256")
                .doesNotContain("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        List<String> without = List.of(ServerTls.cipherSuites("HIGH:!ECDHE-RSA-AES256-GCM-SHA384", enabled));
        assertThat(without).doesNotContain("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
                .contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assertThatThrownBy(() -> ServerTls.cipherSuites("NO-SUCH-CIPHER", enabled))
                .hasMessage("could not set the cipher list (no valid ciphers available)");
    }
}
