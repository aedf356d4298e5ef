package org.walden.server;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.walden.protocol.TlsNames;

/**
 * One connection's TLS as pg_stat_ssl shows it: protocol version, cipher (OpenSSL's name),
 * key bits, and the client certificate's subject DN, serial number and issuer DN (in OpenSSL's
 * "/C=../O=../CN=.." form, as PostgreSQL prints them), plus the subject's CN, which the cert
 * method compares with the user. Null fields are NULL.
 */
record SslStatus(String version, String cipher, int bits, String clientDn, String clientCn,
                 java.math.BigInteger clientSerial, String issuerDn) {

    /** The status of a TLS session; null for a plaintext connection. */
    static SslStatus of(SSLSession session) {
        if (session == null) {
            return null;
        }
        String suite = session.getCipherSuite();
        X509Certificate client = null;
        try {
            Certificate[] peer = session.getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate x) {
                client = x;
            }
        } catch (SSLPeerUnverifiedException e) {
            // no client certificate
        }
        return new SslStatus(session.getProtocol(), TlsNames.openSslName(suite), TlsNames.bits(suite),
                client == null ? null : dn(client.getSubjectX500Principal().getName()),
                client == null ? null : TlsNames.commonName(client),
                client == null ? null : client.getSerialNumber(),
                client == null ? null : dn(client.getIssuerX500Principal().getName()));
    }

    /** OpenSSL's one-line DN form, as PostgreSQL prints it: "/CN=alice/O=Org" in the certificate's order. */
    private static String dn(String rfc2253) {
        try {
            StringBuilder out = new StringBuilder();
            for (Rdn rdn : new LdapName(rfc2253).getRdns()) { // LdapName lists them last-first
                out.append('/').append(rdn.getType()).append('=').append(rdn.getValue());
            }
            return out.toString();
        } catch (InvalidNameException e) {
            return rfc2253;
        }
    }

}
