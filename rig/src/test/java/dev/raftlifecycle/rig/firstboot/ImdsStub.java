package dev.raftlifecycle.rig.firstboot;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The EC2 instance metadata service as IMDSv2-only instances have it (launch template http_tokens =
 * required): {@code PUT /latest/api/token} with {@code X-aws-ec2-metadata-token-ttl-seconds} (1..21600)
 * returns a session token; every {@code GET} must carry a live token in {@code X-aws-ec2-metadata-token},
 * else 401. Requests with {@code X-Forwarded-For} are refused, as IMDS refuses proxied token requests.
 * {@link #refusingTokens()} answers every token request with 403 (IMDS disabled or blocked).
 */
final class ImdsStub implements AutoCloseable {
    static final String TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";
    static final String TOKEN_HEADER = "X-aws-ec2-metadata-token";

    private final HttpServer server;
    private final Map<String, String> metadata;
    private final boolean refuseTokens;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private final AtomicInteger tokensRefused = new AtomicInteger();
    private final AtomicInteger readsServed = new AtomicInteger();
    private final AtomicInteger readsWithoutValidToken = new AtomicInteger();

    private ImdsStub(Map<String, String> metadata, boolean refuseTokens) {
        this.metadata = Map.copyOf(metadata);
        this.refuseTokens = refuseTokens;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind the IMDS stub: " + e.getMessage(), e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    /** An instance's metadata: instance-id, placement/availability-zone, placement/region, local-ipv4. */
    static ImdsStub forInstance(String instanceId, String availabilityZone, String region, String privateIp) {
        return new ImdsStub(Map.of("instance-id", instanceId, "placement/availability-zone", availabilityZone,
                "placement/region", region, "local-ipv4", privateIp), false);
    }

    /** IMDS that answers but refuses every session token (403). */
    static ImdsStub refusingTokens() {
        return new ImdsStub(Map.of(), true);
    }

    URI url() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    int tokensIssued() {
        return tokensIssued.get();
    }

    int tokensRefused() {
        return tokensRefused.get();
    }

    int readsServed() {
        return readsServed.get();
    }

    /** GETs that came without a token, or with one this stub never issued or that expired. */
    int readsWithoutValidToken() {
        return readsWithoutValidToken.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (exchange.getRequestHeaders().containsKey("X-Forwarded-For")) {
                reply(exchange, 403, "");
            } else if (path.equals("/latest/api/token")) {
                token(exchange);
            } else if (path.startsWith("/latest/meta-data/")) {
                read(exchange, path.substring("/latest/meta-data/".length()));
            } else {
                reply(exchange, 404, "");
            }
        }
    }

    private void token(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("PUT")) {
            reply(exchange, 405, "");
            return;
        }
        if (refuseTokens) {
            tokensRefused.incrementAndGet();
            reply(exchange, 403, "");
            return;
        }
        int ttl;
        try {
            ttl = Integer.parseInt(exchange.getRequestHeaders().getFirst(TTL_HEADER).trim());
        } catch (RuntimeException e) {
            reply(exchange, 400, "");
            return;
        }
        if (ttl < 1 || ttl > 21600) {
            reply(exchange, 400, "");
            return;
        }
        String token = UUID.randomUUID().toString();
        tokens.put(token, clock.instant().plusSeconds(ttl));
        tokensIssued.incrementAndGet();
        exchange.getResponseHeaders().add(TTL_HEADER, Integer.toString(ttl));
        reply(exchange, 200, token);
    }

    private void read(HttpExchange exchange, String key) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            reply(exchange, 405, "");
            return;
        }
        String token = exchange.getRequestHeaders().getFirst(TOKEN_HEADER);
        Instant expiry = token == null ? null : tokens.get(token);
        if (expiry == null || clock.instant().isAfter(expiry)) {
            readsWithoutValidToken.incrementAndGet();
            reply(exchange, 401, "");
            return;
        }
        String value = metadata.get(key);
        if (value == null) {
            reply(exchange, 404, "");
            return;
        }
        readsServed.incrementAndGet();
        reply(exchange, 200, value);
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
