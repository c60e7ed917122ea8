package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.rig.TlsMaterial;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

class VaultTlsTest {
    private static final TlsMaterial CA = TlsMaterial.newAuthority("test CA");
    private static final TlsMaterial OTHER_CA = TlsMaterial.newAuthority("someone else's CA");

    private static X509Certificate[] chain(TlsMaterial ca, String ip, List<String> names) throws Exception {
        return VaultTls.parseCertificates(ca.issuePem(ip, names).certificateChainPem()).toArray(X509Certificate[]::new);
    }

    private static X509TrustManager manager(Optional<String> serverName) {
        return new VaultTls.NameCheckingTrustManager(trustOnly(CA), serverName);
    }

    private static X509TrustManager trustOnly(TlsMaterial ca) {
        try {
            java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", ca.caCertificate());
            javax.net.ssl.TrustManagerFactory f = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            f.init(store);
            return (X509TrustManager) f.getTrustManagers()[0];
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void acceptsTheConfiguredServerName() throws Exception {
        manager(Optional.of("vault.example.internal"))
                .checkServerTrusted(chain(CA, "10.0.1.5", List.of("vault.example.internal")), "ECDHE_ECDSA");
    }

    @Test
    void withoutAServerNameTheIpConnectedToMustBeNamed() throws Exception {
        VaultTls.NameCheckingTrustManager m = new VaultTls.NameCheckingTrustManager(trustOnly(CA), Optional.empty());
        X509Certificate[] chain = chain(CA, "10.0.1.5", List.of("vault.example.internal"));
        assertThat(VaultTls.certificateNames(chain[0], "10.0.1.5")).isTrue();
        assertThat(VaultTls.certificateNames(chain[0], "10.0.1.6")).isFalse();
        assertThatThrownBy(() -> m.checkServerTrusted(chain, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class)
                .hasMessageContaining("no name to verify");
    }

    @Test
    void rejectsAnotherNameAndAnotherCa() throws Exception {
        assertThatThrownBy(() -> manager(Optional.of("vault.example.internal"))
                .checkServerTrusted(chain(CA, "10.0.1.5", List.of("other.example.internal")), "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("does not name vault.example.internal");
        assertThatThrownBy(() -> manager(Optional.of("vault.example.internal"))
                .checkServerTrusted(chain(OTHER_CA, "10.0.1.5", List.of("vault.example.internal")), "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void wildcardsMatchExactlyOneLeftmostLabel() {
        assertThat(VaultTls.dnsMatches("*.vault.internal", "node1.vault.internal")).isTrue();
        assertThat(VaultTls.dnsMatches("*.vault.internal", "a.b.vault.internal")).isFalse();
        assertThat(VaultTls.dnsMatches("*.vault.internal", "vault.internal")).isFalse();
        assertThat(VaultTls.dnsMatches("*.internal", "vault.internal")).isFalse();
        assertThat(VaultTls.dnsMatches("Vault.Example.Internal.", "vault.example.internal")).isTrue();
    }

    @Test
    void refusesClientCertificatesAndEmptyCaInput() {
        assertThatThrownBy(() -> manager(Optional.empty()).checkClientTrusted(new X509Certificate[0], "RSA"))
                .isInstanceOf(CertificateException.class);
        assertThatThrownBy(() -> VaultTls.context("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
