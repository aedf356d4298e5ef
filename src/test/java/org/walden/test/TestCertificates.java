package org.walden.test;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made by the tests (never committed keys): a certificate authority, server
 * certificates for localhost / 127.0.0.1, client certificates with a chosen CN, and a CRL,
 * written as PEM files as OpenSSL writes them (private keys 0600). EC P-256 keys, so making
 * them is quick.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final X500Name caName;
    private final KeyPair caKeys;
    private final X509Certificate caCert;

    /** A new certificate authority named {@code name}, its certificate in DIR/NAME.crt. */
    public TestCertificates(Path dir, String name) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            this.caName = new X500Name("CN=" + name);
            this.caKeys = newKeys();
            JcaX509v3CertificateBuilder b = builder(caName, caName, caKeys);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            this.caCert = sign(b, caKeys);
            writePem(dir.resolve(name + ".crt"), caCert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CA certificate's file. */
    public Path caFile() {
        return dir.resolve(caName.toString().substring(3) + ".crt");
    }

    /** The files of one certificate and its key. */
    public record Issued(Path cert, Path key, X509Certificate certificate) {
    }

    /** A server certificate for {@code dnsNames} and {@code ipAddresses}, CN the first DNS name. */
    public Issued server(String fileName, List<String> dnsNames, List<String> ipAddresses) {
        GeneralName[] names = new GeneralName[dnsNames.size() + ipAddresses.size()];
        int i = 0;
        for (String d : dnsNames) {
            names[i++] = new GeneralName(GeneralName.dNSName, d);
        }
        for (String ip : ipAddresses) {
            names[i++] = new GeneralName(GeneralName.iPAddress, ip);
        }
        return issue(fileName, "CN=" + dnsNames.get(0), names, null);
    }

    /** A client certificate with {@code commonName} (the user name the cert method checks). */
    public Issued client(String fileName, String commonName) {
        return issue(fileName, "CN=" + commonName, null, null);
    }

    /** As {@link #client} or {@link #server}, the key encrypted with {@code passphrase} (PKCS#8). */
    public Issued serverWithPassphrase(String fileName, String passphrase) {
        return issue(fileName, "CN=localhost", new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}, passphrase);
    }

    /** A CRL of this CA revoking {@code revoked}, in DIR/FILENAME. */
    public Path crl(String fileName, X509Certificate... revoked) {
        try {
            Date now = new Date();
            X509v2CRLBuilder b = new X509v2CRLBuilder(caName, now);
            b.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(7))));
            for (X509Certificate c : revoked) {
                b.addCRLEntry(c.getSerialNumber(), now, CRLReason.keyCompromise);
            }
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate());
            X509CRLHolder crl = b.build(signer);
            Path f = dir.resolve(fileName);
            StringWriter sw = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
                w.writeObject(crl);
            }
            Files.writeString(f, sw.toString());
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private Issued issue(String fileName, String subject, GeneralName[] altNames, String passphrase) {
        try {
            KeyPair keys = newKeys();
            JcaX509v3CertificateBuilder b = builder(caName, new X500Name(subject), keys);
            if (altNames != null) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(altNames));
            }
            X509Certificate cert = sign(b, caKeys);
            Path certFile = dir.resolve(fileName + ".crt");
            Path keyFile = dir.resolve(fileName + ".key");
            writePem(certFile, cert);
            StringWriter sw = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
                if (passphrase == null) {
                    w.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
                } else {
                    w.writeObject(new JcaPKCS8Generator(keys.getPrivate(),
                            new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                                    .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                                    .setPassword(passphrase.toCharArray()).build()));
                }
            }
            Files.writeString(keyFile, sw.toString());
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
            return new Issued(certFile, keyFile, cert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair newKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), subject,
                keys.getPublic());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair issuerKeys)
            throws OperatorCreationException, GeneralSecurityException {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    private static void writePem(Path file, Object o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        Files.writeString(file, sw.toString());
    }
}
