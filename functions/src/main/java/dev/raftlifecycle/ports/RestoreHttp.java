package dev.raftlifecycle.ports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.decisions.ReadFailure;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The restore clients' one exchange: a request with the token in a header, its status judged, never the token shown. */
final class RestoreHttp {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String tokenHeader;
    private final Duration requestTimeout;
    private final Duration restoreTimeout;

    RestoreHttp(HttpClient http, String tokenHeader, Duration requestTimeout, Duration restoreTimeout) {
        this.http = http;
        this.tokenHeader = tokenHeader;
        this.requestTimeout = requestTimeout;
        this.restoreTimeout = restoreTimeout;
    }

    /** A GET; statuses in {@code accepted} are answers (their JSON body returned), any other a failure. */
    JsonNode get(URI uri, String token, int... accepted) throws ClusterCallException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(requestTimeout).GET();
        if (token != null) {
            request.header(tokenHeader, token);
        }
        HttpResponse<byte[]> response = send(request.build(), uri, HttpResponse.BodyHandlers.ofByteArray());
        for (int status : accepted) {
            if (response.statusCode() == status) {
                try {
                    return response.body().length == 0 ? JSON.nullNode() : JSON.readTree(response.body());
                } catch (IOException e) {
                    throw new ClusterCallException(ReadFailure.BAD_RESPONSE, status, where(uri) + " returned invalid JSON", e);
                }
            }
        }
        throw failure(response.statusCode(), response.body(), uri);
    }

    /**
     * Streams {@code length} bytes of {@code body} with {@code method} (fixed length, not chunked), within the restore
     * timeout; any status from 300 up is a failure.
     */
    void upload(String method, URI uri, String token, InputStream body, long length) throws ClusterCallException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(restoreTimeout)
                .header(tokenHeader, token)
                .header("Content-Type", "application/octet-stream")
                .method(method, HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> body), length))
                .build();
        HttpResponse<byte[]> response = send(request, uri, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() >= 300) {
            throw failure(response.statusCode(), response.body(), uri);
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, URI uri, HttpResponse.BodyHandler<T> handler)
            throws ClusterCallException {
        try {
            return http.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterCallException(ReadFailure.UNREACHABLE, 0, where(uri) + ": interrupted", e);
        } catch (IOException e) {
            if (HttpFailures.isTls(e)) {
                throw new ClusterCallException(ReadFailure.TLS, 0, where(uri) + ": TLS verification failed: "
                        + HttpFailures.describe(e), e);
            }
            throw new ClusterCallException(ReadFailure.UNREACHABLE, 0, where(uri) + ": " + HttpFailures.describe(e), e);
        }
    }

    private static ClusterCallException failure(int status, byte[] body, URI uri) {
        ReadFailure kind = status == 401 || status == 403 ? ReadFailure.DENIED : ReadFailure.BAD_RESPONSE;
        String text = new String(body, StandardCharsets.UTF_8).strip();
        // The systems' own error text (Vault: {"errors":[...]}; Consul: plain text), short; it never echoes a header.
        String shown = text.length() > 300 ? text.substring(0, 300) + "…" : text;
        return new ClusterCallException(kind, status, where(uri) + ": HTTP " + status + (shown.isEmpty() ? "" : " " + shown), null);
    }

    private static String where(URI uri) {
        return uri.getPath() + " on " + uri.getHost() + ":" + uri.getPort();
    }
}
