package dev.raftlifecycle.ports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.decisions.AutopilotServer;
import dev.raftlifecycle.decisions.AutopilotSettings;
import dev.raftlifecycle.decisions.AutopilotState;
import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.ReadFailure;
import io.github.jopenlibs.vault.EnvironmentLoader;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LogicalResponse;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The Vault port: one small typed call per endpoint the handlers use, against one node addressed by its
 * private IP. Calls go through the jopenlibs Vault driver (engine version 1, so sys/ paths are not
 * rewritten) over one shared java.net.http client with the project's TLS (see {@link VaultTls});
 * sys/health is a thin direct call because the driver rejects the 474/530 codes and drops the body.
 * Tokens are never logged or put into exception messages.
 */
public final class VaultClient implements ClusterPort {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EnvironmentLoader NO_ENVIRONMENT = new EnvironmentLoader() {
        @Override
        public String loadVariable(String name) {
            return null; // never pick up VAULT_TOKEN/VAULT_ADDR from the environment
        }
    };

    private final HttpClient http;
    private final SSLContext tls;
    private final int port;
    private final Duration requestTimeout;

    public VaultClient(SSLContext tls, Duration connectTimeout, Duration requestTimeout, int port) {
        this(HttpFailures.client(tls, connectTimeout), tls, requestTimeout, port);
    }

    private VaultClient(HttpClient http, SSLContext tls, Duration requestTimeout, int port) {
        this.http = http;
        this.tls = tls;
        this.port = port;
        this.requestTimeout = requestTimeout;
    }

    /** The same client over {@code canned}: for rehearsing the request path before a snapshot, never a real call. */
    public VaultClient rehearsal(CannedVaultHttp canned) {
        return new VaultClient(canned, tls, requestTimeout, port);
    }

    /**
     * The same client (connections, TLS, name check) for another port with its own request timeout: the canary's,
     * which goes through the load balancer's address instead of a node's.
     */
    public VaultClient at(int otherPort, Duration timeout) {
        return new VaultClient(http, tls, timeout, otherPort);
    }

    /**
     * The same client (port, timeout) over new connections and the given new TLS context: nothing pooled or resumable
     * from earlier calls answers for it, so each of its connections verifies the certificate the server has now.
     * {@link #release()} it after use.
     */
    public VaultClient withNewConnections(SSLContext freshTls, Duration connectTimeout) {
        return new VaultClient(HttpFailures.client(freshTls, connectTimeout), freshTls, requestTimeout, port);
    }

    /** Closes this client's connections and its selector thread at once (a client from {@link #withNewConnections}). */
    public void release() {
        http.shutdownNow();
    }

    /** The TLS context every Vault call uses (pinned to the cluster's CA). */
    public SSLContext tls() {
        return tls;
    }

    @Override
    public String serverIdHeader() {
        return IamLoginRequest.SERVER_ID_HEADER;
    }

    URI base(String ip) {
        return HttpFailures.base(ip, port);
    }

