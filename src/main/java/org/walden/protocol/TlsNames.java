package org.walden.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * What TLS looks like in PostgreSQL's terms: OpenSSL's cipher names (pg_stat_ssl.cipher,
 * ssl_ciphers) for JSSE's suite names, the key size in bits, and the tls-server-end-point
 * channel binding data (RFC 5929) that SCRAM-SHA-256-PLUS hashes into its proof.
 */
public final class TlsNames {

    private static final Map<String, String> OPENSSL_TO_JSSE = new HashMap<>();

    static {
        try {
            for (String s : SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites()) {
                OPENSSL_TO_JSSE.put(openSslName(s).toUpperCase(Locale.ROOT), s);
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no TLS in this JDK", e);
        }
    }

    private TlsNames() {
    }

    /** TLS 1.3's suites ("TLS_AES_256_GCM_SHA384") have no key exchange in their name. */
    public static boolean isTls13Suite(String jsseName) {
        return jsseName.startsWith("TLS_") && !jsseName.contains("_WITH_");
    }

    /**
     * OpenSSL's name of a JSSE suite: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 is
     * ECDHE-RSA-AES256-GCM-SHA384, TLS_RSA_WITH_AES_128_CBC_SHA is AES128-SHA; TLS 1.3's names
     * are the same in both.
     */
    public static String openSslName(String jsseName) {
        if (isTls13Suite(jsseName) || !jsseName.contains("_WITH_")) {
            return jsseName;
        }
        String body = jsseName.startsWith("TLS_") ? jsseName.substring(4) : jsseName;
        int with = body.indexOf("_WITH_");
        String kx = body.substring(0, with);
        String cipher = body.substring(with + 6)
                .replace("AES_128", "AES128").replace("AES_256", "AES256")
                .replace("_CBC", "").replace("CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305")
                .replace('_', '-');
        String prefix = kx.equals("RSA") ? "" : kx.replace('_', '-') + "-";
        return prefix + cipher;
    }

    /** A JSSE suite for an OpenSSL or JSSE name, or the name itself when JSSE does not know it. */
    public static String jsseSuiteName(String name) {
        String jsse = OPENSSL_TO_JSSE.get(name.toUpperCase(Locale.ROOT));
        return jsse != null ? jsse : name;
    }

    /** The symmetric key size of a suite (pg_stat_ssl.bits). */
    public static int bits(String jsseName) {
        if (jsseName.contains("AES_256") || jsseName.contains("CHACHA20")) {
            return 256;
        }
        if (jsseName.contains("AES_128")) {
            return 128;
        }
        if (jsseName.contains("3DES")) {
            return 168;
        }
        return 0;
    }

    /** A certificate subject's CN (a server's host name, a client's user name), or null. */
    public static String commonName(X509Certificate c) {
        try {
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(c.getSubjectX500Principal().getName())
                    .getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (javax.naming.InvalidNameException e) {
            return null;
        }
        return null;
    }

    /**
     * tls-server-end-point (RFC 5929 section 4.1): the hash of the server's certificate, with the
     * hash of its signature algorithm, or SHA-256 when that is MD5 or SHA-1.
     */
    public static byte[] serverEndPoint(X509Certificate serverCertificate) {
        String sig = serverCertificate.getSigAlgName().toUpperCase(Locale.ROOT);
        String hash = sig.contains("SHA512") ? "SHA-512" : sig.contains("SHA384") ? "SHA-384" : "SHA-256";
        try {
            return MessageDigest.getInstance(hash).digest(serverCertificate.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("could not hash the server certificate", e);
        }
    }
}
