package org.walden.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.ServerSettings;
import org.walden.protocol.PemFiles;
import org.walden.protocol.TlsNames;

/**
 * The server's TLS configuration, as PostgreSQL's be_tls_init builds it from the settings:
 * ssl_cert_file (the chain, leaf first), ssl_key_file (refused if group or others may access
 * it, as PostgreSQL refuses it; an encrypted key is opened with ssl_passphrase_command),
 * ssl_ca_file (clients are asked for a certificate signed by it, which pg_hba.conf's
 * clientcert and cert method then require), ssl_crl_file / ssl_crl_dir (revoked client
 * certificates are refused), ssl_min_protocol_version / ssl_max_protocol_version and
 * ssl_ciphers (OpenSSL's cipher names for TLS 1.2 and below; TLS 1.3's suites always stay, as
 * in PostgreSQL). Relative paths are in the data directory. JSSE does the TLS.
 *
 * <p>Immutable: a reload builds a new one ({@link #load}); connections keep the engine they
 * started with.
 */
final class ServerTls {

    /** OpenSSL's default prompt, which ssl_passphrase_command's %p stands for. */
    static final String PASSPHRASE_PROMPT = "Enter PEM pass phrase:";
    private static final List<String> PROTOCOLS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

    private final SSLContext context;
    private final boolean requestClientCertificate;
    private final String[] protocols;
    private final String[] cipherSuites;

    private ServerTls(SSLContext context, boolean requestClientCertificate, String[] protocols,
                      String[] cipherSuites) {
        this.context = context;
        this.requestClientCertificate = requestClientCertificate;
        this.protocols = protocols;
        this.cipherSuites = cipherSuites;
    }