    /** The node's own sys/health, without authentication. Never throws: failures become states. */
    @Override
    public NodeHealth health(String instanceId, String ip) {
        HttpRequest request = HttpRequest.newBuilder(base(ip).resolve("/v1/sys/health"))
                .timeout(requestTimeout).GET().build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            NodeHealth.State state = NodeHealth.State.ofStatus(response.statusCode());
            Optional<String> version = Optional.empty();
            if (response.body().length > 0) {
                try {
                    JsonNode body = JSON.readTree(response.body());
                    String v = body.path("version").asText("");
                    version = v.isEmpty() ? Optional.empty() : Optional.of(v);
                } catch (IOException notJson) {
                    // keep the state from the status code
                }
            }
            return new NodeHealth(instanceId, ip, state, version, "HTTP " + response.statusCode());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NodeHealth.unreachable(instanceId, ip, "interrupted");
        } catch (IOException e) {
            if (HttpFailures.isTls(e)) {
                return new NodeHealth(instanceId, ip, NodeHealth.State.TLS_FAILURE, Optional.empty(), HttpFailures.describe(e));
            }
            return NodeHealth.unreachable(instanceId, ip, HttpFailures.describe(e));
        }
    }

    /** auth/{mount}/login with a signed GetCallerIdentity request. */
    @Override
    public Session login(String ip, String mount, String role, IamLoginRequest.Payload payload, Instant now)
            throws ClusterCallException {
        try {
            AuthResponse response = driver(ip, null).auth().loginByAwsIam(role, payload.urlBase64(),
                    payload.bodyBase64(), payload.headersBase64(), mount);
            String token = response.getAuthClientToken();
            if (token == null || token.isEmpty()) {
                throw new ClusterCallException(ReadFailure.BAD_RESPONSE, 200, "login on " + ip + " returned no token", null);
            }
            return new Session(token, now.plusSeconds(Math.max(0, response.getAuthLeaseDuration())));
        } catch (VaultException e) {
            throw translate(e, ip, "auth/" + mount + "/login");
        }
    }

    @Override
    public List<RaftPeer> raftConfiguration(String ip, Session session) throws ClusterCallException {
        JsonNode data = read(ip, session, "sys/storage/raft/configuration");
        List<RaftPeer> peers = new ArrayList<>();
        for (JsonNode server : data.path("config").path("servers")) {
            peers.add(new RaftPeer(server.path("node_id").asText(), server.path("address").asText(),
                    server.path("leader").asBoolean(false), server.path("voter").asBoolean(false)));
        }
        if (!data.path("config").path("servers").isArray()) {
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, 200, "raft configuration from " + ip + " has no servers", null);
        }
        return peers;
    }

    @Override
    public AutopilotState autopilotState(String ip, Session session) throws ClusterCallException {
        JsonNode data = read(ip, session, "sys/storage/raft/autopilot/state");
        try {
            return parseAutopilot(data);
        } catch (IllegalArgumentException e) {
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, 200, "autopilot state from " + ip + ": " + e.getMessage(), e);
        }
    }

    static AutopilotState parseAutopilot(JsonNode data) {
        Map<String, AutopilotServer> servers = new HashMap<>();
        data.path("servers").fields().forEachRemaining(entry -> {
            JsonNode s = entry.getValue();
            servers.put(entry.getKey(), new AutopilotServer(entry.getKey(), s.path("address").asText(""),
                    s.path("node_status").asText(""), GoDuration.parse(s.path("last_contact").asText("0s")),
                    s.path("last_term").asLong(0), s.path("last_index").asLong(0), s.path("healthy").asBoolean(false),
                    HttpFailures.timestamp(s.path("stable_since").asText("")), s.path("status").asText(""),
                    s.path("version").asText("")));
        });
        List<String> voters = new ArrayList<>();
        data.path("voters").forEach(v -> voters.add(v.asText()));
        return new AutopilotState(data.path("healthy").asBoolean(false), data.path("failure_tolerance").asInt(0),
                data.path("leader").asText(""), voters, servers);
    }

    @Override
    public AutopilotSettings autopilotSettings(String ip, Session session) throws ClusterCallException {
        JsonNode data = read(ip, session, "sys/storage/raft/autopilot/configuration");
        try {
            return new AutopilotSettings(GoDuration.parse(data.path("server_stabilization_time").asText("10s")),
                    GoDuration.parse(data.path("last_contact_threshold").asText("10s")));
        } catch (IllegalArgumentException e) {
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, 200, "autopilot configuration from " + ip + ": " + e.getMessage(), e);
        }
    }

    /** sys/metrics (JSON): not wrapped in {@code data}. */
    @Override
    public Optional<Double> raftCommitTimeMs(String ip, Session session) throws ClusterCallException {
        String path = "sys/metrics";
        try {
            LogicalResponse response = driver(ip, session.token()).logical().read(path);
            refuseErrorStatus(response, ip, path);
            return RaftTelemetry.commitTimeMs(JSON.readTree(response.getRestResponse().getBody()));
        } catch (VaultException e) {
            throw translate(e, ip, path);
        } catch (IOException e) {
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, 200, path + " on " + ip + " returned invalid JSON", e);
        }
    }

    /** sys/storage/raft/remove-peer. Vault answers success even for an unknown id: confirm by re-reading. */
    @Override
    public void removePeer(String ip, Session session, String nodeId) throws ClusterCallException {
        write(ip, session, "sys/storage/raft/remove-peer", Map.of("server_id", nodeId));
    }

    /** sys/step-down: the active node gives up leadership (forwarded by standbys). */
    @Override
    public void stepDown(String ip, Session session) throws ClusterCallException {
        write(ip, session, "sys/step-down", Map.of());
    }

    /**
     * sys/storage/raft/snapshot, streamed. A standby answers 307 (redirects are not followed) or forwards: the caller
     * asks the active node. Its policy needs only {@code read} on this path.
     */
    @Override
    public <T, E extends Exception> T snapshot(String ip, Session session, Duration idle, Duration limit,
                                               SnapshotConsumer<T, E> consumer) throws ClusterCallException, E {
        String path = "sys/storage/raft/snapshot";
        HttpRequest request = HttpRequest.newBuilder(base(ip).resolve("/v1/" + path)).timeout(requestTimeout)
                .header("X-Vault-Token", session.token()).GET().build();
        return SnapshotStreams.take(http, request, path + " on " + ip, idle, limit, (status, body) -> status >= 400
                ? translate(status, body, ip, path)
                : new ClusterCallException(ReadFailure.NO_LEADER, status, path + " on " + ip + ": HTTP " + status
                        + " (not the active node)", null), consumer);
    }

    /** GET a KV version 1 secret: its data object. */
    public JsonNode kvRead(String host, Session session, String path) throws ClusterCallException {
        HttpRequest request = HttpRequest.newBuilder(base(host).resolve("/v1/" + path)).timeout(requestTimeout)
                .header("X-Vault-Token", session.token()).GET().build();
        HttpResponse<byte[]> response = sendDirect(request, host, path);
        try {
            JsonNode data = JSON.readTree(response.body()).path("data");
            if (!data.isObject()) {
                throw new ClusterCallException(ReadFailure.BAD_RESPONSE, response.statusCode(),
                        path + " on " + host + " returned no data object", null);
            }
            return data;
        } catch (IOException e) {
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, response.statusCode(),
                    path + " on " + host + " returned invalid JSON", e);
        }
    }

    /** PUT a KV version 1 secret. */
    public void kvWrite(String host, Session session, String path, Map<String, Object> data) throws ClusterCallException {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(data);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode the canary's value", e);
        }
        HttpRequest request = HttpRequest.newBuilder(base(host).resolve("/v1/" + path)).timeout(requestTimeout)
                .header("X-Vault-Token", session.token()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        sendDirect(request, host, path);
    }

    /** One direct call; any status but 2xx, a timeout, a refused or failed connection is a failure. */
    private HttpResponse<byte[]> sendDirect(HttpRequest request, String host, String path) throws ClusterCallException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterCallException(ReadFailure.UNREACHABLE, 0, path + " on " + host + ": interrupted", e);
        } catch (IOException e) {
            if (HttpFailures.isTls(e)) {
                throw new ClusterCallException(ReadFailure.TLS, 0, path + " on " + host + ": TLS verification failed: "
                        + HttpFailures.describe(e), e);
            }
            throw new ClusterCallException(ReadFailure.UNREACHABLE, 0, path + " on " + host + ": " + HttpFailures.describe(e), e);
        }
        if (response.statusCode() >= 400) {
            throw translate(response.statusCode(), new String(response.body(), java.nio.charset.StandardCharsets.UTF_8),
                    host, path);
        }
        if (response.statusCode() < 200 || response.statusCode() >= 300) {
            // A standby that cannot forward to an active node answers 307 (redirects are not followed): not done.
            throw new ClusterCallException(ReadFailure.NO_LEADER, response.statusCode(), path + " on " + host
                    + ": HTTP " + response.statusCode() + " (a standby that could not forward the request)", null);
        }
        return response;
    }

    private JsonNode read(String ip, Session session, String path) throws ClusterCallException {
        try {
            LogicalResponse response = driver(ip, session.token()).logical().read(path);
            refuseErrorStatus(response, ip, path);
            JsonNode body = JSON.readTree(response.getRestResponse().getBody());
            if (!body.path("data").isObject()) {
                throw new ClusterCallException(ReadFailure.BAD_RESPONSE, response.getRestResponse().getStatus(),
                        path + " on " + ip + " returned no data object", null);
            }
            return body.path("data");
        } catch (VaultException e) {
            throw translate(e, ip, path);
        } catch (IOException e) {
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, 200, path + " on " + ip + " returned invalid JSON", e);
        }
    }

    private void write(String ip, Session session, String path, Map<String, Object> body) throws ClusterCallException {
        LogicalResponse response;
        try {
            response = driver(ip, session.token()).logical().write(path, body);
        } catch (VaultException e) {
            throw translate(e, ip, path);
        }
        refuseErrorStatus(response, ip, path);
    }

    /**
     * The driver returns 4xx answers (but 412) as if they were results instead of failing: a denied remove-peer or
     * step-down would look done. Any status from 400 up is a failure here, named like the driver's own.
     */
    private static void refuseErrorStatus(LogicalResponse response, String ip, String path) throws ClusterCallException {
        int status = response.getRestResponse() == null ? 0 : response.getRestResponse().getStatus();
        if (status >= 400) {
            byte[] body = response.getRestResponse().getBody();
            throw translate(status, body == null ? "" : new String(body, java.nio.charset.StandardCharsets.UTF_8), ip, path);
        }
    }

    private Vault driver(String ip, String token) throws VaultException {
        int seconds = (int) Math.max(1, (requestTimeout.toMillis() + 999) / 1000);
        VaultConfig config = new VaultConfig()
                .environmentLoader(NO_ENVIRONMENT)
                .address(base(ip).toString())
                .engineVersion(1)
                .httpClient(http)
                .readTimeout(seconds)
                .openTimeout(seconds);
        if (token != null) {
            config.token(token);
        }
        return Vault.create(config.build(), 1);
    }

    private static ClusterCallException translate(VaultException e, String ip, String path) {
        int status = e.getHttpStatusCode();
        String where = path + " on " + ip;
        if (status == 0) {
            if (HttpFailures.isTls(e)) {
                return new ClusterCallException(ReadFailure.TLS, 0, where + ": TLS verification failed: " + HttpFailures.describe(e), e);
            }
            return new ClusterCallException(ReadFailure.UNREACHABLE, 0, where + ": " + HttpFailures.describe(e), e);
        }
        return translate(status, e.getMessage() == null ? "" : e.getMessage(), ip, path);
    }

    private static ClusterCallException translate(int status, String message, String ip, String path) {
        String where = path + " on " + ip;
        if (status == 403 || status == 400 && path.contains("/login")) {
            return new ClusterCallException(ReadFailure.DENIED, status, where + ": permission denied (HTTP " + status + ")", null);
        }
        if ((status == 500 || status == 503) && (message.contains("no active node") || message.contains("leadership")
                || message.contains("local node not active") || message.contains("Vault is sealed"))) {
            return new ClusterCallException(ReadFailure.NO_LEADER, status, where + ": no active node (HTTP " + status + ")", null);
        }
        return new ClusterCallException(ReadFailure.BAD_RESPONSE, status, where + ": HTTP " + status + " " + firstError(message), null);
    }

    /** The first "errors" entry of a Vault error body, short; never the request. */
    private static String firstError(String message) {
        int idx = message.indexOf("\"errors\"");
        if (idx < 0) {
            return "";
        }
        String tail = message.substring(idx);
        return tail.length() > 200 ? tail.substring(0, 200) : tail;
    }

}
