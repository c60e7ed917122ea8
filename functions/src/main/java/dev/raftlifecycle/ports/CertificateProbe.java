package dev.raftlifecycle.ports;

import dev.raftlifecycle.decisions.CertificateCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A node's certificate as a new client sees it. Each {@link #round()} builds a new TLS context from the cluster's CA:
 * its session cache is empty, so every handshake of the round is a full one whose certificate is verified, never a
 * resumed session; and it opens its own connection, so a pooled one (opened before a certificate changed) cannot
 * answer for the node. Verification is {@link VaultTls}'s: the CA only, the configured server name (sent as SNI) or
 * the address connected to.
 */
public final class CertificateProbe {
    private final Optional<String> serverName;
    /** Parsed once: what a round needs new is the context and its session cache, not the CA. */
    private final javax.net.ssl.X509ExtendedTrustManager trust;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final int port;

    public CertificateProbe(String caPem, Optional<String> serverName, Duration connectTimeout, Duration handshakeTimeout,
                            int port) {
        this.serverName = serverName;
        this.trust = VaultTls.trustManager(caPem, serverName);
        this.connectTimeout = connectTimeout;
        this.handshakeTimeout = handshakeTimeout;
        this.port = port;
    }

    /**
     * The server name as SNI, when it can be one (a wildcard or an over-long label cannot): without it the server
     * presents its default certificate, which the name check then judges.
     */
    static Optional<SNIHostName> sni(String name) {
        try {
            return Optional.of(new SNIHostName(name));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A round of checks sharing one new TLS context (one per observation). */
    public Round round() {
        return new Round(VaultTls.context(trust));
    }

    /** Checks sharing one fresh TLS context; safe to use from several threads. */
    public final class Round {
        private final SSLContext context;

        private Round(SSLContext context) {
            this.context = context;
        }

        private static int millis(Duration d) {
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
        }

        /** One handshake with the node at {@code address}; never throws. */
        public CertificateCheck check(String nodeId, String address) {
            try (Socket raw = new Socket()) {
                try {
                    raw.connect(new InetSocketAddress(address, port), millis(connectTimeout));
                } catch (IOException e) {
                    return CertificateCheck.noAnswer(nodeId, address, "no connection: " + HttpFailures.describe(e));
                }
                raw.setSoTimeout(millis(handshakeTimeout));
                try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, address, port, false)) {
                    SSLParameters parameters = tls.getSSLParameters();
                    serverName.flatMap(CertificateProbe::sni).ifPresent(name -> parameters.setServerNames(List.of(name)));
                    tls.setSSLParameters(parameters);
                    tls.startHandshake();
                    Certificate[] chain = tls.getSession().getPeerCertificates();
                    java.time.Instant earliest = java.util.Arrays.stream(chain).map(c -> ((X509Certificate) c).getNotAfter().toInstant())
                            .min(java.util.Comparator.naturalOrder()).orElseThrow();
                    return CertificateCheck.verified(nodeId, address, earliest);
                }
            } catch (SocketTimeoutException e) {
                return CertificateCheck.noAnswer(nodeId, address, "the handshake timed out");
            } catch (SSLException e) {
                if (HttpFailures.isCertificateRefusal(e)) {
                    return CertificateCheck.refused(nodeId, address, HttpFailures.describe(e));
                }
                return CertificateCheck.noAnswer(nodeId, address, "the handshake failed: " + HttpFailures.describe(e));
            } catch (IOException | RuntimeException e) {
                return CertificateCheck.noAnswer(nodeId, address, "the handshake failed: " + HttpFailures.describe(e));
            }
        }
    }
}
