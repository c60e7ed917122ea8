package dev.raftlifecycle.ports;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import javax.net.ssl.SSLException;

/** What the cluster ports say about a failed HTTP exchange, and the timestamps both systems use. */
final class HttpFailures {
    private HttpFailures() {
    }

    static boolean isTls(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof ConnectException) {
            return "connection refused";
        }
        if (root instanceof HttpTimeoutException || root instanceof java.net.SocketTimeoutException) {
            return "timed out";
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
