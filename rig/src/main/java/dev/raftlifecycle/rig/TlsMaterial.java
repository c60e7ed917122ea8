package dev.raftlifecycle.rig;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority generated for one rig run, and the node certificates it issues. Clients of the
 * rig verify Vault's TLS against this CA; nothing is ever trusted blindly.
 */
public final class TlsMaterial {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair caKeys;
    private final X509Certificate caCert;

    /** Paths of a node's certificate chain and key. */
    public record NodeCert(Path certFile, Path keyFile) {
    }

    private TlsMaterial(KeyPair caKeys, X509Certificate caCert) {
        this.caKeys = caKeys;
        this.caCert = caCert;
    }

    public static TlsMaterial newAuthority(String commonName) {
        try {
            KeyPair keys = ecKeys();
            X500Name name = new X500Name("CN=" + commonName);
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(2))), name,
                    keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new TlsMaterial(keys, sign(builder, keys));
        } catch (Exception e) {
            throw new RigException("cannot create the rig CA: " + e.getMessage(), e);
        }
    }

    /** A node certificate as PEM text: the leaf followed by the CA, the private key (PKCS#8), the CA. */
    public record NodeCertPem(String certificateChainPem, String privateKeyPem, String caPem) {
    }

    /** Issues a server+client certificate for a node, naming its IP address and the given DNS names. */
    public NodeCert issue(String ipAddress, List<String> dnsNames, Path dir) {
        NodeCertPem pem = issuePem(ipAddress, dnsNames);
        try {
            Files.createDirectories(dir);
            Path certFile = dir.resolve("tls.crt");
            Path keyFile = dir.resolve("tls.key");
            Files.writeString(certFile, pem.certificateChainPem());
            Files.writeString(keyFile, pem.privateKeyPem());
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
            return new NodeCert(certFile, keyFile);
        } catch (IOException e) {
            throw new RigException("cannot write the certificate for " + ipAddress + ": " + e.getMessage(), e);
        }
    }

    /** Issues a node certificate and returns it as PEM text (nothing written to disk). */
    public NodeCertPem issuePem(String ipAddress, List<String> dnsNames) {
        try {
            KeyPair keys = ecKeys();
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new X500Name(caCert.getSubjectX500Principal().getName()), serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(2))),
                    new X500Name("CN=" + (dnsNames.isEmpty() ? ipAddress : dnsNames.get(0))), keys.getPublic());
            List<GeneralName> names = new ArrayList<>();
            names.add(new GeneralName(GeneralName.iPAddress, ipAddress));
            dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(GeneralName[]::new)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            X509Certificate cert = sign(builder, caKeys);
            return new NodeCertPem(pem(cert) + pem(caCert), pem(new JcaPKCS8Generator(keys.getPrivate(), null)),
                    pem(caCert));
        } catch (Exception e) {
            throw new RigException("cannot issue a certificate for " + ipAddress + ": " + e.getMessage(), e);
        }
    }

    public String caPem() {
        return pem(caCert);
    }

    public X509Certificate caCertificate() {
        return caCert;
    }

    public Path writeCa(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, caPem());
            return file;
        } catch (IOException e) {
            throw new RigException("cannot write CA: " + e.getMessage(), e);
        }
    }

    /** A standard (hostname-verifying) SSL context trusting only this CA. */
    public SSLContext sslContext() {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("rig-ca", caCert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), RANDOM);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new RigException("cannot build SSL context: " + e.getMessage(), e);
        }
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).abs().add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws Exception {
        ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    static String pem(Object object) {
        try (StringWriter text = new StringWriter(); JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
            writer.flush();
            return text.toString();
        } catch (IOException e) {
            throw new RigException("cannot encode PEM: " + e.getMessage(), e);
        }
    }
}
