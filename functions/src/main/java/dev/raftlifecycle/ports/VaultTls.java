package dev.raftlifecycle.ports;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for talking to Vault nodes by private IP. The chain must lead to the configured CA only (never the
 * JVM's default trust store), and the certificate must name either the configured server name (like
 * Vault's own leader_tls_servername, for clusters whose one certificate names a DNS name) or, when none
 * is configured, the IP address connected to. Verification cannot be turned off.
 */
public final class VaultTls {
    private VaultTls() {
    }

    /** An SSL context trusting only {@code caPem}, verifying names as described above. */
    public static SSLContext context(String caPem, Optional<String> serverName) {
        return context(trustManager(caPem, serverName));
    }

    /** A new SSL context (an empty session cache) over a trust manager from {@link #trustManager}. */
    public static SSLContext context(X509ExtendedTrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {trust}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot build the Vault TLS context: " + e.getMessage(), e);
        }
    }

    /** The chain check against {@code caPem} only, then the name check, as every call makes them. */
    public static X509ExtendedTrustManager trustManager(String caPem, Optional<String> serverName) {
        try {
            List<X509Certificate> cas = parseCertificates(caPem);
            if (cas.isEmpty()) {
                throw new IllegalArgumentException("the CA PEM holds no certificate");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("vault-ca-" + i, cas.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            X509TrustManager chainCheck = (X509TrustManager) factory.getTrustManagers()[0];
            return new NameCheckingTrustManager(chainCheck, serverName);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot build the Vault TLS context: " + e.getMessage(), e);
        }
    }

    static List<X509Certificate> parseCertificates(String pem) throws CertificateException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        Collection<? extends java.security.cert.Certificate> certs =
                factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        return certs.stream().map(c -> (X509Certificate) c).toList();
    }

    /** Whether the certificate names {@code expected} (an IP literal or a DNS name) in its subjectAltName. */
    static boolean certificateNames(X509Certificate cert, String expected) throws CertificateParsingException {
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        if (sans == null) {
            return false;
        }
        Optional<InetAddress> ip = ipLiteral(expected);
        for (List<?> san : sans) {
            int type = (Integer) san.get(0);
            String value = String.valueOf(san.get(1));
            if (ip.isPresent() && type == 7) {
                Optional<InetAddress> sanIp = ipLiteral(value);
                if (sanIp.isPresent() && sanIp.get().equals(ip.get())) {
                    return true;
                }
            } else if (ip.isEmpty() && type == 2 && dnsMatches(value, expected)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 6125 matching: case-insensitive; a wildcard only as the whole left-most label, matching one label. */
    static boolean dnsMatches(String pattern, String host) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        if (p.endsWith(".")) {
            p = p.substring(0, p.length() - 1);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (!p.startsWith("*.")) {
            return p.equals(h);
        }
        String suffix = p.substring(1);
        if (suffix.indexOf('.', 1) < 0) {
            return false; // "*.com" style wildcards are refused
        }
        int firstDot = h.indexOf('.');
        return firstDot > 0 && h.substring(firstDot).equals(suffix);
    }

    static Optional<InetAddress> ipLiteral(String value) {
        String v = value.startsWith("[") && value.endsWith("]") ? value.substring(1, value.length() - 1) : value;
        boolean looksIp = v.matches("[0-9.]+") && v.chars().filter(c -> c == '.').count() == 3 || v.contains(":");
        if (!looksIp) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(v)); // a literal: no DNS lookup happens
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** Chain check against the CA, then our own name check (the JDK's would insist on the connected address). */
    static final class NameCheckingTrustManager extends X509ExtendedTrustManager {
        private final X509TrustManager chainCheck;
        private final Optional<String> serverName;

        NameCheckingTrustManager(X509TrustManager chainCheck, Optional<String> serverName) {
            this.chainCheck = chainCheck;
            this.serverName = serverName;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain, authType, engine == null ? null : engine.getPeerHost());
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            // The host the socket was opened for (an IP or a DNS name, as the HTTP client's engine reports it), else
            // the address connected to.
            String host = null;
            if (socket instanceof javax.net.ssl.SSLSocket tls && tls.getHandshakeSession() != null) {
                host = tls.getHandshakeSession().getPeerHost();
            }
            if (host == null && socket != null && socket.getInetAddress() != null) {
                host = socket.getInetAddress().getHostAddress();
            }
            check(chain, authType, host);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, authType, null);
        }

        private void check(X509Certificate[] chain, String authType, String connectedHost) throws CertificateException {
            chainCheck.checkServerTrusted(chain, authType);
            String expected = serverName.orElse(connectedHost);
            if (expected == null) {
                throw new CertificateException("no name to verify the Vault certificate against");
            }
            if (!certificateNames(chain[0], expected)) {
                throw new CertificateException("the Vault certificate does not name " + expected
                        + (serverName.isPresent() ? " (VAULT_TLS_SERVER_NAME)" : " (the address connected to)"));
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("client certificates are not accepted here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("client certificates are not accepted here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not accepted here");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return chainCheck.getAcceptedIssuers();
        }
    }
}
