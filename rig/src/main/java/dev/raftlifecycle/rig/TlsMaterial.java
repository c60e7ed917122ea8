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
        return newAuthority(commonName, Duration.ofDays(2));
    }

    /** A CA valid for {@code lifetime} from now. */
    public static TlsMaterial newAuthority(String commonName, Duration lifetime) {
        try {
            KeyPair keys = ecKeys();
            X500Name name = new X500Name("CN=" + commonName);
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(lifetime)), name,
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

    /** Issues a node certificate and returns it as PEM text (nothing written to disk), valid for two days. */
    public NodeCertPem issuePem(String ipAddress, List<String> dnsNames) {
        Instant now = Instant.now();
        return issuePem(ipAddress, dnsNames, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(2)));
    }

    /**
     * A node certificate from this CA valid from {@code notBefore} to {@code notAfter} (one about to expire, or one
     * already expired).
     */
    public NodeCertPem issuePem(String ipAddress, List<String> dnsNames, Instant notBefore, Instant notAfter) {
        try {
            KeyPair keys = ecKeys();
            X509Certificate cert = leaf(ipAddress, dnsNames, notBefore, notAfter, keys,
                    new X500Name(caCert.getSubjectX500Principal().getName()), caKeys);
            return new NodeCertPem(pem(cert) + pem(caCert), pem(new JcaPKCS8Generator(keys.getPrivate(), null)),
                    pem(caCert));
        } catch (Exception e) {
            throw new RigException("cannot issue a certificate for " + ipAddress + ": " + e.getMessage(), e);
        }
    }

    /**
     * A certificate with the same names that this CA never issued, signed by its own key: what a botched renewal
     * looks like (a node's own self-signed stand-in). Its chain is the leaf alone.
     */
    public NodeCertPem selfSignedPem(String ipAddress, List<String> dnsNames) {
        try {
            KeyPair keys = ecKeys();
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + (dnsNames.isEmpty() ? ipAddress : dnsNames.get(0)));
            X509Certificate cert = leaf(ipAddress, dnsNames, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(2)),
                    keys, subject, keys);
            return new NodeCertPem(pem(cert), pem(new JcaPKCS8Generator(keys.getPrivate(), null)), pem(caCert));
        } catch (Exception e) {
            throw new RigException("cannot make a self-signed certificate for " + ipAddress + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate leaf(String ipAddress, List<String> dnsNames, Instant notBefore, Instant notAfter,
                                        KeyPair keys, X500Name issuer, KeyPair signer) throws Exception {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(notBefore),
                Date.from(notAfter), new X500Name("CN=" + (dnsNames.isEmpty() ? ipAddress : dnsNames.get(0))),
                keys.getPublic());
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.iPAddress, ipAddress));
        dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        return sign(builder, signer);
    }

    /** Writes a node's certificate chain and key over the files a server was started with (key first: 0600). */
    public static void replace(NodeCert files, NodeCertPem pem) {
        try {
            Files.writeString(files.keyFile(), pem.privateKeyPem());
            Files.setPosixFilePermissions(files.keyFile(), PosixFilePermissions.fromString("rw-------"));
            Files.writeString(files.certFile(), pem.certificateChainPem());
        } catch (IOException e) {
            throw new RigException("cannot replace the certificate at " + files.certFile() + ": " + e.getMessage(), e);
        }
    }

    /** A server-side SSL context presenting {@code pem} (tests of TLS clients). */
    public static SSLContext serverContext(NodeCertPem pem) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new javax.net.ssl.KeyManager[] {keyManager(pem)}, null, RANDOM);
            return context;
        } catch (GeneralSecurityException e) {
            throw new RigException("cannot build a server SSL context: " + e.getMessage(), e);
        }
    }

    /** The key manager presenting {@code pem}'s chain and key. */
    public static javax.net.ssl.X509ExtendedKeyManager keyManager(NodeCertPem pem) {
        try {
            java.security.cert.CertificateFactory factory = java.security.cert.CertificateFactory.getInstance("X.509");
            java.security.cert.Certificate[] chain = factory.generateCertificates(new java.io.ByteArrayInputStream(
                    pem.certificateChainPem().getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                    .toArray(java.security.cert.Certificate[]::new);
            String base64 = pem.privateKeyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            java.security.PrivateKey key = java.security.KeyFactory.getInstance("EC")
                    .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(base64)));
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("node", key, new char[0], chain);
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
            kmf.init(store, new char[0]);
            return (javax.net.ssl.X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        } catch (GeneralSecurityException | IOException e) {
            throw new RigException("cannot build a key manager: " + e.getMessage(), e);
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
