package org.walden.protocol;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * libpq's client side of TLS, for every connection Walden makes (the walreceiver, basebackup,
 * rewind): the conninfo's sslmode decides whether to ask (disable: never; allow: only if the
 * server refuses a plaintext connection; prefer, the default: ask, go on in plaintext if the
 * server says 'N'; require, verify-ca, verify-full: ask, and never go on in plaintext),
 * sslrootcert (default ~/.postgresql/root.crt; verify-ca and verify-full need it, and require
 * verifies against it when it exists, as libpq does), sslcert / sslkey / sslpassword (a client
 * certificate when the files exist), sslcrl, ssl_min_protocol_version /
 * ssl_max_protocol_version, sslsni; verify-full checks the host name against the certificate's
 * subjectAltName entries (or its CN when it has none) with libpq's rules and messages.
 */
public final class ClientTls {

    /** libpq's sslmode values, in order of strictness. */
    public enum SslMode {
        DISABLE, ALLOW, PREFER, REQUIRE, VERIFY_CA, VERIFY_FULL;

        /** True when the connection must never continue in plaintext. */
        public boolean requiresTls() {
            return compareTo(REQUIRE) >= 0;
        }

        static SslMode of(String value) {
            return switch (value == null || value.isEmpty() ? "prefer" : value) {
                case "disable" -> DISABLE;
                case "allow" -> ALLOW;
                case "prefer" -> PREFER;
                case "require" -> REQUIRE;
                case "verify-ca" -> VERIFY_CA;
                case "verify-full" -> VERIFY_FULL;
                default -> throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                        "invalid sslmode value: \"" + value + "\"");
            };
        }
    }

    private static final List<String> PROTOCOLS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

    private final ConnInfo info;
    private final SslMode mode;

    public ClientTls(ConnInfo info) {
        this.info = info;
        this.mode = SslMode.of(info.get("sslmode"));
        String cb = info.getOrDefault("channel_binding", "prefer");
        if (!cb.equals("disable") && !cb.equals("prefer") && !cb.equals("require")) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid channel_binding value: \"" + cb + "\"");
        }
    }

    public SslMode mode() {
        return mode;
    }

    /** A client-mode engine for a connection to {@code host} (a name or an address as the conninfo gave it). */
    public SSLEngine newEngine(String host, int port) throws IOException {
        Path root = file("sslrootcert", "root.crt");
        boolean verify = mode.compareTo(SslMode.VERIFY_CA) >= 0 || (mode == SslMode.REQUIRE && Files.exists(root));
        if (verify && !Files.exists(root)) {
            throw new PgException(SqlState.CONNECTION_EXCEPTION, "root certificate file \"" + root
                    + "\" does not exist\nEither provide the file or change sslmode to disable server certificate "
                    + "verification.");
        }
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keyManagers(), verify ? trustManagers(root) : new TrustManager[] {TRUST_ANY}, null);
            SSLEngine engine = host != null && !host.startsWith("/") ? ctx.createSSLEngine(host, port)
                    : ctx.createSSLEngine();
            engine.setUseClientMode(true);
            SSLParameters p = engine.getSSLParameters();
            p.setProtocols(protocols());
            if (host != null && !isAddressLiteral(host) && !"0".equals(info.get("sslsni"))) {
                p.setServerNames(List.of(new SNIHostName(host)));
            }
            engine.setSSLParameters(p);
            return engine;
        } catch (GeneralSecurityException e) {
            throw new IOException("could not create SSL context: " + e.getMessage(), e);
        }
    }

    /** verify-full: the server's certificate must name {@code host}; 08006 in libpq's words otherwise. */
    public void checkHostName(X509Certificate server, String host) {
        if (mode != SslMode.VERIFY_FULL || host == null || host.startsWith("/")) {
            return;
        }
        List<String> names = new ArrayList<>();
        boolean hostIsAddress = isAddressLiteral(host);
        boolean dnsNameSeen = false;
        try {
            if (server.getSubjectAlternativeNames() != null) {
                for (List<?> san : server.getSubjectAlternativeNames()) {
                    int type = (Integer) san.get(0);
                    String value = String.valueOf(san.get(1));
                    if (type == 2) { // dNSName
                        dnsNameSeen = true;
                        names.add(value);
                        if (wildcardMatches(value, host)) {
                            return;
                        }
                    } else if (type == 7) { // iPAddress
                        names.add(value);
                        if (hostIsAddress && sameAddress(value, host)) {
                            return;
                        }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable subjectAltName: the CN decides
        }
        // RFC 6125: a dNSName entry makes the CN irrelevant, except for a host given as an address
        if (!dnsNameSeen || hostIsAddress) {
            String cn = TlsNames.commonName(server);
            if (cn != null) {
                names.add(cn);
                if (hostIsAddress ? sameAddress(cn, host) : wildcardMatches(cn, host)) {
                    return;
                }
            }
        }
        String message;
        if (names.isEmpty()) {
            message = "could not get server's host name from server certificate";
        } else if (names.size() == 1) {
            message = "server certificate for \"" + names.get(0) + "\" does not match host name \"" + host + "\"";
        } else {
            message = "server certificate for \"" + names.get(0) + "\" (and " + (names.size() - 1) + " other name"
                    + (names.size() > 2 ? "s" : "") + ") does not match host name \"" + host + "\"";
        }
        throw new PgException(SqlState.CONNECTION_FAILURE, message);
    }

    /** libpq's wildcard rule: "*." matches exactly one leading label; case-insensitive. */
    static boolean wildcardMatches(String pattern, String host) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        if (p.startsWith("*.")) {
            int dot = h.indexOf('.');
            return dot > 0 && h.substring(dot).equals(p.substring(1));
        }
        return p.equals(h);
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b));
        } catch (IOException e) {
            return false;
        }
    }

    static boolean isAddressLiteral(String host) {
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || host.contains(":");
    }

    /** A conninfo file, else its default in ~/.postgresql. */
    private Path file(String key, String defaultName) {
        String v = info.get(key);
        return v != null && !v.isEmpty() ? Path.of(v)
                : Path.of(System.getProperty("user.home"), ".postgresql", defaultName);
    }

    private KeyManager[] keyManagers() throws GeneralSecurityException, IOException {
        Path cert = file("sslcert", "postgresql.crt");
        if (!Files.exists(cert)) {
            return null;
        }
        Path keyFile = file("sslkey", "postgresql.key");
        if (!Files.exists(keyFile)) {
            throw new PgException(SqlState.CONNECTION_EXCEPTION,
                    "certificate present, but not private key file \"" + keyFile + "\"");
        }
        checkKeyPermissions(keyFile);
        List<X509Certificate> chain = PemFiles.certificates(cert);
        PrivateKey key = PemFiles.privateKey(keyFile, () -> info.get("sslpassword"));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", key, new char[0], chain.toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        return kmf.getKeyManagers();
    }

    /** libpq refuses a private key others may read. */
    private static void checkKeyPermissions(Path keyFile) throws IOException {
        try {
            PosixFileAttributes a = Files.readAttributes(keyFile, PosixFileAttributes.class);
            Set<PosixFilePermission> p = a.permissions();
            boolean root = a.owner().getName().equals("root");
            boolean tooOpen = root
                    ? p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.GROUP_EXECUTE)
                            || p.stream().anyMatch(x -> x.name().startsWith("OTHERS"))
                    : p.stream().anyMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"));
            if (tooOpen) {
                throw new PgException(SqlState.CONNECTION_EXCEPTION, "private key file \"" + keyFile
                        + "\" has group or world access; file must have permissions u=rw (0600) or less if owned by "
                        + "the current user, or permissions u=rw,g=r (0640) or less if owned by root");
            }
        } catch (UnsupportedOperationException e) {
            // not POSIX: nothing to check
        }
    }

    private TrustManager[] trustManagers(Path root) throws GeneralSecurityException, IOException {
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate c : PemFiles.certificates(root)) {
            anchors.add(new TrustAnchor(c, null));
        }
        PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, new X509CertSelector());
        params.setRevocationEnabled(false);
        Path crl = file("sslcrl", "root.crl");
        if (Files.exists(crl)) {
            List<X509CRL> crls = PemFiles.crls(crl);
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
            PKIXRevocationChecker checker = (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX")
                    .getRevocationChecker();
            checker.setOptions(Set.of(PKIXRevocationChecker.Option.PREFER_CRLS,
                    PKIXRevocationChecker.Option.NO_FALLBACK, PKIXRevocationChecker.Option.SOFT_FAIL));
            params.addCertPathChecker(checker);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(new CertPathTrustManagerParameters(params));
        return tmf.getTrustManagers();
    }

    private String[] protocols() {
        String min = info.getOrDefault("ssl_min_protocol_version", "TLSv1.2");
        String max = info.getOrDefault("ssl_max_protocol_version", "TLSv1.3");
        int lo = PROTOCOLS.indexOf(min);
        int hi = PROTOCOLS.indexOf(max);
        if (lo < 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "invalid ssl_min_protocol_version value: \"" + min + "\"");
        }
        if (hi < 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "invalid ssl_max_protocol_version value: \"" + max + "\"");
        }
        if (lo > hi) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid SSL protocol version range");
        }
        return PROTOCOLS.subList(lo, hi + 1).toArray(new String[0]);
    }

    /** sslmode below verify-ca without a root certificate: the server is not verified, as libpq does. */
    private static final X509TrustManager TRUST_ANY = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // sslmode require (without root.crt), prefer or allow: encryption without verification
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };
}
