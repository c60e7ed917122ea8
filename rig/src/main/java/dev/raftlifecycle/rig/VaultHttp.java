package dev.raftlifecycle.rig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * The rig's own small Vault HTTP client, used for setup and inspection with the root token (init, auth
 * configuration, KV helpers, reading state for assertions). The code under test has its own client in
 * functions/; this one is deliberately separate so that a bug there cannot hide itself here.
 */
public final class VaultHttp {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A response: status and parsed JSON body (MissingNode when empty or not JSON). */
    public record Reply(int status, JsonNode body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        public JsonNode data() {
            return body.path("data");
        }
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private final HttpClient client;
    private final String tokenHeader;

    public VaultHttp(SSLContext sslContext) {
        this(sslContext, "X-Vault-Token");
    }

    /** The same client for another HashiCorp API whose token travels in {@code tokenHeader} (Consul: X-Consul-Token). */
    public VaultHttp(SSLContext sslContext, String tokenHeader) {
        this.tokenHeader = tokenHeader;
        this.client = HttpClient.newBuilder()
                .sslContext(sslContext)
                .connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public Reply get(URI node, String path, String token) throws IOException {
        return send(node, "GET", path, token, null);
    }

    public Reply put(URI node, String path, String token, Object body) throws IOException {
        return send(node, "PUT", path, token, body);
    }

    public Reply delete(URI node, String path, String token) throws IOException {
        return send(node, "DELETE", path, token, null);
    }

    public Reply send(URI node, String method, String path, String token, Object body) throws IOException {
        return send(node, method, path, token, body, REQUEST_TIMEOUT);
    }

    /** The same, the whole request (connect included) cut at {@code timeout}: a client with a deadline. */
    public Reply send(URI node, String method, String path, String token, Object body, Duration timeout)
            throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.resolve("/v1/" + path))
                .timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (token != null) {
            request.header(tokenHeader, token);
        }
        java.util.concurrent.CompletableFuture<HttpResponse<byte[]>> call =
                client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        try {
            // The request's own timeout does not cover connecting; the future's does, so the cut is hard.
            HttpResponse<byte[]> response = call.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            JsonNode parsed = MissingNode.getInstance();
            if (response.body().length > 0) {
                try {
                    parsed = JSON.readTree(response.body());
                } catch (IOException notJson) {
                    parsed = MissingNode.getInstance();
                }
            }
            return new Reply(response.statusCode(), parsed);
        } catch (java.util.concurrent.TimeoutException e) {
            call.cancel(true);
            throw new java.net.http.HttpTimeoutException("no answer within " + timeout.toMillis() + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
