package org.walden.protocol;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CRL;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMDecryptorProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * PEM files as OpenSSL (and so PostgreSQL and libpq) reads them: certificate chains
 * ("BEGIN CERTIFICATE" blocks, the first one the leaf), private keys in PKCS#8 ("BEGIN PRIVATE
 * KEY"), encrypted PKCS#8 ("BEGIN ENCRYPTED PRIVATE KEY") and the traditional RSA / EC forms,
 * the latter optionally encrypted ("Proc-Type: 4,ENCRYPTED"), and certificate revocation lists
 * ("BEGIN X509 CRL", or DER). Parsing is BouncyCastle's bcpkix; the objects are the JDK's, so
 * JSSE uses them. A problem is an {@link IOException} whose message says what PostgreSQL's
 * would ("could not load private key file ...: bad decrypt").
 */
public final class PemFiles {

    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private PemFiles() {
    }

    /** The certificates of a PEM file, in file order; an IOException if it holds none. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof X509CertificateHolder h) {
                    out.add(converter.getCertificate(h));
                }
            }
        } catch (CertificateException | PEMException e) {
            throw new IOException("could not parse certificate file \"" + file + "\": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException("could not load certificate file \"" + file + "\": no certificate found");
        }
        return out;
    }

    /**
     * The private key of a PEM file. {@code passphrase} is asked for only when the key is
     * encrypted (null from it, or a wrong one, is "bad decrypt").
     */
    public static PrivateKey privateKey(Path file, Supplier<String> passphrase) throws IOException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                switch (o) {
                    case PrivateKeyInfo info -> {
                        return converter.getPrivateKey(info);
                    }
                    case PEMKeyPair pair -> {
                        return converter.getKeyPair(pair).getPrivate();
                    }
                    case PEMEncryptedKeyPair enc -> {
                        PEMDecryptorProvider d = new JcePEMDecryptorProviderBuilder().setProvider(BC)
                                .build(requirePassphrase(file, passphrase));
                        return converter.getKeyPair(enc.decryptKeyPair(d)).getPrivate();
                    }
                    case PKCS8EncryptedPrivateKeyInfo enc -> {
                        InputDecryptorProvider d = new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC)
                                .build(requirePassphrase(file, passphrase));
                        return converter.getPrivateKey(enc.decryptPrivateKeyInfo(d));
                    }
                    default -> {
                        // parameters blocks (EC PARAMETERS) and others: keep looking
                    }
                }
            }
        } catch (PEMException | OperatorCreationException | PKCSException e) {
            throw new IOException("could not load private key file \"" + file + "\": bad decrypt", e);
        }
        throw new IOException("could not load private key file \"" + file + "\": no private key found");
    }

    /** Whether the key in {@code file} is encrypted (needs a passphrase). */
    public static boolean isEncryptedKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        return text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED");
    }

    private static char[] requirePassphrase(Path file, Supplier<String> passphrase) throws IOException {
        String p = passphrase == null ? null : passphrase.get();
        if (p == null) {
            throw new IOException("could not load private key file \"" + file + "\": bad decrypt");
        }
        return p.toCharArray();
    }

    /** The certificate revocation lists of a PEM (or DER) file. */
    public static List<X509CRL> crls(Path file) throws IOException {
        List<X509CRL> out = new ArrayList<>();
        byte[] bytes = Files.readAllBytes(file);
        String head = new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.US_ASCII);
        try {
            if (!head.contains("-----BEGIN")) {
                for (CRL c : CertificateFactory.getInstance("X.509")
                        .generateCRLs(new java.io.ByteArrayInputStream(bytes))) {
                    out.add((X509CRL) c);
                }
                return out;
            }
            JcaX509CRLConverter converter = new JcaX509CRLConverter();
            try (PEMParser p = new PEMParser(new java.io.StringReader(new String(bytes, StandardCharsets.US_ASCII)))) {
                for (Object o = p.readObject(); o != null; o = p.readObject()) {
                    if (o instanceof X509CRLHolder h) {
                        out.add(converter.getCRL(h));
                    }
                }
            }
        } catch (java.security.cert.CRLException | CertificateException e) {
            throw new IOException("could not load SSL certificate revocation list file \"" + file + "\": "
                    + e.getMessage(), e);
        }
        return out;
    }
}
