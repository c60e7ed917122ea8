package dev.raftlifecycle.ports;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * A {@link HttpClient} that never opens a socket: it answers the Vault API paths the handlers call with small,
 * well-formed bodies (a one-server cluster, a healthy autopilot, a login with the token {@code priming}), 204 for
 * the writes, 404 for anything else. Only for rehearsing the Vault request path before a SnapStart snapshot (the
 * driver, its JSON, this project's parsing) on a throwaway {@link VaultClient}; no real call goes through it.
 */
public final class CannedVaultHttp extends HttpClient {
    private static final String NODE = CannedAwsHttp.INSTANCE;
    private static final Map<String, String> BODIES = Map.of(
            "/v1/sys/health", "{\"initialized\":true,\"sealed\":false,\"standby\":false,\"version\":\"1.14.10\"}",
            "/v1/sys/storage/raft/configuration", "{\"data\":{\"config\":{\"index\":1,\"servers\":[{\"node_id\":\"" + NODE
                    + "\",\"address\":\"10.0.0.1:8201\",\"leader\":true,\"voter\":true,\"protocol_version\":\"3\"}]}}}",
            "/v1/sys/storage/raft/autopilot/state", "{\"data\":{\"healthy\":true,\"failure_tolerance\":0,\"leader\":\""
                    + NODE + "\",\"voters\":[\"" + NODE + "\"],\"servers\":{\"" + NODE + "\":{\"id\":\"" + NODE
                    + "\",\"address\":\"10.0.0.1:8201\",\"node_status\":\"alive\",\"last_contact\":\"0s\","
                    + "\"last_term\":3,\"last_index\":10,\"healthy\":true,\"stable_since\":\"2026-01-01T00:00:00Z\","
                    + "\"status\":\"leader\",\"version\":\"1.14.10\"}}}}",
            "/v1/sys/storage/raft/autopilot/configuration", "{\"data\":{\"server_stabilization_time\":\"10s\","
                    + "\"last_contact_threshold\":\"10s\"}}");
    private static final String LOGIN = "{\"request_id\":\"priming\",\"lease_id\":\"\",\"renewable\":false,"
            + "\"lease_duration\":0,\"data\":null,\"wrap_info\":null,\"warnings\":null,\"auth\":{\"client_token\":"
            + "\"priming\",\"accessor\":\"priming\",\"policies\":[\"default\"],\"token_policies\":[\"default\"],"
            + "\"metadata\":{},\"lease_duration\":60,\"renewable\":true,\"entity_id\":\"priming\","
            + "\"token_type\":\"service\",\"orphan\":true,\"mfa_requirement\":null,\"num_uses\":0}}";

    private final List<String> answered = new CopyOnWriteArrayList<>();

    /** The paths answered so far, in order. */
    public List<String> answered() {
        return List.copyOf(answered);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        String path = request.uri().getPath();
        answered.add(path);
        String body;
        int status;
        if (BODIES.containsKey(path)) {
            status = 200;
            body = BODIES.get(path);
        } else if (path.startsWith("/v1/auth/") && path.endsWith("/login")) {
            status = 200;
            body = LOGIN;
        } else if (path.equals("/v1/sys/storage/raft/remove-peer") || path.equals("/v1/sys/step-down")) {
            status = 204;
            body = "";
        } else {
            status = 404;
            body = "{\"errors\":[]}";
        }
        HttpHeaders headers = HttpHeaders.of(Map.of("Content-Type", List.of("application/json")), (a, b) -> true);
        HttpResponse.BodySubscriber<T> subscriber = handler.apply(new HttpResponse.ResponseInfo() {
            @Override
            public int statusCode() {
                return status;
            }

            @Override
            public HttpHeaders headers() {
                return headers;
            }

            @Override
            public Version version() {
                return Version.HTTP_1_1;
            }
        });
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                // everything is delivered below
            }

            @Override
            public void cancel() {
                // nothing to stop
            }
        });
        if (!body.isEmpty()) {
            subscriber.onNext(List.of(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8))));
        }
        subscriber.onComplete();
        T value;
        try {
            value = subscriber.getBody().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
        return new Canned<>(request, status, headers, value);
    }

    private record Canned<T>(HttpRequest request, int statusCode, HttpHeaders headers, T body) implements HttpResponse<T> {
        @Override
        public Optional<HttpResponse<T>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return request.uri();
        }

        @Override
        public Version version() {
            return Version.HTTP_1_1;
        }
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return CompletableFuture.completedFuture(send(request, handler));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        return sendAsync(request, handler);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return Optional.empty();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return Optional.empty();
    }

    @Override
    public Redirect followRedirects() {
        return Redirect.NEVER;
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return Optional.empty();
    }

    @Override
    public SSLContext sslContext() {
        try {
            return SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public SSLParameters sslParameters() {
        return new SSLParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return Optional.empty();
    }

    @Override
    public Version version() {
        return Version.HTTP_1_1;
    }

    @Override
    public Optional<Executor> executor() {
        return Optional.empty();
    }
}