    /** A server-mode engine for one connection. */
    SSLEngine newEngine() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(protocols);
        p.setCipherSuites(cipherSuites);
        p.setUseCipherSuitesOrder(true);
        if (requestClientCertificate) {
            p.setWantClientAuth(true);
        }
        engine.setSSLParameters(p);
        return engine;
    }

    /** True when ssl_ca_file is set: clients are asked for a certificate. */
    boolean requestsClientCertificate() {
        return requestClientCertificate;
    }

    /**
     * Builds the configuration the settings ask for; null when ssl is off. {@code isServerStart}
     * false (a reload) does not run ssl_passphrase_command unless
     * ssl_passphrase_command_supports_reload is on. A problem is a PgException F0000 in
     * PostgreSQL's words; the caller makes it FATAL at start and a LOG line at a reload.
     */
    static ServerTls load(ServerSettings settings, Path dataDir, boolean isServerStart) {
        if (!settings.getBool("ssl")) {
            return null;
        }
        Path certFile = file(dataDir, settings.getString("ssl_cert_file"));
        Path keyFile = file(dataDir, settings.getString("ssl_key_file"));
        List<X509Certificate> chain;
        try {
            chain = PemFiles.certificates(certFile);
        } catch (NoSuchFileException e) {
            throw configError("could not load server certificate file \"" + settings.getString("ssl_cert_file")
                    + "\": No such file or directory");
        } catch (IOException e) {
            throw configError("could not load server certificate file \"" + settings.getString("ssl_cert_file")
                    + "\": " + e.getMessage());
        }
        checkKeyFilePermissions(keyFile, settings.getString("ssl_key_file"));
        PrivateKey key = loadKey(settings, keyFile, isServerStart);
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            TrustManager[] trust = null;
            String caFile = settings.getString("ssl_ca_file");
            if (!caFile.isBlank()) {
                trust = trustManagers(settings, dataDir, caFile);
            }
            context.init(keyManagers(key, chain), trust, null);
            String[] protocols = protocols(settings);
            SSLParameters defaults = context.getDefaultSSLParameters();
            return new ServerTls(context, trust != null, protocols,
                    cipherSuites(settings.getString("ssl_ciphers"), defaults.getCipherSuites()));
        } catch (GeneralSecurityException e) {
            throw configError("could not initialize SSL: " + e.getMessage());
        }
    }

    private static Path file(Path dataDir, String name) {
        Path p = Path.of(name);
        return p.isAbsolute() ? p : dataDir.resolve(p);
    }

    private static PgException configError(String message) {
        return PgException.fatal(SqlState.CONFIG_FILE_ERROR, message);
    }

    /** PostgreSQL's check_ssl_key_file_permissions, with its messages. */
    static void checkKeyFilePermissions(Path keyFile, String name) {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(keyFile, PosixFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw configError("could not access private key file \"" + name + "\": No such file or directory");
        } catch (IOException | UnsupportedOperationException e) {
            throw configError("could not access private key file \"" + name + "\": " + e.getMessage());
        }
        if (!a.isRegularFile()) {
            throw configError("private key file \"" + name + "\" is not a regular file");
        }
        String me = System.getProperty("user.name");
        String owner = a.owner().getName();
        boolean ownedByMe = owner.equals(me);
        boolean ownedByRoot = owner.equals("root");
        if (!ownedByMe && !ownedByRoot) {
            throw configError("private key file \"" + name + "\" must be owned by the database user or root");
        }
        Set<PosixFilePermission> p = a.permissions();
        boolean groupOrWorld = p.stream().anyMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"));
        boolean rootTooOpen = p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.GROUP_EXECUTE)
                || p.stream().anyMatch(x -> x.name().startsWith("OTHERS"));
        if ((ownedByMe && groupOrWorld) || (ownedByRoot && !ownedByMe && rootTooOpen)) {
            throw new PgException(PgException.Severity.FATAL, SqlState.CONFIG_FILE_ERROR,
                    "private key file \"" + name + "\" has group or world access",
                    "File must have permissions u=rw (0600) or less if owned by the database user, or permissions "
                            + "u=rw,g=r (0640) or less if owned by root.", null, null);
        }
    }

    private static PrivateKey loadKey(ServerSettings settings, Path keyFile, boolean isServerStart) {
        String command = settings.getString("ssl_passphrase_command");
        boolean mayAsk = isServerStart || settings.getBool("ssl_passphrase_command_supports_reload");
        try {
            return PemFiles.privateKey(keyFile, () -> command.isBlank() || !mayAsk ? null
                    : runPassphraseCommand(command));
        } catch (IOException e) {
            throw configError(e.getMessage().replace("\"" + keyFile + "\"",
                    "\"" + settings.getString("ssl_key_file") + "\""));
        }
    }

    /** ssl_passphrase_command: %p is the prompt, %% a percent sign; its first output line is the passphrase. */
    static String runPassphraseCommand(String command) {
        String cmd = command.replace("%%", "\u0000").replace("%p", PASSPHRASE_PROMPT).replace("\u0000", "%");
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", cmd).redirectErrorStream(false)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw configError("command \"" + command + "\" failed");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            return nl >= 0 ? text.substring(0, nl) : text;
        } catch (IOException e) {
            throw configError("could not execute command \"" + command + "\": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw configError("command \"" + command + "\" was interrupted");
        }
    }

    private static javax.net.ssl.KeyManager[] keyManagers(PrivateKey key, List<X509Certificate> chain)
            throws GeneralSecurityException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = new char[0];
            ks.setKeyEntry("server", key, pw, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            return kmf.getKeyManagers();
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** ssl_ca_file's certificates as trust anchors; ssl_crl_file and ssl_crl_dir's CRLs checked. */
    private static TrustManager[] trustManagers(ServerSettings settings, Path dataDir, String caFile)
            throws GeneralSecurityException {
        List<X509Certificate> roots;
        try {
            roots = PemFiles.certificates(file(dataDir, caFile));
        } catch (NoSuchFileException e) {
            throw configError("could not load root certificate file \"" + caFile + "\": No such file or directory");
        } catch (IOException e) {
            throw configError("could not load root certificate file \"" + caFile + "\": " + e.getMessage());
        }
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate c : roots) {
            anchors.add(new TrustAnchor(c, null));
        }
        List<X509CRL> crls = crls(settings, dataDir);
        PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, new X509CertSelector());
        if (crls.isEmpty()) {
            params.setRevocationEnabled(false);
        } else {
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
            PKIXRevocationChecker checker = (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX")
                    .getRevocationChecker();
            checker.setOptions(Set.of(PKIXRevocationChecker.Option.PREFER_CRLS, PKIXRevocationChecker.Option.NO_FALLBACK,
                    PKIXRevocationChecker.Option.SOFT_FAIL));
            params.addCertPathChecker(checker);
            params.setRevocationEnabled(false); // the checker above does it, CRLs only
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(new CertPathTrustManagerParameters(params));
        return tmf.getTrustManagers();
    }

    private static List<X509CRL> crls(ServerSettings settings, Path dataDir) {
        List<X509CRL> out = new ArrayList<>();
        String crlFile = settings.getString("ssl_crl_file");
        try {
            if (!crlFile.isBlank()) {
                out.addAll(PemFiles.crls(file(dataDir, crlFile)));
            }
            String crlDir = settings.getString("ssl_crl_dir");
            if (!crlDir.isBlank() && Files.isDirectory(file(dataDir, crlDir))) {
                try (var files = Files.list(file(dataDir, crlDir))) {
                    for (Path f : files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
                        out.addAll(PemFiles.crls(f));
                    }
                }
            }
        } catch (IOException e) {
            throw configError("could not load SSL certificate revocation list file \"" + crlFile + "\": "
                    + e.getMessage());
        }
        return out;
    }

    /** The protocol versions from ssl_min_protocol_version to ssl_max_protocol_version that JSSE offers. */
    private static String[] protocols(ServerSettings settings) throws GeneralSecurityException {
        String min = settings.getString("ssl_min_protocol_version");
        String max = settings.getString("ssl_max_protocol_version");
        int lo = min.isBlank() ? 0 : PROTOCOLS.indexOf(min);
        int hi = max.isBlank() ? PROTOCOLS.size() - 1 : PROTOCOLS.indexOf(max);
        if (lo > hi) {
            throw configError("could not set SSL protocol version range: \"" + min + "\" cannot be higher than \""
                    + max + "\"");
        }
        Set<String> supported = Set.of(SSLContext.getDefault().getSupportedSSLParameters().getProtocols());
        List<String> out = new ArrayList<>();
        for (int i = Math.max(0, lo); i <= hi; i++) {
            if (supported.contains(PROTOCOLS.get(i))) {
                out.add(PROTOCOLS.get(i));
            }
        }
        if (out.isEmpty()) {
            throw configError("could not set minimum SSL protocol version: no protocol between " + min + " and "
                    + (max.isBlank() ? "TLSv1.3" : max) + " is available");
        }
        return out.toArray(new String[0]);
    }

    /**
     * ssl_ciphers in OpenSSL's cipher-list syntax, over JSSE's enabled suites: OpenSSL suite names
     * (ECDHE-RSA-AES256-GCM-SHA384) and JSSE's (TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) select a
     * suite, "!" or "-" before one removes it, and the group keywords (HIGH, MEDIUM, DEFAULT,
     * ALL, ...) stand for every suite JSSE enables (none of them weak). TLS 1.3's suites are
     * always kept. No suite left for TLS 1.2 and below is an error, as in PostgreSQL.
     */
    static String[] cipherSuites(String sslCiphers, String[] enabled) {
        Set<String> tls13 = new LinkedHashSet<>();
        Set<String> older = new LinkedHashSet<>();
        for (String s : enabled) {
            (TlsNames.isTls13Suite(s) ? tls13 : older).add(s);
        }
        Set<String> chosen = new LinkedHashSet<>();
        Set<String> removed = new HashSet<>();
        for (String token : sslCiphers.split("[:, ]+")) {
            if (token.isEmpty()) {
                continue;
            }
            boolean remove = token.startsWith("!") || token.startsWith("-");
            String name = token.replaceFirst("^[!+\\-]", "");
            String jsse = TlsNames.jsseSuiteName(name);
            if (older.contains(jsse)) {
                (remove ? removed : chosen).add(jsse);
            } else if (!remove && isGroupKeyword(name)) {
                chosen.addAll(older);
            }
        }
        chosen.removeAll(removed);
        if (chosen.isEmpty()) {
            throw configError("could not set the cipher list (no valid ciphers available)");
        }
        List<String> out = new ArrayList<>(tls13);
        out.addAll(chosen);
        return out.toArray(new String[0]);
    }

    private static boolean isGroupKeyword(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "HIGH", "MEDIUM", "DEFAULT", "ALL", "COMPLEMENTOFDEFAULT", "SECURE", "ECDHE", "EECDH", "AESGCM",
                 "AES", "AES256", "AES128", "CHACHA20", "SHA256", "SHA384", "TLSV1.2", "KECDHE", "KRSA", "ARSA",
                 "AECDSA", "EDH", "DHE" -> true;
            default -> false;
        };
    }
}
