package dev.raftlifecycle.ports;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * What the cluster ports share: their HTTP client (the project's TLS, HTTP/1.1, no redirects followed), what they say
 * about a failed exchange, and the timestamps both systems use.
 */
final class HttpFailures {
    private HttpFailures() {
    }

    /** https://ip:port, an IPv6 address bracketed. */
    static java.net.URI base(String ip, int port) {
        String host = ip.contains(":") ? "[" + ip + "]" : ip;
        return java.net.URI.create("https://" + host + ":" + port);
    }

    /** One client per port: TLS pinned to the cluster's CA, redirects never followed (a standby's 307 is an answer). */
    static java.net.http.HttpClient client(javax.net.ssl.SSLContext tls, java.time.Duration connectTimeout) {
        return java.net.http.HttpClient.newBuilder()
                .sslContext(tls)
                .connectTimeout(connectTimeout)
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
                .build();
    }

    static boolean isTls(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The handshake failed because the certificate was refused (our trust manager's chain or name check), not because
     * the connection went away mid-handshake.
     */
    static boolean isCertificateRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException
                    || t instanceof java.security.cert.CertPathValidatorException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        boolean saysTimedOut = root.getMessage() != null && root.getMessage().toLowerCase(java.util.Locale.ROOT).contains("timed out");
        if (root instanceof HttpTimeoutException || root instanceof java.net.SocketTimeoutException
                || root instanceof ConnectException && saysTimedOut) {
            return "timed out"; // the HTTP client's connect timeout also bounds the TLS handshake: "HTTP connect timed out"
        }
        if (root instanceof ConnectException) {
            return "connection refused";
        }
        String m = root.getMessage();
        return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    static Optional<Instant> timestamp(String text) {
        if (text.isEmpty() || text.startsWith("0001-01-01")) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
